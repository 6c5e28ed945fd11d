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
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header::{CONNECTION, CONTENT_TYPE};
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
/// Octets lus au plus pour trouver le jeton anti-CSRF en tête du corps.
const TETE_MAX: usize = 4 * 1024;
/// Octets accumulés avant chaque écriture dans le fichier temporaire.
const TAMPON: usize = 256 * 1024;
/// Délai conseillé (secondes) quand le plafond d'envois simultanés est atteint.
pub const REESSAYER_APRES: u64 = 30;

/// Corps `multipart/form-data` pas encore lu (requête entière), avec sa frontière.
pub struct CorpsMultipart {
    req: Request,
    frontiere: String,
}

/// La frontière d'un `Content-Type: multipart/form-data; boundary=…`.
fn frontiere(entetes: &axum::http::HeaderMap) -> Option<String> {
    let ct = entetes.get(CONTENT_TYPE)?.to_str().ok()?;
    let (genre, reste) = ct.split_once(';')?;
    if !genre.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    reste.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        let v = v.trim().trim_matches('"');
        (k.trim().eq_ignore_ascii_case("boundary") && !v.is_empty() && v.len() <= 70)
            .then(|| v.to_string())
    })
}

impl<S: Send + Sync> FromRequest<S> for CorpsMultipart {
    type Rejection = Response;

    async fn from_request(req: Request, _: &S) -> Result<Self, Response> {
        let Some(frontiere) = frontiere(req.headers()) else {
            return Err((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "multipart/form-data attendu",
            )
                .into_response());
        };
        Ok(CorpsMultipart { req, frontiere })
    }
}

/// Le corps d'une requête, précédé des octets déjà lus (le premier champ).
struct Reprise {
    debut: Option<Bytes>,
    reste: Body,
}

impl http_body::Body for Reprise {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        if let Some(d) = self.debut.take() {
            return Poll::Ready(Some(Ok(http_body::Frame::data(d))));
        }
        Pin::new(&mut self.reste).poll_frame(cx)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        let n = self.debut.as_ref().map_or(0, |d| d.len() as u64);
        let mut h = self.reste.size_hint();
        if let Some(u) = h.upper() {
            h.set_upper(u + n);
        }
        h.set_lower(h.lower() + n);
        h
    }
}

/// Le jeton du premier champ, s'il est entier dans `lu` : `Some("")` si le premier champ n'est
/// pas `_csrf` (ou mal formé), `None` s'il faut lire plus loin.
fn jeton_en_tete(lu: &[u8], frontiere: &str) -> Option<String> {
    let ouverture = format!("--{frontiere}\r\n");
    if lu.len() < ouverture.len() {
        return if ouverture.as_bytes().starts_with(lu) {
            None
        } else {
            Some(String::new())
        };
    }
    if !lu.starts_with(ouverture.as_bytes()) {
        return Some(String::new());
    }
    let apres = &lu[ouverture.len()..];
    let fin_entetes = apres.windows(4).position(|w| w == b"\r\n\r\n")?;
    let entetes = String::from_utf8_lossy(&apres[..fin_entetes]).to_ascii_lowercase();
    let jeton = entetes.lines().any(|l| {
        l.starts_with("content-disposition:")
            && l.contains("name=\"_csrf\"")
            && !l.contains("filename")
    });
    if !jeton {
        return Some(String::new());
    }
    let valeur = &apres[fin_entetes + 4..];
    let fermeture = format!("\r\n--{frontiere}");
    let fin = valeur
        .windows(fermeture.len())
        .position(|w| w == fermeture.as_bytes())?;
    Some(String::from_utf8(valeur[..fin].to_vec()).unwrap_or_default())
}

/// Lit le début du corps, morceau par morceau, jusqu'à la fin du premier champ ([`TETE_MAX`]
/// octets au plus) ; rend le jeton qu'il porte (vide s'il n'y en a pas), les octets lus et le
/// reste du corps.
async fn premier_champ(mut corps: Body, frontiere: &str) -> (String, Vec<u8>, Body) {
    let mut lu = Vec::new();
    loop {
        if let Some(j) = jeton_en_tete(&lu, frontiere) {
            return (j, lu, corps);
        }
        if lu.len() > TETE_MAX {
            return (String::new(), lu, corps);
        }
        let morceau =
            std::future::poll_fn(|cx| http_body::Body::poll_frame(Pin::new(&mut corps), cx)).await;
        match morceau {
            Some(Ok(f)) => {
                if let Ok(d) = f.into_data() {
                    lu.extend_from_slice(&d);
                }
            }
            _ => return (String::new(), lu, corps),
        }
    }
}

/// Formulaire dont le jeton anti-CSRF a été vérifié ; ses champs restent à lire (le premier,
/// `_csrf`, compris).
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
/// premier champ du corps, qui doit être `_csrf` (lu morceau par morceau, quelques Ko au plus).
/// Refus immédiat sinon.
pub async fn verifier_jeton(v: &Visiteur, corps: CorpsMultipart) -> Result<Formulaire, ErreurWeb> {
    let CorpsMultipart { req, frontiere } = corps;
    let (parts, corps) = req.into_parts();
    let entete = parts
        .headers
        .get(ENTETE_CSRF)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (lu, corps) = match entete {
        Some(jeton) => {
            v.verifier_csrf(&jeton)?;
            (Vec::new(), corps)
        }
        None => {
            let (jeton, lu, corps) = premier_champ(corps, &frontiere).await;
            v.verifier_csrf(&jeton)?;
            (lu, corps)
        }
    };
    // Le formulaire est relu depuis le début (le champ `_csrf` compris), sous la limite de corps
    // de la route.
    let corps = Body::new(Reprise {
        debut: Some(Bytes::from(lu)).filter(|d| !d.is_empty()),
        reste: corps,
    });
    let m = Multipart::from_request(Request::from_parts(parts, corps), &())
        .await
        .map_err(|_| {
            ErreurWeb::Requete(
                "Formulaire illisible (envoi interrompu ou mal formé) : renvoyez-le.".into(),
            )
        })?;
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
                // La même table de longueurs que les formulaires urlencodés (`refuser_controles`).
                if let Some(max) = reperes_domain::saisie::longueur_depassee(&nom, &valeur) {
                    return Err(ErreurWeb::Requete(format!(
                        "{}, puis renvoyez le formulaire.",
                        reperes_domain::saisie::message_longueur(&nom, max, &valeur)
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
