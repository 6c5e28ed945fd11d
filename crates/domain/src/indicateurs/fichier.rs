//! Le fichier des indicateurs (`nature = "indicateurs"`) : axes, indicateurs, mode « calculé »
//! ou « saisi », calculs connus ; le fichier embarqué dans le binaire.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::donnees::CHAMPS_LIEU;
use super::validation::valider;
use crate::referentiel::{ligne_colonne, ErreurReferentiel, Nature, Source, Validite};

/// Le fichier embarqué.
pub const INDICATEURS_CTIN: &str = include_str!("../../../../referentiels/indicateurs-ctin.toml");

/// Un axe stratégique.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axe {
    pub numero: u8,
    pub libelle: String,
}

/// D'où vient la valeur d'un indicateur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Calculée à partir des données de la plateforme.
    Calcule,
    /// Saisie par le territoire, avec sa source et sa date.
    Saisi,
}

impl Mode {
    pub fn code(self) -> &'static str {
        match self {
            Mode::Calcule => "calcule",
            Mode::Saisi => "saisi",
        }
    }
    pub fn libelle(self) -> &'static str {
        match self {
            Mode::Calcule => "calculé",
            Mode::Saisi => "saisi",
        }
    }
}

/// Un calcul connu, désigné par son nom dans le fichier (clé `calcul.nom`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "nom", rename_all = "snake_case", deny_unknown_fields)]
pub enum Calcul {
    /// Lieux de la carte situés dans le territoire.
    LieuxCartographies,
    /// Lieux de la carte dont l'un des `champs` (valeurs multiples séparées par « | », ou « ; »
    /// dans les champs v0.1 gardés tels quels) contient l'une des `valeurs`.
    LieuxAvecProgramme {
        champs: Vec<String>,
        valeurs: Vec<String>,
    },
    /// Organisations distinctes dont la signature de la charte `referentiel` est en cours.
    SignatairesCharte { referentiel: String },
    /// Organismes distincts qui portent un lieu de la carte (un par pivot significatif, sinon un
    /// par lieu) ou qui détiennent un label ou une charte en cours.
    OrganismesPromotion,
}

impl Calcul {
    pub fn nom(&self) -> &'static str {
        match self {
            Calcul::LieuxCartographies => "lieux_cartographies",
            Calcul::LieuxAvecProgramme { .. } => "lieux_avec_programme",
            Calcul::SignatairesCharte { .. } => "signataires_charte",
            Calcul::OrganismesPromotion => "organismes_promotion",
        }
    }
}

/// Un indicateur.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicateur {
    pub id: String,
    /// Numéro de l'axe.
    pub axe: u8,
    pub libelle: String,
    pub unite: String,
    /// La valeur est-elle un nombre entier (un compte) ?
    pub entier: bool,
    /// Valeur maximale d'une saisie (100 pour un taux).
    #[serde(default)]
    pub maximum: Option<f64>,
    pub mode: Mode,
    /// Comment la valeur est calculée (phrase affichée après « calculé à partir des données de
    /// la plateforme : »). Obligatoire pour un indicateur calculé.
    #[serde(default)]
    pub methode: Option<String>,
    /// Ce que le territoire doit saisir (aide du formulaire).
    #[serde(default)]
    pub definition: Option<String>,
    #[serde(default)]
    pub calcul: Option<Calcul>,
}

/// Règles des saisies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReglesSaisie {
    /// Première année qu'un territoire peut saisir.
    pub annee_min: i32,
}

/// Fichier `nature = "indicateurs"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferentielIndicateurs {
    pub id: String,
    pub version: String,
    pub nature: Nature,
    pub nom: String,
    pub nom_court: String,
    #[serde(default)]
    pub description: Option<String>,
    pub source: Source,
    pub validite: Validite,
    pub saisie: ReglesSaisie,
    pub axes: Vec<Axe>,
    pub indicateurs: Vec<Indicateur>,
}

impl ReferentielIndicateurs {
    pub fn indicateur(&self, id: &str) -> Option<&Indicateur> {
        self.indicateurs.iter().find(|i| i.id == id)
    }

    pub fn axe(&self, numero: u8) -> Option<&Axe> {
        self.axes.iter().find(|a| a.numero == numero)
    }

    /// Les indicateurs d'un axe, dans l'ordre du fichier.
    pub fn indicateurs_de(&self, axe: u8) -> impl Iterator<Item = &Indicateur> {
        self.indicateurs.iter().filter(move |i| i.axe == axe)
    }

    /// Les champs des lieux dont les calculs ont besoin : ceux qui situent et datent un lieu
    /// ([`CHAMPS_LIEU`]), plus ceux qu'examinent les calculs « lieux avec programme ». Les autres
    /// champs n'ont pas à être gardés en mémoire.
    pub fn champs_des_lieux(&self) -> BTreeSet<String> {
        let mut v: BTreeSet<String> = CHAMPS_LIEU.iter().map(|c| c.to_string()).collect();
        for i in &self.indicateurs {
            if let Some(Calcul::LieuxAvecProgramme { champs, .. }) = &i.calcul {
                v.extend(champs.iter().cloned());
            }
        }
        v
    }

    /// Lit et valide un fichier seul (sans contrôle croisé avec les autres référentiels).
    pub fn depuis_toml(
        fichier: &str,
        texte: &str,
    ) -> Result<ReferentielIndicateurs, Vec<ErreurReferentiel>> {
        let r: ReferentielIndicateurs = toml::from_str(texte).map_err(|e| {
            vec![ErreurReferentiel {
                fichier: fichier.to_string(),
                position: e.span().map(|s| ligne_colonne(texte, s.start)),
                chemin: None,
                message: format!("TOML invalide : {}", e.message().trim()),
            }]
        })?;
        let erreurs = valider(&r, None, fichier, texte);
        if erreurs.is_empty() {
            Ok(r)
        } else {
            Err(erreurs)
        }
    }

    /// Le référentiel embarqué (lu une fois).
    pub fn embarque() -> &'static ReferentielIndicateurs {
        static R: OnceLock<ReferentielIndicateurs> = OnceLock::new();
        R.get_or_init(|| {
            ReferentielIndicateurs::depuis_toml("indicateurs-ctin.toml", INDICATEURS_CTIN)
                .expect("référentiel des indicateurs embarqué valide (testé)")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_referentiel_embarque_a_7_axes_et_11_indicateurs() {
        let r = ReferentielIndicateurs::embarque();
        assert_eq!(r.axes.len(), 7);
        assert_eq!(r.indicateurs.len(), 11);
        assert_eq!(r.axe(2).unwrap().libelle, "Favoriser l'accès au numérique");
        assert_eq!(r.indicateurs_de(2).count(), 3);
        let carto = r.indicateur("cartographie-acteurs").unwrap();
        assert_eq!(
            carto.libelle,
            "Cartographie des acteurs de l'inclusion numérique"
        );
        assert_eq!(carto.calcul, Some(Calcul::LieuxCartographies));
        let calcules: Vec<&str> = r
            .indicateurs
            .iter()
            .filter(|i| i.mode == Mode::Calcule)
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(calcules.len(), 4, "{calcules:?}");
        assert!(r
            .indicateur("taux-personnes-vulnerables")
            .unwrap()
            .libelle
            .contains("aidées ou formés"));
    }
}
