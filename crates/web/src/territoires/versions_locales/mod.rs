//! Versions locales de la carte (issue 17) : une collectivité, une association ou un hub publie
//! la carte des lieux de son territoire, à son nom, sous `/t/{slug}/…`, intégrable dans une
//! iframe depuis les origines qu'il déclare.
//!
//! - [`servir`] : toute adresse `/t/{slug}/…` ; lit la version (404 si inconnue ou désactivée),
//!   pose sa [`Portee`] dans la requête et la passe au routeur des pages locales (`routes.rs`,
//!   `routeur_local`) : seules les pages publiques qui y sont listées existent sous `/t/` ; la
//!   réponse porte la liste des origines qui peuvent l'intégrer ([`Integrable`]).
//! - `administration` : pages de l'administrateur (liste, création, modification, code
//!   d'intégration, logo) sous `/administration/versions-locales`.
//! - `ressources` : `/t/{slug}/theme.css` (couleur d'accent) et `/t/{slug}/logo`.

use axum::extract::{Path, Request, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;
use tower::ServiceExt;

use crate::commun::portee::{Integrable, Portee};
use crate::{ErreurWeb, Etat};

mod administration;
mod ressources;

pub use administration::{creer, liste, logo as envoyer_logo, modifier, version, LOGO_MAX};
pub use ressources::{logo, theme_css};

/// La version locale active de cette adresse, sinon 404.
pub(crate) async fn version_active(
    etat: &Etat,
    slug: &str,
) -> Result<reperes_domain::versions_locales::VersionLocale, ErreurWeb> {
    etat.store
        .version_locale_par_slug(slug)
        .await?
        .filter(|v| v.active)
        .ok_or(ErreurWeb::Introuvable)
}

/// `/t/{slug}` et `/t/{slug}/` : la recherche des lieux de la version.
pub async fn accueil(
    State(etat): State<Etat>,
    Path(slug): Path<String>,
) -> Result<Response, ErreurWeb> {
    let v = version_active(&etat, &slug).await?;
    let mut r = Redirect::to(&format!("{}/lieux", v.prefixe())).into_response();
    r.extensions_mut().insert(Integrable(v.frame_ancestors()));
    Ok(r)
}

/// `/t/{slug}/{*reste}` : la page `/{reste}` du routeur local, dans la portée de la version.
pub async fn servir(
    etat: Etat,
    slug: String,
    reste: String,
    local: Router,
    req: Request,
) -> Result<Response, ErreurWeb> {
    let v = version_active(&etat, &slug).await?;
    let integrable = Integrable(v.frame_ancestors());
    let chemin = match req.uri().query() {
        Some(q) => format!("/{reste}?{q}"),
        None => format!("/{reste}"),
    };
    let uri = chemin.parse::<Uri>().map_err(|_| ErreurWeb::Introuvable)?;
    // Une requête neuve pour le routeur local (issue 17, partie « vlpages ») : les paramètres du
    // chemin `/t/{slug}/{*reste}`, qu'axum garde dans les extensions, s'ajouteraient à ceux de la
    // route locale (la fiche d'un lieu, `Path<(String, String)>`, en recevrait quatre : 500).
    // Seule l'adresse de la connexion est gardée (limitation de débit, journal).
    let (parts, corps) = req.into_parts();
    let mut req = Request::new(corps);
    *req.method_mut() = parts.method;
    *req.uri_mut() = uri;
    *req.version_mut() = parts.version;
    *req.headers_mut() = parts.headers;
    if let Some(c) = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .cloned()
    {
        req.extensions_mut().insert(c);
    }
    let portee = Portee::locale(v);
    req.extensions_mut().insert(portee.clone());
    let mut r = match local.oneshot(req).await {
        Ok(r) => r,
        Err(e) => match e {},
    };
    r.extensions_mut().insert(integrable);
    // La page d'erreur d'une page locale (rendue par
    // `erreur::reprendre`) garde le thème et les chemins de la version.
    r.extensions_mut().insert(portee);
    Ok(r)
}
