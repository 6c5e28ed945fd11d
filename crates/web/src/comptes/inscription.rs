//! Inscription avec vérification de l'adresse par courriel. Les messages ne révèlent jamais si une
//! adresse a déjà un compte.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use chrono::{Duration, Utc};
use reperes_domain::comptes::{verifier_mot_de_passe, Email, RoleCompte};
use reperes_domain::Role;
use reperes_store::{Acteur, NatureJeton, NouveauCourriel, Utilisateur};
use serde::Deserialize;

use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{erreur, page, rattacher, Champ, FormulaireSimple, Information};
use crate::commun::jetons::lien_jeton;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::tentatives::limiter;

/// Envoie (par la file) le lien de confirmation d'adresse, valable 48 heures.
pub(super) async fn envoyer_verification(etat: &Etat, u: &Utilisateur) -> Result<(), ErreurWeb> {
    let lien = lien_jeton(
        etat,
        NatureJeton::VerificationEmail,
        &u.email,
        None,
        None,
        Duration::hours(48),
        "/verification",
    )
    .await?;
    etat.store
        .mettre_en_file(&NouveauCourriel {
            destinataire: u.email.clone(),
            sujet: "Repères : confirmez votre adresse électronique".into(),
            corps: format!(
                "Bonjour {},\n\nPour activer votre compte Repères, ouvrez ce lien (valable 48 heures) :\n{lien}\n\nSi vous n'avez pas créé de compte, ignorez ce message.\n",
                u.nom
            ),
        })
        .await?;
    Ok(())
}

#[derive(Deserialize, Default)]
pub struct FormInscription {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    nom: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    mot_de_passe: String,
}

fn champs_inscription(f: &FormInscription) -> Vec<Champ> {
    vec![
        Champ::new("nom", "Prénom et nom", "text")
            .valeur(&f.nom)
            .autocomplete("name"),
        Champ::new("email", "Adresse électronique", "email")
            .valeur(&f.email)
            .aide("Format attendu : nom@exemple.fr")
            .autocomplete("email"),
        Champ::new("mot_de_passe", "Mot de passe", "password")
            .aide(
                "12 caractères au moins. Une phrase de passe facile à retenir convient très bien.",
            )
            .autocomplete("new-password"),
    ]
}

fn page_inscription(
    cadre: Cadre,
    f: &FormInscription,
    erreurs: Vec<reperes_domain::saisie::ErreurChamp>,
) -> FormulaireSimple {
    let mut champs = champs_inscription(f);
    rattacher(&mut champs, &erreurs);
    FormulaireSimple {
        cadre,
        intro: Some("Un compte permet de déclarer votre organisation et de déposer des dossiers. Tous les champs sont obligatoires.".into()),
        action: "/inscription".into(),
        champs,
        erreurs,
        bouton: "Créer mon compte",
        liens: vec![("/connexion".into(), "J'ai déjà un compte : me connecter".into())],
    }
}

pub async fn inscription(State(etat): State<Etat>, mut v: Visiteur) -> Result<Response, ErreurWeb> {
    let (_, entete) = v.csrf(&etat).await?;
    let cadre = Cadre::pour(&v, "Créer un compte");
    page(
        &page_inscription(cadre, &FormInscription::default(), vec![]),
        entete,
        false,
    )
}

pub async fn inscrire(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormInscription>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let mut erreurs = Vec::new();
    if f.nom.trim().is_empty() {
        erreurs.push(erreur("nom", "Indiquez votre prénom et votre nom."));
    }
    let email = Email::parse(&f.email)
        .map_err(|m| erreurs.push(erreur("email", m)))
        .ok();
    if let Err(m) = verifier_mot_de_passe(&f.mot_de_passe, &f.email) {
        erreurs.push(erreur("mot_de_passe", m));
    }
    let Some(email) = email.filter(|_| erreurs.is_empty()) else {
        let cadre = Cadre::pour(&v, "Créer un compte").en_erreur();
        return page(&page_inscription(cadre, &f, erreurs), None, true);
    };
    limiter(&etat, &[format!("ip:{}", v.ip)]).await?;
    match etat.store.utilisateur_par_email(&email).await? {
        Some(_) => {
            // Ne pas révéler l'existence du compte : prévenir son titulaire par courriel.
            etat.store
                .mettre_en_file(&NouveauCourriel {
                    destinataire: email.to_string(),
                    sujet: "Repères : tentative de création de compte".into(),
                    corps: format!(
                        "Bonjour,\n\nQuelqu'un a tenté de créer un compte Repères avec votre adresse, qui en a déjà un.\nSi c'était vous, connectez-vous : {}/connexion (ou « Mot de passe oublié »).\nSinon, ignorez ce message.\n",
                        etat.config.url_publique
                    ),
                })
                .await?;
        }
        None => {
            let u = Utilisateur {
                id: uuid::Uuid::now_v7().to_string(),
                email: email.to_string(),
                nom: f.nom.trim().to_string(),
                role: RoleCompte::Demandeur,
                hash_mot_de_passe: Some(auth::hacher_en_tache(f.mot_de_passe.clone()).await?),
                email_verifie: false,
                actif: true,
            };
            etat.store
                .creer_utilisateur(&Acteur::new(email.as_str(), Role::Demandeur), &u)
                .await?;
            envoyer_verification(&etat, &u).await?;
        }
    }
    let cadre = Cadre::pour(&v, "Vérifiez votre messagerie");
    page(
        &Information {
            cadre,
            paragraphes: vec![format!(
                "Si l'adresse {email} peut recevoir un compte, un courriel vient d'y être envoyé avec un lien pour l'activer. Le lien est valable 48 heures."
            )],
            liens: vec![("/connexion".into(), "Aller à la page de connexion".into())],
        },
        None,
        false,
    )
}

pub async fn verification(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(jeton): Path<String>,
) -> Result<Response, ErreurWeb> {
    let j = etat
        .store
        .consommer_jeton(
            &auth::empreinte(&jeton),
            NatureJeton::VerificationEmail,
            Utc::now(),
        )
        .await?;
    let email = j.as_ref().and_then(|j| Email::parse(&j.email).ok());
    let compte = match email {
        Some(e) => etat.store.utilisateur_par_email(&e).await?,
        None => None,
    };
    let (titre, texte) = match compte {
        Some(mut u) => {
            u.email_verifie = true;
            etat.store.mettre_a_jour_utilisateur(&Acteur::new(&u.email, Role::Demandeur), "verifier_email", &u).await?;
            ("Adresse confirmée", "Votre adresse est confirmée : vous pouvez vous connecter.")
        }
        None => (
            "Lien invalide ou expiré",
            "Ce lien de confirmation n'est plus valable (il a déjà servi, ou plus de 48 heures ont passé). Connectez-vous : si votre adresse n'est pas confirmée, un nouveau lien vous sera proposé.",
        ),
    };
    page(
        &Information {
            cadre: Cadre::pour(&v, titre),
            paragraphes: vec![texte.into()],
            liens: vec![("/connexion".into(), "Se connecter".into())],
        },
        None,
        false,
    )
}
