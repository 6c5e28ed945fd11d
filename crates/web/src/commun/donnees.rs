//! Données ouvertes et exports : écriture CSV, réponses de fichiers (CSV, JSON, schémas), champs
//! d'un schéma de table (Table Schema) pour les pages qui les décrivent.

use std::borrow::Cow;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use reperes_domain::territoires::{Niveau, Perimetre, Situation, Territoires};
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
    /// l'adresse de leur organisation). Un territoire mal écrit est refusé (400), un territoire
    /// absent du référentiel (COG 2026) introuvable (404). Sans ce paramètre : tout le territoire
    /// national.
    #[param(
        explode = true,
        pattern = "^(commune|epci|departement|region):[0-9A-Za-z]{1,9}$"
    )]
    territoire: Option<Vec<String>>,
}

/// Refus du filtre `territoire=` : 400 s'il est mal écrit (il ne suit pas le motif
/// `niveau:code` documenté), 404 s'il est bien écrit mais désigne un territoire absent du
/// référentiel (comme `/territoires/departement/999`) ; avec le message français.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusTerritoire {
    pub statut: StatusCode,
    pub message: String,
}

impl RefusTerritoire {
    /// Réponse de l'API : `{"message": …}`.
    pub fn api(self) -> Response {
        crate::commun::api::erreur_api(self.statut, self.message)
    }

    /// Réponse d'un fichier de données ouvertes : la page 400 « Requête invalide » avec le
    /// message (une réponse 400 en texte brut deviendrait la page générique d'un formulaire mal
    /// formé), ou le message en texte pour un territoire introuvable (404).
    pub fn fichier(self) -> Response {
        if self.statut == StatusCode::BAD_REQUEST {
            return crate::ErreurWeb::Requete(self.message).into_response();
        }
        (
            self.statut,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            self.message,
        )
            .into_response()
    }
}

/// Suit le motif documenté `^(commune|epci|departement|region):[0-9A-Za-z]{1,9}$` ?
fn bien_ecrit(v: &str) -> bool {
    v.split_once(':').is_some_and(|(n, code)| {
        ["commune", "epci", "departement", "region"].contains(&n)
            && (1..=9).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// Lit le filtre `territoire=…` (répétable) d'une requête : `Ok(None)` s'il est absent (tout le
/// territoire national), le périmètre qu'il désigne, ou le refus d'un territoire mal écrit
/// (400) ou inconnu (404), avec son message.
pub fn perimetre_demande(requete: Option<&str>) -> Result<Option<Perimetre>, RefusTerritoire> {
    let valeurs: Vec<String> = form_urlencoded::parse(requete.unwrap_or("").as_bytes())
        .filter(|(k, _)| k == "territoire")
        .map(|(_, v)| v.into_owned())
        .collect();
    if valeurs.is_empty() {
        return Ok(None);
    }
    let referentiel = Territoires::embarque();
    Perimetre::lire_tous(valeurs.iter().map(String::as_str), referentiel)
        .map(Some)
        .map_err(|e| {
            // Tous bien écrits, l'un d'eux absent du référentiel : introuvable.
            let inconnu = valeurs.iter().all(|v| bien_ecrit(v))
                && valeurs.iter().any(|v| {
                    v.split_once(':').is_some_and(|(n, code)| {
                        Niveau::depuis_code(n)
                            .is_some_and(|n| referentiel.territoire(n, code).is_none())
                    })
                });
            RefusTerritoire {
                statut: if inconnu {
                    StatusCode::NOT_FOUND
                } else {
                    StatusCode::BAD_REQUEST
                },
                message: format!("territoire : {e}"),
            }
        })
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
    fn filtre_territoire_lu_ou_refuse() {
        assert_eq!(perimetre_demande(None), Ok(None));
        assert_eq!(perimetre_demande(Some("q=x&page=2")), Ok(None));
        let p = perimetre_demande(Some(
            "territoire=departement%3A16&q=x&territoire=commune:33063",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(p.texte(), "departement:16,commune:33063");
        for (requete, statut) in [
            ("territoire=departement:999", StatusCode::NOT_FOUND),
            ("territoire=commune:0", StatusCode::NOT_FOUND),
            (
                "territoire=departement:16&territoire=epci:123",
                StatusCode::NOT_FOUND,
            ),
            ("territoire=16", StatusCode::BAD_REQUEST),
            ("territoire=", StatusCode::BAD_REQUEST),
            ("territoire=canton:16", StatusCode::BAD_REQUEST),
            ("territoire=commune:1234567890", StatusCode::BAD_REQUEST),
            ("territoire=commune:16%2015", StatusCode::BAD_REQUEST),
            // Mal écrit et inconnu : mal écrit d'abord.
            (
                "territoire=x&territoire=departement:999",
                StatusCode::BAD_REQUEST,
            ),
        ] {
            let e = perimetre_demande(Some(requete)).unwrap_err();
            assert_eq!(e.statut, statut, "{requete} : {}", e.message);
            assert!(e.message.starts_with("territoire : "), "{}", e.message);
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
