//! Recherche publique des lieux, fiche d'un lieu et API, sur les deux bases.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use reperes_domain::lieux::{lire, valider_lot, Format};
use reperes_domain::Role;
use reperes_store::test_support::catalogue_du_depot;
use reperes_store::{deux_bases, Acteur, Store};
use reperes_web::{application, Config, Etat};
use tower::ServiceExt;

async fn get(app: &Router, chemin: &str) -> (StatusCode, String) {
    let r = app
        .clone()
        .oneshot(Request::get(chemin).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let code = r.status();
    (
        code,
        String::from_utf8_lossy(&r.into_body().collect().await.unwrap().to_bytes()).into_owned(),
    )
}

async fn importer(store: &Store) {
    let dossier = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../donnees/lieux");
    let schema = reperes_domain::lieux::schema_national();
    for (nom, source) in [
        ("charente-20230711_schema-update-20240912.json", "charente"),
        ("exemple-valide-v1.0.2.csv", "exemple"),
    ] {
        let octets = std::fs::read(dossier.join(nom)).unwrap();
        let lot = lire(&octets, Format::depuis_nom(nom).unwrap()).unwrap();
        assert!(valider_lot(&schema, &lot).is_empty());
        store
            .importer_lieux(
                &Acteur::new("test", Role::Systeme),
                source,
                &lot,
                &|_, _| {},
            )
            .await
            .unwrap();
    }
}

deux_bases!(
    recherche_fiche_et_api_des_lieux,
    |store: Store| async move {
        importer(&store).await;
        let app = application(
            Etat::new(store.clone(), catalogue_du_depot(), Config::pour_tests()).unwrap(),
        );
        let (code, page) = get(&app, "/lieux").await;
        assert_eq!(code, StatusCode::OK);
        assert!(
            page.contains("189 lieu(x), page 1 sur 10"),
            "{}",
            &page[..page.len().min(3000)]
        );
        let (_, page) = get(&app, "/lieux?lieu=51100").await;
        assert!(page.contains("1 lieu(x)") && page.contains("Anonymal"));
        let (_, page) = get(&app, "/lieux?q=mediatheque%20chateaubernard").await;
        assert!(page.contains("1 lieu(x)"), "recherche sans accents");
        let (_, api) = get(
            &app,
            "/api/v1/lieux?service=Aide%20aux%20d%C3%A9marches%20administratives",
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&api).unwrap();
        let total = v["total"].as_u64().unwrap();
        assert!(total > 0 && total < 189, "{total}");
        assert!(v["lieux"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["donnees"]["services"]
                .as_str()
                .unwrap()
                .contains("Aide aux démarches administratives")));
        // Fiche : intitulés du schéma, valeurs multiples en liste, lieu inconnu → 404.
        let (code, fiche) = get(&app, "/lieux/exemple/structure-1").await;
        assert_eq!(code, StatusCode::OK);
        assert!(
            fiche.contains("<h1>Anonymal</h1>")
                && fiche.contains("Code postal")
                && fiche.contains("<li>"),
            "{fiche}"
        );
        assert_eq!(
            get(&app, "/lieux/exemple/absent").await.0,
            StatusCode::NOT_FOUND
        );
        let (_, doc) = get(&app, "/api/openapi.json").await;
        assert!(doc.contains("/api/v1/lieux"));
    }
);
