//! « Mes données personnelles » (RGPD) : ce que Repères garde sur la personne connectée, avec la
//! finalité et la durée de conservation de chaque catégorie (registre
//! `donnees/donnees-personnelles.toml`), l'export de ces données en JSON, et la suppression du
//! compte par son titulaire (mot de passe et CSRF). Une personne ne voit et n'exporte que son
//! propre compte : aucune route ne prend d'identifiant de compte.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use reperes_domain::donnees_personnelles::{registre, Categorie};
use reperes_domain::saisie::ErreurChamp;
use reperes_store::DonneesPersonnelles;
use serde::{Deserialize, Serialize};

use crate::commun::acces::acteur;
use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::dates::instant;
use crate::commun::formulaires::{erreur, page, Information};
use crate::commun::journal::{self, Evenement};
use crate::commun::session::{self, Visiteur};
use crate::{ErreurWeb, Etat};

/// Une catégorie du registre et le nombre d'éléments gardés pour ce compte.
pub struct LigneCategorie {
    pub c: Categorie,
    pub nombre: usize,
}

#[derive(Template)]
#[template(path = "espace/donnees_personnelles.html")]
struct PageDonnees {
    cadre: Cadre,
    d: DonneesPersonnelles,
    categories: Vec<LigneCategorie>,
    erreurs: Vec<ErreurChamp>,
}

impl PageDonnees {
    /// Une date du compte en français (« 06/12/2026 à 13:05 »), ou « — ».
    fn date(&self, t: &Option<String>) -> String {
        t.as_deref()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| instant(t.with_timezone(&Utc)))
            .unwrap_or_else(|| "—".into())
    }
    fn date_de(&self, t: &str) -> String {
        self.date(&Some(t.to_string()))
    }
}

fn nombre(d: &DonneesPersonnelles, code: &str) -> usize {
    match code {
        "compte" | "consentements" => 1,
        "organisations" => d.organisations.len(),
        "dossiers" => d.messages.len() + d.fichiers.len() + d.rapports.len(),
        "sessions" => d.sessions.len(),
        "invitations" => d.invitations.len(),
        "abonnements" => d.abonnements.len(),
        "journal" => d.journal.len(),
        _ => 0,
    }
}

async fn donnees_du_connecte(etat: &Etat, v: &Visiteur) -> Result<DonneesPersonnelles, ErreurWeb> {
    let (u, _) = v.connecte()?;
    etat.store
        .donnees_personnelles(&u.id)
        .await?
        .ok_or(ErreurWeb::Introuvable)
}

async fn rendre(
    etat: &Etat,
    v: &Visiteur,
    erreurs: Vec<ErreurChamp>,
) -> Result<Response, ErreurWeb> {
    let d = donnees_du_connecte(etat, v).await?;
    let categories = registre()
        .into_iter()
        .map(|c| LigneCategorie {
            nombre: nombre(&d, &c.code),
            c,
        })
        .collect();
    let en_erreur = !erreurs.is_empty();
    let cadre = Cadre::pour(v, "Mes données personnelles");
    page(
        &PageDonnees {
            cadre: if en_erreur { cadre.en_erreur() } else { cadre },
            d,
            categories,
            erreurs,
        },
        None,
        en_erreur,
    )
}

/// `GET /compte/donnees` : ce que Repères garde sur la personne connectée.
pub async fn donnees_personnelles(
    State(etat): State<Etat>,
    v: Visiteur,
) -> Result<Response, ErreurWeb> {
    rendre(&etat, &v, vec![]).await
}

/// L'export : le registre (finalités, durées) et les données, par catégorie.
#[derive(Serialize)]
struct Export<'a> {
    exporte_le: String,
    registre: Vec<Categorie>,
    donnees: &'a DonneesPersonnelles,
}

/// `GET /compte/donnees/export.json` : les données de la personne connectée, en JSON lisible
/// (téléchargement) ; l'export est noté au journal d'audit.
pub async fn exporter_donnees(
    State(etat): State<Etat>,
    v: Visiteur,
) -> Result<Response, ErreurWeb> {
    let (u, _) = v.connecte()?;
    let d = donnees_du_connecte(&etat, &v).await?;
    etat.store.noter_export_donnees(&acteur(u), &u.id).await?;
    journal::noter(
        &etat,
        &v,
        Evenement::Export {
            quoi: "compte/donnees/export.json",
        },
    )
    .await;
    let corps = serde_json::to_string_pretty(&Export {
        exporte_le: reperes_store::horodatage(Utc::now()),
        registre: registre(),
        donnees: &d,
    })
    .map_err(|e| ErreurWeb::interne("export des données personnelles", e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"reperes-mes-donnees.json\"",
            ),
        ],
        corps,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct FormSuppression {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    mot_de_passe: String,
}

/// `POST /compte/supprimer` : supprime le compte de la personne connectée, après son mot de
/// passe. Adresse et nom sont remplacés par « Compte supprimé n° … », les sessions fermées ; les
/// dossiers restent à leurs organisations. Le dernier administrateur est refusé (400).
pub async fn supprimer_compte(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormSuppression>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.connecte()?;
    let bon = match (&u.hash_mot_de_passe, f.mot_de_passe.is_empty()) {
        (Some(h), false) => auth::verifier_en_tache(f.mot_de_passe.clone(), h.clone()).await,
        _ => false,
    };
    if !bon {
        let m = if f.mot_de_passe.is_empty() {
            "Indiquez votre mot de passe pour confirmer la suppression."
        } else {
            "Mot de passe incorrect : le compte n'a pas été supprimé."
        };
        return rendre(&etat, &v, vec![erreur("mot_de_passe", m)]).await;
    }
    let numero = etat
        .store
        .supprimer_compte(&acteur(u), &u.id, Utc::now())
        .await?;
    let mut r = page(
        &Information {
            cadre: Cadre::anonyme(v.portee.theme, "Compte supprimé"),
            paragraphes: vec![
                format!("Votre compte est supprimé : votre adresse électronique et votre nom sont effacés de Repères. Il y apparaît désormais comme « Compte supprimé n° {numero} »."),
                "Les dossiers de vos organisations leur restent. Vous avez été déconnecté ou déconnectée.".into(),
            ],
            liens: vec![("/".into(), "Retour à l'accueil".into())],
        },
        None,
        false,
    )?;
    r.headers_mut()
        .append(header::SET_COOKIE, session::entete_effacement(&etat));
    Ok(r)
}
