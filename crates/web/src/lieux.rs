//! Lieux de médiation numérique : recherche publique (texte, commune ou code postal, service),
//! fiche d'un lieu lisible par une personne, API `/api/v1/lieux`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use reperes_domain::lieux::{schema_national, valeur, Enregistrement};
use reperes_domain::registre::{correspond, normaliser};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::cadre::Cadre;
use crate::formulaires::page;
use crate::session::Visiteur;
use crate::{ErreurWeb, Etat};

pub const PAR_PAGE: usize = 20;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiltresLieux {
    /// Recherche dans le nom et la présentation (sans tenir compte des accents).
    #[serde(default)]
    pub q: Option<String>,
    /// Commune ou code postal.
    #[serde(default)]
    pub lieu: Option<String>,
    /// Service proposé (valeur exacte du schéma national).
    #[serde(default)]
    pub service: Option<String>,
    /// Page (à partir de 1).
    #[serde(default)]
    pub page: Option<String>,
}

fn rempli(x: &Option<String>) -> Option<&str> {
    x.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn texte(e: &Enregistrement, k: &str) -> String {
    valeur(e, k).unwrap_or_default()
}

impl FiltresLieux {
    fn garde(&self, e: &Enregistrement) -> bool {
        rempli(&self.q).is_none_or(|q| {
            correspond(
                &normaliser(&format!(
                    "{} {}",
                    texte(e, "nom"),
                    texte(e, "presentation_resume")
                )),
                q,
            )
        }) && rempli(&self.lieu).is_none_or(|l| {
            texte(e, "code_postal").starts_with(l)
                || correspond(&normaliser(&texte(e, "commune")), l)
        }) && rempli(&self.service).is_none_or(|s| texte(e, "services").split('|').any(|x| x == s))
    }
    fn page(&self) -> usize {
        rempli(&self.page)
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
            .max(1)
    }
    fn requete(&self) -> String {
        let champs: Vec<(&str, &str)> = [
            ("q", &self.q),
            ("lieu", &self.lieu),
            ("service", &self.service),
        ]
        .into_iter()
        .filter_map(|(k, v)| rempli(v).map(|v| (k, v)))
        .collect();
        serde_urlencoded::to_string(champs).unwrap_or_default()
    }
}

/// Un lieu trouvé : sa source et ses données au schéma national.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LieuApi {
    pub source: String,
    /// Champs du schéma national v1.0.2 (multivalués séparés par « | »).
    #[schema(value_type = Object)]
    pub donnees: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListeLieux {
    pub total: usize,
    pub page: usize,
    pub par_page: usize,
    pub lieux: Vec<LieuApi>,
}

async fn chercher(
    etat: &Etat,
    f: &FiltresLieux,
) -> Result<Vec<(String, Enregistrement)>, ErreurWeb> {
    let mut v: Vec<(String, Enregistrement)> = etat
        .store
        .lieux()
        .await?
        .into_iter()
        .filter(|(_, e)| f.garde(e))
        .collect();
    v.sort_by_key(|(_, e)| normaliser(&texte(e, "nom")));
    Ok(v)
}

/// Lieux de médiation numérique, filtrés et paginés.
#[utoipa::path(get, path = "/api/v1/lieux", tag = "lieux", params(FiltresLieux),
    responses((status = 200, description = "Lieux", body = ListeLieux)))]
pub async fn api_lieux(State(etat): State<Etat>, Query(f): Query<FiltresLieux>) -> Response {
    match chercher(&etat, &f).await {
        Ok(tous) => {
            let total = tous.len();
            let page = f.page();
            let lieux = tous
                .into_iter()
                .skip(page.saturating_sub(1).saturating_mul(PAR_PAGE))
                .take(PAR_PAGE)
                .map(|(source, e)| LieuApi {
                    source,
                    donnees: Value::Object(e.into_iter().collect()),
                })
                .collect();
            Json(ListeLieux {
                total,
                page,
                par_page: PAR_PAGE,
                lieux,
            })
            .into_response()
        }
        Err(e) => e.into_response(),
    }
}

pub struct Ligne {
    /// Chemin de la fiche du lieu.
    pub id: String,
    pub nom: String,
    pub adresse: String,
    pub services: Vec<String>,
}

#[derive(Template)]
#[template(path = "lieux.html")]
struct PageLieux {
    cadre: Cadre,
    f: FiltresLieux,
    lignes: Vec<Ligne>,
    total: usize,
    page: usize,
    pages: usize,
    requete: String,
    services: Vec<String>,
}

impl PageLieux {
    fn valeur(&self, champ: &str) -> String {
        match champ {
            "q" => rempli(&self.f.q),
            "lieu" => rempli(&self.f.lieu),
            _ => None,
        }
        .unwrap_or_default()
        .to_string()
    }
    fn service_choisi(&self, s: &str) -> bool {
        rempli(&self.f.service) == Some(s)
    }
}

fn chemin_lieu(source: &str, id: &str) -> String {
    format!(
        "/lieux/{}/{}",
        serde_urlencoded::to_string([("", source)])
            .unwrap_or_default()
            .trim_start_matches('='),
        serde_urlencoded::to_string([("", id)])
            .unwrap_or_default()
            .trim_start_matches('=')
    )
}

pub async fn recherche(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(f): Query<FiltresLieux>,
) -> Result<Response, ErreurWeb> {
    let tous = chercher(&etat, &f).await?;
    let total = tous.len();
    let pages = total.div_ceil(PAR_PAGE).max(1);
    let page_n = f.page().min(pages);
    let lignes = tous
        .into_iter()
        .skip((page_n - 1) * PAR_PAGE)
        .take(PAR_PAGE)
        .map(|(source, e)| Ligne {
            id: chemin_lieu(&source, &texte(&e, "id")),
            nom: texte(&e, "nom"),
            adresse: format!(
                "{}, {} {}",
                texte(&e, "adresse"),
                texte(&e, "code_postal"),
                texte(&e, "commune")
            ),
            services: texte(&e, "services")
                .split('|')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        })
        .collect();
    let t = PageLieux {
        cadre: Cadre::pour(
            &v,
            if page_n > 1 {
                format!("Lieux de médiation numérique, page {page_n}")
            } else {
                "Lieux de médiation numérique".into()
            },
        ),
        requete: f.requete(),
        services: schema_national()
            .champ("services")
            .map(|c| c.valeurs_enumerees())
            .unwrap_or_default(),
        lignes,
        total,
        page: page_n,
        pages,
        f,
    };
    page(&t, None, false)
}

#[derive(Template)]
#[template(path = "lieu.html")]
struct PageLieu {
    cadre: Cadre,
    nom: String,
    source: String,
    champs: Vec<(String, Vec<String>, bool)>,
}

pub async fn fiche(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((source, id)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    let tous = etat.store.lieux().await?;
    let (_, e) = tous
        .iter()
        .find(|(s, e)| *s == source && texte(e, "id") == id)
        .cloned()
        .ok_or(ErreurWeb::Introuvable)?;
    // Titre de page unique : nom et commune, et l'identifiant si un autre lieu a les mêmes.
    let cle = |x: &Enregistrement| {
        (
            texte(x, "nom"),
            texte(x, "code_postal"),
            texte(x, "commune"),
        )
    };
    let homonymes = tous.iter().filter(|(_, x)| cle(x) == cle(&e)).count();
    let mut titre = format!(
        "{}, {} {}",
        texte(&e, "nom"),
        texte(&e, "code_postal"),
        texte(&e, "commune")
    );
    if homonymes > 1 {
        titre = format!("{titre} (fiche {source}/{id})");
    }
    let schema = schema_national();
    let champs = schema
        .champs
        .iter()
        .filter(|c| !matches!(c.nom.as_str(), "id" | "nom"))
        .filter_map(|c| {
            let t = texte(&e, &c.nom);
            if t.is_empty() {
                return None;
            }
            let lien = t.starts_with("https://") || t.starts_with("http://");
            let valeurs = if c.valeurs_enumerees().is_empty() && c.nom != "courriels" {
                vec![t]
            } else {
                t.split('|').map(str::to_string).collect()
            };
            Some((
                c.titre.clone().unwrap_or_else(|| c.nom.clone()),
                valeurs,
                lien,
            ))
        })
        .collect();
    page(
        &PageLieu {
            cadre: Cadre::pour(&v, titre),
            nom: texte(&e, "nom"),
            source,
            champs,
        },
        None,
        false,
    )
}
