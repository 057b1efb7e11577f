//! The information notice: its text as blocks, the printable page `/notice-information`, and
//! the intake form's part about information and consent.

use crate::api;
use crate::components::form::{FieldError, TextField};
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use crate::horloge::today;
use carnet_domain::api::FieldErrors;
use carnet_domain::donnees::{blocs, Bloc, NoticeInformation};
use carnet_domain::paris::date_courte;
use leptos::prelude::*;

/// The notice's text, with its headings one level below `level`.
#[component]
pub fn NoticeText(notice: NoticeInformation, #[prop(default = 2)] level: u8) -> impl IntoView {
    blocs(&notice.texte)
        .into_iter()
        .map(|b| match b {
            Bloc::Titre(t) if level <= 2 => view! { <h2>{t}</h2> }.into_any(),
            Bloc::Titre(t) => view! { <h3>{t}</h3> }.into_any(),
            Bloc::Paragraphe(p) => view! { <p>{p}</p> }.into_any(),
            Bloc::Liste(items) => {
                view! { <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul> }.into_any()
            }
        })
        .collect_view()
}

/// `/notice-information`: the notice in force, to print and hand over.
#[component]
pub fn NoticePage() -> impl IntoView {
    let notice = api::lecture::<NoticeInformation>(|| "/notice-information".into());
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match notice.valeur().await {
                    Ok(n) => view! {
                        <article class="notice-doc">
                            <div class="page-head no-print">
                                <p class="lead">"À imprimer et remettre à la personne, ou à lire avec elle."</p>
                                <button type="button" class="button" on:click=|_| { let _ = window().print(); }>"Imprimer"</button>
                            </div>
                            <Titre texte=n.titre.clone()/>
                            <NoticeText notice=n.clone()/>
                            <p class="notice-doc__version">{format!("Notice d'information, version {} du {}.", n.version, date_courte(today(n.publiee_le)))}</p>
                        </article>
                    }.into_any(),
                    Err(e) => view! { <Titre texte="Notice d'information"/><ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What the intake form asks about information and consent, bound to its signals.
#[derive(Clone, Copy)]
pub struct InformationSignals {
    pub notice_id: RwSignal<Option<i64>>,
    pub remise: RwSignal<bool>,
    pub rappels: RwSignal<bool>,
    pub telephone: RwSignal<String>,
    pub email: RwSignal<String>,
    pub agenda: RwSignal<bool>,
}

impl InformationSignals {
    pub fn new() -> Self {
        InformationSignals {
            notice_id: RwSignal::new(None),
            remise: RwSignal::new(false),
            rappels: RwSignal::new(false),
            telephone: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
            agenda: RwSignal::new(false),
        }
    }

    pub fn request(&self) -> carnet_domain::donnees::InformationRequest {
        carnet_domain::donnees::InformationRequest {
            notice_id: self.notice_id.get_untracked(),
            notice_remise: self.remise.get_untracked(),
            rappels: self.rappels.get_untracked(),
            telephone: self.telephone.get_untracked(),
            email: self.email.get_untracked(),
            agenda: self.agenda.get_untracked(),
        }
    }
}

impl Default for InformationSignals {
    fn default() -> Self {
        Self::new()
    }
}

/// Field names, in screen order, for the error summary.
pub const INFORMATION_FIELDS: &[&str] = &["notice_remise", "telephone", "email"];

/// The intake form's fieldset: the notice in force (readable on screen, printable), the
/// confirmation it was given, and the optional consents.
#[component]
pub fn InformationFieldset(s: InformationSignals, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let notice = api::lecture::<NoticeInformation>(|| "/notice-information".into());
    let remise_invalid = Signal::derive(move || errors.read().contains_key("notice_remise"));
    view! {
        <fieldset class="panel">
            <legend>"Information de la personne"</legend>
            <Suspense fallback=|| view! { <Loading label="Chargement de la notice…"/> }>
                {move || Suspend::new(async move {
                    match notice.valeur().await {
                        Ok(n) => {
                            s.notice_id.set(Some(n.id));
                            view! {
                                <details class="notice-box">
                                    <summary>{format!("Lire la notice d'information (version {})", n.version)}</summary>
                                    <div class="notice-box__text"><NoticeText notice=n.clone() level=2/></div>
                                </details>
                                <p><a href="/notice-information" target="_blank" rel="noopener">"Imprimer la notice (nouvel onglet)"</a></p>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
            <div class="field" class:field--invalid=remise_invalid>
                <FieldError name="notice_remise" errors=errors/>
                <label class="checkbox">
                    <input type="checkbox" id="notice_remise" aria-describedby="notice_remise-error"
                        aria-invalid=move || if remise_invalid.get() { "true" } else { "false" }
                        prop:checked=move || s.remise.get() on:change=move |ev| s.remise.set(event_target_checked(&ev))/>
                    "La notice a été remise ou lue à la personne (obligatoire)"
                </label>
            </div>
            <fieldset class="field">
                <legend>"Ce que la personne accepte (facultatif, retirable à tout moment)"</legend>
                <label class="checkbox">
                    <input type="checkbox" id="rappels" prop:checked=move || s.rappels.get()
                        on:change=move |ev| s.rappels.set(event_target_checked(&ev))/>
                    "Garder ses coordonnées pour lui envoyer des rappels de rendez-vous"
                </label>
                <Show when=move || s.rappels.get()>
                    <div class="field-row consent-contacts">
                        <TextField name="telephone" label="Téléphone" value=s.telephone errors=errors input_type="tel"
                            inputmode="tel" hint="Un téléphone ou un e-mail, au moins."/>
                        <TextField name="email" label="E-mail de la personne" value=s.email errors=errors input_type="email" inputmode="email"/>
                    </div>
                </Show>
                <label class="checkbox">
                    <input type="checkbox" id="agenda" prop:checked=move || s.agenda.get()
                        on:change=move |ev| s.agenda.set(event_target_checked(&ev))/>
                    "Lui donner un lien d'agenda qui affiche ses séances"
                </label>
            </fieldset>
        </fieldset>
    }
}
