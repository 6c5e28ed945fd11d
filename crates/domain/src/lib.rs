//! Domaine de Repères : référentiels, identifiants, organisations et dispositifs, règles
//! d'éligibilité et de complétude, cycle de vie des dossiers, journal d'audit chaîné.
//!
//! Ce crate est pur : ni entrée/sortie, ni asynchrone, ni SQL, ni HTTP. La persistance et le web
//! en dépendent, jamais l'inverse.
//!
//! Les modules forment des couches : un module n'importe que des modules des lignes au-dessus
//! de la sienne, jamais l'inverse, et aucun cycle ne les relie. Ce que deux modules partagent
//! descend dans une couche plus basse (texte normalisé : `texte` ; erreur de saisie d'un champ :
//! `saisie` ; erreurs situées d'un fichier de référentiel : `referentiel`).
//!
//! ```text
//! texte, saisie, identifiants, horaires, audit, referentiel, langues   (rien du domaine)
//! communes → texte ; lieux → horaires, saisie, texte
//! territoires → communes, texte
//! indicateurs → referentiel, lieux, territoires, saisie
//! catalogue → referentiel, indicateurs
//! organisation → catalogue, referentiel, identifiants, saisie
//! dossier (et dossier::regles) → referentiel, organisation
//! charte, comptes, registre → dossier, …
//! echeances → dossier
//! ```

pub mod accessibilite;
pub mod audit;
pub mod catalogue;
pub mod charte;
pub mod communes;
pub mod comptes;
pub mod donnees_personnelles;
pub mod dossier;
pub mod echeances;
pub mod horaires;
pub mod identifiants;
pub mod indicateurs;
pub mod instance;
pub mod langues;
pub mod lieux;
pub mod organisation;
// Plan du site, formulaire « Signaler un problème ».
pub mod pages_legales;
pub mod referentiel;
pub mod registre;
pub mod saisie;
pub mod territoires;
pub mod texte;
pub mod versions_locales;

pub use catalogue::{charger, Catalogue};
pub use dossier::{Action, Dossier, Etat, Modification, Refus, Role};
pub use referentiel::Referentiel;
