//! Le cadre commun des pages : thème, titre, personne connectée, jeton CSRF du formulaire de
//! déconnexion, message de confirmation.

use reperes_domain::comptes::RoleCompte;

use crate::commun::session::Visiteur;
use crate::commun::theme::Theme;

#[derive(Debug, Clone)]
pub struct Cadre {
    pub theme: Theme,
    /// Titre propre à la page (le gabarit ajoute « — Repères »).
    pub titre: String,
    pub nom: Option<String>,
    pub role: Option<RoleCompte>,
    /// Jeton CSRF de la session, masqué pour cette page (formulaires de la page et bouton de
    /// déconnexion).
    pub csrf: String,
    /// Message de confirmation affiché en haut de la page.
    pub message: Option<String>,
    /// Formulaire refusé : « (erreurs) » s'ajoute au titre de l'onglet (pas au h1).
    pub erreur: bool,
}

impl Cadre {
    pub fn anonyme(titre: &str) -> Cadre {
        Cadre {
            theme: Theme::actif(),
            titre: titre.to_string(),
            nom: None,
            role: None,
            csrf: String::new(),
            message: None,
            erreur: false,
        }
    }

    pub fn pour(v: &Visiteur, titre: impl Into<String>) -> Cadre {
        Cadre {
            theme: Theme::actif(),
            titre: titre.into(),
            nom: v.utilisateur.as_ref().map(|u| u.nom.clone()),
            role: v.utilisateur.as_ref().map(|u| u.role),
            csrf: v.jeton_csrf(),
            message: None,
            erreur: false,
        }
    }

    pub fn avec_message(mut self, m: Option<String>) -> Cadre {
        self.message = m;
        self
    }

    /// La page ré-affiche un formulaire refusé : le titre de l'onglet le dit (« … (erreurs) »).
    pub fn en_erreur(mut self) -> Cadre {
        self.erreur = true;
        self
    }

    pub fn est_agent(&self) -> bool {
        self.role.is_some_and(|r| r.est_agent())
    }

    /// Compte d'expert (avis) : son accueil est la liste de ses demandes d'avis.
    pub fn est_expert(&self) -> bool {
        self.role == Some(RoleCompte::Expert)
    }

    pub fn est_admin(&self) -> bool {
        self.role == Some(RoleCompte::Administrateur)
    }
}
