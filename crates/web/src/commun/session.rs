//! Sessions (cookie opaque, empreinte en base), personne connectée, protection CSRF.

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use chrono::{Duration, Utc};
use reperes_domain::comptes::{Personne, RoleCompte};
use reperes_store::{Session, Utilisateur};
use subtle::ConstantTimeEq;

use crate::commun::auth;
use crate::{ErreurWeb, Etat};

pub const COOKIE_SESSION: &str = "reperes_session";
/// Durée d'une session connectée.
pub const DUREE_CONNECTEE: Duration = Duration::hours(12);
/// Durée d'une session anonyme (le temps de remplir un formulaire).
pub const DUREE_ANONYME: Duration = Duration::hours(2);

/// Qui fait la requête : sa session (s'il en a une) et son compte (s'il est connecté).
#[derive(Debug, Clone, Default)]
pub struct Visiteur {
    pub session: Option<Session>,
    pub utilisateur: Option<Utilisateur>,
    pub personne: Option<Personne>,
    /// Adresse IP du client (limitation de débit).
    pub ip: String,
    /// Agent sans second facteur alors que l'administration l'exige : conduit à l'activer avant
    /// tout accès à l'instruction (`agent()`, `administrateur()`), et vu comme un demandeur par
    /// les règles d'accès aux dossiers.
    pub second_facteur_a_activer: bool,
}

fn cookie(parts: &Parts, nom: &str) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == nom)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<Etat> for Visiteur {
    type Rejection = ErreurWeb;

    async fn from_request_parts(parts: &mut Parts, etat: &Etat) -> Result<Self, Self::Rejection> {
        let par_entete = etat.config.entete_ip.as_ref().and_then(|nom| {
            parts
                .headers
                .get(nom.as_str())
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(|ip| ip.trim().to_string())
                .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
        });
        let ip = par_entete.unwrap_or_else(|| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "inconnue".into())
        });
        let mut v = Visiteur {
            ip,
            ..Default::default()
        };
        let Some(valeur) = cookie(parts, COOKIE_SESSION) else {
            return Ok(v);
        };
        let Some(session) = etat
            .store
            .session(&auth::empreinte(&valeur), Utc::now())
            .await?
        else {
            return Ok(v);
        };
        if let Some(uid) = &session.utilisateur_id {
            if let Some(u) = etat.store.utilisateur(uid).await?.filter(|u| u.actif) {
                let mut personne = etat.store.personne(&u).await?;
                if u.role.est_agent() && etat.store.second_facteur_a_activer(&u.id).await? {
                    v.second_facteur_a_activer = true;
                    personne.role = RoleCompte::Demandeur;
                }
                v.personne = Some(personne);
                v.utilisateur = Some(u);
            }
        }
        v.session = Some(session);
        Ok(v)
    }
}

/// En-tête `Set-Cookie` de la session.
pub fn entete_cookie(etat: &Etat, valeur: &str, duree: Duration) -> HeaderValue {
    let secure = if etat.config.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE_SESSION}={valeur}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        duree.num_seconds()
    ))
    .expect("cookie ASCII")
}

/// En-tête qui efface le cookie de session.
pub fn entete_effacement(etat: &Etat) -> HeaderValue {
    entete_cookie(etat, "", Duration::zero())
}

/// Ouvre une nouvelle session (anonyme ou pour un compte) ; rend la session et l'en-tête à poser.
pub async fn ouvrir(
    etat: &Etat,
    utilisateur_id: Option<String>,
) -> Result<(Session, (axum::http::HeaderName, HeaderValue)), ErreurWeb> {
    let valeur = auth::jeton();
    let duree = if utilisateur_id.is_some() {
        DUREE_CONNECTEE
    } else {
        DUREE_ANONYME
    };
    let s = Session {
        id_hash: auth::empreinte(&valeur),
        utilisateur_id,
        csrf: auth::jeton(),
        expire_le: Utc::now() + duree,
    };
    etat.store.creer_session(&s).await?;
    Ok((s, (SET_COOKIE, entete_cookie(etat, &valeur, duree))))
}

impl Visiteur {
    /// Jeton CSRF de la session ; ouvre une session anonyme s'il n'y en a pas (l'en-tête à poser
    /// est alors rendu).
    pub async fn csrf(
        &mut self,
        etat: &Etat,
    ) -> Result<(String, Option<(axum::http::HeaderName, HeaderValue)>), ErreurWeb> {
        if let Some(s) = &self.session {
            return Ok((s.csrf.clone(), None));
        }
        let (s, entete) = ouvrir(etat, None).await?;
        let csrf = s.csrf.clone();
        self.session = Some(s);
        Ok((csrf, Some(entete)))
    }

    /// Vérifie le jeton CSRF soumis avec un formulaire.
    pub fn verifier_csrf(&self, soumis: &str) -> Result<(), ErreurWeb> {
        match &self.session {
            Some(s) if bool::from(s.csrf.as_bytes().ct_eq(soumis.as_bytes())) => Ok(()),
            _ => Err(ErreurWeb::Csrf),
        }
    }

    /// Vérifie le jeton CSRF d'un formulaire lu comme liste de paires (champs dynamiques).
    pub fn verifier_csrf_champs(&self, champs: &[(String, String)]) -> Result<(), ErreurWeb> {
        let soumis = champs
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.as_str());
        self.verifier_csrf(soumis.unwrap_or(""))
    }

    /// Le compte connecté, ou une invitation à se connecter.
    pub fn connecte(&self) -> Result<(&Utilisateur, &Personne), ErreurWeb> {
        match (&self.utilisateur, &self.personne) {
            (Some(u), Some(p)) => Ok((u, p)),
            _ => Err(ErreurWeb::NonConnecte),
        }
    }

    /// Le compte connecté s'il est agent de l'instruction.
    pub fn agent(&self) -> Result<(&Utilisateur, &Personne), ErreurWeb> {
        let (u, p) = self.connecte()?;
        if u.role.est_agent() && self.second_facteur_a_activer {
            Err(ErreurWeb::SecondFacteurRequis)
        } else if u.role.est_agent() {
            Ok((u, p))
        } else {
            Err(ErreurWeb::Interdit)
        }
    }

    /// Le compte connecté s'il est administrateur.
    pub fn administrateur(&self) -> Result<(&Utilisateur, &Personne), ErreurWeb> {
        let (u, p) = self.connecte()?;
        if u.role == RoleCompte::Administrateur && self.second_facteur_a_activer {
            Err(ErreurWeb::SecondFacteurRequis)
        } else if u.role == RoleCompte::Administrateur {
            Ok((u, p))
        } else {
            Err(ErreurWeb::Interdit)
        }
    }
}
