//! Le thème visuel, en un seul endroit. Le DSFR est réservé aux services de l'État : un
//! déploiement pour une collectivité ou un hub utilisera un thème neutre, à ajouter ici (feuilles
//! de style, marque de l'en-tête), sans toucher aux gabarits des pages.

/// Thème d'affichage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Système de Design de l'État (ANCT, services de l'État).
    Dsfr,
}

static ACTIF: std::sync::OnceLock<Theme> = std::sync::OnceLock::new();

impl Theme {
    /// Fixe le thème de l'instance (au démarrage ; sans effet s'il l'est déjà).
    pub fn installer(theme: Theme) {
        let _ = ACTIF.set(theme);
    }

    /// Le thème de l'instance (DSFR par défaut).
    pub fn actif() -> Theme {
        ACTIF.get().copied().unwrap_or(Theme::Dsfr)
    }

    /// Thème choisi par la variable `REPERES_THEME` (`dsfr` par défaut).
    pub fn depuis_nom(nom: &str) -> Result<Theme, String> {
        match nom.trim().to_lowercase().as_str() {
            "" | "dsfr" => Ok(Theme::Dsfr),
            autre => Err(format!(
                "thème « {autre} » inconnu (thèmes disponibles : dsfr)"
            )),
        }
    }

    /// Feuilles de style à charger, dans l'ordre.
    pub fn feuilles(self) -> &'static [&'static str] {
        match self {
            Theme::Dsfr => &[
                "/static/vendor/dsfr/dsfr.min.css",
                "/static/css/reperes.css",
            ],
        }
    }

    pub fn favicon(self) -> &'static str {
        match self {
            Theme::Dsfr => "/static/vendor/dsfr/favicon/favicon.svg",
        }
    }

    /// Bloc-marque de l'en-tête : lignes de l'intitulé officiel (vide : pas de bloc-marque).
    pub fn marque(self) -> &'static [&'static str] {
        match self {
            Theme::Dsfr => &["République", "Française"],
        }
    }

    /// Nom de l'opérateur affiché sous le nom du service.
    pub fn operateur(self) -> &'static str {
        match self {
            Theme::Dsfr => {
                "Agence nationale de la cohésion des territoires — programme Société Numérique"
            }
        }
    }
}
