//! Comptes : inscription avec vérification de l'adresse, connexion, déconnexion, mot de passe
//! oublié. Les messages ne révèlent jamais si une adresse a un compte ; la connexion et la
//! réinitialisation sont limitées en débit, par IP et par compte. Chaque refus ré-affiche le
//! formulaire (statut 422, résumé des erreurs, message au champ, saisie conservée sauf les mots
//! de passe) ; la page où revenir après la connexion (`suite`) est gardée d'un bout à l'autre.

mod connexion;
mod inscription;
mod reinitialisation;
mod tentatives;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use reperes_domain::saisie::ErreurChamp;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{page, rattacher, Champ};
use crate::ErreurWeb;

pub use connexion::{connecter, connexion, deconnecter, FormConnexion};
pub use inscription::{
    demander_verification, inscription, inscrire, nouvelle_verification, verification,
    FormInscription, FormVerification,
};
pub use reinitialisation::{
    demander_reinitialisation, oubli, reinitialisation, reinitialiser, FormOubli,
    FormReinitialisation,
};

/// Un formulaire de compte : comme `FormulaireSimple`, avec la page où revenir ensuite (champ
/// caché `suite`).
#[derive(Template)]
#[template(path = "comptes/formulaire.html")]
struct FormulaireCompte {
    cadre: Cadre,
    intro: Vec<String>,
    action: String,
    champs: Vec<Champ>,
    erreurs: Vec<ErreurChamp>,
    bouton: &'static str,
    liens: Vec<(String, String)>,
    suite: Option<String>,
}

impl FormulaireCompte {
    /// Rend le formulaire ; en erreur : statut 422 (429 si `trop` : trop de tentatives), titre
    /// de l'onglet « … (erreurs) », erreurs rattachées aux champs.
    fn rendre(
        mut self,
        entete: Option<(axum::http::HeaderName, axum::http::HeaderValue)>,
        trop: bool,
    ) -> Result<Response, ErreurWeb> {
        rattacher(&mut self.champs, &self.erreurs);
        let en_erreur = !self.erreurs.is_empty();
        if en_erreur {
            self.cadre = self.cadre.en_erreur();
        }
        let mut r = page(&self, entete, en_erreur)?;
        if trop {
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        }
        Ok(r)
    }
}

/// Message au champ quand la limite de tentatives est atteinte.
const TROP_DE_TENTATIVES: &str =
    "Trop de tentatives en peu de temps : patientez quinze minutes avant de réessayer.";
