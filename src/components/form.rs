//! Form building blocks that follow one pattern everywhere: a visible label, required fields
//! marked in words, the error under the field and in a summary at the top with links.

// `super`, not `crate::components`: the public pages' app includes this file beside its `page`.
use super::page::{compter_erreur, focus_element};
use carnet_domain::api::FieldErrors;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The box at the top of a form listing every error, each a link to its field. Focused when it
/// appears so that keyboard and screen-reader users land on it.
#[component]
pub fn ErrorSummary(
    errors: RwSignal<FieldErrors>,
    #[prop(into)] message: Signal<Option<String>>,
    node_ref: NodeRef<html::Div>,
    /// Field names in the order of the form (the map itself is sorted by name).
    #[prop(into)]
    order: Signal<Vec<String>>,
) -> impl IntoView {
    let visible = move || !errors.read().is_empty() || message.read().is_some();
    compter_erreur(visible);
    view! {
        <div class="error-summary" node_ref=node_ref tabindex="-1" role="alert" aria-labelledby="error-summary-title"
            class:hidden=move || !visible()>
            <Show when=visible>
                <h2 id="error-summary-title" class="error-summary__title">
                    {move || message.get().unwrap_or_else(|| "Le formulaire contient des erreurs".to_string())}
                </h2>
                // No empty list when there is only a message (a refused login).
                <Show when=move || !errors.read().is_empty()>
                    <ul>
                        {move || {
                            let errs = errors.get();
                            let mut names: Vec<String> = order.get().into_iter().filter(|n| errs.contains_key(n)).collect();
                            names.extend(errs.keys().filter(|k| !names.contains(k)).cloned().collect::<Vec<_>>());
                            names.into_iter().map(|name| {
                                let text = errs.get(&name).cloned().unwrap_or_default();
                                let cible = name.clone();
                                view! { <li><a href=format!("#{name}") on:click=move |ev| aller_au_champ(ev, &cible)>{text}</a></li> }
                            }).collect_view()
                        }}
                    </ul>
                </Show>
            </Show>
        </div>
    }
}

/// A link of the summary puts the focus in its field (the link's target alone would only scroll):
/// in the field itself, or in the checked (else the first) choice of a group.
fn aller_au_champ(ev: leptos::ev::MouseEvent, id: &str) {
    let Some(cible) = document().get_element_by_id(id) else { return };
    ev.prevent_default();
    let champ = match cible.tag_name().as_str() {
        "INPUT" | "SELECT" | "TEXTAREA" | "BUTTON" => Some(cible.clone()),
        _ => cible
            .query_selector("input:checked")
            .ok()
            .flatten()
            .or_else(|| cible.query_selector("input, select, textarea, button").ok().flatten()),
    };
    // The label or legend above the field stays in sight.
    cible.scroll_into_view_with_bool(true);
    if let Some(el) = champ.as_ref().and_then(|c| c.dyn_ref::<web_sys::HtmlElement>()) {
        let _ = el.focus();
    } else {
        focus_element(&cible);
    }
}

/// The error under one field (empty when the field is fine).
#[component]
pub fn FieldError(#[prop(into)] name: String, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let id = format!("{name}-error");
    let n = name.clone();
    let m = name.clone();
    compter_erreur(move || errors.read().contains_key(&m));
    view! {
        <p class="field-error" id=id>
            {move || errors.read().get(&n).cloned()}
        </p>
    }
}

/// `aria-describedby` for a field: its hint and its error.
pub fn described_by(name: &str, has_hint: bool) -> String {
    if has_hint {
        format!("{name}-hint {name}-error")
    } else {
        format!("{name}-error")
    }
}

/// A labelled text input bound to a signal.
#[component]
pub fn TextField(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional, into)] class: Option<String>,
) -> impl IntoView {
    let has_hint = hint.is_some();
    let n = name.clone();
    let invalid = Signal::derive(move || errors.read().contains_key(&n));
    view! {
        <div class=format!("field {}", class.unwrap_or_default()) class:field--invalid=invalid>
            <label for=name.clone()>
                {label}
                {if required { " (obligatoire)" } else { "" }}
            </label>
            {hint.map(|h| view! { <p class="hint" id=format!("{name}-hint")>{h}</p> })}
            <FieldError name=name.clone() errors=errors/>
            <input
                id=name.clone()
                name=name.clone()
                type=input_type
                autocomplete=autocomplete.unwrap_or("off")
                inputmode=inputmode
                aria-describedby=described_by(&name, has_hint)
                aria-invalid=move || if invalid.get() { "true" } else { "false" }
                aria-required=if required { "true" } else { "false" }
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </div>
    }
}

/// A labelled `<select>` over a list of (value, label), with an empty first choice.
#[component]
pub fn SelectField(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    options: &'static [(&'static str, &'static str)],
    #[prop(default = "Non renseigné")] empty_label: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] hint: Option<String>,
) -> impl IntoView {
    let has_hint = hint.is_some();
    let n = name.clone();
    let invalid = Signal::derive(move || errors.read().contains_key(&n));
    view! {
        <div class="field" class:field--invalid=invalid>
            <label for=name.clone()>
                {label}
                {if required { " (obligatoire)" } else { "" }}
            </label>
            {hint.map(|h| view! { <p class="hint" id=format!("{name}-hint")>{h}</p> })}
            <FieldError name=name.clone() errors=errors/>
            <select
                id=name.clone()
                name=name.clone()
                aria-describedby=described_by(&name, has_hint)
                aria-invalid=move || if invalid.get() { "true" } else { "false" }
                on:change=move |ev| value.set(event_target_value(&ev))
                prop:value=move || value.get()
            >
                <option value="">{empty_label}</option>
                {options.iter().map(|(v, l)| view! {
                    <option value=*v selected=move || value.get() == *v>{*l}</option>
                }).collect_view()}
            </select>
        </div>
    }
}
