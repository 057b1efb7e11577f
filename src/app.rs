//! The routes, the logged-in user shared by every page, and the staff layout.

use crate::api;
use crate::components::page::{changer_d_app, marquer, DECONNEXION};
use crate::pages;
use crate::zones::{AutreZoneOuIntrouvable, Zone};
use carnet_domain::api::{Me, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes, A};
use leptos_router::hooks::use_location;
use leptos_router::path;

/// The logged-in user: `None` while unknown, `Some(None)` when nobody is logged in.
#[derive(Clone, Copy)]
pub struct Auth {
    pub me: RwSignal<Option<Option<Me>>>,
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Called once by each area's app: the logged-in user, asked of the server, and the page title.
fn demarrer() {
    let auth = Auth { me: RwSignal::new(None) };
    provide_context(auth);
    crate::components::page::fournir();
    spawn_local(async move {
        let me = api::session().await.ok().flatten();
        auth.me.set(Some(me));
    });
}

/// The conseillers' app: the dashboard (each role's home but the pilotage area's), a
/// beneficiary's page and their data and rights, the information notice, the day's list. What a conseiller downloads first after logging in (see [`crate::zones`]).
#[component]
pub fn App() -> impl IntoView {
    demarrer();
    view! {
        <Router>
            <crate::components::page::Arrivee/>
            <Routes fallback=|| view! { <AutreZoneOuIntrouvable zone=Zone::Personnel/> }>
                // `/connexion` and `/mot-de-passe/…` are another, small app (src/connexion/, served by
                // the server from dist/acces): the first page loaded without a session weighs
                // little, and this app is downloaded only once logged in. The venues (`/lieux…`),
                // the pilotage pages, the management pages, a new parcours, a parcours' steps and
                // its other pages are other apps too ([`AppLieux`], [`AppPilotage`], [`AppGestion`],
                // [`AppAccueil`], [`AppEtapes`], [`AppParcours`]).
                <ParentRoute path=path!("") view=StaffShell>
                    <Route path=path!("") view=pages::home::HomePage/>
                    <Route path=path!("beneficiaires/:id") view=pages::beneficiaire::BeneficiairePage/>
                    <Route path=path!("beneficiaires/:id/donnees") view=pages::donnees::DonneesPage/>
                    <Route path=path!("notice-information") view=pages::notice::NoticePage/>
                    <Route path=path!("journee") view=pages::journee::JourneePage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The venues' app (`lieux.html`, built into dist/zone-lieux, served at `/lieux` and below): the
/// map, a venue's page, imports, candidates and coverage, with the Leaflet glue, which the other
/// staff pages never download. Same layout and navigation as the staff app.
#[component]
pub fn AppLieux() -> impl IntoView {
    demarrer();
    view! {
        <Router>
            <crate::components::page::Arrivee/>
            <Routes fallback=|| view! { <AutreZoneOuIntrouvable zone=Zone::Lieux/> }>
                <ParentRoute path=path!("lieux") view=StaffShell>
                    <Route path=path!("") view=pages::lieux::carte::CartePage/>
                    <Route path=path!("import") view=pages::lieux::import::ImportPage/>
                    <Route path=path!("couverture") view=pages::lieux::couverture::CouverturePage/>
                    <Route path=path!("candidats") view=pages::lieux::candidats::CandidatsPage/>
                    <Route path=path!("candidats/nouveau") view=pages::lieux::candidats::NouveauCandidatPage/>
                    <Route path=path!("candidats/:id") view=pages::lieux::candidats::CandidatPage/>
                    <Route path=path!(":id") view=pages::lieux::fiche::FichePage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The pilotage area (`pilotage.html`, built into dist/zone-pilotage, served at the paths of
/// [`Zone::Pilotage`] and at `/` for the buyers and the opérateurs): orders, statements,
/// accredited structures, the ledger's journal and the buyer's dashboard, which the conseillers'
/// pages never download, and the other way round.
#[component]
pub fn AppPilotage() -> impl IntoView {
    demarrer();
    view! {
        <Router>
            <crate::components::page::Arrivee/>
            <Routes fallback=|| view! { <AutreZoneOuIntrouvable zone=Zone::Pilotage/> }>
                <ParentRoute path=path!("") view=StaffShell>
                    <Route path=path!("") view=pages::home::AccueilPilotage/>
                    <Route path=path!("tableau") view=pages::ledger::tableau::TableauPage/>
                    <Route path=path!("commandes") view=pages::ledger::commandes::CommandesPage/>
                    <Route path=path!("commandes/nouvelle") view=pages::ledger::commande_form::CommandeFormPage/>
                    <Route path=path!("commandes/:id") view=pages::ledger::commande::CommandePage/>
                    <Route path=path!("releves") view=pages::ledger::releves::RelevesPage/>
                    <Route path=path!("releves/:id") view=pages::ledger::releve::RelevePage/>
                    <Route path=path!("structures") view=pages::ledger::structures::StructuresPage/>
                    <Route path=path!("journal") view=pages::ledger::journal::JournalPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The management area (`gestion.html`, built into dist/zone-gestion, served at the paths of
/// [`Zone::Gestion`]): statistics, the team, the access journal, reminders, administration,
/// one's account and the carnets' list. A conseiller leads a parcours without them: the
/// conseillers' app does not carry their code.
#[component]
pub fn AppGestion() -> impl IntoView {
    demarrer();
    view! {
        <Router>
            <crate::components::page::Arrivee/>
            <Routes fallback=|| view! { <AutreZoneOuIntrouvable zone=Zone::Gestion/> }>
                <ParentRoute path=path!("") view=StaffShell>
                    <Route path=path!("statistiques") view=pages::statistiques::StatistiquesPage/>
                    <Route path=path!("equipe") view=pages::equipe::EquipePage/>
                    <Route path=path!("journal-des-acces") view=pages::journal::JournalPage/>
                    <Route path=path!("rappels") view=pages::rappels::RappelsPage/>
                    <Route path=path!("admin") view=pages::admin::AdminPage/>
                    <Route path=path!("compte") view=pages::compte::ComptePage/>
                    // The Pass numérique ledger: the carnets a conseiller or a structure holds.
                    <Route path=path!("carnets") view=pages::ledger::carnets::CarnetsPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// A parcours' area (`parcours.html`, built into dist/zone-parcours, served at the paths of
/// [`Zone::Parcours`]): a parcours' page, its sessions, the personal link's sheet, the
/// orientation towards a venue: what a conseiller opens day after day from the dashboard, which
/// does not carry their code.
#[component]
pub fn AppParcours() -> impl IntoView {
    demarrer();
    view! {
        <Router>
            <crate::components::page::Arrivee/>
            <Routes fallback=|| view! { <AutreZoneOuIntrouvable zone=Zone::Parcours/> }>
                <ParentRoute path=path!("") view=StaffShell>
                    <Route path=path!("parcours/:id") view=pages::parcours::ParcoursPage/>
                    <Route path=path!("parcours/:id/seances") view=pages::seances::SeancesPage/>
                    <Route path=path!("parcours/:id/seances/:sid") view=pages::seances::SeancePage/>
                    <Route path=path!("parcours/:id/lien/imprimer") view=pages::lien::FicheLienPage/>
                    <Route path=path!("parcours/:id/orientation") view=pages::lieux::orientation::OrientationPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// A new parcours' area (`accueil.html`, built into dist/zone-accueil, served at
/// `/parcours/nouveau`): the intake, the wizard's first step, with the carnet's choice.
#[component]
pub fn AppAccueil() -> impl IntoView {
    demarrer();
    view! {
        <Router>
            <crate::components::page::Arrivee/>
            <Routes fallback=|| view! { <AutreZoneOuIntrouvable zone=Zone::Accueil/> }>
                <ParentRoute path=path!("") view=StaffShell>
                    <Route path=path!("parcours/nouveau") view=pages::intake::IntakePage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The parcours' steps' area (`etapes.html`, built into dist/zone-etapes, served at the paths of
/// [`Zone::Etapes`]): a parcours' diagnostic, objectives, planning and bilan, the wizard's steps
/// after the intake.
#[component]
pub fn AppEtapes() -> impl IntoView {
    demarrer();
    view! {
        <Router>
            <crate::components::page::Arrivee/>
            <Routes fallback=|| view! { <AutreZoneOuIntrouvable zone=Zone::Etapes/> }>
                <ParentRoute path=path!("") view=StaffShell>
                    <Route path=path!("parcours/:id/diagnostic") view=pages::diagnostic::DiagnosticPage/>
                    <Route path=path!("parcours/:id/objectifs") view=pages::objectifs::ObjectifsPage/>
                    <Route path=path!("parcours/:id/planning") view=pages::planning::PlanningPage/>
                    <Route path=path!("parcours/:id/bilan") view=pages::bilan::BilanPage/>
                    <Route path=path!("parcours/:id/bilan/imprimer") view=pages::bilan::BilanImprimerPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The layout of every staff page; sends visitors without a session to the login page (another
/// app: a page load, which replaces the page that could not be shown in the history).
#[component]
fn StaffShell() -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    Effect::new(move |_| {
        if let Some(None) = auth.me.get() {
            let back = location.pathname.get_untracked();
            let target = if back == "/" || back.is_empty() {
                "/connexion".to_string()
            } else {
                format!("/connexion?retour={}", api::encode(&back))
            };
            changer_d_app(&target, true);
        }
    });

    view! {
        {move || match auth.me.get() {
            None | Some(None) => view! {
                <main id="contenu" class="page"><p class="loading" role="status">"Chargement…"</p></main>
            }.into_any(),
            Some(Some(me)) => view! {
                <Header me=me/>
                <main id="contenu" class="page" tabindex="-1">
                    <Outlet/>
                </main>
            }.into_any(),
        }}
    }
}

/// The main navigation of each role: (path, label).
fn nav_links(role: Role) -> Vec<(&'static str, &'static str)> {
    let mut links = match role {
        Role::Conseiller => {
            vec![
                ("/", "Tableau de bord"),
                ("/parcours/nouveau", "Nouveau parcours"),
                ("/carnets", "Mes carnets"),
                ("/lieux", "Lieux"),
            ]
        }
        Role::Coordinateur => vec![
            ("/", "Tableau de bord"),
            ("/parcours/nouveau", "Nouveau parcours"),
            ("/carnets", "Carnets"),
            ("/releves", "Relevés"),
            ("/lieux", "Lieux"),
        ],
        Role::Commanditaire => vec![("/", "Tableau de bord"), ("/commandes", "Commandes"), ("/journal", "Journal")],
        Role::Operateur => vec![
            ("/", "Commandes"),
            ("/structures", "Structures agréées"),
            ("/releves", "Relevés"),
            ("/journal", "Journal"),
        ],
        Role::Hub | Role::Admin => vec![
            ("/", "Accueil"),
            ("/lieux", "Carte des lieux"),
            ("/lieux/candidats", "Lieux candidats"),
            ("/lieux/couverture", "Couverture"),
        ],
    };
    // Everyone with activity to account for, or to follow, has its statistics.
    if role != Role::Operateur {
        links.push(("/statistiques", "Statistiques"));
    }
    match role {
        Role::Coordinateur => {
            links.extend([("/equipe", "Équipe"), ("/journal-des-acces", "Journal des accès"), ("/rappels", "Rappels")])
        }
        Role::Admin => links.push(("/admin", "Administration")),
        _ => {}
    }
    links
}

#[component]
fn Header(me: Me) -> impl IntoView {
    // The login page logs out (see `DECONNEXION`).
    let logout = move |_| {
        marquer(DECONNEXION);
        changer_d_app("/connexion", false);
    };
    let structure = me.structure.as_ref().map(|s| s.nom.clone()).unwrap_or_default();
    view! {
        <header class="site-header">
            <div class="site-header__inner">
                <A href="/" attr:class="brand">"Carnet"</A>
                <nav aria-label="Navigation principale" class="main-nav">
                    {nav_links(me.role).into_iter().map(|(href, label)| view! {
                        <A href=href exact=true>{label}</A>
                    }).collect_view()}
                </nav>
                <div class="session">
                    // The account is reached from one's own name, as in the State's design system's
                    // header tools: the main navigation keeps room for the role's pages.
                    <A href="/compte" exact=true attr:class="who" attr:title="Mon compte">
                        <span class="visually-hidden">"Mon compte : "</span>
                        <span class="who__name">{format!("{} {}", me.prenom, me.nom)}</span>
                        <span class="who__structure">{structure}</span>
                    </A>
                    <button type="button" class="button button--secondary" on:click=logout>"Se déconnecter"</button>
                </div>
            </div>
        </header>
    }
}
