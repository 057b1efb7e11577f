//! The audit log: who changed what, when, with the state before and after. One line is one
//! `Audit`, written by `ecrire` inside the caller's transaction (the change and its trace commit
//! together). The log is append-only (triggers refuse UPDATE and DELETE).

use crate::store::conn::{on, Conn};
use carnet_domain::pass::PassId;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What an entry is about: the kind of object (`audit_log.entity`) and its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entite {
    Agrement {
        structure_id: i64,
    },
    Avoir(i64),
    Beneficiaire(i64),
    Candidat(i64),
    Carnet(i64),
    Commande(i64),
    Lieu(i64),
    LieuxImport(i64),
    Parcours(i64),
    Pass(PassId),
    Releve(i64),
    Seance(i64),
    /// The server's own security alerts (no object: id 0).
    Securite,
    Structure(i64),
    User(i64),
}

impl Entite {
    /// The value of `audit_log.entity`.
    pub fn nom(self) -> &'static str {
        match self {
            Entite::Agrement { .. } => "agrement",
            Entite::Avoir(_) => "avoir",
            Entite::Beneficiaire(_) => "beneficiaire",
            Entite::Candidat(_) => "candidat",
            Entite::Carnet(_) => "carnet",
            Entite::Commande(_) => "commande",
            Entite::Lieu(_) => "lieu",
            Entite::LieuxImport(_) => "lieux_import",
            Entite::Parcours(_) => "parcours",
            Entite::Pass(_) => "pass",
            Entite::Releve(_) => "releve",
            Entite::Seance(_) => "seance",
            Entite::Securite => "securite",
            Entite::Structure(_) => "structure",
            Entite::User(_) => "user",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Entite::Agrement { structure_id: id }
            | Entite::Avoir(id)
            | Entite::Beneficiaire(id)
            | Entite::Candidat(id)
            | Entite::Carnet(id)
            | Entite::Commande(id)
            | Entite::Lieu(id)
            | Entite::LieuxImport(id)
            | Entite::Parcours(id)
            | Entite::Releve(id)
            | Entite::Seance(id)
            | Entite::Structure(id)
            | Entite::User(id) => id,
            Entite::Pass(id) => id.get(),
            Entite::Securite => 0,
        }
    }
}

/// One entry: `Audit::par(qui, entite, action).avant(…).apres(…).ecrire(conn, at)`.
#[must_use = "an audit entry is written by `ecrire`"]
#[derive(Clone, Debug)]
pub struct Audit {
    qui: Option<i64>,
    entite: Entite,
    action: &'static str,
    avant: Option<String>,
    apres: Option<String>,
}

impl Audit {
    /// `qui` is the user acting, `None` for the server's own jobs.
    pub fn par(qui: Option<i64>, entite: Entite, action: &'static str) -> Audit {
        Audit { qui, entite, action, avant: None, apres: None }
    }

    /// The state before the change.
    pub fn avant(mut self, etat: impl Serialize) -> Audit {
        self.avant = Some(serde_json::to_string(&etat).unwrap_or_default());
        self
    }

    /// The state after the change.
    pub fn apres(mut self, etat: impl Serialize) -> Audit {
        self.apres = Some(serde_json::to_string(&etat).unwrap_or_default());
        self
    }

    /// The state before, when there was one.
    pub fn avant_si(self, etat: Option<impl Serialize>) -> Audit {
        match etat {
            Some(e) => self.avant(e),
            None => self,
        }
    }

    /// Appends the entry, inside the caller's transaction.
    pub async fn ecrire(self, conn: &mut dyn Conn, at: DateTime<Utc>) -> sqlx::Result<()> {
        self.ecrire_id(conn, at).await.map(|_| ())
    }

    /// Appends the entry, inside the caller's transaction; returns its id, for what is kept
    /// beside it (free text stays out of the append-only log).
    pub async fn ecrire_id(self, conn: &mut dyn Conn, at: DateTime<Utc>) -> sqlx::Result<i64> {
        let (id,): (i64,) = on!(conn, |cx| sqlx::query_as(
            "INSERT INTO audit_log (at, user_id, entity, entity_id, action, before_json, after_json)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(at)
        .bind(self.qui)
        .bind(self.entite.nom())
        .bind(self.entite.id())
        .bind(self.action)
        .bind(&self.avant)
        .bind(&self.apres)
        .fetch_one(cx)
        .await)?;
        Ok(id)
    }
}

/// Whether an entry of the server's security `action` was written since `since`.
pub async fn action_depuis(conn: &mut dyn Conn, action: &str, since: DateTime<Utc>) -> sqlx::Result<bool> {
    let n: Option<(i64,)> = on!(conn, |cx| sqlx::query_as(
        "SELECT id FROM audit_log WHERE entity = 'securite' AND action = $1 AND at >= $2 LIMIT 1"
    )
    .bind(action)
    .bind(since)
    .fetch_optional(cx)
    .await)?;
    Ok(n.is_some())
}
