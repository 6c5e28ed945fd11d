//! Attestations des dossiers labellisés : PDF balisé généré à la labellisation et gardé, page
//! publique de vérification.

pub mod pdf;
mod verification;

pub use verification::{assurer, du_dossier, verifier};
