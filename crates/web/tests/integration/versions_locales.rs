//! Versions locales de la carte (issue 17) au niveau HTTP, sur les deux bases : adresses
//! `/t/{slug}/…`, portée, intégration (CSP `frame-ancestors` des seules pages locales).

use crate::commun;

use axum::http::{header, StatusCode};
use commun::{app, get_anonyme};
use reperes_domain::territoires::Territoires;
use reperes_domain::versions_locales::{SaisieVersionLocale, VersionValidee};
use reperes_domain::Role;
use reperes_store::{deux_bases, Acteur, Store};

/// Une version locale enregistrée par le store (les pages d'administration ont leurs tests).
pub async fn creer(store: &Store, slug: &str, perimetre: &str, origines: &str) -> String {
    let v: VersionValidee = SaisieVersionLocale {
        slug: slug.into(),
        nom: format!("Carte {slug}"),
        perimetre: perimetre.into(),
        couleur: String::new(),
        theme: "neutre".into(),
        origines: origines.into(),
    }
    .valider(Territoires::embarque())
    .unwrap();
    store
        .creer_version_locale(&Acteur::new("adm", Role::Administrateur), &v)
        .await
        .unwrap()
}

deux_bases!(adresses_locales_et_integration, |store: Store| async move {
    commun::importer_lieux(
        &store,
        &[("charente-20230711_schema-update-20240912.json", "charente")],
    )
    .await;
    creer(
        &store,
        "charente",
        "departement:16",
        "http://127.0.0.1:9999",
    )
    .await;
    let app = app(&store);

    // La recherche locale : l'en-tête de la version, thème neutre, intégrable depuis l'origine
    // déclarée seulement.
    let r = get_anonyme(&app, "/t/charente/lieux").await;
    assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
    assert!(r.corps.contains("Carte charente"));
    assert!(r.corps.contains("/static/css/neutre.css"));
    assert!(!r.corps.contains("dsfr.min.css"));
    let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'self' http://127.0.0.1:9999"),
        "{csp}"
    );
    assert!(!r.entetes.contains_key(header::X_FRAME_OPTIONS));

    // /t/charente : vers sa recherche.
    let r = get_anonyme(&app, "/t/charente").await;
    assert_eq!(r.code, StatusCode::SEE_OTHER);
    assert_eq!(r.entetes[header::LOCATION], "/t/charente/lieux");

    // Seules les pages publiques listées existent sous /t/ ; une version inconnue : 404.
    for chemin in [
        "/t/charente/administration",
        "/t/charente/connexion",
        "/t/charente/espace",
        "/t/charente/api/v1/lieux",
        "/t/gironde/lieux",
        "/t/charente/static/css/reperes.css",
    ] {
        let r = get_anonyme(&app, chemin).await;
        assert_eq!(r.code, StatusCode::NOT_FOUND, "{chemin}");
        let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") || chemin.starts_with("/t/charente/"),
            "{chemin} : {csp}"
        );
    }

    // Le site national n'est jamais intégrable.
    let r = get_anonyme(&app, "/lieux").await;
    let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.entetes[header::X_FRAME_OPTIONS], "DENY");
    assert!(r.corps.contains("dsfr.min.css"));
});
