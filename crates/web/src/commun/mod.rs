//! Ce que plusieurs fonctionnalités partagent, et l'infrastructure de la plateforme : erreurs,
//! cadre des pages, session et authentification, formulaires, en-têtes de sécurité, thème,
//! fichiers statiques, stockage, courrier, tâches de fond, livraison des webhooks.
//!
//! Règle : ce dossier n'importe jamais depuis une fonctionnalité (comptes,
//! dossiers…). Ce que deux fonctionnalités partagent descend ici.

pub mod acces;
pub mod adresse;
pub mod api;
pub mod auth;
pub mod cadre;
pub mod cibles;
pub mod courrier;
pub mod dates;
pub mod donnees;
pub mod envoi;
pub mod erreur;
pub mod fichiers;
pub mod formulaires;
pub mod historique;
pub mod jetons;
pub mod journal;
pub mod libelles;
pub mod markdown;
// Site national ou version locale de la carte (issue 17).
pub mod portee;
pub mod securite;
pub mod session;
pub mod statique;
pub mod stockage;
pub mod taches;
pub mod theme;
// Source des tuiles de la carte des lieux (issue 17, partie « carte »).
pub mod tuiles;
pub mod webhooks;
