//! Les deux thèmes (issue 17, partie « neutre »), sur les deux bases : une application en thème
//! neutre et une autre en DSFR dans le même processus ; pages publiques et pages d'erreur sans
//! rien du DSFR en neutre ; lecture du nom d'un thème.

use crate::commun;
use crate::versions_locales::creer;

use axum::http::StatusCode;
use commun::{app_avec, get_anonyme};
use reperes_store::{deux_bases, Store};
use reperes_web::{Config, Theme};

/// Le texte de toute la page (en-tête et pied compris), balises retirées, blancs réduits.
fn texte(corps: &str) -> String {
    let mut t = String::new();
    let mut dans_balise = false;
    for c in corps.chars() {
        match c {
            '<' => dans_balise = true,
            '>' => {
                dans_balise = false;
                t.push(' ');
            }
            c if !dans_balise => t.push(c),
            _ => {}
        }
    }
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn config(theme: Theme) -> Config {
    Config {
        theme,
        ..Config::pour_tests()
    }
}

/// Ce que le thème neutre garantit d'une page HTML.
fn verifier_neutre(chemin: &str, corps: &str) {
    assert!(
        !corps.to_lowercase().contains("dsfr"),
        "{chemin} : le DSFR est nommé dans une page en thème neutre"
    );
    assert!(
        corps.contains(r#"<link rel="stylesheet" href="/static/css/neutre.css">"#),
        "{chemin} : sans la feuille neutre"
    );
    assert!(corps.contains("/static/img/favicon-neutre.svg"), "{chemin}");
    assert!(!corps.contains("data-fr-scheme"), "{chemin}");
    assert!(!corps.contains("fr-logo"), "{chemin}");
    assert!(
        !texte(corps).contains("République Française"),
        "{chemin} : bloc-marque de l'État en thème neutre"
    );
    assert!(!corps.contains("Agence nationale de la cohésion des territoires"));
}

/// Ce que le thème DSFR garde : sa feuille, son bloc-marque.
fn verifier_dsfr(chemin: &str, corps: &str) {
    assert!(
        corps.contains(r#"<link rel="stylesheet" href="/static/vendor/dsfr/dsfr.min.css">"#),
        "{chemin} : sans la feuille du DSFR"
    );
    assert!(!corps.contains("neutre.css"), "{chemin}");
    assert!(corps.contains(r#"<html lang="fr" data-fr-scheme="light">"#));
    assert!(
        texte(corps).contains("République Française"),
        "{chemin} : sans le bloc-marque"
    );
}

deux_bases!(
    pages_publiques_dans_les_deux_themes,
    |store: Store| async move {
        commun::importer_lieux(
            &store,
            &[("charente-20230711_schema-update-20240912.json", "charente")],
        )
        .await;
        // Deux applications, deux thèmes, un seul processus : le thème vient de la configuration de
        // chacune, pas d'un réglage global (la première construite ne l'impose pas à l'autre).
        let neutre = app_avec(&store, config(Theme::Neutre));
        let dsfr = app_avec(&store, config(Theme::Dsfr));

        let lieux = get_anonyme(&neutre, "/lieux").await;
        let debut = lieux
            .corps
            .find(r#"href="/lieux/charente/"#)
            .expect("un lieu")
            + 6;
        let fin = debut + lieux.corps[debut..].find('"').unwrap();
        let fiche = lieux.corps[debut..fin].to_string();

        let pages = [
            "/",
            "/lieux",
            "/lieux?lieu=Angoul%C3%AAme",
            fiche.as_str(),
            "/orientation",
            "/registre",
            "/chartes",
            "/territoires",
            "/territoires/departement/16",
            "/connexion",
            "/inscription",
            "/donnees",
        ];
        for chemin in pages {
            let r = get_anonyme(&neutre, chemin).await;
            assert_eq!(r.code, StatusCode::OK, "{chemin}");
            verifier_neutre(chemin, &r.corps);
            let r = get_anonyme(&dsfr, chemin).await;
            assert_eq!(r.code, StatusCode::OK, "{chemin}");
            verifier_dsfr(chemin, &r.corps);
        }

        // Pages d'erreur (rendues par la couche commune) : le thème de l'application aussi.
        for chemin in ["/pas-de-page-ici", "/lieux/charente/inconnu"] {
            let r = get_anonyme(&neutre, chemin).await;
            assert_eq!(r.code, StatusCode::NOT_FOUND, "{chemin}");
            assert!(r.corps.contains("Page introuvable"), "{chemin}");
            verifier_neutre(chemin, &r.corps);
            let r = get_anonyme(&dsfr, chemin).await;
            assert_eq!(r.code, StatusCode::NOT_FOUND, "{chemin}");
            verifier_dsfr(chemin, &r.corps);
        }
    }
);

deux_bases!(
    erreur_d_une_version_locale_dans_son_theme,
    |store: Store| async move {
        // Une version locale en thème neutre sur une instance DSFR : sa page introuvable garde son
        // thème et son en-tête (la couche des erreurs reprend la portée de la version).
        creer(&store, "charente", "departement:16", "").await;
        let dsfr = app_avec(&store, config(Theme::Dsfr));
        let r = get_anonyme(&dsfr, "/t/charente/pas-de-page-ici").await;
        assert_eq!(r.code, StatusCode::NOT_FOUND);
        assert!(r.corps.contains("Page introuvable"));
        assert!(r.corps.contains("Carte charente"), "{}", r.corps);
        verifier_neutre("/t/charente/pas-de-page-ici", &r.corps);
        // Le site national de la même instance reste en DSFR.
        let r = get_anonyme(&dsfr, "/pas-de-page-ici").await;
        verifier_dsfr("/pas-de-page-ici", &r.corps);
    }
);

#[test]
fn nom_d_un_theme() {
    assert_eq!(Theme::depuis_nom("neutre"), Ok(Theme::Neutre));
    assert_eq!(Theme::depuis_nom("DSFR"), Ok(Theme::Dsfr));
    assert_eq!(Theme::depuis_nom(""), Ok(Theme::Dsfr));
    assert_eq!(
        Theme::depuis_nom("gouv"),
        Err("thème « gouv » inconnu (thèmes disponibles : dsfr, neutre)".to_string())
    );
}
