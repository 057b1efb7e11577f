use crate::components::page::Titre;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main id="contenu" class="page">
            <Titre texte="Page introuvable"/>
            <p>"Cette adresse ne correspond à aucune page de Carnet."</p>
            <p><a href="/">"Retour au tableau de bord"</a></p>
        </main>
    }
}
