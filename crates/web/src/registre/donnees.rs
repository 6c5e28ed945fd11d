//! Données ouvertes du registre (CSV, JSON, schéma) et page qui les décrit.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;

use crate::commun::cadre::Cadre;
use crate::commun::donnees::{
    champs_schema, en_csv, organisation_dans, perimetre_demande, reponse_fichier, reponse_json,
    reponse_schema, CSV, SCHEMA_CHARTES, SCHEMA_REGISTRE,
};
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::titulaires::{titulaires, FiltresRegistre, Titulaire};

/// Les titulaires publiés, filtrés par `?territoire=niveau:code` (répétable, issue 17) : ceux
/// dont l'organisation a son adresse dans l'un de ces territoires ; un territoire mal écrit est
/// refusé (400), un territoire inconnu introuvable (404), avec un message en texte.
async fn lignes(
    etat: &Etat,
    requete: Option<&str>,
) -> Result<Result<Vec<Titulaire>, Response>, ErreurWeb> {
    let perimetre = match perimetre_demande(requete) {
        Ok(p) => p,
        Err(refus) => return Ok(Err(refus.fichier())),
    };
    let mut v = titulaires(etat, &FiltresRegistre::default()).await?;
    v.retain(|t| organisation_dans(perimetre.as_ref(), &t.code_postal, &t.commune));
    Ok(Ok(v))
}

/// Le registre en CSV (UTF-8, virgule), conforme à `schemas/registre.schema.json`.
pub async fn csv(State(etat): State<Etat>, RawQuery(q): RawQuery) -> Result<Response, ErreurWeb> {
    let lignes = match lignes(&etat, q.as_deref()).await? {
        Ok(l) => l,
        Err(refus) => return Ok(refus),
    };
    let octets = en_csv(CHAMPS, &lignes)?;
    Ok(reponse_fichier(
        CSV,
        "inline",
        "registre-titulaires.csv",
        octets,
    ))
}

/// Noms des champs, dans l'ordre du schéma.
pub const CHAMPS: &[&str] = &[
    "identifiant",
    "dispositif_identifiant",
    "dispositif_nom",
    "dispositif_description",
    "dispositif_site",
    "categorie",
    "categorie_libelle",
    "porteur_nom",
    "porteur_type",
    "code_postal",
    "commune",
    "departement",
    "label",
    "label_version",
    "label_nom",
    "niveau",
    "niveau_libelle",
    "statut",
    "date_labellisation",
    "fin_validite",
    "date_fin",
    "criteres_satisfaits",
    "correspondance_nig",
    "page",
    "licences_materiel",
    "liens_materiel",
];

/// Le registre en JSON : un tableau d'objets, mêmes champs que le CSV.
pub async fn json(State(etat): State<Etat>, RawQuery(q): RawQuery) -> Result<Response, ErreurWeb> {
    let lignes = match lignes(&etat, q.as_deref()).await? {
        Ok(l) => l,
        Err(refus) => return Ok(refus),
    };
    Ok(reponse_json("registre-titulaires.json", lignes))
}

pub async fn schema() -> Response {
    reponse_schema(SCHEMA_REGISTRE)
}

#[derive(Template)]
#[template(path = "registre/donnees.html")]
struct PageDonnees {
    cadre: Cadre,
    champs: Vec<(String, String, String, bool)>,
    /// Champs des données ouvertes des territoires signataires de la charte.
    champs_chartes: Vec<(String, String, String, bool)>,
    /// Version locale (issue 17) : (son nom, son périmètre en toutes lettres).
    territoire: Option<(String, String)>,
    /// Début des liens vers les fichiers : `""` au national, l'adresse publique du site national
    /// dans une version locale (ce sont les fichiers nationaux, filtrés).
    base: String,
    /// `?territoire=…&territoire=…` dans une version locale, `""` au national.
    filtre: String,
}

/// `/donnees`, et `/t/{slug}/donnees` dans une version locale : les mêmes fichiers, filtrés par
/// le périmètre de la version (`?territoire=…`), servis par le site national.
pub async fn donnees(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    let champs = champs_schema(SCHEMA_REGISTRE);
    let (territoire, base, filtre) = match (&v.portee.locale, v.portee.perimetre()) {
        (Some(l), Some(p)) => (
            Some((l.nom.clone(), p.libelle())),
            etat.config.url_publique.trim_end_matches('/').to_string(),
            format!("?{}", p.requete()),
        ),
        _ => (None, String::new(), String::new()),
    };
    page(
        &PageDonnees {
            cadre: Cadre::pour(&v, "Données ouvertes"),
            champs,
            champs_chartes: champs_schema(SCHEMA_CHARTES),
            territoire,
            base,
            filtre,
        },
        None,
        false,
    )
}
