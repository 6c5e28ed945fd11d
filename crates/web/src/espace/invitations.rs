//! Invitations par lien à usage unique : rejoindre une organisation (envoyée par un membre) ou
//! l'instruction (envoyée par un administrateur) ; création du compte si besoin (la personne est
//! alors connectée). Un refus ré-affiche la page de l'invitation (saisie conservée, message au
//! champ) ; une invitation expirée ou déjà acceptée dit quoi faire ; sans être connecté avec un
//! compte existant, la connexion ramène à l'invitation.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{Duration, Utc};
use reperes_domain::comptes::{Email, RoleCompte};
use reperes_domain::organisation::Organisation;
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::Role;
use reperes_store::{Acteur, NatureJeton, NouveauCourriel, Utilisateur};
use serde::Deserialize;

use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::cibles;
use crate::commun::formulaires::{erreur, page, rattacher, Champ, Information};
use crate::commun::jetons::lien_jeton;
use crate::commun::libelles::citer;
use crate::commun::session::{self, Visiteur};
use crate::{ErreurWeb, Etat};

/// Invitations qu'une personne peut envoyer par heure (toutes organisations confondues).
pub const MAX_INVITATIONS_PAR_PERSONNE: i64 = 10;
/// Invitations qu'une organisation peut envoyer par jour (tous membres confondus).
pub const MAX_INVITATIONS_PAR_ORGANISATION: i64 = 30;

/// Objet du courriel d'invitation : aucun texte saisi (nom d'organisation, nom de la personne)
/// n'y figure (issue 13, constat 5) ; ils sont dans le corps, entre guillemets.
pub const OBJET_INVITATION: &str = "Repères : invitation à rejoindre une organisation";

/// Envoie (par la file) l'invitation de `email` dans l'organisation `o` de la part de `u`, si
/// les limites le permettent (par personne et par heure, par organisation et par jour, comptées
/// de façon atomique) ; sinon rend le message à afficher.
pub(super) async fn envoyer_invitation(
    etat: &Etat,
    u: &Utilisateur,
    o: &Organisation,
    email: &Email,
) -> Result<Result<(), String>, ErreurWeb> {
    let maintenant = Utc::now();
    let par_personne = etat
        .store
        .compter_tentative(
            &format!("invitation-personne:{}", u.id),
            maintenant,
            Duration::hours(1),
        )
        .await?;
    if par_personne > MAX_INVITATIONS_PAR_PERSONNE {
        return Ok(Err(format!("Vous avez envoyé {MAX_INVITATIONS_PAR_PERSONNE} invitations dans l'heure : patientez une heure avant d'en envoyer d'autres.")));
    }
    let par_organisation = etat
        .store
        .compter_tentative(
            &format!("invitation-organisation:{}", o.id),
            maintenant,
            Duration::days(1),
        )
        .await?;
    if par_organisation > MAX_INVITATIONS_PAR_ORGANISATION {
        return Ok(Err(format!("Cette organisation a envoyé {MAX_INVITATIONS_PAR_ORGANISATION} invitations en 24 heures : patientez jusqu'à demain avant d'en envoyer d'autres.")));
    }
    let lien = lien_jeton(
        etat,
        NatureJeton::Invitation,
        email.as_str(),
        Some(o.id.clone()),
        None,
        Duration::days(7),
        "/invitation",
    )
    .await?;
    etat.store
        .mettre_en_file(&NouveauCourriel {
            destinataire: email.to_string(),
            sujet: OBJET_INVITATION.into(),
            corps: format!(
                "Bonjour,\n\n{} vous invite à rejoindre l'organisation {} sur Repères, pour préparer et suivre ses dossiers.\nOuvrez ce lien (valable 7 jours) :\n{lien}\n",
                u.nom,
                citer(&o.nom)
            ),
        })
        .await?;
    Ok(Ok(()))
}

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
    /// La connexion, qui ramène ensuite à l'invitation.
    connexion: String,
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

/// La page d'une invitation qui ne vaut plus rien : déjà acceptée (se connecter pour retrouver
/// l'organisation), expirée ou inconnue (en demander une nouvelle).
async fn invitation_hors_d_usage(
    etat: &Etat,
    v: &Visiteur,
    jeton: &str,
) -> Result<Response, ErreurWeb> {
    let trace = etat
        .store
        .trace_du_jeton(&auth::empreinte(jeton), NatureJeton::Invitation)
        .await?;
    let (titre, texte) = match &trace {
        Some(t) if t.utilise => (
            "Invitation déjà acceptée",
            format!("Cette invitation a déjà été acceptée. Connectez-vous avec l'adresse {} pour retrouver ce à quoi elle donne accès, depuis votre espace.", t.email),
        ),
        Some(_) => (
            "Invitation expirée",
            "Cette invitation a expiré (elle est valable 7 jours) : demandez à la personne qui vous a invité ou invitée de vous en envoyer une nouvelle.".to_string(),
        ),
        None => (
            "Invitation non reconnue",
            "Ce lien d'invitation n'est pas reconnu : vérifiez qu'il a été copié en entier depuis le courriel, ou demandez à la personne qui vous a invité ou invitée de vous en envoyer une nouvelle.".to_string(),
        ),
    };
    let liens = if v.utilisateur.is_some() {
        vec![("/espace".to_string(), "Aller à mon espace".to_string())]
    } else {
        vec![("/connexion".to_string(), "Se connecter".to_string())]
    };
    page(
        &Information {
            cadre: Cadre::pour(v, titre),
            paragraphes: vec![texte],
            liens,
        },
        None,
        false,
    )
}

async fn page_invitation(
    etat: &Etat,
    mut v: Visiteur,
    jeton: &str,
    erreurs: Vec<ErreurChamp>,
    nom: &str,
) -> Result<Response, ErreurWeb> {
    let Some(j) = lire_invitation(etat, jeton).await? else {
        return invitation_hors_d_usage(etat, &v, jeton).await;
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
            .aide(
                "12 caractères au moins. Une phrase de passe facile à retenir convient très bien.",
            )
            .autocomplete("new-password"),
    ];
    rattacher(&mut champs, &erreurs);
    let en_erreur = !erreurs.is_empty();
    let mut cadre = Cadre::pour(&v, "Invitation");
    if en_erreur {
        cadre = cadre.en_erreur();
    }
    let action = format!("/invitation/{jeton}");
    page(
        &PageInvitation {
            cadre,
            objet: objet_invitation(etat, &j).await?,
            email: j.email.clone(),
            cas,
            connexion: cibles::vers_connexion(Some(&action)),
            action,
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
    if v.verifier_csrf(&f.csrf).is_err() {
        crate::commun::journal::noter(
            &etat,
            &v,
            crate::commun::journal::Evenement::RefusCsrf {
                chemin: "/invitation",
            },
        )
        .await;
        // Page restée ouverte au-delà de la session : rien n'est fait ; la page revient avec le
        // nom saisi et un jeton neuf.
        let expire = erreur(
            "nom",
            "Formulaire expiré : la page est restée ouverte trop longtemps. Rien n'a été envoyé ; vérifiez votre nom, saisissez de nouveau le mot de passe, puis envoyez le formulaire.",
        );
        let mut r = page_invitation(&etat, v, &jeton, vec![expire], &f.nom).await?;
        *r.status_mut() = StatusCode::FORBIDDEN;
        return Ok(r);
    }
    let Some(j) = lire_invitation(&etat, &jeton).await? else {
        return page_invitation(&etat, v, &jeton, vec![], "").await;
    };
    let email = Email::parse(&j.email).map_err(ErreurWeb::Requete)?;
    let mut nouveau = false;
    let compte = match &v.utilisateur {
        Some(u) if u.email == j.email => u.clone(),
        // Connecté avec une autre adresse : la page de l'invitation explique quoi faire.
        Some(_) => return page_invitation(&etat, v, &jeton, vec![], "").await,
        None => {
            if etat.store.utilisateur_par_email(&email).await?.is_some() {
                let retour = format!("/invitation/{jeton}");
                return Ok(Redirect::to(&cibles::vers_connexion(Some(&retour))).into_response());
            }
            let u =
                match auth::compte_par_lien(&email, &f.nom, &f.mot_de_passe, RoleCompte::Demandeur)
                    .await?
                {
                    Ok(u) => u,
                    Err(erreurs) => {
                        return page_invitation(&etat, v, &jeton, erreurs, &f.nom).await
                    }
                };
            etat.store
                .creer_utilisateur(&Acteur::new(&u.id, Role::Demandeur), &u)
                .await?;
            nouveau = true;
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
        return invitation_hors_d_usage(&etat, &v, &jeton).await;
    }
    let a = Acteur::new(&compte.id, Role::Demandeur);
    let suite = if let Some(o) = &j.organisation_id {
        etat.store.ajouter_membre(&a, o, &compte.id).await?;
        format!("/organisations/{o}?ok=membre")
    } else if let Some(role) = j.role {
        let mut promu = compte.clone();
        promu.role = role;
        etat.store
            .mettre_a_jour_utilisateur(&a, "accepter_role", &promu)
            .await?;
        let details = format!(
            "{} → {} (invitation acceptée)",
            compte.role.code(),
            role.code()
        );
        crate::commun::journal::noter(
            &etat,
            &v,
            crate::commun::journal::Evenement::RoleChange {
                compte: &compte.email,
                details: &details,
            },
        )
        .await;
        "/espace".to_string()
    } else {
        "/espace".to_string()
    };
    let mut r = Redirect::to(&suite).into_response();
    if nouveau {
        // Le compte vient d'être créé avec le lien reçu par courriel : la personne est connectée
        // (nouvelle session, l'anonyme est supprimée).
        if let Some(s) = &v.session {
            etat.store.supprimer_session(&s.id_hash).await?;
        }
        let (_, entete) = session::ouvrir(&etat, Some(compte.id.clone())).await?;
        r.headers_mut().append(entete.0, entete.1);
    }
    Ok(r)
}
