//! Pages publiques du registre : liste filtrée et paginée des titulaires, page d'un dispositif
//! labellisé.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use reperes_domain::referentiel::Vocabulaire;
use reperes_domain::Etat as EtatDossier;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::exemple::{dossier_exemple, est_exemple, DossierExemple};
use super::titulaires::{
    lignes_du_dispositif, mots, rempli, titulaire, titulaires, FiltresRegistre, Titulaire, PAR_PAGE,
};

#[derive(Template)]
#[template(path = "registre/registre.html")]
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
    /// La liste « Critère satisfait », groupée par référentiel (`optgroup`, RGAA 11.8).
    criteres: Vec<GroupeCriteres>,
    types_porteur: Vec<(String, String)>,
    /// Identifiants des référentiels d'approbation des méthodes.
    approbations: Vec<String>,
    /// Issue 18 : le dossier de Repères, montré en exemple (première page).
    exemple: Option<Titulaire>,
}

/// Les critères d'un référentiel au registre, dans l'ordre de son texte.
struct GroupeCriteres {
    referentiel: String,
    criteres: Vec<OptionCritere>,
}

struct OptionCritere {
    id: String,
    libelle: String,
    /// Le critère filtré ; une seule option choisie même si l'identifiant est commun à deux
    /// référentiels (le filtre porte sur l'identifiant, quel que soit le référentiel).
    choisi: bool,
}

/// Les groupes de la liste « Critère satisfait » : un par référentiel au registre.
fn groupes_criteres(c: &reperes_domain::Catalogue, choisi: Option<&str>) -> Vec<GroupeCriteres> {
    let mut groupes: Vec<GroupeCriteres> = c
        .referentiels
        .iter()
        .filter(|r| r.nature.au_registre() && !r.criteres.is_empty())
        .map(|r| GroupeCriteres {
            referentiel: r.nom_court.clone(),
            criteres: r
                .criteres
                .iter()
                .map(|cr| OptionCritere {
                    id: cr.id.clone(),
                    libelle: cr.libelle.clone(),
                    choisi: false,
                })
                .collect(),
        })
        .collect();
    if let Some(o) = groupes
        .iter_mut()
        .flat_map(|g| g.criteres.iter_mut())
        .find(|o| Some(o.id.as_str()) == choisi)
    {
        o.choisi = true;
    }
    groupes
}

impl PageRegistre {
    /// Adresse des pages du registre, à laquelle s'ajoute `page=N`.
    fn base_pagination(&self) -> String {
        format!("{}/registre?{}&", self.cadre.prefixe, self.requete)
    }
    fn choisi(&self, champ: &str, valeur: &str) -> bool {
        let v = match champ {
            "categorie" => &self.f.categorie,
            "label" => &self.f.label,
            "niveau" => &self.f.niveau,
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
    /// Le statut d'un titulaire dans les mots de son référentiel (une méthode est « approuvée »).
    fn statut_de(&self, t: &Titulaire) -> &'static str {
        match (
            EtatDossier::depuis_code(&t.statut),
            self.approbations.contains(&t.label),
        ) {
            (Some(EtatDossier::Labellise), true) => {
                reperes_domain::referentiel::Nature::Approbation
                    .vocabulaire()
                    .accorde
            }
            _ => self.statut_libelle(&t.statut),
        }
    }
}

pub async fn registre(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(f): Query<FiltresRegistre>,
) -> Result<Response, ErreurWeb> {
    let mut tous = titulaires(&etat, &f).await?;
    // Version locale (issue 17) : les titulaires dont l'organisation est dans le périmètre.
    tous.retain(|t| v.portee.contient_adresse(&t.code_postal, &t.commune));
    let total = tous.len();
    let pages = total.div_ceil(PAR_PAGE).max(1);
    let page_n = f.page().min(pages);
    // Issue 18 : le dossier de Repères en exemple, en tête de la première page (quels que soient
    // les filtres), s'il est au registre et dans le périmètre.
    let exemple = if page_n == 1 {
        match tous.iter().find(|t| est_exemple(&etat, t)) {
            Some(t) => Some(t.clone()),
            None => titulaires(&etat, &FiltresRegistre::default())
                .await?
                .into_iter()
                .find(|t| {
                    est_exemple(&etat, t) && v.portee.contient_adresse(&t.code_postal, &t.commune)
                }),
        }
    } else {
        None
    };
    let titulaires: Vec<Titulaire> = tous
        .into_iter()
        .skip((page_n - 1) * PAR_PAGE)
        .take(PAR_PAGE)
        .collect();
    let c = &etat.catalogue;
    let criteres = groupes_criteres(c, rempli(&f.critere));
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
            .filter(|r| r.nature.au_registre())
            .map(|r| (r.id.clone(), r.nom_court.clone()))
            .collect(),
        types_porteur: c
            .nomenclatures()
            .types_organisation
            .iter()
            .map(|t| (t.id.clone(), t.libelle.clone()))
            .collect(),
        criteres,
        approbations: c
            .referentiels
            .iter()
            .filter(|r| r.nature == reperes_domain::referentiel::Nature::Approbation)
            .map(|r| r.id.clone())
            .collect(),
        exemple,
        titulaires,
        total,
        page: page_n,
        pages,
        f,
    };
    page(&t, None, false)
}

/// Licence du matériel ouvert d'un critère, telle que publiée au registre.
struct LicenceMateriel {
    critere: String,
    nom: String,
    spdx: String,
    /// Texte de la licence (page SPDX).
    texte: String,
    /// Matériel publié.
    lien: String,
}

/// Un label du dispositif : le titulaire, les critères satisfaits, la correspondance NIG et les
/// licences du matériel ouvert.
type LabelDuDispositif = (
    Titulaire,
    Vec<String>,
    Vec<String>,
    Vec<LicenceMateriel>,
    &'static Vocabulaire,
);

#[derive(Template)]
#[template(path = "registre/dispositif.html")]
struct PageDispositif {
    cadre: Cadre,
    labels: Vec<LabelDuDispositif>,
    d: Titulaire,
    /// Les mots du référentiel de la première ligne (badge).
    mots_badge: &'static Vocabulaire,
    url: String,
    /// Lieux qui déclarent utiliser ce dispositif : (chemin, libellé).
    lieux: Vec<(String, String)>,
    /// Issue 18 : le dossier de Repères (autoévaluation, preuves, décision), si c'est lui.
    exemple: Option<DossierExemple>,
}

pub async fn dispositif(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let lignes = lignes_du_dispositif(&etat, &id).await?;
    // Version locale (issue 17) : 404 si le porteur est hors du périmètre.
    if lignes.is_empty()
        || !lignes
            .iter()
            .all(|l| v.portee.contient_adresse(&l.code_postal, &l.commune))
    {
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
                        match corr.liens.iter().find_map(|l| l.qualificatif(code)) {
                            Some(q) => format!("{} {code} {lib} ({q})", corr.vers),
                            None => format!("{} {code} {lib}", corr.vers),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let licences = l
            .licences
            .iter()
            .map(|(c, spdx, lien)| {
                let critere = r.and_then(|r| r.critere(c));
                LicenceMateriel {
                    critere: critere
                        .map(|x| x.libelle.clone())
                        .unwrap_or_else(|| c.clone()),
                    nom: critere
                        .and_then(|x| x.licence_admise(spdx))
                        .map(|x| x.nom.clone())
                        .unwrap_or_else(|| spdx.clone()),
                    spdx: spdx.clone(),
                    texte: reperes_domain::charte::lien_licence(spdx),
                    lien: lien.clone(),
                }
            })
            .collect();
        let m = mots(&etat, &l.referentiel_id);
        labels.push((t, criteres, nig, licences, m));
    }
    let d = labels[0].0.clone();
    let mots_badge = labels[0].4;
    let mut exemple = None;
    for (t, ..) in &labels {
        if let Some(x) = dossier_exemple(&etat, t).await? {
            exemple = Some(x);
            break;
        }
    }
    // Lieux de la carte qui déclarent utiliser ce dispositif (dans une version locale : ceux de
    // son périmètre ; chemins relatifs à la portée).
    let mut lieux = Vec::new();
    for l in etat.store.liens_du_dispositif(&id).await? {
        if let Some((e, _)) = etat.store.lieu(&l.source, &l.lieu_id).await? {
            if v.portee.est_locale() {
                let x = |k: &str| reperes_domain::lieux::valeur(&e, k).unwrap_or_default();
                let situation = reperes_domain::territoires::Territoires::embarque().situer(
                    Some(&x("code_insee")),
                    &x("code_postal"),
                    &x("commune"),
                );
                if !v.portee.contient(&situation) {
                    continue;
                }
            }
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
            mots_badge,
            exemple,
        },
        None,
        false,
    )
}
