//! La déclaration d'accessibilité (`/accessibilite`) et le détail de
//! l'audit (`/accessibilite/audit`), au niveau HTTP, sur les deux bases. Les valeurs attendues
//! (taux, comptes, non-conformités) sont recopiées à la main de l'audit
//! (contenus/accessibilite/audit.toml) : à mettre à jour avec lui (docs/accessibilite.md).

use std::sync::Arc;

use crate::commun;

use axum::http::StatusCode;
use commun::{app, app_avec, get_anonyme};
use reperes_store::{deux_bases, Store};
use reperes_web::Config;

/// Le taux de l'audit, tel que la page l'écrit (calculé à la main : 62 conformes / 63 applicables).
const TAUX: &str = "98,4 %";
/// « N critères conformes et M non conformes ».
const COMPTES: &str = "62 critères conformes et 1 non conforme, sur 63 critères applicables ; 43 critères sont non applicables";
/// Les critères non conformes de l'audit.
const NON_CONFORMES: &[&str] = &["13.1"];

deux_bases!(declaration_generee_de_l_audit, |store: Store| async move {
    let app = app(&store);
    let r = get_anonyme(&app, "/accessibilite").await;
    assert_eq!(r.code, StatusCode::OK);
    let p = &r.corps;
    assert!(p.contains("<h1>Déclaration d'accessibilité</h1>"), "{p}");
    // Engagement et état de conformité (modèle de la DINUM).
    assert!(p.contains("article 47 de la loi n° 2005-102 du 11 février 2005"));
    assert!(p.contains(
            // (apostrophes échappées par le moteur de gabarits)
            "Repères (démonstration) est partiellement conforme avec le référentiel général d&#39;amélioration de l&#39;accessibilité (RGAA), version 4.1"
        ));
    // Résultat des tests : le taux et les comptes de l'audit.
    assert!(
        p.contains(&format!(
            "<strong>{TAUX} des critères du RGAA version 4.1 sont respectés</strong>"
        )),
        "taux {TAUX} absent :\n{p}"
    );
    assert!(p.contains(COMPTES), "{COMPTES} absent");
    // Les non-conformités, avec leur critère.
    for n in NON_CONFORMES {
        assert!(
            p.contains(&format!("<strong>Critère {n}</strong>")),
            "critère {n} absent"
        );
    }
    // Retour d'information : le formulaire de signalement et le courriel de l'instance.
    assert!(p.contains("href=\"/signaler-un-probleme?sujet=accessibilite\""));
    assert!(p.contains("href=\"mailto:contact@reperes.example.org\""));
    // Voies de recours : Défenseur des droits.
    assert!(p.contains("href=\"https://formulaire.defenseurdesdroits.fr/\""));
    assert!(p.contains("href=\"https://www.defenseurdesdroits.fr/saisir/delegues\""));
    assert!(p.contains("Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07"));
    // Schéma pluriannuel, plan d'actions, pages vérifiées.
    assert!(p.contains("Schéma pluriannuel de mise en accessibilité"));
    assert!(p.contains("Plan d'actions de l'année"));
    assert!(p.contains("<code>/lieux?lieu=Angoul%C3%AAme</code>") || p.contains("<code>/lieux"));
    // Le pied de page dit l'état calculé.
    assert!(p.contains(">Accessibilité : partiellement conforme</a>"));
});

deux_bases!(
    pied_de_page_de_toute_page_dit_l_etat,
    |store: Store| async move {
        let app = app(&store);
        for chemin in ["/", "/lieux", "/registre", "/connexion"] {
            let r = get_anonyme(&app, chemin).await;
            assert_eq!(r.code, StatusCode::OK, "{chemin}");
            assert!(
                r.corps.contains(
                    "<a class=\"fr-footer__bottom-link\" href=\"/accessibilite\">Accessibilité : partiellement conforme</a>"
                ),
                "{chemin} : pied de page sans l'état de conformité"
            );
        }
    }
);

deux_bases!(
    contact_de_l_instance_et_detail_de_l_audit,
    |store: Store| async move {
        // Une autre instance : son courriel et son nom dans la déclaration.
        let mut config = Config::pour_tests();
        let texte = reperes_domain::instance::INSTANCE_TOML
            .replace("contact@reperes.example.org", "a11y@ville.example.fr")
            .replace("Repères (démonstration)", "Repères de la Ville");
        config.instance = Arc::new(reperes_domain::instance::lire(&texte, "test").unwrap());
        let app = app_avec(&store, config);
        let p = get_anonyme(&app, "/accessibilite").await.corps;
        assert!(p.contains("href=\"mailto:a11y@ville.example.fr\""));
        assert!(p.contains("Repères de la Ville est partiellement conforme"));
        assert!(!p.contains("contact@reperes.example.org"));
        // Le détail : chaque page de l'échantillon, chaque critère (106) avec son résultat.
        let r = get_anonyme(&app, "/accessibilite/audit").await;
        assert_eq!(r.code, StatusCode::OK);
        let d = &r.corps;
        assert!(d.contains("<h1>Résultats de l'audit d'accessibilité</h1>"));
        assert!(d.contains(&format!("<strong>{TAUX}</strong>")));
        // Une ligne par critère : « <li>1.1 : … ».
        let lignes = d
            .match_indices("<li>")
            .filter(|(i, _)| d[i + 4..].starts_with(|c: char| c.is_ascii_digit()))
            .count();
        assert_eq!(lignes, 106, "un élément par critère");
        assert!(d.contains("<li>8.5 : conforme. Chaque page web a-t-elle un titre de page ?"));
        assert!(d.contains("<li>2.1 : non applicable. "));
        assert!(d.contains("<h3>13. Consultation</h3>"));
        assert!(d.contains("<caption>Résultat de chaque page</caption>"));
    }
);

deux_bases!(
    expressions_etrangeres_balisees_avec_leur_langue,
    |store: Store| async move {
        // RGAA 8.7 : « Open Data », dans les intitulés officiels des critères NEC (accueil, page
        // du référentiel, son motif de correction), est balisé en anglais, texte inchangé ; il
        // n'apparaît nulle part sans sa langue.
        let app = app(&store);
        for (chemin, attendu) in [
            (
                "/",
                "format ouvert et sous licence <span lang=\"en\">Open Data</span> (DD232-2-1 CRPA)",
            ),
            (
                "/referentiels/nec-2022/2022.1",
                "format ouvert et sous licence <span lang=\"en\">Open Data</span> (DD232-2-1 CRPA)",
            ),
            (
                "/referentiels/nec-2022/2022.1",
                "des licences de données (« <span lang=\"en\">Open Data</span> »)",
            ),
        ] {
            let r = get_anonyme(&app, chemin).await;
            assert_eq!(r.code, StatusCode::OK, "{chemin}");
            assert!(r.corps.contains(attendu), "{chemin} : {attendu}");
            assert_eq!(
                r.corps.matches("Open Data").count(),
                r.corps
                    .matches("<span lang=\"en\">Open Data</span>")
                    .count(),
                "{chemin} : « Open Data » sans sa langue"
            );
        }
    }
);
