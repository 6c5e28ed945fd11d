//! Ce que plusieurs fonctionnalités partagent, et l'infrastructure de la plateforme : erreurs,
//! cadre des pages, session et authentification, formulaires, en-têtes de sécurité, thème,
//! fichiers statiques, stockage, courrier, tâches de fond, livraison des webhooks.
//!
//! Règle : ce dossier n'importe jamais depuis une fonctionnalité (`crate::comptes`,
//! `crate::dossiers`…). Ce que deux fonctionnalités partagent descend ici.

pub mod auth;
pub mod cadre;
pub mod courrier;
pub mod erreur;
pub mod formulaires;
pub mod securite;
pub mod session;
pub mod statique;
pub mod stockage;
pub mod taches;
pub mod theme;
pub mod webhooks;
