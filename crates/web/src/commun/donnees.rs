//! Données ouvertes et exports : écriture CSV, réponses de fichiers (CSV, JSON, schémas), champs
//! d'un schéma de table (Table Schema) pour les pages qui les décrivent.

use std::borrow::Cow;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use reperes_domain::territoires::{Perimetre, Situation, Territoires};
use serde::Serialize;
use utoipa::IntoParams;

use crate::commun::erreur::Contexte;
use crate::ErreurWeb;

/// Schéma des données ouvertes du registre des titulaires.
pub const SCHEMA_REGISTRE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../schemas/registre.schema.json"
));

/// Schéma des données ouvertes des territoires signataires de la charte.
pub const SCHEMA_CHARTES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../schemas/chartes.schema.json"
));

/// Type MIME des fichiers CSV servis.
pub const CSV: &str = "text/csv; charset=utf-8";

/// Écrit un CSV (UTF-8, virgule) : la ligne d'en-tête `champs`, puis une ligne par élément.
pub fn en_csv<T: Serialize>(
    champs: &[&str],
    lignes: impl IntoIterator<Item = T>,
) -> Result<Vec<u8>, ErreurWeb> {
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(champs).contexte("écriture CSV")?;
    for l in lignes {
        w.serialize(l).contexte("écriture CSV")?;
    }
    w.into_inner().contexte("écriture CSV")
}

/// Une cellule d'un fichier que l'on ouvre dans un tableur, neutralisée contre l'injection de
/// formules (règle OWASP « CSV Injection ») : une valeur qui commence par `=`, `+`, `-`, `@`, une
/// tabulation ou un retour chariot reçoit l'apostrophe `'` en tête, et le tableur la lit comme
/// du texte. Un nombre décimal écrit seul (`-12`, `+3.5`) reste un nombre : ce n'est pas une
/// formule. Les données ouvertes qui suivent un schéma publié (lieux, titulaires) gardent,
/// elles, les valeurs exactes.
pub fn cellule_tableur(valeur: &str) -> Cow<'_, str> {
    let formule = valeur.starts_with(['=', '+', '-', '@', '\t', '\r']);
    // Le premier caractère est ASCII quand `formule` : la tranche `[1..]` est sûre.
    let nombre = || {
        valeur[1..].chars().all(|c| c.is_ascii_digit() || c == '.')
            && valeur.parse::<f64>().is_ok_and(f64::is_finite)
    };
    if formule && !nombre() {
        Cow::Owned(format!("'{valeur}"))
    } else {
        Cow::Borrowed(valeur)
    }
}

/// Comme [`en_csv`], pour un fichier que l'on ouvre dans un tableur (exports de l'instruction,
/// indicateurs d'un territoire, signataires de la charte) : chaque cellule passe par
/// [`cellule_tableur`].
pub fn en_csv_tableur<T: Serialize>(
    champs: &[&str],
    lignes: impl IntoIterator<Item = T>,
) -> Result<Vec<u8>, ErreurWeb> {
    let brut = en_csv(champs, lignes)?;
    let mut lecteur = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(brut.as_slice());
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for ligne in lecteur.records() {
        let ligne = ligne.contexte("relecture CSV")?;
        w.write_record(ligne.iter().map(|c| cellule_tableur(c).into_owned()))
            .contexte("écriture CSV")?;
    }
    w.into_inner().contexte("écriture CSV")
}

/// Un fichier servi sous un nom : `disposition` vaut `inline` (affiché) ou `attachment`
/// (téléchargé).
pub fn reponse_fichier(
    type_mime: &str,
    disposition: &str,
    nom: &str,
    corps: impl IntoResponse,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, type_mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{nom}\""),
            ),
        ],
        corps,
    )
        .into_response()
}

/// Une liste en JSON, servie en ligne sous un nom de fichier.
pub fn reponse_json<T: Serialize>(nom: &str, valeur: T) -> Response {
    (
        [(
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{nom}\""),
        )],
        Json(valeur),
    )
        .into_response()
}

/// Un schéma JSON publié tel quel.
pub fn reponse_schema(schema: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], schema).into_response()
}

/// Champs d'un schéma de table, pour la page des données ouvertes : (nom, type, description,
/// obligatoire).
pub fn champs_schema(schema: &str) -> Vec<(String, String, String, bool)> {
    let s: serde_json::Value = serde_json::from_str(schema).unwrap_or_default();
    s["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["name"].as_str().unwrap_or_default().to_string(),
                        f["type"].as_str().unwrap_or_default().to_string(),
                        f["description"].as_str().unwrap_or_default().to_string(),
                        f["constraints"]["required"].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Le filtre `?territoire=niveau:code` des données ouvertes et de l'API (issue 17) : le paramètre
/// tel que le décrit le document OpenAPI (la requête est lue par [`perimetre_demande`]).
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ParametreTerritoire {
    /// Territoire `niveau:code` (`departement:16`, `epci:200071827`, `commune:16015`,
    /// `region:75`), répétable : ne garde que ce qui est situé dans l'un d'eux (lieux : par leur
    /// code INSEE, ou leur code postal et leur commune ; titulaires et signataires : par
    /// l'adresse de leur organisation). Un territoire absent du référentiel (COG 2026) est refusé
    /// (400). Sans ce paramètre : tout le territoire national.
    #[param(
        explode = true,
        pattern = "^(commune|epci|departement|region):[0-9A-Za-z]{1,9}$"
    )]
    territoire: Option<Vec<String>>,
}

/// Lit le filtre `territoire=…` (répétable) d'une requête : `Ok(None)` s'il est absent (tout le
/// territoire national), le périmètre qu'il désigne, ou le message français d'un territoire
/// inconnu ou mal écrit.
pub fn perimetre_demande(requete: Option<&str>) -> Result<Option<Perimetre>, String> {
    let valeurs: Vec<String> = form_urlencoded::parse(requete.unwrap_or("").as_bytes())
        .filter(|(k, _)| k == "territoire")
        .map(|(_, v)| v.into_owned())
        .collect();
    if valeurs.is_empty() {
        return Ok(None);
    }
    Perimetre::lire_tous(valeurs.iter().map(String::as_str), Territoires::embarque())
        .map(Some)
        .map_err(|e| format!("territoire : {e}"))
}

/// Une organisation (titulaire, signataire) située par l'adresse de son siège est-elle dans le
/// périmètre demandé ? (Toujours, sans périmètre.)
pub fn organisation_dans(p: Option<&Perimetre>, code_postal: &str, commune: &str) -> bool {
    p.is_none_or(|p| p.contient(&situer_organisation(code_postal, commune)))
}

/// Situe une organisation d'après l'adresse de son siège (comme
/// `DonneesPlateforme::situer_titres`).
pub fn situer_organisation(code_postal: &str, commune: &str) -> Situation {
    Territoires::embarque().situer(None, code_postal, commune)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cellules_neutralisees_pour_un_tableur() {
        for (valeur, attendu) in [
            (
                "=HYPERLINK(\"http://x\";\"clic\")",
                "'=HYPERLINK(\"http://x\";\"clic\")",
            ),
            ("+33 1 23", "'+33 1 23"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-", "'-"),
            ("-1e5", "'-1e5"),
            ("-inf", "'-inf"),
            // Des nombres : pas des formules.
            ("-12", "-12"),
            ("+3.5", "+3.5"),
            // Rien à neutraliser.
            ("", ""),
            ("Association =", "Association ="),
            ("'déjà", "'déjà"),
            ("2026-03-01", "2026-03-01"),
        ] {
            assert_eq!(cellule_tableur(valeur), attendu, "{valeur:?}");
        }
    }

    #[test]
    fn csv_pour_tableur() {
        let octets =
            en_csv_tableur(&["nom", "n"], [("=1+1", -3), ("a,\"b\"", 4), ("\r\n=x", 5)]).unwrap();
        assert_eq!(
            String::from_utf8(octets).unwrap(),
            "nom,n\n'=1+1,-3\n\"a,\"\"b\"\"\",4\n\"'\r\n=x\",5\n"
        );
    }
}
