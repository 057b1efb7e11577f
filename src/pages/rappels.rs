//! Session reminders as the staff see them. `/rappels` (coordinateur): when the structure's
//! reminders go (24 h, 48 h, none) and the reminders that failed. On the sessions page of a
//! parcours, one line per session says whether its reminder went out or failed (`Etat`).

use crate::api;
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use carnet_domain::rappels::{canal_libelle, DelaiRappel, EchecRappel, EtatRappel, ReglageRappelsRequest};
use leptos::prelude::*;

/// The reminders of a parcours' sessions, loaded once for the sessions page.
pub fn charger(parcours: i64) -> api::Lecture<Vec<EtatRappel>> {
    api::lecture(move || format!("/parcours/{parcours}/rappels"))
}

/// One session's reminders, in words (nothing when none was due yet).
#[component]
pub fn Etat(etats: api::Lecture<Vec<EtatRappel>>, seance: i64) -> impl IntoView {
    move || {
        etats.get().map(|list| {
            list.unwrap_or_default()
                .into_iter()
                .filter(|e| e.seance_id == seance)
                .map(|e| {
                    let classe = match e.etat.as_str() {
                        "envoye" => "badge badge--done",
                        "echec" => "badge badge--warn",
                        _ => "badge",
                    };
                    view! { <span class=classe>{e.texte}</span> }
                })
                .collect_view()
        })
    }
}

#[component]
pub fn RappelsPage() -> impl IntoView {
    let echecs = api::lecture::<Vec<EchecRappel>>(|| "/rappels/echecs".into());
    view! {
        <Titre texte="Rappels de séances"/>
        <p class="lead">"Les personnes qui l'ont accepté reçoivent un e-mail et un SMS avant chaque séance (jamais entre 21 h et 8 h). Elles peuvent les arrêter depuis leur espace."</p>
        <Reglage/>
        <h2>"Rappels non envoyés (30 derniers jours)"</h2>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match echecs.valeur().await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">"Aucun échec : tous les rappels sont partis."</p> }.into_any(),
                    Ok(list) => view! { <Echecs list=list/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Echecs(list: Vec<EchecRappel>) -> impl IntoView {
    view! {
        <table class="table">
            <caption class="visually-hidden">"Rappels non envoyés"</caption>
            <thead><tr><th scope="col">"Séance"</th><th scope="col">"Canal"</th><th scope="col">"Essais"</th><th scope="col">"Dernière réponse"</th><th scope="col">"Dernier essai"</th></tr></thead>
            <tbody>
                {list.into_iter().map(|e| view! {
                    <tr>
                        <td><a href=format!("/parcours/{}/seances", e.parcours_id)>{format!("Parcours n°{} — {}", e.parcours_id, e.seance)}</a></td>
                        <td>{canal_libelle(&e.canal).trim_start_matches("par ").to_string()}</td>
                        <td>{e.tentatives}</td>
                        <td>{e.reponse}</td>
                        <td>{e.le}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The structure's choice, saved at once.
#[component]
fn Reglage() -> impl IntoView {
    let actuel = api::lecture::<carnet_domain::rappels::ReglageRappels>(|| "/structure/rappels".into());
    let statut = RwSignal::new(None::<String>);
    let erreur = RwSignal::new(None::<String>);
    let choisir = move |d: DelaiRappel| {
        leptos::task::spawn_local(async move {
            let req = ReglageRappelsRequest { delai: d.code().to_string() };
            match api::put::<_, carnet_domain::rappels::ReglageRappels>("/structure/rappels", &req).await {
                Ok(r) => {
                    erreur.set(None);
                    statut.set(Some(format!("Enregistré : {}.", r.delai.libelle().to_lowercase())));
                }
                Err(e) => erreur.set(Some(e.message())),
            }
        });
    };
    view! {
        <fieldset class="panel">
            <legend>"Quand envoyer le rappel ?"</legend>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    let courant = actuel.valeur().await.map(|r| r.delai).unwrap_or_default();
                    view! {
                        <div class="radios">
                            {DelaiRappel::TOUS.into_iter().map(|d| view! {
                                <label class="radio">
                                    <input type="radio" name="delai" value=d.code() checked=d == courant
                                        on:change=move |_| choisir(d)/>
                                    {d.libelle()}
                                </label>
                            }).collect_view()}
                        </div>
                    }
                })}
            </Transition>
            <p class="notice notice--success" role="status" class:hidden=move || statut.get().is_none()>{move || statut.get()}</p>
            {move || erreur.get().map(|m| view! { <p class="notice notice--error" role="alert">{m}</p> })}
        </fieldset>
    }
}
