//! Invitations par lien à usage unique : rejoindre une organisation (envoyée par un membre) ou
//! l'instruction (envoyée par un administrateur) ; création du compte si besoin.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use reperes_domain::comptes::{verifier_mot_de_passe, Email, RoleCompte};
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::Role;
use reperes_store::{Acteur, NatureJeton, Utilisateur};
use serde::Deserialize;

use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{erreur, page, rattacher, Champ, Information};
use crate::commun::libelles::citer;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

#[derive(Template)]
#[template(path = "espace/invitation.html")]
struct PageInvitation {
    cadre: Cadre,
    objet: String,
    email: String,
    /// `rejoindre` (connecté avec la bonne adresse), `creer` (pas de compte), `connexion`,
    /// `autre_compte`.
    cas: &'static str,
    action: String,
    champs: Vec<Champ>,
    erreurs: Vec<ErreurChamp>,
}

/// Lit une invitation sans la consommer.
async fn lire_invitation(
    etat: &Etat,
    jeton: &str,
) -> Result<Option<reperes_store::Jeton>, ErreurWeb> {
    Ok(etat
        .store
        .jeton_valide(&auth::empreinte(jeton), NatureJeton::Invitation, Utc::now())
        .await?)
}

async fn objet_invitation(etat: &Etat, j: &reperes_store::Jeton) -> Result<String, ErreurWeb> {
    Ok(match (&j.organisation_id, j.role) {
        (Some(o), _) => match etat.store.organisation(o).await? {
            Some(o) => format!("rejoindre l'organisation {}", citer(&o.nom)),
            None => return Err(ErreurWeb::Introuvable),
        },
        (None, Some(r)) => format!("rejoindre l'instruction en tant que « {} »", r.libelle()),
        _ => return Err(ErreurWeb::Introuvable),
    })
}

async fn page_invitation(
    etat: &Etat,
    mut v: Visiteur,
    jeton: &str,
    erreurs: Vec<ErreurChamp>,
    nom: &str,
) -> Result<Response, ErreurWeb> {
    let Some(j) = lire_invitation(etat, jeton).await? else {
        return page(
            &Information {
                cadre: Cadre::pour(&v, "Invitation invalide ou expirée"),
                paragraphes: vec!["Cette invitation n'est plus valable : demandez à la personne qui vous a invité de vous en envoyer une nouvelle.".into()],
                liens: vec![],
            },
            None,
            false,
        );
    };
    let (_, entete) = v.csrf(etat).await?;
    let email = Email::parse(&j.email).map_err(ErreurWeb::Requete)?;
    let cas = match &v.utilisateur {
        Some(u) if u.email == j.email => "rejoindre",
        Some(_) => "autre_compte",
        None if etat.store.utilisateur_par_email(&email).await?.is_some() => "connexion",
        None => "creer",
    };
    let mut champs = vec![
        Champ::new("nom", "Prénom et nom", "text")
            .valeur(nom)
            .autocomplete("name"),
        Champ::new("mot_de_passe", "Mot de passe", "password")
            .aide("12 caractères au moins.")
            .autocomplete("new-password"),
    ];
    rattacher(&mut champs, &erreurs);
    let en_erreur = !erreurs.is_empty();
    let cadre = Cadre::pour(&v, "Invitation");
    page(
        &PageInvitation {
            cadre: if en_erreur { cadre.en_erreur() } else { cadre },
            objet: objet_invitation(etat, &j).await?,
            email: j.email.clone(),
            cas,
            action: format!("/invitation/{jeton}"),
            champs,
            erreurs,
        },
        entete,
        en_erreur,
    )
}

pub async fn invitation(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(jeton): Path<String>,
) -> Result<Response, ErreurWeb> {
    page_invitation(&etat, v, &jeton, vec![], "").await
}

#[derive(Deserialize)]
pub struct FormAccepter {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    nom: String,
    #[serde(default)]
    mot_de_passe: String,
}

pub async fn accepter_invitation(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(jeton): Path<String>,
    Form(f): Form<FormAccepter>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let Some(j) = lire_invitation(&etat, &jeton).await? else {
        return page_invitation(&etat, v, &jeton, vec![], "").await;
    };
    let email = Email::parse(&j.email).map_err(ErreurWeb::Requete)?;
    let compte = match &v.utilisateur {
        Some(u) if u.email == j.email => u.clone(),
        Some(_) => return Err(ErreurWeb::Interdit),
        None => {
            if etat.store.utilisateur_par_email(&email).await?.is_some() {
                return Ok(Redirect::to("/connexion").into_response());
            }
            let mut erreurs = Vec::new();
            if f.nom.trim().is_empty() {
                erreurs.push(erreur("nom", "Indiquez votre prénom et votre nom."));
            }
            if let Err(m) = verifier_mot_de_passe(&f.mot_de_passe, email.as_str()) {
                erreurs.push(erreur("mot_de_passe", m));
            }
            if !erreurs.is_empty() {
                return page_invitation(&etat, v, &jeton, erreurs, &f.nom).await;
            }
            let hash = auth::hacher_en_tache(f.mot_de_passe.clone()).await?;
            let u = Utilisateur {
                id: uuid::Uuid::now_v7().to_string(),
                email: email.to_string(),
                nom: f.nom.trim().to_string(),
                role: RoleCompte::Demandeur,
                hash_mot_de_passe: Some(hash),
                // L'invitation est arrivée dans cette messagerie : l'adresse est confirmée.
                email_verifie: true,
                actif: true,
            };
            etat.store
                .creer_utilisateur(&Acteur::new(email.as_str(), Role::Demandeur), &u)
                .await?;
            u
        }
    };
    if etat
        .store
        .consommer_jeton(
            &auth::empreinte(&jeton),
            NatureJeton::Invitation,
            Utc::now(),
        )
        .await?
        .is_none()
    {
        return Err(ErreurWeb::Introuvable);
    }
    let a = Acteur::new(email.as_str(), Role::Demandeur);
    let suite = if let Some(o) = &j.organisation_id {
        etat.store.ajouter_membre(&a, o, &compte.id).await?;
        format!("/organisations/{o}?ok=membre")
    } else if let Some(role) = j.role {
        let mut promu = compte.clone();
        promu.role = role;
        etat.store
            .mettre_a_jour_utilisateur(&a, "accepter_role", &promu)
            .await?;
        "/espace".to_string()
    } else {
        "/espace".to_string()
    };
    if v.utilisateur.is_some() {
        Ok(Redirect::to(&suite).into_response())
    } else {
        page(
            &Information {
                cadre: Cadre::pour(&v, "Compte créé"),
                paragraphes: vec!["Votre compte est créé et l'invitation acceptée. Connectez-vous pour continuer.".into()],
                liens: vec![("/connexion".into(), "Se connecter".into())],
            },
            None,
            false,
        )
    }
}
