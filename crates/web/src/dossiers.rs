//! Dossier : formulaire en étapes généré depuis le référentiel, preuves (textes, liens,
//! fichiers), dépôt avec accusé de réception, vue du dossier, messages, pièces jointes.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use reperes_domain::audit::EntreeAudit;
use reperes_domain::dossier::{TypeAction, TRANSITIONS};
use reperes_domain::referentiel::{Critere, Referentiel, Regle};
use reperes_domain::regles::{completude, Manque};
use reperes_domain::{Action, Dossier, Etat as EtatDossier, Modification, Role};
use reperes_store::{Fichier, Message, NouveauCourriel, Utilisateur};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::commun::acces::{acteur, dossier_visible};
use crate::commun::cadre::Cadre;
use crate::commun::envoi::lire_envoi;
use crate::commun::fichiers::servir_fichier;
use crate::commun::formulaires::page;
use crate::commun::libelles::declarations;
use crate::commun::session::Visiteur;
use crate::commun::stockage::{nom_affichable, type_admis, TAILLE_MAX, TYPES_ADMIS};
use crate::{ErreurWeb, Etat};

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

/// Contrôle et stocke un fichier déposé ; rend ses métadonnées ou le message d'erreur.
pub async fn deposer_fichier(
    etat: &Etat,
    u: &Utilisateur,
    dossier_id: &str,
    nom: &str,
    octets: &[u8],
) -> Result<Result<Fichier, String>, ErreurWeb> {
    let nom = nom_affichable(nom);
    let Some(type_mime) = type_admis(octets) else {
        let admis: Vec<&str> = TYPES_ADMIS.iter().map(|(_, l)| *l).collect();
        return Ok(Err(format!(
            "Le fichier « {nom} » n'est pas accepté : son contenu n'est pas d'un type admis ({}).",
            admis.join(", ")
        )));
    };
    if octets.len() > TAILLE_MAX {
        return Ok(Err(format!("Le fichier « {nom} » dépasse 20 Mo.")));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let stockage = etat.stockage.clone();
    let (cle, contenu) = (id.clone(), octets.to_vec());
    tokio::task::spawn_blocking(move || stockage.ecrire(&cle, &contenu))
        .await
        .map_err(|e| ErreurWeb::Interne(e.to_string()))?
        .map_err(|e| ErreurWeb::Interne(format!("écriture du fichier : {e}")))?;
    let f = Fichier {
        id: id.clone(),
        dossier_id: dossier_id.to_string(),
        nom,
        type_mime: type_mime.to_string(),
        taille: octets.len() as i64,
        sha256: hex::encode(Sha256::digest(octets)),
        cle_stockage: id,
        depose_par: u.id.clone(),
    };
    etat.store.enregistrer_fichier(&acteur(u), &f).await?;
    Ok(Ok(f))
}

// ---------- Étapes ----------

#[derive(Template)]
#[template(path = "etape.html")]
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

async fn rendre_etape(
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
    let fichiers = etat
        .store
        .fichiers_du_dossier(&d.id)
        .await?
        .into_iter()
        .map(|f| (f.id.clone(), f))
        .collect();
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
async fn dossier_du_demandeur<'a>(
    etat: &'a Etat,
    v: &Visiteur,
    id: &str,
) -> Result<(Dossier, &'a Referentiel), ErreurWeb> {
    let (_, p) = v.connecte()?;
    let (d, r) = dossier_visible(etat, p, id).await?;
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
    let envoi = lire_envoi(m, TAILLE_MAX).await?;
    v.verifier_csrf(envoi.champ("_csrf").unwrap_or(""))?;
    let (u, _) = v.connecte()?;
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

/// Adresses des membres de l'organisation porteuse.
async fn destinataires(etat: &Etat, d: &Dossier) -> Result<Vec<String>, ErreurWeb> {
    Ok(etat
        .store
        .membres(&d.organisation_id)
        .await?
        .into_iter()
        .map(|u| u.email)
        .collect())
}

pub async fn deposer(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<crate::commun::formulaires::FormCsrf>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.connecte()?;
    let (d, r) = dossier_du_demandeur(&etat, &v, &id).await?;
    let a_qui = destinataires(&etat, &d).await?;
    let url = etat.config.url_publique.clone();
    let nom_ref = r.nom.clone();
    let notifier = move |d: &Dossier| {
        a_qui
            .iter()
            .map(|dest| NouveauCourriel {
                destinataire: dest.clone(),
                sujet: format!("Repères : accusé de réception du dossier {}", d.numero.clone().unwrap_or_default()),
                corps: format!(
                    "Bonjour,\n\nVotre dossier pour « {nom_ref} » a bien été déposé.\nNuméro de récépissé : {}\nDate de dépôt : {}\n\nVous pouvez suivre son instruction ici : {url}/dossiers/{}\n",
                    d.numero.clone().unwrap_or_default(),
                    Utc::now().format("%d/%m/%Y à %H:%M (UTC)"),
                    d.id
                ),
            })
            .collect()
    };
    match etat
        .store
        .agir_et_notifier(
            &etat.catalogue,
            &id,
            &acteur(u),
            &Action::Deposer,
            Utc::now(),
            &notifier,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/dossiers/{id}?ok=depose")).into_response()),
        Err(reperes_store::ErreurStore::Refus(refus)) => {
            let n = etapes(r, &d).len();
            rendre_etape(&etat, &v, d, r, n, vec![refus.to_string()]).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- Vue du dossier ----------

pub struct ActionPossible {
    pub code: &'static str,
    pub libelle: &'static str,
    pub motif: bool,
    pub echeance: bool,
    pub niveau: bool,
}

fn libelle_action(a: TypeAction) -> &'static str {
    match a {
        TypeAction::Deposer => "Déposer",
        TypeAction::PrendreEnCharge => "Prendre en charge",
        TypeAction::DemanderComplement => "Demander un complément",
        TypeAction::OuvrirAccompagnement => "Ouvrir un accompagnement",
        TypeAction::CloreAccompagnement => "Clore l'accompagnement",
        TypeAction::Labelliser => "Accorder le label",
        TypeAction::Refuser => "Refuser",
        TypeAction::ClasserSansSuite => "Classer sans suite",
        TypeAction::Retirer => "Retirer le label",
        TypeAction::Expirer => "Déclarer expiré",
    }
}

pub struct LigneCritere<'a> {
    pub c: &'a Critere,
    pub obligatoire: bool,
    pub texte: String,
    pub liens: Vec<String>,
    pub fichiers: Vec<Fichier>,
    pub niveau_auto: Option<u8>,
    pub appreciation: Option<(Option<u8>, String)>,
}

#[derive(Template)]
#[template(path = "dossier.html")]
struct PageDossier<'a> {
    cadre: Cadre,
    d: Dossier,
    r: &'a Referentiel,
    organisation: String,
    dispositif: String,
    criteres: Vec<LigneCritere<'a>>,
    messages: Vec<(Message, String, Vec<Fichier>)>,
    agent: bool,
    demandeur: bool,
    actions: Vec<ActionPossible>,
    agents: Vec<(String, String)>,
    journal: Vec<EntreeAudit>,
    voir_appreciations: bool,
    aujourd_hui: String,
}

impl PageDossier<'_> {
    /// Libellé de l'état, selon la nature du référentiel (une charte est « signée et contresignée »).
    fn etat_libelle(&self) -> &'static str {
        reperes_domain::charte::libelle_etat(self.d.etat, self.r.nature)
    }
    /// Charte signée et contresignée : le territoire publie ses rapports.
    fn charte_signee(&self) -> bool {
        self.r.nature == reperes_domain::referentiel::Nature::Charte
            && self.d.etat == EtatDossier::Labellise
    }
    fn niveau_libelle(&self, n: &u8) -> String {
        self.r
            .niveau(*n)
            .map(|x| x.libelle.clone())
            .unwrap_or_else(|| n.to_string())
    }
    fn instructeur(&self) -> String {
        self.d
            .instructeur_id
            .as_ref()
            .and_then(|i| self.agents.iter().find(|(id, _)| id == i))
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "non attribué".into())
    }
    fn plan_texte(&self, critere: &str, champ: &str) -> String {
        self.d
            .plan
            .as_ref()
            .and_then(|p| p.ecarts.iter().find(|e| e.critere == critere))
            .map(|e| match champ {
                "ecart" => e.ecart.clone(),
                "actions" => e.actions.clone(),
                _ => e.experts.clone(),
            })
            .unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
pub struct RequeteOk {
    ok: Option<String>,
}

pub async fn voir(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Query(q): Query<RequeteOk>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.connecte()?;
    let (d, r) = dossier_visible(&etat, p, &id).await?;
    let role = p.role_sur(&d);
    let agent = matches!(role, Some(Role::Instructeur | Role::Administrateur));
    let fichiers: BTreeMap<String, Fichier> = etat
        .store
        .fichiers_du_dossier(&d.id)
        .await?
        .into_iter()
        .map(|f| (f.id.clone(), f))
        .collect();
    let criteres = r
        .criteres
        .iter()
        .filter(|c| d.reponse(&c.id).is_some() || c.obligatoire_au_niveau(d.niveau_vise))
        .map(|c| {
            let rep = d.reponse(&c.id);
            LigneCritere {
                c,
                obligatoire: c.obligatoire_au_niveau(d.niveau_vise),
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
                niveau_auto: rep.and_then(|x| x.niveau_auto),
                appreciation: rep
                    .and_then(|x| x.appreciation.as_ref())
                    .map(|a| (a.niveau, a.commentaire.clone())),
            }
        })
        .collect();
    let mut messages = Vec::new();
    for m in etat.store.messages(&d.id, agent).await? {
        let auteur = etat
            .store
            .utilisateur(&m.auteur_id)
            .await?
            .map(|u| u.nom)
            .unwrap_or_default();
        let pj = m
            .fichiers
            .iter()
            .filter_map(|f| fichiers.get(f).cloned())
            .collect();
        messages.push((m, auteur, pj));
    }
    let actions = match role {
        Some(role) if role != Role::Demandeur || d.etat == EtatDossier::ComplementDemande => {
            TRANSITIONS
                .iter()
                .filter(|t| {
                    t.depuis.contains(&d.etat)
                        && t.roles.contains(&role)
                        && t.action != TypeAction::Expirer
                })
                .filter(|t| t.action != TypeAction::Deposer)
                .map(|t| ActionPossible {
                    code: t.action.code(),
                    libelle: reperes_domain::charte::libelle_action(t.action, r.nature)
                        .unwrap_or_else(|| libelle_action(t.action)),
                    motif: !matches!(
                        t.action,
                        TypeAction::PrendreEnCharge | TypeAction::CloreAccompagnement
                    ),
                    echeance: t.action == TypeAction::DemanderComplement,
                    niveau: t.action == TypeAction::Labelliser,
                })
                .collect()
        }
        _ => vec![],
    };
    let mut agents = Vec::new();
    if agent {
        for role in [
            reperes_domain::comptes::RoleCompte::Instructeur,
            reperes_domain::comptes::RoleCompte::Administrateur,
        ] {
            agents.extend(
                etat.store
                    .utilisateurs_de_role(role)
                    .await?
                    .into_iter()
                    .map(|u| (u.id, u.nom)),
            );
        }
    }
    let journal = if agent {
        etat.store.journal_objet("dossier", &d.id).await?
    } else {
        vec![]
    };
    let voir_appreciations = agent || d.decision.is_some();
    let t = PageDossier {
        cadre: Cadre::pour(
            &v,
            format!(
                "Dossier {}",
                d.numero.clone().unwrap_or_else(|| "en brouillon".into())
            ),
        )
        .avec_message(crate::commun::libelles::message_confirmation(q.ok.as_ref())),
        organisation: etat
            .store
            .organisation(&d.organisation_id)
            .await?
            .map(|o| o.nom)
            .unwrap_or_default(),
        dispositif: etat
            .store
            .dispositif(&d.dispositif_id)
            .await?
            .map(|x| x.nom)
            .unwrap_or_default(),
        criteres,
        messages,
        demandeur: role == Some(Role::Demandeur),
        agent,
        actions,
        agents,
        journal,
        voir_appreciations,
        aujourd_hui: Utc::now().date_naive().to_string(),
        d,
        r,
    };
    page(&t, None, false)
}

pub async fn telecharger(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.connecte()?;
    let f = etat
        .store
        .fichier(&id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    dossier_visible(&etat, p, &f.dossier_id).await?;
    servir_fichier(&etat, &f, "private, no-store").await
}

pub async fn envoyer_message(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    m: Multipart,
) -> Result<Response, ErreurWeb> {
    let envoi = lire_envoi(m, TAILLE_MAX).await?;
    v.verifier_csrf(envoi.champ("_csrf").unwrap_or(""))?;
    let (u, p) = v.connecte()?;
    let (d, _) = dossier_visible(&etat, p, &id).await?;
    let role = p.role_sur(&d).ok_or(ErreurWeb::Interdit)?;
    let corps = envoi.champ("corps").unwrap_or_default().trim().to_string();
    let prive = envoi.champ("prive") == Some("oui") && role != Role::Demandeur;
    if corps.is_empty() {
        return Err(ErreurWeb::Requete(
            "Le message est vide : écrivez un texte avant d'envoyer.".into(),
        ));
    }
    let mut pj = Vec::new();
    for (nom, octets) in &envoi.fichiers {
        match deposer_fichier(&etat, u, &d.id, nom, octets).await? {
            Ok(f) => pj.push(f.id),
            Err(m) => return Err(ErreurWeb::Requete(m)),
        }
    }
    etat.store
        .ajouter_message(
            &acteur(u),
            &Message {
                id: uuid::Uuid::now_v7().to_string(),
                dossier_id: d.id.clone(),
                auteur_id: u.id.clone(),
                corps,
                fichiers: pj,
                prive,
                cree_le: Utc::now(),
            },
        )
        .await?;
    if !prive {
        let a_qui: Vec<String> = if role == Role::Demandeur {
            match &d.instructeur_id {
                Some(i) => etat
                    .store
                    .utilisateur(i)
                    .await?
                    .map(|u| vec![u.email])
                    .unwrap_or_default(),
                None => vec![],
            }
        } else {
            destinataires(&etat, &d).await?
        };
        for dest in a_qui {
            etat.store
                .mettre_en_file(&NouveauCourriel {
                    destinataire: dest,
                    sujet: format!("Repères : nouveau message sur le dossier {}", d.numero.clone().unwrap_or_default()),
                    corps: format!("Bonjour,\n\nUn nouveau message a été publié sur le dossier : {}/dossiers/{}\n", etat.config.url_publique, d.id),
                })
                .await?;
        }
    }
    Ok(Redirect::to(&format!("/dossiers/{id}?ok=message#messages")).into_response())
}

pub async fn renouveler(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<crate::commun::formulaires::FormCsrf>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.connecte()?;
    let (d, _) = dossier_du_demandeur(&etat, &v, &id).await?;
    let nouveau = etat
        .store
        .renouveler(
            &etat.catalogue,
            &d.id,
            &acteur(u),
            uuid::Uuid::now_v7().to_string(),
            Utc::now().date_naive(),
        )
        .await
        .map_err(crate::commun::erreur::refus_en_requete)?;
    Ok(Redirect::to(&format!("/dossiers/{}/etapes/1", nouveau.id)).into_response())
}
