//! Comptes : inscription avec vérification de l'adresse, connexion, déconnexion, mot de passe
//! oublié. Les messages ne révèlent jamais si une adresse a un compte ; la connexion et la
//! réinitialisation sont limitées en débit, par IP et par compte.

use axum::extract::{Path, State};
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{Duration, Utc};
use reperes_domain::comptes::{verifier_mot_de_passe, Email, RoleCompte};
use reperes_domain::Role;
use reperes_store::{Acteur, NatureJeton, NouveauCourriel, Utilisateur};
use serde::Deserialize;

use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::FormCsrf;
use crate::commun::formulaires::{erreur, page, rattacher, Champ, FormulaireSimple, Information};
use crate::commun::jetons::lien_jeton;
use crate::commun::session::{self, Visiteur};
use crate::{ErreurWeb, Etat};

/// Tentatives permises par fenêtre de 15 minutes.
pub const MAX_PAR_IP: i64 = 20;
pub const MAX_PAR_COMPTE: i64 = 5;
const FENETRE: Duration = Duration::minutes(15);

async fn limiter(etat: &Etat, cles: &[String]) -> Result<(), ErreurWeb> {
    let depuis = Utc::now() - FENETRE;
    for cle in cles {
        let max = if cle.starts_with("ip:") {
            MAX_PAR_IP
        } else {
            MAX_PAR_COMPTE
        };
        if etat.store.compter_tentatives(cle, depuis).await? >= max {
            return Err(ErreurWeb::TropDeTentatives);
        }
    }
    for cle in cles {
        etat.store.noter_tentative(cle, Utc::now()).await?;
    }
    Ok(())
}

async fn hacher(mdp: String) -> Result<String, ErreurWeb> {
    tokio::task::spawn_blocking(move || auth::hacher(&mdp))
        .await
        .map_err(|e| ErreurWeb::Interne(e.to_string()))?
        .map_err(ErreurWeb::Interne)
}

async fn verifier(mdp: String, empreinte: String) -> bool {
    tokio::task::spawn_blocking(move || auth::verifier(&mdp, &empreinte))
        .await
        .unwrap_or(false)
}

/// Envoie (par la file) le lien de confirmation d'adresse, valable 48 heures.
async fn envoyer_verification(etat: &Etat, u: &Utilisateur) -> Result<(), ErreurWeb> {
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

// ---------- Inscription ----------

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
    erreurs: Vec<reperes_domain::organisation::ErreurChamp>,
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
        let cadre = Cadre::pour(&v, "Créer un compte (erreurs)");
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
                hash_mot_de_passe: Some(hacher(f.mot_de_passe.clone()).await?),
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

// ---------- Connexion ----------

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
    erreurs: Vec<reperes_domain::organisation::ErreurChamp>,
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
    let bon = verifier(f.mot_de_passe.clone(), empreinte).await;
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

// ---------- Mot de passe oublié ----------

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
    erreurs: Vec<reperes_domain::organisation::ErreurChamp>,
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
    u.hash_mot_de_passe = Some(hacher(f.mot_de_passe.clone()).await?);
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
