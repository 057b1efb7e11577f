//! `/parcours/:id`: the parcours overview — where the person is, and what was recorded at intake.

use crate::api;
use crate::components::page::Titre;
use crate::components::stepper::{href, Stepper};
use crate::components::{ErrorNotice, Loading};
use crate::horloge::today;
use carnet_domain::coop;
use carnet_domain::intake::CANAUX_RECEPTION;
use carnet_domain::money::format_euros;
use carnet_domain::parcours::etapes::{etape_courante, Etape};
use carnet_domain::parcours::Dossier;
use carnet_domain::paris::{date_courte, date_longue};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

pub fn etat_pass(etat: &str) -> &'static str {
    match etat {
        "distribue" => "Disponible",
        "valide" => "Utilisé",
        "expire" => "Expiré",
        "annule" => "Annulé",
        _ => "Inconnu",
    }
}

#[component]
pub fn ParcoursPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let data = LocalResource::new(move || {
        let id = id();
        async move { api::parcours(id).await }
    });
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <Overview d=d/> }.into_any(),
                    Err(e) => view! { <Titre texte="Parcours"/><ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Overview(d: Dossier) -> impl IntoView {
    let faits = d.faits();
    let courante = etape_courante(&faits);
    let prochaine = d.prochaine_seance().map(|s| (s.id, s.debut));
    let p = d.clone();
    let b = p.beneficiaire.clone();
    let c = p.carnet.clone();
    let used = c.passes.iter().filter(|x| x.etat == "valide").count();
    let opt = |v: Option<String>, table: coop::Vocabulaire| {
        v.and_then(|v| coop::label(table, &v)).unwrap_or("Non renseigné").to_string()
    };
    view! {
        <Stepper parcours_id=p.id reached=Signal::stored(courante) current=Etape::Accueil termine=faits.termine/>
        <div class="page-head">
            <Titre texte={format!("Parcours de {}", b.prenom)}/>
            <span class="badge">{if p.etat == "termine" { "Terminé" } else { "En cours" }}</span>
        </div>
        <p class="lead">{format!("Ouvert le {} par {} · {used} pass utilisé{} sur {}", date_longue(today(p.created_at)), p.conseiller, if used > 1 { "s" } else { "" }, c.nb_passes)}</p>
        <div class="panel panel--accent reprendre">
            {if faits.termine {
                view! {
                    <p>"Parcours terminé : le bilan est prêt à imprimer."</p>
                    <a class="button" href=format!("/parcours/{}/bilan/imprimer", p.id)>"Imprimer le bilan"</a>
                }.into_any()
            } else {
                view! {
                    <p>{format!("Étape en cours : {} ({} sur 6).", courante.libelle(), courante.numero())}
                        {prochaine.map(|(_, debut)| format!(" Prochaine séance : {} à {}.", date_longue(debut.date()), carnet_domain::parcours::planning::heure(debut.time())))}</p>
                    <a class="button" href=href(p.id, courante)>{format!("Reprendre : {}", courante.libelle())}</a>
                }.into_any()
            }}
            {d.pack.as_ref().map(|pk| view! { <p class="hint">{format!("Pack : {}", pk.nom)}</p> })}
        </div>
        <p><a href=format!("/parcours/{}/orientation", p.id)>"Lieux proches qui acceptent le Pass (à imprimer)"</a></p>

        <div class="grid-2">
            <section class="panel" aria-labelledby="personne-title">
                <h2 id="personne-title">"La personne"</h2>
                <dl class="facts">
                    <dt>"Prénom ou alias"</dt><dd>{b.prenom.clone()}</dd>
                    <dt>"Année de naissance"</dt><dd>{b.annee_naissance.map(|y| y.to_string()).unwrap_or_else(|| "Non renseignée".into())}</dd>
                    <dt>"Tranche d'âge"</dt><dd>{opt(b.tranche_age.clone(), coop::TRANCHE_AGE)}</dd>
                    <dt>"Commune"</dt><dd>{b.commune.as_ref().map(|c| format!("{} (INSEE {})", c.libelle(), c.code_insee)).unwrap_or_else(|| "Non renseignée".into())}</dd>
                    <dt>"Genre"</dt><dd>{opt(b.genre.clone(), coop::GENRE)}</dd>
                    <dt>"Statut"</dt><dd>{opt(b.statut_social.clone(), coop::STATUT_SOCIAL)}</dd>
                </dl>
            </section>
            <section class="panel" aria-labelledby="reception-title">
                <h2 id="reception-title">"Réception du carnet"</h2>
                <dl class="facts">
                    <dt>"Commanditaire"</dt><dd>{c.commanditaire.clone()}</dd>
                    <dt>"Remis par"</dt><dd>{coop::label(CANAUX_RECEPTION, &c.canal).unwrap_or("—")}</dd>
                    <dt>"Le"</dt><dd>{date_longue(c.date_reception)}</dd>
                </dl>
            </section>
        </div>

        <crate::pages::lien::LienPersonnel parcours_id=p.id/>

        <section class="panel" aria-labelledby="carnet-title">
            <h2 id="carnet-title">{format!("Carnet n° {}", c.numero)}</h2>
            <p>{format!("{} pass de {} · valable jusqu'au {}", c.nb_passes, format_euros(c.valeur_faciale_centimes), date_courte(c.fin_validite))}</p>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des pass du carnet">
                <table class="table">
                    <caption class="visually-hidden">"Les pass du carnet"</caption>
                    <thead><tr><th scope="col">"Pass"</th><th scope="col">"Code"</th><th scope="col">"État"</th></tr></thead>
                    <tbody>
                        {c.passes.into_iter().map(|pass| view! {
                            <tr>
                                <th scope="row">{format!("n°{}", pass.rang)}</th>
                                <td class="code">{pass.code}</td>
                                <td>{etat_pass(&pass.etat)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
