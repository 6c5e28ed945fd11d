//! `reperes lieux import` et `reperes lieux export` : lieux de médiation numérique au schéma
//! national v1.0.2 (mode strict : le schéma officiel, lu tel quel).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use reperes_domain::lieux::{
    lire, valeur, valider_lot, Enregistrement, Format, Probleme, SchemaTable,
};
use reperes_domain::Role;
use reperes_store::{Acteur, Store};
use serde_json::Value;

fn schema() -> SchemaTable {
    reperes_domain::lieux::schema_national()
}

/// Écrit le rapport des problèmes (CSV ou JSON selon l'extension).
fn ecrire_rapport(chemin: &Path, problemes: &[(String, Probleme)]) -> anyhow::Result<()> {
    if Format::depuis_nom(&chemin.to_string_lossy()) == Some(Format::Json) {
        let v: Vec<Value> = problemes
            .iter()
            .map(|(f, p)| {
                let mut o = serde_json::to_value(p).unwrap_or_default();
                o["fichier"] = Value::String(f.clone());
                o
            })
            .collect();
        std::fs::write(chemin, serde_json::to_string_pretty(&v)?)?;
    } else {
        let mut w = csv::Writer::from_path(chemin)?;
        w.write_record([
            "fichier",
            "enregistrement",
            "id",
            "champ",
            "valeur",
            "regle",
            "message",
        ])?;
        for (f, p) in problemes {
            w.write_record([
                f.as_str(),
                &p.enregistrement.to_string(),
                &p.id,
                &p.champ,
                &p.valeur,
                &p.regle,
                &p.message,
            ])?;
        }
        w.flush()?;
    }
    Ok(())
}

pub async fn importer(
    store: &Store,
    fichiers: &[PathBuf],
    source: Option<&str>,
    rapport: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let schema = schema();
    let mut tous = Vec::new();
    let mut illisible = false;
    for f in fichiers {
        let nom = f.display().to_string();
        let Some(format) = Format::depuis_nom(&nom) else {
            eprintln!("{nom} : format inconnu (attendu .csv ou .json)");
            illisible = true;
            continue;
        };
        let octets = match std::fs::read(f) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("{nom} : lecture impossible : {e}");
                illisible = true;
                continue;
            }
        };
        let lot = match lire(&octets, format) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("{nom} : {e}");
                illisible = true;
                continue;
            }
        };
        let problemes = valider_lot(&schema, &lot);
        let rejetes: std::collections::BTreeSet<usize> =
            problemes.iter().map(|p| p.enregistrement).collect();
        let valides: Vec<Enregistrement> = lot
            .iter()
            .enumerate()
            .filter(|(i, _)| !rejetes.contains(&(i + 1)))
            .map(|(_, e)| e.clone())
            .collect();
        let src = source.map(str::to_string).unwrap_or_else(|| {
            f.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "import".into())
        });
        let bilan = store
            .importer_lieux(&Acteur::new("cli", Role::Systeme), &src, &valides)
            .await?;
        println!(
            "{nom} (source « {src} ») : {} enregistrement(s) lu(s), {} valide(s) importé(s) ({} créé(s), {} mis à jour), {} rejeté(s), {} problème(s).",
            lot.len(),
            valides.len(),
            bilan.crees,
            bilan.mis_a_jour,
            rejetes.len(),
            problemes.len()
        );
        for p in problemes.iter().take(30) {
            println!(
                "  enregistrement {:>5}  {:<24} {:<28} {:<11} {}",
                p.enregistrement, p.id, p.champ, p.regle, p.message
            );
        }
        if problemes.len() > 30 {
            println!(
                "  … et {} autre(s) problème(s) : voir le rapport (--rapport).",
                problemes.len() - 30
            );
        }
        tous.extend(problemes.into_iter().map(|p| (nom.clone(), p)));
    }
    if let Some(r) = rapport {
        ecrire_rapport(r, &tous)?;
        println!(
            "Rapport complet : {} ({} problème(s)).",
            r.display(),
            tous.len()
        );
    }
    Ok(if illisible {
        ExitCode::from(2)
    } else if tous.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub async fn exporter(store: &Store, format: Format, sortie: Option<&Path>) -> anyhow::Result<()> {
    let schema = schema();
    let mut lieux = store.lieux().await?;
    // L'identifiant doit être unique dans un export : un même identifiant venu de plusieurs
    // sources est préfixé par sa source.
    let mut compte = std::collections::HashMap::new();
    for (_, e) in &lieux {
        *compte.entry(valeur(e, "id")).or_insert(0usize) += 1;
    }
    for (source, e) in &mut lieux {
        if compte.get(&valeur(e, "id")).copied().unwrap_or(0) > 1 {
            let id = valeur(e, "id").unwrap_or_default();
            e.insert("id".into(), Value::String(format!("{source}:{id}")));
        }
    }
    let octets = match format {
        Format::Json => {
            serde_json::to_vec_pretty(&lieux.iter().map(|(_, e)| e).collect::<Vec<_>>())?
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(schema.champs.iter().map(|c| c.nom.as_str()))?;
            for (_, e) in &lieux {
                w.write_record(
                    schema
                        .champs
                        .iter()
                        .map(|c| valeur(e, &c.nom).unwrap_or_default()),
                )?;
            }
            w.into_inner().map_err(|e| anyhow::anyhow!(e.to_string()))?
        }
    };
    match sortie {
        Some(p) => std::fs::write(p, octets)?,
        None => std::io::Write::write_all(&mut std::io::stdout(), &octets)?,
    }
    Ok(())
}
