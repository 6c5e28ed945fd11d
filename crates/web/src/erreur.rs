//! Les erreurs de la couche web, rendues en pages HTML françaises (ou en JSON pour l'API).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::theme::Theme;

#[derive(Debug, thiserror::Error)]
pub enum ErreurWeb {
    #[error("page introuvable")]
    Introuvable,
    #[error("erreur interne : {0}")]
    Interne(String),
}

impl From<reperes_store::ErreurStore> for ErreurWeb {
    fn from(e: reperes_store::ErreurStore) -> Self {
        ErreurWeb::Interne(e.to_string())
    }
}

#[derive(Template)]
#[template(path = "erreur.html")]
struct PageErreur {
    theme: Theme,
    titre: &'static str,
    message: &'static str,
}

impl IntoResponse for ErreurWeb {
    fn into_response(self) -> Response {
        let (code, titre, message) = match &self {
            ErreurWeb::Introuvable => (
                StatusCode::NOT_FOUND,
                "Page introuvable",
                "La page que vous cherchez n'existe pas ou a été déplacée. Vérifiez l'adresse, ou repartez de l'accueil.",
            ),
            ErreurWeb::Interne(detail) => {
                tracing::error!("{detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Erreur inattendue",
                    "Une erreur est survenue de notre côté. Réessayez dans quelques instants ; si elle persiste, signalez-la.",
                )
            }
        };
        let page = PageErreur {
            theme: Theme::Dsfr,
            titre,
            message,
        };
        match page.render() {
            Ok(html) => (code, Html(html)).into_response(),
            Err(_) => (code, titre).into_response(),
        }
    }
}
