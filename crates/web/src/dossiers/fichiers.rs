//! Pièces d'un dossier : dépôt contrôlé (type reconnu par le contenu, taille) et téléchargement.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::Response;
use reperes_store::{Fichier, Utilisateur};

use crate::commun::acces::{acteur, dossier_visible};
use crate::commun::fichiers::servir_fichier;
use crate::commun::fichiers::stocker;
use crate::commun::session::Visiteur;
use crate::commun::stockage::{nom_affichable, type_admis, TAILLE_MAX, TYPES_ADMIS};
use crate::{ErreurWeb, Etat};

/// Contrôle et stocke un fichier déposé ; rend ses métadonnées ou le message d'erreur.
/// Les pièces du dossier, par identifiant.
pub(super) async fn fichiers_par_id(
    etat: &Etat,
    dossier_id: &str,
) -> Result<BTreeMap<String, Fichier>, ErreurWeb> {
    Ok(etat
        .store
        .fichiers_du_dossier(dossier_id)
        .await?
        .into_iter()
        .map(|f| (f.id.clone(), f))
        .collect())
}

pub async fn deposer_fichier(
    etat: &Etat,
    u: &Utilisateur,
    dossier_id: &str,
    nom: &str,
    octets: &[u8],
) -> Result<Result<Fichier, String>, ErreurWeb> {
    let nom = nom_affichable(nom);
    let Some(type_mime) = type_admis(octets) else {
        let admis: Vec<&str> = TYPES_ADMIS.iter().map(|(_, l)| *l).collect();
        return Ok(Err(format!(
            "Le fichier « {nom} » n'est pas accepté : son contenu n'est pas d'un type admis ({}).",
            admis.join(", ")
        )));
    };
    if octets.len() > TAILLE_MAX {
        return Ok(Err(format!("Le fichier « {nom} » dépasse 20 Mo.")));
    }
    let f = stocker(etat, dossier_id, nom, type_mime, octets, &u.id).await?;
    etat.store.enregistrer_fichier(&acteur(u), &f).await?;
    Ok(Ok(f))
}

pub async fn telecharger(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.connecte()?;
    let f = etat
        .store
        .fichier(&id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    dossier_visible(&etat, p, &f.dossier_id).await?;
    servir_fichier(&etat, &f, "private, no-store").await
}
