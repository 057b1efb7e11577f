//! A database at national volume, written in SQL (set-based, one `INSERT … SELECT` per table,
//! never through the API): for the benchmarks, and for a test at a tiny scale.
//!
//! At scale 1.0: 4,000 conseillers (4 per structure, so 1,000 structures), 100 beneficiaries
//! each (400,000), one parcours and one carnet of 5 passes per beneficiary (2,000,000 passes), 5
//! weekly sessions per parcours (2,000,000 sessions), the parcours starting evenly over the last
//! 730 days. What is past is done: sessions held with their pass validated and their report,
//! parcours whose five sessions are past closed with a final diagnostic and a bilan; the rest is
//! planned. A conseiller thus has about 5 parcours open and 95 closed, and about 21 sessions a
//! month: with one carnet of 5 passes per person, 400,000 people give 2,000,000 sessions, not the
//! 55 a month that 5,280,000 would need (both figures cannot hold at once; the passes decide).
//! Structures take the départements in turn, each in its département's most populous commune
//! (overseas ones too, so their zones are counted; not the Pacific's, which Carnet has no zone
//! for), and a person lives where their structure is: a département then holds about a
//! hundredth of the country, as it would. Every session falls within the local day (07:00–21:00).
//!
//! Every conseiller's e-mail is `conseiller-{n}@national.carnet.fr` (n from 1), all with the
//! same password. Pass `id`'s code is [`code`]`(id)`; session `id` uses pass `id`. The ledger's
//! own tables (orders, validations, statements) stay empty.

use crate::db::{self, Db};
use crate::store::conn::on;
use carnet_domain::pass_code::{PassCode, ALPHABET, LEN};
use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

pub const CONSEILLERS_PAR_STRUCTURE: i64 = 4;
pub const BENEFICIAIRES_PAR_CONSEILLER: i64 = 100;
pub const PASSES_PAR_CARNET: i64 = 5;
const JOURS: i64 = 730;
const SEMAINE: i64 = 7 * 86_400;
const BASE: i64 = ALPHABET.len() as i64;

struct Dialecte {
    serie: fn(i64) -> String,
    instant: fn(&str) -> String,
    jour: fn(&str) -> String,
    recaler: fn(&str) -> Option<String>,
}

/// What was written, and how long each table took.
#[derive(Debug)]
pub struct Genere {
    pub structures: i64,
    pub conseillers: i64,
    pub beneficiaires: i64,
    pub passes: i64,
    pub seances: i64,
    pub durees: Vec<(&'static str, Duration)>,
    pub duree: Duration,
}

/// The e-mail of the n-th generated conseiller (from 1).
pub fn email(n: i64) -> String {
    format!("conseiller-{n}@national.carnet.fr")
}

/// The code of generated pass `id`: the id's 11 base-30 digits and their check character, a
/// well-formed code that can be typed to validate the pass (the benchmarks do), unique per id.
pub fn code(id: i64) -> PassCode {
    let mut chiffres = [0u8; LEN - 1];
    for (i, c) in chiffres.iter_mut().enumerate() {
        *c = ((id / BASE.pow((LEN - 2 - i) as u32)) % BASE) as u8;
    }
    PassCode::from_random(chiffres)
}

/// [`code`] as an SQL expression of the id (the same text on both backends): the Luhn mod 30
/// check of `pass_code` written out, since the passes are written in one `INSERT … SELECT`.
fn code_sql(id: &str) -> String {
    let chiffre = |i: usize| format!("((({id}) / {}) % {BASE})", BASE.pow((LEN - 2 - i) as u32));
    // From the right, every second value doubled (the check position counting as the first),
    // each addend folded back into base 30.
    let somme = (0..LEN - 1)
        .map(|i| {
            let facteur = if (LEN - 2 - i).is_multiple_of(2) { 2 } else { 1 };
            format!("({facteur} * {c}) / {BASE} + ({facteur} * {c}) % {BASE}", c = chiffre(i))
        })
        .collect::<Vec<_>>()
        .join(" + ");
    let alphabet = std::str::from_utf8(ALPHABET).expect("ASCII");
    let lettre = |v: String| format!("substr('{alphabet}', CAST({v} + 1 AS INTEGER), 1)");
    let mut parts: Vec<String> = (0..LEN - 1).map(|i| lettre(chiffre(i))).collect();
    parts.push(lettre(format!("({BASE} - ({somme}) % {BASE}) % {BASE}")));
    parts.join(" || ")
}

/// Fills an empty database (no structure, no account) at `echelle` × the national volume (at
/// least one conseiller), in one transaction. `mot_de_passe_hache`: every conseiller's.
pub async fn generer(db: &Db, echelle: f64, now: DateTime<Utc>, mot_de_passe_hache: &str) -> anyhow::Result<Genere> {
    anyhow::ensure!(echelle.is_finite() && echelle > 0.0, "échelle : un nombre positif (1.0 = le volume national)");
    let debut = Instant::now();
    let conseillers = ((4000.0 * echelle).round() as i64).max(1);
    let structures = (conseillers + CONSEILLERS_PAR_STRUCTURE - 1) / CONSEILLERS_PAR_STRUCTURE;
    let beneficiaires = conseillers * BENEFICIAIRES_PAR_CONSEILLER;
    let maintenant = now.timestamp();
    // Day 0 at midnight UTC, two years ago; a conseiller starts a parcours every 7.3 days
    // on average (7 or 8 whole days, so that sessions keep their hour of the day).
    let t0 = (maintenant / 86_400 - JOURS) * 86_400;

    let mut tx = db::begin_write(db).await?;
    let (deja,): (i64,) = on!(tx, |cx| sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM structures) + (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM parcours)"
    )
    .fetch_one(cx)
    .await)?;
    anyhow::ensure!(deja == 0, "la base n'est pas vide (structures, comptes ou parcours) : génération refusée");

    // Parcours k (from 1) of conseiller c in structure s starts at t (seconds): conseillers take
    // turns, each on their own weekday, between 08:00 and 15:00 UTC, four hours later in the
    // structures of the Americas (Antilles, Guyane, Saint-Pierre-et-Miquelon), so that a session
    // falls within the day there too (07:00–21:00 local, which a hold checks).
    let g = format!(
        "g AS (SELECT i AS k, (i - 1) % {conseillers} + 1 AS c,
                      ((i - 1) % {conseillers}) / {CONSEILLERS_PAR_STRUCTURE} + 1 AS s,
                      {t0} + (((i - 1) / {conseillers}) * {JOURS} / {BENEFICIAIRES_PAR_CONSEILLER}) * 86400
                        + (((i - 1) % {conseillers}) % 7) * 86400
                        + 28800 + ((i - 1) % 8) * 3600
                        + CASE WHEN (SELECT substr(st.commune_insee, 1, 3) FROM structures st
                                     WHERE st.id = ((i - 1) % {conseillers}) / {CONSEILLERS_PAR_STRUCTURE} + 1)
                                    IN ('971', '972', '973', '975', '977', '978')
                               THEN 14400 ELSE 0 END AS t
               FROM n)"
    );
    // Session j (0..4) of parcours k: id (k - 1) * 5 + j + 1, as is its pass (rang j + 1).
    let r = "r(j) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4)";
    let fin_seance = format!("g.t + r.j * {SEMAINE} + 3600");
    let tenue = format!("{fin_seance} <= {maintenant}");
    let termine = format!("g.t + 4 * {SEMAINE} + 3600 <= {maintenant}");

    // The parts of the statements the backends write differently.
    let d = on!(tx, |_cx| Dialecte {
        serie: dialect::serie,
        instant: dialect::instant,
        jour: dialect::jour,
        recaler: dialect::recaler_identite
    });
    let (serie, instant, jour) = (d.serie, d.instant, d.jour);
    let mut durees = Vec::new();
    macro_rules! etape {
        ($nom:expr, $sql:expr $(, $bind:expr)*) => {{
            let t = Instant::now();
            let sql: String = $sql;
            on!(tx, |cx| sqlx::query(&sql)$(.bind($bind))*.execute(cx).await.map(|r| r.rows_affected()))?;
            durees.push(($nom, t.elapsed()));
        }};
    }

    etape!(
        "structures",
        format!(
            "WITH RECURSIVE {},
              grandes AS (SELECT code_insee, departement,
                                 ROW_NUMBER() OVER (PARTITION BY departement ORDER BY population DESC, code_insee)
                                   AS rang
                          FROM communes
                          -- Carnet's zones are those of France and its overseas départements and
                          -- collectivités of the Americas and the Indian Ocean, not the Pacific's.
                          WHERE departement < '98'),
              deps AS (SELECT code_insee AS code, ROW_NUMBER() OVER (ORDER BY departement) AS r
                       FROM grandes WHERE rang = 1),
              nd AS (SELECT NULLIF(COUNT(*), 0) AS total FROM deps)
         INSERT INTO structures (id, nom, commune_insee, created_at)
         SELECT n.i, 'Espace numérique n°' || n.i, COALESCE(deps.code, '29019'), {}
         FROM n LEFT JOIN deps ON deps.r = (n.i - 1) % (SELECT total FROM nd) + 1",
            serie(structures),
            instant(&(t0 - 86_400).to_string())
        )
    );
    // Working conseillers: they logged in today (the retention job deactivates accounts unused
    // for two years, which these, created two years back, would otherwise be).
    etape!("users", format!(
        "WITH RECURSIVE {} INSERT INTO users (id, email, password_hash, prenom, nom, role, structure_id, active, created_at,
                                             last_login_at)
         SELECT i, 'conseiller-' || i || '@national.carnet.fr', $1, 'Conseiller', 'National ' || i, 'conseiller',
                (i - 1) / {CONSEILLERS_PAR_STRUCTURE} + 1, TRUE, {}, {} FROM n",
        serie(conseillers),
        instant(&(t0 - 86_400).to_string()),
        instant(&maintenant.to_string())
    ), mot_de_passe_hache);
    etape!(
        "beneficiaires",
        format!(
            "WITH RECURSIVE {}, {g}
         INSERT INTO beneficiaires (id, structure_id, prenom, prenom_normalise, annee_naissance, commune_insee, genre,
                                    statut_social, created_by, created_at, updated_at)
         SELECT k, s, x.prenom, lower(x.prenom), 1940 + k % 60, (SELECT commune_insee FROM structures WHERE id = s),
                CASE WHEN k % 2 = 0 THEN 'feminin' ELSE 'masculin' END, 'retraite', c, {t}, {t}
         FROM g JOIN (SELECT 0 AS m, 'Monique' AS prenom UNION ALL SELECT 1, 'Karim' UNION ALL SELECT 2, 'Yvette'
                      UNION ALL SELECT 3, 'Fatou' UNION ALL SELECT 4, 'Nadia' UNION ALL SELECT 5, 'Lucie'
                      UNION ALL SELECT 6, 'Mohamed' UNION ALL SELECT 7, 'Odette') x ON x.m = g.k % 8",
            serie(beneficiaires),
            t = instant("g.t")
        )
    );
    etape!(
        "carnets",
        format!(
            "WITH RECURSIVE {}, {g}
         INSERT INTO carnets (id, numero, nb_passes, valeur_faciale_centimes, fin_validite, etat, beneficiaire_id,
                              structure_id, commanditaire_nom, canal_reception, date_reception, created_at)
         SELECT k, 'NAT-' || k, {PASSES_PAR_CARNET}, 1000, {}, 'distribue', k, s, 'Commanditaire national', 'mairie',
                {}, {} FROM g",
            serie(beneficiaires),
            jour("g.t + 240 * 86400"),
            jour("g.t"),
            instant("g.t")
        )
    );
    etape!(
        "parcours",
        format!(
            "WITH RECURSIVE {}, {g}
         INSERT INTO parcours (id, beneficiaire_id, carnet_id, structure_id, conseiller_id, etat, etape, created_at,
                               updated_at, pack_id, closed_at)
         SELECT k, k, k, s, c,
                CASE WHEN {termine} THEN 'termine' ELSE 'en_cours' END,
                CASE WHEN {termine} THEN 'bilan' ELSE 'seances' END,
                {t}, CASE WHEN {termine} THEN {clos} ELSE {t} END, k % 4 + 1,
                CASE WHEN {termine} THEN {clos} END
         FROM g",
            serie(beneficiaires),
            t = instant("g.t"),
            clos = instant(&format!("g.t + 4 * {SEMAINE} + 3600")),
        )
    );
    etape!(
        "parcours_themes",
        format!(
            "INSERT INTO parcours_themes (parcours_id, rang, titre, thematiques, competences)
         SELECT p.id, t.rang, t.titre, t.thematiques, t.competences
         FROM parcours p JOIN pack_themes t ON t.pack_id = p.pack_id AND t.nb_passes = {PASSES_PAR_CARNET}"
        )
    );
    etape!(
        "objectifs",
        format!(
            "INSERT INTO objectifs (parcours_id, rang, competence, niveau_cible, atteint)
         SELECT p.id, ROW_NUMBER() OVER (PARTITION BY p.id ORDER BY c.competence), c.competence, c.niveau,
                CASE WHEN p.etat = 'termine' THEN TRUE END
         FROM parcours p JOIN pack_cibles c ON c.pack_id = p.pack_id AND c.nb_passes = {PASSES_PAR_CARNET}"
        )
    );
    etape!(
        "diagnostics",
        String::from(
            "INSERT INTO diagnostics (parcours_id, moment, observations, created_by, created_at, updated_at)
         SELECT id, 'initial', 'Souhaite gagner en autonomie pour ses démarches.', conseiller_id, created_at, created_at
         FROM parcours
         UNION ALL
         SELECT id, 'final', 'Autonome pour l''essentiel.', conseiller_id, closed_at, closed_at
         FROM parcours WHERE etat = 'termine'"
        )
    );
    etape!(
        "diagnostic_niveaux",
        format!(
            "INSERT INTO diagnostic_niveaux (parcours_id, moment, competence, niveau)
         SELECT p.id, 'initial', c.competence, 'entierement_accompagne'
         FROM parcours p JOIN pack_cibles c ON c.pack_id = p.pack_id AND c.nb_passes = {PASSES_PAR_CARNET}
         UNION ALL
         SELECT p.id, 'final', c.competence, c.niveau
         FROM parcours p JOIN pack_cibles c ON c.pack_id = p.pack_id AND c.nb_passes = {PASSES_PAR_CARNET}
         WHERE p.etat = 'termine'"
        )
    );
    etape!(
        "plannings",
        String::from(
            "INSERT INTO plannings (parcours_id, frequence, duree_minutes, type_lieu, created_at, updated_at)
         SELECT id, 'hebdomadaire', 60, 'lieu_activite', created_at, created_at FROM parcours"
        )
    );
    etape!(
        "seances",
        format!(
            "WITH RECURSIVE {}, {g}, {r}
         INSERT INTO seances (id, parcours_id, conseiller_id, uid, sequence, debut, fin, type_lieu, statut,
                              cr_thematiques, cr_duree_minutes, numero, created_at, updated_at)
         SELECT (g.k - 1) * {PASSES_PAR_CARNET} + r.j + 1, g.k, g.c,
                'national-' || ((g.k - 1) * {PASSES_PAR_CARNET} + r.j + 1) || '@carnet', 0,
                {debut}, {fin}, 'lieu_activite',
                CASE WHEN {tenue} THEN 'tenue' ELSE 'prevue' END,
                CASE WHEN {tenue} THEN 'navigation_sur_internet' END,
                CASE WHEN {tenue} THEN 60 END,
                CASE WHEN {tenue} THEN r.j + 1 END,
                {cree}, {cree}
         FROM g CROSS JOIN r",
            serie(beneficiaires),
            debut = instant(&format!("g.t + r.j * {SEMAINE}")),
            fin = instant(&fin_seance),
            cree = instant("g.t")
        )
    );
    etape!(
        "passes",
        format!(
            "WITH RECURSIVE {}, {g}, {r}
         INSERT INTO passes (id, carnet_id, rang, code, etat, valeur_centimes, validated_at, validated_by,
                             credited_structure_id, seance_id)
         SELECT (g.k - 1) * {PASSES_PAR_CARNET} + r.j + 1, g.k, r.j + 1,
                {code},
                CASE WHEN {tenue} THEN 'valide' ELSE 'distribue' END, 1000,
                CASE WHEN {tenue} THEN {valide} END,
                CASE WHEN {tenue} THEN g.c END,
                CASE WHEN {tenue} THEN g.s END,
                CASE WHEN {tenue} THEN (g.k - 1) * {PASSES_PAR_CARNET} + r.j + 1 END
         FROM g CROSS JOIN r",
            serie(beneficiaires),
            valide = instant(&format!("g.t + r.j * {SEMAINE}")),
            code = code_sql(&format!("(g.k - 1) * {PASSES_PAR_CARNET} + r.j + 1"))
        )
    );
    // The ledger's line of each validated pass, as `passes::validate` writes it (day and month
    // in Paris: sessions end between 09:00 and 16:00 UTC, the same day in Paris).
    etape!(
        "pass_validations",
        format!(
            "WITH RECURSIVE {}, {g}, {r}
         INSERT INTO pass_validations (pass_id, carnet_id, structure_id, parcours_id, seance_cle, valeur_centimes,
                                       mois, jour, validated_at, validated_by)
         SELECT (g.k - 1) * {PASSES_PAR_CARNET} + r.j + 1, g.k, g.s, g.k,
                'seance:' || ((g.k - 1) * {PASSES_PAR_CARNET} + r.j + 1), 1000,
                substr(CAST({jour_valide} AS TEXT), 1, 7), {jour_valide}, {valide}, g.c
         FROM g CROSS JOIN r WHERE {tenue}",
            serie(beneficiaires),
            valide = instant(&format!("g.t + r.j * {SEMAINE}")),
            jour_valide = jour(&format!("g.t + r.j * {SEMAINE}"))
        )
    );
    etape!(
        "bilans",
        String::from(
            "INSERT INTO bilans (parcours_id, orientation, recommandations, created_by, created_at, updated_at)
         SELECT id, 'insertion_professionnelle', 'Continuer aux ateliers de la médiathèque.', conseiller_id,
                closed_at, closed_at
         FROM parcours WHERE etat = 'termine'"
        )
    );
    for table in ["structures", "users", "beneficiaires", "carnets", "parcours", "seances", "passes"] {
        if let Some(sql) = (d.recaler)(table) {
            on!(tx, |cx| sqlx::query(&sql).execute(cx).await.map(|_| ()))?;
        }
    }
    let t = Instant::now();
    crate::store::agregat::reconstruire(&mut tx).await?;
    durees.push(("statistiques_jours", t.elapsed()));
    tx.commit().await?;
    // Fresh statistics for the planner, as a deployment has.
    let t = Instant::now();
    on!(db.acquire().await?, |cx| sqlx::query("ANALYZE").execute(cx).await.map(|_| ()))?;
    durees.push(("ANALYZE", t.elapsed()));
    Ok(Genere {
        structures,
        conseillers,
        beneficiaires,
        passes: beneficiaires * PASSES_PAR_CARNET,
        seances: beneficiaires * PASSES_PAR_CARNET,
        durees,
        duree: debut.elapsed(),
    })
}
