//! Identifiants des organisations : SIREN, SIRET (INSEE) et numéro RNA (associations).
//!
//! Ce sont des types qui « analysent au lieu de valider » : une valeur de type [`Siret`] est
//! forcément un SIRET bien formé.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// SIREN de La Poste : ses établissements (sauf le siège) ont des SIRET qui ne suivent pas la
/// formule de Luhn ; la règle de l'INSEE est alors que la somme des chiffres soit un multiple de 5.
pub const SIREN_LA_POSTE: &str = "356000000";
/// SIRET du siège de La Poste, qui suit, lui, la formule de Luhn.
pub const SIRET_SIEGE_LA_POSTE: &str = "35600000000048";

/// Erreur d'un identifiant, dite en mots simples à la personne qui l'a recopié : ce qui ne va
/// pas (longueur, caractère, clé de contrôle) et ce qu'elle peut faire.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ErreurIdentifiant {
    #[error("Ce {nom} n'est pas valide : il compte {trouve} chiffre(s), {attendu} sont attendus ({}). Recopiez-le en entier{}.", detail_longueur(nom, *attendu, *trouve), ou_le_trouver(nom))]
    Longueur {
        nom: &'static str,
        attendu: usize,
        trouve: usize,
    },
    #[error("Ce {nom} n'est pas valide : il ne doit contenir que des chiffres, et « {caractere} » n'en est pas un (les espaces sont acceptés). Recopiez-le{}.", ou_le_trouver(nom))]
    NonNumerique { nom: &'static str, caractere: char },
    #[error("Ce {nom} n'est pas valide : un chiffre est sans doute mal recopié, ou deux chiffres inversés ({attendu} chiffres attendus, et ceux-ci ne forment pas un {nom} existant : leur clé de contrôle ne correspond pas). Vérifiez-le{}.", ou_le_trouver(nom))]
    Cle {
        nom: &'static str,
        attendu: usize,
        valeur: String,
    },
    #[error("Ce SIRET d'un établissement de La Poste n'est pas valide : un chiffre est sans doute mal recopié (pour La Poste, la somme des 14 chiffres doit être un multiple de 5). Vérifiez-le{}.", ou_le_trouver("SIRET"))]
    CleLaPoste { valeur: String },
    #[error("Ce numéro RNA n'est pas valide : il commence par « W » suivi de 9 caractères (chiffres, ou lettres pour le code du département, par exemple W2A1234567). Recopiez-le depuis le récépissé de déclaration de l'association.")]
    FormatRna,
}

fn detail_longueur(nom: &str, attendu: usize, trouve: usize) -> String {
    let manque = if trouve < attendu {
        match attendu - trouve {
            1 => "un chiffre manque sans doute".to_string(),
            n => format!("{n} chiffres manquent"),
        }
    } else {
        match trouve - attendu {
            1 => "un chiffre est sans doute en trop".to_string(),
            n => format!("{n} chiffres sont en trop"),
        }
    };
    if nom == "SIRET" {
        format!("{manque} ; un SIRET, ce sont les 9 chiffres du SIREN suivis des 5 chiffres de l'établissement")
    } else {
        manque
    }
}

fn ou_le_trouver(nom: &str) -> &'static str {
    match nom {
        "SIRET" | "SIREN" => {
            " depuis un document officiel de l'organisation ou sur annuaire-entreprises.data.gouv.fr"
        }
        _ => "",
    }
}

fn nettoyer(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .collect()
}

fn chiffres(nom: &'static str, s: &str, attendu: usize) -> Result<String, ErreurIdentifiant> {
    let s = nettoyer(s);
    if let Some(caractere) = s.chars().find(|c| !c.is_ascii_digit()) {
        return Err(ErreurIdentifiant::NonNumerique { nom, caractere });
    }
    if s.len() != attendu {
        return Err(ErreurIdentifiant::Longueur {
            nom,
            attendu,
            trouve: s.chars().count(),
        });
    }
    Ok(s)
}

/// Formule de Luhn sur une chaîne de chiffres.
pub fn luhn_valide(chiffres: &str) -> bool {
    let somme: u32 = chiffres
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    somme.is_multiple_of(10)
}

/// SIREN : 9 chiffres, clé de Luhn.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siren(String);

impl Siren {
    pub fn parse(s: &str) -> Result<Self, ErreurIdentifiant> {
        let s = chiffres("SIREN", s, 9)?;
        if !luhn_valide(&s) {
            return Err(ErreurIdentifiant::Cle {
                nom: "SIREN",
                attendu: 9,
                valeur: s,
            });
        }
        Ok(Siren(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// SIRET : 14 chiffres (SIREN + NIC), clé de Luhn, sauf pour La Poste (somme multiple de 5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siret(String);

impl Siret {
    pub fn parse(s: &str) -> Result<Self, ErreurIdentifiant> {
        let s = chiffres("SIRET", s, 14)?;
        if s.starts_with(SIREN_LA_POSTE) && s != SIRET_SIEGE_LA_POSTE {
            let somme: u32 = s.bytes().map(|b| u32::from(b - b'0')).sum();
            if !somme.is_multiple_of(5) {
                return Err(ErreurIdentifiant::CleLaPoste { valeur: s });
            }
        } else if !luhn_valide(&s) {
            return Err(ErreurIdentifiant::Cle {
                nom: "SIRET",
                attendu: 14,
                valeur: s,
            });
        }
        Ok(Siret(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Le SIREN de l'entreprise ou de l'organisme (9 premiers chiffres).
    pub fn siren(&self) -> &str {
        &self.0[..9]
    }
}

/// Numéro RNA : « W » suivi de 9 caractères. Les trois premiers désignent la préfecture
/// d'enregistrement (chiffres, ou « 2A », « 2B », « 9A »… en Corse et outre-mer), les six derniers
/// sont des chiffres.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rna(String);

impl Rna {
    pub fn parse(s: &str) -> Result<Self, ErreurIdentifiant> {
        let s = nettoyer(s).to_uppercase();
        let mut it = s.chars();
        if it.next() != Some('W') {
            return Err(ErreurIdentifiant::FormatRna);
        }
        let reste: Vec<char> = it.collect();
        let ok = reste.len() == 9
            && reste[..3].iter().all(|c| c.is_ascii_alphanumeric())
            && reste[3..].iter().all(|c| c.is_ascii_digit());
        if !ok {
            return Err(ErreurIdentifiant::FormatRna);
        }
        Ok(Rna(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! conversions {
    ($t:ty) => {
        impl TryFrom<String> for $t {
            type Error = ErreurIdentifiant;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                <$t>::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
conversions!(Siren);
conversions!(Siret);
conversions!(Rna);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siren_valides_et_invalides() {
        // SIREN réels : DINUM/État (110 002 011 est l'exemple INSEE), La Poste, ANCT.
        for ok in ["732829320", "356000000", "130 026 032", "110002011"] {
            assert!(Siren::parse(ok).is_ok(), "{ok} devrait être valide");
        }
        assert_eq!(
            Siren::parse("732829321"),
            Err(ErreurIdentifiant::Cle {
                nom: "SIREN",
                attendu: 9,
                valeur: "732829321".into()
            })
        );
        assert!(matches!(
            Siren::parse("12345678"),
            Err(ErreurIdentifiant::Longueur { trouve: 8, .. })
        ));
        assert_eq!(
            Siren::parse("73282932A"),
            Err(ErreurIdentifiant::NonNumerique {
                nom: "SIREN",
                caractere: 'A'
            })
        );
    }

    #[test]
    fn siret_valides_et_invalides() {
        for ok in ["73282932000074", "130 026 032 00016", "11000201100044"] {
            assert!(Siret::parse(ok).is_ok(), "{ok} devrait être valide");
        }
        assert!(matches!(
            Siret::parse("73282932000075"),
            Err(ErreurIdentifiant::Cle { .. })
        ));
        assert!(matches!(
            Siret::parse("7328293200007"),
            Err(ErreurIdentifiant::Longueur { attendu: 14, .. })
        ));
        assert_eq!(Siret::parse("73282932000074").unwrap().siren(), "732829320");
    }

    #[test]
    fn siret_la_poste_exception() {
        // Le siège suit la formule de Luhn.
        assert!(luhn_valide(SIRET_SIEGE_LA_POSTE));
        assert!(Siret::parse(SIRET_SIEGE_LA_POSTE).is_ok());
        // 3+5+6 = 14 ; NIC 00001 → 15, multiple de 5 : valide bien que Luhn échoue.
        let bureau = "35600000000001";
        assert!(!luhn_valide(bureau), "cas choisi pour échouer à Luhn");
        assert!(Siret::parse(bureau).is_ok());
        // Somme 16 : refusé, même si ce n'est pas la formule de Luhn qui est en cause.
        assert_eq!(
            Siret::parse("35600000000002"),
            Err(ErreurIdentifiant::CleLaPoste {
                valeur: "35600000000002".into()
            })
        );
        // Un SIRET de La Poste qui passe Luhn mais pas la règle des 5 est refusé.
        let luhn_seul = (0..100_000u32)
            .map(|n| format!("356000000{n:05}"))
            .find(|c| {
                c != SIRET_SIEGE_LA_POSTE
                    && luhn_valide(c)
                    && c.bytes().map(|b| u32::from(b - b'0')).sum::<u32>() % 5 != 0
            })
            .expect("il existe un tel NIC");
        assert!(Siret::parse(&luhn_seul).is_err());
    }

    #[test]
    fn rna() {
        for ok in [
            "W751234567",
            "w751234567",
            "W2A1000123",
            "W9M1000001",
            "W 751 234 567",
        ] {
            assert!(Rna::parse(ok).is_ok(), "{ok} devrait être valide");
        }
        for ko in [
            "751234567",
            "W75123456",
            "W7512345678",
            "X751234567",
            "W75123456A",
            "",
        ] {
            assert_eq!(Rna::parse(ko), Err(ErreurIdentifiant::FormatRna), "{ko}");
        }
    }

    /// Les messages tels que la personne les lit : en mots simples, avec la cause.
    #[test]
    fn messages_en_mots_simples() {
        let cle = Siret::parse("732 829 320 00075").unwrap_err().to_string();
        assert_eq!(
            cle,
            "Ce SIRET n'est pas valide : un chiffre est sans doute mal recopié, ou deux chiffres \
             inversés (14 chiffres attendus, et ceux-ci ne forment pas un SIRET existant : leur \
             clé de contrôle ne correspond pas). Vérifiez-le depuis un document officiel de \
             l'organisation ou sur annuaire-entreprises.data.gouv.fr."
        );
        let court = Siret::parse("7328293200007").unwrap_err().to_string();
        assert!(
            court.starts_with(
                "Ce SIRET n'est pas valide : il compte 13 chiffre(s), 14 sont attendus (un \
                 chiffre manque sans doute ; un SIRET, ce sont les 9 chiffres du SIREN suivis \
                 des 5 chiffres de l'établissement)."
            ),
            "{court}"
        );
        let long = Siret::parse("732829320000745").unwrap_err().to_string();
        assert!(
            long.contains(
                "il compte 15 chiffre(s), 14 sont attendus (un chiffre est sans doute en trop"
            ),
            "{long}"
        );
        let lettre = Siret::parse("7328293200007O").unwrap_err().to_string();
        assert!(
            lettre.starts_with(
                "Ce SIRET n'est pas valide : il ne doit contenir que des chiffres, et « O » \
                 n'en est pas un (les espaces sont acceptés)."
            ),
            "{lettre}"
        );
        let poste = Siret::parse("35600000000002").unwrap_err().to_string();
        assert!(
            poste.starts_with(
                "Ce SIRET d'un établissement de La Poste n'est pas valide : un chiffre est sans \
                 doute mal recopié (pour La Poste, la somme des 14 chiffres doit être un \
                 multiple de 5)."
            ),
            "{poste}"
        );
        let siren = Siren::parse("12345678").unwrap_err().to_string();
        assert!(
            siren.starts_with("Ce SIREN n'est pas valide : il compte 8 chiffre(s), 9 sont attendus (un chiffre manque sans doute)."),
            "{siren}"
        );
        assert!(Rna::parse("W75")
            .unwrap_err()
            .to_string()
            .starts_with("Ce numéro RNA n'est pas valide"));
        // Aucun jargon : ni « Luhn », ni « caractère(s) » compté à la place des chiffres.
        for m in [cle, court, long, lettre, poste, siren] {
            assert!(!m.contains("Luhn"), "{m}");
        }
    }
}
