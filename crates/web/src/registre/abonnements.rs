//! Webhooks des réutilisateurs : inscription d'une URL (compte requis), envoi signé
//! (HMAC-SHA256) de chaque changement du registre, réessais avec délai croissant, journal des
//! livraisons.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use reperes_store::{Abonnement, Livraison};
use serde::Deserialize;

use crate::commun::acces::acteur;
use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use crate::commun::webhooks::verifier_url;

// ---------- Pages ----------

#[derive(Template)]
#[template(path = "registre/abonnements.html")]
struct PageAbonnements {
    cadre: Cadre,
    abonnements: Vec<(Abonnement, Vec<Livraison>)>,
    nouveau_secret: Option<(String, String)>,
    erreur: Option<String>,
}

async fn rendre(
    etat: &Etat,
    v: &Visiteur,
    nouveau_secret: Option<(String, String)>,
    erreur: Option<String>,
) -> Result<Response, ErreurWeb> {
    let (u, _) = v.connecte()?;
    let mut abonnements = Vec::new();
    for a in etat.store.abonnements_de(&u.id).await? {
        let l = etat.store.livraisons(&a.id).await?;
        abonnements.push((a, l));
    }
    let en_erreur = erreur.is_some();
    page(
        &PageAbonnements {
            cadre: Cadre::pour(v, "Abonnements aux changements du registre"),
            abonnements,
            nouveau_secret,
            erreur,
        },
        None,
        en_erreur,
    )
}

pub async fn abonnements(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    rendre(&etat, &v, None, None).await
}

#[derive(Deserialize)]
pub struct FormAbonnement {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    url: String,
}

pub async fn abonner(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormAbonnement>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.connecte()?;
    if let Err(m) = verifier_url(&f.url, etat.config.webhooks_locaux).await {
        return rendre(&etat, &v, None, Some(m)).await;
    }
    let a = Abonnement {
        id: uuid::Uuid::now_v7().to_string(),
        proprietaire_id: u.id.clone(),
        url: f.url.trim().to_string(),
        secret: auth::jeton(),
        actif: true,
    };
    match etat
        .store
        .abonner(&acteur(u), &a, etat.config.webhooks_max_par_compte)
        .await
    {
        Ok(()) => {}
        Err(reperes_store::ErreurStore::Conflit(m)) => {
            return rendre(&etat, &v, None, Some(m)).await
        }
        Err(e) => return Err(e.into()),
    }
    rendre(&etat, &v, Some((a.url.clone(), a.secret.clone())), None).await
}

pub async fn desabonner(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Form(f): Form<crate::commun::formulaires::FormCsrf>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.connecte()?;
    let a = etat
        .store
        .abonnement(&id)
        .await?
        .filter(|a| a.proprietaire_id == u.id)
        .ok_or(ErreurWeb::Introuvable)?;
    etat.store
        .desactiver_abonnement_par(&acteur(u), &a.id)
        .await?;
    Ok(Redirect::to("/donnees/abonnements").into_response())
}
