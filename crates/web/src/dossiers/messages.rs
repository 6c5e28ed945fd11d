//! Messages d'un dossier entre le demandeur et l'instruction, avec pièces jointes et courriel de
//! notification.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::{Dossier, Role};
use reperes_store::{Message, NouveauCourriel};

use crate::commun::acces::{acteur, dossier_visible};
use crate::commun::envoi::{ouvrir, CorpsMultipart, Limites};
use crate::commun::session::Visiteur;
use crate::commun::stockage::{nom_affichable, TAILLE_MAX};
use crate::{ErreurWeb, Etat};

use super::fichiers::deposer_fichier;
use super::vue::{rendre_dossier, FormulaireMessage};

/// Pièces jointes d'un message, au plus (la limite du corps de la route en découle).
pub const PIECES_MAX: usize = 4;

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
    corps: CorpsMultipart,
) -> Result<Response, ErreurWeb> {
    // Jeton, compte et droit sur le dossier sont contrôlés avant de lire les pièces.
    let (formulaire, u, p) = ouvrir(&v, corps).await?;
    let (d, _) = dossier_visible(&etat, p, &id).await?;
    let role = p.role_sur(&d).ok_or(ErreurWeb::Interdit)?;
    crate::commun::acces::sans_conflit(p, &d)?;
    let envoi = formulaire
        .lire(
            &etat,
            Limites {
                taille_fichier: TAILLE_MAX,
                fichiers: PIECES_MAX,
            },
        )
        .await?;
    let corps = envoi.champ("corps").unwrap_or_default().trim().to_string();
    let prive = envoi.champ("prive") == Some("oui") && role != Role::Demandeur;
    // Un refus ré-affiche la page du dossier avec le formulaire de message en erreur et le texte
    // saisi ; aucune pièce n'est gardée tant que le message n'est pas envoyé.
    let mut erreurs = Vec::new();
    if corps.is_empty() {
        erreurs.push(ErreurChamp::new(
            "corps",
            "Le message est vide : écrivez un texte avant d'envoyer.",
        ));
    }
    let mut pieces = Vec::new();
    if let Some(nom) = &envoi.trop_gros {
        let nom = if nom.is_empty() {
            "choisi".to_string()
        } else {
            format!("« {} »", nom_affichable(nom))
        };
        erreurs.push(ErreurChamp::new(
            "pieces",
            format!(
                "Le fichier {nom} dépasse la taille maximale de {} Mo : choisissez à nouveau vos pièces jointes.",
                TAILLE_MAX / 1024 / 1024
            ),
        ));
    }
    if envoi.trop_de_fichiers {
        erreurs.push(ErreurChamp::new(
            "pieces",
            format!("Joignez {PIECES_MAX} fichiers au plus à un message : choisissez à nouveau vos pièces jointes."),
        ));
    }
    if erreurs.is_empty() {
        for piece in &envoi.fichiers {
            match deposer_fichier(&etat, u, &d.id, piece).await? {
                Ok(f) => pieces.push(f.id),
                Err(m) => erreurs.push(ErreurChamp::new(
                    "pieces",
                    format!("{m} Choisissez à nouveau vos pièces jointes."),
                )),
            }
        }
    } else if envoi.fichiers.iter().any(|p| p.taille > 0) {
        erreurs.push(ErreurChamp::new(
            "pieces",
            "Les pièces jointes choisies n'ont pas été gardées : choisissez-les à nouveau avec le message.",
        ));
    }
    if !erreurs.is_empty() {
        return rendre_dossier(
            &etat,
            &v,
            &id,
            None,
            FormulaireMessage {
                corps,
                prive,
                erreurs,
            },
        )
        .await;
    }
    let pj = pieces;
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
