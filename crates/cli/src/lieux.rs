//! `reperes lieux …` : import, vérification, export, doublons des lieux de médiation numérique
//! (schéma national v1.0.2 ; fichiers v0.1 traduits explicitement).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use reperes_domain::lieux::doublons::doublons_probables;
use reperes_domain::lieux::export::{self, data_inclusion};
use reperes_domain::lieux::flux::{lire_en_flux, parcourir, ErreurParcours, Paquet, TAILLE_PAQUET};
use reperes_domain::lieux::import::{
    message_traduction, Mode, Version, COLONNES_RAPPORT, REGLE_TRADUCTION,
};
use reperes_domain::lieux::index::{Autour, ConstructionIndex, Criteres, IndexLieux, Quand};
use reperes_domain::lieux::{lire, schema_national_statique, Format, Probleme, SchemaTable};
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

/// Problèmes gardés pour le terminal (le rapport les a tous).
const A_L_ECRAN: usize = 30;

/// Barre de progression en octets lus, sur la sortie d'erreur (masquée hors terminal).
fn barre(taille: u64) -> ProgressBar {
    let b = ProgressBar::new(taille);
    b.set_style(
        ProgressStyle::with_template("{msg:<28} [{bar:30}] {bytes}/{total_bytes} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    b.set_message("Lecture et validation");
    b.enable_steady_tick(Duration::from_millis(200));
    b
}

/// Un fichier lu en comptant les octets sur la barre de progression.
struct Compte<R> {
    interne: R,
    barre: ProgressBar,
}

impl<R: Read> Read for Compte<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.interne.read(buf)?;
        self.barre.inc(n as u64);
        Ok(n)
    }
}

/// Rapport complet écrit au fil de l'eau : CSV, ou tableau JSON écrit élément par élément.
enum Sortie {
    Csv(Box<csv::Writer<File>>),
    Json { w: BufWriter<File>, premier: bool },
}

/// Ce que laisse le traitement d'une liste de fichiers (vérification ou import) : le rapport
/// en cours d'écriture, un fichier illisible ou non, le nombre de problèmes.
struct Suivi {
    rapport: Option<(PathBuf, Sortie)>,
    lignes: usize,
    illisible: bool,
    problemes: usize,
}

/// Colonnes du rapport de la ligne de commande.
fn colonnes() -> Vec<&'static str> {
    std::iter::once("fichier").chain(COLONNES_RAPPORT).collect()
}

/// Problèmes d'un fichier : les premiers, pour le terminal, et le nombre.
#[derive(Default)]
struct Ecran {
    premiers: Vec<Probleme>,
    nombre: usize,
}

impl Suivi {
    /// Ouvre le rapport s'il est demandé (CSV, ou JSON si le nom finit par `.json`).
    fn new(rapport: Option<&Path>) -> anyhow::Result<Suivi> {
        let rapport = match rapport {
            None => None,
            Some(chemin) => {
                let sortie = if Format::depuis_nom(&chemin.to_string_lossy()) == Some(Format::Json)
                {
                    let mut w = BufWriter::new(File::create(chemin)?);
                    w.write_all(b"[")?;
                    Sortie::Json { w, premier: true }
                } else {
                    let mut w = csv::Writer::from_path(chemin)?;
                    w.write_record(colonnes())?;
                    Sortie::Csv(Box::new(w))
                };
                Some((chemin.to_path_buf(), sortie))
            }
        };
        Ok(Suivi {
            rapport,
            lignes: 0,
            illisible: false,
            problemes: 0,
        })
    }

    fn ligne(&mut self, l: Value) -> anyhow::Result<()> {
        self.lignes += 1;
        match &mut self.rapport {
            None => {}
            Some((_, Sortie::Json { w, premier })) => {
                w.write_all(if *premier { b"\n" } else { b",\n" })?;
                *premier = false;
                serde_json::to_writer_pretty(&mut *w, &l)?;
            }
            Some((_, Sortie::Csv(w))) => {
                w.write_record(colonnes().iter().map(|c| match &l[*c] {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    autre => autre.to_string(),
                }))?;
            }
        }
        Ok(())
    }

    /// Un paquet : ses problèmes puis ses notes de traduction au rapport ; les premiers
    /// problèmes gardés pour le terminal.
    fn paquet(&mut self, fichier: &str, p: &Paquet, ecran: &mut Ecran) -> anyhow::Result<()> {
        for x in &p.problemes {
            let mut o = serde_json::to_value(x).unwrap_or_default();
            o["fichier"] = json!(fichier);
            self.ligne(o)?;
        }
        for n in &p.traduction {
            self.ligne(json!({
                "fichier": fichier,
                "enregistrement": n.enregistrement,
                "id": n.id,
                "champ": n.champ,
                "valeur": n.avant,
                "regle": REGLE_TRADUCTION,
                "message": message_traduction(n),
            }))?;
        }
        let place = A_L_ECRAN.saturating_sub(ecran.premiers.len());
        ecran
            .premiers
            .extend(p.problemes.iter().take(place).cloned());
        ecran.nombre += p.problemes.len();
        self.problemes += p.problemes.len();
        Ok(())
    }

    /// Conflits relevés par l'import entre la source et les champs tenus dans Repères : une
    /// ligne du rapport chacun (règle `conflit`), qui ne compte pas comme un problème.
    fn conflits(
        &mut self,
        fichier: &str,
        conflits: &[reperes_store::ConflitLieu],
    ) -> anyhow::Result<()> {
        for c in conflits {
            self.ligne(json!({
                "fichier": fichier,
                "enregistrement": Value::Null,
                "id": c.lieu_id,
                "champ": c.champ,
                "valeur": c.valeur_importee,
                "regle": "conflit",
                "message": message_conflit(c),
            }))?;
        }
        Ok(())
    }

    /// Termine le rapport, s'il est demandé, et dit où il est.
    fn fin(&mut self) -> anyhow::Result<()> {
        let Some((chemin, sortie)) = self.rapport.take() else {
            return Ok(());
        };
        match sortie {
            Sortie::Json { mut w, premier } => {
                w.write_all(if premier { b"]" } else { b"\n]" })?;
                w.flush()?;
            }
            Sortie::Csv(mut w) => w.flush()?,
        }
        println!(
            "Rapport complet : {} ({} ligne(s)).",
            chemin.display(),
            self.lignes
        );
        Ok(())
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

fn afficher(nom: &str, ecran: &Ecran) {
    for x in &ecran.premiers {
        println!(
            "  enregistrement {:>6}  {:<24} {:<28} {:<11} {}",
            x.enregistrement, x.id, x.champ, x.regle, x.message
        );
    }
    if ecran.nombre > A_L_ECRAN {
        println!(
            "  … et {} autre(s) problème(s) dans {nom} : voir le rapport (--rapport).",
            ecran.nombre - A_L_ECRAN
        );
    }
}

/// Ouvre un fichier de lieux ; Err : fichier illisible (message déjà affiché).
fn ouvrir(f: &Path) -> Result<(Format, File, u64), ()> {
    let nom = f.display().to_string();
    let Some(format) = Format::depuis_nom(&nom) else {
        eprintln!("{nom} : format inconnu (attendu .csv ou .json)");
        return Err(());
    };
    let fichier = File::open(f).map_err(|e| eprintln!("{nom} : lecture impossible : {e}"))?;
    let taille = fichier.metadata().map(|m| m.len()).unwrap_or(0);
    Ok((format, fichier, taille))
}

/// Importe en flux : un fil lit et valide (paquets de [`TAILLE_PAQUET`]), un canal borné (2
/// paquets) porte les paquets à l'écriture en base, qui les consomme dans une seule
/// transaction ; une erreur de structure du fichier annule tout (rien n'est lu à moitié).
pub async fn importer(
    store: &Store,
    fichiers: &[PathBuf],
    source: Option<&str>,
    o: Options,
    rapport: Option<&Path>,
    compter_doublons: bool,
) -> anyhow::Result<ExitCode> {
    let mut suivi = Suivi::new(rapport)?;
    let acteur = Acteur::new("cli", Role::Systeme);
    for f in fichiers {
        let nom = f.display().to_string();
        let Ok((format, fichier, taille)) = ouvrir(f) else {
            suivi.illisible = true;
            continue;
        };
        let src = source.map(str::to_string).unwrap_or_else(|| {
            f.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "import".into())
        });
        let b = barre(taille);
        let mut import = store.commencer_import_lieux(&acteur, &src).await?;
        let (envoi, reception) = std::sync::mpsc::sync_channel::<Paquet>(2);
        let lecture = Compte {
            interne: fichier,
            barre: b.clone(),
        };
        let lecteur = tokio::task::spawn_blocking(move || {
            parcourir(
                lecture,
                format,
                schema_national_statique(),
                o.mode,
                o.version,
                TAILLE_PAQUET,
                &mut |p| envoi.send(p),
            )
        });
        let mut ecran = Ecran::default();
        let mut reception = Some(reception);
        let mut echec = None;
        while let Some(r) = reception.take() {
            let (r, p) = tokio::task::spawn_blocking(move || {
                let p = r.recv();
                (r, p)
            })
            .await?;
            // Canal fermé : la lecture est finie (ou a échoué).
            let Ok(p) = p else { break };
            reception = Some(r);
            suivi.paquet(&nom, &p, &mut ecran)?;
            if let Err(e) = import.ecrire(&p.valides).await {
                echec = Some(e);
                break;
            }
        }
        // Réception lâchée : la lecture s'arrête au prochain paquet.
        drop(reception);
        let lu = lecteur.await?;
        if let Some(e) = echec {
            b.finish_and_clear();
            return Err(e.into());
        }
        let p = match lu {
            Ok(p) => p,
            Err(e) => {
                // Transaction lâchée sans être terminée : annulée.
                drop(import);
                b.finish_and_clear();
                eprintln!("{nom} : {e}");
                suivi.illisible = true;
                continue;
            }
        };
        b.set_message("Enregistrement");
        let (bilan, conflits) = import.terminer_avec_conflits().await?;
        b.finish_and_clear();
        suivi.conflits(&nom, &conflits)?;
        println!(
            "{nom} (source « {src} », schéma {}{}, mode {}) : {} enregistrement(s) lu(s), {} valide(s) importé(s) ({} créé(s), {} mis à jour), {} rejeté(s), {} problème(s).",
            p.version,
            if p.version == "0.1" { " traduit en v1.0.2" } else { "" },
            o.mode.nom(),
            p.total,
            p.valides,
            bilan.crees,
            bilan.mis_a_jour,
            p.rejetes,
            p.problemes
        );
        if p.traduction > 0 {
            println!(
                "  {} valeur(s) traduite(s), renommée(s) ou abandonnée(s) : voir le rapport.",
                p.traduction
            );
        }
        if !conflits.is_empty() {
            println!(
                "  {} conflit(s) avec les modifications faites dans Repères (valeurs locales gardées) :",
                conflits.len()
            );
            for c in conflits.iter().take(A_L_ECRAN) {
                println!("    {} : {}", c.lieu_id, message_conflit(c));
            }
        }
        afficher(&nom, &ecran);
    }
    suivi.fin()?;
    // Le compte relit toute la base (plus long que l'import lui-même sur 100 000 lieux) : à la
    // demande seulement.
    if compter_doublons {
        let n = doublons_de(store).await?;
        if n > 0 {
            println!("{n} doublon(s) probable(s) à examiner : `reperes lieux doublons`.");
        }
    } else {
        println!("Doublons probables : `reperes lieux doublons` (ou `lieux import --doublons`).");
    }
    Ok(suivi.code_de_sortie())
}

/// Vérifie en flux, sans base : même lecture et même validation que l'import.
pub fn verifier(
    fichiers: &[PathBuf],
    o: Options,
    lecture_seule: bool,
    rapport: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let mut suivi = Suivi::new(rapport)?;
    for f in fichiers {
        let nom = f.display().to_string();
        let debut = Instant::now();
        let Ok((format, fichier, taille)) = ouvrir(f) else {
            suivi.illisible = true;
            continue;
        };
        let b = barre(taille);
        let lecture = Compte {
            interne: fichier,
            barre: b.clone(),
        };
        if lecture_seule {
            let mut n = 0usize;
            let r = lire_en_flux(lecture, format, &mut |_| {
                n += 1;
                true
            });
            b.finish_and_clear();
            match r {
                Ok(()) => println!(
                    "{nom} : {n} enregistrement(s) lu(s) en {:.3} s (lecture seule).",
                    debut.elapsed().as_secs_f64()
                ),
                Err(e) => {
                    eprintln!("{nom} : {e}");
                    suivi.illisible = true;
                }
            }
            continue;
        }
        let mut ecran = Ecran::default();
        let r = parcourir(
            lecture,
            format,
            schema_national_statique(),
            o.mode,
            o.version,
            TAILLE_PAQUET,
            &mut |p| suivi.paquet(&nom, &p, &mut ecran),
        );
        b.finish_and_clear();
        let p = match r {
            Ok(p) => p,
            Err(ErreurParcours::Fichier(e)) => {
                eprintln!("{nom} : {e}");
                suivi.illisible = true;
                continue;
            }
            Err(ErreurParcours::Rappel(e)) => return Err(e),
        };
        println!(
            "{nom} (schéma {}, mode {}) : {} enregistrement(s), {} valide(s), {} rejeté(s), {} problème(s), en {:.3} s.",
            p.version,
            o.mode.nom(),
            p.total,
            p.valides,
            p.rejetes,
            p.problemes,
            debut.elapsed().as_secs_f64()
        );
        afficher(&nom, &ecran);
    }
    suivi.fin()?;
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

/// L'index des lieux de la base, construit en flux (paquets de 1 000, sans tout charger).
async fn index_de(store: &Store) -> anyhow::Result<IndexLieux> {
    let mut c = ConstructionIndex::nouvelle(&schema());
    store
        .parcourir_lieux(1000, &mut |paquet| {
            for (source, importe_le, e) in paquet {
                c.ajouter(&source, &importe_le, &e);
            }
        })
        .await?;
    Ok(c.terminer())
}

/// Doublons probables après un import : les lieux sont lus par paquets et seuls les champs qui
/// servent à reconnaître un doublon sont gardés (la mémoire ne dépend pas de la taille des
/// fiches : un import de 100 000 lieux ne la multiplie plus par dix à la fin).
async fn doublons_de(store: &Store) -> anyhow::Result<usize> {
    const CHAMPS: [&str; 8] = [
        "id",
        "nom",
        "adresse",
        "commune",
        "code_postal",
        "pivot",
        "latitude",
        "longitude",
    ];
    let mut lieux = Vec::new();
    store
        .parcourir_lieux(TAILLE_PAQUET, &mut |paquet| {
            lieux.extend(paquet.into_iter().map(|(source, _, e)| {
                let e: reperes_domain::lieux::Enregistrement = e
                    .into_iter()
                    .filter(|(k, _)| CHAMPS.contains(&k.as_str()))
                    .collect();
                (source, e)
            }))
        })
        .await?;
    let index = IndexLieux::construire(schema_national_statique(), lieux);
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

/// Un conflit en mots : champ, valeur gardée, valeur de la source, où le trancher.
fn message_conflit(c: &reperes_store::ConflitLieu) -> String {
    let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "(vide)".into());
    format!(
        "champ « {} » tenu dans Repères : valeur gardée « {} », la source apporte « {} » (à examiner sur /lieux/{}/{}/conflits)",
        c.champ,
        v(&c.valeur_locale),
        v(&c.valeur_importee),
        c.source,
        c.lieu_id
    )
}
