//! Formulaire de dépôt en étapes, généré depuis le référentiel : niveau visé et déclarations,
//! partenaires, une étape par critère (texte, liens, fichiers), engagements, récapitulatif.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use reperes_domain::dossier::regles::{completude, Manque};
use reperes_domain::referentiel::{Critere, Referentiel, Regle};
use reperes_domain::{Dossier, Modification, Role};
use reperes_store::Fichier;

use crate::commun::acces::{acteur, dossier_du_connecte};
use crate::commun::cadre::Cadre;
use crate::commun::envoi::envoi_connecte;
use crate::commun::formulaires::page;
use crate::commun::libelles::declarations;
use crate::commun::session::Visiteur;
use crate::commun::stockage::{TAILLE_MAX, TYPES_ADMIS};
use crate::{ErreurWeb, Etat};

use super::fichiers::{deposer_fichier, fichiers_par_id};

/// Une étape du formulaire de dépôt.
#[derive(Debug, Clone, PartialEq)]
pub enum Etape {
    Informations,
    Partenaires,
    Critere(String),
    Engagements,
    Recapitulatif,
}

/// Une ligne par partenaire : « Nom : rôle » (ou « Nom — rôle », ou le nom seul).
pub fn lire_partenaires(texte: &str) -> Vec<reperes_domain::dossier::Partenaire> {
    texte
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (nom, role) = l
                .split_once(" : ")
                .or_else(|| l.split_once(" — "))
                .or_else(|| l.split_once(" - "))
                .or_else(|| l.split_once(':'))
                .unwrap_or((l, ""));
            reperes_domain::dossier::Partenaire {
                nom: nom.trim().to_string(),
                role: role.trim().to_string(),
            }
        })
        .collect()
}

/// Les étapes pour ce dossier : les critères obligatoires au niveau visé, les critères facultatifs
/// et ceux d'une règle « au moins N parmi M ».
pub fn etapes(r: &Referentiel, d: &Dossier) -> Vec<Etape> {
    let mut v = vec![Etape::Informations];
    if r.partenaires.is_some() {
        v.push(Etape::Partenaires);
    }
    for c in &r.criteres {
        let dans_regle = r
            .eligibilite
            .iter()
            .any(|g| matches!(g, Regle::AuMoins { parmi, .. } if parmi.contains(&c.id)));
        if c.obligatoire_au_niveau(d.niveau_vise)
            || c.obligatoire_aux_niveaux.is_empty()
            || dans_regle
        {
            v.push(Etape::Critere(c.id.clone()));
        }
    }
    if !r.engagements.is_empty() {
        v.push(Etape::Engagements);
    }
    v.push(Etape::Recapitulatif);
    v
}

// ---------- Étapes ----------

#[derive(Template)]
#[template(path = "dossiers/etape.html")]
struct PageEtape<'a> {
    cadre: Cadre,
    d: Dossier,
    r: &'a Referentiel,
    numero: usize,
    total: usize,
    etape: Etape,
    titres: Vec<String>,
    critere: Option<&'a Critere>,
    declarations: Vec<(String, String)>,
    fichiers: BTreeMap<String, Fichier>,
    manques: Vec<(Manque, Option<usize>)>,
    erreurs: Vec<String>,
    /// Erreur propre au fichier déposé (rattachée au champ).
    erreur_fichier: Option<String>,
    types_admis: String,
}

impl PageEtape<'_> {
    fn reponse_texte(&self) -> String {
        self.critere
            .and_then(|c| self.d.reponse(&c.id))
            .map(|x| x.texte.clone())
            .unwrap_or_default()
    }
    fn reponse_liens(&self) -> String {
        self.critere
            .and_then(|c| self.d.reponse(&c.id))
            .map(|x| x.liens.join("\n"))
            .unwrap_or_default()
    }
    fn niveau_auto(&self) -> u8 {
        self.critere
            .and_then(|c| self.d.reponse(&c.id))
            .and_then(|x| x.niveau_auto)
            .unwrap_or(0)
    }
    fn fichiers_du_critere(&self) -> Vec<&Fichier> {
        self.critere
            .and_then(|c| self.d.reponse(&c.id))
            .map(|x| {
                x.fichiers
                    .iter()
                    .filter_map(|f| self.fichiers.get(f))
                    .collect()
            })
            .unwrap_or_default()
    }
    fn exigence(&self, niveau: &u8) -> String {
        self.critere
            .and_then(|c| c.exigence(&self.d.type_dispositif, *niveau))
            .map(|e| e.texte.clone())
            .unwrap_or_default()
    }
    fn preuves(&self) -> String {
        let Some(c) = self.critere else {
            return String::new();
        };
        let ids: BTreeSet<&String> = c
            .exigences
            .iter()
            .filter(|e| {
                e.type_dispositif == self.d.type_dispositif && e.niveau <= self.d.niveau_vise.max(1)
            })
            .flat_map(|e| e.preuves.iter())
            .chain(c.preuves.iter())
            .collect();
        ids.into_iter()
            .map(|p| {
                self.r
                    .type_preuve(p)
                    .map(|x| x.libelle.clone())
                    .unwrap_or_else(|| p.clone())
            })
            .collect::<Vec<_>>()
            .join(" ; ")
    }
    fn declaration(&self, id: &str) -> Option<bool> {
        self.d.declarations.get(id).copied()
    }
    fn partenaires_texte(&self) -> String {
        self.d
            .partenaires
            .iter()
            .map(|p| {
                if p.role.is_empty() {
                    p.nom.clone()
                } else {
                    format!("{} : {}", p.nom, p.role)
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
    fn niveau_vise_libelle(&self) -> String {
        self.r
            .niveau(self.d.niveau_vise)
            .map(|n| n.libelle.clone())
            .unwrap_or_default()
    }
    fn obligatoire(&self) -> bool {
        self.critere
            .is_some_and(|c| c.obligatoire_au_niveau(self.d.niveau_vise))
    }
}

fn titre_etape(r: &Referentiel, e: &Etape) -> String {
    match e {
        Etape::Informations => "Niveau visé et déclarations".into(),
        Etape::Critere(c) => format!(
            "Critère « {} »",
            r.critere(c).map(|x| x.libelle.as_str()).unwrap_or(c)
        ),
        Etape::Engagements => "Engagements".into(),
        Etape::Partenaires => "Partenaires de la démarche".into(),
        Etape::Recapitulatif => "Récapitulatif et dépôt".into(),
    }
}

pub(super) async fn rendre_etape(
    etat: &Etat,
    v: &Visiteur,
    d: Dossier,
    r: &Referentiel,
    n: usize,
    erreurs: Vec<String>,
) -> Result<Response, ErreurWeb> {
    let liste = etapes(r, &d);
    let n = n.clamp(1, liste.len());
    let etape = liste[n - 1].clone();
    let critere = match &etape {
        Etape::Critere(c) => r.critere(c),
        _ => None,
    };
    let manques = if etape == Etape::Recapitulatif {
        completude(r, &d)
            .into_iter()
            .map(|m| {
                let lien = m
                    .critere
                    .as_ref()
                    .and_then(|c| liste.iter().position(|e| *e == Etape::Critere(c.clone())))
                    .or(match m.regle.as_str() {
                        "engagement" => liste.iter().position(|e| *e == Etape::Engagements),
                        "partenaires" => liste.iter().position(|e| *e == Etape::Partenaires),
                        _ => Some(0),
                    })
                    .map(|i| i + 1);
                (m, lien)
            })
            .collect()
    } else {
        vec![]
    };
    let fichiers = fichiers_par_id(etat, &d.id).await?;
    let en_erreur = !erreurs.is_empty();
    let erreur_fichier = erreurs
        .iter()
        .find(|e| e.starts_with("Le fichier"))
        .cloned();
    let t = PageEtape {
        cadre: Cadre::pour(
            v,
            format!(
                "{} — étape {n} sur {}{}",
                titre_etape(r, &etape),
                liste.len(),
                if en_erreur { " (erreur)" } else { "" }
            ),
        ),
        titres: liste.iter().map(|e| titre_etape(r, e)).collect(),
        numero: n,
        total: liste.len(),
        declarations: declarations(r),
        critere,
        etape,
        d,
        r,
        fichiers,
        manques,
        erreurs,
        erreur_fichier,
        types_admis: TYPES_ADMIS
            .iter()
            .map(|(_, l)| *l)
            .collect::<Vec<_>>()
            .join(", "),
    };
    page(&t, None, en_erreur)
}

/// Dossier sur lequel cette personne agit en demandeur (membre de l'organisation porteuse) ;
/// l'état, lui, est contrôlé par le domaine.
pub(super) async fn dossier_du_demandeur<'a>(
    etat: &'a Etat,
    v: &Visiteur,
    id: &str,
) -> Result<(Dossier, &'a Referentiel), ErreurWeb> {
    let (d, r, p) = dossier_du_connecte(etat, v, id).await?;
    if p.role_sur(&d) != Some(Role::Demandeur) {
        return Err(ErreurWeb::Interdit);
    }
    Ok((d, r))
}

pub async fn etape(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((id, n)): Path<(String, usize)>,
) -> Result<Response, ErreurWeb> {
    let (d, r) = dossier_du_demandeur(&etat, &v, &id).await?;
    if !d.etat.modifiable_par_demandeur() {
        return Ok(Redirect::to(&format!("/dossiers/{id}")).into_response());
    }
    rendre_etape(&etat, &v, d, r, n, vec![]).await
}

pub async fn enregistrer_etape(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((id, n)): Path<(String, usize)>,
    m: Multipart,
) -> Result<Response, ErreurWeb> {
    let (envoi, u, _) = envoi_connecte(&v, m, TAILLE_MAX).await?;
    let (d, r) = dossier_du_demandeur(&etat, &v, &id).await?;
    let liste = etapes(r, &d);
    let n = n.clamp(1, liste.len());
    let a = acteur(u);
    let mut mods = Vec::new();
    let mut erreurs = Vec::new();
    match &liste[n - 1] {
        Etape::Partenaires => {
            mods.push(Modification::Partenaires {
                liste: lire_partenaires(envoi.champ("partenaires").unwrap_or_default()),
            });
        }
        Etape::Informations => {
            if let Some(niv) = envoi.champ("niveau_vise").and_then(|x| x.parse().ok()) {
                mods.push(Modification::NiveauVise { niveau: niv });
            }
            for (dcl, _) in declarations(r) {
                if let Some(x) = envoi.champ(&format!("declaration_{dcl}")) {
                    mods.push(Modification::Declaration {
                        id: dcl,
                        valeur: x == "oui",
                    });
                }
            }
        }
        Etape::Critere(c) => {
            mods.push(Modification::Reponse {
                critere: c.clone(),
                texte: envoi.champ("texte").unwrap_or_default().to_string(),
                liens: envoi
                    .champ("liens")
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_string)
                    .collect(),
                niveau_auto: envoi.champ("niveau_auto").and_then(|x| x.parse().ok()),
            });
            for (nom, octets) in &envoi.fichiers {
                match deposer_fichier(&etat, u, &d.id, nom, octets).await? {
                    Ok(f) => mods.push(Modification::Fichier {
                        critere: c.clone(),
                        fichier_id: f.id,
                    }),
                    Err(m) => erreurs.push(m),
                }
            }
        }
        Etape::Engagements => {
            let acceptes = r
                .engagements
                .iter()
                .filter(|e| envoi.champ(&format!("engagement_{}", e.id)) == Some("oui"))
                .map(|e| e.id.clone())
                .collect();
            mods.push(Modification::Engagements { acceptes });
        }
        Etape::Recapitulatif => {}
    }
    let mut courant = d;
    for m in &mods {
        match etat.store.modifier(&etat.catalogue, &id, &a, m).await {
            Ok(x) => courant = x,
            Err(reperes_store::ErreurStore::Refus(refus)) => erreurs.push(refus.to_string()),
            Err(e) => return Err(e.into()),
        }
    }
    if !erreurs.is_empty() {
        return rendre_etape(&etat, &v, courant, r, n, erreurs).await;
    }
    let suite = match envoi.champ("suite") {
        Some("precedente") => n.saturating_sub(1).max(1),
        Some("rester") => n,
        _ => n + 1,
    };
    let total = etapes(r, &courant).len();
    Ok(Redirect::to(&format!("/dossiers/{id}/etapes/{}", suite.min(total))).into_response())
}

// ---------- Vue du dossier ----------
