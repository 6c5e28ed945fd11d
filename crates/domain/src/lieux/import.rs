//! Préparation d'un import : lecture, traduction v0.1 s'il le faut, validation dans le mode
//! choisi, tri des enregistrements valides et rejetés. Pur : les octets entrent, un bilan sort.
//! Le CLI et la page d'import s'en servent tous deux.

use std::collections::BTreeSet;

use serde::Serialize;

use super::v01::{NoteTraduction, Traduction};
use super::{lire, valider, Enregistrement, Format, Probleme, SchemaTable};

/// Mode de validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Mode {
    /// Le schéma officiel v1.0.2, tel que publié.
    Strict,
    /// Ce qu'accepte la bibliothèque de référence `@gouvfr-anct/lieux-de-mediation-numerique`
    /// (règles dans `schemas/lieux/mode-compatible.toml`).
    Compatible,
}

impl Mode {
    pub fn depuis_nom(nom: &str) -> Option<Mode> {
        match nom.trim() {
            "strict" => Some(Mode::Strict),
            "compatible" => Some(Mode::Compatible),
            _ => None,
        }
    }
    pub fn nom(self) -> &'static str {
        match self {
            Mode::Strict => "strict",
            Mode::Compatible => "compatible",
        }
    }
}

/// Version du schéma d'un fichier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Version {
    /// Reconnue d'après le contenu.
    Auto,
    V01,
    V1,
}

impl Version {
    pub fn depuis_nom(nom: &str) -> Option<Version> {
        match nom.trim() {
            "auto" | "" => Some(Version::Auto),
            "0.1" | "v0.1" | "0.1.1" => Some(Version::V01),
            "1" | "1.0" | "1.0.2" | "v1" => Some(Version::V1),
            _ => None,
        }
    }
}

/// Étape en cours (pour une barre de progression).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Etape {
    Lecture,
    Traduction,
    Validation,
}

/// Bilan de préparation.
#[derive(Debug, Clone, Serialize)]
pub struct Preparation {
    pub total: usize,
    /// Version lue : « 1.0.2 » ou « 0.1 » (traduite).
    pub version: &'static str,
    pub mode: Mode,
    #[serde(skip)]
    pub valides: Vec<Enregistrement>,
    /// Numéros (à partir de 1) des enregistrements rejetés.
    pub rejetes: BTreeSet<usize>,
    pub problemes: Vec<Probleme>,
    pub traduction: Vec<NoteTraduction>,
}

/// Colonnes du rapport d'import, une ligne par problème ou note de traduction (la ligne de
/// commande les fait précéder du nom du fichier).
pub const COLONNES_RAPPORT: [&str; 6] = [
    "enregistrement",
    "id",
    "champ",
    "valeur",
    "regle",
    "message",
];

/// Règle inscrite au rapport d'import pour une note de traduction.
pub const REGLE_TRADUCTION: &str = "traduction v0.1";

/// Message d'une note de traduction au rapport d'import : le message, suivi de la valeur v1
/// quand il y en a une.
pub fn message_traduction(n: &NoteTraduction) -> String {
    if n.apres.is_empty() {
        n.message.clone()
    } else {
        format!("{} → {}", n.message, n.apres)
    }
}

/// Lit, traduit et valide ; `progres(étape, fait, total)` est appelé régulièrement.
pub fn preparer(
    octets: &[u8],
    format: Format,
    schema: &SchemaTable,
    mode: Mode,
    version: Version,
    progres: &mut dyn FnMut(Etape, usize, usize),
) -> Result<Preparation, String> {
    progres(Etape::Lecture, 0, 1);
    let lot = lire(octets, format)?;
    let total = lot.len();
    progres(Etape::Lecture, 1, 1);
    let traduction = Traduction::embarquee();
    let v01 = match version {
        Version::V01 => true,
        Version::V1 => false,
        Version::Auto => traduction.reconnait(&lot),
    };
    let (lot, notes) = if v01 {
        progres(Etape::Traduction, 0, total);
        let r = traduction.traduire(lot);
        progres(Etape::Traduction, total, total);
        r
    } else {
        (lot, Vec::new())
    };
    let (lot, problemes) = valider_selon(schema, mode, lot, progres);
    let rejetes: BTreeSet<usize> = problemes.iter().map(|p| p.enregistrement).collect();
    let valides = lot
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !rejetes.contains(&(i + 1)))
        .map(|(_, e)| e)
        .collect();
    Ok(Preparation {
        total,
        version: if v01 { "0.1" } else { "1.0.2" },
        mode,
        valides,
        rejetes,
        problemes,
        traduction: notes,
    })
}

/// Valide un lot dans un mode ; en mode compatible, les enregistrements sont d'abord ramenés à la
/// forme officielle quand c'est sans perte (voir [`super::compatible`]).
pub fn valider_selon(
    schema: &SchemaTable,
    mode: Mode,
    lot: Vec<Enregistrement>,
    progres: &mut dyn FnMut(Etape, usize, usize),
) -> (Vec<Enregistrement>, Vec<Probleme>) {
    let total = lot.len();
    let compatible = (mode == Mode::Compatible).then(super::compatible::Compatible::embarque);
    let (schema_mode, lot) = match &compatible {
        None => (None, lot),
        Some(c) => {
            let lot = lot.into_iter().map(|e| c.normaliser(e)).collect();
            (Some(c.schema(schema)), lot)
        }
    };
    let s = schema_mode.as_ref().unwrap_or(schema);
    // Validation en parallèle, par tranches, la progression rendue entre deux tranches.
    use rayon::prelude::*;
    let mut problemes = Vec::new();
    let tranche = (total / 50).max(1000);
    for (k, morceau) in lot.chunks(tranche).enumerate() {
        let debut = k * tranche;
        problemes.par_extend(morceau.par_iter().enumerate().flat_map_iter(|(i, e)| {
            valider(s, debut + i + 1, e)
                .into_iter()
                .filter(|p| compatible.as_ref().is_none_or(|c| c.compte(e, &p.champ)))
        }));
        progres(Etape::Validation, debut + morceau.len(), total);
    }
    problemes.par_extend(
        lot.par_iter()
            .enumerate()
            .flat_map_iter(|(i, e)| super::caracteres_interdits(i + 1, e)),
    );
    problemes.extend(super::unicite(s, &lot));
    problemes.sort_by(|a, b| (a.enregistrement, &a.champ).cmp(&(b.enregistrement, &b.champ)));
    progres(Etape::Validation, total, total);
    (lot, problemes)
}
