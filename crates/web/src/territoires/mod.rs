//! Territoires et indicateurs territoriaux (indicateurs des CTIN) : recherche d'un territoire
//! (commune, EPCI, département, région, hors ligne), page des indicateurs d'un territoire (valeur
//! de l'année, historique en graphique SVG accessible et en tableau), saisie des valeurs par les
//! personnes habilitées, export CSV. Aucune page ne demande de JavaScript.
//!
//! Qui peut saisir : un agent (instructeur, administrateur), ou un membre d'une organisation dont
//! la signature d'une charte est en cours (dossier de charte à l'état « labellisé ») et dont
//! l'adresse est dans le territoire.

mod export;
mod recherche;
mod saisie;
mod series;
mod territoire;
// Versions locales de la carte (issue 17) : administration, ressources, pages sous /t/{slug}/.
pub mod versions_locales;

pub use export::export_csv;
pub use recherche::{recherche, RequeteRecherche};
pub use saisie::{enregistrer, saisie, FormSaisie};
pub use series::LieuxSitues;
pub use territoire::indicateurs;
pub use territoire::territoire;
