//! Formulaire de dépôt en étapes, généré depuis le référentiel : niveau visé et déclarations,
//! partenaires, une étape par critère (texte, liens, fichiers), engagements, récapitulatif.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use reperes_domain::dossier::liens::lire_liens;
use reperes_domain::dossier::regles::{completude, Manque};
use reperes_domain::dossier::RetourTerrain;
use reperes_domain::referentiel::{Critere, Nature, Referentiel, Regle};
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::{Dossier, Modification, Role};
use reperes_store::Fichier;
use serde::Deserialize;

use crate::commun::acces::{acteur, dossier_du_connecte};
use crate::commun::cadre::Cadre;
use crate::commun::envoi::{ouvrir, CorpsMultipart, Limites};
use crate::commun::formulaires::{page, Information};
use crate::commun::libelles::declarations;
use crate::commun::session::Visiteur;
use crate::commun::stockage::{nom_affichable, TAILLE_MAX, TYPES_ADMIS};
use crate::{ErreurWeb, Etat};

use super::fichiers::{deposer_fichier, fichiers_par_id, taille_lisible};

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

/// Critères d'une règle « au moins N parmi M » (pour une charte : les dispositifs de la charte).
fn dans_une_regle(r: &Referentiel, c: &str) -> bool {
    r.eligibilite
        .iter()
        .any(|g| matches!(g, Regle::AuMoins { parmi, .. } if parmi.iter().any(|x| x == c)))
}

/// Les étapes pour ce dossier : les critères obligatoires au niveau visé, les critères facultatifs
/// et ceux d'une règle « au moins N parmi M ». Pour une charte, dès que des dispositifs sont
/// retenus (à l'autodiagnostic ou à la première étape), seuls ceux-là ont leur étape.
pub fn etapes(r: &Referentiel, d: &Dossier) -> Vec<Etape> {
    let mut v = vec![Etape::Informations];
    if r.partenaires.is_some() {
        v.push(Etape::Partenaires);
    }
    let retenus_seulement = r.nature == Nature::Charte
        && r.criteres
            .iter()
            .any(|c| dans_une_regle(r, &c.id) && d.reponse(&c.id).is_some_and(|x| x.retenu()));
    for c in &r.criteres {
        let dans_regle = dans_une_regle(r, &c.id);
        let obligatoire = c.obligatoire_au_niveau(d.niveau_vise);
        if retenus_seulement && !obligatoire && !d.reponse(&c.id).is_some_and(|x| x.retenu()) {
            continue;
        }
        if obligatoire || c.obligatoire_aux_niveaux.is_empty() || dans_regle {
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

/// Ce que la personne a saisi sur une étape refusée, ré-affiché tel quel (les fichiers, eux, ne
/// peuvent pas être gardés par le navigateur).
#[derive(Debug, Default)]
pub(super) struct Saisie {
    pub texte: Option<String>,
    pub liens: Option<String>,
    pub niveau_auto: Option<u8>,
    pub partenaires: Option<String>,
    /// Liens complétés par `https://` : (saisi, enregistré).
    pub completes: Vec<(String, String)>,
    /// Licence et lien vers le matériel publié, tels que saisis.
    pub licence: Option<String>,
    pub materiel: Option<String>,
    /// Justifications des déclarations, telles que saisies (identifiant → texte).
    pub justifications: BTreeMap<String, String>,
    /// Retour de terrain tel que saisi.
    pub retour: Option<RetourTerrain>,
}

/// Un critère au récapitulatif : ce qui a été saisi, et l'étape où le modifier.
struct LigneRecap<'a> {
    c: &'a Critere,
    numero: usize,
    niveau_auto: Option<u8>,
    texte: String,
    liens: Vec<String>,
    fichiers: Vec<Fichier>,
    /// Licence (nom lisible) et lien vers le matériel publié, si le critère en demande.
    licence: Option<String>,
    materiel: Option<String>,
}

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
    recap: Vec<LigneRecap<'a>>,
    erreurs: Vec<ErreurChamp>,
    saisie: Saisie,
    types_admis: String,
    /// Valeur de l'attribut `accept` du champ fichier (extensions et types admis).
    accept: String,
}

impl PageEtape<'_> {
    fn charte(&self) -> bool {
        self.r.nature == Nature::Charte
    }
    fn erreur(&self, champ: &str) -> Option<&str> {
        self.erreurs
            .iter()
            .find(|e| e.champ == champ)
            .map(|e| e.message.as_str())
    }
    fn reponse_texte(&self) -> String {
        if let Some(t) = &self.saisie.texte {
            return t.clone();
        }
        self.critere
            .and_then(|c| self.d.reponse(&c.id))
            .map(|x| x.texte.clone())
            .unwrap_or_default()
    }
    fn reponse_liens(&self) -> String {
        if let Some(l) = &self.saisie.liens {
            return l.clone();
        }
        self.critere
            .and_then(|c| self.d.reponse(&c.id))
            .map(|x| x.liens.join("\n"))
            .unwrap_or_default()
    }
    fn niveau_auto(&self) -> u8 {
        if !self.erreurs.is_empty() && (self.saisie.texte.is_some()) {
            return self.saisie.niveau_auto.unwrap_or(0);
        }
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
    fn taille(&self, f: &Fichier) -> String {
        taille_lisible(f.taille)
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
        if let Some(p) = &self.saisie.partenaires {
            return p.clone();
        }
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
    fn niveau_libelle(&self, n: &u8) -> String {
        self.r
            .niveau(*n)
            .map(|x| x.libelle.clone())
            .unwrap_or_else(|| n.to_string())
    }
    fn niveau_vise_libelle(&self) -> String {
        self.niveau_libelle(&self.d.niveau_vise)
    }
    fn obligatoire(&self) -> bool {
        self.critere
            .is_some_and(|c| c.obligatoire_au_niveau(self.d.niveau_vise))
    }
    /// Dispositifs d'une charte que l'on peut retenir, avec leur état (retenu ou non).
    fn dispositifs_charte(&self) -> Vec<(&Critere, bool)> {
        self.r
            .criteres
            .iter()
            .filter(|c| dans_une_regle(self.r, &c.id))
            .map(|c| (c, self.d.reponse(&c.id).is_some_and(|x| x.retenu())))
            .collect()
    }
    fn engagement_accepte(&self, id: &str) -> bool {
        self.d.engagements.contains(id)
    }
    /// Justification demandée pour une déclaration : (minimum de caractères, consigne).
    fn justification_demandee(&self, id: &str) -> Option<(usize, String)> {
        self.r.eligibilite.iter().find_map(|g| match g {
            Regle::Declaration {
                id: x,
                justification_min_caracteres: Some(min),
                justification_consigne,
                ..
            } if x == id => Some((*min, justification_consigne.clone().unwrap_or_default())),
            _ => None,
        })
    }
    fn justification(&self, id: &str) -> String {
        if let Some(t) = self.saisie.justifications.get(id) {
            return t.clone();
        }
        self.d.justifications.get(id).cloned().unwrap_or_default()
    }
    fn partenaire_local(&self, id: &str) -> bool {
        self.r.eligibilite.iter().any(
            |g| matches!(g, Regle::Declaration { id: x, partenaire_local: true, .. } if x == id),
        )
    }
    /// Le retour de terrain à afficher : la saisie refusée, sinon celui du dossier.
    fn retour(&self) -> RetourTerrain {
        self.saisie
            .retour
            .clone()
            .or_else(|| self.d.retour_terrain.clone())
            .unwrap_or_default()
    }
    /// Licences admises pour le critère de l'étape : (spdx, libellé), dans l'ordre des listes.
    fn licences_admises(&self) -> Vec<(String, String)> {
        self.critere
            .map(|c| {
                c.licences
                    .iter()
                    .map(|l| (l.spdx.clone(), format!("{} ({})", l.nom, l.spdx)))
                    .collect()
            })
            .unwrap_or_default()
    }
    fn licence_choisie(&self) -> String {
        if let Some(l) = &self.saisie.licence {
            return l.clone();
        }
        self.critere
            .and_then(|c| self.d.reponse(&c.id))
            .and_then(|x| x.licence.clone())
            .unwrap_or_default()
    }
    fn materiel(&self) -> String {
        if let Some(l) = &self.saisie.materiel {
            return l.clone();
        }
        self.critere
            .and_then(|c| self.d.reponse(&c.id))
            .and_then(|x| x.materiel.clone())
            .unwrap_or_default()
    }
}

fn titre_etape(r: &Referentiel, e: &Etape) -> String {
    let charte = r.nature == Nature::Charte;
    match e {
        Etape::Informations if charte => "Dispositifs retenus et déclaration".into(),
        Etape::Informations if r.niveaux.len() < 2 => "Déclarations".into(),
        Etape::Informations => "Niveau visé et déclarations".into(),
        Etape::Critere(c) => format!(
            "{} « {} »",
            if charte { "Dispositif" } else { "Critère" },
            r.critere(c).map(|x| x.libelle.as_str()).unwrap_or(c)
        ),
        Etape::Engagements if charte => "Engagements du territoire signataire".into(),
        Etape::Engagements => "Engagements".into(),
        Etape::Partenaires => "Partenaires de la démarche".into(),
        Etape::Recapitulatif if charte => "Récapitulatif et signature".into(),
        Etape::Recapitulatif => "Récapitulatif et dépôt".into(),
    }
}

/// Réponse qui ne doit pas être gardée en cache (bouton Retour après le dépôt : la page est
/// redemandée au serveur, qui dit que le dossier est déposé).
pub(super) fn sans_cache(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Message de confirmation d'une étape (`?ok=`), jamais un texte venu de la requête.
fn confirmation(code: Option<&str>) -> Option<String> {
    match code? {
        "liens_completes" => Some(
            "Étape enregistrée. « https:// » a été ajouté au début des liens saisis sans lui (par exemple « www.site.fr/page » est devenu « https://www.site.fr/page »)."
                .into(),
        ),
        "fichier_retire" => Some("Le fichier a été retiré du dossier.".into()),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn rendre_etape(
    etat: &Etat,
    v: &Visiteur,
    d: Dossier,
    r: &Referentiel,
    n: usize,
    erreurs: Vec<ErreurChamp>,
    saisie: Saisie,
    message: Option<String>,
) -> Result<Response, ErreurWeb> {
    let liste = etapes(r, &d);
    let n = n.clamp(1, liste.len());
    let etape = liste[n - 1].clone();
    let critere = match &etape {
        Etape::Critere(c) => r.critere(c),
        _ => None,
    };
    let fichiers = fichiers_par_id(etat, &d.id).await?;
    let (manques, recap) = if etape == Etape::Recapitulatif {
        let manques = completude(r, &d)
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
            .collect();
        let recap = liste
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e {
                Etape::Critere(c) => r.critere(c).map(|c| (i, c)),
                _ => None,
            })
            .map(|(i, c)| {
                let rep = d.reponse(&c.id);
                LigneRecap {
                    c,
                    numero: i + 1,
                    niveau_auto: rep.and_then(|x| x.niveau_auto),
                    texte: rep.map(|x| x.texte.clone()).unwrap_or_default(),
                    liens: rep.map(|x| x.liens.clone()).unwrap_or_default(),
                    fichiers: rep
                        .map(|x| {
                            x.fichiers
                                .iter()
                                .filter_map(|f| fichiers.get(f).cloned())
                                .collect()
                        })
                        .unwrap_or_default(),
                    licence: rep.and_then(|x| x.licence.as_deref()).map(|l| {
                        c.licence_admise(l)
                            .map(|x| format!("{} ({})", x.nom, x.spdx))
                            .unwrap_or_else(|| l.to_string())
                    }),
                    materiel: rep.and_then(|x| x.materiel.clone()),
                }
            })
            .collect();
        (manques, recap)
    } else {
        (vec![], vec![])
    };
    let en_erreur = !erreurs.is_empty();
    let mut cadre = Cadre::pour(
        v,
        format!("{} — étape {n} sur {}", titre_etape(r, &etape), liste.len()),
    )
    .avec_message(message);
    if en_erreur {
        cadre = cadre.en_erreur();
    }
    let t = PageEtape {
        cadre,
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
        recap,
        erreurs,
        saisie,
        types_admis: TYPES_ADMIS
            .iter()
            .map(|(_, l)| *l)
            .collect::<Vec<_>>()
            .join(", "),
        accept: ACCEPT.into(),
    };
    Ok(sans_cache(page(&t, None, en_erreur)?))
}

/// Extensions et types admis pour le champ fichier (le serveur contrôle, lui, le contenu).
const ACCEPT: &str = ".pdf,.odt,.ods,.docx,.xlsx,.png,.jpg,.jpeg,application/pdf,application/vnd.oasis.opendocument.text,application/vnd.oasis.opendocument.spreadsheet,application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,image/png,image/jpeg";

/// Page d'une étape (ou du dépôt) ouverte après le dépôt, par exemple avec le bouton Retour du
/// navigateur : le dossier est déposé, avec sa date, son numéro et le lien vers lui.
pub(super) fn page_deja_depose(v: &Visiteur, d: &Dossier) -> Result<Response, ErreurWeb> {
    let numero = d.numero.clone().unwrap_or_default();
    let quand = d
        .depose_le
        .map(crate::commun::dates::instant)
        .unwrap_or_default();
    let t = Information {
        cadre: Cadre::pour(v, format!("Dossier déposé le {quand} (n° {numero})")),
        paragraphes: vec![
            format!("Ce dossier a été déposé le {quand} sous le numéro {numero} : il ne se modifie plus ici. Son état, les messages de l'instruction et les éventuelles demandes de complément sont sur la page du dossier."),
        ],
        liens: vec![(format!("/dossiers/{}", d.id), format!("Voir le dossier n° {numero}"))],
    };
    Ok(sans_cache(page(&t, None, false)?))
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

#[derive(Deserialize, Default)]
pub struct RequeteEtape {
    ok: Option<String>,
}

pub async fn etape(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((id, n)): Path<(String, usize)>,
    Query(q): Query<RequeteEtape>,
) -> Result<Response, ErreurWeb> {
    let (d, r) = dossier_du_demandeur(&etat, &v, &id).await?;
    if !d.etat.modifiable_par_demandeur() {
        if d.depose_le.is_some() {
            return page_deja_depose(&v, &d);
        }
        return Ok(Redirect::to(&format!("/dossiers/{id}")).into_response());
    }
    let message = confirmation(q.ok.as_deref());
    rendre_etape(&etat, &v, d, r, n, vec![], Saisie::default(), message).await
}

/// Message d'un fichier refusé, au champ : le navigateur ne garde pas un fichier choisi.
fn erreur_fichier(message: String) -> ErreurChamp {
    ErreurChamp::new(
        "fichier",
        format!("{message} Le fichier n'a pas été joint : choisissez-le à nouveau (le reste de l'étape est enregistré)."),
    )
}

pub async fn enregistrer_etape(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((id, n)): Path<(String, usize)>,
    corps: CorpsMultipart,
) -> Result<Response, ErreurWeb> {
    // Jeton, compte et droit sur le dossier sont contrôlés avant de lire le fichier.
    let (formulaire, u, _) = ouvrir(&v, corps).await?;
    let (d, r) = dossier_du_demandeur(&etat, &v, &id).await?;
    if !d.etat.modifiable_par_demandeur() && d.depose_le.is_some() {
        return page_deja_depose(&v, &d);
    }
    let envoi = formulaire
        .lire(
            &etat,
            Limites {
                taille_fichier: TAILLE_MAX,
                fichiers: 1,
            },
        )
        .await?;
    let liste = etapes(r, &d);
    let n = n.clamp(1, liste.len());
    let a = acteur(u);
    let mut mods = Vec::new();
    let mut erreurs = Vec::new();
    let mut saisie = Saisie::default();
    match &liste[n - 1] {
        Etape::Partenaires => {
            let texte = envoi.champ("partenaires").unwrap_or_default();
            saisie.partenaires = Some(texte.to_string());
            mods.push((
                "partenaires",
                Modification::Partenaires {
                    liste: lire_partenaires(texte),
                },
            ));
        }
        Etape::Informations => {
            if let Some(niv) = envoi.champ("niveau_vise").and_then(|x| x.parse().ok()) {
                mods.push(("niveau_vise", Modification::NiveauVise { niveau: niv }));
            }
            for (dcl, _) in declarations(r) {
                if let Some(x) = envoi.champ(&format!("declaration_{dcl}")) {
                    mods.push((
                        "declarations",
                        Modification::Declaration {
                            id: dcl.clone(),
                            valeur: x == "oui",
                        },
                    ));
                }
                let champ = format!("justification_{dcl}");
                if let Some(t) = envoi.champ(&champ) {
                    saisie.justifications.insert(dcl.clone(), t.to_string());
                    mods.push((
                        "justification",
                        Modification::Justification {
                            id: dcl.clone(),
                            texte: t.to_string(),
                        },
                    ));
                }
            }
            if r.declaration_partenaire_local().is_some()
                && envoi.champ("retour_partenaire").is_some()
            {
                let c = |n: &str| envoi.champ(n).unwrap_or_default().to_string();
                let retour = RetourTerrain {
                    partenaire: c("retour_partenaire"),
                    type_partenaire: c("retour_type"),
                    commune: c("retour_commune"),
                    identifiant: c("retour_identifiant"),
                    description: c("retour_description"),
                    preuve: c("retour_preuve"),
                };
                let vide = [
                    &retour.partenaire,
                    &retour.type_partenaire,
                    &retour.commune,
                    &retour.identifiant,
                    &retour.description,
                    &retour.preuve,
                ]
                .iter()
                .all(|x| x.trim().is_empty());
                saisie.retour = Some(retour.clone());
                mods.push((
                    "retour_terrain",
                    Modification::RetourTerrain {
                        retour: (!vide).then_some(retour),
                    },
                ));
            }
            // Charte : les dispositifs retenus (cases à cocher), si le formulaire les porte.
            if r.nature == Nature::Charte && envoi.champ("dispositifs") == Some("oui") {
                for c in r.criteres.iter().filter(|c| dans_une_regle(r, &c.id)) {
                    let coche = envoi.champ(&format!("dispositif_{}", c.id)) == Some("oui");
                    let rep = d.reponse(&c.id).cloned().unwrap_or_default();
                    if coche != rep.retenu() {
                        mods.push((
                            "dispositifs",
                            Modification::Reponse {
                                critere: c.id.clone(),
                                texte: rep.texte,
                                liens: rep.liens,
                                niveau_auto: coche.then_some(1),
                            },
                        ));
                    }
                }
            }
        }
        Etape::Critere(c) => {
            let texte = envoi.champ("texte").unwrap_or_default().to_string();
            let liens_saisis = envoi.champ("liens").unwrap_or_default();
            let lus = lire_liens(liens_saisis);
            let niveau_auto = envoi.champ("niveau_auto").and_then(|x| x.parse().ok());
            if !lus.invalides.is_empty() {
                erreurs.push(ErreurChamp::new(
                    "liens",
                    format!(
                        "{} : un lien commence par https:// (par exemple https://www.exemple.fr/page). Les autres liens et le reste de l'étape sont enregistrés ; corrigez cette ligne ou effacez-la.",
                        lus.invalides
                            .iter()
                            .map(|l| format!("« {l} » n'est pas une adresse web"))
                            .collect::<Vec<_>>()
                            .join(" ; ")
                    ),
                ));
            }
            // Ré-affichage : les lignes saisies, complétées si elles l'ont été.
            saisie.liens = Some(
                liens_saisis
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| {
                        lus.completes
                            .iter()
                            .find(|(avant, _)| avant == l)
                            .map_or(l.to_string(), |(_, apres)| apres.clone())
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            saisie.texte = Some(texte.clone());
            saisie.niveau_auto = niveau_auto;
            saisie.completes.clone_from(&lus.completes);
            mods.push((
                "texte",
                Modification::Reponse {
                    critere: c.clone(),
                    texte,
                    liens: lus.valides,
                    niveau_auto,
                },
            ));
            if r.critere(c).is_some_and(|x| !x.licences_admises.is_empty()) {
                let licence = envoi.champ("licence").unwrap_or_default().to_string();
                let materiel = envoi.champ("materiel").unwrap_or_default().to_string();
                saisie.licence = Some(licence.clone());
                saisie.materiel = Some(materiel.clone());
                mods.push((
                    "licence",
                    Modification::Licence {
                        critere: c.clone(),
                        licence: Some(licence),
                        materiel: Some(materiel),
                    },
                ));
            }
            if let Some(nom) = &envoi.trop_gros {
                let nom = if nom.is_empty() {
                    "choisi".to_string()
                } else {
                    format!("« {} »", nom_affichable(nom))
                };
                erreurs.push(erreur_fichier(format!(
                    "Le fichier {nom} dépasse la taille maximale de {} Mo.",
                    TAILLE_MAX / 1024 / 1024
                )));
            }
            if envoi.trop_de_fichiers {
                erreurs.push(erreur_fichier(
                    "Joignez un seul fichier à la fois.".to_string(),
                ));
            }
            for piece in &envoi.fichiers {
                match deposer_fichier(&etat, u, &d.id, piece).await? {
                    Ok(f) => mods.push((
                        "fichier",
                        Modification::Fichier {
                            critere: c.clone(),
                            fichier_id: f.id,
                        },
                    )),
                    Err(m) => erreurs.push(erreur_fichier(m)),
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
            mods.push(("engagements", Modification::Engagements { acceptes }));
        }
        Etape::Recapitulatif => {}
    }
    let mut courant = d;
    for (champ, m) in &mods {
        match etat.store.modifier(&etat.catalogue, &id, &a, m).await {
            Ok(x) => courant = x,
            Err(reperes_store::ErreurStore::Refus(refus)) => {
                erreurs.push(ErreurChamp::new(champ, refus.to_string()))
            }
            Err(e) => return Err(e.into()),
        }
    }
    if !erreurs.is_empty() {
        return rendre_etape(&etat, &v, courant, r, n, erreurs, saisie, None).await;
    }
    let suite = match envoi.champ("suite") {
        Some("precedente") => n.saturating_sub(1).max(1),
        Some("rester") => n,
        _ => n + 1,
    };
    let total = etapes(r, &courant).len();
    let ok = if saisie.completes.is_empty() {
        ""
    } else {
        "?ok=liens_completes"
    };
    Ok(Redirect::to(&format!("/dossiers/{id}/etapes/{}{ok}", suite.min(total))).into_response())
}

// ---------- Vue du dossier ----------
