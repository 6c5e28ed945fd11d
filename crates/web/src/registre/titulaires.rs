//! Registre public des titulaires (pages, badge, données ouvertes, API JSON) et statistiques.
//! Aucune page de ce module ne demande de compte.

use reperes_domain::referentiel::{Nature, Vocabulaire};
use reperes_domain::registre::departement;
use reperes_domain::texte::{correspond, normaliser};
use reperes_store::LigneRegistre;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
    /// Licences (identifiants SPDX) du matériel ouvert, séparées par « | ».
    pub licences_materiel: String,
    /// Liens vers le matériel publié sous ces licences, dans le même ordre, séparés par « | ».
    pub liens_materiel: String,
}

pub(super) fn titulaire(etat: &Etat, l: &LigneRegistre) -> Titulaire {
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
        licences_materiel: l
            .licences
            .iter()
            .map(|(_, spdx, _)| spdx.as_str())
            .collect::<Vec<_>>()
            .join("|"),
        liens_materiel: l
            .licences
            .iter()
            .map(|(_, _, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("|"),
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

pub(super) fn rempli(x: &Option<String>) -> Option<&str> {
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
    pub(super) fn requete(&self) -> String {
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
        // Le registre publie les labels et les méthodes approuvées ; les signataires de la
        // charte ont leur propre liste.
        .filter(|l| au_registre(etat, l))
        .map(|l| titulaire(etat, l))
        .filter(|t| f.garde(t))
        .collect())
}

// ---------- Données ouvertes ----------

/// Les lignes du registre d'un dispositif (un par label obtenu).
pub(super) async fn lignes_du_dispositif(
    etat: &Etat,
    id: &str,
) -> Result<Vec<LigneRegistre>, ErreurWeb> {
    Ok(etat
        .store
        .registre()
        .await?
        .into_iter()
        .filter(|l| l.dispositif_id == id && au_registre(etat, l))
        .collect())
}

/// Une ligne d'un référentiel publié au registre (label ou approbation, pas une charte : une
/// charte n'est pas un label, ses signataires ont leur page `/chartes`).
fn au_registre(etat: &Etat, l: &LigneRegistre) -> bool {
    etat.catalogue
        .referentiel(&l.referentiel_id, &l.referentiel_version)
        .is_some_and(|r| r.nature.au_registre())
}

/// Les mots de la nature du référentiel d'une ligne du registre (« labellisé », « méthode
/// approuvée »).
pub(super) fn mots(etat: &Etat, referentiel_id: &str) -> &'static Vocabulaire {
    etat.catalogue
        .referentiels
        .iter()
        .find(|r| r.id == referentiel_id)
        .map(|r| r.nature)
        .unwrap_or(Nature::Label)
        .vocabulaire()
}
