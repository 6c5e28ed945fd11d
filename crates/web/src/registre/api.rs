//! API JSON publique, en lecture : registre, référentiels, statistiques. Versionnée sous
//! `/api/v1`, décrite par un document OpenAPI généré depuis le code (`/api/openapi.json`).

use axum::extract::{Query, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::titulaires::{titulaires, FiltresRegistre, Titulaire, PAR_PAGE};
use crate::commun::api::{erreur_interne, ErreurApi};
use crate::commun::donnees::{organisation_dans, perimetre_demande, ParametreTerritoire};
use crate::Etat;

/// Une page de titulaires.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListeTitulaires {
    pub total: usize,
    pub page: usize,
    pub par_page: usize,
    pub titulaires: Vec<Titulaire>,
}

/// Titulaires du registre, filtrés et paginés.
#[utoipa::path(get, path = "/api/v1/registre", tag = "registre",
    params(FiltresRegistre, ParametreTerritoire),
    responses((status = 200, description = "Titulaires", body = ListeTitulaires),
        (status = 400, description = "Territoire mal écrit", body = ErreurApi),
        (status = 404, description = "Territoire absent du référentiel", body = ErreurApi)))]
pub async fn api_registre(
    State(etat): State<Etat>,
    Query(f): Query<FiltresRegistre>,
    RawQuery(q): RawQuery,
) -> Response {
    // Filtre `territoire=` (issue 17) : les titulaires situés par l'adresse de leur organisation.
    let perimetre = match perimetre_demande(q.as_deref()) {
        Ok(p) => p,
        Err(refus) => return refus.api(),
    };
    match titulaires(&etat, &f).await {
        Ok(mut tous) => {
            tous.retain(|t| organisation_dans(perimetre.as_ref(), &t.code_postal, &t.commune));
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
