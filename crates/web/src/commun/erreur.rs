//! Les erreurs de la couche web, rendues en pages HTML françaises. Une seule politique : le
//! détail technique va au journal du serveur (avec la chaîne de ses causes), jamais à la page.
//!
//! Par construction, un refus métier du store (`Refus`, `Conflit`) devient une page 400 portant
//! son message français, un objet introuvable une page 404, le reste une page 500.

use std::error::Error as _;

use askama::Template;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST, LOCATION, REFERER};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use reperes_store::ErreurStore;

use crate::commun::cadre::Cadre;
use crate::commun::cibles;
use crate::commun::journal;
use crate::commun::portee::Portee;
use crate::commun::session::Visiteur;
use crate::commun::theme::Theme;
use crate::Etat;

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
    /// Accès refusé, avec la raison montrée à la personne (403) : conflit d'intérêts, décision
    /// réservée à un autre rôle.
    #[error("accès interdit : {0}")]
    InterditPour(String),
    #[error("jeton CSRF absent ou invalide")]
    Csrf,
    /// Requête refusée, avec le message français montré à la personne (400).
    #[error("requête invalide : {0}")]
    Requete(String),
    #[error("trop de tentatives")]
    TropDeTentatives,
    /// Envoi trop volumineux, avec le message français montré à la personne (413).
    #[error("envoi trop volumineux : {0}")]
    TropVolumineux(String),
    /// Plafond d'envois de fichiers simultanés atteint (503, avec `Retry-After`).
    #[error("trop d'envois simultanés")]
    Occupe,
    /// Délai maximal d'un envoi dépassé (408).
    #[error("délai de l'envoi dépassé")]
    DelaiDepasse,
    /// Agent sans second facteur, exigé par l'administration : conduit à la page d'activation.
    #[error("second facteur à activer")]
    SecondFacteurRequis,
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
    /// Ce qu'il faut faire maintenant (formulaire expiré, par exemple).
    conseil: Option<String>,
    /// Les chemins du retour, le plus utile d'abord : (adresse, libellé).
    liens: Vec<(String, String)>,
}

/// Déposée dans les extensions de la réponse par [`ErreurWeb::into_response`] : la page à
/// rendre de nouveau par la couche [`reprendre`], qui connaît la requête (personne connectée,
/// page précédente, adresse demandée).
#[derive(Debug, Clone)]
struct PageARendre {
    titre: &'static str,
    message: String,
    csrf: bool,
}

/// Déposée sur la redirection vers la connexion : la couche [`reprendre`] y ajoute la cible
/// (`?suite=…`).
#[derive(Debug, Clone)]
struct ConnexionRequise;

impl ErreurWeb {
    /// Statut, titre et message de la page.
    fn page(&self) -> (StatusCode, &'static str, String) {
        match self {
            ErreurWeb::NonConnecte => unreachable!("redirigé vers la connexion"),
            ErreurWeb::SecondFacteurRequis => unreachable!("redirigé vers l'activation"),
            ErreurWeb::Introuvable => (
                StatusCode::NOT_FOUND,
                "Page introuvable",
                "La page que vous cherchez n'existe pas, a été déplacée, ou vous n'y avez pas accès. Vérifiez l'adresse, ou repartez d'un des liens ci-dessous.".to_string(),
            ),
            ErreurWeb::Interdit => (
                StatusCode::FORBIDDEN,
                "Accès refusé",
                "Votre compte ne permet pas d'accéder à cette page.".to_string(),
            ),
            ErreurWeb::InterditPour(m) => (StatusCode::FORBIDDEN, "Accès refusé", m.clone()),
            ErreurWeb::Csrf => (
                StatusCode::FORBIDDEN,
                "Formulaire expiré",
                "Ce formulaire a expiré (la page est restée ouverte longtemps, ou la session a changé entre-temps) ou ne provient pas de Repères : rien n'a été enregistré.".to_string(),
            ),
            ErreurWeb::Requete(m) => (StatusCode::BAD_REQUEST, "Requête invalide", m.clone()),
            ErreurWeb::TropDeTentatives => (
                StatusCode::TOO_MANY_REQUESTS,
                "Trop de tentatives",
                "Trop de tentatives en peu de temps. Patientez quinze minutes avant de réessayer.".to_string(),
            ),
            ErreurWeb::TropVolumineux(m) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Envoi trop volumineux",
                m.clone(),
            ),
            ErreurWeb::Occupe => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Service occupé",
                format!("Trop d'envois de fichiers sont en cours en ce moment : rien n'a été enregistré. Réessayez dans {} secondes.", crate::commun::envoi::REESSAYER_APRES),
            ),
            ErreurWeb::DelaiDepasse => (
                StatusCode::REQUEST_TIMEOUT,
                "Envoi trop long",
                "L'envoi a pris trop de temps (connexion lente ou fichiers trop lourds) : rien n'a été enregistré. Renvoyez le formulaire, avec des fichiers plus légers si possible.".to_string(),
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

/// Ce que la couche [`reprendre`] sait de la requête pour rendre une page d'erreur.
#[derive(Debug, Default)]
struct Circonstances {
    /// Chemin et requête de l'adresse demandée.
    chemin: String,
    /// Méthode GET ou HEAD (une adresse que l'on peut rouvrir).
    lecture: bool,
    /// Page précédente, si elle est de la même origine.
    precedente: Option<String>,
    connecte: bool,
}

/// Conseil et liens de la page d'erreur : la page précédente (ou le formulaire à rouvrir), la
/// page parente logique, l'espace de la personne connectée, l'accueil.
fn retours(a: &PageARendre, ctx: &Circonstances) -> (Option<String>, Vec<(String, String)>) {
    let mut liens: Vec<(String, String)> = Vec::new();
    let mut ajouter = |href: String, texte: &str| {
        if !liens.iter().any(|(h, _)| *h == href) {
            liens.push((href, texte.to_string()));
        }
    };
    let chemin_seul = ctx.chemin.split('?').next().unwrap_or_default();
    let parent = cibles::parent_logique(chemin_seul);
    let mut conseil = None;
    if a.csrf {
        // La page du formulaire : celle d'où l'envoi est parti, sinon son objet.
        let formulaire = ctx
            .precedente
            .clone()
            .or_else(|| parent.as_ref().map(|(p, _)| p.clone()));
        conseil = Some(match &formulaire {
            Some(_) => "Rouvrez la page du formulaire (le lien ci-dessous la recharge avec un formulaire neuf), saisissez de nouveau vos informations et envoyez-le.".to_string(),
            None => "Revenez à la page du formulaire, rechargez-la pour obtenir un formulaire neuf, saisissez de nouveau vos informations et envoyez-le.".to_string(),
        });
        if !ctx.connecte {
            conseil = conseil.map(|c| format!("{c} Si vous étiez connecté ou connectée, votre session a pu expirer : connectez-vous d'abord."));
        }
        if let Some(f) = formulaire {
            ajouter(f, "Rouvrir le formulaire");
        }
    } else if let Some(p) = ctx
        .precedente
        .as_ref()
        .filter(|p| !(ctx.lecture && **p == ctx.chemin))
    {
        ajouter(p.clone(), "Revenir à la page précédente");
    }
    if let Some((p, texte)) = parent {
        ajouter(p, texte);
    }
    if !ctx.connecte && a.csrf {
        ajouter(
            cibles::vers_connexion(ctx.precedente.as_deref()),
            "Se connecter",
        );
    }
    if ctx.connecte {
        ajouter(cibles::ACCUEIL_CONNECTE.to_string(), "Aller à mon espace");
    }
    ajouter("/".to_string(), "Retour à l'accueil");
    (conseil, liens)
}

impl IntoResponse for ErreurWeb {
    fn into_response(self) -> Response {
        if matches!(self, ErreurWeb::SecondFacteurRequis) {
            return Redirect::to("/compte/second-facteur").into_response();
        }
        if matches!(self, ErreurWeb::NonConnecte) {
            let mut r = Redirect::to("/connexion").into_response();
            r.extensions_mut().insert(ConnexionRequise);
            return r;
        }
        let (code, titre, message) = self.page();
        if code == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self.avec_causes(), "erreur interne");
        }
        let a = PageARendre {
            titre,
            message,
            csrf: matches!(self, ErreurWeb::Csrf),
        };
        // Rendu provisoire : la couche `reprendre` rend de nouveau la page (`PageARendre`) dans
        // le thème de l'application ou de la version locale, et pour le visiteur.
        let mut r = rendre(
            &a,
            Cadre::anonyme(Theme::default(), titre),
            &Circonstances::default(),
            code,
        );
        if code == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from(crate::commun::envoi::REESSAYER_APRES),
            );
        }
        r.extensions_mut().insert(a);
        r
    }
}

fn rendre(a: &PageARendre, cadre: Cadre, ctx: &Circonstances, code: StatusCode) -> Response {
    let (conseil, liens) = retours(a, ctx);
    let page = PageErreur {
        cadre,
        titre: a.titre,
        message: a.message.clone(),
        conseil,
        liens,
    };
    match page.render() {
        Ok(html) => (code, Html(html)).into_response(),
        Err(_) => (code, a.titre).into_response(),
    }
}

/// Une réponse d'erreur de l'extracteur d'axum (formulaire mal formé, méthode non permise, corps
/// trop gros…), en texte brut : la page d'erreur à rendre à sa place.
fn rejet_d_axum(r: &Response, chemin: &str) -> Option<PageARendre> {
    let texte_brut = r
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !texte_brut || chemin.starts_with("/api/") || chemin.starts_with("/static/") {
        return None;
    }
    let (titre, message) = match r.status() {
        StatusCode::METHOD_NOT_ALLOWED => (
            "Page introuvable",
            "Cette adresse reçoit l'envoi d'un formulaire : elle ne s'ouvre pas directement. Repartez d'un des liens ci-dessous.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "Envoi trop volumineux",
            "Ce que vous avez envoyé dépasse la taille permise : rien n'a été enregistré. Revenez à la page précédente et envoyez des fichiers plus petits.",
        ),
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "Requête invalide",
            "Le formulaire envoyé est incomplet ou mal formé : rien n'a été enregistré. Revenez à la page précédente, rechargez-la et envoyez-le de nouveau.",
        ),
        _ => return None,
    };
    Some(PageARendre {
        titre,
        message: message.to_string(),
        csrf: false,
    })
}

/// Couche posée sur toutes les routes : rend de nouveau les pages d'erreur avec l'en-tête de la
/// personne connectée (son nom, « Mon espace », « Se déconnecter ») et les chemins du retour
/// (page précédente de la même origine, page parente, espace, accueil) ; ajoute à la redirection
/// vers la connexion la page où revenir ensuite (`/connexion?suite=…`).
pub async fn reprendre(State(etat): State<Etat>, req: Request, next: Next) -> Response {
    let methode = req.method().clone();
    let uri = req.uri().clone();
    let mut entetes = HeaderMap::new();
    for nom in [COOKIE, REFERER, HOST] {
        for v in req.headers().get_all(&nom) {
            entetes.append(nom.clone(), v.clone());
        }
    }
    // Journal de sécurité (refus CSRF) : adresse et user-agent du client.
    let origine = journal::origine(&req, &etat);
    let mut r = next.run(req).await;
    // Page d'une version locale (issue 17) : sa portée (thème, chemins) vaut pour sa page
    // d'erreur ; `territoires::versions_locales::servir` la laisse sur la réponse.
    let portee = r.extensions_mut().remove::<Portee>();
    let lecture = methode == Method::GET || methode == Method::HEAD;
    let chemin = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    let precedente = entetes
        .get(REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referent| {
            let hote = entetes.get(HOST).and_then(|h| h.to_str().ok());
            cibles::chemin_du_referent(referent, hote, &etat.config.url_publique)
        })
        .map(str::to_string);
    if r.extensions_mut().remove::<ConnexionRequise>().is_some() {
        // Une adresse lue (GET) se rouvre après la connexion ; un envoi (POST) ramène à la page
        // d'où il est parti.
        let suite = if lecture {
            cibles::chemin_local(&chemin)
        } else {
            precedente.as_deref()
        };
        if let Ok(v) = HeaderValue::from_str(&cibles::vers_connexion(suite)) {
            r.headers_mut().insert(LOCATION, v);
        }
        return r;
    }
    let a = match r.extensions_mut().remove::<PageARendre>() {
        Some(a) => a,
        None => match rejet_d_axum(&r, uri.path()) {
            Some(a) => a,
            None => return r,
        },
    };
    let mut parts = Request::builder()
        .method(methode)
        .uri(uri)
        .body(())
        .map(|r| r.into_parts().0)
        .unwrap_or_else(|_| Request::new(()).into_parts().0);
    parts.headers = entetes;
    origine.poser(&mut parts);
    if let Some(p) = portee.clone() {
        parts.extensions.insert(p);
    }
    let v = match Visiteur::from_request_parts(&mut parts, &etat).await {
        Ok(v) => v,
        // Session illisible (base indisponible) : la page d'erreur garde le thème de
        // l'application (ou de la version locale), pas celui par défaut.
        Err(_) => Visiteur {
            portee: portee.unwrap_or_else(|| Portee::nationale(etat.config.theme)),
            ..Default::default()
        },
    };
    if a.csrf {
        journal::noter(&etat, &v, journal::Evenement::RefusCsrf { chemin: &chemin }).await;
    }
    let ctx = Circonstances {
        chemin,
        lecture,
        precedente,
        connecte: v.utilisateur.is_some(),
    };
    let code = r.status();
    let mut page = rendre(&a, Cadre::pour(&v, a.titre), &ctx, code);
    // Les en-têtes déjà posés (cookie de session ouvert, cache…) sont gardés, sauf la longueur et
    // le type du corps remplacé.
    for (nom, valeur) in r.headers() {
        if nom != CONTENT_LENGTH && nom != CONTENT_TYPE {
            page.headers_mut().append(nom.clone(), valeur.clone());
        }
    }
    page
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
