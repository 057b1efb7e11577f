//! `GET /api/v1/statistiques`: the activity statistics of the asker's scope, in the Coop's blocks,
//! and what only Carnet knows (passes, parcours, skills). A conseiller sees their own activity, a
//! coordinateur their structure's (and per conseiller), a hub its territory's, a commanditaire the
//! sessions its orders paid for, an administrator everything. Aggregates only: no name of a
//! beneficiary leaves through here.

use crate::auth::CurrentUser;
use crate::error::{ApiQuery, AppError, AppResult};
use crate::store::ledger::orgs;
use crate::store::packs::split_list;
use crate::store::statistiques::{self as store, Activite, Filtres, Intervalle, Liste, Portee};
use crate::store::territoires;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carnet_domain::api::{FieldErrors, Role};
use carnet_domain::coop::{self, Vocabulaire};
use carnet_domain::fuseau::{Calendrier, Fuseau};
use carnet_domain::parcours::competences::DOMAINES;
use carnet_domain::statistiques::{
    self as regles, douze_mois, lignes, lignes_vocabulaire, trente_jours, typographique, Barre, BlocsBeneficiaires,
    FiltresStatistiques, Generales, Ligne, PassesDuMois, Periode, ProgressionDomaine, Statistiques, StatistiquesCarnet,
};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use std::collections::{BTreeMap, HashMap};

pub fn router() -> Router<AppState> {
    Router::new().route("/statistiques", get(statistiques))
}

#[utoipa::path(
    get,
    path = "/api/v1/statistiques",
    tag = "statistiques",
    params(FiltresStatistiques),
    responses((status = 200, description = "Réponse", body = Statistiques)),
    security(("session" = []))
)]
async fn statistiques(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(f): ApiQuery<FiltresStatistiques>,
) -> AppResult<Json<Statistiques>> {
    let ctx = Contexte::preparer(&state, &user, &f).await?;
    Ok(Json(calculer(&state.db, &ctx).await?))
}

/// Who asks, what for: the scope, the checked filters and the period.
pub(crate) struct Contexte {
    pub portee: Portee,
    pub filtres: Filtres,
    pub periode: Periode,
    pub intervalle: Intervalle,
    /// The asker's calendar: the period's days are theirs.
    pub calendrier: Calendrier,
    pub aujourdhui: NaiveDate,
}

impl Contexte {
    pub async fn preparer(state: &AppState, user: &CurrentUser, f: &FiltresStatistiques) -> AppResult<Contexte> {
        let portee = match (user.role, user.structure_id) {
            (Role::Conseiller, Some(_)) => Portee::Conseiller(user.id),
            (Role::Coordinateur, Some(s)) => Portee::Structure(s),
            (Role::Hub, _) => Portee::Territoire(territoires::of_user(&state.db, user.id).await?),
            (Role::Commanditaire, _) => match orgs::user_organisations(&state.db, user.id).await?.0 {
                Some(c) => Portee::Commanditaire(c),
                None => return Err(AppError::Forbidden),
            },
            (Role::Admin, _) => Portee::Tout,
            _ => return Err(AppError::Forbidden),
        };
        Contexte::pour(state, portee, user.calendrier, f).await
    }

    /// The context of a scope already decided (a user's role, an API client's territory):
    /// the filters are checked against it, the period's days are those of `cal`.
    pub async fn pour(
        state: &AppState,
        portee: Portee,
        cal: Calendrier,
        f: &FiltresStatistiques,
    ) -> AppResult<Contexte> {
        let mut erreurs = FieldErrors::new();
        let periode = match regles::valider_periode(f.du.as_deref(), f.au.as_deref()) {
            Ok(p) => p,
            Err(e) => {
                erreurs.extend(e);
                Periode::default()
            }
        };
        let mut conn = state.db.acquire().await?;
        let texte = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        let id = |champ: &str, v: &Option<String>, erreurs: &mut FieldErrors| match texte(v) {
            None => None,
            Some(t) => match t.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    erreurs.insert(champ.into(), "Identifiant invalide : un nombre est attendu.".into());
                    None
                }
            },
        };
        let conseiller = id("conseiller", &f.conseiller, &mut erreurs);
        let lieu = id("lieu", &f.lieu, &mut erreurs);
        // Until the counts of a database written before them are filled (in the background after
        // the start), everything is read from the sessions and diagnostics.
        let seances_seulement = !crate::store::agregat::remplis(&mut conn).await?;
        let mut filtres = Filtres { conseiller, lieu, seances_seulement, ..Default::default() };
        if let Some(c) = conseiller {
            if !store::conseiller_dans(&mut conn, &portee, c).await? {
                erreurs.insert("conseiller".into(), "Conseiller inconnu, ou hors de votre périmètre.".into());
            }
        }
        if let Some(l) = lieu {
            if !store::lieu_dans(&mut conn, &portee, l).await? {
                erreurs.insert("lieu".into(), "Lieu inconnu, ou hors de votre périmètre.".into());
            }
        }
        if let Some(c) = texte(&f.commune) {
            if store::commune_existe(&mut conn, &c).await? {
                filtres.commune = Some(c);
            } else {
                erreurs.insert(
                    "commune".into(),
                    "Commune inconnue : un code INSEE est attendu (par exemple 29019).".into(),
                );
            }
        }
        if let Some(d) = texte(&f.departement) {
            if store::departement_existe(&mut conn, &d).await? {
                filtres.departement = Some(d);
            } else {
                erreurs.insert(
                    "departement".into(),
                    "Département inconnu : un code est attendu (par exemple 29, 2A, 974).".into(),
                );
            }
        }
        if let Some(t) = texte(&f.type_lieu) {
            if coop::contains(coop::TYPE_LIEU, &t) {
                filtres.type_lieu = Some(t);
            } else {
                let valeurs: Vec<&str> = coop::TYPE_LIEU.iter().map(|(v, _)| *v).collect();
                erreurs.insert(
                    "type_lieu".into(),
                    format!("Type de lieu inconnu : {} sont possibles.", valeurs.join(", ")),
                );
            }
        }
        if !erreurs.is_empty() {
            return Err(AppError::Validation(erreurs));
        }
        let minuit = |d: NaiveDate| cal.to_utc(d.and_time(NaiveTime::MIN));
        let intervalle =
            Intervalle { debut: periode.du.map(minuit), fin: periode.au.map(|a| minuit(a + Duration::days(1))) };
        let maintenant = state.clock.now();
        Ok(Contexte { portee, filtres, periode, intervalle, calendrier: cal, aujourdhui: cal.today(maintenant) })
    }

    /// The day the « last 12 months » and « last 30 days » end on: the period's end, else today.
    pub fn reference(&self) -> NaiveDate {
        self.periode.au.unwrap_or(self.aujourdhui)
    }
}

/// The calendar of a structure (its zone and holidays).
fn calendrier(commune: Option<&str>, fuseau: Option<&str>) -> Calendrier {
    Calendrier::pour(commune, fuseau.and_then(Fuseau::parse))
}

/// The local date of a session, in its structure's zone.
pub(crate) fn date_locale(a: &Activite) -> NaiveDate {
    calendrier(a.structure_commune_insee.as_deref(), a.structure_fuseau.as_deref()).to_local(a.debut).date()
}

/// Lines of a closed list, most frequent first (ties in the list's order).
fn lignes_triees(vocabulaire: Vocabulaire, comptes: &HashMap<String, u64>) -> Vec<Ligne> {
    let mut l: Vec<(String, String, u64)> = vocabulaire
        .iter()
        .map(|(v, lib)| (v.to_string(), typographique(lib), comptes.get(*v).copied().unwrap_or(0)))
        .collect();
    l.sort_by_key(|x| std::cmp::Reverse(x.2));
    lignes(l)
}

/// Lines of open values (places, communes, conseillers), most frequent first, then by label.
fn lignes_ouvertes(comptes: HashMap<String, (String, u64)>) -> Vec<Ligne> {
    let mut l: Vec<(String, String, u64)> = comptes.into_iter().map(|(v, (lib, n))| (v, lib, n)).collect();
    l.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)).then_with(|| a.0.cmp(&b.0)));
    lignes(l)
}

fn compte(m: &HashMap<String, u64>) -> impl Fn(&str) -> u64 + '_ {
    move |v| m.get(v).copied().unwrap_or(0)
}

/// Lines of a list block, from the stored lists and how many sessions carry each.
fn compter_listes(listes: &[(Option<String>, i64)]) -> HashMap<String, u64> {
    let mut m = HashMap::new();
    for (liste, n) in listes {
        for v in split_list(liste.as_deref().unwrap_or("")) {
            *m.entry(v).or_insert(0) += *n as u64;
        }
    }
    m
}

/// One part of the statistics (`$lire(conn, ctx)`) in a read transaction of its own.
macro_rules! dans_une_lecture {
    ($db:expr, $lire:ident, $ctx:expr) => {
        async {
            let mut tx = $db.begin().await?;
            let r = $lire(&mut tx, $ctx).await?;
            tx.commit().await?;
            AppResult::Ok(r)
        }
    };
}

/// Every block of the page, counted by the database per group (see `store::groupes`): the
/// rows of a whole country never come into memory. The blocks' reads are independent: they go
/// in four transactions at once ([`lectures_des_dates`], [`lectures_des_personnes`],
/// [`lectures_des_nouveaux`], [`lectures_des_parcours`]), so that a country's year uses both of a
/// small server's cores (0.7 s of statements one after another at national volume on SQLite,
/// 0.4-0.5 s side by side). Each part sees its own snapshot:
/// a session held meanwhile may be counted by one block and not yet by another, as PostgreSQL's
/// read-committed statements already allowed within one transaction.
pub(crate) async fn calculer(db: &crate::db::Db, ctx: &Contexte) -> AppResult<Statistiques> {
    let ((dates, groupes), personnes, nouveaux, (parcours, progressions)) = tokio::try_join!(
        dans_une_lecture!(db, lectures_des_dates, ctx),
        dans_une_lecture!(db, lectures_des_personnes, ctx),
        dans_une_lecture!(db, lectures_des_nouveaux, ctx),
        dans_une_lecture!(db, lectures_des_parcours, ctx),
    )?;
    let Dates { mois_graphe, mois_periode, jours_trente, themes, materiel } = dates;
    let reference = ctx.reference();
    let mois = douze_mois(reference);
    let jours_graphe = trente_jours(reference);
    let total = |lignes: &[(NaiveDate, u64, u64, i64)], f: &dyn Fn(NaiveDate) -> bool| {
        lignes.iter().filter(|h| f(h.0)).map(|h| h.1).sum::<u64>()
    };
    let par_mois = mois
        .iter()
        .map(|(debut, libelle)| Barre {
            libelle: libelle.clone(),
            debut: *debut,
            nombre: total(&mois_graphe, &|d| regles::debut_du_mois(d) == *debut),
        })
        .collect();
    let par_jour = jours_graphe
        .iter()
        .map(|(jour, libelle)| Barre {
            libelle: libelle.clone(),
            debut: *jour,
            nombre: total(&jours_trente, &|d| d == *jour),
        })
        .collect();

    let n: u64 = groupes.iter().map(|g| g.nombre as u64).sum();
    let nb_personnes: u64 = personnes.iter().map(|p| p.nombre as u64).sum();
    let anonymes: u64 = personnes.iter().filter(|p| p.anonyme).map(|p| p.nombre as u64).sum();
    let generales = Generales {
        accompagnements: n,
        beneficiaires: nb_personnes,
        beneficiaires_suivis: nb_personnes - anonymes,
        beneficiaires_anonymes: anonymes,
        nouveaux_beneficiaires: nouveaux,
        accompagnements_12_mois: mois_graphe.iter().map(|h| h.1).sum(),
    };

    let types = lignes_vocabulaire(coop::TYPE_ACTIVITE, |v| if v == "individuel" { n } else { 0 });
    let themes = compter_listes(&themes);
    let materiel = compter_listes(&materiel);
    let mut canaux: HashMap<String, u64> = HashMap::new();
    let mut durees: HashMap<String, u64> = HashMap::new();
    let mut lieux: HashMap<String, (String, u64)> = HashMap::new();
    let mut communes: HashMap<String, (String, u64)> = HashMap::new();
    let mut conseillers: HashMap<String, (String, u64)> = HashMap::new();
    for g in &groupes {
        let k = g.nombre as u64;
        *canaux.entry(g.type_lieu.clone()).or_insert(0) += k;
        *durees.entry(regles::tranche_duree(g.duree_minutes.max(0) as u32).to_string()).or_insert(0) += k;
        // The commune of an accompaniment: its place's at the place, the person's at home.
        let commune = match g.type_lieu.as_str() {
            "lieu_activite" => {
                lieux.entry(g.structure_id.to_string()).or_insert_with(|| (g.structure_nom.clone(), 0)).1 += k;
                g.structure_commune_insee.as_ref().zip(g.structure_commune.as_ref())
            }
            "domicile" => g.domicile_insee.as_ref().zip(g.domicile_commune.as_ref()),
            _ => None,
        };
        if let Some((code, nom)) = commune {
            communes.entry(code.clone()).or_insert_with(|| (nom.clone(), 0)).1 += k;
        }
        conseillers
            .entry(g.conseiller_id.to_string())
            .or_insert_with(|| (format!("{} {}", g.conseiller_prenom, g.conseiller_nom), 0))
            .1 += k;
    }

    let annee = ctx.aujourdhui.year();
    let mut genres: HashMap<String, u64> = HashMap::new();
    let mut tranches: HashMap<String, u64> = HashMap::new();
    let mut statuts: HashMap<String, u64> = HashMap::new();
    let mut communes_personnes: HashMap<String, (String, u64)> = HashMap::new();
    for p in &personnes {
        let k = p.nombre as u64;
        let genre = p.genre.as_deref().filter(|g| coop::contains(coop::GENRE, g)).unwrap_or("non_communique");
        *genres.entry(genre.to_string()).or_insert(0) += k;
        let tranche = regles::tranche_age_retenue(p.annee_naissance.map(|y| y as i32), p.tranche_age.as_deref(), annee);
        *tranches.entry(tranche.to_string()).or_insert(0) += k;
        let statut =
            p.statut_social.as_deref().filter(|s| coop::contains(coop::STATUT_SOCIAL, s)).unwrap_or("non_communique");
        *statuts.entry(statut.to_string()).or_insert(0) += k;
        let (code, nom) = match (&p.commune_insee, &p.commune) {
            (Some(c), Some(n)) => (c.clone(), n.clone()),
            _ => ("non_communique".to_string(), "Non communiqué".to_string()),
        };
        communes_personnes.entry(code).or_insert_with(|| (nom, 0)).1 += k;
    }

    Ok(Statistiques {
        periode: ctx.periode,
        reference: Some(reference),
        generales,
        par_mois,
        par_jour,
        types,
        thematiques: lignes_triees(coop::THEMATIQUES_MEDIATION_NUMERIQUE, &themes),
        thematiques_demarches: lignes_triees(coop::THEMATIQUES_DEMARCHES_ADMINISTRATIVES, &themes),
        materiel: lignes_vocabulaire(coop::MATERIEL, compte(&materiel)),
        canaux: lignes_vocabulaire(coop::TYPE_LIEU, compte(&canaux)),
        durees: lignes_vocabulaire(regles::TRANCHES_DUREE, compte(&durees)),
        lieux: lignes_ouvertes(lieux),
        communes: lignes_ouvertes(communes),
        beneficiaires: BlocsBeneficiaires {
            genres: lignes_vocabulaire(coop::GENRE, compte(&genres)),
            tranches_age: lignes_vocabulaire(coop::TRANCHE_AGE, compte(&tranches)),
            statuts: lignes_vocabulaire(coop::STATUT_SOCIAL, compte(&statuts)),
            communes: lignes_ouvertes(communes_personnes),
        },
        par_conseiller: matches!(ctx.portee, Portee::Structure(_)).then(|| lignes_ouvertes(conseillers)),
        carnet: carnet(&mois_periode, &parcours, progressions),
    })
}

/// The dated counts: the month charts (and the period's months for the passes), the 30-day
/// chart, the themes' and the equipment's lists.
struct Dates {
    mois_graphe: Vec<(NaiveDate, u64, u64, i64)>,
    mois_periode: Vec<(NaiveDate, u64, u64, i64)>,
    jours_trente: Vec<(NaiveDate, u64, u64, i64)>,
    themes: Vec<(Option<String>, i64)>,
    materiel: Vec<(Option<String>, i64)>,
}

/// The sessions' counts: by date, by list, by group.
async fn lectures_des_dates(
    conn: &mut dyn crate::store::conn::Conn,
    ctx: &Contexte,
) -> AppResult<(Dates, Vec<store::GroupeSeances>)> {
    let (portee, filtres, i) = (&ctx.portee, &ctx.filtres, ctx.intervalle);
    let reference = ctx.reference();
    let minuit = |d: NaiveDate| ctx.calendrier.to_utc(d.and_time(NaiveTime::MIN));
    let graphe = Intervalle {
        debut: Some(minuit(douze_mois(reference)[0].0)),
        fin: Some(minuit(reference + Duration::days(1))),
    };
    // Lines of a day or of a whole month (its first day): for the months and the passes per month.
    let mois_graphe = store::par_mois(conn, portee, filtres, graphe).await?;
    // The chart's 12 months are often the period itself (the page's preset): one reading then.
    let mois_periode =
        if graphe == i { mois_graphe.clone() } else { store::par_mois(conn, portee, filtres, i).await? };
    let trente = Intervalle {
        debut: Some(minuit(trente_jours(reference)[0].0)),
        fin: Some(minuit(reference + Duration::days(1))),
    };
    let jours_trente = store::par_jour(conn, portee, filtres, trente).await?;
    let themes = store::par_liste(conn, portee, filtres, i, Liste::Thematiques).await?;
    let materiel = store::par_liste(conn, portee, filtres, i, Liste::Materiel).await?;
    let groupes = store::groupes(conn, portee, filtres, i).await?;
    Ok((Dates { mois_graphe, mois_periode, jours_trente, themes, materiel }, groupes))
}

/// The people seen.
async fn lectures_des_personnes(
    conn: &mut dyn crate::store::conn::Conn,
    ctx: &Contexte,
) -> AppResult<Vec<store::GroupePersonnes>> {
    Ok(store::personnes(conn, &ctx.portee, &ctx.filtres, ctx.intervalle).await?)
}

/// How many people were new in a bounded period.
async fn lectures_des_nouveaux(conn: &mut dyn crate::store::conn::Conn, ctx: &Contexte) -> AppResult<Option<u64>> {
    let (portee, filtres, i) = (&ctx.portee, &ctx.filtres, ctx.intervalle);
    Ok(match (i.debut, i.fin) {
        (Some(_), Some(_)) => Some(store::nouveaux_beneficiaires(conn, portee, filtres, i).await? as u64),
        _ => None,
    })
}

/// The parcours opened and closed, and the competences' progressions.
async fn lectures_des_parcours(
    conn: &mut dyn crate::store::conn::Conn,
    ctx: &Contexte,
) -> AppResult<(Vec<store::GroupeParcours>, Vec<(String, i64, i64)>)> {
    let (portee, filtres, i) = (&ctx.portee, &ctx.filtres, ctx.intervalle);
    let parcours = store::parcours(conn, portee, filtres, i).await?;
    let progressions = store::progressions(conn, portee, filtres, i).await?;
    Ok((parcours, progressions))
}

fn carnet(
    jours: &[(NaiveDate, u64, u64, i64)],
    parcours: &[store::GroupeParcours],
    progressions: Vec<(String, i64, i64)>,
) -> StatistiquesCarnet {
    let mut passes: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    for (jour, _, nombre, valeur) in jours.iter().filter(|j| j.2 > 0) {
        let m = passes.entry(jour.format("%Y-%m").to_string()).or_default();
        m.0 += nombre;
        m.1 += valeur;
    }
    let compte_parcours =
        |f: &dyn Fn(&store::GroupeParcours) -> bool| parcours.iter().filter(|p| f(p)).map(|p| p.nombre as u64).sum();
    let termines: Vec<u32> = parcours
        .iter()
        .filter(|p| p.ferme && p.etat == "termine")
        .flat_map(|p| std::iter::repeat_n(p.seances_tenues.max(0) as u32, p.nombre as usize))
        .collect();
    let mut par_domaine: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for (domaine, evaluees, en_progression) in progressions {
        let Some(d) = DOMAINES.iter().find(|d| d.code == domaine) else { continue };
        let e = par_domaine.entry(d.code).or_default();
        e.0 += evaluees.max(0) as u64;
        e.1 += en_progression.max(0) as u64;
    }
    StatistiquesCarnet {
        passes_total: passes.values().map(|p| p.0).sum(),
        valeur_totale_centimes: passes.values().map(|p| p.1).sum(),
        passes_par_mois: passes
            .into_iter()
            .map(|(mois, (nombre, valeur_centimes))| PassesDuMois { mois, nombre, valeur_centimes })
            .collect(),
        parcours_ouverts: compte_parcours(&|p| p.ouvert),
        parcours_termines: termines.len() as u64,
        parcours_abandonnes: compte_parcours(&|p| p.ferme && p.etat == "abandonne"),
        mediane_seances_par_parcours: regles::mediane(&termines),
        progression_competences: DOMAINES
            .iter()
            .map(|d| {
                let (evaluees, en_progression) = par_domaine.get(d.code).copied().unwrap_or((0, 0));
                ProgressionDomaine {
                    code: d.code.to_string(),
                    titre: typographique(d.titre),
                    evaluees,
                    en_progression,
                    pourcentage: regles::part(en_progression, evaluees),
                }
            })
            .collect(),
    }
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(statistiques))]
pub(super) struct Doc;
