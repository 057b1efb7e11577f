//! `/connexion`: staff login.

use crate::api::{self, ApiError};
use crate::app::use_auth;
use crate::components::form::{ErrorSummary, TextField};
use crate::components::page::{focus_plus_tard, Titre};
use carnet_domain::api::FieldErrors;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let query = use_query_map();
    // After choosing a password through a one-time link, the address is filled in.
    let email = RwSignal::new(query.read_untracked().get("email").unwrap_or_default());
    let password_set = query.read_untracked().get("motdepasse").as_deref() == Some("ok");
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let summary = NodeRef::<html::Div>::new();

    // Only local paths: never send someone to another site after login.
    let target = move || {
        query
            .read_untracked()
            .get("retour")
            .filter(|r| r.starts_with('/') && !r.starts_with("//"))
            .unwrap_or_else(|| "/".to_string())
    };

    {
        let navigate = navigate.clone();
        Effect::new(move |_| {
            if let Some(Some(_)) = auth.me.get() {
                navigate(&target(), Default::default());
            }
        });
    }

    let focus_summary = move || {
        focus_plus_tard(summary);
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut local = FieldErrors::new();
        if email.get_untracked().trim().is_empty() {
            local.insert("email".into(), "Adresse e-mail : ce champ est obligatoire.".into());
        }
        if password.get_untracked().is_empty() {
            local.insert("password".into(), "Mot de passe : ce champ est obligatoire.".into());
        }
        message.set(None);
        if !local.is_empty() {
            errors.set(local);
            focus_summary();
            return;
        }
        errors.set(FieldErrors::new());
        pending.set(true);
        spawn_local(async move {
            match api::login(&email.get_untracked(), &password.get_untracked()).await {
                Ok(me) => auth.me.set(Some(Some(me))),
                Err(ApiError::Invalid { fields, .. }) => {
                    errors.set(fields);
                    focus_summary();
                }
                Err(e) => {
                    message.set(Some(e.message()));
                    focus_summary();
                }
            }
            pending.set(false);
        });
    };

    view! {
        <main id="contenu" class="page page--narrow">
            <div class="login-card">
                <p class="brand brand--large" aria-hidden="true">"Carnet"</p>
                <Titre texte="Connexion"/>
                <p class="lead">"Espace des conseillers numériques et des structures."</p>
                {password_set.then(|| view! {
                    <div class="notice notice--success" role="status">"Mot de passe enregistré : vous pouvez vous connecter."</div>
                })}
                <ErrorSummary errors=errors message=message node_ref=summary
                    order=Signal::derive(|| vec!["email".to_string(), "password".to_string()])/>
                <form on:submit=on_submit novalidate>
                    <TextField name="email" label="Adresse e-mail" value=email errors=errors required=true
                        input_type="email" autocomplete="username" inputmode="email"/>
                    <TextField name="password" label="Mot de passe" value=password errors=errors required=true
                        input_type="password" autocomplete="current-password"/>
                    <button type="submit" class="button" disabled=move || pending.get()>
                        {move || if pending.get() { "Connexion…" } else { "Se connecter" }}
                    </button>
                </form>
                <p class="login-card__help"><a href="/mot-de-passe/oublie">"Mot de passe oublié ?"</a></p>
            </div>
        </main>
    }
}
