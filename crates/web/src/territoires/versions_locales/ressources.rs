//! Ressources d'une version locale (issue 17), servies par le routeur des pages locales :
//! `/t/{slug}/theme.css` (sa couleur d'accent) et `/t/{slug}/logo` (son logo, type gardé).

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::commun::portee::Portee;
use crate::ErreurWeb;

/// Durée de cache des ressources d'une version (secondes) : courte, l'administrateur peut
/// changer la couleur ou le logo à tout moment sous la même adresse.
const CACHE: &str = "public, max-age=300";

/// `#rrggbb` assombri (`facteur` < 1) : survol et appui des boutons, plus contrastés encore
/// avec le blanc que la couleur elle-même.
fn assombrir(hex: &str, facteur: f64) -> String {
    let h = hex.trim_start_matches('#');
    let c = |i: usize| {
        let v = u8::from_str_radix(h.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
        (v as f64 * facteur).round() as u8
    };
    format!("#{:02x}{:02x}{:02x}", c(0), c(2), c(4))
}

/// La feuille de la couleur d'accent, selon le thème : variables `--reperes-accent` et
/// `--reperes-accent-texte` (lues par le thème neutre) ; pour le DSFR, ses variables des
/// boutons et des liens.
pub fn feuille(couleur: &str, theme: &str) -> String {
    let survol = assombrir(couleur, 0.85);
    let appui = assombrir(couleur, 0.7);
    let mut css = format!(
        "/* Couleur d'accent de la version locale (contraste avec le blanc contrôlé à la saisie). */\n\
         :root {{\n  --reperes-accent: {couleur};\n  --reperes-accent-survol: {survol};\n  \
         --reperes-accent-appui: {appui};\n  --reperes-accent-texte: #ffffff;\n}}\n"
    );
    if theme == "dsfr" {
        css.push_str(&format!(
            ":root, :root[data-fr-theme] {{\n  \
             --background-action-high-blue-france: {couleur};\n  \
             --background-action-high-blue-france-hover: {survol};\n  \
             --background-action-high-blue-france-active: {appui};\n  \
             --text-action-high-blue-france: {couleur};\n  \
             --border-action-high-blue-france: {couleur};\n  \
             --text-active-blue-france: {couleur};\n  \
             --border-active-blue-france: {couleur};\n}}\n"
        ));
    }
    css
}

/// `GET /t/{slug}/theme.css` : 404 si la version n'a pas de couleur (ses pages ne la lient pas).
pub async fn theme_css(portee: Portee) -> Result<Response, ErreurWeb> {
    let v = portee.locale.ok_or(ErreurWeb::Introuvable)?;
    let couleur = v.couleur.as_deref().ok_or(ErreurWeb::Introuvable)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        feuille(couleur, &v.theme),
    )
        .into_response())
}

/// `GET /t/{slug}/logo` : le logo, avec le type reconnu à l'envoi (`nosniff` est posé sur toute
/// réponse par `securite::entetes`).
pub async fn logo(
    axum::extract::State(etat): axum::extract::State<crate::Etat>,
    portee: Portee,
) -> Result<Response, ErreurWeb> {
    let v = portee.locale.ok_or(ErreurWeb::Introuvable)?;
    let (octets, mime) = etat
        .store
        .logo_version_locale(&v.id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, CACHE.to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        Body::from(octets),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feuilles() {
        let n = feuille("#1d4ed8", "neutre");
        assert!(n.contains("--reperes-accent: #1d4ed8;"));
        assert!(n.contains("--reperes-accent-texte: #ffffff;"));
        assert!(!n.contains("blue-france"));
        let d = feuille("#1d4ed8", "dsfr");
        assert!(d.contains("--background-action-high-blue-france: #1d4ed8;"));
        assert!(d.contains("--text-action-high-blue-france: #1d4ed8;"));
        assert_eq!(assombrir("#ff8000", 0.5), "#804000");
    }
}
