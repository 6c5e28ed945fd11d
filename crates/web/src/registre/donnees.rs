//! Données ouvertes du registre (CSV, JSON, schéma) et page qui les décrit.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::commun::cadre::Cadre;
use crate::commun::donnees::{
    champs_schema, en_csv, reponse_fichier, reponse_json, reponse_schema, CSV, SCHEMA_CHARTES,
    SCHEMA_REGISTRE,
};
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::titulaires::{titulaires, FiltresRegistre};

/// Le registre en CSV (UTF-8, virgule), conforme à `schemas/registre.schema.json`.
pub async fn csv(State(etat): State<Etat>) -> Result<Response, ErreurWeb> {
    let lignes = titulaires(&etat, &FiltresRegistre::default()).await?;
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
pub async fn json(State(etat): State<Etat>) -> Result<Response, ErreurWeb> {
    let lignes = titulaires(&etat, &FiltresRegistre::default()).await?;
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
}

pub async fn donnees(v: Visiteur) -> Result<Response, ErreurWeb> {
    let champs = champs_schema(SCHEMA_REGISTRE);
    page(
        &PageDonnees {
            cadre: Cadre::pour(&v, "Données ouvertes"),
            champs,
            champs_chartes: champs_schema(SCHEMA_CHARTES),
        },
        None,
        false,
    )
}
