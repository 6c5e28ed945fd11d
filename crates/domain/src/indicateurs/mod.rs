//! Indicateurs territoriaux : le référentiel des indicateurs des Coordinations territoriales de
//! l'inclusion numérique (CTIN), écrit dans `referentiels/indicateurs-ctin.toml` (axes,
//! indicateurs, mode « calculé » ou « saisi », méthode de calcul), les calculs faits à partir des
//! données de la plateforme (lieux de la carte, titulaires d'un label, signataires d'une charte),
//! année par année quand les dates le permettent, et l'analyse d'une valeur saisie par un
//! territoire.
//!
//! Le fichier est chargé avec les autres référentiels par `catalogue::charger`
//! (`nature = "indicateurs"`), et embarqué dans le binaire ([`ReferentielIndicateurs::embarque`]).
//!
//! - `fichier` : ce que décrit le fichier (axes, indicateurs, calculs connus) ;
//! - `validation` : les contrôles du fichier ;
//! - `donnees` : les lieux et les titres de la plateforme, situés dans les territoires ;
//! - `calcul` : la valeur d'un indicateur calculé, à ce jour et année par année ;
//! - `saisie` : l'analyse d'une valeur saisie par un territoire (nombres, dates).

mod calcul;
mod donnees;
mod fichier;
mod saisie;
mod validation;

pub use calcul::{calculer, premiere_annee, ResultatCalcul};
pub use donnees::{date_de, DonneesPlateforme, LieuSitue, Titre, TitreSitue, CHAMPS_LIEU};
pub use fichier::{
    Axe, Calcul, Indicateur, Mode, ReferentielIndicateurs, ReglesSaisie, INDICATEURS_CTIN,
};
pub use saisie::{formater_nombre, lire_date, lire_nombre, SaisieValeur, ValeurSaisie, SOURCE_MAX};
pub use validation::valider;
