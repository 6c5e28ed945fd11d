//! Le corpus d'entrées hostiles (`tests/hostile/lieux/`) passé par `reperes lieux import`, sur les
//! deux bases : jamais de panique (code de sortie 101 ; 0 importé, 1 erreur, 2 fichier refusé), un
//! message clair en français, et dans la
//! base exactement les lieux valides attendus (`tests/hostile/attendus.toml`), rien à moitié.

use std::path::PathBuf;
use std::process::Command;

use reperes_store::test_support::BaseDeTest;
use reperes_store::Backend;

async fn lieux_hostiles(backend: Backend) {
    let base = BaseDeTest::nouvelle(backend).await;
    let racine = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/hostile");
    let attendus: toml::Table = std::fs::read_to_string(racine.join("attendus.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let mut fichiers: Vec<PathBuf> = std::fs::read_dir(racine.join("lieux"))
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect();
    fichiers.sort();
    assert!(fichiers.len() >= 10);
    for chemin in fichiers {
        let fichier = chemin.file_name().unwrap().to_string_lossy().into_owned();
        let att = attendus["lieux"]
            .get(&fichier)
            .and_then(|a| a.as_table())
            .unwrap_or_else(|| panic!("tests/hostile/attendus.toml : rien pour lieux/{fichier}"));
        let source = format!("hostile-{}", fichier.replace('.', "-"));
        let o = Command::new(env!("CARGO_BIN_EXE_reperes"))
            .args([
                "lieux",
                "import",
                chemin.to_str().unwrap(),
                "--source",
                &source,
            ])
            .env("DATABASE_URL", &base.url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        let sortie = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            matches!(o.status.code(), Some(0..=2)),
            "{fichier} : code {:?}\n{sortie}",
            o.status.code()
        );
        assert!(!sortie.contains("panicked"), "{fichier} : {sortie}");
        let message = att
            .get("message_cli")
            .or_else(|| att.get("message"))
            .and_then(|m| m.as_str())
            .unwrap();
        assert!(
            sortie.contains(message),
            "{fichier} : « {message} » absent :\n{sortie}"
        );
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM lieux WHERE source = $1")
            .bind(&source)
            .fetch_one(base.store.pool())
            .await
            .unwrap();
        let importes = att
            .get("importes")
            .and_then(|v| v.as_integer())
            .unwrap_or(0);
        assert_eq!(n, importes, "{fichier} : {sortie}");
    }
    base.fin().await;
}

sur_les_deux_bases!(lieux_hostiles);
