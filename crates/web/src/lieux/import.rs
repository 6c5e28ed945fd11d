//! Page d'import des lieux (administrateurs) : dépôt d'un fichier CSV ou JSON (v1.0.2 ou v0.1),
//! choix du mode (strict ou compatible), travail en tâche de fond avec barre de progression
//! (page actualisable sans JavaScript ; un script facultatif la tient à jour), rapport de chaque
//! problème à l'écran et en CSV/JSON, doublons probables à examiner.
//!
//! Les travaux sont gardés en mémoire (les 20 derniers) : un redémarrage les oublie, pas les
//! lieux importés ni le journal d'audit.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use reperes_domain::lieux::doublons::doublons_probables;
use reperes_domain::lieux::import::{
    message_traduction, preparer, Etape, Mode, Version, COLONNES_RAPPORT, REGLE_TRADUCTION,
};
use reperes_domain::lieux::v01::NoteTraduction;
use reperes_domain::lieux::{schema_national, Format, Probleme};
use reperes_store::BilanImport;
use serde::Serialize;

use crate::commun::cadre::Cadre;
use crate::commun::envoi::{verifier_jeton, CorpsMultipart, Limites};
use crate::commun::formulaires::page;
use crate::commun::libelles::chemin_lieu;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// Taille maximale d'un fichier de lieux (100 Mo : environ 150 000 lieux).
pub const TAILLE_MAX: usize = 100 * 1024 * 1024;
const GARDES: usize = 20;
const LIGNES_A_L_ECRAN: usize = 500;

/// État d'un travail d'import.
#[derive(Debug, Clone, Serialize, Default)]
pub struct EtatTravail {
    pub etape: String,
    pub fait: usize,
    pub total: usize,
    pub pourcentage: u8,
    pub termine: bool,
    pub erreur: Option<String>,
    pub lus: usize,
    pub valides: usize,
    pub rejetes: usize,
    pub version: String,
    pub bilan: Option<BilanImport>,
    pub doublons: usize,
    #[serde(skip)]
    pub problemes: Vec<Probleme>,
    #[serde(skip)]
    pub traduction: Vec<NoteTraduction>,
}

/// Un travail d'import.
#[derive(Debug)]
pub struct Travail {
    pub id: String,
    pub fichier: String,
    pub source: String,
    pub mode: Mode,
    pub par: String,
    pub debut: DateTime<Utc>,
    pub etat: Mutex<EtatTravail>,
}

impl Travail {
    fn maj(&self, f: impl FnOnce(&mut EtatTravail)) {
        if let Ok(mut e) = self.etat.lock() {
            f(&mut e);
        }
    }
    fn lire(&self) -> EtatTravail {
        self.etat.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

/// Les travaux récents.
#[derive(Default, Clone)]
pub struct Imports {
    travaux: Arc<Mutex<VecDeque<Arc<Travail>>>>,
}

impl Imports {
    fn ajouter(&self, t: Arc<Travail>) {
        if let Ok(mut v) = self.travaux.lock() {
            v.push_front(t);
            v.truncate(GARDES);
        }
    }
    fn trouver(&self, id: &str) -> Option<Arc<Travail>> {
        self.travaux
            .lock()
            .ok()?
            .iter()
            .find(|t| t.id == id)
            .cloned()
    }
    fn tous(&self) -> Vec<Arc<Travail>> {
        self.travaux
            .lock()
            .map(|v| v.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// Une paire de doublons probables à examiner.
pub struct PaireDoublon {
    pub motif: String,
    pub distance: String,
    pub a: (String, String, String),
    pub b: (String, String, String),
}

#[derive(Template)]
#[template(path = "lieux/import.html")]
struct PageAdmin {
    cadre: Cadre,
    erreur: Option<String>,
    nombre: usize,
    travaux: Vec<(String, String, String, EtatTravail)>,
    doublons: Vec<PaireDoublon>,
    doublons_total: usize,
}

async fn rendre(etat: &Etat, v: &Visiteur, erreur: Option<String>) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let index = etat.carte.index(&etat.store).await?;
    let distincts = etat.store.lieux_distincts().await?;
    let cle = |r: usize| {
        let l = index.lieu(r);
        format!("{}/{}", l.source, l.id)
    };
    let toutes: Vec<_> = doublons_probables(&index)
        .into_iter()
        .filter(|d| {
            let (a, b) = (cle(d.a), cle(d.b));
            let c = if a <= b { (a, b) } else { (b, a) };
            !distincts.contains(&c)
        })
        .collect();
    let decrire = |r: usize| {
        let l = index.lieu(r);
        (
            chemin_lieu(&l.source, &l.id),
            format!("{} — {}, {} {}", l.nom, l.adresse, l.code_postal, l.commune),
            format!("{}/{}", l.source, l.id),
        )
    };
    let doublons = toutes
        .iter()
        .take(100)
        .map(|d| PaireDoublon {
            motif: d.motif.clone(),
            distance: d
                .distance_m
                .map(|m| format!("{m:.0} m"))
                .unwrap_or_else(|| "position inconnue".into()),
            a: decrire(d.a),
            b: decrire(d.b),
        })
        .collect();
    let t = PageAdmin {
        cadre: Cadre::pour(v, "Import des lieux de médiation numérique"),
        erreur: erreur.clone(),
        nombre: index.len(),
        travaux: etat
            .imports
            .tous()
            .iter()
            .map(|t| {
                (
                    t.id.clone(),
                    t.fichier.clone(),
                    crate::commun::dates::instant(t.debut),
                    t.lire(),
                )
            })
            .collect(),
        doublons_total: toutes.len(),
        doublons,
    };
    page(&t, None, erreur.is_some())
}

pub async fn page_admin(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    rendre(&etat, &v, None).await
}

pub async fn televerser(
    State(etat): State<Etat>,
    v: Visiteur,
    corps: CorpsMultipart,
) -> Result<Response, ErreurWeb> {
    // Compte et jeton contrôlés avant de lire le fichier.
    let (u, _) = v.administrateur()?;
    let u = u.clone();
    let envoi = verifier_jeton(&v, corps)
        .await?
        .lire(
            &etat,
            Limites {
                taille_fichier: TAILLE_MAX,
                fichiers: 1,
            },
        )
        .await?;
    if envoi.interrompu() {
        return Err(ErreurWeb::TropVolumineux(format!(
            "Un seul fichier de lieux, de {} Mo au plus : rien n'a été importé. Découpez le fichier, puis importez chaque partie.",
            TAILLE_MAX / 1024 / 1024
        )));
    }
    let champ = |k: &str| envoi.champ(k).map(str::to_string);
    let (mode_choisi, version_choisie, source_choisie) =
        (champ("mode"), champ("version"), champ("source"));
    let Some(piece) = envoi.fichiers.into_iter().next() else {
        return rendre(&etat, &v, Some("Choisissez un fichier CSV ou JSON.".into())).await;
    };
    let nom = piece.nom.clone();
    let octets = tokio::task::spawn_blocking(move || std::fs::read(piece.chemin()))
        .await
        .map_err(|e| ErreurWeb::interne("lecture du fichier de lieux interrompue", e))?
        .map_err(|e| ErreurWeb::interne("lecture du fichier de lieux reçu", e))?;
    let Some(format) = Format::depuis_nom(&nom) else {
        return rendre(
            &etat,
            &v,
            Some(format!(
                "« {} » : seuls les fichiers .csv et .json sont acceptés.",
                crate::commun::stockage::nom_affichable(&nom)
            )),
        )
        .await;
    };
    // Contenu : du texte (CSV ou JSON), pas un binaire renommé.
    if let Some(t) = infer::get(&octets) {
        return rendre(
            &etat,
            &v,
            Some(format!(
                "« {} » n'est pas un fichier texte (contenu reconnu : {}).",
                crate::commun::stockage::nom_affichable(&nom),
                t.mime_type()
            )),
        )
        .await;
    }
    let mode = Mode::depuis_nom(mode_choisi.as_deref().unwrap_or("strict"))
        .ok_or_else(|| ErreurWeb::Requete("mode inconnu".into()))?;
    let version = Version::depuis_nom(version_choisie.as_deref().unwrap_or("auto"))
        .ok_or_else(|| ErreurWeb::Requete("version inconnue".into()))?;
    let source = source_choisie
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            std::path::Path::new(&nom)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "import".into())
        });
    if source.chars().count() > 100
        || source.contains(['/', '\\'])
        || source.chars().any(char::is_control)
    {
        return rendre(
            &etat,
            &v,
            Some("Nom de source invalide : 100 caractères au plus, sans barre oblique.".into()),
        )
        .await;
    }
    let travail = Arc::new(Travail {
        id: uuid::Uuid::now_v7().to_string(),
        fichier: crate::commun::stockage::nom_affichable(&nom),
        source: source.clone(),
        mode,
        par: u.email.clone(),
        debut: Utc::now(),
        etat: Mutex::new(EtatTravail {
            etape: "En attente".into(),
            ..EtatTravail::default()
        }),
    });
    etat.imports.ajouter(travail.clone());
    let id = travail.id.clone();
    let acteur = crate::commun::acces::acteur(&u);
    tokio::spawn(async move {
        let t = travail.clone();
        let prep = tokio::task::spawn_blocking(move || {
            let schema = schema_national();
            preparer(
                &octets,
                format,
                &schema,
                mode,
                version,
                &mut |e, fait, total| {
                    t.maj(|x| {
                        x.etape = match e {
                            Etape::Lecture => "Lecture du fichier",
                            Etape::Traduction => "Traduction v0.1 → v1.0.2",
                            Etape::Validation => "Validation",
                        }
                        .into();
                        x.fait = fait;
                        x.total = total;
                        // Lecture et validation : les deux premiers tiers ; l'écriture : le dernier.
                        x.pourcentage = match e {
                            Etape::Lecture | Etape::Traduction => 5,
                            Etape::Validation => (5 + fait * 60 / total.max(1)) as u8,
                        };
                    })
                },
            )
        })
        .await;
        let p = match prep {
            Ok(Ok(p)) => p,
            Ok(Err(m)) => {
                travail.maj(|x| {
                    x.erreur = Some(m);
                    x.termine = true;
                    x.etape = "Fichier refusé".into();
                });
                return;
            }
            Err(e) => {
                travail.maj(|x| {
                    x.erreur = Some(format!("erreur interne : {e}"));
                    x.termine = true;
                });
                return;
            }
        };
        travail.maj(|x| {
            x.etape = "Enregistrement".into();
            x.lus = p.total;
            x.valides = p.valides.len();
            x.rejetes = p.rejetes.len();
            x.version = p.version.into();
            x.problemes = p.problemes.clone();
            x.traduction = p.traduction.clone();
            x.fait = 0;
            x.total = p.valides.len();
            x.pourcentage = 65;
        });
        let t = travail.clone();
        let r = etat
            .store
            .importer_lieux(&acteur, &travail.source, &p.valides, &move |fait, total| {
                t.maj(|x| {
                    x.fait = fait;
                    x.total = total;
                    x.pourcentage = (65 + fait * 30 / total.max(1)) as u8;
                })
            })
            .await;
        // Le nouvel index (attendu ici pour compter les doublons de la source importée) ; les
        // autres requêtes servent l'ancien pendant la reconstruction.
        let doublons = match etat.carte.reconstruire(&etat.store).await {
            Ok(index) => doublons_probables(&index)
                .iter()
                .filter(|d| {
                    *index.lieu(d.a).source == *travail.source
                        || *index.lieu(d.b).source == *travail.source
                })
                .count(),
            Err(_) => 0,
        };
        travail.maj(|x| {
            match r {
                Ok(b) => {
                    x.bilan = Some(b);
                    x.etape = "Terminé".into();
                }
                Err(e) => {
                    x.erreur = Some(format!(
                        "enregistrement impossible, rien n'a été importé : {e}"
                    ));
                    x.etape = "Échec".into();
                }
            }
            x.doublons = doublons;
            x.pourcentage = 100;
            x.termine = true;
        });
    });
    Ok(Redirect::to(&format!("/administration/lieux/imports/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "lieux/suivi_import.html")]
struct PageSuivi {
    cadre: Cadre,
    id: String,
    fichier: String,
    source: String,
    mode: &'static str,
    par: String,
    e: EtatTravail,
    problemes: Vec<Probleme>,
    traduction: Vec<NoteTraduction>,
    tronque: bool,
}

/// Un import suivi, pour un administrateur ; « introuvable » s'il n'est plus en mémoire.
fn travail_administre(etat: &Etat, v: &Visiteur, id: &str) -> Result<Arc<Travail>, ErreurWeb> {
    v.administrateur()?;
    etat.imports.trouver(id).ok_or(ErreurWeb::Introuvable)
}

pub async fn suivi(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let t = travail_administre(&etat, &v, &id)?;
    let e = t.lire();
    let tronque = e.problemes.len() > LIGNES_A_L_ECRAN || e.traduction.len() > LIGNES_A_L_ECRAN;
    page(
        &PageSuivi {
            cadre: Cadre::pour(&v, format!("Import de {}", t.fichier)),
            id: t.id.clone(),
            fichier: t.fichier.clone(),
            source: t.source.clone(),
            mode: t.mode.nom(),
            par: t.par.clone(),
            problemes: e.problemes.iter().take(LIGNES_A_L_ECRAN).cloned().collect(),
            traduction: e
                .traduction
                .iter()
                .take(LIGNES_A_L_ECRAN)
                .cloned()
                .collect(),
            tronque,
            e,
        },
        None,
        false,
    )
}

pub async fn etat_json(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let t = travail_administre(&etat, &v, &id)?;
    Ok(Json(t.lire()).into_response())
}

pub async fn rapport(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((id, format)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    let t = travail_administre(&etat, &v, &id)?;
    let e = t.lire();
    let mut lignes: Vec<HashMap<&str, String>> = e
        .problemes
        .iter()
        .map(|p| {
            HashMap::from([
                ("enregistrement", p.enregistrement.to_string()),
                ("id", p.id.clone()),
                ("champ", p.champ.clone()),
                ("valeur", p.valeur.clone()),
                ("regle", p.regle.clone()),
                ("message", p.message.clone()),
            ])
        })
        .collect();
    lignes.extend(e.traduction.iter().map(|n| {
        HashMap::from([
            ("enregistrement", n.enregistrement.to_string()),
            ("id", n.id.clone()),
            ("champ", n.champ.clone()),
            ("valeur", n.avant.clone()),
            ("regle", REGLE_TRADUCTION.to_string()),
            ("message", message_traduction(n)),
        ])
    }));
    let nom = format!("rapport-{}", t.source);
    match format.as_str() {
        "json" => Ok((
            [(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{nom}.json\""),
            )],
            Json(lignes),
        )
            .into_response()),
        "csv" => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(COLONNES_RAPPORT);
            for l in &lignes {
                // Rapport ouvert dans un tableur : valeurs importées neutralisées.
                let _ = w.write_record(COLONNES_RAPPORT.iter().map(|c| {
                    crate::commun::donnees::cellule_tableur(l.get(c).map_or("", String::as_str))
                        .into_owned()
                }));
            }
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{nom}.csv\""),
                    ),
                ],
                w.into_inner().unwrap_or_default(),
            )
                .into_response())
        }
        _ => Err(ErreurWeb::Introuvable),
    }
}

pub async fn declarer_distincts(
    State(etat): State<Etat>,
    v: Visiteur,
    axum::Form(champs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    let (u, _) = v.administrateur()?;
    v.verifier_csrf_champs(&champs)?;
    let champ = |k: &str| {
        champs
            .iter()
            .find(|(c, _)| c == k)
            .map(|(_, x)| x.clone())
            .unwrap_or_default()
    };
    let (a, b) = (champ("a"), champ("b"));
    if a.is_empty() || b.is_empty() || a == b {
        return Err(ErreurWeb::Requete("paire de lieux invalide".into()));
    }
    etat.store
        .declarer_distincts(&crate::commun::acces::acteur(u), &a, &b)
        .await?;
    Ok(Redirect::to("/administration/lieux#doublons").into_response())
}
