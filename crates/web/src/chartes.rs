//! Charte « Territoire d'Actions » après la signature : rapports des territoires signataires
//! (publication par les membres du territoire ou un agent), suivi des retards pour l'instruction,
//! liste publique des signataires, pièces téléchargeables, données ouvertes.
//!
//! Un signataire est un dossier de charte (référentiel de nature « charte ») à l'état
//! « labellisé » : signé par le territoire et contresigné par l'État.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::{NaiveDate, Utc};
use reperes_domain::charte::{self, SaisieRapport, SuiviRapports};
use reperes_domain::organisation::ErreurChamp;
use reperes_domain::referentiel::{ListeLicences, Nature, Referentiel, UsageLicence};
use reperes_domain::registre::departement;
use reperes_domain::{Dossier, Etat as EtatDossier};
use reperes_store::{Fichier, RapportCharte, Signataire};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::commun::acces::acteur;
use crate::commun::acces::dossier_visible;
use crate::commun::cadre::Cadre;
use crate::commun::envoi::lire_envoi;
use crate::commun::formulaires::page;
use crate::commun::libelles::ids_chartes;
use crate::commun::session::Visiteur;
use crate::commun::stockage::{nom_affichable, type_admis, TAILLE_MAX, TYPES_ADMIS};
use crate::{ErreurWeb, Etat};

/// Identifiant de la liste des licences admises pour les rapports.
pub const LISTE_LICENCES: &str = "licences-d323-2-1";

/// Nombre maximal de pièces jointes par rapport.
pub const PIECES_MAX: usize = 5;

/// La liste des licences de l'article D323-2-1 du CRPA, telle que chargée dans le catalogue.
fn licences(etat: &Etat) -> Result<&ListeLicences, ErreurWeb> {
    etat.catalogue
        .licences
        .iter()
        .find(|l| l.id == LISTE_LICENCES)
        .ok_or_else(|| ErreurWeb::Interne(format!("liste de licences {LISTE_LICENCES} absente")))
}

/// Nom d'une licence (l'identifiant SPDX s'il n'est pas dans la liste).
fn nom_licence(etat: &Etat, spdx: &str) -> String {
    licences(etat)
        .ok()
        .and_then(|l| l.trouver(spdx))
        .map(|l| l.nom.clone())
        .unwrap_or_else(|| spdx.to_string())
}

/// Le dossier d'une charte signée et contresignée, si la personne peut agir pour le territoire
/// (membre de l'organisation, ou agent) ; « introuvable » sinon, sans révéler pourquoi.
async fn charte_signee<'a>(
    etat: &'a Etat,
    v: &Visiteur,
    id: &str,
) -> Result<(Dossier, &'a Referentiel), ErreurWeb> {
    let (_, p) = v.connecte()?;
    let (d, r) = dossier_visible(etat, p, id).await?;
    if p.role_sur(&d).is_none() || r.nature != Nature::Charte || d.etat != EtatDossier::Labellise {
        return Err(ErreurWeb::Introuvable);
    }
    Ok((d, r))
}

// ---------- Vue publique ----------

/// Un dispositif de la charte auquel le territoire s'est engagé.
pub struct DispositifEngage {
    pub id: String,
    pub libelle: String,
    /// Actions prévues ou menées (réponse du territoire au critère).
    pub actions: String,
}

/// Un rapport tel que publié.
pub struct RapportPublic {
    pub r: RapportCharte,
    /// Adresse de la page du rapport.
    pub chemin: String,
    pub licence_nom: String,
    pub licence_lien: String,
    /// Pièces jointes, avec l'adresse de téléchargement public.
    pub pieces: Vec<(Fichier, String)>,
    pub demarche: Vec<String>,
    pub impact: Vec<String>,
    pub retours_outils: Vec<String>,
}

/// Un territoire signataire, avec les libellés de la nomenclature et ses rapports.
pub struct Territoire {
    pub s: Signataire,
    /// Identifiant dans les adresses publiques (numéro de récépissé).
    pub ident: String,
    pub chemin: String,
    pub type_libelle: String,
    pub departement: String,
    pub charte_nom: String,
    pub date_signature: NaiveDate,
    pub dispositifs: Vec<DispositifEngage>,
    pub rapports: Vec<RapportPublic>,
    /// Partenaires associés à la démarche.
    pub partenaires: Vec<reperes_domain::dossier::Partenaire>,
}

fn paragraphes(t: &str) -> Vec<String> {
    t.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

async fn territoire(etat: &Etat, s: Signataire) -> Result<Territoire, ErreurWeb> {
    let c = &etat.catalogue;
    let r = c.referentiel(&s.referentiel_id, &s.referentiel_version);
    let ident = s.identifiant_public().to_string();
    let chemin = format!("/chartes/{ident}");
    let mut rapports = Vec::new();
    for x in etat.store.rapports_charte(Some(&s.dossier_id)).await? {
        let mut pieces = Vec::new();
        for f in &x.fichiers {
            if let Some(f) = etat.store.fichier(f).await? {
                let lien = format!("{chemin}/rapports/{}/fichiers/{}", x.id, f.id);
                pieces.push((f, lien));
            }
        }
        rapports.push(RapportPublic {
            chemin: format!("{chemin}/rapports/{}", x.id),
            licence_nom: nom_licence(etat, &x.licence),
            licence_lien: charte::lien_licence(&x.licence),
            pieces,
            demarche: paragraphes(&x.demarche),
            impact: paragraphes(&x.impact),
            retours_outils: paragraphes(&x.retours_outils),
            r: x,
        });
    }
    // Dispositifs dans l'ordre de la charte.
    let rang = |id: &str| {
        r.and_then(|r| r.criteres.iter().position(|c| c.id == id))
            .unwrap_or(usize::MAX)
    };
    let mut engages = s.dispositifs.clone();
    engages.sort_by_key(|(id, _)| rang(id));
    let partenaires = etat
        .store
        .dossier(&s.dossier_id)
        .await?
        .map(|d| d.partenaires)
        .unwrap_or_default();
    Ok(Territoire {
        partenaires,
        type_libelle: c
            .type_organisation(&s.type_organisation)
            .map(|t| t.libelle.clone())
            .unwrap_or_else(|| s.type_organisation.clone()),
        departement: departement(&s.code_postal).unwrap_or_default(),
        charte_nom: r.map(|r| r.nom.clone()).unwrap_or_default(),
        date_signature: s.labellise_le.date_naive(),
        dispositifs: engages
            .iter()
            .map(|(id, actions)| DispositifEngage {
                id: id.clone(),
                libelle: r
                    .and_then(|r| r.critere(id))
                    .map(|c| c.libelle.clone())
                    .unwrap_or_else(|| id.clone()),
                actions: actions.clone(),
            })
            .collect(),
        rapports,
        ident,
        chemin,
        s,
    })
}

/// Tous les territoires signataires.
async fn signataires(etat: &Etat) -> Result<Vec<Signataire>, ErreurWeb> {
    Ok(etat.store.signataires(&ids_chartes(etat)).await?)
}

/// Le signataire désigné par son numéro de récépissé ou l'identifiant de son dossier.
async fn signataire(etat: &Etat, ident: &str) -> Result<Signataire, ErreurWeb> {
    signataires(etat)
        .await?
        .into_iter()
        .find(|s| s.numero.as_deref() == Some(ident) || s.dossier_id == ident)
        .ok_or(ErreurWeb::Introuvable)
}

#[derive(Template)]
#[template(path = "chartes.html")]
struct PageChartes {
    cadre: Cadre,
    territoires: Vec<Territoire>,
}

/// `GET /chartes` : les territoires signataires, leurs engagements et leurs rapports.
pub async fn liste(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    let mut territoires = Vec::new();
    for s in signataires(&etat).await? {
        territoires.push(territoire(&etat, s).await?);
    }
    page(
        &PageChartes {
            cadre: Cadre::pour(&v, "Territoires signataires de la charte"),
            territoires,
        },
        None,
        false,
    )
}

#[derive(Template)]
#[template(path = "charte_signataire.html")]
struct PageSignataire {
    cadre: Cadre,
    t: Territoire,
}

/// `GET /chartes/{ident}` : un territoire signataire.
pub async fn fiche(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(ident): Path<String>,
) -> Result<Response, ErreurWeb> {
    let t = territoire(&etat, signataire(&etat, &ident).await?).await?;
    page(
        &PageSignataire {
            cadre: Cadre::pour(
                &v,
                format!("{} — territoire signataire", t.s.organisation_nom),
            ),
            t,
        },
        None,
        false,
    )
}

#[derive(Template)]
#[template(path = "rapport_charte.html")]
struct PageRapport {
    cadre: Cadre,
    t: Territoire,
    x: RapportPublic,
}

#[derive(Deserialize, Default)]
pub struct RequeteOk {
    ok: Option<String>,
}

/// `GET /chartes/{ident}/rapports/{id}` : un rapport publié.
pub async fn rapport(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((ident, id)): Path<(String, String)>,
    Query(q): Query<RequeteOk>,
) -> Result<Response, ErreurWeb> {
    let mut t = territoire(&etat, signataire(&etat, &ident).await?).await?;
    let i = t
        .rapports
        .iter()
        .position(|x| x.r.id == id)
        .ok_or(ErreurWeb::Introuvable)?;
    let x = t.rapports.remove(i);
    let message = (q.ok.as_deref() == Some("publie"))
        .then(|| "Rapport publié : il figure désormais sur la page publique du territoire.".into());
    page(
        &PageRapport {
            cadre: Cadre::pour(
                &v,
                format!("{} — rapport de {}", x.r.titre, t.s.organisation_nom),
            )
            .avec_message(message),
            t,
            x,
        },
        None,
        false,
    )
}

/// `GET /chartes/{ident}/rapports/{id}/fichiers/{fichier}` : une pièce jointe d'un rapport
/// publié, sans compte. Seules les pièces liées à ce rapport sont servies.
pub async fn piece(
    State(etat): State<Etat>,
    Path((ident, id, fichier)): Path<(String, String, String)>,
) -> Result<Response, ErreurWeb> {
    let s = signataire(&etat, &ident).await?;
    let r = etat
        .store
        .rapport_charte(&id)
        .await?
        .filter(|r| r.dossier_id == s.dossier_id && r.fichiers.contains(&fichier))
        .ok_or(ErreurWeb::Introuvable)?;
    let f = etat
        .store
        .fichier(&fichier)
        .await?
        .filter(|f| f.dossier_id == r.dossier_id)
        .ok_or(ErreurWeb::Introuvable)?;
    crate::commun::fichiers::servir_fichier(&etat, &f, "public, max-age=3600").await
}

// ---------- Publication d'un rapport ----------

#[derive(Template)]
#[template(path = "rapport_nouveau.html")]
struct PageNouveauRapport {
    cadre: Cadre,
    d: Dossier,
    organisation: String,
    saisie: SaisieRapport,
    erreurs: Vec<ErreurChamp>,
    annees: Vec<i32>,
    /// (usage, [(spdx, nom)]) : licences pour les données et documents, puis pour les logiciels.
    licences: Vec<(&'static str, Vec<(String, String)>)>,
    engagements: Vec<String>,
    types_admis: String,
}

impl PageNouveauRapport {
    fn erreur(&self, champ: &str) -> Option<&str> {
        self.erreurs
            .iter()
            .find(|e| e.champ == champ)
            .map(|e| e.message.as_str())
    }
    fn annee_choisie(&self, a: &i32) -> bool {
        self.saisie.annee.trim() == a.to_string()
    }
}

async fn rendre_formulaire(
    etat: &Etat,
    v: &Visiteur,
    d: Dossier,
    r: &Referentiel,
    saisie: SaisieRapport,
    erreurs: Vec<ErreurChamp>,
) -> Result<Response, ErreurWeb> {
    let organisation = etat
        .store
        .organisation(&d.organisation_id)
        .await?
        .map(|o| o.nom)
        .unwrap_or_default();
    let debut = d
        .labellise_le
        .map(|t| chrono::Datelike::year(&t))
        .unwrap_or_else(|| chrono::Datelike::year(&Utc::now()));
    let fin = chrono::Datelike::year(&Utc::now());
    let liste = licences(etat)?;
    let par_usage = |u: UsageLicence| {
        liste
            .licences
            .iter()
            .filter(|l| l.usage == u)
            .map(|l| (l.spdx.clone(), format!("{} ({})", l.nom, l.spdx)))
            .collect::<Vec<_>>()
    };
    let en_erreur = !erreurs.is_empty();
    let t = PageNouveauRapport {
        cadre: Cadre::pour(
            v,
            format!(
                "Publier un rapport{}",
                if en_erreur { " (erreur)" } else { "" }
            ),
        ),
        annees: (debut..=fin).rev().collect(),
        licences: vec![
            (
                "Pour les données et les documents",
                par_usage(UsageLicence::Donnees),
            ),
            ("Pour les logiciels", par_usage(UsageLicence::Logiciel)),
        ],
        engagements: r.engagements.iter().map(|e| e.texte.clone()).collect(),
        types_admis: TYPES_ADMIS
            .iter()
            .map(|(_, l)| *l)
            .collect::<Vec<_>>()
            .join(", "),
        organisation,
        saisie,
        erreurs,
        d,
    };
    page(&t, None, en_erreur)
}

/// `GET /dossiers/{id}/rapports/nouveau` : formulaire de rapport.
pub async fn nouveau(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let (d, r) = charte_signee(&etat, &v, &id).await?;
    let saisie = SaisieRapport {
        annee: chrono::Datelike::year(&Utc::now()).to_string(),
        licence: "etalab-2.0".into(),
        ..Default::default()
    };
    rendre_formulaire(&etat, &v, d, r, saisie, vec![]).await
}

/// `POST /dossiers/{id}/rapports` : publie un rapport et ses pièces jointes.
pub async fn publier(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    m: Multipart,
) -> Result<Response, ErreurWeb> {
    let envoi = lire_envoi(m, TAILLE_MAX).await?;
    v.verifier_csrf(envoi.champ("_csrf").unwrap_or(""))?;
    let (u, _) = v.connecte()?;
    let (d, r) = charte_signee(&etat, &v, &id).await?;
    let champ = |n: &str| envoi.champ(n).unwrap_or_default().to_string();
    let saisie = SaisieRapport {
        annee: champ("annee"),
        titre: champ("titre"),
        demarche: champ("demarche"),
        impact: champ("impact"),
        retours_outils: champ("retours_outils"),
        licence: champ("licence"),
    };
    let aujourd_hui = Utc::now().date_naive();
    let signature = d
        .labellise_le
        .map(|t| t.date_naive())
        .unwrap_or(aujourd_hui);
    let mut erreurs = Vec::new();
    let valide = match charte::valider_rapport(&saisie, licences(&etat)?, signature, aujourd_hui) {
        Ok(x) => Some(x),
        Err(e) => {
            erreurs = e;
            None
        }
    };
    // Pièces jointes : type reconnu par le contenu, taille (déjà bornée à la lecture).
    let mut pieces = Vec::new();
    if envoi.fichiers.len() > PIECES_MAX {
        erreurs.push(ErreurChamp {
            champ: "fichiers",
            message: format!("Joignez {PIECES_MAX} fichiers au plus."),
        });
    }
    for (nom, octets) in &envoi.fichiers {
        let nom = nom_affichable(nom);
        match type_admis(octets) {
            Some(t) if octets.len() <= TAILLE_MAX => pieces.push((nom, t, octets)),
            Some(_) => erreurs.push(ErreurChamp {
                champ: "fichiers",
                message: format!("Le fichier « {nom} » dépasse 20 Mo."),
            }),
            None => erreurs.push(ErreurChamp {
                champ: "fichiers",
                message: format!(
                    "Le fichier « {nom} » n'est pas accepté : son contenu n'est pas d'un type admis ({}).",
                    TYPES_ADMIS.iter().map(|(_, l)| *l).collect::<Vec<_>>().join(", ")
                ),
            }),
        }
    }
    let Some(valide) = valide.filter(|_| erreurs.is_empty()) else {
        return rendre_formulaire(&etat, &v, d, r, saisie, erreurs).await;
    };
    let mut fichiers = Vec::new();
    for (nom, type_mime, octets) in pieces {
        let fid = uuid::Uuid::now_v7().to_string();
        let stockage = etat.stockage.clone();
        let (cle, contenu) = (fid.clone(), octets.to_vec());
        tokio::task::spawn_blocking(move || stockage.ecrire(&cle, &contenu))
            .await
            .map_err(|e| ErreurWeb::Interne(e.to_string()))?
            .map_err(|e| ErreurWeb::Interne(format!("écriture du fichier : {e}")))?;
        fichiers.push(Fichier {
            id: fid.clone(),
            dossier_id: d.id.clone(),
            nom,
            type_mime: type_mime.to_string(),
            taille: octets.len() as i64,
            sha256: hex::encode(Sha256::digest(octets)),
            cle_stockage: fid,
            depose_par: u.id.clone(),
        });
    }
    let rapport = RapportCharte {
        id: uuid::Uuid::now_v7().to_string(),
        dossier_id: d.id.clone(),
        annee: valide.annee,
        titre: valide.titre,
        demarche: valide.demarche,
        impact: valide.impact,
        retours_outils: valide.retours_outils,
        licence: valide.licence,
        auteur_id: u.id.clone(),
        publie_le: Utc::now(),
        fichiers: fichiers.iter().map(|f| f.id.clone()).collect(),
    };
    match etat
        .store
        .publier_rapport(&acteur(u), &rapport, &fichiers)
        .await
    {
        Ok(()) => {}
        Err(reperes_store::ErreurStore::Conflit(m)) => return Err(ErreurWeb::Requete(m)),
        Err(e) => return Err(e.into()),
    }
    let ident = d.numero.clone().unwrap_or_else(|| d.id.clone());
    Ok(Redirect::to(&format!(
        "/chartes/{ident}/rapports/{}?ok=publie",
        rapport.id
    ))
    .into_response())
}

// ---------- Suivi des rapports (instruction) ----------

/// Une ligne du suivi : un signataire et l'état de ses rapports.
pub struct LigneSuivi {
    pub t: Signataire,
    pub date_signature: NaiveDate,
    pub suivi: SuiviRapports,
    pub nombre_rapports: usize,
}

#[derive(Template)]
#[template(path = "instruction_chartes.html")]
struct PageSuivi {
    cadre: Cadre,
    lignes: Vec<LigneSuivi>,
    en_retard: usize,
    aujourd_hui: NaiveDate,
}

/// Suivi des rapports de tous les signataires, du plus en retard au plus à jour.
pub async fn suivi_des_rapports(
    etat: &Etat,
    aujourd_hui: NaiveDate,
) -> Result<Vec<LigneSuivi>, ErreurWeb> {
    let rapports = etat.store.rapports_charte(None).await?;
    let mut lignes: Vec<LigneSuivi> = signataires(etat)
        .await?
        .into_iter()
        .map(|t| {
            let dates: Vec<NaiveDate> = rapports
                .iter()
                .filter(|r| r.dossier_id == t.dossier_id)
                .map(|r| r.publie_le.date_naive())
                .collect();
            let date_signature = t.labellise_le.date_naive();
            LigneSuivi {
                suivi: charte::suivi(date_signature, &dates, aujourd_hui),
                nombre_rapports: dates.len(),
                date_signature,
                t,
            }
        })
        .collect();
    lignes.sort_by(|a, b| {
        b.suivi
            .retard_jours
            .cmp(&a.suivi.retard_jours)
            .then(a.suivi.prochaine_echeance.cmp(&b.suivi.prochaine_echeance))
            .then(a.t.organisation_nom.cmp(&b.t.organisation_nom))
    });
    Ok(lignes)
}

/// `GET /instruction/chartes` : signataires, dernier rapport, prochaine échéance, retard.
pub async fn instruction(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    v.agent()?;
    let aujourd_hui = Utc::now().date_naive();
    let lignes = suivi_des_rapports(&etat, aujourd_hui).await?;
    page(
        &PageSuivi {
            cadre: Cadre::pour(&v, "Suivi des rapports de la charte"),
            en_retard: lignes.iter().filter(|l| l.suivi.en_retard()).count(),
            lignes,
            aujourd_hui,
        },
        None,
        false,
    )
}

// ---------- Données ouvertes ----------

/// Une ligne des données ouvertes : un territoire signataire × un dispositif de la charte auquel
/// il s'est engagé. Les noms de champs sont ceux de `schemas/chartes.schema.json`.
#[derive(Debug, Clone, Serialize)]
pub struct LigneCharte {
    /// Identifiant stable de la signature (dossier).
    pub identifiant: String,
    pub numero: String,
    pub territoire_nom: String,
    pub territoire_type: String,
    pub territoire_type_libelle: String,
    pub code_postal: String,
    pub commune: String,
    pub departement: String,
    pub charte: String,
    pub charte_version: String,
    pub charte_nom: String,
    pub date_signature: String,
    pub dispositif: String,
    pub dispositif_libelle: String,
    pub actions_prevues: String,
    pub nombre_rapports: usize,
    pub date_dernier_rapport: String,
    pub page: String,
}

/// Noms des champs, dans l'ordre du schéma.
pub const CHAMPS: &[&str] = &[
    "identifiant",
    "numero",
    "territoire_nom",
    "territoire_type",
    "territoire_type_libelle",
    "code_postal",
    "commune",
    "departement",
    "charte",
    "charte_version",
    "charte_nom",
    "date_signature",
    "dispositif",
    "dispositif_libelle",
    "actions_prevues",
    "nombre_rapports",
    "date_dernier_rapport",
    "page",
];

async fn lignes(etat: &Etat) -> Result<Vec<LigneCharte>, ErreurWeb> {
    let mut v = Vec::new();
    for s in signataires(etat).await? {
        let t = territoire(etat, s).await?;
        let dernier = t
            .rapports
            .iter()
            .map(|r| r.r.publie_le.date_naive())
            .max()
            .map(|d| d.to_string())
            .unwrap_or_default();
        for x in &t.dispositifs {
            v.push(LigneCharte {
                identifiant: t.s.dossier_id.clone(),
                numero: t.s.numero.clone().unwrap_or_default(),
                territoire_nom: t.s.organisation_nom.clone(),
                territoire_type: t.s.type_organisation.clone(),
                territoire_type_libelle: t.type_libelle.clone(),
                code_postal: t.s.code_postal.clone(),
                commune: t.s.commune.clone(),
                departement: t.departement.clone(),
                charte: t.s.referentiel_id.clone(),
                charte_version: t.s.referentiel_version.clone(),
                charte_nom: t.charte_nom.clone(),
                date_signature: t.date_signature.to_string(),
                dispositif: x.id.clone(),
                dispositif_libelle: x.libelle.clone(),
                actions_prevues: x.actions.clone(),
                nombre_rapports: t.rapports.len(),
                date_dernier_rapport: dernier.clone(),
                page: format!("{}{}", etat.config.url_publique, t.chemin),
            });
        }
    }
    Ok(v)
}

/// `GET /donnees/chartes.csv` : conforme à `schemas/chartes.schema.json`.
pub async fn csv(State(etat): State<Etat>) -> Result<Response, ErreurWeb> {
    let lignes = lignes(&etat).await?;
    let mut w = ::csv::Writer::from_writer(Vec::new());
    if lignes.is_empty() {
        w.write_record(CHAMPS)
            .map_err(|e| ErreurWeb::Interne(e.to_string()))?;
    }
    for l in &lignes {
        w.serialize(l)
            .map_err(|e| ErreurWeb::Interne(e.to_string()))?;
    }
    let octets = w
        .into_inner()
        .map_err(|e| ErreurWeb::Interne(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"chartes-signataires.csv\"",
            ),
        ],
        octets,
    )
        .into_response())
}

/// `GET /donnees/chartes.json` : un tableau d'objets, mêmes champs que le CSV.
pub async fn json(State(etat): State<Etat>) -> Result<Response, ErreurWeb> {
    let lignes = lignes(&etat).await?;
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            "inline; filename=\"chartes-signataires.json\"",
        )],
        Json(lignes),
    )
        .into_response())
}

pub const SCHEMA_CHARTES: &str = include_str!("../../../schemas/chartes.schema.json");

pub async fn schema() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], SCHEMA_CHARTES).into_response()
}

/// Champs du schéma des chartes, pour la page des données ouvertes : (nom, type, description,
/// obligatoire).
pub fn champs_schema() -> Vec<(String, String, String, bool)> {
    let s: serde_json::Value = serde_json::from_str(SCHEMA_CHARTES).unwrap_or_default();
    s["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["name"].as_str().unwrap_or_default().to_string(),
                        f["type"].as_str().unwrap_or_default().to_string(),
                        f["description"].as_str().unwrap_or_default().to_string(),
                        f["constraints"]["required"].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_et_champs_concordent() {
        let noms: Vec<String> = champs_schema().into_iter().map(|(n, ..)| n).collect();
        assert_eq!(noms, CHAMPS);
    }

    #[test]
    fn textes_en_paragraphes() {
        assert_eq!(paragraphes("a\n\n  b \n"), ["a", "b"]);
    }
}
