//! The conseiller's day: the list of one conseiller's sessions of a day (who, when, where, what
//! each needs), shown printable in the app (`GET /api/v1/journee`) and, for those who asked for
//! it in « Mon compte », sent by e-mail each morning.
//!
//! The morning e-mail goes by the reminders' job (every minute, and `admin rappels --maintenant`)
//! from 07:00 in the structure's zone, or at the first run after; never for a day gone by, nor
//! after 21:00. Once per conseiller and day, across restarts and servers: `envois_journee` has a
//! unique key (user, jour), claimed by one guarded UPDATE in a write transaction (a lease while
//! sending, the result after), as the reminders' `envois`. A day without sessions sends nothing
//! (its row says so); the list is the morning's: a session planned later that day is not sent
//! again, the page shows it.

use crate::db::{begin_write, Db};
use crate::rappels::Canaux;
use crate::store::conn::{on, Conn};
use crate::store::dossier;
use carnet_domain::fuseau::Calendrier;
use carnet_domain::parcours::competences;
use carnet_domain::rappels::{self as regles, Journee, SeanceJournee};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

/// A claim lapses after this long without a result (the server died mid-send).
const BAIL: i64 = 5;

#[derive(sqlx::FromRow)]
struct SeanceDuJour {
    id: i64,
    parcours_id: i64,
}

/// The sessions planned or held by `conseiller_id` on `jour` (the structure's calendar), with
/// what each needs; `None` for a conseiller who is not of this structure.
pub async fn journee(
    db: &Db,
    conseiller_id: i64,
    structure_id: i64,
    jour: NaiveDate,
    cal: Calendrier,
) -> anyhow::Result<Option<Journee>> {
    let minuit = |d: NaiveDate| cal.to_utc(d.and_time(NaiveTime::MIN));
    let (qui, lignes) = {
        let mut conn = db.acquire().await?;
        let qui: Option<(String, String, String)> = on!(conn, |cx| sqlx::query_as(
            "SELECT u.prenom, u.nom, s.nom FROM users u JOIN structures s ON s.id = u.structure_id
             WHERE u.id = $1 AND u.structure_id = $2",
        )
        .bind(conseiller_id)
        .bind(structure_id)
        .fetch_optional(cx)
        .await)?;
        let lignes: Vec<SeanceDuJour> = on!(conn, |cx| sqlx::query_as(
            "SELECT s.id, s.parcours_id FROM seances s JOIN parcours p ON p.id = s.parcours_id
             WHERE s.conseiller_id = $1 AND p.structure_id = $2 AND s.debut >= $3 AND s.debut < $4
               AND s.statut IN ('prevue', 'tenue')
             ORDER BY s.debut, s.id",
        )
        .bind(conseiller_id)
        .bind(structure_id)
        .bind(minuit(jour))
        .bind(minuit(jour + Duration::days(1)))
        .fetch_all(cx)
        .await)?;
        (qui, lignes)
    };
    let Some((prenom, nom, structure)) = qui else { return Ok(None) };
    let mut seances = Vec::with_capacity(lignes.len());
    let mut dossiers: Vec<carnet_domain::parcours::Dossier> = Vec::new();
    for l in lignes {
        if !dossiers.iter().any(|d| d.id == l.parcours_id) {
            let Some(d) = dossier::load(db, l.parcours_id, structure_id).await? else { continue };
            dossiers.push(d);
        }
        let d = dossiers.iter().find(|d| d.id == l.parcours_id).expect("loaded above");
        let Some(s) = d.seances.iter().find(|s| s.id == l.id) else { continue };
        seances.push(SeanceJournee {
            seance_id: s.id,
            parcours_id: d.id,
            prenom: d.beneficiaire.prenom.clone(),
            debut: s.debut,
            fin: s.fin,
            lieu: match s.type_lieu.as_str() {
                "domicile" => "Chez la personne".to_string(),
                "a_distance" => "À distance".to_string(),
                _ => d.structure.clone(),
            },
            numero: crate::api::espace::numero(d, s),
            theme: s.theme.as_ref().map(|t| t.titre.clone()),
            competences: s
                .theme
                .as_ref()
                .map(|t| t.competences.iter().map(|c| competences::libelle(c)).collect())
                .unwrap_or_default(),
            apporter: std::iter::once("carnet de Pass numérique".to_string())
                .chain(crate::api::espace::materiel(d).iter().filter_map(|m| match m.as_str() {
                    "telephone" => Some("téléphone portable".to_string()),
                    "ordinateur" => Some("ordinateur portable".to_string()),
                    "tablette" => Some("tablette".to_string()),
                    _ => None,
                }))
                .collect(),
            statut: s.statut.code().to_string(),
        });
    }
    Ok(Some(Journee { jour, conseiller: format!("{prenom} {nom}"), structure, seances }))
}

#[derive(sqlx::FromRow)]
struct Abonne {
    id: i64,
    email: String,
    prenom: String,
    structure_id: i64,
    commune_insee: Option<String>,
    fuseau: Option<String>,
    /// The last day whose e-mail is settled (sent, failed for good, or nothing to send).
    dernier_jour: Option<NaiveDate>,
}

/// Claims (user, jour) for this server: creates its row on the first try, then takes it if it is
/// waiting and its retry time has come, or if another server's claim lapsed. Returns the row id
/// and the number of this try.
async fn reclamer(
    conn: &mut dyn Conn,
    user_id: i64,
    jour: NaiveDate,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<(i64, i64)>> {
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

/// Writes the result of a try: `None` for a day without sessions.
async fn conclure(
    db: &Db,
    id: i64,
    tentative: i64,
    resultat: Option<Result<(), String>>,
    fin_du_jour: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let (etat, reponse, prochain) = match resultat {
        None => ("sans_seance", None, None),
        Some(Ok(())) => ("envoye", Some("250 accepté par le serveur SMTP".to_string()), None),
        Some(Err(e)) => {
            // The reminders' backoff (2, 4, 8, 16 minutes), while the day's list is still of use.
            let prochain = (tentative < regles::ESSAIS_MAX as i64)
                .then(|| now + Duration::minutes(1 << tentative.clamp(1, 10)))
                .filter(|at| *at < fin_du_jour);
            (if prochain.is_some() { "en_attente" } else { "echec" }, Some(e), prochain)
        }
    };
    let mut tx = begin_write(db).await?;
    on!(tx, |cx| sqlx::query(
        "UPDATE envois_journee SET etat = $2, bail = NULL, reponse = $3, prochain_essai = COALESCE($4, prochain_essai),
                envoye_at = CASE WHEN $2 = 'envoye' THEN $5 ELSE envoye_at END, updated_at = $5
         WHERE id = $1 AND etat = 'en_cours'",
    )
    .bind(id)
    .bind(etat)
    .bind(reponse)
    .bind(prochain)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    tx.commit().await
}

/// One run at `now`: the morning e-mail of each conseiller who asked for it and whose day, in
/// their structure's zone, has reached 07:00. Returns how many went.
pub async fn run_once(db: &Db, canaux: &Canaux, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let abonnes: Vec<Abonne> = on!(db.acquire().await?, |cx| sqlx::query_as(
        "SELECT u.id, u.email, u.prenom, u.structure_id, st.commune_insee, st.fuseau,
                (SELECT MAX(e.jour) FROM envois_journee e
                 WHERE e.user_id = u.id AND e.etat IN ('envoye', 'echec', 'sans_seance')) AS dernier_jour
         FROM users u JOIN structures st ON st.id = u.structure_id
         WHERE u.journee_par_email = TRUE AND u.active = TRUE AND u.role IN ('conseiller', 'coordinateur')
         ORDER BY u.id",
    )
    .fetch_all(cx)
    .await)?;
    let mut envoyes = 0;
    for a in abonnes {
        let cal = crate::store::fuseaux::calendrier(a.commune_insee.as_deref(), a.fuseau.as_deref());
        let Some(jour) = regles::jour_de_la_journee(cal.fuseau, now) else { continue };
        if a.dernier_jour.is_some_and(|d| d >= jour) {
            continue;
        }
        let claim = {
            let mut tx = begin_write(db).await?;
            let claim = reclamer(&mut tx, a.id, jour, now).await?;
            tx.commit().await?;
            claim
        };
        let Some((id, tentative)) = claim else { continue };
        let fin_du_jour =
            cal.to_utc(jour.and_time(NaiveTime::from_hms_opt(regles::HEURE_FIN_ENVOIS, 0, 0).expect("21:00")));
        let resultat = match journee(db, a.id, a.structure_id, jour, cal).await {
            Ok(Some(j)) if j.seances.is_empty() => None,
            Ok(Some(mut j)) => {
                // Greeted by their first name; the list says who it is for.
                j.conseiller = a.prenom.clone();
                let (subject, body) = regles::texte_journee(&j, &format!("{}/journee", canaux.public_url));
                let mail = crate::mail::Mail { to: a.email.clone(), subject, body };
                Some(canaux.mailer.send(&mail).await.map_err(|e| format!("SMTP : {e}").chars().take(200).collect()))
            }
            Ok(None) => None,
            Err(e) => Some(Err(format!("liste impossible à écrire : {e}"))),
        };
        if let Some(Err(e)) = &resultat {
            tracing::warn!(user_id = a.id, %jour, tentative, erreur = %e, "liste du jour non envoyée");
        }
        if matches!(resultat, Some(Ok(()))) {
            envoyes += 1;
        }
        conclure(db, id, tentative, resultat, fin_du_jour, now).await?;
    }
    Ok(envoyes)
}
