//! Instruction d'un dossier par un agent : attribution, appréciations par critère, plan
//! d'accompagnement, actions du cycle de vie (complément, décision…) avec courriel au demandeur.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use reperes_domain::dossier::{EcartCritere, PlanAccompagnement, TypeAction};
use reperes_domain::{Action, Dossier, Modification};
use reperes_store::{NouveauCourriel, Utilisateur};
use serde::Deserialize;

use crate::commun::acces::{acteur, dossier_visible, role_permis, sans_conflit};
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// Dossier vu par un agent.
async fn dossier_agent<'a>(
    etat: &'a Etat,
    v: &Visiteur,
    id: &str,
) -> Result<(Dossier, &'a reperes_domain::Referentiel), ErreurWeb> {
    let (_, p) = v.agent()?;
    let (d, r) = dossier_visible(etat, p, id).await?;
    sans_conflit(p, &d)?;
    Ok((d, r))
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
    let (d, _) = dossier_agent(&etat, &v, &id).await?;
    let cible = match f.instructeur.as_str() {
        "" => None,
        x => {
            let a = etat
                .store
                .utilisateur(x)
                .await?
                .filter(|a| a.role.est_agent())
                .ok_or_else(|| ErreurWeb::Requete("Agent inconnu.".into()))?;
            // Pas d'attribution à un agent membre de l'organisation porteuse.
            if etat
                .store
                .personne(&a)
                .await?
                .conflit_d_interets(&d)
                .is_some()
            {
                return Err(ErreurWeb::Requete(format!(
                    "{} est membre de l'organisation qui porte ce dossier : pour éviter tout conflit d'intérêts, attribuez-le à un autre agent.",
                    a.nom
                )));
            }
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
/// Prendre en charge attribue le dossier à l'agent qui le fait ; les décisions motivées
/// (accorder, refuser, classer, demander un complément, ouvrir un accompagnement, retirer) passent
/// par le formulaire « Décision », qui ré-affiche la saisie en cas de refus.
pub async fn agir(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((id, code)): Path<(String, String)>,
    Form(f): Form<FormAction>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, p) = v.connecte()?;
    let (d, _) = dossier_visible(&etat, p, &id).await?;
    let role = p.role_sur(&d).ok_or(ErreurWeb::Interdit)?;
    let type_action = TypeAction::depuis_code(&code).ok_or(ErreurWeb::Introuvable)?;
    if matches!(type_action, TypeAction::Deposer | TypeAction::Expirer) {
        // Le dépôt a sa route ; l'expiration est une tâche du système.
        return Err(ErreurWeb::Introuvable);
    }
    // Un rôle que la table ne permet pas est refusé (403), avant tout refus d'état (400).
    role_permis(role, type_action)?;
    sans_conflit(p, &d)?;
    let action = match type_action {
        TypeAction::PrendreEnCharge if u.role.est_agent() => {
            etat.store
                .prendre_en_charge(&etat.catalogue, &id, &acteur(u), &u.id, Utc::now())
                .await?;
            return Ok(Redirect::to(&format!("/dossiers/{id}?ok=pris_en_charge")).into_response());
        }
        TypeAction::PrendreEnCharge => Action::PrendreEnCharge,
        TypeAction::CloreAccompagnement => Action::CloreAccompagnement,
        TypeAction::Deposer | TypeAction::Expirer => return Err(ErreurWeb::Introuvable),
        _ if u.role.est_agent() => {
            let saisie = super::decision::SaisieDecision {
                decision: code,
                niveau: f.niveau,
                echeance: f.echeance,
                motivation: f.motif,
            };
            return super::decision::traiter(&etat, &v, &id, saisie, true).await;
        }
        // Un demandeur : la machine à états refuse, avec son message (« Action non autorisée »).
        TypeAction::Refuser => Action::Refuser {
            motivation: f.motif,
        },
        TypeAction::ClasserSansSuite => Action::ClasserSansSuite { motif: f.motif },
        TypeAction::Retirer => Action::Retirer { motif: f.motif },
        TypeAction::OuvrirAccompagnement => Action::OuvrirAccompagnement { motif: f.motif },
        TypeAction::Labelliser => Action::Labelliser {
            niveau: f.niveau.parse().unwrap_or(1),
            motivation: f.motif,
        },
        TypeAction::DemanderComplement => Action::DemanderComplement {
            motif: f.motif,
            echeance: Utc::now().date_naive(),
        },
    };
    etat.store
        .agir(&etat.catalogue, &id, &acteur(u), &action, Utc::now())
        .await?;
    Ok(Redirect::to(&format!("/dossiers/{id}?ok=action")).into_response())
}

/// Ce que les courriels d'une décision ont besoin de savoir, lu avant d'agir.
pub(super) struct ContexteCourriels {
    pub a_qui: Vec<String>,
    pub url: String,
    pub nom_ref: String,
    pub charte: bool,
    /// Nature du référentiel (label, charte, approbation d'une méthode).
    pub nature: reperes_domain::referentiel::Nature,
    pub dispositif: String,
    pub niveaux: Vec<(u8, String)>,
}

impl ContexteCourriels {
    pub(super) async fn lire(
        etat: &Etat,
        d: &Dossier,
        r: &reperes_domain::Referentiel,
    ) -> Result<ContexteCourriels, ErreurWeb> {
        Ok(ContexteCourriels {
            a_qui: etat
                .store
                .membres(&d.organisation_id)
                .await?
                .into_iter()
                .map(|u| u.email)
                .collect(),
            url: etat.config.url_publique.clone(),
            nom_ref: r.nom.clone(),
            charte: r.nature == reperes_domain::referentiel::Nature::Charte,
            nature: r.nature,
            dispositif: etat
                .store
                .dispositif(&d.dispositif_id)
                .await?
                .map(|x| x.nom)
                .unwrap_or_default(),
            niveaux: r
                .niveaux
                .iter()
                .map(|n| (n.id, n.libelle.clone()))
                .collect(),
        })
    }
}

/// Les courriels au porteur après une action de l'instruction, rédigés à partir du dossier
/// obtenu. Pour une charte, ni « label » ni « niveau » : la charte est contresignée.
pub(super) fn courriels_de_decision(
    c: &ContexteCourriels,
    type_action: TypeAction,
    d: &Dossier,
) -> Vec<NouveauCourriel> {
    use crate::commun::dates::jour;
    let numero = d.numero.clone().unwrap_or_default();
    let url = &c.url;
    let motivation = d
        .decision
        .as_ref()
        .map(|x| x.motivation.clone())
        .unwrap_or_default();
    let (sujet, texte) = match type_action {
        TypeAction::DemanderComplement => (
            format!("Repères : complément demandé pour le dossier {numero}"),
            format!(
                "L'instruction de votre dossier demande un complément, avant le {} :\n\n{}\n\nComplétez le dossier puis déposez-le à nouveau.",
                d.complement.as_ref().map(|x| jour(x.echeance)).unwrap_or_default(),
                d.complement.as_ref().map(|x| x.motif.clone()).unwrap_or_default()
            ),
        ),
        TypeAction::Labelliser if c.charte => (
            format!("Repères : charte contresignée (dossier {numero})"),
            format!(
                "La charte que votre territoire a signée est contresignée par l'État, jusqu'au {}.\n\nCharte : {}\n\nVos engagements : publier chaque année un rapport sur la démarche, son impact et les outils, depuis la page du dossier.\n\nMotivation : {motivation}\n\nPage publique du territoire signataire : {url}/chartes/{numero}",
                d.fin_validite.map(jour).unwrap_or_default(),
                c.nom_ref,
            ),
        ),
        TypeAction::Labelliser if c.nature == reperes_domain::referentiel::Nature::Approbation => (
            format!("Repères : méthode approuvée (dossier {numero})"),
            format!(
                "Votre méthode « {} » est approuvée.\n\nApprobation : {}\nValable jusqu'au : {}\n\nMotivation : {motivation}\n\nFiche du registre public : {url}/registre/dispositifs/{}\nAttestation d'approbation (PDF) : {url}/dossiers/{}/attestation",
                c.dispositif,
                c.nom_ref,
                d.fin_validite.map(jour).unwrap_or_default(),
                d.dispositif_id,
                d.id,
            ),
        ),
        TypeAction::Labelliser => {
            let niveau = d
                .niveau_accorde
                .map(|n| {
                    c.niveaux
                        .iter()
                        .find(|(i, _)| *i == n)
                        .map(|(_, l)| l.clone())
                        .unwrap_or_else(|| n.to_string())
                })
                .unwrap_or_default();
            (
                format!("Repères : label accordé (dossier {numero})"),
                format!(
                    "Votre dispositif « {} » est labellisé.\n\nLabel : {}\nNiveau accordé : {niveau}\nValable jusqu'au : {}\n\nMotivation : {motivation}\n\nFiche du registre public : {url}/registre/dispositifs/{}\nBadge à afficher sur votre site : {url}/registre/dispositifs/{}/badge.svg\nAttestation (PDF) : {url}/dossiers/{}/attestation",
                    c.dispositif,
                    c.nom_ref,
                    d.fin_validite.map(jour).unwrap_or_default(),
                    d.dispositif_id,
                    d.dispositif_id,
                    d.id,
                ),
            )
        }
        TypeAction::Refuser | TypeAction::ClasserSansSuite | TypeAction::Retirer => (
            format!("Repères : décision sur le dossier {numero}"),
            format!(
                "Décision : {}.\n\nMotivation : {motivation}",
                reperes_domain::charte::libelle_etat(d.etat, c.nature),
            ),
        ),
        TypeAction::OuvrirAccompagnement => (
            format!("Repères : accompagnement proposé (dossier {numero})"),
            format!(
                "Un accompagnement vous est proposé dans le cadre de l'instruction :\n\n{}",
                d.accompagnement.clone().unwrap_or_default()
            ),
        ),
        _ => return vec![],
    };
    c.a_qui
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
}
