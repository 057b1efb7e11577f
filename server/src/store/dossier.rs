//! A parcours as the wizard sees it: its header (for access checks and rules), the facts that
//! decide which steps may open, and the whole `Dossier` a page loads in one request.

use crate::store::conn::{on, Conn};
use crate::store::{packs::split_list, parcours, seances};
use carnet_domain::parcours::cloture::{ClotureView, MotifCloture};
use carnet_domain::parcours::competences::Niveau;
use carnet_domain::parcours::diagnostic::ResultatExterne;
use carnet_domain::parcours::etapes::{etape_courante, Faits};
use carnet_domain::parcours::planning::Frequence;
use carnet_domain::parcours::{BilanView, DiagnosticView, Dossier, ObjectifView, PackRef, PlanningView, ThemeView};
use carnet_domain::structure::Coordonnees;
use chrono::{DateTime, NaiveDate, Utc};

/// What the rules need to know about a parcours, read inside the writing transaction.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Entete {
    pub id: i64,
    pub etat: String,
    pub structure_id: i64,
    pub conseiller_id: i64,
    pub carnet_id: i64,
    pub nb_passes: i64,
    pub date_reception: NaiveDate,
    pub fin_validite: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub prenom: String,
    pub structure_nom: String,
    /// The issuer of a carnet received from elsewhere (no order here): who reimburses its passes.
    pub emetteur_hors_commande: Option<String>,
    pub structure_commune: Option<String>,
    pub structure_fuseau: Option<String>,
}

impl Entete {
    /// The zone and holidays of the parcours' structure: every date of the parcours is there.
    pub fn calendrier(&self) -> carnet_domain::fuseau::Calendrier {
        crate::store::fuseaux::calendrier(self.structure_commune.as_deref(), self.structure_fuseau.as_deref())
    }
}

const ENTETE: &str = "SELECT p.id, p.etat, p.structure_id, p.conseiller_id, p.carnet_id, ca.nb_passes,
        ca.date_reception, ca.fin_validite, p.created_at, b.prenom, s.nom AS structure_nom,
        CASE WHEN ca.commande_id IS NULL THEN ca.commanditaire_nom END AS emetteur_hors_commande,
        s.commune_insee AS structure_commune, s.fuseau AS structure_fuseau
    FROM parcours p
    JOIN carnets ca ON ca.id = p.carnet_id
    JOIN beneficiaires b ON b.id = p.beneficiaire_id
    JOIN structures s ON s.id = p.structure_id";

/// A parcours of this structure, or `None` (answered 404 either way).
pub async fn entete(conn: &mut dyn Conn, id: i64, structure_id: i64) -> sqlx::Result<Option<Entete>> {
    on!(conn, |cx| sqlx::query_as(&format!("{ENTETE} WHERE p.id = $1 AND p.structure_id = $2"))
        .bind(id)
        .bind(structure_id)
        .fetch_optional(cx)
        .await)
}

pub async fn faits(conn: &mut dyn Conn, id: i64) -> sqlx::Result<Faits> {
    let (etat, di, df, obj, pl, prevues, tenues): (String, bool, bool, bool, bool, i64, i64) =
        on!(conn, |cx| sqlx::query_as(
            "SELECT p.etat,
            EXISTS (SELECT 1 FROM diagnostics d WHERE d.parcours_id = p.id AND d.moment = 'initial'),
            EXISTS (SELECT 1 FROM diagnostics d WHERE d.parcours_id = p.id AND d.moment = 'final'),
            EXISTS (SELECT 1 FROM objectifs o WHERE o.parcours_id = p.id),
            EXISTS (SELECT 1 FROM plannings pl WHERE pl.parcours_id = p.id),
            (SELECT COUNT(*) FROM seances s WHERE s.parcours_id = p.id AND s.statut = 'prevue'),
            (SELECT COUNT(*) FROM seances s WHERE s.parcours_id = p.id AND s.statut = 'tenue')
         FROM parcours p WHERE p.id = $1",
        )
        .bind(id)
        .fetch_one(cx)
        .await)?;
    Ok(Faits {
        termine: etat == "termine",
        abandonne: etat == "abandonne",
        diagnostic_initial: di,
        objectifs: obj,
        planning: pl,
        seances_prevues: prevues as usize,
        seances_tenues: tenues as usize,
        diagnostic_final: df,
    })
}

/// Records the step the parcours has reached (derived from its facts) after a change.
pub async fn touch(conn: &mut dyn Conn, id: i64, now: DateTime<Utc>) -> sqlx::Result<Faits> {
    let f = faits(conn, id).await?;
    on!(conn, |cx| sqlx::query("UPDATE parcours SET etape = $1, updated_at = $2 WHERE id = $3")
        .bind(etape_courante(&f).code())
        .bind(now)
        .bind(id)
        .execute(cx)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(f)
}

#[derive(sqlx::FromRow)]
struct ExtraRow {
    structure_nom: String,
    pack_code: Option<String>,
    pack_nom: Option<String>,
    frequence: Option<String>,
    duree_minutes: Option<i64>,
    type_lieu: Option<String>,
    orientation: Option<String>,
    recommandations: Option<String>,
    bilan_updated_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    telephone: Option<String>,
    adresse: Option<String>,
    cloture_motif: Option<String>,
    cloture_precision: Option<String>,
    structure_commune: Option<String>,
    structure_fuseau: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DiagRow {
    moment: String,
    observations: String,
    updated_at: DateTime<Utc>,
}

/// The whole parcours for its pages: one read per table, all by primary key or index.
pub async fn load(conn: &mut dyn Conn, id: i64, structure_id: i64) -> sqlx::Result<Option<Dossier>> {
    let Some(detail) = parcours::detail(conn, id, structure_id).await? else { return Ok(None) };
    let x: ExtraRow = on!(conn, |cx| sqlx::query_as(
        "SELECT s.nom AS structure_nom, pk.code AS pack_code, pk.nom AS pack_nom,
                pl.frequence, pl.duree_minutes, pl.type_lieu,
                bi.orientation, bi.recommandations, bi.updated_at AS bilan_updated_at, p.closed_at,
                s.telephone, s.adresse, p.cloture_motif, p.cloture_precision,
                s.commune_insee AS structure_commune, s.fuseau AS structure_fuseau
         FROM parcours p
         JOIN structures s ON s.id = p.structure_id
         LEFT JOIN packs pk ON pk.id = p.pack_id
         LEFT JOIN plannings pl ON pl.parcours_id = p.id
         LEFT JOIN bilans bi ON bi.parcours_id = p.id
         WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(cx)
    .await)?;

    let diags: Vec<DiagRow> = on!(conn, |cx| sqlx::query_as(
        "SELECT moment, observations, updated_at FROM diagnostics WHERE parcours_id = $1"
    )
    .bind(id)
    .fetch_all(cx)
    .await)?;
    let niveaux: Vec<(String, String, String)> = on!(conn, |cx| sqlx::query_as(
        "SELECT moment, competence, niveau FROM diagnostic_niveaux WHERE parcours_id = $1"
    )
    .bind(id)
    .fetch_all(cx)
    .await)?;
    let resultats: Vec<(String, String, String)> = on!(conn, |cx| sqlx::query_as(
        "SELECT moment, outil, score FROM diagnostic_resultats WHERE parcours_id = $1 ORDER BY moment, rang",
    )
    .bind(id)
    .fetch_all(cx)
    .await)?;
    let diagnostic = |moment: &str| {
        diags.iter().find(|d| d.moment == moment).map(|d| DiagnosticView {
            niveaux: niveaux
                .iter()
                .filter(|(m, _, _)| m == moment)
                .filter_map(|(_, c, n)| Some((c.clone(), Niveau::parse(n)?)))
                .collect(),
            resultats: resultats
                .iter()
                .filter(|(m, _, _)| m == moment)
                .map(|(_, outil, score)| ResultatExterne { outil: outil.clone(), score: score.clone() })
                .collect(),
            observations: d.observations.clone(),
            updated_at: d.updated_at,
        })
    };

    let objectifs: Vec<(String, String, Option<bool>)> = on!(conn, |cx| sqlx::query_as(
        "SELECT competence, niveau_cible, atteint FROM objectifs WHERE parcours_id = $1 ORDER BY rang"
    )
    .bind(id)
    .fetch_all(cx)
    .await)?;
    let themes = themes(conn, id).await?;
    let cal = crate::store::fuseaux::calendrier(x.structure_commune.as_deref(), x.structure_fuseau.as_deref());
    let seances = seances::views(conn, id, &themes, cal).await?;

    Ok(Some(Dossier {
        pack: match (x.pack_code, x.pack_nom) {
            (Some(code), Some(nom)) => Some(PackRef { code, nom }),
            _ => None,
        },
        diagnostic_initial: diagnostic("initial"),
        diagnostic_final: diagnostic("final"),
        objectifs: objectifs
            .into_iter()
            .filter_map(|(c, n, a)| Some(ObjectifView { competence: c, niveau_cible: Niveau::parse(&n)?, atteint: a }))
            .collect(),
        themes,
        planning: match (x.frequence.as_deref().and_then(Frequence::parse), x.duree_minutes, x.type_lieu) {
            (Some(frequence), Some(d), Some(type_lieu)) => {
                Some(PlanningView { frequence, duree_minutes: d as u32, type_lieu })
            }
            _ => None,
        },
        seances,
        coordonnees: Coordonnees { telephone: x.telephone, adresse: x.adresse },
        cloture: match (x.cloture_motif.as_deref().and_then(MotifCloture::parse), x.closed_at) {
            (Some(motif), Some(le)) => {
                Some(ClotureView { motif, precision: x.cloture_precision.unwrap_or_default(), le })
            }
            _ => None,
        },
        bilan: match (x.recommandations, x.bilan_updated_at) {
            (Some(recommandations), Some(updated_at)) => {
                Some(BilanView { orientation: x.orientation, recommandations, updated_at, closed_at: x.closed_at })
            }
            _ => None,
        },
        fuseau: cal.fuseau,
        ..Dossier::new(detail, x.structure_nom)
    }))
}

pub async fn themes(conn: &mut dyn Conn, id: i64) -> sqlx::Result<Vec<ThemeView>> {
    let rows: Vec<(i64, String, String, String)> = on!(conn, |cx| sqlx::query_as(
        "SELECT rang, titre, thematiques, competences FROM parcours_themes WHERE parcours_id = $1 ORDER BY rang",
    )
    .bind(id)
    .fetch_all(cx)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(rang, titre, th, co)| ThemeView {
            rang,
            titre,
            thematiques: split_list(&th),
            competences: split_list(&co),
        })
        .collect())
}
