//! File d'instruction : dossiers déposés, recherche (numéro, organisation, dispositif), filtres
//! (état, label, type, niveau, dates, attribution), dossiers clos masqués par défaut, « complément
//! reçu » signalé, et comptes par état. Dossiers « en retard » sur le délai d'instruction du
//! référentiel (sans les attentes de complément) : signalés, comptés, filtre et tri.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use reperes_domain::texte::{correspond, normaliser};
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
    /// Recherche : numéro, organisation, dispositif (sans accents ni casse).
    #[serde(default)]
    q: String,
    /// « oui » : afficher aussi les dossiers clos.
    #[serde(default)]
    clos: String,
    /// « oui » : seulement les dossiers en retard sur le délai d'instruction.
    #[serde(default)]
    retard: String,
    /// « retard » : les plus en retard d'abord ; sinon, les plus récemment modifiés d'abord.
    #[serde(default)]
    tri: String,
}

/// Dossiers clos : une décision les a terminés (labellisé ou contresigné, refusé, classé sans
/// suite, retiré, expiré). Masqués de la file par défaut.
pub const ETATS_CLOS: [EtatDossier; 5] = [
    EtatDossier::Labellise,
    EtatDossier::Refuse,
    EtatDossier::ClasseSansSuite,
    EtatDossier::Retire,
    EtatDossier::Expire,
];

/// Les dossiers de la file qui répondent à la recherche, sans les clos (sauf demande, ou filtre
/// sur un état clos).
pub(super) fn garder(f: &Filtres, dossiers: Vec<ResumeDossier>) -> Vec<ResumeDossier> {
    let avec_clos = f.clos == "oui" || !f.etat.is_empty();
    dossiers
        .into_iter()
        .filter(|d| avec_clos || !ETATS_CLOS.contains(&d.etat))
        .filter(|d| {
            f.q.trim().is_empty() || {
                let texte = normaliser(&format!(
                    "{} {} {}",
                    d.numero.as_deref().unwrap_or_default(),
                    d.organisation_nom,
                    d.dispositif_nom
                ));
                correspond(&texte, &f.q)
            }
        })
        .collect()
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
    chartes: Vec<(String, reperes_domain::referentiel::Nature)>,
    clos_masques: bool,
    /// Jours de retard des dossiers en retard sur le délai d'instruction, par identifiant.
    retards: BTreeMap<String, u32>,
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
    /// Le porteur a répondu à une demande de complément, et le dossier attend l'instruction.
    fn complement_recu(&self, d: &ResumeDossier) -> Option<String> {
        d.complement_recu_le
            .filter(|_| d.etat == EtatDossier::Depose)
            .map(crate::commun::dates::jour)
    }
    fn retard(&self, d: &ResumeDossier) -> Option<u32> {
        self.retards.get(&d.id).copied()
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

/// Jours de retard, le jour `aujourd_hui`, de ceux des `dossiers` qui ont dépassé le délai
/// d'instruction de leur référentiel (`delai_instruction`), sans compter les jours d'attente d'un
/// complément (demandes et dépôts lus dans le journal d'audit).
pub(super) async fn retards(
    etat: &Etat,
    dossiers: &[ResumeDossier],
    aujourd_hui: NaiveDate,
) -> Result<BTreeMap<String, u32>, ErreurWeb> {
    use reperes_domain::echeances::{attentes_complement, delai_en_cours, retard};
    let en_cours: Vec<(&ResumeDossier, NaiveDate, u32)> = dossiers
        .iter()
        .filter(|d| delai_en_cours(d.etat))
        .filter_map(|d| {
            let delai = etat
                .catalogue
                .referentiel(&d.referentiel_id, &d.referentiel_version)?
                .delai_instruction()?;
            Some((d, d.depose_le?.date_naive(), delai))
        })
        .collect();
    // Seuls les dossiers qui ont connu une demande de complément ont des attentes à retrancher.
    let avec_attentes: Vec<&str> = en_cours
        .iter()
        .filter(|(d, _, _)| {
            d.complement_recu_le.is_some() || d.etat == EtatDossier::ComplementDemande
        })
        .map(|(d, _, _)| d.id.as_str())
        .collect();
    let gestes = etat.store.gestes_d_instruction(&avec_attentes).await?;
    Ok(en_cours
        .into_iter()
        .filter_map(|(d, depot, delai)| {
            let attentes = gestes
                .get(&d.id)
                .map(|g| attentes_complement(g))
                .unwrap_or_default();
            retard(depot, aujourd_hui, &attentes, delai).map(|j| (d.id.clone(), j))
        })
        .collect())
}

/// Filtre « en retard » et tri par retard de la file (et de ses exports).
pub(super) fn trier_retards(
    f: &Filtres,
    mut dossiers: Vec<ResumeDossier>,
    retards: &BTreeMap<String, u32>,
) -> Vec<ResumeDossier> {
    if f.retard == "oui" {
        dossiers.retain(|d| retards.contains_key(&d.id));
    }
    if f.tri == "retard" {
        dossiers.sort_by_key(|d| std::cmp::Reverse(retards.get(&d.id).copied().unwrap_or(0)));
    }
    dossiers
}

pub async fn file(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(f): Query<Filtres>,
) -> Result<Response, ErreurWeb> {
    let (u, _) = v.agent()?;
    let (filtre, erreurs) = filtre_store(&f, u);
    let tous = etat
        .store
        .dossiers(&FiltreDossiers {
            sans_brouillons: true,
            ..Default::default()
        })
        .await?;
    let retards = retards(&etat, &tous, chrono::Utc::now().date_naive()).await?;
    let dossiers = trier_retards(
        &f,
        garder(&f, etat.store.dossiers(&filtre).await?),
        &retards,
    );
    let agents = noms_des_agents(&etat).await?;
    let t = PageInstruction {
        cadre: Cadre::pour(&v, format!("Instruction : {} dossier(s)", dossiers.len())),
        clos_masques: f.clos != "oui" && f.etat.is_empty(),
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
        chartes: crate::commun::libelles::natures_hors_label(&etat),
        retards,
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
            ("q", &f.q),
            ("clos", &f.clos),
            ("retard", &f.retard),
            ("tri", &f.tri),
        ])
        .unwrap_or_default(),
        f,
    };
    page(&t, None, false)
}
