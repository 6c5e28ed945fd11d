//! Réponses d'erreur de l'API JSON (`/api/v1/…`) : un objet `{"message": …}` en français.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ErreurWeb;

/// Erreur de l'API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErreurApi {
    pub message: String,
}

/// Une erreur de l'API, avec son statut.
pub fn erreur_api(statut: StatusCode, message: impl Into<String>) -> Response {
    (
        statut,
        Json(ErreurApi {
            message: message.into(),
        }),
    )
        .into_response()
}

/// 404 de l'API.
pub fn introuvable(message: &str) -> Response {
    erreur_api(StatusCode::NOT_FOUND, message)
}

/// 500 de l'API : le détail va au journal, jamais à la réponse.
pub fn erreur_interne(e: ErreurWeb) -> Response {
    tracing::error!(error = %e.avec_causes(), "erreur interne de l'API");
    erreur_api(StatusCode::INTERNAL_SERVER_ERROR, "Erreur interne.")
}
