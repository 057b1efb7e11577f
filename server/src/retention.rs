//! Retention: a beneficiary's identity is erased automatically (a pseudonymisation: the ids
//! stay) a configurable time after their last activity (`store::donnees::last_activity` defines
//! it); the lines of the access journal and of the audit log go once older than their own
//! periods, those of the API clients' journal with the access journal's; closed candidate venues
//! lose their contact, dormant staff accounts are deactivated. The job runs in the server at
//! start and then every hour. It is idempotent and safe to run twice or from several servers at
//! once: one instance runs it at a time (the others skip the tick), and each person's identity is
//! erased by one guarded statement (`anonymise_at IS NULL`) in a transaction of its own, so a run
//! cut short leaves each person erased whole or untouched, and the next run goes on. Journal
//! lines go by batches, one transaction each, so that the journal's writers never wait long.

use crate::db::{begin_write, Db};
use crate::store::conservation::{self, Journal};
use crate::store::donnees::{self, Motif};
use chrono::{DateTime, Months, Utc};

/// Months the access journal keeps a line by default: the CNIL recommends keeping such logs
/// six months to a year.
pub const JOURNAL_ACCES_MOIS_DEFAUT: u32 = 12;
/// Months the audit log keeps a line by default: five years, the limitation period of civil and
/// commercial claims (Code civil art. 2224, Code de commerce L110-4), within which a structure,
/// a buyer or an operator may dispute a validated pass or a statement. The statements and the
/// ledger's own rows, the accounting records, are not removed by this.
pub const AUDIT_MOIS_DEFAUT: u32 = 60;

/// Months after a candidate venue is closed (accredited, refused, abandoned; counted from its
/// last change) when its contact's name, phone and e-mail are blanked. Accredited, the venue is
/// on the map with its own public contacts; refused or abandoned, nobody follows it any more. A
/// year leaves time to answer questions about the decision.
pub const CONTACTS_CANDIDATS_MOIS: u32 = 12;
/// Months without a login after which a staff account (administrators apart) is deactivated. Its
/// coordinateur or an administrator can reactivate it.
pub const COMPTES_INACTIFS_MOIS: u32 = 24;

/// Journal lines deleted per transaction.
const LOT: i64 = 5000;

/// How long each kind of data is kept, in months.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Durees {
    /// A beneficiary's identity, after their last activity.
    pub identite: u32,
    /// A line of the access journal, and of the API clients' journal (both say who took
    /// what data).
    pub journal_acces: u32,
    /// A line of the audit log.
    pub audit: u32,
}

impl Default for Durees {
    fn default() -> Self {
        Durees {
            identite: carnet_domain::donnees::CONSERVATION_MOIS_DEFAUT,
            journal_acces: JOURNAL_ACCES_MOIS_DEFAUT,
            audit: AUDIT_MOIS_DEFAUT,
        }
    }
}

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bilan {
    pub anonymises: usize,
    pub lignes_journal_acces: u64,
    pub lignes_audit: u64,
    pub lignes_journal_clients_api: u64,
    pub contacts_candidats: usize,
    pub comptes_desactives: usize,
    pub comptes_effaces: u64,
}

/// The moment before which a last activity is too old.
pub fn cutoff(now: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(months)).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// When the identity of someone last active at `last` will be erased.
pub fn due(last: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    last.checked_add_months(Months::new(months)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// One run: anonymises everyone inactive for `months`; returns how many were anonymised.
pub async fn run_once(db: &Db, now: DateTime<Utc>, months: u32) -> anyhow::Result<usize> {
    let mut tache = db.begin().await?;
    if !crate::store::verrous::prendre_tache(&mut tache, "conservation").await? {
        return Ok(0);
    }
    let ids = {
        let mut conn = db.acquire().await?;
        donnees::expired(&mut conn, cutoff(now, months)).await?
    };
    let mut done = 0;
    for id in ids {
        let mut tx = begin_write(db).await?;
        if donnees::anonymise(&mut tx, id, now, Motif::Conservation, None).await? {
            done += 1;
        }
        tx.commit().await?;
    }
    tache.commit().await?;
    if done > 0 {
        tracing::info!(anonymises = done, mois = months, "conservation : identités effacées (pseudonymisation)");
    }
    Ok(done)
}

/// One run of the whole job: identities, the three journals, candidates' contacts, staff accounts.
pub async fn run(db: &Db, now: DateTime<Utc>, d: &Durees) -> anyhow::Result<Bilan> {
    let anonymises = run_once(db, now, d.identite).await?;
    let lignes = purger_journaux(db, now, d).await?;
    let (contacts_candidats, comptes_desactives, comptes_effaces) = contacts_et_comptes(db, now, d).await?;
    Ok(Bilan {
        anonymises,
        lignes_journal_acces: lignes.journal_acces,
        lignes_audit: lignes.audit,
        lignes_journal_clients_api: lignes.journal_clients_api,
        contacts_candidats,
        comptes_desactives,
        comptes_effaces,
    })
}

/// Closed candidates' contacts, dormant staff accounts deactivated, and the names of accounts
/// whose last login is older than the audit log's period (so no audit line left needs them to
/// say who did what), in one transaction: there are few of each.
async fn contacts_et_comptes(db: &Db, now: DateTime<Utc>, d: &Durees) -> anyhow::Result<(usize, usize, u64)> {
    let mut tache = db.begin().await?;
    if !crate::store::verrous::prendre_tache(&mut tache, "contacts_et_comptes").await? {
        return Ok((0, 0, 0));
    }
    let mut tx = begin_write(db).await?;
    let candidats =
        conservation::effacer_contacts_candidats(&mut tx, cutoff(now, CONTACTS_CANDIDATS_MOIS), now).await?;
    let desactives =
        conservation::desactiver_comptes_dormants(&mut tx, cutoff(now, COMPTES_INACTIFS_MOIS), now).await?;
    // A session outlives its login by 12 hours at most: one month more covers it.
    let effaces =
        conservation::effacer_comptes_desactives(&mut tx, cutoff(now, d.audit.max(COMPTES_INACTIFS_MOIS) + 1)).await?;
    tx.commit().await?;
    tache.commit().await?;
    if !candidats.is_empty() || !desactives.is_empty() || effaces > 0 {
        tracing::info!(
            contacts_candidats = candidats.len(),
            comptes_desactives = desactives.len(),
            comptes_effaces = effaces,
            "conservation : contacts de lieux candidats et comptes inactifs"
        );
    }
    Ok((candidats.len(), desactives.len(), effaces))
}

/// How many lines of each journal one run deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LignesEffacees {
    pub journal_acces: u64,
    pub audit: u64,
    pub journal_clients_api: u64,
}

/// Deletes the journals' lines past their periods; the API clients' journal is kept as long as
/// the access journal. Returns how many of each went.
pub async fn purger_journaux(db: &Db, now: DateTime<Utc>, d: &Durees) -> anyhow::Result<LignesEffacees> {
    let mut tache = db.begin().await?;
    if !crate::store::verrous::prendre_tache(&mut tache, "purge_journaux").await? {
        return Ok(LignesEffacees::default());
    }
    let mut lignes = LignesEffacees::default();
    for journal in Journal::TOUS {
        let (mois, compte) = match journal {
            Journal::Acces => (d.journal_acces, &mut lignes.journal_acces),
            Journal::Audit => (d.audit, &mut lignes.audit),
            Journal::ClientsApi => (d.journal_acces, &mut lignes.journal_clients_api),
        };
        *compte = purger_par_lots(db, journal, cutoff(now, mois)).await?;
    }
    tache.commit().await?;
    if lignes != LignesEffacees::default() {
        tracing::info!(
            journal_acces = lignes.journal_acces,
            audit = lignes.audit,
            journal_clients_api = lignes.journal_clients_api,
            mois_journal_acces = d.journal_acces,
            mois_audit = d.audit,
            "conservation : lignes anciennes des journaux effacées"
        );
    }
    Ok(lignes)
}

/// Deletes the lines of `journal` older than `avant`, `LOT` per transaction so that the
/// journal's writers never wait long. Returns how many went.
async fn purger_par_lots(db: &Db, journal: Journal, avant: DateTime<Utc>) -> anyhow::Result<u64> {
    let mut total = 0;
    loop {
        let mut tx = begin_write(db).await?;
        let n = conservation::purger(&mut tx, journal, avant, LOT).await?;
        tx.commit().await?;
        total += n;
        if n < LOT as u64 {
            return Ok(total);
        }
    }
}

/// The scheduled job: at start, then every hour, for as long as the server runs.
pub async fn schedule(db: Db, d: Durees, clock: crate::Clock) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        if let Err(e) = run(&db, clock.now(), &d).await {
            tracing::warn!(error = %e, "conservation : l'effacement automatique des identités ou des journaux a échoué, nouvel essai dans une heure");
        }
    }
}
