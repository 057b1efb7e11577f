//! The audit journal in words, for the ledger's journal page: an action's label, and a state
//! (a flat JSON object written by the server) as « field : value » pairs, each state named by
//! its label. A light rewrite, without a JSON parser in the app.

/// An action of the journal in words (its code, spaced, when it has no label here).
pub fn action_libelle(code: &str) -> String {
    match code {
        "emis" => "Émis",
        "active" | "activer" => "Activé",
        "confie_structure" => "Confié à une structure",
        "confie_conseiller" => "Confié à un conseiller",
        "repris" => "Repris par la structure",
        "distribue" => "Remis à une personne",
        "valide" => "Pass utilisé",
        "validation_annulee" => "Validation annulée",
        "expire" => "Expiré",
        "accorde" => "Agrément accordé",
        "suspendu" => "Agrément suspendu",
        "retire" => "Agrément retiré",
        "paiement" | "paiement_enregistre" => "Paiement enregistré",
        "cree" => "Créé",
        "creee" => "Créée",
        "activee" => "Activée",
        "expiree" => "Expirée",
        "generee" => "Générée",
        "agree" => "Agréée",
        "envoye" => "Envoyé",
        "emission" => "Relevé émis",
        "paye" => "Relevé payé",
        _ => return code.replace('_', " "),
    }
    .to_string()
}

/// A field of a journal state in words.
fn champ(cle: &str) -> String {
    match cle {
        "etat" => "état",
        "structure_id" => "structure n°",
        "conseiller_id" => "conseiller n°",
        "commande_id" => "commande",
        "carnet_id" => "carnet",
        "seance_id" => "séance",
        "montant_centimes" => "montant (centimes)",
        "valeur_centimes" => "valeur (centimes)",
        _ => return cle.replace('_', " "),
    }
    .to_string()
}

/// A state value in words: the label of a carnet's, pass's, order's or statement's state.
fn valeur(cle: &str, v: &str) -> String {
    use crate::ledger::etats::{CarnetEtat, CommandeEtat, ReleveEtat};
    use crate::pass::PassEtat;
    if cle != "etat" {
        return v.to_string();
    }
    CarnetEtat::parse(v)
        .map(|e| e.libelle())
        .or_else(|| PassEtat::parse(v).map(|e| e.libelle()))
        .or_else(|| CommandeEtat::parse(v).map(|e| e.libelle()))
        .or_else(|| ReleveEtat::parse(v).map(|e| e.libelle()))
        .map(|l| l.to_string())
        .unwrap_or_else(|| v.replace('_', " "))
}

/// `{"etat":"confie_conseiller","x":1}` → `état : Confié à un conseiller, x : 1`. The journal's
/// states are flat JSON objects written by the server; a light rewrite reads better than the raw
/// text (and needs no JSON parser).
pub fn etat_lisible(json: Option<&str>) -> String {
    let Some(text) = json else { return "—".into() };
    let inner = text.trim().trim_start_matches('{').trim_end_matches('}');
    let mut paires: Vec<(String, String)> = Vec::new();
    let mut courant = String::new();
    let mut cle: Option<String> = None;
    let mut in_string = false;
    let mut escaped = false;
    // Inside a list (`["a","b"]`), commas belong to the value.
    let mut profondeur = 0u32;
    let fin = |cle: &mut Option<String>, courant: &mut String, paires: &mut Vec<(String, String)>| {
        if let Some(k) = cle.take() {
            paires.push((k, std::mem::take(courant)));
        }
    };
    for c in inner.chars() {
        match c {
            '\\' if in_string && !escaped => escaped = true,
            '"' if !escaped => in_string = !in_string,
            '[' | '{' if !in_string => {
                profondeur += 1;
                courant.push(c);
            }
            ']' | '}' if !in_string => {
                profondeur = profondeur.saturating_sub(1);
                courant.push(c);
            }
            ':' if !in_string && profondeur == 0 && cle.is_none() => cle = Some(std::mem::take(&mut courant)),
            ',' if !in_string && profondeur > 0 => courant.push_str(", "),
            ',' if !in_string => fin(&mut cle, &mut courant, &mut paires),
            _ => {
                escaped = false;
                courant.push(c);
            }
        }
    }
    fin(&mut cle, &mut courant, &mut paires);
    paires
        .iter()
        .map(|(k, v)| format!("{} : {}", champ(k.trim()), valeur(k.trim(), v.trim())))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_in_words() {
        assert_eq!(etat_lisible(None), "—");
        assert_eq!(
            etat_lisible(Some(r#"{"etat":"confie_conseiller","conseiller_id":4}"#)),
            "état : Confié à un conseiller, conseiller n° : 4"
        );
        assert_eq!(etat_lisible(Some(r#"{"etat":"valide"}"#)), "état : Utilisé");
    }

    #[test]
    fn lists_and_quoted_commas_stay_whole() {
        assert_eq!(
            etat_lisible(Some(r#"{"criteres":["senior_60","libre_1"],"note":"a, b : c"}"#)),
            "criteres : [senior_60, libre_1], note : a, b : c"
        );
    }

    #[test]
    fn actions_read_in_words() {
        assert_eq!(action_libelle("activee"), "Activée");
        assert_eq!(action_libelle("confie_structure"), "Confié à une structure");
        assert_eq!(action_libelle("code_inconnu"), "code inconnu");
    }
}
