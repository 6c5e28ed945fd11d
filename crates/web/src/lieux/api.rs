//! API des lieux (`/api/v1/lieux`) : mêmes filtres que la recherche, réponses JSON paginées.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use reperes_domain::lieux::index::EnregistrementVu;
use serde::Serialize;
use utoipa::ToSchema;

use crate::commun::api::{erreur_api, ErreurApi};
use crate::commun::libelles::chemin_lieu;
use crate::Etat;

use super::recherche::{chercher, Filtres, ParametresLieux, PAR_PAGE};

/// Un lieu trouvé : sa source et ses données au schéma national.
#[derive(Clone, Serialize, ToSchema)]
pub struct LieuApi<'a> {
    pub source: String,
    /// Distance au point de recherche, en kilomètres.
    pub distance_km: Option<f64>,
    /// Chemin de la fiche publique.
    pub fiche: String,
    /// Champs du schéma national v1.0.2 (multivalués séparés par « | »).
    /// Sérialisé directement depuis l'index (même JSON que l'enregistrement importé).
    #[schema(value_type = Object)]
    pub donnees: EnregistrementVu<'a>,
}

#[derive(Serialize, ToSchema)]
pub struct ListeLieux<'a> {
    pub total: usize,
    pub page: usize,
    pub par_page: usize,
    /// Localisation retenue ou avertissement.
    pub localisation: Option<String>,
    /// Si `lieu` désigne plusieurs communes : lesquelles (aucun lieu n'est alors renvoyé ;
    /// redemander avec le `libelle` de la bonne).
    pub communes_possibles: Vec<CommunePossible>,
    pub lieux: Vec<LieuApi<'a>>,
}

/// Une commune parmi celles que désigne un nom ambigu.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunePossible {
    /// « Saint-Denis (97400) » : à redonner tel quel dans `lieu`.
    pub libelle: String,
    pub code_insee: String,
    pub nom: String,
    pub codes_postaux: Vec<String>,
}

/// Lieux de médiation numérique, filtrés, triés par distance (ou par nom) et paginés.
#[utoipa::path(get, path = "/api/v1/lieux", tag = "lieux", params(ParametresLieux),
    responses((status = 200, description = "Lieux", body = ListeLieux),
        (status = 400, description = "Paramètre invalide", body = ErreurApi)))]
pub async fn api_lieux(State(etat): State<Etat>, RawQuery(q): RawQuery) -> Response {
    let f = match Filtres::lire_api(q.as_deref()) {
        Ok(f) => f,
        Err(m) => return erreur_api(StatusCode::BAD_REQUEST, m),
    };
    let r = match chercher(&etat, &f, None).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    // Une commune ambiguë n'est pas une requête fautive : la réponse dit entre quelles communes
    // choisir (à redemander par son libellé), sans lieux.
    let communes_possibles: Vec<CommunePossible> = r
        .ambigue
        .iter()
        .map(|c| CommunePossible {
            libelle: c.libelle(),
            code_insee: c.code_insee.clone(),
            nom: c.nom.clone(),
            codes_postaux: c.codes_postaux.clone(),
        })
        .collect();
    let total = r.trouves.len();
    // Les données complètes de chaque lieu viennent de l'index en mémoire (aucune lecture en
    // base) ; l'enregistrement rendu est celui qui a été importé, champ pour champ.
    let lieux = r
        .trouves
        .iter()
        .skip((f.page - 1).saturating_mul(PAR_PAGE))
        .take(PAR_PAGE)
        .map(|t| {
            let l = r.index.lieu(t.rang);
            LieuApi {
                source: l.source.to_string(),
                distance_km: t.distance_km.map(|d| (d * 100.0).round() / 100.0),
                fiche: chemin_lieu(&l.source, &l.id),
                donnees: r.index.enregistrement_vu(t.rang),
            }
        })
        .collect();
    Json(ListeLieux {
        total,
        page: f.page,
        par_page: PAR_PAGE,
        localisation: r.localisation,
        communes_possibles,
        lieux,
    })
    .into_response()
}
