//! Mot de passe oublié : demande d'un lien par courriel, puis choix d'un nouveau mot de passe. Un
//! lien expiré ou déjà utilisé le dit dès son ouverture, avec de quoi en demander un autre.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use chrono::{Duration, Utc};
use reperes_domain::comptes::{verifier_mot_de_passe, Email};
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::Role;
use reperes_store::{Acteur, NatureJeton, NouveauCourriel};
use serde::Deserialize;

use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{erreur, page, Champ, Information};
use crate::commun::jetons::lien_jeton;
use crate::commun::journal::{self, Evenement};
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::tentatives::{cle_ip, limiter, refus_note};
use super::FormulaireCompte;

#[derive(Deserialize, Default)]
pub struct FormOubli {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

fn formulaire_oubli(cadre: Cadre, email: &str, erreurs: Vec<ErreurChamp>) -> FormulaireCompte {
    FormulaireCompte {
        cadre,
        intro: vec!["Indiquez l'adresse de votre compte : vous recevrez un lien pour choisir un nouveau mot de passe.".into()],
        action: "/mot-de-passe-oublie".into(),
        champs: vec![Champ::new("email", "Adresse électronique", "email")
            .valeur(email)
            .aide("Format attendu : nom@exemple.fr")
            .autocomplete("email")],
        erreurs,
        bouton: "Recevoir un lien",
        liens: vec![("/connexion".into(), "Retour à la connexion".into())],
        suite: None,
    }
}

pub async fn oubli(State(etat): State<Etat>, mut v: Visiteur) -> Result<Response, ErreurWeb> {
    let (_, entete) = v.csrf(&etat).await?;
    formulaire_oubli(Cadre::pour(&v, "Mot de passe oublié"), "", vec![]).rendre(entete, false)
}

pub async fn demander_reinitialisation(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Form(f): Form<FormOubli>,
) -> Result<Response, ErreurWeb> {
    if v.verifier_csrf(&f.csrf).is_err() {
        journal::noter(
            &etat,
            &v,
            Evenement::RefusCsrf {
                chemin: "/mot-de-passe-oublie",
            },
        )
        .await;
        let (_, entete) = v.csrf(&etat).await?;
        return formulaire_oubli(Cadre::pour(&v, "Mot de passe oublié"), &f.email, vec![])
            .expire(entete);
    }
    let refus = |erreurs: Vec<ErreurChamp>, trop: bool| {
        formulaire_oubli(Cadre::pour(&v, "Mot de passe oublié"), &f.email, erreurs)
            .rendre(None, trop)
    };
    let email = if f.email.trim().is_empty() {
        Err("Indiquez l'adresse électronique de votre compte.".to_string())
    } else {
        Email::parse(&f.email)
    };
    let email = match email {
        Ok(e) => e,
        Err(m) => return refus(vec![erreur("email", m)], false),
    };
    if let Err(r) = limiter(&etat, &[cle_ip(&v.ip), format!("reinit:{email}")]).await? {
        let message = refus_note(&etat, &v, email.as_str(), r).await;
        return refus(vec![erreur("email", message)], true);
    }
    journal::noter(
        &etat,
        &v,
        Evenement::ReinitialisationDemandee {
            courriel: email.as_str(),
        },
    )
    .await;
    if let Some(u) = etat
        .store
        .utilisateur_par_email(&email)
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

fn formulaire_reinit(cadre: Cadre, jeton: &str, erreurs: Vec<ErreurChamp>) -> FormulaireCompte {
    FormulaireCompte {
        cadre,
        intro: vec![],
        action: format!("/reinitialisation/{jeton}"),
        champs: vec![Champ::new("mot_de_passe", "Nouveau mot de passe", "password")
            .aide("12 caractères au moins. Une phrase de passe facile à retenir convient très bien.")
            .autocomplete("new-password")],
        erreurs,
        bouton: "Enregistrer le mot de passe",
        liens: vec![],
        suite: None,
    }
}

/// La page d'un lien de réinitialisation expiré, déjà utilisé ou inconnu : en demander un autre.
async fn lien_perime(etat: &Etat, mut v: Visiteur) -> Result<Response, ErreurWeb> {
    let (_, entete) = v.csrf(etat).await?;
    let mut f = formulaire_oubli(Cadre::pour(&v, "Lien invalide ou expiré"), "", vec![]);
    f.intro = vec![
        "Ce lien n'est plus valable : il a déjà servi, ou plus d'une heure a passé. Votre mot de passe n'a pas changé.".into(),
        "Demandez un nouveau lien ci-dessous : il vous sera envoyé par courriel.".into(),
    ];
    f.rendre(entete, false)
}

pub async fn reinitialisation(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Path(jeton): Path<String>,
) -> Result<Response, ErreurWeb> {
    let valable = etat
        .store
        .jeton_valide(
            &auth::empreinte(&jeton),
            NatureJeton::Reinitialisation,
            Utc::now(),
        )
        .await?
        .is_some();
    if !valable {
        return lien_perime(&etat, v).await;
    }
    let (_, entete) = v.csrf(&etat).await?;
    formulaire_reinit(Cadre::pour(&v, "Nouveau mot de passe"), &jeton, vec![]).rendre(entete, false)
}

pub async fn reinitialiser(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Path(jeton): Path<String>,
    Form(f): Form<FormReinitialisation>,
) -> Result<Response, ErreurWeb> {
    if v.verifier_csrf(&f.csrf).is_err() {
        journal::noter(
            &etat,
            &v,
            Evenement::RefusCsrf {
                chemin: "/reinitialisation",
            },
        )
        .await;
        let (_, entete) = v.csrf(&etat).await?;
        return formulaire_reinit(Cadre::pour(&v, "Nouveau mot de passe"), &jeton, vec![])
            .expire(entete);
    }
    if let Err(m) = verifier_mot_de_passe(&f.mot_de_passe, "") {
        return formulaire_reinit(
            Cadre::pour(&v, "Nouveau mot de passe"),
            &jeton,
            vec![erreur("mot_de_passe", m)],
        )
        .rendre(None, false);
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
        return lien_perime(&etat, v).await;
    };
    u.hash_mot_de_passe = Some(auth::hacher_en_tache(f.mot_de_passe.clone()).await?);
    // Le lien est arrivé dans sa messagerie : l'adresse est confirmée.
    u.email_verifie = true;
    etat.store
        .mettre_a_jour_utilisateur(
            &Acteur::new(&u.id, Role::Demandeur),
            "changer_mot_de_passe",
            &u,
        )
        .await?;
    // Les autres liens de réinitialisation encore valables ne servent plus, et toutes les
    // sessions du compte sont fermées (issue 13, constat 6).
    etat.store
        .invalider_jetons(&u.email, NatureJeton::Reinitialisation, Utc::now())
        .await?;
    etat.store.supprimer_sessions_de(&u.id).await?;
    journal::noter(
        &etat,
        &v,
        Evenement::Reinitialisation { courriel: &u.email },
    )
    .await;
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
