//! `/parcours/:id/seances` (step 5): the schedule with each session's state, and
//! `/parcours/:id/seances/:sid`: one session — its theme and objectives; held (the pass typed or
//! scanned, validated at once), its report; absent (with a replacement); moved; a validation
//! cancelled.

use crate::api::{self, ApiError};
use crate::components::champs::{options, Cases, RadioGroup, TextArea};
use crate::components::confirm::Confirm;
use crate::components::form::FieldError;
use crate::components::form::TextField;
use crate::components::page::Titre;
use crate::components::wizard::{use_contexte, EtapeFrame};
use crate::pages::planning::DureeField;
use carnet_domain::api::FieldErrors;
use carnet_domain::coop;
use carnet_domain::money::format_euros;
use carnet_domain::parcours::competences;
use carnet_domain::parcours::etapes::{prerequis, Etape};
use carnet_domain::parcours::planning::{heure, DateHeure};
use carnet_domain::parcours::seance::{
    pas_encore_eu_lieu, AbsenceRequest, AnnulationRequest, CompteRendu, StatutSeance, TenueRequest,
};
use carnet_domain::parcours::{Dossier, PropositionRemplacement, SeanceView};
use carnet_domain::paris::date_longue;
use chrono::{NaiveDateTime, Timelike};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use wasm_bindgen::JsCast;

fn quand(s: &SeanceView) -> String {
    format!("{}, {} – {}", date_longue(s.debut.date()), heure(s.debut.time()), heure(s.fin.time()))
}

pub fn statut_badge(s: StatutSeance) -> AnyView {
    let class = match s {
        StatutSeance::Prevue => "badge",
        StatutSeance::Tenue => "badge badge--done",
        _ => "badge badge--warn",
    };
    view! { <span class=class>{s.libelle()}</span> }.into_any()
}

fn titre_seance(s: &SeanceView, nb: i64) -> String {
    match (s.numero, &s.theme) {
        (Some(k), Some(t)) => format!("Séance {k} sur {nb} : {}", t.titre),
        (Some(k), None) => format!("Séance {k} sur {nb}"),
        (None, _) => "Séance manquée".to_string(),
    }
}

/// « Séance 3 sur 5 — Monique » (the tab's title: the theme is left to the page).
fn onglet_seance(s: &SeanceView, nb: i64, prenom: &str) -> String {
    match s.numero {
        Some(k) => format!("Séance {k} sur {nb} — {prenom}"),
        None => format!("Séance manquée du {} — {prenom}", date_longue(s.debut.date())),
    }
}

#[component]
pub fn SeancesPage() -> impl IntoView {
    view! { <EtapeFrame etape=Etape::Seances render=|d| view! { <Liste d=d/> }.into_any()/> }
}

#[component]
fn Liste(d: Dossier) -> impl IntoView {
    let id = d.id;
    let nb = d.carnet.nb_passes;
    let f = d.faits();
    let tenues = f.seances_tenues;
    let libres = d.carnet.passes.iter().filter(|p| p.etat == "distribue").count();
    let bilan_ok = prerequis(Etape::Bilan, &f).is_ok();
    let actives = d.seances.iter().filter(|s| !s.statut.est_absence()).count();
    let maintenant = crate::horloge::heure_locale();
    let rappels = crate::pages::rappels::charger(id);
    view! {
        <div class="page-head">
            <Titre texte={format!("Séances — {}", d.beneficiaire.prenom)}/>
            <a class="button button--secondary" href=api::calendar_url(id) download=format!("parcours-{id}-seances.ics")>"Télécharger le calendrier (.ics)"</a>
        </div>
        <p class="lead">{format!("{tenues} séance{} tenue{} sur {nb} · {libres} pass disponible{}", if tenues > 1 { "s" } else { "" }, if tenues > 1 { "s" } else { "" }, if libres > 1 { "s" } else { "" })}</p>
        <progress class="progress" max=nb value=tenues aria-label="Séances tenues">{format!("{tenues} sur {nb}")}</progress>
        {bilan_ok.then(|| view! {
            <div class="notice notice--success">
                <p>"Toutes les séances ont eu lieu : vous pouvez faire le bilan."</p>
                <p><a class="button" href=format!("/parcours/{id}/bilan")>"Passer au bilan"</a></p>
            </div>
        })}
        <ol class="seances">
            {d.seances.iter().map(|s| {
                let a_tenir = s.statut == StatutSeance::Prevue && s.debut <= maintenant;
                view! {
                    <li class="seance" class:seance--absente=s.statut.est_absence() class:seance--a-tenir=a_tenir>
                        <div class="seance__quand">{quand(s)}</div>
                        <div class="seance__quoi">
                            <a href=format!("/parcours/{id}/seances/{}", s.id)>{titre_seance(s, nb)}</a>
                            {s.pass.as_ref().map(|p| view! { <span class="seance__pass">{format!(" · pass n°{} ({})", p.rang, p.code)}</span> })}
                        </div>
                        <div class="seance__etat">
                            {statut_badge(s.statut)}
                            {s.prevenu_par_personne.then(|| view! { <span class="badge">"prévenu(e) par la personne"</span> })}
                            {a_tenir.then(|| view! { <span class="badge badge--warn">"À enregistrer"</span> })}
                            <crate::pages::rappels::Etat etats=rappels seance=s.id/>
                        </div>
                    </li>
                }
            }).collect_view()}
        </ol>
        {(libres > 0 && !f.termine && !f.abandonne).then(|| view! { <NonPrevue id=id/> })}
        {(actives < nb as usize && !f.termine && !f.abandonne).then(|| view! { <Ajouter id=id/> })}
    }
}

/// The person came without a planned session: the session is held on the spot, its pass
/// validated, in one action (a session added if passes remain without one, else the next planned
/// session held now).
#[component]
fn NonPrevue(id: i64) -> impl IntoView {
    let ctx = use_contexte();
    let maintenant = crate::horloge::heure_locale();
    let code = RwSignal::new(String::new());
    let date = RwSignal::new(maintenant.format("%Y-%m-%d").to_string());
    let heure_s = RwSignal::new(maintenant.format("%H:00").to_string());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let valider = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let req = TenueRequest {
            code: code.get_untracked(),
            date: date.get_untracked(),
            heure: heure_s.get_untracked(),
            plus_tot: false,
        };
        pending.set(true);
        message.set(None);
        errors.set(FieldErrors::new());
        spawn_local(async move {
            match api::hold_unplanned(id, &req).await {
                Ok(_) => ctx.recharger(),
                Err(ApiError::Invalid { fields, .. }) => errors.set(prefixer(fields, "sur-place-")),
                Err(e) => message.set(Some(e.message())),
            }
            pending.set(false);
        });
    };
    view! {
        <form class="panel form" on:submit=valider novalidate aria-labelledby="sur-place-title">
            <h2 id="sur-place-title">"Séance non prévue : valider un pass"</h2>
            <p class="hint">"La personne est venue sans séance prévue à ce moment : la séance est enregistrée comme tenue et son pass validé."</p>
            <p class="field-error" role="alert">{move || message.get()}</p>
            <TextField name="sur-place-code" label="Code du pass" required=true hint="XXXX-XXXX-XXXX, tapé ou scanné." value=code errors=errors/>
            <DateHeureFields prefixe="sur-place-" date=date heure=heure_s errors=errors/>
            <button type="submit" class="button" disabled=move || pending.get()>
                {move || if pending.get() { "Validation…" } else { "Valider le pass" }}
            </button>
        </form>
    }
}

/// When an absence was not replaced: add a session (at the proposed slot or another date); on a
/// missed session's page (`remplace`), the session replacing it.
#[component]
fn Ajouter(id: i64, #[prop(optional)] remplace: Option<i64>) -> impl IntoView {
    let ctx = use_contexte();
    let date = RwSignal::new(String::new());
    let heure_s = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    spawn_local(async move {
        if let Ok(p) = api::replacement(id).await {
            date.set(p.debut.format("%Y-%m-%d").to_string());
            heure_s.set(p.debut.format("%H:%M").to_string());
        }
    });
    let ajouter = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = DateHeure { date: date.get_untracked(), heure: heure_s.get_untracked() };
        spawn_local(async move {
            let r = match remplace {
                None => api::add_session(id, &req).await,
                Some(sid) => api::replace_session(sid, &req).await,
            };
            match r {
                Ok(_) => ctx.recharger_avec(if remplace.is_some() {
                    "Séance de remplacement ajoutée au planning."
                } else {
                    "Séance ajoutée au planning."
                }),
                Err(ApiError::Invalid { fields, .. }) => errors.set(prefixer(fields, "ajout-")),
                Err(e) => message.set(Some(e.message())),
            }
        });
    };
    view! {
        <form class="panel form" on:submit=ajouter novalidate>
            <h2>{if remplace.is_some() { "Programmer une séance de remplacement" } else { "Ajouter une séance" }}</h2>
            <p class="hint">"Il reste des pass sans séance prévue. La date proposée suit le rythme du parcours."</p>
            <p class="field-error" role="alert">{move || message.get()}</p>
            <DateHeureFields prefixe="ajout-" date=date heure=heure_s errors=errors/>
            <button type="submit" class="button">{if remplace.is_some() { "Programmer le remplacement" } else { "Ajouter la séance" }}</button>
        </form>
    }
}

/// The server names fields `date`, `heure`, `code`…; a page with several forms prefixes them
/// so that ids stay unique and each error lands in its own form.
fn prefixer(fields: FieldErrors, prefixe: &str) -> FieldErrors {
    let mut out = FieldErrors::new();
    for (k, v) in fields {
        out.insert(format!("{prefixe}{k}"), v);
    }
    out
}

/// Date and time fields (`<prefixe>date`, `<prefixe>heure`), with the next free slot offered
/// when one is refused.
#[component]
fn DateHeureFields(
    prefixe: &'static str,
    date: RwSignal<String>,
    heure: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    // The server offers the slot under the field it refused: the date (move, add) or the hour
    // (a session held today at a busy hour).
    let cles = [format!("{prefixe}proposition_date"), format!("{prefixe}proposition_heure")];
    let proposition = move || {
        let e = errors.read();
        cles.iter().find_map(|k| e.get(k)).and_then(|p| NaiveDateTime::parse_from_str(p, "%Y-%m-%dT%H:%M").ok())
    };
    view! {
        <div class="field-row">
            <TextField name=format!("{prefixe}date") label="Date" value=date errors=errors input_type="date"/>
            <TextField name=format!("{prefixe}heure") label="Heure" value=heure errors=errors input_type="time"/>
        </div>
        {move || proposition().map(|dt| view! {
            <button type="button" class="button button--secondary button--small" on:click=move |_| {
                date.set(dt.format("%Y-%m-%d").to_string());
                heure.set(dt.format("%H:%M").to_string());
            }>{format!("Utiliser le créneau libre du {} à {}", date_longue(dt.date()), carnet_domain::parcours::planning::heure(dt.time()))}</button>
        })}
    }
}

#[component]
pub fn SeancePage() -> impl IntoView {
    view! { <EtapeFrame etape=Etape::Seances render=|d| view! { <Seance d=d/> }.into_any()/> }
}

#[component]
fn Seance(d: Dossier) -> impl IntoView {
    let params = use_params_map();
    let sid = params.read_untracked().get("sid").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let Some(s) = d.seances.iter().find(|s| s.id == sid).cloned() else {
        return view! { <Titre texte="Séance"/><div class="notice notice--error" role="alert"><p>"Cette séance n'existe pas dans ce parcours."</p></div> }.into_any();
    };
    let id = d.id;
    let nb = d.carnet.nb_passes;
    let termine = d.faits().termine;
    let initial = d.diagnostic_initial.as_ref().map(|x| x.niveaux.clone()).unwrap_or_default();
    let objectifs = d.objectifs.clone();
    let theme = s.theme.clone();
    let cibles: Vec<_> = theme
        .as_ref()
        .map(|t| {
            t.competences
                .iter()
                .map(|c| {
                    let cible = objectifs.iter().find(|o| &o.competence == c).map(|o| o.niveau_cible.libelle());
                    let depart = initial.get(c).map(|n| n.libelle());
                    (competences::libelle(c), depart, cible)
                })
                .collect()
        })
        .unwrap_or_default();
    view! {
        <p><a href=format!("/parcours/{id}/seances")>"← Toutes les séances"</a></p>
        <div class="page-head">
            <Titre texte={titre_seance(&s, nb)} onglet=onglet_seance(&s, nb, &d.beneficiaire.prenom)/>
            {statut_badge(s.statut)}
            {s.prevenu_par_personne.then(|| view! { <span class="badge">"prévenu(e) par la personne"</span> })}
        </div>
        <p class="lead">{format!("{} avec {} · {}", quand(&s), d.beneficiaire.prenom, coop::label(coop::TYPE_LIEU, &s.type_lieu).unwrap_or(""))}</p>
        <section class="panel" aria-labelledby="theme-title">
            <h2 id="theme-title">"Thème et objectifs"</h2>
            {theme.as_ref().map(|t| view! {
                <p>{t.thematiques.iter().filter_map(|c| coop::label(coop::THEMATIQUES_MEDIATION_NUMERIQUE, c)).collect::<Vec<_>>().join(" · ")}</p>
            })}
            {if cibles.is_empty() {
                view! { <p class="hint">"Pas de compétence ciblée pour cette séance."</p> }.into_any()
            } else {
                view! {
                    <ul class="list">
                        {cibles.into_iter().map(|(c, depart, cible)| view! {
                            <li><strong>{c}</strong>{format!(" — au départ : {} ; objectif : {}", depart.unwrap_or("non évalué"), cible.unwrap_or("pas d'objectif fixé"))}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        {match (s.statut, termine) {
            (_, true) => view! { <p class="notice">"Ce parcours est clôturé : la séance ne peut plus être modifiée."</p> }.into_any(),
            (StatutSeance::Prevue, _) => view! {
                <Tenir s=s.clone() prochain=d.prochain_pass() d=d.clone()/>
                <Absence s=s.clone() id=id/>
                <Deplacer s=s.clone()/>
            }.into_any(),
            (StatutSeance::Tenue, _) => view! {
                <Tenue s=s.clone()/>
                <Annuler s=s.clone()/>
            }.into_any(),
            _ => {
                let remplacee = d.seances.iter().find(|x| x.remplace == Some(s.id)).map(|x| x.debut);
                let actives = d.seances.iter().filter(|x| !x.statut.est_absence()).count();
                let libre = actives < nb as usize && !d.faits().abandonne;
                view! {
                    <p class="notice">{format!("{} : aucun pass n'a été utilisé.", s.statut.libelle())}</p>
                    {match remplacee {
                        Some(r) => view! { <p>{format!("Remplacée par la séance du {} à {}.", date_longue(r.date()), heure(r.time()))}</p> }.into_any(),
                        None if libre => view! { <Ajouter id=id remplace=s.id/> }.into_any(),
                        None => ().into_any(),
                    }}
                }.into_any()
            }
        }}
    }
    .into_any()
}

/// « La séance a eu lieu » : the pass code, typed or scanned (a scanner types it and presses Enter).
#[component]
fn Tenir(s: SeanceView, prochain: Option<i64>, d: Dossier) -> impl IntoView {
    let ctx = use_contexte();
    let maintenant = crate::horloge::heure_locale();
    // Planned later than now: held only if it took place earlier, said explicitly, at the real date
    // and hour (prefilled with now, to the quarter hour below).
    let a_venir = pas_encore_eu_lieu(s.debut, maintenant);
    let plus_tot = RwSignal::new(false);
    let (defaut, heure_defaut) = if a_venir {
        let quart = maintenant.time().with_minute(maintenant.minute() / 15 * 15).unwrap_or(maintenant.time());
        (maintenant.date(), heure(quart))
    } else {
        (s.debut.date(), heure(s.debut.time()))
    };
    let code = RwSignal::new(String::new());
    let date = RwSignal::new(defaut.format("%Y-%m-%d").to_string());
    let heure_s = RwSignal::new(heure_defaut.clone());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let ouvert = RwSignal::new(false);
    let sid = s.id;
    let hint = match prochain {
        Some(r) => format!("Prochain pass du carnet : n°{r}. Tapez le code (XXXX-XXXX-XXXX) ou scannez-le."),
        None => "Tous les pass du carnet sont utilisés.".to_string(),
    };
    let _ = d;
    let valider = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let req = TenueRequest {
            code: code.get_untracked(),
            date: date.get_untracked(),
            heure: heure_s.get_untracked(),
            plus_tot: plus_tot.get_untracked(),
        };
        pending.set(true);
        message.set(None);
        spawn_local(async move {
            match api::hold(sid, &req).await {
                Ok(_) => ctx.recharger_avec("Séance enregistrée, pass validé. Le compte rendu de la séance suit."),
                Err(ApiError::Invalid { fields, .. }) => {
                    // Said at once (the alert), and the focus stays where the next try is typed or
                    // scanned: the code, unless only the date or the hour was refused.
                    let raisons = fields
                        .iter()
                        .filter(|(k, _)| !k.starts_with("proposition_"))
                        .map(|(_, v)| v.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    let champ = if fields.contains_key("code") {
                        "tenue-code"
                    } else if fields.contains_key("plus_tot") {
                        "tenue-plus_tot"
                    } else if fields.contains_key("date") {
                        "tenue-date"
                    } else if fields.contains_key("heure") {
                        "tenue-heure"
                    } else {
                        "tenue-code"
                    };
                    errors.set(prefixer(fields, "tenue-"));
                    message.set(Some(format!("Le pass n'a pas été validé. {raisons}")));
                    request_animation_frame(move || {
                        if let Some(input) = document()
                            .get_element_by_id(champ)
                            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
                        {
                            let _ = input.focus();
                            input.select();
                        }
                    });
                }
                Err(e) => message.set(Some(e.message())),
            }
            pending.set(false);
        });
    };
    view! {
        <form class="panel form" on:submit=valider novalidate aria-labelledby="tenir-title">
            <h2 id="tenir-title">"La séance a eu lieu : valider le pass"</h2>
            <p class="field-error" role="alert">{move || message.get()}</p>
            {a_venir.then(|| view! {
                <div class="field" class:field--invalid=move || errors.read().contains_key("tenue-plus_tot")>
                    <p class="hint" id="tenue-plus_tot-hint">{format!("Cette séance est prévue le {} à {} : elle n'a pas encore eu lieu.", date_longue(s.debut.date()), heure(s.debut.time()))}</p>
                    <FieldError name="tenue-plus_tot" errors=errors/>
                    <label class="checkbox">
                        <input id="tenue-plus_tot" type="checkbox" aria-describedby="tenue-plus_tot-hint tenue-plus_tot-error"
                            prop:checked=move || plus_tot.get()
                            on:change=move |ev| { let c = event_target_checked(&ev); plus_tot.set(c); if c { ouvert.set(true); } }/>
                        "La séance a eu lieu plus tôt que prévu"
                    </label>
                </div>
            })}
            <div class="field" class:field--invalid=move || errors.read().contains_key("tenue-code")>
                <label for="tenue-code">"Code du pass (obligatoire)"</label>
                <p class="hint" id="tenue-code-hint">{hint}</p>
                <FieldError name="tenue-code" errors=errors/>
                <input id="tenue-code" type="text" class="code-input" autocomplete="off" spellcheck="false" autocapitalize="characters"
                    maxlength="20" aria-describedby="tenue-code-hint tenue-code-error"
                    aria-invalid=move || if errors.read().contains_key("tenue-code") { "true" } else { "false" }
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
            </div>
            // Open once opened (by the conseillère, or by an error on the date or hour): a later
            // error on the code alone must not hide the date and hour being corrected.
            <details prop:open=move || ouvert.get() || errors.read().keys().any(|k| k != "tenue-code")
                on:toggle=move |ev| ouvert.set(event_target::<web_sys::Element>(&ev).has_attribute("open"))>
                <summary>{format!("Date et heure réelles : {} à {}", date_longue(defaut), heure_defaut)}</summary>
                <DateHeureFields prefixe="tenue-" date=date heure=heure_s errors=errors/>
            </details>
            // Never disabled: a disabled button would drop the focus to the top of the document.
            <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                {move || if pending.get() { "Validation…" } else { "Valider le pass" }}
            </button>
        </form>
    }
}

#[component]
fn Tenue(s: SeanceView) -> impl IntoView {
    let ctx = use_contexte();
    let sid = s.id;
    let p = s.pass.clone();
    let cr = s.compte_rendu.clone();
    let theme = s.theme.clone();
    let thematiques =
        RwSignal::new(cr.as_ref().map(|c| c.thematiques.clone()).or(theme.map(|t| t.thematiques)).unwrap_or_default());
    let duree = RwSignal::new(
        cr.as_ref().map(|c| c.duree_minutes).unwrap_or(((s.fin - s.debut).num_minutes()) as u32).to_string(),
    );
    let materiel = RwSignal::new(cr.as_ref().map(|c| c.materiel.clone()).unwrap_or_default());
    let autonomie = RwSignal::new(cr.as_ref().and_then(|c| c.autonomie.clone()).unwrap_or_default());
    let notes = RwSignal::new(cr.as_ref().map(|c| c.notes.clone()).unwrap_or_default());
    let errors = RwSignal::new(FieldErrors::new());
    let touched = RwSignal::new(false);
    let request = move || CompteRendu {
        thematiques: thematiques.get(),
        duree_minutes: duree.get(),
        materiel: materiel.get(),
        autonomie: autonomie.get(),
        notes: notes.get(),
    };
    let etat = crate::components::autosave::autosave(
        move || api::to_json(&request()),
        format!("/seances/{sid}/compte-rendu"),
        |_| {},
        errors,
        touched,
    );
    let enregistrer = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = request();
        spawn_local(async move {
            match api::save_report(sid, &req).await {
                Ok(_) => ctx.recharger_avec(format!(
                    "Compte rendu enregistré à {}.",
                    crate::components::autosave::heure_locale()
                )),
                Err(ApiError::Invalid { fields, .. }) => errors.set(fields),
                Err(e) => {
                    etat.set(crate::components::autosave::Etat::Erreur(format!("Pas enregistré. {}", e.message())))
                }
            }
        });
    };
    view! {
        {p.map(|p| view! {
            <div class="notice notice--success">
                <p><strong>{format!("Pass n°{} validé", p.rang)}</strong>{match &p.a_reclamer_a {
                    None => format!(" ({}) le {} : {} crédités à {}, payés au relevé du mois.", p.code, date_longue(crate::horloge::today(p.validated_at)), format_euros(p.valeur_centimes), p.structure_creditee),
                    Some(emetteur) => format!(" ({}) le {} : carnet reçu d'ailleurs, {} à faire rembourser par son émetteur ({emetteur}) ; il ne figure sur aucun relevé Carnet.", p.code, date_longue(crate::horloge::today(p.validated_at)), format_euros(p.valeur_centimes)),
                }}</p>
            </div>
        })}
        <form class="panel form" on:submit=enregistrer novalidate aria-labelledby="cr-title"
            on:input=move |_| touched.set(true) on:change=move |_| touched.set(true)>
            <h2 id="cr-title">"Compte rendu de la séance"</h2>
            <Cases legende="Thématiques abordées (obligatoire)" prefixe="thematiques"
                choix=options(coop::THEMATIQUES_MEDIATION_NUMERIQUE) valeur=thematiques errors=errors/>
            <DureeField duree=duree errors=errors/>
            <Cases legende="Matériel utilisé" prefixe="materiel" choix=options(coop::MATERIEL) valeur=materiel errors=errors/>
            <RadioGroup name="autonomie" legend="Autonomie pendant la séance" options=options(coop::AUTONOMIE) value=autonomie errors=errors/>
            <TextArea name="notes" label="Notes" value=notes errors=errors/>
            <crate::components::autosave::StatutSauvegarde etat=etat/>
            <button type="submit" class="button">"Enregistrer le compte rendu"</button>
        </form>
    }
}

#[component]
fn Absence(s: SeanceView, id: i64) -> impl IntoView {
    let ctx = use_contexte();
    let statut = RwSignal::new(String::new());
    let remplacer = RwSignal::new(true);
    let proposition = RwSignal::new(None::<Result<PropositionRemplacement, ApiError>>);
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let sid = s.id;
    spawn_local(async move {
        let _ = proposition.try_set(Some(api::replacement(id).await));
    });
    let enregistrer = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = AbsenceRequest { statut: statut.get_untracked(), remplacement: remplacer.get_untracked() };
        spawn_local(async move {
            match api::absence(sid, &req).await {
                Ok(_) => ctx.recharger_avec("Absence enregistrée."),
                Err(ApiError::Invalid { fields, .. }) => errors.set(fields),
                Err(e) => message.set(Some(e.message())),
            }
        });
    };
    view! {
        <details class="panel">
            <summary><h2>"La personne était absente"</h2></summary>
            <form class="form" on:submit=enregistrer novalidate>
                <p class="field-error" role="alert">{move || message.get()}</p>
                <RadioGroup name="statut" legend="Absence" required=true value=statut errors=errors
                    options=options(&[(StatutSeance::AbsenteExcusee.code(), "Excusée (la personne a prévenu)"), (StatutSeance::AbsenteNonExcusee.code(), "Non excusée")])/>
                <FieldError name="remplacement" errors=errors/>
                {move || match proposition.get() {
                    Some(Ok(p)) => view! {
                        <label class="case case--large">
                            <input type="checkbox" prop:checked=move || remplacer.get() on:change=move |ev| remplacer.set(event_target_checked(&ev))/>
                            <span>{format!("Programmer une séance de remplacement le {} à {}", date_longue(p.debut.date()), heure(p.debut.time()))}</span>
                        </label>
                        {(!p.notes.is_empty()).then(|| view! { <ul class="notes">{p.notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul> })}
                    }.into_any(),
                    Some(Err(e)) => {
                        remplacer.set(false);
                        view! { <p class="notice notice--warn">{format!("Pas de remplacement possible : {}", e.fields().values().next().cloned().unwrap_or_else(|| e.message()))}</p> }.into_any()
                    }
                    None => view! { <p class="loading">"Recherche d'un créneau de remplacement…"</p> }.into_any(),
                }}
                <p class="hint">"Aucun pass n'est utilisé pour une absence."</p>
                <button type="submit" class="button">"Enregistrer l'absence"</button>
            </form>
        </details>
    }
}

#[component]
fn Deplacer(s: SeanceView) -> impl IntoView {
    let ctx = use_contexte();
    let date = RwSignal::new(s.debut.format("%Y-%m-%d").to_string());
    let heure_s = RwSignal::new(s.debut.format("%H:%M").to_string());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let sid = s.id;
    let deplacer = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = DateHeure { date: date.get_untracked(), heure: heure_s.get_untracked() };
        spawn_local(async move {
            match api::move_session(sid, &req).await {
                Ok(_) => ctx.recharger_avec("Séance déplacée."),
                Err(ApiError::Invalid { fields, .. }) => errors.set(prefixer(fields, "deplacer-")),
                Err(e) => message.set(Some(e.message())),
            }
        });
    };
    view! {
        <details class="panel" open=move || !errors.read().is_empty()>
            <summary><h2>"Déplacer la séance"</h2></summary>
            <form class="form" on:submit=deplacer novalidate>
                <p class="field-error" role="alert">{move || message.get()}</p>
                <DateHeureFields prefixe="deplacer-" date=date heure=heure_s errors=errors/>
                <button type="submit" class="button">"Déplacer la séance"</button>
            </form>
        </details>
    }
}

#[component]
fn Annuler(s: SeanceView) -> impl IntoView {
    let ctx = use_contexte();
    let navigate = use_navigate();
    let motif = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let sid = s.id;
    let rang = s.pass.as_ref().map(|p| p.rang).unwrap_or(0);
    let confirmer = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let demander = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        confirmer.set(true);
    };
    let annuler = move || {
        let req = AnnulationRequest { motif: motif.get_untracked() };
        let _ = &navigate;
        pending.set(true);
        spawn_local(async move {
            match api::cancel_validation(sid, &req).await {
                Ok(_) => ctx.recharger_avec("Validation du pass annulée : le pass est de nouveau disponible."),
                Err(ApiError::Invalid { fields, .. }) => {
                    let _ = confirmer.try_set(false);
                    let _ = errors.try_set(fields);
                }
                Err(e) => {
                    let _ = confirmer.try_set(false);
                    let _ = message.try_set(Some(e.message()));
                }
            }
            let _ = pending.try_set(false);
        });
    };
    view! {
        <details class="panel panel--danger">
            <summary><h2>"Annuler la validation du pass"</h2></summary>
            <form class="form" on:submit=demander novalidate>
                <p>"En cas d'erreur (mauvais pass, séance qui n'a pas eu lieu) : le pass redevient disponible, sa valeur n'est plus créditée."</p>
                <p class="field-error" role="alert">{move || message.get()}</p>
                <TextArea name="motif" label="Motif" required=true maxlength=300 value=motif errors=errors/>
                <button type="submit" class="button button--danger">"Annuler la validation…"</button>
            </form>
            <Confirm open=confirmer id="confirm-annulation" title=format!("Annuler la validation du pass n°{rang} ?")
                confirm_label="Oui, annuler la validation" danger=true pending=pending on_confirm=Callback::new(move |_| annuler())>
                <p>"Le pass redeviendra disponible et la séance sera de nouveau « prévue »."</p>
            </Confirm>
        </details>
    }
}
