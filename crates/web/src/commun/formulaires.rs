//! Briques de formulaires : champs génériques, erreurs rattachées aux champs, pages simples.

use askama::Template;
use axum::http::{HeaderName, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use reperes_domain::saisie::ErreurChamp;
use serde::Deserialize;

use crate::commun::cadre::Cadre;
use crate::ErreurWeb;

/// Un champ de formulaire.
#[derive(Debug, Clone, Default)]
pub struct Champ {
    pub nom: &'static str,
    pub libelle: String,
    /// `text`, `email`, `password`, `date`, `textarea`, `select`.
    pub genre: &'static str,
    pub valeur: String,
    pub aide: Option<String>,
    pub erreur: Option<String>,
    pub options: Vec<(String, String)>,
    pub autocomplete: Option<&'static str>,
}

impl Champ {
    pub fn new(nom: &'static str, libelle: &str, genre: &'static str) -> Champ {
        Champ {
            nom,
            libelle: libelle.into(),
            genre,
            ..Default::default()
        }
    }
    pub fn valeur(mut self, v: &str) -> Champ {
        self.valeur = v.into();
        self
    }
    pub fn aide(mut self, a: &str) -> Champ {
        self.aide = Some(a.into());
        self
    }
    pub fn options(mut self, o: Vec<(String, String)>) -> Champ {
        self.options = o;
        self
    }
    pub fn autocomplete(mut self, a: &'static str) -> Champ {
        self.autocomplete = Some(a);
        self
    }
}

/// Reporte les erreurs sur leurs champs.
pub fn rattacher(champs: &mut [Champ], erreurs: &[ErreurChamp]) {
    for c in champs.iter_mut() {
        c.erreur = erreurs
            .iter()
            .find(|e| e.champ == c.nom)
            .map(|e| e.message.clone());
    }
}

pub fn erreur(champ: &'static str, message: impl Into<String>) -> ErreurChamp {
    ErreurChamp {
        champ,
        message: message.into(),
    }
}

#[derive(Template)]
#[template(path = "commun/formulaire_simple.html")]
pub struct FormulaireSimple {
    pub cadre: Cadre,
    pub intro: Option<String>,
    pub action: String,
    pub champs: Vec<Champ>,
    pub erreurs: Vec<ErreurChamp>,
    pub bouton: &'static str,
    pub liens: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "commun/information.html")]
pub struct Information {
    pub cadre: Cadre,
    pub paragraphes: Vec<String>,
    pub liens: Vec<(String, String)>,
}

/// Rend une page ; pose le cookie de session s'il vient d'être ouvert. Une page de formulaire en
/// erreur est rendue avec le statut 422.
pub fn page(
    t: &impl Template,
    entete: Option<(HeaderName, HeaderValue)>,
    en_erreur: bool,
) -> Result<Response, ErreurWeb> {
    let mut r = Html(t.render()?).into_response();
    if en_erreur {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    if let Some((k, v)) = entete {
        r.headers_mut().append(k, v);
    }
    Ok(r)
}

/// Un formulaire qui ne porte que son jeton CSRF (boutons d'action).
#[derive(Deserialize)]
pub struct FormCsrf {
    #[serde(rename = "_csrf", default)]
    pub csrf: String,
}
