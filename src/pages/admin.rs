//! `/admin`: the minimal administration — every account of every structure: invite (any role),
//! resend an invitation, deactivate or reactivate. New versions of the information notice are
//! published with `carnet-server admin publish-notice` (or `POST /api/v1/notices`).

use crate::components::page::Titre;
use crate::pages::equipe::Comptes;
use leptos::prelude::*;

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <Titre texte="Administration"/>
        <p class="lead">"Tous les comptes, de toutes les structures. La notice d'information des bénéficiaires se publie en ligne de commande (carnet-server admin publish-notice)."</p>
        <Comptes admin=true/>
    }
}
