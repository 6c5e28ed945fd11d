//! La carte des résultats (issue 17, partie « carte ») : les points de `GET /lieux/carte.json`
//! (mêmes filtres que `/lieux`, **tous** les résultats, un point par ligne de résultats : un
//! groupe de doublons probables = un point, comme le total affiché) et le bloc carte des pages
//! `/lieux` et `/orientation` (amélioration progressive : `static/js/carte.js` le remplit, la liste
//! reste première et complète sans JavaScript). Tout vient de l'index en mémoire : aucune lecture
//! en base. Sans tuiles réglées (`Config::tuiles`), ni bloc ni script. Voir `docs/carte.md`.

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use reperes_domain::lieux::index::Trouve;
use serde::Serialize;

use super::recherche::{chercher, nom_affiche, Filtres, Recherche};
use crate::commun::libelles::chemin_lieu;
use crate::commun::portee::Portee;
use crate::{ErreurWeb, Etat};

/// Points au plus dans une réponse ; au-delà, `tronque` (la page le dit).
pub const PLAFOND: usize = 20_000;

/// Feuilles de style de la carte, posées par `carte.js` (aucune sans JavaScript).
pub const FEUILLES: &str =
    "/static/vendor/leaflet/leaflet.css /static/vendor/leaflet/markercluster.css /static/css/carte.css";

/// Un point : latitude, longitude, chemin de la fiche, nom affiché.
type Point = (f64, f64, String, String);

#[derive(Serialize)]
struct Points {
    /// Lignes de résultats (comme le total de la liste).
    total: usize,
    points: Vec<Point>,
    /// Lignes sans position (aucune fiche du groupe n'a de coordonnées) : pas sur la carte.
    sans_position: usize,
    /// Plus de [`PLAFOND`] points : les suivants ne sont pas envoyés.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    tronque: bool,
}

/// Arrondi à 1e-5 degré (environ un mètre) : assez pour une carte, plus court à transférer.
fn arrondi(x: f64) -> f64 {
    (x * 100_000.0).round() / 100_000.0
}

/// Les points des lignes de résultats (un par groupe ; la position de la première fiche du
/// groupe qui en a une) ; `prefixe` : celui de la portée (`""` ou `/t/charente`).
fn points(r: &Recherche, groupes: &[Vec<Trouve>], prefixe: &str) -> Points {
    let mut p = Points {
        total: groupes.len(),
        points: Vec::with_capacity(groupes.len().min(PLAFOND)),
        sans_position: 0,
        tronque: false,
    };
    for g in groupes {
        let Some(premier) = g.first() else { continue };
        let position = g.iter().find_map(|t| r.index.lieu(t.rang).position);
        let Some((la, lo)) = position else {
            p.sans_position += 1;
            continue;
        };
        if p.points.len() == PLAFOND {
            p.tronque = true;
            break;
        }
        let l = r.index.lieu(premier.rang);
        p.points.push((
            arrondi(la),
            arrondi(lo),
            format!("{prefixe}{}", chemin_lieu(&l.source, &l.id)),
            nom_affiche(l),
        ));
    }
    p
}

/// `GET /lieux/carte.json?<filtres de /lieux>` (et `/t/{slug}/lieux/carte.json`, restreint au
/// périmètre de la version locale).
pub async fn carte_json(
    State(etat): State<Etat>,
    portee: Portee,
    RawQuery(q): RawQuery,
) -> Result<Response, ErreurWeb> {
    let f = match Filtres::lire(q.as_deref()) {
        Ok(f) => f,
        Err(m) => {
            return Ok((
                StatusCode::BAD_REQUEST,
                axum::Json(serde_json::json!({ "erreur": m })),
            )
                .into_response())
        }
    };
    let r = chercher(&etat, &f, portee.perimetre()).await?;
    let groupes = r.groupes();
    let p = points(&r, &groupes, &portee.prefixe());
    Ok((
        [(header::CACHE_CONTROL, "public, max-age=60")],
        axum::Json(p),
    )
        .into_response())
}

/// Le bloc carte d'une page de résultats (gabarit `lieux/_carte.html`).
pub struct BlocCarte {
    /// Adresse des points (`…/lieux/carte.json?…`).
    pub points: String,
    pub tuiles: String,
    pub attribution: String,
    pub feuilles: &'static str,
}

/// Le bloc carte, seulement si des tuiles sont réglées et qu'il y a des résultats ; `requete` :
/// les filtres (`Filtres::requete`).
pub fn bloc(etat: &Etat, prefixe: &str, requete: &str, total: usize) -> Option<BlocCarte> {
    let t = etat.config.tuiles.as_ref()?;
    if total == 0 {
        return None;
    }
    Some(BlocCarte {
        points: if requete.is_empty() {
            format!("{prefixe}/lieux/carte.json")
        } else {
            format!("{prefixe}/lieux/carte.json?{requete}")
        },
        tuiles: t.modele.clone(),
        attribution: t.attribution.clone(),
        feuilles: FEUILLES,
    })
}
