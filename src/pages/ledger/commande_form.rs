//! `/commandes/nouvelle`: a commanditaire orders carnets — how many, of how many passes, worth
//! what, until when, where and for whom. The domain's rules run here and again on the server.

use crate::api::{self, ApiError};
use crate::components::form::{ErrorSummary, FieldError, TextField};
use crate::components::page::{focus_plus_tard, Titre};
use crate::pages::lieux::pluriel;
use carnet_domain::api::FieldErrors;
use carnet_domain::ledger::api::{CommandeRequest, Ref};
use carnet_domain::ledger::commande::{self, CRITERES_STANDARD};
use carnet_domain::money::{format_euros, parse_euros};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

const ORDER: &[&str] = &[
    "operateur_id",
    "nb_carnets",
    "nb_passes",
    "valeur_faciale",
    "fin_validite",
    "jours_grace",
    "departements",
    "communes",
    "criteres",
    "criteres_libres",
];

#[component]
pub fn CommandeFormPage() -> impl IntoView {
    let navigate = use_navigate();
    let operateur = RwSignal::new(String::new());
    let nb_carnets = RwSignal::new(String::new());
    let nb_passes = RwSignal::new("10".to_string());
    let valeur = RwSignal::new("10".to_string());
    let fin = RwSignal::new(String::new());
    let grace = RwSignal::new("30".to_string());
    let departements = RwSignal::new(String::new());
    let communes = RwSignal::new(String::new());
    let criteres = RwSignal::new(Vec::<String>::new());
    let libres = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let summary = NodeRef::<html::Div>::new();

    let operateurs = LocalResource::new(|| async { api::ledger::operateurs().await });
    // With a single opérateur, it is the one.
    Effect::new(move |_| {
        if let Some(Ok(list)) = operateurs.get() {
            if list.len() == 1 && operateur.get_untracked().is_empty() {
                operateur.set(list[0].id.to_string());
            }
        }
    });

    let request = move || CommandeRequest {
        operateur_id: operateur.get_untracked(),
        nb_carnets: nb_carnets.get_untracked(),
        nb_passes: nb_passes.get_untracked(),
        valeur_faciale: valeur.get_untracked(),
        fin_validite: fin.get_untracked(),
        jours_grace: grace.get_untracked(),
        departements: departements.get_untracked(),
        communes: communes.get_untracked(),
        criteres: criteres.get_untracked(),
        criteres_libres: libres.get_untracked(),
    };
    let montant = move || {
        let n = nb_carnets.get().trim().replace(' ', "").parse::<i64>().ok()?;
        let p = nb_passes.get().parse::<i64>().ok()?;
        let v = parse_euros(&valeur.get())?;
        Some(format!(
            "{} × {p} pass × {} = {}",
            pluriel(n, "carnet", "carnets"),
            format_euros(v),
            format_euros(n * p * v)
        ))
    };
    let focus_summary = move || focus_plus_tard(summary);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        message.set(None);
        let req = request();
        let today = crate::horloge::aujourdhui();
        if let Err(local) = commande::validate(&req, today) {
            errors.set(local);
            focus_summary();
            return;
        }
        errors.set(FieldErrors::new());
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::ledger::creer_commande(&req).await {
                Ok(c) => navigate(&format!("/commandes/{}", c.id), Default::default()),
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

    let invalid = move |name: &'static str| Signal::derive(move || errors.read().contains_key(name));
    view! {
        <Titre texte="Nouvelle commande de carnets"/>
        <p class="lead">"Les carnets et leurs codes sont créés dès la commande ; ils deviennent utilisables quand l'opérateur a reçu votre paiement et activé la commande."</p>
        <ErrorSummary errors=errors message=message node_ref=summary
            order=Signal::derive(|| ORDER.iter().map(|s| s.to_string()).collect())/>
        <form class="form" on:submit=on_submit novalidate>
            <fieldset class="panel">
                <legend>"Les carnets"</legend>
                <div class="field" class:field--invalid=invalid("operateur_id")>
                    <label for="operateur_id">"Opérateur (obligatoire)"</label>
                    <p class="hint" id="operateur_id-hint">"Il émet les pass, agrée les structures et leur paie les pass validés."</p>
                    <FieldError name="operateur_id" errors=errors/>
                    <select id="operateur_id" aria-describedby="operateur_id-hint operateur_id-error"
                        on:change=move |ev| operateur.set(event_target_value(&ev)) prop:value=move || operateur.get()>
                        <option value="">"Choisir…"</option>
                        {move || operateurs.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|o: Ref| {
                            let id = o.id.to_string();
                            let selected = id.clone();
                            view! { <option value=id selected=move || operateur.get() == selected>{o.nom}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field-row">
                    <TextField name="nb_carnets" label="Nombre de carnets" value=nb_carnets errors=errors required=true
                        inputmode="numeric" class="field--short"/>
                    <TextField name="valeur_faciale" label="Valeur d'un pass, en euros" value=valeur errors=errors required=true
                        inputmode="decimal" class="field--short"/>
                </div>
                <fieldset class="field" id="nb_passes">
                    <legend>"Pass par carnet (obligatoire)"</legend>
                    <FieldError name="nb_passes" errors=errors/>
                    <div class="radios">
                        {["5", "10"].into_iter().map(|n| view! {
                            <label class="radio">
                                <input type="radio" name="nb_passes" value=n prop:checked=move || nb_passes.get() == n
                                    on:change=move |_| nb_passes.set(n.to_string())/>
                                {format!("{n} pass")}
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                <p class="derived" aria-live="polite">{move || montant().unwrap_or_default()}</p>
                <div class="field-row">
                    <TextField name="fin_validite" label="Fin de validité" value=fin errors=errors required=true input_type="date"/>
                    <TextField name="jours_grace" label="Délai de grâce, en jours" value=grace errors=errors inputmode="numeric"
                        hint="Les pass restent acceptés ce nombre de jours après la fin de validité." class="field--short"/>
                </div>
            </fieldset>

            <fieldset class="panel">
                <legend>"Le territoire"</legend>
                <p class="hint">"Les pass ne sont acceptés que par les structures situées sur ce territoire. Indiquez des départements, des communes, ou les deux."</p>
                <TextField name="departements" label="Départements" value=departements errors=errors
                    hint="Numéros séparés par des virgules, par exemple : 29, 22."/>
                <TextField name="communes" label="Communes (codes INSEE)" value=communes errors=errors
                    hint="Codes INSEE séparés par des virgules, par exemple 29019 pour Brest (ce n'est pas le code postal)."/>
            </fieldset>

            <fieldset class="panel" id="criteres">
                <legend>"Les publics visés"</legend>
                <p class="hint">"Les conseillers remettent un carnet à une personne qui remplit au moins un de ces critères."</p>
                <FieldError name="criteres" errors=errors/>
                <div class="checks">
                    {CRITERES_STANDARD.iter().map(|(code, label)| {
                        let code = code.to_string();
                        let c2 = code.clone();
                        view! {
                            <label class="radio">
                                <input type="checkbox" value=code.clone()
                                    prop:checked=move || criteres.read().contains(&c2)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        let code = code.clone();
                                        criteres.update(|c| { c.retain(|x| *x != code); if on { c.push(code); } });
                                    }/>
                                {*label}
                            </label>
                        }
                    }).collect_view()}
                </div>
                <div class="field" class:field--invalid=invalid("criteres_libres")>
                    <label for="criteres_libres">"Autres publics visés"</label>
                    <p class="hint" id="criteres_libres-hint">"Un par ligne, par exemple « Parents d'élèves »."</p>
                    <FieldError name="criteres_libres" errors=errors/>
                    <textarea id="criteres_libres" rows="3" aria-describedby="criteres_libres-hint criteres_libres-error"
                        prop:value=move || libres.get() on:input=move |ev| libres.set(event_target_value(&ev))></textarea>
                </div>
            </fieldset>

            <div class="actions">
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { "Création des carnets…" } else { "Passer la commande" }}
                </button>
                <a class="button button--secondary" href="/commandes">"Annuler"</a>
            </div>
        </form>
    }
}
