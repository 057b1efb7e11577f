//! The conseiller's day (`crate::journee`): the day's sessions of one conseiller, and the log of
//! the morning e-mails (`envois_journee`), claimed as the reminders' `envois`: one row per
//! conseiller and day (unique key), taken by one guarded UPDATE.

use crate::store::conn::{on, Conn};
use crate::store::rappels::Essai;
use carnet_domain::rappels as regles;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// A claim lapses after this long without a result (the server died mid-send).
const BAIL: i64 = 5;

/// The state of one morning e-mail (`envois_journee.etat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EtatJournee {
    EnAttente,
    EnCours,
    Envoye,
    /// Failed for good.
    Echec,
    /// A day without sessions: nothing sent.
    SansSeance,
}

impl EtatJournee {
    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            EtatJournee::EnAttente => "en_attente",
            EtatJournee::EnCours => "en_cours",
            EtatJournee::Envoye => "envoye",
            EtatJournee::Echec => "echec",
            EtatJournee::SansSeance => "sans_seance",
        }
    }
}

/// Who a day's list is of.
#[derive(sqlx::FromRow)]
pub struct Conseiller {
    pub prenom: String,
    pub nom: String,
    /// The structure's name.
    pub structure: String,
}

/// The conseiller with the name of their structure; `None` if they are not of `structure_id`.
pub async fn conseiller(
    conn: &mut dyn Conn,
    conseiller_id: i64,
    structure_id: i64,
) -> sqlx::Result<Option<Conseiller>> {
    on!(conn, |cx| sqlx::query_as(
        "SELECT u.prenom, u.nom, s.nom AS structure FROM users u JOIN structures s ON s.id = u.structure_id
         WHERE u.id = $1 AND u.structure_id = $2",
    )
    .bind(conseiller_id)
    .bind(structure_id)
    .fetch_optional(cx)
    .await)
}

#[derive(sqlx::FromRow)]
pub struct SeanceDuJour {
    pub id: i64,
    pub parcours_id: i64,
}

/// The sessions planned or held by the conseiller in the structure's parcours, starting in
/// [`debut`, `fin`), by start then id.
pub async fn seances(
    conn: &mut dyn Conn,
    conseiller_id: i64,
    structure_id: i64,
    debut: DateTime<Utc>,
    fin: DateTime<Utc>,
) -> sqlx::Result<Vec<SeanceDuJour>> {
    on!(conn, |cx| sqlx::query_as(
        "SELECT s.id, s.parcours_id FROM seances s JOIN parcours p ON p.id = s.parcours_id
         WHERE s.conseiller_id = $1 AND p.structure_id = $2 AND s.debut >= $3 AND s.debut < $4
           AND s.statut IN ('prevue', 'tenue')
         ORDER BY s.debut, s.id",
    )
    .bind(conseiller_id)
    .bind(structure_id)
    .bind(debut)
    .bind(fin)
    .fetch_all(cx)
    .await)
}

/// A conseiller who asked for the morning e-mail.
#[derive(sqlx::FromRow)]
pub struct Abonne {
    pub id: i64,
    pub email: String,
    pub prenom: String,
    pub structure_id: i64,
    pub commune_insee: Option<String>,
    pub fuseau: Option<String>,
    /// The last day whose e-mail is settled (sent, failed for good, or nothing to send).
    pub dernier_jour: Option<NaiveDate>,
}

/// The active conseillers and coordinateurs who asked for the morning e-mail, by id.
pub async fn abonnes(conn: &mut dyn Conn) -> sqlx::Result<Vec<Abonne>> {
    on!(conn, |cx| sqlx::query_as(
        "SELECT u.id, u.email, u.prenom, u.structure_id, st.commune_insee, st.fuseau,
                (SELECT MAX(e.jour) FROM envois_journee e
                 WHERE e.user_id = u.id AND e.etat IN ('envoye', 'echec', 'sans_seance')) AS dernier_jour
         FROM users u JOIN structures st ON st.id = u.structure_id
         WHERE u.journee_par_email = TRUE AND u.active = TRUE AND u.role IN ('conseiller', 'coordinateur')
         ORDER BY u.id",
    )
    .fetch_all(cx)
    .await)
}

/// Claims (user, jour) for the caller: creates its row on the first try, then takes it
/// ('en_cours', a lease of a few minutes) if it is waiting and its retry time has come, or if
/// another server's lease lapsed. `None` when it is not the caller's to send: of several servers
/// claiming at once, one gets it.
pub async fn reclamer(
    conn: &mut dyn Conn,
    user_id: i64,
    jour: NaiveDate,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Essai>> {
    on!(conn, |cx| {
        sqlx::query(
        "INSERT INTO envois_journee (user_id, jour, etat, tentatives, prochain_essai, modele, version_modele, created_at, updated_at)
         VALUES ($1, $2, 'en_attente', 0, $3, $4, $5, $3, $3)
         ON CONFLICT (user_id, jour) DO NOTHING",
    )
    .bind(user_id)
    .bind(jour)
    .bind(now)
    .bind(regles::MODELE_JOURNEE)
    .bind(regles::VERSION_MODELES)
    .execute(cx)
    .await.map(|r| r.rows_affected())
    })?;
    on!(conn, |cx| sqlx::query_as(
        "UPDATE envois_journee SET etat = 'en_cours', bail = $4, tentatives = tentatives + 1, updated_at = $3
         WHERE user_id = $1 AND jour = $2
           AND ((etat = 'en_attente' AND prochain_essai <= $3) OR (etat = 'en_cours' AND bail < $3))
         RETURNING id, tentatives",
    )
    .bind(user_id)
    .bind(jour)
    .bind(now)
    .bind(now + Duration::minutes(BAIL))
    .fetch_optional(cx)
    .await)
}

/// Writes the result of a try on a claimed row: its new state, the answer and, when waiting
/// again, the next try. A row no longer 'en_cours' is left as it is.
pub async fn conclure(
    conn: &mut dyn Conn,
    id: i64,
    etat: EtatJournee,
    reponse: Option<&str>,
    prochain_essai: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    crate::store::rappels::conclure_envoi(
        conn,
        crate::store::rappels::Envois::Journee,
        id,
        etat.code(),
        reponse,
        prochain_essai,
        now,
    )
    .await
}
