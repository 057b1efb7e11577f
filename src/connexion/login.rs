//! `/connexion`: staff login. Once logged in, the staff app opens (a page load) at the page the
//! visitor was sent from (`?retour=`), or at its home.

use super::api;
use super::form::{ErrorSummary, TextField};
use super::page::{changer_d_app, effacer_marque, focus_plus_tard, marque, TitreSansRouteur, DECONNEXION};
use super::transport::ApiError;
use carnet_domain::api::FieldErrors;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A parameter of the address's query string.
fn parametre(nom: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(nom)
}

/// Where to go once logged in: `retour` when it is a page of this site — never another site, and
/// never a public page (it would open this one again) — else the home page. The check is the
/// browser's own reading of the address (`/\…` or a tab in the path can make another host).
fn destination() -> String {
    let retour = parametre("retour").and_then(|r| {
        let origine = window().location().origin().ok()?;
        let url = web_sys::Url::new_with_base(&r, &origine).ok()?;
        let chemin = url.pathname();
        (r.starts_with('/')
            && url.origin() == origine
            && !matches!(chemin.as_str(), "/connexion" | "/mot-de-passe/oublie" | "/mot-de-passe/choisir"))
        .then(|| format!("{chemin}{}{}", url.search(), url.hash()))
    });
    retour.unwrap_or_else(|| "/".to_string())
}

/// Opens the staff app; the login page leaves the history.
fn entrer() {
    changer_d_app(&destination(), true);
}

#[component]
pub fn LoginPage() -> impl IntoView {
    // After choosing a password through a one-time link, the address is filled in.
    let email = RwSignal::new(parametre("email").unwrap_or_default());
    let password_set = parametre("motdepasse").as_deref() == Some("ok");
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let summary = NodeRef::<html::Div>::new();

    if marque(DECONNEXION) {
        // Sent here by « Se déconnecter »: log out first. The form waits for the answer, which
        // clears the session cookie: it must not clear the one a login would have just set.
        pending.set(true);
        spawn_local(async move {
            match api::logout().await {
                Ok(()) => effacer_marque(DECONNEXION),
                // Not reached, or cut short: the mark stays, the next login page tries again.
                Err(ApiError::Network) => message.set(Some(ApiError::Network.message())),
                Err(e) => {
                    effacer_marque(DECONNEXION);
                    message.set(Some(e.message()));
                }
            }
            pending.set(false);
        });
    } else {
        // Already logged in (a bookmark, the back button): straight to the app.
        spawn_local(async move {
            if let Ok(true) = api::logged_in().await {
                entrer();
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
                // The button stays « Connexion… » while the app loads.
                Ok(()) => return entrer(),
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
                <TitreSansRouteur texte="Connexion"/>
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
