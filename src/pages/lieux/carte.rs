//! `/lieux`: the map of venues and, beside it, the list of the same venues (the keyboard and
//! screen-reader way to reach them). Both follow the same filters; the server aggregates.

use super::{nombre, pluriel, BadgePass};
use crate::api;
use crate::components::brouillon;
use crate::components::page::Titre;
use crate::components::pagination::{use_page, use_premiere_page, Pagination};
use crate::components::{ErrorNotice, Loading};
use crate::leaflet::{self as l, obj};
use carnet_domain::lieux::api::{CarteReponse, FiltresLieux, Vue};
use carnet_domain::lieux::vocabulaire::{V1_DISPOSITIFS, V1_PRISE_EN_CHARGE, V1_PUBLICS, V1_SERVICES};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::{JsCast, JsValue};

const CLE_FILTRES: &str = "carnet.carte.filtres";
const CLE_VUE: &str = "carnet.carte.vue";

#[component]
pub fn CartePage() -> impl IntoView {
    // The filters and the view last used in this tab: a reload or Back finds the map as it was.
    let filtres = RwSignal::new(brouillon::lire::<FiltresLieux>(CLE_FILTRES).unwrap_or_default());
    let vue = RwSignal::new(None::<Vue>);
    Effect::new(move |_| brouillon::ecrire(CLE_FILTRES, &filtres.get()));
    Effect::new(move |_| {
        if let Some(v) = vue.get() {
            brouillon::ecrire(CLE_VUE, &v);
        }
    });
    let page = use_page();
    let donnees = RwSignal::new(None::<CarteReponse>);
    let erreur_carte = RwSignal::new(None::<String>);
    // Other filters, or the map moved by the person, show another list: back to its first page.
    // The map's first view (at load, and after a reload on page 3) leaves the page as it is.
    let premiere_page = use_premiere_page();
    Effect::new(move |avant: Option<(FiltresLieux, Option<Vue>)>| {
        let maintenant = (filtres.get(), vue.get());
        if let Some((f, v)) = avant {
            if f != maintenant.0 || (v.is_some() && v != maintenant.1) {
                premiere_page();
            }
        }
        maintenant
    });
    let liste = LocalResource::new(move || {
        let f = filtres.get();
        let v = vue.get();
        let p = page.get();
        async move { api::lieux(&f, v.as_ref(), p).await }
    });

    view! {
        <div class="page-head">
            <Titre texte="Lieux de médiation numérique"/>
            <A href="/lieux/candidats" attr:class="button button--secondary">"Lieux candidats à l'agrément"</A>
        </div>
        <Filtres filtres=filtres/>
        <div class="carte-et-liste">
            <div class="carte-zone">
                // The map takes many Tab presses: one link jumps over it to the same venues, listed.
                <a class="passer-carte" href="#liste-titre" on:click=|ev: leptos::ev::MouseEvent| {
                    if let Some(h) = document().get_element_by_id("liste-titre") {
                        ev.prevent_default();
                        crate::components::page::focus_element(&h);
                    }
                }>"Passer la carte : aller à la liste des lieux"</a>
                <Carte filtres=filtres vue=vue donnees=donnees erreur=erreur_carte/>
                <Legende donnees=donnees erreur=erreur_carte/>
            </div>
            <section class="liste-lieux panel" aria-labelledby="liste-titre">
                <Transition fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match liste.await {
                            Ok(p) => {
                                let total = p.total;
                                let pages = p.page_count();
                                let n = p.page;
                                view! {
                                    <h2 id="liste-titre" aria-live="polite">
                                        {if vue.get_untracked().is_some() { format!("{} dans la zone affichée", pluriel(total, "lieu", "lieux")) } else { pluriel(total, "lieu", "lieux") }}
                                    </h2>
                                    {if p.items.is_empty() {
                                        view! { <p class="empty">"Aucun lieu ne correspond à ces critères dans cette zone. Élargissez la carte ou retirez un filtre."</p> }.into_any()
                                    } else {
                                        view! {
                                            <ol class="lieux">
                                                {p.items.into_iter().map(|l| view! {
                                                    <li class="lieu-item">
                                                        <a href=format!("/lieux/{}", l.id) class="lieu-item__nom">{l.nom}</a>
                                                        <span class="lieu-item__adresse">{format!("{}, {} {}", l.adresse, l.code_postal, l.commune)}</span>
                                                        <span class="lieu-item__etat">
                                                            <BadgePass accepte=l.accepte_pass/>
                                                            {l.ouvert.map(|o| view! { <span class=if o { "badge badge--ouvert" } else { "badge" }>{if o { "Ouvert maintenant" } else { "Fermé maintenant" }}</span> })}
                                                        </span>
                                                    </li>
                                                }).collect_view()}
                                            </ol>
                                        }.into_any()
                                    }}
                                    <Pagination page=n pages=pages label="Pages de la liste des lieux"/>
                                }.into_any()
                            }
                            Err(e) => view! { <h2 id="liste-titre">"Liste des lieux"</h2><ErrorNotice error=e/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

/// The choices of a filter, the one in force (restored from the tab) selected.
fn options(values: &'static [&'static str], choisi: &str) -> impl IntoView {
    values.iter().map(|v| view! { <option value=*v selected=*v == choisi>{*v}</option> }).collect_view()
}

#[component]
fn Filtres(filtres: RwSignal<FiltresLieux>) -> impl IntoView {
    let initial = filtres.get_untracked();
    let texte = RwSignal::new(initial.q.clone());
    // Text is applied after a short pause in typing, not at each key.
    let generation = StoredValue::new(0u32);
    Effect::new(move |_| {
        let t = texte.get();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        set_timeout(
            move || {
                if generation.try_get_value() == Some(mine) && filtres.try_with_untracked(|f| f.q != t) == Some(true) {
                    filtres.try_update(|f| f.q = t.clone());
                }
            },
            std::time::Duration::from_millis(300),
        );
    });
    view! {
        <form class="filtres panel" role="search" aria-label="Filtrer les lieux" on:submit=|ev| ev.prevent_default()>
            <div class="field">
                <label for="f-q">"Nom, commune ou adresse"</label>
                <input id="f-q" type="search" autocomplete="off" prop:value=move || texte.get()
                    on:input=move |ev| texte.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="f-service">"Service"</label>
                <select id="f-service" on:change=move |ev| filtres.update(|f| f.service = event_target_value(&ev))>
                    <option value="">"Tous les services"</option>
                    {options(V1_SERVICES.valeurs, &initial.service)}
                </select>
            </div>
            <div class="field">
                <label for="f-programme">"Programme national"</label>
                <select id="f-programme" on:change=move |ev| filtres.update(|f| f.programme = event_target_value(&ev))>
                    <option value="">"Tous"</option>
                    {options(V1_DISPOSITIFS.valeurs, &initial.programme)}
                </select>
            </div>
            <div class="field">
                <label for="f-public">"Public"</label>
                <select id="f-public" on:change=move |ev| filtres.update(|f| f.public = event_target_value(&ev))>
                    <option value="">"Tous publics"</option>
                    <optgroup label="Publics spécifiquement adressés">{options(V1_PUBLICS.valeurs, &initial.public)}</optgroup>
                    <optgroup label="Prise en charge spécifique">{options(V1_PRISE_EN_CHARGE.valeurs, &initial.public)}</optgroup>
                </select>
            </div>
            <div class="filtres__cases">
                <label class="case"><input type="checkbox" id="f-pass" checked=initial.pass
                    on:change=move |ev| filtres.update(|f| f.pass = event_target_checked(&ev))/>"Accepte le Pass numérique"</label>
                <label class="case"><input type="checkbox" id="f-ouvert" checked=initial.ouvert
                    on:change=move |ev| filtres.update(|f| f.ouvert = event_target_checked(&ev))/>"Ouvert maintenant"</label>
            </div>
        </form>
    }
}

#[component]
fn Legende(donnees: RwSignal<Option<CarteReponse>>, erreur: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <div class="carte-legende">
            {move || erreur.get().map(|e| view! { <p class="notice notice--error" role="alert">{e}</p> })}
            {move || donnees.get().map(|d| {
                let niveau = match d.niveau.as_str() {
                    "regions" => "par région",
                    "departements" => "par département",
                    "grappes" => "regroupés par proximité",
                    _ => "un par un",
                };
                view! {
                    <p role="status" class="carte-total">
                        {format!("{} {} aux filtres ; {} dans la vue, {niveau}.",
                            pluriel(d.total as i64, "lieu", "lieux"), if d.total > 1 { "correspondent" } else { "correspond" },
                            nombre(d.dans_vue as i64))}
                    </p>
                    <p class="carte-cles"><span class="cle cle--pass"></span>"accepte le Pass numérique"
                        <span class="cle cle--autre"></span>"autre lieu"</p>
                    {(!d.outre_mer.is_empty()).then(|| view! {
                        <details class="outre-mer">
                            <summary>"Outre-mer"</summary>
                            <ul>
                                {d.outre_mer.into_iter().map(|z| view! {
                                    <li>{format!("{} : {} (dont {} acceptant le Pass)", z.nom, pluriel(z.n as i64, "lieu", "lieux"), nombre(z.pass as i64))}</li>
                                }).collect_view()}
                            </ul>
                        </details>
                    })}
                }
            })}
        </div>
    }
}

fn vue_of(map: &l::Map) -> Vue {
    let b = map.get_bounds();
    Vue {
        zoom: map.get_zoom().round().clamp(0.0, 20.0) as u8,
        ouest: b.west(),
        sud: b.south(),
        est: b.east(),
        nord: b.north(),
    }
}

/// The outlines of régions and départements: the base layer when no tile server is configured.
async fn contours(map: &l::Map, tuiles: bool) {
    for (path, poids) in [("/zone-lieux/geo/departements.geojson", 0.6), ("/zone-lieux/geo/regions.geojson", 1.4)] {
        if let Ok(data) = api::json_statique(path).await {
            let style = obj(&[
                ("color", "#64748b".into()),
                ("weight", poids.into()),
                ("fill", (!tuiles && poids < 1.0).into()),
                ("fillColor", "#f8fafc".into()),
                ("fillOpacity", 1.0.into()),
                ("interactive", false.into()),
            ]);
            let layer = l::geo_json(
                &data,
                &obj(&[("style", style), ("attribution", "Contours : IGN, Licence Ouverte".into())]),
            );
            layer.add_to(map);
        }
    }
}

#[component]
fn Carte(
    filtres: RwSignal<FiltresLieux>,
    vue: RwSignal<Option<Vue>>,
    donnees: RwSignal<Option<CarteReponse>>,
    erreur: RwSignal<Option<String>>,
) -> impl IntoView {
    let node = NodeRef::<html::Div>::new();
    let carte = StoredValue::new_local(None::<(l::Map, l::Layer)>);
    let navigate = use_navigate();
    let navigate = StoredValue::new_local(navigate);

    Effect::new(move |_| {
        let Some(el) = node.get() else { return };
        if carte.with_value(|c| c.is_some()) {
            return;
        }
        // The page may be left while the map loads: after each wait, nothing is touched once the
        // page's values are gone (a disposed signal would panic).
        spawn_local(async move {
            if l::charger().await.is_err() {
                let _ = erreur
                    .try_set(Some("La carte n'a pas pu être chargée ; la liste des lieux reste disponible.".into()));
                return;
            }
            let config = api::carte_config().await.unwrap_or_default();
            if carte.try_with_value(|_| ()).is_none() {
                return;
            }
            let map = l::new_map(&el, &l::options_carte());
            l::zoom_fr(&map);
            match brouillon::lire::<Vue>(CLE_VUE).or(config.territoire) {
                Some(v) => {
                    map.fit_bounds(&l::bounds(v.sud, v.ouest, v.nord, v.est));
                }
                None => l::metropole(&map),
            }
            if let Some(url) = &config.tuiles_url {
                let attribution = config.attribution.clone().unwrap_or_default();
                l::tile_layer(url, &obj(&[("attribution", attribution.into()), ("maxZoom", 19.into())])).add_to(&map);
            }
            contours(&map, config.tuiles_url.is_some()).await;
            if carte.try_with_value(|_| ()).is_none() {
                map.remove();
                return;
            }
            let groupe = l::layer_group().add_to(&map);
            let m2 = map.clone();
            map.on_map(
                "moveend",
                &l::callback(move |_| {
                    let _ = vue.try_set(Some(vue_of(&m2)));
                }),
            );
            let _ = vue.try_set(Some(vue_of(&map)));
            let _ = carte.try_set_value(Some((map, groupe)));
        });
    });
    on_cleanup(move || {
        carte.with_value(|c| {
            if let Some((map, _)) = c {
                map.remove();
            }
        })
    });

    // Redraw when the view or the filters change. A newer request wins over an older one.
    let generation = StoredValue::new(0u32);
    Effect::new(move |_| {
        let f = filtres.get();
        let Some(v) = vue.get() else { return };
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        spawn_local(async move {
            match api::carte(&f, &v).await {
                Ok(rep) if generation.try_get_value() == Some(mine) => {
                    carte.try_with_value(|c| {
                        if let Some((map, groupe)) = c {
                            dessiner(map, groupe, &rep, navigate);
                        }
                    });
                    let _ = erreur.try_set(None);
                    let _ = donnees.try_set(Some(rep));
                }
                Ok(_) => {}
                Err(e) => {
                    let _ = erreur.try_set(Some(e.message()));
                }
            }
        });
    });

    view! {
        <div class="carte" node_ref=node role="region"
            aria-label="Carte des lieux : flèches pour se déplacer, + et - pour zoomer. La liste à côté donne les mêmes lieux."
            tabindex="0"></div>
    }
}

/// A count bubble. Leaflet makes it a button reachable with Tab (Enter zooms in, as a click does);
/// `nom` is what a screen reader says for it (« Bretagne : 66 lieux, dont 12 acceptant le Pass »).
fn bulle(n: u32, pass: u32, classe: &str, nom: &str) -> JsValue {
    let taille = carnet_domain::lieux::api::diametre_bulle(n);
    // Leaflet takes one element as the icon's content: the count shown, the name said.
    let contenu = l::span_texte(None, "").and_then(|racine| {
        let compte = l::span_texte(None, &nombre(n as i64))?;
        compte.set_attribute("aria-hidden", "true").ok()?;
        racine.append_child(&compte).ok()?;
        let dit = l::span_texte(Some("visually-hidden"), nom)?;
        racine.append_child(&dit).ok()?;
        Some(racine)
    });
    l::div_icon(&obj(&[
        ("className", format!("carte-compte {classe}{}", if pass > 0 { " carte-compte--pass" } else { "" }).into()),
        ("html", contenu.map(JsValue::from).unwrap_or_else(|| nombre(n as i64).into())),
        ("iconSize", js_sys::Array::of2(&taille.into(), &taille.into()).into()),
    ]))
}

/// A bubble acts on a click and, being a button of the keyboard, on Enter or Space: Leaflet's own
/// Enter on a marker only opens a popup, which bubbles do not have.
fn au_clic_et_au_clavier(m: &l::Layer, action: impl Fn() + Clone + 'static) {
    let clic = action.clone();
    m.on("click", &l::callback(move |_| clic()));
    m.on(
        "keypress",
        &l::callback(move |ev| {
            let touche = js_sys::Reflect::get(&ev, &"originalEvent".into())
                .ok()
                .and_then(|o| o.dyn_into::<web_sys::KeyboardEvent>().ok());
            if let Some(t) = touche {
                if t.key() == "Enter" || t.key() == " " {
                    t.prevent_default();
                    action();
                }
            }
        }),
    );
}

fn dessiner(
    map: &l::Map,
    groupe: &l::Layer,
    rep: &CarteReponse,
    navigate: StoredValue<impl Fn(&str, leptos_router::NavigateOptions) + Clone + 'static, LocalStorage>,
) {
    groupe.clear_layers();
    let zoom = map.get_zoom();
    let zoom_sur = |lat: f64, lon: f64, vers: f64| {
        let m = map.clone();
        move || {
            m.set_view(&l::latlng(lat, lon), vers);
        }
    };
    for z in &rep.zones {
        let nom = format!(
            "{} : {}, dont {} acceptant le Pass",
            z.nom,
            pluriel(z.n as i64, "lieu", "lieux"),
            nombre(z.pass as i64)
        );
        let m = l::marker(
            &l::latlng(z.lat as f64, z.lon as f64),
            &obj(&[("icon", bulle(z.n, z.pass, "carte-compte--zone", &nom)), ("keyboard", true.into())]),
        );
        l::bind_tooltip(&m, &nom);
        let vers = if rep.niveau == "regions" { 7.0 } else { 9.0 };
        au_clic_et_au_clavier(&m, zoom_sur(z.lat as f64, z.lon as f64, vers));
        groupe.add_layer(&m);
    }
    for g in &rep.grappes {
        let texte = format!(
            "{} autour de {}, dont {} acceptant le Pass",
            pluriel(g.2 as i64, "lieu", "lieux"),
            g.4,
            nombre(g.3 as i64)
        );
        let m = l::marker(
            &l::latlng(g.0 as f64, g.1 as f64),
            &obj(&[("icon", bulle(g.2, g.3, "carte-compte--grappe", &texte)), ("keyboard", true.into())]),
        );
        l::bind_tooltip(&m, &texte);
        au_clic_et_au_clavier(&m, zoom_sur(g.0 as f64, g.1 as f64, (zoom + 2.0).min(18.0)));
        groupe.add_layer(&m);
    }
    for p in &rep.points {
        let pass = p.3 == 1;
        let c = l::circle_marker(
            &l::latlng(p.1 as f64, p.2 as f64),
            &obj(&[
                ("radius", (if pass { 7 } else { 5 }).into()),
                ("color", "#ffffff".into()),
                ("weight", 1.5.into()),
                ("fillColor", (if pass { "#1d4ed8" } else { "#6b7280" }).into()),
                ("fillOpacity", 1.0.into()),
            ]),
        );
        l::bind_tooltip(&c, &format!("{}{}", p.4, if pass { " — accepte le Pass" } else { "" }));
        let id = p.0;
        c.on("click", &l::callback(move |_| navigate.with_value(|n| n(&format!("/lieux/{id}"), Default::default()))));
        groupe.add_layer(&c);
    }
}
