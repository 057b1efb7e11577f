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
use crate::store::conn::{on, Conn};
use crate::store::{dossier, seances};
use carnet_domain::parcours::ics;
use carnet_domain::rappels::{self as regles, DelaiRappel, RappelSeance};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// A claim lapses after this long without a result (the server died mid-send).
const BAIL: i64 = 5;

/// Reminders tokens kept per personal link (older ones stop opening the space).
const JETONS_RAPPEL_MAX: i64 = 20;

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

    fn modele(self) -> &'static str {
        match self {
            Canal::Email => regles::MODELE_EMAIL,
            Canal::Sms => regles::MODELE_SMS,
        }
    }
}

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

#[derive(Clone, Debug, sqlx::FromRow)]
struct Candidat {
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

impl Candidat {
    /// The structure's zone: its night and its 08:00 are the ones that count.
    fn fuseau(&self) -> carnet_domain::fuseau::Fuseau {
        crate::store::fuseaux::calendrier(self.structure_commune.as_deref(), self.structure_fuseau.as_deref()).fuseau
    }
}

/// Planned sessions ahead (within the longest delay) of people who agreed to reminders and left
/// a contact, in structures that send them.
async fn candidats(db: &Db, now: DateTime<Utc>) -> sqlx::Result<Vec<Candidat>> {
    on!(db.acquire().await?, |cx| sqlx::query_as(
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
    .await)
}

/// Pending reminders of sessions no longer planned are withdrawn; those whose session started
/// before they could go are failures.
async fn retirer(conn: &mut dyn Conn, now: DateTime<Utc>) -> sqlx::Result<usize> {
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

/// Claims the (session, channel) reminder for this server: creates its row if it is the first
/// try, then takes it if it is waiting and its retry time has come, or if another server's claim
/// lapsed. Returns the row id and the number of this try, or `None` if it is not ours to send.
async fn reclamer(
    conn: &mut dyn Conn,
    seance_id: i64,
    canal: Canal,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<(i64, i64)>> {
    // Moved since its reminder went or failed for good: a fresh reminder for the new start (one
    // guarded UPDATE: of several servers, one resets the row, then one claims it below).
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
        Ok(r) => ("envoye", r.clone(), None),
        Err(e) => {
            let prochain = if definitif {
                None
            } else {
                regles::prochain_essai(c.fuseau(), tentative.max(0) as u32, now, c.debut)
            };
            (if prochain.is_some() { "en_attente" } else { "echec" }, e.clone(), prochain)
        }
    };
    on!(tx, |cx| sqlx::query(
        "UPDATE envois SET etat = $2, bail = NULL, reponse = $3, prochain_essai = COALESCE($4, prochain_essai),
                envoye_at = CASE WHEN $2 = 'envoye' THEN $5 ELSE envoye_at END, updated_at = $5
         WHERE id = $1 AND etat = 'en_cours'",
    )
    .bind(envoi_id)
    .bind(etat)
    .bind(&reponse)
    .bind(prochain)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    on!(tx, |cx| sqlx::query(
        "INSERT INTO envois_tentatives (envoi_id, at, resultat, reponse) VALUES ($1, $2, $3, $4)"
    )
    .bind(envoi_id)
    .bind(now)
    .bind(if resultat.is_ok() { "envoye" } else { "echec" })
    .bind(&reponse)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(resultat.is_ok())
}

/// A link that opens the person's space (a token of its own), or the page where the short code
/// is typed when the conseiller never gave them one.
async fn lien(conn: &mut dyn Conn, parcours_id: i64, public_url: &str, now: DateTime<Utc>) -> sqlx::Result<String> {
    let actif: Option<(i64,)> = on!(conn, |cx| sqlx::query_as(
        "SELECT id FROM liens_personnels WHERE parcours_id = $1 AND revoked_at IS NULL"
    )
    .bind(parcours_id)
    .fetch_optional(cx)
    .await)?;
    let Some((lien_id,)) = actif else { return Ok(format!("{public_url}/espace/")) };
    // 16 random bytes: short enough for an SMS, far beyond guessing.
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let token = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes);
    on!(conn, |cx| sqlx::query(
        "INSERT INTO liens_jetons (token_hash, lien_id, origine, created_at) VALUES ($1, $2, 'rappel', $3)"
    )
    .bind(crate::auth::token_hash(&token))
    .bind(lien_id)
    .bind(now)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))?;
    crate::store::espace::elaguer_jetons(conn, lien_id, "rappel", &crate::auth::token_hash(&token), JETONS_RAPPEL_MAX)
        .await?;
    Ok(format!("{public_url}/espace/#{token}"))
}

/// The texts' facts about one session, and its `.ics` (same UID as the calendar feed).
async fn contenu(db: &Db, c: &Candidat, lien: String, now: DateTime<Utc>) -> anyhow::Result<(RappelSeance, String)> {
    let d = dossier::load(db, c.parcours_id, c.structure_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("parcours {} introuvable", c.parcours_id))?;
    let rows = {
        let mut conn = db.acquire().await?;
        seances::of_parcours(&mut conn, c.parcours_id).await?
    };
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
        let claim = reclamer(&mut tx, c.seance_id, canal, now).await?;
        let lien = match claim {
            Some(_) => Some(lien(&mut tx, c.parcours_id, &canaux.public_url, now).await?),
            None => None,
        };
        tx.commit().await?;
        (claim, lien)
    };
    let (Some((envoi_id, tentative)), Some(lien)) = (claim, lien) else { return Ok(None) };
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
        bilan.retires = retirer(&mut tx, now).await?;
        tx.commit().await?;
    }
    let mut a_faire: Vec<(Candidat, Canal, String)> = Vec::new();
    for c in candidats(db, now).await? {
        let delai = DelaiRappel::parse(&c.rappel_delai).unwrap_or_default();
        let Some(prevu) = regles::echeance(c.fuseau(), c.debut, c.updated_at, delai) else {
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
