//! File d'instruction : dossiers déposés, filtres (état, label, type, niveau, dates,
//! attribution) et comptes par état.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use reperes_domain::Etat as EtatDossier;
use reperes_store::{FiltreDossiers, ResumeDossier, Utilisateur};
use serde::Deserialize;

use crate::commun::acces::noms_des_agents;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

#[derive(Deserialize, Default, Clone)]
pub struct Filtres {
    #[serde(default)]
    etat: String,
    #[serde(default)]
    referentiel: String,
    #[serde(default)]
    type_dispositif: String,
    #[serde(default)]
    niveau: String,
    #[serde(default)]
    depuis: String,
    #[serde(default)]
    jusqu_au: String,
    #[serde(default)]
    attribution: String,
}

#[derive(Template)]
#[template(path = "instruction/file.html")]
struct PageInstruction {
    cadre: Cadre,
    f: Filtres,
    dossiers: Vec<ResumeDossier>,
    comptes: Vec<(EtatDossier, i64)>,
    etats: Vec<(String, String)>,
    referentiels: Vec<(String, String)>,
    types: Vec<(String, String)>,
    agents: Vec<(String, String)>,
    erreurs: Vec<String>,
    requete: String,
    /// Référentiels de nature « charte » (libellés propres : « Signée et contresignée »).
    chartes: Vec<String>,
}

impl PageInstruction {
    fn etat_libelle(&self, d: &ResumeDossier) -> &'static str {
        crate::commun::libelles::libelle_etat_resume(&self.chartes, d)
    }
    fn nom_ref(&self, id: &str) -> String {
        self.referentiels
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.to_string())
    }
    fn nom_agent(&self, id: &Option<String>) -> String {
        id.as_ref()
            .and_then(|i| self.agents.iter().find(|(x, _)| x == i))
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "—".into())
    }
}

fn date(s: &str, champ: &str, erreurs: &mut Vec<String>) -> Option<NaiveDate> {
    if s.trim().is_empty() {
        return None;
    }
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| {
            erreurs.push(format!(
                "{champ} : date invalide, format attendu AAAA-MM-JJ."
            ))
        })
        .ok()
}

/// Le filtre du store correspondant aux filtres de la file (et les erreurs de saisie).
pub(super) fn filtre_store(f: &Filtres, u: &Utilisateur) -> (FiltreDossiers, Vec<String>) {
    let mut erreurs = Vec::new();
    let filtre = FiltreDossiers {
        etat: EtatDossier::depuis_code(&f.etat),
        referentiel_id: Some(f.referentiel.clone()).filter(|x| !x.is_empty()),
        type_dispositif: Some(f.type_dispositif.clone()).filter(|x| !x.is_empty()),
        niveau_vise: f.niveau.parse().ok(),
        depose_depuis: date(&f.depuis, "Déposé depuis le", &mut erreurs),
        depose_jusqu_au: date(&f.jusqu_au, "Déposé jusqu'au", &mut erreurs),
        instructeur_id: match f.attribution.as_str() {
            "moi" => Some(u.id.clone()),
            "aucun" => Some(String::new()),
            "" | "tous" => None,
            autre => Some(autre.to_string()),
        },
        sans_brouillons: true,
        ..Default::default()
    };
    (filtre, erreurs)
}

pub async fn file(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(f): Query<Filtres>,
) -> Result<Response, ErreurWeb> {
    let (u, _) = v.agent()?;
    let (filtre, erreurs) = filtre_store(&f, u);
    let dossiers = etat.store.dossiers(&filtre).await?;
    let agents = noms_des_agents(&etat).await?;
    let t = PageInstruction {
        cadre: Cadre::pour(&v, format!("Instruction : {} dossier(s)", dossiers.len())),
        comptes: etat
            .store
            .compter_par_etat()
            .await?
            .into_iter()
            .filter(|(e, _)| *e != EtatDossier::Brouillon)
            .collect(),
        etats: EtatDossier::TOUS
            .iter()
            .filter(|e| **e != EtatDossier::Brouillon)
            .map(|e| (e.code().to_string(), e.libelle().to_string()))
            .collect(),
        referentiels: etat
            .catalogue
            .referentiels
            .iter()
            .map(|r| (r.id.clone(), r.nom_court.clone()))
            .collect(),
        types: etat
            .catalogue
            .nomenclatures()
            .types_dispositif
            .iter()
            .map(|t| (t.id.clone(), t.libelle.clone()))
            .collect(),
        agents,
        chartes: crate::commun::libelles::ids_chartes(&etat),
        dossiers,
        erreurs,
        requete: serde_urlencoded::to_string([
            ("etat", &f.etat),
            ("referentiel", &f.referentiel),
            ("type_dispositif", &f.type_dispositif),
            ("niveau", &f.niveau),
            ("depuis", &f.depuis),
            ("jusqu_au", &f.jusqu_au),
            ("attribution", &f.attribution),
        ])
        .unwrap_or_default(),
        f,
    };
    page(&t, None, false)
}
