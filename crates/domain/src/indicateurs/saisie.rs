//! Valeurs saisies par un territoire pour un indicateur « saisi » : analyse de la saisie
//! (indicateur, année, nombre écrit à la française, source et sa date).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Mode, ReferentielIndicateurs};
use crate::saisie::ErreurChamp;

/// Ce qu'un territoire saisit, avant analyse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaisieValeur {
    #[serde(default)]
    pub indicateur: String,
    #[serde(default)]
    pub annee: String,
    #[serde(default)]
    pub valeur: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub date_source: String,
}

/// Une valeur saisie, analysée.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValeurSaisie {
    pub indicateur_id: String,
    pub annee: i32,
    /// Nombre décimal normalisé : chiffres, point décimal, au plus deux décimales (« 1250 »,
    /// « 12.5 »).
    pub valeur: String,
    pub source: String,
    pub date_source: NaiveDate,
}

/// Longueur maximale de la source.
pub const SOURCE_MAX: usize = 500;

/// Lit un nombre écrit à la française ou à l'anglaise (« 1 250,5 », « 1250.5 ») ; rend le nombre
/// normalisé, ou le message d'erreur.
pub fn lire_nombre(saisie: &str, entier: bool, maximum: Option<f64>) -> Result<String, String> {
    let s: String = saisie
        .trim()
        .trim_end_matches(['%', '€'])
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if s.is_empty() {
        return Err("Indiquez la valeur.".into());
    }
    if s.starts_with('-') && s.len() > 1 {
        return Err("La valeur doit être positive ou nulle.".into());
    }
    let (ent, dec) = s.split_once('.').unwrap_or((&s, ""));
    if ent.is_empty()
        || !ent.chars().all(|c| c.is_ascii_digit())
        || !dec.chars().all(|c| c.is_ascii_digit())
        || (s.contains('.') && dec.is_empty())
    {
        return Err("La valeur doit être un nombre, par exemple 1250 ou 12,5.".into());
    }
    let ent = ent.trim_start_matches('0');
    let ent = if ent.is_empty() { "0" } else { ent };
    let dec = dec.trim_end_matches('0');
    if ent.len() > 15 {
        return Err("La valeur est trop grande.".into());
    }
    if entier && !dec.is_empty() {
        return Err(
            "Cet indicateur se compte en nombre entier : saisissez une valeur sans décimales."
                .into(),
        );
    }
    if dec.len() > 2 {
        return Err("Saisissez au plus deux décimales.".into());
    }
    let normalise = if dec.is_empty() {
        ent.to_string()
    } else {
        format!("{ent}.{dec}")
    };
    if let Some(max) = maximum {
        if normalise.parse::<f64>().unwrap_or(f64::INFINITY) > max {
            return Err(format!(
                "La valeur ne peut pas dépasser {}.",
                formater_nombre(&max.to_string())
            ));
        }
    }
    Ok(normalise)
}

/// Écrit un nombre normalisé à la française : espaces fines insécables entre les milliers,
/// virgule décimale (« 1 250,5 »).
pub fn formater_nombre(n: &str) -> String {
    let (ent, dec) = n.split_once('.').unwrap_or((n, ""));
    let chiffres: Vec<char> = ent.chars().collect();
    let mut s = String::new();
    for (i, c) in chiffres.iter().enumerate() {
        if i > 0 && (chiffres.len() - i).is_multiple_of(3) {
            s.push('\u{202f}');
        }
        s.push(*c);
    }
    if !dec.is_empty() {
        s.push(',');
        s.push_str(dec);
    }
    s
}

/// Lit une date `AAAA-MM-JJ` (champ de date des navigateurs) ou `JJ/MM/AAAA`.
pub fn lire_date(saisie: &str) -> Option<NaiveDate> {
    let s = saisie.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

impl SaisieValeur {
    /// Analyse la saisie ; rend toutes les erreurs d'un coup, chacune rattachée à son champ.
    pub fn analyser(
        &self,
        r: &ReferentielIndicateurs,
        aujourd_hui: NaiveDate,
    ) -> Result<ValeurSaisie, Vec<ErreurChamp>> {
        let mut erreurs = Vec::new();
        let indicateur = r.indicateur(self.indicateur.trim());
        match indicateur {
            None => erreurs.push(ErreurChamp::new(
                "indicateur",
                "Choisissez l'indicateur à renseigner dans la liste.",
            )),
            Some(i) if i.mode != Mode::Saisi => erreurs.push(ErreurChamp::new(
                "indicateur",
                "Cet indicateur est calculé à partir des données de la plateforme : il ne se saisit pas.",
            )),
            _ => {}
        }
        let (min, max) = (r.saisie.annee_min, aujourd_hui.year());
        let annee = match self.annee.trim() {
            "" => {
                erreurs.push(ErreurChamp::new(
                    "annee",
                    format!("Indiquez l'année, entre {min} et {max}."),
                ));
                None
            }
            a => match a.parse::<i32>() {
                Ok(a) if (min..=max).contains(&a) => Some(a),
                _ => {
                    erreurs.push(ErreurChamp::new(
                        "annee",
                        format!("L'année doit être un nombre entier compris entre {min} et {max}."),
                    ));
                    None
                }
            },
        };
        let (entier, maximum) = indicateur
            .map(|i| (i.entier, i.maximum))
            .unwrap_or((false, None));
        let valeur = match lire_nombre(&self.valeur, entier, maximum) {
            Ok(v) => Some(v),
            Err(m) => {
                erreurs.push(ErreurChamp::new("valeur", m));
                None
            }
        };
        let source = self.source.trim().to_string();
        if source.is_empty() {
            erreurs.push(ErreurChamp::new(
                "source",
                "Indiquez la source de la valeur (enquête, rapport, bilan d'activité…).",
            ));
        } else if source.chars().count() > SOURCE_MAX {
            erreurs.push(ErreurChamp::new(
                "source",
                format!("La source ne doit pas dépasser {SOURCE_MAX} caractères."),
            ));
        }
        let date_source = match self.date_source.trim() {
            "" => {
                erreurs.push(ErreurChamp::new(
                    "date_source",
                    "Indiquez la date de la source.",
                ));
                None
            }
            d => match lire_date(d) {
                Some(d) if d > aujourd_hui => {
                    erreurs.push(ErreurChamp::new(
                        "date_source",
                        "La date de la source ne peut pas être dans le futur.",
                    ));
                    None
                }
                Some(d) => Some(d),
                None => {
                    erreurs.push(ErreurChamp::new(
                        "date_source",
                        "La date de la source doit être une date valide, au format JJ/MM/AAAA ou AAAA-MM-JJ (par exemple 31/03/2024).",
                    ));
                    None
                }
            },
        };
        match (indicateur, annee, valeur, date_source) {
            (Some(i), Some(annee), Some(valeur), Some(date_source)) if erreurs.is_empty() => {
                Ok(ValeurSaisie {
                    indicateur_id: i.id.clone(),
                    annee,
                    valeur,
                    source,
                    date_source,
                })
            }
            _ => Err(erreurs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jour(a: i32, m: u32, j: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(a, m, j).unwrap()
    }

    #[test]
    fn analyse_des_saisies() {
        let r = ReferentielIndicateurs::embarque();
        let auj = jour(2024, 5, 1);
        let ok = SaisieValeur {
            indicateur: "aides-financieres-formation".into(),
            annee: "2023".into(),
            valeur: "12 500,50".into(),
            source: "Bilan du Pass numérique".into(),
            date_source: "31/03/2024".into(),
        };
        let v = ok.analyser(r, auj).unwrap();
        assert_eq!(v.valeur, "12500.5");
        assert_eq!(v.date_source, jour(2024, 3, 31));
        assert_eq!(formater_nombre(&v.valeur), "12\u{202f}500,5");

        let champs = |s: SaisieValeur| -> Vec<&'static str> {
            s.analyser(r, auj)
                .unwrap_err()
                .iter()
                .map(|e| e.champ)
                .collect()
        };
        assert_eq!(
            champs(SaisieValeur::default()),
            vec!["indicateur", "annee", "valeur", "source", "date_source"]
        );
        let mut s = ok.clone();
        s.indicateur = "cartographie-acteurs".into();
        s.valeur = "12".into();
        assert_eq!(
            champs(s),
            vec!["indicateur"],
            "un indicateur calculé ne se saisit pas"
        );
        for annee in ["2016", "2025", "deux mille"] {
            let mut s = ok.clone();
            s.annee = annee.into();
            assert_eq!(champs(s), vec!["annee"], "{annee}");
        }
        for valeur in ["-3", "abc", "1,234", "1.", "1e5"] {
            let mut s = ok.clone();
            s.valeur = valeur.into();
            assert_eq!(champs(s), vec!["valeur"], "{valeur}");
        }
        let mut s = ok.clone();
        s.indicateur = "equipements-connectes".into();
        s.valeur = "12,5".into();
        let e = s.analyser(r, auj).unwrap_err();
        assert!(e[0].message.contains("nombre entier"), "{e:?}");
        let mut s = ok.clone();
        s.indicateur = "taux-personnes-vulnerables".into();
        s.valeur = "100,5".into();
        let e = s.analyser(r, auj).unwrap_err();
        assert_eq!(e[0].message, "La valeur ne peut pas dépasser 100.");
        s.valeur = "37,5 %".into();
        assert_eq!(s.analyser(r, auj).unwrap().valeur, "37.5");
        for date in ["2024-13-01", "hier", "2024-05-02"] {
            let mut s = ok.clone();
            s.date_source = date.into();
            assert_eq!(champs(s), vec!["date_source"], "{date}");
        }
        let mut s = ok.clone();
        s.source = "   ".into();
        assert_eq!(champs(s), vec!["source"]);
        assert_eq!(lire_nombre("0", true, None).unwrap(), "0");
        assert_eq!(lire_nombre("007,10", false, None).unwrap(), "7.1");
    }
}
