//! Personal data of beneficiaries: the information notice and what each person was shown,
//! consents and contact details, last activity and anonymisation, rectification, and the
//! export of everything held about one person.

use crate::db::Db;
use crate::store::audit::{Audit, Entite};
use crate::store::conn::{on, Conn};
use carnet_domain::donnees::{
    ConsentementEtat, ConsentementEvenement, Contacts, ExportTable, InformationDonnee, NouvelleNotice, Valeur,
    ValidConsentement, ValidInformation, CONSENTEMENTS,
};
use carnet_domain::intake::ValidPersonne;
use carnet_domain::text::normalise;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Column, Row, TypeInfo, ValueRef};
use std::collections::BTreeMap;

// --- the information notice

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: i64,
    pub version: String,
    pub titre: String,
    pub texte: String,
    pub publiee_at: DateTime<Utc>,
}

const NOTICE_COLUMNS: &str = "id, version, titre, texte, publiee_at";

/// The version in force: the last published.
pub async fn current_notice(db: &Db) -> sqlx::Result<Option<NoticeRow>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(&format!(
        "SELECT {NOTICE_COLUMNS} FROM notices_information ORDER BY publiee_at DESC, id DESC LIMIT 1"
    ))
    .fetch_optional(cx)
    .await)
}

/// Takes the pool or a transaction's connection (see `communes::get`).
pub async fn notice(conn: &mut dyn Conn, id: i64) -> sqlx::Result<Option<NoticeRow>> {
    on!(conn, |cx| sqlx::query_as(&format!("SELECT {NOTICE_COLUMNS} FROM notices_information WHERE id = $1"))
        .bind(id)
        .fetch_optional(cx)
        .await)
}

pub async fn notices(db: &Db) -> sqlx::Result<Vec<NoticeRow>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(&format!(
        "SELECT {NOTICE_COLUMNS} FROM notices_information ORDER BY publiee_at DESC, id DESC"
    ))
    .fetch_all(cx)
    .await)
}

pub async fn publish_notice(db: &Db, n: &NouvelleNotice, by: Option<i64>, now: DateTime<Utc>) -> sqlx::Result<i64> {
    let (id,): (i64,) = on!(db.acquire().await?, |cx| sqlx::query_as(
        "INSERT INTO notices_information (version, titre, texte, publiee_at, publiee_par)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&n.version)
    .bind(&n.titre)
    .bind(&n.texte)
    .bind(now)
    .bind(by)
    .fetch_one(cx)
    .await)?;
    Ok(id)
}

// --- information and consents

/// At intake, inside its transaction: the notice shown, both consent answers, and the contact
/// details when reminders are agreed.
pub async fn record_intake(
    conn: &mut dyn Conn,
    beneficiaire_id: i64,
    info: &ValidInformation,
    user_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on!(conn, |cx| {
        sqlx::query(
        "INSERT INTO informations_beneficiaires (beneficiaire_id, notice_id, shown_at, shown_by) VALUES ($1, $2, $3, $4)",
    )
    .bind(beneficiaire_id)
    .bind(info.notice_id)
    .bind(now)
    .bind(user_id)
    .execute(cx)
    .await.map(|r| r.rows_affected())
    })?;
    for (objet, accorde) in [("rappels", info.rappels), ("agenda", info.agenda)] {
        append_consent(conn, beneficiaire_id, objet, accorde, Some(user_id), now).await?;
    }
    if info.rappels {
        set_contacts(conn, beneficiaire_id, &info.contacts, now).await?;
    }
    Ok(())
}

async fn append_consent(
    conn: &mut dyn Conn,
    beneficiaire_id: i64,
    objet: &str,
    accorde: bool,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query(
        "INSERT INTO consentements (beneficiaire_id, objet, accorde, at, recorded_by) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(beneficiaire_id)
    .bind(objet)
    .bind(accorde)
    .bind(now)
    .bind(by)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

async fn set_contacts(conn: &mut dyn Conn, beneficiaire_id: i64, c: &Contacts, now: DateTime<Utc>) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query(
        "INSERT INTO beneficiaires_contacts (beneficiaire_id, telephone, email, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (beneficiaire_id) DO UPDATE SET telephone = excluded.telephone, email = excluded.email,
                                                     updated_at = excluded.updated_at",
    )
    .bind(beneficiaire_id)
    .bind(&c.telephone)
    .bind(&c.email)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

async fn delete_contacts(conn: &mut dyn Conn, beneficiaire_id: i64) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("DELETE FROM beneficiaires_contacts WHERE beneficiaire_id = $1")
        .bind(beneficiaire_id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records a consent given or withdrawn; withdrawing reminders erases the contact details.
/// A change asked by the person counts as activity. Returns false (and writes nothing) if the
/// person was anonymised: checked inside the caller's write transaction.
pub async fn set_consent(
    conn: &mut dyn Conn,
    beneficiaire_id: i64,
    c: &ValidConsentement,
    user_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let (anonymised,): (bool,) =
        on!(conn, |cx| sqlx::query_as("SELECT anonymise_at IS NOT NULL FROM beneficiaires WHERE id = $1")
            .bind(beneficiaire_id)
            .fetch_one(cx)
            .await)?;
    if anonymised {
        return Ok(false);
    }
    append_consent(conn, beneficiaire_id, &c.consentement, c.accorde, Some(user_id), now).await?;
    if c.consentement == "rappels" {
        if c.accorde {
            set_contacts(conn, beneficiaire_id, &c.contacts, now).await?;
        } else {
            delete_contacts(conn, beneficiaire_id).await?;
        }
    }
    touch(conn, beneficiaire_id, now).await?;
    Audit::par(
        Some(user_id),
        Entite::Beneficiaire(beneficiaire_id),
        if c.accorde { "consentement_donne" } else { "consentement_retire" },
    )
    .apres(json!({ "consentement": c.consentement }))
    .ecrire(conn, now)
    .await?;
    Ok(true)
}

/// Whether reminders go to this person: the « rappels » consent stands and a contact is kept.
pub async fn rappels_actifs(db: &Db, beneficiaire_id: i64) -> sqlx::Result<bool> {
    let (actifs,): (bool,) = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT COALESCE((SELECT accorde FROM consentements WHERE beneficiaire_id = $1 AND objet = 'rappels'
                          ORDER BY id DESC LIMIT 1), FALSE)
                AND EXISTS (SELECT 1 FROM beneficiaires_contacts WHERE beneficiaire_id = $1)",
    )
    .bind(beneficiaire_id)
    .fetch_one(cx)
    .await)?;
    Ok(actifs)
}

/// The person stops reminders from their own space: the consent withdrawn (recorded by nobody
/// on the staff), contact details erased, an audit line that says who. Doing it twice changes
/// nothing more.
pub async fn retirer_rappels_par_la_personne(
    conn: &mut dyn Conn,
    beneficiaire_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let (accorde,): (bool,) = on!(conn, |cx| sqlx::query_as(
        "SELECT COALESCE((SELECT accorde FROM consentements WHERE beneficiaire_id = $1 AND objet = 'rappels'
                          ORDER BY id DESC LIMIT 1), FALSE)",
    )
    .bind(beneficiaire_id)
    .fetch_one(cx)
    .await)?;
    delete_contacts(conn, beneficiaire_id).await?;
    if !accorde {
        return Ok(());
    }
    append_consent(conn, beneficiaire_id, "rappels", false, None, now).await?;
    touch(conn, beneficiaire_id, now).await?;
    Audit::par(None, Entite::Beneficiaire(beneficiaire_id), "consentement_retire")
        .apres(json!({ "consentement": "rappels", "par": "beneficiaire" }))
        .ecrire(conn, now)
        .await?;
    Ok(())
}

async fn touch(conn: &mut dyn Conn, beneficiaire_id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query("UPDATE beneficiaires SET updated_at = $2 WHERE id = $1")
        .bind(beneficiaire_id)
        .bind(now)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ConsentRow {
    objet: String,
    accorde: bool,
    at: DateTime<Utc>,
    par: Option<String>,
}

/// Every consent answer, oldest first.
pub async fn consent_history(db: &Db, beneficiaire_id: i64) -> sqlx::Result<Vec<ConsentementEvenement>> {
    let rows: Vec<ConsentRow> = on!(db.acquire().await?, |cx| {
        sqlx::query_as(
        "SELECT c.objet, c.accorde, c.at,
                COALESCE(u.prenom || ' ' || u.nom, CASE WHEN b.anonymise_at IS NULL THEN 'la personne, depuis son espace' END) AS par
         FROM consentements c LEFT JOIN users u ON u.id = c.recorded_by JOIN beneficiaires b ON b.id = c.beneficiaire_id
         WHERE c.beneficiaire_id = $1 ORDER BY c.id",
    )
    .bind(beneficiaire_id)
    .fetch_all(cx)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| ConsentementEvenement { consentement: r.objet, accorde: r.accorde, at: r.at, par: r.par })
        .collect())
}

/// The current answer to each consent: the latest of its history.
pub fn consent_states(history: &[ConsentementEvenement]) -> Vec<ConsentementEtat> {
    CONSENTEMENTS
        .iter()
        .map(|(code, libelle)| {
            let last = history.iter().rev().find(|e| e.consentement == *code);
            ConsentementEtat {
                consentement: code.to_string(),
                libelle: libelle.to_string(),
                accorde: last.is_some_and(|e| e.accorde),
                depuis: last.map(|e| e.at),
            }
        })
        .collect()
}

pub async fn contacts(db: &Db, beneficiaire_id: i64) -> sqlx::Result<Contacts> {
    let row: Option<(Option<String>, Option<String>)> = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT telephone, email FROM beneficiaires_contacts WHERE beneficiaire_id = $1"
    )
    .bind(beneficiaire_id)
    .fetch_optional(cx)
    .await)?;
    Ok(row.map(|(telephone, email)| Contacts { telephone, email }).unwrap_or_default())
}

pub async fn informations(db: &Db, beneficiaire_id: i64) -> sqlx::Result<Vec<InformationDonnee>> {
    let rows: Vec<(i64, String, DateTime<Utc>, String)> = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT i.notice_id, n.version, i.shown_at, u.prenom || ' ' || u.nom
         FROM informations_beneficiaires i
         JOIN notices_information n ON n.id = i.notice_id
         JOIN users u ON u.id = i.shown_by
         WHERE i.beneficiaire_id = $1 ORDER BY i.id",
    )
    .bind(beneficiaire_id)
    .fetch_all(cx)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(notice_id, version, at, par)| InformationDonnee { notice_id, version, at, par })
        .collect())
}

// --- last activity and anonymisation

/// Where a beneficiary's activity is recorded: each source gives timestamps for the
/// beneficiary `b` of the enclosing query. THE one definition of « last activity »: the
/// retention job and the « Données et droits » page both read it from here.
///
/// Seam: when the sessions of a parcours (séances) exist, add them here, e.g.
/// `ActivitySource { from_where: "FROM seances x JOIN parcours p ON p.id = x.parcours_id WHERE p.beneficiaire_id = b.id", column: "x.updated_at" }`.
/// Reading a person's data is not activity; changing it, or their consents, is.
struct ActivitySource {
    from_where: &'static str,
    column: &'static str,
}

const ACTIVITY: &[ActivitySource] = &[
    ActivitySource { from_where: "FROM beneficiaires x WHERE x.id = b.id", column: "x.updated_at" },
    ActivitySource { from_where: "FROM parcours x WHERE x.beneficiaire_id = b.id", column: "x.updated_at" },
    // A session changed, held or excused counts, and so does one still planned ahead: the
    // clock starts after the last session date, not before it.
    ActivitySource {
        from_where: "FROM seances x JOIN parcours p ON p.id = x.parcours_id WHERE p.beneficiaire_id = b.id",
        column: "x.updated_at",
    },
    ActivitySource {
        from_where: "FROM seances x JOIN parcours p ON p.id = x.parcours_id WHERE p.beneficiaire_id = b.id",
        column: "x.debut",
    },
];

/// The last activity of one beneficiary (`None` if they do not exist).
pub async fn last_activity(db: &Db, beneficiaire_id: i64) -> sqlx::Result<Option<DateTime<Utc>>> {
    let sources: Vec<String> = ACTIVITY
        .iter()
        .map(|s| {
            format!("SELECT (SELECT MAX({}) {}) AS a FROM beneficiaires b WHERE b.id = $1", s.column, s.from_where)
        })
        .collect();
    let sql = format!("SELECT MAX(a) FROM ({}) t", sources.join(" UNION ALL "));
    let (last,): (Option<DateTime<Utc>>,) =
        on!(db.acquire().await?, |cx| sqlx::query_as(&sql).bind(beneficiaire_id).fetch_one(cx).await)?;
    Ok(last)
}

/// Beneficiaries not yet anonymised with no activity since `cutoff`.
pub async fn expired(conn: &mut dyn Conn, cutoff: DateTime<Utc>) -> sqlx::Result<Vec<i64>> {
    let none_since: Vec<String> =
        ACTIVITY.iter().map(|s| format!("NOT EXISTS (SELECT 1 {} AND {} >= $1)", s.from_where, s.column)).collect();
    let rows: Vec<(i64,)> = on!(conn, |cx| sqlx::query_as(&format!(
        "SELECT b.id FROM beneficiaires b WHERE b.anonymise_at IS NULL AND {} ORDER BY b.id",
        none_since.join(" AND ")
    ))
    .bind(cutoff)
    .fetch_all(cx)
    .await)?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// What a person whose identity was erased is called from then on: pseudonymised, not
/// anonymous (migration 0018 renamed those erased before under « Personne anonymisée »).
pub const PRENOM_EFFACE: &str = "Identité effacée";

/// Why a person was anonymised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motif {
    /// The retention job: no activity for the configured time.
    Conservation,
    /// On the person's request (right to erasure), by a conseiller.
    Demande,
}

impl Motif {
    pub fn as_str(self) -> &'static str {
        match self {
            Motif::Conservation => "conservation",
            Motif::Demande => "demande",
        }
    }
}

/// Erases a beneficiary's identity, inside the caller's transaction: the first name or alias,
/// year of birth and commune are blanked, contact details deleted, consents withdrawn. The row
/// stays (parcours, carnets, passes and audit lines point to it) with only the statistical
/// categories the Coop's reports use (age band, gender, social status), which name nobody.
/// Returns false if the person was already anonymised (so running it twice changes nothing).
///
/// Their personal links (beneficiary space) stop working too.
pub async fn anonymise(
    conn: &mut dyn Conn,
    beneficiaire_id: i64,
    now: DateTime<Utc>,
    motif: Motif,
    by: Option<i64>,
) -> sqlx::Result<bool> {
    let r = on!(conn, |cx| sqlx::query(
        "UPDATE beneficiaires SET prenom = $2, prenom_normalise = $3, annee_naissance = NULL, commune_insee = NULL,
                                  anonymise_at = $4, anonymise_motif = $5
         WHERE id = $1 AND anonymise_at IS NULL",
    )
    .bind(beneficiaire_id)
    .bind(PRENOM_EFFACE)
    .bind(normalise(PRENOM_EFFACE))
    .bind(now)
    .bind(motif.as_str())
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    if r == 0 {
        return Ok(false);
    }
    delete_contacts(conn, beneficiaire_id).await?;
    // Without the year of birth the age band is the one recorded at intake.
    toucher_activites(conn, beneficiaire_id, now).await?;
    // Their sessions at home no longer count in their commune.
    crate::store::agregat::recompter_personne(conn, beneficiaire_id).await?;
    crate::store::espace::revoke_for_beneficiaire(conn, beneficiaire_id, now).await?;
    crate::store::rappels::purger_beneficiaire(conn, beneficiaire_id).await?;
    // Free text written by conseillers can name the person or their situation: blanked too.
    // Levels, coded themes, dates and reports' coded values stay for the statistics.
    for sql in [
        "UPDATE diagnostics SET observations = '' WHERE parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)",
        "UPDATE seances SET cr_notes = NULL WHERE parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)",
        "UPDATE bilans SET recommandations = '' WHERE parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)",
        // Session themes are typed by the conseiller for every pack.
        "UPDATE parcours_themes SET titre = 'Séance ' || rang WHERE parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)",
    ] {
        on!(conn, |cx| sqlx::query(sql).bind(beneficiaire_id).execute(cx).await.map(|r| r.rows_affected()))?;
    }
    let granted: Vec<(String,)> = on!(conn, |cx| {
        sqlx::query_as(
        "SELECT c.objet FROM consentements c
         WHERE c.beneficiaire_id = $1 AND c.accorde = TRUE
           AND c.id = (SELECT MAX(c2.id) FROM consentements c2 WHERE c2.beneficiaire_id = c.beneficiaire_id AND c2.objet = c.objet)",
    )
    .bind(beneficiaire_id)
    .fetch_all(cx)
    .await
    })?;
    for (objet,) in granted {
        append_consent(conn, beneficiaire_id, &objet, false, None, now).await?;
    }
    Audit::par(by, Entite::Beneficiaire(beneficiaire_id), "anonymise")
        .apres(json!({ "motif": motif.as_str() }))
        .ecrire(conn, now)
        .await?;
    Ok(true)
}

/// The person's held sessions are marked changed now: the data consumers' API counts each
/// activity's people by their categories (gender, age band, status), and a client reading what
/// changed since its last call must get these activities again.
async fn toucher_activites(conn: &mut dyn Conn, beneficiaire_id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    on!(conn, |cx| sqlx::query(
        "UPDATE seances SET updated_at = $2
         WHERE statut = 'tenue' AND parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)"
    )
    .bind(beneficiaire_id)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn anonymised_at(db: &Db, beneficiaire_id: i64) -> sqlx::Result<Option<DateTime<Utc>>> {
    let row: Option<(Option<DateTime<Utc>>,)> =
        on!(db.acquire().await?, |cx| sqlx::query_as("SELECT anonymise_at FROM beneficiaires WHERE id = $1")
            .bind(beneficiaire_id)
            .fetch_optional(cx)
            .await)?;
    Ok(row.and_then(|r| r.0))
}

// --- rectification

#[derive(sqlx::FromRow, PartialEq)]
struct IdentityRow {
    prenom: String,
    annee_naissance: Option<i64>,
    commune_insee: Option<String>,
    genre: Option<String>,
    tranche_age: Option<String>,
    statut_social: Option<String>,
    anonymise_at: Option<DateTime<Utc>>,
}

pub enum Rectification {
    NotFound,
    Anonymised,
    /// The names of the fields that changed (maybe none).
    Done(Vec<&'static str>),
}

/// Rewrites the person's fields, inside the caller's transaction. The audit line names the
/// fields changed, never their values: the audit log is append-only and must hold no identity.
pub async fn rectify(
    conn: &mut dyn Conn,
    beneficiaire_id: i64,
    structure_id: i64,
    p: &ValidPersonne,
    user_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Rectification> {
    let before: Option<IdentityRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT prenom, annee_naissance, commune_insee, genre, tranche_age, statut_social, anonymise_at
         FROM beneficiaires WHERE id = $1 AND structure_id = $2",
    )
    .bind(beneficiaire_id)
    .bind(structure_id)
    .fetch_optional(cx)
    .await)?;
    let Some(before) = before else { return Ok(Rectification::NotFound) };
    if before.anonymise_at.is_some() {
        return Ok(Rectification::Anonymised);
    }
    let mut changed = Vec::new();
    if before.prenom != p.prenom {
        changed.push("prenom");
    }
    if before.annee_naissance != p.annee_naissance.map(i64::from) {
        changed.push("annee_naissance");
    }
    if before.commune_insee != p.commune_insee {
        changed.push("commune_insee");
    }
    if before.genre != p.genre {
        changed.push("genre");
    }
    if before.tranche_age != p.tranche_age {
        changed.push("tranche_age");
    }
    if before.statut_social != p.statut_social {
        changed.push("statut_social");
    }
    if changed.is_empty() {
        return Ok(Rectification::Done(changed));
    }
    on!(conn, |cx| sqlx::query(
        "UPDATE beneficiaires SET prenom = $2, prenom_normalise = $3, annee_naissance = $4, commune_insee = $5,
                                  genre = $6, tranche_age = $7, statut_social = $8, updated_at = $9
         WHERE id = $1",
    )
    .bind(beneficiaire_id)
    .bind(&p.prenom)
    .bind(normalise(&p.prenom))
    .bind(p.annee_naissance)
    .bind(&p.commune_insee)
    .bind(&p.genre)
    .bind(&p.tranche_age)
    .bind(&p.statut_social)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    if changed.iter().any(|c| matches!(*c, "annee_naissance" | "genre" | "tranche_age" | "statut_social")) {
        toucher_activites(conn, beneficiaire_id, now).await?;
    }
    if changed.contains(&"commune_insee") {
        // Their sessions at home count in their commune.
        crate::store::agregat::recompter_personne(conn, beneficiaire_id).await?;
    }
    Audit::par(Some(user_id), Entite::Beneficiaire(beneficiaire_id), "rectifie")
        .apres(json!({ "champs": changed }))
        .ecrire(conn, now)
        .await?;
    Ok(Rectification::Done(changed))
}

// --- export

/// A table holding data about the person, and how to find their rows (`$1` is the beneficiary).
pub struct ExportSource {
    pub table: &'static str,
    pub titre: &'static str,
    pub filtre: &'static str,
}

/// Everything held about one person. Every column of these rows is exported as stored, so a
/// column added later is exported without a change here. A new TABLE about people must be
/// added (a test lists the tables that refer to a beneficiary, a parcours or a carnet, and
/// fails on one that is neither here nor in `NOT_EXPORTED`).
///
/// Seam: the parcours issues add their tables here (séances, diagnostics, objectifs, bilans…).
pub const EXPORT_SOURCES: &[ExportSource] = &[
    ExportSource { table: "beneficiaires", titre: "La personne", filtre: "id = $1" },
    ExportSource { table: "beneficiaires_contacts", titre: "Coordonnées (pour les rappels)", filtre: "beneficiaire_id = $1" },
    ExportSource {
        table: "informations_beneficiaires",
        titre: "Notices d'information remises",
        filtre: "beneficiaire_id = $1",
    },
    ExportSource { table: "consentements", titre: "Consentements (historique)", filtre: "beneficiaire_id = $1" },
    ExportSource { table: "parcours", titre: "Parcours", filtre: "beneficiaire_id = $1" },
    ExportSource { table: "carnets", titre: "Carnets de Pass numérique", filtre: "beneficiaire_id = $1" },
    ExportSource {
        table: "passes",
        titre: "Pass numériques",
        filtre: "carnet_id IN (SELECT id FROM carnets WHERE beneficiaire_id = $1)",
    },
    ExportSource { table: "diagnostics", titre: "Diagnostics (initial et final)", filtre: "parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)" },
    ExportSource { table: "diagnostic_niveaux", titre: "Niveaux de compétences des diagnostics", filtre: "parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)" },
    ExportSource { table: "diagnostic_resultats", titre: "Résultats de tests externes", filtre: "parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)" },
    ExportSource { table: "objectifs", titre: "Objectifs du parcours", filtre: "parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)" },
    ExportSource { table: "parcours_themes", titre: "Thèmes des séances", filtre: "parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)" },
    ExportSource { table: "plannings", titre: "Planning", filtre: "parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)" },
    ExportSource { table: "seances", titre: "Séances", filtre: "parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)" },
    ExportSource { table: "bilans", titre: "Bilan", filtre: "parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)" },
    ExportSource {
        table: "lot_carnets",
        titre: "Remises de son carnet (lots)",
        filtre: "carnet_id IN (SELECT id FROM carnets WHERE beneficiaire_id = $1)",
    },
    ExportSource {
        table: "distribution_criteres",
        titre: "Critères d'attribution de son carnet",
        filtre: "carnet_id IN (SELECT id FROM carnets WHERE beneficiaire_id = $1)",
    },
    ExportSource {
        table: "pass_validations",
        titre: "Validations de ses pass",
        filtre: "carnet_id IN (SELECT id FROM carnets WHERE beneficiaire_id = $1)",
    },
    ExportSource {
        table: "liens_personnels",
        titre: "Liens personnels (espace « Mon parcours ») : empreintes des codes",
        filtre: "parcours_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1)",
    },
    ExportSource {
        table: "liens_jetons",
        titre: "Liens personnels : empreintes des jetons",
        filtre: "lien_id IN (SELECT l.id FROM liens_personnels l JOIN parcours p ON p.id = l.parcours_id WHERE p.beneficiaire_id = $1)",
    },
    ExportSource {
        table: "liens_agenda",
        titre: "Liens personnels : empreintes des adresses d'agenda",
        filtre: "lien_id IN (SELECT l.id FROM liens_personnels l JOIN parcours p ON p.id = l.parcours_id WHERE p.beneficiaire_id = $1)",
    },
    ExportSource {
        table: "audit_log",
        titre: "Historique des modifications",
        filtre: "(entity = 'beneficiaire' AND entity_id = $1)
            OR (entity = 'parcours' AND entity_id IN (SELECT id FROM parcours WHERE beneficiaire_id = $1))
            OR (entity = 'carnet' AND entity_id IN (SELECT id FROM carnets WHERE beneficiaire_id = $1))
            OR (entity = 'pass' AND entity_id IN
                (SELECT pa.id FROM passes pa JOIN carnets ca ON ca.id = pa.carnet_id WHERE ca.beneficiaire_id = $1))",
    },
    ExportSource {
        table: "journal_acces",
        titre: "Consultations de ses données (journal des accès)",
        filtre: "id IN (SELECT journal_id FROM journal_acces_beneficiaires WHERE beneficiaire_id = $1)",
    },
];

/// Tables that refer to a beneficiary, a parcours or a carnet but are exported another way.
pub const NOT_EXPORTED: &[(&str, &str)] = &[
    ("journal_acces_beneficiaires", "links only: its lines are exported through journal_acces"),
    ("statistiques_premieres", "counts for the statistics, recomputed from the sessions exported"),
    ("statistiques_progressions", "counts for the statistics, recomputed from the diagnostics exported"),
    ("statistiques_personnes", "counts for the statistics, recomputed from the sessions exported"),
    ("statistiques_clotures", "counts for the statistics, recomputed from the parcours exported"),
];

/// A row of any table, as the export shows it: each backend reads its own column types.
trait Ligne {
    fn valeurs(&self) -> sqlx::Result<BTreeMap<String, Valeur>>;
}

/// The walk over a row's columns both backends share: NULL is `Nul`, any other cell is read by
/// `cellule` from its column's type name.
fn valeurs<R: Row>(
    row: &R,
    cellule: impl Fn(&R, usize, &str) -> sqlx::Result<Valeur>,
) -> sqlx::Result<BTreeMap<String, Valeur>>
where
    usize: sqlx::ColumnIndex<R>,
{
    let mut out = BTreeMap::new();
    for (i, col) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        let v = if raw.is_null() { Valeur::Nul } else { cellule(row, i, raw.type_info().name())? };
        out.insert(col.name().to_string(), v);
    }
    Ok(out)
}

fn hexa(bytes: &[u8]) -> Valeur {
    Valeur::Texte(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Ligne for SqliteRow {
    fn valeurs(&self) -> sqlx::Result<BTreeMap<String, Valeur>> {
        valeurs(self, |row, i, type_colonne| {
            Ok(match type_colonne {
                "INTEGER" => Valeur::Entier(row.try_get_unchecked::<i64, _>(i)?),
                "REAL" => Valeur::Texte(row.try_get_unchecked::<f64, _>(i)?.to_string()),
                "BLOB" => hexa(&row.try_get_unchecked::<Vec<u8>, _>(i)?),
                _ => Valeur::Texte(row.try_get_unchecked::<String, _>(i)?),
            })
        })
    }
}

/// PostgreSQL's typed columns shown as SQLite stores them: flags as 0/1, instants in RFC 3339.
impl Ligne for PgRow {
    fn valeurs(&self) -> sqlx::Result<BTreeMap<String, Valeur>> {
        valeurs(self, |row, i, type_colonne| {
            Ok(match type_colonne {
                "INT8" => Valeur::Entier(row.try_get::<i64, _>(i)?),
                "INT4" => Valeur::Entier(row.try_get::<i32, _>(i)?.into()),
                "INT2" => Valeur::Entier(row.try_get::<i16, _>(i)?.into()),
                "BOOL" => Valeur::Entier(row.try_get::<bool, _>(i)?.into()),
                "FLOAT8" => Valeur::Texte(row.try_get::<f64, _>(i)?.to_string()),
                "FLOAT4" => Valeur::Texte(row.try_get::<f32, _>(i)?.to_string()),
                "TIMESTAMPTZ" => Valeur::Texte(row.try_get::<DateTime<Utc>, _>(i)?.to_rfc3339()),
                "DATE" => Valeur::Texte(row.try_get::<chrono::NaiveDate, _>(i)?.to_string()),
                "BYTEA" => hexa(&row.try_get::<Vec<u8>, _>(i)?),
                _ => Valeur::Texte(row.try_get_unchecked::<String, _>(i)?),
            })
        })
    }
}

pub async fn export(db: &Db, beneficiaire_id: i64) -> sqlx::Result<Vec<ExportTable>> {
    let mut tables = Vec::new();
    for s in EXPORT_SOURCES {
        let sql = format!("SELECT * FROM {} WHERE {} ORDER BY 1", s.table, s.filtre);
        let lignes = on!(db.acquire().await?, |cx| sqlx::query(&sql)
            .bind(beneficiaire_id)
            .fetch_all(cx)
            .await?
            .iter()
            .map(Ligne::valeurs)
            .collect::<sqlx::Result<Vec<_>>>())?;
        tables.push(ExportTable { table: s.table.to_string(), titre: s.titre.to_string(), lignes });
    }
    Ok(tables)
}
