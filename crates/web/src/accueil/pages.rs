//! Pages publiques de la fondation : accueil (référentiels et critères), détail d'un
//! référentiel, état de santé.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use reperes_domain::referentiel::{Critere, Nature, Origine, Referentiel, Regle};
use reperes_domain::Etat as EtatDossier;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// Résumé d'un référentiel pour l'accueil.
pub struct CarteReferentiel<'a> {
    pub r: &'a Referentiel,
    pub nature: &'static str,
    pub criteres: Vec<(&'a Critere, String)>,
}

fn obligation(r: &Referentiel, c: &Critere) -> String {
    if c.obligatoire_aux_niveaux.is_empty() {
        "facultatif".into()
    } else if r.niveaux.len() == 1 {
        "obligatoire".into()
    } else {
        let niveaux: Vec<String> = c
            .obligatoire_aux_niveaux
            .iter()
            .map(|n| {
                r.niveau(*n)
                    .map(|x| x.libelle.clone())
                    .unwrap_or_else(|| n.to_string())
            })
            .collect();
        format!("obligatoire : {}", niveaux.join(", "))
    }
}

fn nature(r: &Referentiel) -> &'static str {
    match r.nature {
        Nature::Charte => "Charte",
        Nature::Approbation => "Approbation des méthodes",
        _ => "Label",
    }
}

#[derive(Template)]
#[template(path = "accueil/accueil.html")]
struct Accueil<'a> {
    cadre: Cadre,
    cartes: Vec<CarteReferentiel<'a>>,
    comptes: Vec<(EtatDossier, i64)>,
    total: i64,
}

pub async fn accueil(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    let comptes = etat.store.compter_par_etat().await?;
    let total = comptes.iter().map(|(_, n)| n).sum();
    let mut refs: Vec<&Referentiel> = etat.catalogue.referentiels.iter().collect();
    refs.sort_by(|a, b| {
        (a.nature == Nature::Charte, &a.nom).cmp(&(b.nature == Nature::Charte, &b.nom))
    });
    let cartes = refs
        .into_iter()
        .map(|r| CarteReferentiel {
            r,
            nature: nature(r),
            criteres: r.criteres.iter().map(|c| (c, obligation(r, c))).collect(),
        })
        .collect();
    page(
        &Accueil {
            cadre: Cadre::pour(&v, "Accueil"),
            cartes,
            comptes,
            total,
        },
        None,
        false,
    )
}

/// Une ligne de la grille : un type de dispositif, une cellule par niveau.
pub struct LigneGrille {
    pub type_libelle: String,
    pub cellules: Vec<(String, Vec<String>)>,
}

pub struct DetailCritere<'a> {
    pub c: &'a Critere,
    pub obligation: String,
    pub preuves: Vec<String>,
    pub grille: Vec<LigneGrille>,
    /// Origine du texte du critère (« Texte officiel, cité mot pour mot — … »).
    pub origine: Option<String>,
    /// Origine(s) des textes de la grille.
    pub origine_grille: Vec<String>,
    pub correspondances: Vec<String>,
    /// Preuves vérifiées au dépôt et licences admises, avec leur origine (réglage de Repères).
    pub reglage: Option<String>,
}

/// L'origine d'un réglage, telle qu'affichée : « Réglage de Repères — motif » pour une
/// interprétation, l'origine sinon.
fn origine_reglage(o: Option<&Origine>) -> String {
    match o {
        Some(Origine::Interpretation { motif }) => format!("Réglage de Repères — {motif}"),
        Some(o) => format!("{} — {}", o.libelle(), o.detail()),
        None => "Réglage de Repères".to_string(),
    }
}

/// Les réglages de Repères d'un référentiel (rappels, délai d'instruction, licences des
/// livrables), chacun avec son origine.
fn reglages(r: &Referentiel) -> Vec<String> {
    let mut v = Vec::new();
    if !r.labellisation.rappels_jours.is_empty() {
        let jours: Vec<String> = r
            .labellisation
            .rappels_jours
            .iter()
            .map(u32::to_string)
            .collect();
        v.push(format!(
            "Rappels de fin de validité : {} jours avant la fin ({})",
            jours.join(" et "),
            origine_reglage(r.labellisation.origine_rappels_jours.as_ref())
        ));
    }
    if let Some(i) = &r.instruction {
        if let Some(j) = i.delai_instruction_jours {
            v.push(format!(
                "Délai d'instruction : {j} jours ({})",
                origine_reglage(i.origine_delai_instruction.as_ref())
            ));
        }
    }
    if !r.licences.is_empty() {
        let l: Vec<&str> = r.licences.iter().map(|l| l.spdx.as_str()).collect();
        v.push(format!(
            "Licences admises pour les livrables : {} ({})",
            l.join(", "),
            origine_reglage(r.origine_licences_admises.as_ref())
        ));
    }
    v
}

/// L'origine d'un texte, telle qu'affichée : sa nature et sa précision.
pub fn origine(o: Option<&Origine>) -> Option<String> {
    o.map(|o| format!("{} — {}", o.libelle(), o.detail()))
}

/// L'origine d'un texte, à la suite de ce texte sur une ligne.
fn suffixe_origine(o: Option<&Origine>) -> String {
    origine(o)
        .map(|x| format!(" (origine : {x})"))
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "accueil/referentiel.html")]
struct PageReferentiel<'a> {
    cadre: Cadre,
    r: &'a Referentiel,
    nature: &'static str,
    demandeurs: Vec<String>,
    types: Vec<String>,
    criteres: Vec<DetailCritere<'a>>,
    regles: Vec<String>,
    vers: Option<String>,
    reglages: Vec<String>,
}

pub async fn referentiel(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    let c = &etat.catalogue;
    let r = c.referentiel(&id, &version).ok_or(ErreurWeb::Introuvable)?;
    let libelle_type = |t: &str| {
        c.type_dispositif(t)
            .map(|x| x.libelle.clone())
            .unwrap_or_else(|| t.to_string())
    };
    let libelle_preuve = |p: &String| {
        r.type_preuve(p)
            .map(|x| x.libelle.clone())
            .unwrap_or_else(|| p.clone())
    };
    let correspondance = c.correspondances_de(&r.id).next();
    let criteres = r
        .criteres
        .iter()
        .map(|cr| DetailCritere {
            c: cr,
            obligation: obligation(r, cr),
            preuves: cr.preuves.iter().map(libelle_preuve).collect(),
            grille: if cr.exigences.is_empty() {
                vec![]
            } else {
                r.types_dispositif
                    .iter()
                    .map(|t| LigneGrille {
                        type_libelle: libelle_type(t),
                        cellules: r
                            .niveaux
                            .iter()
                            .map(|n| match cr.exigence(t, n.id) {
                                Some(e) => (
                                    e.texte.clone(),
                                    e.preuves.iter().map(libelle_preuve).collect(),
                                ),
                                None => (String::new(), vec![]),
                            })
                            .collect(),
                    })
                    .collect()
            },
            origine: origine(cr.origine.as_ref()),
            origine_grille: {
                // Une ligne par source (le passage de chaque case alourdirait la page).
                let mut v: Vec<String> = cr
                    .exigences
                    .iter()
                    .filter_map(|e| e.origine.as_ref())
                    .map(|o| match o {
                        Origine::Transcription { source, .. } => {
                            format!("{} — {source}", o.libelle())
                        }
                        Origine::TexteOfficiel { fichier, .. } => {
                            format!("{} — {fichier}", o.libelle())
                        }
                        Origine::Interpretation { motif } => format!("{} — {motif}", o.libelle()),
                    })
                    .collect();
                v.sort();
                v.dedup();
                v
            },
            correspondances: correspondance
                .map(|corr| {
                    corr.liens
                        .iter()
                        .filter(|l| l.critere == cr.id)
                        .flat_map(|l| l.cibles.iter())
                        .map(|code| {
                            let lib = corr
                                .cibles
                                .iter()
                                .find(|x| &x.code == code)
                                .map(|x| x.libelle.as_str())
                                .unwrap_or("");
                            // Le qualificatif de la source, entre parenthèses comme elle l'écrit.
                            match corr
                                .liens
                                .iter()
                                .filter(|l| l.critere == cr.id)
                                .find_map(|l| l.qualificatif(code))
                            {
                                Some(q) => format!("{code} {lib} ({q})"),
                                None => format!("{code} {lib}"),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default(),
            reglage: if cr.preuves_exigees.is_empty() && cr.licences.is_empty() {
                None
            } else {
                let mut morceaux = Vec::new();
                if !cr.preuves_exigees.is_empty() {
                    let p: Vec<&str> = cr.preuves_exigees.iter().map(|p| p.code()).collect();
                    morceaux.push(format!("Preuves exigées au dépôt : {}", p.join(", ")));
                }
                if !cr.licences.is_empty() {
                    let l: Vec<&str> = cr.licences.iter().map(|l| l.spdx.as_str()).collect();
                    morceaux.push(format!("licences admises : {}", l.join(", ")));
                }
                Some(format!(
                    "{} ({})",
                    morceaux.join(" ; "),
                    origine_reglage(cr.origine_preuves_exigees.as_ref())
                ))
            },
        })
        .collect();
    let regles = r
        .eligibilite
        .iter()
        .map(|g| match g {
            Regle::TypeDemandeur => {
                "L'organisation demandeuse est d'un type admis (liste ci-dessus).".to_string()
            }
            Regle::TypeDispositif => {
                "Le dispositif est d'un type admis (liste ci-dessus).".to_string()
            }
            Regle::Declaration {
                libelle,
                origine,
                justification_min_caracteres,
                origine_justification,
                partenaire_local,
                origine_partenaire_local,
                ..
            } => {
                let mut t = format!(
                    "Déclaration : {libelle}{}",
                    suffixe_origine(origine.as_ref())
                );
                if let Some(n) = justification_min_caracteres {
                    t.push_str(&format!(
                        " Justification demandée, {n} caractères au moins ({}).",
                        origine_reglage(origine_justification.as_deref())
                    ));
                }
                if *partenaire_local {
                    t.push_str(&format!(
                        " Partenaire nommé, retour décrit et lien de preuve demandés ({}).",
                        origine_reglage(origine_partenaire_local.as_deref())
                    ));
                }
                t
            }
            Regle::AuMoins { n, parmi, .. } => format!(
                "Au moins {n} parmi : {}.",
                parmi
                    .iter()
                    .map(|p| r.critere(p).map(|x| x.libelle.as_str()).unwrap_or(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
        .collect();
    page(
        &PageReferentiel {
            cadre: Cadre::pour(&v, format!("{} (version {})", r.nom_court, r.version)),
            r,
            nature: nature(r),
            demandeurs: r
                .demandeurs
                .iter()
                .map(|d| {
                    c.type_organisation(d)
                        .map(|x| x.libelle.clone())
                        .unwrap_or_else(|| d.clone())
                })
                .collect(),
            types: r.types_dispositif.iter().map(|t| libelle_type(t)).collect(),
            criteres,
            regles,
            vers: correspondance.map(|c| c.vers.clone()),
            reglages: reglages(r),
        },
        None,
        false,
    )
}
