//! Dossiers des demandeurs : formulaire en étapes, dépôt et renouvellement, vue du dossier,
//! messages, pièces ; attestations des dossiers labellisés.

pub mod attestations;
mod depot;
mod etapes;
mod fichiers;
mod messages;
mod vue;

pub use depot::{deposer, renouveler};
pub use etapes::{enregistrer_etape, etape};
pub use fichiers::{retirer_fichier, telecharger};
pub use messages::{envoyer_message, PIECES_MAX as PIECES_MAX_MESSAGE};
pub use vue::voir;
