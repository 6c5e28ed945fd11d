//! Lieux de médiation numérique : validation d'enregistrements contre un schéma de table
//! (Table Schema Frictionless), lu tel qu'il est publié — le schéma national v1.0.2 est une donnée.
//!
//! Chaque problème de chaque enregistrement est rapporté (pas seulement le premier), avec le
//! numéro d'enregistrement, l'identifiant, le champ, la valeur, la règle et un message en français.

pub mod compatible;
pub mod doublons;
pub mod export;
pub mod flux;
pub mod fraicheur;
pub mod grille_horaires;
pub mod import;
pub mod index;
pub mod lisible;
pub mod preseance;
pub mod v01;
pub mod versions;
// Signalements et propositions du public (issue 16, partie « signalements »).
pub mod signalements;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Le schéma national des lieux de médiation numérique, v1.0.2, tel que publié (embarqué à la
/// compilation depuis `schemas/lieux/`).
pub const SCHEMA_NATIONAL_V1_0_2: &str =
    include_str!("../../../../schemas/lieux/schema-v1.0.2.json");

/// Le schéma national, lu et ses motifs compilés une seule fois par processus.
static SCHEMA_NATIONAL: std::sync::LazyLock<SchemaTable> = std::sync::LazyLock::new(|| {
    SchemaTable::depuis_json(SCHEMA_NATIONAL_V1_0_2)
        .expect("le schéma national embarqué est valide (testé)")
});

/// Le schéma national chargé (copie bon marché du schéma lu une fois : les motifs compilés sont
/// partagés).
pub fn schema_national() -> SchemaTable {
    SCHEMA_NATIONAL.clone()
}

/// Le schéma national, sans copie.
pub fn schema_national_statique() -> &'static SchemaTable {
    &SCHEMA_NATIONAL
}

/// Type d'un champ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeChamp {
    Texte,
    Nombre,
    Entier,
    Date,
    Booleen,
}

/// Un champ du schéma, avec ses contraintes compilées.
#[derive(Debug, Clone)]
pub struct Champ {
    pub nom: String,
    /// Intitulé lisible (clé `title` du schéma).
    pub titre: Option<String>,
    pub type_champ: TypeChamp,
    pub obligatoire: bool,
    pub unique: bool,
    pub motif: Option<(String, Regex)>,
    pub longueur_max: Option<usize>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub valeurs: Option<Vec<String>>,
}

/// Un schéma de table chargé.
#[derive(Debug, Clone)]
pub struct SchemaTable {
    pub nom: String,
    pub version: String,
    pub champs: Vec<Champ>,
}

#[derive(Deserialize)]
struct SchemaBrut {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
    fields: Vec<ChampBrut>,
}

#[derive(Deserialize)]
struct ChampBrut {
    name: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(rename = "type", default)]
    type_champ: Option<String>,
    #[serde(default)]
    constraints: Contraintes,
}

#[derive(Deserialize, Default)]
struct Contraintes {
    #[serde(default)]
    required: bool,
    #[serde(default)]
    unique: bool,
    #[serde(default)]
    pattern: Option<String>,
    #[serde(rename = "maxLength", default)]
    max_length: Option<usize>,
    #[serde(default)]
    minimum: Option<f64>,
    #[serde(default)]
    maximum: Option<f64>,
    #[serde(rename = "enum", default)]
    valeurs: Option<Vec<String>>,
}

impl SchemaTable {
    /// Lit un schéma JSON (Table Schema). Un motif invalide est une erreur qui nomme le champ.
    pub fn depuis_json(texte: &str) -> Result<SchemaTable, String> {
        let brut: SchemaBrut =
            serde_json::from_str(texte).map_err(|e| format!("schéma illisible : {e}"))?;
        let mut champs = Vec::new();
        for f in brut.fields {
            let type_champ = match f.type_champ.as_deref().unwrap_or("string") {
                "string" | "any" => TypeChamp::Texte,
                "number" => TypeChamp::Nombre,
                "integer" => TypeChamp::Entier,
                "date" => TypeChamp::Date,
                "boolean" => TypeChamp::Booleen,
                autre => {
                    return Err(format!(
                        "champ « {} » : type « {autre} » non pris en charge",
                        f.name
                    ))
                }
            };
            let motif = match f.constraints.pattern {
                Some(p) => {
                    // Le motif d'un Table Schema porte sur toute la valeur.
                    let r = Regex::new(&format!("^(?:{p})$"))
                        .map_err(|e| format!("champ « {} » : motif invalide : {e}", f.name))?;
                    Some((p, r))
                }
                None => None,
            };
            champs.push(Champ {
                titre: f.title,
                nom: f.name,
                type_champ,
                obligatoire: f.constraints.required,
                unique: f.constraints.unique,
                motif,
                longueur_max: f.constraints.max_length,
                minimum: f.constraints.minimum,
                maximum: f.constraints.maximum,
                valeurs: f.constraints.valeurs,
            });
        }
        Ok(SchemaTable {
            nom: brut.name,
            version: brut.version,
            champs,
        })
    }

    pub fn champ(&self, nom: &str) -> Option<&Champ> {
        self.champs.iter().find(|c| c.nom == nom)
    }
}

impl Champ {
    /// Valeurs permises d'un champ multivalué, lues dans son motif de la forme
    /// `(?:(?:^|\|)(A|B|C))+$` (vide si le motif n'a pas cette forme).
    pub fn valeurs_enumerees(&self) -> Vec<String> {
        let Some((motif, _)) = &self.motif else {
            return vec![];
        };
        let Some(debut) = motif.find("(?:^|\\|)(") else {
            return vec![];
        };
        let reste = &motif[debut + "(?:^|\\|)(".len()..];
        let Some(fin) = reste.rfind("))+") else {
            return vec![];
        };
        reste[..fin]
            .split('|')
            .map(|v| {
                v.replace("\\(", "(")
                    .replace("\\)", ")")
                    .replace("\\.", ".")
            })
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// Un problème trouvé dans un enregistrement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probleme {
    /// Numéro de l'enregistrement (à partir de 1).
    pub enregistrement: usize,
    /// Identifiant de l'enregistrement (champ `id`), s'il en a un.
    pub id: String,
    pub champ: String,
    pub valeur: String,
    /// Règle enfreinte : `obligatoire`, `type`, `motif`, `longueur`, `minimum`, `maximum`, `valeurs`,
    /// `unique`, `caracteres`.
    pub regle: String,
    pub message: String,
}

/// Un enregistrement : champ → valeur (texte d'un CSV, ou valeur JSON).
pub type Enregistrement = BTreeMap<String, Value>;

/// Valeur d'un champ en texte ; un champ absent, nul ou vide vaut absence (valeur manquante du
/// Table Schema). Les nombres d'un fichier JSON sont rendus tels qu'écrits.
pub fn valeur(e: &Enregistrement, champ: &str) -> Option<String> {
    match e.get(champ)? {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        autre => Some(autre.to_string()),
    }
}

fn tronque(s: &str) -> String {
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Comme [`valeur`], sans copie quand la valeur est déjà du texte.
pub fn valeur_ref<'a>(e: &'a Enregistrement, champ: &str) -> Option<std::borrow::Cow<'a, str>> {
    en_texte(e.get(champ)?)
}

fn en_texte(v: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        autre => Some(std::borrow::Cow::Owned(autre.to_string())),
    }
}

thread_local! {
    /// Ordre des champs du dernier schéma validé sur ce fil (indices triés par nom).
    static ORDRE_DES_CHAMPS: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Les valeurs des champs du schéma (dans l'ordre du schéma), par une jointure des noms triés
/// du schéma et des clés triées de l'enregistrement : pas de recherche par champ. L'ordre trié
/// est gardé par fil et revérifié à chaque appel (n - 1 comparaisons) : un autre schéma de même
/// taille le fait recalculer s'il ne le trie pas.
fn valeurs_du_schema<'a>(champs: &[Champ], e: &'a Enregistrement) -> Vec<Option<&'a Value>> {
    let mut valeurs = vec![None; champs.len()];
    ORDRE_DES_CHAMPS.with_borrow_mut(|ordre| {
        let trie = ordre.len() == champs.len()
            && ordre
                .windows(2)
                .all(|w| champs[w[0]].nom <= champs[w[1]].nom);
        if !trie {
            ordre.clear();
            ordre.extend(0..champs.len());
            ordre.sort_by(|&a, &b| champs[a].nom.cmp(&champs[b].nom));
        }
        let mut cles = e.iter().peekable();
        for &i in ordre.iter() {
            let nom = champs[i].nom.as_str();
            while let Some((k, v)) = cles.peek() {
                match k.as_str().cmp(nom) {
                    std::cmp::Ordering::Less => {
                        cles.next();
                    }
                    std::cmp::Ordering::Equal => {
                        // La clé reste : un même nom deux fois au schéma la retrouve.
                        valeurs[i] = Some(*v);
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
        }
    });
    valeurs
}

/// Caractères de contrôle interdits dans toute valeur d'un enregistrement, champs hors schéma
/// compris ([`crate::saisie::caractere_de_controle`]) : une règle de la plateforme, valable dans
/// les deux modes.
pub fn caracteres_interdits(numero: usize, e: &Enregistrement) -> Vec<Probleme> {
    let mut v = Vec::new();
    for (champ, valeur) in e {
        let Value::String(s) = valeur else { continue };
        if let Some(c) = crate::saisie::caractere_de_controle(s) {
            v.push(Probleme {
                enregistrement: numero,
                id: valeur_ref(e, "id").unwrap_or_default().into_owned(),
                champ: champ.clone(),
                valeur: tronque(&s.replace(|c: char| c.is_control(), "\u{FFFD}")),
                regle: "caracteres".into(),
                message: crate::saisie::message_controle(champ, c),
            });
        }
    }
    v
}

/// Valide un enregistrement ; `numero` commence à 1.
pub fn valider(schema: &SchemaTable, numero: usize, e: &Enregistrement) -> Vec<Probleme> {
    let mut v = Vec::new();
    let mut probleme = |champ: &Champ, valeur: &str, regle: &str, message: String| {
        v.push(Probleme {
            enregistrement: numero,
            id: valeur_ref(e, "id").unwrap_or_default().into_owned(),
            champ: champ.nom.clone(),
            valeur: tronque(valeur),
            regle: regle.into(),
            message,
        });
    };
    let valeurs = valeurs_du_schema(&schema.champs, e);
    for (c, v) in schema.champs.iter().zip(valeurs) {
        let Some(s) = v.and_then(en_texte) else {
            if c.obligatoire {
                probleme(
                    c,
                    "",
                    "obligatoire",
                    format!("le champ « {} » est obligatoire", c.nom),
                );
            }
            continue;
        };
        match c.type_champ {
            TypeChamp::Nombre | TypeChamp::Entier => {
                let n = s.trim().parse::<f64>().ok().filter(|n| n.is_finite());
                match n {
                    None => probleme(c, &s, "type", format!("« {} » doit être un nombre", c.nom)),
                    Some(n) if c.type_champ == TypeChamp::Entier && n.fract() != 0.0 => probleme(
                        c,
                        &s,
                        "type",
                        format!("« {} » doit être un nombre entier", c.nom),
                    ),
                    Some(n) => {
                        if c.minimum.is_some_and(|m| n < m) {
                            probleme(
                                c,
                                &s,
                                "minimum",
                                format!(
                                    "« {} » doit valoir au moins {}",
                                    c.nom,
                                    c.minimum.unwrap_or_default()
                                ),
                            );
                        }
                        if c.maximum.is_some_and(|m| n > m) {
                            probleme(
                                c,
                                &s,
                                "maximum",
                                format!(
                                    "« {} » doit valoir au plus {}",
                                    c.nom,
                                    c.maximum.unwrap_or_default()
                                ),
                            );
                        }
                    }
                }
            }
            TypeChamp::Date => {
                if NaiveDate::parse_from_str(&s, "%Y-%m-%d").is_err() {
                    probleme(
                        c,
                        &s,
                        "type",
                        format!("« {} » doit être une date au format AAAA-MM-JJ", c.nom),
                    );
                }
            }
            TypeChamp::Booleen => {
                if !matches!(s.as_ref(), "true" | "false" | "True" | "False" | "1" | "0") {
                    probleme(
                        c,
                        &s,
                        "type",
                        format!("« {} » doit valoir true ou false", c.nom),
                    );
                }
            }
            TypeChamp::Texte => {}
        }
        if let Some((motif, r)) = &c.motif {
            if !r.is_match(&s) {
                probleme(
                    c,
                    &s,
                    "motif",
                    format!(
                        "« {} » ne respecte pas le format attendu ({})",
                        c.nom,
                        tronque(motif)
                    ),
                );
            }
        }
        if let Some(max) = c.longueur_max {
            let n = s.chars().count();
            if n > max {
                probleme(
                    c,
                    &s,
                    "longueur",
                    format!("« {} » ne doit pas dépasser {max} caractères ({n})", c.nom),
                );
            }
        }
        if let Some(valeurs) = &c.valeurs {
            if !valeurs.iter().any(|x| x == s.as_ref()) {
                probleme(
                    c,
                    &s,
                    "valeurs",
                    format!(
                        "« {} » doit être l'une des valeurs : {}",
                        c.nom,
                        valeurs.join(", ")
                    ),
                );
            }
        }
    }
    v
}

/// Valide un lot : chaque enregistrement, puis l'unicité des champs qui l'exigent.
pub fn valider_lot(schema: &SchemaTable, lot: &[Enregistrement]) -> Vec<Probleme> {
    let mut v: Vec<Probleme> = lot
        .iter()
        .enumerate()
        .flat_map(|(i, e)| valider(schema, i + 1, e))
        .collect();
    v.extend(unicite(schema, lot));
    v.sort_by(|a, b| (a.enregistrement, &a.champ).cmp(&(b.enregistrement, &b.champ)));
    v
}

/// Problèmes d'unicité d'un lot (champs `unique` du schéma).
pub fn unicite(schema: &SchemaTable, lot: &[Enregistrement]) -> Vec<Probleme> {
    let mut v = Vec::new();
    for c in schema.champs.iter().filter(|c| c.unique) {
        let mut vus: HashMap<String, usize> = HashMap::new();
        for (i, e) in lot.iter().enumerate() {
            let Some(s) = valeur(e, &c.nom) else {
                continue;
            };
            if let Some(premier) = vus.get(&s) {
                v.push(Probleme {
                    enregistrement: i + 1,
                    id: valeur(e, "id").unwrap_or_default(),
                    champ: c.nom.clone(),
                    valeur: tronque(&s),
                    regle: "unique".into(),
                    message: format!("« {} » doit être unique : valeur déjà prise par l'enregistrement n° {premier}", c.nom),
                });
            } else {
                vus.insert(s, i + 1);
            }
        }
    }
    v
}

/// Format d'un fichier de lieux.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    /// Format d'après l'extension du nom de fichier.
    pub fn depuis_nom(nom: &str) -> Option<Format> {
        let n = nom.to_lowercase();
        if n.ends_with(".csv") {
            Some(Format::Csv)
        } else if n.ends_with(".json") {
            Some(Format::Json)
        } else {
            None
        }
    }
}

/// Lit un fichier de lieux (octets bruts) : UTF-8 exigé (avec ou sans BOM), fins de ligne CRLF
/// ou LF, séparateur virgule. Une erreur de structure (guillemets, nombre de colonnes, JSON
/// invalide) est rendue avec sa position, en français ; rien n'est lu à moitié. Même lecture que
/// l'import en flux ([`flux::lire_en_flux`]), le tout gardé en mémoire.
pub fn lire(octets: &[u8], format: Format) -> Result<Vec<Enregistrement>, String> {
    let mut lot = Vec::new();
    flux::lire_en_flux(octets, format, &mut |e| {
        lot.push(e);
        true
    })?;
    Ok(lot)
}
