//! Lots: the commanditaire entrusts a run of carnets to a structure (with the recorded
//! agreement), the coordinateur entrusts some to a conseiller, or takes them back. A carnet has
//! one holder at a time; every move is a lot, and an audit entry per carnet.

use super::audit_bulk;
use super::orgs::{AGREEE_PAR_L_OPERATEUR, DANS_LE_TERRITOIRE};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::store::conn::{on, Conn};
use carnet_domain::ledger::api::{CarnetDuLot, CarnetsStructure, LotView, Ref, StockCommande, StockConseiller};
use carnet_domain::ledger::commande::numero_carnet;
use chrono::{DateTime, NaiveDate, Utc};

#[derive(sqlx::FromRow)]
struct LotRow {
    id: i64,
    kind: String,
    commande_id: i64,
    commande: String,
    commanditaire: String,
    structure: String,
    conseiller: Option<String>,
    nb_carnets: i64,
    premier_rang: i64,
    dernier_rang: i64,
    accord_reference: Option<String>,
    accord_date: Option<NaiveDate>,
    par: String,
    created_at: DateTime<Utc>,
}

/// Lots matching `where_sql` (on `l`), newest first.
pub async fn list(db: &Db, where_sql: &str, binds: &[i64]) -> sqlx::Result<Vec<LotView>> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let sql = format!(
        "SELECT l.id, l.kind, l.commande_id, co.reference AS commande, cm.nom AS commanditaire, s.nom AS structure,
                cu.prenom || ' ' || cu.nom AS conseiller, l.nb_carnets, l.premier_rang, l.dernier_rang,
                l.accord_reference, l.accord_date, u.prenom || ' ' || u.nom AS par, l.created_at
         FROM lots l
         JOIN commandes co ON co.id = l.commande_id
         JOIN commanditaires cm ON cm.id = co.commanditaire_id
         JOIN structures s ON s.id = l.structure_id
         LEFT JOIN users cu ON cu.id = l.conseiller_id
         JOIN users u ON u.id = l.created_by
         WHERE {where_sql}
         ORDER BY l.id DESC"
    );
    let rows: Vec<LotRow> = on!(conn, |cx| {
        let mut q = sqlx::query_as(&sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_all(cx).await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let conseiller = r.conseiller.clone().unwrap_or_default();
            let (de, vers) = match r.kind.as_str() {
                "structure" => (r.commanditaire.clone(), r.structure.clone()),
                "conseiller" => (r.structure.clone(), conseiller),
                _ => (conseiller, r.structure.clone()),
            };
            LotView {
                id: r.id,
                kind: r.kind,
                commande_id: r.commande_id,
                commande: r.commande,
                de,
                vers,
                nb_carnets: r.nb_carnets,
                premier_numero: numero_carnet(r.commande_id, r.premier_rang),
                dernier_numero: numero_carnet(r.commande_id, r.dernier_rang),
                accord_reference: r.accord_reference,
                accord_date: r.accord_date,
                par: r.par,
                created_at: r.created_at,
            }
        })
        .collect())
}

pub struct LotStructure {
    pub commande_id: i64,
    pub structure_id: i64,
    pub premier: i64,
    pub dernier: i64,
    pub accord_reference: String,
    pub accord_date: NaiveDate,
}

/// Commanditaire → structure: every carnet of the run must still be with the commanditaire.
pub async fn confier_structure(
    conn: &mut dyn Conn,
    commanditaire_id: i64,
    lot: &LotStructure,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<(i64, i64)> {
    let order: Option<(String, i64)> = on!(conn, |cx| sqlx::query_as(
        "SELECT etat, nb_carnets FROM commandes WHERE id = $1 AND commanditaire_id = $2"
    )
    .bind(lot.commande_id)
    .bind(commanditaire_id)
    .fetch_optional(cx)
    .await)?;
    let (etat, nb_carnets) = order.ok_or(AppError::NotFound)?;
    if etat != "active" {
        return Err(AppError::Conflict(
            "Cette commande n'est pas active : ses carnets ne peuvent pas encore être confiés (paiement et activation par l'opérateur)."
                .into(),
        ));
    }
    let structure: Option<(String, bool, bool)> = on!(conn, |cx| sqlx::query_as(&format!(
        "SELECT s.nom, {AGREEE_PAR_L_OPERATEUR}, {DANS_LE_TERRITOIRE}
         FROM structures s
         LEFT JOIN communes c ON c.code_insee = s.commune_insee
         JOIN commandes co ON co.id = $2
         WHERE s.id = $1"
    ))
    .bind(lot.structure_id)
    .bind(lot.commande_id)
    .fetch_optional(cx)
    .await)?;
    match structure {
        None => return Err(AppError::field("structure_id", "Structure : choisissez une structure de la liste.")),
        Some((nom, false, _)) => {
            return Err(AppError::field(
                "structure_id",
                format!("Structure : {nom} n'est pas agréée par l'opérateur de cette commande ; elle ne pourrait pas encaisser ses pass."),
            ))
        }
        Some((nom, _, false)) => {
            return Err(AppError::field(
                "structure_id",
                format!("Structure : {nom} est hors du territoire de cette commande ; ses carnets restent sur ce territoire."),
            ))
        }
        Some(_) => {}
    }
    if lot.dernier > nb_carnets {
        return Err(AppError::field(
            "dernier",
            format!("Dernier carnet : cette commande compte {nb_carnets} carnets."),
        ));
    }
    let count = lot.dernier - lot.premier + 1;
    // The run's carnets still with the commanditaire, locked: a lot entrusted at the same moment
    // with an overlapping run waits, then finds them gone and is refused.
    let held: Vec<(i64,)> = on!(conn, |cx| sqlx::query_as(&format!(
        "SELECT id FROM carnets WHERE commande_id = $1 AND rang_commande BETWEEN $2 AND $3 AND etat = 'disponible'{}",
        dialect::FOR_UPDATE
    ))
    .bind(lot.commande_id)
    .bind(lot.premier)
    .bind(lot.dernier)
    .fetch_all(cx)
    .await)?;
    let held = held.len() as i64;
    if held != count {
        return Err(AppError::field(
            "premier",
            format!(
                "Carnets : {} des {count} carnets de {} à {} ne sont plus chez vous (déjà confiés). Choisissez une plage disponible.",
                count - held,
                numero_carnet(lot.commande_id, lot.premier),
                numero_carnet(lot.commande_id, lot.dernier)
            ),
        ));
    }
    let (lot_id,): (i64,) = on!(conn, |cx| sqlx::query_as(
        "INSERT INTO lots (kind, commande_id, structure_id, conseiller_id, nb_carnets, premier_rang, dernier_rang,
                           accord_reference, accord_date, created_by, created_at)
         VALUES ('structure', $1, $2, NULL, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(lot.commande_id)
    .bind(lot.structure_id)
    .bind(count)
    .bind(lot.premier)
    .bind(lot.dernier)
    .bind(&lot.accord_reference)
    .bind(lot.accord_date)
    .bind(user_id)
    .bind(now)
    .fetch_one(cx)
    .await)?;
    on!(conn, |cx| sqlx::query(
        "INSERT INTO lot_carnets (lot_id, carnet_id)
         SELECT $1, id FROM carnets WHERE commande_id = $2 AND rang_commande BETWEEN $3 AND $4",
    )
    .bind(lot_id)
    .bind(lot.commande_id)
    .bind(lot.premier)
    .bind(lot.dernier)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    audit_bulk(
        conn,
        now,
        Some(user_id),
        "carnet",
        "confie_structure",
        "SELECT c.id AS entity_id, '{\"etat\":\"disponible\",\"detenteur\":\"commanditaire\"}' AS before_json,
                '{\"etat\":\"confie_structure\",\"structure_id\":' || $4 || ',\"lot_id\":' || $3 || '}' AS after_json
         FROM lot_carnets lc JOIN carnets c ON c.id = lc.carnet_id WHERE lc.lot_id = $3",
        &[lot_id, lot.structure_id],
    )
    .await?;
    let moved = on!(conn, |cx| sqlx::query(
        "UPDATE carnets SET etat = 'confie_structure', structure_id = $2
         WHERE id IN (SELECT carnet_id FROM lot_carnets WHERE lot_id = $1) AND etat = 'disponible'",
    )
    .bind(lot_id)
    .bind(lot.structure_id)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))? as i64;
    if moved != count {
        return Err(AppError::Internal(anyhow::anyhow!("lot {lot_id} : {moved} carnets déplacés sur {count}")));
    }
    Ok((lot_id, count))
}

/// Structure → conseiller: the `nombre` lowest-numbered carnets of the order the structure holds.
pub async fn confier_conseiller(
    conn: &mut dyn Conn,
    structure_id: i64,
    commande_id: i64,
    conseiller_id: i64,
    nombre: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<(i64, i64)> {
    let conseiller: Option<(String,)> = on!(conn, |cx| {
        sqlx::query_as(
        "SELECT role FROM users WHERE id = $1 AND structure_id = $2 AND active = TRUE AND role IN ('conseiller', 'coordinateur')",
    )
    .bind(conseiller_id)
    .bind(structure_id)
    .fetch_optional(cx).await
    })?;
    if conseiller.is_none() {
        return Err(AppError::field("conseiller_id", "Conseiller : choisissez un conseiller de votre structure."));
    }
    // Locked: two lots made at once for the same stock do not pick the same carnets (the second
    // waits, and gets only what the first left, or a refusal).
    let ids: Vec<(i64, i64)> = on!(conn, |cx| sqlx::query_as(&format!(
        "SELECT id, rang_commande FROM carnets
         WHERE structure_id = $1 AND commande_id = $2 AND etat = 'confie_structure' AND conseiller_id IS NULL
         ORDER BY rang_commande LIMIT $3{}",
        dialect::FOR_UPDATE
    ))
    .bind(structure_id)
    .bind(commande_id)
    .bind(nombre)
    .fetch_all(cx)
    .await)?;
    if ids.is_empty() {
        return Err(AppError::field(
            "commande_id",
            "Lot : la structure n'a plus de carnet de cette commande à confier.",
        ));
    }
    if (ids.len() as i64) < nombre {
        return Err(AppError::field(
            "nombre",
            format!("Nombre de carnets : il n'en reste que {} de cette commande à confier.", ids.len()),
        ));
    }
    let premier = ids.first().map(|r| r.1).unwrap_or(0);
    let dernier = ids.last().map(|r| r.1).unwrap_or(0);
    let (lot_id,): (i64,) = on!(conn, |cx| sqlx::query_as(
        "INSERT INTO lots (kind, commande_id, structure_id, conseiller_id, nb_carnets, premier_rang, dernier_rang,
                           created_by, created_at)
         VALUES ('conseiller', $1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(commande_id)
    .bind(structure_id)
    .bind(conseiller_id)
    .bind(nombre)
    .bind(premier)
    .bind(dernier)
    .bind(user_id)
    .bind(now)
    .fetch_one(cx)
    .await)?;
    for (carnet_id, _) in &ids {
        on!(conn, |cx| sqlx::query("INSERT INTO lot_carnets (lot_id, carnet_id) VALUES ($1, $2)")
            .bind(lot_id)
            .bind(carnet_id)
            .execute(cx)
            .await
            .map(|r| r.rows_affected()))?;
    }
    audit_bulk(
        conn,
        now,
        Some(user_id),
        "carnet",
        "confie_conseiller",
        "SELECT c.id AS entity_id, '{\"etat\":\"confie_structure\",\"structure_id\":' || c.structure_id || '}' AS before_json,
                '{\"etat\":\"confie_conseiller\",\"conseiller_id\":' || $4 || ',\"lot_id\":' || $3 || '}' AS after_json
         FROM lot_carnets lc JOIN carnets c ON c.id = lc.carnet_id WHERE lc.lot_id = $3",
        &[lot_id, conseiller_id],
    )
    .await?;
    let moved = on!(conn, |cx| sqlx::query(
        "UPDATE carnets SET etat = 'confie_conseiller', conseiller_id = $2
         WHERE id IN (SELECT carnet_id FROM lot_carnets WHERE lot_id = $1)
           AND etat = 'confie_structure' AND conseiller_id IS NULL",
    )
    .bind(lot_id)
    .bind(conseiller_id)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    if moved as i64 != nombre {
        return Err(AppError::Conflict("Ces carnets viennent d'être confiés par ailleurs : rechargez la page.".into()));
    }
    Ok((lot_id, nombre))
}

/// Conseiller → structure: carnets not handed out yet come back to the structure.
pub async fn reprendre(
    conn: &mut dyn Conn,
    structure_id: i64,
    carnet_ids: &[i64],
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    if carnet_ids.is_empty() {
        return Err(AppError::field("carnet_ids", "Carnets : cochez au moins un carnet à reprendre."));
    }
    // Group by (order, conseiller): one lot per group.
    let mut groups: std::collections::BTreeMap<(i64, i64), Vec<(i64, i64)>> = Default::default();
    for id in carnet_ids {
        let row: Option<(i64, i64, i64)> = on!(conn, |cx| sqlx::query_as(&format!(
            "SELECT commande_id, conseiller_id, rang_commande FROM carnets
             WHERE id = $1 AND structure_id = $2 AND etat = 'confie_conseiller'{}",
            dialect::FOR_UPDATE
        ))
        .bind(id)
        .bind(structure_id)
        .fetch_optional(cx)
        .await)?;
        let (commande_id, conseiller_id, rang) = row.ok_or_else(|| {
            AppError::field(
                "carnet_ids",
                "Carnets : un des carnets cochés n'est plus dans le lot d'un conseiller de la structure.",
            )
        })?;
        groups.entry((commande_id, conseiller_id)).or_default().push((*id, rang));
    }
    let mut total = 0;
    for ((commande_id, conseiller_id), carnets) in groups {
        let premier = carnets.iter().map(|c| c.1).min().unwrap_or(0);
        let dernier = carnets.iter().map(|c| c.1).max().unwrap_or(0);
        let (lot_id,): (i64,) = on!(conn, |cx| {
            sqlx::query_as(
            "INSERT INTO lots (kind, commande_id, structure_id, conseiller_id, nb_carnets, premier_rang, dernier_rang,
                               created_by, created_at)
             VALUES ('reprise', $1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(commande_id)
        .bind(structure_id)
        .bind(conseiller_id)
        .bind(carnets.len() as i64)
        .bind(premier)
        .bind(dernier)
        .bind(user_id)
        .bind(now)
        .fetch_one(cx).await
        })?;
        for (carnet_id, _) in &carnets {
            on!(conn, |cx| sqlx::query("INSERT INTO lot_carnets (lot_id, carnet_id) VALUES ($1, $2)")
                .bind(lot_id)
                .bind(carnet_id)
                .execute(cx)
                .await
                .map(|r| r.rows_affected()))?;
        }
        audit_bulk(
            conn,
            now,
            Some(user_id),
            "carnet",
            "repris",
            "SELECT c.id AS entity_id, '{\"etat\":\"confie_conseiller\",\"conseiller_id\":' || c.conseiller_id || '}' AS before_json,
                    '{\"etat\":\"confie_structure\",\"lot_id\":' || $3 || '}' AS after_json
             FROM lot_carnets lc JOIN carnets c ON c.id = lc.carnet_id WHERE lc.lot_id = $3",
            &[lot_id],
        )
        .await?;
        let moved = on!(conn, |cx| sqlx::query(
            "UPDATE carnets SET etat = 'confie_structure', conseiller_id = NULL
             WHERE id IN (SELECT carnet_id FROM lot_carnets WHERE lot_id = $1) AND etat = 'confie_conseiller'",
        )
        .bind(lot_id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
        if moved as usize != carnets.len() {
            return Err(AppError::Conflict(
                "Un des carnets cochés vient d'être remis ou repris par ailleurs : rechargez la page.".into(),
            ));
        }
        total += carnets.len() as i64;
    }
    Ok(total)
}

#[derive(sqlx::FromRow)]
struct CarnetRow {
    id: i64,
    numero: String,
    nb_passes: i64,
    valeur_faciale_centimes: i64,
    fin_validite: NaiveDate,
    date_limite: NaiveDate,
    commanditaire: String,
    commande: String,
    commande_id: i64,
    detenteur: Option<String>,
}

/// Carnets held by conseillers, not handed out yet, matching `where_sql` (on `c`), of orders still
/// usable on `today`.
pub async fn carnets_en_main(db: &Db, where_sql: &str, id: i64, today: NaiveDate) -> sqlx::Result<Vec<CarnetDuLot>> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let sql = format!(
        "SELECT c.id, c.numero, c.nb_passes, c.valeur_faciale_centimes, c.fin_validite, co.date_limite,
                cm.nom AS commanditaire, co.reference AS commande, co.id AS commande_id,
                u.prenom || ' ' || u.nom AS detenteur
         FROM carnets c
         JOIN commandes co ON co.id = c.commande_id
         JOIN commanditaires cm ON cm.id = co.commanditaire_id
         LEFT JOIN users u ON u.id = c.conseiller_id
         WHERE c.etat = 'confie_conseiller' AND co.etat = 'active' AND co.date_limite >= $2 AND {where_sql}
         ORDER BY co.date_limite, c.commande_id, c.rang_commande
         LIMIT 500"
    );
    let rows: Vec<CarnetRow> = on!(conn, |cx| sqlx::query_as(&sql).bind(id).bind(today).fetch_all(cx).await)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.commande_id).collect();
    let criteres = super::commandes::criteres_by_commande(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| CarnetDuLot {
            criteres: criteres.get(&r.commande_id).cloned().unwrap_or_default(),
            id: r.id,
            numero: r.numero,
            nb_passes: r.nb_passes,
            valeur_faciale_centimes: r.valeur_faciale_centimes,
            fin_validite: r.fin_validite,
            date_limite: r.date_limite,
            commanditaire: r.commanditaire,
            commande: r.commande,
            detenteur: r.detenteur,
        })
        .collect())
}

/// The coordinateur's view: lots, stock per conseiller and per order, conseillers.
pub async fn carnets_structure(db: &Db, structure_id: i64, today: NaiveDate) -> sqlx::Result<CarnetsStructure> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let lots = list(db, "l.structure_id = $1", &[structure_id]).await?;
    let par_conseiller: Vec<(i64, String, i64, i64)> = on!(conn, |cx| {
        sqlx::query_as(
        "SELECT u.id, u.prenom || ' ' || u.nom,
                (SELECT COUNT(*) FROM carnets c WHERE c.conseiller_id = u.id AND c.structure_id = $1 AND c.etat = 'confie_conseiller'),
                (SELECT COUNT(*) FROM carnets c WHERE c.conseiller_id = u.id AND c.structure_id = $1 AND c.beneficiaire_id IS NOT NULL)
         FROM users u
         WHERE u.structure_id = $1 AND u.role IN ('conseiller', 'coordinateur') AND u.active = TRUE
         ORDER BY u.nom, u.prenom",
    )
    .bind(structure_id)
    .fetch_all(cx).await
    })?;
    let stock: Vec<(i64, String, String, i64, NaiveDate)> = on!(conn, |cx| sqlx::query_as(
        "SELECT co.id, co.reference, cm.nom, COUNT(*), co.date_limite
         FROM carnets c
         JOIN commandes co ON co.id = c.commande_id
         JOIN commanditaires cm ON cm.id = co.commanditaire_id
         WHERE c.structure_id = $1 AND c.etat = 'confie_structure' AND c.conseiller_id IS NULL
         GROUP BY co.id, co.reference, cm.nom, co.date_limite
         ORDER BY co.date_limite, co.id",
    )
    .bind(structure_id)
    .fetch_all(cx)
    .await)?;
    let carnets_en_main = carnets_en_main(db, "c.structure_id = $1", structure_id, today).await?;
    Ok(CarnetsStructure {
        lots,
        conseillers: par_conseiller.iter().map(|(id, nom, _, _)| Ref { id: *id, nom: nom.clone() }).collect(),
        par_conseiller: par_conseiller
            .into_iter()
            .map(|(id, nom, en_main, distribues)| StockConseiller { conseiller: Ref { id, nom }, en_main, distribues })
            .collect(),
        stock: stock
            .into_iter()
            .map(|(commande_id, commande, commanditaire, non_attribues, date_limite)| StockCommande {
                commande_id,
                commande,
                commanditaire,
                non_attribues,
                date_limite,
            })
            .collect(),
        carnets_en_main,
    })
}
