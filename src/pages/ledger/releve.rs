//! `/releves/:id`: one statement, printable — its lines grouped by commanditaire, totals, state,
//! and the SHA-256 fingerprint that proves it has not changed since it was issued.

use super::etat_releve;
use crate::api::ledger as api;
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use crate::horloge::today;
use crate::pages::lieux::pluriel;
use carnet_domain::ledger::api::ReleveDetail;
use carnet_domain::ledger::releve::{ContenuReleve, Sens};
use carnet_domain::money::format_euros;
use carnet_domain::paris::{date_courte, date_longue};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn RelevePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let data = LocalResource::new(move || {
        let id = id();
        async move { api::releve(id).await }
    });
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <Releve d=d/> }.into_any(),
                    Err(e) => view! { <Titre texte="Relevé"/><ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Releve(d: ReleveDetail) -> impl IntoView {
    let r = d.releve;
    let print = |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    view! {
        <div class="page-head">
            <Titre texte={format!("Relevé {} — {}", r.mois.libelle(), r.structure.nom)}/>
            <span class=format!("badge badge--{}", r.etat)>{etat_releve(&r.etat)}</span>
        </div>
        <div class="actions no-print">
            <a class="button button--secondary" href=format!("/api/v1/releves/{}/csv", r.id) download="">"Télécharger (CSV, tableur)"</a>
            <button type="button" class="button button--secondary" on:click=print>"Imprimer"</button>
        </div>
        <section class="panel releve">
            <dl class="facts">
                <dt>"Numéro"</dt><dd>{r.numero.clone()}</dd>
                <dt>"Structure"</dt><dd>{r.structure.nom.clone()}</dd>
                <dt>"Opérateur"</dt><dd>{r.operateur.nom.clone()}</dd>
                <dt>"Mois"</dt><dd>{r.mois.libelle()}</dd>
                <dt>"Émis le"</dt><dd>{date_longue(today(r.emis_at))}</dd>
                <dt>"Envoyé le"</dt><dd>{r.envoye_at.map(|d| date_longue(today(d))).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Payé le"</dt><dd>{r.paye_at.map(|d| date_longue(today(d))).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Total dû"</dt><dd data-testid="releve-total">{format_euros(r.total_centimes)}</dd>
                <dt>"Empreinte SHA-256"</dt><dd class="hash code">{r.hash.clone()}</dd>
            </dl>
            <p class="hint">"L'empreinte est calculée à l'émission sur le contenu du relevé ; un relevé émis ne change plus. Une validation annulée après l'émission apparaît en ligne d'annulation sur le relevé suivant."</p>
            <Lignes contenu=d.contenu/>
        </section>
    }
}

/// A statement's lines, one table per commanditaire, with subtotals and the total.
#[component]
pub fn Lignes(contenu: ContenuReleve) -> impl IntoView {
    if contenu.groupes.is_empty() {
        return view! { <p class="empty">"Aucun pass validé."</p> }.into_any();
    }
    let total = contenu.total_centimes;
    view! {
        {contenu.groupes.into_iter().map(|g| view! {
            <div class="table-wrap" tabindex="0" role="region" aria-label=format!("Tableau des pass de {}", g.commanditaire)>
                <table class="table">
                    <caption>{format!("{} : {}, {}, {}", g.commanditaire, pluriel(g.nb_validations, "validation", "validations"), pluriel(g.nb_annulations, "annulation", "annulations"), format_euros(g.total_centimes))}</caption>
                    <thead><tr>
                        <th scope="col">"Code du pass"</th><th scope="col">"Carnet"</th><th scope="col">"Commande"</th>
                        <th scope="col">"Validé le"</th><th scope="col">"Opération"</th><th scope="col" class="num">"Montant"</th>
                    </tr></thead>
                    <tbody>
                        {g.lignes.into_iter().map(|l| view! {
                            <tr class:ligne--annulation=l.sens == Sens::Annulation>
                                <th scope="row" class="code">{l.code}</th>
                                <td class="code">{l.carnet}</td>
                                <td>{l.commande}</td>
                                <td>{date_courte(l.date_validation)}</td>
                                <td>{match (l.sens, l.date_annulation) {
                                    (Sens::Annulation, Some(d)) => format!("Annulation du {}", date_courte(d)),
                                    (Sens::Annulation, None) => "Annulation".to_string(),
                                    _ => "Validation".to_string(),
                                }}</td>
                                <td class="num">{format_euros(l.montant_centimes)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                    <tfoot><tr><th scope="row" colspan="5">{format!("Sous-total {}", g.commanditaire)}</th>
                        <td class="num">{format_euros(g.total_centimes)}</td></tr></tfoot>
                </table>
            </div>
        }).collect_view()}
        <p class="releve__total">{format!("Total : {}", format_euros(total))}</p>
    }
    .into_any()
}
