//! « Mon parcours »: the beneficiary's own page, a separate small app (`espace.html`, built into
//! `dist/espace`). It must load fast on an old phone over a poor connection: no router, no date
//! library (the server sends every date as French words), one request per screen.
//!
//! The personal link is `/espace/#<token>`: the token stays in the fragment, which browsers
//! never send to a server, and the page sends it to the API in the `Authorization` header, not
//! in a path. Without one, the page asks for the short code written on the sheet the conseiller
//! printed.

use carnet_domain::espace::{
    CodeRequest, CodeTrouve, Espace, ObjectifEspace, Prevenu, SeanceEspace, SeanceTenueEspace,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;

#[derive(Default, Deserialize)]
struct ErreurApi {
    #[serde(default)]
    error: String,
    #[serde(default)]
    fields: std::collections::BTreeMap<String, String>,
}

/// A refusal: the HTTP status, and the server's message (field message first).
struct Refus {
    status: u16,
    message: String,
}

/// One request to the API. The link's token, when there is one, goes in the `Authorization`
/// header, never in the address: addresses end up in the logs of every proxy on the way.
async fn appel(method: &str, url: &str, jeton: Option<&str>, body: Option<String>) -> Result<String, Refus> {
    use gloo_net::http::{Request, RequestBuilder};
    let reseau =
        || Refus { status: 0, message: "Pas de connexion internet. Vérifiez le réseau, puis réessayez.".into() };
    let porteur = |r: RequestBuilder| match jeton {
        Some(t) => r.header("Authorization", &format!("Bearer {t}")),
        None => r,
    };
    let req = if method == "POST" {
        porteur(Request::post(url))
            .header("Content-Type", "application/json")
            .body(body.unwrap_or_default())
            .map_err(|_| reseau())?
    } else {
        porteur(Request::get(url)).build().map_err(|_| reseau())?
    };
    let resp = req.send().await.map_err(|_| reseau())?;
    let status = resp.status();
    let text = resp.text().await.map_err(|_| reseau())?;
    if (200..300).contains(&status) {
        return Ok(text);
    }
    let e: ErreurApi = serde_json::from_str(&text).unwrap_or_default();
    let message = e.fields.into_values().next().unwrap_or(e.error);
    Err(Refus { status, message })
}

fn jeton() -> String {
    window().location().hash().unwrap_or_default().trim_start_matches('#').to_string()
}

#[derive(Clone)]
enum Ecran {
    Chargement,
    Code,
    Parcours(Box<Espace>),
    Erreur(String),
}

#[component]
pub fn App() -> impl IntoView {
    let ecran = RwSignal::new(Ecran::Chargement);
    // Outlives the page it is shown on: « C'est noté » stays after the page reloads its data.
    let message = RwSignal::new(None::<String>);
    let charger = move || {
        let t = jeton();
        if t.is_empty() {
            ecran.set(Ecran::Code);
            return;
        }
        spawn_local(async move {
            let r = appel("GET", "/api/v1/espace", Some(&t), None).await;
            ecran.set(match r.map(|text| serde_json::from_str::<Espace>(&text)) {
                Ok(Ok(e)) => {
                    document().set_title(&format!("Mon parcours – {}", e.prenom));
                    Ecran::Parcours(Box::new(e))
                }
                Ok(Err(_)) => Ecran::Erreur("La page n'a pas pu s'afficher. Réessayez plus tard.".into()),
                Err(r) if r.status == 404 => Ecran::Erreur(
                    "Ce lien ne marche plus. Votre conseiller a peut-être donné un nouveau lien. Tapez le code de votre dernière feuille, ou demandez-le à votre conseiller."
                        .into(),
                ),
                Err(r) => Ecran::Erreur(r.message),
            });
        });
    };
    charger();
    let _ = window_event_listener(leptos::ev::hashchange, move |_| charger());

    view! {
        <header class="bandeau">
            <p>"Carnet · Pass numérique"</p>
        </header>
        <main id="contenu">
            {move || match ecran.get() {
                Ecran::Chargement => view! { <p class="attente" role="status">"Chargement de votre parcours…"</p> }.into_any(),
                Ecran::Code => view! { <FormulaireCode/> }.into_any(),
                Ecran::Parcours(e) => view! { <MonParcours e=*e message=message recharger=charger/> }.into_any(),
                Ecran::Erreur(m) => view! {
                    <h1>"Mon parcours"</h1>
                    <p class="alerte" role="alert">{m}</p>
                    <p><a class="bouton" href="/espace/" on:click=move |_| { let _ = window().location().set_hash(""); }>"Taper mon code"</a></p>
                }.into_any(),
            }}
        </main>
    }
}

/// The home page: the short code from the printed sheet.
#[component]
fn FormulaireCode() -> impl IntoView {
    let code = RwSignal::new(String::new());
    let erreur = RwSignal::new(None::<String>);
    let envoi = RwSignal::new(false);
    let envoyer = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if envoi.get_untracked() {
            return;
        }
        envoi.set(true);
        let body = serde_json::to_string(&CodeRequest { code: code.get_untracked() }).unwrap_or_default();
        spawn_local(async move {
            match appel("POST", "/api/v1/espace/code", None, Some(body)).await {
                Ok(text) => match serde_json::from_str::<CodeTrouve>(&text) {
                    Ok(t) => {
                        let _ = window().location().set_hash(&t.jeton);
                    }
                    Err(_) => erreur.set(Some("Réessayez.".into())),
                },
                Err(r) => {
                    erreur.set(Some(r.message));
                    if let Some(el) = document().get_element_by_id("code") {
                        use wasm_bindgen::JsCast;
                        if let Ok(input) = el.dyn_into::<web_sys::HtmlElement>() {
                            let _ = input.focus();
                        }
                    }
                }
            }
            envoi.set(false);
        });
    };
    view! {
        <h1>"Mon parcours Pass numérique"</h1>
        <p>"Ici, vous voyez vos rendez-vous et vos progrès."</p>
        <form class="carte" on:submit=envoyer novalidate>
            <label for="code">"Tapez votre code"</label>
            <p class="aide" id="code-aide">"Il est écrit sur la feuille donnée par votre conseiller. Exemple : ABCD-EFGH."</p>
            <input id="code" name="code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false"
                aria-describedby=move || if erreur.get().is_some() { "code-aide code-erreur" } else { "code-aide" }
                aria-invalid=move || if erreur.get().is_some() { "true" } else { "false" }
                prop:value=code on:input=move |ev| code.set(event_target_value(&ev))/>
            {move || erreur.get().map(|m| view! { <p class="erreur" id="code-erreur" role="alert">{m}</p> })}
            <button type="submit" class="bouton" disabled=move || envoi.get()>"Voir mon parcours"</button>
        </form>
        <p class="aide">"Vous pouvez aussi scanner le code carré (QR code) de la feuille avec l'appareil photo du téléphone."</p>
    }
}

#[component]
fn MonParcours(
    e: Espace,
    message: RwSignal<Option<String>>,
    recharger: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let prochaine = e.prochaine.clone();
    let suivantes = e.suivantes.clone();
    let objectifs = e.objectifs.clone();
    let tenues = e.tenues.clone();
    let lieux = e.lieux.clone();
    let coordonnees = e.coordonnees.clone();
    let structure = e.structure.clone();
    // On a phone the page stays scrolled where the button was, with the next « Je ne pourrai pas
    // venir » under the thumb: the confirmation takes the view and the focus.
    let confirmation = NodeRef::<leptos::html::P>::new();
    Effect::new(move |_| {
        if let (Some(_), Some(p)) = (message.get(), confirmation.get()) {
            p.scroll_into_view();
            let _ = p.focus();
        }
    });
    view! {
        <h1>{format!("Bonjour {}", e.prenom)}</h1>
        <p class="intro">{format!("Votre parcours avec {}, {}.", e.conseiller, e.structure)}</p>
        <p role="status" class="confirme" tabindex="-1" node_ref=confirmation>{move || message.get()}</p>

        {(!e.termine).then(|| view! {
            <section class="carte carte--rdv" aria-labelledby="prochain-titre">
                <h2 id="prochain-titre">"Mon prochain rendez-vous"</h2>
                {match prochaine {
                    Some(s) => view! { <Rendezvous s=s principal=true message=message recharger=recharger/> }.into_any(),
                    None => view! { <p>"Pas de rendez-vous prévu pour l'instant. Votre conseiller vous en proposera un."</p> }.into_any(),
                }}
                // No file once the conseiller revoked the calendar's address.
                {(!e.ics.is_empty()).then(|| view! {
                    <p class="agenda">
                        <a href=e.ics.clone() download="mes-seances.ics">"Ajouter mes rendez-vous à mon agenda"</a>
                    </p>
                })}
                {e.agenda.clone().map(|url| view! {
                    <details class="abonnement">
                        <summary>"Mon agenda se met à jour tout seul"</summary>
                        <p>"Copiez cette adresse dans votre application d'agenda (« s'abonner à un calendrier ») :"</p>
                        <input type="text" readonly aria-label="Adresse de mon agenda" value=url/>
                    </details>
                })}
            </section>
        })}

        <section class="carte" aria-labelledby="progres-titre">
            <h2 id="progres-titre">"Mes progrès"</h2>
            <Avancement faites=e.seances_tenues total=e.seances_total/>
            {(!objectifs.is_empty()).then(|| view! {
                <h3>"Mes objectifs"</h3>
                <ul class="objectifs">
                    {objectifs.into_iter().map(|o| view! { <Objectif o=o/> }).collect_view()}
                </ul>
            })}
        </section>

        {(!suivantes.is_empty()).then(|| view! {
            <section class="carte" aria-labelledby="suivants-titre">
                <h2 id="suivants-titre">"Mes rendez-vous suivants"</h2>
                <ul class="liste">
                    {suivantes.into_iter().map(|s| view! { <li><Rendezvous s=s principal=false message=message recharger=recharger/></li> }).collect_view()}
                </ul>
            </section>
        })}

        {e.bilan.clone().map(|b| view! {
            <section class="carte bilan" aria-labelledby="bilan-titre">
                <h2 id="bilan-titre">"Mon bilan"</h2>
                <p>{format!("Parcours terminé le {}.", b.date)}</p>
                <p class="grand">{format!("Objectifs atteints : {} sur {}", b.atteints, b.total)}</p>
                {b.orientation.map(|o| view! { <p>{format!("Pour continuer : {o}")}</p> })}
                {(!b.recommandations.is_empty()).then(|| view! { <h3>"Les conseils de votre conseiller"</h3><p class="texte">{b.recommandations.clone()}</p> })}
                <button type="button" class="bouton bouton--second" on:click=move |_| { let _ = window().print(); }>"Imprimer mon bilan"</button>
            </section>
        })}

        {(!tenues.is_empty()).then(|| view! {
            <section class="carte" aria-labelledby="appris-titre">
                <h2 id="appris-titre">"Ce que j'ai appris"</h2>
                <ul class="liste">
                    {tenues.into_iter().map(|t| view! { <Tenue t=t/> }).collect_view()}
                </ul>
            </section>
        })}

        {(!lieux.is_empty()).then(|| view! {
            <section class="carte" aria-labelledby="lieux-titre">
                <h2 id="lieux-titre">"Où utiliser mes pass"</h2>
                <p>"Les lieux les plus proches de chez vous qui acceptent le Pass numérique :"</p>
                <ul class="liste">
                    {lieux.into_iter().map(|l| view! {
                        <li>
                            <strong>{l.nom}</strong>" "<span>{l.distance}</span><br/>
                            {l.adresse}
                            {l.telephone.map(|t| view! { <br/>"Téléphone : "{t} })}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}

        {e.rappels.then(|| view! { <ArretRappels message=message recharger=recharger/> })}

        <section class="carte" aria-labelledby="joindre-titre">
            <h2 id="joindre-titre">"Une question ? Appelez votre conseiller"</h2>
            <p><strong>{structure}</strong>
                {coordonnees.adresse.map(|a| view! { <br/>{a} })}
                {coordonnees.telephone.map(|t| {
                    let href = format!("tel:{}", t.replace(' ', ""));
                    view! { <br/>"Téléphone : "<a href=href>{t}</a> }
                })}
            </p>
        </section>

        <p class="aide">"Gardez cette page dans vos favoris pour la retrouver."</p>
    }
}

/// Reminders by e-mail and SMS: stopped in one click (the consent is withdrawn, the number and
/// the address erased).
#[component]
fn ArretRappels(
    message: RwSignal<Option<String>>,
    recharger: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let erreur = RwSignal::new(None::<String>);
    let arreter = move |_| {
        let t = jeton();
        spawn_local(async move {
            match appel("POST", "/api/v1/espace/rappels/arret", Some(&t), Some("{}".into())).await {
                Ok(text) => {
                    message.set(Some(serde_json::from_str::<Prevenu>(&text).map(|p| p.message).unwrap_or_default()));
                    recharger();
                }
                Err(r) => erreur.set(Some(r.message)),
            }
        });
    };
    view! {
        <section class="carte" aria-labelledby="rappels-titre">
            <h2 id="rappels-titre">"Mes rappels"</h2>
            <p>"Vous recevez un message (e-mail ou SMS) avant chaque rendez-vous."</p>
            <button type="button" class="bouton bouton--second" on:click=arreter>"Ne plus recevoir de rappels"</button>
            {move || erreur.get().map(|m| view! { <p class="erreur" role="alert">{m}</p> })}
        </section>
    }
}

/// Sessions held out of the carnet's, as a row of dots and in words.
#[component]
fn Avancement(faites: i64, total: i64) -> impl IntoView {
    let texte = format!(
        "{faites} séance{} faite{} sur {total}",
        if faites > 1 { "s" } else { "" },
        if faites > 1 { "s" } else { "" }
    );
    view! {
        <p class="grand">{texte}</p>
        <div class="points" aria-hidden="true">
            {(0..total).map(|i| view! { <span class=if i < faites { "point point--fait" } else { "point" }></span> }).collect_view()}
        </div>
    }
}

#[component]
fn Objectif(o: ObjectifEspace) -> impl IntoView {
    let pct = if o.atteint == Some(true) {
        100
    } else if o.seances_prevues > 0 {
        o.seances_faites * 100 / o.seances_prevues
    } else {
        0
    };
    view! {
        <li>
            <p class="objectif">{o.libelle}</p>
            <p class="aide">{format!("But : {}", o.niveau_vise)}</p>
            <div class="barre" aria-hidden="true"><span style=format!("width:{pct}%")></span></div>
            <p>{o.texte}</p>
        </li>
    }
}

#[component]
fn Tenue(t: SeanceTenueEspace) -> impl IntoView {
    view! {
        <li>
            <p class="objectif">{t.jour}</p>
            <p class="aide">{t.numero}{t.theme.map(|th| format!(" · {th}"))}</p>
            {(!t.appris.is_empty()).then(|| view! {
                <ul class="appris">{t.appris.into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}</ul>
            })}
        </li>
    }
}

/// One appointment, with « Je ne pourrai pas venir » and its confirmation when still possible.
#[component]
fn Rendezvous(
    s: SeanceEspace,
    principal: bool,
    message: RwSignal<Option<String>>,
    recharger: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let confirmer = RwSignal::new(false);
    let erreur = RwSignal::new(None::<String>);
    let id = s.id;
    let quand = format!("{} {}", s.jour, s.heures);
    let prevenir = move |_| {
        let t = jeton();
        spawn_local(async move {
            match appel("POST", &format!("/api/v1/espace/seances/{id}/absence"), Some(&t), Some("{}".into())).await {
                Ok(text) => {
                    let m = serde_json::from_str::<Prevenu>(&text).map(|p| p.message).unwrap_or_default();
                    message.set(Some(m));
                    recharger();
                }
                Err(r) => erreur.set(Some(r.message)),
            }
        });
    };
    let titre = if principal { "grand" } else { "objectif" };
    view! {
        <p class=titre>{s.jour.clone()}</p>
        <p>{s.heures.clone()}</p>
        <p>{format!("Lieu : {}", s.lieu)}</p>
        {(!s.numero.is_empty()).then(|| view! { <p class="aide">{s.numero.clone()}</p> })}
        {s.theme.clone().map(|t| view! { <p>{format!("Thème : {t}")}</p> })}
        {(s.etat != "Prévue").then(|| view! { <p class="etat">{s.etat.clone()}</p> })}
        {(principal && !s.apporter.is_empty()).then(|| view! {
            <h3>"À apporter"</h3>
            <ul class="apporter">{s.apporter.clone().into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}</ul>
        })}
        {s.peut_prevenir.then(|| view! {
            <div class="prevenir">
                {move || if confirmer.get() {
                    view! {
                        <div class="confirmation" role="group" aria-labelledby=format!("confirmer-{id}")>
                            <p id=format!("confirmer-{id}") class="objectif">{format!("Vous ne pourrez pas venir le {quand} ?")}</p>
                            <p>"Votre conseiller sera prévenu. Il vous proposera une autre date."</p>
                            <button type="button" class="bouton" on:click=prevenir>"Oui, je préviens"</button>
                            <button type="button" class="bouton bouton--second" on:click=move |_| confirmer.set(false)>"Non, je viendrai"</button>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" class=if principal { "bouton" } else { "bouton bouton--second" }
                            on:click=move |_| confirmer.set(true)>"Je ne pourrai pas venir"</button>
                    }.into_any()
                }}
                {move || erreur.get().map(|m| view! { <p class="erreur" role="alert">{m}</p> })}
            </div>
        })}
    }
}
