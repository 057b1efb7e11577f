//! `/lieux/couverture`: for hubs, per département, the passes in circulation against the venues
//! that accept them and the candidates in the pipeline — a choropleth map and the same data as a
//! table.

use super::nombre;
use crate::api;
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use crate::leaflet::{self as l, obj};
use carnet_domain::lieux::api::{Couverture, CouvertureDepartement};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashMap;

/// The classes of the map, from the least to the best covered: (label, fill colour).
const CLASSES: [(&str, &str); 5] = [
    ("Des pass en circulation, aucun lieu qui les accepte", "#b91c1c"),
    ("Plus de 50 pass par lieu qui les accepte", "#f97316"),
    ("De 10 à 50 pass par lieu", "#facc15"),
    ("Moins de 10 pass par lieu", "#16a34a"),
    ("Aucun pass en circulation", "#e2e8f0"),
];

fn classe(d: &CouvertureDepartement) -> usize {
    if d.pass_en_circulation == 0 {
        4
    } else if d.lieux_pass == 0 {
        0
    } else {
        let r = d.pass_en_circulation as f64 / d.lieux_pass as f64;
        if r > 50.0 {
            1
        } else if r >= 10.0 {
            2
        } else {
            3
        }
    }
}

#[component]
pub fn CouverturePage() -> impl IntoView {
    let data = LocalResource::new(api::couverture);
    view! {
        <Titre texte="Couverture du territoire"/>
        <p class="lead">"Par département : les pass numériques en circulation (remis à des personnes, pas encore utilisés, encore valables), "
            "les lieux qui les acceptent, et les lieux candidats en cours d'agrément."</p>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(c) => view! { <Vue c=c/> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Vue(c: Couverture) -> impl IntoView {
    let node = NodeRef::<html::Div>::new();
    let par_code: HashMap<String, usize> = c.departements.iter().map(|d| (d.code.clone(), classe(d))).collect();
    let carte = StoredValue::new_local(None::<l::Map>);
    Effect::new(move |_| {
        let Some(el) = node.get() else { return };
        if carte.with_value(|c| c.is_some()) {
            return;
        }
        let par_code = par_code.clone();
        spawn_local(async move {
            if l::charger().await.is_err() {
                return;
            }
            let map = l::new_map(&el, &l::options_carte());
            l::zoom_fr(&map);
            l::metropole(&map);
            if let Ok(data) = api::json_statique("/zone-lieux/geo/departements.geojson").await {
                let style = l::style_fn(move |f| {
                    let code = l::propriete(f, "code");
                    let fill = par_code.get(&code).map(|k| CLASSES[*k].1).unwrap_or("#ffffff");
                    obj(&[
                        ("color", "#475569".into()),
                        ("weight", 0.8.into()),
                        ("fillColor", fill.into()),
                        ("fillOpacity", (if par_code.contains_key(&code) { 0.85 } else { 0.3 }).into()),
                    ])
                });
                let layer = l::geo_json(
                    &data,
                    &obj(&[("style", style.into()), ("attribution", "Contours : IGN, Licence Ouverte".into())]),
                );
                layer.add_to(&map);
            }
            carte.set_value(Some(map));
        });
    });
    on_cleanup(move || {
        carte.with_value(|c| {
            if let Some(m) = c {
                m.remove()
            }
        })
    });

    let lignes = c.departements.clone();
    view! {
        <div class="grid-2 couverture">
            <div>
                <div class="carte carte--couverture" node_ref=node role="region"
                    aria-label="Carte de la couverture par département ; le tableau à côté donne les mêmes chiffres."></div>
                <ul class="legende">
                    {CLASSES.iter().map(|(label, color)| view! {
                        <li><span class="cle" style=format!("background:{color}")></span>{*label}</li>
                    }).collect_view()}
                </ul>
            </div>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau de la couverture">
                <table class="table">
                    <caption>"Couverture par département"</caption>
                    <thead><tr>
                        <th scope="col">"Département"</th>
                        <th scope="col">"Pass en circulation"</th>
                        <th scope="col">"Lieux acceptant le Pass"</th>
                        <th scope="col">"Pass par lieu"</th>
                        <th scope="col">"Lieux candidats en cours"</th>
                        <th scope="col">"Tous lieux"</th>
                    </tr></thead>
                    <tbody>
                        {lignes.into_iter().filter(|d| d.pass_en_circulation + d.lieux + d.candidats_en_cours > 0 || c.departements.len() <= 20).map(|d| {
                            let ratio = if d.lieux_pass > 0 { format!("{:.1}", d.pass_en_circulation as f64 / d.lieux_pass as f64).replace('.', ",") } else if d.pass_en_circulation > 0 { "aucun lieu".into() } else { "—".into() };
                            view! {
                                <tr>
                                    <th scope="row">{format!("{} ({})", d.nom, d.code)}</th>
                                    <td>{nombre(d.pass_en_circulation)}</td>
                                    <td>{nombre(d.lieux_pass)}</td>
                                    <td>{ratio}</td>
                                    <td>{nombre(d.candidats_en_cours)}</td>
                                    <td>{nombre(d.lieux)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
        <p class="hint">"Pass en circulation : pass des carnets remis à des bénéficiaires, non validés, dont la fin de validité n'est pas passée, "
            "comptés dans le département de la commune de la personne (ou de sa structure si elle n'en a pas indiqué)."</p>
    }
}
