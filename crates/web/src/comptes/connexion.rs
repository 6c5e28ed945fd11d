//! Connexion (limitée en débit, sans révéler si une adresse a un compte) et déconnexion. La page
//! où revenir ensuite (`suite`, chemin local seulement) vient de la redirection vers la connexion
//! (un lien de courriel ouvert sans être connecté) et est gardée par le formulaire.

use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use reperes_domain::comptes::Email;
use reperes_domain::saisie::ErreurChamp;
use serde::Deserialize;

use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::cibles::{self, avec_suite, chemin_local};
use crate::commun::formulaires::{erreur, page, Champ, FormCsrf, Information};
use crate::commun::journal::{self, Evenement};
use crate::commun::session::{self, Visiteur};
use crate::{ErreurWeb, Etat};

use super::inscription::envoyer_verification;
use super::tentatives::{self, limiter_connexion, refus_note};
use super::FormulaireCompte;

/// La page où revenir, lue dans l'adresse (`?suite=…`).
#[derive(Deserialize, Default)]
pub struct Suite {
    #[serde(default)]
    pub suite: Option<String>,
}

impl Suite {
    /// La cible si elle est locale (sinon ignorée, contre les redirections ouvertes).
    pub fn locale(&self) -> Option<&str> {
        self.suite.as_deref().and_then(chemin_local)
    }
}

#[derive(Deserialize, Default)]
pub struct FormConnexion {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    mot_de_passe: String,
    #[serde(default)]
    suite: String,
}

fn formulaire_connexion(
    cadre: Cadre,
    email: &str,
    suite: Option<&str>,
    erreurs: Vec<ErreurChamp>,
) -> FormulaireCompte {
    let mut intro: Vec<String> = if suite.is_some() {
        vec!["Connectez-vous pour continuer : vous serez ensuite ramené ou ramenée à la page demandée.".into()]
    } else {
        vec![]
    };
    // Champs obligatoires annoncés avant l'envoi (RGAA, critère 11.10).
    intro.push("Les deux champs sont obligatoires.".into());
    FormulaireCompte {
        cadre,
        intro,
        action: "/connexion".into(),
        champs: vec![
            Champ::new("email", "Adresse électronique", "email")
                .valeur(email)
                .aide("Format attendu : nom@exemple.fr")
                .autocomplete("username"),
            Champ::new("mot_de_passe", "Mot de passe", "password").autocomplete("current-password"),
        ],
        erreurs,
        bouton: "Se connecter",
        liens: vec![
            ("/mot-de-passe-oublie".into(), "Mot de passe oublié".into()),
            (avec_suite("/inscription", suite), "Créer un compte".into()),
        ],
        suite: suite.map(str::to_string),
    }
}

pub async fn connexion(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Query(q): Query<Suite>,
) -> Result<Response, ErreurWeb> {
    if let Some(u) = &v.utilisateur {
        if u.role == reperes_domain::comptes::RoleCompte::Expert && q.locale().is_none() {
            return Ok(Redirect::to("/avis").into_response());
        }
        return Ok(Redirect::to(cibles::destination(q.locale())).into_response());
    }
    let (_, entete) = v.csrf(&etat).await?;
    formulaire_connexion(Cadre::pour(&v, "Se connecter"), "", q.locale(), vec![])
        .rendre(entete, false)
}

pub async fn connecter(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Form(f): Form<FormConnexion>,
) -> Result<Response, ErreurWeb> {
    let suite = chemin_local(&f.suite);
    if v.verifier_csrf(&f.csrf).is_err() {
        journal::noter(
            &etat,
            &v,
            Evenement::RefusCsrf {
                chemin: "/connexion",
            },
        )
        .await;
        let (_, entete) = v.csrf(&etat).await?;
        return formulaire_connexion(Cadre::pour(&v, "Se connecter"), &f.email, suite, vec![])
            .expire(entete);
    }
    let refus = |erreurs: Vec<ErreurChamp>, trop: bool| {
        formulaire_connexion(Cadre::pour(&v, "Se connecter"), &f.email, suite, erreurs)
            .rendre(None, trop)
    };
    let mut erreurs = Vec::new();
    let email = if f.email.trim().is_empty() {
        erreurs.push(erreur(
            "email",
            "Indiquez l'adresse électronique de votre compte.",
        ));
        None
    } else {
        Email::parse(&f.email)
            .map_err(|m| erreurs.push(erreur("email", m)))
            .ok()
    };
    if f.mot_de_passe.is_empty() {
        erreurs.push(erreur("mot_de_passe", "Indiquez votre mot de passe."));
    }
    let Some(email) = email.filter(|_| erreurs.is_empty()) else {
        return refus(erreurs, false);
    };
    // Par adresse réseau, puis par compte ET adresse (délai progressif) : des échecs venus
    // d'ailleurs ne bloquent pas le titulaire.
    if let Err(r) = limiter_connexion(&etat, email.as_str(), &v.ip).await? {
        let message = refus_note(&etat, &v, email.as_str(), r).await;
        return refus(vec![erreur("email", message)], true);
    }
    let compte = etat.store.utilisateur_par_email(&email).await?;
    let empreinte = compte
        .as_ref()
        .and_then(|u| u.hash_mot_de_passe.clone())
        .unwrap_or_else(|| auth::empreinte_factice().to_string());
    let bon = auth::verifier_en_tache(f.mot_de_passe.clone(), empreinte).await;
    let compte = compte.filter(|u| bon && u.actif && u.hash_mot_de_passe.is_some());
    let Some(u) = compte else {
        journal::noter(
            &etat,
            &v,
            Evenement::ConnexionEchouee {
                courriel: email.as_str(),
            },
        )
        .await;
        return refus(
            vec![erreur(
                "email",
                "Adresse électronique ou mot de passe incorrect.",
            )],
            false,
        );
    };
    if !u.email_verifie {
        envoyer_verification(&etat, &u, suite, v.session.as_ref()).await?;
        return page(
            &Information {
                cadre: Cadre::pour(&v, "Adresse à confirmer"),
                paragraphes: vec![
                    format!("Votre adresse électronique n'est pas encore confirmée. Un nouveau lien de confirmation vient d'être envoyé à {email}."),
                    "Ouvrez-le dans ce navigateur : vous serez connecté ou connectée directement. Le lien est valable 48 heures.".into(),
                ],
                liens: vec![(
                    avec_suite("/verification", suite),
                    "Je n'ai rien reçu : recevoir un nouveau lien".into(),
                )],
            },
            None,
            false,
        );
    }
    tentatives::reussite(&etat, email.as_str(), &v.ip).await?;
    // Second facteur actif : la session attend le code (`second_facteur.rs`), pas encore connectée.
    if let Some(r) = super::second_facteur::etape_code(&etat, &v, &u, suite).await? {
        return Ok(r);
    }
    // Nouvelle session à la connexion (contre la fixation de session) ; l'ancienne est supprimée.
    if let Some(s) = &v.session {
        etat.store.supprimer_session(&s.id_hash).await?;
    }
    let (_, entete) = session::ouvrir(&etat, Some(u.id.clone())).await?;
    journal::noter(
        &etat,
        &v,
        Evenement::ConnexionReussie { courriel: &u.email },
    )
    .await;
    // Un compte d'expert arrive sur ses demandes d'avis (l'espace ne lui est pas ouvert).
    let cible = match suite.and_then(cibles::chemin_local) {
        None if u.role == reperes_domain::comptes::RoleCompte::Expert => "/avis",
        _ => cibles::destination(suite),
    };
    let mut r = Redirect::to(cible).into_response();
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
