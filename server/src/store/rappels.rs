//! The delivery log of session reminders (`envois`, `envois_tentatives`): what the job in
//! `crate::rappels` reads and claims, and what the staff see of it (`api::rappels`).
//!
//! « Once per session and channel » rests on the unique key (seance, canal) and on guarded
//! UPDATEs: a row changes state only from the state the statement names, so of several servers
//! running the same statement at once, one wins.

use crate::store::conn::{on, Conn};
use carnet_domain::rappels::{self as regles, DelaiRappel};
use chrono::{DateTime, Duration, Utc};

/// A claim lapses after this long without a result (the server died mid-send).
const BAIL: i64 = 5;

/// A value the schema's CHECK forbids: the row cannot be read as the store knows it.
fn inconnu(colonne: &str, valeur: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("{colonne} inconnu : « {valeur} »").into())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Canal {
    Email,
    Sms,
}

impl Canal {
    pub fn code(self) -> &'static str {
        match self {
            Canal::Email => "email",
            Canal::Sms => "sms",
        }
    }

    pub fn parse(code: &str) -> Option<Canal> {
        [Canal::Email, Canal::Sms].into_iter().find(|c| c.code() == code)
    }

    fn modele(self) -> &'static str {
        match self {
            Canal::Email => regles::MODELE_EMAIL,
            Canal::Sms => regles::MODELE_SMS,
        }
    }
}

/// The state of one reminder (`envois.etat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EtatEnvoi {
    /// Not sent yet; tried from `prochain_essai`.
    EnAttente,
    /// Claimed by a server, until its lease lapses.
    EnCours,
    Envoye,
    /// Failed for good.
    Echec,
    /// The session was cancelled or held, or the person's contact withdrawn, before it went.
    Retire,
}

impl EtatEnvoi {
    pub const TOUS: [EtatEnvoi; 5] =
        [EtatEnvoi::EnAttente, EtatEnvoi::EnCours, EtatEnvoi::Envoye, EtatEnvoi::Echec, EtatEnvoi::Retire];

    /// The value stored in the database (and shown on the wire).
    pub fn code(self) -> &'static str {
        match self {
            EtatEnvoi::EnAttente => "en_attente",
            EtatEnvoi::EnCours => "en_cours",
            EtatEnvoi::Envoye => "envoye",
            EtatEnvoi::Echec => "echec",
            EtatEnvoi::Retire => "retire",
        }
    }

    pub fn parse(code: &str) -> Option<EtatEnvoi> {
        EtatEnvoi::TOUS.into_iter().find(|e| e.code() == code)
    }
}

/// A row claimed for one try: its id and the number of this try (1 for the first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Essai {
    pub id: i64,
    pub tentatives: i64,
}

#[derive(sqlx::FromRow)]
struct CandidatRow {
    seance_id: i64,
    parcours_id: i64,
    structure_id: i64,
    debut: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    rappel_delai: String,
    email: Option<String>,
    telephone: Option<String>,
    structure_commune: Option<String>,
    structure_fuseau: Option<String>,
}

/// A planned session that may need a reminder, with what deciding and sending it takes.
#[derive(Clone, Debug)]
pub struct Candidat {
    pub seance_id: i64,
    pub parcours_id: i64,
    pub structure_id: i64,
    pub debut: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The structure's choice (never `Aucun`: those structures send none).
    pub delai: DelaiRappel,
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub structure_commune: Option<String>,
    pub structure_fuseau: Option<String>,
}

impl Candidat {
    /// The structure's zone: its night and its 08:00 are the ones that count.
    pub fn fuseau(&self) -> carnet_domain::fuseau::Fuseau {
        crate::store::fuseaux::calendrier(self.structure_commune.as_deref(), self.structure_fuseau.as_deref()).fuseau
    }
}

/// Planned sessions starting in (`now`, `now` + 49 h], of people not anonymised whose latest
/// « rappels » consent is given and who left a contact, in structures that send reminders;
/// by start, then id.
pub async fn candidats(conn: &mut dyn Conn, now: DateTime<Utc>) -> sqlx::Result<Vec<Candidat>> {
    let rows: Vec<CandidatRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT s.id AS seance_id, s.parcours_id, p.structure_id, s.debut, s.updated_at, st.rappel_delai,
                c.email, c.telephone, st.commune_insee AS structure_commune, st.fuseau AS structure_fuseau
         FROM seances s
         JOIN parcours p ON p.id = s.parcours_id
         JOIN structures st ON st.id = p.structure_id
         JOIN beneficiaires b ON b.id = p.beneficiaire_id
         JOIN beneficiaires_contacts c ON c.beneficiaire_id = b.id
         WHERE s.statut = 'prevue' AND s.debut > $1 AND s.debut <= $2
           AND st.rappel_delai <> 'aucun' AND b.anonymise_at IS NULL
           AND (SELECT k.accorde FROM consentements k WHERE k.beneficiaire_id = b.id AND k.objet = 'rappels'
                ORDER BY k.id DESC LIMIT 1) = TRUE
         ORDER BY s.debut, s.id",
    )
    .bind(now)
    .bind(now + Duration::hours(49))
    .fetch_all(cx)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|r| Candidat {
            seance_id: r.seance_id,
            parcours_id: r.parcours_id,
            structure_id: r.structure_id,
            debut: r.debut,
            updated_at: r.updated_at,
            delai: DelaiRappel::parse(&r.rappel_delai).unwrap_or_default(),
            email: r.email,
            telephone: r.telephone,
            structure_commune: r.structure_commune,
            structure_fuseau: r.structure_fuseau,
        })
        .collect())
}

/// Withdraws ('retire') the unclaimed or lapsed reminders of sessions no longer planned or of
/// people without contact details; then marks 'echec' those whose session started before they
/// could go. Returns how many were withdrawn.
pub async fn retirer(conn: &mut dyn Conn, now: DateTime<Utc>) -> sqlx::Result<usize> {
    let r = on!(conn, |cx| sqlx::query(
        "UPDATE envois SET etat = 'retire', bail = NULL, updated_at = $1
         WHERE etat IN ('en_attente', 'en_cours') AND (bail IS NULL OR bail < $1)
           AND EXISTS (SELECT 1 FROM seances s JOIN parcours p ON p.id = s.parcours_id
                       WHERE s.id = envois.seance_id
                         AND (s.statut <> 'prevue'
                              OR NOT EXISTS (SELECT 1 FROM beneficiaires_contacts c
                                             WHERE c.beneficiaire_id = p.beneficiaire_id)))",
    )
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    on!(conn, |cx| sqlx::query(
        "UPDATE envois SET etat = 'echec', bail = NULL, updated_at = $1,
                reponse = COALESCE(reponse || ' ; ', '') || 'séance commencée avant l''envoi'
         WHERE etat IN ('en_attente', 'en_cours') AND (bail IS NULL OR bail < $1)
           AND EXISTS (SELECT 1 FROM seances s WHERE s.id = envois.seance_id AND s.debut <= $1)",
    )
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(r as usize)
}

/// Claims the (session, channel) reminder for the caller: resets a reminder that went or failed
/// for good if the session moved since (one fresh reminder for the new start), creates the row on
/// the first try, then takes it ('en_cours', a lease of a few minutes) if it is waiting and its
/// retry time has come, or if another server's lease lapsed. `None` when it is not the caller's
/// to send: of several servers claiming at once, one gets it.
pub async fn reclamer(
    conn: &mut dyn Conn,
    seance_id: i64,
    canal: Canal,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Essai>> {
    // One guarded UPDATE: of several servers, one resets the row, then one claims it below.
    on!(conn, |cx| sqlx::query(
        "UPDATE envois SET etat = 'en_attente', tentatives = 0, prochain_essai = $3, reponse = NULL, envoye_at = NULL,
                updated_at = $3
         WHERE seance_id = $1 AND canal = $2 AND etat IN ('envoye', 'echec') AND debut_seance IS NOT NULL
           AND debut_seance <> (SELECT s.debut FROM seances s WHERE s.id = $1)",
    )
    .bind(seance_id)
    .bind(canal.code())
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    on!(conn, |cx| {
        sqlx::query(
        "INSERT INTO envois (seance_id, canal, etat, tentatives, prochain_essai, modele, version_modele, created_at, updated_at)
         VALUES ($1, $2, 'en_attente', 0, $3, $4, $5, $3, $3)
         ON CONFLICT (seance_id, canal) DO NOTHING",
    )
    .bind(seance_id)
    .bind(canal.code())
    .bind(now)
    .bind(canal.modele())
    .bind(regles::VERSION_MODELES)
    .execute(cx)
    .await.map(|r| r.rows_affected())
    })?;
    on!(conn, |cx| sqlx::query_as(
        "UPDATE envois SET etat = 'en_cours', bail = $4, tentatives = tentatives + 1, updated_at = $3,
                modele = $5, version_modele = $6, debut_seance = (SELECT s.debut FROM seances s WHERE s.id = $1)
         WHERE seance_id = $1 AND canal = $2
           AND ((etat = 'en_attente' AND prochain_essai <= $3) OR (etat = 'en_cours' AND bail < $3))
         RETURNING id, tentatives",
    )
    .bind(seance_id)
    .bind(canal.code())
    .bind(now)
    .bind(now + Duration::minutes(BAIL))
    .bind(canal.modele())
    .bind(regles::VERSION_MODELES)
    .fetch_optional(cx)
    .await)
}

/// Writes the result of a try on a claimed row: its new state (`Envoye`, `EnAttente` with the
/// next try, or `Echec`), the answer, and one line of `envois_tentatives`. A row no longer
/// 'en_cours' (withdrawn meanwhile) keeps its state; the try is logged all the same.
pub async fn conclure(
    conn: &mut dyn Conn,
    envoi_id: i64,
    etat: EtatEnvoi,
    reponse: &str,
    prochain_essai: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    conclure_envoi(conn, Envois::Rappels, envoi_id, etat.code(), Some(reponse), prochain_essai, now).await?;
    on!(conn, |cx| sqlx::query(
        "INSERT INTO envois_tentatives (envoi_id, at, resultat, reponse) VALUES ($1, $2, $3, $4)"
    )
    .bind(envoi_id)
    .bind(now)
    .bind(if etat == EtatEnvoi::Envoye { "envoye" } else { "echec" })
    .bind(reponse)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The two delivery logs, which claim and conclude their rows alike.
#[derive(Clone, Copy)]
pub(crate) enum Envois {
    /// Reminders of a session, to the person.
    Rappels,
    /// The conseiller's morning e-mail.
    Journee,
}

/// Writes the result of a try on a claimed row of either log: its new state, the answer and,
/// when waiting again, the next try. A row no longer 'en_cours' is left as it is.
pub(crate) async fn conclure_envoi(
    conn: &mut dyn Conn,
    table: Envois,
    id: i64,
    etat: &str,
    reponse: Option<&str>,
    prochain_essai: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let table = match table {
        Envois::Rappels => "envois",
        Envois::Journee => "envois_journee",
    };
    let sql = format!(
        "UPDATE {table} SET etat = $2, bail = NULL, reponse = $3, prochain_essai = COALESCE($4, prochain_essai),
                envoye_at = CASE WHEN $2 = 'envoye' THEN $5 ELSE envoye_at END, updated_at = $5
         WHERE id = $1 AND etat = 'en_cours'"
    );
    on!(conn, |cx| sqlx::query(&sql)
        .bind(id)
        .bind(etat)
        .bind(reponse)
        .bind(prochain_essai)
        .bind(now)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes the delivery log of a person's sessions (anonymisation), inside the caller's
/// transaction.
pub async fn purger_beneficiaire(conn: &mut dyn Conn, beneficiaire_id: i64) -> sqlx::Result<()> {
    for sql in [
        "DELETE FROM envois_tentatives WHERE envoi_id IN (SELECT e.id FROM envois e JOIN seances s ON s.id = e.seance_id
            JOIN parcours p ON p.id = s.parcours_id WHERE p.beneficiaire_id = $1)",
        "DELETE FROM envois WHERE seance_id IN (SELECT s.id FROM seances s JOIN parcours p ON p.id = s.parcours_id
            WHERE p.beneficiaire_id = $1)",
    ] {
        on!(conn, |cx| sqlx::query(sql).bind(beneficiaire_id).execute(cx).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LigneRow {
    seance_id: i64,
    canal: String,
    etat: String,
    tentatives: i64,
    reponse: Option<String>,
    updated_at: DateTime<Utc>,
    envoye_at: Option<DateTime<Utc>>,
}

/// One reminder of a parcours, as the staff see it.
pub struct Ligne {
    pub seance_id: i64,
    pub canal: Canal,
    pub etat: EtatEnvoi,
    pub tentatives: i64,
    pub reponse: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub envoye_at: Option<DateTime<Utc>>,
}

/// The reminders of the parcours' sessions, if the parcours is of this structure (none
/// otherwise), by session start then channel.
pub async fn of_parcours(conn: &mut dyn Conn, parcours_id: i64, structure_id: i64) -> sqlx::Result<Vec<Ligne>> {
    let rows: Vec<LigneRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT e.seance_id, e.canal, e.etat, e.tentatives, e.reponse, e.updated_at, e.envoye_at
         FROM envois e JOIN seances s ON s.id = e.seance_id JOIN parcours p ON p.id = s.parcours_id
         WHERE p.id = $1 AND p.structure_id = $2 ORDER BY s.debut, e.canal",
    )
    .bind(parcours_id)
    .bind(structure_id)
    .fetch_all(cx)
    .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(Ligne {
                seance_id: r.seance_id,
                canal: Canal::parse(&r.canal).ok_or_else(|| inconnu("canal", &r.canal))?,
                etat: EtatEnvoi::parse(&r.etat).ok_or_else(|| inconnu("état", &r.etat))?,
                tentatives: r.tentatives,
                reponse: r.reponse,
                updated_at: r.updated_at,
                envoye_at: r.envoye_at,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct EchecRow {
    seance_id: i64,
    parcours_id: i64,
    debut: DateTime<Utc>,
    canal: String,
    tentatives: i64,
    reponse: Option<String>,
    updated_at: DateTime<Utc>,
}

/// A reminder failed for good.
pub struct Echec {
    pub seance_id: i64,
    pub parcours_id: i64,
    pub debut: DateTime<Utc>,
    pub canal: Canal,
    pub tentatives: i64,
    pub reponse: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// The structure's reminders failed for good since `depuis`, newest first, at most 500.
pub async fn echecs(conn: &mut dyn Conn, structure_id: i64, depuis: DateTime<Utc>) -> sqlx::Result<Vec<Echec>> {
    let rows: Vec<EchecRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT e.seance_id, s.parcours_id, s.debut, e.canal, e.tentatives, e.reponse, e.updated_at
         FROM envois e JOIN seances s ON s.id = e.seance_id JOIN parcours p ON p.id = s.parcours_id
         WHERE p.structure_id = $1 AND e.etat = 'echec' AND e.updated_at >= $2
         ORDER BY e.updated_at DESC LIMIT 500",
    )
    .bind(structure_id)
    .bind(depuis)
    .fetch_all(cx)
    .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(Echec {
                seance_id: r.seance_id,
                parcours_id: r.parcours_id,
                debut: r.debut,
                canal: Canal::parse(&r.canal).ok_or_else(|| inconnu("canal", &r.canal))?,
                tentatives: r.tentatives,
                reponse: r.reponse,
                updated_at: r.updated_at,
            })
        })
        .collect()
}
