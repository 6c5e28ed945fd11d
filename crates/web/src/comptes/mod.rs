//! Comptes : inscription avec vérification de l'adresse, connexion, déconnexion, mot de passe
//! oublié. Les messages ne révèlent jamais si une adresse a un compte ; la connexion et la
//! réinitialisation sont limitées en débit, par IP et par compte.

mod connexion;
mod inscription;
mod reinitialisation;
mod tentatives;

pub use connexion::{connecter, connexion, deconnecter, FormConnexion};
pub use inscription::{inscription, inscrire, verification, FormInscription};
pub use reinitialisation::{
    demander_reinitialisation, oubli, reinitialisation, reinitialiser, FormOubli,
    FormReinitialisation,
};
