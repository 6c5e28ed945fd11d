//! Territoires et indicateurs territoriaux (indicateurs des CTIN) : recherche d'un territoire
//! (commune, EPCI, département, région, hors ligne), page des indicateurs d'un territoire (valeur
//! de l'année, historique en graphique SVG accessible et en tableau), saisie des valeurs par les
//! personnes habilitées, export CSV. Aucune page ne demande de JavaScript.
//!
//! Qui peut saisir : un agent (instructeur, administrateur), ou un membre d'une organisation dont
//! la signature d'une charte est en cours (dossier de charte à l'état « labellisé ») et dont
//! l'adresse est dans le territoire.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate, Utc};
use reperes_domain::indicateurs::{
    calculer, formater_nombre, premiere_annee, Calcul, DonneesPlateforme, Indicateur, LieuSitue,
    Mode, ReferentielIndicateurs, SaisieValeur, Titre,
};
use reperes_domain::organisation::ErreurChamp;
use reperes_domain::referentiel::Nature;
use reperes_domain::territoires::{Niveau, Territoire, Territoires};
use reperes_store::{Store, ValeurIndicateur, VersionLieux};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::Mutex;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// Nombre maximal de résultats de recherche par échelon.
pub const RESULTATS_MAX: usize = 20;

/// Le référentiel d'indicateurs en vigueur : celui du catalogue chargé (le plus récent en
/// vigueur), sinon la copie embarquée.
pub fn referentiel(etat: &Etat) -> &ReferentielIndicateurs {
    let aujourd_hui = Utc::now().date_naive();
    etat.catalogue
        .indicateurs
        .iter()
        .filter(|r| r.validite.en_vigueur(aujourd_hui))
        .max_by(|a, b| a.validite.debut.cmp(&b.validite.debut))
        .or(etat.catalogue.indicateurs.first())
        .unwrap_or_else(|| ReferentielIndicateurs::embarque())
}

fn territoire_de(niveau: &str, code: &str) -> Result<Territoire, ErreurWeb> {
    let n = Niveau::depuis_code(niveau).ok_or(ErreurWeb::Introuvable)?;
    Territoires::embarque()
        .territoire(n, code)
        .ok_or(ErreurWeb::Introuvable)
}

fn date_fr(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// « 12 lieux », « 37,5 % ».
fn avec_unite(valeur: &str, unite: &str) -> String {
    format!("{} {unite}", formater_nombre(valeur))
}

// ---------- Recherche ----------

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
#[template(path = "territoires.html")]
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

// ---------- Séries de valeurs ----------

/// Une valeur d'une année.
#[derive(Debug, Clone, Serialize)]
struct Point {
    annee: i32,
    /// Nombre normalisé (« 12 », « 37.5 »).
    valeur: String,
    /// D'où vient la valeur.
    source: String,
    /// Date de la valeur : fin d'année ou jour du calcul, date de la source saisie.
    date: NaiveDate,
    /// Valeur du jour (année en cours d'un indicateur calculé).
    a_ce_jour: bool,
}

/// Les valeurs d'un indicateur pour un territoire.
struct Serie<'a> {
    indicateur: &'a Indicateur,
    points: Vec<Point>,
    notes: Vec<String>,
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

type LieuxParVersion = (VersionLieux, Arc<Vec<LieuSitue>>);

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
            .map_err(|e| ErreurWeb::Interne(format!("situation des lieux : {e}")))?,
        );
        *e = Some((version, lieux.clone()));
        Ok(lieux)
    }
}

/// Toutes les séries d'un territoire, dans l'ordre du référentiel.
async fn series<'a>(
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

// ---------- Graphique ----------

fn echapper_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// Histogramme SVG (une barre par année), avec un titre et une description lus par les
/// technologies d'assistance ; le tableau des mêmes valeurs l'accompagne toujours.
fn graphe(id: &str, titre: &str, unite: &str, points: &[Point]) -> String {
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

// ---------- Page d'un territoire ----------

struct LigneTableau {
    annee: String,
    valeur: String,
    source: String,
    date: String,
}

struct VueIndicateur {
    id: String,
    libelle: String,
    unite: String,
    calcule: bool,
    /// « Valeur 2024 (à ce jour) : 12 lieux cartographiés ».
    valeur: String,
    /// « Calculé à partir des données de la plateforme : … » ou « Saisi par le territoire : … ».
    explication: String,
    notes: Vec<String>,
    lignes: Vec<LigneTableau>,
    /// La source, quand toutes les lignes ont la même : dite une fois sous le tableau plutôt que
    /// répétée sur chaque ligne (budget de 30 Ko de HTML par page).
    source_commune: Option<String>,
    svg: Option<String>,
}

struct VueAxe {
    numero: u8,
    libelle: String,
    indicateurs: Vec<VueIndicateur>,
}

/// Années montrées sur la page d'un territoire (graphe et tableau), les plus récentes : la série
/// s'allonge d'un an chaque année, la page (budget de 30 Ko de HTML) non ; l'historique complet
/// est dans le CSV du territoire.
const ANNEES_AFFICHEES: usize = 10;

fn vue(serie: &Serie<'_>, annee: i32) -> VueIndicateur {
    let ind = serie.indicateur;
    let calcule = ind.mode == Mode::Calcule;
    let actuelle = serie.points.iter().find(|p| p.annee == annee);
    let derniere = serie.points.iter().max_by_key(|p| p.annee);
    let valeur = match (actuelle, derniere) {
        (Some(p), _) if calcule => format!(
            "Valeur {annee} (à ce jour) : {}",
            avec_unite(&p.valeur, &ind.unite)
        ),
        (Some(p), _) => format!("Valeur {annee} : {}", avec_unite(&p.valeur, &ind.unite)),
        (None, Some(p)) => format!(
            "Aucune valeur saisie pour {annee} ; dernière valeur saisie ({}) : {}",
            p.annee,
            avec_unite(&p.valeur, &ind.unite)
        ),
        (None, None) => format!(
            "Aucune valeur saisie pour ce territoire (unité : {}).",
            ind.unite
        ),
    };
    let explication = if calcule {
        format!(
            "Calculé à partir des données de la plateforme : {}.",
            ind.methode.as_deref().unwrap_or("").trim_end_matches('.')
        )
    } else {
        match actuelle.or(derniere) {
            Some(p) => format!(
                "Saisi par le territoire : {}, source datée du {}.",
                p.source.trim_end_matches('.'),
                date_fr(p.date)
            ),
            None => "Saisi par le territoire, avec sa source et sa date : aucune valeur n'a encore été saisie.".to_string(),
        }
    };
    // Les points sont par année croissante (calcul, et requête ordonnée des valeurs saisies).
    let masquees = serie.points.len().saturating_sub(ANNEES_AFFICHEES);
    let points = &serie.points[masquees..];
    let mut notes = serie.notes.clone();
    if masquees > 0 {
        notes.push(format!(
            "Valeurs antérieures à {} : voir le fichier CSV des indicateurs de ce territoire.",
            points[0].annee
        ));
    }
    let lignes = points
        .iter()
        .map(|p| LigneTableau {
            annee: if p.a_ce_jour {
                format!("{} (à ce jour)", p.annee)
            } else {
                p.annee.to_string()
            },
            valeur: formater_nombre(&p.valeur),
            source: p.source.clone(),
            date: if calcule && p.a_ce_jour {
                format!("calculé le {}", date_fr(p.date))
            } else if calcule {
                format!("au {}", date_fr(p.date))
            } else {
                date_fr(p.date)
            },
        })
        .collect::<Vec<LigneTableau>>();
    let source_commune = match lignes.split_first() {
        Some((premiere, autres)) if autres.iter().all(|l| l.source == premiere.source) => {
            Some(premiere.source.clone())
        }
        _ => None,
    };
    let svg = (!points.is_empty()).then(|| {
        graphe(
            &format!("graphe-{}", ind.id),
            &format!("{} : valeurs par année ({})", ind.libelle, ind.unite),
            &ind.unite,
            points,
        )
    });
    VueIndicateur {
        id: ind.id.clone(),
        libelle: ind.libelle.clone(),
        unite: ind.unite.clone(),
        calcule,
        valeur,
        explication,
        notes,
        lignes,
        source_commune,
        svg,
    }
}

#[derive(Template)]
#[template(path = "territoire.html")]
struct PageTerritoire {
    cadre: Cadre,
    t: Territoire,
    libelle: String,
    englobants: Vec<(String, String)>,
    nombre_communes: usize,
    referentiel_nom: String,
    source: String,
    axes: Vec<VueAxe>,
    annee: i32,
    peut_saisir: bool,
    connecte: bool,
    non_situes: usize,
}

/// Peut-on saisir les valeurs de ce territoire ? Un agent, ou un membre d'une organisation
/// signataire d'une charte en cours et située dans le territoire.
async fn peut_saisir(
    etat: &Etat,
    v: &Visiteur,
    t: &Territoire,
    titres: Option<&[Titre]>,
) -> Result<bool, ErreurWeb> {
    let Some(p) = &v.personne else {
        return Ok(false);
    };
    if p.role.est_agent() {
        return Ok(true);
    }
    if p.organisations.is_empty() {
        return Ok(false);
    }
    let lus;
    let titres = match titres {
        Some(x) => x,
        None => {
            lus = etat.store.titres_territoriaux().await?;
            &lus
        }
    };
    let territoires = Territoires::embarque();
    Ok(titres.iter().any(|x| {
        x.en_cours
            && p.membre_de(&x.organisation_id)
            && etat
                .catalogue
                .referentiels
                .iter()
                .any(|r| r.id == x.referentiel_id && r.nature == Nature::Charte)
            && territoires
                .situer(None, &x.code_postal, &x.commune)
                .dans(t.niveau, &t.code)
    }))
}

#[derive(Debug, Default, Deserialize)]
pub struct RequeteTerritoire {
    #[serde(default)]
    ok: Option<String>,
}

pub async fn territoire(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((niveau, code)): Path<(String, String)>,
    Query(q): Query<RequeteTerritoire>,
) -> Result<Response, ErreurWeb> {
    let t = territoire_de(&niveau, &code)?;
    let r = referentiel(&etat);
    let annee = Utc::now().year();
    let (series, donnees) = series(&etat, r, &t).await?;
    let titres: Vec<Titre> = donnees.titres.iter().map(|x| x.titre.clone()).collect();
    let peut = peut_saisir(&etat, &v, &t, Some(&titres)).await?;
    let territoires = Territoires::embarque();
    let axes = r
        .axes
        .iter()
        .map(|a| VueAxe {
            numero: a.numero,
            libelle: a.libelle.clone(),
            indicateurs: series
                .iter()
                .filter(|s| s.indicateur.axe == a.numero)
                .map(|s| vue(s, annee))
                .collect(),
        })
        .collect();
    let message = (q.ok.as_deref() == Some("saisie")).then(|| "Valeur enregistrée.".to_string());
    page(
        &PageTerritoire {
            cadre: Cadre::pour(&v, format!("Indicateurs : {}", t.libelle())).avec_message(message),
            libelle: t.libelle(),
            englobants: territoires
                .englobants(&t)
                .iter()
                .map(|x| (x.chemin(), x.libelle()))
                .collect(),
            nombre_communes: territoires.communes_de(t.niveau, &t.code).len(),
            referentiel_nom: r.nom.clone(),
            source: match &r.source.reference {
                Some(x) => format!("{} ({x})", r.source.texte),
                None => r.source.texte.clone(),
            },
            axes,
            annee,
            peut_saisir: peut,
            connecte: v.personne.is_some(),
            non_situes: donnees.lieux_non_situes(),
            t,
        },
        None,
        false,
    )
}

// ---------- Export CSV ----------

#[derive(Serialize)]
struct LigneCsv<'a> {
    territoire: &'a str,
    indicateur: &'a str,
    axe: String,
    annee: i32,
    valeur: &'a str,
    mode: &'static str,
    source: &'a str,
    date: String,
}

pub async fn export_csv(
    State(etat): State<Etat>,
    Path((niveau, code)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    let t = territoire_de(&niveau, &code)?;
    let r = referentiel(&etat);
    let (series, _) = series(&etat, r, &t).await?;
    let libelle = t.libelle();
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record([
        "territoire",
        "indicateur",
        "axe",
        "annee",
        "valeur",
        "mode",
        "source",
        "date",
    ])
    .map_err(|e| ErreurWeb::Interne(e.to_string()))?;
    for s in &series {
        let axe = r
            .axe(s.indicateur.axe)
            .map(|a| format!("Axe {} : {}", a.numero, a.libelle))
            .unwrap_or_else(|| s.indicateur.axe.to_string());
        for p in &s.points {
            w.serialize(LigneCsv {
                territoire: &libelle,
                indicateur: &s.indicateur.libelle,
                axe: axe.clone(),
                annee: p.annee,
                valeur: &p.valeur,
                mode: s.indicateur.mode.code(),
                source: &p.source,
                date: p.date.to_string(),
            })
            .map_err(|e| ErreurWeb::Interne(e.to_string()))?;
        }
    }
    let octets = w
        .into_inner()
        .map_err(|e| ErreurWeb::Interne(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "inline; filename=\"indicateurs-{}-{}.csv\"",
                    t.niveau.code(),
                    t.code
                ),
            ),
        ],
        octets,
    )
        .into_response())
}

// ---------- Saisie ----------

#[derive(Template)]
#[template(path = "territoire_saisie.html")]
struct PageSaisie {
    cadre: Cadre,
    libelle: String,
    chemin: String,
    /// (identifiant, libellé avec l'unité, définition)
    indicateurs: Vec<(String, String, String)>,
    s: SaisieValeur,
    erreurs: Vec<ErreurChamp>,
    annee_min: i32,
    annee_max: i32,
    /// Valeurs déjà saisies : (indicateur, année, valeur, source, date).
    saisies: Vec<(String, i32, String, String, String)>,
}

impl PageSaisie {
    fn erreur(&self, champ: &str) -> Option<&str> {
        self.erreurs
            .iter()
            .find(|e| e.champ == champ)
            .map(|e| e.message.as_str())
    }
}

async fn rendre_saisie(
    etat: &Etat,
    v: &Visiteur,
    t: &Territoire,
    s: SaisieValeur,
    erreurs: Vec<ErreurChamp>,
) -> Result<Response, ErreurWeb> {
    let r = referentiel(etat);
    let saisies = etat
        .store
        .indicateurs_saisis(t.niveau, &t.code)
        .await?
        .into_iter()
        .map(|x| {
            (
                r.indicateur(&x.indicateur_id)
                    .map(|i| i.libelle.clone())
                    .unwrap_or_else(|| x.indicateur_id.clone()),
                x.annee,
                r.indicateur(&x.indicateur_id)
                    .map(|i| avec_unite(&x.valeur, &i.unite))
                    .unwrap_or_else(|| formater_nombre(&x.valeur)),
                x.source,
                date_fr(x.date_source),
            )
        })
        .collect();
    let en_erreur = !erreurs.is_empty();
    page(
        &PageSaisie {
            cadre: Cadre::pour(v, format!("Saisir un indicateur : {}", t.libelle())),
            libelle: t.libelle(),
            chemin: t.chemin(),
            indicateurs: r
                .indicateurs
                .iter()
                .filter(|i| i.mode == Mode::Saisi)
                .map(|i| {
                    (
                        i.id.clone(),
                        format!("{} (en {})", i.libelle, i.unite),
                        i.definition.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            s,
            erreurs,
            annee_min: r.saisie.annee_min,
            annee_max: Utc::now().year(),
            saisies,
        },
        None,
        en_erreur,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct RequeteSaisie {
    #[serde(default)]
    indicateur: Option<String>,
}

pub async fn saisie(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((niveau, code)): Path<(String, String)>,
    Query(q): Query<RequeteSaisie>,
) -> Result<Response, ErreurWeb> {
    v.connecte()?;
    let t = territoire_de(&niveau, &code)?;
    if !peut_saisir(&etat, &v, &t, None).await? {
        return Err(ErreurWeb::Interdit);
    }
    let s = SaisieValeur {
        indicateur: q.indicateur.unwrap_or_default(),
        annee: Utc::now().year().to_string(),
        ..Default::default()
    };
    rendre_saisie(&etat, &v, &t, s, Vec::new()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct FormSaisie {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    saisie: SaisieValeur,
}

pub async fn enregistrer(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((niveau, code)): Path<(String, String)>,
    axum::Form(f): axum::Form<FormSaisie>,
) -> Result<Response, ErreurWeb> {
    let (u, _) = v.connecte()?;
    let t = territoire_de(&niveau, &code)?;
    v.verifier_csrf(&f.csrf)?;
    if !peut_saisir(&etat, &v, &t, None).await? {
        return Err(ErreurWeb::Interdit);
    }
    let r = referentiel(&etat);
    match f.saisie.analyser(r, Utc::now().date_naive()) {
        Err(erreurs) => rendre_saisie(&etat, &v, &t, f.saisie, erreurs).await,
        Ok(valeur) => {
            etat.store
                .saisir_indicateur(&crate::commun::acces::acteur(u), t.niveau, &t.code, &valeur)
                .await?;
            Ok(Redirect::to(&format!(
                "{}?ok=saisie#{}",
                t.chemin(),
                valeur.indicateur_id
            ))
            .into_response())
        }
    }
}
