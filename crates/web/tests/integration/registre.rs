//! Registre public, badge, données ouvertes, API et statistiques, sur les deux bases.

use crate::commun;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use commun::{app, get_anonyme, titulaire};
use http_body_util::BodyExt;
use reperes_store::test_support::catalogue_du_depot;
use reperes_store::{deux_bases, Store};
use reperes_web::{application, Config, Etat};
use tower::ServiceExt;

async fn get(app: &Router, chemin: &str) -> (StatusCode, String, String) {
    let r = get_anonyme(app, chemin).await;
    (r.code, r.type_contenu(), r.corps)
}

deux_bases!(registre_filtres_et_permaliens, |store: Store| async move {
    titulaire(
        &store,
        "1",
        "Médiathèque connectée",
        "numerique",
        "80000",
        "labellise",
    )
    .await;
    titulaire(
        &store,
        "2",
        "Malle pédagogique",
        "tangible",
        "20090",
        "retire",
    )
    .await;
    titulaire(&store, "3", "Projet refusé", "numerique", "75001", "refuse").await;
    let app = app(&store);
    let (code, _, page) = get(&app, "/registre").await;
    assert_eq!(code, StatusCode::OK);
    assert!(page.contains("2 titulaire(s)"), "le refus n'est pas publié");
    assert!(
        page.contains("Médiathèque connectée")
            && page.contains("Malle pédagogique")
            && !page.contains("Projet refusé")
    );
    for (requete, attendu) in [
        ("q=mediatheque", "Médiathèque connectée"),
        ("q=MALLE%20p%C3%A9dagogique", "Malle pédagogique"),
        ("categorie=tangible", "Malle pédagogique"),
        ("departement=2A", "Malle pédagogique"),
        ("statut=retire", "Malle pédagogique"),
        ("departement=80", "Médiathèque connectée"),
        (
            "critere=sobre&label=nec-2022&niveau=1&statut=labellise",
            "Médiathèque connectée",
        ),
    ] {
        let (_, _, p) = get(&app, &format!("/registre?{requete}")).await;
        assert!(
            p.contains("1 titulaire(s)") && p.contains(attendu),
            "{requete}"
        );
    }
    let (_, _, p) = get(&app, "/registre?q=introuvable").await;
    assert!(p.contains("0 titulaire(s)"));
    // La liste « Critère satisfait » : un groupe (optgroup) par référentiel au registre, les
    // critères sous leur libellé, le critère filtré choisi une seule fois (RGAA 11.8).
    let (_, _, p) = get(&app, "/registre?critere=sobre").await;
    let liste = p
        .split_once("id=\"critere\"")
        .and_then(|(_, x)| x.split_once("</select>"))
        .map(|(x, _)| x)
        .expect("liste des critères");
    for groupe in [
        "NEC 2021",
        "NEC 2022",
        "Numérique inclusif 2019",
        "Méthodes 2019",
    ] {
        assert!(
            liste.contains(&format!("<optgroup label=\"{groupe}\">")),
            "{groupe} : {liste}"
        );
    }
    assert!(!liste.contains("Territoire d&#39;Actions"), "{liste}");
    assert_eq!(liste.matches("<optgroup").count(), 4, "{liste}");
    assert_eq!(liste.matches(" selected").count(), 1, "{liste}");
    assert!(
        liste.contains("<option value=\"sobre\" selected>Sobre</option>"),
        "{liste}"
    );
    let (_, _, p) = get(&app, "/registre").await;
    let liste = p.split_once("id=\"critere\"").unwrap().1;
    let liste = liste.split_once("</select>").unwrap().0;
    assert_eq!(liste.matches(" selected").count(), 0, "{liste}");
    // Page publique : niveau, critères, correspondance NIG, dates ; un label retiré reste visible.
    let (code, _, p) = get(&app, "/registre/dispositifs/x1").await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        p.contains("Accessible (niveau 1)") && p.contains("NIG 1.1 5.1 Accessible"),
        "{p}"
    );
    let (_, _, p) = get(&app, "/registre/dispositifs/x2").await;
    assert!(p.contains("retiré le"));
    assert_eq!(
        get(&app, "/registre/dispositifs/x3").await.0,
        StatusCode::NOT_FOUND,
        "refusé : pas de page"
    );
    // Badge.
    let (code, ct, svg) = get(&app, "/registre/dispositifs/x1/badge.svg").await;
    assert_eq!(
        (code, ct.as_str()),
        (StatusCode::OK, "image/svg+xml; charset=utf-8")
    );
    assert!(
        svg.contains("role=\"img\"")
            && svg.contains("<title id=\"t\">Médiathèque connectée : label « NEC 2022 »")
    );
});

deux_bases!(
    donnees_ouvertes_conformes_au_schema,
    |store: Store| async move {
        titulaire(
            &store,
            "1",
            "Médiathèque, « connectée »",
            "numerique",
            "80000",
            "labellise",
        )
        .await;
        titulaire(&store, "2", "Malle", "tangible", "97400", "retire").await;
        let app = app(&store);
        let (code, ct, csv) = get(&app, "/donnees/registre.csv").await;
        assert_eq!(
            (code, ct.as_str()),
            (StatusCode::OK, "text/csv; charset=utf-8")
        );
        let schema: serde_json::Value =
            serde_json::from_str(&get(&app, "/donnees/registre.schema.json").await.2).unwrap();
        let champs: Vec<&str> = schema["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        let mut lecteur = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(
            lecteur.headers().unwrap().iter().collect::<Vec<_>>(),
            champs,
            "en-tête = champs du schéma"
        );
        let lignes: Vec<csv::StringRecord> = lecteur.records().map(|r| r.unwrap()).collect();
        assert_eq!(lignes.len(), 2);
        let retire = lignes.iter().find(|l| &l[17] == "retire").unwrap();
        assert_eq!(&retire[11], "974");
        assert!(!retire[20].is_empty(), "date de fin renseignée");
        let json: Vec<serde_json::Value> =
            serde_json::from_str(&get(&app, "/donnees/registre.json").await.2).unwrap();
        assert_eq!(json.len(), 2);
        assert_eq!(
            json.iter().map(|o| o.as_object().unwrap().len()).max(),
            Some(champs.len())
        );
        let (_, _, doc) = get(&app, "/donnees").await;
        for c in &champs {
            assert!(
                doc.contains(&format!("<code>{c}</code>")),
                "champ {c} documenté"
            );
        }
    }
);

deux_bases!(api_et_statistiques, |store: Store| async move {
    titulaire(&store, "1", "A", "numerique", "80000", "labellise").await;
    titulaire(&store, "2", "B", "numerique", "80000", "retire").await;
    titulaire(&store, "3", "C", "numerique", "80000", "refuse").await;
    let app = app(&store);
    let (code, _, corps) = get(&app, "/api/v1/registre?label=nec-2022").await;
    assert_eq!(code, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&corps).unwrap();
    assert_eq!(
        (v["total"].as_u64(), v["page"].as_u64()),
        (Some(2), Some(1))
    );
    let (_, _, corps) = get(&app, "/api/v1/statistiques").await;
    let s: serde_json::Value = serde_json::from_str(&corps).unwrap();
    let nec = s["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["label"] == "nec-2022")
        .unwrap()
        .clone();
    assert_eq!(
        (
            nec["accordes"].as_i64(),
            nec["refuses"].as_i64(),
            nec["deposes"].as_i64()
        ),
        (Some(2), Some(1), Some(3))
    );
    assert!((nec["taux_octroi"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    // Dépôt il y a 10 jours ; labellisations 6 jours plus tard, refus 10 jours plus tard : médiane 6.
    assert_eq!(nec["delai_median_jours"].as_f64(), Some(6.0));
    let (code, _, doc) = get(&app, "/api/openapi.json").await;
    assert_eq!(code, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    for chemin in [
        "/api/v1/registre",
        "/api/v1/referentiels",
        "/api/v1/referentiels/{id}/{version}",
        "/api/v1/statistiques",
    ] {
        assert!(doc["paths"][chemin].is_object(), "{chemin} décrit");
    }
    assert_eq!(
        get(&app, "/api/v1/referentiels/nec-2022/2022.1").await.0,
        StatusCode::OK
    );
    let (code, _, corps) = get(&app, "/api/v1/referentiels/nec-2022/9").await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert!(corps.contains("Référentiel inconnu"));
    let (_, _, page) = get(&app, "/statistiques").await;
    assert!(page.contains("67 %") && page.contains("6 jours"), "{page}");
});

deux_bases!(
    attestation_generee_et_verifiable,
    |store: Store| async move {
        use sha2::Digest;
        let dossier = titulaire(
            &store,
            "1",
            "Médiathèque",
            "numerique",
            "80000",
            "labellise",
        )
        .await;
        let etat = Etat::new(store.clone(), catalogue_du_depot(), Config::pour_tests()).unwrap();
        let app = application(etat.clone());
        assert!(store
            .attestation_du_dossier(&dossier)
            .await
            .unwrap()
            .is_none());
        // Générée à la demande si la labellisation ne l'a pas produite (ici, labellisé par le store).
        let (code, _, _) = get(&app, &format!("/dossiers/{dossier}/attestation")).await;
        assert_eq!(
            code,
            StatusCode::SEE_OTHER,
            "réservé aux personnes connectées"
        );
        let a = reperes_web::generer_attestation_pour_tests(&etat, &dossier).await;
        let r = app
            .clone()
            .oneshot(
                Request::get(format!("/attestations/{}.pdf", a.id))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let octets = r.into_body().collect().await.unwrap().to_bytes();
        assert!(octets.starts_with(b"%PDF-"));
        assert_eq!(hex::encode(sha2::Sha256::digest(&octets)), a.sha256);
        let (code, _, page) = get(&app, &format!("/attestations/{}", a.id)).await;
        assert_eq!(code, StatusCode::OK);
        assert!(
            page.contains("Attestation authentique, label en cours de validité")
                && page.contains(&a.sha256),
            "{page}"
        );
        // Retrait : l'attestation reste authentique, mais n'est plus valide.
        store
            .agir(
                &catalogue_du_depot(),
                &dossier,
                &reperes_store::Acteur::new("admin", reperes_domain::Role::Administrateur),
                &reperes_domain::Action::Retirer {
                    motif: "Plus maintenu.".into(),
                },
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        let (_, _, page) = get(&app, &format!("/attestations/{}", a.id)).await;
        assert!(
            page.contains("le label n'est plus valide") && page.contains("retiré le"),
            "{page}"
        );
        let (code, _, page) = get(&app, "/attestations/00000000-0000-0000-0000-000000000000").await;
        assert_eq!(code, StatusCode::NOT_FOUND);
        assert!(page.contains("Aucune attestation ne porte ce numéro"));
    }
);
