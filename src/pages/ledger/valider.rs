//! `/parcours/:id/pass`: validating the pass the person hands over during a session, and undoing
//! a validation made by mistake. The server applies every rule in one atomic step and answers
//! with the reason of a refusal. (The parcours' sessions step will call the same rules.)

use super::{confirmer, Issue, IssueNotice};
use crate::api::{self, ApiError};
use crate::components::{ErrorNotice, Loading};
use carnet_domain::money::format_euros;
use carnet_domain::parcours::Dossier;
use carnet_domain::paris::{date_courte, today};
use carnet_domain::PassCode;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ValiderPassPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let version = RwSignal::new(0u32);
    let issue = RwSignal::new(None::<Issue>);
    let data = LocalResource::new(move || {
        let id = id();
        version.get();
        async move { api::parcours(id).await }
    });
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => view! { <Valider p=p version=version issue=issue/> }.into_any(),
                    Err(e) => view! { <h1>"Valider un pass"</h1><ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Valider(p: Dossier, version: RwSignal<u32>, issue: RwSignal<Option<Issue>>) -> impl IntoView {
    let parcours_id = p.id;
    let code = RwSignal::new(String::new());
    let erreur = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        issue.set(None);
        let typed = code.get_untracked();
        if let Err(e) = PassCode::parse(&typed) {
            erreur.set(Some(format!("Code du pass : {e}")));
            return;
        }
        erreur.set(None);
        pending.set(true);
        spawn_local(async move {
            match api::ledger::valider(&typed, parcours_id).await {
                Ok(done) => {
                    code.set(String::new());
                    issue.set(Some(Issue::Ok(format!(
                        "Pass {} validé : {} reviennent à {}.",
                        done.code,
                        format_euros(done.valeur_centimes),
                        done.structure
                    ))));
                    version.update(|v| *v += 1);
                }
                Err(ApiError::Invalid { fields, .. }) => erreur.set(fields.get("code").cloned()),
                Err(e) => issue.set(Some(Issue::Erreur(e.message()))),
            }
            pending.set(false);
        });
    };
    let annuler = move |c: String| {
        if !confirmer(&format!("Annuler la validation du pass {c} ? Il redeviendra utilisable.")) {
            return;
        }
        spawn_local(async move {
            match api::ledger::annuler(&c).await {
                Ok(()) => {
                    issue.set(Some(Issue::Ok(format!("Validation du pass {c} annulée."))));
                    version.update(|v| *v += 1);
                }
                Err(e) => issue.set(Some(Issue::Erreur(e.message()))),
            }
        });
    };
    let invalid = move || erreur.read().is_some();
    let utilises = p.carnet.passes.iter().filter(|x| x.etat == "valide").count();
    view! {
        <h1>{format!("Valider un pass — {}", p.beneficiaire.prenom)}</h1>
        <p class="lead">{format!("Carnet n° {} : {utilises} pass utilisé(s) sur {}. Une séance consomme un pass.", p.carnet.numero, p.carnet.nb_passes)}</p>
        <IssueNotice issue=issue/>
        <form class="form panel" on:submit=on_submit novalidate>
            <div class="field" class:field--invalid=invalid>
                <label for="code">"Code du pass remis pendant la séance (obligatoire)"</label>
                <p class="hint" id="code-hint">"12 caractères, au format XXXX-XXXX-XXXX."</p>
                <p class="field-error" id="code-error" role="alert">{move || erreur.get()}</p>
                <input id="code" type="text" class="code-input" autocomplete="off" spellcheck="false" maxlength="20"
                    aria-describedby="code-hint code-error" aria-invalid=move || if invalid() { "true" } else { "false" }
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
            </div>
            <button type="submit" class="button" disabled=move || pending.get()>"Valider le pass"</button>
        </form>
        <section class="panel" aria-labelledby="passes-title">
            <h2 id="passes-title">"Les pass du carnet"</h2>
            <div class="table-wrap">
                <table class="table">
                    <caption class="visually-hidden">"Les pass du carnet et leur état"</caption>
                    <thead><tr><th scope="col">"Pass"</th><th scope="col">"Code"</th><th scope="col">"État"</th><th scope="col">"Action"</th></tr></thead>
                    <tbody>
                        {p.carnet.passes.into_iter().map(|x| {
                            let c = x.code.clone();
                            let validated = x.etat == "valide";
                            view! {
                                <tr>
                                    <th scope="row">{format!("n°{}", x.rang)}</th>
                                    <td class="code">{x.code.clone()}</td>
                                    <td>{match x.validated_at {
                                        Some(d) if validated => format!("Utilisé le {}", date_courte(today(d))),
                                        _ => crate::pages::parcours::etat_pass(&x.etat).to_string(),
                                    }}</td>
                                    <td>{validated.then(|| view! {
                                        <button type="button" class="button button--secondary" on:click=move |_| annuler(c.clone())>
                                            "Annuler la validation"<span class="visually-hidden">{format!(" du pass {}", x.code)}</span>
                                        </button>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <p><a href=format!("/parcours/{parcours_id}")>"Retour au parcours"</a></p>
    }
}
