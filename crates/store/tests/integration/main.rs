//! Tests d'intégration du store, en un seul binaire (un module par sujet), chacun sur SQLite et
//! sur PostgreSQL (`deux_bases!`). Outils partagés : `commun`.

mod commun;

mod chartes;
mod comptes;
mod donnees_personnelles;
mod indicateurs;
mod lieux;
mod lieux_conflits;
mod lieux_doublons;
mod lieux_structures;
mod lieux_vivants;
mod rappels;
mod store;
mod versions_locales;
