//! Page d'import des lieux (administrateurs) : dépôt d'un fichier CSV ou JSON (v1.0.2 ou v0.1),
//! choix du mode (strict ou compatible), travail en tâche de fond avec barre de progression
//! (page actualisable sans JavaScript ; un script facultatif la tient à jour), rapport de chaque
//! problème à l'écran et en CSV/JSON, doublons probables à examiner.
//!
//! Les travaux sont gardés en mémoire (les 20 derniers) : un redémarrage les oublie, pas les
//! lieux importés ni le journal d'audit.
//!
//! Import en flux (issue 14) : le fichier reçu est lu par paquets ([`parcourir`]) dans une
//! tâche bloquante, un canal borné (2 paquets) les porte à l'écriture en base (une seule
//! transaction) ; la progression est celle des octets lus. Les 500 premiers problèmes et notes
//! restent en mémoire pour l'écran ; le rapport complet (CSV et JSON) est écrit au fil de l'eau
//! dans deux fichiers temporaires gardés avec le travail, effacés quand il sort de la liste.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use reperes_domain::lieux::doublons::doublons_probables;
use reperes_domain::lieux::flux::{parcourir, ErreurParcours, Paquet, TAILLE_PAQUET};
use reperes_domain::lieux::import::{
    message_traduction, Mode, Version, COLONNES_RAPPORT, REGLE_TRADUCTION,
};
use reperes_domain::lieux::v01::NoteTraduction;
use reperes_domain::lieux::{schema_national_statique, Format, Probleme};
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
    /// Octets du fichier lus, et sa taille.
    pub octets_lus: u64,
    pub taille: u64,
    /// Nombre de problèmes (l'écran n'en garde que les premiers).
    pub nombre_problemes: usize,
    pub nombre_traduction: usize,
    #[serde(skip)]
    pub problemes: Vec<Probleme>,
    #[serde(skip)]
    pub traduction: Vec<NoteTraduction>,
    /// Conflits avec les modifications faites dans Repères (issue 16) : le nombre, et les
    /// premiers pour l'écran (tous sont au rapport CSV et JSON).
    pub nombre_conflits: usize,
    #[serde(skip)]
    pub conflits: Vec<reperes_store::ConflitLieu>,
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
    /// Rapport complet (CSV, JSON), écrit pendant l'import ; effacé avec le travail.
    rapport: Mutex<Option<(tempfile::TempPath, tempfile::TempPath)>>,
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
    let (index, toutes) = super::doublons::a_examiner(etat).await?;
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
    // Contenu : du texte (CSV ou JSON), pas un binaire renommé (reconnu à ses premiers octets).
    if let Some(t) = infer::get(&piece.debut) {
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
            taille: piece.taille as u64,
            ..EtatTravail::default()
        }),
        rapport: Mutex::new(None),
    });
    etat.imports.ajouter(travail.clone());
    let id = travail.id.clone();
    let acteur = crate::commun::acces::acteur(&u);
    tokio::spawn(async move {
        let r = importer_en_flux(&etat, &acteur, &travail, piece, format, version).await;
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
                Err(Echec::Fichier(m)) => {
                    x.erreur = Some(m);
                    x.etape = "Fichier refusé".into();
                }
                Err(Echec::Ecriture(e)) => {
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

/// Étape unique d'un import en cours.
pub const ETAPE_IMPORT: &str = "Lecture, validation et enregistrement";

/// Échec d'un import : fichier refusé (message en français), ou écriture impossible.
enum Echec {
    Fichier(String),
    Ecriture(String),
}

/// Le fichier reçu, lu en comptant les octets dans l'état du travail.
struct Compte {
    interne: std::fs::File,
    travail: Arc<Travail>,
}

impl std::io::Read for Compte {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = std::io::Read::read(&mut self.interne, buf)?;
        self.travail.maj(|x| {
            x.octets_lus += n as u64;
            // La lecture et l'écriture avancent ensemble : 0 à 99 % selon les octets lus.
            x.pourcentage = (x.octets_lus * 99 / x.taille.max(1)).min(99) as u8;
        });
        Ok(n)
    }
}

/// Rapport complet écrit au fil de l'eau : CSV (valeurs neutralisées pour un tableur) et JSON
/// (tableau écrit élément par élément).
struct RapportEnFlux {
    csv: csv::Writer<std::io::BufWriter<std::fs::File>>,
    json: std::io::BufWriter<std::fs::File>,
    lignes: usize,
}

impl RapportEnFlux {
    fn creer(travail: &Travail) -> std::io::Result<RapportEnFlux> {
        let (csv, chemin_csv) = tempfile::NamedTempFile::new()?.into_parts();
        let (json, chemin_json) = tempfile::NamedTempFile::new()?.into_parts();
        if let Ok(mut r) = travail.rapport.lock() {
            *r = Some((chemin_csv, chemin_json));
        }
        let mut csv = csv::Writer::from_writer(std::io::BufWriter::new(csv));
        csv.write_record(COLONNES_RAPPORT)?;
        let mut json = std::io::BufWriter::new(json);
        std::io::Write::write_all(&mut json, b"[")?;
        Ok(RapportEnFlux {
            csv,
            json,
            lignes: 0,
        })
    }

    fn ligne(&mut self, valeurs: [String; 6]) -> std::io::Result<()> {
        self.csv.write_record(
            valeurs
                .iter()
                .map(|v| crate::commun::donnees::cellule_tableur(v).into_owned()),
        )?;
        let objet: serde_json::Map<String, serde_json::Value> = COLONNES_RAPPORT
            .iter()
            .zip(valeurs)
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
            .collect();
        std::io::Write::write_all(
            &mut self.json,
            if self.lignes == 0 { b"\n" } else { b",\n" },
        )?;
        serde_json::to_writer(&mut self.json, &objet)?;
        self.lignes += 1;
        Ok(())
    }

    fn paquet(&mut self, p: &Paquet) -> std::io::Result<()> {
        for x in &p.problemes {
            self.ligne([
                x.enregistrement.to_string(),
                x.id.clone(),
                x.champ.clone(),
                x.valeur.clone(),
                x.regle.clone(),
                x.message.clone(),
            ])?;
        }
        for n in &p.traduction {
            self.ligne([
                n.enregistrement.to_string(),
                n.id.clone(),
                n.champ.clone(),
                n.avant.clone(),
                REGLE_TRADUCTION.to_string(),
                message_traduction(n),
            ])?;
        }
        Ok(())
    }

    /// Un conflit avec une modification faite dans Repères (règle `conflit`).
    fn conflit(&mut self, c: &reperes_store::ConflitLieu) -> std::io::Result<()> {
        let v = |x: &Option<String>| x.clone().unwrap_or_default();
        self.ligne([
            String::new(),
            c.lieu_id.clone(),
            c.champ.clone(),
            v(&c.valeur_importee),
            "conflit".to_string(),
            format!(
                "champ tenu dans Repères : valeur gardée « {} », la source apporte « {} » (à examiner sur /lieux/{}/{}/conflits)",
                c.valeur_locale.as_deref().unwrap_or("(vide)"),
                c.valeur_importee.as_deref().unwrap_or("(vide)"),
                c.source,
                c.lieu_id
            ),
        ])
    }

    fn fin(&mut self) -> std::io::Result<()> {
        self.csv.flush()?;
        std::io::Write::write_all(&mut self.json, b"\n]")?;
        std::io::Write::flush(&mut self.json)
    }
}

/// Lit, valide et écrit en flux ; rend le bilan de l'écriture.
async fn importer_en_flux(
    etat: &Etat,
    acteur: &reperes_store::Acteur,
    travail: &Arc<Travail>,
    piece: crate::commun::envoi::Piece,
    format: Format,
    version: Version,
) -> Result<BilanImport, Echec> {
    travail.maj(|x| x.etape = ETAPE_IMPORT.into());
    let mut rapport = RapportEnFlux::creer(travail)
        .map_err(|e| Echec::Ecriture(format!("rapport impossible à écrire : {e}")))?;
    let mut import = etat
        .store
        .commencer_import_lieux(acteur, &travail.source)
        .await
        .map_err(|e| Echec::Ecriture(e.to_string()))?;
    let (envoi, reception) = std::sync::mpsc::sync_channel::<Paquet>(2);
    let t = travail.clone();
    let mode = travail.mode;
    let lecteur = tokio::task::spawn_blocking(move || {
        // La pièce (et son fichier temporaire) vit jusqu'à la fin de la lecture.
        let fichier = std::fs::File::open(piece.chemin())
            .map_err(|e| ErreurParcours::Fichier(format!("lecture impossible : {e}")))?;
        parcourir(
            Compte {
                interne: fichier,
                travail: t,
            },
            format,
            schema_national_statique(),
            mode,
            version,
            TAILLE_PAQUET,
            &mut |p| envoi.send(p),
        )
    });
    let mut reception = Some(reception);
    let mut echec = None;
    while let Some(r) = reception.take() {
        let Ok((r, p)) = tokio::task::spawn_blocking(move || {
            let p = r.recv();
            (r, p)
        })
        .await
        else {
            break;
        };
        // Canal fermé : la lecture est finie (ou a échoué).
        let Ok(p) = p else { break };
        reception = Some(r);
        if let Err(e) = rapport.paquet(&p) {
            echec = Some(Echec::Ecriture(format!(
                "rapport impossible à écrire : {e}"
            )));
            break;
        }
        travail.maj(|x| {
            x.lus = p.lus;
            x.valides += p.valides.len();
            x.rejetes += p.rejetes.len();
            x.nombre_problemes += p.problemes.len();
            x.nombre_traduction += p.traduction.len();
            let place = LIGNES_A_L_ECRAN.saturating_sub(x.problemes.len());
            x.problemes.extend(p.problemes.iter().take(place).cloned());
            let place = LIGNES_A_L_ECRAN.saturating_sub(x.traduction.len());
            x.traduction
                .extend(p.traduction.iter().take(place).cloned());
        });
        if let Err(e) = import.ecrire(&p.valides).await {
            echec = Some(Echec::Ecriture(e.to_string()));
            break;
        }
        let ecrits = import.ecrits();
        travail.maj(|x| x.fait = ecrits);
    }
    // Réception lâchée : la lecture s'arrête au prochain paquet. Import lâché sans être
    // terminé : transaction annulée, rien n'est importé.
    drop(reception);
    let lu = lecteur.await;
    if let Some(e) = echec {
        return Err(e);
    }
    let bilan = match lu {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return Err(Echec::Fichier(e.to_string())),
        Err(e) => return Err(Echec::Fichier(format!("erreur interne : {e}"))),
    };
    travail.maj(|x| {
        x.version = bilan.version.into();
        x.lus = bilan.total;
    });
    let (bilan, conflits) = import
        .terminer_avec_conflits()
        .await
        .map_err(|e| Echec::Ecriture(e.to_string()))?;
    // L'import est enregistré : une erreur d'écriture du rapport ne le défait pas, elle est
    // montrée à la place du rapport (les conflits restent listés à l'écran et en attente).
    let ecrit = conflits
        .iter()
        .try_for_each(|c| rapport.conflit(c))
        .and_then(|()| rapport.fin());
    if let Err(e) = ecrit {
        tracing::warn!("rapport d'import impossible à écrire : {e}");
    }
    travail.maj(|x| {
        x.nombre_conflits = conflits.len();
        x.conflits = conflits.iter().take(LIGNES_A_L_ECRAN).cloned().collect();
    });
    Ok(bilan)
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
    let tronque = e.nombre_problemes > LIGNES_A_L_ECRAN || e.nombre_traduction > LIGNES_A_L_ECRAN;
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
    let nom = format!("rapport-{}", t.source);
    // Import terminé : le rapport complet, écrit pendant l'import.
    let chemins = t
        .rapport
        .lock()
        .ok()
        .and_then(|r| r.as_ref().map(|(c, j)| (c.to_path_buf(), j.to_path_buf())));
    if let (true, Some((chemin_csv, chemin_json))) = (e.termine, chemins) {
        let (chemin, type_contenu, extension) = match format.as_str() {
            "json" => (chemin_json, "application/json", "json"),
            "csv" => (chemin_csv, "text/csv; charset=utf-8", "csv"),
            _ => return Err(ErreurWeb::Introuvable),
        };
        let octets = tokio::fs::read(&chemin)
            .await
            .map_err(|e| ErreurWeb::interne("lecture du rapport d'import", e))?;
        return Ok((
            [
                (header::CONTENT_TYPE, type_contenu.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{nom}.{extension}\""),
                ),
            ],
            octets,
        )
            .into_response());
    }
    // En cours : les premières lignes, gardées en mémoire.
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
