//! The readable export of one person's data: a plain HTML page the server renders (nothing of
//! it ships in the app's wasm), printable as it is. Every value is escaped.

use carnet_domain::coop;
use carnet_domain::donnees::{libelle_colonne, ExportDonnees, Valeur, ACTIONS_JOURNAL, CONSENTEMENTS};
use carnet_domain::intake::CANAUX_RECEPTION;
use carnet_domain::paris::{date_longue, to_local};
use chrono::{DateTime, Utc};

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn quand(at: DateTime<Utc>) -> String {
    let local = to_local(at);
    format!("{} à {}", date_longue(local.date()), local.format("%H:%M"))
}

/// A stored code of a closed list, with its French label beside it.
fn label_of(col: &str, code: &str) -> Option<&'static str> {
    let table = match col {
        "genre" => coop::GENRE,
        "tranche_age" => coop::TRANCHE_AGE,
        "statut_social" => coop::STATUT_SOCIAL,
        "canal_reception" => CANAUX_RECEPTION,
        "objet" => CONSENTEMENTS,
        "action" => ACTIONS_JOURNAL,
        _ => return None,
    };
    coop::label(table, code)
}

fn valeur(col: &str, v: &Valeur) -> String {
    match v {
        Valeur::Nul => "—".into(),
        Valeur::Entier(i) => i.to_string(),
        Valeur::Texte(t) => match DateTime::parse_from_rfc3339(t) {
            Ok(d) => quand(d.with_timezone(&Utc)),
            Err(_) => match label_of(col, t) {
                Some(label) => format!("{label} ({t})"),
                None => t.clone(),
            },
        },
    }
}

pub fn render(e: &ExportDonnees) -> String {
    let mut body = String::new();
    let total: usize = e.tables.iter().map(|t| t.lignes.len()).sum();
    for t in &e.tables {
        body.push_str(&format!(
            "<section>\n<h2>{} <span class=\"n\">({})</span></h2>\n",
            escape(&t.titre),
            t.lignes.len()
        ));
        if t.lignes.is_empty() {
            body.push_str("<p class=\"vide\">Rien d'enregistré.</p>\n");
        }
        for (i, ligne) in t.lignes.iter().enumerate() {
            body.push_str(&format!(
                "<table>\n<caption>{} — enregistrement {} sur {}</caption>\n<tbody>\n",
                escape(&t.titre),
                i + 1,
                t.lignes.len()
            ));
            for (col, v) in ligne {
                body.push_str(&format!(
                    "<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n",
                    escape(libelle_colonne(col)),
                    escape(&valeur(col, v))
                ));
            }
            body.push_str("</tbody>\n</table>\n");
        }
        body.push_str("</section>\n");
    }
    format!(
        r#"<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Données de la personne n° {id} — Carnet</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #161616; max-width: 50rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; line-height: 1.5; }}
h1 {{ font-size: 1.6rem; margin: 0 0 .5rem; }}
h2 {{ font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #1d4ed8; padding-bottom: .25rem; }}
.n, .vide, .meta {{ color: #4b5563; }}
table {{ border-collapse: collapse; width: 100%; margin: 0 0 1rem; }}
caption {{ text-align: left; font-weight: 600; padding: .25rem 0; color: #4b5563; font-size: .9rem; }}
th, td {{ text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid #c4c9d2; }}
th {{ width: 40%; font-weight: 600; }}
td {{ overflow-wrap: anywhere; }}
@media print {{ body {{ max-width: none; font-size: 10.5pt; }} table {{ break-inside: avoid; }} }}
</style>
</head>
<body>
<main>
<h1>Données gardées par Carnet sur la personne n° {id}</h1>
<p class="meta">Export du {quand}, par {structure}. {total} enregistrements, tels qu'ils sont stockés. Cette page se garde ou s'imprime (commande « Imprimer » du navigateur) ; le même contenu existe en fichier JSON.</p>
{body}</main>
</body>
</html>
"#,
        id = e.beneficiaire_id,
        quand = escape(&quand(e.genere_le)),
        structure = escape(&e.structure),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use carnet_domain::donnees::ExportTable;
    use std::collections::BTreeMap;

    #[test]
    fn values_are_escaped_and_columns_named() {
        let mut row = BTreeMap::new();
        row.insert("prenom".to_string(), Valeur::Texte("<script>alert(1)</script>".into()));
        row.insert("annee_naissance".to_string(), Valeur::Entier(1958));
        row.insert("commune_insee".to_string(), Valeur::Nul);
        row.insert("tranche_age".to_string(), Valeur::Texte("soixante_soixante_neuf".into()));
        let e = ExportDonnees {
            genere_le: DateTime::parse_from_rfc3339("2027-03-15T10:00:00+01:00").unwrap().with_timezone(&Utc),
            beneficiaire_id: 7,
            structure: "Médiathèque & Co".into(),
            tables: vec![ExportTable { table: "beneficiaires".into(), titre: "La personne".into(), lignes: vec![row] }],
        };
        let html = render(&e);
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("<th scope=\"row\">Prénom ou alias</th>"));
        assert!(html.contains("<td>1958</td>"));
        assert!(html.contains("<td>60 - 69 ans (soixante_soixante_neuf)</td>"));
        assert!(html.contains("Médiathèque &amp; Co"));
        assert!(html.contains("<html lang=\"fr\">"));
    }
}
