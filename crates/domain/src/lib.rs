//! Domaine de Repères : référentiels, identifiants, organisations et dispositifs, règles
//! d'éligibilité et de complétude, cycle de vie des dossiers, journal d'audit chaîné.
//!
//! Ce crate est pur : ni entrée/sortie, ni asynchrone, ni SQL, ni HTTP. La persistance et le web
//! en dépendent, jamais l'inverse.

pub mod audit;
pub mod catalogue;
pub mod charte;
pub mod communes;
pub mod comptes;
pub mod dossier;
pub mod horaires;
pub mod identifiants;
pub mod indicateurs;
pub mod lieux;
pub mod organisation;
pub mod referentiel;
pub mod registre;
pub mod saisie;
pub mod territoires;
pub mod texte;

pub use catalogue::{charger, Catalogue};
pub use dossier::{Action, Dossier, Etat, Modification, Refus, Role};
pub use referentiel::Referentiel;
