//! En-têtes de sécurité appliqués à toutes les réponses (dont `Cache-Control: no-store` sur les
//! réponses privées), et contrôle des champs de formulaire à l'entrée (caractères de contrôle,
//! longueurs).

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::Etat;

/// Politique de sécurité du contenu : aucun script en ligne, rien d'extérieur. `img-src data:` sert
/// aux icônes que la feuille de style du DSFR embarque en URI `data:`.
pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
frame-ancestors 'none'";

/// HSTS (deux ans, sous-domaines compris), envoyé seulement si le site est servi en HTTPS.
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Le site est-il servi derrière TLS ? On se fie à l'adresse publique configurée
/// (`REPERES_URL`) : un `X-Forwarded-Proto` fourni par le client ne décide de rien, et HSTS
/// envoyé sur `http://localhost` bloquerait le développement local.
pub fn derriere_tls(etat: &Etat) -> bool {
    etat.config
        .url_publique
        .get(..8)
        .is_some_and(|debut| debut.eq_ignore_ascii_case("https://"))
}

/// Chemins des pages privées (espaces, dossiers, instruction, administration, comptes et
/// formulaires qui portent un jeton CSRF propre au visiteur) : jamais gardées en cache.
const CHEMINS_PRIVES: &[&str] = &[
    "/espace",
    "/organisations",
    "/dispositifs",
    "/dossiers",
    "/fichiers",
    "/instruction",
    "/administration",
    "/invitation",
    "/inscription",
    "/connexion",
    "/deconnexion",
    "/verification",
    "/mot-de-passe-oublie",
    "/reinitialisation",
    "/donnees/abonnements",
];

/// La réponse est-elle privée (`Cache-Control: no-store`) ? Toute réponse à une personne
/// connectée, toute réponse qui pose un cookie, et les pages de [`CHEMINS_PRIVES`] (ou une saisie
/// de territoire) ; les fichiers statiques, les pages publiques et les données ouvertes servies à
/// une personne anonyme gardent leur cache.
fn reponse_privee(chemin: &str, connecte: bool, pose_un_cookie: bool) -> bool {
    if chemin.starts_with("/static/") {
        return false;
    }
    let sous = |p: &str| {
        chemin
            .strip_prefix(p)
            .is_some_and(|reste| reste.is_empty() || reste.starts_with('/'))
    };
    connecte
        || pose_un_cookie
        || CHEMINS_PRIVES.iter().any(|p| sous(p))
        || (chemin.starts_with("/territoires/") && chemin.ends_with("/saisie"))
}

/// La CSP d'une réponse : [`CSP`], avec `frame-ancestors` remplacé pour une page locale
/// intégrable (`'self'` et ses origines, déjà contrôlées à la saisie), et, si la carte a des
/// tuiles (issue 17, partie « carte »), leurs origines ajoutées à `img-src` (et rien d'autre).
pub fn csp_avec(etat: &Etat, frame_ancestors: Option<&str>) -> String {
    let csp = match frame_ancestors {
        Some(f) => CSP.replace("frame-ancestors 'none'", &format!("frame-ancestors {f}")),
        None => CSP.to_string(),
    };
    match &etat.config.tuiles {
        Some(t) => csp.replace(
            "img-src 'self' data:;",
            &format!("img-src 'self' data: {};", t.sources_csp()),
        ),
        None => csp,
    }
}

pub async fn entetes(State(etat): State<Etat>, req: Request, next: Next) -> Response {
    let chemin = req.uri().path().to_string();
    let connecte = crate::commun::session::porte_une_session(req.headers());
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    let deja_sans_cache = h
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"));
    if !deja_sans_cache && reponse_privee(&chemin, connecte, h.contains_key(header::SET_COOKIE)) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if derriere_tls(&etat) {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    // Page d'une version locale (issue 17) : intégrable depuis ses origines déclarées, elle
    // seule (`frame-ancestors` de sa CSP, pas de X-Frame-Options) ; toute autre réponse : jamais.
    let integrable = r
        .extensions()
        .get::<crate::commun::portee::Integrable>()
        .and_then(|i| HeaderValue::from_str(&csp_avec(&etat, Some(&i.0))).ok());
    let h = r.headers_mut();
    match integrable {
        Some(csp) => {
            h.insert(header::CONTENT_SECURITY_POLICY, csp);
        }
        None => {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(&csp_avec(&etat, None))
                    .unwrap_or_else(|_| HeaderValue::from_static(CSP)),
            );
            h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    r
}

/// Taille maximale d'un formulaire urlencodé (celle qu'applique `axum::Form` par défaut).
const FORMULAIRE_MAX: usize = 2 * 1024 * 1024;

/// Refuse, avant tout gestionnaire, un champ de formulaire urlencodé qui contient un caractère de
/// contrôle ([`reperes_domain::saisie::caractere_de_controle`]) ou qui dépasse sa longueur
/// maximale ([`reperes_domain::saisie::longueur_depassee`], une seule table pour tous les
/// champs) : un message clair plutôt qu'un texte enregistré tel quel (ou une erreur de la base). Les formulaires multipart sont contrôlés
/// à leur lecture (`dossiers::lire_envoi`). Les paramètres d'URL (recherches, qui n'enregistrent
/// rien) sont débarrassés de ces caractères.
pub async fn refuser_controles(req: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    use reperes_domain::saisie::{
        caractere_de_controle, est_controle, longueur_depassee, message_controle, message_longueur,
    };
    let refus = |champ: &str, c: char| {
        crate::ErreurWeb::Requete(format!("{}, puis recommencez.", message_controle(champ, c)))
            .into_response()
    };
    let mut req = req;
    if let Some(q) = req.uri().query() {
        let paires: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if paires.iter().any(|(k, v)| {
            caractere_de_controle(k)
                .or_else(|| caractere_de_controle(v))
                .is_some()
        }) {
            // Une recherche n'enregistre rien : ses caractères de contrôle sont retirés plutôt
            // que refusés (l'API documente des textes libres).
            let sans = |s: &str| -> String { s.chars().filter(|c| !est_controle(*c)).collect() };
            let propre = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(paires.iter().map(|(k, v)| (sans(k), sans(v))))
                .finish();
            let mut parties = req.uri().clone().into_parts();
            let chemin = req.uri().path().to_string();
            parties.path_and_query = format!("{chemin}?{propre}").parse().ok();
            if let Ok(uri) = axum::http::Uri::from_parts(parties) {
                *req.uri_mut() = uri;
            }
        }
    }
    let urlencode = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !urlencode {
        return next.run(req).await;
    }
    let (parties, corps) = req.into_parts();
    let Ok(octets) = axum::body::to_bytes(corps, FORMULAIRE_MAX).await else {
        return (
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            crate::ErreurWeb::Requete("Formulaire trop volumineux (2 Mo au plus).".into()),
        )
            .into_response();
    };
    for (k, v) in form_urlencoded::parse(&octets) {
        if let Some(c) = caractere_de_controle(&k).or_else(|| caractere_de_controle(&v)) {
            return refus(&k, c);
        }
        // Une seule table de longueurs pour tous les champs (référentiel `longueurs-saisie`).
        if let Some(max) = longueur_depassee(&k, &v) {
            return crate::ErreurWeb::Requete(format!(
                "{}, puis recommencez.",
                message_longueur(&k, max, &v)
            ))
            .into_response();
        }
    }
    next.run(Request::from_parts(parties, axum::body::Body::from(octets)))
        .await
}
