//! Recherche d'un territoire (commune, EPCI, département, région), hors ligne, dans le référentiel
//! des territoires.

use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use reperes_domain::territoires::{Niveau, Territoires};
use serde::Deserialize;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::ErreurWeb;

/// Nombre maximal de résultats de recherche par échelon.
pub const RESULTATS_MAX: usize = 20;

#[derive(Debug, Default, Deserialize)]
pub struct RequeteRecherche {
    #[serde(default)]
    q: Option<String>,
}

struct GroupeResultats {
    titre: &'static str,
    /// (chemin, libellé)
    territoires: Vec<(String, String)>,
    complet: bool,
}

#[derive(Template)]
#[template(path = "territoires/recherche.html")]
struct PageRecherche {
    cadre: Cadre,
    q: String,
    cherche: bool,
    groupes: Vec<GroupeResultats>,
    total: usize,
    max: usize,
    exemples: Vec<(String, String)>,
}

pub async fn recherche(
    v: Visiteur,
    Query(r): Query<RequeteRecherche>,
) -> Result<Response, ErreurWeb> {
    let q = r.q.unwrap_or_default().trim().to_string();
    let t = Territoires::embarque();
    let groupes: Vec<GroupeResultats> = if q.is_empty() {
        Vec::new()
    } else {
        t.chercher(&q, RESULTATS_MAX + 1)
            .into_iter()
            .rev()
            .map(|(n, mut v)| {
                let complet = v.len() <= RESULTATS_MAX;
                v.truncate(RESULTATS_MAX);
                GroupeResultats {
                    titre: n.libelle_pluriel(),
                    territoires: v
                        .iter()
                        .map(|x| {
                            let lib = if x.niveau == Niveau::Commune {
                                format!("{} (code INSEE {})", x.nom, x.code)
                            } else {
                                x.libelle()
                            };
                            (x.chemin(), lib)
                        })
                        .collect(),
                    complet,
                }
            })
            .collect()
    };
    let total = groupes.iter().map(|g| g.territoires.len()).sum();
    let exemples = [
        (Niveau::Region, "75"),
        (Niveau::Departement, "16"),
        (Niveau::Epci, "200071827"),
        (Niveau::Commune, "16015"),
    ]
    .into_iter()
    .filter_map(|(n, c)| t.territoire(n, c))
    .map(|x| (x.chemin(), x.libelle()))
    .collect();
    page(
        &PageRecherche {
            cadre: Cadre::pour(
                &v,
                if q.is_empty() {
                    "Territoires".to_string()
                } else {
                    format!("Territoires : « {q} »")
                },
            ),
            cherche: !q.is_empty(),
            q,
            groupes,
            total,
            max: RESULTATS_MAX,
            exemples,
        },
        None,
        false,
    )
}
