//! `reperes lieux mesurer-recherche` : la recherche du banc se fait à un instant fixe, donné par
//! `--instant` (RFC 3339), et la sortie dit combien de lieux elle trouve en moyenne. Aucune base :
//! l'index est construit en mémoire depuis le fichier.

use std::path::{Path, PathBuf};
use std::process::Command;

/// L'exemple officiel : un seul lieu, ouvert « Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00 »,
/// qui offre 3 des 9 services du schéma.
fn exemple() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../donnees/lieux/exemple-valide-v1.0.2.csv")
}

/// Lance la mesure et renvoie la ligne de sortie.
fn mesurer(plus: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_reperes"))
        .args(["lieux", "mesurer-recherche", exemple().to_str().unwrap()])
        .args(["--requetes", "200"])
        .args(plus)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("lancement de reperes");
    let texte = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{texte}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    texte
}

/// La valeur de `cle=` dans la sortie.
fn valeur<'a>(sortie: &'a str, cle: &str) -> &'a str {
    sortie
        .split_whitespace()
        .find_map(|m| m.strip_prefix(&format!("{cle}=")))
        .unwrap_or_else(|| panic!("pas de {cle}= dans « {sortie} »"))
}

fn resultats_moyens(sortie: &str) -> f64 {
    valeur(sortie, "resultats_moyens").parse().unwrap()
}

#[test]
fn mardi_14h30_a_paris_le_lieu_est_ouvert() {
    let s = mesurer(&["--instant", "2026-12-08T14:30:00+01:00"]);
    assert_eq!(valeur(&s, "instant"), "2026-12-08T14:30:00+01:00");
    assert_eq!(valeur(&s, "lieux"), "1");
    // Ouvert le mardi de 14:00 à 18:30 : chaque requête dont le service tiré est l'un des 3 du
    // lieu le trouve (il est le centre du cercle), les autres ne trouvent rien.
    let r = resultats_moyens(&s);
    assert!(r > 0.0 && r <= 1.0, "résultats moyens : {r}");
}

#[test]
fn sans_instant_la_mesure_se_fait_un_mardi_a_14h30() {
    let s = mesurer(&[]);
    assert_eq!(valeur(&s, "instant"), "2026-12-08T14:30:00+01:00");
    assert!(resultats_moyens(&s) > 0.0, "{s}");
}

#[test]
fn mardi_3h_a_paris_rien_n_est_ouvert() {
    let s = mesurer(&["--instant", "2026-12-08T03:00:00+01:00"]);
    assert_eq!(resultats_moyens(&s), 0.0, "{s}");
    // Le même instant écrit en UTC (02:00Z) : toujours 3 h à Paris, toujours fermé.
    let s = mesurer(&["--instant", "2026-12-08T02:00:00Z"]);
    assert_eq!(resultats_moyens(&s), 0.0, "{s}");
    // 13:30Z, c'est 14:30 à Paris : ouvert.
    let s = mesurer(&["--instant", "2026-12-08T13:30:00Z"]);
    assert!(resultats_moyens(&s) > 0.0, "{s}");
}

#[test]
fn instant_illisible_refuse() {
    let o = Command::new(env!("CARGO_BIN_EXE_reperes"))
        .args(["lieux", "mesurer-recherche", exemple().to_str().unwrap()])
        .args(["--instant", "mardi 14h30"])
        .env_remove("DATABASE_URL")
        .output()
        .expect("lancement de reperes");
    assert!(!o.status.success());
    let erreur = String::from_utf8_lossy(&o.stderr);
    assert!(erreur.contains("RFC 3339"), "{erreur}");
}
