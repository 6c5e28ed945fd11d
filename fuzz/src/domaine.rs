//! Ce que les cibles de fuzzing du domaine exercent, en un seul endroit : les cibles
//! (`fuzz_targets/*.rs`) et le test de non-régression
//! `crates/domain/tests/integration/fuzz_regressions.rs` (qui inclut ce fichier par `#[path]`)
//! appellent les mêmes fonctions, ils ne peuvent pas diverger.
//!
//! Chaque fonction doit rendre la main sans paniquer, quelle que soit l'entrée ; les `assert!`
//! vérifient en plus des propriétés qui doivent toujours tenir.

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime};
use reperes_domain::catalogue::charger;
use reperes_domain::horaires::Horaires;
use reperes_domain::lieux::import::{preparer, Mode, Version};
use reperes_domain::lieux::{export, lire, schema_national, Format, SchemaTable};

static SCHEMA: LazyLock<SchemaTable> = LazyLock::new(schema_national);

/// Importe un fichier de lieux en mode strict dans chaque version (reconnue, v0.1 forcée, v1
/// forcée), puis en mode compatible dans l'une des trois (choisie d'après la longueur de l'entrée :
/// le mode compatible compile ses motifs à chaque appel, ce qui coûte cher sous libFuzzer).
/// Les lieux retenus en strict v1 sont exportés en CSV puis relus : l'export doit se relire.
pub fn lieux(octets: &[u8], format: Format) -> Vec<Result<usize, String>> {
    let versions = [Version::Auto, Version::V01, Version::V1];
    let essais = versions
        .iter()
        .map(|v| (Mode::Strict, *v))
        .chain([(Mode::Compatible, versions[octets.len() % 3])]);
    let mut bilans = Vec::new();
    for (mode, version) in essais {
        let r = preparer(octets, format, &SCHEMA, mode, version, &mut |_, _, _| {});
        let p = match r {
            Ok(p) => p,
            Err(message) => {
                bilans.push(Err(message));
                continue;
            }
        };
        assert_eq!(p.valides.len() + p.rejetes.len(), p.total);
        assert!(p.rejetes.iter().all(|n| (1..=p.total).contains(n)));
        if mode == Mode::Strict && version == Version::V1 && !p.valides.is_empty() {
            let lieux = p.valides.iter().map(|e| ("fuzz".to_string(), e.clone()));
            let (exportes, _) = export::preparer(&SCHEMA, lieux.collect());
            let csv = export::en_csv(&SCHEMA, &exportes);
            let relus = lire(&csv, Format::Csv)
                .unwrap_or_else(|e| panic!("l'export CSV ne se relit pas : {e}"));
            assert_eq!(relus.len(), exportes.len());
        }
        bilans.push(Ok(p.total));
    }
    bilans
}

pub fn lieux_csv(octets: &[u8]) -> Vec<Result<usize, String>> {
    lieux(octets, Format::Csv)
}

pub fn lieux_json(octets: &[u8]) -> Vec<Result<usize, String>> {
    lieux(octets, Format::Json)
}

const NOMENCLATURES: &str = include_str!("../../referentiels/nomenclatures.toml");
const NEC_2021: &str = include_str!("../../referentiels/label-nec-2021.toml");

/// Charge un fichier de référentiel seul, puis à côté des nomenclatures et d'un label réels
/// (pour les contrôles croisés) ; chaque erreur s'affiche.
pub fn referentiel(texte: &str) -> Vec<String> {
    let mut messages = Vec::new();
    let jeux = [
        vec![("fuzz.toml".to_string(), texte.to_string())],
        vec![
            ("nomenclatures.toml".to_string(), NOMENCLATURES.to_string()),
            ("label-nec-2021.toml".to_string(), NEC_2021.to_string()),
            ("fuzz.toml".to_string(), texte.to_string()),
        ],
    ];
    for fichiers in jeux {
        match charger(&fichiers) {
            Ok(c) => messages.push(format!("{} fichiers", c.nombre_fichiers())),
            Err(e) => messages.push(e.to_string()),
        }
    }
    messages
}

fn instant(a: i32, m: u32, j: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(a, m, j)
        .and_then(|d| d.and_hms_opt(h, min, 0))
        .expect("instant valide")
}

/// Analyse des horaires, puis description en français et ouverture à quelques instants (jour
/// ordinaire, jour férié et son lendemain, bornes des dates évaluées) ; `est_ouvert` (table de la
/// semaine) doit s'accorder avec `prochaine_ouverture` (évaluation du crate).
pub fn horaires(texte: &str) -> Result<Vec<String>, String> {
    let h = Horaires::analyser(texte).map_err(|e| e.to_string())?;
    let mots = h.en_mots();
    assert!(!mots.is_empty());
    let instants = [
        instant(2025, 1, 6, 9, 30),   // lundi ordinaire
        instant(2025, 3, 8, 23, 59),  // samedi soir
        instant(2024, 7, 14, 10, 0),  // dimanche férié
        instant(2024, 7, 15, 0, 0),   // lendemain de férié
        instant(2024, 12, 25, 12, 0), // Noël
        instant(1900, 1, 2, 0, 0),
        instant(9999, 12, 30, 23, 59),
    ];
    for quand in instants {
        let ouvert = h.est_ouvert(quand);
        let prochaine = h.prochaine_ouverture(quand);
        assert_eq!(
            ouvert,
            prochaine == Some(quand),
            "{texte:?} à {quand} : est_ouvert = {ouvert}, prochaine_ouverture = {prochaine:?}"
        );
    }
    Ok(mots)
}
