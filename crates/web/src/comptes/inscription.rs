//! Inscription avec vérification de l'adresse par courriel. Les messages ne révèlent jamais si une
//! adresse a déjà un compte. Le lien de confirmation est rattaché à la session qui l'a demandé :
//! ouvert dans ce même navigateur, il connecte la personne ; ailleurs, il confirme l'adresse et
//! dit comment se connecter. Un lien expiré ou déjà utilisé dit quoi faire (en demander un autre).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{Duration, Utc};
use reperes_domain::comptes::{verifier_mot_de_passe, verifier_nom, Email, RoleCompte};
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::Role;
use reperes_store::{
    Acteur, Jeton, NatureJeton, NouveauCourriel, Session, TraceJeton, Utilisateur,
};
use serde::Deserialize;

use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::cibles::{self, avec_suite, chemin_local};
use crate::commun::formulaires::{erreur, page, Champ, Information};
use crate::commun::journal::{self, Evenement};
use crate::commun::session::{self, Visiteur};
use crate::{ErreurWeb, Etat};

use super::connexion::Suite;
use super::tentatives::{self, cle_ip, limiter, limiter_connexion, refus_note};
use super::FormulaireCompte;

/// Durée de validité d'un lien de confirmation.
const VALIDITE: Duration = Duration::hours(48);

/// Envoie (par la file) le lien de confirmation d'adresse, valable 48 heures, qui ramène ensuite
/// à `suite`. Le jeton est rattaché à la session qui l'a demandé (même navigateur : connexion
/// directe à l'ouverture du lien).
pub(super) async fn envoyer_verification(
    etat: &Etat,
    u: &Utilisateur,
    suite: Option<&str>,
    session: Option<&Session>,
) -> Result<(), ErreurWeb> {
    let j = auth::jeton();
    let hash = auth::empreinte(&j);
    etat.store
        .creer_jeton(&Jeton {
            hash: hash.clone(),
            nature: NatureJeton::VerificationEmail,
            email: u.email.clone(),
            organisation_id: None,
            role: None,
            expire_le: Utc::now() + VALIDITE,
        })
        .await?;
    if let Some(s) = session {
        etat.store
            .rattacher_jeton_a_session(&hash, &s.id_hash)
            .await?;
    }
    let lien = format!(
        "{}{}",
        etat.config.url_publique,
        avec_suite(&format!("/verification/{j}"), suite)
    );
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
    #[serde(default)]
    suite: String,
}

fn formulaire_inscription(
    cadre: Cadre,
    f: &FormInscription,
    suite: Option<&str>,
    erreurs: Vec<ErreurChamp>,
) -> FormulaireCompte {
    let mut intro = vec!["Un compte permet de déclarer votre organisation et de déposer des dossiers. Tous les champs sont obligatoires.".to_string()];
    if !erreurs.is_empty() {
        intro.push(
            "Pour votre sécurité, le mot de passe n'est pas conservé : saisissez-le de nouveau."
                .into(),
        );
    }
    FormulaireCompte {
        cadre,
        intro,
        action: "/inscription".into(),
        champs: vec![
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
        ],
        erreurs,
        bouton: "Créer mon compte",
        liens: vec![(
            cibles::vers_connexion(suite),
            "J'ai déjà un compte : me connecter".into(),
        )],
        suite: suite.map(str::to_string),
    }
}

pub async fn inscription(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Query(q): Query<Suite>,
) -> Result<Response, ErreurWeb> {
    let (_, entete) = v.csrf(&etat).await?;
    let cadre = Cadre::pour(&v, "Créer un compte");
    formulaire_inscription(cadre, &FormInscription::default(), q.locale(), vec![])
        .rendre(entete, false)
}

pub async fn inscrire(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Form(f): Form<FormInscription>,
) -> Result<Response, ErreurWeb> {
    let suite = chemin_local(&f.suite);
    if v.verifier_csrf(&f.csrf).is_err() {
        journal::noter(
            &etat,
            &v,
            Evenement::RefusCsrf {
                chemin: "/inscription",
            },
        )
        .await;
        let (_, entete) = v.csrf(&etat).await?;
        return formulaire_inscription(Cadre::pour(&v, "Créer un compte"), &f, suite, vec![])
            .expire(entete);
    }
    let mut erreurs = Vec::new();
    if let Err(m) = verifier_nom(&f.nom) {
        erreurs.push(erreur("nom", m));
    }
    let email = if f.email.trim().is_empty() {
        erreurs.push(erreur("email", "Indiquez votre adresse électronique."));
        None
    } else {
        Email::parse(&f.email)
            .map_err(|m| erreurs.push(erreur("email", m)))
            .ok()
    };
    if let Err(m) = verifier_mot_de_passe(&f.mot_de_passe, &f.email) {
        erreurs.push(erreur("mot_de_passe", m));
    }
    let refus = |erreurs: Vec<ErreurChamp>, trop: bool| {
        formulaire_inscription(Cadre::pour(&v, "Créer un compte"), &f, suite, erreurs)
            .rendre(None, trop)
    };
    let Some(email) = email.filter(|_| erreurs.is_empty()) else {
        return refus(erreurs, false);
    };
    if let Err(r) = limiter(&etat, &[cle_ip(&v.ip)]).await? {
        let message = refus_note(&etat, &v, email.as_str(), r).await;
        return refus(vec![erreur("email", message)], true);
    }
    // Le même travail (hachage argon2) que l'adresse ait un compte ou non : la durée de la
    // réponse ne révèle pas les adresses existantes (issue 13, constat 6).
    let empreinte = auth::hacher_en_tache(f.mot_de_passe.clone()).await?;
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
                hash_mot_de_passe: Some(empreinte),
                email_verifie: false,
                actif: true,
            };
            etat.store
                .creer_utilisateur(&Acteur::new(&u.id, Role::Demandeur), &u)
                .await?;
            envoyer_verification(&etat, &u, suite, v.session.as_ref()).await?;
        }
    }
    let cadre = Cadre::pour(&v, "Vérifiez votre messagerie");
    page(
        &Information {
            cadre,
            paragraphes: vec![
                format!("Si l'adresse {email} peut recevoir un compte, un courriel vient d'y être envoyé avec un lien pour l'activer. Le lien est valable 48 heures."),
                "Ouvrez-le dans ce navigateur : vous serez connecté ou connectée directement.".into(),
            ],
            liens: vec![
                (cibles::vers_connexion(suite), "Aller à la page de connexion".into()),
                (avec_suite("/verification", suite), "Je n'ai rien reçu : recevoir un nouveau lien".into()),
            ],
        },
        None,
        false,
    )
}

/// Le lien de vérification `jeton` : son empreinte, sa trace (même périmé ou consommé) et le
/// compte de l'adresse qu'il confirme, s'il est encore valable.
async fn lien_de_verification(
    etat: &Etat,
    jeton: &str,
) -> Result<(String, Option<TraceJeton>, Option<Utilisateur>), ErreurWeb> {
    let hash = auth::empreinte(jeton);
    let trace = etat
        .store
        .trace_du_jeton(&hash, NatureJeton::VerificationEmail)
        .await?;
    let j = etat
        .store
        .jeton_valide(&hash, NatureJeton::VerificationEmail, Utc::now())
        .await?;
    let compte = match j.as_ref().and_then(|j| Email::parse(&j.email).ok()) {
        Some(e) => etat.store.utilisateur_par_email(&e).await?,
        None => None,
    };
    Ok((hash, trace, compte))
}

/// `GET /verification/{jeton}` : confirme l'adresse. Dans la session qui a demandé le lien, la
/// personne est connectée et va à la page demandée (ou voit la confirmation). Ailleurs, le lien
/// ne suffit pas : la page demande le mot de passe du compte (`POST`), pour que la personne qui
/// a reçu le courriel ne confirme pas un compte dont quelqu'un d'autre a choisi le mot de passe
/// (issue 13, constat 6). Un lien déjà utilisé, expiré ou inconnu dit quoi faire.
pub async fn verification(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Path(jeton): Path<String>,
    Query(q): Query<Suite>,
) -> Result<Response, ErreurWeb> {
    let suite = q.locale();
    let (hash, trace, compte) = lien_de_verification(&etat, &jeton).await?;
    let Some(u) = compte else {
        return lien_hors_d_usage(&etat, v, trace.as_ref(), suite).await;
    };
    let meme_session = match (
        &v.session,
        trace.as_ref().and_then(|t| t.session_id_hash.as_ref()),
    ) {
        (Some(s), Some(h)) => s.id_hash == *h,
        _ => false,
    };
    let connecte = v.utilisateur.as_ref().is_some_and(|w| w.id == u.id);
    if !(meme_session || connecte || u.email_verifie) {
        // Un autre navigateur : le mot de passe du compte est demandé.
        let (_, entete) = v.csrf(&etat).await?;
        return formulaire_confirmation(&v, &jeton, &u.email, suite, vec![]).rendre(entete, false);
    }
    if etat
        .store
        .consommer_jeton(&hash, NatureJeton::VerificationEmail, Utc::now())
        .await?
        .is_none()
    {
        return lien_hors_d_usage(&etat, v, trace.as_ref(), suite).await;
    }
    if connecte {
        confirmer(&etat, u).await?;
        return Ok(Redirect::to(cibles::destination(suite)).into_response());
    }
    if meme_session && u.actif {
        // Le navigateur qui a fait l'inscription (ou demandé ce lien) : connexion directe.
        return connecter_confirme(&etat, v, u, suite).await;
    }
    // Adresse déjà confirmée (par une réinitialisation) : se connecter.
    page(
        &Information {
            cadre: Cadre::pour(&v, "Adresse confirmée"),
            paragraphes: vec![format!(
                "Votre adresse est confirmée. Connectez-vous avec l'adresse {} et votre mot de passe pour continuer.",
                u.email
            )],
            liens: vec![(cibles::vers_connexion(suite), "Se connecter".into())],
        },
        None,
        false,
    )
}

/// Marque l'adresse du compte comme confirmée (si elle ne l'est pas déjà).
async fn confirmer(etat: &Etat, mut u: Utilisateur) -> Result<Utilisateur, ErreurWeb> {
    if !u.email_verifie {
        u.email_verifie = true;
        etat.store
            .mettre_a_jour_utilisateur(&Acteur::new(&u.id, Role::Demandeur), "verifier_email", &u)
            .await?;
    }
    Ok(u)
}

/// Confirme l'adresse et connecte la personne, dans une session neuve (contre la fixation de
/// session) : vers la page demandée, sinon la page « Adresse confirmée ».
async fn connecter_confirme(
    etat: &Etat,
    mut v: Visiteur,
    u: Utilisateur,
    suite: Option<&str>,
) -> Result<Response, ErreurWeb> {
    let u = confirmer(etat, u).await?;
    if let Some(s) = &v.session {
        etat.store.supprimer_session(&s.id_hash).await?;
    }
    let (s, entete) = session::ouvrir(etat, Some(u.id.clone())).await?;
    if let Some(cible) = suite {
        let mut r = Redirect::to(cible).into_response();
        r.headers_mut().append(entete.0, entete.1);
        return Ok(r);
    }
    v.personne = Some(etat.store.personne(&u).await?);
    v.utilisateur = Some(u);
    v.session = Some(s);
    page(
        &Information {
            cadre: Cadre::pour(&v, "Adresse confirmée"),
            paragraphes: vec![
                "Votre adresse est confirmée et vous êtes connecté ou connectée.".into(),
                "Pour déposer un dossier, commencez par déclarer votre organisation.".into(),
            ],
            liens: vec![
                (
                    "/organisations/nouvelle".into(),
                    "Déclarer mon organisation".into(),
                ),
                ("/espace".into(), "Aller à mon espace".into()),
            ],
        },
        Some(entete),
        false,
    )
}

/// Le formulaire de confirmation hors du navigateur de l'inscription : le mot de passe du compte.
fn formulaire_confirmation(
    v: &Visiteur,
    jeton: &str,
    email: &str,
    suite: Option<&str>,
    erreurs: Vec<ErreurChamp>,
) -> FormulaireCompte {
    FormulaireCompte {
        cadre: Cadre::pour(v, "Confirmer votre adresse"),
        intro: vec![
            format!("Pour confirmer l'adresse {email} dans ce navigateur, saisissez le mot de passe choisi à la création du compte : vous serez ensuite connecté ou connectée."),
            "Vous n'avez pas créé ce compte, ou vous ne connaissez pas ce mot de passe ? Choisissez-en un nouveau avec « Mot de passe oublié » : l'adresse sera confirmée du même coup.".into(),
        ],
        action: format!("/verification/{jeton}"),
        champs: vec![Champ::new("mot_de_passe", "Mot de passe", "password")
            .autocomplete("current-password")],
        erreurs,
        bouton: "Confirmer mon adresse",
        liens: vec![("/mot-de-passe-oublie".into(), "Mot de passe oublié".into())],
        suite: suite.map(str::to_string),
    }
}

#[derive(Deserialize, Default)]
pub struct FormConfirmation {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    mot_de_passe: String,
    #[serde(default)]
    suite: String,
}

/// `POST /verification/{jeton}` : confirme l'adresse avec le mot de passe du compte (lien ouvert
/// hors du navigateur de l'inscription), limité comme la connexion ; puis connecte la personne.
pub async fn confirmer_verification(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Path(jeton): Path<String>,
    Form(f): Form<FormConfirmation>,
) -> Result<Response, ErreurWeb> {
    let suite = chemin_local(&f.suite);
    let (hash, trace, compte) = lien_de_verification(&etat, &jeton).await?;
    if v.verifier_csrf(&f.csrf).is_err() {
        // Rien n'est fait (403) ; le formulaire revient avec un jeton neuf.
        let (_, entete) = v.csrf(&etat).await?;
        let email = compte.map(|u| u.email).unwrap_or_default();
        return formulaire_confirmation(&v, &jeton, &email, suite, vec![]).expire(entete);
    }
    let Some(u) = compte else {
        return lien_hors_d_usage(&etat, v, trace.as_ref(), suite).await;
    };
    if f.mot_de_passe.is_empty() {
        return formulaire_confirmation(
            &v,
            &jeton,
            &u.email,
            suite,
            vec![erreur("mot_de_passe", "Indiquez votre mot de passe.")],
        )
        .rendre(None, false);
    }
    if let Err(r) = limiter_connexion(&etat, &u.email, &v.ip).await? {
        let message = refus_note(&etat, &v, &u.email, r).await;
        return formulaire_confirmation(
            &v,
            &jeton,
            &u.email,
            suite,
            vec![erreur("mot_de_passe", message)],
        )
        .rendre(None, true);
    }
    let empreinte = u
        .hash_mot_de_passe
        .clone()
        .unwrap_or_else(|| auth::empreinte_factice().to_string());
    let bon = auth::verifier_en_tache(f.mot_de_passe.clone(), empreinte).await;
    if !(bon && u.actif && u.hash_mot_de_passe.is_some()) {
        return formulaire_confirmation(
            &v,
            &jeton,
            &u.email,
            suite,
            vec![erreur("mot_de_passe", "Mot de passe incorrect.")],
        )
        .rendre(None, false);
    }
    if etat
        .store
        .consommer_jeton(&hash, NatureJeton::VerificationEmail, Utc::now())
        .await?
        .is_none()
    {
        return lien_hors_d_usage(&etat, v, trace.as_ref(), suite).await;
    }
    tentatives::reussite(&etat, &u.email, &v.ip).await?;
    connecter_confirme(&etat, v, u, suite).await
}

/// La page d'un lien de confirmation qui ne vaut plus rien : déjà utilisé (l'adresse est sans
/// doute confirmée : se connecter), expiré ou inconnu (en demander un autre, adresse pré-remplie
/// si le lien la connaît).
async fn lien_hors_d_usage(
    etat: &Etat,
    mut v: Visiteur,
    trace: Option<&reperes_store::TraceJeton>,
    suite: Option<&str>,
) -> Result<Response, ErreurWeb> {
    if let Some(t) = trace.filter(|t| t.utilise) {
        let (paragraphes, liens) = if v.utilisateur.is_some() {
            (
                vec![
                    "Ce lien de confirmation a déjà servi : votre adresse est confirmée."
                        .to_string(),
                ],
                vec![(
                    cibles::destination(suite).to_string(),
                    "Continuer".to_string(),
                )],
            )
        } else {
            (
                vec![format!("Ce lien de confirmation a déjà servi : l'adresse {} est confirmée. Connectez-vous avec elle et votre mot de passe.", t.email)],
                vec![(cibles::vers_connexion(suite), "Se connecter".to_string())],
            )
        };
        return page(
            &Information {
                cadre: Cadre::pour(&v, "Lien déjà utilisé"),
                paragraphes,
                liens,
            },
            None,
            false,
        );
    }
    let (_, entete) = v.csrf(etat).await?;
    let (titre, explication) = match trace {
        Some(_) => (
            "Lien expiré",
            "Ce lien de confirmation a expiré : il n'est valable que 48 heures. Demandez-en un nouveau ci-dessous ; il vous sera envoyé par courriel.",
        ),
        None => (
            "Lien non reconnu",
            "Ce lien de confirmation n'est pas reconnu : vérifiez qu'il a été copié en entier depuis le courriel, ou demandez-en un nouveau ci-dessous.",
        ),
    };
    let email = trace.map(|t| t.email.as_str()).unwrap_or_default();
    formulaire_verification(Cadre::pour(&v, titre), explication, email, suite, vec![])
        .rendre(entete, false)
}

#[derive(Deserialize, Default)]
pub struct FormVerification {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    suite: String,
}

fn formulaire_verification(
    cadre: Cadre,
    explication: &str,
    email: &str,
    suite: Option<&str>,
    erreurs: Vec<ErreurChamp>,
) -> FormulaireCompte {
    FormulaireCompte {
        cadre,
        intro: vec![explication.to_string()],
        action: "/verification".into(),
        champs: vec![
            Champ::new("email", "Adresse électronique du compte", "email")
                .valeur(email)
                .aide("Format attendu : nom@exemple.fr")
                .autocomplete("email"),
        ],
        erreurs,
        bouton: "Recevoir un nouveau lien",
        liens: vec![(cibles::vers_connexion(suite), "Se connecter".into())],
        suite: suite.map(str::to_string),
    }
}

const EXPLICATION_NOUVEAU_LIEN: &str = "Indiquez l'adresse de votre compte : si elle n'est pas encore confirmée, un nouveau lien de confirmation, valable 48 heures, vous sera envoyé.";

/// `GET /verification` : demander un nouveau lien de confirmation.
pub async fn nouvelle_verification(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Query(q): Query<Suite>,
) -> Result<Response, ErreurWeb> {
    let (_, entete) = v.csrf(&etat).await?;
    formulaire_verification(
        Cadre::pour(&v, "Recevoir un nouveau lien de confirmation"),
        EXPLICATION_NOUVEAU_LIEN,
        "",
        q.locale(),
        vec![],
    )
    .rendre(entete, false)
}

/// `POST /verification` : envoie un nouveau lien si le compte existe et attend sa confirmation
/// (même réponse dans tous les cas, pour ne rien révéler).
pub async fn demander_verification(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Form(f): Form<FormVerification>,
) -> Result<Response, ErreurWeb> {
    let suite = chemin_local(&f.suite);
    if v.verifier_csrf(&f.csrf).is_err() {
        journal::noter(
            &etat,
            &v,
            Evenement::RefusCsrf {
                chemin: "/verification",
            },
        )
        .await;
        let (_, entete) = v.csrf(&etat).await?;
        return formulaire_verification(
            Cadre::pour(&v, "Recevoir un nouveau lien de confirmation"),
            EXPLICATION_NOUVEAU_LIEN,
            &f.email,
            suite,
            vec![],
        )
        .expire(entete);
    }
    let refus = |erreurs: Vec<ErreurChamp>, trop: bool| {
        formulaire_verification(
            Cadre::pour(&v, "Recevoir un nouveau lien de confirmation"),
            EXPLICATION_NOUVEAU_LIEN,
            &f.email,
            suite,
            erreurs,
        )
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
    if let Err(r) = limiter(&etat, &[cle_ip(&v.ip), format!("verification:{email}")]).await? {
        let message = refus_note(&etat, &v, email.as_str(), r).await;
        return refus(vec![erreur("email", message)], true);
    }
    if let Some(u) = etat
        .store
        .utilisateur_par_email(&email)
        .await?
        .filter(|u| u.actif && !u.email_verifie)
    {
        envoyer_verification(&etat, &u, suite, v.session.as_ref()).await?;
    }
    page(
        &Information {
            cadre: Cadre::pour(&v, "Vérifiez votre messagerie"),
            paragraphes: vec![
                format!("Si l'adresse {email} attend une confirmation, un nouveau lien vient d'y être envoyé (valable 48 heures). Ouvrez-le dans ce navigateur : vous serez connecté ou connectée directement."),
                "Si votre adresse est déjà confirmée, connectez-vous simplement.".into(),
            ],
            liens: vec![(cibles::vers_connexion(suite), "Aller à la page de connexion".into())],
        },
        None,
        false,
    )
}
