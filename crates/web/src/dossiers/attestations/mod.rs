//! Attestations des dossiers labellisés : PDF balisé généré à la labellisation et gardé, page
//! publique de vérification.

pub mod pdf;
mod verification;

#[cfg(feature = "test-support")]
pub use verification::assurer;
pub use verification::{du_dossier, verifier};
