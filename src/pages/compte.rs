//! `/compte`: my account — who I am, the morning e-mail of my day's sessions (conseillers), and
//! changing my password (every other session ends).

use crate::api::{self, ApiError};
use crate::app::use_auth;
use crate::components::form::{ErrorSummary, TextField};
use crate::components::page::{focus_plus_tard, Titre};
use crate::components::Loading;
use carnet_domain::api::{FieldErrors, Role};
use carnet_domain::comptes::{verifier_nouveau, ChangementMotDePasse, MOT_DE_PASSE_MIN};
use carnet_domain::rappels::PreferenceJournee;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn ComptePage() -> impl IntoView {
    let auth = use_auth();
    let me = move || auth.me.get().flatten();
    let actuel = RwSignal::new(String::new());
    let nouveau = RwSignal::new(String::new());
    let confirmation = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let summary = NodeRef::<html::Div>::new();
    let done_ref = NodeRef::<html::Div>::new();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        message.set(None);
        done.set(None);
        let email = me().map(|m| m.email).unwrap_or_default();
        let mut local = verifier_nouveau(
            "nouveau",
            "Nouveau mot de passe",
            &nouveau.get_untracked(),
            &confirmation.get_untracked(),
            &email,
        );
        if actuel.get_untracked().is_empty() {
            local.insert("actuel".into(), "Mot de passe actuel : ce champ est obligatoire.".into());
        }
        if !local.is_empty() {
            errors.set(local);
            focus_plus_tard(summary);
            return;
        }
        errors.set(FieldErrors::new());
        pending.set(true);
        let req = ChangementMotDePasse {
            actuel: actuel.get_untracked(),
            nouveau: nouveau.get_untracked(),
            confirmation: confirmation.get_untracked(),
        };
        spawn_local(async move {
            match api::change_password(&req).await {
                Ok(m) => {
                    actuel.set(String::new());
                    nouveau.set(String::new());
                    confirmation.set(String::new());
                    done.set(Some(m.message));
                    focus_plus_tard(done_ref);
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
        <Titre texte="Mon compte"/>
        {move || me().map(|m| view! {
            <section class="panel" aria-labelledby="identite-title">
                <h2 id="identite-title">"Mes informations"</h2>
                <dl class="facts">
                    <dt>"Nom"</dt><dd>{format!("{} {}", m.prenom, m.nom)}</dd>
                    <dt>"Adresse e-mail (identifiant)"</dt><dd>{m.email.clone()}</dd>
                    <dt>"Rôle"</dt><dd>{m.role.label()}</dd>
                    <dt>"Structure"</dt><dd>{m.structure.map(|s| s.nom).unwrap_or_else(|| "—".into())}</dd>
                </dl>
            </section>
        })}
        {move || me().filter(|m| matches!(m.role, Role::Conseiller | Role::Coordinateur)).map(|_| view! { <EmailDuMatin/> })}
        <section class="panel form-narrow" aria-labelledby="mdp-title">
            <h2 id="mdp-title">"Changer mon mot de passe"</h2>
            <p class="hint">{format!("{MOT_DE_PASSE_MIN} caractères au moins. Une phrase de quelques mots est à la fois sûre et facile à retenir. \
                Les mots de passe trop courants sont refusés. Après le changement, vos sessions ouvertes sur d'autres appareils sont fermées.")}</p>
            <div class="notice notice--success" tabindex="-1" node_ref=done_ref role="status" class:hidden=move || done.get().is_none()>
                {move || done.get()}
            </div>
            <ErrorSummary errors=errors message=message node_ref=summary
                order=Signal::derive(|| vec!["actuel".into(), "nouveau".into(), "confirmation".into()])/>
            <form on:submit=on_submit novalidate>
                <TextField name="actuel" label="Mot de passe actuel" value=actuel errors=errors required=true
                    input_type="password" autocomplete="current-password"/>
                <TextField name="nouveau" label="Nouveau mot de passe" value=nouveau errors=errors required=true
                    input_type="password" autocomplete="new-password" hint=format!("{MOT_DE_PASSE_MIN} caractères au moins.")/>
                <TextField name="confirmation" label="Confirmation du nouveau mot de passe" value=confirmation errors=errors
                    required=true input_type="password" autocomplete="new-password"/>
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { "Enregistrement…" } else { "Changer le mot de passe" }}
                </button>
            </form>
        </section>
    }
}

/// The morning e-mail of the day's sessions: asked for or stopped in one click, saved at once.
#[component]
fn EmailDuMatin() -> impl IntoView {
    let actuel = api::lecture::<PreferenceJournee>(|| "/compte/journee".into());
    let statut = RwSignal::new(None::<&'static str>);
    let erreur = RwSignal::new(None::<String>);
    let choisir = move |oui: bool| {
        spawn_local(async move {
            match api::put::<_, PreferenceJournee>("/compte/journee", &PreferenceJournee { email_du_matin: oui }).await
            {
                Ok(p) => {
                    erreur.set(None);
                    statut.set(Some(if p.email_du_matin {
                        "Enregistré : vous recevrez la liste de vos séances chaque matin."
                    } else {
                        "Enregistré : vous ne recevrez plus la liste de vos séances."
                    }));
                }
                Err(e) => erreur.set(Some(e.message())),
            }
        });
    };
    view! {
        <section class="panel" aria-labelledby="matin-title">
            <h2 id="matin-title">"Ma journée par e-mail"</h2>
            <p class="hint">"Chaque matin à 7 h, les séances du jour : prénoms, heures, lieux et ce qu'il faut prévoir. Rien n'est envoyé un jour sans séance. "
                <a href="/journee">"Voir la liste du jour"</a></p>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    let oui = actuel.valeur().await.map(|p| p.email_du_matin).unwrap_or_default();
                    view! {
                        <label class="checkbox">
                            <input type="checkbox" checked=oui on:change=move |ev| choisir(event_target_checked(&ev))/>
                            "Recevoir chaque matin la liste de mes séances du jour"
                        </label>
                    }
                })}
            </Transition>
            <p class="notice notice--success" role="status" class:hidden=move || statut.get().is_none()>{move || statut.get()}</p>
            {move || erreur.get().map(|m| view! { <p class="notice notice--error" role="alert">{m}</p> })}
        </section>
    }
}
