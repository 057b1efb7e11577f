//! Demo parcours for the demo conseillère: one weekly parcours in progress (carnet of 5, two
//! sessions held, the third today or soon) and one finished with its bilan. The same builder
//! (`creer`) fills the benchmark database (`server/examples/bench_parcours.rs`).

use crate::store::audit::{Audit, Entite};
use crate::store::conn::Conn;
use crate::store::{dossier, etapes, packs, parcours, passes, seances};
use anyhow::Context;
use carnet_domain::fuseau::Calendrier;
use carnet_domain::intake::ValidIntake;
use carnet_domain::parcours::bilan::ValidBilan;
use carnet_domain::parcours::competences::Niveau;
use carnet_domain::parcours::diagnostic::{ResultatExterne, ValidDiagnostic};
use carnet_domain::parcours::objectifs::{PackView, ThemeSaisi, ValidObjectifs};
use carnet_domain::parcours::planning::{generer, jour_possible, Frequence};
use carnet_domain::parcours::seance::{StatutSeance, ValidCompteRendu};
use carnet_domain::paris;
use carnet_domain::pass::{CarnetId, SeanceId};
use carnet_domain::PassCode;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use rand::Rng;
use serde_json::json;

/// What a parcours of the demo (or of the benchmark) looks like.
pub struct Modele<'a> {
    pub prenom: &'a str,
    pub annee_naissance: i32,
    pub genre: &'a str,
    pub statut_social: &'a str,
    pub carnet_numero: String,
    pub pack: &'a str,
    pub nb_passes: i64,
    /// The intake (session 1), Paris time.
    pub accueil: NaiveDateTime,
    pub frequence: Frequence,
    pub duree_minutes: u32,
    pub initial: Vec<(&'a str, Niveau)>,
    pub observations: &'a str,
    /// How many sessions, from the first, are held with their pass.
    pub tenues: usize,
    /// A session (0-based) the person missed, excused, replaced after the last one.
    pub absence: Option<usize>,
    pub bilan: Option<(Vec<(&'a str, Niveau)>, &'a str, &'a str)>,
}

pub struct Cree {
    pub parcours_id: i64,
    pub carnet_id: i64,
    /// The sessions still planned: (id, Paris start), with the codes of the unused passes.
    pub prevues: Vec<(i64, NaiveDateTime)>,
    pub codes_libres: Vec<PassCode>,
}

fn random_code(rng: &mut impl Rng) -> PassCode {
    let mut values = [0u8; 11];
    rng.fill(&mut values);
    PassCode::from_random(values)
}

/// Writes a whole parcours through the same store functions as the API, inside `conn`'s
/// transaction: intake, diagnostic, the pack's objectives and themes, a planning, the sessions
/// held with their passes, an absence, and the bilan.
pub async fn creer(
    conn: &mut dyn Conn,
    structure_id: i64,
    user_id: i64,
    m: &Modele<'_>,
    packs: &[PackView],
    rng: &mut impl Rng,
) -> anyhow::Result<Cree> {
    let at = |dt: NaiveDateTime| paris::to_utc(dt);
    let t0 = at(m.accueil);
    let pack = packs.iter().find(|p| p.code == m.pack).context("pack inconnu")?;
    let codes: Vec<PassCode> = (0..m.nb_passes).map(|_| random_code(rng)).collect();
    let intake = ValidIntake {
        prenom: m.prenom.to_string(),
        annee_naissance: Some(m.annee_naissance),
        commune_insee: Some("29019".into()),
        genre: Some(m.genre.to_string()),
        tranche_age: Some(carnet_domain::coop::tranche_age(m.annee_naissance, m.accueil.year()).to_string()),
        statut_social: Some(m.statut_social.to_string()),
        carnet_numero: m.carnet_numero.clone(),
        nb_passes: m.nb_passes,
        valeur_faciale_centimes: 1000,
        fin_validite: m.accueil.date() + Duration::days(240),
        codes: codes.clone(),
        commanditaire: "Brest métropole".into(),
        canal: "mairie".into(),
        date_reception: m.accueil.date(),
    };
    let created = parcours::create_from_intake(conn, &intake, structure_id, user_id, t0).await?;
    let id = created.parcours_id;
    let carnet_id = parcours::carnet_id(conn, id).await?;

    let diag = |niveaux: &[(&str, Niveau)], obs: &str, resultats: Vec<ResultatExterne>| ValidDiagnostic {
        niveaux: niveaux.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
        resultats,
        observations: obs.to_string(),
        pack: Some(m.pack.to_string()),
    };
    let initial =
        diag(&m.initial, m.observations, vec![ResultatExterne { outil: "ABC Diag".into(), score: "31 %".into() }]);
    etapes::save_diagnostic(conn, id, "initial", &initial, user_id, t0).await?;
    Audit::par(Some(user_id), Entite::Parcours(id), "diagnostic_initial")
        .apres(json!({ "demo": true }))
        .ecrire(conn, t0)
        .await?;

    let objectifs = ValidObjectifs {
        pack: m.pack.to_string(),
        objectifs: pack.cibles_pour(m.nb_passes).into_iter().map(|c| (c.competence, c.niveau)).collect(),
        themes: pack
            .themes_pour(m.nb_passes)
            .into_iter()
            .map(|t| ThemeSaisi { titre: t.titre, thematiques: t.thematiques, competences: t.competences })
            .collect(),
    };
    let pack_id = packs::id_of(conn, m.pack).await?.context("pack")?;
    etapes::save_objectifs(conn, id, pack_id, &objectifs).await?;
    Audit::par(Some(user_id), Entite::Parcours(id), "objectifs")
        .apres(json!({ "pack": m.pack }))
        .ecrire(conn, t0)
        .await?;

    // The schedule: the intake, then the rhythm from a week later at 14h00.
    let pas = match m.frequence {
        Frequence::Quotidien => 1,
        Frequence::Hebdomadaire => 7,
        Frequence::Quinzaine => 14,
    };
    let premiere = (m.accueil.date() + Duration::days(pas)).and_time(NaiveTime::from_hms_opt(14, 0, 0).expect("time"));
    let mut dates = vec![m.accueil];
    dates.extend(
        generer(Calendrier::METROPOLE, m.frequence, premiere, m.nb_passes as usize - 1, m.duree_minutes, &[])
            .into_iter()
            .map(|s| s.debut),
    );
    etapes::save_planning(conn, id, m.frequence, m.duree_minutes, "lieu_activite", t0).await?;
    let mut ids = Vec::new();
    for d in &dates {
        let nouvelle = seances::Nouvelle {
            parcours_id: id,
            conseiller_id: user_id,
            debut: *d,
            duree_minutes: m.duree_minutes,
            type_lieu: "lieu_activite",
            remplace: None,
            calendrier: Calendrier::METROPOLE,
        };
        ids.push(seances::insert(conn, &nouvelle, t0).await?);
    }
    Audit::par(Some(user_id), Entite::Parcours(id), "planning")
        .apres(json!({ "frequence": m.frequence.code() }))
        .ecrire(conn, t0)
        .await?;

    // An absence, replaced after the last session.
    if let Some(k) = m.absence {
        let when = at(dates[k]);
        seances::set_statut(conn, ids[k], StatutSeance::Prevue, StatutSeance::AbsenteExcusee, when).await?;
        let cadence = dates[1].weekday();
        let mut jour = dates.last().expect("sessions").date() + Duration::days(pas);
        while !jour_possible(Calendrier::METROPOLE, m.frequence, cadence, jour) {
            jour += Duration::days(1);
        }
        let debut = jour.and_time(dates[1].time());
        let nouvelle = seances::Nouvelle {
            parcours_id: id,
            conseiller_id: user_id,
            debut,
            duree_minutes: m.duree_minutes,
            type_lieu: "lieu_activite",
            remplace: Some(ids[k]),
            calendrier: Calendrier::METROPOLE,
        };
        let rid = seances::insert(conn, &nouvelle, when).await?;
        Audit::par(Some(user_id), Entite::Seance(ids[k]), "absente_excusee")
            .apres(json!({ "remplacee_par": rid }))
            .ecrire(conn, when)
            .await?;
        ids.remove(k);
        dates.remove(k);
        ids.push(rid);
        dates.push(debut);
    }

    // Sessions held in order, each with the next pass.
    let themes = objectifs.themes.clone();
    for (k, (sid, d)) in ids.iter().zip(&dates).take(m.tenues).enumerate() {
        let when = at(*d) + Duration::minutes(m.duree_minutes as i64 - 5);
        let v = passes::Validation {
            carnet_id: CarnetId(carnet_id),
            parcours_id: id,
            seance_id: SeanceId(*sid),
            user_id,
            structure_id,
            at: when,
            jour: Calendrier::METROPOLE.today(when),
        };
        passes::validate(conn, &codes[k], v).await?.map_err(|r| anyhow::anyhow!("démo : {}", r.message()))?;
        seances::set_statut(conn, *sid, StatutSeance::Prevue, StatutSeance::Tenue, when).await?;
        let theme = &themes[k.min(themes.len() - 1)];
        let cr = ValidCompteRendu {
            thematiques: theme.thematiques.clone(),
            duree_minutes: m.duree_minutes,
            materiel: vec![if k % 2 == 0 { "ordinateur" } else { "telephone" }.to_string()],
            autonomie: Some(if k < 2 { "entierement_accompagne" } else { "partiellement_autonome" }.to_string()),
            notes: if k == 0 {
                "Accueil, diagnostic et présentation du parcours.".into()
            } else {
                format!("Séance « {} » faite.", theme.titre)
            },
        };
        seances::set_compte_rendu(conn, *sid, Some(&cr), when).await?;
        Audit::par(Some(user_id), Entite::Seance(*sid), "tenue")
            .apres(json!({ "parcours_id": id }))
            .ecrire(conn, when)
            .await?;
    }

    if let Some((finaux, orientation, recommandations)) = &m.bilan {
        let fin = at(*dates.last().expect("sessions")) + Duration::minutes(m.duree_minutes as i64);
        let final_ = diag(
            finaux,
            "Beaucoup plus à l'aise, pose les bonnes questions.",
            vec![ResultatExterne { outil: "ABC Diag".into(), score: "68 %".into() }],
        );
        etapes::save_diagnostic(conn, id, "final", &final_, user_id, fin).await?;
        let atteints = objectifs
            .objectifs
            .iter()
            .map(|(c, cible)| {
                (
                    c.clone(),
                    carnet_domain::parcours::diagnostic::objectif_atteint(*cible, final_.niveaux.get(c).copied()),
                )
            })
            .collect();
        let b = ValidBilan {
            objectifs_atteints: atteints,
            orientation: Some(orientation.to_string()),
            recommandations: recommandations.to_string(),
        };
        etapes::save_bilan(conn, id, &b, user_id, fin).await?;
        etapes::close(conn, id, fin).await?;
        Audit::par(Some(user_id), Entite::Parcours(id), "cloture")
            .apres(json!({ "etat": "termine" }))
            .ecrire(conn, fin)
            .await?;
    } else {
        dossier::touch(conn, id, at(*dates.iter().take(m.tenues.max(1)).next_back().expect("sessions"))).await?;
    }
    // Parcours timestamps follow the story, not the moment the demo was seeded.
    parcours::dater(conn, id, at(*dates.iter().take(m.tenues.max(1)).next_back().expect("sessions"))).await?;

    let prevues = ids.iter().zip(&dates).skip(m.tenues).map(|(i, d)| (*i, *d)).collect();
    Ok(Cree { parcours_id: id, carnet_id, prevues, codes_libres: codes[m.tenues..].to_vec() })
}

fn ouvre(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !carnet_domain::parcours::feries::est_ferie(d)
}

/// The last working day (Monday–Friday, not a holiday) on or before `d`.
pub fn jour_ouvre_avant(mut d: NaiveDate) -> NaiveDate {
    while !ouvre(d) {
        d -= Duration::days(1);
    }
    d
}

/// The first working day on or after `d`.
pub fn jour_ouvre_apres(mut d: NaiveDate) -> NaiveDate {
    while !ouvre(d) {
        d += Duration::days(1);
    }
    d
}

pub async fn seed_demo(conn: &mut dyn Conn, structure_id: i64, user_id: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
    use Niveau::*;
    let packs = packs::list(conn).await?;
    let mut rng = rand::thread_rng();
    let today = paris::today(now);
    let h = |d: NaiveDate, hh: u32, mm: u32| d.and_time(NaiveTime::from_hms_opt(hh, mm, 0).expect("time"));

    // In progress: intake two weeks before the next working day (today, on a weekday), one
    // session held a week later; the third is that day.
    let accueil = jour_ouvre_avant(jour_ouvre_apres(today) - Duration::days(14));
    let en_cours = Modele {
        prenom: "Monique",
        annee_naissance: 1954,
        genre: "feminin",
        statut_social: "retraite",
        carnet_numero: format!("BM-{}-0417", today.year()),
        pack: "acces_aux_droits",
        nb_passes: 5,
        accueil: h(accueil, 10, 0),
        frequence: Frequence::Hebdomadaire,
        duree_minutes: 60,
        initial: vec![("1.1", EntierementAccompagne), ("1.2", PasEncoreAborde), ("2.1", EntierementAccompagne), ("2.4", PasEncoreAborde), ("4.1", PasEncoreAborde), ("5.2", PartiellementAutonome)],
        observations: "A reçu son carnet à la mairie. Veut faire seule ses démarches CAF et Ameli. A un smartphone, pas d'ordinateur.",
        tenues: 2,
        absence: None,
        bilan: None,
    };
    creer(conn, structure_id, user_id, &en_cours, &packs, &mut rng).await?;

    // Finished: about three months ago, with an excused absence replaced at the end, and a bilan.
    let accueil = jour_ouvre_avant(today - Duration::days(100));
    let termine = Modele {
        prenom: "Karim",
        annee_naissance: 1979,
        genre: "masculin",
        statut_social: "sans_emploi",
        carnet_numero: format!("BM-{}-0112", accueil.year()),
        pack: "usage_professionnel",
        nb_passes: 5,
        accueil: h(accueil, 9, 30),
        frequence: Frequence::Hebdomadaire,
        duree_minutes: 90,
        initial: vec![("1.1", EntierementAccompagne), ("2.1", EntierementAccompagne), ("2.4", PasEncoreAborde), ("3.1", PasEncoreAborde), ("4.2", EntierementAccompagne)],
        observations: "Orienté par France Travail. Cherche un emploi de magasinier ; n'a jamais rédigé de CV sur ordinateur.",
        tenues: 5,
        absence: Some(2),
        bilan: Some((
            vec![("1.1", PartiellementAutonome), ("2.1", Autonome), ("2.4", PartiellementAutonome), ("3.1", EntierementAccompagne), ("4.2", EntierementAccompagne)],
            "insertion_professionnelle",
            "Continuer les candidatures avec la conseillère France Travail. Venir aux ateliers « CV et lettre » du mardi à la médiathèque.",
        )),
    };
    creer(conn, structure_id, user_id, &termine, &packs, &mut rng).await?;
    Ok(())
}
