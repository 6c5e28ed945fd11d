//! Interface web de Repères : pages rendues côté serveur (gabarits askama), utilisables sans
//! JavaScript, thème DSFR, en-têtes de sécurité stricts.

mod erreur;
mod pages;
mod securite;
mod statique;
pub mod theme;

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use reperes_domain::Catalogue;
use reperes_store::Store;
use tower_http::compression::CompressionLayer;

pub use erreur::ErreurWeb;
pub use theme::Theme;

/// État partagé par les gestionnaires de requêtes.
#[derive(Clone)]
pub struct Etat {
    pub store: Store,
    pub catalogue: Arc<Catalogue>,
    pub theme: Theme,
}

/// Le routeur de l'application.
pub fn application(etat: Etat) -> Router {
    Router::new()
        .route("/", get(pages::accueil))
        .route("/referentiels/{id}/{version}", get(pages::referentiel))
        .route("/sante", get(pages::sante))
        .route("/static/{*chemin}", get(statique::fichier))
        .fallback(pages::introuvable)
        .with_state(etat)
        .layer(axum::middleware::from_fn(securite::entetes))
        .layer(CompressionLayer::new())
}
