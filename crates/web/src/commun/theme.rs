//! Le thème visuel, en un seul endroit. Le DSFR est réservé aux services de l'État ; le thème
//! neutre (`REPERES_THEME=neutre`, et par version locale) sert les collectivités, associations et
//! hubs : ni bloc « République française », ni police Marianne, ni fichier du DSFR ; sa propre
//! feuille de style (polices du système) habille les mêmes gabarits et les mêmes classes.

/// Thème d'affichage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Système de Design de l'État (ANCT, services de l'État).
    Dsfr,
    /// Thème neutre (collectivités, associations, hubs).
    Neutre,
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
}
