//! État de santé (`/sante`) et page introuvable (404).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::{ErreurWeb, Etat};

/// `GET /sante` : 200 si la base répond, 503 sinon ; corps JSON. La cause d'une panne (texte
/// du pilote de la base, qui peut nommer un hôte, un fichier ou une table) va au journal du
/// serveur, jamais dans la réponse publique.
pub async fn sante(State(etat): State<Etat>) -> Response {
    let base = etat.store.sante().await;
    if let Err(e) = &base {
        tracing::error!(error = %e, "santé : la base ne répond pas");
    }
    let code = if base.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let corps = json!({
        "statut": if base.is_ok() { "ok" } else { "degrade" },
        "version": env!("CARGO_PKG_VERSION"),
        "base": {
            "moteur": etat.store.backend().nom(),
            "statut": if base.is_ok() { "ok" } else { "indisponible" },
        },
        "referentiels": etat.catalogue.referentiels.len(),
    });
    (code, Json(corps)).into_response()
}

pub async fn introuvable() -> ErreurWeb {
    ErreurWeb::Introuvable
}
