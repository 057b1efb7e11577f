//! Distribution at intake: instead of typing a carnet's codes, the conseiller picks a carnet of
//! their lot and ticks the buyer's criteria the person meets; afterwards, the accredited
//! structures that accept the carnet, nearest first (printable, to hand to the person).

use crate::api;
use crate::components::form::FieldError;
use crate::components::page::Titre;
use carnet_domain::api::{FieldErrors, IntakeRequest};
use carnet_domain::intake;
use carnet_domain::ledger::api::{CarnetDuLot, DistributionCreated, DistributionRequest};
use carnet_domain::ledger::distribution::{champ_du_carnet, verifier_criteres};
use carnet_domain::money::format_euros;
use carnet_domain::paris::date_courte;
use leptos::prelude::*;

/// What the intake form knows of the choice: whether the carnet comes from the lot, which one,
/// and the criteria ticked.
#[derive(Clone, Copy)]
pub struct ChoixLot {
    pub actif: RwSignal<bool>,
    pub carnet: RwSignal<Option<i64>>,
    pub criteres: RwSignal<Vec<String>>,
    pub lot: RwSignal<Vec<CarnetDuLot>>,
}

impl ChoixLot {
    pub fn new() -> ChoixLot {
        ChoixLot {
            actif: RwSignal::new(false),
            carnet: RwSignal::new(None),
            criteres: RwSignal::new(Vec::new()),
            lot: RwSignal::new(Vec::new()),
        }
    }

    pub fn request(&self, intake: IntakeRequest) -> DistributionRequest {
        DistributionRequest {
            intake,
            carnet_id: self.carnet.get_untracked().unwrap_or(0),
            criteres: self.criteres.get_untracked(),
        }
    }

    /// The app's checks before sending: the person's fields by the intake's rules, a carnet
    /// chosen, at least one of its criteria.
    pub fn erreurs(&self, req: &IntakeRequest, today: chrono::NaiveDate) -> FieldErrors {
        let mut errors: FieldErrors = match intake::validate(req, today) {
            Ok(_) => FieldErrors::new(),
            Err(e) => e.into_iter().filter(|(k, _)| !champ_du_carnet(k)).collect(),
        };
        let chosen = self.carnet.get_untracked();
        let carnet = self.lot.with_untracked(|l| l.iter().find(|c| Some(c.id) == chosen).cloned());
        match carnet {
            None => {
                errors.insert("carnet_id".into(), "Carnet : choisissez un carnet de votre lot.".into());
            }
            Some(c) => {
                let codes: Vec<String> = c.criteres.iter().map(|k| k.code.clone()).collect();
                if let Err(e) = verifier_criteres(&self.criteres.get_untracked(), &codes) {
                    errors.extend(e);
                }
            }
        }
        errors
    }
}

impl Default for ChoixLot {
    fn default() -> Self {
        ChoixLot::new()
    }
}

/// The choice between a carnet of one's lot and a carnet typed in; shown only when the lot holds
/// carnets (then it is the default).
#[component]
pub fn ChoixCarnet(choix: ChoixLot, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let loaded = api::lecture::<Vec<CarnetDuLot>>(|| "/carnets/mon-lot".into());
    Effect::new(move |_| {
        if let Some(Ok(lot)) = loaded.get() {
            let has = !lot.is_empty();
            if has && choix.carnet.get_untracked().is_none() {
                choix.carnet.set(Some(lot[0].id));
            }
            choix.lot.set(lot);
            choix.actif.set(has);
        }
    });
    let chosen = move || {
        let id = choix.carnet.get();
        choix.lot.with(|l| l.iter().find(|c| Some(c.id) == id).cloned())
    };
    let invalid_carnet = Signal::derive(move || errors.read().contains_key("carnet_id"));
    move || {
        let n = choix.lot.with(Vec::len);
        (n > 0).then(|| {
            view! {
                <fieldset class="field lot-choice">
                    <legend>"D'où vient le carnet ?"</legend>
                    <div class="radios">
                        <label class="radio"><input type="radio" name="origine" prop:checked=move || choix.actif.get()
                            on:change=move |_| choix.actif.set(true)/>{format!("Un carnet de mon lot ({n} disponible{})", if n > 1 { "s" } else { "" })}</label>
                        <label class="radio"><input type="radio" name="origine" prop:checked=move || !choix.actif.get()
                            on:change=move |_| choix.actif.set(false)/>"Un carnet reçu d'ailleurs : saisir ses codes"</label>
                    </div>
                </fieldset>
                <Show when=move || choix.actif.get()>
                    <div class="field" class:field--invalid=invalid_carnet>
                        <label for="carnet_id">"Carnet remis à la personne (obligatoire)"</label>
                        <FieldError name="carnet_id" errors=errors/>
                        <select id="carnet_id" aria-describedby="carnet_id-error"
                            on:change=move |ev| {
                                choix.carnet.set(event_target_value(&ev).parse().ok());
                                choix.criteres.set(Vec::new());
                            }>
                            {move || choix.lot.get().into_iter().map(|c| {
                                let id = c.id;
                                view! {
                                    <option value=id.to_string() selected=move || choix.carnet.get() == Some(id)>
                                        {format!("{} — {} pass de {}, {} (jusqu'au {})", c.numero, c.nb_passes,
                                            format_euros(c.valeur_faciale_centimes), c.commanditaire, date_courte(c.date_limite))}
                                    </option>
                                }
                            }).collect_view()}
                        </select>
                    </div>
                    <fieldset class="field" id="criteres" class:field--invalid=move || errors.read().contains_key("criteres")>
                        <legend>"Critères du commanditaire que la personne remplit (au moins un, obligatoire)"</legend>
                        <p class="hint">"Seuls les critères cochés sont gardés : aucun justificatif n'est enregistré."</p>
                        <FieldError name="criteres" errors=errors/>
                        <div class="checks">
                            {move || chosen().map(|c| c.criteres.into_iter().map(|k| {
                                let code = k.code.clone();
                                let c2 = code.clone();
                                view! {
                                    <label class="radio">
                                        <input type="checkbox" value=code.clone() prop:checked=move || choix.criteres.read().contains(&c2)
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                let code = code.clone();
                                                choix.criteres.update(|v| { v.retain(|x| *x != code); if on { v.push(code); } });
                                            }/>
                                        {k.libelle}
                                    </label>
                                }
                            }).collect_view())}
                        </div>
                    </fieldset>
                </Show>
            }
        })
    }
}

/// After the distribution: where the person can use the carnet.
#[component]
pub fn Orientation(d: DistributionCreated, prenom: String) -> impl IntoView {
    let print = |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    let votre = d.structure_acceptee;
    view! {
        <Titre texte={format!("Carnet {} remis à {prenom}", d.carnet_numero)}/>
        <div class="notice notice--success" role="status">
            {if votre {
                "Votre structure accepte ce carnet : les séances du parcours peuvent avoir lieu ici."
            } else {
                "Votre structure n'est pas agréée pour ce carnet : orientez la personne vers un des lieux ci-dessous."
            }}
        </div>
        <section class="orientation-apres-accueil" aria-labelledby="orientation-title">
            <h2 id="orientation-title">"Où utiliser ce carnet"</h2>
            <p>"Les lieux les plus proches de la personne qui acceptent le Pass numérique, dans le territoire de la commande. La même liste figure dans son espace et sur la liste à imprimer."</p>
            {if d.lieux.is_empty() {
                view! { <p class="empty">"Aucun lieu acceptant le Pass numérique n'est encore connu dans ce territoire."</p> }.into_any()
            } else {
                view! { <crate::pages::lieux::orientation::ListeLieux lieux=d.lieux.clone()/> }.into_any()
            }}
        </section>
        <div class="actions">
            <a class="button" href=format!("/parcours/{}", d.parcours_id)>"Continuer vers le parcours"</a>
            <button type="button" class="button button--secondary" on:click=print>"Imprimer la liste"</button>
        </div>
    }
}
