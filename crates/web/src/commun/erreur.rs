//! Les erreurs de la couche web, rendues en pages HTML françaises. Une seule politique : le
//! détail technique va au journal du serveur (avec la chaîne de ses causes), jamais à la page.
//!
//! Par construction, un refus métier du store (`Refus`, `Conflit`) devient une page 400 portant
//! son message français, un objet introuvable une page 404, le reste une page 500.

use std::error::Error as _;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use reperes_store::ErreurStore;

use crate::commun::cadre::Cadre;

/// Une cause quelconque, gardée telle quelle pour le journal.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum ErreurWeb {
    #[error("page introuvable")]
    Introuvable,
    #[error("connexion requise")]
    NonConnecte,
    #[error("accès interdit")]
    Interdit,
    #[error("jeton CSRF absent ou invalide")]
    Csrf,
    /// Requête refusée, avec le message français montré à la personne (400).
    #[error("requête invalide : {0}")]
    Requete(String),
    #[error("trop de tentatives")]
    TropDeTentatives,
    /// Erreur du store qui n'est pas un refus métier : base, donnée corrompue… (500).
    #[error("erreur du store")]
    Store(#[source] ErreurStore),
    /// Rendu d'un gabarit (500).
    #[error("rendu du gabarit")]
    Gabarit(#[from] askama::Error),
    /// Autre erreur interne, avec ce que l'on faisait et sa cause (500).
    #[error("{contexte}")]
    Interne {
        contexte: String,
        #[source]
        source: Cause,
    },
    /// État incohérent de l'instance, sans cause sous-jacente (500) : référentiel ou liste
    /// attendue absente du catalogue, par exemple.
    #[error("incohérence : {0}")]
    Incoherence(String),
}

impl ErreurWeb {
    /// Une erreur interne : ce que l'on faisait, et sa cause.
    pub fn interne(contexte: impl Into<String>, source: impl Into<Cause>) -> ErreurWeb {
        ErreurWeb::Interne {
            contexte: contexte.into(),
            source: source.into(),
        }
    }

    /// Le message et toutes ses causes, « a : b : c » (pour le journal).
    pub fn avec_causes(&self) -> String {
        let mut texte = self.to_string();
        let mut cause = self.source();
        while let Some(c) = cause {
            texte.push_str(" : ");
            texte.push_str(&c.to_string());
            cause = c.source();
        }
        texte
    }
}

/// Ajoute à une erreur quelconque le contexte de ce que l'on faisait.
pub trait Contexte<T> {
    fn contexte(self, contexte: &str) -> Result<T, ErreurWeb>;
}

impl<T, E: Into<Cause>> Contexte<T> for Result<T, E> {
    fn contexte(self, contexte: &str) -> Result<T, ErreurWeb> {
        self.map_err(|e| ErreurWeb::interne(contexte, e))
    }
}

impl From<ErreurStore> for ErreurWeb {
    fn from(e: ErreurStore) -> Self {
        match e {
            ErreurStore::Refus(r) => ErreurWeb::Requete(r.to_string()),
            ErreurStore::Conflit(m) => ErreurWeb::Requete(m),
            ErreurStore::Introuvable(_) => ErreurWeb::Introuvable,
            autre => ErreurWeb::Store(autre),
        }
    }
}

#[derive(Template)]
#[template(path = "commun/erreur.html")]
struct PageErreur {
    cadre: Cadre,
    titre: &'static str,
    message: String,
}

impl ErreurWeb {
    /// Statut, titre et message de la page.
    fn page(&self) -> (StatusCode, &'static str, String) {
        match self {
            ErreurWeb::NonConnecte => unreachable!("redirigé vers la connexion"),
            ErreurWeb::Introuvable => (
                StatusCode::NOT_FOUND,
                "Page introuvable",
                "La page que vous cherchez n'existe pas, a été déplacée, ou vous n'y avez pas accès. Vérifiez l'adresse, ou repartez de l'accueil.".to_string(),
            ),
            ErreurWeb::Interdit => (
                StatusCode::FORBIDDEN,
                "Accès refusé",
                "Votre compte ne permet pas d'accéder à cette page.".to_string(),
            ),
            ErreurWeb::Csrf => (
                StatusCode::FORBIDDEN,
                "Formulaire expiré",
                "Ce formulaire a expiré ou ne provient pas de Repères. Revenez à la page précédente, rechargez-la et envoyez-le à nouveau.".to_string(),
            ),
            ErreurWeb::Requete(m) => (StatusCode::BAD_REQUEST, "Requête invalide", m.clone()),
            ErreurWeb::TropDeTentatives => (
                StatusCode::TOO_MANY_REQUESTS,
                "Trop de tentatives",
                "Trop de tentatives en peu de temps. Patientez quinze minutes avant de réessayer.".to_string(),
            ),
            ErreurWeb::Store(_)
            | ErreurWeb::Gabarit(_)
            | ErreurWeb::Interne { .. }
            | ErreurWeb::Incoherence(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Erreur inattendue",
                "Une erreur est survenue de notre côté. Réessayez dans quelques instants ; si elle persiste, signalez-la.".to_string(),
            ),
        }
    }
}

impl IntoResponse for ErreurWeb {
    fn into_response(self) -> Response {
        if matches!(self, ErreurWeb::NonConnecte) {
            return Redirect::to("/connexion").into_response();
        }
        let (code, titre, message) = self.page();
        if code == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self.avec_causes(), "erreur interne");
        }
        let page = PageErreur {
            cadre: Cadre::anonyme(titre),
            titre,
            message,
        };
        match page.render() {
            Ok(html) => (code, Html(html)).into_response(),
            Err(_) => (code, titre).into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;
    use reperes_domain::Refus;

    async fn rendu(e: ErreurWeb) -> (StatusCode, String) {
        let r = e.into_response();
        let code = r.status();
        let corps = to_bytes(r.into_body(), usize::MAX).await.unwrap();
        (code, String::from_utf8(corps.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn un_refus_du_store_donne_400_avec_son_message() {
        let refus = Refus::EcheanceInvalide;
        let message = refus.to_string();
        let (code, page) = rendu(ErreurStore::Refus(refus).into()).await;
        assert_eq!(code, StatusCode::BAD_REQUEST);
        assert!(page.contains(&askama_echappe(&message)), "{page}");
    }

    #[tokio::test]
    async fn un_conflit_du_store_donne_400_avec_son_message() {
        let (code, page) = rendu(ErreurStore::Conflit("Déjà publié.".into()).into()).await;
        assert_eq!(code, StatusCode::BAD_REQUEST);
        assert!(page.contains("Déjà publié."), "{page}");
    }

    #[tokio::test]
    async fn introuvable_du_store_donne_404() {
        let (code, _) = rendu(ErreurStore::Introuvable("dossier x".into()).into()).await;
        assert_eq!(code, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn une_erreur_sqlx_donne_500_sans_son_detail() {
        let e: ErreurWeb =
            ErreurStore::Sqlx(sqlx::Error::Protocol("secret-technique".into())).into();
        assert!(matches!(e, ErreurWeb::Store(_)));
        let (code, page) = rendu(e).await;
        assert_eq!(code, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!page.contains("secret-technique"), "{page}");
        assert!(page.contains("Erreur inattendue"));
    }

    #[test]
    fn la_chaine_des_causes_est_gardee() {
        let io = std::io::Error::other("disque plein");
        let e = ErreurWeb::interne("écriture du fichier", io);
        let cause = std::error::Error::source(&e).expect("une cause");
        assert_eq!(cause.to_string(), "disque plein");
        assert_eq!(e.avec_causes(), "écriture du fichier : disque plein");

        let store: ErreurWeb =
            ErreurStore::Sqlx(sqlx::Error::Protocol("connexion perdue".into())).into();
        let cause = std::error::Error::source(&store).expect("l'erreur du store");
        assert!(std::error::Error::source(cause).is_some(), "l'erreur sqlx");
        assert!(store.avec_causes().contains("connexion perdue"));
    }

    #[test]
    fn contexte_sur_un_resultat() {
        let r: Result<(), std::io::Error> = Err(std::io::Error::other("illisible"));
        let e = r.contexte("lecture").unwrap_err();
        assert_eq!(e.avec_causes(), "lecture : illisible");
    }

    /// Le message tel qu'askama l'échappe dans la page.
    fn askama_echappe(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&#34;")
            .replace('\'', "&#39;")
    }
}
