//! Le thème de `reperes serve` (issue 17, partie « neutre ») : un nom inconnu est refusé avant
//! toute ouverture de base, avec la liste des thèmes.

use std::process::Command;

#[test]
fn serve_refuse_un_theme_inconnu() {
    let dossier = std::env::temp_dir().join(format!("reperes-theme-{}", std::process::id()));
    let base = format!("sqlite://{}/jamais.db?mode=rwc", dossier.display());
    for (args, env) in [
        (vec!["serve", "--theme", "marianne"], None),
        (vec!["serve"], Some("Marianne")),
    ] {
        let mut c = Command::new(env!("CARGO_BIN_EXE_reperes"));
        c.args(&args)
            .env("DATABASE_URL", &base)
            .env("RUST_LOG", "warn")
            .env_remove("REPERES_THEME");
        if let Some(t) = env {
            c.env("REPERES_THEME", t);
        }
        let o = c.output().expect("lancement de reperes");
        let sortie = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!o.status.success(), "{args:?} : {sortie}");
        assert!(
            sortie.contains("inconnu (thèmes disponibles : dsfr, neutre)"),
            "{args:?} : {sortie}"
        );
        // Refusé avant d'ouvrir (et de créer) la base.
        assert!(!dossier.exists());
    }
}
