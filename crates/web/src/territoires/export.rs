//! Export CSV des indicateurs d'un territoire (toutes les années).

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use crate::commun::donnees::{en_csv_tableur, reponse_fichier, CSV};
use crate::commun::portee::Portee;
use crate::{ErreurWeb, Etat};

use super::series::series;
use super::territoire::{referentiel, territoire_de};

#[derive(Serialize)]
struct LigneCsv<'a> {
    territoire: &'a str,
    indicateur: &'a str,
    axe: String,
    annee: i32,
    valeur: &'a str,
    mode: &'static str,
    source: &'a str,
    date: String,
}

pub async fn export_csv(
    State(etat): State<Etat>,
    portee: Portee,
    Path((niveau, code)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    let t = territoire_de(&niveau, &code)?;
    // Version locale (issue 17) : comme la page du territoire.
    if !portee.recouvre(&t) {
        return Err(ErreurWeb::Introuvable);
    }
    let r = referentiel(&etat);
    let (series, _) = series(&etat, r, &t).await?;
    let libelle = t.libelle();
    let mut lignes = Vec::new();
    for s in &series {
        let axe = r
            .axe(s.indicateur.axe)
            .map(|a| format!("Axe {} : {}", a.numero, a.libelle))
            .unwrap_or_else(|| s.indicateur.axe.to_string());
        for p in &s.points {
            lignes.push(LigneCsv {
                territoire: &libelle,
                indicateur: &s.indicateur.libelle,
                axe: axe.clone(),
                annee: p.annee,
                valeur: &p.valeur,
                mode: s.indicateur.mode.code(),
                source: &p.source,
                date: p.date.to_string(),
            });
        }
    }
    let octets = en_csv_tableur(
        &[
            "territoire",
            "indicateur",
            "axe",
            "annee",
            "valeur",
            "mode",
            "source",
            "date",
        ],
        lignes,
    )?;
    Ok(reponse_fichier(
        CSV,
        "inline",
        &format!("indicateurs-{}-{}.csv", t.niveau.code(), t.code),
        octets,
    ))
}
