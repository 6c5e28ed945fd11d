//! Instruction d'un dossier par un agent : attribution, appréciations par critère, plan
//! d'accompagnement, actions du cycle de vie (complément, décision…) avec courriel au demandeur.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{NaiveDate, Utc};
use reperes_domain::dossier::{EcartCritere, PlanAccompagnement, TypeAction};
use reperes_domain::{Action, Dossier, Modification};
use reperes_store::{NouveauCourriel, Utilisateur};
use serde::Deserialize;

use crate::commun::acces::acteur;
use crate::commun::acces::dossier_visible;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// Dossier vu par un agent.
async fn dossier_agent<'a>(
    etat: &'a Etat,
    v: &Visiteur,
    id: &str,
) -> Result<(Dossier, &'a reperes_domain::Referentiel), ErreurWeb> {
    let (_, p) = v.agent()?;
    dossier_visible(etat, p, id).await
}

/// Formulaire d'un agent champ par critère (appréciations, plan) : le jeton est contrôlé, puis
/// rend l'agent et le référentiel du dossier.
async fn formulaire_par_critere<'a, 'v>(
    etat: &'a Etat,
    v: &'v Visiteur,
    id: &str,
    champs: &[(String, String)],
) -> Result<(&'v Utilisateur, &'a reperes_domain::Referentiel), ErreurWeb> {
    v.verifier_csrf_champs(champs)?;
    let (u, _) = v.agent()?;
    let (_, r) = dossier_agent(etat, v, id).await?;
    Ok((u, r))
}

/// Valeur d'un champ d'un formulaire lu en paires (nom, valeur).
fn champ<'c>(champs: &'c [(String, String)], nom: &str) -> Option<&'c str> {
    champs
        .iter()
        .find(|(n, _)| n == nom)
        .map(|(_, x)| x.as_str())
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
        .await?;
    Ok(Redirect::to(&format!("/dossiers/{id}?ok=enregistre")).into_response())
}

pub async fn apprecier(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Form(champs): Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    let (u, r) = formulaire_par_critere(&etat, &v, &id, &champs).await?;
    let valeur = |k: String| champ(&champs, &k).map(str::to_string);
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
            .await?;
    }
    Ok(Redirect::to(&format!("/dossiers/{id}?ok=enregistre")).into_response())
}

pub async fn plan(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Form(champs): Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    let (u, r) = formulaire_par_critere(&etat, &v, &id, &champs).await?;
    let valeur = |k: String| {
        champ(&champs, &k)
            .map(str::trim)
            .unwrap_or_default()
            .to_string()
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
        .await?;
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
                    d.complement.as_ref().map(|c| crate::commun::dates::jour(c.echeance)).unwrap_or_default(),
                    d.complement.as_ref().map(|c| c.motif.clone()).unwrap_or_default()
                ),
            ),
            TypeAction::Labelliser if charte => (
                format!("Repères : charte contresignée (dossier {numero})"),
                format!(
                    "La « {nom_ref} » que votre territoire a signée est contresignée par l'État, jusqu'au {}.\n\nVos engagements : publier chaque année un rapport sur la démarche, son impact et les outils, depuis la page du dossier.\n\nMotivation : {}",
                    d.fin_validite.map(crate::commun::dates::jour).unwrap_or_default(),
                    d.decision.as_ref().map(|x| x.motivation.clone()).unwrap_or_default()
                ),
            ),
            TypeAction::Labelliser => (
                format!("Repères : label accordé (dossier {numero})"),
                format!(
                    "Le label « {nom_ref} » est accordé à votre dispositif, au niveau {}, jusqu'au {}.\n\nMotivation : {}",
                    d.niveau_accorde.unwrap_or_default(),
                    d.fin_validite.map(crate::commun::dates::jour).unwrap_or_default(),
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
        .await?;
    Ok(Redirect::to(&format!("/dossiers/{id}?ok=action")).into_response())
}
