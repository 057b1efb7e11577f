//! What the retention job removes besides beneficiaries' identities: lines of the three journals
//! past their period, closed candidates' contacts, dormant staff accounts. The journals are
//! append-only; their DELETE triggers let a line go only when it is older than the bound written
//! in `purge_journaux` (migrations 0015 and 0018), and only the transaction that wrote the bound
//! sees it. `purger` sets the bound, deletes, and clears the bound again: call it inside a
//! transaction (a bound left on a bare connection would be committed, and every later DELETE of
//! old lines allowed).

use crate::store::audit::{Audit, Entite};
use crate::store::comptes;
use crate::store::conn::{on, Conn};
use chrono::{DateTime, Utc};
use serde_json::json;

/// A journal the retention job purges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Journal {
    /// `journal_acces`, who saw whose identity (with the people each line names).
    Acces,
    /// `audit_log`, who changed what.
    Audit,
    /// `journal_clients_api`, the calls of the API's data clients.
    ClientsApi,
}

impl Journal {
    pub const TOUS: [Journal; 3] = [Journal::Acces, Journal::Audit, Journal::ClientsApi];

    fn table(self) -> &'static str {
        match self {
            Journal::Acces => "journal_acces",
            Journal::Audit => "audit_log",
            Journal::ClientsApi => "journal_clients_api",
        }
    }

    /// The column of `purge_journaux` its DELETE trigger reads.
    fn borne(self) -> &'static str {
        match self {
            Journal::Acces => "acces_avant",
            Journal::Audit => "audit_avant",
            Journal::ClientsApi => "clients_api_avant",
        }
    }
}

/// Deletes up to `lot` lines of `journal` older than `avant` (oldest first); the access
/// journal's lines with the people each one names. Returns how many lines went: fewer than
/// `lot` means none are left.
pub async fn purger(conn: &mut dyn Conn, journal: Journal, avant: DateTime<Utc>, lot: i64) -> sqlx::Result<u64> {
    let (table, borne) = (journal.table(), journal.borne());
    on!(conn, |cx| sqlx::query(&format!("UPDATE purge_journaux SET {borne} = $1 WHERE id = 1"))
        .bind(avant)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    let lignes = format!("SELECT id FROM {table} WHERE at < $1 ORDER BY id LIMIT $2");
    if journal == Journal::Acces {
        // The same lines twice: the journal's people first (they refer to their line). On
        // PostgreSQL the job's turn (`verrous::prendre_tache`) keeps a second purge away, and
        // lines written meanwhile are newer than the bound.
        on!(conn, |cx| sqlx::query(&format!(
            "DELETE FROM journal_acces_beneficiaires WHERE journal_id IN ({lignes})"
        ))
        .bind(avant)
        .bind(lot)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    }
    let n = on!(conn, |cx| sqlx::query(&format!("DELETE FROM {table} WHERE id IN ({lignes})"))
        .bind(avant)
        .bind(lot)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    on!(conn, |cx| sqlx::query(&format!("UPDATE purge_journaux SET {borne} = NULL WHERE id = 1"))
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n)
}

/// Closed candidates (accredited, refused or abandoned) unchanged since `avant` lose their
/// contact's name, phone and e-mail, inside the caller's transaction, each with an audit line
/// that says so (no values). Returns their ids.
pub async fn effacer_contacts_candidats(
    conn: &mut dyn Conn,
    avant: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<i64>> {
    let ids: Vec<(i64,)> = on!(conn, |cx| sqlx::query_as(
        "UPDATE candidats SET contact_nom = NULL, contact_telephone = NULL, contact_courriel = NULL
         WHERE statut IN ('agree', 'refuse', 'abandonne') AND updated_at < $1
           AND (contact_nom IS NOT NULL OR contact_telephone IS NOT NULL OR contact_courriel IS NOT NULL)
         RETURNING id",
    )
    .bind(avant)
    .fetch_all(cx)
    .await)?;
    for &(id,) in &ids {
        Audit::par(None, Entite::Candidat(id), "contacts_effaces").ecrire(conn, now).await?;
    }
    Ok(ids.into_iter().map(|r| r.0).collect())
}

/// Staff accounts with no login since `avant` (counted from their creation if they never logged
/// in) are deactivated, inside the caller's transaction: sessions ended, one-time links revoked,
/// an audit line each. Administrators are left alone: nobody could reactivate the last one but
/// the command line. Returns their ids.
pub async fn desactiver_comptes_dormants(
    conn: &mut dyn Conn,
    avant: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<i64>> {
    let ids: Vec<(i64,)> = on!(conn, |cx| sqlx::query_as(
        "UPDATE users SET active = FALSE
         WHERE active = TRUE AND role <> 'admin' AND COALESCE(last_login_at, created_at) < $1
         RETURNING id",
    )
    .bind(avant)
    .fetch_all(cx)
    .await)?;
    for &(id,) in &ids {
        comptes::revoke_sessions(conn, id).await?;
        comptes::revoke_tokens(conn, id, now).await?;
        Audit::par(None, Entite::User(id), "desactive")
            .apres(json!({ "motif": "inactivite" }))
            .ecrire(conn, now)
            .await?;
    }
    Ok(ids.into_iter().map(|r| r.0).collect())
}

/// What a deactivated account is called once its names are blanked.
pub const COMPTE_EFFACE: &str = "Compte effacé";

/// Deactivated accounts with no login since `avant` lose their first name, name and e-mail
/// (the e-mail becomes an address that cannot exist, unique by the account's id). Returns how
/// many. The caller chooses `avant` past the audit log's period, so that no audit line that
/// still exists needs the name to say who did what.
pub async fn effacer_comptes_desactives(conn: &mut dyn Conn, avant: DateTime<Utc>) -> sqlx::Result<u64> {
    on!(conn, |cx| sqlx::query(
        "UPDATE users SET prenom = $2, nom = '', email = 'compte-efface-' || id || '@carnet.invalid'
         WHERE active = FALSE AND COALESCE(last_login_at, created_at) < $1 AND prenom <> $2",
    )
    .bind(avant)
    .bind(COMPTE_EFFACE)
    .execute(cx)
    .await
    .map(|r| r.rows_affected()))
}
