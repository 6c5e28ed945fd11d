//! Source des tuiles de la carte des lieux (issue 17) : `REPERES_TUILES`, un modèle d'adresse
//! XYZ de tuiles raster (`https://…/{z}/{x}/{y}.png`, `{s}` permis pour les sous-domaines
//! a, b, c), et `REPERES_TUILES_ATTRIBUTION`, la mention due au fournisseur (obligatoire). Sans
//! réglage, aucune page ne montre de carte ni ne charge Leaflet. Voir `docs/carte.md`.
//!
//! Partagé par les pages des lieux (bloc carte) et les en-têtes de sécurité (`img-src` de la CSP
//! reçoit l'origine des tuiles).

/// Sous-domaines que Leaflet substitue à `{s}` par défaut.
pub const SOUS_DOMAINES: [&str; 3] = ["a", "b", "c"];

/// Une source de tuiles contrôlée.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tuiles {
    /// Le modèle d'adresse, tel que Leaflet le lit (`{z}`, `{x}`, `{y}`, `{s}`).
    pub modele: String,
    /// La mention du fournisseur, affichée en texte sur la carte.
    pub attribution: String,
    /// Les origines d'où viennent les tuiles (`https://a.tile.example` …), pour `img-src`.
    pub origines: Vec<String>,
}

impl Tuiles {
    /// Lit le réglage : `None` sans modèle (pas de carte) ; une erreur en français si le modèle
    /// ne convient pas ou si l'attribution manque.
    pub fn lire(modele: Option<&str>, attribution: Option<&str>) -> Result<Option<Tuiles>, String> {
        let modele = modele.map(str::trim).unwrap_or("");
        if modele.is_empty() {
            return Ok(None);
        }
        let (schema, reste) = modele.split_once("://").ok_or_else(|| {
            format!("REPERES_TUILES : « {modele} » n'est pas une adresse http(s)://…")
        })?;
        let schema = schema.to_ascii_lowercase();
        if schema != "http" && schema != "https" {
            return Err(format!(
                "REPERES_TUILES : le schéma « {schema} » n'est pas permis ; l'adresse des tuiles commence par https:// (ou http://)."
            ));
        }
        let chemin_sans_requete = modele.split(['?', '#']).next().unwrap_or(modele);
        if chemin_sans_requete.to_ascii_lowercase().ends_with(".json") {
            return Err(
                "REPERES_TUILES : une URL de style vectoriel (.json) n'est pas prise en charge ; la carte (Leaflet) affiche des tuiles raster : donnez un modèle XYZ comme https://tuiles.exemple.fr/{z}/{x}/{y}.png."
                    .into(),
            );
        }
        let manquants: Vec<&str> = ["{z}", "{x}", "{y}"]
            .into_iter()
            .filter(|m| !modele.contains(m))
            .collect();
        if !manquants.is_empty() {
            return Err(format!(
                "REPERES_TUILES : le modèle doit contenir {{z}}, {{x}} et {{y}} (il manque {}) ; par exemple https://tuiles.exemple.fr/{{z}}/{{x}}/{{y}}.png.",
                manquants.join(", ")
            ));
        }
        if modele
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | ';' | ','))
        {
            return Err(
                "REPERES_TUILES : le modèle contient un blanc, un guillemet, une virgule ou un point-virgule."
                    .into(),
            );
        }
        let hote = reste.split(['/', '?', '#']).next().unwrap_or("");
        if hote.is_empty() || hote.contains('@') || hote.replace("{s}", "").contains(['{', '}']) {
            return Err(format!(
                "REPERES_TUILES : l'hôte de « {modele} » est vide ou invalide (seul {{s}} y est permis)."
            ));
        }
        let attribution = attribution.map(str::trim).unwrap_or("");
        if attribution.is_empty() {
            return Err(
                "REPERES_TUILES_ATTRIBUTION est obligatoire avec REPERES_TUILES : la mention due au fournisseur des tuiles (par exemple « © les contributeurs d'OpenStreetMap »)."
                    .into(),
            );
        }
        let origines = if hote.contains("{s}") {
            SOUS_DOMAINES
                .iter()
                .map(|s| format!("{schema}://{}", hote.replace("{s}", s).to_ascii_lowercase()))
                .collect()
        } else {
            vec![format!("{schema}://{}", hote.to_ascii_lowercase())]
        };
        Ok(Some(Tuiles {
            modele: modele.to_string(),
            attribution: attribution.to_string(),
            origines,
        }))
    }

    /// Les origines, séparées par des espaces (source `img-src` de la CSP).
    pub fn sources_csp(&self) -> String {
        self.origines.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn erreur(m: &str, a: Option<&str>) -> String {
        Tuiles::lire(Some(m), a).unwrap_err()
    }

    #[test]
    fn sans_modele_pas_de_carte() {
        assert_eq!(Tuiles::lire(None, None), Ok(None));
        assert_eq!(Tuiles::lire(Some("  "), Some("x")), Ok(None));
    }

    #[test]
    fn modele_xyz_accepte_avec_ses_origines() {
        let t = Tuiles::lire(
            Some("https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
            Some("© OpenStreetMap"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(t.origines, vec!["https://tile.openstreetmap.org"]);
        assert_eq!(t.attribution, "© OpenStreetMap");
        let t = Tuiles::lire(
            Some("http://{s}.tuiles.local:8099/{z}/{x}/{y}.png?cle=1"),
            Some("Essai"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            t.sources_csp(),
            "http://a.tuiles.local:8099 http://b.tuiles.local:8099 http://c.tuiles.local:8099"
        );
    }

    #[test]
    fn reglages_refuses() {
        assert!(erreur("https://tuiles.fr/{z}/{x}.png", Some("a")).contains("il manque {y}"));
        assert!(erreur("ftp://tuiles.fr/{z}/{x}/{y}.png", Some("a")).contains("schéma « ftp »"));
        assert!(erreur("tuiles.fr/{z}/{x}/{y}.png", Some("a")).contains("http(s)"));
        assert!(
            erreur("https://tuiles.fr/styles/osm-bright/style.json", Some("a"))
                .contains("style vectoriel (.json)")
        );
        assert!(erreur("https://tuiles.fr/{z}/{x}/{y}.png", None)
            .contains("REPERES_TUILES_ATTRIBUTION est obligatoire"));
        assert!(erreur("https://tuiles.fr/{z}/{x}/{y}.png", Some("  "))
            .contains("REPERES_TUILES_ATTRIBUTION est obligatoire"));
        assert!(erreur("https://t'.fr/{z}/{x}/{y}.png", Some("a")).contains("guillemet"));
        assert!(erreur("https://{z}.fr/{z}/{x}/{y}.png", Some("a")).contains("hôte"));
        assert!(erreur("https:///{z}/{x}/{y}.png", Some("a")).contains("hôte"));
    }
}
