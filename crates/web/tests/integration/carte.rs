//! La carte des résultats (issue 17, partie « carte ») au niveau HTTP, sur les deux bases :
//! `GET /lieux/carte.json` (autant de points que la liste annonce de résultats, doublons
//! regroupés, lieux sans coordonnées comptés à part), bloc carte et scripts seulement avec des
//! tuiles, CSP `img-src` avec l'origine des tuiles, version locale.

use crate::commun;

use axum::http::{header, StatusCode};
use commun::{app, app_avec, get_anonyme, importer_csv};
use reperes_store::{deux_bases, Store};
use reperes_web::{Config, Tuiles};
use serde_json::Value;

/// Sept lieux : deux à Angoulême, une paire de doublons probables à Soyaux (même pivot, à 5 km
/// d'Angoulême), un lieu d'Angoulême sans coordonnées, un à Cognac (42 km d'Angoulême), un à
/// Bordeaux (hors de la Charente).
const LIEUX: &str = "id,pivot,nom,commune,code_postal,adresse,latitude,longitude,date_maj,services\n\
c1,00000000000000,Médiathèque Alpha,Angoulême,16000,1 rue Hergé,45.6484,0.1562,2024-01-01,Aide aux démarches administratives\n\
c2,00000000000000,Atelier Bêta,Angoulême,16000,2 rue de Paris,45.6500,0.1600,2024-01-01,Maîtrise des outils numériques du quotidien\n\
c3,43493312300029,Espace numérique de Soyaux,Soyaux,16800,3 place de la Mairie,45.6400,0.1900,2024-01-01,Aide aux démarches administratives\n\
c4,43493312300029,Espace numérique Soyaux mairie,Soyaux,16800,3 place de la Mairie,45.6401,0.1901,2024-01-01,Aide aux démarches administratives\n\
c5,00000000000000,Permanence Gamma,Angoulême,16000,5 rue Sans Position,,,2024-01-01,Aide aux démarches administratives\n\
c6,00000000000000,Tiers-lieu Delta,Cognac,16100,6 quai Hennessy,45.6958,-0.3287,2024-01-01,Maîtrise des outils numériques du quotidien\n\
c7,00000000000000,Fablab Epsilon,Bordeaux,33000,7 cours Victor Hugo,44.8378,-0.5792,2024-01-01,Maîtrise des outils numériques du quotidien\n";

const ADA: &str = "service=Aide+aux+d%C3%A9marches+administratives";

fn tuiles() -> Tuiles {
    Tuiles::lire(
        Some("http://127.0.0.1:8099/{z}/{x}/{y}.png"),
        Some("Tuiles d'essai & <cie>"),
    )
    .unwrap()
    .unwrap()
}

async fn points(app: &axum::Router, chemin: &str) -> Value {
    let r = get_anonyme(app, chemin).await;
    assert_eq!(r.code, StatusCode::OK, "{chemin} : {}", r.corps);
    assert!(r.type_contenu().starts_with("application/json"), "{chemin}");
    serde_json::from_str(&r.corps).unwrap()
}

/// Les chemins des fiches des points, triés.
fn chemins(v: &Value) -> Vec<String> {
    let mut c: Vec<String> = v["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[2].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c
}

deux_bases!(points_comme_la_liste, |store: Store| async move {
    importer_csv(&store, "essai", LIEUX).await;
    let app = app(&store);
    // (filtres, lignes annoncées par la liste, points, sans position, fiches des points)
    let cas: [(&str, usize, usize, usize, &[&str]); 5] = [
        // Autour d'Angoulême (30 km) : c1, c2, la paire c3+c4 (une ligne) ; ni Cognac ni
        // Bordeaux ; c5 n'a pas de position (pas dans le disque).
        ("lieu=Angoul%C3%AAme", 3, 3, 0, &["c1", "c2", "c3|c4"]),
        // 50 km : Cognac en plus.
        (
            "lieu=Angoul%C3%AAme&rayon=50",
            4,
            4,
            0,
            &["c1", "c2", "c3|c4", "c6"],
        ),
        // Un service, sans commune : c1, la paire, c5 (sans coordonnées : compté à part).
        (ADA, 3, 2, 1, &["c1", "c3|c4"]),
        // Un nom : la paire seule.
        ("q=espace", 1, 1, 0, &["c3|c4"]),
        // Tout : six lignes, cinq points.
        ("", 6, 5, 1, &["c1", "c2", "c3|c4", "c6", "c7"]),
    ];
    for (filtres, lignes, n, sans, fiches) in cas {
        let page = get_anonyme(&app, &format!("/lieux?{filtres}")).await;
        assert_eq!(page.code, StatusCode::OK);
        assert!(
            page.corps.contains(&format!("{lignes} lieu(x)")),
            "{filtres} : la liste annonce {lignes} lieu(x)"
        );
        let v = points(&app, &format!("/lieux/carte.json?{filtres}")).await;
        assert_eq!(v["total"], lignes, "{filtres} : {v}");
        assert_eq!(v["points"].as_array().unwrap().len(), n, "{filtres} : {v}");
        assert_eq!(v["sans_position"], sans, "{filtres} : {v}");
        assert!(v.get("tronque").is_none(), "{filtres} : {v}");
        let c = chemins(&v);
        assert_eq!(c.len(), fiches.len());
        for (chemin, attendu) in c.iter().zip(fiches) {
            assert!(
                attendu
                    .split('|')
                    .any(|id| chemin == &format!("/lieux/essai/{id}")),
                "{filtres} : {chemin} au lieu de {attendu}"
            );
        }
    }
    // Le point : [latitude, longitude, chemin, nom affiché].
    let v = points(&app, "/lieux/carte.json?q=alpha").await;
    assert_eq!(
        v["points"][0],
        serde_json::json!([45.6484, 0.1562, "/lieux/essai/c1", "Médiathèque Alpha"])
    );
    // Un filtre mal formé : 400 et un message en français.
    let r = get_anonyme(&app, "/lieux/carte.json?rayon=7000").await;
    assert_eq!(r.code, StatusCode::BAD_REQUEST);
    assert!(r.corps.contains("rayon"), "{}", r.corps);
});

deux_bases!(sans_tuiles_ni_carte_ni_script, |store: Store| async move {
    importer_csv(&store, "essai", LIEUX).await;
    let app = app(&store);
    for chemin in [
        "/lieux?lieu=Angoul%C3%AAme",
        "/orientation?lieu=Angoul%C3%AAme&rayon=30&quand=&etape=5",
    ] {
        let r = get_anonyme(&app, chemin).await;
        assert_eq!(r.code, StatusCode::OK, "{chemin}");
        assert!(r.corps.contains("Médiathèque Alpha"), "{chemin}");
        for absent in ["carte.js", "leaflet", "data-points", "id=\"carte\""] {
            assert!(!r.corps.contains(absent), "{chemin} : {absent}");
        }
        let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("img-src 'self' data:;"), "{csp}");
    }
});

deux_bases!(avec_tuiles_bloc_scripts_et_csp, |store: Store| async move {
    importer_csv(&store, "essai", LIEUX).await;
    let app = app_avec(
        &store,
        Config {
            tuiles: Some(tuiles()),
            ..Config::pour_tests()
        },
    );
    let r = get_anonyme(&app, "/lieux?lieu=Angoul%C3%AAme").await;
    assert_eq!(r.code, StatusCode::OK);
    let b = &r.corps;
    // Le bloc, caché jusqu'au dessin, après la liste ; les scripts différés.
    let bloc = b
        .find("<section class=\"reperes-carte")
        .expect("bloc carte");
    assert!(b.find("Médiathèque Alpha").unwrap() < bloc);
    assert!(b[bloc..].contains(" hidden>"));
    assert!(b.contains("data-points=\"/lieux/carte.json?lieu=Angoul%C3%AAme\""));
    // Échappée (entités numériques d'askama) : du texte, jamais du HTML.
    assert!(b.contains("data-attribution=\"Tuiles d&#39;essai &#38; &#60;cie&#62;\""));
    assert!(b.contains("data-tuiles=\"http:"));
    for s in [
        "<script src=\"/static/vendor/leaflet/leaflet.js\" defer></script>",
        "<script src=\"/static/vendor/leaflet/leaflet.markercluster.js\" defer></script>",
        "<script src=\"/static/js/carte.js\" defer></script>",
    ] {
        assert!(b.contains(s), "{s}");
    }
    // Pas de feuille de Leaflet dans le HTML : le script la pose (aucune sans JavaScript).
    assert!(!b.contains("<link rel=\"stylesheet\" href=\"/static/vendor/leaflet"));
    let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("img-src 'self' data: http://127.0.0.1:8099;"),
        "{csp}"
    );
    assert!(csp.contains("script-src 'self';") && csp.contains("style-src 'self';"));
    // Les fichiers sont servis.
    for f in [
        "/static/js/carte.js",
        "/static/css/carte.css",
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.markercluster.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/leaflet/markercluster.css",
    ] {
        assert_eq!(get_anonyme(&app, f).await.code, StatusCode::OK, "{f}");
    }
    // Orientation, dernière étape : le bloc ; aux étapes précédentes : rien.
    let r = get_anonyme(
        &app,
        &format!("/orientation?{ADA}&lieu=Angoul%C3%AAme&rayon=30&quand=&etape=5"),
    )
    .await;
    assert!(r.corps.contains(&format!(
        "data-points=\"/lieux/carte.json?lieu=Angoul%C3%AAme&#38;{ADA}\""
    )));
    assert!(r.corps.contains("/static/js/carte.js"));
    let r = get_anonyme(&app, "/orientation?lieu=Angoul%C3%AAme&rayon=30&etape=3").await;
    assert!(!r.corps.contains("carte.js"));
    // Aucun résultat : pas de carte.
    let r = get_anonyme(&app, "/lieux?q=introuvable").await;
    assert!(r.corps.contains("0 lieu(x)"));
    assert!(!r.corps.contains("carte.js"));
});

deux_bases!(
    version_locale_points_du_perimetre,
    |store: Store| async move {
        importer_csv(&store, "essai", LIEUX).await;
        crate::versions_locales::creer(&store, "charente", "departement:16", "").await;
        let app = app_avec(
            &store,
            Config {
                tuiles: Some(tuiles()),
                ..Config::pour_tests()
            },
        );
        let v = points(&app, "/t/charente/lieux/carte.json").await;
        // Bordeaux est hors du périmètre ; les fiches sont celles de la version locale.
        assert_eq!(chemins(&v).len(), 4, "c1, c2, la paire, Cognac : {v}");
        for c in chemins(&v) {
            assert!(c.starts_with("/t/charente/lieux/essai/c"), "{c}");
            assert!(!c.ends_with("/c7"), "{c}");
        }
        let page = get_anonyme(&app, "/t/charente/lieux").await;
        assert_eq!(page.code, StatusCode::OK);
        assert!(page
            .corps
            .contains("data-points=\"/t/charente/lieux/carte.json\""));
    }
);
