//! Traduction explicite des fichiers au schéma v0.1 vers le schéma national v1.0.2.
//!
//! Les correspondances sont une donnée (`schemas/lieux/traduction-v0.1-vers-v1.toml`) ; chaque
//! valeur traduite, abandonnée ou inconnue est rapportée. Une valeur inconnue est gardée telle
//! quelle : la validation v1 la signale ensuite, rien n'est perdu en silence.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{valeur, Enregistrement};

/// Le fichier de traduction embarqué.
pub const TRADUCTION_V01: &str =
    include_str!("../../../../schemas/lieux/traduction-v0.1-vers-v1.toml");

/// Destination d'une valeur v0.1.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Destination {
    Vers { champ: String, valeur: String },
    Abandon { abandon: String },
}

/// Table de traduction chargée.
#[derive(Debug, Clone, Deserialize)]
pub struct Traduction {
    pub version_source: String,
    pub version_cible: String,
    pub separateur: String,
    #[serde(default)]
    pub renommages: BTreeMap<String, String>,
    #[serde(default)]
    pub abandons: BTreeMap<String, String>,
    /// Champ v0.1 multivalué → valeur v0.1 → destination.
    pub valeurs: BTreeMap<String, BTreeMap<String, Destination>>,
}

/// Une ligne du rapport de traduction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteTraduction {
    pub enregistrement: usize,
    pub id: String,
    /// Champ v0.1 d'origine.
    pub champ: String,
    pub avant: String,
    /// `champ : valeur` en v1, ou vide si la valeur est abandonnée ou inconnue.
    pub apres: String,
    pub message: String,
}

impl Traduction {
    /// La table embarquée (testée au chargement).
    pub fn embarquee() -> Traduction {
        Self::embarquee_statique().clone()
    }

    /// La table embarquée, lue une seule fois par processus.
    pub fn embarquee_statique() -> &'static Traduction {
        static TABLE: std::sync::LazyLock<Traduction> = std::sync::LazyLock::new(|| {
            toml::from_str(TRADUCTION_V01)
                .expect("la table de traduction embarquée est valide (testé)")
        });
        &TABLE
    }

    fn champs_v1_seulement() -> [&'static str; 8] {
        [
            "publics_specifiquement_adresses",
            "prise_en_charge_specifique",
            "frais_a_charge",
            "dispositif_programmes_nationaux",
            "formations_labels",
            "modalites_acces",
            "courriels",
            "itinerance",
        ]
    }

    /// Un lot est-il au schéma v0.1 ? Oui si ses services sont plus souvent des intitulés v0.1
    /// que des intitulés v1 (une valeur inconnue ne compte pas) ou, sans services reconnus, s'il
    /// porte des champs propres à la v0.1 et aucun champ propre à la v1. Les fichiers v1 qui
    /// gardent quelques champs v0 en plus restent v1.
    pub fn reconnait(&self, lot: &[Enregistrement]) -> bool {
        let services_v01 = self.valeurs.get("services");
        let services_v1: Vec<&str> = services_v01
            .into_iter()
            .flat_map(|m| m.values())
            .filter_map(|d| match d {
                Destination::Vers { valeur, .. } => Some(valeur.as_str()),
                Destination::Abandon { .. } => None,
            })
            .collect();
        let mut v01 = 0usize;
        let mut v1 = 0usize;
        for e in lot {
            if let Some(s) = valeur(e, "services") {
                for x in s.split([';', '|']).map(str::trim).filter(|x| !x.is_empty()) {
                    if services_v01.is_some_and(|m| m.contains_key(x)) {
                        v01 += 1;
                    } else if services_v1.contains(&x) {
                        v1 += 1;
                    }
                }
            }
        }
        if v01 + v1 > 0 {
            return v01 > v1;
        }
        let propres_v01 = ["publics_accueillis", "conditions_acces", "labels_nationaux"];
        lot.iter()
            .any(|e| propres_v01.iter().any(|c| valeur(e, c).is_some()))
            && !lot.iter().any(|e| {
                Self::champs_v1_seulement()
                    .iter()
                    .any(|c| valeur(e, c).is_some())
            })
    }

    /// Traduit un lot ; rend le lot v1 et le rapport de traduction.
    pub fn traduire(&self, lot: Vec<Enregistrement>) -> (Vec<Enregistrement>, Vec<NoteTraduction>) {
        let mut notes = Vec::new();
        let lot = lot
            .into_iter()
            .enumerate()
            .map(|(i, e)| self.traduire_un(i + 1, e, &mut notes))
            .collect();
        (lot, notes)
    }

    /// Traduit un enregistrement (numéro à partir de 1) ; ses notes s'ajoutent à `notes`.
    pub fn traduire_un(
        &self,
        numero: usize,
        e: Enregistrement,
        notes: &mut Vec<NoteTraduction>,
    ) -> Enregistrement {
        let id = valeur(&e, "id").unwrap_or_default();
        let mut note = |champ: &str, avant: &str, apres: String, message: String| {
            notes.push(NoteTraduction {
                enregistrement: numero,
                id: id.clone(),
                champ: champ.into(),
                avant: avant.into(),
                apres,
                message,
            })
        };
        let mut sortie = Enregistrement::new();
        // Valeurs des champs multivalués v1, dans l'ordre d'arrivée, sans doublon.
        let mut multiples: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (champ, v) in e {
            let texte = match &v {
                Value::Null => None,
                Value::String(s) if s.trim().is_empty() => None,
                Value::String(s) => Some(s.clone()),
                autre => Some(autre.to_string()),
            };
            if let Some(table) = self.valeurs.get(&champ) {
                let Some(texte) = texte else { continue };
                for x in texte
                    .split(self.separateur.as_str())
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                {
                    match table.get(x) {
                        Some(Destination::Vers { champ: c, valeur }) => {
                            let l = multiples.entry(c.clone()).or_default();
                            if !l.contains(valeur) {
                                l.push(valeur.clone());
                            }
                            if c != &champ || valeur != x {
                                note(
                                    &champ,
                                    x,
                                    format!("{c} : {valeur}"),
                                    "traduit vers la v1".into(),
                                );
                            }
                        }
                        Some(Destination::Abandon { abandon }) => {
                            note(&champ, x, String::new(), format!("abandonné : {abandon}"));
                        }
                        None => {
                            // Gardée telle quelle dans le champ v1 de même nom s'il existe, sinon
                            // dans le champ d'origine : la validation la signalera.
                            multiples.entry(champ.clone()).or_default().push(x.into());
                            note(
                                &champ,
                                x,
                                String::new(),
                                "valeur inconnue de la v0.1 : gardée telle quelle, à corriger"
                                    .into(),
                            );
                        }
                    }
                }
            } else if let Some(nouveau) = self.renommages.get(&champ) {
                if let Some(t) = texte {
                    note(
                        &champ,
                        &t,
                        format!("{nouveau} : {t}"),
                        format!("champ renommé en « {nouveau} »"),
                    );
                    sortie.insert(nouveau.clone(), Value::String(t));
                }
            } else if let Some(raison) = self.abandons.get(&champ) {
                if let Some(t) = texte {
                    note(&champ, &t, String::new(), format!("abandonné : {raison}"));
                }
            } else {
                sortie.insert(champ, v);
            }
        }
        for (champ, valeurs) in multiples {
            let joint = if champ == "autres_formations_labels" {
                valeurs.join(", ")
            } else {
                valeurs.join("|")
            };
            match sortie.get_mut(&champ) {
                Some(Value::String(s)) if !s.is_empty() => {
                    let sep = if champ == "autres_formations_labels" {
                        ", "
                    } else {
                        "|"
                    };
                    s.push_str(sep);
                    s.push_str(&joint);
                }
                _ => {
                    sortie.insert(champ, Value::String(joint));
                }
            }
        }
        sortie
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lieux::schema_national;

    #[test]
    fn la_table_embarquee_vise_des_valeurs_v1_existantes() {
        let t = Traduction::embarquee();
        let schema = schema_national();
        for (champ, table) in &t.valeurs {
            for (avant, d) in table {
                if let Destination::Vers { champ: c, valeur } = d {
                    let cible = schema
                        .champ(c)
                        .unwrap_or_else(|| panic!("{champ}/{avant} : champ v1 {c} inconnu"));
                    let enumerees = cible.valeurs_enumerees();
                    assert!(
                        enumerees.is_empty() || enumerees.contains(valeur),
                        "{champ}/{avant} → {c} : « {valeur} » n'est pas une valeur v1"
                    );
                }
            }
        }
        for nouveau in t.renommages.values() {
            assert!(schema.champ(nouveau).is_some(), "{nouveau}");
        }
    }
}
