//! Instruction : file des dossiers avec filtres et comptes, attribution, appréciations par
//! critère, plan d'accompagnement, actions du cycle de vie (complément, décision…) avec courriel
//! au demandeur ; administration des agents.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{Duration, NaiveDate, Utc};
use reperes_domain::comptes::{Email, RoleCompte};
use reperes_domain::dossier::{EcartCritere, PlanAccompagnement, TypeAction};
use reperes_domain::{Action, Dossier, Etat as EtatDossier, Modification};
use reperes_store::{FiltreDossiers, NatureJeton, NouveauCourriel, ResumeDossier, Utilisateur};
use serde::Deserialize;

use crate::commun::acces::acteur;
use crate::commun::acces::dossier_visible;
use crate::commun::cadre::Cadre;
use crate::commun::erreur::refus_en_requete;
use crate::commun::formulaires::page;
use crate::commun::jetons::lien_jeton;
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
#[template(path = "instruction.html")]
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
fn filtre_store(f: &Filtres, u: &Utilisateur) -> (FiltreDossiers, Vec<String>) {
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
    let mut agents = Vec::new();
    for role in [RoleCompte::Instructeur, RoleCompte::Administrateur] {
        agents.extend(
            etat.store
                .utilisateurs_de_role(role)
                .await?
                .into_iter()
                .map(|u| (u.id, u.nom)),
        );
    }
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

/// Dossier vu par un agent.
async fn dossier_agent<'a>(
    etat: &'a Etat,
    v: &Visiteur,
    id: &str,
) -> Result<(Dossier, &'a reperes_domain::Referentiel), ErreurWeb> {
    let (_, p) = v.agent()?;
    dossier_visible(etat, p, id).await
}

#[derive(Deserialize)]
pub struct FormAttribution {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    instructeur: String,
}

pub async fn attribuer(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Form(f): Form<FormAttribution>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.agent()?;
    dossier_agent(&etat, &v, &id).await?;
    let cible = match f.instructeur.as_str() {
        "" => None,
        x => {
            let a = etat
                .store
                .utilisateur(x)
                .await?
                .filter(|a| a.role.est_agent())
                .ok_or_else(|| ErreurWeb::Requete("Agent inconnu.".into()))?;
            Some(a.id)
        }
    };
    etat.store
        .modifier(
            &etat.catalogue,
            &id,
            &acteur(u),
            &Modification::Attribuer {
                instructeur_id: cible,
            },
        )
        .await
        .map_err(refus_en_requete)?;
    Ok(Redirect::to(&format!("/dossiers/{id}?ok=enregistre")).into_response())
}

pub async fn apprecier(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Form(champs): Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf_champs(&champs)?;
    let (u, _) = v.agent()?;
    let (_, r) = dossier_agent(&etat, &v, &id).await?;
    let valeur = |k: String| champs.iter().find(|(n, _)| *n == k).map(|(_, x)| x.clone());
    for c in &r.criteres {
        let Some(choix) = valeur(format!("appreciation_{}", c.id)) else {
            continue;
        };
        if choix.is_empty() {
            continue;
        }
        let niveau = if choix == "non" {
            None
        } else {
            Some(
                choix
                    .parse::<u8>()
                    .map_err(|_| ErreurWeb::Requete("Appréciation invalide.".into()))?,
            )
        };
        let commentaire = valeur(format!("commentaire_{}", c.id)).unwrap_or_default();
        etat.store
            .modifier(
                &etat.catalogue,
                &id,
                &acteur(u),
                &Modification::Appreciation {
                    critere: c.id.clone(),
                    niveau,
                    commentaire,
                },
            )
            .await
            .map_err(refus_en_requete)?;
    }
    Ok(Redirect::to(&format!("/dossiers/{id}?ok=enregistre")).into_response())
}

pub async fn plan(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Form(champs): Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf_champs(&champs)?;
    let (u, _) = v.agent()?;
    let (_, r) = dossier_agent(&etat, &v, &id).await?;
    let valeur = |k: String| {
        champs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, x)| x.trim().to_string())
            .unwrap_or_default()
    };
    let ecarts = r
        .criteres
        .iter()
        .map(|c| EcartCritere {
            critere: c.id.clone(),
            ecart: valeur(format!("ecart_{}", c.id)),
            actions: valeur(format!("actions_{}", c.id)),
            experts: valeur(format!("experts_{}", c.id)),
        })
        .filter(|e| !(e.ecart.is_empty() && e.actions.is_empty() && e.experts.is_empty()))
        .collect();
    etat.store
        .modifier(
            &etat.catalogue,
            &id,
            &acteur(u),
            &Modification::Plan {
                plan: PlanAccompagnement { ecarts },
            },
        )
        .await
        .map_err(refus_en_requete)?;
    Ok(Redirect::to(&format!("/dossiers/{id}?ok=enregistre")).into_response())
}

#[derive(Deserialize)]
pub struct FormAction {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    motif: String,
    #[serde(default)]
    echeance: String,
    #[serde(default)]
    niveau: String,
}

/// Action du cycle de vie par un agent (ou le demandeur, pour les actions qui lui reviennent).
pub async fn agir(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((id, code)): Path<(String, String)>,
    Form(f): Form<FormAction>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, p) = v.connecte()?;
    let (d, r) = dossier_visible(&etat, p, &id).await?;
    p.role_sur(&d).ok_or(ErreurWeb::Interdit)?;
    let type_action = TypeAction::depuis_code(&code).ok_or(ErreurWeb::Introuvable)?;
    let motif = f.motif.trim().to_string();
    let action = match type_action {
        TypeAction::PrendreEnCharge => Action::PrendreEnCharge,
        TypeAction::CloreAccompagnement => Action::CloreAccompagnement,
        TypeAction::DemanderComplement => Action::DemanderComplement {
            motif,
            echeance: NaiveDate::parse_from_str(f.echeance.trim(), "%Y-%m-%d").map_err(|_| {
                ErreurWeb::Requete(
                    "Indiquez l'échéance de la demande de complément (date au format AAAA-MM-JJ)."
                        .into(),
                )
            })?,
        },
        TypeAction::OuvrirAccompagnement => Action::OuvrirAccompagnement { motif },
        TypeAction::Labelliser => Action::Labelliser {
            niveau: f
                .niveau
                .parse()
                .map_err(|_| ErreurWeb::Requete("Choisissez le niveau accordé.".into()))?,
            motivation: motif,
        },
        TypeAction::Refuser => Action::Refuser { motivation: motif },
        TypeAction::ClasserSansSuite => Action::ClasserSansSuite { motif },
        TypeAction::Retirer => Action::Retirer { motif },
        TypeAction::Deposer | TypeAction::Expirer => return Err(ErreurWeb::Introuvable),
    };
    let a_qui: Vec<String> = etat
        .store
        .membres(&d.organisation_id)
        .await?
        .into_iter()
        .map(|u| u.email)
        .collect();
    let url = etat.config.url_publique.clone();
    let nom_ref = r.nom.clone();
    let charte = r.nature == reperes_domain::referentiel::Nature::Charte;
    let notifier = move |d: &Dossier| -> Vec<NouveauCourriel> {
        let numero = d.numero.clone().unwrap_or_default();
        let (sujet, texte) = match type_action {
            TypeAction::DemanderComplement => (
                format!("Repères : complément demandé pour le dossier {numero}"),
                format!(
                    "L'instruction de votre dossier demande un complément, avant le {} :\n\n{}\n\nComplétez le dossier puis déposez-le à nouveau.",
                    d.complement.as_ref().map(|c| c.echeance.format("%d/%m/%Y").to_string()).unwrap_or_default(),
                    d.complement.as_ref().map(|c| c.motif.clone()).unwrap_or_default()
                ),
            ),
            TypeAction::Labelliser if charte => (
                format!("Repères : charte contresignée (dossier {numero})"),
                format!(
                    "La « {nom_ref} » que votre territoire a signée est contresignée par l'État, jusqu'au {}.\n\nVos engagements : publier chaque année un rapport sur la démarche, son impact et les outils, depuis la page du dossier.\n\nMotivation : {}",
                    d.fin_validite.map(|f| f.format("%d/%m/%Y").to_string()).unwrap_or_default(),
                    d.decision.as_ref().map(|x| x.motivation.clone()).unwrap_or_default()
                ),
            ),
            TypeAction::Labelliser => (
                format!("Repères : label accordé (dossier {numero})"),
                format!(
                    "Le label « {nom_ref} » est accordé à votre dispositif, au niveau {}, jusqu'au {}.\n\nMotivation : {}",
                    d.niveau_accorde.unwrap_or_default(),
                    d.fin_validite.map(|f| f.format("%d/%m/%Y").to_string()).unwrap_or_default(),
                    d.decision.as_ref().map(|x| x.motivation.clone()).unwrap_or_default()
                ),
            ),
            TypeAction::Refuser | TypeAction::ClasserSansSuite | TypeAction::Retirer => (
                format!("Repères : décision sur le dossier {numero}"),
                format!(
                    "Décision : {}.\n\nMotivation : {}",
                    d.etat.libelle(),
                    d.decision.as_ref().map(|x| x.motivation.clone()).unwrap_or_default()
                ),
            ),
            TypeAction::OuvrirAccompagnement => (
                format!("Repères : accompagnement proposé (dossier {numero})"),
                format!("Un accompagnement vous est proposé dans le cadre de l'instruction :\n\n{}", d.accompagnement.clone().unwrap_or_default()),
            ),
            _ => return vec![],
        };
        a_qui
            .iter()
            .map(|dest| NouveauCourriel {
                destinataire: dest.clone(),
                sujet: sujet.clone(),
                corps: format!(
                    "Bonjour,\n\n{texte}\n\nLe dossier : {url}/dossiers/{}\n",
                    d.id
                ),
            })
            .collect()
    };
    etat.store
        .agir_et_notifier(
            &etat.catalogue,
            &id,
            &acteur(u),
            &action,
            Utc::now(),
            &notifier,
        )
        .await
        .map_err(refus_en_requete)?;
    Ok(Redirect::to(&format!("/dossiers/{id}?ok=action")).into_response())
}

// ---------- Exports ----------

const COLONNES_EXPORT: &[&str] = &[
    "numero",
    "identifiant",
    "organisation",
    "dispositif",
    "type_dispositif",
    "label",
    "version",
    "niveau_vise",
    "etat",
    "depose_le",
    "attribue_a",
    "niveau_accorde",
    "fin_validite",
    "modifie_le",
];

async fn lignes_export(
    etat: &Etat,
    v: &Visiteur,
    f: &Filtres,
) -> Result<Vec<Vec<String>>, ErreurWeb> {
    let (u, _) = v.agent()?;
    let (filtre, erreurs) = filtre_store(f, u);
    if let Some(e) = erreurs.first() {
        return Err(ErreurWeb::Requete(e.clone()));
    }
    let mut noms = std::collections::BTreeMap::new();
    for role in [RoleCompte::Instructeur, RoleCompte::Administrateur] {
        for a in etat.store.utilisateurs_de_role(role).await? {
            noms.insert(a.id, a.nom);
        }
    }
    Ok(etat
        .store
        .dossiers(&filtre)
        .await?
        .into_iter()
        .map(|d| {
            vec![
                d.numero.unwrap_or_default(),
                d.id,
                d.organisation_nom,
                d.dispositif_nom,
                d.type_dispositif,
                d.referentiel_id,
                d.referentiel_version,
                d.niveau_vise.to_string(),
                d.etat.code().to_string(),
                d.depose_le
                    .map(|x| x.date_naive().to_string())
                    .unwrap_or_default(),
                d.instructeur_id
                    .and_then(|i| noms.get(&i).cloned())
                    .unwrap_or_default(),
                d.niveau_accorde.map(|n| n.to_string()).unwrap_or_default(),
                d.fin_validite.map(|x| x.to_string()).unwrap_or_default(),
                d.modifie_le.to_rfc3339(),
            ]
        })
        .collect())
}

/// Dossiers de la file (mêmes filtres) en CSV.
pub async fn export_csv(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(f): Query<Filtres>,
) -> Result<Response, ErreurWeb> {
    let lignes = lignes_export(&etat, &v, &f).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let interne = |e: csv::Error| ErreurWeb::Interne(e.to_string());
    w.write_record(COLONNES_EXPORT).map_err(interne)?;
    for l in &lignes {
        w.write_record(l).map_err(interne)?;
    }
    let octets = w
        .into_inner()
        .map_err(|e| ErreurWeb::Interne(e.to_string()))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"dossiers.csv\"",
            ),
        ],
        octets,
    )
        .into_response())
}

/// Dossiers de la file (mêmes filtres) en classeur XLSX.
pub async fn export_xlsx(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(f): Query<Filtres>,
) -> Result<Response, ErreurWeb> {
    let lignes = lignes_export(&etat, &v, &f).await?;
    let mut classeur = rust_xlsxwriter::Workbook::new();
    let feuille = classeur.add_worksheet();
    let interne = |e: rust_xlsxwriter::XlsxError| ErreurWeb::Interne(e.to_string());
    feuille.set_name("Dossiers").map_err(interne)?;
    let gras = rust_xlsxwriter::Format::new().set_bold();
    for (c, titre) in COLONNES_EXPORT.iter().enumerate() {
        feuille
            .write_string_with_format(0, c as u16, *titre, &gras)
            .map_err(interne)?;
    }
    for (i, l) in lignes.iter().enumerate() {
        for (c, valeur) in l.iter().enumerate() {
            feuille
                .write_string(i as u32 + 1, c as u16, valeur)
                .map_err(interne)?;
        }
    }
    let octets = classeur.save_to_buffer().map_err(interne)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"dossiers.xlsx\"",
            ),
        ],
        octets,
    )
        .into_response())
}

// ---------- Administration ----------

#[derive(Template)]
#[template(path = "administration.html")]
struct PageAdministration {
    cadre: Cadre,
    agents: Vec<Utilisateur>,
    erreur: Option<String>,
    courriels_en_attente: usize,
}

async fn rendre_administration(
    etat: &Etat,
    v: &Visiteur,
    message: Option<String>,
    erreur: Option<String>,
) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let mut agents = etat
        .store
        .utilisateurs_de_role(RoleCompte::Instructeur)
        .await?;
    agents.extend(
        etat.store
            .utilisateurs_de_role(RoleCompte::Administrateur)
            .await?,
    );
    let en_erreur = erreur.is_some();
    page(
        &PageAdministration {
            cadre: Cadre::pour(v, "Administration").avec_message(message),
            agents,
            erreur,
            courriels_en_attente: etat
                .store
                .courriels()
                .await?
                .iter()
                .filter(|c| c.envoye_le.is_none())
                .count(),
        },
        None,
        en_erreur,
    )
}

#[derive(Deserialize, Default)]
pub struct RequeteOk {
    ok: Option<String>,
}

pub async fn administration(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(q): Query<RequeteOk>,
) -> Result<Response, ErreurWeb> {
    let message =
        q.ok.as_deref()
            .filter(|x| *x == "invitation")
            .map(|_| "Invitation envoyée.".to_string());
    rendre_administration(&etat, &v, message, None).await
}

#[derive(Deserialize)]
pub struct FormInviterAgent {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn inviter_agent(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormInviterAgent>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.administrateur()?;
    let email = match Email::parse(&f.email) {
        Ok(e) => e,
        Err(m) => return rendre_administration(&etat, &v, None, Some(m)).await,
    };
    let role = match f.role.as_str() {
        "administrateur" => RoleCompte::Administrateur,
        _ => RoleCompte::Instructeur,
    };
    let lien = lien_jeton(
        &etat,
        NatureJeton::Invitation,
        email.as_str(),
        None,
        Some(role),
        Duration::days(7),
        "/invitation",
    )
    .await?;
    etat.store
        .mettre_en_file(&NouveauCourriel {
            destinataire: email.to_string(),
            sujet: "Repères : invitation à rejoindre l'instruction".into(),
            corps: format!(
                "Bonjour,\n\n{} vous invite à rejoindre Repères en tant que « {} ».\nOuvrez ce lien (valable 7 jours) :\n{lien}\n",
                u.nom,
                role.libelle()
            ),
        })
        .await?;
    Ok(Redirect::to("/administration?ok=invitation").into_response())
}
