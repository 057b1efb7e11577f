//! The steps of a parcours and what each needs before it opens. The server refuses a step whose
//! prerequisites are missing with these messages; the app locks the same steps in the stepper.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Etape {
    Accueil,
    Diagnostic,
    Objectifs,
    Planning,
    Seances,
    Bilan,
}

impl Etape {
    pub const TOUTES: [Etape; 6] =
        [Etape::Accueil, Etape::Diagnostic, Etape::Objectifs, Etape::Planning, Etape::Seances, Etape::Bilan];

    /// The value stored in `parcours.etape`, also the route segment (`/parcours/:id/<code>`).
    pub fn code(self) -> &'static str {
        match self {
            Etape::Accueil => "accueil",
            Etape::Diagnostic => "diagnostic",
            Etape::Objectifs => "objectifs",
            Etape::Planning => "planning",
            Etape::Seances => "seances",
            Etape::Bilan => "bilan",
        }
    }

    pub fn parse(code: &str) -> Option<Etape> {
        Etape::TOUTES.into_iter().find(|e| e.code() == code)
    }

    pub fn libelle(self) -> &'static str {
        match self {
            Etape::Accueil => "Accueil",
            Etape::Diagnostic => "Diagnostic",
            Etape::Objectifs => "Objectifs",
            Etape::Planning => "Planning",
            Etape::Seances => "Séances",
            Etape::Bilan => "Bilan",
        }
    }

    pub fn numero(self) -> usize {
        self as usize + 1
    }
}

/// What a parcours holds, as far as steps are concerned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Faits {
    pub termine: bool,
    /// Given up before its end (the person stopped coming): nothing changes in it any more.
    pub abandonne: bool,
    pub diagnostic_initial: bool,
    pub objectifs: bool,
    pub planning: bool,
    pub seances_prevues: usize,
    pub seances_tenues: usize,
    pub diagnostic_final: bool,
}

/// Why a step cannot open yet, or `Ok`.
pub fn prerequis(etape: Etape, f: &Faits) -> Result<(), String> {
    let manque = |e: Etape, quoi: &str| Err(format!("{quoi} (étape {} « {} »).", e.numero(), e.libelle()));
    match etape {
        Etape::Accueil | Etape::Diagnostic => Ok(()),
        Etape::Objectifs if !f.diagnostic_initial => {
            manque(Etape::Diagnostic, "Enregistrez d'abord le diagnostic initial")
        }
        Etape::Objectifs => Ok(()),
        Etape::Planning => {
            prerequis(Etape::Objectifs, f)?;
            if f.objectifs {
                Ok(())
            } else {
                manque(Etape::Objectifs, "Choisissez d'abord le pack et les objectifs")
            }
        }
        Etape::Seances => {
            prerequis(Etape::Planning, f)?;
            if f.planning {
                Ok(())
            } else {
                manque(Etape::Planning, "Établissez d'abord le planning des séances")
            }
        }
        Etape::Bilan => {
            prerequis(Etape::Seances, f)?;
            if f.seances_prevues > 0 {
                Err(format!(
                    "Le bilan se fait quand toutes les séances ont eu lieu : {} séance{} encore prévue{} (étape 5 « Séances »).",
                    f.seances_prevues,
                    if f.seances_prevues > 1 { "s" } else { "" },
                    if f.seances_prevues > 1 { "s" } else { "" }
                ))
            } else if f.seances_tenues == 0 {
                Err("Le bilan demande au moins une séance tenue (étape 5 « Séances »).".into())
            } else {
                Ok(())
            }
        }
    }
}

/// A closed parcours is read-only.
pub fn modifiable(f: &Faits) -> Result<(), String> {
    if f.termine {
        Err("Ce parcours est clôturé : il ne peut plus être modifié.".into())
    } else if f.abandonne {
        Err("Ce parcours a été clôturé avant la fin : il ne peut plus être modifié.".into())
    } else {
        Ok(())
    }
}

/// The furthest step the parcours may open: where « Reprendre » leads.
pub fn etape_courante(f: &Faits) -> Etape {
    Etape::TOUTES
        .into_iter()
        .rev()
        .find(|e| prerequis(*e, f).is_ok())
        .unwrap_or(Etape::Diagnostic)
        .max(Etape::Diagnostic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_open_one_after_the_other() {
        let mut f = Faits::default();
        assert_eq!(etape_courante(&f), Etape::Diagnostic);
        assert_eq!(
            prerequis(Etape::Objectifs, &f).unwrap_err(),
            "Enregistrez d'abord le diagnostic initial (étape 2 « Diagnostic »)."
        );
        assert!(
            prerequis(Etape::Bilan, &f).unwrap_err().contains("diagnostic initial"),
            "the first missing one is named"
        );
        f.diagnostic_initial = true;
        assert_eq!(etape_courante(&f), Etape::Objectifs);
        assert!(prerequis(Etape::Planning, &f).unwrap_err().contains("pack et les objectifs"));
        f.objectifs = true;
        assert_eq!(etape_courante(&f), Etape::Planning);
        assert!(prerequis(Etape::Seances, &f).unwrap_err().contains("planning"));
        f.planning = true;
        f.seances_prevues = 5;
        assert_eq!(etape_courante(&f), Etape::Seances);
        assert_eq!(
            prerequis(Etape::Bilan, &f).unwrap_err(),
            "Le bilan se fait quand toutes les séances ont eu lieu : 5 séances encore prévues (étape 5 « Séances »)."
        );
        f.seances_prevues = 1;
        f.seances_tenues = 4;
        assert!(prerequis(Etape::Bilan, &f).unwrap_err().contains(": 1 séance encore prévue ("));
        f.seances_prevues = 0;
        assert_eq!(etape_courante(&f), Etape::Bilan);
        f.seances_tenues = 0;
        assert!(prerequis(Etape::Bilan, &f).unwrap_err().contains("au moins une séance tenue"));
    }

    #[test]
    fn a_closed_parcours_is_read_only() {
        assert!(modifiable(&Faits::default()).is_ok());
        assert!(modifiable(&Faits { termine: true, ..Default::default() }).unwrap_err().contains("clôturé"));
        assert!(modifiable(&Faits { abandonne: true, ..Default::default() }).unwrap_err().contains("avant la fin"));
    }

    #[test]
    fn codes_round_trip() {
        for e in Etape::TOUTES {
            assert_eq!(Etape::parse(e.code()), Some(e));
        }
        assert_eq!(Etape::Bilan.numero(), 6);
    }
}
