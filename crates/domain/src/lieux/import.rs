//! Préparation d'un import : lecture, traduction v0.1 s'il le faut, validation dans le mode
//! choisi, tri des enregistrements valides et rejetés. Pur : les octets entrent, un bilan sort.
//! Le CLI et la page d'import s'en servent tous deux.

use std::collections::BTreeSet;

use serde::Serialize;

use super::flux::{parcourir, ErreurParcours, Paquet, Validation, TAILLE_PAQUET};
use super::v01::NoteTraduction;
use super::{Enregistrement, Format, Probleme, SchemaTable};

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

/// Lit, traduit et valide, tout en mémoire (tests, petits fichiers) : le même chemin que
/// l'import en flux ([`super::flux::parcourir`]), les paquets rassemblés.
/// `progres(étape, fait, total)` est appelé après chaque paquet.
pub fn preparer(
    octets: &[u8],
    format: Format,
    schema: &SchemaTable,
    mode: Mode,
    version: Version,
    progres: &mut dyn FnMut(Etape, usize, usize),
) -> Result<Preparation, String> {
    progres(Etape::Lecture, 0, 1);
    let mut valides = Vec::new();
    let mut rejetes = BTreeSet::new();
    let mut problemes = Vec::new();
    let mut traduction = Vec::new();
    let bilan = parcourir(
        octets,
        format,
        schema,
        mode,
        version,
        TAILLE_PAQUET,
        &mut |p: Paquet| -> Result<(), std::convert::Infallible> {
            valides.extend(p.valides);
            rejetes.extend(p.rejetes);
            problemes.extend(p.problemes);
            traduction.extend(p.traduction);
            progres(Etape::Validation, p.lus, p.lus);
            Ok(())
        },
    )
    .map_err(|e| match e {
        ErreurParcours::Fichier(m) => m,
        ErreurParcours::Rappel(jamais) => match jamais {},
    })?;
    progres(Etape::Validation, bilan.total, bilan.total);
    Ok(Preparation {
        total: bilan.total,
        version: bilan.version,
        mode,
        valides,
        rejetes,
        problemes,
        traduction,
    })
}

/// Valide un lot dans un mode (sans traduction) ; en mode compatible, les enregistrements sont
/// d'abord ramenés à la forme officielle quand c'est sans perte (voir [`super::compatible`]).
/// Rend le lot (normalisé) et ses problèmes ; même validation que l'import en flux.
pub fn valider_selon(
    schema: &SchemaTable,
    mode: Mode,
    lot: Vec<Enregistrement>,
    progres: &mut dyn FnMut(Etape, usize, usize),
) -> (Vec<Enregistrement>, Vec<Probleme>) {
    let total = lot.len();
    let mut validation = Validation::new(schema, mode, false);
    let mut tous = Vec::with_capacity(total);
    let mut problemes = Vec::new();
    let mut lot = lot;
    while !lot.is_empty() {
        let reste = lot.split_off(lot.len().min(TAILLE_PAQUET));
        let p = validation.paquet_complet(std::mem::replace(&mut lot, reste));
        tous.extend(p.0);
        problemes.extend(p.1);
        progres(Etape::Validation, tous.len(), total);
    }
    (tous, problemes)
}
