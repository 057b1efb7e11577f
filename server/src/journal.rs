//! The one door for every read of beneficiaries' identity by staff: a handler that returns a
//! name, a year of birth, a commune or contact details calls `identite_lue` before answering.
//! If the journal cannot be written, the identity is not sent (the error answers instead).
//!
//! The role × endpoint test (`server/tests/roles.rs`) checks that any answer showing the fixture
//! person's name was journalled, so a new endpoint that forgets this fails there.

use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::journal::Ligne;
use crate::AppState;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// What kind of read it was (the journal page's « Quoi »).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lecture {
    Liste,
    Fiche,
    Parcours,
    Donnees,
    Export,
    Rectification,
    TableauDeBord,
    Calendrier,
    Orientation,
    Journee,
}

impl Lecture {
    pub fn code(self) -> &'static str {
        match self {
            Lecture::Liste => "liste",
            Lecture::Fiche => "fiche",
            Lecture::Parcours => "parcours",
            Lecture::Donnees => "donnees",
            Lecture::Export => "export",
            Lecture::Rectification => "rectification",
            Lecture::TableauDeBord => "tableau_de_bord",
            Lecture::Calendrier => "calendrier",
            Lecture::Orientation => "orientation",
            Lecture::Journee => "journee",
        }
    }
}

/// Journals that `user` is being shown the identity of `beneficiaires` (nothing is written for
/// an empty list: an empty search result shows nobody). Returns once the line is committed.
pub async fn identite_lue(
    state: &AppState,
    user: &CurrentUser,
    lecture: Lecture,
    beneficiaires: &[i64],
) -> AppResult<()> {
    if beneficiaires.is_empty() {
        return Ok(());
    }
    let structure_id = user.structure_for_beneficiaires()?;
    let ligne = Ligne {
        at: state.clock.now(),
        user_id: user.id,
        structure_id,
        action: lecture.code(),
        beneficiaires: beneficiaires.to_vec(),
    };
    state.journal.ecrire(ligne).await
}

/// The access journal's one writer. Every page that shows someone writes a line before it
/// answers; written each in its own transaction, those lines queued behind SQLite's single
/// writer and paid one fsync each (PostgreSQL: one WAL flush each), so reading bound the server
/// to its write rate. Here handlers hand their line to one task and wait until it is committed
/// (nothing is shown before its line is durable, as before); the task writes whatever arrived
/// meanwhile in one transaction: N page views, one commit. The queue is bounded: when it is
/// full, handlers wait (back-pressure), nothing piles up in memory.
#[derive(Clone, Debug)]
pub struct Journal {
    envoi: mpsc::Sender<Demande>,
}

#[derive(Debug)]
struct Demande {
    ligne: Ligne,
    fait: oneshot::Sender<Result<(), Arc<sqlx::Error>>>,
}

/// Lines waiting at most (then handlers wait to hand theirs over).
const FILE: usize = 1024;
/// Lines per transaction at most: a batch's commit stays short for the other writers.
const PAR_LOT: usize = store::journal::PAR_LOT;

impl Journal {
    /// Starts the writer on the current runtime; it stops when the last `Journal` is dropped.
    pub fn demarrer(db: Db) -> Journal {
        let (envoi, recu) = mpsc::channel(FILE);
        tokio::spawn(ecrivain(db, recu));
        Journal { envoi }
    }

    async fn ecrire(&self, ligne: Ligne) -> AppResult<()> {
        let (fait, attente) = oneshot::channel();
        let perdu = || AppError::Unavailable("Le journal des accès ne répond pas ; réessayez dans un instant.".into());
        self.envoi.send(Demande { ligne, fait }).await.map_err(|_| perdu())?;
        match attente.await.map_err(|_| perdu())? {
            Ok(()) => Ok(()),
            Err(e) => Err(AppError::Internal(anyhow::Error::new(EchecJournal(e)))),
        }
    }
}

/// A batch's database error, shared by every line of the batch; its `source` is the sqlx error,
/// so that the answer is the same as for the handler's own statements (503 when the database is
/// unreachable, 409 on a conflict).
#[derive(Debug)]
struct EchecJournal(Arc<sqlx::Error>);

impl std::fmt::Display for EchecJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "écriture du journal des accès : {}", self.0)
    }
}

impl std::error::Error for EchecJournal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

async fn ecrivain(db: Db, mut recu: mpsc::Receiver<Demande>) {
    let mut lot = Vec::with_capacity(PAR_LOT);
    while recu.recv_many(&mut lot, PAR_LOT).await > 0 {
        let lignes: Vec<&Ligne> = lot.iter().map(|d| &d.ligne).collect();
        match ecrire_lot(&db, &lignes).await {
            Ok(()) => lot.drain(..).for_each(|d| {
                let _ = d.fait.send(Ok(()));
            }),
            // A line the database refuses (its user deleted meanwhile…) must not take the
            // others down with it: each again alone.
            Err(sqlx::Error::Database(_)) if lot.len() > 1 => {
                for d in lot.drain(..) {
                    let r = ecrire_lot(&db, &[&d.ligne]).await.map_err(Arc::new);
                    let _ = d.fait.send(r);
                }
            }
            Err(e) => {
                let e = Arc::new(e);
                lot.drain(..).for_each(|d| {
                    let _ = d.fait.send(Err(e.clone()));
                });
            }
        }
    }
}

async fn ecrire_lot(db: &Db, lignes: &[&Ligne]) -> sqlx::Result<()> {
    let mut tx = crate::db::begin_write(db).await?;
    store::journal::record(&mut tx, lignes).await?;
    tx.commit().await
}

/// The beneficiaries of some parcours (for answers that list parcours by first name).
pub async fn beneficiaires_des_parcours(state: &AppState, parcours: &[i64]) -> AppResult<Vec<i64>> {
    if parcours.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = state.db.acquire().await?;
    Ok(store::parcours::beneficiaires_de(&mut conn, parcours).await?)
}
