//! Page des indicateurs d'un territoire : valeur de l'année, historique en graphique SVG
//! accessible et en tableau ; outils communs aux pages des territoires.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Utc};
use reperes_domain::indicateurs::{
    formater_nombre, LieuSitue, Mode, ReferentielIndicateurs, Titre,
};
use reperes_domain::referentiel::Nature;
use reperes_domain::territoires::{Niveau, Territoire, Territoires};
use reperes_store::VersionLieux;
use serde::Deserialize;
use std::sync::Arc;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::series::{graphe, series, Serie};

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

pub(super) fn territoire_de(niveau: &str, code: &str) -> Result<Territoire, ErreurWeb> {
    let n = Niveau::depuis_code(niveau).ok_or(ErreurWeb::Introuvable)?;
    Territoires::embarque()
        .territoire(n, code)
        .ok_or(ErreurWeb::Introuvable)
}

pub(super) fn date_fr(d: NaiveDate) -> String {
    crate::commun::dates::jour(d)
}

/// « 12 lieux », « 37,5 % ».
pub(super) fn avec_unite(valeur: &str, unite: &str) -> String {
    format!("{} {unite}", formater_nombre(valeur))
}

pub(super) type LieuxParVersion = (VersionLieux, Arc<Vec<LieuSitue>>);

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
#[template(path = "territoires/territoire.html")]
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
pub(super) async fn peut_saisir(
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
    // Version locale (issue 17) : un territoire du périmètre, ou contenu dans l'un d'eux.
    if !v.portee.recouvre(&t) {
        return Err(ErreurWeb::Introuvable);
    }
    let r = referentiel(&etat);
    let annee = Utc::now().year();
    let (series, donnees) = series(&etat, r, &t).await?;
    let titres: Vec<Titre> = donnees.titres.iter().map(|x| x.titre.clone()).collect();
    // Une version locale n'a pas de compte : pas de saisie.
    let peut = !v.portee.est_locale() && peut_saisir(&etat, &v, &t, Some(&titres)).await?;
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
            // Dans une version locale, seulement ceux qui y ont une page.
            englobants: territoires
                .englobants(&t)
                .iter()
                .filter(|x| v.portee.recouvre(x))
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

// La page des indicateurs d'une version locale.

#[derive(Template)]
#[template(path = "territoires/indicateurs.html")]
struct PageIndicateurs {
    cadre: Cadre,
    /// Les territoires du périmètre : (chemin relatif à la portée, libellé).
    territoires: Vec<(String, String)>,
}

/// `GET /t/{slug}/indicateurs` : les territoires du périmètre de la version, chacun avec le lien
/// vers ses indicateurs. N'existe que sous `/t/` (au national : `/territoires`).
pub async fn indicateurs(v: Visiteur) -> Result<Response, ErreurWeb> {
    let Some(p) = v.portee.perimetre() else {
        return Err(ErreurWeb::Introuvable);
    };
    let territoires = p
        .territoires
        .iter()
        .map(|t| (t.chemin(), t.libelle()))
        .collect();
    page(
        &PageIndicateurs {
            cadre: Cadre::pour(&v, "Indicateurs du territoire"),
            territoires,
        },
        None,
        false,
    )
}
