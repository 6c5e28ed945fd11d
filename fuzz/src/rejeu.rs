//! Rejeu des entrées d'une cible de fuzzing par les tests de non-régression des crates
//! (`crates/domain/tests/integration/fuzz_regressions.rs`,
//! `crates/web/tests/integration/fuzz_regressions.rs`, qui incluent ce fichier par `#[path]`) :
//! régressions puis graines, chacune passée au code de la cible ; comme sous libFuzzer, toute
//! panique compte, même rattrapée plus bas (`catch_unwind`).
//! Hors de `lib.rs` : les chemins sont relatifs au crate qui l'inclut (`crates/<crate>`).

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Once;

thread_local! {
    static PANIQUE: Cell<bool> = const { Cell::new(false) };
}

/// Note toute panique du fil courant, rattrapée ou non.
fn surveiller_paniques() {
    static UNE_FOIS: Once = Once::new();
    UNE_FOIS.call_once(|| {
        let defaut = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANIQUE.with(|p| p.set(true));
            defaut(info);
        }));
    });
}

/// Les entrées d'une cible : régressions puis graines, avec leur chemin.
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

/// Passe chaque entrée dans `f` ; échoue à la première panique, en nommant le fichier.
pub fn rejouer(cible: &str, mut f: impl FnMut(&[u8])) {
    surveiller_paniques();
    for (chemin, octets) in entrees(cible) {
        PANIQUE.with(|p| p.set(false));
        eprintln!("{cible} : {}", chemin.display());
        f(&octets);
        assert!(
            !PANIQUE.with(Cell::get),
            "{} : panique rattrapée",
            chemin.display()
        );
    }
}
