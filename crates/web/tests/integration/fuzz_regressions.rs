//! Non-régression du fuzzing des décodeurs de formulaires (voir `fuzz/README.md`) : chaque
//! fichier de `fuzz/regressions/formulaires/` (entrée qui a fait échouer la cible) et de
//! `fuzz/seeds/formulaires/` passe par le code même de la cible, `fuzz/src/web.rs`, inclus ici
//! par `#[path]` (le crate `fuzz` est hors de l'espace de travail : on ne peut pas en dépendre).

#[path = "../../../../fuzz/src/web.rs"]
mod web;

#[path = "../../../../fuzz/src/rejeu.rs"]
mod rejeu;

#[test]
fn formulaires() {
    rejeu::rejouer("formulaires", |o| {
        web::formulaires(o);
    });
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
