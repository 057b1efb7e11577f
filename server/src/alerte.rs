//! Failures counted from everyone together (wrong passwords, wrong codes of the beneficiary
//! space). Behind a proxy that is not declared trusted, or in a guessing campaign spread over
//! many addresses, this count climbs while no single address reaches its own limit. Locking on
//! it would lock every user out at once, so it only raises an alert: an error line in the log
//! and an entry in the audit log, once per window.

use crate::db::begin_write;
use crate::error::AppResult;
use crate::store::audit::{self, Audit, Entite};
use crate::store::users;
use crate::AppState;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compteur {
    Connexion,
    CodeEspace,
}

impl Compteur {
    /// Its key in `login_failures`.
    pub fn cle(self) -> &'static str {
        match self {
            Compteur::Connexion => "connexion:tous",
            Compteur::CodeEspace => "espace:code:tous",
        }
    }

    /// The action of its alert in the audit log.
    pub fn action(self) -> &'static str {
        match self {
            Compteur::Connexion => "alerte_echecs_connexion",
            Compteur::CodeEspace => "alerte_echecs_code_espace",
        }
    }

    fn quoi(self) -> &'static str {
        match self {
            Compteur::Connexion => "connexions échouées",
            Compteur::CodeEspace => "codes de l'espace personnel erronés",
        }
    }
}

/// What the alert's audit entry records: counts only, nothing about anyone.
#[derive(Serialize)]
struct Alerte {
    echecs: i64,
    seuil: i64,
    fenetre_minutes: i64,
}

/// Counts one failure from anyone, and raises the alert when the count within the window reaches
/// the threshold and no alert of this kind was raised within the window.
pub async fn echec(state: &AppState, compteur: Compteur, now: DateTime<Utc>) -> AppResult<()> {
    users::record_failure(&state.db, compteur.cle(), now).await?;
    let since = now - state.config.login_window;
    let echecs = users::count_failures(&state.db, compteur.cle(), since).await?;
    let seuil = state.config.alerte_echecs;
    if echecs < seuil {
        return Ok(());
    }
    let mut tx = begin_write(&state.db).await?;
    if audit::action_depuis(&mut tx, compteur.action(), since).await? {
        return Ok(());
    }
    let fenetre_minutes = state.config.login_window.num_minutes();
    Audit::par(None, Entite::Securite, compteur.action())
        .apres(Alerte { echecs, seuil, fenetre_minutes })
        .ecrire(&mut tx, now)
        .await?;
    tx.commit().await?;
    tracing::error!(
        alerte = compteur.action(),
        echecs,
        seuil,
        fenetre_minutes,
        "alerte : {echecs} {} en {fenetre_minutes} minutes, tous clients confondus ; personne n'est bloqué pour autant \
         (chaque adresse et chaque compte gardent leur propre limite). Une campagne répartie sur de nombreuses \
         adresses, ou un proxy non déclaré (--trusted-proxy) ?",
        compteur.quoi()
    );
    Ok(())
}
