//! Registre public des titulaires (pages, badge, données ouvertes, API JSON), statistiques,
//! abonnements aux changements (webhooks). Aucune page de lecture ne demande de compte.

mod abonnements;
pub(crate) mod api;
mod badge;
mod donnees;
// Le dossier de Repères, exemple au registre.
mod exemple;
mod pages;
pub(crate) mod statistiques;
mod titulaires;

pub use abonnements::{abonnements, abonner, desabonner, FormAbonnement};
pub use api::api_registre;
pub use badge::badge;
pub use donnees::{csv, donnees, json, schema};
pub use pages::{dispositif, registre};
pub use statistiques::{api_statistiques, page_statistiques};
pub use titulaires::{FiltresRegistre, Titulaire};
