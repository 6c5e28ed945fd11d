//! Lieux de médiation numérique : recherche, fiche d'un lieu, données ouvertes, API, import
//! (administration), index en mémoire (carte), parcours d'orientation.

pub(crate) mod api;
pub mod carte;
mod conflits;
mod donnees;
pub mod doublons;
pub mod droits;
mod edition;
mod fiche;
pub(crate) mod historique;
pub mod import;
mod orientation;
mod recherche;
mod structures;
// Signalements et propositions du public (issue 16, partie « signalements »).
pub mod signalements;
// La carte des résultats (issue 17, partie « carte »).
mod points;

pub use api::api_lieux;
pub use carte::Carte;
pub use conflits::{conflits, conflits_admin, decider as decider_conflits};
pub use donnees::{
    donnees_csv, donnees_ecarts, donnees_geojson, donnees_json, donnees_services,
    donnees_structures,
};
pub use fiche::{fiche, lier};
pub use import::{declarer_distincts, etat_json, page_admin, rapport, suivi, televerser, Imports};
pub use orientation::{lire_requete, orientation, Reponses};
pub use points::carte_json;
pub use recherche::{recherche, Filtres};
// Modifier un lieu, historique, restauration (issue 16, partie « edition »).
pub use edition::{enregistrer as enregistrer_lieu, modifier as modifier_lieu};
pub use historique::{api_historique, historique, restaurer};
pub use structures::{
    confirmation, confirmer, decider as decider_revendication, fraicheur_csv, page_fraicheur,
    revendications, revendiquer, revendiquer_post,
};
