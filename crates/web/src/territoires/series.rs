//! Séries de valeurs d'un indicateur (calculées depuis la plateforme ou saisies) et leur graphique
//! SVG accessible ; lieux situés dans les territoires, gardés par version.

use chrono::{Datelike, NaiveDate, Utc};
use reperes_domain::indicateurs::{
    calculer, formater_nombre, premiere_annee, Calcul, DonneesPlateforme, Indicateur, LieuSitue,
    Mode, ReferentielIndicateurs,
};
use reperes_domain::territoires::{Territoire, Territoires};
use reperes_store::{Store, ValeurIndicateur};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::Mutex;

use crate::commun::erreur::Contexte;
use crate::{ErreurWeb, Etat};

use crate::commun::libelles::echapper_xml;

use super::territoire::{avec_unite, LieuxParVersion};

/// Une valeur d'une année.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Point {
    pub(super) annee: i32,
    /// Nombre normalisé (« 12 », « 37.5 »).
    pub(super) valeur: String,
    /// D'où vient la valeur.
    pub(super) source: String,
    /// Date de la valeur : fin d'année ou jour du calcul, date de la source saisie.
    pub(super) date: NaiveDate,
    /// Valeur du jour (année en cours d'un indicateur calculé).
    pub(super) a_ce_jour: bool,
}

/// Les valeurs d'un indicateur pour un territoire.
pub(super) struct Serie<'a> {
    pub(super) indicateur: &'a Indicateur,
    pub(super) points: Vec<Point>,
    pub(super) notes: Vec<String>,
}

/// Source écrite dans l'export pour une valeur calculée.
const SOURCE_PLATEFORME: &str = "données de la plateforme Repères";

fn note_historique(calcul: &Calcul) -> &'static str {
    match calcul {
        Calcul::LieuxCartographies | Calcul::LieuxAvecProgramme { .. } => {
            "Historique : valeur au 31 décembre de chaque année, d'après la date de mise à jour de chaque lieu par sa source (à défaut, sa date d'import). Un lieu mis à jour après le 31 décembre n'est compté qu'à partir de l'année de cette mise à jour : les valeurs des années passées sont des minimums."
        }
        Calcul::SignatairesCharte { .. } => {
            "Historique : valeur au 31 décembre de chaque année, d'après les dates de signature et de fin (retrait, expiration) enregistrées sur la plateforme."
        }
        Calcul::OrganismesPromotion => {
            "Historique : valeur au 31 décembre de chaque année, d'après la date de mise à jour des lieux (à défaut, leur date d'import) et les dates des labels et des chartes (accord, retrait, expiration). Les valeurs des années passées sont des minimums."
        }
    }
}

fn serie_calculee<'a>(
    ind: &'a Indicateur,
    calcul: &Calcul,
    t: &Territoire,
    donnees: &DonneesPlateforme,
    annee_min: i32,
    aujourd_hui: NaiveDate,
) -> Serie<'a> {
    let annee = aujourd_hui.year();
    let premiere = premiere_annee(calcul, t.niveau, &t.code, donnees);
    let debut = premiere.unwrap_or(annee).clamp(annee_min, annee);
    let r = calculer(
        calcul,
        t.niveau,
        &t.code,
        donnees,
        debut..=annee,
        aujourd_hui,
    );
    let points = r
        .par_annee
        .iter()
        .map(|(a, n)| Point {
            annee: *a,
            valeur: n.to_string(),
            source: SOURCE_PLATEFORME.to_string(),
            date: if *a == annee {
                aujourd_hui
            } else {
                NaiveDate::from_ymd_opt(*a, 12, 31).unwrap_or(aujourd_hui)
            },
            a_ce_jour: *a == annee,
        })
        .collect::<Vec<_>>();
    let mut notes = Vec::new();
    if points.len() > 1 {
        notes.push(note_historique(calcul).to_string());
    } else if premiere.is_some() {
        notes.push(format!(
            "Historique indisponible : les données de ce territoire datent toutes de {annee} ; seule la valeur à ce jour est donnée."
        ));
    } else {
        notes.push(
            "Rien à compter pour ce territoire dans les données de la plateforme : pas d'historique."
                .to_string(),
        );
    }
    if r.sans_date > 0 {
        notes.push(format!(
            "{} élément(s) sans date connue ne sont comptés que dans la valeur à ce jour.",
            r.sans_date
        ));
    }
    Serie {
        indicateur: ind,
        points,
        notes,
    }
}

fn serie_saisie<'a>(ind: &'a Indicateur, valeurs: &[ValeurIndicateur]) -> Serie<'a> {
    let points = valeurs
        .iter()
        .filter(|v| v.indicateur_id == ind.id)
        .map(|v| Point {
            annee: v.annee,
            valeur: v.valeur.clone(),
            source: v.source.clone(),
            date: v.date_source,
            a_ce_jour: false,
        })
        .collect();
    Serie {
        indicateur: ind,
        points,
        notes: Vec::new(),
    }
}

/// Les lieux situés, gardés en mémoire tant que la table des lieux ne change pas (sa version,
/// nombre de lieux et date du dernier import, est relue à chaque page).
#[derive(Default, Clone)]
pub struct LieuxSitues {
    etat: Arc<Mutex<Option<LieuxParVersion>>>,
}

impl LieuxSitues {
    async fn lieux(
        &self,
        store: &Store,
        r: &ReferentielIndicateurs,
    ) -> Result<Arc<Vec<LieuSitue>>, ErreurWeb> {
        let version = store.version_lieux().await?;
        let mut e = self.etat.lock().await;
        if let Some((v, lieux)) = &*e {
            if *v == version {
                return Ok(lieux.clone());
            }
        }
        let bruts = store.lieux_dates(&r.champs_des_lieux()).await?;
        let lieux = Arc::new(
            tokio::task::spawn_blocking(move || {
                DonneesPlateforme::situer_lieux(bruts, Territoires::embarque())
            })
            .await
            .contexte("situation des lieux")?,
        );
        *e = Some((version, lieux.clone()));
        Ok(lieux)
    }
}

/// Toutes les séries d'un territoire, dans l'ordre du référentiel.
pub(super) async fn series<'a>(
    etat: &Etat,
    r: &'a ReferentielIndicateurs,
    t: &Territoire,
) -> Result<(Vec<Serie<'a>>, DonneesPlateforme), ErreurWeb> {
    let aujourd_hui = Utc::now().date_naive();
    let donnees = DonneesPlateforme {
        lieux: etat.lieux_situes.lieux(&etat.store, r).await?,
        titres: DonneesPlateforme::situer_titres(
            etat.store.titres_territoriaux().await?,
            Territoires::embarque(),
        ),
    };
    let saisies = etat.store.indicateurs_saisis(t.niveau, &t.code).await?;
    let series = r
        .indicateurs
        .iter()
        .map(|ind| match (&ind.mode, &ind.calcul) {
            (Mode::Calcule, Some(c)) => {
                serie_calculee(ind, c, t, &donnees, r.saisie.annee_min, aujourd_hui)
            }
            _ => serie_saisie(ind, &saisies),
        })
        .collect();
    Ok((series, donnees))
}

/// Histogramme SVG (une barre par année), avec un titre et une description lus par les
/// technologies d'assistance ; le tableau des mêmes valeurs l'accompagne toujours.
pub(super) fn graphe(id: &str, titre: &str, unite: &str, points: &[Point]) -> String {
    const BARRE: f64 = 44.0;
    const PAS: f64 = 64.0;
    const HAUT: f64 = 150.0;
    const MARGE_HAUT: f64 = 28.0;
    const MARGE_BAS: f64 = 30.0;
    let n = points.len().max(1) as f64;
    let largeur = (24.0 + n * PAS).max(240.0);
    let hauteur = MARGE_HAUT + HAUT + MARGE_BAS;
    let nombres: Vec<f64> = points
        .iter()
        .map(|p| p.valeur.parse::<f64>().unwrap_or(0.0))
        .collect();
    let max = nombres.iter().copied().fold(0.0_f64, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };
    let desc = points
        .iter()
        .map(|p| {
            format!(
                "{}{} : {}",
                p.annee,
                if p.a_ce_jour { " (à ce jour)" } else { "" },
                avec_unite(&p.valeur, unite)
            )
        })
        .collect::<Vec<_>>()
        .join(" ; ");
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="reperes-graphe" role="img" aria-labelledby="{id}-titre {id}-desc" width="{largeur}" height="{hauteur}" viewBox="0 0 {largeur} {hauteur}"><title id="{id}-titre">{titre}</title><desc id="{id}-desc">{desc}.</desc>"##,
        titre = echapper_xml(titre),
        desc = echapper_xml(&desc),
    );
    let base = MARGE_HAUT + HAUT;
    s.push_str(&format!(
        r##"<line x1="8" y1="{base}" x2="{x2}" y2="{base}" stroke="#3a3a3a" stroke-width="1"/>"##,
        x2 = largeur - 8.0
    ));
    // Barres, puis étiquettes (valeur au-dessus, année dessous) : les attributs communs sont portés
    // par un groupe, pas répétés sur chaque élément (budget de 30 Ko de HTML par page).
    let mut barres = String::from(r##"<g fill="#000091">"##);
    let mut etiquettes = String::from(
        r##"<g text-anchor="middle" font-family="Marianne, Arial, sans-serif" font-size="12" fill="#161616">"##,
    );
    for (i, (p, v)) in points.iter().zip(&nombres).enumerate() {
        let x = 20.0 + i as f64 * PAS;
        let h = (v / max * HAUT).max(if *v > 0.0 { 2.0 } else { 0.0 });
        let y = base - h;
        let cx = x + BARRE / 2.0;
        barres.push_str(&format!(
            r##"<rect x="{x}" y="{y:.1}" width="{BARRE}" height="{h:.1}"/>"##
        ));
        etiquettes.push_str(&format!(
            r##"<text x="{cx}" y="{ty:.1}">{valeur}</text><text x="{cx}" y="{ay}">{annee}</text>"##,
            ty = y - 6.0,
            ay = base + 18.0,
            valeur = echapper_xml(&formater_nombre(&p.valeur)),
            annee = p.annee,
        ));
    }
    s.push_str(&barres);
    s.push_str("</g>");
    s.push_str(&etiquettes);
    s.push_str("</g></svg>");
    s
}
