//! Dépôt d'un dossier (accusé de réception par courriel) et renouvellement d'un label.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use reperes_domain::{Action, Dossier, Referentiel};
use reperes_store::{NouveauCourriel, Utilisateur};

use crate::commun::acces::acteur;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::etapes::{dossier_du_demandeur, etapes, page_deja_depose, rendre_etape, Saisie};
use super::messages::destinataires;

/// Demande d'un demandeur sur son dossier (dépôt, renouvellement) : le jeton est contrôlé, puis
/// rend le compte, le dossier et son référentiel.
async fn demande_controlee<'a, 'v>(
    etat: &'a Etat,
    v: &'v Visiteur,
    id: &str,
    csrf: &str,
) -> Result<(&'v Utilisateur, Dossier, &'a Referentiel), ErreurWeb> {
    v.verifier_csrf(csrf)?;
    let (u, _) = v.connecte()?;
    let (d, r) = dossier_du_demandeur(etat, v, id).await?;
    Ok((u, d, r))
}

pub async fn deposer(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<crate::commun::formulaires::FormCsrf>,
) -> Result<Response, ErreurWeb> {
    let (u, d, r) = demande_controlee(&etat, &v, &id, &f.csrf).await?;
    // Déjà déposé (bouton Retour, double envoi) : le dire, plutôt qu'un refus.
    if !d.etat.modifiable_par_demandeur() && d.depose_le.is_some() {
        return page_deja_depose(&v, &d);
    }
    let a_qui = destinataires(&etat, &d).await?;
    let url = etat.config.url_publique.clone();
    let nom_ref = crate::commun::libelles::citer(&r.nom);
    let notifier = move |d: &Dossier| {
        a_qui
            .iter()
            .map(|dest| NouveauCourriel {
                destinataire: dest.clone(),
                sujet: format!("Repères : accusé de réception du dossier {}", d.numero.clone().unwrap_or_default()),
                corps: format!(
                    "Bonjour,\n\nVotre dossier pour {nom_ref} a bien été déposé.\nNuméro de récépissé : {}\nDate de dépôt : {}\n\nVous pouvez suivre son instruction ici : {url}/dossiers/{}\n",
                    d.numero.clone().unwrap_or_default(),
                    crate::commun::dates::instant(Utc::now()),
                    d.id
                ),
            })
            .collect()
    };
    // Réponse à une demande de complément : l'agent attribué en est prévenu.
    let agent = crate::commun::historique::prevenir_l_agent(&etat, &d).await?;
    let notifier = move |x: &Dossier| [notifier(x), agent(x)].concat();
    match etat
        .store
        .agir_et_notifier(
            &etat.catalogue,
            &id,
            &acteur(u),
            &Action::Deposer,
            Utc::now(),
            &notifier,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/dossiers/{id}?ok=depose")).into_response()),
        Err(reperes_store::ErreurStore::Refus(refus)) => {
            let n = etapes(r, &d).len();
            let erreur = reperes_domain::saisie::ErreurChamp::new("manques", refus.to_string());
            rendre_etape(&etat, &v, d, r, n, vec![erreur], Saisie::default(), None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn renouveler(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<crate::commun::formulaires::FormCsrf>,
) -> Result<Response, ErreurWeb> {
    let (u, d, _) = demande_controlee(&etat, &v, &id, &f.csrf).await?;
    let nouveau = etat
        .store
        .renouveler(
            &etat.catalogue,
            &d.id,
            &acteur(u),
            uuid::Uuid::now_v7().to_string(),
            Utc::now().date_naive(),
        )
        .await?;
    Ok(Redirect::to(&format!("/dossiers/{}/etapes/1", nouveau.id)).into_response())
}
