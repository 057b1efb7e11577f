//! Candidate venues and the steps of their accreditation. Accrediting one sets the Pass on its
//! venue (creating the venue from the report when it was not on the map yet).

use crate::db::Db;
use crate::store::audit::{Audit, Entite};
use crate::store::conn::{on, Conn};
use crate::store::lieux;
use carnet_domain::lieux::candidat::{CandidatResume, CandidatValide, EtapeCandidat, StatutCandidat, TransitionValide};
use carnet_domain::lieux::{LieuStandard, PassNumerique};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CandidatRow {
    pub id: i64,
    pub nom: String,
    pub adresse: String,
    pub code_postal: String,
    pub commune_insee: String,
    pub commune: String,
    pub departement: String,
    pub motif: String,
    pub contact_nom: Option<String>,
    pub contact_telephone: Option<String>,
    pub contact_courriel: Option<String>,
    pub pivot: Option<String>,
    pub statut: String,
    pub signale_le: NaiveDate,
    pub signale_par: String,
    pub signale_par_id: i64,
    pub structure_id: Option<i64>,
    pub lieu_id: Option<i64>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub updated_at: DateTime<Utc>,
}

impl CandidatRow {
    pub fn statut(&self) -> StatutCandidat {
        StatutCandidat::parse(&self.statut).unwrap_or(StatutCandidat::Signale)
    }

    pub fn resume(&self) -> CandidatResume {
        CandidatResume {
            id: self.id,
            nom: self.nom.clone(),
            commune: self.commune.clone(),
            departement: self.departement.clone(),
            statut: self.statut(),
            signale_le: self.signale_le,
            maj_le: self.updated_at,
            signale_par: self.signale_par.clone(),
        }
    }
}

const SELECT: &str = "SELECT c.id, c.nom, c.adresse, c.code_postal, c.commune_insee, co.nom AS commune, c.departement,
        c.motif, c.contact_nom, c.contact_telephone, c.contact_courriel, c.pivot, c.statut, c.signale_le,
        u.prenom || ' ' || u.nom || COALESCE(' (' || s.nom || ')', '') AS signale_par, c.signale_par AS signale_par_id,
        c.structure_id, c.lieu_id, c.latitude, c.longitude, c.updated_at
    FROM candidats c
    JOIN communes co ON co.code_insee = c.commune_insee
    JOIN users u ON u.id = c.signale_par
    LEFT JOIN structures s ON s.id = c.structure_id";

pub async fn get(db: &Db, id: i64) -> sqlx::Result<Option<CandidatRow>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(&format!("{SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(cx)
        .await)
}

/// Who sees which candidates.
pub enum Visibles<'a> {
    Tous,
    Departements(&'a [String]),
    Structure(i64),
}

pub async fn list(db: &Db, v: Visibles<'_>) -> sqlx::Result<Vec<CandidatRow>> {
    let rows: Vec<CandidatRow> = match v {
        Visibles::Tous | Visibles::Departements(_) => {
            on!(db.acquire().await?, |cx| sqlx::query_as(&format!("{SELECT} ORDER BY c.updated_at DESC, c.id DESC"))
                .fetch_all(cx)
                .await)?
        }
        Visibles::Structure(s) => on!(db.acquire().await?, |cx| sqlx::query_as(&format!(
            "{SELECT} WHERE c.structure_id = $1 ORDER BY c.updated_at DESC, c.id DESC"
        ))
        .bind(s)
        .fetch_all(cx)
        .await)?,
    };
    Ok(match v {
        Visibles::Departements(d) => rows.into_iter().filter(|r| d.contains(&r.departement)).collect(),
        _ => rows,
    })
}

/// The open candidate of a venue, if any.
pub async fn of_lieu(db: &Db, lieu_id: i64) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT id FROM candidats WHERE lieu_id = $1 ORDER BY id DESC LIMIT 1"
    )
    .bind(lieu_id)
    .fetch_optional(cx)
    .await)?;
    Ok(row.map(|(id,)| id))
}

pub struct Nouveau<'a> {
    pub c: &'a CandidatValide,
    pub departement: &'a str,
    pub user_id: i64,
    pub structure_id: Option<i64>,
    pub position: Option<(f64, f64)>,
    pub today: NaiveDate,
}

pub async fn create(conn: &mut dyn Conn, n: &Nouveau<'_>, now: DateTime<Utc>) -> sqlx::Result<i64> {
    let c = n.c;
    let (id,): (i64,) = on!(conn, |cx| sqlx::query_as(
        "INSERT INTO candidats (nom, adresse, code_postal, commune_insee, departement, motif, contact_nom,
            contact_telephone, contact_courriel, pivot, statut, signale_le, signale_par, structure_id, lieu_id,
            latitude, longitude, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'signale', $11, $12, $13, $14, $15, $16, $17, $17)
         RETURNING id",
    )
    .bind(&c.nom)
    .bind(&c.adresse)
    .bind(&c.code_postal)
    .bind(&c.commune_insee)
    .bind(n.departement)
    .bind(&c.motif)
    .bind(&c.contact_nom)
    .bind(&c.contact_telephone)
    .bind(&c.contact_courriel)
    .bind(&c.pivot)
    .bind(n.today)
    .bind(n.user_id)
    .bind(n.structure_id)
    .bind(c.lieu_id)
    .bind(n.position.map(|p| p.0))
    .bind(n.position.map(|p| p.1))
    .bind(now)
    .fetch_one(cx)
    .await)?;
    on!(conn, |cx| sqlx::query(
        "INSERT INTO candidats_etapes (candidat_id, de, vers, date_effet, note, user_id, at)
         VALUES ($1, NULL, 'signale', $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(n.today)
    .bind(&c.motif)
    .bind(n.user_id)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    Audit::par(Some(n.user_id), Entite::Candidat(id), "signale")
        .apres(json!({
            "nom": c.nom, "commune_insee": c.commune_insee, "departement": n.departement, "lieu_id": c.lieu_id,
        }))
        .ecrire(conn, now)
        .await?;
    Ok(id)
}

pub async fn etapes(db: &Db, id: i64) -> sqlx::Result<Vec<EtapeCandidat>> {
    let rows: Vec<(DateTime<Utc>, NaiveDate, Option<String>, String, Option<String>, String)> =
        on!(db.acquire().await?, |cx| sqlx::query_as(
            "SELECT e.at, e.date_effet, e.de, e.vers, e.note, u.prenom || ' ' || u.nom
         FROM candidats_etapes e JOIN users u ON u.id = e.user_id
         WHERE e.candidat_id = $1 ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(cx)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(at, date, de, vers, note, par)| EtapeCandidat { at, date, de, vers, note, par })
        .collect())
}

/// The current status, read inside the write transaction (two hubs moving the same candidate).
pub async fn statut_for_update(conn: &mut dyn Conn, id: i64) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> =
        on!(conn, |cx| sqlx::query_as("SELECT statut FROM candidats WHERE id = $1").bind(id).fetch_optional(cx).await)?;
    Ok(row.map(|(s,)| s))
}

/// Moves a candidate; on « agréé », sets the Pass on its venue (creating it if needed).
/// Returns the venue id when one was accredited.
pub async fn transition(
    conn: &mut dyn Conn,
    c: &CandidatRow,
    t: &TransitionValide,
    user_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    let from = c.statut.clone();
    let r = on!(conn, |cx| {
        sqlx::query(
        "UPDATE candidats SET statut = $2, pivot = COALESCE($3, pivot), updated_at = $4 WHERE id = $1 AND statut = $5",
    )
    .bind(c.id)
    .bind(t.vers.code())
    .bind(&t.pivot)
    .bind(now)
    .bind(&from)
    .execute(cx)
    .await.map(|r| r.rows_affected())
    })?;
    if r != 1 {
        return Err(sqlx::Error::RowNotFound);
    }
    on!(conn, |cx| {
        sqlx::query(
        "INSERT INTO candidats_etapes (candidat_id, de, vers, date_effet, note, user_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(c.id)
    .bind(&from)
    .bind(t.vers.code())
    .bind(t.date)
    .bind(&t.note)
    .bind(user_id)
    .bind(now)
    .execute(cx)
    .await.map(|r| r.rows_affected())
    })?;
    Audit::par(Some(user_id), Entite::Candidat(c.id), t.vers.code())
        .avant(json!({ "statut": from }))
        .apres(json!({
            // The note is free text that may name the venue's people: it stays with the step
            // (`candidats_etapes`); the append-only audit log only says that there was one.
            "statut": t.vers.code(), "date": t.date, "note": t.note.is_some(),
        }))
        .ecrire(conn, now)
        .await?;
    if t.vers != StatutCandidat::Agree {
        return Ok(None);
    }

    let lieu_id = match c.lieu_id {
        Some(id) => id,
        None => {
            // Not on the map yet: it enters it now, in the standard, with Carnet as its source.
            let pivot = t.pivot.clone().or(c.pivot.clone()).unwrap_or_default();
            let lieu = LieuStandard {
                id: format!("carnet-candidat-{}", c.id),
                pivot,
                nom: c.nom.clone(),
                commune: c.commune.clone(),
                code_postal: c.code_postal.clone(),
                code_insee: Some(c.commune_insee.clone()),
                adresse: c.adresse.clone(),
                complement_adresse: None,
                latitude: c.latitude,
                longitude: c.longitude,
                typologie: Vec::new(),
                telephone: c.contact_telephone.clone(),
                courriels: c.contact_courriel.iter().cloned().collect(),
                site_web: Vec::new(),
                horaires: None,
                presentation_resume: None,
                presentation_detail: None,
                source: Some("Carnet".into()),
                itinerance: Vec::new(),
                structure_parente: None,
                date_maj: t.date,
                services: Vec::new(),
                publics_specifiquement_adresses: Vec::new(),
                prise_en_charge_specifique: Vec::new(),
                frais_a_charge: Vec::new(),
                dispositif_programmes_nationaux: Vec::new(),
                formations_labels: Vec::new(),
                autres_formations_labels: None,
                modalites_acces: Vec::new(),
                modalites_accompagnement: Vec::new(),
                fiche_acces_libre: None,
                prise_rdv: None,
            };
            let pos = lieux::Position {
                latitude: c.latitude,
                longitude: c.longitude,
                geocodage: if c.latitude.is_some() { "adresse" } else { "aucune" },
            };
            let pass = PassNumerique { accepte: true, operateur: None };
            let emp = lieux::empreinte(&lieu, None);
            let id = lieux::insert(conn, &lieu, None, &c.departement, &pos, &pass, &emp, now).await?;
            on!(conn, |cx| sqlx::query("UPDATE candidats SET lieu_id = $2 WHERE id = $1")
                .bind(c.id)
                .bind(id)
                .execute(cx)
                .await
                .map(|r| r.rows_affected()))?;
            id
        }
    };
    let before = lieux::pass_of(conn, lieu_id).await?;
    let after = lieux::PassRow {
        accepte_pass: true,
        pass_operateur: before.as_ref().and_then(|b| b.pass_operateur.clone()),
        statut_agrement: Some("agree".into()),
        agree_le: Some(t.date),
    };
    lieux::set_pass(conn, lieu_id, &after, now).await?;
    Audit::par(Some(user_id), Entite::Lieu(lieu_id), "agree")
        .avant_si(before.as_ref())
        .apres(json!({
            "pass": after, "candidat_id": c.id,
        }))
        .ecrire(conn, now)
        .await?;
    lieux::bump_version(conn).await?;
    Ok(Some(lieu_id))
}

/// Per département: candidates not yet decided.
pub async fn open_by_departement(db: &Db) -> sqlx::Result<Vec<(String, i64)>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT departement, COUNT(*) FROM candidats WHERE statut IN ('signale', 'contacte', 'dossier_en_cours')
         GROUP BY departement",
    )
    .fetch_all(cx)
    .await)
}

/// Passes in circulation per département: passes of carnets handed to beneficiaries
/// (`etat = 'distribue'`), not validated, whose carnet is still valid today; counted in the
/// département of the beneficiary's commune, or of the structure's commune when the person gave
/// none. (Issue 4's ledger adds lots and orders; this count stays the passes in people's hands.)
pub async fn passes_by_departement(db: &Db, today: NaiveDate) -> sqlx::Result<Vec<(String, i64)>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT COALESCE(cb.departement, cs.departement) AS dep, COUNT(*)
         FROM passes p
         JOIN carnets ca ON ca.id = p.carnet_id
         LEFT JOIN beneficiaires b ON b.id = ca.beneficiaire_id
         LEFT JOIN communes cb ON cb.code_insee = b.commune_insee
         LEFT JOIN structures s ON s.id = ca.structure_id
         LEFT JOIN communes cs ON cs.code_insee = s.commune_insee
         WHERE p.etat = 'distribue' AND ca.beneficiaire_id IS NOT NULL AND ca.fin_validite >= $1
         GROUP BY COALESCE(cb.departement, cs.departement)
         HAVING COALESCE(cb.departement, cs.departement) IS NOT NULL",
    )
    .bind(today)
    .fetch_all(cx)
    .await)
}
