//! Comptes : inscription avec vérification de l'adresse, connexion, déconnexion, mot de passe
//! oublié. Les messages ne révèlent jamais si une adresse a un compte ; la connexion et la
//! réinitialisation sont limitées en débit, par IP et par compte. Chaque refus ré-affiche le
//! formulaire (statut 422, résumé des erreurs, message au champ, saisie conservée sauf les mots
//! de passe) ; la page où revenir après la connexion (`suite`) est gardée d'un bout à l'autre.

mod connexion;
mod inscription;
mod reinitialisation;
mod second_facteur;
mod tentatives;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use reperes_domain::saisie::ErreurChamp;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{erreur, page, rattacher, Champ};
use crate::ErreurWeb;

pub use connexion::{connecter, connexion, deconnecter, FormConnexion};
pub use inscription::{
    confirmer_verification, demander_verification, inscription, inscrire, nouvelle_verification,
    verification, FormConfirmation, FormInscription, FormVerification,
};
pub use reinitialisation::{
    demander_reinitialisation, oubli, reinitialisation, reinitialiser, FormOubli,
    FormReinitialisation,
};
pub use second_facteur::{
    activer as activer_second_facteur, desactiver as desactiver_second_facteur, page_code,
    second_facteur, verifier_connexion as verifier_code_connexion,
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

impl FormulaireCompte {
    /// Le formulaire envoyé sans jeton CSRF valable (page restée ouverte au-delà de la session, ou
    /// venue d'ailleurs) : rien n'est fait ; il revient (403) avec la saisie (sauf les mots de
    /// passe), un jeton neuf et le message en haut.
    fn expire(
        mut self,
        entete: Option<(axum::http::HeaderName, axum::http::HeaderValue)>,
    ) -> Result<Response, ErreurWeb> {
        let champ = self.champs.first().map(|c| c.nom).unwrap_or("erreurs");
        self.erreurs = vec![erreur(champ, FORMULAIRE_EXPIRE)];
        let mut r = self.rendre(entete, false)?;
        *r.status_mut() = StatusCode::FORBIDDEN;
        Ok(r)
    }
}

/// Message d'un formulaire de compte renvoyé avec un jeton CSRF absent ou périmé.
const FORMULAIRE_EXPIRE: &str = "Formulaire expiré : la page est restée ouverte trop longtemps, ou elle ne provient pas de Repères. Rien n'a été envoyé ; vos informations sont conservées : vérifiez-les, saisissez de nouveau le mot de passe s'il y en a un, puis envoyez le formulaire.";
