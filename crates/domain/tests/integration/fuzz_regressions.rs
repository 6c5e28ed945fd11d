//! Non-régression du fuzzing (voir `fuzz/README.md`) : chaque fichier de
//! `fuzz/regressions/<cible>/` (entrée qui a fait échouer une cible) et de `fuzz/seeds/<cible>/`
//! passe par le code même de la cible, `fuzz/src/domaine.rs`, inclus ici par `#[path]` : le crate
//! `fuzz` est hors de l'espace de travail (il dépend de libFuzzer), on ne peut pas en dépendre, et
//! une copie des appels pourrait diverger de ce que fuzze la cible.
//!
//! Comme sous libFuzzer, toute panique compte, même rattrapée plus bas (`catch_unwind`).

#[path = "../../../../fuzz/src/domaine.rs"]
mod domaine;

#[path = "../../../../fuzz/src/rejeu.rs"]
mod rejeu;

use rejeu::rejouer;

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
