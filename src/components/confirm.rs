//! A confirmation step before a consequential action: the action's button opens a panel that
//! says what will happen, with « Confirmer » and « Annuler ». The panel takes the focus, so
//! keyboard and screen-reader users land on the explanation first.

use crate::components::page::focus_plus_tard;
use leptos::html;
use leptos::prelude::*;

/// `open` shows the panel; `on_confirm` runs the action (the caller closes the panel when done).
#[component]
pub fn Confirm(
    open: RwSignal<bool>,
    /// Unique on the page.
    #[prop(into)]
    id: String,
    #[prop(into)] title: String,
    #[prop(into)] confirm_label: String,
    #[prop(optional)] danger: bool,
    #[prop(into)] pending: Signal<bool>,
    /// A callback rather than a generic closure: one copy of this component in the wasm.
    on_confirm: Callback<()>,
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        if open.get() {
            focus_plus_tard(panel);
        }
    });
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <div id=id.clone() class="confirm" class:confirm--danger=danger class:hidden=move || !open.get()
            node_ref=panel tabindex="-1" role="region" aria-labelledby=labelled_by>
            <h3 id=title_id class="confirm__title">{title}</h3>
            {children()}
            <div class="actions">
                <button type="button" class=if danger { "button button--danger" } else { "button" }
                    disabled=move || pending.get() on:click=move |_| on_confirm.run(())>
                    {confirm_label}
                </button>
                <button type="button" class="button button--secondary" on:click=move |_| open.set(false)>"Annuler"</button>
            </div>
        </div>
    }
}
