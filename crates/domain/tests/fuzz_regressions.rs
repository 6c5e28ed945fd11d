//! Non-régression du fuzzing (voir `fuzz/README.md`) : chaque fichier de
//! `fuzz/regressions/<cible>/` (entrée qui a fait échouer une cible) et de `fuzz/seeds/<cible>/`
//! passe par le code même de la cible, `fuzz/src/domaine.rs`, inclus ici par `#[path]` : le crate
//! `fuzz` est hors de l'espace de travail (il dépend de libFuzzer), on ne peut pas en dépendre, et
//! une copie des appels pourrait diverger de ce que fuzze la cible.
//!
//! Comme sous libFuzzer, toute panique compte, même rattrapée plus bas (`catch_unwind`).

#[path = "../../../fuzz/src/domaine.rs"]
mod domaine;

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
fn rejouer(cible: &str, mut f: impl FnMut(&[u8])) {
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

/// Les cibles `&str` de libFuzzer ignorent les entrées qui ne sont pas de l'UTF-8.
fn texte(octets: &[u8]) -> Option<&str> {
    std::str::from_utf8(octets).ok()
}

#[test]
fn lieux_csv() {
    rejouer("lieux_csv", |o| {
        domaine::lieux_csv(o);
    });
}

#[test]
fn lieux_json() {
    rejouer("lieux_json", |o| {
        domaine::lieux_json(o);
    });
}

#[test]
fn referentiel() {
    rejouer("referentiel", |o| {
        if let Some(t) = texte(o) {
            domaine::referentiel(t);
        }
    });
}

#[test]
fn horaires() {
    rejouer("horaires", |o| {
        if let Some(t) = texte(o) {
            let _ = domaine::horaires(t);
        }
    });
}
