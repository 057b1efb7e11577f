//! Typed client of the server's JSON API (`/api/v1`). Pages call these functions only.

use carnet_domain::api::*;
use carnet_domain::parcours::bilan::BilanRequest;
use carnet_domain::parcours::diagnostic::{DiagnosticRequest, PackEnvisage};
use carnet_domain::parcours::objectifs::{ObjectifsRequest, PackView};
use carnet_domain::parcours::planning::{DateHeure, PlanningRequest};
use carnet_domain::parcours::seance::{AbsenceRequest, AnnulationRequest, CompteRendu, TenueRequest};
use carnet_domain::parcours::{Dossier, PassValide, PropositionPlanning, PropositionRemplacement, TableauDeBord};
use gloo_net::http::Request;
use leptos::prelude::{LocalResource, With};

// The transport (requests, errors, JSON) lives in its own file, shared with the public pages' app.
mod transport;
pub use transport::*;

// --- reading a page's data

/// A page's read of the API (`GET`), kept as the answer's text in a resource and decoded with
/// `T` where it is read. Every such resource of the app is the same type
/// (`LocalResource<Result<String, ApiError>>` fed by the same boxed closure), so the async
/// machinery a resource brings is compiled once, not once per page and answer type as with a
/// `LocalResource<Result<T, ApiError>>` each.
pub struct Lecture<T> {
    texte: LocalResource<Result<String, ApiError>>,
    _type: std::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for Lecture<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Lecture<T> {}

/// Reads `chemin()` (under `/api/v1`) again whenever a signal it reads changes.
pub fn lecture<T>(chemin: impl Fn() -> String + 'static) -> Lecture<T> {
    Lecture { texte: ressource(Box::new(chemin)), _type: std::marker::PhantomData }
}

/// Not generic: one copy for every page.
fn ressource(chemin: Box<dyn Fn() -> String>) -> LocalResource<Result<String, ApiError>> {
    LocalResource::new(move || {
        let chemin = chemin();
        async move { send("GET", &chemin, None).await }
    })
}

impl<T: serde::de::DeserializeOwned> Lecture<T> {
    /// The answer, once it has come (inside `Suspend`).
    pub async fn valeur(self) -> Result<T, ApiError> {
        decode(&self.texte.await?)
    }

    /// The answer if it has come (tracked).
    pub fn get(&self) -> Option<Result<T, ApiError>> {
        self.texte.with(|t| t.as_ref().map(|r| r.as_ref().map_err(Clone::clone).and_then(|t| decode(t))))
    }
}

// --- accounts (logging in, and the password pages, are the public pages' app: src/connexion/)

/// The signed-in user, or `None`; also sets the app's clock (and the zone its dates are read in)
/// from the server's.
pub async fn session() -> Result<Option<Me>, ApiError> {
    let s: Session = get(carnet_domain::lectures::SESSION).await?;
    crate::horloge::regler(s.maintenant, s.me.as_ref().map(|m| m.fuseau).unwrap_or_default());
    Ok(s.me)
}

// --- beneficiaries and parcours

pub async fn communes(q: &str) -> Result<Vec<Commune>, ApiError> {
    get(&format!("/communes?q={}", encode(q))).await
}

pub async fn create_parcours(req: &IntakeRequest) -> Result<IntakeCreated, ApiError> {
    post("/parcours", req).await
}

/// Everything a parcours page shows, in one request.
pub async fn parcours(id: i64) -> Result<Dossier, ApiError> {
    get(&format!("/parcours/{id}")).await
}

// --- accounts (my password, one-time links, the team, the administration)

use carnet_domain::comptes::*;
use carnet_domain::donnees::*;

fn nothing() -> serde_json::Value {
    serde_json::json!({})
}

pub async fn change_password(req: &ChangementMotDePasse) -> Result<Message, ApiError> {
    post("/auth/mot-de-passe", req).await
}

pub async fn invite(req: &InvitationRequest) -> Result<InvitationEnvoyee, ApiError> {
    post("/comptes", req).await
}

pub async fn reinvite(id: i64) -> Result<InvitationEnvoyee, ApiError> {
    post(&format!("/comptes/{id}/invitation"), &nothing()).await
}

pub async fn deactivate(id: i64) -> Result<CompteView, ApiError> {
    post(&format!("/comptes/{id}/desactivation"), &nothing()).await
}

pub async fn reactivate(id: i64) -> Result<CompteView, ApiError> {
    post(&format!("/comptes/{id}/reactivation"), &nothing()).await
}

pub async fn structures() -> Result<Vec<StructureRef>, ApiError> {
    get("/structures").await
}

// --- personal data (notice, rights, access journal)

pub async fn notices() -> Result<Vec<NoticeInformation>, ApiError> {
    get("/notices").await
}

#[allow(dead_code)]
pub async fn publish_notice(req: &NouvelleNotice) -> Result<NoticeInformation, ApiError> {
    post("/notices", req).await
}

pub async fn export(id: i64) -> Result<ExportDonnees, ApiError> {
    get(&format!("/beneficiaires/{id}/export")).await
}

/// The address of the export as a file to save (the browser downloads it with the session cookie).
pub fn export_file_url(id: i64) -> String {
    format!("{BASE}/beneficiaires/{id}/export?telechargement=1")
}

pub async fn rectify(id: i64, req: &RectificationRequest) -> Result<BeneficiaireView, ApiError> {
    post(&format!("/beneficiaires/{id}/rectification"), req).await
}

pub async fn set_consent(id: i64, req: &ConsentementRequest) -> Result<Message, ApiError> {
    post(&format!("/beneficiaires/{id}/consentements"), req).await
}

pub async fn anonymise(id: i64) -> Result<Message, ApiError> {
    post(&format!("/beneficiaires/{id}/anonymisation"), &nothing()).await
}

// --- the parcours wizard

/// An answer whose content the app does not need (unknown fields are ignored, so no JSON
/// value type is compiled in).
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
pub struct Fait {}

/// What a step's save answers: the step the parcours has now reached.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Avance {
    #[serde(default)]
    pub etape: String,
}

pub async fn packs() -> Result<Vec<PackView>, ApiError> {
    get("/packs").await
}

/// `moment`: `initial` or `final`.
pub async fn envisager_pack(id: i64, req: &PackEnvisage) -> Result<Avance, ApiError> {
    put(&format!("/parcours/{id}/pack-envisage"), req).await
}

pub async fn save_diagnostic(id: i64, moment: &str, req: &DiagnosticRequest) -> Result<Avance, ApiError> {
    put(&format!("/parcours/{id}/diagnostics/{moment}"), req).await
}

pub async fn save_objectifs(id: i64, req: &ObjectifsRequest) -> Result<Avance, ApiError> {
    put(&format!("/parcours/{id}/objectifs"), req).await
}

pub async fn propose_planning(id: i64, req: &PlanningRequest) -> Result<PropositionPlanning, ApiError> {
    post(&format!("/parcours/{id}/planning/proposition"), req).await
}

pub async fn save_planning(id: i64, req: &PlanningRequest) -> Result<Avance, ApiError> {
    put(&format!("/parcours/{id}/planning"), req).await
}

pub async fn cloturer_avant_la_fin(
    id: i64,
    req: &carnet_domain::parcours::cloture::ClotureAnticipeeRequest,
) -> Result<carnet_domain::parcours::cloture::ClotureFaite, ApiError> {
    post(&format!("/parcours/{id}/cloture-anticipee"), req).await
}

pub async fn coordonnees() -> Result<carnet_domain::structure::Coordonnees, ApiError> {
    get("/structure/coordonnees").await
}

pub async fn changer_coordonnees(
    req: &carnet_domain::structure::CoordonneesRequest,
) -> Result<carnet_domain::structure::Coordonnees, ApiError> {
    put("/structure/coordonnees", req).await
}

pub fn calendar_url(id: i64) -> String {
    format!("{BASE}/parcours/{id}/seances.ics")
}

pub async fn hold(seance: i64, req: &TenueRequest) -> Result<PassValide, ApiError> {
    post(&format!("/seances/{seance}/tenue"), req).await
}

/// A session that was not planned, held on the spot: the same validation as `hold`.
pub async fn hold_unplanned(parcours: i64, req: &TenueRequest) -> Result<PassValide, ApiError> {
    post(&format!("/parcours/{parcours}/seances/tenue"), req).await
}

pub async fn save_report(seance: i64, req: &CompteRendu) -> Result<Fait, ApiError> {
    put(&format!("/seances/{seance}/compte-rendu"), req).await
}

pub async fn replacement(id: i64) -> Result<PropositionRemplacement, ApiError> {
    get(&format!("/parcours/{id}/remplacement")).await
}

pub async fn absence(seance: i64, req: &AbsenceRequest) -> Result<Fait, ApiError> {
    post(&format!("/seances/{seance}/absence"), req).await
}

pub async fn move_session(seance: i64, req: &DateHeure) -> Result<Fait, ApiError> {
    put(&format!("/seances/{seance}/date"), req).await
}

/// A session replacing the missed session `seance`.
pub async fn replace_session(seance: i64, req: &DateHeure) -> Result<Fait, ApiError> {
    post(&format!("/seances/{seance}/remplacement"), req).await
}

pub async fn add_session(id: i64, req: &DateHeure) -> Result<Fait, ApiError> {
    post(&format!("/parcours/{id}/seances"), req).await
}

pub async fn cancel_validation(seance: i64, req: &AnnulationRequest) -> Result<Fait, ApiError> {
    post(&format!("/seances/{seance}/annulation"), req).await
}

pub async fn save_bilan(id: i64, req: &BilanRequest) -> Result<Avance, ApiError> {
    put(&format!("/parcours/{id}/bilan"), req).await
}

pub async fn close(id: i64) -> Result<Fait, ApiError> {
    post(&format!("/parcours/{id}/cloture"), &Fait {}).await
}

pub async fn tableau_de_bord() -> Result<TableauDeBord, ApiError> {
    get(carnet_domain::lectures::TABLEAU_DE_BORD).await
}

// --- venues (lieux), candidates, coverage, orientation

use carnet_domain::lieux::api::*;
use carnet_domain::lieux::candidat::{CandidatDetail, CandidatRequest, CandidatResume, TransitionRequest};

/// `&zoom=…&ouest=…` for a map view.
pub fn vue_query(v: &Vue) -> String {
    format!("zoom={}&ouest={:.5}&sud={:.5}&est={:.5}&nord={:.5}", v.zoom, v.ouest, v.sud, v.est, v.nord)
}

pub async fn carte_config() -> Result<CarteConfig, ApiError> {
    get("/lieux/carte/config").await
}

pub async fn carte(f: &FiltresLieux, v: &Vue) -> Result<CarteReponse, ApiError> {
    get(&format!("/lieux/carte?{}&{}", f.query(), vue_query(v))).await
}

pub async fn lieux(f: &FiltresLieux, v: Option<&Vue>, page: u32) -> Result<Page<LieuResume>, ApiError> {
    let vue = v.map(|v| format!("&{}", vue_query(v))).unwrap_or_default();
    get(&format!("/lieux?{}{vue}&page={page}", f.query())).await
}

pub async fn lieu(id: i64) -> Result<LieuDetail, ApiError> {
    get(&format!("/lieux/{id}")).await
}

pub async fn lieu_pass(id: i64, req: &PassRequest) -> Result<LieuDetail, ApiError> {
    post(&format!("/lieux/{id}/pass"), req).await
}

#[derive(serde::Deserialize)]
pub struct Cree {
    pub id: i64,
}

/// Sends a venue file as it is (the server reads CSV or JSON).
pub async fn import_lieux(file: &web_sys::File) -> Result<i64, ApiError> {
    let resp = Request::post(&format!("{BASE}/lieux/imports?fichier={}", encode(&file.name())))
        .header("Content-Type", "application/octet-stream")
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(|_| ApiError::Refused("Fichier impossible à envoyer.".into()))?
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    let status = resp.status();
    let text = resp.text().await.map_err(|_| ApiError::Network)?;
    if !(200..300).contains(&status) {
        return Err(refusal(status, &text));
    }
    decode::<Cree>(&text).map(|c| c.id)
}

pub async fn import_etat(id: i64) -> Result<EtatImport, ApiError> {
    get(&format!("/lieux/imports/{id}")).await
}

pub async fn candidats() -> Result<Vec<CandidatResume>, ApiError> {
    get("/lieux/candidats").await
}

pub async fn candidat(id: i64) -> Result<CandidatDetail, ApiError> {
    get(&format!("/lieux/candidats/{id}")).await
}

pub async fn signaler_candidat(req: &CandidatRequest) -> Result<i64, ApiError> {
    post::<_, Cree>("/lieux/candidats", req).await.map(|c| c.id)
}

pub async fn candidat_etape(id: i64, req: &TransitionRequest) -> Result<CandidatDetail, ApiError> {
    post(&format!("/lieux/candidats/{id}/etapes"), req).await
}

pub async fn couverture() -> Result<Couverture, ApiError> {
    get("/lieux/couverture").await
}

/// A static file of the app as JSON, still as a JavaScript value (outlines for the map).
pub async fn json_statique(path: &str) -> Result<wasm_bindgen::JsValue, ApiError> {
    let resp = Request::get(path).send().await.map_err(|_| ApiError::Network)?;
    if !resp.ok() {
        return Err(ApiError::NotFound);
    }
    let text = resp.text().await.map_err(|_| ApiError::Network)?;
    js_sys::JSON::parse(&text).map_err(|_| ApiError::Refused("Fichier de contours illisible.".into()))
}

// --- the Pass numérique ledger (issue 4)

pub mod ledger {
    use super::{encode, get, post, post_empty, ApiError};
    use carnet_domain::ledger::api::*;
    use serde_json::json;

    pub async fn moi() -> Result<Organisation, ApiError> {
        get("/ledger/moi").await
    }
    pub async fn operateurs() -> Result<Vec<Ref>, ApiError> {
        get("/operateurs").await
    }
    pub async fn structures_choix(commande: i64) -> Result<Vec<StructureChoix>, ApiError> {
        get(&format!("/structures/choix?commande={commande}")).await
    }
    pub async fn commandes() -> Result<Vec<CommandeSummary>, ApiError> {
        get("/commandes").await
    }
    pub async fn creer_commande(req: &CommandeRequest) -> Result<CommandeCreated, ApiError> {
        post("/commandes", req).await
    }
    pub async fn commande(id: i64) -> Result<CommandeDetail, ApiError> {
        get(&format!("/commandes/{id}")).await
    }
    pub async fn paiement(id: i64, req: &PaiementRequest) -> Result<(), ApiError> {
        post_empty(&format!("/commandes/{id}/paiement"), req).await
    }
    pub async fn activer(id: i64) -> Result<(), ApiError> {
        post_empty(&format!("/commandes/{id}/activation"), &json!({})).await
    }
    pub async fn confier_structure(id: i64, req: &LotStructureRequest) -> Result<LotCreated, ApiError> {
        post(&format!("/commandes/{id}/lots"), req).await
    }
    pub async fn confier_conseiller(req: &LotConseillerRequest) -> Result<LotCreated, ApiError> {
        post("/lots/conseiller", req).await
    }
    pub async fn reprendre(carnet_ids: Vec<i64>) -> Result<LotCreated, ApiError> {
        post("/lots/reprise", &RepriseRequest { carnet_ids }).await
    }
    pub async fn distribuer(req: &DistributionRequest) -> Result<DistributionCreated, ApiError> {
        post("/distributions", req).await
    }
    pub async fn agrements() -> Result<Vec<StructureAgrement>, ApiError> {
        get("/structures/agrements").await
    }
    pub async fn agreer(structure_id: i64, actif: bool, motif: &str) -> Result<(), ApiError> {
        post_empty(&format!("/structures/{structure_id}/agrement"), &AgrementRequest { actif, motif: motif.into() })
            .await
    }
    pub async fn releves() -> Result<Vec<ReleveSummary>, ApiError> {
        get("/releves").await
    }
    pub async fn releve(id: i64) -> Result<ReleveDetail, ApiError> {
        get(&format!("/releves/{id}")).await
    }
    pub async fn releve_provisoire() -> Result<ReleveProvisoire, ApiError> {
        get("/releves/provisoire").await
    }
    pub async fn emettre(mois: &str) -> Result<EmissionResult, ApiError> {
        post("/releves/emission", &EmissionRequest { mois: mois.into() }).await
    }
    pub async fn envoyer(id: i64) -> Result<(), ApiError> {
        post_empty(&format!("/releves/{id}/envoi"), &json!({})).await
    }
    pub async fn marquer_paye(id: i64) -> Result<(), ApiError> {
        post_empty(&format!("/releves/{id}/paiement"), &json!({})).await
    }
    pub async fn tableau(commande: Option<i64>) -> Result<TableauCommanditaire, ApiError> {
        match commande {
            Some(id) => get(&format!("/tableau/commanditaire?commande={id}")).await,
            None => get("/tableau/commanditaire").await,
        }
    }
    pub async fn journal(entity: &str, entity_id: &str, code: &str, page: u32) -> Result<JournalPage, ApiError> {
        get(&format!(
            "/journal?entity={}&entity_id={}&code={}&page={page}",
            encode(entity),
            encode(entity_id),
            encode(code)
        ))
        .await
    }
}

// --- the beneficiary space: personal links

pub async fn lien(id: i64) -> Result<carnet_domain::espace::LienEtat, ApiError> {
    get(&format!("/parcours/{id}/lien")).await
}

pub async fn emettre_lien(id: i64) -> Result<carnet_domain::espace::LienEmis, ApiError> {
    decode(&send("POST", &format!("/parcours/{id}/lien"), Some("{}".into())).await?)
}

pub async fn revoquer_lien(id: i64) -> Result<carnet_domain::espace::LienEtat, ApiError> {
    decode(&send("DELETE", &format!("/parcours/{id}/lien"), None).await?)
}

/// A new calendar address for the working link (the old one stops).
pub async fn emettre_agenda(id: i64) -> Result<carnet_domain::espace::LienEtat, ApiError> {
    decode(&send("POST", &format!("/parcours/{id}/lien/agenda"), Some("{}".into())).await?)
}

/// Stops the calendar address alone (the link still opens the space).
pub async fn revoquer_agenda(id: i64) -> Result<carnet_domain::espace::LienEtat, ApiError> {
    decode(&send("DELETE", &format!("/parcours/{id}/lien/agenda"), None).await?)
}
