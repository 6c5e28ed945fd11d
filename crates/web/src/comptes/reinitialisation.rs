//! Mot de passe oublié : demande d'un lien par courriel, puis choix d'un nouveau mot de passe.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use chrono::{Duration, Utc};
use reperes_domain::comptes::{verifier_mot_de_passe, Email};
use reperes_domain::Role;
use reperes_store::{Acteur, NatureJeton, NouveauCourriel};
use serde::Deserialize;

use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{erreur, page, rattacher, Champ, FormulaireSimple, Information};
use crate::commun::jetons::lien_jeton;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::tentatives::limiter;

#[derive(Deserialize, Default)]
pub struct FormOubli {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

pub async fn oubli(State(etat): State<Etat>, mut v: Visiteur) -> Result<Response, ErreurWeb> {
    let (_, entete) = v.csrf(&etat).await?;
    page(
        &FormulaireSimple {
            cadre: Cadre::pour(&v, "Mot de passe oublié"),
            intro: Some("Indiquez l'adresse de votre compte : vous recevrez un lien pour choisir un nouveau mot de passe.".into()),
            action: "/mot-de-passe-oublie".into(),
            champs: vec![Champ::new("email", "Adresse électronique", "email").autocomplete("email")],
            erreurs: vec![],
            bouton: "Recevoir un lien",
            liens: vec![],
        },
        entete,
        false,
    )
}

pub async fn demander_reinitialisation(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormOubli>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let email = Email::parse(&f.email).ok();
    let mut cles = vec![format!("ip:{}", v.ip)];
    if let Some(e) = &email {
        cles.push(format!("reinit:{e}"));
    }
    limiter(&etat, &cles).await?;
    if let Some(e) = &email {
        if let Some(u) = etat
            .store
            .utilisateur_par_email(e)
            .await?
            .filter(|u| u.actif)
        {
            let lien = lien_jeton(
                &etat,
                NatureJeton::Reinitialisation,
                &u.email,
                None,
                None,
                Duration::hours(1),
                "/reinitialisation",
            )
            .await?;
            etat.store
                .mettre_en_file(&NouveauCourriel {
                    destinataire: u.email.clone(),
                    sujet: "Repères : choisir un nouveau mot de passe".into(),
                    corps: format!("Bonjour {},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable une heure, une seule fois) :\n{lien}\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot de passe reste inchangé.\n", u.nom),
                })
                .await?;
        }
    }
    page(
        &Information {
            cadre: Cadre::pour(&v, "Vérifiez votre messagerie"),
            paragraphes: vec!["Si un compte existe pour cette adresse, un courriel vient d'y être envoyé avec un lien valable une heure.".into()],
            liens: vec![("/connexion".into(), "Retour à la connexion".into())],
        },
        None,
        false,
    )
}

#[derive(Deserialize, Default)]
pub struct FormReinitialisation {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    mot_de_passe: String,
}

fn page_reinit(
    cadre: Cadre,
    jeton: &str,
    erreurs: Vec<reperes_domain::saisie::ErreurChamp>,
) -> FormulaireSimple {
    let mut champs = vec![
        Champ::new("mot_de_passe", "Nouveau mot de passe", "password")
            .aide("12 caractères au moins.")
            .autocomplete("new-password"),
    ];
    rattacher(&mut champs, &erreurs);
    FormulaireSimple {
        cadre,
        intro: None,
        action: format!("/reinitialisation/{jeton}"),
        champs,
        erreurs,
        bouton: "Enregistrer le mot de passe",
        liens: vec![],
    }
}

pub async fn reinitialisation(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Path(jeton): Path<String>,
) -> Result<Response, ErreurWeb> {
    let (_, entete) = v.csrf(&etat).await?;
    page(
        &page_reinit(Cadre::pour(&v, "Nouveau mot de passe"), &jeton, vec![]),
        entete,
        false,
    )
}

pub async fn reinitialiser(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(jeton): Path<String>,
    Form(f): Form<FormReinitialisation>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    if let Err(m) = verifier_mot_de_passe(&f.mot_de_passe, "") {
        return page(
            &page_reinit(
                Cadre::pour(&v, "Nouveau mot de passe (erreur)"),
                &jeton,
                vec![erreur("mot_de_passe", m)],
            ),
            None,
            true,
        );
    }
    let j = etat
        .store
        .consommer_jeton(
            &auth::empreinte(&jeton),
            NatureJeton::Reinitialisation,
            Utc::now(),
        )
        .await?;
    let compte = match j.and_then(|j| Email::parse(&j.email).ok()) {
        Some(e) => etat.store.utilisateur_par_email(&e).await?,
        None => None,
    };
    let Some(mut u) = compte else {
        return page(
            &Information {
                cadre: Cadre::pour(&v, "Lien invalide ou expiré"),
                paragraphes: vec!["Ce lien n'est plus valable (il a déjà servi, ou plus d'une heure a passé). Demandez-en un nouveau.".into()],
                liens: vec![("/mot-de-passe-oublie".into(), "Demander un nouveau lien".into())],
            },
            None,
            false,
        );
    };
    u.hash_mot_de_passe = Some(auth::hacher_en_tache(f.mot_de_passe.clone()).await?);
    // Le lien est arrivé dans sa messagerie : l'adresse est confirmée.
    u.email_verifie = true;
    etat.store
        .mettre_a_jour_utilisateur(
            &Acteur::new(&u.email, Role::Demandeur),
            "changer_mot_de_passe",
            &u,
        )
        .await?;
    etat.store.supprimer_sessions_de(&u.id).await?;
    page(
        &Information {
            cadre: Cadre::pour(&v, "Mot de passe enregistré"),
            paragraphes: vec![
                "Votre nouveau mot de passe est enregistré ; vos autres sessions ont été fermées."
                    .into(),
            ],
            liens: vec![("/connexion".into(), "Se connecter".into())],
        },
        None,
        false,
    )
}
