//! En-têtes de sécurité et cycle de vie des sessions, sur SQLite et sur PostgreSQL.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use reperes_domain::comptes::RoleCompte;
use reperes_store::{deux_bases, Store};
use reperes_web::Config;

use crate::commun;
use commun::{app, app_avec, compte, get_avec_entetes, Client, MDP};

/// GET sans cookie ; rend le code et les en-têtes (le corps est lu jusqu'au bout).
async fn entetes(app: &Router, chemin: &str, extra: &[(&str, &str)]) -> (StatusCode, HeaderMap) {
    let r = get_avec_entetes(app, chemin, extra).await;
    (r.code, r.entetes)
}

fn valeur<'a>(h: &'a HeaderMap, nom: &str) -> &'a str {
    h.get(nom)
        .unwrap_or_else(|| panic!("en-tête {nom} absent : {h:?}"))
        .to_str()
        .unwrap()
}

/// Une directive de la CSP (`script-src 'self'` → `["'self'"]`).
fn directive<'a>(csp: &'a str, nom: &str) -> Option<Vec<&'a str>> {
    csp.split(';').map(str::trim).find_map(|d| {
        let mut mots = d.split_whitespace();
        (mots.next() == Some(nom)).then(|| mots.collect())
    })
}

/// Les en-têtes que toute réponse doit porter, quel que soit son type.
fn verifier_entetes(chemin: &str, h: &HeaderMap) {
    let csp = valeur(h, "content-security-policy");
    let scripts = directive(csp, "script-src")
        .or_else(|| directive(csp, "default-src"))
        .unwrap_or_else(|| panic!("{chemin} : ni script-src ni default-src dans {csp}"));
    assert!(!scripts.is_empty(), "{chemin} : script-src vide");
    for interdit in [
        "'unsafe-inline'",
        "'unsafe-eval'",
        "*",
        "data:",
        "http:",
        "https:",
    ] {
        assert!(
            !scripts.contains(&interdit),
            "{chemin} : script-src contient {interdit} : {csp}"
        );
    }
    assert_eq!(
        directive(csp, "object-src").as_deref(),
        Some(&["'none'"][..]),
        "{chemin}"
    );
    assert_eq!(
        directive(csp, "frame-ancestors").as_deref(),
        Some(&["'none'"][..]),
        "{chemin} : frame-ancestors"
    );
    assert_eq!(valeur(h, "x-frame-options"), "DENY", "{chemin}");
    assert_eq!(valeur(h, "x-content-type-options"), "nosniff", "{chemin}");
    let referrer = valeur(h, "referrer-policy");
    assert!(
        [
            "no-referrer",
            "same-origin",
            "strict-origin",
            "strict-origin-when-cross-origin"
        ]
        .contains(&referrer),
        "{chemin} : referrer-policy {referrer}"
    );
    let permissions = valeur(h, "permissions-policy");
    for api in ["camera=()", "microphone=()", "geolocation=()"] {
        assert!(permissions.contains(api), "{chemin} : {permissions}");
    }
}

/// Une page publique, un fichier statique, une réponse JSON de l'API, une erreur 404 et une
/// redirection.
const CHEMINS: [(&str, StatusCode); 6] = [
    ("/", StatusCode::OK),
    ("/static/css/reperes.css", StatusCode::OK),
    ("/static/js/progression.js", StatusCode::OK),
    ("/api/v1/referentiels", StatusCode::OK),
    ("/cette-page-n-existe-pas", StatusCode::NOT_FOUND),
    ("/espace", StatusCode::SEE_OTHER),
];

deux_bases!(
    toute_reponse_porte_les_entetes_de_securite,
    |store: Store| async move {
        let app = app(&store);
        for (chemin, attendu) in CHEMINS {
            let (code, h) = entetes(&app, chemin, &[]).await;
            assert_eq!(code, attendu, "{chemin}");
            verifier_entetes(chemin, &h);
        }
        // Réponse compressée : les en-têtes restent.
        let (code, h) = entetes(&app, "/", &[("accept-encoding", "gzip")]).await;
        assert_eq!(code, StatusCode::OK);
        verifier_entetes("/ (gzip)", &h);
        let (_, h) = entetes(&app, "/api/v1/referentiels", &[]).await;
        assert!(valeur(&h, "content-type").starts_with("application/json"));
    }
);

deux_bases!(hsts_seulement_derriere_tls, |store: Store| async move {
    // Adresse publique en http (développement, tests) : pas de HSTS, même si un client
    // prétend être passé par un mandataire TLS.
    let app_http = app(&store);
    for (chemin, _) in CHEMINS {
        let (_, h) = entetes(&app_http, chemin, &[("x-forwarded-proto", "https")]).await;
        assert!(
            h.get("strict-transport-security").is_none(),
            "{chemin} : HSTS en http"
        );
    }
    // Adresse publique en https (derrière un mandataire TLS) : HSTS partout.
    let app_https = app_avec(
        &store,
        Config {
            url_publique: "https://reperes.example.gouv.fr".into(),
            ..Config::pour_tests()
        },
    );
    for (chemin, _) in CHEMINS {
        let (_, h) = entetes(&app_https, chemin, &[]).await;
        let hsts = valeur(&h, "strict-transport-security");
        let max_age: u64 = hsts
            .split(';')
            .find_map(|d| d.trim().strip_prefix("max-age="))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{chemin} : max-age absent de {hsts}"));
        assert!(max_age >= 31_536_000, "{chemin} : {hsts} (au moins un an)");
        verifier_entetes(chemin, &h);
    }
});

deux_bases!(
    connexion_change_le_cookie_de_session,
    |store: Store| async move {
        compte(&store, "fixation@asso.example", RoleCompte::Demandeur).await;
        let app = app(&store);
        let mut c = Client::new(&app);
        // Session anonyme ouverte par le formulaire de connexion (jeton CSRF).
        c.get("/connexion").await;
        let anonyme = c
            .cookie
            .clone()
            .expect("session anonyme ouverte par /connexion");
        let r = c
            .post(
                "/connexion",
                &[("email", "fixation@asso.example"), ("mot_de_passe", MDP)],
                None,
            )
            .await;
        assert_eq!(r.lieu.as_deref(), Some("/espace"));
        let connectee = c.cookie.clone().expect("session connectée");
        assert_ne!(
            anonyme, connectee,
            "nouvel identifiant de session à la connexion"
        );
        assert_eq!(c.get("/espace").await.code, StatusCode::OK);

        // L'ancien cookie (celui qu'un attaquant aurait pu imposer) n'authentifie pas et ne
        // désigne plus aucune session : il n'a pas été promu.
        let mut attaquant = Client::new(&app);
        attaquant.cookie = Some(anonyme);
        let r = attaquant.get("/espace").await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        assert_eq!(r.lieu.as_deref(), Some("/connexion"));
        let r = attaquant.get("/connexion").await;
        assert_eq!(r.code, StatusCode::OK);
        assert_ne!(
            attaquant.cookie.as_deref(),
            Some(connectee.as_str()),
            "l'attaquant n'obtient pas la session connectée"
        );
        assert_eq!(attaquant.get("/espace").await.code, StatusCode::SEE_OTHER);
    }
);

deux_bases!(
    deconnexion_invalide_la_session_cote_serveur,
    |store: Store| async move {
        compte(&store, "sortie@asso.example", RoleCompte::Demandeur).await;
        let app = app(&store);
        let mut c = Client::new(&app);
        c.connecter("sortie@asso.example", MDP).await;
        let r = c.get("/espace").await;
        assert_eq!(r.code, StatusCode::OK);
        let session = c.cookie.clone().expect("session connectée");
        assert!(c.get("/").await.corps.contains("Se déconnecter"));

        // Sans jeton CSRF, la déconnexion est refusée et la session reste ouverte.
        let r = c.post("/deconnexion", &[], Some("mauvais")).await;
        assert_ne!(r.code, StatusCode::SEE_OTHER);
        assert_eq!(c.get("/espace").await.code, StatusCode::OK);

        let r = c.post("/deconnexion", &[], None).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        assert_eq!(c.cookie, None, "cookie effacé chez le client");

        // Rejouer l'ancien cookie : traité en anonyme (la session n'existe plus en base).
        let mut rejeu = Client::new(&app);
        rejeu.cookie = Some(session.clone());
        let r = rejeu.get("/espace").await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        assert_eq!(r.lieu.as_deref(), Some("/connexion"));
        let req = Request::get("/")
            .header(header::COOKIE, format!("reperes_session={session}"))
            .body(Body::empty())
            .unwrap();
        let corps = rejeu.envoyer(req).await.corps;
        assert!(
            !corps.contains("Se déconnecter"),
            "la page d'accueil ne montre plus le compte"
        );
    }
);

deux_bases!(
    reinitialisation_du_mot_de_passe_ferme_toutes_les_sessions,
    |store: Store| async move {
        compte(&store, "reinit@asso.example", RoleCompte::Demandeur).await;
        let app = app(&store);
        let mut poste1 = Client::new(&app);
        poste1.connecter("reinit@asso.example", MDP).await;
        let mut poste2 = Client::new(&app);
        poste2.connecter("reinit@asso.example", MDP).await;
        assert_ne!(poste1.cookie, poste2.cookie);
        assert_eq!(poste1.get("/espace").await.code, StatusCode::OK);
        assert_eq!(poste2.get("/espace").await.code, StatusCode::OK);

        let mut c = Client::new(&app);
        c.mot_de_passe_oublie("reinit@asso.example").await;
        let courriel = store
            .courriels()
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.destinataire == "reinit@asso.example")
            .expect("courriel de réinitialisation");
        let i = courriel.corps.find("/reinitialisation/").unwrap();
        let chemin = courriel.corps[i..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_string();
        c.get(&chemin).await;
        let r = c
            .post(
                &chemin,
                &[("mot_de_passe", "un mot de passe tout neuf")],
                None,
            )
            .await;
        assert!(r.corps.contains("Mot de passe enregistré"), "{}", r.corps);
        for poste in [&mut poste1, &mut poste2] {
            let r = poste.get("/espace").await;
            assert_eq!(r.code, StatusCode::SEE_OTHER, "session fermée");
            assert_eq!(r.lieu.as_deref(), Some("/connexion"));
        }
    }
);
