//! The commanditaire's dashboard: aggregates over its orders, never a person.

use crate::db::Db;
use crate::store::conn::{on, Conn};
use carnet_domain::ledger::api::{ParTerritoire, Ref, TableauCommanditaire, Valeurs, ValidationsStructureMois};
use carnet_domain::ledger::releve::Mois;
use std::collections::BTreeMap;

/// `commande`: restrict to one order of this commanditaire.
pub async fn commanditaire(
    db: &Db,
    commanditaire_id: i64,
    commande: Option<i64>,
) -> sqlx::Result<TableauCommanditaire> {
    let conn: &mut dyn Conn = &mut db.acquire().await?;
    let (nom,): (String,) = on!(conn, |cx| sqlx::query_as("SELECT nom FROM commanditaires WHERE id = $1")
        .bind(commanditaire_id)
        .fetch_one(cx)
        .await)?;
    let commandes = super::commandes::list(db, super::Scope::Commanditaire(commanditaire_id)).await?;
    // -1: every order.
    let filtre = commande.unwrap_or(-1);
    let entonnoir = super::commandes::entonnoir(
        db,
        "co.commanditaire_id = $1 AND ($2 = -1 OR co.id = $2)",
        &[commanditaire_id, filtre],
    )
    .await?;

    let par_structure_mois: Vec<(String, String, i64, i64)> = on!(conn, |cx| sqlx::query_as(
        "SELECT s.nom, v.mois, COUNT(*), CAST(COALESCE(SUM(v.valeur_centimes), 0) AS BIGINT)
         FROM pass_validations v JOIN structures s ON s.id = v.structure_id
         WHERE v.commanditaire_id = $1 AND ($2 = -1 OR v.commande_id = $2) AND v.annulee_at IS NULL
         GROUP BY s.nom, v.mois ORDER BY v.mois, s.nom",
    )
    .bind(commanditaire_id)
    .bind(filtre)
    .fetch_all(cx)
    .await)?;

    let (achetee,): (i64,) = on!(conn, |cx| sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(nb_carnets * nb_passes * valeur_faciale_centimes), 0) AS BIGINT) FROM commandes
         WHERE commanditaire_id = $1 AND ($2 = -1 OR id = $2) AND paiement_at IS NOT NULL",
    )
    .bind(commanditaire_id)
    .bind(filtre)
    .fetch_one(cx)
    .await)?;
    let (consommee,): (i64,) = on!(conn, |cx| sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(valeur_centimes), 0) AS BIGINT) FROM pass_validations
         WHERE commanditaire_id = $1 AND ($2 = -1 OR commande_id = $2) AND annulee_at IS NULL",
    )
    .bind(commanditaire_id)
    .bind(filtre)
    .fetch_one(cx)
    .await)?;
    let (avoir,): (i64,) = on!(conn, |cx| {
        sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(montant_centimes), 0) AS BIGINT) FROM avoirs WHERE commanditaire_id = $1 AND ($2 = -1 OR commande_id = $2)",
    )
    .bind(commanditaire_id)
    .bind(filtre)
    .fetch_one(cx).await
    })?;
    let (en_circulation,): (i64,) = on!(conn, |cx| sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(p.valeur_centimes), 0) AS BIGINT) FROM passes p
         JOIN carnets c ON c.id = p.carnet_id JOIN commandes co ON co.id = c.commande_id
         WHERE co.commanditaire_id = $1 AND ($2 = -1 OR co.id = $2) AND co.paiement_at IS NOT NULL
           AND p.etat IN ('emis', 'actif', 'distribue')",
    )
    .bind(commanditaire_id)
    .bind(filtre)
    .fetch_one(cx)
    .await)?;

    // Per département of the structure: carnets entrusted and handed out there, passes validated there.
    let carnets: Vec<(String, i64, i64)> = on!(conn, |cx| {
        sqlx::query_as(
        "SELECT cm.departement, COUNT(*), COALESCE(SUM(CASE WHEN c.beneficiaire_id IS NOT NULL THEN 1 ELSE 0 END), 0)
         FROM carnets c JOIN commandes co ON co.id = c.commande_id
         JOIN structures s ON s.id = c.structure_id JOIN communes cm ON cm.code_insee = s.commune_insee
         WHERE co.commanditaire_id = $1 AND ($2 = -1 OR co.id = $2)
         GROUP BY cm.departement",
    )
    .bind(commanditaire_id)
    .bind(filtre)
    .fetch_all(cx).await
    })?;
    let passes: Vec<(String, i64, i64)> = on!(conn, |cx| {
        sqlx::query_as(
        "SELECT cm.departement, COUNT(*), CAST(COALESCE(SUM(v.valeur_centimes), 0) AS BIGINT)
         FROM pass_validations v JOIN structures s ON s.id = v.structure_id JOIN communes cm ON cm.code_insee = s.commune_insee
         WHERE v.commanditaire_id = $1 AND ($2 = -1 OR v.commande_id = $2) AND v.annulee_at IS NULL
         GROUP BY cm.departement",
    )
    .bind(commanditaire_id)
    .bind(filtre)
    .fetch_all(cx).await
    })?;
    let noms: Vec<(String, String)> =
        on!(conn, |cx| sqlx::query_as("SELECT code, nom FROM departements_centres").fetch_all(cx).await)?;
    let noms: BTreeMap<String, String> = noms.into_iter().collect();
    let mut territoires: BTreeMap<String, ParTerritoire> = BTreeMap::new();
    for (dep, confies, distribues) in carnets {
        let t = territoire(&mut territoires, &noms, &dep);
        t.carnets_confies = confies;
        t.carnets_distribues = distribues;
    }
    for (dep, n, montant) in passes {
        let t = territoire(&mut territoires, &noms, &dep);
        t.passes_valides = n;
        t.montant_centimes = montant;
    }

    Ok(TableauCommanditaire {
        commanditaire: Ref { id: commanditaire_id, nom },
        commandes,
        entonnoir,
        par_structure_mois: par_structure_mois
            .into_iter()
            .filter_map(|(structure, mois, passes, montant_centimes)| {
                Some(ValidationsStructureMois { structure, mois: Mois::parse(&mois)?, passes, montant_centimes })
            })
            .collect(),
        valeurs: Valeurs {
            achetee_centimes: achetee,
            consommee_centimes: consommee,
            avoir_centimes: avoir,
            en_circulation_centimes: en_circulation,
        },
        par_territoire: territoires.into_values().collect(),
    })
}

fn territoire<'a>(
    t: &'a mut BTreeMap<String, ParTerritoire>,
    noms: &BTreeMap<String, String>,
    dep: &str,
) -> &'a mut ParTerritoire {
    t.entry(dep.to_string()).or_insert_with(|| ParTerritoire {
        departement: dep.to_string(),
        nom: noms.get(dep).cloned().unwrap_or_else(|| dep.to_string()),
        carnets_confies: 0,
        carnets_distribues: 0,
        passes_valides: 0,
        montant_centimes: 0,
    })
}
