//! Accueil et pages de la fondation : accueil (référentiels et critères), détail d'un
//! référentiel, API des référentiels, état de santé, page introuvable.

// Les pages d'aide en Markdown (contenus/aide).
pub(crate) mod aide;
// Déclaration d'accessibilité et détail de l'audit.
mod accessibilite;
pub(crate) mod api;
// Pages légales et « Signaler un problème ».
mod legales;
mod pages;
mod probleme;
mod sante;

pub use accessibilite::{declaration_accessibilite, detail_audit};
pub use aide::{index_aide, page_aide};
pub use api::{api_referentiel, api_referentiels};
pub use legales::{cookies, donnees_personnelles, mentions_legales, plan_du_site};
pub use pages::{accueil, referentiel};
pub use probleme::{problemes, signaler_page, signaler_probleme, traiter};
pub use sante::{introuvable, sante};
