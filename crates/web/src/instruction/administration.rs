//! Administration : agents de l'instruction, invitation d'un agent, courriels en attente.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Duration;
use reperes_domain::comptes::{Email, RoleCompte};
use reperes_store::{NatureJeton, NouveauCourriel, Utilisateur};
use serde::Deserialize;

use crate::commun::acces::{acteur, agents};
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::jetons::lien_jeton;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

#[derive(Template)]
#[template(path = "instruction/administration.html")]
struct PageAdministration {
    cadre: Cadre,
    agents: Vec<Utilisateur>,
    erreur: Option<String>,
    courriels_en_attente: usize,
    /// Second facteur exigé de tous les agents.
    second_facteur_exige: bool,
}

async fn rendre_administration(
    etat: &Etat,
    v: &Visiteur,
    message: Option<String>,
    erreur: Option<String>,
) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let agents = agents(etat).await?;
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
            second_facteur_exige: etat.store.second_facteur_exige().await?,
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
    let message = match q.ok.as_deref() {
        Some("invitation") => Some("Invitation envoyée.".to_string()),
        Some("second-facteur") => Some("Exigence du second facteur enregistrée.".to_string()),
        _ => None,
    };
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

#[derive(Deserialize)]
pub struct FormExigence {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    /// « oui » : second facteur exigé de tous les agents ; autre chose : non exigé.
    #[serde(default)]
    exiger: String,
}

/// Exige (ou non) le second facteur de tous les agents (journal d'audit : `exiger_second_facteur`).
pub async fn exiger_second_facteur(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormExigence>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.administrateur()?;
    etat.store
        .exiger_second_facteur(&acteur(u), f.exiger == "oui")
        .await?;
    Ok(Redirect::to("/administration?ok=second-facteur").into_response())
}
