//! Exports in La Coop de la médiation numérique's formats, so that nothing is typed twice:
//! the activities (`.xlsx` and `.csv`), the statistics (`.xlsx`) and a structure's beneficiaries
//! (`.xlsx`, coordinateurs only). Each file starts with the Coop's « Informations export » and
//! « Filtres » blocks; the activities carry Carnet's own columns after the Coop's.

use crate::api::statistiques::{calculer, date_locale, Contexte};
use crate::auth::CurrentUser;
use crate::db;
use crate::error::{ApiQuery, AppError, AppResult};
use crate::journal::{self, Lecture};
use crate::store::packs::split_list;
use crate::store::statistiques::{self as store, Activite, Portee};
use crate::AppState;
use anyhow::Context;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use carnet_domain::api::Role;
use carnet_domain::coop::{self, Vocabulaire};
use carnet_domain::fuseau::{Calendrier, Fuseau};
use carnet_domain::statistiques::{self as regles, typographique, FiltresStatistiques, Ligne, Statistiques};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use tokio::sync::mpsc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exports/activites.xlsx", get(activites_xlsx))
        .route("/exports/activites.csv", get(activites_csv))
        .route("/exports/statistiques.xlsx", get(statistiques_xlsx))
        .route("/exports/beneficiaires.xlsx", get(beneficiaires_xlsx))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn fichier(contenu: impl Into<Body>, type_mime: &str, nom: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, type_mime.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{nom}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        contenu.into(),
    )
        .into_response()
}

fn xlsx_err(e: XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("écriture du classeur : {e}"))
}

/// One cell of an export, typed: a spreadsheet shows dates as dates and numbers as numbers.
#[derive(Clone, Debug, PartialEq)]
enum Cellule {
    Texte(String),
    Nombre(f64),
    Date(NaiveDate),
    /// Shown `dd/mm/yyyy à HH:MM`.
    Horodatage(NaiveDateTime),
    /// A share (0.25 shows as 25 %).
    Pourcentage(f64),
    Vide,
}

use Cellule::{Date, Horodatage, Nombre, Texte, Vide};

fn texte(s: impl Into<String>) -> Cellule {
    Texte(s.into())
}

impl Cellule {
    fn csv(&self) -> String {
        match self {
            Texte(t) => t.clone(),
            Nombre(n) => n.to_string(),
            Date(d) => d.format("%d/%m/%Y").to_string(),
            Horodatage(t) => t.format("%d/%m/%Y à %H:%M").to_string(),
            Cellule::Pourcentage(p) => format!("{}", (p * 100.0).round()),
            Vide => String::new(),
        }
    }
}

struct Formats {
    titre: Format,
    date: Format,
    horodatage: Format,
    pourcentage: Format,
    multiligne: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            titre: Format::new().set_bold(),
            date: Format::new().set_num_format("dd/mm/yyyy"),
            horodatage: Format::new().set_num_format("dd/mm/yyyy\" à \"hh:mm"),
            pourcentage: Format::new().set_num_format("0%"),
            multiligne: Format::new().set_text_wrap(),
        }
    }
}

fn ecrire(ws: &mut Worksheet, f: &Formats, ligne: u32, col: u16, c: &Cellule) -> Result<(), XlsxError> {
    match c {
        Texte(t) if t.contains('\n') => ws.write_string_with_format(ligne, col, t, &f.multiligne).map(|_| ()),
        Texte(t) => ws.write_string(ligne, col, t).map(|_| ()),
        Nombre(n) => ws.write_number(ligne, col, *n).map(|_| ()),
        Date(d) => ws.write_datetime_with_format(ligne, col, d, &f.date).map(|_| ()),
        Horodatage(t) => ws.write_datetime_with_format(ligne, col, t, &f.horodatage).map(|_| ()),
        Cellule::Pourcentage(p) => ws.write_number_with_format(ligne, col, *p, &f.pourcentage).map(|_| ()),
        Vide => Ok(()),
    }
}

/// The lines above the table: (label, value), `None` for an empty line; a line whose value is
/// `Vide` is a title.
type Entete = Vec<Option<(String, Cellule)>>;

/// The Coop's « Informations export » block.
fn informations(user: &CurrentUser, total: usize, ctx: &Contexte, heure: NaiveDateTime) -> Entete {
    vec![
        Some(("Informations export".into(), Vide)),
        Some(("Nom".into(), texte(&user.nom))),
        Some(("Prénom".into(), texte(&user.prenom))),
        Some(("Rôle".into(), texte(user.role.label()))),
        Some(("Total".into(), Nombre(total as f64))),
        Some(("Date d'export".into(), Date(ctx.aujourdhui))),
        Some(("Heure d'export".into(), texte(heure.format("%H:%M").to_string()))),
        None,
    ]
}

/// The Coop's « Filtres » block, then Carnet's own filters.
async fn filtres(conn: &mut dyn crate::store::conn::Conn, ctx: &Contexte) -> AppResult<Entete> {
    let tiret = |v: Option<String>| texte(v.unwrap_or_else(|| "-".into()));
    let periode = match (ctx.periode.du, ctx.periode.au) {
        (None, None) => None,
        (du, au) => Some(format!(
            "{} - {}",
            du.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_else(|| "…".into()),
            au.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_else(|| "…".into())
        )),
    };
    let lieu = match ctx.filtres.lieu {
        Some(id) => store::nom_structure(conn, id).await?,
        None => None,
    };
    let commune = match &ctx.filtres.commune {
        Some(code) => store::nom_commune(conn, code).await?.map(|n| format!("{n} ({code})")),
        None => None,
    };
    let conseiller = match ctx.filtres.conseiller {
        Some(id) => store::nom_utilisateur(conn, id).await?,
        None => None,
    };
    let canal = ctx.filtres.type_lieu.as_deref().and_then(|t| coop::label(coop::TYPE_LIEU, t)).map(typographique);
    Ok(vec![
        Some(("Filtres".into(), Vide)),
        Some(("Période".into(), tiret(periode))),
        Some(("Source".into(), tiret(None))),
        Some(("Lieux d’accompagnement".into(), tiret(lieu))),
        Some(("Communes".into(), tiret(commune))),
        Some(("Départements".into(), tiret(ctx.filtres.departement.clone()))),
        Some(("Type d’accompagnement".into(), tiret(None))),
        Some(("Rôle".into(), tiret(None))),
        Some(("Thématiques non administratives".into(), tiret(None))),
        Some(("Thématiques administratives".into(), tiret(None))),
        Some(("Tags".into(), tiret(None))),
        Some(("Conseiller".into(), tiret(conseiller))),
        Some(("Canaux d’accompagnement".into(), tiret(canal))),
        None,
    ])
}

/// Writes the lines above a table; returns the next free line.
fn ecrire_entete(ws: &mut Worksheet, f: &Formats, entete: &Entete) -> Result<u32, XlsxError> {
    for (i, l) in entete.iter().enumerate() {
        if let Some((libelle, valeur)) = l {
            if *valeur == Vide {
                ws.write_string_with_format(i as u32, 0, libelle, &f.titre)?;
            } else {
                ws.write_string(i as u32, 0, libelle)?;
                ecrire(ws, f, i as u32, 1, valeur)?;
            }
        }
    }
    Ok(entete.len() as u32)
}

/// Fills a sheet: the header block, then the columns' line (with filter buttons) and `total`
/// lines, written in order (a constant-memory sheet cannot go back a line).
fn remplir(
    ws: &mut Worksheet,
    feuille: &str,
    entete: &Entete,
    colonnes: &[String],
    total: usize,
    lignes: impl Iterator<Item = AppResult<Vec<Cellule>>>,
) -> AppResult<()> {
    let f = Formats::new();
    ws.set_name(feuille).map_err(xlsx_err)?;
    let debut = ecrire_entete(ws, &f, entete).map_err(xlsx_err)?;
    for (c, nom) in colonnes.iter().enumerate() {
        ws.write_string_with_format(debut, c as u16, nom, &f.titre).map_err(xlsx_err)?;
        ws.set_column_width(c as u16, (nom.chars().count().max(12) + 2) as f64).map_err(xlsx_err)?;
    }
    // Filter buttons on the columns' line, which stays in view. Not an Excel table: the writer
    // keeps one map entry per cell of a table's range, 1.1 GB for a year of France's sessions.
    if !colonnes.is_empty() {
        ws.autofilter(debut, 0, debut + total as u32, colonnes.len() as u16 - 1).map_err(xlsx_err)?;
        ws.set_freeze_panes(debut + 1, 0).map_err(xlsx_err)?;
    }
    for (r, ligne) in lignes.enumerate() {
        for (c, cellule) in ligne?.iter().enumerate() {
            ecrire(ws, &f, debut + 1 + r as u32, c as u16, cellule).map_err(xlsx_err)?;
        }
    }
    Ok(())
}

/// A small sheet, built in memory.
fn classeur(feuille: &str, entete: &Entete, colonnes: &[String], lignes: &[Vec<Cellule>]) -> AppResult<Vec<u8>> {
    let mut wb = Workbook::new();
    remplir(wb.add_worksheet(), feuille, entete, colonnes, lignes.len(), lignes.iter().cloned().map(Ok))?;
    wb.save_to_buffer().map_err(xlsx_err)
}

/// A sheet of any length: its lines go to a temporary file as they come (constant memory), and
/// so does the finished workbook, which is answered from there. Blocking: off the async threads.
fn classeur_fichier(
    feuille: &str,
    entete: &Entete,
    colonnes: &[String],
    total: usize,
    lignes: impl Iterator<Item = AppResult<Vec<Cellule>>>,
) -> AppResult<std::fs::File> {
    use std::io::{Seek, SeekFrom};
    let mut wb = Workbook::new();
    remplir(wb.add_worksheet_with_constant_memory().map_err(xlsx_err)?, feuille, entete, colonnes, total, lignes)?;
    let mut fichier = tempfile::tempfile().context("fichier temporaire du classeur")?;
    wb.save_to_writer(&mut fichier).map_err(xlsx_err)?;
    fichier.seek(SeekFrom::Start(0)).context("relecture du classeur")?;
    Ok(fichier)
}

/// A file's bytes, read 64 KiB at a time.
fn flux_fichier(fichier: std::fs::File) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> {
    use tokio::io::AsyncReadExt;
    futures_util::stream::unfold(Some(tokio::fs::File::from_std(fichier)), |f| async move {
        let mut f = f?;
        let mut tampon = vec![0u8; 64 * 1024];
        match f.read(&mut tampon).await {
            Ok(0) => None,
            Ok(n) => {
                tampon.truncate(n);
                Some((Ok(Bytes::from(tampon)), Some(f)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

/// The body of a workbook still being written: the answer leaves at once (a large one takes
/// longer than a request may), its bytes when the file is done; a failure cuts the download.
fn corps_classeur(travail: tokio::task::JoinHandle<AppResult<std::fs::File>>) -> Body {
    use futures_util::StreamExt;
    let flux = futures_util::stream::once(async move {
        match travail.await.map_err(|e| e.to_string()).and_then(|r| r.map_err(|e| e.to_string())) {
            Ok(f) => flux_fichier(f).left_stream(),
            Err(raison) => {
                tracing::error!(erreur = %raison, "classeur non écrit");
                futures_util::stream::once(async move { Err(std::io::Error::other(raison)) }).right_stream()
            }
        }
    })
    .flatten();
    Body::from_stream(flux)
}

/// `;`-separated, UTF-8 with a BOM (spreadsheet software then reads the accents right), each
/// cell quoted and made inert for spreadsheets by the one CSV writer (`lieux::csv::write_line`):
/// the notes and the names are typed by people.
fn csv_entete(entete: &Entete, colonnes: &[String]) -> String {
    use carnet_domain::lieux::csv::write_line;
    let mut out = String::from("\u{feff}");
    for l in entete {
        match l {
            Some((libelle, Vide)) => write_line(&mut out, &[libelle.as_str()], ';'),
            Some((libelle, valeur)) => write_line(&mut out, &[libelle.as_str(), &valeur.csv()], ';'),
            None => write_line(&mut out, &[], ';'),
        }
    }
    write_line(&mut out, &colonnes.iter().map(String::as_str).collect::<Vec<_>>(), ';');
    out
}

fn csv_ligne(out: &mut String, ligne: &[Cellule]) {
    let cellules: Vec<String> = ligne.iter().map(Cellule::csv).collect();
    carnet_domain::lieux::csv::write_line(out, &cellules.iter().map(String::as_str).collect::<Vec<_>>(), ';');
}

/// Labels of a `|`-joined list of values, one per line.
fn libelles(vocabulaires: &[Vocabulaire], valeurs: Option<&str>) -> Cellule {
    let l: Vec<String> = split_list(valeurs.unwrap_or(""))
        .iter()
        .map(|v| {
            vocabulaires.iter().find_map(|voc| coop::label(voc, v)).map(typographique).unwrap_or_else(|| v.clone())
        })
        .collect();
    if l.is_empty() {
        Vide
    } else {
        Texte(l.join("\n"))
    }
}

/// The first postcode of a commune's list.
pub(crate) fn premier_code_postal(codes: &Option<String>) -> Option<&str> {
    codes.as_deref().and_then(|c| c.split(|ch: char| !ch.is_ascii_digit()).find(|c| c.len() == 5))
}

fn code_postal(codes: &Option<String>) -> Cellule {
    match premier_code_postal(codes) {
        Some(cp) => texte(cp),
        None => Vide,
    }
}

fn non_communique(voc: Vocabulaire, valeur: Option<&str>) -> Cellule {
    match valeur.filter(|v| *v != "non_communique").and_then(|v| coop::label(voc, v)) {
        Some(l) => texte(typographique(l)),
        None => texte("Non communiqué"),
    }
}

/// Which of the Coop's optional columns: the médiateur's own export shows the person and the
/// notes; someone else's (a coordinateur's, a hub's) shows who the médiateur was.
#[derive(Clone, Copy, PartialEq)]
enum Vue {
    Soi,
    Autre,
}

fn colonnes_activites(vue: Vue) -> Vec<String> {
    let mut c: Vec<&str> = vec!["Date", "Enregistré le", "Dernière modification le"];
    if vue == Vue::Autre {
        c.extend(["Prénom du médiateur", "Nom du médiateur", "Rôle", "ID - Conum"]);
    }
    c.extend(["Type", "Participants"]);
    if vue == Vue::Soi {
        c.push("Bénéficiaire");
    }
    c.extend([
        "Canaux d’accompagnement",
        "Nom du lieu",
        "Adresse",
        "Commune",
        "Code postal",
        "Code Insee",
        "Durée (min)",
        "Nom de l’atelier",
        "Matériel numérique utilisé",
        "Thématique(s) d’accompagnement",
        "Tags",
        "Nom de la démarche administrative",
        "Niveau d’autonomie (ou de l’atelier)",
        "Bénéficiaire réorienté",
        "Structure de redirection",
        "Commune du bénéficiaire",
        "Code postal du bénéficiaire",
        "Code Insee du bénéficiaire",
        "Genre du bénéficiaire",
        "Tranche d’âge du bénéficiaire",
        "Statut du bénéficiaire",
    ]);
    if vue == Vue::Soi {
        c.push("Notes supplémentaires");
    }
    c.push("ID CRA");
    // Carnet's own, after the Coop's.
    c.extend(["Parcours", "Séance n°", "Pass consommé"]);
    c.into_iter().map(String::from).collect()
}

fn ligne_activite(a: &Activite, vue: Vue, annee: i32) -> Vec<Cellule> {
    let cal =
        Calendrier::pour(a.structure_commune_insee.as_deref(), a.structure_fuseau.as_deref().and_then(Fuseau::parse));
    let cree = cal.to_local(a.created_at);
    let modifie = cal.to_local(a.updated_at);
    let mut l = vec![
        Date(date_locale(a)),
        Horodatage(cree),
        if a.updated_at == a.created_at { Vide } else { Horodatage(modifie) },
    ];
    if vue == Vue::Autre {
        l.extend([texte(&a.conseiller_prenom), texte(&a.conseiller_nom), texte(Role::Conseiller.label()), Vide]);
    }
    l.extend([texte("Accompagnement individuel"), Nombre(1.0)]);
    if vue == Vue::Soi {
        l.push(if a.anonymise_at.is_some() || a.beneficiaire_prenom.is_empty() {
            texte("Bénéficiaire anonyme")
        } else {
            texte(&a.beneficiaire_prenom)
        });
    }
    let au_lieu = a.type_lieu == "lieu_activite";
    let lieu = |v: Option<String>| if au_lieu { v.map(Texte).unwrap_or(Vide) } else { Vide };
    l.extend([
        coop::label(coop::TYPE_LIEU, &a.type_lieu).map(|t| texte(typographique(t))).unwrap_or(Vide),
        lieu(Some(a.structure_nom.clone())),
        lieu(a.structure_adresse.clone()),
        lieu(a.structure_commune.clone()),
        if au_lieu { code_postal(&a.structure_codes_postaux) } else { Vide },
        lieu(a.structure_commune_insee.clone()),
        Nombre(a.duree_minutes() as f64),
        Vide,
        libelles(&[coop::MATERIEL], a.cr_materiel.as_deref()),
        libelles(
            &[coop::THEMATIQUES_MEDIATION_NUMERIQUE, coop::THEMATIQUES_DEMARCHES_ADMINISTRATIVES],
            a.cr_thematiques.as_deref(),
        ),
        Vide,
        Vide,
        match a.cr_autonomie.as_deref().and_then(|v| coop::AUTONOMIE.iter().position(|(c, _)| *c == v)) {
            Some(i) => texte(format!("{}/3", i + 1)),
            None => Vide,
        },
        Vide,
        Vide,
        a.beneficiaire_commune.clone().map(Texte).unwrap_or(Vide),
        code_postal(&a.beneficiaire_codes_postaux),
        a.beneficiaire_commune_insee.clone().map(Texte).unwrap_or(Vide),
        non_communique(coop::GENRE, a.genre.as_deref()),
        non_communique(
            coop::TRANCHE_AGE,
            Some(regles::tranche_age_retenue(a.annee_naissance.map(|y| y as i32), a.tranche_age.as_deref(), annee)),
        ),
        non_communique(coop::STATUT_SOCIAL, a.statut_social.as_deref()),
    ]);
    if vue == Vue::Soi {
        l.push(a.cr_notes.clone().filter(|n| !n.is_empty()).map(Texte).unwrap_or(Vide));
    }
    l.extend([
        Nombre(a.id as f64),
        Nombre(a.parcours_id as f64),
        a.numero.map(|n| Nombre(n as f64)).unwrap_or(Vide),
        texte(if a.pass_valeur_centimes.is_some() { "Oui" } else { "Non" }),
    ]);
    l
}

/// Who may export activities: not a commanditaire (aggregates only).
fn vue_activites(user: &CurrentUser) -> AppResult<Vue> {
    match user.role {
        Role::Conseiller => Ok(Vue::Soi),
        Role::Coordinateur | Role::Hub | Role::Admin => Ok(Vue::Autre),
        _ => Err(AppError::Forbidden),
    }
}

/// An activities export under way: its header (with the total), its columns, and its lines as
/// the database gives them.
struct Flux {
    entete: Entete,
    colonnes: Vec<String>,
    total: usize,
    vue: Vue,
    annee: i32,
    date: NaiveDate,
    lignes: mpsc::Receiver<sqlx::Result<Activite>>,
}

impl Flux {
    /// The next line, waiting for the database (blocking: for the workbook's thread).
    fn suivante_bloquante(&mut self) -> Option<AppResult<Vec<Cellule>>> {
        let (vue, annee) = (self.vue, self.annee);
        self.lignes.blocking_recv().map(|r| r.map(|a| ligne_activite(&a, vue, annee)).map_err(AppError::from))
    }
}

/// Starts an activities export: the count, the header and the journal line first, in one
/// snapshot with the lines, which a task then reads one by one on its own connection: an export
/// of a whole country holds a few hundred rows at a time, never all of them.
async fn activites(state: &AppState, user: &CurrentUser, f: &FiltresStatistiques) -> AppResult<Flux> {
    let vue = vue_activites(user)?;
    let ctx = Contexte::preparer(state, user, f).await?;
    let mut tx = db::begin_lecture(&state.db).await?;
    let (portee, filtres_, i) = (ctx.portee.clone(), ctx.filtres.clone(), ctx.intervalle);
    let total = store::nombre_activites(&mut tx, &portee, &filtres_, i).await?.max(0) as usize;
    let mut entete = informations(user, total, &ctx, user.calendrier.to_local(state.clock.now()));
    entete.extend(filtres(&mut tx, &ctx).await?);
    if vue == Vue::Soi {
        // The conseiller's own export names the people: journalled like any read of them,
        // before a line leaves.
        let ids = store::personnes_nommees(&mut tx, &portee, &filtres_, i).await?;
        journal::identite_lue(state, user, Lecture::Export, &ids).await?;
    }
    let (envoi, lignes) = mpsc::channel(256);
    tokio::spawn(async move {
        if let Err(e) = store::envoyer_activites(&mut tx, &portee, &filtres_, i, &envoi).await {
            tracing::error!(erreur = %e, "export des activités interrompu");
            let _ = envoi.send(Err(e)).await;
        }
        // Read only: the transaction ends when dropped.
    });
    Ok(Flux {
        entete,
        colonnes: colonnes_activites(vue),
        total,
        vue,
        annee: ctx.aujourdhui.year(),
        date: ctx.aujourdhui,
        lignes,
    })
}

/// The most lines a worksheet holds (Excel's limit).
const LIGNES_MAX_FEUILLE: usize = 1_048_576;

/// Whether `total` lines fit a sheet under a header block of `entete` lines and the columns' line.
fn tient_dans_une_feuille(total: usize, entete: usize) -> AppResult<()> {
    let place = LIGNES_MAX_FEUILLE.saturating_sub(entete + 1);
    if total <= place {
        return Ok(());
    }
    Err(AppError::Unprocessable(format!(
        "Trop d’accompagnements pour un classeur : {total} pour {place} lignes au plus. Choisissez une période \
         plus courte, ou l’export .csv, qui n’a pas de limite."
    )))
}

#[utoipa::path(
    get,
    path = "/api/v1/exports/activites.xlsx",
    tag = "exports",
    params(FiltresStatistiques),
    responses((status = 200, description = "Classeur des accompagnements", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)),
    security(("session" = []))
)]
async fn activites_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(f): ApiQuery<FiltresStatistiques>,
) -> AppResult<Response> {
    let mut flux = activites(&state, &user, &f).await?;
    tient_dans_une_feuille(flux.total, flux.entete.len())?;
    let nom = format!("carnet_accompagnements_{}.xlsx", flux.date.format("%Y-%m-%d"));
    let travail = tokio::task::spawn_blocking(move || {
        let (entete, colonnes, total) = (std::mem::take(&mut flux.entete), flux.colonnes.clone(), flux.total);
        classeur_fichier("Activités", &entete, &colonnes, total, std::iter::from_fn(|| flux.suivante_bloquante()))
    });
    Ok(fichier(corps_classeur(travail), XLSX, nom))
}

#[utoipa::path(
    get,
    path = "/api/v1/exports/activites.csv",
    tag = "exports",
    params(FiltresStatistiques),
    responses((status = 200, description = "CSV des accompagnements (UTF-8 avec BOM, « ; »)", content_type = "text/csv", body = String)),
    security(("session" = []))
)]
async fn activites_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(f): ApiQuery<FiltresStatistiques>,
) -> AppResult<Response> {
    let flux = activites(&state, &user, &f).await?;
    let nom = format!("carnet_accompagnements_{}.csv", flux.date.format("%Y-%m-%d"));
    let debut = csv_entete(&flux.entete, &flux.colonnes);
    let (vue, annee) = (flux.vue, flux.annee);
    // The header, then the lines by batches of up to 256 as they come.
    let corps = futures_util::stream::unfold((Some(flux.lignes), Some(debut)), move |(lignes, debut)| async move {
        if let Some(d) = debut {
            return Some((Ok(Bytes::from(d)), (lignes, None)));
        }
        let mut lignes = lignes?;
        let mut lot = Vec::with_capacity(256);
        if lignes.recv_many(&mut lot, 256).await == 0 {
            return None;
        }
        let mut out = String::new();
        for r in lot {
            match r {
                Ok(a) => csv_ligne(&mut out, &ligne_activite(&a, vue, annee)),
                Err(e) => return Some((Err(std::io::Error::other(e.to_string())), (None, None))),
            }
        }
        Some((Ok(Bytes::from(out)), (Some(lignes), None)))
    });
    Ok(fichier(Body::from_stream(corps), "text/csv; charset=utf-8", nom))
}

/// The statistics as the Coop's export lays them out: blocks of `label | count | %`.
fn lignes_statistiques(s: &Statistiques) -> Vec<Vec<Cellule>> {
    let mut out: Vec<Vec<Cellule>> = Vec::new();
    let titre = |out: &mut Vec<Vec<Cellule>>, t: &str| {
        out.push(vec![]);
        out.push(vec![texte(t)]);
    };
    let bloc = |out: &mut Vec<Vec<Cellule>>, t: &str, lignes: &[Ligne]| {
        titre(out, t);
        for l in lignes {
            out.push(vec![
                texte(&l.libelle),
                Nombre(l.nombre as f64),
                Cellule::Pourcentage(l.pourcentage as f64 / 100.0),
            ]);
        }
    };
    let g = &s.generales;
    out.push(vec![texte("Statistiques générales")]);
    let mut libelles = vec![texte("Accompagnements au total"), texte("Bénéficiaires accompagnés")];
    let mut nombres = vec![Nombre(g.accompagnements as f64), Nombre(g.beneficiaires as f64)];
    if let Some(n) = g.nouveaux_beneficiaires.filter(|n| *n > 0) {
        libelles.push(texte("Nouveaux bénéficiaires"));
        nombres.push(Nombre(n as f64));
    }
    libelles.extend([
        texte("Bénéficiaires suivis"),
        texte("Bénéficiaires anonymes"),
        texte("Accompagnements sur les 12 derniers mois"),
    ]);
    nombres.extend([
        Nombre(g.beneficiaires_suivis as f64),
        Nombre(g.beneficiaires_anonymes as f64),
        Nombre(g.accompagnements_12_mois as f64),
    ]);
    out.push(libelles);
    out.push(nombres);
    titre(&mut out, "Nombre d’accompagnements par mois");
    out.push(s.par_mois.iter().map(|b| texte(&b.libelle)).collect());
    out.push(s.par_mois.iter().map(|b| Nombre(b.nombre as f64)).collect());
    titre(&mut out, "Statistiques sur vos accompagnements");
    for l in &s.types {
        let libelle = if l.valeur == "individuel" { "Accompagnements individuels" } else { "Ateliers collectifs" };
        out.push(vec![texte(libelle), Nombre(l.nombre as f64), Cellule::Pourcentage(l.pourcentage as f64 / 100.0)]);
    }
    out.push(vec![texte("Nombre total de participants aux ateliers"), Nombre(0.0)]);
    out.push(vec![texte("Nombre total d’activités"), Nombre(g.accompagnements as f64)]);
    bloc(&mut out, "Thématiques Médiation numérique", &s.thematiques);
    bloc(&mut out, "Thématiques Démarches administratives", &s.thematiques_demarches);
    bloc(&mut out, "Tags", &[]);
    bloc(&mut out, "Matériel utilisés", &s.materiel);
    bloc(&mut out, "Canaux des activités", &s.canaux);
    bloc(&mut out, "Durées des activités", &s.durees);
    bloc(&mut out, "Nombre d’activités par lieux", &s.lieux);
    titre(&mut out, "Statistiques sur vos bénéficiaires");
    bloc(&mut out, "Genre", &s.beneficiaires.genres);
    bloc(&mut out, "Tranches d’âge", &s.beneficiaires.tranches_age);
    bloc(&mut out, "Statuts", &s.beneficiaires.statuts);
    bloc(&mut out, "Commune de résidence des bénéficiaires", &s.beneficiaires.communes);
    if let Some(c) = &s.par_conseiller {
        bloc(&mut out, "Accompagnements par conseiller", c);
    }
    // What only Carnet knows.
    let c = &s.carnet;
    titre(&mut out, "Pass numérique consommés");
    out.push(vec![texte("Mois"), texte("Pass"), texte("Valeur (€)")]);
    for m in &c.passes_par_mois {
        out.push(vec![texte(&m.mois), Nombre(m.nombre as f64), Nombre(m.valeur_centimes as f64 / 100.0)]);
    }
    out.push(vec![texte("Total"), Nombre(c.passes_total as f64), Nombre(c.valeur_totale_centimes as f64 / 100.0)]);
    titre(&mut out, "Parcours");
    out.push(vec![texte("Parcours ouverts"), Nombre(c.parcours_ouverts as f64)]);
    out.push(vec![texte("Parcours terminés"), Nombre(c.parcours_termines as f64)]);
    out.push(vec![texte("Parcours abandonnés"), Nombre(c.parcours_abandonnes as f64)]);
    out.push(vec![
        texte("Médiane des séances par parcours terminé"),
        c.mediane_seances_par_parcours.map(Nombre).unwrap_or(Vide),
    ]);
    titre(&mut out, "Compétences en progression entre le premier et le dernier diagnostic (parcours terminés)");
    out.push(vec![texte("Domaine"), texte("Compétences évaluées"), texte("En progression"), texte("Part")]);
    for d in &c.progression_competences {
        out.push(vec![
            texte(format!("{} {}", d.code, d.titre)),
            Nombre(d.evaluees as f64),
            Nombre(d.en_progression as f64),
            Cellule::Pourcentage(d.pourcentage as f64 / 100.0),
        ]);
    }
    out
}

#[utoipa::path(
    get,
    path = "/api/v1/exports/statistiques.xlsx",
    tag = "exports",
    params(FiltresStatistiques),
    responses((status = 200, description = "Classeur des statistiques", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)),
    security(("session" = []))
)]
async fn statistiques_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(f): ApiQuery<FiltresStatistiques>,
) -> AppResult<Response> {
    let ctx = Contexte::preparer(&state, &user, &f).await?;
    let s = calculer(&state.db, &ctx).await?;
    let mut tx = state.db.begin().await?;
    let mut entete =
        informations(&user, s.generales.accompagnements as usize, &ctx, user.calendrier.to_local(state.clock.now()));
    entete.extend(filtres(&mut tx, &ctx).await?);
    tx.commit().await?;
    let contenu = classeur("Statistiques", &entete, &[], &lignes_statistiques(&s))?;
    Ok(fichier(contenu, XLSX, format!("carnet_statistiques_{}.xlsx", ctx.aujourdhui.format("%Y-%m-%d"))))
}

/// The structure's beneficiaries, for its coordinateur: identity (first name, contact details)
/// only for the people who keep it — contact details only under the reminders consent, nothing
/// for anonymised people — and each read journalled.
#[utoipa::path(
    get,
    path = "/api/v1/exports/beneficiaires.xlsx",
    tag = "exports",
    params(FiltresStatistiques),
    responses((status = 200, description = "Classeur des bénéficiaires", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)),
    security(("session" = []))
)]
async fn beneficiaires_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(f): ApiQuery<FiltresStatistiques>,
) -> AppResult<Response> {
    if user.role != Role::Coordinateur {
        return Err(AppError::Forbidden);
    }
    let ctx = Contexte::preparer(&state, &user, &f).await?;
    let Portee::Structure(structure_id) = ctx.portee else { return Err(AppError::Forbidden) };
    let mut tx = state.db.begin().await?;
    let par_personne = store::accompagnements_par_personne(&mut tx, &ctx.portee, &ctx.filtres, ctx.intervalle).await?;
    let personnes = store::beneficiaires(&mut tx, structure_id).await?;
    let mut entete = informations(&user, 0, &ctx, user.calendrier.to_local(state.clock.now()));
    entete.extend([Some(("Filtres".into(), Vide)), Some(("Recherche".into(), texte("-"))), None]);
    tx.commit().await?;
    let filtre = f.query().is_empty();
    let annee = ctx.aujourdhui.year();
    let tiret = |v: Option<String>| v.filter(|v| !v.is_empty()).map(Texte).unwrap_or_else(|| texte("-"));
    let mut lignes = Vec::new();
    let mut lus = Vec::new();
    for p in &personnes {
        let n = par_personne.get(&p.id).copied().unwrap_or(0);
        if n == 0 && !filtre {
            continue;
        }
        let garde = p.anonymise_at.is_none();
        if garde {
            lus.push(p.id);
        }
        let contact = garde && p.consentement_rappels == Some(true);
        lignes.push(vec![
            texte("-"),
            tiret(garde.then(|| p.prenom.clone())),
            p.annee_naissance.map(|a| Nombre(a as f64)).unwrap_or_else(|| texte("-")),
            tiret(p.commune.clone()),
            tiret(p.commune_insee.clone()),
            match code_postal(&p.codes_postaux) {
                Vide => texte("-"),
                c => c,
            },
            tiret(p.telephone.clone().filter(|_| contact)),
            tiret(p.email.clone().filter(|_| contact)),
            texte(match p.genre.as_deref() {
                Some("masculin") => "Homme",
                Some("feminin") => "Femme",
                _ => "Non communiqué",
            }),
            non_communique(
                coop::TRANCHE_AGE,
                Some(regles::tranche_age_retenue(p.annee_naissance.map(|y| y as i32), p.tranche_age.as_deref(), annee)),
            ),
            non_communique(coop::STATUT_SOCIAL, p.statut_social.as_deref()),
            Nombre(n as f64),
            texte("-"),
        ]);
    }
    if let Some(Some((_, total))) = entete.iter_mut().find(|l| matches!(l, Some((t, _)) if t == "Total")) {
        *total = Nombre(lignes.len() as f64);
    }
    journal::identite_lue(&state, &user, Lecture::Export, &lus).await?;
    let colonnes: Vec<String> = [
        "Nom",
        "Prénom",
        "Année de naissance",
        "Nom de la commune",
        "Code INSEE",
        "Code postal",
        "N° de téléphone",
        "E-mail",
        "Genre",
        "Tranche d’âge",
        "Statut",
        "Nombre d’accompagnements",
        "Notes supplémentaires",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let contenu = classeur("Bénéficiaires", &entete, &colonnes, &lignes)?;
    Ok(fichier(contenu, XLSX, format!("carnet_export-beneficiaires_{}.xlsx", ctx.aujourdhui.format("%Y-%m-%d"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(entete: &Entete, colonnes: &[String], lignes: &[Vec<Cellule>]) -> Vec<u8> {
        let mut out = csv_entete(entete, colonnes);
        for l in lignes {
            csv_ligne(&mut out, l);
        }
        out.into_bytes()
    }

    #[test]
    fn a_sheet_takes_what_excel_holds_and_no_more() {
        assert!(tient_dans_une_feuille(1_048_576 - 24, 23).is_ok());
        let e = tient_dans_une_feuille(1_048_576 - 23, 23).unwrap_err();
        assert!(e.to_string().contains("1048553 pour 1048552 lignes au plus"), "{e}");
    }

    #[test]
    fn csv_quotes_what_needs_it_and_starts_with_a_bom() {
        let out = csv(
            &vec![Some(("Total".into(), Nombre(2.0))), None],
            &["A".into(), "B".into()],
            &[vec![texte("x;y"), texte("l1\nl2")], vec![Date(NaiveDate::from_ymd_opt(2027, 2, 3).unwrap()), Vide]],
        );
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s, "\u{feff}Total;2\r\n\r\nA;B\r\n\"x;y\";\"l1\nl2\"\r\n03/02/2027;\r\n");
    }

    #[test]
    fn csv_cells_typed_by_people_are_not_formulas() {
        let out = csv(&vec![], &["Notes".into()], &[vec![texte("=HYPERLINK(\"http://x\")")], vec![texte("-3")]]);
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s, "\u{feff}Notes\r\n\"'=HYPERLINK(\"\"http://x\"\")\"\r\n-3\r\n");
    }
}

/// The OpenAPI description of this module's routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(activites_xlsx, activites_csv, statistiques_xlsx, beneficiaires_xlsx))]
pub(super) struct Doc;
