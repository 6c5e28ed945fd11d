//! Données ouvertes des territoires signataires de la charte (CSV, JSON, schéma).

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Serialize;

use crate::commun::donnees::{
    en_csv_tableur, organisation_dans, perimetre_demande, reponse_fichier, reponse_json,
    reponse_schema, CSV, SCHEMA_CHARTES,
};
use crate::{ErreurWeb, Etat};

use super::signataires::{signataires, territoire};

/// Une ligne des données ouvertes : un territoire signataire × un dispositif de la charte auquel
/// il s'est engagé. Les noms de champs sont ceux de `schemas/chartes.schema.json`.
#[derive(Debug, Clone, Serialize)]
pub struct LigneCharte {
    /// Identifiant stable de la signature (dossier).
    pub identifiant: String,
    pub numero: String,
    pub territoire_nom: String,
    pub territoire_type: String,
    pub territoire_type_libelle: String,
    pub code_postal: String,
    pub commune: String,
    pub departement: String,
    pub charte: String,
    pub charte_version: String,
    pub charte_nom: String,
    pub date_signature: String,
    pub dispositif: String,
    pub dispositif_libelle: String,
    pub actions_prevues: String,
    pub nombre_rapports: usize,
    pub date_dernier_rapport: String,
    pub page: String,
}

/// Noms des champs, dans l'ordre du schéma.
pub const CHAMPS: &[&str] = &[
    "identifiant",
    "numero",
    "territoire_nom",
    "territoire_type",
    "territoire_type_libelle",
    "code_postal",
    "commune",
    "departement",
    "charte",
    "charte_version",
    "charte_nom",
    "date_signature",
    "dispositif",
    "dispositif_libelle",
    "actions_prevues",
    "nombre_rapports",
    "date_dernier_rapport",
    "page",
];

/// Les lignes des signataires, filtrées par `?territoire=niveau:code` (répétable, issue 17) : un
/// territoire signataire est gardé si la commune de son siège (adresse de son organisation) est
/// recouverte par le périmètre (`Perimetre::recouvre` ; `Perimetre::contient` sur sa situation,
/// qui décide aussi quand seul le code postal la situe). Un territoire mal écrit est refusé (400),
/// un territoire inconnu introuvable (404), avec un message en texte.
async fn lignes(
    etat: &Etat,
    requete: Option<&str>,
) -> Result<Result<Vec<LigneCharte>, Response>, ErreurWeb> {
    let perimetre = match perimetre_demande(requete) {
        Ok(p) => p,
        Err(refus) => return Ok(Err(refus.fichier())),
    };
    let mut v = Vec::new();
    for s in signataires(etat).await? {
        if !organisation_dans(perimetre.as_ref(), &s.code_postal, &s.commune) {
            continue;
        }
        let t = territoire(etat, s).await?;
        let dernier = t
            .rapports
            .iter()
            .map(|r| r.r.publie_le.date_naive())
            .max()
            .map(|d| d.to_string())
            .unwrap_or_default();
        for x in &t.dispositifs {
            v.push(LigneCharte {
                identifiant: t.s.dossier_id.clone(),
                numero: t.s.numero.clone().unwrap_or_default(),
                territoire_nom: t.s.organisation_nom.clone(),
                territoire_type: t.s.type_organisation.clone(),
                territoire_type_libelle: t.type_libelle.clone(),
                code_postal: t.s.code_postal.clone(),
                commune: t.s.commune.clone(),
                departement: t.departement.clone(),
                charte: t.s.referentiel_id.clone(),
                charte_version: t.s.referentiel_version.clone(),
                charte_nom: t.charte_nom.clone(),
                date_signature: t.date_signature.to_string(),
                dispositif: x.id.clone(),
                dispositif_libelle: x.libelle.clone(),
                actions_prevues: x.actions.clone(),
                nombre_rapports: t.rapports.len(),
                date_dernier_rapport: dernier.clone(),
                page: format!("{}{}", etat.config.url_publique, t.chemin),
            });
        }
    }
    Ok(Ok(v))
}

/// `GET /donnees/chartes.csv` : conforme à `schemas/chartes.schema.json`. Le suivi des
/// signataires s'ouvre dans un tableur : les cellules qui commencent comme une formule sont
/// neutralisées (apostrophe en tête) ; le JSON garde les valeurs exactes.
pub async fn csv(State(etat): State<Etat>, RawQuery(q): RawQuery) -> Result<Response, ErreurWeb> {
    let lignes = match lignes(&etat, q.as_deref()).await? {
        Ok(l) => l,
        Err(refus) => return Ok(refus),
    };
    let octets = en_csv_tableur(CHAMPS, lignes)?;
    Ok(reponse_fichier(
        CSV,
        "inline",
        "chartes-signataires.csv",
        octets,
    ))
}

/// `GET /donnees/chartes.json` : un tableau d'objets, mêmes champs que le CSV.
pub async fn json(State(etat): State<Etat>, RawQuery(q): RawQuery) -> Result<Response, ErreurWeb> {
    Ok(match lignes(&etat, q.as_deref()).await? {
        Ok(l) => reponse_json("chartes-signataires.json", l),
        Err(refus) => refus,
    })
}

pub async fn schema() -> Response {
    reponse_schema(SCHEMA_CHARTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_et_champs_concordent() {
        let noms: Vec<String> = crate::commun::donnees::champs_schema(SCHEMA_CHARTES)
            .into_iter()
            .map(|(n, ..)| n)
            .collect();
        assert_eq!(noms, CHAMPS);
    }
}
