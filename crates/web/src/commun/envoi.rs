//! Lecture des formulaires envoyés en `multipart/form-data` (champs texte et fichiers).

use axum::extract::Multipart;
use reperes_domain::comptes::Personne;
use reperes_store::Utilisateur;

use crate::commun::session::Visiteur;
use crate::ErreurWeb;

/// Contenu d'un formulaire envoyé en `multipart/form-data` : champs texte et fichiers.
pub struct Envoi {
    pub champs: Vec<(String, String)>,
    pub fichiers: Vec<(String, Vec<u8>)>,
    /// Lecture tolérante ([`envoi_connecte_tolerant`]) : noms des fichiers refusés car trop gros
    /// (leurs octets ne sont pas gardés ; nom vide si l'envoi a été coupé avant le nom).
    pub trop_gros: Vec<String>,
}

impl Envoi {
    pub fn champ(&self, nom: &str) -> Option<&str> {
        self.champs
            .iter()
            .find(|(k, _)| k == nom)
            .map(|(_, v)| v.as_str())
    }
}

/// Lit un formulaire multipart ; un fichier de plus de `taille_max` octets est refusé.
pub async fn lire_envoi(m: Multipart, taille_max: usize) -> Result<Envoi, ErreurWeb> {
    lire(m, taille_max, false).await
}

/// Lit un formulaire multipart sans le refuser pour un fichier trop gros : le fichier est écarté
/// (nommé dans `trop_gros`) et les autres champs sont gardés, pour ré-afficher le formulaire avec
/// la saisie. Un corps coupé à la limite de la route garde les champs lus avant la coupure.
async fn lire(mut m: Multipart, taille_max: usize, tolerant: bool) -> Result<Envoi, ErreurWeb> {
    let mut e = Envoi {
        champs: vec![],
        fichiers: vec![],
        trop_gros: vec![],
    };
    let trop = || {
        ErreurWeb::Requete(format!(
            "Un fichier dépasse la taille maximale de {} Mo.",
            taille_max / 1024 / 1024
        ))
    };
    // Une erreur de lecture n'est une affaire de taille que si le corps dépasse la limite ;
    // sinon l'envoi est interrompu ou mal formé.
    let illisible = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            trop()
        } else {
            ErreurWeb::Requete(
                "Formulaire illisible (envoi interrompu ou mal formé) : renvoyez-le.".into(),
            )
        }
    };
    let coupe = |e: &axum::extract::multipart::MultipartError| {
        tolerant && e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE
    };
    loop {
        let mut champ = match m.next_field().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(x) if coupe(&x) => {
                e.trop_gros.push(String::new());
                break;
            }
            Err(x) => return Err(illisible(x)),
        };
        let nom = champ.name().unwrap_or_default().to_string();
        if let Some(fichier) = champ.file_name().map(str::to_string) {
            let mut octets = Vec::new();
            let mut taille = 0usize;
            let mut fin_du_corps = false;
            loop {
                let morceau = match champ.chunk().await {
                    Ok(Some(x)) => x,
                    Ok(None) => break,
                    Err(x) if coupe(&x) => {
                        fin_du_corps = true;
                        break;
                    }
                    Err(x) => return Err(illisible(x)),
                };
                taille += morceau.len();
                if taille > taille_max {
                    if !tolerant {
                        return Err(trop());
                    }
                    octets = Vec::new();
                } else {
                    octets.extend_from_slice(&morceau);
                }
            }
            if taille > taille_max || fin_du_corps {
                e.trop_gros.push(fichier);
                if fin_du_corps {
                    break;
                }
                continue;
            }
            // Un champ de fichier laissé vide arrive sans nom ni octets : il est ignoré. Un
            // fichier nommé mais vide est gardé, pour être refusé avec son nom.
            if !octets.is_empty() || !fichier.is_empty() {
                e.fichiers.push((fichier, octets));
            }
        } else {
            let texte = champ
                .text()
                .await
                .map_err(|_| ErreurWeb::Requete("Formulaire illisible.".into()))?;
            if let Some(c) = reperes_domain::saisie::caractere_de_controle(&texte) {
                return Err(ErreurWeb::Requete(format!(
                    "{}, puis renvoyez le formulaire.",
                    reperes_domain::saisie::message_controle(&nom, c)
                )));
            }
            e.champs.push((nom, texte));
        }
    }
    Ok(e)
}

/// Formulaire multipart d'une personne connectée : lu comme [`lire_envoi`], jeton anti-CSRF
/// (champ `_csrf`) contrôlé, puis rendu avec le compte et la personne.
pub async fn envoi_connecte(
    v: &Visiteur,
    m: Multipart,
    taille_max: usize,
) -> Result<(Envoi, &Utilisateur, &Personne), ErreurWeb> {
    let envoi = lire_envoi(m, taille_max).await?;
    v.verifier_csrf(envoi.champ("_csrf").unwrap_or(""))?;
    let (u, p) = v.connecte()?;
    Ok((envoi, u, p))
}

/// Comme [`envoi_connecte`], mais un fichier trop gros n'interrompt pas la lecture : il est nommé
/// dans `Envoi::trop_gros`, pour que le formulaire revienne avec sa saisie et l'erreur au champ.
pub async fn envoi_connecte_tolerant(
    v: &Visiteur,
    m: Multipart,
    taille_max: usize,
) -> Result<(Envoi, &Utilisateur, &Personne), ErreurWeb> {
    let envoi = lire(m, taille_max, true).await?;
    v.verifier_csrf(envoi.champ("_csrf").unwrap_or(""))?;
    let (u, p) = v.connecte()?;
    Ok((envoi, u, p))
}
