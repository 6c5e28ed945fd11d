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

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ErreurIdentifiant {
    #[error("le {nom} doit compter {attendu} chiffres (trouvé : {trouve} caractère(s))")]
    Longueur {
        nom: &'static str,
        attendu: usize,
        trouve: usize,
    },
    #[error("le {nom} ne doit contenir que des chiffres")]
    NonNumerique { nom: &'static str },
    #[error(
        "le {nom} {valeur} est invalide : sa clé de contrôle (formule de Luhn) ne correspond pas"
    )]
    Cle { nom: &'static str, valeur: String },
    #[error("le numéro RNA doit commencer par « W » suivi de 9 caractères (chiffres, ou lettres pour le code du département, par exemple W2A1234567)")]
    FormatRna,
}

fn nettoyer(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .collect()
}

fn chiffres(nom: &'static str, s: &str, attendu: usize) -> Result<String, ErreurIdentifiant> {
    let s = nettoyer(s);
    if !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(ErreurIdentifiant::NonNumerique { nom });
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
        let valide = if s.starts_with(SIREN_LA_POSTE) && s != SIRET_SIEGE_LA_POSTE {
            let somme: u32 = s.bytes().map(|b| u32::from(b - b'0')).sum();
            somme.is_multiple_of(5)
        } else {
            luhn_valide(&s)
        };
        if !valide {
            return Err(ErreurIdentifiant::Cle {
                nom: "SIRET",
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
                valeur: "732829321".into()
            })
        );
        assert!(matches!(
            Siren::parse("12345678"),
            Err(ErreurIdentifiant::Longueur { trouve: 8, .. })
        ));
        assert_eq!(
            Siren::parse("73282932A"),
            Err(ErreurIdentifiant::NonNumerique { nom: "SIREN" })
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
        assert!(Siret::parse("35600000000002").is_err());
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
}
