//! Accueil et pages de la fondation : accueil (référentiels et critères), détail d'un
//! référentiel, API des référentiels, état de santé, page introuvable.

// Issue 18, partie « rgaa » : déclaration d'accessibilité et détail de l'audit.
mod accessibilite;
pub(crate) mod api;
mod pages;
mod sante;

pub use api::{api_referentiel, api_referentiels};
pub use pages::{accueil, referentiel};
pub use sante::{introuvable, sante};
// Issue 18, partie « rgaa ».
pub use accessibilite::{declaration_accessibilite, detail_audit};
