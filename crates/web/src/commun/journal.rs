//! Journal de sécurité, vu du web : une ligne pour noter un événement là où il se produit.
//!
//! ```ignore
//! journal::noter(&etat, &v, Evenement::ConnexionEchouee { courriel: &f.email }).await;
//! ```
//!
//! L'adresse IP et le user-agent (borné) viennent du [`Visiteur`] ; le compte est celui que
//! l'événement nomme, sinon la personne connectée. Une panne de la base en notant ne fait pas
//! échouer la requête : elle est écrite dans les journaux du serveur.

use chrono::Utc;
use reperes_store::{EvenementSecurite, NouvelEvenement};

use crate::commun::session::Visiteur;
use crate::Etat;

/// Un événement de sécurité, avec ce qu'il faut en garder (jamais de secret).
///
/// Changement de mot de passe ou d'adresse connecté, second facteur : prêts pour les parties qui
/// ajoutent ces fonctions.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy)]
pub enum Evenement<'a> {
    ConnexionReussie {
        courriel: &'a str,
    },
    ConnexionEchouee {
        courriel: &'a str,
    },
    /// Refus pour trop de tentatives (verrouillage temporaire).
    TropDeTentatives {
        courriel: &'a str,
    },
    MotDePasseChange,
    CourrielChange {
        ancien: &'a str,
        nouveau: &'a str,
    },
    ReinitialisationDemandee {
        courriel: &'a str,
    },
    /// Mot de passe choisi par un lien de réinitialisation.
    Reinitialisation {
        courriel: &'a str,
    },
    /// Jeton CSRF absent ou invalide sur un envoi de formulaire.
    RefusCsrf {
        chemin: &'a str,
    },
    /// Rôle donné à un compte (ou invitation à le prendre).
    RoleChange {
        compte: &'a str,
        details: &'a str,
    },
    /// Export de données personnelles (exports de l'instruction, du journal…).
    Export {
        quoi: &'a str,
    },
    SecondFacteurActive,
    SecondFacteurDesactive,
}

impl Evenement<'_> {
    /// Nature, compte nommé par l'événement, détails.
    fn decrire(self) -> (EvenementSecurite, Option<String>, Option<String>) {
        use EvenementSecurite as E;
        let s = |x: &str| Some(x.trim().to_lowercase());
        match self {
            Evenement::ConnexionReussie { courriel } => (E::ConnexionReussie, s(courriel), None),
            Evenement::ConnexionEchouee { courriel } => (E::ConnexionEchouee, s(courriel), None),
            Evenement::TropDeTentatives { courriel } => (E::TropDeTentatives, s(courriel), None),
            Evenement::MotDePasseChange => (E::MotDePasseChange, None, None),
            Evenement::CourrielChange { ancien, nouveau } => (
                E::CourrielChange,
                s(ancien),
                Some(format!("nouvelle adresse : {nouveau}")),
            ),
            Evenement::ReinitialisationDemandee { courriel } => {
                (E::ReinitialisationDemandee, s(courriel), None)
            }
            Evenement::Reinitialisation { courriel } => (E::Reinitialisation, s(courriel), None),
            Evenement::RefusCsrf { chemin } => (E::RefusCsrf, None, Some(chemin.to_string())),
            Evenement::RoleChange { compte, details } => {
                (E::RoleChange, s(compte), Some(details.to_string()))
            }
            Evenement::Export { quoi } => (E::ExportDonneesPersonnelles, None, Some(quoi.into())),
            Evenement::SecondFacteurActive => (E::SecondFacteurActive, None, None),
            Evenement::SecondFacteurDesactive => (E::SecondFacteurDesactive, None, None),
        }
    }
}

/// Le user-agent de la requête, borné à 256 caractères (les plus longs ne servent qu'à remplir).
pub fn user_agent(entetes: &axum::http::HeaderMap) -> Option<String> {
    entetes.get(axum::http::header::USER_AGENT).map(|x| {
        String::from_utf8_lossy(x.as_bytes())
            .chars()
            .take(256)
            .collect()
    })
}

/// Ce qu'il faut d'une requête pour retrouver l'adresse du client et son user-agent une fois
/// la requête consommée (page d'erreur rendue après coup par `erreur::reprendre`).
pub struct Origine {
    entetes: axum::http::HeaderMap,
    connexion: Option<axum::extract::ConnectInfo<std::net::SocketAddr>>,
}

/// Relève l'origine d'une requête : user-agent, en-tête d'adresse du mandataire s'il est réglé,
/// adresse de la connexion.
pub fn origine(req: &axum::extract::Request, etat: &Etat) -> Origine {
    let mut entetes = axum::http::HeaderMap::new();
    let noms = [
        Some(axum::http::header::USER_AGENT.as_str()),
        etat.config.entete_ip.as_deref(),
    ];
    for nom in noms.into_iter().flatten() {
        if let Ok(nom) = axum::http::HeaderName::try_from(nom) {
            for valeur in req.headers().get_all(&nom) {
                entetes.append(nom.clone(), valeur.clone());
            }
        }
    }
    Origine {
        entetes,
        connexion: req.extensions().get().cloned(),
    }
}

impl Origine {
    /// Repose l'origine sur des parties de requête reconstruites.
    pub fn poser(self, parts: &mut axum::http::request::Parts) {
        for (nom, valeur) in &self.entetes {
            parts.headers.append(nom.clone(), valeur.clone());
        }
        if let Some(c) = self.connexion {
            parts.extensions.insert(c);
        }
    }
}

/// Note l'événement au journal de sécurité, au nom du visiteur (IP, user-agent, compte connecté).
pub async fn noter(etat: &Etat, v: &Visiteur, ev: Evenement<'_>) {
    let (evenement, compte, details) = ev.decrire();
    let compte = compte
        .filter(|c| !c.is_empty())
        .or_else(|| v.utilisateur.as_ref().map(|u| u.email.clone()));
    let details = match (&v.utilisateur, details) {
        // Qui agit, quand ce n'est pas le compte concerné (changement de rôle par un autre…).
        (Some(u), Some(d)) if compte.as_deref() != Some(u.email.as_str()) => {
            Some(format!("{d} (par {})", u.email))
        }
        (_, d) => d,
    };
    let e = NouvelEvenement {
        evenement,
        compte,
        ip: Some(v.ip.clone()),
        user_agent: v.user_agent.clone(),
        details,
    };
    if let Err(err) = etat.store.noter_securite(&e, Utc::now()).await {
        tracing::error!(evenement = evenement.code(), "journal de sécurité : {err}");
    }
}
