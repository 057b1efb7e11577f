//! Personal links of the beneficiary space: issue (revoking the previous one), revoke, find by
//! token or by short code. Neither is stored in clear. A token (256 random bits) is kept as its
//! SHA-256: nothing to try. A short code (about 39 bits) is kept as its HMAC under the server's
//! secret, which is not in the database (`crate::secret`): under a plain hash, whoever holds a
//! copy of the database would find every code in minutes. Codes issued before the secret
//! existed are plain SHA-256 until typed once (`exchange_code`).

use crate::auth::{new_token, token_hash};
use crate::db::Db;
use crate::secret::Secret;
use crate::store::conn::{on, Conn};
use carnet_domain::pass_code::ALPHABET;
use chrono::{DateTime, Utc};
use rand::Rng;

/// A new short code, uniform over the pass alphabet (8 characters: about 39 bits; guessing is
/// throttled, the database keeps only its HMAC, and a code only ever gives a link that the
/// conseiller can revoke).
fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..carnet_domain::espace::CODE_LONGUEUR).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// A link just issued: the token and code in clear, returned once and never stored.
pub struct Emis {
    pub token: String,
    pub code: String,
}

/// Revokes the parcours' working link, if any. True if there was one.
pub async fn revoke(conn: &mut dyn Conn, parcours_id: i64, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let r = on!(conn, |cx| sqlx::query(
        "UPDATE liens_personnels SET revoked_at = $2 WHERE parcours_id = $1 AND revoked_at IS NULL"
    )
    .bind(parcours_id)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(r > 0)
}

/// Revokes every link of a person's parcours (anonymisation).
pub async fn revoke_for_beneficiaire(
    conn: &mut dyn Conn,
    beneficiaire_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let r = on!(conn, |cx| sqlx::query(
        "UPDATE liens_personnels SET revoked_at = $2
         WHERE revoked_at IS NULL AND parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)",
    )
    .bind(beneficiaire_id)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(r)
}

/// Issues a new link for the parcours, inside the caller's transaction; the previous one stops
/// working.
pub async fn issue(
    conn: &mut dyn Conn,
    secret: &Secret,
    parcours_id: i64,
    by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Emis> {
    revoke(conn, parcours_id, now).await?;
    // A code already used by any link (even revoked, even stored the old way) is drawn again: a
    // code names one link ever.
    let code = loop {
        let c = new_code();
        let (taken,): (bool,) = on!(conn, |cx| sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM liens_personnels WHERE code_hash IN ($1, $2))"
        )
        .bind(secret.hmac(&c))
        .bind(token_hash(&c))
        .fetch_one(cx)
        .await)?;
        if !taken {
            break c;
        }
    };
    let (lien_id,): (i64,) = on!(conn, |cx| {
        sqlx::query_as(
        "INSERT INTO liens_personnels (parcours_id, code_hash, created_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(parcours_id)
    .bind(secret.hmac(&code))
    .bind(now)
    .bind(by)
    .fetch_one(cx)
    .await
    })?;
    let token = add_token(conn, lien_id, "lien", now).await?;
    Ok(Emis { token, code })
}

async fn add_token(conn: &mut dyn Conn, lien_id: i64, origine: &str, now: DateTime<Utc>) -> sqlx::Result<String> {
    let (token, hash) = new_token();
    on!(conn, |cx| sqlx::query(
        "INSERT INTO liens_jetons (token_hash, lien_id, origine, created_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(hash)
    .bind(lien_id)
    .bind(origine)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(token)
}

/// Tokens minted from the short code kept per link: typing the code again on a new phone must
/// work, but the table must not grow without end.
const JETONS_CODE_MAX: i64 = 10;

/// The short code typed on the home page: a new token for its working link, or `None`, inside
/// the caller's transaction. A code stored before the server's secret (its plain SHA-256) opens
/// its link too, and is stored as the HMAC from then on.
pub async fn exchange_code(
    conn: &mut dyn Conn,
    secret: &Secret,
    code: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<String>> {
    let (cle, ancien) = (secret.hmac(code), token_hash(code));
    // One statement for both forms: the database compares, and a code being rewritten by
    // another instance is found either way.
    let found: Option<(i64, bool)> = on!(conn, |cx| sqlx::query_as(
        "SELECT l.id, l.code_hash = $2 FROM liens_personnels l
         JOIN parcours p ON p.id = l.parcours_id
         JOIN beneficiaires b ON b.id = p.beneficiaire_id
         WHERE l.code_hash IN ($1, $2) AND l.revoked_at IS NULL AND b.anonymise_at IS NULL",
    )
    .bind(&cle)
    .bind(&ancien)
    .fetch_optional(cx)
    .await)?;
    let Some((lien_id, a_reecrire)) = found else { return Ok(None) };
    if a_reecrire {
        on!(conn, |cx| sqlx::query("UPDATE liens_personnels SET code_hash = $1 WHERE id = $2 AND code_hash = $3")
            .bind(&cle)
            .bind(lien_id)
            .bind(&ancien)
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))?;
    }
    let token = add_token(conn, lien_id, "code", now).await?;
    elaguer_jetons(conn, lien_id, "code", &token_hash(&token), JETONS_CODE_MAX).await?;
    Ok(Some(token))
}

/// Keeps at most `max` tokens of one origin for a link: the one just minted (its hash
/// `nouveau`) and the most recent others. Tokens minted in the same instant are told apart by
/// their hash: the table keeps no insertion order on PostgreSQL.
pub async fn elaguer_jetons(
    conn: &mut dyn Conn,
    lien_id: i64,
    origine: &str,
    nouveau: &str,
    max: i64,
) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query(
        "DELETE FROM liens_jetons WHERE lien_id = $1 AND origine = $2 AND token_hash <> $3 AND token_hash NOT IN
           (SELECT token_hash FROM liens_jetons WHERE lien_id = $1 AND origine = $2 AND token_hash <> $3
            ORDER BY created_at DESC, token_hash DESC LIMIT $4)",
    )
    .bind(lien_id)
    .bind(origine)
    .bind(nouveau)
    .bind(max - 1)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Whose space a token opens.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Titulaire {
    pub parcours_id: i64,
    pub beneficiaire_id: i64,
    pub structure_id: i64,
}

/// What a token of the space is.
#[derive(Clone, Debug)]
pub enum Jeton {
    /// A working link of a person not anonymised: the parcours it opens.
    Valide(Titulaire),
    /// A token that was issued but no longer opens anything (revoked, replaced, anonymised).
    Revoque,
    /// Never issued (or pruned): a guess.
    Inconnu,
}

#[derive(sqlx::FromRow)]
struct Trouve {
    #[sqlx(flatten)]
    titulaire: Titulaire,
    valide: bool,
}

/// What `token` is; it opens only a working link of a person not anonymised.
pub async fn find(db: &Db, token: &str) -> sqlx::Result<Jeton> {
    let found: Option<Trouve> = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT p.id AS parcours_id, p.beneficiaire_id, p.structure_id,
                (l.revoked_at IS NULL AND b.anonymise_at IS NULL) AS valide
         FROM liens_jetons j
         JOIN liens_personnels l ON l.id = j.lien_id
         JOIN parcours p ON p.id = l.parcours_id
         JOIN beneficiaires b ON b.id = p.beneficiaire_id
         WHERE j.token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(cx)
    .await)?;
    Ok(match found {
        Some(Trouve { titulaire, valide: true }) => Jeton::Valide(titulaire),
        Some(_) => Jeton::Revoque,
        None => Jeton::Inconnu,
    })
}

/// The working link of a parcours: when and by whom it was issued.
pub async fn active(db: &Db, parcours_id: i64) -> sqlx::Result<Option<(DateTime<Utc>, Option<String>)>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT l.created_at, u.prenom || ' ' || u.nom FROM liens_personnels l LEFT JOIN users u ON u.id = l.created_by
         WHERE l.parcours_id = $1 AND l.revoked_at IS NULL",
    )
    .bind(parcours_id)
    .fetch_optional(cx)
    .await)
}

/// Whether the person agreed to the calendar feed (their latest « agenda » answer).
pub async fn agenda_consent(db: &Db, beneficiaire_id: i64) -> sqlx::Result<bool> {
    let row: Option<(bool,)> = on!(db.acquire().await?, |cx| {
        sqlx::query_as(
        "SELECT accorde FROM consentements WHERE beneficiaire_id = $1 AND objet = 'agenda' ORDER BY id DESC LIMIT 1",
    )
    .bind(beneficiaire_id)
    .fetch_optional(cx)
    .await
    })?;
    Ok(row.is_some_and(|r| r.0))
}

/// « Je ne pourrai pas venir »: a planned session of this parcours starting after `now` becomes
/// excused, marked as told by the person. False (nothing written) otherwise.
pub async fn excuse(conn: &mut dyn Conn, parcours_id: i64, seance_id: i64, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let r = on!(conn, |cx| sqlx::query(
        "UPDATE seances SET statut = 'absente_excusee', sequence = sequence + 1, updated_at = $3,
                prevenu_par_personne_at = $3
         WHERE id = $1 AND parcours_id = $2 AND statut = 'prevue' AND debut > $3",
    )
    .bind(seance_id)
    .bind(parcours_id)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(r == 1)
}
