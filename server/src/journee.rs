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
use crate::store::dossier;
use crate::store::journee::{self as envois, EtatJournee};
use carnet_domain::fuseau::Calendrier;
use carnet_domain::parcours::competences;
use carnet_domain::rappels::{self as regles, Journee, SeanceJournee};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

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
        let qui = envois::conseiller(&mut conn, conseiller_id, structure_id).await?;
        let lignes =
            envois::seances(&mut conn, conseiller_id, structure_id, minuit(jour), minuit(jour + Duration::days(1)))
                .await?;
        (qui, lignes)
    };
    let Some(envois::Conseiller { prenom, nom, structure }) = qui else { return Ok(None) };
    let mut seances = Vec::with_capacity(lignes.len());
    let mut dossiers: Vec<carnet_domain::parcours::Dossier> = Vec::new();
    for l in lignes {
        if !dossiers.iter().any(|d| d.id == l.parcours_id) {
            let Some(d) = dossier::load(&mut *db.acquire().await?, l.parcours_id, structure_id).await? else {
                continue;
            };
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
        None => (EtatJournee::SansSeance, None, None),
        Some(Ok(())) => (EtatJournee::Envoye, Some("250 accepté par le serveur SMTP".to_string()), None),
        Some(Err(e)) => {
            // The reminders' backoff (2, 4, 8, 16 minutes), while the day's list is still of use.
            let prochain = (tentative < regles::ESSAIS_MAX as i64)
                .then(|| now + Duration::minutes(1 << tentative.clamp(1, 10)))
                .filter(|at| *at < fin_du_jour);
            (if prochain.is_some() { EtatJournee::EnAttente } else { EtatJournee::Echec }, Some(e), prochain)
        }
    };
    let mut tx = begin_write(db).await?;
    envois::conclure(&mut tx, id, etat, reponse.as_deref(), prochain, now).await?;
    tx.commit().await
}

/// One run at `now`: the morning e-mail of each conseiller who asked for it and whose day, in
/// their structure's zone, has reached 07:00. Returns how many went.
pub async fn run_once(db: &Db, canaux: &Canaux, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let abonnes = {
        let mut conn = db.acquire().await?;
        envois::abonnes(&mut conn).await?
    };
    let mut envoyes = 0;
    for a in abonnes {
        let cal = crate::store::fuseaux::calendrier(a.commune_insee.as_deref(), a.fuseau.as_deref());
        let Some(jour) = regles::jour_de_la_journee(cal.fuseau, now) else { continue };
        if a.dernier_jour.is_some_and(|d| d >= jour) {
            continue;
        }
        let claim = {
            let mut tx = begin_write(db).await?;
            let claim = envois::reclamer(&mut tx, a.id, jour, now).await?;
            tx.commit().await?;
            claim
        };
        let Some(crate::store::rappels::Essai { id, tentatives: tentative }) = claim else { continue };
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
