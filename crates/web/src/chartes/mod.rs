//! Charte « Territoire d'Actions » après la signature : pages publiques des territoires
//! signataires et de leurs rapports, publication des rapports, données ouvertes.

mod donnees;
mod rapports;
mod signataires;

pub use donnees::{csv, json, schema};
pub use rapports::{nouveau, publier};
pub use signataires::{fiche, liste, piece, rapport, PIECES_MAX};
