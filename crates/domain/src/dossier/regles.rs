//! Règles lues dans les référentiels : éligibilité (autodiagnostic), complétude avant dépôt,
//! conformité d'une décision de labellisation. Aucune règle n'est propre à un label : tout vient
//! du fichier du référentiel.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{lien_https, Dossier, ReponseCritere};
use crate::referentiel::{Critere, Nature, PreuveExigee, Referentiel, Regle};

/// Ce qui manque pour qu'une règle soit satisfaite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manque {
    /// Règle ou élément en cause (`type_demandeur`, identifiant de déclaration, de critère…).
    pub regle: String,
    /// Critère concerné, le cas échéant.
    pub critere: Option<String>,
    pub message: String,
}

fn manque(regle: impl Into<String>, critere: Option<&str>, message: impl Into<String>) -> Manque {
    Manque {
        regle: regle.into(),
        critere: critere.map(str::to_string),
        message: message.into(),
    }
}

/// La situation d'un demandeur face à un référentiel : c'est ce que l'autodiagnostic demande.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Situation {
    pub type_demandeur: String,
    pub type_dispositif: String,
    pub declarations: BTreeMap<String, bool>,
    /// Niveau auto-évalué par critère (0 ou absent : critère non satisfait / non retenu).
    pub niveaux: BTreeMap<String, u8>,
}

impl Situation {
    pub fn du_dossier(d: &Dossier) -> Situation {
        Situation {
            type_demandeur: d.type_demandeur.clone(),
            type_dispositif: d.type_dispositif.clone(),
            declarations: d.declarations.clone(),
            niveaux: d
                .criteres
                .iter()
                .filter_map(|(id, r)| r.niveau_auto.map(|n| (id.clone(), n)))
                .collect(),
        }
    }

    fn niveau(&self, critere: &str) -> u8 {
        self.niveaux.get(critere).copied().unwrap_or(0)
    }
}

/// Résultat d'une règle d'éligibilité.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultatRegle {
    pub regle: String,
    pub satisfaite: bool,
    pub message: String,
}

/// Verdict de l'autodiagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub eligible: bool,
    pub resultats: Vec<ResultatRegle>,
    /// Le plus haut niveau que l'auto-évaluation permet de viser (tous les critères obligatoires à
    /// ce niveau auto-évalués à ce niveau ou plus), s'il y en a un.
    pub niveau_atteignable: Option<u8>,
    /// Pour chaque niveau non atteignable, les critères qui manquent.
    pub ecarts: BTreeMap<u8, Vec<Manque>>,
}

/// Évalue les règles d'éligibilité du référentiel pour une situation.
pub fn eligibilite(r: &Referentiel, s: &Situation) -> Verdict {
    let mut resultats = Vec::new();
    for regle in &r.eligibilite {
        let (id, satisfaite, message) = match regle {
            Regle::TypeDemandeur => {
                let ok = r.demandeurs.contains(&s.type_demandeur);
                (
                    "type_demandeur".to_string(),
                    ok,
                    if ok {
                        match r.nature {
                            Nature::Charte => "Ce type d'organisation peut signer cette charte.",
                            Nature::Approbation => {
                                "Ce type d'organisation peut demander l'approbation d'une méthode."
                            }
                            _ => "Ce type d'organisation peut demander ce label.",
                        }
                        .to_string()
                    } else {
                        format!(
                            "Ce type d'organisation ({}) ne peut pas déposer de dossier pour « {} ».",
                            if s.type_demandeur.is_empty() { "non renseigné" } else { &s.type_demandeur },
                            r.nom_court
                        )
                    },
                )
            }
            Regle::TypeDispositif => {
                let ok = r.types_dispositif.contains(&s.type_dispositif);
                (
                    "type_dispositif".to_string(),
                    ok,
                    if ok {
                        "Ce type de dispositif est admis.".to_string()
                    } else {
                        format!(
                            "Ce type de dispositif ({}) n'est pas admis pour « {} ».",
                            if s.type_dispositif.is_empty() {
                                "non renseigné"
                            } else {
                                &s.type_dispositif
                            },
                            r.nom_court
                        )
                    },
                )
            }
            Regle::Declaration {
                id,
                libelle,
                message,
                ..
            } => {
                let ok = s.declarations.get(id).copied().unwrap_or(false);
                (
                    id.clone(),
                    ok,
                    if ok { libelle.clone() } else { message.clone() },
                )
            }
            Regle::AuMoins {
                id,
                n,
                parmi,
                message,
            } => {
                let retenus = parmi.iter().filter(|c| s.niveau(c) >= 1).count();
                let ok = retenus >= *n;
                (
                    id.clone(),
                    ok,
                    if ok {
                        format!(
                            "{retenus} retenus sur {} (au moins {n} requis).",
                            parmi.len()
                        )
                    } else {
                        format!("{message} ({retenus} retenu(s) sur {n} requis)")
                    },
                )
            }
        };
        resultats.push(ResultatRegle {
            regle: id,
            satisfaite,
            message,
        });
    }
    let eligible = resultats.iter().all(|x| x.satisfaite);
    let mut ecarts = BTreeMap::new();
    let mut niveau_atteignable = None;
    for niveau in &r.niveaux {
        let manques: Vec<Manque> = r
            .criteres_obligatoires(niveau.id)
            .filter(|c| s.niveau(&c.id) < niveau.id)
            .map(|c| {
                manque(
                    "critere_obligatoire",
                    Some(&c.id),
                    format!(
                        "« {} » doit être satisfait au niveau {} au moins",
                        c.libelle, niveau.id
                    ),
                )
            })
            .collect();
        if manques.is_empty() {
            niveau_atteignable = Some(niveau.id);
        } else {
            ecarts.insert(niveau.id, manques);
        }
    }
    Verdict {
        eligible,
        resultats,
        niveau_atteignable: if eligible { niveau_atteignable } else { None },
        ecarts,
    }
}

/// Ce qui manque au dossier pour pouvoir être déposé (liste vide : dossier complet).
pub fn completude(r: &Referentiel, d: &Dossier) -> Vec<Manque> {
    let mut manques: Vec<Manque> = eligibilite(r, &Situation::du_dossier(d))
        .resultats
        .into_iter()
        .filter(|x| !x.satisfaite)
        .map(|x| manque(x.regle, None, x.message))
        .collect();
    manques.extend(conditions_declarees(r, d));
    if r.niveau(d.niveau_vise).is_none() {
        manques.push(manque(
            "niveau_vise",
            None,
            format!("le niveau visé ({}) n'existe pas", d.niveau_vise),
        ));
    }
    if let Some(p) = &r.partenaires {
        if d.partenaires.len() < p.min {
            manques.push(manque(
                "partenaires",
                None,
                format!(
                    "la démarche doit associer au moins {} partenaire(s) ({} déclaré(s))",
                    p.min,
                    d.partenaires.len()
                ),
            ));
        }
    }
    let min = r.completude.texte_min_caracteres;
    for c in &r.criteres {
        let reponse = d.reponse(&c.id);
        let obligatoire = c.obligatoire_au_niveau(d.niveau_vise);
        let retenu = reponse.is_some_and(|x| x.retenu());
        if !obligatoire && !retenu {
            continue;
        }
        let texte = reponse.map(|x| x.texte.chars().count()).unwrap_or(0);
        if texte < min {
            manques.push(manque(
                "description",
                Some(&c.id),
                format!(
                    "« {} » : la description doit compter au moins {min} caractères ({texte} saisis)",
                    c.libelle
                ),
            ));
        }
        if obligatoire {
            let auto = reponse.and_then(|x| x.niveau_auto).unwrap_or(0);
            if auto < d.niveau_vise {
                manques.push(manque(
                    "auto_evaluation",
                    Some(&c.id),
                    format!(
                        "« {} » : critère obligatoire, à auto-évaluer au niveau visé ({}) au moins",
                        c.libelle, d.niveau_vise
                    ),
                ));
            }
        }
        for p in c.preuves_exigees_pour(&d.type_dispositif, d.niveau_vise) {
            let manquant = match p {
                // La longueur de la description est déjà vérifiée pour tout critère ci-dessus.
                PreuveExigee::Description => None,
                PreuveExigee::Lien => reponse
                    .is_none_or(|x| x.liens.is_empty())
                    .then(|| format!("« {} » : donnez au moins un lien (https://…)", c.libelle)),
                PreuveExigee::Document => reponse
                    .is_none_or(|x| x.fichiers.is_empty())
                    .then(|| format!("« {} » : joignez au moins un document", c.libelle)),
                PreuveExigee::Licence => manque_licence(c, reponse),
            };
            if let Some(m) = manquant {
                manques.push(manque(format!("preuve_{}", p.code()), Some(&c.id), m));
            }
        }
        if r.completude.justificatif_requis
            && reponse.is_none_or(|x| x.liens.is_empty() && x.fichiers.is_empty())
        {
            manques.push(manque(
                "justificatif",
                Some(&c.id),
                format!(
                    "« {} » : joignez au moins un lien ou un fichier justificatif",
                    c.libelle
                ),
            ));
        }
    }
    for e in &r.engagements {
        if !d.engagements.contains(&e.id) {
            manques.push(manque(
                "engagement",
                None,
                format!("engagement à accepter : « {} »", e.texte),
            ));
        }
    }
    manques
}

/// La licence d'un critère : choisie dans la liste admise, avec le lien vers le matériel publié.
fn manque_licence(c: &Critere, reponse: Option<&ReponseCritere>) -> Option<String> {
    let licence = reponse.and_then(|x| x.licence.as_deref());
    let materiel = reponse.and_then(|x| x.materiel.as_deref());
    let licence_ok = licence.is_some_and(|l| c.licence_admise(l).is_some());
    let materiel_ok = materiel.is_some_and(lien_https);
    match (licence_ok, materiel_ok) {
        (true, true) => None,
        (false, _) if licence.is_some() => Some(format!(
            "« {} » : la licence « {} » n'est pas dans la liste admise ; choisissez-en une de la liste",
            c.libelle,
            licence.unwrap_or_default()
        )),
        (false, true) => Some(format!(
            "« {} » : choisissez la licence du matériel publié dans la liste admise",
            c.libelle
        )),
        (true, false) => Some(format!(
            "« {} » : donnez le lien (https://…) vers le matériel publié sous licence",
            c.libelle
        )),
        (false, false) => Some(format!(
            "« {} » : choisissez la licence du matériel publié dans la liste admise et donnez le lien (https://…) vers ce matériel",
            c.libelle
        )),
    }
}

/// Ce que les déclarations enrichies exigent en plus du « oui » : la justification (par exemple
/// les missions d'intérêt général) et le retour de terrain avec un partenaire local nommé.
/// Vérifié au dépôt et de nouveau à l'octroi.
pub fn conditions_declarees(r: &Referentiel, d: &Dossier) -> Vec<Manque> {
    let mut manques = Vec::new();
    for g in &r.eligibilite {
        let Regle::Declaration {
            id,
            justification_min_caracteres,
            partenaire_local,
            ..
        } = g
        else {
            continue;
        };
        if let Some(min) = justification_min_caracteres {
            let n = d
                .justifications
                .get(id)
                .map(|t| t.trim().chars().count())
                .unwrap_or(0);
            if n < *min {
                manques.push(manque(
                    id.clone(),
                    None,
                    format!(
                        "déclaration à justifier : précisez en {min} caractères au moins ({n} saisis) ce qui la fonde"
                    ),
                ));
            }
        }
        if *partenaire_local {
            let m = match &d.retour_terrain {
                None => vec![
                    "le nom du partenaire local",
                    "son type",
                    "la description du retour",
                    "un lien https:// vers une preuve",
                ],
                Some(x) => x.manques(),
            };
            if !m.is_empty() {
                manques.push(manque(
                    id.clone(),
                    None,
                    format!(
                        "retour d'expérience de terrain avec un partenaire local : indiquez {}",
                        m.join(", ")
                    ),
                ));
            }
        }
    }
    manques
}

/// Ce qui empêche d'accorder le label au niveau donné (liste vide : décision conforme) : chaque
/// critère obligatoire à ce niveau doit être apprécié satisfait à ce niveau au moins, et chaque
/// règle « au moins N parmi M » doit être satisfaite par les appréciations.
pub fn verifier_octroi(r: &Referentiel, d: &Dossier, niveau: u8) -> Vec<Manque> {
    let apprecie = |c: &str| -> u8 {
        d.reponse(c)
            .and_then(|x| x.appreciation.as_ref())
            .and_then(|a| a.niveau)
            .unwrap_or(0)
    };
    let mut manques: Vec<Manque> = r
        .criteres_obligatoires(niveau)
        .filter(|c| apprecie(&c.id) < niveau)
        .map(|c| {
            let detail = match d.reponse(&c.id).and_then(|x| x.appreciation.as_ref()) {
                None => "pas encore apprécié".to_string(),
                Some(a) => match a.niveau {
                    None => "apprécié non satisfait".to_string(),
                    Some(n) => format!("apprécié au niveau {n}"),
                },
            };
            manque(
                "appreciation",
                Some(&c.id),
                format!(
                    "« {} » doit être apprécié satisfait au niveau {niveau} ({detail})",
                    c.libelle
                ),
            )
        })
        .collect();
    // Les déclarations, leur justification et le retour de terrain sont re-vérifiés : l'agent
    // n'accorde pas le label à un dossier qui ne les porte plus.
    for regle in &r.eligibilite {
        if let Regle::Declaration { id, message, .. } = regle {
            if !d.declarations.get(id).copied().unwrap_or(false) {
                manques.push(manque(id.clone(), None, message.clone()));
            }
        }
    }
    manques.extend(conditions_declarees(r, d));
    for regle in &r.eligibilite {
        if let Regle::AuMoins {
            id,
            n,
            parmi,
            message,
        } = regle
        {
            let ok = parmi.iter().filter(|c| apprecie(c) >= 1).count();
            if ok < *n {
                manques.push(manque(
                    id.clone(),
                    None,
                    format!("{message} ({ok} apprécié(s) satisfait(s) sur {n} requis)"),
                ));
            }
        }
    }
    manques
}
