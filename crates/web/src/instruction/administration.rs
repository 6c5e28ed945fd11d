//! Administration : agents de l'instruction, invitation d'un agent, courriels en attente ;
//! journal de sécurité (page filtrable et paginée, export CSV).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Duration;
use reperes_domain::comptes::{Email, RoleCompte};
use reperes_store::{
    EvenementSecurite, FiltreJournalSecurite, LigneJournalSecurite, NatureJeton, NouveauCourriel,
    Utilisateur,
};
use serde::Deserialize;

use crate::commun::acces::{acteur, agents};
use crate::commun::cadre::Cadre;
use crate::commun::donnees::{en_csv_tableur, reponse_fichier, CSV};
use crate::commun::formulaires::page;
use crate::commun::jetons::lien_jeton;
use crate::commun::journal::{self, Evenement};
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

#[derive(Template)]
#[template(path = "instruction/administration.html")]
struct PageAdministration {
    cadre: Cadre,
    agents: Vec<Utilisateur>,
    erreur: Option<String>,
    courriels_en_attente: usize,
    /// Second facteur exigé de tous les agents.
    second_facteur_exige: bool,
}

async fn rendre_administration(
    etat: &Etat,
    v: &Visiteur,
    message: Option<String>,
    erreur: Option<String>,
) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let agents = agents(etat).await?;
    let en_erreur = erreur.is_some();
    page(
        &PageAdministration {
            cadre: Cadre::pour(v, "Administration").avec_message(message),
            agents,
            erreur,
            courriels_en_attente: etat
                .store
                .courriels()
                .await?
                .iter()
                .filter(|c| c.envoye_le.is_none())
                .count(),
            second_facteur_exige: etat.store.second_facteur_exige().await?,
        },
        None,
        en_erreur,
    )
}

#[derive(Deserialize, Default)]
pub struct RequeteOk {
    ok: Option<String>,
}

pub async fn administration(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(q): Query<RequeteOk>,
) -> Result<Response, ErreurWeb> {
    let message = match q.ok.as_deref() {
        Some("invitation") => Some("Invitation envoyée.".to_string()),
        Some("second-facteur") => Some("Exigence du second facteur enregistrée.".to_string()),
        _ => None,
    };
    rendre_administration(&etat, &v, message, None).await
}

#[derive(Deserialize)]
pub struct FormInviterAgent {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn inviter_agent(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormInviterAgent>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.administrateur()?;
    let email = match Email::parse(&f.email) {
        Ok(e) => e,
        Err(m) => return rendre_administration(&etat, &v, None, Some(m)).await,
    };
    let role = match f.role.as_str() {
        "administrateur" => RoleCompte::Administrateur,
        _ => RoleCompte::Instructeur,
    };
    let lien = lien_jeton(
        &etat,
        NatureJeton::Invitation,
        email.as_str(),
        None,
        Some(role),
        Duration::days(7),
        "/invitation",
    )
    .await?;
    etat.store
        .mettre_en_file(&NouveauCourriel {
            destinataire: email.to_string(),
            sujet: "Repères : invitation à rejoindre l'instruction".into(),
            corps: format!(
                "Bonjour,\n\n{} vous invite à rejoindre Repères en tant que « {} ».\nOuvrez ce lien (valable 7 jours) :\n{lien}\n",
                u.nom,
                role.libelle()
            ),
        })
        .await?;
    let details = format!("invitation au rôle {}", role.code());
    journal::noter(
        &etat,
        &v,
        Evenement::RoleChange {
            compte: email.as_str(),
            details: &details,
        },
    )
    .await;
    Ok(Redirect::to("/administration?ok=invitation").into_response())
}

/// Lignes par page du journal de sécurité.
const PAR_PAGE: i64 = 50;

/// Filtres du journal de sécurité (type d'événement, compte) et page.
#[derive(Deserialize, Default, serde::Serialize)]
pub struct FiltresJournal {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    evenement: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    compte: String,
    #[serde(default, skip_serializing)]
    page: Option<String>,
}

impl FiltresJournal {
    fn filtre(&self, par_page: i64) -> Result<FiltreJournalSecurite, ErreurWeb> {
        let evenement = match self.evenement.trim() {
            "" => None,
            code => Some(EvenementSecurite::depuis_code(code).ok_or_else(|| {
                ErreurWeb::Requete(format!("Type d'événement inconnu : « {code} »."))
            })?),
        };
        let page = self
            .page
            .as_deref()
            .and_then(|p| p.trim().parse::<i64>().ok())
            .filter(|p| (1..=1_000_000).contains(p))
            .unwrap_or(1);
        Ok(FiltreJournalSecurite {
            evenement,
            compte: Some(self.compte.trim().to_lowercase()).filter(|c| !c.is_empty()),
            page,
            par_page,
        })
    }

    /// Les filtres, encodés pour une adresse (sans la page).
    fn requete(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "instruction/journal_securite.html")]
struct PageJournal {
    cadre: Cadre,
    lignes: Vec<LigneJournalSecurite>,
    total: i64,
    page: i64,
    pages: i64,
    evenements: Vec<(&'static str, &'static str)>,
    evenement: String,
    compte: String,
    requete: String,
}

impl PageJournal {
    fn base_pagination(&self) -> String {
        format!("/administration/journal-securite?{}&", self.requete)
    }
}

/// `GET /administration/journal-securite` : le journal de sécurité, filtrable et paginé.
pub async fn journal_securite(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(q): Query<FiltresJournal>,
) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let filtre = q.filtre(PAR_PAGE)?;
    let (lignes, total) = etat.store.journal_securite(&filtre).await?;
    page(
        &PageJournal {
            cadre: Cadre::pour(&v, "Journal de sécurité"),
            lignes,
            total,
            page: filtre.page,
            pages: (total + PAR_PAGE - 1) / PAR_PAGE,
            evenements: EvenementSecurite::TOUS
                .iter()
                .map(|e| (e.code(), e.libelle()))
                .collect(),
            evenement: q.evenement.trim().to_string(),
            compte: q.compte.trim().to_string(),
            requete: q.requete(),
        },
        None,
        false,
    )
}

/// Colonnes de l'export du journal de sécurité.
const COLONNES_JOURNAL: &[&str] = &[
    "horodatage",
    "evenement",
    "libelle",
    "compte",
    "ip",
    "user_agent",
    "details",
];

/// `GET /administration/journal-securite.csv` : le journal (mêmes filtres, toutes les pages) en
/// CSV, cellules neutralisées contre les formules de tableur. L'export est lui-même noté.
pub async fn journal_securite_csv(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(q): Query<FiltresJournal>,
) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let filtre = q.filtre(0)?;
    let (lignes, _) = etat.store.journal_securite(&filtre).await?;
    journal::noter(
        &etat,
        &v,
        Evenement::Export {
            quoi: "administration/journal-securite.csv",
        },
    )
    .await;
    let lignes: Vec<Vec<String>> = lignes
        .iter()
        .map(|l| {
            [
                l.horodatage.as_str(),
                l.evenement.as_str(),
                l.libelle(),
                l.compte.as_deref().unwrap_or_default(),
                l.ip.as_deref().unwrap_or_default(),
                l.user_agent.as_deref().unwrap_or_default(),
                l.details.as_deref().unwrap_or_default(),
            ]
            .into_iter()
            .map(str::to_string)
            .collect()
        })
        .collect();
    let octets = en_csv_tableur(COLONNES_JOURNAL, &lignes)?;
    Ok(reponse_fichier(
        CSV,
        "attachment",
        "journal-securite.csv",
        octets,
    ))
}

#[derive(Deserialize)]
pub struct FormExigence {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    /// « oui » : second facteur exigé de tous les agents ; autre chose : non exigé.
    #[serde(default)]
    exiger: String,
}

/// Exige (ou non) le second facteur de tous les agents (journal d'audit : `exiger_second_facteur`).
pub async fn exiger_second_facteur(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormExigence>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.administrateur()?;
    etat.store
        .exiger_second_facteur(&acteur(u), f.exiger == "oui")
        .await?;
    Ok(Redirect::to("/administration?ok=second-facteur").into_response())
}
