//! Registre public des titulaires (pages, badge, données ouvertes, API JSON) et statistiques.
//! Aucune page de ce module ne demande de compte.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use reperes_domain::registre::{correspond, departement, normaliser};
use reperes_domain::Etat as EtatDossier;
use reperes_store::LigneRegistre;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// Nombre de titulaires par page.
pub const PAR_PAGE: usize = 20;

/// Un titulaire, tel que publié (pages, CSV, JSON, API). Les noms de champs sont ceux du schéma
/// `schemas/registre.schema.json`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Titulaire {
    /// Identifiant stable de la décision de labellisation.
    pub identifiant: String,
    pub dispositif_identifiant: String,
    pub dispositif_nom: String,
    pub dispositif_description: String,
    /// Site du dispositif (vide s'il n'en a pas).
    pub dispositif_site: String,
    /// Catégorie (type de dispositif) : numerique, tangible, methodologique…
    pub categorie: String,
    pub categorie_libelle: String,
    pub porteur_nom: String,
    pub porteur_type: String,
    pub code_postal: String,
    pub commune: String,
    pub departement: String,
    /// Identifiant du label (référentiel).
    pub label: String,
    pub label_version: String,
    pub label_nom: String,
    pub niveau: u8,
    pub niveau_libelle: String,
    /// labellise, retire ou expire.
    pub statut: String,
    /// Date de labellisation (AAAA-MM-JJ).
    pub date_labellisation: String,
    pub fin_validite: String,
    /// Date du retrait ou de l'expiration (vide si le label est en cours).
    pub date_fin: String,
    /// Critères appréciés satisfaits, séparés par « | ».
    pub criteres_satisfaits: String,
    /// Éléments du référentiel NIG 1.1 correspondant aux critères satisfaits, séparés par « | ».
    pub correspondance_nig: String,
    /// Page publique du dispositif.
    pub page: String,
}

fn titulaire(etat: &Etat, l: &LigneRegistre) -> Titulaire {
    let c = &etat.catalogue;
    let r = c.referentiel(&l.referentiel_id, &l.referentiel_version);
    let niveau = l.niveau.unwrap_or(0);
    let corr = c.correspondances_de(&l.referentiel_id).next();
    let mut nig: Vec<String> = corr
        .map(|corr| {
            corr.liens
                .iter()
                .filter(|lien| l.criteres.iter().any(|(cr, _)| *cr == lien.critere))
                .flat_map(|lien| lien.cibles.iter().cloned())
                .collect()
        })
        .unwrap_or_default();
    nig.sort();
    nig.dedup();
    Titulaire {
        identifiant: l.dossier_id.clone(),
        dispositif_identifiant: l.dispositif_id.clone(),
        dispositif_nom: l.dispositif_nom.clone(),
        dispositif_description: l.dispositif_description.clone(),
        dispositif_site: l.dispositif_site.clone().unwrap_or_default(),
        categorie: l.type_dispositif.clone(),
        categorie_libelle: c
            .type_dispositif(&l.type_dispositif)
            .map(|t| t.libelle.clone())
            .unwrap_or_default(),
        porteur_nom: l.organisation_nom.clone(),
        porteur_type: l.type_organisation.clone(),
        code_postal: l.code_postal.clone(),
        commune: l.commune.clone(),
        departement: departement(&l.code_postal).unwrap_or_default(),
        label: l.referentiel_id.clone(),
        label_version: l.referentiel_version.clone(),
        label_nom: r.map(|r| r.nom.clone()).unwrap_or_default(),
        niveau,
        niveau_libelle: r
            .and_then(|r| r.niveau(niveau))
            .map(|n| n.libelle.clone())
            .unwrap_or_default(),
        statut: l.etat.code().to_string(),
        date_labellisation: l
            .labellise_le
            .map(|d| d.date_naive().to_string())
            .unwrap_or_default(),
        fin_validite: l.fin_validite.map(|d| d.to_string()).unwrap_or_default(),
        date_fin: l
            .fin_le
            .map(|d| d.date_naive().to_string())
            .unwrap_or_default(),
        criteres_satisfaits: l
            .criteres
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>()
            .join("|"),
        correspondance_nig: nig.join("|"),
        page: format!(
            "{}/registre/dispositifs/{}",
            etat.config.url_publique, l.dispositif_id
        ),
    }
}

/// Filtres du registre (pages et API).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiltresRegistre {
    /// Recherche plein texte (nom, description, porteur, commune), sans tenir compte des accents.
    #[serde(default)]
    pub q: Option<String>,
    /// Catégorie (type de dispositif).
    #[serde(default)]
    pub categorie: Option<String>,
    /// Identifiant du label.
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub niveau: Option<String>,
    /// Identifiant d'un critère satisfait.
    #[serde(default)]
    pub critere: Option<String>,
    /// Type d'organisation du porteur.
    #[serde(default)]
    pub porteur_type: Option<String>,
    /// Code du département (80, 2A, 974…).
    #[serde(default)]
    pub departement: Option<String>,
    /// labellise, retire ou expire.
    #[serde(default)]
    pub statut: Option<String>,
    /// Page (à partir de 1).
    #[serde(default)]
    pub page: Option<String>,
}

fn rempli(x: &Option<String>) -> Option<&str> {
    x.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl FiltresRegistre {
    fn garde(&self, t: &Titulaire) -> bool {
        let egal = |f: &Option<String>, v: &str| rempli(f).is_none_or(|x| x == v);
        egal(&self.categorie, &t.categorie)
            && egal(&self.label, &t.label)
            && egal(&self.niveau, &t.niveau.to_string())
            && egal(&self.porteur_type, &t.porteur_type)
            && egal(&self.departement, &t.departement)
            && egal(&self.statut, &t.statut)
            && rempli(&self.critere)
                .is_none_or(|c| t.criteres_satisfaits.split('|').any(|x| x == c))
            && rempli(&self.q).is_none_or(|q| {
                correspond(
                    &normaliser(&format!(
                        "{} {} {} {} {}",
                        t.dispositif_nom,
                        t.dispositif_description,
                        t.porteur_nom,
                        t.commune,
                        t.label_nom
                    )),
                    q,
                )
            })
    }

    pub fn page(&self) -> usize {
        rempli(&self.page)
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
            .max(1)
    }

    /// Paramètres de requête de ces filtres, sans la page (liens de pagination).
    fn requete(&self) -> String {
        let champs: Vec<(&str, &str)> = [
            ("q", &self.q),
            ("categorie", &self.categorie),
            ("label", &self.label),
            ("niveau", &self.niveau),
            ("critere", &self.critere),
            ("porteur_type", &self.porteur_type),
            ("departement", &self.departement),
            ("statut", &self.statut),
        ]
        .into_iter()
        .filter_map(|(k, v)| rempli(v).map(|v| (k, v)))
        .collect();
        serde_urlencoded::to_string(champs).unwrap_or_default()
    }
}

/// Tous les titulaires publiés, puis filtrés.
pub async fn titulaires(etat: &Etat, f: &FiltresRegistre) -> Result<Vec<Titulaire>, ErreurWeb> {
    Ok(etat
        .store
        .registre()
        .await?
        .iter()
        // Le registre publie les labels ; les signataires de la charte ont leur propre liste.
        .filter(|l| {
            etat.catalogue
                .referentiel(&l.referentiel_id, &l.referentiel_version)
                .is_some_and(|r| r.nature == reperes_domain::referentiel::Nature::Label)
        })
        .map(|l| titulaire(etat, l))
        .filter(|t| f.garde(t))
        .collect())
}

#[derive(Template)]
#[template(path = "registre.html")]
struct PageRegistre {
    cadre: Cadre,
    f: FiltresRegistre,
    titulaires: Vec<Titulaire>,
    total: usize,
    page: usize,
    pages: usize,
    requete: String,
    categories: Vec<(String, String)>,
    labels: Vec<(String, String)>,
    criteres: Vec<(String, String)>,
    types_porteur: Vec<(String, String)>,
}

impl PageRegistre {
    fn choisi(&self, champ: &str, valeur: &str) -> bool {
        let v = match champ {
            "categorie" => &self.f.categorie,
            "label" => &self.f.label,
            "niveau" => &self.f.niveau,
            "critere" => &self.f.critere,
            "porteur_type" => &self.f.porteur_type,
            "statut" => &self.f.statut,
            _ => return false,
        };
        rempli(v) == Some(valeur)
    }
    fn valeur(&self, champ: &str) -> String {
        match champ {
            "q" => rempli(&self.f.q),
            "departement" => rempli(&self.f.departement),
            _ => None,
        }
        .unwrap_or_default()
        .to_string()
    }
    fn statut_libelle(&self, s: &str) -> &'static str {
        EtatDossier::depuis_code(s)
            .map(|e| e.libelle())
            .unwrap_or("")
    }
}

pub async fn registre(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(f): Query<FiltresRegistre>,
) -> Result<Response, ErreurWeb> {
    let tous = titulaires(&etat, &f).await?;
    let total = tous.len();
    let pages = total.div_ceil(PAR_PAGE).max(1);
    let page_n = f.page().min(pages);
    let titulaires: Vec<Titulaire> = tous
        .into_iter()
        .skip((page_n - 1) * PAR_PAGE)
        .take(PAR_PAGE)
        .collect();
    let c = &etat.catalogue;
    let mut criteres: Vec<(String, String)> = c
        .referentiels
        .iter()
        .filter(|r| r.nature == reperes_domain::referentiel::Nature::Label)
        .flat_map(|r| {
            r.criteres
                .iter()
                .map(move |cr| (cr.id.clone(), format!("{} ({})", cr.libelle, r.nom_court)))
        })
        .collect();
    criteres.sort();
    criteres.dedup_by(|a, b| a.0 == b.0);
    let t = PageRegistre {
        cadre: Cadre::pour(
            &v,
            if page_n > 1 {
                format!("Registre des titulaires, page {page_n}")
            } else {
                "Registre des titulaires".into()
            },
        ),
        requete: f.requete(),
        categories: c
            .nomenclatures()
            .types_dispositif
            .iter()
            .map(|t| (t.id.clone(), t.libelle.clone()))
            .collect(),
        labels: c
            .referentiels
            .iter()
            .filter(|r| r.nature == reperes_domain::referentiel::Nature::Label)
            .map(|r| (r.id.clone(), r.nom_court.clone()))
            .collect(),
        types_porteur: c
            .nomenclatures()
            .types_organisation
            .iter()
            .map(|t| (t.id.clone(), t.libelle.clone()))
            .collect(),
        criteres,
        titulaires,
        total,
        page: page_n,
        pages,
        f,
    };
    page(&t, None, false)
}

#[derive(Template)]
#[template(path = "dispositif_public.html")]
struct PageDispositif {
    cadre: Cadre,
    labels: Vec<(Titulaire, Vec<String>, Vec<String>)>,
    d: Titulaire,
    url: String,
    /// Lieux qui déclarent utiliser ce dispositif : (chemin, libellé).
    lieux: Vec<(String, String)>,
}

pub async fn dispositif(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let lignes: Vec<LigneRegistre> = etat
        .store
        .registre()
        .await?
        .into_iter()
        .filter(|l| l.dispositif_id == id)
        .collect();
    if lignes.is_empty() {
        return Err(ErreurWeb::Introuvable);
    }
    let mut labels = Vec::new();
    for l in &lignes {
        let t = titulaire(&etat, l);
        let r = etat
            .catalogue
            .referentiel(&l.referentiel_id, &l.referentiel_version);
        let criteres = l
            .criteres
            .iter()
            .map(|(c, n)| {
                let lib = r
                    .and_then(|r| r.critere(c))
                    .map(|x| x.libelle.clone())
                    .unwrap_or_else(|| c.clone());
                format!("{lib} (niveau {n})")
            })
            .collect();
        let nig = etat
            .catalogue
            .correspondances_de(&l.referentiel_id)
            .next()
            .map(|corr| {
                t.correspondance_nig
                    .split('|')
                    .filter(|x| !x.is_empty())
                    .map(|code| {
                        let lib = corr
                            .cibles
                            .iter()
                            .find(|c| c.code == code)
                            .map(|c| c.libelle.as_str())
                            .unwrap_or("");
                        format!("{} {code} {lib}", corr.vers)
                    })
                    .collect()
            })
            .unwrap_or_default();
        labels.push((t, criteres, nig));
    }
    let d = labels[0].0.clone();
    // Lieux de la carte qui déclarent utiliser ce dispositif.
    let mut lieux = Vec::new();
    for l in etat.store.liens_du_dispositif(&id).await? {
        if let Some((e, _)) = etat.store.lieu(&l.source, &l.lieu_id).await? {
            lieux.push((
                crate::commun::libelles::chemin_lieu(&l.source, &l.lieu_id),
                format!(
                    "{}, {} {}",
                    reperes_domain::lieux::valeur(&e, "nom").unwrap_or_default(),
                    reperes_domain::lieux::valeur(&e, "code_postal").unwrap_or_default(),
                    reperes_domain::lieux::valeur(&e, "commune").unwrap_or_default()
                ),
            ));
        }
    }
    page(
        &PageDispositif {
            lieux,
            cadre: Cadre::pour(
                &v,
                format!("{} — registre des titulaires", d.dispositif_nom),
            ),
            url: etat.config.url_publique.clone(),
            labels,
            d,
        },
        None,
        false,
    )
}

fn echapper_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// Badge SVG d'un dispositif labellisé (dernier label en cours, sinon le plus récent).
pub async fn badge(
    State(etat): State<Etat>,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let lignes: Vec<LigneRegistre> = etat
        .store
        .registre()
        .await?
        .into_iter()
        .filter(|l| l.dispositif_id == id)
        .collect();
    let l = lignes
        .iter()
        .find(|l| l.etat == EtatDossier::Labellise)
        .or(lignes.first())
        .ok_or(ErreurWeb::Introuvable)?;
    let t = titulaire(&etat, l);
    let r = etat
        .catalogue
        .referentiel(&l.referentiel_id, &l.referentiel_version);
    let label = r.map(|r| r.nom_court.clone()).unwrap_or_default();
    let etat_txt = match l.etat {
        EtatDossier::Labellise => format!(
            "{} jusqu'au {}",
            t.niveau_libelle,
            l.fin_validite
                .map(|f| f.format("%d/%m/%Y").to_string())
                .unwrap_or_default()
        ),
        autre => autre.libelle().to_string(),
    };
    let alt = format!("{} : label « {label} », {etat_txt}", t.dispositif_nom);
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="260" height="64" viewBox="0 0 260 64" role="img" aria-labelledby="t">
<title id="t">{alt}</title>
<rect width="260" height="64" rx="6" fill="#000091"/>
<text x="14" y="27" font-family="Marianne, Arial, sans-serif" font-size="15" font-weight="700" fill="#ffffff">{label}</text>
<text x="14" y="48" font-family="Marianne, Arial, sans-serif" font-size="12" fill="#ffffff">{etat_txt}</text>
</svg>"##,
        alt = echapper_xml(&alt),
        label = echapper_xml(&format!("Label {label}")),
        etat_txt = echapper_xml(&etat_txt),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        svg,
    )
        .into_response())
}

// ---------- Données ouvertes ----------

/// Le registre en CSV (UTF-8, virgule), conforme à `schemas/registre.schema.json`.
pub async fn csv(State(etat): State<Etat>) -> Result<Response, ErreurWeb> {
    let lignes = titulaires(&etat, &FiltresRegistre::default()).await?;
    let mut w = ::csv::Writer::from_writer(Vec::new());
    if lignes.is_empty() {
        w.write_record(CHAMPS)
            .map_err(|e| ErreurWeb::Interne(e.to_string()))?;
    }
    for t in &lignes {
        w.serialize(t)
            .map_err(|e| ErreurWeb::Interne(e.to_string()))?;
    }
    let octets = w
        .into_inner()
        .map_err(|e| ErreurWeb::Interne(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"registre-titulaires.csv\"",
            ),
        ],
        octets,
    )
        .into_response())
}

/// Noms des champs, dans l'ordre du schéma.
pub const CHAMPS: &[&str] = &[
    "identifiant",
    "dispositif_identifiant",
    "dispositif_nom",
    "dispositif_description",
    "dispositif_site",
    "categorie",
    "categorie_libelle",
    "porteur_nom",
    "porteur_type",
    "code_postal",
    "commune",
    "departement",
    "label",
    "label_version",
    "label_nom",
    "niveau",
    "niveau_libelle",
    "statut",
    "date_labellisation",
    "fin_validite",
    "date_fin",
    "criteres_satisfaits",
    "correspondance_nig",
    "page",
];

/// Le registre en JSON : un tableau d'objets, mêmes champs que le CSV.
pub async fn json(State(etat): State<Etat>) -> Result<Response, ErreurWeb> {
    let lignes = titulaires(&etat, &FiltresRegistre::default()).await?;
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            "inline; filename=\"registre-titulaires.json\"",
        )],
        Json(lignes),
    )
        .into_response())
}

pub const SCHEMA_REGISTRE: &str = include_str!("../../../schemas/registre.schema.json");

pub async fn schema() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        SCHEMA_REGISTRE,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "donnees.html")]
struct PageDonnees {
    cadre: Cadre,
    champs: Vec<(String, String, String, bool)>,
    /// Champs des données ouvertes des territoires signataires de la charte.
    champs_chartes: Vec<(String, String, String, bool)>,
}

pub async fn donnees(v: Visiteur) -> Result<Response, ErreurWeb> {
    let s: serde_json::Value =
        serde_json::from_str(SCHEMA_REGISTRE).map_err(|e| ErreurWeb::Interne(e.to_string()))?;
    let champs = s["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["name"].as_str().unwrap_or_default().to_string(),
                        f["type"].as_str().unwrap_or_default().to_string(),
                        f["description"].as_str().unwrap_or_default().to_string(),
                        f["constraints"]["required"].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    page(
        &PageDonnees {
            cadre: Cadre::pour(&v, "Données ouvertes"),
            champs,
            champs_chartes: crate::chartes::champs_schema(),
        },
        None,
        false,
    )
}
