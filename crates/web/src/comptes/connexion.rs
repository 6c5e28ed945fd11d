//! Connexion (limitée en débit, sans révéler si une adresse a un compte) et déconnexion.

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use reperes_domain::comptes::Email;
use serde::Deserialize;

use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::FormCsrf;
use crate::commun::formulaires::{erreur, page, rattacher, Champ, FormulaireSimple, Information};
use crate::commun::session::{self, Visiteur};
use crate::{ErreurWeb, Etat};

use super::inscription::envoyer_verification;
use super::tentatives::limiter;

#[derive(Deserialize, Default)]
pub struct FormConnexion {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    mot_de_passe: String,
}

fn page_connexion(
    cadre: Cadre,
    email: &str,
    erreurs: Vec<reperes_domain::saisie::ErreurChamp>,
) -> FormulaireSimple {
    let mut champs = vec![
        Champ::new("email", "Adresse électronique", "email")
            .valeur(email)
            .autocomplete("username"),
        Champ::new("mot_de_passe", "Mot de passe", "password").autocomplete("current-password"),
    ];
    rattacher(&mut champs, &erreurs);
    FormulaireSimple {
        cadre,
        intro: None,
        action: "/connexion".into(),
        champs,
        erreurs,
        bouton: "Se connecter",
        liens: vec![
            ("/mot-de-passe-oublie".into(), "Mot de passe oublié".into()),
            ("/inscription".into(), "Créer un compte".into()),
        ],
    }
}

pub async fn connexion(State(etat): State<Etat>, mut v: Visiteur) -> Result<Response, ErreurWeb> {
    if v.utilisateur.is_some() {
        return Ok(Redirect::to("/espace").into_response());
    }
    let (_, entete) = v.csrf(&etat).await?;
    page(
        &page_connexion(Cadre::pour(&v, "Se connecter"), "", vec![]),
        entete,
        false,
    )
}

pub async fn connecter(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormConnexion>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let email = Email::parse(&f.email).ok();
    let mut cles = vec![format!("ip:{}", v.ip)];
    if let Some(e) = &email {
        cles.push(format!("compte:{e}"));
    }
    limiter(&etat, &cles).await?;
    let compte = match &email {
        Some(e) => etat.store.utilisateur_par_email(e).await?,
        None => None,
    };
    let empreinte = compte
        .as_ref()
        .and_then(|u| u.hash_mot_de_passe.clone())
        .unwrap_or_else(|| auth::empreinte_factice().to_string());
    let bon = auth::verifier_en_tache(f.mot_de_passe.clone(), empreinte).await;
    let compte = compte.filter(|u| bon && u.actif && u.hash_mot_de_passe.is_some());
    let Some(u) = compte else {
        let erreurs = vec![erreur(
            "email",
            "Adresse électronique ou mot de passe incorrect.",
        )];
        return page(
            &page_connexion(Cadre::pour(&v, "Se connecter (erreur)"), &f.email, erreurs),
            None,
            true,
        );
    };
    if !u.email_verifie {
        envoyer_verification(&etat, &u).await?;
        return page(
            &Information {
                cadre: Cadre::pour(&v, "Adresse à confirmer"),
                paragraphes: vec!["Votre adresse électronique n'est pas encore confirmée. Un nouveau lien de confirmation vient de vous être envoyé.".into()],
                liens: vec![],
            },
            None,
            false,
        );
    }
    // Nouvelle session à la connexion (contre la fixation de session) ; l'ancienne est supprimée.
    if let Some(s) = &v.session {
        etat.store.supprimer_session(&s.id_hash).await?;
    }
    let (_, entete) = session::ouvrir(&etat, Some(u.id.clone())).await?;
    let mut r = Redirect::to("/espace").into_response();
    r.headers_mut().append(entete.0, entete.1);
    Ok(r)
}

pub async fn deconnecter(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormCsrf>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    if let Some(s) = &v.session {
        etat.store.supprimer_session(&s.id_hash).await?;
    }
    let mut r = Redirect::to("/").into_response();
    r.headers_mut()
        .append(SET_COOKIE, session::entete_effacement(&etat));
    Ok(r)
}
