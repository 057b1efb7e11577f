//! The commanditaire's dashboard (its home): where the carnets it paid for are, what was used,
//! where, and what comes back as a credit. Aggregates only: no person is ever shown.

use crate::api::ledger as api;
use crate::components::barres::{serie, BarChart, StackedBar};
use crate::components::page::Titre;
use crate::components::{ErrorNotice, Loading};
use carnet_domain::ledger::api::TableauCommanditaire;
use carnet_domain::ledger::releve::Mois;
use carnet_domain::money::format_euros;
use leptos::prelude::*;
use leptos_router::components::A;
use std::collections::BTreeMap;

#[component]
pub fn TableauPage() -> impl IntoView {
    let commande = RwSignal::new(None::<i64>);
    let data = LocalResource::new(move || {
        let c = commande.get();
        async move { api::tableau(c).await }
    });
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(t) => view! { <Tableau t=t commande=commande/> }.into_any(),
                    Err(e) => view! { <Titre texte="Tableau de bord"/><ErrorNotice error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Tableau(t: TableauCommanditaire, commande: RwSignal<Option<i64>>) -> impl IntoView {
    let e = &t.entonnoir;
    let funnel = vec![
        serie("Émis", e.emis),
        serie("Confiés à une structure", e.confies),
        serie("Remis à une personne", e.distribues),
        serie("Entamés", e.entames),
        serie("Épuisés", e.epuises),
        serie("Expirés", e.expires),
    ];
    let v = &t.valeurs;
    let valeurs = vec![
        serie("Consommée", v.consommee_centimes),
        serie("Encore utilisable", v.en_circulation_centimes),
        serie("Avoir (pass expirés)", v.avoir_centimes),
    ];
    let mut par_mois: BTreeMap<Mois, i64> = BTreeMap::new();
    let mut par_structure: BTreeMap<String, i64> = BTreeMap::new();
    for r in &t.par_structure_mois {
        *par_mois.entry(r.mois).or_default() += r.passes;
        *par_structure.entry(r.structure.clone()).or_default() += r.passes;
    }
    let mois: Vec<_> = par_mois.into_iter().map(|(m, n)| serie(m.libelle(), n)).collect();
    let structures: Vec<_> = par_structure.into_iter().map(|(s, n)| serie(s, n)).collect();
    let territoires: Vec<_> =
        t.par_territoire.iter().map(|p| serie(format!("{} ({})", p.nom, p.departement), p.passes_valides)).collect();
    let empty = t.commandes.is_empty();
    view! {
        <div class="page-head">
            <Titre texte={format!("Tableau de bord — {}", t.commanditaire.nom)}/>
            <A href="/commandes/nouvelle" attr:class="button">"Nouvelle commande"</A>
        </div>
        {empty.then(|| view! { <p class="empty">"Aucune commande pour l'instant : les chiffres apparaîtront avec votre première commande."</p> })}
        <div class="field">
            <label for="filtre-commande">"Commande"</label>
            <select id="filtre-commande" on:change=move |ev| commande.set(event_target_value(&ev).parse().ok())>
                <option value="" selected=move || commande.get().is_none()>"Toutes les commandes"</option>
                {t.commandes.iter().map(|c| {
                    let id = c.id;
                    view! { <option value=id.to_string() selected=move || commande.get() == Some(id)>{c.reference.clone()}</option> }
                }).collect_view()}
            </select>
        </div>
        <div class="kpis">
            <p class="kpi"><span class="kpi__value">{e.entames.to_string()}</span>
                <span class="kpi__label">{format!("carnet{} entamé{}", if e.entames > 1 { "s" } else { "" }, if e.entames > 1 { "s" } else { "" })}</span></p>
            <p class="kpi"><span class="kpi__value">{format_euros(v.consommee_centimes)}</span><span class="kpi__label">"consommés"</span></p>
            <p class="kpi"><span class="kpi__value">{format_euros(v.avoir_centimes)}</span><span class="kpi__label">"d'avoir"</span></p>
            <p class="kpi"><span class="kpi__value">{format_euros(v.achetee_centimes)}</span><span class="kpi__label">"payés"</span></p>
        </div>
        <div class="grid-2">
            <section class="panel"><BarChart titre="Où en sont les carnets" series=funnel colonne="Carnets"/></section>
            <section class="panel"><StackedBar titre="Valeur des pass payés" series=valeurs euros=true/></section>
            <section class="panel"><BarChart titre="Pass validés par mois" series=mois colonne="Pass validés"/></section>
            <section class="panel"><BarChart titre="Pass validés par structure" series=structures colonne="Pass validés"/></section>
        </div>
        <section class="panel" aria-labelledby="territoires-title">
            <h2 id="territoires-title">"Par territoire"</h2>
            <BarChart titre="Pass validés par département" series=territoires colonne="Pass validés"/>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau par territoire">
                <table class="table">
                    <caption class="visually-hidden">"Carnets et pass par département des structures"</caption>
                    <thead><tr><th scope="col">"Département"</th><th scope="col" class="num">"Carnets confiés"</th>
                        <th scope="col" class="num">"Carnets remis"</th><th scope="col" class="num">"Pass validés"</th>
                        <th scope="col" class="num">"Valeur"</th></tr></thead>
                    <tbody>
                        {t.par_territoire.iter().map(|p| view! {
                            <tr><th scope="row">{format!("{} ({})", p.nom, p.departement)}</th>
                                <td class="num">{p.carnets_confies.to_string()}</td><td class="num">{p.carnets_distribues.to_string()}</td>
                                <td class="num">{p.passes_valides.to_string()}</td><td class="num">{format_euros(p.montant_centimes)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="panel" aria-labelledby="detail-title">
            <h2 id="detail-title">"Pass validés par structure et par mois"</h2>
            {if t.par_structure_mois.is_empty() {
                view! { <p class="empty">"Aucun pass validé pour l'instant."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Tableau des pass validés par structure et par mois"><table class="table">
                        <caption class="visually-hidden">"Pass validés par structure et par mois"</caption>
                        <thead><tr><th scope="col">"Mois"</th><th scope="col">"Structure"</th><th scope="col" class="num">"Pass"</th><th scope="col" class="num">"Valeur"</th></tr></thead>
                        <tbody>
                            {t.par_structure_mois.iter().map(|r| view! {
                                <tr><td>{r.mois.libelle()}</td><th scope="row">{r.structure.clone()}</th>
                                    <td class="num">{r.passes.to_string()}</td><td class="num">{format_euros(r.montant_centimes)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }}
        </section>
    }
}
