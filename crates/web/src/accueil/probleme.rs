//! « Signaler un problème » (issue 18) : formulaire sans compte (jeton CSRF porté par le cookie
//! anonyme signé, débit limité par adresse réseau), enregistré en base avec un courriel à chaque
//! administrateur ; page d'administration qui liste les signalements et les marque traités
//! (l'adresse de la personne est alors effacée). Sujets et limites : une donnée,
//! `contenus/signaler-un-probleme.toml` ([`reperes_domain::pages_legales`]).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use reperes_domain::comptes::RoleCompte;
use reperes_domain::pages_legales::{chemin_local, signaler, verifier, SaisieProbleme, Signaler};
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::Role;
use reperes_store::{Acteur, NouveauCourriel, NouveauProbleme, ProblemeSignale};
use serde::Deserialize;

use crate::commun::acces::acteur;
use crate::commun::adresse::limite_depassee;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{
    erreur, page, rattacher, Champ, FormCsrf, FormulaireSimple, Information,
};
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

const ACTION: &str = "/signaler-un-probleme";
const ADMINISTRATION: &str = "/administration/problemes";

/// Le formulaire reçu (ou pré-rempli par `?page=` et `?sujet=`).
#[derive(Deserialize, Default)]
pub struct FormProbleme {
    #[serde(rename = "_csrf", default)]
    pub csrf: String,
    #[serde(default)]
    pub sujet: String,
    #[serde(default)]
    pub page: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub email: String,
}

fn formulaire(
    cadre: Cadre,
    r: &Signaler,
    f: &FormProbleme,
    erreurs: Vec<ErreurChamp>,
) -> FormulaireSimple {
    let mut options = vec![(String::new(), "Choisissez un sujet".to_string())];
    options.extend(r.sujet.iter().map(|s| (s.id.clone(), s.libelle.clone())));
    let mut champs = vec![
        Champ::new("sujet", "Sujet", "select")
            .options(options)
            .valeur(&f.sujet),
        Champ::new("page", "Page concernée", "text")
            .aide("Facultatif : l'adresse de la page sur ce site, par exemple /lieux.")
            .valeur(&f.page),
        Champ::new("message", "Décrivez le problème", "textarea")
            .aide(&format!(
                "Obligatoire, {} caractères au plus : ce que vous vouliez faire, ce qui s'est passé. Ne donnez pas d'informations personnelles.",
                r.limites.message_max
            ))
            .valeur(&f.message),
        Champ::new(
            "email",
            "Votre adresse électronique, si vous souhaitez une réponse",
            "email",
        )
        .aide("Facultatif. Elle ne sert qu'à vous répondre ; elle est effacée quand le signalement est traité.")
        .autocomplete("email")
        .valeur(&f.email),
    ];
    rattacher(&mut champs, &erreurs);
    FormulaireSimple {
        cadre: if erreurs.is_empty() {
            cadre
        } else {
            cadre.en_erreur()
        },
        intro: Some("Un problème d'accessibilité, une erreur, un contenu inexact ? Dites-le à l'équipe qui administre ce site. Aucun compte n'est nécessaire. Pour une erreur sur la fiche d'un lieu, utilisez plutôt le lien « Signaler une erreur » de la fiche.".into()),
        action: ACTION.into(),
        champs,
        erreurs,
        bouton: "Envoyer le signalement",
        liens: vec![(
            "/donnees-personnelles".into(),
            "Ce que devient votre message : données personnelles".into(),
        )],
    }
}

/// `GET /signaler-un-probleme` (`?page=` : chemin local de la page concernée ; `?sujet=` :
/// sujet pré-sélectionné ; une valeur qui ne convient pas est ignorée).
pub async fn signaler_page(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Query(q): Query<FormProbleme>,
) -> Result<Response, ErreurWeb> {
    let r = signaler();
    let (_, entete) = v.csrf(&etat).await?;
    let pre = FormProbleme {
        sujet: if r.sujet(&q.sujet).is_some() {
            q.sujet
        } else {
            String::new()
        },
        page: if chemin_local(&q.page) && q.page.chars().count() <= r.limites.page_max {
            q.page
        } else {
            String::new()
        },
        ..Default::default()
    };
    page(
        &formulaire(Cadre::pour(&v, "Signaler un problème"), r, &pre, vec![]),
        entete,
        false,
    )
}

/// Les courriels aux administrateurs actifs : ni le message ni l'adresse de la personne
/// (minimisation) ; le lien de la page d'administration.
async fn courriels_aux_administrateurs(
    etat: &Etat,
    sujet: &str,
    page: Option<&str>,
) -> Result<Vec<NouveauCourriel>, ErreurWeb> {
    let admins = etat
        .store
        .utilisateurs_de_role(RoleCompte::Administrateur)
        .await?;
    let ou = page
        .map(|p| format!(" (page concernée : {p})"))
        .unwrap_or_default();
    Ok(admins
        .into_iter()
        .filter(|u| u.actif)
        .map(|u| NouveauCourriel {
            destinataire: u.email,
            sujet: format!("{} : problème signalé", etat.config.instance.nom_du_site),
            corps: format!(
                "Bonjour,\n\nUn problème a été signalé sur {} : « {sujet} »{ou}.\n\nLisez-le et marquez-le traité : {}{ADMINISTRATION}\n\n— Repères",
                etat.config.instance.nom_du_site, etat.config.url_publique
            ),
        })
        .collect())
}

/// `POST /signaler-un-probleme`.
pub async fn signaler_probleme(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormProbleme>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let r = signaler();
    let cadre = || Cadre::pour(&v, "Signaler un problème");
    let saisie = SaisieProbleme {
        sujet: f.sujet.trim().to_string(),
        page: f.page.trim().to_string(),
        message: f.message.trim().to_string(),
        email: f.email.trim().to_string(),
    };
    let erreurs = verifier(r, &saisie);
    if !erreurs.is_empty() {
        return page(&formulaire(cadre(), r, &f, erreurs), None, true);
    }
    if limite_depassee(
        &etat,
        &v.ip,
        "probleme",
        r.limites.par_adresse,
        r.limites.fenetre_minutes,
    )
    .await?
    {
        let m = format!(
            "Vous avez déjà envoyé {} signalements en peu de temps : patientez {} minutes avant de réessayer. Votre message est gardé ci-dessous.",
            r.limites.par_adresse, r.limites.fenetre_minutes
        );
        let mut rep = page(
            &formulaire(cadre(), r, &f, vec![erreur("message", m)]),
            None,
            true,
        )?;
        *rep.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return Ok(rep);
    }
    let libelle = r
        .sujet(&saisie.sujet)
        .map(|s| s.libelle.clone())
        .unwrap_or_default();
    let facultatif = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let (page_concernee, email) = (facultatif(&saisie.page), facultatif(&saisie.email));
    let courriels =
        courriels_aux_administrateurs(&etat, &libelle, page_concernee.as_deref()).await?;
    etat.store
        .deposer_probleme(
            &Acteur::new("public", Role::Systeme),
            NouveauProbleme {
                sujet: &saisie.sujet,
                page: page_concernee.as_deref(),
                message: &saisie.message,
                email: email.as_deref(),
            },
            &courriels,
        )
        .await?;
    let mut paragraphes = vec![format!(
        "Merci : votre signalement « {libelle} » a été transmis à l'équipe qui administre ce site."
    )];
    paragraphes.push(if email.is_some() {
        "Nous vous répondrons à l'adresse que vous avez donnée ; elle sera effacée quand le signalement sera traité.".into()
    } else {
        "Vous n'avez pas laissé d'adresse : nous ne pourrons pas vous répondre.".into()
    });
    let mut liens = Vec::new();
    if let Some(p) = page_concernee {
        liens.push((p, "Revenir à la page concernée".to_string()));
    }
    liens.push(("/".into(), "Revenir à l'accueil".into()));
    page(
        &Information {
            cadre: Cadre::pour(&v, "Signalement envoyé"),
            paragraphes,
            liens,
        },
        None,
        false,
    )
}

// ---------- Administration ----------

/// Une ligne de la liste.
struct LigneProbleme {
    p: ProblemeSignale,
    sujet: String,
    recu_le: String,
    traite_le: String,
}

#[derive(Template)]
#[template(path = "accueil/problemes.html")]
struct Problemes {
    cadre: Cadre,
    a_traiter: Vec<LigneProbleme>,
    traites: Vec<LigneProbleme>,
}

fn instant(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| crate::commun::dates::instant(d.with_timezone(&Utc)))
        .unwrap_or_else(|_| t.to_string())
}

fn ligne(r: &Signaler, p: ProblemeSignale) -> LigneProbleme {
    LigneProbleme {
        sujet: r
            .sujet(&p.sujet)
            .map(|s| s.libelle.clone())
            .unwrap_or_else(|| p.sujet.clone()),
        recu_le: instant(&p.cree_le),
        traite_le: p.traite_le.as_deref().map(instant).unwrap_or_default(),
        p,
    }
}

/// `GET /administration/problemes` (administrateurs).
pub async fn problemes(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let r = signaler();
    let (a, t) = etat.store.problemes(50).await?;
    page(
        &Problemes {
            cadre: Cadre::pour(&v, "Problèmes signalés"),
            a_traiter: a.into_iter().map(|p| ligne(r, p)).collect(),
            traites: t.into_iter().map(|p| ligne(r, p)).collect(),
        },
        None,
        false,
    )
}

/// `POST /administration/problemes/{id}` : marquer traité (administrateurs) ; l'adresse de la
/// personne est effacée.
pub async fn traiter(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Form(f): Form<FormCsrf>,
) -> Result<Response, ErreurWeb> {
    let (u, _) = v.administrateur()?;
    v.verifier_csrf(&f.csrf)?;
    etat.store.traiter_probleme(&acteur(u), &id).await?;
    Ok(Redirect::to(ADMINISTRATION).into_response())
}
