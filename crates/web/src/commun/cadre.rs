//! Le cadre commun des pages : thème, titre, personne connectée, jeton CSRF du formulaire de
//! déconnexion, message de confirmation.

use reperes_domain::accessibilite::{conformite_du_site, Conformite};
use reperes_domain::comptes::RoleCompte;

use crate::commun::portee::Portee;
use crate::commun::session::Visiteur;
use crate::commun::theme::Theme;

/// L'en-tête d'une version locale (issue 17) : son nom, son logo, sa feuille de couleur.
#[derive(Debug, Clone)]
pub struct EnTeteLocal {
    pub nom: String,
    /// Adresse du logo (`/t/charente/logo`), s'il y en a un.
    pub logo: Option<String>,
    /// Feuille de la couleur d'accent (`/t/charente/theme.css`), s'il y en a une.
    pub feuille: Option<String>,
    /// Début des chemins (`/t/charente`).
    pub prefixe: String,
}

impl EnTeteLocal {
    fn de(p: &Portee) -> Option<EnTeteLocal> {
        let v = p.locale.as_ref()?;
        let prefixe = v.prefixe();
        Some(EnTeteLocal {
            nom: v.nom.clone(),
            logo: v.logo_type.as_ref().map(|_| format!("{prefixe}/logo")),
            feuille: v.couleur.as_ref().map(|_| format!("{prefixe}/theme.css")),
            prefixe,
        })
    }
}

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
    /// Début des chemins des pages publiques : `""` au national, `/t/charente` dans une version
    /// locale (les gabarits l'écrivent devant leurs liens : `{{ cadre.prefixe }}/lieux`).
    pub prefixe: String,
    /// Version locale : son en-tête (nom, logo, couleur) remplace celui du site national.
    pub locale: Option<EnTeteLocal>,
    /// Issue 18 : état de conformité au RGAA, affiché dans chaque pied de page.
    pub accessibilite: Conformite,
}

impl Cadre {
    /// Le cadre d'une page sans visiteur connu, dans ce thème (celui de l'application :
    /// `etat.config.theme`, ou celui de la portée de la requête).
    pub fn anonyme(theme: Theme, titre: &str) -> Cadre {
        Cadre {
            theme,
            titre: titre.to_string(),
            nom: None,
            role: None,
            csrf: String::new(),
            message: None,
            erreur: false,
            prefixe: String::new(),
            locale: None,
            accessibilite: conformite_du_site(),
        }
    }

    /// Le cadre d'une page pour ce visiteur, dans sa portée (thème, version locale).
    pub fn pour(v: &Visiteur, titre: impl Into<String>) -> Cadre {
        Cadre {
            theme: v.portee.theme,
            titre: titre.into(),
            nom: v.utilisateur.as_ref().map(|u| u.nom.clone()),
            role: v.utilisateur.as_ref().map(|u| u.role),
            csrf: v.jeton_csrf(),
            message: None,
            erreur: false,
            prefixe: v.portee.prefixe(),
            locale: EnTeteLocal::de(&v.portee),
            accessibilite: conformite_du_site(),
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
