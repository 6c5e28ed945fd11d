//! Non-régression du fuzzing des décodeurs de formulaires (voir `fuzz/README.md`) : chaque
//! fichier de `fuzz/regressions/formulaires/` (entrée qui a fait échouer la cible) et de
//! `fuzz/seeds/formulaires/` passe par le code même de la cible, `fuzz/src/web.rs`, inclus ici
//! par `#[path]` (le crate `fuzz` est hors de l'espace de travail : on ne peut pas en dépendre).

#[path = "../../../fuzz/src/web.rs"]
mod web;

use std::path::{Path, PathBuf};

/// Les entrées de la cible : régressions puis graines, avec leur chemin.
fn entrees(cible: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let racine = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut v = Vec::new();
    for dossier in ["regressions", "seeds"] {
        let Ok(lecture) = std::fs::read_dir(racine.join(dossier).join(cible)) else {
            continue;
        };
        let mut chemins: Vec<PathBuf> = lecture.filter_map(|e| Some(e.ok()?.path())).collect();
        chemins.sort();
        for chemin in chemins.into_iter().filter(|c| c.is_file()) {
            let octets = std::fs::read(&chemin).expect("fichier lisible");
            v.push((chemin, octets));
        }
    }
    assert!(!v.is_empty(), "aucune entrée pour la cible {cible}");
    v
}

#[test]
fn formulaires() {
    for (chemin, octets) in entrees("formulaires") {
        eprintln!("formulaires : {}", chemin.display());
        web::formulaires(&octets);
    }
}

/// Trouvé par le fuzzing : une heure sans jour (« aujourd'hui à 14 h 32 ») disparaissait des
/// liens de pagination, la page 2 n'était plus filtrée sur l'heure.
#[test]
fn heure_sans_jour_gardee_dans_les_liens() {
    use reperes_web::decodeurs::Filtres;
    let f = Filtres::lire(Some("heure=14%3A32")).expect("requête valide");
    assert_eq!(f.requete(), "heure=14%3A32");
    let g = Filtres::lire(Some("jour=lundi")).expect("requête valide");
    assert_eq!(g.requete(), "jour=lundi");
}
