//! `/parcours/nouveau`: parcours step 1 — the person, their carnet, and how they received it.
//! The domain's rules run here for instant feedback and again on the server, which decides.

use crate::api::{self, ApiError};
use crate::components::brouillon::{self, BrouillonRetrouve};
use crate::components::form::{described_by, ErrorSummary, FieldError, SelectField, TextField};
use crate::components::page::{focus_plus_tard, Titre};
use crate::components::stepper::ETAPES;
use crate::pages::ledger::distribution::{ChoixCarnet, ChoixLot, Orientation};
use carnet_domain::api::{Commune, FieldErrors, IntakeRequest};
use carnet_domain::coop;
use carnet_domain::intake::{self, code_field, CANAUX_RECEPTION};
use carnet_domain::ledger::api::DistributionCreated;
use carnet_domain::pass_code::{split_pasted, PassCode};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use serde::{Deserialize, Serialize};

const MAX_PASSES: usize = 10;

const BROUILLON: &str = "carnet.brouillon.accueil";

/// What the draft keeps: the person and the carnet as typed. The information and consent boxes
/// are not kept: they are given again, at the moment the intake is saved.
#[derive(Default, Serialize, Deserialize)]
struct BrouillonAccueil {
    req: IntakeRequest,
    commune_texte: String,
}

fn today() -> chrono::NaiveDate {
    crate::horloge::aujourdhui()
}

/// The order of the fields on screen, for the error summary.
fn field_order() -> Vec<String> {
    let mut order: Vec<String> = [
        "prenom",
        "annee_naissance",
        "tranche_age",
        "commune_insee",
        "genre",
        "statut_social",
        "carnet_id",
        "criteres",
        "carnet_numero",
        "nb_passes",
        "valeur_faciale",
        "fin_validite",
        "codes",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    order.extend((1..=MAX_PASSES).map(code_field));
    order.extend(["commanditaire", "canal", "date_reception"].iter().map(|s| s.to_string()));
    order.extend(super::notice::INFORMATION_FIELDS.iter().map(|s| s.to_string()));
    order
}

#[component]
pub fn IntakePage() -> impl IntoView {
    let navigate = use_navigate();
    let prenom = RwSignal::new(String::new());
    let annee = RwSignal::new(String::new());
    let commune = RwSignal::new(String::new());
    let genre = RwSignal::new(String::new());
    let tranche = RwSignal::new(String::new());
    let statut = RwSignal::new(String::new());
    let numero = RwSignal::new(String::new());
    let nb_passes = RwSignal::new("5".to_string());
    let valeur = RwSignal::new("10".to_string());
    let fin = RwSignal::new(String::new());
    let codes: Vec<RwSignal<String>> = (0..MAX_PASSES).map(|_| RwSignal::new(String::new())).collect();
    let commanditaire = RwSignal::new(String::new());
    let canal = RwSignal::new(String::new());
    let recu = RwSignal::new(today().format("%Y-%m-%d").to_string());
    let information = super::notice::InformationSignals::new();

    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let summary = NodeRef::<html::Div>::new();
    // A carnet of the conseiller's lot (issue 4) instead of one typed in.
    let choix = ChoixLot::new();
    let remis = RwSignal::new(None::<DistributionCreated>);

    let derived_band = move || {
        annee.get().trim().parse::<i32>().ok().filter(|y| (1900..=2100).contains(y)).map(|y| {
            let code = coop::tranche_age(y, chrono::Datelike::year(&today()));
            coop::label(coop::TRANCHE_AGE, code).unwrap_or("")
        })
    };

    let codes_for_request = codes.clone();
    let request = move || {
        let n: usize = nb_passes.get_untracked().parse().unwrap_or(5);
        IntakeRequest {
            prenom: prenom.get_untracked(),
            annee_naissance: annee.get_untracked(),
            commune_insee: commune.get_untracked(),
            genre: genre.get_untracked(),
            tranche_age: tranche.get_untracked(),
            statut_social: statut.get_untracked(),
            carnet_numero: numero.get_untracked(),
            nb_passes: nb_passes.get_untracked(),
            valeur_faciale: valeur.get_untracked(),
            fin_validite: fin.get_untracked(),
            codes: codes_for_request.iter().take(n).map(|c| c.get_untracked()).collect(),
            commanditaire: commanditaire.get_untracked(),
            canal: canal.get_untracked(),
            date_reception: recu.get_untracked(),
            information: information.request(),
        }
    };

    let focus_summary = move || {
        focus_plus_tard(summary);
    };

    // The draft: restored before the fields are drawn, kept at each change, erased once saved.
    let commune_texte = RwSignal::new(String::new());
    let retrouve = RwSignal::new(false);
    let non_enregistre = RwSignal::new(false);
    if let Some(b) = brouillon::lire::<BrouillonAccueil>(BROUILLON) {
        let r = b.req;
        for (signal, v) in [
            (prenom, r.prenom),
            (annee, r.annee_naissance),
            (commune, r.commune_insee),
            (genre, r.genre),
            (tranche, r.tranche_age),
            (statut, r.statut_social),
            (numero, r.carnet_numero),
            (nb_passes, r.nb_passes),
            (valeur, r.valeur_faciale),
            (fin, r.fin_validite),
            (commanditaire, r.commanditaire),
            (canal, r.canal),
            (recu, r.date_reception),
        ] {
            signal.set(v);
        }
        for (signal, v) in codes.iter().zip(r.codes) {
            signal.set(v);
        }
        commune_texte.set(b.commune_texte);
        retrouve.set(true);
        non_enregistre.set(true);
    }
    brouillon::avertir_en_quittant(non_enregistre);
    let request_brouillon = request.clone();
    let garder = move || {
        non_enregistre.set(true);
        let b = BrouillonAccueil { req: request_brouillon(), commune_texte: commune_texte.get_untracked() };
        brouillon::ecrire(BROUILLON, &b);
    };
    let garder_apres = garder.clone();
    let garder_commune = garder.clone();
    let garder_paste = garder.clone();
    let enregistre = move || {
        brouillon::effacer(BROUILLON);
        non_enregistre.set(false);
    };
    let abandonner = Callback::new(move |_| {
        brouillon::effacer(BROUILLON);
        non_enregistre.set(false);
        let _ = window().location().reload();
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        message.set(None);
        let req = request();
        if choix.actif.get_untracked() {
            let mut local = choix.erreurs(&req, today());
            local.extend(carnet_domain::donnees::valider_information(&req.information).err().unwrap_or_default());
            if !local.is_empty() {
                errors.set(local);
                focus_summary();
                return;
            }
            errors.set(FieldErrors::new());
            pending.set(true);
            let dreq = choix.request(req);
            spawn_local(async move {
                match api::ledger::distribuer(&dreq).await {
                    Ok(d) => {
                        enregistre();
                        remis.set(Some(d));
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
            return;
        }
        let mut local = intake::validate(&req, today()).err().unwrap_or_default();
        local.extend(carnet_domain::donnees::valider_information(&req.information).err().unwrap_or_default());
        if !local.is_empty() {
            errors.set(local);
            focus_summary();
            return;
        }
        errors.set(FieldErrors::new());
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::create_parcours(&req).await {
                Ok(created) => {
                    enregistre();
                    navigate(&format!("/parcours/{}", created.parcours_id), Default::default());
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

    view! {
        {move || remis.get().map(|d| view! { <Orientation d=d prenom=prenom.get_untracked()/> })}
        <div class:hidden=move || remis.read().is_some()>
        <nav class="stepper" aria-label="Étapes du parcours">
            <ol>
                {ETAPES.iter().enumerate().map(|(i, (_, label))| view! {
                    <li class=if i == 0 { "stepper__step stepper__step--current" } else { "stepper__step stepper__step--locked" }
                        aria-current=if i == 0 { Some("step") } else { None }>
                        <span>
                            <span class="stepper__num" aria-hidden="true">{(i + 1).to_string()}</span>
                            <span class="stepper__label">{*label}</span>
                            <span class="visually-hidden">{format!(" (étape {} sur {})", i + 1, ETAPES.len())}</span>
                        </span>
                    </li>
                }).collect_view()}
            </ol>
        </nav>
        <Titre texte="Nouveau parcours : accueil"/>
        <p class="lead">"Enregistrez la personne et son carnet de Pass numérique. Les champs marqués « obligatoire » sont nécessaires ; le reste peut attendre."</p>
        <ErrorSummary errors=errors message=message node_ref=summary order=Signal::derive(field_order)/>
        <BrouillonRetrouve visible=retrouve on_abandon=abandonner/>
        <form class="form" on:submit=on_submit novalidate
            on:input=move |_| garder() on:change=move |_| garder_apres() on:paste=move |_| garder_paste()>
            <fieldset class="panel">
                <legend>"La personne"</legend>
                <p class="hint">"Carnet est pseudonyme par défaut : un prénom ou un alias suffit. Ne notez rien sur la situation sociale de la personne."</p>
                <TextField name="prenom" label="Prénom ou alias" value=prenom errors=errors required=true autocomplete="off"/>
                <div class="field-row">
                    <TextField name="annee_naissance" label="Année de naissance" value=annee errors=errors
                        inputmode="numeric" hint="Sur 4 chiffres, par exemple 1958." class="field--short"/>
                    <Show when=move || derived_band().is_none()
                        fallback=move || view! {
                            <div class="field"><p class="label-like">"Tranche d'âge"</p>
                            <p class="derived" aria-live="polite">{move || derived_band().unwrap_or("")}</p></div>
                        }>
                        <SelectField name="tranche_age" label="Tranche d'âge" value=tranche errors=errors
                            options=coop::TRANCHE_AGE hint="Si l'année n'est pas connue."/>
                    </Show>
                </div>
                <CommuneField value=commune errors=errors initial_text=commune_texte.get_untracked()
                    on_choose=Callback::new(move |c: Commune| { commune_texte.set(c.libelle()); garder_commune(); })/>
                <div class="field-row">
                    <SelectField name="genre" label="Genre" value=genre errors=errors options=coop::GENRE/>
                    <SelectField name="statut_social" label="Statut" value=statut errors=errors options=coop::STATUT_SOCIAL/>
                </div>
            </fieldset>

            <fieldset class="panel">
                <legend>"Le carnet"</legend>
                <ChoixCarnet choix=choix errors=errors/>
                <div class:hidden=move || choix.actif.get()>
                <div class="field-row">
                    <TextField name="carnet_numero" label="Numéro du carnet" value=numero errors=errors required=true
                        hint="Imprimé sur la couverture."/>
                    <TextField name="valeur_faciale" label="Valeur d'un pass, en euros" value=valeur errors=errors required=true
                        inputmode="decimal" class="field--short"/>
                    <TextField name="fin_validite" label="Fin de validité" value=fin errors=errors required=true input_type="date"/>
                </div>
                <fieldset class="field" id="nb_passes">
                    <legend>"Nombre de pass dans le carnet (obligatoire)"</legend>
                    <FieldError name="nb_passes" errors=errors/>
                    <div class="radios">
                        {["5", "10"].into_iter().map(|n| view! {
                            <label class="radio">
                                <input type="radio" name="nb_passes" value=n
                                    prop:checked=move || nb_passes.get() == n
                                    on:change=move |_| nb_passes.set(n.to_string())/>
                                {format!("{n} pass")}
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                <PassCodes codes=codes.clone() nb_passes=nb_passes errors=errors/>
                </div>
            </fieldset>

            <fieldset class="panel" class:hidden=move || choix.actif.get()>
                <legend>"Comment le carnet a été reçu"</legend>
                <TextField name="commanditaire" label="Commanditaire (qui a financé le carnet)" value=commanditaire errors=errors
                    required=true hint="Par exemple « Brest métropole » ou « CAF du Finistère »."/>
                <div class="field-row">
                    <SelectField name="canal" label="Remis par" value=canal errors=errors options=CANAUX_RECEPTION
                        empty_label="Choisir…" required=true/>
                    <TextField name="date_reception" label="Date de remise" value=recu errors=errors required=true input_type="date"/>
                </div>
            </fieldset>

            <super::notice::InformationFieldset s=information errors=errors/>

            <div class="actions">
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { "Enregistrement…" } else { "Enregistrer l'accueil" }}
                </button>
                <a class="button button--secondary" href="/">"Annuler"</a>
            </div>
        </form>
        </div>
    }
}

/// One input per pass. Pasting all the codes into one field fills it and those after it; each
/// code is checked when the field is left, with the reason under it.
#[component]
fn PassCodes(
    codes: Vec<RwSignal<String>>,
    nb_passes: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let info = RwSignal::new(None::<String>);
    let all = StoredValue::new(codes.clone());
    let check = move |rang: usize, text: String| {
        let field = code_field(rang);
        errors.update(|e| {
            e.remove(&field);
            if !text.trim().is_empty() {
                if let Err(err) = PassCode::parse(&text) {
                    e.insert(field, format!("Pass n°{rang} : {err}"));
                }
            }
        });
    };
    let on_paste = move |start: usize, ev: leptos::ev::Event| {
        let Some(ev) = wasm_bindgen::JsCast::dyn_ref::<web_sys::ClipboardEvent>(&ev) else { return };
        let Some(text) = ev.clipboard_data().and_then(|d| d.get_data("text").ok()) else { return };
        let parts = split_pasted(&text);
        if parts.len() < 2 {
            return;
        }
        ev.prevent_default();
        let n: usize = nb_passes.get_untracked().parse().unwrap_or(5);
        let fields = all.get_value();
        let mut filled = 0;
        for (offset, code) in parts.iter().enumerate() {
            let i = start + offset;
            if i >= n {
                break;
            }
            let shown = PassCode::parse(code).map(|c| c.display()).unwrap_or_else(|_| code.clone());
            fields[i].set(shown.clone());
            check(i + 1, shown);
            filled += 1;
        }
        let ignored = parts.len() - filled;
        info.set(Some(if ignored > 0 {
            format!(
                "{filled} codes collés ; {ignored} en trop ignoré{} : vérifiez le nombre de pass du carnet.",
                if ignored > 1 { "s" } else { "" }
            )
        } else {
            format!("{filled} codes collés.")
        }));
    };
    view! {
        <div class="pass-codes" id="codes">
            <p class="label-like">"Codes des pass (obligatoire)"</p>
            <p class="hint" id="codes-hint">"12 caractères par code, au format XXXX-XXXX-XXXX, majuscules ou minuscules. Vous pouvez coller tous les codes d'un coup dans le premier champ."</p>
            <FieldError name="codes" errors=errors/>
            <p class="info" role="status">{move || info.get()}</p>
            <ol class="pass-codes__list">
                {codes.into_iter().enumerate().map(|(i, value)| {
                    let rang = i + 1;
                    let name = code_field(rang);
                    let n2 = name.clone();
                    let invalid = Signal::derive(move || errors.read().contains_key(&n2));
                    view! {
                        <li class="field pass-code" class:field--invalid=invalid
                            class:hidden={move || nb_passes.get().parse::<usize>().unwrap_or(5) < rang}>
                            <label for=name.clone()>{format!("Pass n°{rang}")}</label>
                            <FieldError name=name.clone() errors=errors/>
                            <input id=name.clone() name=name.clone() type="text" autocomplete="off" spellcheck="false"
                                autocapitalize="characters" class="code-input" maxlength="20"
                                aria-describedby=format!("codes-hint {}", described_by(&name, false))
                                aria-invalid=move || if invalid.get() { "true" } else { "false" }
                                prop:value=move || value.get()
                                on:input=move |ev| value.set(event_target_value(&ev))
                                on:blur=move |_| check(rang, value.get_untracked())
                                on:paste=move |ev| on_paste(i, ev.into())/>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </div>
    }
}

/// Commune of residence: an accessible combobox over the official list, by name or postcode.
/// What is stored is the INSEE code. Other forms reuse it with their own label and learn the
/// chosen commune through `on_choose`.
#[component]
pub fn CommuneField(
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    /// What the field shows at first (the commune already recorded, when correcting).
    #[prop(optional, into)]
    initial_text: String,
    #[prop(optional, into)] label: Option<String>,
    #[prop(optional)] on_choose: Option<Callback<Commune>>,
) -> impl IntoView {
    let label = label.unwrap_or_else(|| "Commune de résidence".to_string());
    let text = RwSignal::new(initial_text);
    let options = RwSignal::new(Vec::<Commune>::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let status = RwSignal::new(String::new());
    // Only the answer to the latest keystroke is shown.
    let generation = StoredValue::new(0u32);

    let search = move |q: String| {
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        if q.trim().chars().count() < 2 {
            options.set(Vec::new());
            open.set(false);
            status.set(String::new());
            return;
        }
        spawn_local(async move {
            let found = api::communes(&q).await.unwrap_or_default();
            if generation.get_value() != mine {
                return;
            }
            status.set(match found.len() {
                0 => "Aucune commune trouvée.".to_string(),
                1 => "1 commune proposée.".to_string(),
                n => format!("{n} communes proposées."),
            });
            open.set(!found.is_empty());
            active.set(None);
            options.set(found);
        });
    };

    let choose = move |c: Commune| {
        if let Some(cb) = on_choose {
            cb.run(c.clone());
        }
        text.set(c.libelle());
        value.set(c.code_insee.clone());
        open.set(false);
        status.set(format!("{} choisie.", c.nom));
        errors.update(|e| {
            e.remove("commune_insee");
        });
    };

    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = options.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % n)));
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(n - 1, |i| (i + n - 1) % n)));
            }
            "Enter" if open.get_untracked() => {
                if let Some(i) = active.get_untracked() {
                    ev.prevent_default();
                    if let Some(c) = options.with_untracked(|o| o.get(i).cloned()) {
                        choose(c);
                    }
                }
            }
            "Escape" => open.set(false),
            _ => {}
        }
    };

    let invalid = Signal::derive(move || errors.read().contains_key("commune_insee"));
    view! {
        <div class="field combobox" class:field--invalid=invalid>
            <label for="commune_insee">{label}</label>
            <p class="hint" id="commune_insee-hint">"Tapez le nom ou le code postal, puis choisissez dans la liste."</p>
            <FieldError name="commune_insee" errors=errors/>
            <input id="commune_insee" type="text" role="combobox" autocomplete="off"
                aria-autocomplete="list" aria-controls="commune-options"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-activedescendant=move || active.get().filter(|_| open.get()).map(|i| format!("commune-option-{i}"))
                aria-describedby="commune_insee-hint commune_insee-error"
                aria-invalid=move || if invalid.get() { "true" } else { "false" }
                prop:value=move || text.get()
                on:input=move |ev| {
                    let q = event_target_value(&ev);
                    text.set(q.clone());
                    value.set(String::new());
                    search(q);
                }
                on:keydown=on_key
                on:blur=move |_| {
                    // Let a click on an option land before the list closes.
                    set_timeout(move || open.set(false), std::time::Duration::from_millis(200));
                }/>
            <ul id="commune-options" role="listbox" aria-label="Communes proposées" class="combobox__list"
                class:hidden=move || !open.get()>
                {move || options.get().into_iter().enumerate().map(|(i, c)| {
                    let label = c.libelle();
                    let chosen = c.clone();
                    view! {
                        <li id=format!("commune-option-{i}") role="option"
                            class="combobox__option"
                            class:combobox__option--active=move || active.get() == Some(i)
                            aria-selected=move || if active.get() == Some(i) { "true" } else { "false" }
                            on:mousedown=move |ev| { ev.prevent_default(); choose(chosen.clone()); }>
                            {label}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="visually-hidden" role="status" aria-live="polite">{move || status.get()}</p>
        </div>
    }
}
