//! Versions locales de la carte (issue 17) : un département, une intercommunalité ou un hub
//! publie sur son site la carte des lieux de **son** territoire, à son nom, avec son logo, sa
//! couleur et son thème, servie sous `/t/{slug}/…` et intégrable dans une iframe depuis les
//! origines qu'il déclare. Ce module décrit une version locale et contrôle sa saisie (adresse,
//! nom, périmètre, couleur et son contraste, thème, origines) ; le stockage est dans
//! `reperes_store::versions_locales`, les pages dans le web.

use serde::Serialize;

use crate::territoires::{Perimetre, Territoires};

/// Thèmes qu'une version locale peut prendre. Le DSFR est réservé aux services de l'État ; le
/// thème neutre sert les collectivités, associations et hubs (défaut).
pub const THEMES: [(&str, &str); 2] = [
    ("neutre", "Neutre (collectivités, associations, hubs)"),
    (
        "dsfr",
        "Système de design de l'État (services de l'État seulement)",
    ),
];

/// Origines d'intégration au plus par version.
pub const ORIGINES_MAX: usize = 20;

/// Contraste minimal de la couleur d'accent avec le blanc (WCAG 2.1, critère 1.4.3 : texte
/// normal) : elle sert de fond aux boutons (texte blanc) et de couleur aux liens (sur blanc).
pub const CONTRASTE_MIN: f64 = 4.5;

/// Une version locale enregistrée.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionLocale {
    pub id: String,
    /// Adresse : `/t/{slug}/…`.
    pub slug: String,
    pub nom: String,
    pub perimetre: Perimetre,
    /// Couleur d'accent `#rrggbb` (contraste contrôlé), ou celle du thème.
    pub couleur: Option<String>,
    /// `neutre` ou `dsfr` (voir [`THEMES`]).
    pub theme: String,
    /// Origines autorisées à l'intégrer dans une iframe (`https://exemple.fr`).
    pub origines: Vec<String>,
    /// Type MIME du logo, s'il y en a un (le logo est lu à part).
    pub logo_type: Option<String>,
    /// Désactivée : ses adresses répondent 404.
    pub active: bool,
}

impl VersionLocale {
    /// Chemin de base : `/t/charente`.
    pub fn prefixe(&self) -> String {
        format!("/t/{}", self.slug)
    }

    /// La valeur de la directive CSP `frame-ancestors` de ses pages : `'self'` et ses origines.
    pub fn frame_ancestors(&self) -> String {
        std::iter::once("'self'".to_string())
            .chain(self.origines.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Ce que l'administrateur saisit (formulaire), tel quel.
#[derive(Debug, Clone, Default)]
pub struct SaisieVersionLocale {
    pub slug: String,
    pub nom: String,
    pub perimetre: String,
    pub couleur: String,
    pub theme: String,
    pub origines: String,
}

/// Une saisie contrôlée, prête à enregistrer.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionValidee {
    pub slug: String,
    pub nom: String,
    pub perimetre: Perimetre,
    pub couleur: Option<String>,
    pub theme: String,
    pub origines: Vec<String>,
}

/// Erreurs de saisie : (champ, message en français).
pub type ErreursSaisie = Vec<(&'static str, String)>;

impl SaisieVersionLocale {
    /// Contrôle chaque champ ; toutes les erreurs sont rendues ensemble.
    pub fn valider(&self, territoires: &Territoires) -> Result<VersionValidee, ErreursSaisie> {
        let mut erreurs: ErreursSaisie = Vec::new();
        let slug = self.slug.trim().to_lowercase();
        if let Err(e) = controler_slug(&slug) {
            erreurs.push(("slug", e));
        }
        let nom = self.nom.trim().to_string();
        if nom.is_empty() {
            erreurs.push(("nom", "Indiquez le nom de la version locale.".into()));
        } else if nom.chars().count() > 120 {
            erreurs.push(("nom", "120 caractères au plus.".into()));
        }
        let perimetre = match Perimetre::lire(&self.perimetre, territoires) {
            Ok(p) => Some(p),
            Err(e) => {
                erreurs.push(("perimetre", format!("Périmètre : {e}.")));
                None
            }
        };
        let couleur = match lire_couleur(&self.couleur) {
            Ok(c) => c,
            Err(e) => {
                erreurs.push(("couleur", e));
                None
            }
        };
        let theme = match self.theme.trim() {
            "" => "neutre".to_string(),
            t if THEMES.iter().any(|(c, _)| *c == t) => t.to_string(),
            t => {
                erreurs.push(("theme", format!("Thème « {t} » inconnu : neutre ou dsfr.")));
                String::new()
            }
        };
        let origines = match lire_origines(&self.origines) {
            Ok(o) => o,
            Err(e) => {
                erreurs.push(("origines", e));
                Vec::new()
            }
        };
        match (erreurs.is_empty(), perimetre) {
            (true, Some(perimetre)) => Ok(VersionValidee {
                slug,
                nom,
                perimetre,
                couleur,
                theme,
                origines,
            }),
            _ => Err(erreurs),
        }
    }
}

/// L'adresse courte : 2 à 40 caractères, minuscules sans accents, chiffres et tirets
/// (`charente`, `grand-angouleme`).
pub fn controler_slug(slug: &str) -> Result<(), String> {
    let ok_car = slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if slug.len() < 2 || slug.len() > 40 || !ok_car {
        return Err("Adresse : 2 à 40 caractères, lettres minuscules sans accents, chiffres et tirets (par exemple « charente »).".into());
    }
    if slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
        return Err("Adresse : pas de tiret au début, à la fin, ni deux tirets de suite.".into());
    }
    Ok(())
}

/// `#rrggbb` (ou `rrggbb`, `#rgb`) → `#rrggbb` en minuscules ; vide → aucune. Refusée si son
/// contraste avec le blanc est sous [`CONTRASTE_MIN`].
pub fn lire_couleur(saisie: &str) -> Result<Option<String>, String> {
    let s = saisie.trim().trim_start_matches('#').to_lowercase();
    if s.is_empty() {
        return Ok(None);
    }
    let hex = match s.len() {
        3 => s.chars().flat_map(|c| [c, c]).collect::<String>(),
        6 => s,
        _ => String::new(),
    };
    let Some(rgb) = composantes(&hex) else {
        return Err(format!(
            "Couleur « {} » : écrivez-la en hexadécimal, par exemple #1d4ed8.",
            saisie.trim()
        ));
    };
    let c = contraste(rgb, (255, 255, 255));
    if c < CONTRASTE_MIN {
        return Err(format!(
            "Couleur #{hex} : contraste de {} avec le blanc, {} au moins est exigé (RGAA 3.2, WCAG 1.4.3). Choisissez une couleur plus foncée.",
            format_ratio(c),
            format_ratio(CONTRASTE_MIN)
        ));
    }
    Ok(Some(format!("#{hex}")))
}

fn format_ratio(r: f64) -> String {
    format!("{:.2}:1", (r * 100.0).floor() / 100.0).replace('.', ",")
}

fn composantes(hex: &str) -> Option<(u8, u8, u8)> {
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let p = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some((p(0)?, p(2)?, p(4)?))
}

/// Luminance relative (WCAG 2.1).
fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let c = |v: u8| {
        let s = v as f64 / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b)
}

/// Rapport de contraste entre deux couleurs (1 à 21).
pub fn contraste(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// Origines d'intégration, une par ligne (ou séparées par des blancs ou des virgules) :
/// `https://hote[:port]`, sans chemin ; `http://` seulement pour `localhost` et `127.0.0.1`
/// (essais). Vide : la version n'est intégrable que par le site lui-même.
pub fn lire_origines(saisie: &str) -> Result<Vec<String>, String> {
    let mut v: Vec<String> = Vec::new();
    for brut in saisie
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let o = controler_origine(brut)?;
        if !v.contains(&o) {
            v.push(o);
        }
    }
    if v.len() > ORIGINES_MAX {
        return Err(format!("Origines : {ORIGINES_MAX} au plus."));
    }
    Ok(v)
}

fn controler_origine(brut: &str) -> Result<String, String> {
    let erreur = |pourquoi: &str| {
        Err(format!(
            "Origine « {brut} » : {pourquoi} Écrivez par exemple https://www.charente.fr (sans chemin)."
        ))
    };
    let o = brut.trim_end_matches('/').to_lowercase();
    let (schema, reste) = match o.split_once("://") {
        Some(x) => x,
        None => return erreur("il manque https://."),
    };
    if reste.is_empty() || reste.contains(['/', '?', '#', '@', '*', '\'', '"', ';', ' ']) {
        return erreur("seuls le schéma, l'hôte et le port sont permis.");
    }
    let (hote, port) = match reste.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, Some(p)),
        _ => (reste, None),
    };
    if let Some(p) = port {
        if p.parse::<u16>().map_or(true, |p| p == 0) {
            return erreur("le port doit être un nombre de 1 à 65535.");
        }
    }
    let hote_ok = !hote.is_empty()
        && hote.len() <= 253
        && hote
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !hote_ok {
        return erreur("nom d'hôte invalide.");
    }
    match schema {
        "https" => {}
        "http" if hote == "localhost" || hote == "127.0.0.1" => {}
        "http" => return erreur("le site qui intègre la carte doit être servi en https."),
        _ => return erreur("seuls https:// (et http:// sur localhost) sont permis."),
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saisie() -> SaisieVersionLocale {
        SaisieVersionLocale {
            slug: " Charente ".into(),
            nom: "Carte de la Charente".into(),
            perimetre: "departement:16".into(),
            couleur: "#1D4ED8".into(),
            theme: String::new(),
            origines: "https://www.charente.fr/\nhttp://localhost:8000, https://www.charente.fr"
                .into(),
        }
    }

    #[test]
    fn une_saisie_valide() {
        let v = saisie().valider(Territoires::embarque()).unwrap();
        assert_eq!(v.slug, "charente");
        assert_eq!(v.couleur.as_deref(), Some("#1d4ed8"));
        assert_eq!(v.theme, "neutre");
        assert_eq!(
            v.origines,
            ["https://www.charente.fr", "http://localhost:8000"]
        );
        assert_eq!(v.perimetre.territoires[0].nom, "Charente");
    }

    #[test]
    fn toutes_les_erreurs_ensemble() {
        let s = SaisieVersionLocale {
            slug: "Été".into(),
            nom: " ".into(),
            perimetre: "departement:00".into(),
            couleur: "#ffff00".into(),
            theme: "rose".into(),
            origines: "http://www.charente.fr".into(),
        };
        let e = s.valider(Territoires::embarque()).unwrap_err();
        let champs: Vec<&str> = e.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            champs,
            ["slug", "nom", "perimetre", "couleur", "theme", "origines"]
        );
        assert!(e[3].1.contains("contraste de 1,07:1"), "{}", e[3].1);
        assert!(e[5].1.contains("https"), "{}", e[5].1);
    }

    #[test]
    fn contrastes_connus() {
        // Valeurs de référence (calculateur de contraste du W3C).
        let blanc = (255, 255, 255);
        assert!((contraste((0, 0, 0), blanc) - 21.0).abs() < 1e-9);
        assert!((contraste(blanc, blanc) - 1.0).abs() < 1e-9);
        // #767676 : le gris le plus clair qui passe sur blanc (4,54:1) ; #777777 échoue (4,48:1).
        assert!(contraste((0x76, 0x76, 0x76), blanc) >= 4.5);
        assert!(contraste((0x77, 0x77, 0x77), blanc) < 4.5);
        // Bleu France du DSFR #000091 : L = 0,0722 × ((145/255 + 0,055)/1,055)^2,4 ≈ 0,0204,
        // (1,05)/(0,0704) ≈ 14,9:1 (calcul à la main).
        let c = contraste((0, 0, 0x91), blanc);
        assert!((14.8..15.0).contains(&c), "{c}");
        assert_eq!(lire_couleur("").unwrap(), None);
        assert_eq!(lire_couleur("000").unwrap().as_deref(), Some("#000000"));
        assert!(lire_couleur("#777777").is_err());
        assert!(lire_couleur("#12345g").is_err());
    }

    #[test]
    fn adresses_et_origines() {
        for ok in ["charente", "grand-angouleme", "cd16", "a1"] {
            assert!(controler_slug(ok).is_ok(), "{ok}");
        }
        for ko in [
            "a",
            "-charente",
            "charente-",
            "char--ente",
            "charente/16",
            "x".repeat(41).as_str(),
        ] {
            assert!(controler_slug(ko).is_err(), "{ko}");
        }
        assert_eq!(
            lire_origines("https://Exemple.FR:8443/").unwrap(),
            ["https://exemple.fr:8443"]
        );
        assert_eq!(
            lire_origines("http://127.0.0.1:41234").unwrap(),
            ["http://127.0.0.1:41234"]
        );
        for ko in [
            "exemple.fr",
            "https://exemple.fr/chemin",
            "https://*.exemple.fr",
            "https://exemple.fr:0",
            "https://exemple.fr:99999",
            "ftp://exemple.fr",
            "https://exem ple.fr",
            "https://'self'",
            "http://exemple.fr",
        ] {
            assert!(lire_origines(ko).is_err(), "{ko}");
        }
        let v = VersionLocale {
            id: "1".into(),
            slug: "charente".into(),
            nom: "Charente".into(),
            perimetre: Perimetre::default(),
            couleur: None,
            theme: "neutre".into(),
            origines: vec!["https://www.charente.fr".into()],
            logo_type: None,
            active: true,
        };
        assert_eq!(v.frame_ancestors(), "'self' https://www.charente.fr");
        assert_eq!(v.prefixe(), "/t/charente");
    }
}
