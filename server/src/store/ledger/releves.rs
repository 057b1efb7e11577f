//! Monthly statements: issuing (one per opérateur, structure and month, once the month is over),
//! reading, and the opérateur's transitions issued → sent → paid. An issued statement's content and
//! hash never change (the database refuses it, see the migration's triggers).

use super::{Scope, CHUNK};
use crate::db::{begin_write, Db};
use crate::error::{AppError, AppResult};
use crate::store::audit::{Audit, Entite};
use crate::store::conn::{on, Conn};
use carnet_domain::ledger::api::{EmissionResult, PassAReclamer, Ref, ReleveDetail, ReleveSummary};
use carnet_domain::ledger::etats::{ReleveEtat, ReleveEvenement};
use carnet_domain::ledger::releve::{composer, numero, selectionner, ContenuReleve, Mois, ValidationCandidate};
use carnet_domain::PassCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

/// SHA-256 (hex) of a statement's canonical text.
pub fn empreinte(contenu: &ContenuReleve) -> String {
    Sha256::digest(contenu.canonique().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(sqlx::FromRow)]
struct CandidateRow {
    id: i64,
    mois: String,
    valeur_centimes: i64,
    releve_id: Option<i64>,
    annulee_le: Option<NaiveDate>,
    releve_annulation_id: Option<i64>,
    commanditaire_id: i64,
    commanditaire: String,
    commande: String,
    carnet: String,
    code: String,
    jour: NaiveDate,
}

/// The validations of an opérateur's passes at a structure that a statement may still list.
async fn candidates(
    conn: &mut dyn Conn,
    operateur_id: i64,
    structure_id: i64,
) -> sqlx::Result<Vec<ValidationCandidate>> {
    let rows: Vec<CandidateRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT v.id, v.mois, v.valeur_centimes, v.releve_id, v.annulee_le, v.releve_annulation_id,
                v.commanditaire_id, cm.nom AS commanditaire, co.reference AS commande, c.numero AS carnet,
                p.code, v.jour
         FROM pass_validations v
         JOIN commanditaires cm ON cm.id = v.commanditaire_id
         JOIN commandes co ON co.id = v.commande_id
         JOIN carnets c ON c.id = v.carnet_id
         JOIN passes p ON p.id = v.pass_id
         WHERE v.operateur_id = $1 AND v.structure_id = $2
           AND (v.releve_id IS NULL OR (annulee_at IS NOT NULL AND releve_annulation_id IS NULL))
         ORDER BY v.id",
    )
    .bind(operateur_id)
    .bind(structure_id)
    .fetch_all(cx)
    .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(ValidationCandidate {
                id: r.id,
                mois: Mois::parse(&r.mois)?,
                valeur_centimes: r.valeur_centimes,
                sur_releve: r.releve_id.is_some(),
                annulee_le: r.annulee_le,
                annulation_sur_releve: r.releve_annulation_id.is_some(),
                commanditaire_id: r.commanditaire_id,
                commanditaire: r.commanditaire,
                commande: r.commande,
                carnet: r.carnet,
                code: PassCode::parse(&r.code).map(|c| c.display()).unwrap_or(r.code),
                date_validation: r.jour,
            })
        })
        .collect())
}

async fn noms(conn: &mut dyn Conn, operateur_id: i64, structure_id: i64) -> sqlx::Result<(String, String)> {
    let (operateur,): (String,) = on!(conn, |cx| sqlx::query_as("SELECT nom FROM operateurs WHERE id = $1")
        .bind(operateur_id)
        .fetch_one(cx)
        .await)?;
    let (structure,): (String,) = on!(conn, |cx| sqlx::query_as("SELECT nom FROM structures WHERE id = $1")
        .bind(structure_id)
        .fetch_one(cx)
        .await)?;
    Ok((operateur, structure))
}

/// What happened to one structure's statement of the month.
#[derive(Debug, PartialEq, Eq)]
pub enum Emission {
    Emis { id: i64, lignes: usize },
    DejaEmis,
    Rien,
}

/// Issues the statement of `mois` for one structure, inside the caller's transaction.
///
/// Two instances issuing the same month at once: the statements of one (opérateur, structure)
/// are issued one after the other (a lock held until the transaction ends), so the second reads
/// the first one's statement and the validations it listed, and answers `DejaEmis`. The table's
/// unique key (opérateur, structure, month) stays the last word: an insert that meets it changes
/// nothing and answers `DejaEmis` too, never an error.
pub async fn emettre(
    conn: &mut dyn Conn,
    operateur_id: i64,
    structure_id: i64,
    mois: Mois,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<Emission> {
    crate::store::verrous::attendre(conn, &format!("releve:{operateur_id}:{structure_id}")).await?;
    let existing: Option<(i64,)> = on!(conn, |cx| sqlx::query_as(
        "SELECT id FROM releves WHERE operateur_id = $1 AND structure_id = $2 AND mois = $3"
    )
    .bind(operateur_id)
    .bind(structure_id)
    .bind(mois.to_string())
    .fetch_optional(cx)
    .await)?;
    if existing.is_some() {
        return Ok(Emission::DejaEmis);
    }
    let cands = candidates(conn, operateur_id, structure_id).await?;
    let selection = selectionner(mois, &cands);
    if selection.lignes.is_empty() {
        return Ok(Emission::Rien);
    }
    let (operateur, structure) = noms(conn, operateur_id, structure_id).await?;
    let lignes = selection.lignes.len();
    let contenu = composer(numero(mois, structure_id, operateur_id), operateur, structure, mois, selection.lignes);
    let hash = empreinte(&contenu);
    let contenu_json = serde_json::to_string(&contenu).map_err(|e| AppError::Internal(e.into()))?;
    let inserted: Option<(i64,)> = on!(conn, |cx| sqlx::query_as(
        "INSERT INTO releves (numero, operateur_id, structure_id, mois, etat, nb_validations, nb_annulations,
                              total_centimes, contenu_json, hash, emis_at, emis_by)
         VALUES ($1, $2, $3, $4, 'emis', $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (operateur_id, structure_id, mois) DO NOTHING
         RETURNING id",
    )
    .bind(&contenu.numero)
    .bind(operateur_id)
    .bind(structure_id)
    .bind(mois.to_string())
    .bind(contenu.nb_validations)
    .bind(contenu.nb_annulations)
    .bind(contenu.total_centimes)
    .bind(&contenu_json)
    .bind(&hash)
    .bind(now)
    .bind(user_id)
    .fetch_optional(cx)
    .await)?;
    let Some((id,)) = inserted else { return Ok(Emission::DejaEmis) };
    for chunk in selection.validations.chunks(CHUNK) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        on!(conn, |cx| sqlx::query(&format!(
            "UPDATE pass_validations SET releve_id = $1 WHERE id IN ({list}) AND releve_id IS NULL"
        ))
        .bind(id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    }
    for chunk in selection.annulations.chunks(CHUNK) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        on!(conn, |cx| {
            sqlx::query(&format!(
            "UPDATE pass_validations SET releve_annulation_id = $1 WHERE id IN ({list}) AND releve_annulation_id IS NULL"
        ))
        .bind(id)
        .execute(cx).await.map(|r| r.rows_affected())
        })?;
    }
    Audit::par(user_id, Entite::Releve(id), "emis").apres(json!({ "etat": "emis", "numero": contenu.numero, "mois": mois, "total_centimes": contenu.total_centimes,
                      "nb_validations": contenu.nb_validations, "nb_annulations": contenu.nb_annulations, "hash": hash })).ecrire(conn, now)
    .await?;
    Ok(Emission::Emis { id, lignes })
}

/// Issues the statements of `mois` for every structure with something to list for this
/// opérateur, one transaction per structure (validations elsewhere go on meanwhile). Safe to run
/// again: a statement already issued is left as it is.
pub async fn emettre_mois(
    db: &Db,
    operateur_id: i64,
    mois: Mois,
    today: NaiveDate,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<EmissionResult> {
    if !mois.est_termine(today) {
        return Err(AppError::field(
            "mois",
            format!("Mois : les relevés de {} seront émis une fois le mois terminé.", mois.libelle()),
        ));
    }
    let structures = {
        let conn: &mut dyn Conn = &mut db.acquire().await?;
        a_emettre(conn, operateur_id).await?
    };
    let (mut emis, mut deja, mut lignes) = (0, 0, 0);
    for structure_id in structures {
        let mut tx = begin_write(db).await?;
        match emettre(&mut tx, operateur_id, structure_id, mois, user_id, now).await? {
            Emission::Emis { lignes: n, .. } => {
                emis += 1;
                lignes += n as i64;
            }
            Emission::DejaEmis => deja += 1,
            Emission::Rien => {}
        }
        tx.commit().await?;
    }
    Ok(EmissionResult { mois, releves_emis: emis, deja_emis: deja, lignes })
}

/// The structures with validations of this opérateur that a statement may still list.
pub async fn a_emettre(conn: &mut dyn Conn, operateur_id: i64) -> sqlx::Result<Vec<i64>> {
    on!(conn, |cx| sqlx::query_scalar(
        "SELECT DISTINCT structure_id FROM pass_validations
         WHERE operateur_id = $1 AND (releve_id IS NULL OR (annulee_at IS NOT NULL AND releve_annulation_id IS NULL))
         ORDER BY structure_id",
    )
    .bind(operateur_id)
    .fetch_all(cx)
    .await)
}

/// The scheduled job: issues last month's statements for every opérateur (no-op when done). Run
/// by one instance at a time (the others skip the tick, answering 0); each structure's statement
/// commits on its own, so a run cut short leaves whole statements, and the next run goes on.
pub async fn emettre_mois_precedent(db: &Db, now: DateTime<Utc>) -> AppResult<i64> {
    let mut tache = db.begin().await?;
    if !crate::store::verrous::prendre_tache(&mut tache, "releves").await? {
        return Ok(0);
    }
    let today = carnet_domain::paris::today(now);
    let mois = Mois::of(today).precedent();
    let operateurs: Vec<i64> = {
        let conn: &mut dyn Conn = &mut db.acquire().await?;
        on!(conn, |cx| sqlx::query_scalar("SELECT id FROM operateurs ORDER BY id").fetch_all(cx).await)?
    };
    let mut total = 0;
    for id in operateurs {
        total += emettre_mois(db, id, mois, today, None, now).await?.releves_emis;
    }
    tache.commit().await?;
    Ok(total)
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    numero: String,
    structure_id: i64,
    structure: String,
    operateur_id: i64,
    operateur: String,
    mois: String,
    etat: String,
    nb_validations: i64,
    nb_annulations: i64,
    total_centimes: i64,
    hash: String,
    emis_at: DateTime<Utc>,
    envoye_at: Option<DateTime<Utc>>,
    paye_at: Option<DateTime<Utc>>,
}

impl SummaryRow {
    fn summary(self) -> Option<ReleveSummary> {
        Some(ReleveSummary {
            id: self.id,
            numero: self.numero,
            structure: Ref { id: self.structure_id, nom: self.structure },
            operateur: Ref { id: self.operateur_id, nom: self.operateur },
            mois: Mois::parse(&self.mois)?,
            etat: self.etat,
            nb_validations: self.nb_validations,
            nb_annulations: self.nb_annulations,
            total_centimes: self.total_centimes,
            hash: self.hash,
            emis_at: self.emis_at,
            envoye_at: self.envoye_at,
            paye_at: self.paye_at,
        })
    }
}

const SUMMARY_SELECT: &str =
    "SELECT r.id, r.numero, r.structure_id, s.nom AS structure, r.operateur_id, o.nom AS operateur,
        r.mois, r.etat, r.nb_validations, r.nb_annulations, r.total_centimes, r.hash, r.emis_at, r.envoye_at, r.paye_at
    FROM releves r JOIN structures s ON s.id = r.structure_id JOIN operateurs o ON o.id = r.operateur_id";

fn scope_filter(scope: Scope) -> Option<(&'static str, i64)> {
    match scope {
        Scope::Operateur(id) => Some(("r.operateur_id", id)),
        Scope::Structure(id) => Some(("r.structure_id", id)),
        _ => None,
    }
}

pub async fn list(db: &Db, scope: Scope, mois: Option<Mois>) -> sqlx::Result<Vec<ReleveSummary>> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let Some((column, value)) = scope_filter(scope) else { return Ok(Vec::new()) };
    let rows: Vec<SummaryRow> = on!(conn, |cx| {
        sqlx::query_as(&format!(
        "{SUMMARY_SELECT} WHERE {column} = $1 AND ($2 IS NULL OR r.mois = $2) ORDER BY r.mois DESC, s.nom, r.id LIMIT 1000"
    ))
    .bind(value)
    .bind(mois.map(|m| m.to_string()))
    .fetch_all(cx).await
    })?;
    Ok(rows.into_iter().filter_map(SummaryRow::summary).collect())
}

pub async fn get(db: &Db, id: i64, scope: Scope) -> AppResult<Option<ReleveDetail>> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let Some((column, value)) = scope_filter(scope) else { return Ok(None) };
    let row: Option<SummaryRow> =
        on!(conn, |cx| sqlx::query_as(&format!("{SUMMARY_SELECT} WHERE r.id = $1 AND {column} = $2"))
            .bind(id)
            .bind(value)
            .fetch_optional(cx)
            .await)?;
    let Some(row) = row else { return Ok(None) };
    let (json,): (String,) =
        on!(conn, |cx| sqlx::query_as("SELECT contenu_json FROM releves WHERE id = $1").bind(id).fetch_one(cx).await)?;
    let contenu: ContenuReleve = serde_json::from_str(&json).map_err(|e| AppError::Internal(e.into()))?;
    Ok(row.summary().map(|releve| ReleveDetail { releve, contenu }))
}

/// The opérateur sends a statement to its structure, or marks it paid; audited.
pub async fn transition(
    conn: &mut dyn Conn,
    id: i64,
    operateur_id: i64,
    evenement: ReleveEvenement,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<ReleveEtat> {
    let row: Option<(String,)> =
        on!(conn, |cx| sqlx::query_as("SELECT etat FROM releves WHERE id = $1 AND operateur_id = $2")
            .bind(id)
            .bind(operateur_id)
            .fetch_optional(cx)
            .await)?;
    let (etat,) = row.ok_or(AppError::NotFound)?;
    let before =
        ReleveEtat::parse(&etat).ok_or_else(|| AppError::Internal(anyhow::anyhow!("état de relevé inconnu")))?;
    let after = before.suivant(evenement).map_err(|r| AppError::Conflict(r.raison))?;
    // The state read above is the update's condition: of two transitions at once (two tabs, two
    // instances), the second finds the statement moved on and is refused as it would be after.
    let sql = match evenement {
        ReleveEvenement::Envoyer => {
            "UPDATE releves SET etat = $2, envoye_at = $3, envoye_by = $4 WHERE id = $1 AND etat = $5 RETURNING etat"
        }
        ReleveEvenement::MarquerPaye => {
            "UPDATE releves SET etat = $2, paye_at = $3, paye_by = $4 WHERE id = $1 AND etat = $5 RETURNING etat"
        }
    };
    let done: Option<(String,)> = on!(conn, |cx| sqlx::query_as(sql)
        .bind(id)
        .bind(after.as_str())
        .bind(now)
        .bind(user_id)
        .bind(before.as_str())
        .fetch_optional(cx)
        .await)?;
    if done.is_none() {
        let (etat,): (String,) =
            on!(conn, |cx| sqlx::query_as("SELECT etat FROM releves WHERE id = $1").bind(id).fetch_one(cx).await)?;
        let raison = ReleveEtat::parse(&etat)
            .and_then(|e| e.suivant(evenement).err())
            .map(|r| r.raison)
            .unwrap_or_else(|| "Ce relevé vient d'être modifié par ailleurs : rechargez la page.".into());
        return Err(AppError::Conflict(raison));
    }
    Audit::par(Some(user_id), Entite::Releve(id), evenement.as_str())
        .avant(json!({ "etat": before.as_str() }))
        .apres(json!({ "etat": after.as_str() }))
        .ecrire(conn, now)
        .await?;
    Ok(after)
}

/// What the statements of `mois` would hold if issued now, per opérateur (nothing is written).
/// The month's validations, not cancelled, of passes from carnets outside any order (received from
/// another issuer): the structure claims them from that issuer.
pub async fn hors_releve(conn: &mut dyn Conn, structure_id: i64, mois: Mois) -> sqlx::Result<Vec<PassAReclamer>> {
    let rows: Vec<(chrono::NaiveDate, String, String, String, i64)> = on!(conn, |cx| sqlx::query_as(
        "SELECT v.jour, c.commanditaire_nom, c.numero, p.code, v.valeur_centimes
         FROM pass_validations v
         JOIN carnets c ON c.id = v.carnet_id
         JOIN passes p ON p.id = v.pass_id
         WHERE v.structure_id = $1 AND v.mois = $2 AND v.commande_id IS NULL AND v.annulee_at IS NULL
         ORDER BY v.jour, v.id",
    )
    .bind(structure_id)
    .bind(mois.to_string())
    .fetch_all(cx)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(jour, emetteur, carnet, code, valeur_centimes)| PassAReclamer {
            jour,
            emetteur,
            carnet,
            code: PassCode::parse(&code).map(|c| c.display()).unwrap_or(code),
            valeur_centimes,
        })
        .collect())
}

pub async fn provisoire(db: &Db, structure_id: i64, mois: Mois) -> AppResult<Vec<ContenuReleve>> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let operateurs: Vec<(i64,)> = on!(conn, |cx| sqlx::query_as(
        "SELECT DISTINCT operateur_id FROM pass_validations
         WHERE structure_id = $1 AND operateur_id IS NOT NULL
           AND (releve_id IS NULL OR (annulee_at IS NOT NULL AND releve_annulation_id IS NULL))
         ORDER BY operateur_id",
    )
    .bind(structure_id)
    .fetch_all(cx)
    .await)?;
    let mut out = Vec::new();
    for (operateur_id,) in operateurs {
        let cands = candidates(conn, operateur_id, structure_id).await?;
        let selection = selectionner(mois, &cands);
        if selection.lignes.is_empty() {
            continue;
        }
        let (operateur, structure) = noms(conn, operateur_id, structure_id).await?;
        out.push(composer(numero(mois, structure_id, operateur_id), operateur, structure, mois, selection.lignes));
    }
    Ok(out)
}

/// Every statement checked against its stored hash (after a restore or a copy): how many there
/// are, and the ids of those whose content no longer gives their hash.
pub async fn empreintes_fausses(conn: &mut dyn Conn) -> anyhow::Result<(usize, Vec<i64>)> {
    let lignes: Vec<(i64, String, String)> =
        on!(conn, |cx| sqlx::query_as("SELECT id, contenu_json, hash FROM releves ORDER BY id").fetch_all(cx).await)?;
    let mut fausses = Vec::new();
    for (id, json, hash) in &lignes {
        let juste = serde_json::from_str::<ContenuReleve>(json).is_ok_and(|c| empreinte(&c) == *hash);
        if !juste {
            fausses.push(*id);
        }
    }
    Ok((lignes.len(), fausses))
}
