//! Service des fichiers stockés (pièces de dossier, pièces jointes des rapports).

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::{ErreurWeb, Etat};

/// Envoie un fichier stocké en pièce jointe (nom réduit à l'ASCII), avec la politique de cache
/// donnée. L'accès a été vérifié par l'appelant.
pub async fn servir_fichier(
    etat: &Etat,
    f: &reperes_store::Fichier,
    cache: &str,
) -> Result<Response, ErreurWeb> {
    let stockage = etat.stockage.clone();
    let cle = f.cle_stockage.clone();
    let octets = tokio::task::spawn_blocking(move || stockage.lire(&cle))
        .await
        .map_err(|e| ErreurWeb::Interne(e.to_string()))?
        .map_err(|e| ErreurWeb::Interne(format!("lecture du fichier {} : {e}", f.id)))?;
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
