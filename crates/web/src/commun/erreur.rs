//! Les erreurs de la couche web, rendues en pages HTML françaises. Une seule politique : le
//! détail technique va au journal du serveur, jamais à la page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::commun::cadre::Cadre;

#[derive(Debug, thiserror::Error)]
pub enum ErreurWeb {
    #[error("page introuvable")]
    Introuvable,
    #[error("connexion requise")]
    NonConnecte,
    #[error("accès interdit")]
    Interdit,
    #[error("jeton CSRF absent ou invalide")]
    Csrf,
    #[error("requête invalide : {0}")]
    Requete(String),
    #[error("trop de tentatives")]
    TropDeTentatives,
    #[error("erreur interne : {0}")]
    Interne(String),
}

impl From<reperes_store::ErreurStore> for ErreurWeb {
    fn from(e: reperes_store::ErreurStore) -> Self {
        match e {
            reperes_store::ErreurStore::Introuvable(_) => ErreurWeb::Introuvable,
            autre => ErreurWeb::Interne(autre.to_string()),
        }
    }
}

/// Un refus métier du domaine devient une requête invalide (400, message français du refus) ;
/// les autres erreurs du store restent ce qu'elles sont.
pub fn refus_en_requete(e: reperes_store::ErreurStore) -> ErreurWeb {
    match e {
        reperes_store::ErreurStore::Refus(r) => ErreurWeb::Requete(r.to_string()),
        autre => autre.into(),
    }
}

impl From<askama::Error> for ErreurWeb {
    fn from(e: askama::Error) -> Self {
        ErreurWeb::Interne(format!("gabarit : {e}"))
    }
}

#[derive(Template)]
#[template(path = "erreur.html")]
struct PageErreur {
    cadre: Cadre,
    titre: &'static str,
    message: String,
}

impl IntoResponse for ErreurWeb {
    fn into_response(self) -> Response {
        let (code, titre, message) = match &self {
            ErreurWeb::NonConnecte => return Redirect::to("/connexion").into_response(),
            ErreurWeb::Introuvable => (
                StatusCode::NOT_FOUND,
                "Page introuvable",
                "La page que vous cherchez n'existe pas, a été déplacée, ou vous n'y avez pas accès. Vérifiez l'adresse, ou repartez de l'accueil.".to_string(),
            ),
            ErreurWeb::Interdit => (
                StatusCode::FORBIDDEN,
                "Accès refusé",
                "Votre compte ne permet pas d'accéder à cette page.".to_string(),
            ),
            ErreurWeb::Csrf => (
                StatusCode::FORBIDDEN,
                "Formulaire expiré",
                "Ce formulaire a expiré ou ne provient pas de Repères. Revenez à la page précédente, rechargez-la et envoyez-le à nouveau.".to_string(),
            ),
            ErreurWeb::Requete(m) => (StatusCode::BAD_REQUEST, "Requête invalide", m.clone()),
            ErreurWeb::TropDeTentatives => (
                StatusCode::TOO_MANY_REQUESTS,
                "Trop de tentatives",
                "Trop de tentatives en peu de temps. Patientez quinze minutes avant de réessayer.".to_string(),
            ),
            ErreurWeb::Interne(detail) => {
                tracing::error!("{detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Erreur inattendue",
                    "Une erreur est survenue de notre côté. Réessayez dans quelques instants ; si elle persiste, signalez-la.".to_string(),
                )
            }
        };
        let page = PageErreur {
            cadre: Cadre::anonyme(titre),
            titre,
            message,
        };
        match page.render() {
            Ok(html) => (code, Html(html)).into_response(),
            Err(_) => (code, titre).into_response(),
        }
    }
}
