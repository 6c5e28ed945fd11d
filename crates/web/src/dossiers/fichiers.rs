//! Pièces d'un dossier : dépôt contrôlé (type reconnu par le contenu, taille) et téléchargement.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use reperes_domain::Modification;
use reperes_store::{Fichier, Utilisateur};
use serde::Deserialize;

use crate::commun::acces::{acteur, dossier_visible};
use crate::commun::envoi::Piece;
use crate::commun::fichiers::servir_fichier;
use crate::commun::fichiers::stocker;
use crate::commun::session::Visiteur;
use crate::commun::stockage::{nom_affichable, type_admis, TAILLE_MAX, TYPES_ADMIS};
use crate::{ErreurWeb, Etat};

/// Taille d'un fichier pour un lecteur : « 820 octets », « 12 Ko », « 1,5 Mo ».
pub fn taille_lisible(octets: i64) -> String {
    const KO: i64 = 1024;
    const MO: i64 = 1024 * 1024;
    if octets < KO {
        format!("{octets} octets")
    } else if octets < MO {
        format!("{} Ko", (octets + KO / 2) / KO)
    } else {
        let dixiemes = (octets * 10 + MO / 2) / MO;
        if dixiemes % 10 == 0 {
            format!("{} Mo", dixiemes / 10)
        } else {
            format!("{},{} Mo", dixiemes / 10, dixiemes % 10)
        }
    }
}

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

/// Contrôle et stocke un fichier déposé ; rend ses métadonnées ou le message d'erreur.
pub async fn deposer_fichier(
    etat: &Etat,
    u: &Utilisateur,
    dossier_id: &str,
    piece: &Piece,
) -> Result<Result<Fichier, String>, ErreurWeb> {
    let nom = nom_affichable(&piece.nom);
    let Some(type_mime) = type_admis(&piece.debut) else {
        let admis: Vec<&str> = TYPES_ADMIS.iter().map(|(_, l)| *l).collect();
        return Ok(Err(format!(
            "Le fichier « {nom} » n'est pas accepté : son contenu n'est pas d'un type admis ({}).",
            admis.join(", ")
        )));
    };
    if piece.taille > TAILLE_MAX {
        return Ok(Err(format!("Le fichier « {nom} » dépasse 20 Mo.")));
    }
    let f = stocker(etat, dossier_id, nom, type_mime, piece, &u.id).await?;
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
    // Pièce d'une note privée : réservée aux agents, comme la note elle-même.
    if !p.role.est_agent()
        && etat
            .store
            .messages(&f.dossier_id, true)
            .await?
            .iter()
            .any(|m| m.prive && m.fichiers.contains(&f.id))
    {
        return Err(ErreurWeb::Introuvable);
    }
    // Pièce de la réponse d'un expert : le demandeur ne l'a que si l'avis est partagé et rendu.
    if !p.role.est_agent() {
        if let Some(a) = etat.store.avis_du_fichier(&f.dossier_id, &f.id).await? {
            use reperes_domain::dossier::avis::{voit, Lecteur};
            if !voit(Lecteur::Demandeur, &a) {
                return Err(ErreurWeb::Introuvable);
            }
        }
    }
    servir_fichier(&etat, &f, "private, no-store").await
}

#[derive(Deserialize)]
pub struct FormRetrait {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    critere: String,
}

/// Retire un fichier d'un critère avant le dépôt (récapitulatif) ; l'écriture est journalisée.
pub async fn retirer_fichier(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((id, fichier)): Path<(String, String)>,
    Form(f): Form<FormRetrait>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.connecte()?;
    let (d, r) = super::etapes::dossier_du_demandeur(&etat, &v, &id).await?;
    if !d.etat.modifiable_par_demandeur() && d.depose_le.is_some() {
        return super::etapes::page_deja_depose(&v, &d);
    }
    let courant = etat
        .store
        .modifier(
            &etat.catalogue,
            &id,
            &acteur(u),
            &Modification::RetirerFichier {
                critere: f.critere,
                fichier_id: fichier,
            },
        )
        .await?;
    let recap = super::etapes::etapes(r, &courant).len();
    Ok(Redirect::to(&format!("/dossiers/{id}/etapes/{recap}?ok=fichier_retire")).into_response())
}

#[cfg(test)]
mod tests {
    use super::taille_lisible;

    #[test]
    fn tailles_lisibles() {
        assert_eq!(taille_lisible(820), "820 octets");
        assert_eq!(taille_lisible(12 * 1024 + 100), "12 Ko");
        assert_eq!(taille_lisible(3 * 1024 * 1024 / 2), "1,5 Mo");
        assert_eq!(taille_lisible(20 * 1024 * 1024), "20 Mo");
    }
}
