//! Pages without a session: `/mot-de-passe/oublie` (ask for a reset link) and
//! `/mot-de-passe/choisir` (the one-time link of an invitation or a reset: choose a password).
//! The token travels in the address's fragment (`#jeton=…`), which browsers never send to a
//! server; the page reads it, then removes it from the address bar.

use super::api::{self, JetonInfo};
use super::form::{ErrorSummary, TextField};
use super::page::{changer_d_app, focus_plus_tard, TitreSansRouteur as Titre};
use super::transport::ApiError;
use super::Loading;
use carnet_domain::api::FieldErrors;
use carnet_domain::comptes::{valider_email, verifier_nouveau, NouveauMotDePasse, ObjetJeton, MOT_DE_PASSE_MIN};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn OubliPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let sent = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let summary = NodeRef::<html::Div>::new();
    let sent_ref = NodeRef::<html::Div>::new();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        message.set(None);
        if let Err(m) = valider_email("Adresse e-mail", &email.get_untracked()) {
            errors.set(FieldErrors::from([("email".to_string(), m)]));
            focus_plus_tard(summary);
            return;
        }
        errors.set(FieldErrors::new());
        pending.set(true);
        spawn_local(async move {
            match api::request_reset(&email.get_untracked()).await {
                Ok(m) => {
                    sent.set(Some(m.message));
                    focus_plus_tard(sent_ref);
                }
                Err(ApiError::Invalid { fields, .. }) => {
                    errors.set(fields);
                    focus_plus_tard(summary);
                }
                Err(e) => {
                    message.set(Some(e.message()));
                    focus_plus_tard(summary);
                }
            }
            pending.set(false);
        });
    };

    view! {
        <main id="contenu" class="page page--narrow">
            <div class="login-card">
                <p class="brand brand--large" aria-hidden="true">"Carnet"</p>
                <Titre texte="Mot de passe oublié"/>
                <div class="notice notice--success" tabindex="-1" node_ref=sent_ref role="status" class:hidden=move || sent.get().is_none()>
                    <p>{move || sent.get()}</p>
                    <p><a href="/connexion">"Retour à la connexion"</a></p>
                </div>
                <Show when=move || sent.get().is_none()>
                    <p class="lead">"Indiquez l'adresse e-mail de votre compte : vous recevrez un lien pour choisir un nouveau mot de passe."</p>
                    <ErrorSummary errors=errors message=message node_ref=summary order=Signal::derive(|| vec!["email".to_string()])/>
                    <form on:submit=on_submit novalidate>
                        <TextField name="email" label="Adresse e-mail" value=email errors=errors required=true
                            input_type="email" autocomplete="username" inputmode="email"/>
                        <div class="actions">
                            <button type="submit" class="button" disabled=move || pending.get()>
                                {move || if pending.get() { "Envoi…" } else { "Recevoir un lien" }}
                            </button>
                            <a class="button button--secondary" href="/connexion">"Retour à la connexion"</a>
                        </div>
                    </form>
                </Show>
            </div>
        </main>
    }
}

/// Reads `jeton` from the address's fragment, then takes it out of the address bar.
fn take_token() -> String {
    let Some(window) = web_sys::window() else { return String::new() };
    let hash = window.location().hash().unwrap_or_default();
    let token = hash.trim_start_matches('#').strip_prefix("jeton=").unwrap_or("").to_string();
    if !token.is_empty() {
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/mot-de-passe/choisir"));
        }
    }
    token
}

/// What the link is for, once asked. (A signal set by one request rather than a resource under
/// `Suspense`: the async machinery would weigh more than the page.)
#[derive(Clone)]
enum Lien {
    Attente,
    Valable(JetonInfo),
    Refuse(String),
}

#[component]
pub fn ChoisirPage() -> impl IntoView {
    let token = StoredValue::new(take_token());
    let lien = RwSignal::new(Lien::Attente);
    let t = token.get_value();
    if t.is_empty() {
        lien.set(Lien::Refuse("Ce lien est incomplet : ouvrez le lien reçu par e-mail en entier.".into()));
    } else {
        spawn_local(async move {
            lien.set(match api::token_info(&t).await {
                Ok(i) => Lien::Valable(i),
                Err(e) => Lien::Refuse(e.message()),
            });
        });
    }
    view! {
        <main id="contenu" class="page page--narrow">
            <div class="login-card">
                <p class="brand brand--large" aria-hidden="true">"Carnet"</p>
                {move || match lien.get() {
                    Lien::Attente => view! { <Loading/> }.into_any(),
                    Lien::Valable(i) => view! { <ChoisirForm token=token.get_value() info=i/> }.into_any(),
                    Lien::Refuse(m) => view! {
                        <Titre texte="Lien non valable"/>
                        <div class="notice notice--error" role="alert"><p>{m}</p></div>
                        <p><a href="/mot-de-passe/oublie">"Demander un nouveau lien"</a>" · "<a href="/connexion">"Connexion"</a></p>
                    }.into_any(),
                }}
            </div>
        </main>
    }
}

#[component]
fn ChoisirForm(token: String, info: JetonInfo) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let summary = NodeRef::<html::Div>::new();
    let email = info.email.clone();
    let token = StoredValue::new(token);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        message.set(None);
        let local = verifier_nouveau(
            "mot_de_passe",
            "Mot de passe",
            &password.get_untracked(),
            &confirmation.get_untracked(),
            &email,
        );
        if !local.is_empty() {
            errors.set(local);
            focus_plus_tard(summary);
            return;
        }
        errors.set(FieldErrors::new());
        pending.set(true);
        let req = NouveauMotDePasse {
            jeton: token.get_value(),
            mot_de_passe: password.get_untracked(),
            confirmation: confirmation.get_untracked(),
        };
        let email = email.clone();
        spawn_local(async move {
            match api::set_password_with_token(&req).await {
                // The login page, with the address filled in.
                Ok(_) => {
                    return changer_d_app(&format!("/connexion?motdepasse=ok&email={}", api::encode(&email)), false)
                }
                Err(ApiError::Invalid { fields, .. }) => {
                    errors.set(fields);
                    focus_plus_tard(summary);
                }
                Err(e) => {
                    message.set(Some(e.message()));
                    focus_plus_tard(summary);
                }
            }
            pending.set(false);
        });
    };

    let (title, lead) = match info.objet {
        ObjetJeton::Invitation => (
            "Bienvenue sur Carnet".to_string(),
            format!("Bonjour {}, choisissez le mot de passe de votre compte ({}).", info.prenom, info.email),
        ),
        ObjetJeton::Reinitialisation => (
            "Nouveau mot de passe".to_string(),
            format!("Bonjour {}, choisissez un nouveau mot de passe pour {}.", info.prenom, info.email),
        ),
    };
    view! {
        <Titre texte=title/>
        <p class="lead">{lead}</p>
        <p class="hint">{format!("{MOT_DE_PASSE_MIN} caractères au moins. Une phrase de quelques mots est à la fois sûre et facile à retenir ; les mots de passe trop courants sont refusés.")}</p>
        <ErrorSummary errors=errors message=message node_ref=summary
            order=Signal::derive(|| vec!["mot_de_passe".to_string(), "confirmation".to_string()])/>
        <form on:submit=on_submit novalidate>
            // Lets password managers file the new password under the right account.
            <input type="email" class="visually-hidden" autocomplete="username" value=info.email.clone() readonly tabindex="-1" aria-hidden="true"/>
            <TextField name="mot_de_passe" label="Mot de passe" value=password errors=errors required=true
                input_type="password" autocomplete="new-password"/>
            <TextField name="confirmation" label="Confirmation du mot de passe" value=confirmation errors=errors required=true
                input_type="password" autocomplete="new-password"/>
            <button type="submit" class="button" disabled=move || pending.get()>
                {move || if pending.get() { "Enregistrement…" } else { "Enregistrer le mot de passe" }}
            </button>
        </form>
    }
}
