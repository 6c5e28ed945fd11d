//! Le thème visuel, en un seul endroit. Le DSFR est réservé aux services de l'État ; le thème
//! neutre (`REPERES_THEME=neutre`, et par version locale) sert les collectivités, associations et
//! hubs : ni bloc « République française », ni police Marianne, ni fichier du DSFR ; sa propre
//! feuille de style (polices du système) habille les mêmes gabarits et les mêmes classes.
//!
//! Le thème d'une page vient de la configuration de l'application (`Config::theme`) ou de la
//! version locale qui la sert, par la portée de la requête (`Visiteur::portee`, `Cadre::pour`) :
//! aucun état global, si bien que des applications de thèmes différents cohabitent dans un même
//! processus (tests). Ce qui diffère d'un thème à l'autre est ici, et nulle part ailleurs :
//! feuilles, icône, bloc-marque, opérateur, attributs propres au DSFR. Voir `docs/themes.md`.

/// Thème d'affichage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Système de Design de l'État (ANCT, services de l'État).
    #[default]
    Dsfr,
    /// Thème neutre (collectivités, associations, hubs).
    Neutre,
}

/// Les thèmes disponibles, dans l'ordre où on les présente.
pub const THEMES: [Theme; 2] = [Theme::Dsfr, Theme::Neutre];

impl Theme {
    /// Thème choisi par la variable `REPERES_THEME` (`dsfr` par défaut).
    pub fn depuis_nom(nom: &str) -> Result<Theme, String> {
        match nom.trim().to_lowercase().as_str() {
            "" | "dsfr" => Ok(Theme::Dsfr),
            "neutre" => Ok(Theme::Neutre),
            autre => Err(format!(
                "thème « {autre} » inconnu (thèmes disponibles : dsfr, neutre)"
            )),
        }
    }

    /// Nom du thème (`dsfr`, `neutre`).
    pub fn nom(self) -> &'static str {
        match self {
            Theme::Dsfr => "dsfr",
            Theme::Neutre => "neutre",
        }
    }

    /// Feuilles de style à charger, dans l'ordre.
    pub fn feuilles(self) -> &'static [&'static str] {
        match self {
            Theme::Dsfr => &[
                "/static/vendor/dsfr/dsfr.min.css",
                "/static/css/reperes.css",
            ],
            Theme::Neutre => &["/static/css/neutre.css", "/static/css/reperes.css"],
        }
    }

    /// Icône de l'onglet (SVG).
    pub fn favicon(self) -> &'static str {
        match self {
            Theme::Dsfr => "/static/vendor/dsfr/favicon/favicon.svg",
            Theme::Neutre => "/static/img/favicon-neutre.svg",
        }
    }

    /// Bloc-marque de l'en-tête : lignes de l'intitulé officiel (vide : pas de bloc-marque).
    pub fn marque(self) -> &'static [&'static str] {
        match self {
            Theme::Dsfr => &["République", "Française"],
            Theme::Neutre => &[],
        }
    }

    /// Nom de l'opérateur affiché sous le nom du service.
    pub fn operateur(self) -> &'static str {
        match self {
            Theme::Dsfr => {
                "Agence nationale de la cohésion des territoires — programme Société Numérique"
            }
            Theme::Neutre => "Plateforme de l'inclusion numérique",
        }
    }

    /// Valeur de l'attribut `data-fr-scheme` de `<html>` (jeu de couleurs du DSFR) ; aucun
    /// attribut en thème neutre.
    pub fn schema(self) -> Option<&'static str> {
        match self {
            Theme::Dsfr => Some("light"),
            Theme::Neutre => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noms_et_lecture() {
        for t in THEMES {
            assert_eq!(Theme::depuis_nom(t.nom()), Ok(t));
        }
        assert_eq!(Theme::depuis_nom(" Neutre "), Ok(Theme::Neutre));
        assert_eq!(Theme::depuis_nom(""), Ok(Theme::Dsfr));
        assert_eq!(
            Theme::depuis_nom("marianne"),
            Err("thème « marianne » inconnu (thèmes disponibles : dsfr, neutre)".to_string())
        );
    }

    #[test]
    fn le_theme_neutre_ne_charge_rien_du_dsfr() {
        let n = Theme::Neutre;
        assert!(n.feuilles().iter().all(|f| !f.contains("dsfr")));
        assert!(!n.favicon().contains("dsfr"));
        assert!(n.marque().is_empty());
        assert_eq!(n.schema(), None);
        assert!(!n.operateur().contains("Agence nationale"));
        assert_eq!(Theme::Dsfr.marque(), ["République", "Française"]);
        assert_eq!(
            Theme::Dsfr.feuilles()[0],
            "/static/vendor/dsfr/dsfr.min.css"
        );
    }
}
