//! Messages d'un dossier entre le demandeur et l'instruction, avec pièces jointes et courriel de
//! notification.

use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use reperes_domain::{Dossier, Role};
use reperes_store::{Message, NouveauCourriel};

use crate::commun::acces::{acteur, dossier_visible};
use crate::commun::envoi::envoi_connecte;
use crate::commun::session::Visiteur;
use crate::commun::stockage::TAILLE_MAX;
use crate::{ErreurWeb, Etat};

use super::fichiers::deposer_fichier;

/// Adresses des membres de l'organisation porteuse.
pub(super) async fn destinataires(etat: &Etat, d: &Dossier) -> Result<Vec<String>, ErreurWeb> {
    Ok(etat
        .store
        .membres(&d.organisation_id)
        .await?
        .into_iter()
        .map(|u| u.email)
        .collect())
}

pub async fn envoyer_message(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    m: Multipart,
) -> Result<Response, ErreurWeb> {
    let (envoi, u, p) = envoi_connecte(&v, m, TAILLE_MAX).await?;
    let (d, _) = dossier_visible(&etat, p, &id).await?;
    let role = p.role_sur(&d).ok_or(ErreurWeb::Interdit)?;
    let corps = envoi.champ("corps").unwrap_or_default().trim().to_string();
    let prive = envoi.champ("prive") == Some("oui") && role != Role::Demandeur;
    if corps.is_empty() {
        return Err(ErreurWeb::Requete(
            "Le message est vide : écrivez un texte avant d'envoyer.".into(),
        ));
    }
    let mut pj = Vec::new();
    for (nom, octets) in &envoi.fichiers {
        match deposer_fichier(&etat, u, &d.id, nom, octets).await? {
            Ok(f) => pj.push(f.id),
            Err(m) => return Err(ErreurWeb::Requete(m)),
        }
    }
    etat.store
        .ajouter_message(
            &acteur(u),
            &Message {
                id: uuid::Uuid::now_v7().to_string(),
                dossier_id: d.id.clone(),
                auteur_id: u.id.clone(),
                corps,
                fichiers: pj,
                prive,
                cree_le: Utc::now(),
            },
        )
        .await?;
    if !prive {
        let a_qui: Vec<String> = if role == Role::Demandeur {
            match &d.instructeur_id {
                Some(i) => etat
                    .store
                    .utilisateur(i)
                    .await?
                    .map(|u| vec![u.email])
                    .unwrap_or_default(),
                None => vec![],
            }
        } else {
            destinataires(&etat, &d).await?
        };
        for dest in a_qui {
            etat.store
                .mettre_en_file(&NouveauCourriel {
                    destinataire: dest,
                    sujet: format!("Repères : nouveau message sur le dossier {}", d.numero.clone().unwrap_or_default()),
                    corps: format!("Bonjour,\n\nUn nouveau message a été publié sur le dossier : {}/dossiers/{}\n", etat.config.url_publique, d.id),
                })
                .await?;
        }
    }
    Ok(Redirect::to(&format!("/dossiers/{id}?ok=message#messages")).into_response())
}
