//! Journal de sécurité, par HTTP, sur les deux bases : une connexion échouée y apparaît avec
//! l'adresse IP et le user-agent ; un refus CSRF et un export y sont notés ; la page et l'export
//! CSV sont réservés aux administrateurs ; les cellules CSV sont neutralisées contre les formules.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use chrono::Utc;
use reperes_domain::comptes::RoleCompte;
use reperes_store::{
    deux_bases, EvenementSecurite, FiltreJournalSecurite, LigneJournalSecurite, NouvelEvenement,
    Store,
};

use crate::commun::{app, compte, Client, MDP};

/// Les lignes du journal d'un type donné.
async fn lignes(store: &Store, ev: EvenementSecurite) -> Vec<LigneJournalSecurite> {
    store
        .journal_securite(&FiltreJournalSecurite {
            evenement: Some(ev),
            ..Default::default()
        })
        .await
        .unwrap()
        .0
}

/// POST de la connexion depuis une adresse et un navigateur donnés (comme une vraie connexion
/// TCP : `ConnectInfo`).
async fn connexion_depuis(c: &mut Client, email: &str, mdp: &str, ip: &str, ua: &str) -> u16 {
    c.get("/connexion").await;
    let corps = serde_urlencoded::to_string([
        ("email", email),
        ("mot_de_passe", mdp),
        ("_csrf", c.csrf.as_str()),
    ])
    .unwrap();
    let mut req = c
        .avec_cookie(Request::post("/connexion"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::USER_AGENT, ua)
        .body(Body::from(corps))
        .unwrap();
    let adresse: SocketAddr = format!("{ip}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(adresse));
    c.envoyer(req).await.code.as_u16()
}

deux_bases!(
    connexion_echouee_au_journal_avec_ip_et_user_agent,
    |store: Store| async move {
        compte(&store, "agente@exemple.fr", RoleCompte::Instructeur).await;
        compte(&store, "admin@exemple.fr", RoleCompte::Administrateur).await;
        let app = app(&store);
        let mut c = Client::new(&app);
        let code = connexion_depuis(
            &mut c,
            "Agente@Exemple.fr",
            "pas le bon mot de passe",
            "198.51.100.23",
            "NavigateurDeTest/1.0 (X11)",
        )
        .await;
        assert_eq!(code, 422);

        let echecs = lignes(&store, EvenementSecurite::ConnexionEchouee).await;
        assert_eq!(echecs.len(), 1, "{echecs:?}");
        assert_eq!(echecs[0].compte.as_deref(), Some("agente@exemple.fr"));
        assert_eq!(echecs[0].ip.as_deref(), Some("198.51.100.23"));
        assert_eq!(
            echecs[0].user_agent.as_deref(),
            Some("NavigateurDeTest/1.0 (X11)")
        );
        assert!(lignes(&store, EvenementSecurite::ConnexionReussie)
            .await
            .is_empty());

        // Un user-agent démesuré est borné.
        let long = format!("Robot/{}", "x".repeat(3000));
        connexion_depuis(&mut c, "agente@exemple.fr", "faux", "198.51.100.24", &long).await;
        let echecs = lignes(&store, EvenementSecurite::ConnexionEchouee).await;
        assert_eq!(echecs.len(), 2);
        assert_eq!(
            echecs[0].user_agent.as_deref().unwrap().chars().count(),
            256
        );

        // Puis la bonne : notée comme réussie.
        let code = connexion_depuis(
            &mut c,
            "agente@exemple.fr",
            MDP,
            "198.51.100.23",
            "NavigateurDeTest/1.0 (X11)",
        )
        .await;
        assert_eq!(code, 303);
        let reussies = lignes(&store, EvenementSecurite::ConnexionReussie).await;
        assert_eq!(reussies.len(), 1);
        assert_eq!(reussies[0].compte.as_deref(), Some("agente@exemple.fr"));

        // L'administrateur la voit sur la page, filtrée par type et par compte.
        let mut admin = Client::new(&app);
        admin.connecter("admin@exemple.fr", MDP).await;
        let r = admin
            .get("/administration/journal-securite?evenement=connexion_echouee&compte=agente%40exemple.fr")
            .await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("2 événement(s)"), "{}", r.corps);
        assert!(r.corps.contains("Connexion échouée"));
        assert!(r.corps.contains("198.51.100.23"));
        assert!(r.corps.contains("NavigateurDeTest/1.0 (X11)"));
        assert!(!r.corps.contains("Connexion réussie</td>"));
        // Un type inconnu est refusé clairement.
        let r = admin
            .get("/administration/journal-securite?evenement=inconnu")
            .await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert!(
            r.corps.contains("événement inconnu : « inconnu »"),
            "{}",
            r.corps
        );
    }
);

deux_bases!(
    journal_reserve_aux_administrateurs,
    |store: Store| async move {
        compte(&store, "agente@exemple.fr", RoleCompte::Instructeur).await;
        compte(&store, "admin@exemple.fr", RoleCompte::Administrateur).await;
        let app = app(&store);
        let mut agente = Client::new(&app);
        agente.connecter("agente@exemple.fr", MDP).await;
        for chemin in [
            "/administration/journal-securite",
            "/administration/journal-securite.csv",
        ] {
            assert_eq!(
                agente.get(chemin).await.code,
                StatusCode::FORBIDDEN,
                "{chemin}"
            );
        }
        let mut admin = Client::new(&app);
        admin.connecter("admin@exemple.fr", MDP).await;
        assert_eq!(
            admin.get("/administration/journal-securite").await.code,
            StatusCode::OK
        );
    }
);

deux_bases!(
    export_csv_neutralise_et_exports_notes,
    |store: Store| async move {
        compte(&store, "agente@exemple.fr", RoleCompte::Instructeur).await;
        compte(&store, "admin@exemple.fr", RoleCompte::Administrateur).await;
        store
            .noter_securite(
                &NouvelEvenement {
                    evenement: EvenementSecurite::ConnexionEchouee,
                    compte: Some("victime@exemple.fr".into()),
                    ip: Some("203.0.113.9".into()),
                    user_agent: Some("=HYPERLINK(\"http://x\")".into()),
                    details: Some("@SOMME(A1)".into()),
                },
                Utc::now(),
            )
            .await
            .unwrap();
        let app = app(&store);

        // Un export de l'instruction est noté.
        let mut agente = Client::new(&app);
        agente.connecter("agente@exemple.fr", MDP).await;
        assert_eq!(
            agente.get("/instruction/export.csv").await.code,
            StatusCode::OK
        );
        let exports = lignes(&store, EvenementSecurite::ExportDonneesPersonnelles).await;
        assert_eq!(exports.len(), 1);
        assert_eq!(exports[0].compte.as_deref(), Some("agente@exemple.fr"));
        assert_eq!(
            exports[0].details.as_deref(),
            Some("instruction/export.csv")
        );

        let mut admin = Client::new(&app);
        admin.connecter("admin@exemple.fr", MDP).await;
        let req = admin
            .avec_cookie(Request::get(
                "/administration/journal-securite.csv?evenement=connexion_echouee",
            ))
            .body(Body::empty())
            .unwrap();
        let r = tower::ServiceExt::oneshot(app.clone(), req).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let corps = http_body_util::BodyExt::collect(r.into_body())
            .await
            .unwrap()
            .to_bytes();
        let texte = String::from_utf8(corps.to_vec()).unwrap();
        let mut lecteur = csv::Reader::from_reader(texte.as_bytes());
        assert_eq!(
            lecteur.headers().unwrap().iter().collect::<Vec<_>>(),
            [
                "horodatage",
                "evenement",
                "libelle",
                "compte",
                "ip",
                "user_agent",
                "details"
            ]
        );
        let lignes_csv: Vec<csv::StringRecord> = lecteur.records().map(|l| l.unwrap()).collect();
        assert_eq!(lignes_csv.len(), 1, "{texte}");
        let l = &lignes_csv[0];
        assert_eq!(&l[1], "connexion_echouee");
        assert_eq!(&l[3], "victime@exemple.fr");
        assert_eq!(&l[4], "203.0.113.9");
        assert_eq!(&l[5], "'=HYPERLINK(\"http://x\")");
        assert_eq!(&l[6], "'@SOMME(A1)");
        // L'export du journal est lui-même noté.
        let exports = lignes(&store, EvenementSecurite::ExportDonneesPersonnelles).await;
        assert_eq!(exports.len(), 2);
        assert_eq!(exports[0].compte.as_deref(), Some("admin@exemple.fr"));
    }
);

deux_bases!(refus_csrf_au_journal, |store: Store| async move {
    compte(&store, "agente@exemple.fr", RoleCompte::Instructeur).await;
    let app = app(&store);
    let mut c = Client::new(&app);
    c.connecter("agente@exemple.fr", MDP).await;
    let corps = "_csrf=jeton-forge";
    let mut req = c
        .avec_cookie(Request::post("/deconnexion"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::USER_AGENT, "Attaquant/2.0")
        .body(Body::from(corps))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(
        "192.0.2.77:5555".parse::<SocketAddr>().unwrap(),
    ));
    let r = c.envoyer(req).await;
    assert_eq!(r.code, StatusCode::FORBIDDEN);
    let refus = lignes(&store, EvenementSecurite::RefusCsrf).await;
    assert_eq!(refus.len(), 1, "{refus:?}");
    assert_eq!(refus[0].compte.as_deref(), Some("agente@exemple.fr"));
    assert_eq!(refus[0].ip.as_deref(), Some("192.0.2.77"));
    assert_eq!(refus[0].user_agent.as_deref(), Some("Attaquant/2.0"));
    assert_eq!(refus[0].details.as_deref(), Some("/deconnexion"));
});
