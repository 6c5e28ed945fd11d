//! `reperes lieux …` : import, vérification, export, doublons des lieux de médiation numérique
//! (schéma national v1.0.2 ; fichiers v0.1 traduits explicitement).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use reperes_domain::lieux::doublons::doublons_probables;
use reperes_domain::lieux::export::{self, data_inclusion};
use reperes_domain::lieux::import::{
    message_traduction, preparer, Etape, Mode, Preparation, Version, COLONNES_RAPPORT,
    REGLE_TRADUCTION,
};
use reperes_domain::lieux::index::{Autour, Criteres, IndexLieux, Quand};
use reperes_domain::lieux::{lire, Format, SchemaTable};
use reperes_domain::Role;
use reperes_store::{Acteur, Store};
use serde_json::{json, Value};

fn schema() -> SchemaTable {
    reperes_domain::lieux::schema_national()
}

/// Mode et version choisis.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub mode: Mode,
    pub version: Version,
}

impl Options {
    pub fn depuis(mode: &str, version: &str) -> anyhow::Result<Options> {
        Ok(Options {
            mode: Mode::depuis_nom(mode)
                .ok_or_else(|| anyhow::anyhow!("mode « {mode} » inconnu : strict ou compatible"))?,
            version: Version::depuis_nom(version).ok_or_else(|| {
                anyhow::anyhow!("version de schéma « {version} » inconnue : auto, 0.1 ou 1.0.2")
            })?,
        })
    }
}

/// Barre de progression sur la sortie d'erreur (masquée hors terminal).
fn barre() -> ProgressBar {
    let b = ProgressBar::new(1);
    b.set_style(
        ProgressStyle::with_template("{msg:<28} [{bar:30}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    b.enable_steady_tick(Duration::from_millis(200));
    b
}

fn etape(b: &ProgressBar) -> impl FnMut(Etape, usize, usize) + '_ {
    move |e, fait, total| {
        b.set_message(match e {
            Etape::Lecture => "Lecture",
            Etape::Traduction => "Traduction v0.1 → v1",
            Etape::Validation => "Validation",
        });
        b.set_length(total as u64);
        b.set_position(fait as u64);
    }
}

/// Lignes du rapport : problèmes puis notes de traduction.
fn lignes_rapport(fichier: &str, p: &Preparation) -> Vec<Value> {
    let mut v: Vec<Value> = p
        .problemes
        .iter()
        .map(|x| {
            let mut o = serde_json::to_value(x).unwrap_or_default();
            o["fichier"] = json!(fichier);
            o
        })
        .collect();
    v.extend(p.traduction.iter().map(|n| {
        json!({
            "fichier": fichier,
            "enregistrement": n.enregistrement,
            "id": n.id,
            "champ": n.champ,
            "valeur": n.avant,
            "regle": REGLE_TRADUCTION,
            "message": message_traduction(n),
        })
    }));
    v
}

/// Ce que laisse le traitement d'une liste de fichiers (vérification ou import) : les lignes du
/// rapport, un fichier illisible ou non, le nombre de problèmes.
#[derive(Default)]
struct Suivi {
    lignes: Vec<Value>,
    illisible: bool,
    problemes: usize,
}

impl Suivi {
    /// Affiche les problèmes d'un fichier, ajoute ses lignes au rapport et les compte.
    fn ajouter(&mut self, nom: &str, p: &Preparation) {
        afficher(nom, p);
        self.lignes.extend(lignes_rapport(nom, p));
        self.problemes += p.problemes.len();
    }

    /// Écrit le rapport complet, s'il est demandé ([`ecrire_rapport`]).
    fn ecrire_rapport(&self, rapport: Option<&Path>) -> anyhow::Result<()> {
        match rapport {
            Some(r) => ecrire_rapport(r, &self.lignes),
            None => Ok(()),
        }
    }

    /// Code de sortie d'une commande sur des fichiers de lieux : 2 si un fichier est illisible, 1
    /// s'il reste des problèmes, 0 sinon.
    fn code_de_sortie(&self) -> ExitCode {
        if self.illisible {
            ExitCode::from(2)
        } else if self.problemes == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// Écrit le rapport complet (CSV, ou JSON si le nom finit par `.json`) et dit où il est.
fn ecrire_rapport(chemin: &Path, lignes: &[Value]) -> anyhow::Result<()> {
    if Format::depuis_nom(&chemin.to_string_lossy()) == Some(Format::Json) {
        std::fs::write(chemin, serde_json::to_string_pretty(lignes)?)?;
    } else {
        let mut w = csv::Writer::from_path(chemin)?;
        let colonnes: Vec<&str> = std::iter::once("fichier").chain(COLONNES_RAPPORT).collect();
        w.write_record(&colonnes)?;
        for l in lignes {
            w.write_record(colonnes.iter().map(|c| match &l[*c] {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                autre => autre.to_string(),
            }))?;
        }
        w.flush()?;
    }
    println!(
        "Rapport complet : {} ({} ligne(s)).",
        chemin.display(),
        lignes.len()
    );
    Ok(())
}

fn afficher(nom: &str, p: &Preparation) {
    for x in p.problemes.iter().take(30) {
        println!(
            "  enregistrement {:>6}  {:<24} {:<28} {:<11} {}",
            x.enregistrement, x.id, x.champ, x.regle, x.message
        );
    }
    if p.problemes.len() > 30 {
        println!(
            "  … et {} autre(s) problème(s) dans {nom} : voir le rapport (--rapport).",
            p.problemes.len() - 30
        );
    }
}

/// Lit et prépare un fichier ; Err : fichier illisible (message déjà affiché).
fn preparer_fichier(
    f: &Path,
    o: Options,
    schema: &SchemaTable,
    b: &ProgressBar,
) -> Result<Preparation, ()> {
    let nom = f.display().to_string();
    let Some(format) = Format::depuis_nom(&nom) else {
        eprintln!("{nom} : format inconnu (attendu .csv ou .json)");
        return Err(());
    };
    let octets = std::fs::read(f).map_err(|e| eprintln!("{nom} : lecture impossible : {e}"))?;
    preparer(&octets, format, schema, o.mode, o.version, &mut etape(b))
        .map_err(|e| eprintln!("{nom} : {e}"))
}

pub async fn importer(
    store: &Store,
    fichiers: &[PathBuf],
    source: Option<&str>,
    o: Options,
    rapport: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let schema = schema();
    let mut suivi = Suivi::default();
    for f in fichiers {
        let nom = f.display().to_string();
        let b = barre();
        let Ok(p) = preparer_fichier(f, o, &schema, &b) else {
            b.finish_and_clear();
            suivi.illisible = true;
            continue;
        };
        let src = source.map(str::to_string).unwrap_or_else(|| {
            f.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "import".into())
        });
        b.set_message("Enregistrement");
        b.set_length(p.valides.len() as u64);
        b.set_position(0);
        let bb = b.clone();
        let bilan = store
            .importer_lieux(
                &Acteur::new("cli", Role::Systeme),
                &src,
                &p.valides,
                &move |fait, _| bb.set_position(fait as u64),
            )
            .await?;
        b.finish_and_clear();
        println!(
            "{nom} (source « {src} », schéma {}{}, mode {}) : {} enregistrement(s) lu(s), {} valide(s) importé(s) ({} créé(s), {} mis à jour), {} rejeté(s), {} problème(s).",
            p.version,
            if p.version == "0.1" { " traduit en v1.0.2" } else { "" },
            o.mode.nom(),
            p.total,
            p.valides.len(),
            bilan.crees,
            bilan.mis_a_jour,
            p.rejetes.len(),
            p.problemes.len()
        );
        if !p.traduction.is_empty() {
            println!(
                "  {} valeur(s) traduite(s), renommée(s) ou abandonnée(s) : voir le rapport.",
                p.traduction.len()
            );
        }
        suivi.ajouter(&nom, &p);
    }
    suivi.ecrire_rapport(rapport)?;
    let n = doublons_de(store).await?;
    if n > 0 {
        println!("{n} doublon(s) probable(s) à examiner : `reperes lieux doublons`.");
    }
    Ok(suivi.code_de_sortie())
}

pub fn verifier(
    fichiers: &[PathBuf],
    o: Options,
    lecture_seule: bool,
    rapport: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let schema = schema();
    let mut suivi = Suivi::default();
    for f in fichiers {
        let nom = f.display().to_string();
        let debut = Instant::now();
        if lecture_seule {
            let Some(format) = Format::depuis_nom(&nom) else {
                eprintln!("{nom} : format inconnu (attendu .csv ou .json)");
                suivi.illisible = true;
                continue;
            };
            match std::fs::read(f)
                .map_err(|e| e.to_string())
                .and_then(|o| lire(&o, format))
            {
                Ok(lot) => println!(
                    "{nom} : {} enregistrement(s) lu(s) en {:.3} s (lecture seule).",
                    lot.len(),
                    debut.elapsed().as_secs_f64()
                ),
                Err(e) => {
                    eprintln!("{nom} : {e}");
                    suivi.illisible = true;
                }
            }
            continue;
        }
        let b = barre();
        let p = preparer_fichier(f, o, &schema, &b);
        b.finish_and_clear();
        let Ok(p) = p else {
            suivi.illisible = true;
            continue;
        };
        println!(
            "{nom} (schéma {}, mode {}) : {} enregistrement(s), {} valide(s), {} rejeté(s), {} problème(s), en {:.3} s.",
            p.version,
            o.mode.nom(),
            p.total,
            p.valides.len(),
            p.rejetes.len(),
            p.problemes.len(),
            debut.elapsed().as_secs_f64()
        );
        suivi.ajouter(&nom, &p);
    }
    suivi.ecrire_rapport(rapport)?;
    Ok(suivi.code_de_sortie())
}

pub async fn exporter(
    store: &Store,
    format: &str,
    sortie: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let schema = schema();
    let (lieux, ecarts) = export::preparer(&schema, store.lieux().await?);
    let octets = match format {
        "csv" => export::en_csv(&schema, &lieux),
        "json" => export::en_json(&schema, &lieux),
        "geojson" => export::en_geojson(&schema, &lieux),
        "data-inclusion-structures" => serde_json::to_vec_pretty(&data_inclusion(&lieux).0)?,
        "data-inclusion-services" => serde_json::to_vec_pretty(&data_inclusion(&lieux).1)?,
        autre => {
            eprintln!("format « {autre} » inconnu : csv, json, geojson, data-inclusion-structures ou data-inclusion-services");
            return Ok(ExitCode::from(2));
        }
    };
    match sortie {
        Some(p) => std::fs::write(p, octets)?,
        None => std::io::Write::write_all(&mut std::io::stdout(), &octets)?,
    }
    if !ecarts.is_empty() {
        eprintln!(
            "{} écart(s) au schéma officiel (champs omis ou lieux exclus de l'export) ; détail : /donnees/lieux-ecarts.csv",
            ecarts.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn index_de(store: &Store) -> anyhow::Result<IndexLieux> {
    Ok(IndexLieux::construire(&schema(), store.lieux().await?))
}

async fn doublons_de(store: &Store) -> anyhow::Result<usize> {
    let index = index_de(store).await?;
    let distincts = store.lieux_distincts().await?;
    Ok(doublons_probables(&index)
        .iter()
        .filter(|d| {
            let (a, b) = (index.lieu(d.a), index.lieu(d.b));
            let (a, b) = (
                format!("{}/{}", a.source, a.id),
                format!("{}/{}", b.source, b.id),
            );
            let cle = if a <= b { (a, b) } else { (b, a) };
            !distincts.contains(&cle)
        })
        .count())
}

pub async fn doublons(store: &Store) -> anyhow::Result<ExitCode> {
    let index = index_de(store).await?;
    let v = doublons_probables(&index);
    println!("{} doublon(s) probable(s).", v.len());
    for d in &v {
        let (a, b) = (index.lieu(d.a), index.lieu(d.b));
        println!(
            "  {} — {}/{} « {} » et {}/{} « {} »{}",
            d.motif,
            a.source,
            a.id,
            a.nom,
            b.source,
            b.id,
            b.nom,
            d.distance_m
                .map(|m| format!(" ({m:.0} m)"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Banc d'essai de la recherche : requêtes « à 30 km d'un lieu tiré au hasard, un service,
/// ouvert à `instant` » (RFC 3339, fixe : les chiffres ne dépendent pas de l'heure du banc) ;
/// affiche p50 et p99 en microsecondes et le nombre moyen de résultats.
pub fn mesurer_recherche(
    fichier: &Path,
    requetes: usize,
    instant: &str,
) -> anyhow::Result<ExitCode> {
    let instant = chrono::DateTime::parse_from_rfc3339(instant)
        .map_err(|e| anyhow::anyhow!("instant « {instant} » illisible (RFC 3339 attendu) : {e}"))?;
    let maintenant = instant.with_timezone(&chrono::Utc);
    let schema = schema();
    let nom = fichier.display().to_string();
    let format = Format::depuis_nom(&nom).ok_or_else(|| anyhow::anyhow!("format inconnu"))?;
    let lot = lire(&std::fs::read(fichier)?, format).map_err(anyhow::Error::msg)?;
    let debut = Instant::now();
    let index = IndexLieux::construire(
        &schema,
        lot.into_iter().map(|e| ("banc".to_string(), e)).collect(),
    );
    let construction = debut.elapsed();
    let services = schema
        .champ("services")
        .map(|c| c.valeurs_enumerees())
        .unwrap_or_default();
    let centres: Vec<(f64, f64)> = index.lieux().iter().filter_map(|l| l.position).collect();
    if centres.is_empty() || services.is_empty() {
        anyhow::bail!("aucun lieu situé dans {nom}");
    }
    // Générateur pseudo-aléatoire déterministe (xorshift) : mêmes requêtes à chaque exécution.
    let mut graine: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut suivant = move || {
        graine ^= graine << 13;
        graine ^= graine >> 7;
        graine ^= graine << 17;
        graine
    };
    let mut durees = Vec::with_capacity(requetes);
    let mut trouves = 0usize;
    for _ in 0..requetes {
        let (lat, lon) = centres[(suivant() % centres.len() as u64) as usize];
        let service = &services[(suivant() % services.len() as u64) as usize];
        let c = Criteres {
            autour: Some(Autour {
                latitude: lat,
                longitude: lon,
                rayon_km: 30.0,
            }),
            quand: Some(Quand::Instant(maintenant)),
            ..Criteres::default()
        }
        .avec("services", &[service.as_str()]);
        let t = Instant::now();
        let r = index.chercher(&c);
        durees.push(t.elapsed());
        trouves += r.len();
    }
    durees.sort();
    let centile = |p: f64| {
        durees[((durees.len() as f64 * p).ceil() as usize)
            .saturating_sub(1)
            .min(durees.len() - 1)]
        .as_secs_f64()
            * 1e6
    };
    println!(
        "lieux={} construction_ms={:.0} requetes={} instant={} resultats_moyens={:.2} p50_us={:.0} p99_us={:.0} max_us={:.0}",
        index.len(),
        construction.as_secs_f64() * 1000.0,
        requetes,
        instant.to_rfc3339(),
        trouves as f64 / requetes.max(1) as f64,
        centile(0.50),
        centile(0.99),
        centile(1.0)
    );
    Ok(ExitCode::SUCCESS)
}
