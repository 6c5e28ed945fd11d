//! Lecture des formulaires envoyés en `multipart/form-data` (champs texte et fichiers), dans cet
//! ordre :
//!
//! 1. [`ouvrir`] (ou [`verifier_jeton`]) : jeton anti-CSRF pris dans l'en-tête `X-CSRF-Token` ou
//!    dans le **premier** champ du corps (`_csrf`, placé en tête par les gabarits), puis personne
//!    connectée ; refus immédiat sinon, sans lire la suite du corps ;
//! 2. l'appelant contrôle le droit d'agir sur l'objet (dossier, charte) ;
//! 3. [`Formulaire::lire`] : un jeton du plafond d'envois simultanés, puis les champs ; chaque
//!    fichier est écrit en flux dans un fichier temporaire, sa taille contrôlée au fil des octets
//!    (seul son début reste en mémoire, pour reconnaître son type) ; un fichier trop gros arrête
//!    la lecture à la limite.
//!
//! Les routes d'envoi portent aussi [`delai`] (délai maximal de la requête) et [`fermer_si_refus`]
//! (`Connection: close` sur un refus, le reste du corps n'étant pas lu).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header::CONNECTION;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use reperes_domain::comptes::Personne;
use reperes_store::Utilisateur;
use sha2::{Digest, Sha256};

use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// En-tête qui peut porter le jeton anti-CSRF d'un envoi (clients autres qu'un navigateur).
pub const ENTETE_CSRF: &str = "x-csrf-token";
/// Octets du début d'un fichier gardés en mémoire : assez pour reconnaître son type.
pub const DEBUT: usize = 64 * 1024;
/// Taille maximale de l'ensemble des champs texte d'un formulaire.
pub const TEXTE_MAX: usize = 1024 * 1024;
/// Taille maximale du jeton anti-CSRF lu en tête du corps.
const JETON_MAX: usize = 256;
/// Octets accumulés avant chaque écriture dans le fichier temporaire.
const TAMPON: usize = 256 * 1024;
/// Délai conseillé (secondes) quand le plafond d'envois simultanés est atteint.
pub const REESSAYER_APRES: u64 = 30;

/// Corps `multipart/form-data` pas encore lu, avec le jeton de l'en-tête `X-CSRF-Token`.
pub struct CorpsMultipart {
    m: Multipart,
    jeton_entete: Option<String>,
}

impl<S: Send + Sync> FromRequest<S> for CorpsMultipart {
    type Rejection = Response;

    async fn from_request(req: Request, etat: &S) -> Result<Self, Response> {
        let jeton_entete = req
            .headers()
            .get(ENTETE_CSRF)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let m = Multipart::from_request(req, etat)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(CorpsMultipart { m, jeton_entete })
    }
}

/// Formulaire dont le jeton anti-CSRF a été vérifié ; ses champs restent à lire.
pub struct Formulaire {
    m: Multipart,
}

/// Limites d'un formulaire.
#[derive(Debug, Clone, Copy)]
pub struct Limites {
    /// Taille maximale d'un fichier, en octets.
    pub taille_fichier: usize,
    /// Nombre maximal de fichiers.
    pub fichiers: usize,
}

/// Un fichier reçu, écrit dans un fichier temporaire (effacé quand la pièce est abandonnée).
pub struct Piece {
    /// Nom du fichier donné par le navigateur (à nettoyer avant affichage).
    pub nom: String,
    pub taille: usize,
    /// Les premiers octets ([`DEBUT`] au plus), pour reconnaître le type par le contenu.
    pub debut: Vec<u8>,
    /// Empreinte SHA-256 du contenu, en hexadécimal.
    pub sha256: String,
    temporaire: tempfile::TempPath,
}

impl Piece {
    /// Le fichier temporaire qui porte le contenu.
    pub fn chemin(&self) -> &Path {
        &self.temporaire
    }
}

/// Contenu d'un formulaire envoyé en `multipart/form-data`.
#[derive(Default)]
pub struct Envoi {
    pub champs: Vec<(String, String)>,
    pub fichiers: Vec<Piece>,
    /// Un fichier a dépassé la taille maximale : la lecture s'est arrêtée là (les champs lus
    /// avant sont gardés). Son nom (vide s'il n'est pas connu).
    pub trop_gros: Option<String>,
    /// Un fichier de plus que permis : la lecture s'est arrêtée avant lui.
    pub trop_de_fichiers: bool,
}

impl Envoi {
    pub fn champ(&self, nom: &str) -> Option<&str> {
        self.champs
            .iter()
            .find(|(k, _)| k == nom)
            .map(|(_, v)| v.as_str())
    }

    /// La lecture s'est arrêtée avant la fin du corps.
    pub fn interrompu(&self) -> bool {
        self.trop_gros.is_some() || self.trop_de_fichiers
    }
}

fn illisible(e: &MultipartError) -> ErreurWeb {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ErreurWeb::TropVolumineux(
            "Ce que vous avez envoyé dépasse la taille permise : rien n'a été enregistré. Revenez à la page précédente et envoyez des fichiers plus petits.".into(),
        )
    } else {
        ErreurWeb::Requete(
            "Formulaire illisible (envoi interrompu ou mal formé) : renvoyez-le.".into(),
        )
    }
}

/// Lit un champ texte de `max` octets au plus ; `None` s'il est plus long (lecture arrêtée).
async fn lire_texte(champ: &mut Field<'_>, max: usize) -> Result<Option<Vec<u8>>, ErreurWeb> {
    let mut octets = Vec::new();
    while let Some(morceau) = champ.chunk().await.map_err(|e| illisible(&e))? {
        if octets.len() + morceau.len() > max {
            return Ok(None);
        }
        octets.extend_from_slice(&morceau);
    }
    Ok(Some(octets))
}

/// Vérifie le jeton anti-CSRF d'un envoi avant d'en lire la suite : en-tête `X-CSRF-Token`, sinon
/// premier champ du corps, qui doit être `_csrf`. Refus immédiat sinon.
pub async fn verifier_jeton(v: &Visiteur, corps: CorpsMultipart) -> Result<Formulaire, ErreurWeb> {
    let CorpsMultipart { mut m, jeton_entete } = corps;
    if let Some(jeton) = jeton_entete {
        v.verifier_csrf(&jeton)?;
        return Ok(Formulaire { m });
    }
    let jeton = match m.next_field().await {
        Ok(Some(mut c)) if c.name() == Some("_csrf") && c.file_name().is_none() => {
            lire_texte(&mut c, JETON_MAX)
                .await?
                .and_then(|o| String::from_utf8(o).ok())
                .unwrap_or_default()
        }
        // Autre premier champ, corps vide ou illisible : pas de jeton.
        _ => String::new(),
    };
    v.verifier_csrf(&jeton)?;
    Ok(Formulaire { m })
}

/// Formulaire multipart d'une personne connectée : jeton anti-CSRF vérifié (voir
/// [`verifier_jeton`]), puis compte et personne. Rien d'autre n'est lu du corps : l'appelant
/// contrôle le droit d'agir, puis lit le formulaire ([`Formulaire::lire`]).
pub async fn ouvrir(
    v: &Visiteur,
    corps: CorpsMultipart,
) -> Result<(Formulaire, &Utilisateur, &Personne), ErreurWeb> {
    let f = verifier_jeton(v, corps).await?;
    let (u, p) = v.connecte()?;
    Ok((f, u, p))
}

/// Écrit un tampon dans le fichier temporaire, hors du fil d'exécution asynchrone.
async fn ecrire(
    fichier: std::fs::File,
    tampon: Vec<u8>,
) -> Result<(std::fs::File, Vec<u8>), ErreurWeb> {
    tokio::task::spawn_blocking(move || {
        let mut fichier = fichier;
        let mut tampon = tampon;
        fichier.write_all(&tampon)?;
        tampon.clear();
        Ok::<_, std::io::Error>((fichier, tampon))
    })
    .await
    .map_err(|e| ErreurWeb::interne("tâche d'écriture d'un envoi interrompue", e))?
    .map_err(|e| ErreurWeb::interne("écriture d'un fichier envoyé", e))
}

impl Formulaire {
    /// Lit les champs du formulaire (le jeton en tête est déjà lu). Prend un jeton du plafond
    /// d'envois simultanés (503 s'il n'y en a plus). Les fichiers sont écrits en flux dans le
    /// dossier des fichiers (fichiers temporaires, effacés s'ils ne sont pas gardés).
    pub async fn lire(mut self, etat: &Etat, limites: Limites) -> Result<Envoi, ErreurWeb> {
        let _jeton = etat
            .envois
            .clone()
            .try_acquire_owned()
            .map_err(|_| ErreurWeb::Occupe)?;
        let mut e = Envoi::default();
        let mut texte = 0usize;
        loop {
            let mut champ = match self.m.next_field().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(x) => return Err(illisible(&x)),
            };
            let nom = champ.name().unwrap_or_default().to_string();
            let Some(fichier) = champ.file_name().map(str::to_string) else {
                let octets = lire_texte(&mut champ, TEXTE_MAX - texte)
                    .await?
                    .ok_or_else(|| {
                        ErreurWeb::TropVolumineux(format!(
                            "Le texte du formulaire dépasse {} Mo : rien n'a été enregistré. Raccourcissez-le, puis renvoyez le formulaire.",
                            TEXTE_MAX / 1024 / 1024
                        ))
                    })?;
                texte += octets.len();
                let valeur = String::from_utf8(octets)
                    .map_err(|_| ErreurWeb::Requete("Formulaire illisible.".into()))?;
                if let Some(c) = reperes_domain::saisie::caractere_de_controle(&valeur) {
                    return Err(ErreurWeb::Requete(format!(
                        "{}, puis renvoyez le formulaire.",
                        reperes_domain::saisie::message_controle(&nom, c)
                    )));
                }
                e.champs.push((nom, valeur));
                continue;
            };
            // Un champ de fichier laissé vide arrive sans nom ni octets : il ne compte pas.
            if !fichier.is_empty() && e.fichiers.len() >= limites.fichiers {
                e.trop_de_fichiers = true;
                break;
            }
            let (f, temporaire) = tempfile::Builder::new()
                .prefix("envoi-")
                .tempfile_in(&etat.config.dossier_fichiers)
                .map_err(|x| ErreurWeb::interne("fichier temporaire d'un envoi", x))?
                .into_parts();
            let mut f = f;
            let mut tampon = Vec::with_capacity(TAMPON);
            let mut debut = Vec::new();
            let mut empreinte = Sha256::new();
            let mut taille = 0usize;
            loop {
                let morceau = match champ.chunk().await {
                    Ok(Some(m)) => m,
                    Ok(None) => break,
                    // La limite du corps de la route est atteinte dans ce fichier.
                    Err(x) if x.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        e.trop_gros = Some(fichier);
                        return Ok(e);
                    }
                    Err(x) => return Err(illisible(&x)),
                };
                taille += morceau.len();
                if taille > limites.taille_fichier {
                    e.trop_gros = Some(fichier);
                    return Ok(e);
                }
                if debut.len() < DEBUT {
                    let n = (DEBUT - debut.len()).min(morceau.len());
                    debut.extend_from_slice(&morceau[..n]);
                }
                empreinte.update(&morceau);
                tampon.extend_from_slice(&morceau);
                if tampon.len() >= TAMPON {
                    (f, tampon) = ecrire(f, tampon).await?;
                }
            }
            if taille == 0 && fichier.is_empty() {
                continue;
            }
            if !tampon.is_empty() {
                (f, _) = ecrire(f, tampon).await?;
            }
            drop(f);
            e.fichiers.push(Piece {
                nom: fichier,
                taille,
                debut,
                sha256: hex::encode(empreinte.finalize()),
                temporaire,
            });
        }
        Ok(e)
    }
}

/// Plafond d'envois simultanés : un jeton par envoi en cours de lecture.
pub fn plafond(envois_simultanes: usize) -> Arc<tokio::sync::Semaphore> {
    Arc::new(tokio::sync::Semaphore::new(envois_simultanes.max(1)))
}

/// Couche des routes d'envoi : délai maximal de la requête (`Config::delai_envoi`), au-delà
/// duquel la lecture est abandonnée (408).
pub async fn delai(State(etat): State<Etat>, req: Request, next: Next) -> Response {
    let duree = Duration::from_secs(etat.config.delai_envoi_secondes.max(1));
    match tokio::time::timeout(duree, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ErreurWeb::DelaiDepasse.into_response(),
    }
}

/// Couche des routes d'envoi : sur un refus (4xx, 5xx), la connexion est fermée
/// (`Connection: close`), le reste du corps n'ayant pas été lu.
pub async fn fermer_si_refus(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    if r.status().is_client_error() || r.status().is_server_error() {
        r.headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    r
}
