//! `/lieux/import`: hubs and administrators import a file of the national standard (CSV or
//! JSON, version 1.0.2 or 0.1.1), follow its progress, read the report line by line, and
//! export their venues as a v1.0.2 CSV file.

use super::{nombre, pluriel};
use crate::api;
use crate::components::page::Titre;
use crate::components::ErrorNotice;
use carnet_domain::lieux::api::EtatImport;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use wasm_bindgen::JsCast;

#[component]
pub fn ImportPage() -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let etat = RwSignal::new(None::<EtatImport>);
    let erreur = RwSignal::new(None::<api::ApiError>);
    let envoi = RwSignal::new(false);
    let choisi = RwSignal::new(None::<String>);

    let suivre = move |id: i64| {
        spawn_local(async move {
            loop {
                match api::import_etat(id).await {
                    Ok(e) => {
                        let fini = e.termine();
                        etat.set(Some(e));
                        if fini {
                            break;
                        }
                    }
                    Err(e) => {
                        erreur.set(Some(e));
                        break;
                    }
                }
                gloo_timers_sleep(400).await;
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(file) = input.get().and_then(|i| i.files()).and_then(|f| f.get(0)) else {
            erreur.set(Some(api::ApiError::Refused("Choisissez d'abord un fichier.".into())));
            return;
        };
        erreur.set(None);
        etat.set(None);
        envoi.set(true);
        spawn_local(async move {
            match api::import_lieux(&file).await {
                Ok(id) => suivre(id),
                Err(e) => erreur.set(Some(e)),
            }
            envoi.set(false);
        });
    };
    let on_change = move |ev: leptos::ev::Event| {
        let name = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
            .map(|f| format!("{} ({} Ko)", f.name(), nombre((f.size() / 1024.0).ceil() as i64)));
        choisi.set(name);
    };

    view! {
        <p class="retour"><A href="/lieux">"← Carte des lieux"</A></p>
        <Titre texte="Importer et exporter des lieux"/>
        <section class="panel" aria-labelledby="import-titre">
            <h2 id="import-titre">"Importer un fichier"</h2>
            <p>"Fichier CSV ou JSON du standard national des lieux de médiation numérique, version 1.0.2 ou 0.1.1. "
               "Un lieu déjà présent (même identifiant, même source) est mis à jour, pas dupliqué. "
               "Les lignes qui ne suivent pas le standard sont listées avec la raison ; les autres sont importées."</p>
            <form class="form" on:submit=submit>
                <div class="field">
                    <label for="fichier">"Fichier de lieux (obligatoire)"</label>
                    <p class="hint" id="fichier-hint">"CSV (séparateur virgule ou point-virgule) ou JSON."</p>
                    <input id="fichier" type="file" accept=".csv,.json,text/csv,application/json" node_ref=input
                        aria-describedby="fichier-hint" on:change=on_change/>
                    {move || choisi.get().map(|c| view! { <p class="hint">{c}</p> })}
                </div>
                <button type="submit" class="button" disabled=move || envoi.get() || etat.get().is_some_and(|e| !e.termine())>
                    "Importer"
                </button>
            </form>
            {move || erreur.get().map(|e| view! { <ErrorNotice error=e/> })}
            {move || envoi.get().then(|| view! { <p role="status" class="loading">"Envoi du fichier…"</p> })}
            {move || etat.get().map(|e| view! { <Rapport e=e/> })}
        </section>
        <section class="panel" aria-labelledby="export-titre">
            <h2 id="export-titre">"Exporter"</h2>
            <p>"Les lieux de votre territoire au format CSV du standard, version 1.0.2. "
               "L'acceptation du Pass numérique y figure dans « Autres formations et labels »."</p>
            <a class="button button--secondary" href="/api/v1/lieux/export.csv" download="lieux-mediation-numerique-v1.0.2.csv">
                "Télécharger le fichier CSV"
            </a>
        </section>
    }
}

async fn gloo_timers_sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

#[component]
fn Rapport(e: EtatImport) -> impl IntoView {
    let total = e.total.max(1);
    let pct = (e.traites as f64 * 100.0 / total as f64).round() as u32;
    let en_cours = !e.termine();
    view! {
        <div class="rapport" aria-live="polite">
            {if en_cours {
                view! {
                    <label for="progression">{format!("Import en cours : {} lignes traitées sur {}", nombre(e.traites as i64), nombre(e.total as i64))}</label>
                    <progress id="progression" max=e.total.to_string() value=e.traites.to_string()>{format!("{pct} %")}</progress>
                }.into_any()
            } else if let Some(err) = e.erreur.clone() {
                view! { <div class="notice notice--error" role="alert"><p>{err}</p></div> }.into_any()
            } else {
                view! {
                    <div class="notice notice--success" role="status">
                        <p><strong>{format!("Import terminé : {}", pluriel(e.total as i64, "ligne", "lignes"))}</strong>
                            {format!(" (format {}, version {} du standard, {} s).", e.format, e.version, e.duree_ms.unwrap_or(0) / 1000)}</p>
                        <ul>
                            <li>{pluriel(e.crees as i64, "lieu créé", "lieux créés")}</li>
                            <li>{pluriel(e.mis_a_jour as i64, "lieu mis à jour", "lieux mis à jour")}</li>
                            <li>{pluriel(e.inchanges as i64, "lieu inchangé", "lieux inchangés")}</li>
                            <li>{pluriel(e.lignes_rejetees as i64, "ligne rejetée", "lignes rejetées")}</li>
                        </ul>
                    </div>
                }.into_any()
            }}
            {e.avertissements.into_iter().map(|a| view! { <p class="notice">{a}</p> }).collect_view()}
            {(!e.rejets.is_empty()).then(|| view! {
                <div class="table-wrap" tabindex="0" role="region" aria-label="Lignes rejetées">
                    <table class="table rejets">
                        <caption>"Lignes rejetées, champ par champ"</caption>
                        <thead><tr><th scope="col">"Ligne"</th><th scope="col">"Identifiant"</th><th scope="col">"Champ"</th><th scope="col">"Raison"</th></tr></thead>
                        <tbody>
                            {e.rejets.into_iter().take(1000).map(|r| view! {
                                <tr><td>{r.ligne}</td><td>{r.id}</td><td><code>{r.champ}</code></td><td>{r.message}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
        </div>
    }
}
