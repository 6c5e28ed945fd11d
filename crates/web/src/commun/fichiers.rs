//! Service des fichiers stockés (pièces de dossier, pièces jointes des rapports).

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use reperes_store::Fichier;

use crate::commun::envoi::Piece;
use crate::commun::erreur::Contexte;
use crate::{ErreurWeb, Etat};

/// Lit un fichier du stockage, hors du fil d'exécution asynchrone.
pub async fn lire(etat: &Etat, cle: &str) -> Result<Vec<u8>, ErreurWeb> {
    let (stockage, c) = (etat.stockage.clone(), cle.to_string());
    tokio::task::spawn_blocking(move || stockage.lire(&c))
        .await
        .contexte("tâche de lecture interrompue")?
        .contexte(&format!("lecture du fichier stocké {cle}"))
}

/// Écrit un fichier dans le stockage, hors du fil d'exécution asynchrone.
pub async fn ecrire(etat: &Etat, cle: &str, octets: &[u8]) -> Result<(), ErreurWeb> {
    let (stockage, c, contenu) = (etat.stockage.clone(), cle.to_string(), octets.to_vec());
    tokio::task::spawn_blocking(move || stockage.ecrire(&c, &contenu))
        .await
        .contexte("tâche d'écriture interrompue")?
        .contexte(&format!("écriture du fichier stocké {cle}"))
}

/// Stocke une pièce reçue et déjà contrôlée (nom affichable, type admis) et rend ses
/// métadonnées, à enregistrer en base par l'appelant. Le contenu est copié en flux depuis le
/// fichier temporaire de l'envoi.
pub async fn stocker(
    etat: &Etat,
    dossier_id: &str,
    nom: String,
    type_mime: &str,
    piece: &Piece,
    depose_par: &str,
) -> Result<Fichier, ErreurWeb> {
    let id = uuid::Uuid::now_v7().to_string();
    let (stockage, cle, source) = (
        etat.stockage.clone(),
        id.clone(),
        piece.chemin().to_path_buf(),
    );
    tokio::task::spawn_blocking(move || stockage.deposer(&cle, &source))
        .await
        .contexte("tâche d'écriture interrompue")?
        .contexte(&format!("écriture du fichier stocké {id}"))?;
    Ok(Fichier {
        id: id.clone(),
        dossier_id: dossier_id.to_string(),
        nom,
        type_mime: type_mime.to_string(),
        taille: piece.taille as i64,
        sha256: piece.sha256.clone(),
        cle_stockage: id,
        depose_par: depose_par.to_string(),
    })
}

/// Envoie un fichier stocké en pièce jointe (nom réduit à l'ASCII), avec la politique de cache
/// donnée. L'accès a été vérifié par l'appelant.
pub async fn servir_fichier(
    etat: &Etat,
    f: &reperes_store::Fichier,
    cache: &str,
) -> Result<Response, ErreurWeb> {
    let octets = lire(etat, &f.cle_stockage).await?;
    let nom_ascii: String = f
        .nom
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, f.type_mime.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{nom_ascii}\""),
            ),
            (header::CACHE_CONTROL, cache.to_string()),
        ],
        Body::from(octets),
    )
        .into_response())
}
