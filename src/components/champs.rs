//! More form fields in the pattern of `form.rs` (visible label, « (obligatoire) » in words, the
//! error under the field): a text area, a radio group and a group of checkboxes. Pages use these
//! components rather than writing the markup again: each inline copy would be compiled anew
//! into the wasm, a component only once.

use crate::components::form::{described_by, FieldError};
use carnet_domain::api::FieldErrors;
use leptos::prelude::*;

#[component]
pub fn TextArea(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(default = 4000)] maxlength: u32,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let has_hint = hint.is_some();
    let n = name.clone();
    let invalid = Signal::derive(move || errors.read().contains_key(&n));
    view! {
        <div class="field" class:field--invalid=invalid>
            <label for=name.clone()>{label}{if required { " (obligatoire)" } else { "" }}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{name}-hint")>{h}</p> })}
            <FieldError name=name.clone() errors=errors/>
            <textarea id=name.clone() name=name.clone() maxlength=maxlength
                aria-describedby=described_by(&name, has_hint)
                aria-invalid=move || if invalid.get() { "true" } else { "false" }
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))></textarea>
        </div>
    }
}

/// One choice among a few, as radio buttons in a fieldset whose id is `name` (for error links).
#[component]
pub fn RadioGroup(
    #[prop(into)] name: String,
    #[prop(into)] legend: String,
    options: Vec<(String, String)>,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    view! {
        <fieldset class="field" id=name.clone()>
            <legend>{legend}{if required { " (obligatoire)" } else { "" }}</legend>
            <FieldError name=name.clone() errors=errors/>
            <div class="radios">
                {options.into_iter().map(|(code, label)| {
                    let c1 = code.clone();
                    view! {
                        <label class="radio">
                            <input type="radio" name=name.clone() value=code.clone()
                                prop:checked=move || value.read() == c1
                                on:change=move |_| value.set(code.clone())/>
                            {label}
                        </label>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    }
}

/// Static (code, label) pairs as the owned options of `RadioGroup` and `Cases`.
pub fn options(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(c, l)| (c.to_string(), l.to_string())).collect()
}

/// A group of checkboxes bound to a list of codes; the fieldset's id is `prefixe`.
#[component]
pub fn Cases(
    legende: &'static str,
    #[prop(into)] prefixe: String,
    choix: Vec<(String, String)>,
    valeur: RwSignal<Vec<String>>,
    #[prop(optional)] errors: Option<RwSignal<FieldErrors>>,
) -> impl IntoView {
    view! {
        <fieldset class="cases" id=prefixe.clone()>
            <legend>{legende}</legend>
            {errors.map(|e| view! { <FieldError name=prefixe.clone() errors=e/> })}
            {choix.into_iter().map(|(code, label)| {
                let id = format!("{prefixe}-{}", code.replace('.', "_"));
                let for_id = id.clone();
                let c1 = code.clone();
                view! {
                    <label class="case" for=for_id>
                        <input type="checkbox" id=id prop:checked=move || valeur.read().contains(&c1)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                valeur.update(|v| {
                                    v.retain(|x| *x != code);
                                    if on { v.push(code.clone()); }
                                });
                            }/>
                        <span>{label}</span>
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}
