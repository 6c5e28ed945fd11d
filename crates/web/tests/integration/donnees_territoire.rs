//! Données ouvertes et API filtrées par territoire (`?territoire=niveau:code`, issue 17), sur les
//! deux bases : lieux (API et fichiers), registre, signataires de la charte, pages `/donnees` et
//! `/t/{slug}/donnees`.
//!
//! Les attendus sont comptés à la main dans les données : le jeu de la Charente
//! (`donnees/lieux/charente-…json`) a 188 lieux, tous en Charente (codes postaux 16…, dont trois
//! codes CEDEX inconnus du référentiel mais avec « Angoulême » pour commune) ; 18 sont à
//! Angoulême (5 par leur code INSEE 16015, 11 par le code postal 16000, qui n'est qu'à elle, et 2
//! par le nom seul, codes postaux 16016 et 16025) ; 46 sont dans le Grand Angoulême
//! (EPCI 200071827) d'après la commune de chacun dans `donnees/communes/communes.csv` (celui de
//! « BLANZAC PORCHERESSE », 16250, code partagé par trois EPCI, n'est situé dans aucun).

use crate::commun;

use axum::http::StatusCode;
use axum::Router;
use chrono::{Duration, Utc};
use commun::{app, get_anonyme, importer_csv, mener_dossier, titulaire};
use reperes_store::{deux_bases, Store};
use serde_json::Value;

/// Trois lieux hors de Charente : deux à Bordeaux (l'un par son code INSEE, l'autre par son
/// code postal et sa commune), un à Reims.
const CSV_HORS_CHARENTE: &str = "id,pivot,nom,commune,code_postal,code_insee,adresse,latitude,longitude,date_maj,services\n\
g1,43493312300029,Médiathèque de Bordeaux,Bordeaux,33000,33063,1 rue,44.8378,-0.5792,2024-01-01,Aide aux démarches administratives\n\
g2,43493312300029,Espace numérique de la Bastide,BORDEAUX,33100,,2 rue,44.8430,-0.5560,2024-01-01,Aide aux démarches administratives\n\
r1,43493312300029,Tiers-lieu rémois,Reims,51100,51454,3 rue,49.2575,4.0318,2024-01-01,Aide aux démarches administratives\n";

async fn json(app: &Router, chemin: &str) -> (StatusCode, Value) {
    let r = get_anonyme(app, chemin).await;
    let v = serde_json::from_str(&r.corps).unwrap_or(Value::Null);
    (r.code, v)
}

/// Nombre de lieux de l'API (`total`, toutes pages).
async fn total_api(app: &Router, requete: &str) -> u64 {
    let (code, v) = json(app, &format!("/api/v1/lieux?{requete}")).await;
    assert_eq!(code, StatusCode::OK, "{requete} : {v}");
    v["total"].as_u64().unwrap()
}

/// Nombre d'enregistrements d'un CSV (sans l'en-tête), et son en-tête.
fn lignes_csv(corps: &str) -> (Vec<String>, usize) {
    let mut r = csv::Reader::from_reader(corps.as_bytes());
    let entete = r.headers().unwrap().iter().map(str::to_string).collect();
    let lignes: Vec<csv::StringRecord> = r.records().collect::<Result<_, _>>().unwrap();
    (entete, lignes.len())
}

deux_bases!(lieux_filtres_par_territoire, |store: Store| async move {
    commun::importer_lieux(
        &store,
        &[("charente-20230711_schema-update-20240912.json", "charente")],
    )
    .await;
    importer_csv(&store, "ailleurs", CSV_HORS_CHARENTE).await;
    let app = app(&store);

    // Sans filtre : tout (188 + 3).
    assert_eq!(total_api(&app, "").await, 191);
    for (requete, attendu) in [
        ("territoire=departement:16", 188),
        ("territoire=commune:16015", 18),
        ("territoire=epci:200071827", 46),
        // Deux territoires réunis : le Grand Angoulême et Bordeaux.
        ("territoire=epci:200071827&territoire=commune:33063", 48),
        ("territoire=departement:16&territoire=departement:51", 189),
        // La région : Charente, Bordeaux (Nouvelle-Aquitaine), pas Reims.
        ("territoire=region:75", 190),
        // Un doublon ne compte qu'une fois ; niveau en capitales accepté.
        ("territoire=commune:33063&territoire=COMMUNE:33063", 2),
        // Un territoire sans lieu : aucun, sans erreur.
        ("territoire=region:11", 0),
        // Avec les autres filtres : autour de Bordeaux (30 km), rien de la Charente.
        ("lieu=33000&territoire=departement:16", 0),
        ("lieu=33000&territoire=commune:33063", 2),
        ("lieu=33000", 2),
    ] {
        assert_eq!(total_api(&app, requete).await, attendu, "{requete}");
    }
    // Chaque lieu rendu est bien à Bordeaux.
    let (_, v) = json(&app, "/api/v1/lieux?territoire=commune:33063").await;
    let ids: Vec<&str> = v["lieux"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["donnees"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["g2", "g1"], "triés par nom : {v}");

    // Inconnu du référentiel (bien écrit) : 404 ; mal écrit ou vide : 400 ; toujours avec un
    // message français de l'API.
    for (requete, statut, message) in [
        (
            "territoire=departement:99",
            StatusCode::NOT_FOUND,
            "territoire : « departement:99 » : aucun(e) département de code « 99 » dans le référentiel des territoires",
        ),
        (
            "territoire=departement:16&territoire=epci:123",
            StatusCode::NOT_FOUND,
            "territoire : « epci:123 » : aucun(e) EPCI de code « 123 » dans le référentiel des territoires",
        ),
        (
            "territoire=16",
            StatusCode::BAD_REQUEST,
            "territoire : « 16 » : un territoire s'écrit niveau:code (departement:16, epci:200071827, commune:16015, region:75)",
        ),
        (
            "territoire=canton:16",
            StatusCode::BAD_REQUEST,
            "territoire : « canton:16 » : niveau inconnu (commune, epci, departement ou region)",
        ),
        (
            "territoire=",
            StatusCode::BAD_REQUEST,
            "territoire : aucun territoire : indiquez au moins un territoire (niveau:code)",
        ),
    ] {
        let (code, v) = json(&app, &format!("/api/v1/lieux?{requete}")).await;
        assert_eq!(code, statut, "{requete}");
        assert_eq!(v["message"], message, "{requete}");
    }

    // Les fichiers : mêmes colonnes, lieux filtrés.
    let tout = get_anonyme(&app, "/donnees/lieux.csv").await;
    assert_eq!(tout.code, StatusCode::OK);
    let (entete_tout, n) = lignes_csv(&tout.corps);
    assert_eq!(n, 191);
    for (requete, attendu) in [
        ("territoire=departement:16", 188),
        ("territoire=commune:16015", 18),
        ("territoire=epci:200071827&territoire=commune:33063", 48),
        ("territoire=region:11", 0),
    ] {
        let r = get_anonyme(&app, &format!("/donnees/lieux.csv?{requete}")).await;
        assert_eq!(r.code, StatusCode::OK, "{requete}");
        assert_eq!(r.type_contenu(), "text/csv; charset=utf-8");
        let (entete, n) = lignes_csv(&r.corps);
        assert_eq!(entete, entete_tout, "{requete} : mêmes colonnes");
        assert_eq!(n, attendu, "lieux.csv?{requete}");
    }
    let (code, v) = json(&app, "/donnees/lieux.json?territoire=commune:33063").await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    let (_, v) = json(&app, "/donnees/lieux.geojson?territoire=commune:16015").await;
    assert_eq!(v["features"].as_array().unwrap().len(), 18);
    let (_, v) = json(
        &app,
        "/donnees/lieux-data-inclusion-structures.json?territoire=departement:51",
    )
    .await;
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["nom"], "Tiers-lieu rémois");
    let (_, v) = json(
        &app,
        "/donnees/lieux-data-inclusion-services.json?territoire=departement:51",
    )
    .await;
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    let r = get_anonyme(&app, "/donnees/lieux-ecarts.csv?territoire=region:11").await;
    assert_eq!(r.code, StatusCode::OK);
    assert_eq!(lignes_csv(&r.corps).1, 0);

    // Un fichier refusé : 404 (inconnu) ou 400 (mal écrit), et le message en texte.
    for fichier in [
        "lieux.csv",
        "lieux.json",
        "lieux.geojson",
        "lieux-data-inclusion-structures.json",
        "lieux-data-inclusion-services.json",
        "lieux-ecarts.csv",
    ] {
        let r = get_anonyme(
            &app,
            &format!("/donnees/{fichier}?territoire=departement:99"),
        )
        .await;
        assert_eq!(r.code, StatusCode::NOT_FOUND, "{fichier}");
        assert_eq!(r.type_contenu(), "text/plain; charset=utf-8");
        assert_eq!(
            r.corps,
            "territoire : « departement:99 » : aucun(e) département de code « 99 » dans le référentiel des territoires",
            "{fichier}"
        );
        let r = get_anonyme(&app, &format!("/donnees/{fichier}?territoire=departement")).await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST, "{fichier}");
        assert!(r.corps.contains("niveau:code"), "{fichier} : {}", r.corps);
    }
});

deux_bases!(
    registre_et_chartes_filtres_par_territoire,
    |store: Store| async move {
        // Titulaires : à Angoulême (16000), à Cognac ou Châteaubernard (16100 : le département et
        // l'EPCI sont sûrs, pas la commune), à Amiens (80000).
        titulaire(
            &store,
            "1",
            "Outil d'Angoulême",
            "numerique",
            "16000",
            "labellise",
        )
        .await;
        titulaire(
            &store,
            "2",
            "Outil de Cognac",
            "numerique",
            "16100",
            "labellise",
        )
        .await;
        titulaire(
            &store,
            "3",
            "Outil d'Amiens",
            "numerique",
            "80000",
            "labellise",
        )
        .await;
        // Territoires signataires de la charte : à Angoulême et à Clermont-Ferrand (63000).
        for (n, cp) in [("4", "16000"), ("5", "63000")] {
            mener_dossier(
                &store,
                "charte-territoire-actions",
                n,
                &format!("Territoire d'Actions {n}"),
                "demarche_territoriale",
                cp,
                "labellise",
                Utc::now() - Duration::days(30),
            )
            .await;
        }
        let app = app(&store);

        let noms = |v: &Value| -> Vec<String> {
            let mut n: Vec<String> = v["titulaires"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["dispositif_nom"].as_str().unwrap().to_string())
                .collect();
            n.sort();
            n
        };
        let (_, v) = json(&app, "/api/v1/registre").await;
        assert_eq!(v["total"], 3, "{v}");
        for (requete, attendus) in [
            (
                "territoire=departement:16",
                vec!["Outil d'Angoulême", "Outil de Cognac"],
            ),
            ("territoire=commune:16015", vec!["Outil d'Angoulême"]),
            ("territoire=commune:16102", vec![]),
            ("territoire=epci:200070514", vec!["Outil de Cognac"]),
            (
                "territoire=commune:16015&territoire=departement:80",
                vec!["Outil d'Amiens", "Outil d'Angoulême"],
            ),
            ("territoire=region:11", vec![]),
            // Avec un autre filtre.
            (
                "territoire=departement:16&q=cognac",
                vec!["Outil de Cognac"],
            ),
        ] {
            let (code, v) = json(&app, &format!("/api/v1/registre?{requete}")).await;
            assert_eq!(code, StatusCode::OK, "{requete}");
            assert_eq!(noms(&v), attendus, "{requete}");
            assert_eq!(v["total"], attendus.len(), "{requete}");
        }
        let (code, v) = json(&app, "/api/v1/registre?territoire=departement:999").await;
        assert_eq!(code, StatusCode::NOT_FOUND);
        assert_eq!(
        v["message"],
        "territoire : « departement:999 » : aucun(e) département de code « 999 » dans le référentiel des territoires"
    );
        let (code, v) = json(&app, "/api/v1/registre?territoire=departement").await;
        assert_eq!(code, StatusCode::BAD_REQUEST);
        assert!(
            v["message"].as_str().unwrap().contains("niveau:code"),
            "{v}"
        );

        // Fichiers du registre : mêmes colonnes.
        let tout = get_anonyme(&app, "/donnees/registre.csv").await;
        let (entete_tout, n) = lignes_csv(&tout.corps);
        assert_eq!(n, 3);
        let r = get_anonyme(&app, "/donnees/registre.csv?territoire=departement:16").await;
        assert_eq!(r.code, StatusCode::OK);
        let (entete, n) = lignes_csv(&r.corps);
        assert_eq!((entete, n), (entete_tout, 2));
        let (_, v) = json(&app, "/donnees/registre.json?territoire=departement:80").await;
        assert_eq!(v.as_array().unwrap().len(), 1);
        assert_eq!(v[0]["dispositif_nom"], "Outil d'Amiens");
        let r = get_anonyme(&app, "/donnees/chartes.json?territoire=region:84;region:75").await;
        assert_eq!(
            r.code,
            StatusCode::BAD_REQUEST,
            "un territoire par paramètre"
        );
        let r = get_anonyme(&app, "/donnees/registre.json?territoire=x:1").await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert!(r.corps.contains("niveau inconnu"), "{}", r.corps);

        // Signataires de la charte : une ligne par dispositif retenu, on compte les territoires.
        let territoires = |v: &Value| -> Vec<String> {
            let mut n: Vec<String> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["territoire_nom"].as_str().unwrap().to_string())
                .collect();
            n.dedup();
            n
        };
        let (_, v) = json(&app, "/donnees/chartes.json").await;
        assert_eq!(territoires(&v).len(), 2, "{v}");
        for (requete, attendus) in [
            ("territoire=departement:16", vec!["Commune 4"]),
            ("territoire=commune:16015", vec!["Commune 4"]),
            ("territoire=epci:200071827", vec!["Commune 4"]),
            ("territoire=region:84", vec!["Commune 5"]),
            ("territoire=departement:33", vec![]),
        ] {
            let (code, v) = json(&app, &format!("/donnees/chartes.json?{requete}")).await;
            assert_eq!(code, StatusCode::OK, "{requete}");
            assert_eq!(territoires(&v), attendus, "{requete}");
        }
        let tout = get_anonyme(&app, "/donnees/chartes.csv").await;
        let (entete_tout, n_tout) = lignes_csv(&tout.corps);
        let r = get_anonyme(&app, "/donnees/chartes.csv?territoire=departement:16").await;
        assert_eq!(r.code, StatusCode::OK);
        let (entete, n) = lignes_csv(&r.corps);
        assert_eq!(entete, entete_tout);
        assert!(n >= 2 && n * 2 == n_tout, "{n} lignes sur {n_tout}");
        let r = get_anonyme(&app, "/donnees/chartes.csv?territoire=region:99").await;
        assert_eq!(r.code, StatusCode::NOT_FOUND);
        assert!(
            r.corps.contains("aucun(e) région de code « 99 »"),
            "{}",
            r.corps
        );
    }
);

deux_bases!(
    pages_des_donnees_par_territoire,
    |store: Store| async move {
        crate::versions_locales::creer(
            &store,
            "charente",
            "departement:16",
            "http://127.0.0.1:9999",
        )
        .await;
        let app = app(&store);

        // La page nationale explique le paramètre, avec un exemple.
        let r = get_anonyme(&app, "/donnees").await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("Filtrer par territoire"));
        assert!(r
            .corps
            .contains("href=\"/donnees/lieux.csv?territoire=departement:16\""));
        assert!(r.corps.contains("href=\"/donnees/lieux.csv\""));

        // La page locale : les fichiers nationaux, filtrés par le périmètre de la version.
        let r = get_anonyme(&app, "/t/charente/donnees").await;
        assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
        assert!(r.corps.contains("Carte charente"));
        assert!(r.corps.contains("Charente (département 16)"));
        for fichier in [
            "lieux.csv",
            "lieux.json",
            "lieux.geojson",
            "lieux-data-inclusion-structures.json",
            "lieux-data-inclusion-services.json",
            "lieux-ecarts.csv",
            "registre.csv",
            "registre.json",
            "chartes.csv",
            "chartes.json",
        ] {
            let lien = format!(
                "href=\"http://localhost:8080/donnees/{fichier}?territoire=departement:16\""
            );
            assert!(r.corps.contains(&lien), "{lien}");
        }
        for api in ["lieux", "registre"] {
            let lien =
                format!("href=\"http://localhost:8080/api/v1/{api}?territoire=departement:16\"");
            assert!(r.corps.contains(&lien), "{lien}");
        }
        // Ni abonnement (compte national), ni fichier non filtré, ni lien vers une page nationale.
        assert!(!r.corps.contains("/donnees/abonnements"));
        assert!(!r.corps.contains("href=\"/donnees/lieux.csv"));
        assert!(!r.corps.contains("href=\"/territoires"));
        assert!(!r.corps.contains("href=\"/chartes"));
    }
);
