//! API des référentiels (labels et chartes, toutes versions).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::commun::api::{introuvable, ErreurApi};
use crate::Etat;

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
