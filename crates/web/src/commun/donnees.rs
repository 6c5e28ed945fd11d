//! Données ouvertes et exports : écriture CSV, réponses de fichiers (CSV, JSON, schémas), champs
//! d'un schéma de table (Table Schema) pour les pages qui les décrivent.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::commun::erreur::Contexte;
use crate::ErreurWeb;

/// Schéma des données ouvertes du registre des titulaires.
pub const SCHEMA_REGISTRE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../schemas/registre.schema.json"
));

/// Schéma des données ouvertes des territoires signataires de la charte.
pub const SCHEMA_CHARTES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../schemas/chartes.schema.json"
));

/// Type MIME des fichiers CSV servis.
pub const CSV: &str = "text/csv; charset=utf-8";

/// Écrit un CSV (UTF-8, virgule) : la ligne d'en-tête `champs`, puis une ligne par élément.
pub fn en_csv<T: Serialize>(
    champs: &[&str],
    lignes: impl IntoIterator<Item = T>,
) -> Result<Vec<u8>, ErreurWeb> {
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(champs).contexte("écriture CSV")?;
    for l in lignes {
        w.serialize(l).contexte("écriture CSV")?;
    }
    w.into_inner().contexte("écriture CSV")
}

/// Un fichier servi sous un nom : `disposition` vaut `inline` (affiché) ou `attachment`
/// (téléchargé).
pub fn reponse_fichier(
    type_mime: &str,
    disposition: &str,
    nom: &str,
    corps: impl IntoResponse,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, type_mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{nom}\""),
            ),
        ],
        corps,
    )
        .into_response()
}

/// Une liste en JSON, servie en ligne sous un nom de fichier.
pub fn reponse_json<T: Serialize>(nom: &str, valeur: T) -> Response {
    (
        [(
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{nom}\""),
        )],
        Json(valeur),
    )
        .into_response()
}

/// Un schéma JSON publié tel quel.
pub fn reponse_schema(schema: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], schema).into_response()
}

/// Champs d'un schéma de table, pour la page des données ouvertes : (nom, type, description,
/// obligatoire).
pub fn champs_schema(schema: &str) -> Vec<(String, String, String, bool)> {
    let s: serde_json::Value = serde_json::from_str(schema).unwrap_or_default();
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
