//! Organisations (porteurs) et dispositifs. Seul un dispositif est labellisé, jamais
//! l'organisation qui le porte.

use serde::{Deserialize, Serialize};

use crate::catalogue::Catalogue;
use crate::identifiants::{Rna, Siret};
use crate::referentiel::TypeIdentifiant;
use crate::saisie::ErreurChamp;

/// Adresse postale d'une organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Adresse {
    pub voie: String,
    pub code_postal: String,
    pub commune: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: String,
    pub nom: String,
    /// Type d'organisation (identifiant des nomenclatures).
    pub type_organisation: String,
    pub siret: Option<Siret>,
    pub rna: Option<Rna>,
    pub adresse: Adresse,
}

/// Ce qu'un demandeur saisit pour déclarer une organisation, avant analyse.
#[derive(Debug, Clone, Default)]
pub struct SaisieOrganisation {
    pub nom: String,
    pub type_organisation: String,
    pub siret: String,
    pub rna: String,
    pub adresse: Adresse,
}

impl SaisieOrganisation {
    /// Analyse la saisie ; rend toutes les erreurs d'un coup.
    pub fn analyser(
        self,
        id: String,
        catalogue: &Catalogue,
    ) -> Result<Organisation, Vec<ErreurChamp>> {
        let mut erreurs = Vec::new();
        let nom = self.nom.trim().to_string();
        if nom.is_empty() {
            erreurs.push(ErreurChamp::new(
                "nom",
                "Indiquez le nom de l'organisation.",
            ));
        } else if nom.chars().count() > 200 {
            erreurs.push(ErreurChamp::new(
                "nom",
                "Le nom ne doit pas dépasser 200 caractères.",
            ));
        }
        let type_org = catalogue.type_organisation(&self.type_organisation);
        if type_org.is_none() {
            erreurs.push(ErreurChamp::new(
                "type_organisation",
                "Choisissez le type d'organisation dans la liste.",
            ));
        }
        let siret = match self.siret.trim() {
            "" => None,
            s => match Siret::parse(s) {
                Ok(v) => Some(v),
                Err(e) => {
                    erreurs.push(ErreurChamp::new("siret", majuscule(&e.to_string())));
                    None
                }
            },
        };
        let rna = match self.rna.trim() {
            "" => None,
            s => match Rna::parse(s) {
                Ok(v) => Some(v),
                Err(e) => {
                    erreurs.push(ErreurChamp::new("rna", majuscule(&e.to_string())));
                    None
                }
            },
        };
        if let Some(t) = type_org {
            let a_siret = siret.is_some() || !self.siret.trim().is_empty();
            let a_rna = rna.is_some() || !self.rna.trim().is_empty();
            let accepte_siret = t.identifiants.contains(&TypeIdentifiant::Siret);
            let accepte_rna = t.identifiants.contains(&TypeIdentifiant::Rna);
            if !(a_siret && accepte_siret || a_rna && accepte_rna) {
                let (champ, msg) = match (accepte_siret, accepte_rna) {
                    (true, true) => (
                        "siret",
                        "Indiquez le SIRET ou le numéro RNA de l'association.",
                    ),
                    (false, true) => ("rna", "Indiquez le numéro RNA."),
                    _ => ("siret", "Indiquez le SIRET (14 chiffres)."),
                };
                erreurs.push(ErreurChamp::new(champ, msg));
            }
            if a_rna && !accepte_rna {
                erreurs.push(ErreurChamp::new(
                    "rna",
                    "Le numéro RNA ne concerne que les associations.",
                ));
            }
        }
        let adresse = Adresse {
            voie: self.adresse.voie.trim().to_string(),
            code_postal: self.adresse.code_postal.trim().to_string(),
            commune: self.adresse.commune.trim().to_string(),
        };
        let cp_valide = adresse.code_postal.len() == 5
            && adresse.code_postal.chars().all(|c| c.is_ascii_digit());
        if !adresse.code_postal.is_empty() && !cp_valide {
            erreurs.push(ErreurChamp::new(
                "code_postal",
                "Le code postal compte 5 chiffres, par exemple 80000.",
            ));
        }
        if adresse.commune.is_empty() {
            erreurs.push(ErreurChamp::new("commune", "Indiquez la commune."));
        }
        if erreurs.is_empty() {
            Ok(Organisation {
                id,
                nom,
                type_organisation: self.type_organisation,
                siret,
                rna,
                adresse,
            })
        } else {
            Err(erreurs)
        }
    }
}

fn majuscule(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(p) => p.to_uppercase().collect::<String>() + c.as_str() + ".",
        None => String::new(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispositif {
    pub id: String,
    pub organisation_id: String,
    pub nom: String,
    /// Type de dispositif (identifiant des nomenclatures).
    pub type_dispositif: String,
    pub description: String,
    pub site: Option<String>,
}

impl Dispositif {
    /// Vérifie un dispositif saisi ; rend toutes les erreurs d'un coup.
    pub fn verifier(&self, catalogue: &Catalogue) -> Result<(), Vec<ErreurChamp>> {
        let mut erreurs = Vec::new();
        if self.nom.trim().is_empty() {
            erreurs.push(ErreurChamp::new("nom", "Indiquez le nom du dispositif."));
        }
        if catalogue.type_dispositif(&self.type_dispositif).is_none() {
            erreurs.push(ErreurChamp::new(
                "type_dispositif",
                "Choisissez le type de dispositif dans la liste.",
            ));
        }
        if let Some(site) = &self.site {
            if !(site.starts_with("https://") || site.starts_with("http://")) {
                erreurs.push(ErreurChamp::new(
                    "site",
                    "L'adresse du site doit commencer par https:// ou http://.",
                ));
            }
        }
        if erreurs.is_empty() {
            Ok(())
        } else {
            Err(erreurs)
        }
    }
}
