//! The reminders job: every minute (and on `carnet-server admin rappels --maintenant`), each
//! planned session whose reminder is due (`carnet_domain::rappels::echeance`) gets one e-mail
//! and one SMS, each only with the person's « rappels » consent and the contact detail for that
//! channel (kept only while the consent stands).
//!
//! Once per session, channel and start, across restarts and servers: the delivery log `envois`
//! has a unique key (seance, canal). A server claims a row by one guarded UPDATE in a write
//! transaction (state 'en_cours' and a lease; only one of several servers ticking at once gets
//! it), sends, then writes the result. The network conversation happens outside the write
//! transaction, so a slow SMTP server never holds SQLite's single writer; a server that dies
//! between sending and writing leaves the lease to lapse, and the row is tried again (that
//! window, a few milliseconds, is the only way a message can go twice).
//!
//! No hook in the session code: each tick reads the sessions as they are. A moved session's
//! pending reminder is judged on its new start; one moved after its reminder went (or failed for
//! good) gets a fresh reminder for its new start, once (the row keeps the start it announced); a
//! cancelled or held one's pending reminder is withdrawn ('retire'); failures are retried with
//! backoff while the session is ahead, then marked 'echec'. Nothing of the message is kept: only
//! its template and version.

use crate::db::{begin_write, Db};
use crate::mail::{Mail, Mailer, PieceJointe};
use crate::sms::FournisseurSms;
use crate::store::conn::Conn;
use crate::store::rappels::{self as envois, Candidat, EtatEnvoi};
use crate::store::{dossier, espace, seances};
use carnet_domain::parcours::ics;
use carnet_domain::rappels::{self as regles, RappelSeance};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub use crate::store::rappels::Canal;

/// Reminders tokens kept per personal link (older ones stop opening the space).
const JETONS_RAPPEL_MAX: i64 = 20;

/// What the job sends through.
#[derive(Clone, Debug)]
pub struct Canaux {
    pub mailer: Mailer,
    pub sms: Option<Arc<dyn FournisseurSms>>,
    /// The address people open Carnet at (links), without a trailing slash.
    pub public_url: String,
}

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bilan {
    pub envoyes: usize,
    pub echecs: usize,
    pub retires: usize,
    /// Conseillers' morning e-mails (`crate::journee`) sent.
    pub journees: usize,
}

/// Writes the result of a try; a failure is retried later while the session is ahead, or
/// becomes 'echec'.
async fn conclure(
    db: &Db,
    envoi_id: i64,
    tentative: i64,
    c: &Candidat,
    resultat: Result<String, String>,
    definitif: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let mut tx = begin_write(db).await?;
    let (etat, reponse, prochain) = match &resultat {
        Ok(r) => (EtatEnvoi::Envoye, r.clone(), None),
        Err(e) => {
            let prochain = if definitif {
                None
            } else {
                regles::prochain_essai(c.fuseau(), tentative.max(0) as u32, now, c.debut)
            };
            (if prochain.is_some() { EtatEnvoi::EnAttente } else { EtatEnvoi::Echec }, e.clone(), prochain)
        }
    };
    envois::conclure(&mut tx, envoi_id, etat, &reponse, prochain, now).await?;
    tx.commit().await?;
    Ok(resultat.is_ok())
}

/// A link that opens the person's space (a token of its own), or the page where the short code
/// is typed when the conseiller never gave them one.
async fn lien(conn: &mut dyn Conn, parcours_id: i64, public_url: &str, now: DateTime<Utc>) -> sqlx::Result<String> {
    let Some(lien_id) = espace::lien_actif(conn, parcours_id).await? else {
        return Ok(format!("{public_url}/espace/"));
    };
    // 16 random bytes: short enough for an SMS, far beyond guessing.
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let token = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes);
    let hash = crate::auth::token_hash(&token);
    espace::ajouter_jeton(conn, lien_id, "rappel", &hash, now).await?;
    espace::elaguer_jetons(conn, lien_id, "rappel", &hash, JETONS_RAPPEL_MAX).await?;
    Ok(format!("{public_url}/espace/#{token}"))
}

/// The texts' facts about one session, and its `.ics` (same UID as the calendar feed).
async fn contenu(db: &Db, c: &Candidat, lien: String, now: DateTime<Utc>) -> anyhow::Result<(RappelSeance, String)> {
    let mut conn = db.acquire().await?;
    let d = dossier::load(&mut *conn, c.parcours_id, c.structure_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("parcours {} introuvable", c.parcours_id))?;
    let rows = seances::of_parcours(&mut conn, c.parcours_id).await?;
    drop(conn);
    let (s, r) = d
        .seances
        .iter()
        .zip(rows.iter())
        .find(|(s, _)| s.id == c.seance_id)
        .ok_or_else(|| anyhow::anyhow!("séance {} introuvable", c.seance_id))?;
    let rappel = RappelSeance {
        prenom: d.beneficiaire.prenom.clone(),
        debut: s.debut,
        fin: s.fin,
        lieu: crate::api::espace::lieu(&d, s),
        numero: crate::api::espace::numero(&d, s),
        theme: s.theme.as_ref().map(|t| t.titre.clone()),
        apporter: crate::api::espace::apporter(&d),
        conseiller: d.conseiller.clone(),
        structure: d.structure.clone(),
        lien,
    };
    let ev = crate::api::espace::evenement(&d, s, r);
    Ok((rappel, ics::calendrier("Rendez-vous Pass numérique", d.fuseau, &[ev], now)))
}

/// Sends one reminder (the row is claimed): `Ok` with the answer, `Err((why, final))`.
async fn envoyer(
    canaux: &Canaux,
    canal: Canal,
    destinataire: &str,
    rappel: &RappelSeance,
    ics: String,
) -> Result<String, (String, bool)> {
    match canal {
        Canal::Email => {
            let (subject, body) = regles::texte_email(rappel);
            let mail = Mail { to: destinataire.to_string(), subject, body };
            let piece = PieceJointe {
                nom: "rendez-vous.ics".into(),
                type_mime: "text/calendar; charset=utf-8; method=PUBLISH".into(),
                contenu: ics,
            };
            match canaux.mailer.send_with(&mail, &[piece]).await {
                Ok(()) => Ok("250 accepté par le serveur SMTP".into()),
                // An address the SMTP library refuses will never work: final.
                Err(e) if e.to_string().starts_with("destinataire invalide") => Err((e.to_string(), true)),
                Err(e) => Err((format!("SMTP : {e}").chars().take(200).collect(), false)),
            }
        }
        Canal::Sms => {
            let Some(sms) = canaux.sms.clone() else {
                return Err(("aucun fournisseur SMS configuré".into(), true));
            };
            let numero = match regles::numero_mobile(destinataire) {
                Ok(n) => n,
                Err(e) => return Err((format!("numéro refusé : {e}"), true)),
            };
            let texte = regles::texte_sms(rappel);
            match tokio::task::spawn_blocking(move || sms.envoyer(&numero, &texte)).await {
                Ok(Ok(r)) => Ok(r),
                Ok(Err(e)) => Err((e, false)),
                Err(e) => Err((format!("envoi SMS interrompu : {e}"), false)),
            }
        }
    }
}

/// Reminders sent at the same time by one run: the network waits overlap, while SQLite's single
/// writer still serialises the claims and results.
const EN_PARALLELE: usize = 4;

/// One reminder: claim, send, write the result. `None` when it was not this run's to send.
async fn un_envoi(
    db: &Db,
    canaux: &Canaux,
    c: &Candidat,
    canal: Canal,
    destinataire: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<bool>> {
    let (claim, lien) = {
        let mut tx = begin_write(db).await?;
        let claim = envois::reclamer(&mut tx, c.seance_id, canal, now).await?;
        let lien = match claim {
            Some(_) => Some(lien(&mut tx, c.parcours_id, &canaux.public_url, now).await?),
            None => None,
        };
        tx.commit().await?;
        (claim, lien)
    };
    let (Some(envois::Essai { id: envoi_id, tentatives: tentative }), Some(lien)) = (claim, lien) else {
        return Ok(None);
    };
    let resultat = match contenu(db, c, lien, now).await {
        Ok((rappel, ics)) => envoyer(canaux, canal, destinataire, &rappel, ics).await,
        Err(e) => Err((format!("rappel impossible à écrire : {e}"), false)),
    };
    let (resultat, definitif) = match resultat {
        Ok(r) => (Ok(r), false),
        Err((e, d)) => (Err(e), d),
    };
    if let Err(e) = &resultat {
        tracing::warn!(seance_id = c.seance_id, canal = canal.code(), tentative, erreur = %e, "rappel non envoyé");
    }
    Ok(Some(conclure(db, envoi_id, tentative, c, resultat, definitif, now).await?))
}

/// One run at `now`: withdraws what no longer applies, sends every reminder due, then the
/// conseillers' morning e-mails (`crate::journee`).
pub async fn run_once(db: &Db, canaux: &Canaux, now: DateTime<Utc>) -> anyhow::Result<Bilan> {
    let mut bilan = Bilan::default();
    {
        let mut tx = begin_write(db).await?;
        bilan.retires = envois::retirer(&mut tx, now).await?;
        tx.commit().await?;
    }
    let candidats = {
        let mut conn = db.acquire().await?;
        envois::candidats(&mut conn, now).await?
    };
    let mut a_faire: Vec<(Candidat, Canal, String)> = Vec::new();
    for c in candidats {
        let Some(prevu) = regles::echeance(c.fuseau(), c.debut, c.updated_at, c.delai) else {
            continue;
        };
        if !regles::a_envoyer(c.fuseau(), prevu, c.debut, now) {
            continue;
        }
        if let Some(e) = c.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            a_faire.push((c.clone(), Canal::Email, e.to_string()));
        }
        if let Some(t) = c.telephone.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            if canaux.sms.is_some() {
                a_faire.push((c.clone(), Canal::Sms, t.to_string()));
            }
        }
    }
    let places = Arc::new(tokio::sync::Semaphore::new(EN_PARALLELE));
    let mut taches = tokio::task::JoinSet::new();
    for (c, canal, destinataire) in a_faire {
        let place = places.clone().acquire_owned().await?;
        let (db, canaux) = (db.clone(), canaux.clone());
        taches.spawn(async move {
            let _place = place;
            un_envoi(&db, &canaux, &c, canal, &destinataire, now).await
        });
    }
    let mut erreur = None;
    while let Some(r) = taches.join_next().await {
        match r.map_err(anyhow::Error::from).and_then(|r| r) {
            Ok(Some(true)) => bilan.envoyes += 1,
            Ok(Some(false)) => bilan.echecs += 1,
            Ok(None) => {}
            Err(e) => erreur = Some(e),
        }
    }
    if erreur.is_none() {
        // The conseillers' morning e-mails, after the reminders: a failure of theirs is the run's.
        match crate::journee::run_once(db, canaux, now).await {
            Ok(n) => bilan.journees = n,
            Err(e) => erreur = Some(e),
        }
    }
    if bilan != Bilan::default() {
        tracing::info!(
            envoyes = bilan.envoyes,
            echecs = bilan.echecs,
            retires = bilan.retires,
            journees = bilan.journees,
            "rappels de séances"
        );
    }
    match erreur {
        Some(e) => Err(e),
        None => Ok(bilan),
    }
}

/// The scheduled job: every minute, for as long as the server runs, reading the app's clock.
pub async fn schedule(db: Db, canaux: Canaux, clock: crate::Clock) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = run_once(&db, &canaux, clock.now()).await {
            tracing::warn!(error = %e, "rappels : le passage a échoué, nouvel essai dans une minute");
        }
    }
}
