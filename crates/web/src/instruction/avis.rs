//! Avis d'experts, côté agent : demander l'avis d'un expert extérieur sur un dossier (courriel
//! avec un lien), annuler une demande en attente. Les avis (demandés, en attente, rendus, en
//! retard) et les réponses sont listés dans la page du dossier (lus depuis le store). Règles :
//! `reperes_domain::dossier::avis`.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{NaiveDate, Utc};
use reperes_domain::comptes::Email;
use reperes_domain::dossier::avis::{verifier_demande, DemandeAvis};
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::texte::citer;
use reperes_domain::{Dossier, Etat as EtatDossier};
use reperes_store::NouveauCourriel;
use serde::Deserialize;

use crate::commun::acces::{acteur, dossier_visible, sans_conflit};
use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{erreur, page, rattacher, Champ, FormulaireSimple};
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// Objet du courriel de demande : aucun texte saisi (issue 13, constat 5).
pub const OBJET_DEMANDE: &str = "Repères : demande d'avis d'expert sur un dossier";

#[derive(Deserialize, Default)]
pub struct FormDemandeAvis {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    date_limite: String,
    #[serde(default)]
    confidentiel: String,
}

/// Le dossier, si la personne est un agent qui peut l'instruire.
async fn dossier_de_l_agent(etat: &Etat, v: &Visiteur, id: &str) -> Result<Dossier, ErreurWeb> {
    let (_, p) = v.agent()?;
    let (d, _) = dossier_visible(etat, p, id).await?;
    sans_conflit(p, &d)?;
    Ok(d)
}

fn formulaire(
    v: &Visiteur,
    d: &Dossier,
    f: &FormDemandeAvis,
    erreurs: Vec<ErreurChamp>,
) -> Result<Response, ErreurWeb> {
    let mut champs = vec![
        Champ::new("email", "Adresse électronique de l'expert", "email")
            .valeur(&f.email)
            .aide("L'expert reçoit un lien par courriel ; sans compte, il en crée un, limité à ses demandes d'avis.")
            .autocomplete("off"),
        Champ::new("question", "Question posée à l'expert", "textarea").valeur(&f.question),
        Champ::new("date_limite", "Date limite de l'avis", "date")
            .valeur(&f.date_limite)
            .aide("Format JJ/MM/AAAA. Relances par courriel 3 jours avant et le jour même."),
        Champ::new("confidentiel", "Visibilité de l'avis", "select")
            .valeur(if f.confidentiel.is_empty() { "oui" } else { &f.confidentiel })
            .options(vec![
                ("oui".into(), "Confidentiel : visible des seuls agents".into()),
                ("non".into(), "Partagé avec le demandeur une fois rendu".into()),
            ]),
    ];
    rattacher(&mut champs, &erreurs);
    let en_erreur = !erreurs.is_empty();
    let mut cadre = Cadre::pour(
        v,
        format!(
            "Demander un avis d'expert — dossier {}",
            d.numero.clone().unwrap_or_default()
        ),
    );
    if en_erreur {
        cadre = cadre.en_erreur();
    }
    page(
        &FormulaireSimple {
            cadre,
            intro: Some("L'expert lira ce dossier seul, en lecture seule (critères, preuves et pièces), et répondra une fois par un texte et des pièces jointes. Tous les champs sont obligatoires.".into()),
            action: format!("/dossiers/{}/avis", d.id),
            champs,
            erreurs,
            bouton: "Envoyer la demande d'avis",
            liens: vec![(format!("/dossiers/{}#avis", d.id), "Retour au dossier".into())],
        },
        None,
        en_erreur,
    )
}

/// `GET /dossiers/{id}/avis/nouveau` : le formulaire de demande.
pub async fn nouvel_avis(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let d = dossier_de_l_agent(&etat, &v, &id).await?;
    formulaire(&v, &d, &FormDemandeAvis::default(), vec![])
}

/// `POST /dossiers/{id}/avis` : enregistre la demande et envoie le courriel à l'expert.
pub async fn demander_avis(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Form(f): Form<FormDemandeAvis>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let d = dossier_de_l_agent(&etat, &v, &id).await?;
    let (u, _) = v.agent()?;
    if d.etat == EtatDossier::Brouillon {
        return Err(ErreurWeb::Requete(
            "Ce dossier n'est pas encore déposé : un avis ne peut être demandé que sur un dossier déposé.".into(),
        ));
    }
    let aujourd_hui = Utc::now().date_naive();
    let date_limite = NaiveDate::parse_from_str(f.date_limite.trim(), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(f.date_limite.trim(), "%d/%m/%Y"))
        .ok();
    let mut erreurs = Vec::new();
    let email = match Email::parse(&f.email) {
        Ok(e) => Some(e),
        Err(m) => {
            erreurs.push(erreur("email", m));
            None
        }
    };
    if let Some(e) = &email {
        if let Some(existant) = etat.store.utilisateur_par_email(e).await? {
            if existant.role.est_agent() {
                erreurs.push(erreur("email", "Cette adresse est celle d'un agent de l'instruction, qui lit déjà le dossier : demandez l'avis d'un expert extérieur."));
            } else if etat
                .store
                .organisations_de(&existant.id)
                .await?
                .contains(&d.organisation_id)
            {
                erreurs.push(erreur("email", "Cette personne est membre de l'organisation qui porte le dossier : elle ne peut pas en être l'experte (conflit d'intérêts)."));
            }
        }
    }
    erreurs.extend(verifier_demande(&f.question, date_limite, aujourd_hui));
    if f.confidentiel != "oui" && f.confidentiel != "non" {
        erreurs.push(erreur(
            "confidentiel",
            "Choisissez si l'avis est confidentiel ou partagé avec le demandeur.",
        ));
    }
    let (Some(email), Some(date_limite), true) = (email, date_limite, erreurs.is_empty()) else {
        return formulaire(&v, &d, &f, erreurs);
    };
    let jeton = auth::jeton();
    let a = DemandeAvis {
        id: uuid::Uuid::now_v7().to_string(),
        dossier_id: d.id.clone(),
        agent_id: u.id.clone(),
        expert_email: email.to_string(),
        expert_id: None,
        question: f.question.trim().to_string(),
        date_limite,
        confidentiel: f.confidentiel == "oui",
        reponse: None,
        fichiers: vec![],
        cree_le: Utc::now(),
        repondu_le: None,
        annule_le: None,
    };
    let lien = format!("{}/avis/lien/{jeton}", etat.config.url_publique);
    let courriel = NouveauCourriel {
        destinataire: a.expert_email.clone(),
        sujet: OBJET_DEMANDE.into(),
        corps: format!(
            "Bonjour,\n\n{} vous demande votre avis d'expert sur le dossier {} déposé sur Repères, avant le {}.\n\nQuestion : {}\n\nOuvrez ce lien pour lire le dossier et répondre (sans compte, vous en créerez un, limité à vos demandes d'avis) :\n{lien}\n\nCe lien cesse de marcher si la demande est annulée.\n",
            u.nom,
            d.numero.clone().unwrap_or_default(),
            a.date_limite.format("%d/%m/%Y"),
            citer(&a.question),
        ),
    };
    etat.store
        .demander_avis(&acteur(u), &a, &auth::empreinte(&jeton), &courriel)
        .await?;
    Ok(Redirect::to(&format!("/dossiers/{}?ok=avis_demande#avis", d.id)).into_response())
}

#[derive(Deserialize)]
pub struct FormAnnulerAvis {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// `POST /avis/{id}/annuler` : annule une demande en attente (le lien de l'expert cesse de
/// marcher).
pub async fn annuler_avis(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Form(f): Form<FormAnnulerAvis>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.agent()?;
    let a = etat.store.avis(&id).await?.ok_or(ErreurWeb::Introuvable)?;
    dossier_de_l_agent(&etat, &v, &a.dossier_id).await?;
    etat.store.annuler_avis(&acteur(u), &a).await?;
    Ok(Redirect::to(&format!("/dossiers/{}?ok=avis_annule#avis", a.dossier_id)).into_response())
}
