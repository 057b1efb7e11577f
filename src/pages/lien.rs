//! The personal link of a parcours (the beneficiary space « Mon parcours »): the panel of the
//! parcours page (create, re-create, deactivate, each consequential step confirmed), and the
//! printable sheet `/parcours/:id/lien/imprimer` with the QR code, the short code and the
//! schedule.
//!
//! The server keeps only hashes: a link is shown once, when created. It is kept in this tab's
//! memory so the sheet and the bilan can print it; after a reload, printing it again means
//! creating a new one (the old one then stops working).

use crate::api::{self, ApiError};
use crate::components::confirm::Confirm;
use crate::components::page::{Confirmation, Titre};
use crate::components::wizard::{parcours_id_param, Chargement};
use crate::components::{ErrorNotice, Loading};
use carnet_domain::espace::{LienEmis, LienEtat};
use carnet_domain::parcours::planning::heure;
use carnet_domain::parcours::seance::StatutSeance;
use carnet_domain::parcours::Dossier;
use carnet_domain::paris::date_longue;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;
use std::collections::HashMap;

thread_local! {
    static EMIS: RefCell<HashMap<i64, LienEmis>> = RefCell::new(HashMap::new());
}

/// The link created for this parcours in this tab, if any.
pub fn emis(parcours_id: i64) -> Option<LienEmis> {
    EMIS.with(|m| m.borrow().get(&parcours_id).cloned())
}

fn garder(parcours_id: i64, lien: Option<LienEmis>) {
    EMIS.with(|m| match lien {
        Some(l) => {
            m.borrow_mut().insert(parcours_id, l);
        }
        None => {
            m.borrow_mut().remove(&parcours_id);
        }
    });
}

/// The QR code drawn by the server (an SVG of black squares), with a text alternative.
#[component]
pub fn QrCode(svg: String) -> impl IntoView {
    view! { <div class="qr" role="img" aria-label="QR code du lien personnel" inner_html=svg></div> }
}

/// What the panel can do to the link, each through the one action below.
#[derive(Clone, Copy)]
enum Geste {
    Creer,
    Retirer,
    NouvelAgenda,
    RetirerAgenda,
}

/// What the server answered: a new link (shown once), or the link's new state.
#[derive(Clone)]
enum Reponse {
    Emis(LienEmis),
    Etat(LienEtat),
}

impl Geste {
    async fn envoyer(self, parcours_id: i64) -> Result<Reponse, ApiError> {
        Ok(match self {
            Geste::Creer => Reponse::Emis(api::emettre_lien(parcours_id).await?),
            Geste::Retirer => Reponse::Etat(api::revoquer_lien(parcours_id).await?),
            Geste::NouvelAgenda => Reponse::Etat(api::emettre_agenda(parcours_id).await?),
            Geste::RetirerAgenda => Reponse::Etat(api::revoquer_agenda(parcours_id).await?),
        })
    }

    fn fait(self) -> &'static str {
        match self {
            Geste::Creer => "Lien personnel créé : donnez-le à la personne, ou imprimez sa fiche.",
            Geste::Retirer => "Lien personnel désactivé : il ne permet plus d'ouvrir l'espace de la personne.",
            Geste::NouvelAgenda => "Nouvelle adresse d'agenda créée : la personne s'y abonne depuis son espace (l'ancienne ne reçoit plus rien).",
            Geste::RetirerAgenda => "Adresse d'agenda désactivée : les agendas abonnés ne reçoivent plus rien ; le lien personnel marche toujours.",
        }
    }
}

/// The panel of the parcours page.
#[component]
pub fn LienPersonnel(parcours_id: i64) -> impl IntoView {
    let etat = RwSignal::new(None::<Result<LienEtat, ApiError>>);
    let lien = RwSignal::new(emis(parcours_id));
    let erreur = RwSignal::new(None::<ApiError>);
    let confirmer_nouveau = RwSignal::new(false);
    let confirmer_retrait = RwSignal::new(false);
    let confirmer_agenda = RwSignal::new(false);
    let confirmer_retrait_agenda = RwSignal::new(false);
    // What was just done, said and given the focus (the confirmation panel that had it closes).
    let fait = RwSignal::new(None::<&'static str>);
    spawn_local(async move {
        let _ = etat.try_set(Some(api::lien(parcours_id).await));
    });

    let geste = Action::new_unsync(move |g: &Geste| {
        let g = *g;
        async move { (g, g.envoyer(parcours_id).await) }
    });
    let pending: Signal<bool> = geste.pending().into();
    Effect::new(move |_| {
        let Some((g, reponse)) = geste.value().get() else { return };
        match reponse {
            Ok(r) => {
                match r {
                    Reponse::Emis(l) => {
                        etat.set(Some(Ok(l.etat.clone())));
                        garder(parcours_id, Some(l.clone()));
                        lien.set(Some(l));
                    }
                    Reponse::Etat(e) => {
                        if !e.actif {
                            garder(parcours_id, None);
                            lien.set(None);
                        }
                        etat.set(Some(Ok(e)));
                    }
                }
                erreur.set(None);
                for c in [confirmer_nouveau, confirmer_retrait, confirmer_agenda, confirmer_retrait_agenda] {
                    c.set(false);
                }
                fait.set(Some(g.fait()));
            }
            Err(e) => erreur.set(Some(e)),
        }
    });
    let faire = move |g: Geste| {
        Callback::new(move |_| {
            geste.dispatch(g);
        })
    };

    view! {
        <section class="panel lien-panel" aria-labelledby="lien-title">
            <h2 id="lien-title">"Lien personnel"</h2>
            <p class="hint">"La personne voit ses rendez-vous et ses progrès sur son téléphone, sans compte ni mot de passe : par ce lien, son QR code ou son code à taper. Elle peut seulement prévenir qu'elle ne pourra pas venir."</p>
            {move || erreur.get().map(|e| view! { <ErrorNotice error=e/> })}
            {move || fait.get().map(|m| view! { <Confirmation message=m/> })}
            {move || match etat.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(e)) => view! { <ErrorNotice error=e/> }.into_any(),
                Some(Ok(e)) => {
                    let montre = lien.get();
                    view! {
                        {match (&montre, e.actif) {
                            (Some(l), true) => view! {
                                <div class="lien-emis">
                                    <QrCode svg=l.qr_svg.clone()/>
                                    <div>
                                        <label for="lien-url">"Lien à ouvrir sur son téléphone"</label>
                                        <input id="lien-url" type="text" readonly value=l.url.clone()/>
                                        <p>"Ou, sur "<strong>{l.accueil.clone()}</strong>", le code : "</p>
                                        <p class="lien-code">{l.code.clone()}</p>
                                        <p><a class="button" href=format!("/parcours/{parcours_id}/lien/imprimer")>"Imprimer la fiche du lien"</a></p>
                                    </div>
                                </div>
                            }.into_any(),
                            (None, true) => view! {
                                <p>{format!("Un lien est actif (créé le {}).", e.cree.clone().unwrap_or_default())}</p>
                                <p class="hint">"Carnet ne garde pas le lien lui-même (seulement une empreinte) : pour le montrer ou l'imprimer à nouveau, créez-en un nouveau."</p>
                            }.into_any(),
                            _ => view! { <p>"Pas de lien actif."</p> }.into_any(),
                        }}
                        {e.expire_le.clone().map(|jour| view! {
                            <p class="lien-expiration">{if e.expire {
                                format!("Le parcours est clos : ce lien a cessé de marcher le {jour}.")
                            } else {
                                format!("Le parcours est clos : ce lien cessera de marcher le {jour}.")
                            }}</p>
                        })}
                        <p class="hint">{if e.agenda {
                            "Agenda : la personne a accepté le lien d'agenda qui se met à jour tout seul."
                        } else {
                            "Agenda : sans son accord (page « Données et droits »), elle peut seulement télécharger ses rendez-vous."
                        }}</p>
                        {(e.actif && e.agenda).then(|| if e.jeton_agenda {
                            view! {
                                <p class="lien-agenda">"Adresse d'agenda : active."</p>
                                <div class="actions">
                                    <button type="button" class="button button--secondary" on:click=move |_| confirmer_agenda.set(true)>"Nouvelle adresse d'agenda"</button>
                                    <button type="button" class="button button--secondary" on:click=move |_| confirmer_retrait_agenda.set(true)>"Désactiver l'adresse d'agenda"</button>
                                </div>
                            }.into_any()
                        } else {
                            view! {
                                <p class="lien-agenda">"Adresse d'agenda : désactivée. Les agendas abonnés ne reçoivent plus les rendez-vous."</p>
                                <div class="actions">
                                    <button type="button" class="button button--secondary" disabled=move || pending.get()
                                        on:click=move |_| { geste.dispatch(Geste::NouvelAgenda); }>"Créer une adresse d'agenda"</button>
                                </div>
                            }.into_any()
                        })}
                        <div class="actions">
                            {if e.actif {
                                view! {
                                    <button type="button" class="button button--secondary" on:click=move |_| confirmer_nouveau.set(true)>"Créer un nouveau lien"</button>
                                    <button type="button" class="button button--secondary" on:click=move |_| confirmer_retrait.set(true)>"Désactiver le lien"</button>
                                }.into_any()
                            } else {
                                view! {
                                    <button type="button" class="button" disabled=move || pending.get()
                                        on:click=move |_| { geste.dispatch(Geste::Creer); }>"Créer le lien personnel"</button>
                                }.into_any()
                            }}
                        </div>
                    }.into_any()
                }
            }}
            <Confirm open=confirmer_nouveau id="confirmer-nouveau-lien" title="Créer un nouveau lien ?" confirm_label="Créer le nouveau lien"
                pending=pending on_confirm=faire(Geste::Creer)>
                <p>"L'ancien lien, son QR code et son code ne marcheront plus. Donnez la nouvelle fiche à la personne."</p>
            </Confirm>
            <Confirm open=confirmer_retrait id="confirmer-retrait-lien" title="Désactiver le lien ?" confirm_label="Désactiver" danger=true
                pending=pending on_confirm=faire(Geste::Retirer)>
                <p>"La personne ne pourra plus ouvrir son espace, ni avec le lien, ni avec le code, jusqu'à ce que vous en créiez un nouveau."</p>
            </Confirm>
            <Confirm open=confirmer_agenda id="confirmer-nouvel-agenda" title="Nouvelle adresse d'agenda ?" confirm_label="Créer la nouvelle adresse"
                pending=pending on_confirm=faire(Geste::NouvelAgenda)>
                <p>"Les agendas abonnés à l'ancienne adresse ne recevront plus les rendez-vous. La personne s'abonne à la nouvelle depuis son espace. Son lien personnel ne change pas."</p>
            </Confirm>
            <Confirm open=confirmer_retrait_agenda id="confirmer-retrait-agenda" title="Désactiver l'adresse d'agenda ?" confirm_label="Désactiver l'adresse" danger=true
                pending=pending on_confirm=faire(Geste::RetirerAgenda)>
                <p>"Les agendas abonnés ne recevront plus les rendez-vous, jusqu'à ce que vous créiez une nouvelle adresse. La personne peut toujours ouvrir son espace."</p>
            </Confirm>
        </section>
    }
}

/// The QR code and the short code, for a printed page (the sheet and the bilan).
#[component]
pub fn BlocLien(l: LienEmis) -> impl IntoView {
    view! {
        <div class="lien-print">
            <QrCode svg=l.qr_svg/>
            <div>
                <p><strong>"Votre espace « Mon parcours »"</strong></p>
                <p>"Scannez ce carré avec l'appareil photo de votre téléphone."</p>
                <p>{format!("Ou allez sur {} et tapez le code :", l.accueil)}</p>
                <p class="lien-code">{l.code}</p>
            </div>
        </div>
    }
}

/// `/parcours/:id/lien/imprimer`: the sheet given to the person.
#[component]
pub fn FicheLienPage() -> impl IntoView {
    let data = Chargement::new(parcours_id_param());
    move || match data.etat.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Ok(d)) => fiche(d),
        Some(Err(e)) => view! { <Titre texte="Fiche du lien personnel"/><ErrorNotice error=e/> }.into_any(),
    }
}

fn fiche(d: Dossier) -> AnyView {
    let id = d.id;
    let Some(l) = emis(id) else {
        return view! {
            <Titre texte="Fiche du lien personnel" onglet=format!("Fiche du lien personnel — {}", d.beneficiaire.prenom)/>
            <div class="notice notice--warn">
                <p>"Le lien n'est montré qu'au moment où il est créé. Créez un nouveau lien depuis la page du parcours, puis imprimez la fiche."</p>
                <p><a class="button" href=format!("/parcours/{id}")>"Retour au parcours"</a></p>
            </div>
        }
        .into_any();
    };
    let a_venir: Vec<_> = d.seances.iter().filter(|s| s.statut == StatutSeance::Prevue).cloned().collect();
    let n = d.carnet.nb_passes;
    view! {
        <div class="print-bar no-print">
            <a href=format!("/parcours/{id}")>"← Retour au parcours"</a>
            <button type="button" class="button" on:click=move |_| { let _ = window().print(); }>"Imprimer"</button>
        </div>
        <article class="bilan-print">
            <header class="bilan-print__head">
                <p class="bilan-print__brand">"Carnet · Pass numérique"</p>
                <Titre texte={format!("Vos rendez-vous, {}", d.beneficiaire.prenom)} onglet=format!("Fiche du lien personnel — {}", d.beneficiaire.prenom)/>
                <p>{format!("Avec {}, {}.", d.conseiller, d.structure)}</p>
            </header>
            <BlocLien l=l/>
            <section>
                <h2>"Vos prochaines séances"</h2>
                {if a_venir.is_empty() {
                    view! { <p>"Les dates seront fixées avec votre conseiller."</p> }.into_any()
                } else {
                    view! {
                        <ol class="fiche-seances">
                            {a_venir.iter().map(|s| view! {
                                <li>
                                    <strong>{format!("{} à {}", date_longue(s.debut.date()), heure(s.debut.time()))}</strong>
                                    {s.numero.map(|k| format!(" — séance {k} sur {n}"))}
                                    {s.theme.as_ref().map(|t| format!(" : {}", t.titre))}
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
                <p>"À apporter à chaque séance : votre carnet de Pass numérique."</p>
                <p>"Vous ne pouvez pas venir ? Prévenez depuis votre espace (« Je ne pourrai pas venir ») ou appelez votre conseiller."</p>
                <Joindre c=d.coordonnees.clone()/>
            </section>
        </article>
    }
    .into_any()
}

/// The structure's address and phone, for the person (nothing when neither is known).
#[component]
pub fn Joindre(c: carnet_domain::structure::Coordonnees) -> impl IntoView {
    (c.telephone.is_some() || c.adresse.is_some()).then(|| {
        view! {
            <p class="joindre">
                {c.adresse.map(|a| view! { <span>{format!("Adresse : {a}")}</span><br/> })}
                {c.telephone.map(|t| {
                    let href = format!("tel:{}", t.replace(' ', ""));
                    view! { <span>"Téléphone : "<a href=href>{t}</a></span> }
                })}
            </p>
        }
    })
}
