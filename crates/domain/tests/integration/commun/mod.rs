//! Outils partagés par les tests du domaine : lecture des vrais fichiers de référentiels.

use std::path::PathBuf;

use std::collections::BTreeMap;

use reperes_domain::catalogue::{charger, Catalogue};
use reperes_domain::dossier::regles::Situation;
use reperes_domain::dossier::{Dossier, Partenaire, ReponseCritere, RetourTerrain};
use reperes_domain::organisation::{Adresse, Dispositif, Organisation};
use reperes_domain::referentiel::{Referentiel, Regle};

pub fn dossier_referentiels() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../referentiels")
}

/// Le référentiel `id` du dépôt.
pub fn referentiel_du_depot(id: &str) -> Referentiel {
    catalogue()
        .referentiels
        .into_iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("référentiel {id} absent du dépôt"))
}

pub fn fichiers() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dossier_referentiels())
        .expect("dossier referentiels/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

pub fn catalogue() -> Catalogue {
    charger(&fichiers()).unwrap_or_else(|e| panic!("{e}"))
}

/// Le référentiel d'identifiant donné, dans un catalogue chargé.
pub fn referentiel<'a>(c: &'a Catalogue, id: &str) -> &'a Referentiel {
    c.referentiels
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("référentiel {id} absent du catalogue"))
}

/// Situation pleinement satisfaisante au niveau donné, construite à partir du fichier.
pub fn situation_complete(r: &Referentiel, niveau: u8) -> Situation {
    let mut s = Situation {
        type_demandeur: r.demandeurs[0].clone(),
        type_dispositif: r.types_dispositif[0].clone(),
        ..Default::default()
    };
    for regle in &r.eligibilite {
        match regle {
            Regle::Declaration { id, .. } => {
                s.declarations.insert(id.clone(), true);
            }
            Regle::AuMoins { n, parmi, .. } => {
                for c in parmi.iter().take(*n) {
                    s.niveaux.insert(c.clone(), niveau);
                }
            }
            _ => {}
        }
    }
    for c in r.criteres_obligatoires(niveau) {
        s.niveaux.insert(c.id.clone(), niveau);
    }
    s
}

pub fn dossier_complet(r: &Referentiel, niveau: u8) -> Dossier {
    let s = situation_complete(r, niveau);
    let mut criteres = BTreeMap::new();
    for (id, n) in &s.niveaux {
        criteres.insert(
            id.clone(),
            ReponseCritere {
                texte: "x".repeat(r.completude.texte_min_caracteres),
                liens: vec!["https://exemple.fr/preuve".into()],
                fichiers: vec![],
                niveau_auto: Some(*n),
                appreciation: None,
                licence: None,
                materiel: None,
            },
        );
    }
    // Licence admise et matériel publié pour chaque critère qui en exige une.
    for c in r.criteres.iter().filter(|c| !c.licences.is_empty()) {
        if let Some(x) = criteres.get_mut(&c.id) {
            x.licence = Some(c.licences[0].spdx.clone());
            x.materiel = Some("https://exemple.fr/depot".into());
        }
    }
    let organisation = Organisation {
        id: "o".into(),
        nom: "Organisation".into(),
        type_organisation: s.type_demandeur,
        siret: None,
        rna: None,
        adresse: Adresse::default(),
    };
    let dispositif = Dispositif {
        id: "x".into(),
        organisation_id: organisation.id.clone(),
        nom: "Dispositif".into(),
        type_dispositif: s.type_dispositif,
        description: String::new(),
        site: None,
    };
    let mut d = Dossier::nouveau("d".into(), r, &organisation, &dispositif, niveau)
        .expect("niveau défini par le référentiel");
    d.criteres = criteres;
    d.declarations = s.declarations;
    d.engagements = r.engagements.iter().map(|e| e.id.clone()).collect();
    for g in &r.eligibilite {
        if let Regle::Declaration {
            id,
            justification_min_caracteres: Some(min),
            ..
        } = g
        {
            d.justifications.insert(id.clone(), "j".repeat(*min));
        }
    }
    if r.declaration_partenaire_local().is_some() {
        d.retour_terrain = Some(RetourTerrain {
            partenaire: "Médiathèque municipale".into(),
            type_partenaire: "Collectivité".into(),
            commune: String::new(),
            identifiant: String::new(),
            description: "Expérimentation de six mois.".into(),
            preuve: "https://exemple.fr/retour".into(),
        });
    }
    if r.partenaires.is_some() {
        d.partenaires = vec![Partenaire {
            nom: "Centre social du quartier".into(),
            role: "Accueil des publics".into(),
        }];
    }
    d
}
