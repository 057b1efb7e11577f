//! `/`: the conseiller's dashboard — today's sessions and the next ones, each parcours with its
//! progress and the step to resume, the structure's beneficiaries (searchable), and the way
//! into a new parcours.

use crate::api;
use crate::app::use_auth;
use crate::components::page::Titre;
use crate::components::pagination::{use_page, use_premiere_page, Pagination};
use crate::components::{ErrorNotice, Loading};
use carnet_domain::api::{BeneficiaireSummary, Page};
use carnet_domain::parcours::etapes::Etape;
use carnet_domain::parcours::planning::heure;
use carnet_domain::parcours::{ParcoursSuivi, SeanceAgenda, TableauDeBord};
use carnet_domain::paris::date_longue;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Dashboard() -> impl IntoView {
    let auth = use_auth();
    let prenom = move || auth.me.get().flatten().map(|m| m.prenom).unwrap_or_default();
    let q = RwSignal::new(String::new());
    let page = use_page();
    let premiere_page = use_premiere_page();
    // The first of these reads, with the session and the agenda, may come with the page (see
    // `carnet_domain::lectures::accueil`).
    let list = api::lecture::<Page<BeneficiaireSummary>>(move || {
        carnet_domain::lectures::beneficiaires(&api::encode(&q.get()), page.get())
    });

    view! {
        <div class="page-head">
            <Titre texte={move || format!("Bonjour {}", prenom())} onglet="Tableau de bord"/>
            <A href="/parcours/nouveau" attr:class="button">"Nouveau parcours"</A>
        </div>
        <Suivi/>

        <section aria-labelledby="beneficiaires-title" class="panel">
            <h2 id="beneficiaires-title">"Bénéficiaires de la structure"</h2>
            <form class="search" role="search" on:submit=|ev| ev.prevent_default()>
                <label for="recherche">"Rechercher par prénom ou alias"</label>
                <input id="recherche" type="search" autocomplete="off"
                    prop:value=move || q.get()
                    on:input=move |ev| { q.set(event_target_value(&ev)); premiere_page(); }/>
            </form>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match list.valeur().await {
                        Ok(p) => view! { <BeneficiaireTable page=p searching=!q.get_untracked().trim().is_empty()/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn BeneficiaireTable(page: Page<BeneficiaireSummary>, searching: bool) -> impl IntoView {
    if page.items.is_empty() {
        return if searching {
            view! { <p class="empty" role="status">"Aucun bénéficiaire ne correspond à cette recherche."</p> }
                .into_any()
        } else {
            view! {
                <div class="empty">
                    <p>"Aucun bénéficiaire pour l'instant."</p>
                    <p>"Commencez par un nouveau parcours : l'accueil enregistre la personne et son carnet."</p>
                </div>
            }
            .into_any()
        };
    }
    let pages = page.page_count();
    let n = page.page;
    let total = page.total;
    view! {
        <p class="count" role="status">{format!("{total} bénéficiaire{}", if total > 1 { "s" } else { "" })}</p>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des bénéficiaires">
            <table class="table">
                <caption class="visually-hidden">"Bénéficiaires, du plus récent au plus ancien"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Prénom ou alias"</th>
                        <th scope="col">"Année de naissance"</th>
                        <th scope="col">"Commune"</th>
                        <th scope="col">"Parcours"</th>
                        <th scope="col">"Accueilli le"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.items.into_iter().map(|b| {
                        let progress = match (b.parcours_id, b.parcours_etat.as_deref()) {
                            (Some(_), Some("termine")) => format!("Terminé ({}/{} pass)", b.passes_utilises, b.passes_total),
                            (Some(_), _) => format!("En cours : {}/{} pass utilisés", b.passes_utilises, b.passes_total),
                            _ => "Aucun".to_string(),
                        };
                        let href = b.parcours_id.map(|p| format!("/parcours/{p}")).unwrap_or_else(|| format!("/beneficiaires/{}", b.id));
                        view! {
                            <tr>
                                <th scope="row"><a href=format!("/beneficiaires/{}", b.id)>{b.prenom}</a></th>
                                <td>{b.annee_naissance.map(|y| y.to_string()).unwrap_or_else(|| "—".into())}</td>
                                <td>{b.commune.unwrap_or_else(|| "—".into())}</td>
                                <td><a href=href>{progress}</a></td>
                                <td>{carnet_domain::paris::date_courte(crate::horloge::today(b.created_at))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pagination page=n pages=pages label="Pages de la liste des bénéficiaires"/>
    }
    .into_any()
}

#[component]
fn Suivi() -> impl IntoView {
    let data = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        let _ = data.try_set(Some(api::tableau_de_bord().await));
    });
    move || match data.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Ok(t)) => view! { <Agenda t=t/> }.into_any(),
        Some(Err(e)) => view! { <ErrorNotice error=e/> }.into_any(),
    }
}

fn ligne_agenda(s: SeanceAgenda, avec_jour: bool) -> impl IntoView {
    let quand = if avec_jour {
        format!("{}, {}", date_longue(s.debut.date()), heure(s.debut.time()))
    } else {
        format!("{} – {}", heure(s.debut.time()), heure(s.fin.time()))
    };
    let quoi = match (s.numero, &s.theme) {
        (Some(k), Some(t)) => format!("séance {k}/{} : {t}", s.nb_passes),
        (Some(k), None) => format!("séance {k}/{}", s.nb_passes),
        (None, _) => s.statut.libelle().to_lowercase(),
    };
    view! {
        <li class="agenda__item">
            <span class="agenda__quand">{quand}</span>
            <a href=format!("/parcours/{}/seances/{}", s.parcours_id, s.seance_id)>{format!("{} — {quoi}", s.prenom)}</a>
            {(s.statut != carnet_domain::parcours::seance::StatutSeance::Prevue).then(|| crate::pages::seances::statut_badge(s.statut))}
            {s.prevenu_par_personne.then(|| view! { <span class="badge">"prévenu(e) par la personne"</span> })}
        </li>
    }
}

/// What needs the conseillère, at the top: each line opens the session where it is dealt with.
#[component]
fn ATraiterListe(liste: Vec<carnet_domain::parcours::ATraiter>) -> impl IntoView {
    let n = liste.len();
    view! {
        <section class="panel a-traiter" aria-labelledby="a-traiter-title">
            <h2 id="a-traiter-title">{format!("À traiter ({n})")}</h2>
            {if liste.is_empty() {
                view! { <p class="empty">"Rien à traiter : absences, séances passées et comptes rendus sont à jour."</p> }.into_any()
            } else {
                view! {
                    <ul class="agenda">
                        {liste.into_iter().map(|a| view! {
                            <li class="agenda__item">
                                <span class="agenda__quand">{format!("{}, {}", date_longue(a.debut.date()), carnet_domain::parcours::planning::heure(a.debut.time()))}</span>
                                <a href=format!("/parcours/{}/seances/{}", a.parcours_id, a.seance_id)>{format!("{} — {}", a.prenom, a.motif.libelle())}</a>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Agenda(t: TableauDeBord) -> impl IntoView {
    let jour = date_longue(t.aujourdhui);
    view! {
        <ATraiterListe liste=t.a_traiter.clone()/>
        <div class="grid-2">
            <section class="panel" aria-labelledby="jour-title">
                <h2 id="jour-title">{format!("Aujourd'hui, {jour}")}</h2>
                <p><A href="/journee">"Liste du jour à imprimer"</A></p>
                {if t.seances_du_jour.is_empty() {
                    view! { <p class="empty">"Pas de séance aujourd'hui."</p> }.into_any()
                } else {
                    view! { <ul class="agenda">{t.seances_du_jour.into_iter().map(|s| ligne_agenda(s, false)).collect_view()}</ul> }.into_any()
                }}
            </section>
            <section class="panel" aria-labelledby="prochaines-title">
                <h2 id="prochaines-title">"Prochaines séances"</h2>
                {if t.prochaines_seances.is_empty() {
                    view! { <p class="empty">"Rien de prévu dans les deux semaines."</p> }.into_any()
                } else {
                    view! { <ul class="agenda">{t.prochaines_seances.into_iter().map(|s| ligne_agenda(s, true)).collect_view()}</ul> }.into_any()
                }}
            </section>
        </div>
        <section class="panel" aria-labelledby="parcours-title">
            <h2 id="parcours-title">"Parcours"</h2>
            {if t.parcours.is_empty() {
                view! { <p class="empty">"Aucun parcours : commencez par un nouveau parcours."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des parcours">
                        <table class="table">
                            <caption class="visually-hidden">"Vos parcours, en cours puis terminés"</caption>
                            <thead><tr>
                                <th scope="col">"Personne"</th>
                                <th scope="col">"Séances tenues"</th>
                                <th scope="col">"Prochaine séance"</th>
                                <th scope="col">"Objectifs atteints"</th>
                                <th scope="col">"Étape"</th>
                            </tr></thead>
                            <tbody>{t.parcours.into_iter().map(ligne_parcours).collect_view()}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

fn ligne_parcours(p: ParcoursSuivi) -> impl IntoView {
    let etape = Etape::parse(&p.etape).unwrap_or(Etape::Diagnostic);
    let termine = p.etat == "termine";
    let objectifs = if p.objectifs_total == 0 {
        "—".to_string()
    } else if termine {
        format!("{} sur {}", p.objectifs_atteints, p.objectifs_total)
    } else {
        format!("{} fixés", p.objectifs_total)
    };
    view! {
        <tr>
            <th scope="row"><a href=format!("/parcours/{}", p.id)>{p.prenom.clone()}</a></th>
            <td>
                <progress max=p.nb_passes value=p.seances_tenues aria-label=format!("Séances tenues par {}", p.prenom)></progress>
                {format!(" {}/{}", p.seances_tenues, p.nb_passes)}
            </td>
            <td>{p.prochaine_seance.map(|d| format!("{}, {}", date_longue(d.date()), heure(d.time()))).unwrap_or_else(|| "—".into())}</td>
            <td>{objectifs}</td>
            <td>{if termine {
                view! { <a href=format!("/parcours/{}/bilan/imprimer", p.id)>"Terminé : bilan"</a> }.into_any()
            } else {
                view! { <a href=crate::components::stepper::href(p.id, etape)>{format!("Reprendre : {}", etape.libelle())}</a> }.into_any()
            }}</td>
        </tr>
    }
}
