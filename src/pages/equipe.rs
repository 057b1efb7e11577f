//! `/equipe`: a coordinateur's team — invite conseillers by one-time link, resend an
//! invitation, deactivate (with confirmation) or reactivate an account. The administration page
//! reuses these pieces for every account.

use crate::api::{self, ApiError};
use crate::app::use_auth;
use crate::components::confirm::Confirm;
use crate::components::form::{described_by, ErrorSummary, FieldError, SelectField, TextField};
use crate::components::page::{focus_plus_tard, Titre};
use crate::components::{ErrorNotice, Loading};
use crate::horloge::today;
use carnet_domain::api::{FieldErrors, StructureRef};
use carnet_domain::comptes::{valider_invitation, CompteView, EtatCompte, InvitationRequest};
use carnet_domain::paris::date_courte;
use carnet_domain::structure::CoordonneesRequest;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

pub const ROLES_STRUCTURE: &[(&str, &str)] =
    &[("conseiller", "Conseiller numérique"), ("coordinateur", "Coordinateur de structure")];
pub const ROLES_ADMIN: &[(&str, &str)] = &[
    ("conseiller", "Conseiller numérique"),
    ("coordinateur", "Coordinateur de structure"),
    ("commanditaire", "Commanditaire"),
    ("operateur", "Opérateur"),
    ("hub", "Hub territorial"),
    ("admin", "Administrateur"),
];

#[component]
pub fn EquipePage() -> impl IntoView {
    let auth = use_auth();
    let structure = move || auth.me.get().flatten().and_then(|m| m.structure).map(|s| s.nom).unwrap_or_default();
    view! {
        <Titre texte="Équipe"/>
        <p class="lead">{move || format!("Les comptes de {}. Une invitation envoie un lien à usage unique pour choisir son mot de passe.", structure())}</p>
        <CoordonneesStructure/>
        <Comptes admin=false/>
    }
}

/// The structure's phone and address, given to the people it follows (their sheet, their space,
/// the printed bilan) as whom to call.
#[component]
fn CoordonneesStructure() -> impl IntoView {
    let telephone = RwSignal::new(String::new());
    let adresse = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let summary = NodeRef::<html::Div>::new();
    let pending = RwSignal::new(false);
    spawn_local(async move {
        if let Ok(c) = api::coordonnees().await {
            let _ = telephone.try_set(c.telephone.unwrap_or_default());
            let _ = adresse.try_set(c.adresse.unwrap_or_default());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        status.set(None);
        let req = CoordonneesRequest { telephone: telephone.get_untracked(), adresse: adresse.get_untracked() };
        spawn_local(async move {
            match api::changer_coordonnees(&req).await {
                Ok(c) => {
                    let _ = errors.try_set(FieldErrors::new());
                    let _ = message.try_set(None);
                    let _ = telephone.try_set(c.telephone.unwrap_or_default());
                    let _ = adresse.try_set(c.adresse.unwrap_or_default());
                    let _ = status.try_set(Some("Coordonnées enregistrées.".into()));
                }
                Err(ApiError::Invalid { fields, .. }) => {
                    let _ = errors.try_set(fields);
                    focus_plus_tard(summary);
                }
                Err(e) => {
                    let _ = message.try_set(Some(e.message()));
                    focus_plus_tard(summary);
                }
            }
            let _ = pending.try_set(false);
        });
    };
    view! {
        <section class="panel" aria-labelledby="coordonnees-title">
            <h2 id="coordonnees-title">"Coordonnées de la structure"</h2>
            <p>"Données aux personnes accompagnées (fiche du lien personnel, espace « Mon parcours », bilan imprimé) pour vous joindre."</p>
            <ErrorSummary errors=errors message=message node_ref=summary
                order=Signal::derive(|| vec!["telephone".to_string(), "adresse".to_string()])/>
            <form class="form" on:submit=on_submit novalidate>
                <TextField name="telephone" label="Téléphone" value=telephone errors=errors input_type="tel"
                    autocomplete="tel" hint="10 chiffres, par exemple 02 98 00 89 30."/>
                <TextField name="adresse" label="Adresse" value=adresse errors=errors autocomplete="street-address"
                    hint="Sur une ligne : numéro, rue, code postal et commune."/>
                <div class="actions">
                    <button type="submit" class="button" disabled=move || pending.get()>"Enregistrer les coordonnées"</button>
                </div>
            </form>
            <p class="notice notice--success" role="status" class:hidden=move || status.get().is_none()>{move || status.get()}</p>
        </section>
    }
}

/// The list of accounts and the invitation form; `admin` shows every structure and role.
#[component]
pub fn Comptes(admin: bool) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let list = api::lecture::<Vec<CompteView>>(move || {
        version.track();
        "/comptes".into()
    });
    let structures = LocalResource::new(move || async move {
        if admin {
            api::structures().await.unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    let status = RwSignal::new(None::<String>);
    view! {
        <p class="notice notice--success" role="status" class:hidden=move || status.get().is_none()>{move || status.get()}</p>
        <section class="panel" aria-labelledby="comptes-title">
            <h2 id="comptes-title">"Comptes"</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match list.valeur().await {
                        Ok(items) => view! { <CompteTable items=items admin=admin version=version status=status/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let s = structures.await;
                view! { <InviteForm admin=admin structures=s version=version status=status/> }
            })}
        </Suspense>
    }
}

fn etat_badge(e: EtatCompte) -> &'static str {
    match e {
        EtatCompte::Actif => "badge badge--done",
        EtatCompte::Invitation => "badge",
        EtatCompte::Desactive => "badge badge--warn",
    }
}

#[component]
fn CompteTable(
    items: Vec<CompteView>,
    admin: bool,
    version: RwSignal<u32>,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    let auth = use_auth();
    let me = auth.me.get_untracked().flatten().map(|m| m.id).unwrap_or(0);
    let target = RwSignal::new(None::<CompteView>);
    let confirm_open = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let act = move |what: &'static str, id: i64| {
        pending.set(true);
        error.set(None);
        spawn_local(async move {
            let result = match what {
                "inviter" => api::reinvite(id).await.map(|r| r.message),
                "desactiver" => api::deactivate(id)
                    .await
                    .map(|c| format!("Compte de {} {} désactivé : ses sessions sont fermées.", c.prenom, c.nom)),
                _ => api::reactivate(id).await.map(|c| format!("Compte de {} {} réactivé.", c.prenom, c.nom)),
            };
            match result {
                Ok(m) => {
                    status.set(Some(m));
                    confirm_open.set(false);
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e.message())),
            }
            pending.set(false);
        });
    };

    if items.is_empty() {
        return view! { <p class="empty">"Aucun compte pour l'instant."</p> }.into_any();
    }
    view! {
        <p class="notice notice--error" role="alert" class:hidden=move || error.get().is_none()>{move || error.get()}</p>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des comptes">
            <table class="table">
                <caption class="visually-hidden">"Comptes, avec leur état et les actions possibles"</caption>
                <thead><tr>
                    <th scope="col">"Nom"</th>
                    <th scope="col">"Adresse e-mail"</th>
                    <th scope="col">"Rôle"</th>
                    {admin.then(|| view! { <th scope="col">"Structure"</th> })}
                    <th scope="col">"État"</th>
                    <th scope="col">"Dernière connexion"</th>
                    <th scope="col">"Actions"</th>
                </tr></thead>
                <tbody>
                    {items.into_iter().map(|c| {
                        let id = c.id;
                        let name = format!("{} {}", c.prenom, c.nom);
                        let c2 = c.clone();
                        let actions = if id == me {
                            view! { <span class="muted">"Vous"</span> }.into_any()
                        } else {
                            match c.etat {
                                EtatCompte::Invitation => view! {
                                    <button type="button" class="button button--secondary button--small" disabled=move || pending.get()
                                        on:click=move |_| act("inviter", id)
                                        aria-label=format!("Renvoyer l'invitation de {name}")>"Renvoyer l'invitation"</button>
                                    <button type="button" class="button button--secondary button--small"
                                        on:click=move |_| { target.set(Some(c2.clone())); confirm_open.set(true); }
                                        aria-label=format!("Désactiver le compte de {} {}", c.prenom, c.nom)>"Désactiver…"</button>
                                }.into_any(),
                                EtatCompte::Actif => view! {
                                    <button type="button" class="button button--secondary button--small"
                                        on:click=move |_| { target.set(Some(c2.clone())); confirm_open.set(true); }
                                        aria-label=format!("Désactiver le compte de {name}")>"Désactiver…"</button>
                                }.into_any(),
                                EtatCompte::Desactive => view! {
                                    <button type="button" class="button button--secondary button--small" disabled=move || pending.get()
                                        on:click=move |_| act("reactiver", id)
                                        aria-label=format!("Réactiver le compte de {name}")>"Réactiver"</button>
                                }.into_any(),
                            }
                        };
                        view! {
                            <tr>
                                <th scope="row">{format!("{} {}", c.prenom, c.nom)}</th>
                                <td>{c.email.clone()}</td>
                                <td>{c.role.label()}</td>
                                {admin.then(|| view! { <td>{c.structure.as_ref().map(|s| s.nom.clone()).unwrap_or_else(|| "—".into())}</td> })}
                                <td><span class=etat_badge(c.etat)>{c.etat.label()}</span></td>
                                <td>{c.derniere_connexion.map(|d| date_courte(today(d))).unwrap_or_else(|| "Jamais".into())}</td>
                                <td class="cell-actions">{actions}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Confirm open=confirm_open id="confirm-desactivation" title="Désactiver ce compte ?" confirm_label="Oui, désactiver" danger=true
            pending=pending
            on_confirm=Callback::new(move |_| { if let Some(c) = target.get_untracked() { act("desactiver", c.id) } })>
            <p>{move || target.get().map(|c| format!(
                "{} {} ({}) ne pourra plus se connecter, et ses sessions ouvertes seront fermées tout de suite. \
                 Ses parcours et l'historique restent. Vous pourrez réactiver le compte plus tard.",
                c.prenom, c.nom, c.email))}</p>
        </Confirm>
    }
    .into_any()
}

#[component]
fn InviteForm(
    admin: bool,
    structures: Vec<StructureRef>,
    version: RwSignal<u32>,
    status: RwSignal<Option<String>>,
) -> impl IntoView {
    let prenom = RwSignal::new(String::new());
    let nom = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new("conseiller".to_string());
    let structure = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let summary = NodeRef::<html::Div>::new();
    let roles = if admin { ROLES_ADMIN } else { ROLES_STRUCTURE };
    let auth = use_auth();
    let own_structure = auth.me.get_untracked().flatten().and_then(|m| m.structure).map(|s| s.id);

    let focus_summary = move || {
        focus_plus_tard(summary);
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        message.set(None);
        let req = InvitationRequest {
            prenom: prenom.get_untracked(),
            nom: nom.get_untracked(),
            email: email.get_untracked(),
            role: role.get_untracked(),
            structure_id: if admin { structure.get_untracked().parse().ok() } else { own_structure },
        };
        let allowed: Vec<_> = roles.iter().filter_map(|(r, _)| carnet_domain::api::Role::parse(r)).collect();
        if let Err(local) = valider_invitation(&req, &allowed) {
            errors.set(local);
            focus_summary();
            return;
        }
        errors.set(FieldErrors::new());
        pending.set(true);
        spawn_local(async move {
            match api::invite(&req).await {
                Ok(r) => {
                    prenom.set(String::new());
                    nom.set(String::new());
                    email.set(String::new());
                    status.set(Some(r.message));
                    version.update(|v| *v += 1);
                }
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

    let structure_invalid = Signal::derive(move || errors.read().contains_key("structure_id"));
    view! {
        <section class="panel form-narrow" aria-labelledby="inviter-title">
            <h2 id="inviter-title">"Inviter une personne"</h2>
            <p class="hint">"Elle reçoit par e-mail un lien valable 7 jours pour choisir son mot de passe. Sans serveur d'e-mail configuré, le lien est écrit dans le journal du serveur."</p>
            <ErrorSummary errors=errors message=message node_ref=summary
                order=Signal::derive(|| ["prenom", "nom", "email", "role", "structure_id"].iter().map(|s| s.to_string()).collect())/>
            <form on:submit=on_submit novalidate>
                <div class="field-row">
                    <TextField name="prenom" label="Prénom" value=prenom errors=errors required=true autocomplete="off"/>
                    <TextField name="nom" label="Nom" value=nom errors=errors required=true autocomplete="off"/>
                </div>
                <TextField name="email" label="Adresse e-mail" value=email errors=errors required=true input_type="email" inputmode="email"/>
                <SelectField name="role" label="Rôle" value=role errors=errors options=roles empty_label="Choisir…" required=true/>
                {admin.then(|| view! {
                    <div class="field" class:field--invalid=structure_invalid>
                        <label for="structure_id">"Structure"</label>
                        <p class="hint" id="structure_id-hint">"Obligatoire pour un conseiller ou un coordinateur."</p>
                        <FieldError name="structure_id" errors=errors/>
                        <select id="structure_id" aria-describedby=described_by("structure_id", true)
                            aria-invalid=move || if structure_invalid.get() { "true" } else { "false" }
                            on:change=move |ev| structure.set(event_target_value(&ev)) prop:value=move || structure.get()>
                            <option value="">"Aucune"</option>
                            {structures.iter().map(|s| view! { <option value=s.id.to_string()>{s.nom.clone()}</option> }).collect_view()}
                        </select>
                    </div>
                })}
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { "Envoi…" } else { "Envoyer l'invitation" }}
                </button>
            </form>
        </section>
    }
}
