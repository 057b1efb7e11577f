//! Load at national volume, against servers already running (`scripts/bench-national.sh` starts
//! them: SQLite with one instance, PostgreSQL with one, then two): the latency of
//! - `GET /api/v1/parcours/{id}`: the data of a parcours page;
//! - `POST /api/v1/seances/{id}/tenue`: a planned session held, its pass validated;
//!
//! at each number of concurrent clients of `BENCH_NIVEAUX`. The database comes from `admin
//! generer-national` run 40 days in the past (`--horloge`), so that the sessions it planned for
//! the following weeks have now come and can be held. The work is found through the API, as a
//! conseiller's app does: each conseiller logs in, reads the dashboard, then the open parcours.
//! Each level uses conseillers of its own (`BENCH_CONSEILLERS` of them, numbered from
//! `BENCH_PREMIER`): no session is held twice, and two configurations sharing a database can
//! use separate blocks. With several instances, requests take turns between them, so one
//! conseiller's requests land on both.
//!
//! Prints one human-readable line per measure, and one `RESULTAT` line of tab-separated fields
//! (configuration, clients, route, requests, p50 ms, p99 ms, requests/s, errors) for the script.
//!
//! Settings (environment): BENCH_URLS (comma-separated, e.g. http://127.0.0.1:18481),
//! BENCH_CONFIG (a label), BENCH_MOT_DE_PASSE, BENCH_NIVEAUX (1,8,32), BENCH_GETS (requests per
//! level, 3000), BENCH_HOLDS (holds per level at most, 400), BENCH_CONSEILLERS (per level, 32),
//! BENCH_PREMIER (1).

use carnet_domain::parcours::seance::StatutSeance;
use carnet_domain::parcours::{Dossier, TableauDeBord};
use carnet_domain::paris;
use carnet_server::store::national;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

mod banc;
use banc::{charge, envoyer, rapport, HttpClient, Mesure, Requete};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A conseiller logged in, with their parcours and the planned sessions whose time has come.
struct Conseiller {
    cookie: String,
    parcours: Vec<i64>,
    a_tenir: Vec<Requete>,
}

async fn preparer(client: &HttpClient, base: &str, n: usize, mot_de_passe: &str) -> anyhow::Result<Conseiller> {
    let body = serde_json::json!({ "email": national::email(n as i64), "password": mot_de_passe }).to_string();
    let (s, b, cookie) = envoyer(client, "POST", &format!("{base}/auth/login"), "", Some(body)).await?;
    anyhow::ensure!(s == 200, "connexion de {} refusée : {s} {b}", national::email(n as i64));
    let cookie = cookie.unwrap_or_default();
    let (s, b, _) = envoyer(client, "GET", &format!("{base}/tableau-de-bord"), &cookie, None).await?;
    anyhow::ensure!(s == 200, "tableau de bord : {s} {b}");
    let tdb: TableauDeBord = serde_json::from_str(&b)?;
    let maintenant = paris::to_local(chrono::Utc::now());
    let mut a_tenir = Vec::new();
    for p in tdb.parcours.iter().filter(|p| p.etat == "en_cours") {
        let (s, b, _) = envoyer(client, "GET", &format!("{base}/parcours/{}", p.id), &cookie, None).await?;
        anyhow::ensure!(s == 200, "parcours {} : {s} {b}", p.id);
        let dossier: Dossier = serde_json::from_str(&b)?;
        for seance in dossier.seances.iter().filter(|s| s.statut == StatutSeance::Prevue && s.debut <= maintenant) {
            // Session `id` of the generated database uses pass `id`.
            let corps = serde_json::json!({
                "code": national::code(seance.id).display(),
                "date": seance.debut.format("%Y-%m-%d").to_string(),
                "heure": seance.debut.format("%H:%M").to_string(),
            });
            a_tenir.push(Requete {
                methode: "POST",
                url: format!("/seances/{}/tenue", seance.id),
                cookie: cookie.clone(),
                corps: Some(corps.to_string()),
            });
        }
    }
    Ok(Conseiller { cookie, parcours: tdb.parcours.iter().map(|p| p.id).collect(), a_tenir })
}

fn resultat(config: &str, clients: usize, route: &str, mut m: Mesure) {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "RESULTAT\t{config}\t{clients}\t{route}\t{}\t{:.2}\t{:.2}\t{:.0}\t{}",
        m.durees.len(),
        ms(m.centile(0.50)),
        ms(m.centile(0.99)),
        m.par_seconde(),
        m.erreurs
    );
    rapport(route, clients, m);
}

fn main() -> anyhow::Result<()> {
    let urls: Vec<String> = std::env::var("BENCH_URLS")
        .unwrap_or_else(|_| "http://127.0.0.1:18481".into())
        .split(',')
        .map(|u| format!("{}/api/v1", u.trim_end_matches('/')))
        .collect();
    let config = std::env::var("BENCH_CONFIG").unwrap_or_else(|_| "serveur".into());
    let mot_de_passe = std::env::var("BENCH_MOT_DE_PASSE").unwrap_or_else(|_| "banc-national".into());
    let niveaux: Vec<usize> = std::env::var("BENCH_NIVEAUX")
        .unwrap_or_else(|_| "1,8,32".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .filter(|&n| n > 0)
        .collect();
    let gets = env_usize("BENCH_GETS", 3000);
    let holds = env_usize("BENCH_HOLDS", 400);
    let par_niveau = env_usize("BENCH_CONSEILLERS", 32);
    let premier = env_usize("BENCH_PREMIER", 1);

    // The load generator gets one thread: the servers have the machine's cores.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    rt.block_on(async move {
        let client = banc::client();
        let mut rng = StdRng::seed_from_u64(12);
        println!("{config} : {} instance(s), niveaux {niveaux:?}", urls.len());
        for (rang, &clients) in niveaux.iter().enumerate() {
            let conseillers_du_niveau = par_niveau.max(clients);
            let debut = premier + rang * conseillers_du_niveau;
            let mut conseillers = Vec::new();
            for n in debut..debut + conseillers_du_niveau {
                conseillers.push(preparer(&client, &urls[0], n, &mot_de_passe).await?);
            }
            // Client c works for the conseillers c, c + clients, …; its k-th request goes to
            // instance (c + k) mod the number of instances.
            let instance = |c: usize, k: usize| &urls[(c + k) % urls.len()];
            let lecture = |rng: &mut StdRng, c: usize, k: usize| {
                let moi = &conseillers[c + clients * rng.gen_range(0..conseillers_du_niveau / clients)];
                let id = moi.parcours[rng.gen_range(0..moi.parcours.len())];
                Requete {
                    methode: "GET",
                    url: format!("{}/parcours/{id}", instance(c, k)),
                    cookie: moi.cookie.clone(),
                    corps: None,
                }
            };
            // A warm-up, then the measure.
            let chaud: Vec<Vec<Requete>> =
                (0..clients).map(|c| (0..25).map(|k| lecture(&mut rng, c, k)).collect()).collect();
            charge(&client, chaud, 200).await;
            let travaux: Vec<Vec<Requete>> =
                (0..clients).map(|c| (0..gets / clients).map(|k| lecture(&mut rng, c, k)).collect()).collect();
            resultat(&config, clients, "GET /api/v1/parcours/{id}", charge(&client, travaux, 200).await);

            let mut travaux: Vec<Vec<Requete>> = (0..clients).map(|_| Vec::new()).collect();
            for (i, moi) in conseillers.iter_mut().enumerate() {
                let c = i % clients;
                for r in moi.a_tenir.drain(..) {
                    let k = travaux[c].len();
                    travaux[c].push(Requete { url: format!("{}{}", instance(c, k), r.url), ..r });
                }
            }
            for t in &mut travaux {
                t.truncate(holds / clients);
            }
            anyhow::ensure!(
                travaux.iter().all(|t| !t.is_empty()),
                "aucune séance à tenir pour un client : la base a-t-elle été générée 40 jours plus tôt ?"
            );
            resultat(&config, clients, "POST /api/v1/seances/{id}/tenue", charge(&client, travaux, 200).await);
        }
        anyhow::Ok(())
    })
}
