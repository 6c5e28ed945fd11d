//! Fraîcheur des lieux (issue 16) : un lieu est « à vérifier » quand sa dernière confirmation est
//! plus vieille que N mois (réglage `fraicheur.mois` du fichier `referentiels/lieux-vivants.toml`,
//! nature `lieux_vivants`). Dernière confirmation : la plus récente de `date_maj` (date donnée par
//! la source ou par le dernier changement local), de la dernière version locale et de la dernière
//! confirmation explicite « rien n'a changé » (qui, elle, ne change pas `date_maj`).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::referentiel::{Chemin, Nature, Origine, Rapport};

/// Fichier `nature = "lieux_vivants"` : réglages de Repères pour les lieux tenus à jour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReglagesLieuxVivants {
    pub id: String,
    pub version: String,
    pub nature: Nature,
    pub nom: String,
    pub fraicheur: Fraicheur,
}

/// Section `[fraicheur]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fraicheur {
    /// Un lieu non confirmé depuis ce nombre de mois est « à vérifier ».
    pub mois: u32,
    pub origine_mois: Origine,
    /// Durée de validité, en jours, du lien de confirmation envoyé par courriel.
    pub lien_jours: u32,
    pub origine_lien_jours: Origine,
}

impl Default for Fraicheur {
    /// Valeurs par défaut (celles du fichier du dépôt) quand aucun fichier n'est chargé.
    fn default() -> Self {
        let origine = Origine::Interpretation {
            motif: "réglage par défaut de Repères".into(),
        };
        Fraicheur {
            mois: 6,
            origine_mois: origine.clone(),
            lien_jours: 30,
            origine_lien_jours: origine,
        }
    }
}

/// Contrôles du chargement (bornes, origine d'un réglage de Repères).
pub(crate) fn valider(r: &ReglagesLieuxVivants, rapport: &mut Rapport) {
    let f = Chemin::default().cle("fraicheur");
    if !(1..=60).contains(&r.fraicheur.mois) {
        rapport.erreur(
            &f.cle("mois"),
            format!(
                "{} mois : attendu un nombre de mois entre 1 et 60",
                r.fraicheur.mois
            ),
        );
    }
    if !(1..=365).contains(&r.fraicheur.lien_jours) {
        rapport.erreur(
            &f.cle("lien_jours"),
            format!(
                "{} jours : attendu une durée entre 1 et 365 jours",
                r.fraicheur.lien_jours
            ),
        );
    }
    for (cle, o) in [
        ("origine_mois", &r.fraicheur.origine_mois),
        ("origine_lien_jours", &r.fraicheur.origine_lien_jours),
    ] {
        match o {
            Origine::Interpretation { motif } if motif.trim().is_empty() => {
                rapport.erreur(&f.cle(cle), "le motif d'un réglage de Repères est vide")
            }
            Origine::Interpretation { .. } => {}
            _ => rapport.erreur(
                &f.cle(cle),
                "un réglage de la fraîcheur est une interprétation de Repères (nature = \"interpretation\", avec un motif)",
            ),
        }
    }
}

/// Le jour d'une date ISO (« 2024-03-01 » ou un horodatage qui commence ainsi).
pub fn jour(iso: &str) -> Option<NaiveDate> {
    iso.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// La dernière confirmation d'un lieu : la plus récente des dates connues (`date_maj`, dernière
/// version locale, dernière confirmation explicite). `None` si aucune n'est lisible.
pub fn derniere_confirmation<'a>(
    dates: impl IntoIterator<Item = Option<&'a str>>,
) -> Option<NaiveDate> {
    dates.into_iter().flatten().filter_map(jour).max()
}

/// Le jour avant lequel une confirmation est trop vieille.
pub fn limite(aujourd_hui: NaiveDate, mois: u32) -> NaiveDate {
    aujourd_hui
        .checked_sub_months(Months::new(mois))
        .unwrap_or(NaiveDate::MIN)
}

/// Le lieu est-il « à vérifier » ? Oui s'il n'a aucune date lisible, ou si sa dernière
/// confirmation est antérieure à `aujourd_hui` moins `mois` mois.
pub fn a_verifier(derniere: Option<NaiveDate>, aujourd_hui: NaiveDate, mois: u32) -> bool {
    match derniere {
        None => true,
        Some(d) => d < limite(aujourd_hui, mois),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> NaiveDate {
        jour(s).unwrap()
    }

    #[test]
    fn la_plus_recente_des_dates_compte() {
        assert_eq!(
            derniere_confirmation([Some("2024-03-01"), None, Some("2025-01-02T10:00:00Z")]),
            Some(j("2025-01-02"))
        );
        assert_eq!(derniere_confirmation([Some("illisible"), None]), None);
    }

    #[test]
    fn six_mois_pile_reste_frais() {
        let aujourd_hui = j("2026-12-06");
        assert!(!a_verifier(Some(j("2026-06-06")), aujourd_hui, 6));
        assert!(a_verifier(Some(j("2026-06-05")), aujourd_hui, 6));
        assert!(!a_verifier(Some(j("2026-06-05")), aujourd_hui, 7));
        assert!(a_verifier(None, aujourd_hui, 6));
        // Fin de mois : 31 août moins 6 mois = 28 (ou 29) février.
        assert_eq!(limite(j("2026-08-31"), 6), j("2026-02-28"));
    }
}
