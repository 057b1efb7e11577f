//! Personal links of the beneficiary space: issue (revoking the previous one), revoke, find by
//! token or by short code. Neither is stored in clear. A token (256 random bits) is kept as its
//! SHA-256: nothing to try. A short code (about 39 bits) is kept as its HMAC under the server's
//! secret, which is not in the database (`crate::secret`): under a plain hash, whoever holds a
//! copy of the database would find every code in minutes. Codes issued before the secret
//! existed are plain SHA-256 until typed once (`exchange_code`).
//!
//! A link also has a calendar token (`liens_agenda`): it only reads the calendar, and is kept
//! as its SHA-256 and as a random seed whose HMAC under the secret it is, so that the space can
//! show the calendar's address again. Links expire a while after their parcours closed: the
//! caller says when (`expire_avant`).

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

/// Issues a new link for the parcours, with its calendar token, inside the caller's
/// transaction; the previous one stops working, its calendar token with it.
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
    issue_agenda(conn, secret, lien_id, now).await?;
    Ok(Emis { token, code })
}

async fn add_token(conn: &mut dyn Conn, lien_id: i64, origine: &str, now: DateTime<Utc>) -> sqlx::Result<String> {
    let (token, hash) = new_token();
    ajouter_jeton(conn, lien_id, origine, &hash, now).await?;
    Ok(token)
}

/// Adds a token (given as its hash) that opens the link `lien_id`, minted by `origine` (« lien »,
/// « code », « rappel »). The token itself is never stored.
pub async fn ajouter_jeton(
    conn: &mut dyn Conn,
    lien_id: i64,
    origine: &str,
    token_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query(
        "INSERT INTO liens_jetons (token_hash, lien_id, origine, created_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(token_hash)
    .bind(lien_id)
    .bind(origine)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Tokens minted from the short code kept per link: typing the code again on a new phone must
/// work, but the table must not grow without end.
const JETONS_CODE_MAX: i64 = 10;

/// What a typed short code gives.
#[derive(Debug)]
pub enum Echange {
    /// A new token for its working link.
    Jeton(String),
    /// The code of a working link whose parcours closed before `expire_avant`: nothing, and not
    /// a guess.
    Expire,
    /// No working link has this code.
    Inconnu,
}

/// The short code typed on the home page, inside the caller's transaction. A code stored before
/// the server's secret (its plain SHA-256) opens its link too, and is stored as the HMAC from
/// then on. Links of a parcours closed before `expire_avant` have expired.
pub async fn exchange_code(
    conn: &mut dyn Conn,
    secret: &Secret,
    code: &str,
    now: DateTime<Utc>,
    expire_avant: DateTime<Utc>,
) -> sqlx::Result<Echange> {
    let (cle, ancien) = (secret.hmac(code), token_hash(code));
    // One statement for both forms: the database compares, and a code being rewritten by
    // another instance is found either way.
    let found: Option<(i64, bool, bool)> = on!(conn, |cx| sqlx::query_as(
        "SELECT l.id, l.code_hash = $2, (p.closed_at IS NOT NULL AND p.closed_at <= $3) FROM liens_personnels l
         JOIN parcours p ON p.id = l.parcours_id
         JOIN beneficiaires b ON b.id = p.beneficiaire_id
         WHERE l.code_hash IN ($1, $2) AND l.revoked_at IS NULL AND b.anonymise_at IS NULL",
    )
    .bind(&cle)
    .bind(&ancien)
    .bind(expire_avant)
    .fetch_optional(cx)
    .await)?;
    let Some((lien_id, a_reecrire, expire)) = found else { return Ok(Echange::Inconnu) };
    if expire {
        return Ok(Echange::Expire);
    }
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
    Ok(Echange::Jeton(token))
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
    pub lien_id: i64,
    pub parcours_id: i64,
    pub beneficiaire_id: i64,
    pub structure_id: i64,
}

/// What a token of the space is.
#[derive(Clone, Debug)]
pub enum Jeton {
    /// A working link of a person not anonymised: the parcours it opens.
    Valide(Titulaire),
    /// A token that was issued but no longer opens anything (revoked, replaced, anonymised,
    /// expired).
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

/// What `token` is; it opens only a working link of a person not anonymised, whose parcours
/// did not close before `expire_avant`.
pub async fn find(db: &Db, token: &str, expire_avant: DateTime<Utc>) -> sqlx::Result<Jeton> {
    let found: Option<Trouve> = on!(db.acquire().await?, |cx| {
        sqlx::query_as(
        "SELECT l.id AS lien_id, p.id AS parcours_id, p.beneficiaire_id, p.structure_id,
                (l.revoked_at IS NULL AND b.anonymise_at IS NULL AND (p.closed_at IS NULL OR p.closed_at > $2)) AS valide
         FROM liens_jetons j
         JOIN liens_personnels l ON l.id = j.lien_id
         JOIN parcours p ON p.id = l.parcours_id
         JOIN beneficiaires b ON b.id = p.beneficiaire_id
         WHERE j.token_hash = $1",
    )
    .bind(token_hash(token))
    .bind(expire_avant)
    .fetch_optional(cx)
    .await
    })?;
    Ok(match found {
        Some(Trouve { titulaire, valide: true }) => Jeton::Valide(titulaire),
        Some(_) => Jeton::Revoque,
        None => Jeton::Inconnu,
    })
}

/// What a calendar token is (see `liens_agenda`): it reads the sessions of a working link's
/// parcours as `find`'s tokens open it, while it is not revoked itself. A token of the space is
/// not one (another table): it is `Inconnu` here, as a calendar token is to `find`.
pub async fn find_agenda(db: &Db, token: &str, expire_avant: DateTime<Utc>) -> sqlx::Result<Jeton> {
    let found: Option<Trouve> = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT l.id AS lien_id, p.id AS parcours_id, p.beneficiaire_id, p.structure_id,
                (a.revoked_at IS NULL AND l.revoked_at IS NULL AND b.anonymise_at IS NULL
                 AND (p.closed_at IS NULL OR p.closed_at > $2)) AS valide
         FROM liens_agenda a
         JOIN liens_personnels l ON l.id = a.lien_id
         JOIN parcours p ON p.id = l.parcours_id
         JOIN beneficiaires b ON b.id = p.beneficiaire_id
         WHERE a.token_hash = $1",
    )
    .bind(token_hash(token))
    .bind(expire_avant)
    .fetch_optional(cx)
    .await)?;
    Ok(match found {
        Some(Trouve { titulaire, valide: true }) => Jeton::Valide(titulaire),
        Some(_) => Jeton::Revoque,
        None => Jeton::Inconnu,
    })
}

/// The seed of a calendar token: 32 random bytes, in hexadecimal.
fn new_graine() -> String {
    let mut graine = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut graine);
    graine.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new calendar token for the link, inside the caller's transaction; the working one, if
/// any, stops working (calendars subscribed to its address get nothing more).
pub async fn issue_agenda(conn: &mut dyn Conn, secret: &Secret, lien_id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    revoke_agenda_of(conn, lien_id, now).await?;
    let graine = new_graine();
    on!(conn, |cx| sqlx::query(
        "INSERT INTO liens_agenda (lien_id, token_hash, graine, created_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(lien_id)
    .bind(token_hash(&secret.jeton(&graine)))
    .bind(&graine)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

async fn revoke_agenda_of(conn: &mut dyn Conn, lien_id: i64, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let r = on!(conn, |cx| sqlx::query(
        "UPDATE liens_agenda SET revoked_at = $2 WHERE lien_id = $1 AND revoked_at IS NULL"
    )
    .bind(lien_id)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(r > 0)
}

/// Revokes the calendar token of the parcours' working link, the link itself still working.
/// True if there was one.
pub async fn revoke_agenda(conn: &mut dyn Conn, parcours_id: i64, now: DateTime<Utc>) -> sqlx::Result<bool> {
    match lien_actif(conn, parcours_id).await? {
        Some(lien_id) => revoke_agenda_of(conn, lien_id, now).await,
        None => Ok(false),
    }
}

/// The id of the parcours' working link, if any.
pub async fn lien_actif(conn: &mut dyn Conn, parcours_id: i64) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = on!(conn, |cx| sqlx::query_as(
        "SELECT id FROM liens_personnels WHERE parcours_id = $1 AND revoked_at IS NULL"
    )
    .bind(parcours_id)
    .fetch_optional(cx)
    .await)?;
    Ok(row.map(|r| r.0))
}

/// The working calendar token of a link, in clear (rebuilt from its seed), or `None` when the
/// conseiller revoked it without a new one. A link issued before calendar tokens existed gets
/// its first one here.
pub async fn agenda_token(db: &Db, secret: &Secret, lien_id: i64, now: DateTime<Utc>) -> sqlx::Result<Option<String>> {
    let mut pool_conn = db.acquire().await?;
    let conn: &mut dyn Conn = &mut pool_conn;
    let graine = new_graine();
    // Only if the link never had one: a token the conseiller revoked stays revoked. Two pages
    // opened at once: the unique index keeps one token, and both read it below.
    on!(conn, |cx| sqlx::query(
        "INSERT INTO liens_agenda (lien_id, token_hash, graine, created_at)
         SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM liens_agenda WHERE lien_id = $1)
         ON CONFLICT DO NOTHING"
    )
    .bind(lien_id)
    .bind(token_hash(&secret.jeton(&graine)))
    .bind(&graine)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    let row: Option<(String,)> =
        on!(conn, |cx| sqlx::query_as("SELECT graine FROM liens_agenda WHERE lien_id = $1 AND revoked_at IS NULL")
            .bind(lien_id)
            .fetch_optional(cx)
            .await)?;
    Ok(row.map(|(g,)| secret.jeton(&g)))
}

/// What staff see of a parcours' personal link, read in one statement.
#[derive(sqlx::FromRow)]
pub struct EtatLien {
    /// When the working link was issued (none: no working link).
    pub cree_at: Option<DateTime<Utc>>,
    /// Who issued it.
    pub cree_par: Option<String>,
    /// The person's latest « agenda » answer.
    pub agenda: bool,
    /// The working link has a working calendar token.
    pub jeton_agenda: bool,
    /// When the parcours closed (its link expires some months later).
    pub closed_at: Option<DateTime<Utc>>,
}

/// The link's state for the staff panel; `None` for an unknown parcours.
pub async fn etat(conn: &mut dyn Conn, parcours_id: i64) -> sqlx::Result<Option<EtatLien>> {
    on!(conn, |cx| sqlx::query_as(
        "SELECT l.created_at AS cree_at, u.prenom || ' ' || u.nom AS cree_par,
                COALESCE((SELECT c.accorde FROM consentements c
                          WHERE c.beneficiaire_id = p.beneficiaire_id AND c.objet = 'agenda'
                          ORDER BY c.id DESC LIMIT 1), FALSE) AS agenda,
                EXISTS (SELECT 1 FROM liens_agenda a WHERE a.lien_id = l.id AND a.revoked_at IS NULL) AS jeton_agenda,
                p.closed_at
         FROM parcours p
         LEFT JOIN liens_personnels l ON l.parcours_id = p.id AND l.revoked_at IS NULL
         LEFT JOIN users u ON u.id = l.created_by
         WHERE p.id = $1",
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
