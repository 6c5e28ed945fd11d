//! Pages légales et de confiance (issue 18) : mentions légales, données personnelles, cookies,
//! plan du site. Le contenu vient des données : l'instance (`etat.config.instance`), le registre
//! des données personnelles (`donnees/donnees-personnelles.toml` : traitements et cookies), le
//! plan du site (`contenus/plan-du-site.toml`).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use reperes_domain::donnees_personnelles::{registre_complet, Cookie, Traitement};
use reperes_domain::instance::Instance;
use reperes_domain::pages_legales::{plan, Rubrique};

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::commun::theme::Theme;
use crate::{ErreurWeb, Etat};

#[derive(Template)]
#[template(path = "accueil/mentions_legales.html")]
struct MentionsLegales {
    cadre: Cadre,
    instance: Instance,
    dsfr: bool,
    /// Mention du fournisseur des fonds de carte, s'il y a une carte.
    fonds_de_carte: Option<String>,
}

/// `GET /mentions-legales`.
pub async fn mentions_legales(
    State(etat): State<Etat>,
    v: Visiteur,
) -> Result<Response, ErreurWeb> {
    let cadre = Cadre::pour(&v, "Mentions légales");
    page(
        &MentionsLegales {
            dsfr: cadre.theme == Theme::Dsfr,
            cadre,
            instance: (*etat.config.instance).clone(),
            fonds_de_carte: etat.config.tuiles.as_ref().map(|t| t.attribution.clone()),
        },
        None,
        false,
    )
}

#[derive(Template)]
#[template(path = "accueil/donnees_personnelles.html")]
struct DonneesPersonnelles {
    cadre: Cadre,
    instance: Instance,
    traitements: Vec<Traitement>,
}

/// `GET /donnees-personnelles`.
pub async fn donnees_personnelles(
    State(etat): State<Etat>,
    v: Visiteur,
) -> Result<Response, ErreurWeb> {
    page(
        &DonneesPersonnelles {
            cadre: Cadre::pour(&v, "Données personnelles"),
            instance: (*etat.config.instance).clone(),
            traitements: registre_complet().traitements,
        },
        None,
        false,
    )
}

#[derive(Template)]
#[template(path = "accueil/cookies.html")]
struct Cookies {
    cadre: Cadre,
    cookies: Vec<Cookie>,
}

/// `GET /cookies`.
pub async fn cookies(v: Visiteur) -> Result<Response, ErreurWeb> {
    page(
        &Cookies {
            cadre: Cadre::pour(&v, "Gestion des cookies"),
            cookies: registre_complet().cookies,
        },
        None,
        false,
    )
}

#[derive(Template)]
#[template(path = "accueil/plan_du_site.html")]
struct PlanDuSite {
    cadre: Cadre,
    rubriques: &'static [Rubrique],
}

/// `GET /plan-du-site`.
pub async fn plan_du_site(v: Visiteur) -> Result<Response, ErreurWeb> {
    page(
        &PlanDuSite {
            cadre: Cadre::pour(&v, "Plan du site"),
            rubriques: plan(),
        },
        None,
        false,
    )
}
