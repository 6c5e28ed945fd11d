//! API JSON publique, en lecture : registre, référentiels, statistiques. Versionnée sous
//! `/api/v1`, décrite par un document OpenAPI généré depuis le code (`/api/openapi.json`).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::commun::api::{erreur_interne, introuvable, ErreurApi};
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::registre::{titulaires, FiltresRegistre, Titulaire, PAR_PAGE};
use crate::{ErreurWeb, Etat};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "API Repères",
        version = "1.0.0",
        description = "Registre public des titulaires des labels de l'inclusion numérique, référentiels et statistiques. Lecture seule, sans authentification. Données sous Licence Ouverte 2.0.",
        license(name = "etalab-2.0", url = "https://www.etalab.gouv.fr/licence-ouverte-open-licence")
    ),
    paths(api_registre, api_referentiels, api_referentiel, api_statistiques, crate::lieux::api_lieux),
    components(schemas(Titulaire, ListeTitulaires, ReferentielApi, CritereApi, ExigenceApi, Statistiques, StatistiquesLabel, ErreurApi, crate::lieux::LieuApi, crate::lieux::ListeLieux, crate::lieux::CommunePossible)),
    tags((name = "registre"), (name = "referentiels"), (name = "statistiques"), (name = "lieux"))
)]
pub struct DocApi;

/// Une page de titulaires.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListeTitulaires {
    pub total: usize,
    pub page: usize,
    pub par_page: usize,
    pub titulaires: Vec<Titulaire>,
}

/// Titulaires du registre, filtrés et paginés.
#[utoipa::path(get, path = "/api/v1/registre", tag = "registre", params(FiltresRegistre),
    responses((status = 200, description = "Titulaires", body = ListeTitulaires)))]
pub async fn api_registre(State(etat): State<Etat>, Query(f): Query<FiltresRegistre>) -> Response {
    match titulaires(&etat, &f).await {
        Ok(tous) => {
            let total = tous.len();
            let page = f.page();
            let titulaires = tous
                .into_iter()
                .skip((page.saturating_sub(1)).saturating_mul(PAR_PAGE))
                .take(PAR_PAGE)
                .collect();
            Json(ListeTitulaires {
                total,
                page,
                par_page: PAR_PAGE,
                titulaires,
            })
            .into_response()
        }
        Err(e) => erreur_interne(e),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExigenceApi {
    pub type_dispositif: String,
    pub niveau: u8,
    pub texte: String,
    pub preuves: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CritereApi {
    pub id: String,
    pub libelle: String,
    pub description: String,
    pub obligatoire_aux_niveaux: Vec<u8>,
    pub exigences: Vec<ExigenceApi>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferentielApi {
    pub id: String,
    pub version: String,
    /// label ou charte
    pub nature: String,
    pub nom: String,
    pub nom_court: String,
    pub source: String,
    pub debut_validite: String,
    pub fin_validite: Option<String>,
    pub demandeurs: Vec<String>,
    pub types_dispositif: Vec<String>,
    pub niveaux: Vec<String>,
    pub criteres: Vec<CritereApi>,
}

fn referentiel_api(r: &reperes_domain::Referentiel) -> ReferentielApi {
    ReferentielApi {
        id: r.id.clone(),
        version: r.version.clone(),
        nature: r.nature.libelle().to_string(),
        nom: r.nom.clone(),
        nom_court: r.nom_court.clone(),
        source: r.source.texte.clone(),
        debut_validite: r.validite.debut.to_string(),
        fin_validite: r.validite.fin.map(|f| f.to_string()),
        demandeurs: r.demandeurs.clone(),
        types_dispositif: r.types_dispositif.clone(),
        niveaux: r.niveaux.iter().map(|n| n.libelle.clone()).collect(),
        criteres: r
            .criteres
            .iter()
            .map(|c| CritereApi {
                id: c.id.clone(),
                libelle: c.libelle.clone(),
                description: c.description.clone(),
                obligatoire_aux_niveaux: c.obligatoire_aux_niveaux.clone(),
                exigences: c
                    .exigences
                    .iter()
                    .map(|e| ExigenceApi {
                        type_dispositif: e.type_dispositif.clone(),
                        niveau: e.niveau,
                        texte: e.texte.clone(),
                        preuves: e.preuves.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Tous les référentiels (labels et chartes), toutes versions.
#[utoipa::path(get, path = "/api/v1/referentiels", tag = "referentiels",
    responses((status = 200, description = "Référentiels", body = [ReferentielApi])))]
pub async fn api_referentiels(State(etat): State<Etat>) -> Json<Vec<ReferentielApi>> {
    Json(
        etat.catalogue
            .referentiels
            .iter()
            .map(referentiel_api)
            .collect(),
    )
}

/// Un référentiel, dans une version donnée.
#[utoipa::path(get, path = "/api/v1/referentiels/{id}/{version}", tag = "referentiels",
    params(("id" = String, Path, description = "Identifiant du référentiel"), ("version" = String, Path, description = "Version")),
    responses((status = 200, description = "Référentiel", body = ReferentielApi), (status = 404, description = "Inconnu", body = ErreurApi)))]
pub async fn api_referentiel(
    State(etat): State<Etat>,
    Path((id, version)): Path<(String, String)>,
) -> Response {
    match etat.catalogue.referentiel(&id, &version) {
        Some(r) => Json(referentiel_api(r)).into_response(),
        None => introuvable("Référentiel inconnu."),
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatistiquesLabel {
    pub label: String,
    pub label_nom: String,
    /// Dossiers déposés (hors brouillons), par état.
    pub par_etat: BTreeMap<String, i64>,
    pub deposes: i64,
    pub accordes: i64,
    pub refuses: i64,
    /// Part des décisions qui accordent le label (accordés / (accordés + refusés)).
    pub taux_octroi: Option<f64>,
    /// Délai médian entre le premier dépôt et la décision, en jours.
    pub delai_median_jours: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Statistiques {
    pub labels: Vec<StatistiquesLabel>,
}

fn mediane(mut v: Vec<i64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    })
}

pub async fn statistiques(etat: &Etat) -> Result<Statistiques, ErreurWeb> {
    let mut d = etat.store.donnees_statistiques().await?;
    let labels = etat
        .catalogue
        .referentiels
        .iter()
        .map(|r| r.id.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|id| {
            let par_etat: BTreeMap<String, i64> = d
                .par_etat
                .iter()
                .filter(|((r, _), _)| *r == id)
                .map(|((_, e), n)| (e.clone(), *n))
                .collect();
            let (accordes, refuses) = d.decisions.get(&id).copied().unwrap_or((0, 0));
            StatistiquesLabel {
                label_nom: etat
                    .catalogue
                    .referentiels
                    .iter()
                    .find(|r| r.id == id)
                    .map(|r| r.nom_court.clone())
                    .unwrap_or_default(),
                deposes: par_etat.values().sum(),
                par_etat,
                accordes,
                refuses,
                taux_octroi: (accordes + refuses > 0)
                    .then(|| accordes as f64 / (accordes + refuses) as f64),
                delai_median_jours: mediane(d.durees.remove(&id).unwrap_or_default()),
                label: id,
            }
        })
        .collect();
    Ok(Statistiques { labels })
}

/// Statistiques publiques par label.
#[utoipa::path(get, path = "/api/v1/statistiques", tag = "statistiques",
    responses((status = 200, description = "Statistiques", body = Statistiques)))]
pub async fn api_statistiques(State(etat): State<Etat>) -> Response {
    match statistiques(&etat).await {
        Ok(s) => Json(s).into_response(),
        Err(e) => erreur_interne(e),
    }
}

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(DocApi::openapi())
}

#[derive(Template)]
#[template(path = "statistiques.html")]
struct PageStatistiques {
    cadre: Cadre,
    s: Statistiques,
    etats: Vec<(String, String)>,
}

impl PageStatistiques {
    fn n(&self, l: &StatistiquesLabel, etat: &str) -> i64 {
        l.par_etat.get(etat).copied().unwrap_or(0)
    }
    fn pourcent(&self, x: &Option<f64>) -> String {
        x.map(|v| format!("{:.0} %", v * 100.0))
            .unwrap_or_else(|| "—".into())
    }
    fn jours(&self, x: &Option<f64>) -> String {
        x.map(|v| format!("{v:.0} jours"))
            .unwrap_or_else(|| "—".into())
    }
}

pub async fn page_statistiques(
    State(etat): State<Etat>,
    v: Visiteur,
) -> Result<Response, ErreurWeb> {
    let s = statistiques(&etat).await?;
    page(
        &PageStatistiques {
            cadre: Cadre::pour(&v, "Statistiques"),
            s,
            etats: reperes_domain::Etat::TOUS
                .iter()
                .filter(|e| **e != reperes_domain::Etat::Brouillon)
                .map(|e| (e.code().to_string(), e.libelle().to_string()))
                .collect(),
        },
        None,
        false,
    )
}
