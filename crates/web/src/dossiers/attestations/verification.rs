//! Attestations : PDF balisé généré à la labellisation et gardé ; page publique de vérification
//! (authenticité par le numéro et l'empreinte, validité actuelle d'après le registre).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use reperes_domain::{Etat as EtatDossier, Role};
use reperes_store::{Acteur, Attestation};
use sha2::{Digest, Sha256};

use super::super::vue::nom_du_dispositif;
use super::pdf::{generer, DonneesAttestation};
use crate::commun::acces::dossier_visible;
use crate::commun::cadre::Cadre;
use crate::commun::erreur::Contexte;
use crate::commun::fichiers;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// L'attestation du dossier, générée et gardée si elle n'existe pas encore.
pub async fn assurer(etat: &Etat, dossier_id: &str) -> Result<Attestation, ErreurWeb> {
    if let Some(a) = etat.store.attestation_du_dossier(dossier_id).await? {
        return Ok(a);
    }
    let d = etat
        .store
        .dossier(dossier_id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let labellise_le = d.labellise_le.ok_or_else(|| {
        ErreurWeb::Requete("Ce dossier n'a pas été labellisé : il n'a pas d'attestation.".into())
    })?;
    let r = etat
        .catalogue
        .referentiel(&d.referentiel_id, &d.referentiel_version)
        .ok_or(ErreurWeb::Introuvable)?;
    let o = etat
        .store
        .organisation(&d.organisation_id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let x = etat
        .store
        .dispositif(&d.dispositif_id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let id = uuid::Uuid::new_v4().to_string();
    let donnees = DonneesAttestation {
        numero: id.clone(),
        label: r.nom.clone(),
        niveau: d
            .niveau_accorde
            .and_then(|n| r.niveau(n))
            .map(|n| n.libelle.clone())
            .unwrap_or_default(),
        dispositif: x.nom.clone(),
        porteur: o.nom.clone(),
        commune: o.adresse.commune.clone(),
        date_decision: crate::commun::dates::jour(labellise_le),
        fin_validite: d
            .fin_validite
            .map(crate::commun::dates::jour)
            .unwrap_or_default(),
        url_verification: format!("{}/attestations/{id}", etat.config.url_publique),
    };
    let pdf = tokio::task::spawn_blocking(move || generer(&donnees))
        .await
        .contexte("tâche de génération interrompue")?
        .contexte("génération de l'attestation")?;
    let cle = format!("attestation-{id}");
    fichiers::ecrire(etat, &cle, &pdf).await?;
    let a = Attestation {
        id,
        dossier_id: d.id.clone(),
        cle_stockage: cle,
        sha256: hex::encode(Sha256::digest(&pdf)),
        cree_le: Utc::now(),
    };
    etat.store
        .creer_attestation(&Acteur::new("attestations", Role::Systeme), &a)
        .await?;
    Ok(a)
}

/// `GET /attestations/{id}.pdf` : le fichier, pour qui connaît son numéro.
pub async fn pdf(
    State(etat): State<Etat>,
    Path(fichier): Path<String>,
) -> Result<Response, ErreurWeb> {
    let id = fichier.strip_suffix(".pdf").ok_or(ErreurWeb::Introuvable)?;
    let a = etat
        .store
        .attestation(id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let octets = fichiers::lire(&etat, &a.cle_stockage).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"attestation-{}.pdf\"", a.id),
            ),
        ],
        octets,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "dossiers/attestations/verification.html")]
struct PageVerification {
    cadre: Cadre,
    a: Option<Attestation>,
    dispositif: String,
    dispositif_id: String,
    label: String,
    statut: String,
    valide: bool,
}

/// `GET /attestations/{id}` : page publique de vérification.
pub async fn verifier(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    if id.ends_with(".pdf") {
        return pdf(State(etat), Path(id)).await;
    }
    let Some(a) = etat.store.attestation(&id).await? else {
        let mut r = page(
            &PageVerification {
                cadre: Cadre::pour(&v, "Attestation inconnue"),
                a: None,
                dispositif: String::new(),
                dispositif_id: String::new(),
                label: String::new(),
                statut: String::new(),
                valide: false,
            },
            None,
            false,
        )?;
        *r.status_mut() = axum::http::StatusCode::NOT_FOUND;
        return Ok(r);
    };
    let d = etat
        .store
        .dossier(&a.dossier_id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let r = etat
        .catalogue
        .referentiel(&d.referentiel_id, &d.referentiel_version);
    let aujourd_hui = Utc::now().date_naive();
    let (statut, valide) = match d.etat {
        EtatDossier::Labellise if d.fin_validite.is_none_or(|f| f >= aujourd_hui) => (
            format!(
                "en cours de validité, jusqu'au {}",
                d.fin_validite
                    .map(crate::commun::dates::jour)
                    .unwrap_or_default()
            ),
            true,
        ),
        EtatDossier::Labellise | EtatDossier::Expire => {
            ("expiré : la durée de validité est dépassée".into(), false)
        }
        EtatDossier::Retire => (
            format!(
                "retiré le {}",
                d.decision
                    .as_ref()
                    .map(|x| crate::commun::dates::jour(x.le))
                    .unwrap_or_default()
            ),
            false,
        ),
        autre => (autre.libelle().to_lowercase(), false),
    };
    page(
        &PageVerification {
            cadre: Cadre::pour(&v, "Vérification d'une attestation"),
            dispositif: nom_du_dispositif(&etat, &d.dispositif_id).await?,
            dispositif_id: d.dispositif_id.clone(),
            label: r.map(|r| r.nom.clone()).unwrap_or_default(),
            statut,
            valide,
            a: Some(a),
        },
        None,
        false,
    )
}

/// `GET /dossiers/{id}/attestation` : pour les membres et les agents, génère au besoin puis
/// redirige.
pub async fn du_dossier(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.connecte()?;
    dossier_visible(&etat, p, &id).await?;
    let a = assurer(&etat, &id).await?;
    Ok(Redirect::to(&format!("/attestations/{}.pdf", a.id)).into_response())
}
