//! En-têtes de sécurité appliqués à toutes les réponses.

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

pub async fn entetes(State(etat): State<Etat>, req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    if derriere_tls(&etat) {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
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
