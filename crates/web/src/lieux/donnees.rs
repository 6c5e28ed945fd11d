//! Données ouvertes des lieux : CSV, JSON et GeoJSON au schéma national, export data·inclusion
//! (structures et services), écarts relevés à la préparation. Servis depuis l'index des lieux en
//! mémoire (à jour comme la recherche : voir `carte.rs`).

use axum::extract::{RawQuery, State};
use axum::response::Response;
use reperes_domain::lieux::export;
use reperes_domain::lieux::schema_national;

use crate::commun::donnees::{perimetre_demande, reponse_fichier, CSV};
use crate::commun::erreur::Contexte;
use crate::{ErreurWeb, Etat};

/// Exports ouverts des lieux : `/donnees/lieux.{csv,json,geojson}`,
/// `/donnees/lieux-data-inclusion-{structures,services}.json`, `/donnees/lieux-ecarts.csv`.
/// Filtre `?territoire=niveau:code` (répétable, issue 17) : seulement les lieux situés dans l'un
/// de ces territoires ; un territoire mal écrit est refusé (400), un territoire inconnu
/// introuvable (404), avec un message en texte.
async fn donnees(etat: Etat, fichier: &str, requete: Option<&str>) -> Result<Response, ErreurWeb> {
    let perimetre = match perimetre_demande(requete) {
        Ok(p) => p,
        Err(refus) => return Ok(refus.fichier()),
    };
    let schema = schema_national();
    // Depuis l'index en mémoire (enregistrements complets), dans l'ordre (source, id) de la base.
    let index = etat.carte.index(&etat.store).await?;
    let mut rangs: Vec<usize> = (0..index.len())
        .filter(|r| {
            perimetre
                .as_ref()
                .is_none_or(|p| index.dans_le_perimetre(*r, p))
        })
        .collect();
    rangs.sort_by(|a, b| {
        let (a, b) = (index.lieu(*a), index.lieu(*b));
        (&*a.source, &*a.id).cmp(&(&*b.source, &*b.id))
    });
    let lieux = rangs
        .into_iter()
        .map(|r| (index.lieu(r).source.to_string(), index.enregistrement(r)))
        .collect();
    let (lieux, ecarts) = export::preparer(&schema, lieux);
    let (type_mime, corps) = match fichier {
        "lieux.csv" => (CSV, export::en_csv(&schema, &lieux)),
        "lieux.json" => ("application/json", export::en_json(&schema, &lieux)),
        "lieux.geojson" => ("application/geo+json", export::en_geojson(&schema, &lieux)),
        "lieux-data-inclusion-structures.json" => (
            "application/json",
            serde_json::to_vec_pretty(&export::data_inclusion(&lieux).0)
                .contexte("écriture JSON")?,
        ),
        "lieux-data-inclusion-services.json" => (
            "application/json",
            serde_json::to_vec_pretty(&export::data_inclusion(&lieux).1)
                .contexte("écriture JSON")?,
        ),
        "lieux-ecarts.csv" => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(["source", "id", "champ", "message", "consequence"]);
            for x in &ecarts {
                let _ = w.write_record([&x.source, &x.id, &x.champ, &x.message, &x.consequence]);
            }
            (CSV, w.into_inner().unwrap_or_default())
        }
        _ => return Err(ErreurWeb::Introuvable),
    };
    Ok(reponse_fichier(type_mime, "inline", fichier, corps))
}

macro_rules! export_lieux {
    ($($nom:ident => $fichier:literal),* $(,)?) => {$(
        pub async fn $nom(
            State(etat): State<Etat>,
            RawQuery(q): RawQuery,
        ) -> Result<Response, ErreurWeb> {
            donnees(etat, $fichier, q.as_deref()).await
        }
    )*};
}

export_lieux! {
    donnees_csv => "lieux.csv",
    donnees_json => "lieux.json",
    donnees_geojson => "lieux.geojson",
    donnees_structures => "lieux-data-inclusion-structures.json",
    donnees_services => "lieux-data-inclusion-services.json",
    donnees_ecarts => "lieux-ecarts.csv",
}
