//! Mode « compatible » : accepter ce qu'accepte la bibliothèque de référence de la cartographie
//! nationale (`@gouvfr-anct/lieux-de-mediation-numerique`), plus souple que le schéma sur
//! quelques champs. Les écarts au schéma officiel sont une donnée
//! (`schemas/lieux/mode-compatible.toml`), appliquée au schéma publié ; les valeurs que la
//! bibliothèque accepte sous une autre forme (téléphone avec espaces) sont ramenées à la forme
//! officielle, ce qui garde l'export conforme au schéma.

use std::collections::BTreeMap;

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use super::{valeur, Enregistrement, SchemaTable, TypeChamp};

/// Les écarts embarqués.
pub const MODE_COMPATIBLE: &str = include_str!("../../../../schemas/lieux/mode-compatible.toml");

static COMPATIBLE: std::sync::LazyLock<Compatible> = std::sync::LazyLock::new(|| {
    Compatible::depuis_toml(MODE_COMPATIBLE)
        .expect("les règles du mode compatible sont valides (testé)")
});

static SCHEMA_NATIONAL_COMPATIBLE: std::sync::LazyLock<SchemaTable> =
    std::sync::LazyLock::new(|| COMPATIBLE.schema(super::schema_national_statique()));

/// Écart d'un champ au schéma officiel.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Ecart {
    /// Nouveau motif ; vide : aucun motif.
    pub motif: Option<String>,
    /// Nouvelle longueur maximale ; 0 : aucune.
    pub longueur_max: Option<usize>,
    pub obligatoire: Option<bool>,
    /// « texte » : la valeur n'est plus contrôlée par son type (date, nombre).
    #[serde(rename = "type")]
    pub type_champ: Option<String>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    /// Pourquoi (règle de la bibliothèque, fichier et fonction).
    #[serde(default)]
    pub raison: String,
}

/// Règles du mode compatible.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compatible {
    pub bibliotheque: String,
    pub version: String,
    #[serde(default)]
    pub champs: BTreeMap<String, Ecart>,
    /// Ramener les numéros français écrits avec espaces, points ou tirets à la forme E.164.
    #[serde(default)]
    pub telephone_e164: bool,
    /// Champs non contrôlés quand le lieu n'a pas de services.
    #[serde(default)]
    pub non_controles_sans_services: Vec<String>,
    /// Latitude et longitude contrôlées seulement si les deux sont présentes.
    #[serde(default)]
    pub coordonnees_en_paire: bool,
}

impl Compatible {
    /// Les règles embarquées (lues une seule fois par processus ; copie bon marché).
    pub fn embarque() -> Compatible {
        COMPATIBLE.clone()
    }

    /// Les règles embarquées, sans copie.
    pub fn embarque_statique() -> &'static Compatible {
        &COMPATIBLE
    }

    /// Le schéma national, écarts embarqués appliqués : motifs compilés une seule fois par
    /// processus.
    pub fn schema_national() -> &'static SchemaTable {
        &SCHEMA_NATIONAL_COMPATIBLE
    }

    pub fn depuis_toml(texte: &str) -> Result<Compatible, String> {
        toml::from_str(texte).map_err(|e| format!("règles du mode compatible : {e}"))
    }

    /// Le schéma officiel, écarts appliqués.
    pub fn schema(&self, officiel: &SchemaTable) -> SchemaTable {
        let mut s = officiel.clone();
        for c in &mut s.champs {
            let Some(e) = self.champs.get(&c.nom) else {
                continue;
            };
            if let Some(m) = &e.motif {
                c.motif = if m.is_empty() {
                    None
                } else {
                    Regex::new(&format!("^(?:{m})$"))
                        .ok()
                        .map(|r| (m.clone(), r))
                };
            }
            if let Some(n) = e.longueur_max {
                c.longueur_max = (n > 0).then_some(n);
            }
            if let Some(o) = e.obligatoire {
                c.obligatoire = o;
            }
            if e.type_champ.as_deref() == Some("texte") {
                c.type_champ = TypeChamp::Texte;
            }
            if e.minimum.is_some() {
                c.minimum = e.minimum;
            }
            if e.maximum.is_some() {
                c.maximum = e.maximum;
            }
        }
        s
    }

    /// Un problème trouvé avec le schéma relâché compte-t-il pour cet enregistrement ?
    pub fn compte(&self, e: &Enregistrement, champ: &str) -> bool {
        if valeur(e, "services").is_none()
            && self.non_controles_sans_services.iter().any(|c| c == champ)
        {
            return false;
        }
        if self.coordonnees_en_paire
            && matches!(champ, "latitude" | "longitude")
            && (valeur(e, "latitude").is_none() || valeur(e, "longitude").is_none())
        {
            return false;
        }
        true
    }

    /// Ramène un enregistrement à la forme officielle quand c'est sans perte.
    pub fn normaliser(&self, mut e: Enregistrement) -> Enregistrement {
        if self.telephone_e164 {
            if let Some(t) = valeur(&e, "telephone") {
                if let Some(n) = telephone_e164(&t) {
                    e.insert("telephone".into(), Value::String(n));
                }
            }
        }
        e
    }
}

/// « 05 45 12 34 56 », « 05.45.12.34.56 », « +33 5 45 12 34 56 » → « +33545123456 ». Les
/// numéros des outre-mer gardent leur indicatif (0590… → +590…). Rend None si le numéro
/// n'a pas une forme française reconnue.
pub fn telephone_e164(t: &str) -> Option<String> {
    // « +33 (0)5 … » : le 0 entre parenthèses ne se compose pas depuis l'étranger.
    let sans_zero = t.replace("(0)", "");
    let chiffres: String = sans_zero
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-' | '\u{feff}')))
        .collect();
    let chiffres = match chiffres.strip_prefix("00") {
        Some(reste) => format!("+{reste}"),
        None => chiffres,
    };
    if let Some(reste) = chiffres.strip_prefix('+') {
        return (reste.chars().all(|c| c.is_ascii_digit())
            && (8..=12).contains(&reste.len())
            && !reste.starts_with("330"))
        .then(|| format!("+{reste}"));
    }
    if chiffres.len() != 10
        || !chiffres.starts_with('0')
        || !chiffres.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    // Indicatifs des outre-mer : le numéro national commence par 0 + trois chiffres de zone.
    let outre_mer = [
        ("0590", "590"),
        ("0690", "590"),
        ("0594", "594"),
        ("0694", "594"),
        ("0262", "262"),
        ("0692", "262"),
        ("0693", "262"),
        ("0596", "596"),
        ("0696", "596"),
        ("0269", "262"),
        ("0639", "262"),
    ];
    for (debut, indicatif) in outre_mer {
        if chiffres.starts_with(debut) {
            return Some(format!("+{indicatif}{}", &chiffres[1..]));
        }
    }
    Some(format!("+33{}", &chiffres[1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn les_regles_embarquees_se_chargent_et_visent_des_champs_du_schema() {
        let c = Compatible::embarque();
        let s = super::super::schema_national();
        for nom in c.champs.keys() {
            assert!(s.champ(nom).is_some(), "champ inconnu : {nom}");
        }
        let relache = c.schema(&s);
        assert_eq!(relache.champs.len(), s.champs.len());
    }

    #[test]
    fn telephones_francais_ramenes_a_e164() {
        assert_eq!(
            telephone_e164("05 45 12 34 56").as_deref(),
            Some("+33545123456")
        );
        assert_eq!(
            telephone_e164("05.45.12.34.56").as_deref(),
            Some("+33545123456")
        );
        assert_eq!(
            telephone_e164("+33 5 45 12 34 56").as_deref(),
            Some("+33545123456")
        );
        assert_eq!(
            telephone_e164("0590 12 34 56").as_deref(),
            Some("+590590123456")
        );
        assert_eq!(telephone_e164("12 34"), None);
        assert_eq!(telephone_e164("appeler la mairie"), None);
    }
}
