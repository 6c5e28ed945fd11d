//! La portée d'une requête : le site national, ou une version locale de la carte (issue 17),
//! servie sous `/t/{slug}/…`. Une version locale restreint **par construction** ce que montrent
//! les pages publiques qu'elle sert (recherche et fiches des lieux, orientation, titulaires,
//! signataires, indicateurs) à son périmètre ; elle a son nom, son logo, sa couleur, son thème, et
//! les origines qui peuvent l'intégrer dans une iframe.
//!
//! `territoires::versions_locales::servir` pose la portée dans les extensions de la requête avant de la
//! passer au routeur des pages locales (`routes.rs`) ; les gestionnaires la lisent par le
//! [`Visiteur`](crate::commun::session::Visiteur) (`v.portee`) ou directement (extracteur).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use reperes_domain::territoires::{Perimetre, Situation};
use reperes_domain::versions_locales::VersionLocale;

use crate::commun::theme::Theme;
use crate::Etat;

/// La portée d'une requête.
#[derive(Debug, Clone)]
pub struct Portee {
    /// Thème des pages : celui de l'instance, ou celui de la version locale.
    pub theme: Theme,
    /// La version locale qui sert la page (`None` : le site national).
    pub locale: Option<Arc<VersionLocale>>,
    /// Son périmètre, partagé avec les critères de recherche.
    perimetre: Option<Arc<Perimetre>>,
}

/// Le site national dans le thème par défaut (DSFR). Les requêtes n'en dépendent pas : leur
/// portée vient de [`de_la_requete`] (thème de la configuration de l'application).
impl Default for Portee {
    fn default() -> Self {
        Portee::nationale(Theme::default())
    }
}

impl Portee {
    pub fn nationale(theme: Theme) -> Portee {
        Portee {
            theme,
            locale: None,
            perimetre: None,
        }
    }

    /// La portée d'une version locale (son thème ; DSFR si elle le demande, sinon neutre).
    pub fn locale(v: VersionLocale) -> Portee {
        Portee {
            theme: Theme::depuis_nom(&v.theme).unwrap_or(Theme::Neutre),
            perimetre: Some(Arc::new(v.perimetre.clone())),
            locale: Some(Arc::new(v)),
        }
    }

    /// Début des chemins des pages : `""` (national) ou `/t/charente`.
    pub fn prefixe(&self) -> String {
        self.locale
            .as_ref()
            .map(|v| v.prefixe())
            .unwrap_or_default()
    }

    /// Le périmètre à appliquer (`None` : national, tout).
    pub fn perimetre(&self) -> Option<Arc<Perimetre>> {
        self.perimetre.clone()
    }

    /// Ce qui est situé ainsi est-il visible dans cette portée ? (Toujours au national.)
    pub fn contient(&self, s: &Situation) -> bool {
        self.perimetre.as_ref().is_none_or(|p| p.contient(s))
    }
}

/// La portée posée par `territoires::versions_locales::servir`, sinon le site national (thème de
/// l'instance).
impl FromRequestParts<Etat> for Portee {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, etat: &Etat) -> Result<Self, Self::Rejection> {
        Ok(de_la_requete(parts, etat))
    }
}

pub fn de_la_requete(parts: &Parts, etat: &Etat) -> Portee {
    parts
        .extensions
        .get::<Portee>()
        .cloned()
        .unwrap_or_else(|| Portee::nationale(etat.config.theme))
}

/// Posée sur la réponse d'une page locale : la valeur de `frame-ancestors` de sa CSP (`'self'`
/// et les origines déclarées), que `securite::entetes` applique à cette réponse seule.
#[derive(Debug, Clone)]
pub struct Integrable(pub String);

// Ce que montre une page dans la portée (règles documentées dans
// `docs/versions-locales.md`, « Ce que montre une version locale »).
impl Portee {
    /// Une version locale (et non le site national) ?
    pub fn est_locale(&self) -> bool {
        self.locale.is_some()
    }

    /// Une organisation (titulaire, signataire) dont l'adresse est ce code postal et cette
    /// commune est-elle dans la portée ? Elle est située comme pour les indicateurs
    /// (`DonneesPlateforme::situer_titres`) : `Territoires::situer(None, cp, commune)`.
    pub fn contient_adresse(&self, code_postal: &str, commune: &str) -> bool {
        crate::commun::donnees::organisation_dans(self.perimetre.as_deref(), code_postal, commune)
    }

    /// Un territoire (page de ses indicateurs) est-il dans la portée ? Il l'est s'il est l'un
    /// des territoires du périmètre, ou contenu dans l'un d'eux : toutes ses communes sont dans
    /// le périmètre (une intercommunalité à cheval sur deux départements n'est pas dans un
    /// périmètre qui n'en a qu'un). Toujours au national.
    pub fn recouvre(&self, t: &reperes_domain::territoires::Territoire) -> bool {
        // Une seule règle, celle du domaine (aussi celle du filtre `?territoire=` des données
        // ouvertes des chartes).
        self.perimetre
            .as_ref()
            .is_none_or(|p| p.recouvre(t, reperes_domain::territoires::Territoires::embarque()))
    }
}
