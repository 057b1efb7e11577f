//! `/statistiques`: the activity of the person's scope in the Coop's blocks, and what only Carnet
//! knows, for a period and filters kept in the address (so a view can be bookmarked or shared).
//! Every chart is SVG with a table of the same numbers; the page prints on A4; the same filters
//! give the spreadsheets.

use crate::api;
use crate::app::use_auth;
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use carnet_domain::api::Role;
use carnet_domain::coop;
use carnet_domain::money::format_euros;
use carnet_domain::statistiques::{debut_du_mois, typographique, Barre, FiltresStatistiques, Ligne, Statistiques};
use chrono::{Duration, Months, NaiveDate};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// (label, du, au) of the quick periods, from today.
fn raccourcis(aujourdhui: NaiveDate) -> Vec<(&'static str, NaiveDate, NaiveDate)> {
    let ce_mois = debut_du_mois(aujourdhui);
    let mois_dernier = ce_mois - Months::new(1);
    vec![
        ("Ce mois-ci", ce_mois, aujourdhui),
        ("Le mois dernier", mois_dernier, ce_mois - Duration::days(1)),
        ("12 derniers mois", ce_mois - Months::new(11), aujourdhui),
    ]
}

#[component]
pub fn StatistiquesPage() -> impl IntoView {
    let query = use_query_map();
    let filtres = Memo::new(move |_| {
        let q = query.read();
        let v = |k: &str| q.get(k).filter(|v| !v.is_empty());
        FiltresStatistiques {
            du: v("du"),
            au: v("au"),
            conseiller: v("conseiller"),
            lieu: v("lieu"),
            commune: v("commune"),
            departement: v("departement"),
            type_lieu: v("type_lieu"),
        }
    });
    let data = api::lecture::<Statistiques>(move || format!("/statistiques?{}", filtres.get().query()));
    view! {
        <Titre texte="Statistiques d’activité"/>
        <Filtres filtres=filtres/>
        <Telechargements filtres=filtres/>
        <Transition fallback=|| view! { <Loading label="Calcul des statistiques…"/> }>
            {move || Suspend::new(async move {
                match data.valeur().await {
                    Ok(s) => view! { <Blocs s=s/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Filtres(filtres: Memo<FiltresStatistiques>) -> impl IntoView {
    let navigate = use_navigate();
    let f = filtres.get_untracked();
    let du = RwSignal::new(f.du.clone().unwrap_or_default());
    let au = RwSignal::new(f.au.clone().unwrap_or_default());
    let type_lieu = RwSignal::new(f.type_lieu.clone().unwrap_or_default());
    let departement = RwSignal::new(f.departement.clone().unwrap_or_default());
    let commune = RwSignal::new(f.commune.clone().unwrap_or_default());
    let appliquer = {
        let navigate = navigate.clone();
        move |du: String, au: String| {
            let courant = filtres.get_untracked();
            let f = FiltresStatistiques {
                du: Some(du),
                au: Some(au),
                type_lieu: Some(type_lieu.get_untracked()),
                departement: Some(departement.get_untracked().trim().to_string()),
                commune: Some(commune.get_untracked().trim().to_string()),
                ..courant
            };
            navigate(&format!("/statistiques?{}", f.query()), Default::default());
        }
    };
    let envoyer = {
        let appliquer = appliquer.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            appliquer(du.get_untracked(), au.get_untracked());
        }
    };
    let aujourdhui = crate::horloge::aujourdhui();
    view! {
        <form class="stats-filtres no-print" on:submit=envoyer aria-label="Filtres des statistiques">
            <fieldset class="stats-filtres__periode">
                <legend>"Période"</legend>
                <div class="stats-filtres__raccourcis">
                    {raccourcis(aujourdhui).into_iter().map(|(libelle, d, a)| {
                        let appliquer = appliquer.clone();
                        view! {
                            <button type="button" class="button button--secondary" on:click=move |_| {
                                du.set(iso(d));
                                au.set(iso(a));
                                appliquer(iso(d), iso(a));
                            }>{libelle}</button>
                        }
                    }).collect_view()}
                </div>
                <div class="field">
                    <label for="stats-du">"Du"</label>
                    <input id="stats-du" type="date" prop:value=move || du.get() on:input=move |ev| du.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="stats-au">"Au"</label>
                    <input id="stats-au" type="date" prop:value=move || au.get() on:input=move |ev| au.set(event_target_value(&ev))/>
                </div>
            </fieldset>
            <div class="field">
                <label for="stats-type-lieu">"Type de lieu"</label>
                <select id="stats-type-lieu" on:change=move |ev| type_lieu.set(event_target_value(&ev))>
                    <option value="" selected=move || type_lieu.get().is_empty()>"Tous"</option>
                    {coop::TYPE_LIEU.iter().map(|(v, l)| view! {
                        <option value=*v selected=move || type_lieu.get() == *v>{typographique(l)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="stats-departement">"Département (code)"</label>
                <input id="stats-departement" type="text" inputmode="text" size="4" autocomplete="off"
                    prop:value=move || departement.get() on:input=move |ev| departement.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="stats-commune">"Commune (code INSEE)"</label>
                <input id="stats-commune" type="text" size="6" autocomplete="off"
                    prop:value=move || commune.get() on:input=move |ev| commune.set(event_target_value(&ev))/>
            </div>
            <button type="submit" class="button">"Afficher"</button>
        </form>
    }
}

#[component]
fn Telechargements(filtres: Memo<FiltresStatistiques>) -> impl IntoView {
    let auth = use_auth();
    let role = move || auth.me.get().flatten().map(|m| m.role);
    let lien = move |fichier: &'static str| move || format!("/api/v1/exports/{fichier}?{}", filtres.get().query());
    view! {
        <div class="stats-telechargements no-print">
            <a class="button button--secondary" href=lien("statistiques.xlsx") download="">"Télécharger les statistiques (.xlsx)"</a>
            {move || (role() != Some(Role::Commanditaire)).then(|| view! {
                <a class="button button--secondary" href=lien("activites.xlsx") download="">"Télécharger les activités (.xlsx)"</a>
                <a class="button button--secondary" href=lien("activites.csv") download="">"Télécharger les activités (.csv)"</a>
            })}
            {move || (role() == Some(Role::Coordinateur)).then(|| view! {
                <a class="button button--secondary" href=lien("beneficiaires.xlsx") download="">"Télécharger les bénéficiaires (.xlsx)"</a>
            })}
            <button type="button" class="button button--secondary" on:click=move |_| { let _ = window().print(); }>"Imprimer"</button>
        </div>
    }
}

fn periode(s: &Statistiques) -> String {
    let f = |d: Option<NaiveDate>| d.map(|d| d.format("%d/%m/%Y").to_string());
    match (f(s.periode.du), f(s.periode.au)) {
        (Some(d), Some(a)) => format!("Du {d} au {a}"),
        (Some(d), None) => format!("Depuis le {d}"),
        (None, Some(a)) => format!("Jusqu’au {a}"),
        (None, None) => "Depuis le début".to_string(),
    }
}

#[component]
fn Blocs(s: Statistiques) -> impl IntoView {
    let g = s.generales.clone();
    let vide = g.accompagnements == 0;
    let par_jour = RwSignal::new(false);
    let (mois, jours) = (s.par_mois.clone(), s.par_jour.clone());
    view! {
        <p class="stats-periode">{periode(&s)}</p>
        <section class="stats-bloc" aria-labelledby="stats-generales">
            <h2 id="stats-generales">"Statistiques générales"</h2>
            <dl class="stats-chiffres">
                <div><dt>"Accompagnements"</dt><dd>{g.accompagnements}</dd></div>
                <div><dt>"Bénéficiaires accompagnés"</dt><dd>{g.beneficiaires}</dd></div>
                {g.nouveaux_beneficiaires.map(|n| view! { <div><dt>"Nouveaux bénéficiaires"</dt><dd>{n}</dd></div> })}
                <div><dt>"Accompagnements sur 12 mois"</dt><dd>{g.accompagnements_12_mois}</dd></div>
            </dl>
            <div class="stats-bascule no-print" role="group" aria-label="Découpage du graphique">
                <button type="button" class="button button--secondary" aria-pressed=move || (!par_jour.get()).to_string()
                    on:click=move |_| par_jour.set(false)>"Par mois"</button>
                <button type="button" class="button button--secondary" aria-pressed=move || par_jour.get().to_string()
                    on:click=move |_| par_jour.set(true)>"Par jour"</button>
            </div>
            {move || if par_jour.get() {
                view! { <Histogramme titre="Nombre d’accompagnements par jour (30 derniers jours)" barres=jours.clone()/> }.into_any()
            } else {
                view! { <Histogramme titre="Nombre d’accompagnements par mois (12 derniers mois)" barres=mois.clone()/> }.into_any()
            }}
        </section>
        {if vide {
            view! { <p class="empty">"Aucun accompagnement sur cette période avec ces filtres."</p> }.into_any()
        } else {
            view! {
                <section class="stats-bloc" aria-labelledby="stats-accompagnements">
                    <h2 id="stats-accompagnements">"Statistiques sur les accompagnements"</h2>
                    <Bloc titre="Thématiques Médiation numérique" lignes=sans_zero(&s.thematiques) limite=None/>
                    <Bloc titre="Thématiques Démarches administratives" lignes=sans_zero(&s.thematiques_demarches) limite=None/>
                    <Bloc titre="Matériel utilisé" lignes=s.materiel.clone() limite=None/>
                    <Bloc titre="Canaux des activités" lignes=s.canaux.clone() limite=None/>
                    <Bloc titre="Durées des activités" lignes=s.durees.clone() limite=None/>
                    <Bloc titre="Nombre d’activités par lieu" lignes=s.lieux.clone() limite=Some(5)/>
                    <Bloc titre="Nombre d’activités par commune" lignes=s.communes.clone() limite=Some(5)/>
                    {s.par_conseiller.clone().map(|l| view! { <Bloc titre="Accompagnements par conseiller" lignes=l limite=None/> })}
                </section>
                <section class="stats-bloc" aria-labelledby="stats-beneficiaires">
                    <h2 id="stats-beneficiaires">"Statistiques sur les bénéficiaires"</h2>
                    <Bloc titre="Genre" lignes=s.beneficiaires.genres.clone() limite=None/>
                    <Bloc titre="Tranches d’âge" lignes=s.beneficiaires.tranches_age.clone() limite=None/>
                    <Bloc titre="Statuts" lignes=s.beneficiaires.statuts.clone() limite=None/>
                    <Bloc titre="Commune de résidence" lignes=s.beneficiaires.communes.clone() limite=Some(5)/>
                </section>
            }.into_any()
        }}
        <Carnet s=s/>
    }
}

fn sans_zero(l: &[Ligne]) -> Vec<Ligne> {
    l.iter().filter(|l| l.nombre > 0).cloned().collect()
}

/// Vertical bars over time, and the table of the same numbers.
#[component]
fn Histogramme(titre: &'static str, barres: Vec<Barre>) -> impl IntoView {
    let max = barres.iter().map(|b| b.nombre).max().unwrap_or(0).max(1) as f64;
    let n = barres.len().max(1) as f64;
    let (w, h) = (600.0, 160.0);
    let pas = w / n;
    let total: u64 = barres.iter().map(|b| b.nombre).sum();
    let resume = format!("{titre} : {total} au total.");
    view! {
        <figure class="stats-figure">
            <figcaption class="chart__title">{titre}</figcaption>
            <svg class="stats-svg" viewBox=format!("0 0 {w} {}", h + 24.0) role="img" aria-label=resume preserveAspectRatio="none">
                {barres.iter().enumerate().map(|(i, b)| {
                    let bh = b.nombre as f64 / max * h;
                    let x = i as f64 * pas;
                    view! {
                        <rect class="stats-svg__barre" x=x + pas * 0.15 y=h - bh width=pas * 0.7 height=bh></rect>
                        <text class="stats-svg__axe" x=x + pas / 2.0 y=h + 16.0 text-anchor="middle">{b.libelle.clone()}</text>
                    }
                }).collect_view()}
            </svg>
        </figure>
        <div class="table-wrap" tabindex="0" role="region" aria-label=format!("Tableau : {titre}")>
            <table class="table table--compact stats-table">
                <caption class="visually-hidden">{titre}</caption>
                <thead><tr><th scope="col">"Période"</th><th scope="col" class="num">"Accompagnements"</th></tr></thead>
                <tbody>
                    {barres.into_iter().map(|b| view! {
                        <tr><th scope="row">{b.libelle}</th><td class="num">{b.nombre}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// One block: horizontal bars (SVG) and the table of the same numbers; with a limit, the first
/// lines, then all on request.
#[component]
fn Bloc(titre: &'static str, lignes: Vec<Ligne>, limite: Option<usize>) -> impl IntoView {
    let tout = RwSignal::new(false);
    let trop = limite.is_some_and(|l| lignes.len() > l);
    let lignes = StoredValue::new(lignes);
    let visibles = move || {
        let l = lignes.get_value();
        match limite {
            Some(n) if !tout.get() => l.into_iter().take(n).collect::<Vec<_>>(),
            _ => l,
        }
    };
    view! {
        <figure class="stats-figure stats-figure--bloc">
            <figcaption class="chart__title">{titre}</figcaption>
            {move || {
                let l = visibles();
                if l.is_empty() {
                    return view! { <p class="empty">"Aucune donnée."</p> }.into_any();
                }
                let ligne_h = 28.0;
                let h = l.len() as f64 * ligne_h;
                let resume = l.iter().map(|x| format!("{} : {} %", x.libelle, x.pourcentage)).collect::<Vec<_>>().join(", ");
                view! {
                    <svg class="stats-svg" viewBox=format!("0 0 100 {h}") role="img" aria-label=format!("{titre}. {resume}") preserveAspectRatio="none"
                        style=format!("height: {}px", l.len() * 28)>
                        {l.iter().enumerate().map(|(i, x)| view! {
                            <rect class="stats-svg__fond" x="0" y=i as f64 * ligne_h + 6.0 width="100" height=ligne_h - 12.0></rect>
                            <rect class="stats-svg__barre" x="0" y=i as f64 * ligne_h + 6.0 width=x.pourcentage height=ligne_h - 12.0></rect>
                        }).collect_view()}
                    </svg>
                    <div class="table-wrap" tabindex="0" role="region" aria-label=format!("Tableau : {titre}")>
                        <table class="table table--compact stats-table">
                            <caption class="visually-hidden">{titre}</caption>
                            <thead><tr>
                                <th scope="col">"Libellé"</th>
                                <th scope="col" class="num">"Nombre"</th>
                                <th scope="col" class="num">"%"</th>
                            </tr></thead>
                            <tbody>
                                {l.into_iter().map(|x| view! {
                                    <tr><th scope="row">{x.libelle}</th><td class="num">{x.nombre}</td><td class="num">{format!("{} %", x.pourcentage)}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {trop.then(|| view! {
                <button type="button" class="button button--link no-print" aria-expanded=move || tout.get().to_string()
                    on:click=move |_| tout.update(|t| *t = !*t)>
                    {move || if tout.get() { "Voir les 5 premiers" } else { "Voir tous" }}
                </button>
            })}
        </figure>
    }
}

/// What only Carnet knows: passes, parcours, skills.
#[component]
fn Carnet(s: Statistiques) -> impl IntoView {
    let c = s.carnet;
    let resume_progression = c
        .progression_competences
        .iter()
        .map(|d| format!("{} : {} %", d.titre, d.pourcentage))
        .collect::<Vec<_>>()
        .join(", ");
    let mediane =
        c.mediane_seances_par_parcours.map(|m| format!("{m}").replace('.', ",")).unwrap_or_else(|| "—".into());
    view! {
        <section class="stats-bloc" aria-labelledby="stats-carnet">
            <h2 id="stats-carnet">"Pass numérique et parcours"</h2>
            <dl class="stats-chiffres">
                <div><dt>"Pass consommés"</dt><dd>{c.passes_total}</dd></div>
                <div><dt>"Valeur des pass"</dt><dd>{format_euros(c.valeur_totale_centimes)}</dd></div>
                <div><dt>"Parcours ouverts"</dt><dd>{c.parcours_ouverts}</dd></div>
                <div><dt>"Parcours terminés"</dt><dd>{c.parcours_termines}</dd></div>
                <div><dt>"Parcours abandonnés"</dt><dd>{c.parcours_abandonnes}</dd></div>
                <div><dt>"Séances par parcours terminé (médiane)"</dt><dd>{mediane}</dd></div>
            </dl>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau : pass consommés par mois">
                <table class="table table--compact stats-table">
                    <caption>"Pass consommés par mois"</caption>
                    <thead><tr><th scope="col">"Mois"</th><th scope="col" class="num">"Pass"</th><th scope="col" class="num">"Valeur"</th></tr></thead>
                    <tbody>
                        {c.passes_par_mois.into_iter().map(|m| view! {
                            <tr><th scope="row">{m.mois}</th><td class="num">{m.nombre}</td><td class="num">{format_euros(m.valeur_centimes)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <figure class="stats-figure">
                <figcaption class="chart__title">"Compétences en progression entre le premier et le dernier diagnostic (parcours terminés)"</figcaption>
                <svg class="stats-svg" viewBox=format!("0 0 100 {}", c.progression_competences.len() * 28) role="img" preserveAspectRatio="none"
                    style=format!("height: {}px", c.progression_competences.len() * 28)
                    aria-label=resume_progression>
                    {c.progression_competences.iter().enumerate().map(|(i, d)| view! {
                        <rect class="stats-svg__fond" x="0" y=i * 28 + 6 width="100" height="16"></rect>
                        <rect class="stats-svg__barre" x="0" y=i * 28 + 6 width=d.pourcentage height="16"></rect>
                    }).collect_view()}
                </svg>
                <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau : compétences en progression">
                    <table class="table table--compact stats-table">
                        <caption class="visually-hidden">"Compétences en progression par domaine"</caption>
                        <thead><tr>
                            <th scope="col">"Domaine"</th>
                            <th scope="col" class="num">"Évaluées"</th>
                            <th scope="col" class="num">"En progression"</th>
                            <th scope="col" class="num">"%"</th>
                        </tr></thead>
                        <tbody>
                            {c.progression_competences.into_iter().map(|d| view! {
                                <tr>
                                    <th scope="row">{format!("{}. {}", d.code, d.titre)}</th>
                                    <td class="num">{d.evaluees}</td>
                                    <td class="num">{d.en_progression}</td>
                                    <td class="num">{format!("{} %", d.pourcentage)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </figure>
        </section>
    }
}
