//! Tests HTTP du site, en processus, sur SQLite et sur PostgreSQL.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use reperes_store::test_support::catalogue_du_depot;
use reperes_store::{deux_bases, Store};
use reperes_web::Theme;
use tower::ServiceExt;

use crate::commun::{app, get_anonyme as get, Reponse};

fn titre(html: &str) -> &str {
    let debut = html.find("<title>").expect("balise title") + 7;
    let fin = html[debut..].find("</title>").unwrap() + debut;
    &html[debut..fin]
}

/// Ce que toute page HTML doit respecter : langue, titre, lien d'évitement, aucun script ni
/// style en ligne (la CSP les bloquerait).
fn verifier_page(r: &Reponse) {
    assert!(r.corps.starts_with("<!doctype html>"));
    assert!(r.corps.contains("<html lang=\"fr\""));
    assert!(r.corps.contains("href=\"#contenu\""), "lien d'évitement");
    assert!(r.corps.contains("id=\"contenu\""));
    assert!(!r.corps.contains("<script"), "aucun script");
    assert!(!r.corps.contains("style=\""), "aucun style en ligne");
    assert_eq!(r.entetes["content-type"], "text/html; charset=utf-8");
}

deux_bases!(
    accueil_liste_les_referentiels_et_leurs_criteres,
    |store: Store| async move {
        let app = app(&store);
        let r = get(&app, "/").await;
        assert_eq!(r.code, StatusCode::OK);
        verifier_page(&r);
        assert_eq!(titre(&r.corps), "Accueil — Repères");
        let c = catalogue_du_depot();
        for referentiel in &c.referentiels {
            assert!(
                r.corps.contains(&format!(
                    "/referentiels/{}/{}",
                    referentiel.id, referentiel.version
                )),
                "lien vers {}",
                referentiel.id
            );
            for critere in &referentiel.criteres {
                assert!(
                    r.corps.contains(&format!(
                        "<strong>{}</strong>",
                        askama_escape(&critere.libelle)
                    )),
                    "critère {} de {}",
                    critere.libelle,
                    referentiel.id
                );
            }
        }
        assert!(r.corps.contains("Dossiers par état (0 au total)"));
    }
);

fn askama_escape(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('\'', "&#39;")
        .replace('"', "&#34;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
}

deux_bases!(
    page_d_un_referentiel_avec_sa_grille,
    |store: Store| async move {
        let app = app(&store);
        let r = get(&app, "/referentiels/nec-2022/2022.1").await;
        assert_eq!(r.code, StatusCode::OK);
        verifier_page(&r);
        assert!(titre(&r.corps).starts_with("NEC 2022"));
        // Six grilles (une par critère), trois types de dispositif en lignes.
        assert_eq!(r.corps.matches("<caption>Exigences du critère").count(), 6);
        assert_eq!(r.corps.matches("<th scope=\"row\">").count(), 18);
        assert!(r.corps.contains("5.1 Accessible"), "correspondance NIG");
        let charte = get(&app, "/referentiels/charte-territoire-actions/2020.1").await;
        assert_eq!(charte.code, StatusCode::OK);
        assert!(charte.corps.contains("Au moins 2 parmi"));
        assert_ne!(titre(&charte.corps), titre(&r.corps), "titres uniques");
    }
);

deux_bases!(introuvable_en_francais, |store: Store| async move {
    let app = app(&store);
    for chemin in [
        "/referentiels/nec-2022/9.9",
        "/nulle-part",
        "/static/absent.css",
    ] {
        let r = get(&app, chemin).await;
        assert_eq!(r.code, StatusCode::NOT_FOUND, "{chemin}");
        verifier_page(&r);
        assert_eq!(titre(&r.corps), "Page introuvable — Repères");
    }
});

deux_bases!(sante_rend_l_etat_de_la_base, |store: Store| async move {
    let app = app(&store);
    let r = get(&app, "/sante").await;
    assert_eq!(r.code, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&r.corps).unwrap();
    assert_eq!(v["statut"], "ok");
    assert_eq!(v["base"]["statut"], "ok");
    assert_eq!(v["base"]["moteur"], store.backend().nom());
    assert_eq!(v["referentiels"], 5);
    // Base fermée : 503, état dégradé, sans planter.
    store.fermer().await;
    let r = get(&app, "/sante").await;
    assert_eq!(r.code, StatusCode::SERVICE_UNAVAILABLE);
    let v: serde_json::Value = serde_json::from_str(&r.corps).unwrap();
    assert_eq!(v["statut"], "degrade");
});

deux_bases!(entetes_de_securite_partout, |store: Store| async move {
    let app = app(&store);
    for chemin in ["/", "/sante", "/nulle-part", "/static/css/reperes.css"] {
        let r = get(&app, chemin).await;
        let csp = r.entetes["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{chemin}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(r.entetes["x-content-type-options"], "nosniff");
        assert_eq!(r.entetes["x-frame-options"], "DENY");
        assert!(r.entetes.contains_key("referrer-policy"));
        assert!(r.entetes.contains_key("permissions-policy"));
    }
});

deux_bases!(fichiers_statiques_embarques, |store: Store| async move {
    let app = app(&store);
    let css = get(&app, "/static/vendor/dsfr/dsfr.min.css").await;
    assert_eq!(css.code, StatusCode::OK);
    assert_eq!(css.entetes["content-type"], "text/css");
    assert!(css.corps.len() > 100_000);
    let police = app
        .clone()
        .oneshot(
            Request::get("/static/vendor/dsfr/fonts/Marianne-Regular.woff2")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(police.status(), StatusCode::OK);
    assert_eq!(police.headers()["content-type"], "font/woff2");
    // Chaque feuille de style et l'icône déclarées par le thème existent.
    for f in Theme::Dsfr
        .feuilles()
        .iter()
        .chain([&Theme::Dsfr.favicon()])
    {
        assert_eq!(get(&app, f).await.code, StatusCode::OK, "{f}");
    }
});

deux_bases!(compression_gzip, |store: Store| async move {
    let r = app(&store)
        .oneshot(
            Request::get("/static/vendor/dsfr/dsfr.min.css")
                .header("accept-encoding", "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
});
