//! Fichiers statiques embarqués dans le binaire (DSFR vendorisé, feuille de style du projet).

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::ErreurWeb;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Statique;

pub async fn fichier(Path(chemin): Path<String>) -> Result<Response, ErreurWeb> {
    let f = Statique::get(&chemin).ok_or(ErreurWeb::Introuvable)?;
    let type_mime = mime_guess::from_path(&chemin).first_or_octet_stream();
    Ok((
        [
            (header::CONTENT_TYPE, type_mime.as_ref().to_string()),
            (header::CACHE_CONTROL, "public, max-age=86400".to_string()),
            (
                header::ETAG,
                format!("\"{}\"", hex_court(&f.metadata.sha256_hash())),
            ),
        ],
        f.data,
    )
        .into_response())
}

fn hex_court(h: &[u8; 32]) -> String {
    h[..8].iter().map(|b| format!("{b:02x}")).collect()
}
