//! Statistiques publiques par label (dossiers déposés par état, taux d'octroi, délai médian) : page
//! et API.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::commun::api::erreur_interne;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

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

#[derive(Template)]
#[template(path = "registre/statistiques.html")]
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
