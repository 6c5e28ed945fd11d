//! Exports des lieux : CSV et JSON au schéma v1.0.2, GeoJSON, data·inclusion v1 (structures et
//! services). Un export est accepté à la fois par le schéma officiel et par la bibliothèque de
//! référence : un champ facultatif refusé par l'un des deux (lieu importé en mode compatible,
//! label que les deux écrivent différemment) est omis, un lieu dont un champ obligatoire est
//! refusé est laissé de côté ; les deux cas sont rendus dans la liste des écarts, publiée à côté.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{valeur, valider, Enregistrement, Probleme, SchemaTable, TypeChamp};

/// Un écart entre la base et l'export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ecart {
    pub source: String,
    pub id: String,
    pub champ: String,
    pub message: String,
    /// « champ omis » ou « lieu exclu ».
    pub consequence: String,
}

/// Un lieu prêt à l'export : sa source et ses champs au schéma (identifiant rendu unique).
pub type LieuExporte = (String, Enregistrement);

/// Ramène les lieux au schéma : seuls les champs du schéma, identifiants uniques (un même
/// identifiant venu de plusieurs sources est préfixé par sa source), champs non conformes omis.
pub fn preparer(
    schema: &SchemaTable,
    lieux: Vec<(String, Enregistrement)>,
) -> (Vec<LieuExporte>, Vec<Ecart>) {
    let mut compte: HashMap<String, usize> = HashMap::new();
    for (_, e) in &lieux {
        *compte
            .entry(valeur(e, "id").unwrap_or_default())
            .or_default() += 1;
    }
    let compatible = super::compatible::Compatible::embarque();
    let schema_compatible = compatible.schema(schema);
    let mut ecarts = Vec::new();
    let mut sortie = Vec::with_capacity(lieux.len());
    for (source, e) in lieux {
        let id = valeur(&e, "id").unwrap_or_default();
        let mut r: Enregistrement = schema
            .champs
            .iter()
            .filter_map(|c| e.get(&c.nom).map(|v| (c.nom.clone(), v.clone())))
            .collect();
        if compte.get(&id).copied().unwrap_or(0) > 1 {
            r.insert("id".into(), Value::String(format!("{source}:{id}")));
        }
        let mut problemes = valider(schema, 0, &r);
        for p in valider(&schema_compatible, 0, &r) {
            if compatible.compte(&r, &p.champ) && !problemes.iter().any(|x| x.champ == p.champ) {
                problemes.push(Probleme {
                    message: format!("{} (bibliothèque de référence)", p.message),
                    ..p
                });
            }
        }
        let mut exclu = false;
        for p in problemes {
            let obligatoire = schema.champ(&p.champ).is_some_and(|c| c.obligatoire);
            if obligatoire {
                exclu = true;
            } else {
                r.remove(&p.champ);
            }
            ecarts.push(Ecart {
                source: source.clone(),
                id: id.clone(),
                champ: p.champ,
                message: p.message,
                consequence: if obligatoire {
                    "lieu exclu"
                } else {
                    "champ omis"
                }
                .into(),
            });
        }
        if !exclu {
            sortie.push((source, r));
        }
    }
    (sortie, ecarts)
}

/// CSV au schéma : en-tête dans l'ordre du schéma, UTF-8, virgule.
pub fn en_csv(schema: &SchemaTable, lieux: &[LieuExporte]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(schema.champs.iter().map(|c| c.nom.as_str()));
    for (_, e) in lieux {
        let _ = w.write_record(
            schema
                .champs
                .iter()
                .map(|c| valeur(e, &c.nom).unwrap_or_default()),
        );
    }
    w.into_inner().unwrap_or_default()
}

/// Valeur JSON typée d'un champ (nombres en nombres).
fn typee(schema: &SchemaTable, champ: &str, v: &str) -> Value {
    match schema.champ(champ).map(|c| c.type_champ) {
        Some(TypeChamp::Nombre) | Some(TypeChamp::Entier) => v
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
            .unwrap_or_else(|| Value::String(v.into())),
        _ => Value::String(v.into()),
    }
}

fn objet(schema: &SchemaTable, e: &Enregistrement) -> Map<String, Value> {
    schema
        .champs
        .iter()
        .filter_map(|c| valeur(e, &c.nom).map(|v| (c.nom.clone(), typee(schema, &c.nom, &v))))
        .collect()
}

/// JSON au schéma : un tableau d'objets, un par ligne, chacun avec tous les champs du schéma dans
/// son ordre (`null` pour une valeur absente) : c'est ainsi qu'un lecteur de tables (frictionless)
/// retrouve les colonnes.
pub fn en_json(schema: &SchemaTable, lieux: &[LieuExporte]) -> Vec<u8> {
    let mut s = String::from("[");
    for (i, (_, e)) in lieux.iter().enumerate() {
        s.push_str(if i == 0 { "\n{" } else { ",\n{" });
        for (j, c) in schema.champs.iter().enumerate() {
            if j > 0 {
                s.push(',');
            }
            let v = valeur(e, &c.nom)
                .map(|v| typee(schema, &c.nom, &v))
                .unwrap_or(Value::Null);
            s.push_str(&Value::String(c.nom.clone()).to_string());
            s.push(':');
            s.push_str(&v.to_string());
        }
        s.push('}');
    }
    s.push_str("\n]\n");
    s.into_bytes()
}

/// GeoJSON (RFC 7946) : un point par lieu (géométrie nulle sans coordonnées), propriétés au schéma.
pub fn en_geojson(schema: &SchemaTable, lieux: &[LieuExporte]) -> Vec<u8> {
    let features: Vec<Value> = lieux
        .iter()
        .map(|(_, e)| {
            let geometrie = match super::index::position(e) {
                Some((lat, lon)) => json!({"type": "Point", "coordinates": [lon, lat]}),
                None => Value::Null,
            };
            json!({
                "type": "Feature",
                "id": valeur(e, "id").unwrap_or_default(),
                "geometry": geometrie,
                "properties": objet(schema, e),
            })
        })
        .collect();
    serde_json::to_vec_pretty(&json!({"type": "FeatureCollection", "features": features}))
        .unwrap_or_default()
}

/// Correspondance vers data·inclusion (donnée : `schemas/lieux/data-inclusion.toml`).
#[derive(Debug, Clone, Deserialize)]
pub struct DataInclusion {
    pub nom_service: String,
    pub suffixe_service: String,
    pub longueur_max_resume: usize,
    pub thematiques: BTreeMap<String, Vec<String>>,
    pub types: BTreeMap<String, String>,
    pub frais: BTreeMap<String, String>,
    pub profils: BTreeMap<String, String>,
    pub orientation_beneficiaire: BTreeMap<String, String>,
    pub orientation_accompagnateur: BTreeMap<String, String>,
    pub labels_nationaux: BTreeMap<String, String>,
}

pub const DATA_INCLUSION: &str = include_str!("../../../../schemas/lieux/data-inclusion.toml");

fn liste(e: &Enregistrement, champ: &str) -> Vec<String> {
    valeur(e, champ)
        .map(|v| {
            v.split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn traduits(table: &BTreeMap<String, String>, valeurs: &[String]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for x in valeurs.iter().filter_map(|x| table.get(x)) {
        if !v.contains(x) {
            v.push(x.clone());
        }
    }
    v
}

impl DataInclusion {
    pub fn embarquee() -> DataInclusion {
        toml::from_str(DATA_INCLUSION).expect("correspondance data·inclusion valide (testé)")
    }

    fn thematiques(&self, e: &Enregistrement) -> Vec<String> {
        let mut t = vec!["numerique".to_string()];
        for s in liste(e, "services") {
            t.extend(self.thematiques.get(&s).cloned().unwrap_or_default());
        }
        t
    }

    /// Une structure data·inclusion.
    pub fn structure(&self, source: &str, e: &Enregistrement) -> Value {
        let mut o = Map::new();
        let mut mettre = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                o.insert(k.into(), v);
            }
        };
        let texte = |k: &str| valeur(e, k).map(Value::String);
        mettre("id", texte("id"));
        mettre("nom", texte("nom"));
        mettre("siret", texte("pivot"));
        mettre(
            "typologie",
            liste(e, "typologie").first().cloned().map(Value::String),
        );
        mettre("structure_parente", texte("structure_parente"));
        mettre("accessibilite", texte("fiche_acces_libre"));
        mettre("thematiques", Some(json!(self.thematiques(e))));
        mettre("commune", texte("commune"));
        mettre("code_postal", texte("code_postal"));
        mettre("adresse", texte("adresse"));
        mettre("code_insee", texte("code_insee"));
        mettre("complement_adresse", texte("complement_adresse"));
        mettre(
            "source",
            Some(Value::String(
                valeur(e, "source").unwrap_or_else(|| source.to_string()),
            )),
        );
        mettre(
            "date_maj",
            valeur(e, "date_maj").map(|d| Value::String(format!("{d}T00:00:00.000Z"))),
        );
        if let Some((lat, lon)) = super::index::position(e) {
            mettre("latitude", Some(json!(lat)));
            mettre("longitude", Some(json!(lon)));
        }
        mettre("telephone", texte("telephone"));
        mettre(
            "courriel",
            liste(e, "courriels").first().cloned().map(Value::String),
        );
        mettre(
            "site_web",
            liste(e, "site_web").first().cloned().map(Value::String),
        );
        mettre(
            "presentation_resume",
            valeur(e, "presentation_resume").map(|r| {
                if r.chars().count() > self.longueur_max_resume {
                    let debut: String = r.chars().take(self.longueur_max_resume - 3).collect();
                    Value::String(format!("{debut}..."))
                } else {
                    Value::String(r)
                }
            }),
        );
        mettre("presentation_detail", texte("presentation_detail"));
        mettre("horaires_ouverture", texte("horaires"));
        if valeur(e, "dispositif_programmes_nationaux").is_some() {
            let mut tous = liste(e, "dispositif_programmes_nationaux");
            tous.extend(liste(e, "formations_labels"));
            mettre(
                "labels_nationaux",
                Some(json!(traduits(&self.labels_nationaux, &tous))),
            );
        }
        mettre("labels_autres", texte("autres_formations_labels"));
        Value::Object(o)
    }

    /// Le service « Médiation numérique » d'un lieu.
    pub fn service(&self, source: &str, e: &Enregistrement) -> Value {
        let id = valeur(e, "id").unwrap_or_default();
        let mut o = Map::new();
        o.insert("id".into(), json!(format!("{id}{}", self.suffixe_service)));
        o.insert("structure_id".into(), json!(id));
        o.insert("nom".into(), json!(self.nom_service));
        o.insert(
            "source".into(),
            json!(valeur(e, "source").unwrap_or_else(|| source.to_string())),
        );
        if let Some(r) = valeur(e, "prise_rdv") {
            o.insert("prise_rdv".into(), json!(r));
        }
        o.insert("thematiques".into(), json!(self.thematiques(e)));
        if valeur(e, "modalites_accompagnement").is_some() {
            let m = liste(e, "modalites_accompagnement");
            let types = traduits(&self.types, &m);
            if !types.is_empty() {
                o.insert("types".into(), json!(types));
            }
            let mut modes = Vec::new();
            if m.iter().any(|x| x == "À distance") {
                modes.push("a-distance");
            }
            if m.iter().any(|x| x != "À distance") {
                modes.push("en-presentiel");
            }
            o.insert("modes_accueil".into(), json!(modes));
        }
        if let Some(f) = liste(e, "frais_a_charge").first() {
            if let Some(x) = self.frais.get(f) {
                o.insert("frais".into(), json!([x]));
            }
        }
        if valeur(e, "publics_specifiquement_adresses").is_some()
            || valeur(e, "prise_en_charge_specifique").is_some()
        {
            let mut p = liste(e, "prise_en_charge_specifique");
            p.extend(liste(e, "publics_specifiquement_adresses"));
            o.insert("profils".into(), json!(traduits(&self.profils, &p)));
        }
        if valeur(e, "modalites_acces").is_some() {
            let m = liste(e, "modalites_acces");
            o.insert(
                "modes_orientation_accompagnateur".into(),
                json!(traduits(&self.orientation_accompagnateur, &m)),
            );
            o.insert(
                "modes_orientation_beneficiaire".into(),
                json!(traduits(&self.orientation_beneficiaire, &m)),
            );
        }
        Value::Object(o)
    }
}

/// Structures et services data·inclusion de tous les lieux.
pub fn data_inclusion(lieux: &[LieuExporte]) -> (Vec<Value>, Vec<Value>) {
    let d = DataInclusion::embarquee();
    (
        lieux.iter().map(|(s, e)| d.structure(s, e)).collect(),
        lieux.iter().map(|(s, e)| d.service(s, e)).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lieux::schema_national;

    #[test]
    fn la_correspondance_data_inclusion_vise_des_valeurs_du_schema() {
        let d = DataInclusion::embarquee();
        let s = schema_national();
        let enumerees = |c: &str| {
            s.champ(c)
                .map(|c| c.valeurs_enumerees())
                .unwrap_or_default()
        };
        for k in d.thematiques.keys() {
            assert!(enumerees("services").contains(k), "{k}");
        }
        for k in d.frais.keys() {
            assert!(enumerees("frais_a_charge").contains(k), "{k}");
        }
        let mut publics = enumerees("publics_specifiquement_adresses");
        publics.extend(enumerees("prise_en_charge_specifique"));
        for k in d.profils.keys() {
            assert!(publics.contains(k), "{k}");
        }
    }
}
