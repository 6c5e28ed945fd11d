//! Sessions et CSRF (issue 13, constat 6) : aucune ligne de session avant la connexion (le jeton
//! CSRF d'une personne anonyme vient d'un cookie signé), cookie falsifié refusé, jeton masqué à
//! chaque page (BREACH) et accepté aussi dans l'en-tête `X-CSRF-Token`, `Cache-Control:
//! no-store` sur les pages privées, `/sante` sans l'erreur brute de la base ; et la longueur
//! maximale des champs (constat 5), une seule table pour tous les formulaires.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;
use chrono::Utc;
use reperes_domain::comptes::RoleCompte;
use reperes_domain::Role;
use reperes_store::{deux_bases, Acteur, Store};

use crate::commun;
use commun::{app, compte, get_anonyme, get_avec_entetes, mener_dossier, Client, MDP};

/// Nombre de lignes de la table des sessions.
async fn sessions_en_base(store: &Store) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions")
        .fetch_one(store.pool())
        .await
        .unwrap();
    n
}

/// Jeton masqué avec un masque nul : `base64url(0…0 ‖ secret)` (ce qu'un attaquant qui choisit
/// le secret de son cookie saurait fabriquer).
fn jeton_pour(secret: &str) -> String {
    let mut o = vec![0u8; secret.len()];
    o.extend(secret.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(o)
}

/// POST /connexion avec un cookie et un jeton donnés.
async fn connexion_avec(app: &axum::Router, cookie: &str, jeton: &str) -> StatusCode {
    let mut c = Client::new(app);
    c.cookie = Some(cookie.to_string());
    c.post(
        "/connexion",
        &[("email", "titulaire@asso.example"), ("mot_de_passe", MDP)],
        Some(jeton),
    )
    .await
    .code
}

deux_bases!(
    aucune_session_en_base_avant_la_connexion,
    |store: Store| async move {
        compte(&store, "titulaire@asso.example", RoleCompte::Demandeur).await;
        let app = app(&store);
        // Des visiteurs sans cookie, chacun sur une page à formulaire.
        for chemin in [
            "/connexion",
            "/inscription",
            "/mot-de-passe-oublie",
            "/verification",
        ] {
            let mut c = Client::new(&app);
            let r = c.get(chemin).await;
            assert_eq!(r.code, StatusCode::OK, "{chemin}");
            assert!(!c.csrf.is_empty(), "{chemin} : jeton CSRF dans la page");
            assert!(c.cookie.is_some(), "{chemin} : cookie anonyme posé");
        }
        assert_eq!(sessions_en_base(&store).await, 0, "aucune ligne de session");

        // Les formulaires anonymes marchent toujours, sans écrire de session.
        let mut c = Client::new(&app);
        let r = c.mot_de_passe_oublie("titulaire@asso.example").await;
        assert!(
            r.code.is_success() || r.code.is_redirection(),
            "{}",
            r.corps
        );
        assert!(!r.corps.contains("Formulaire expiré"));
        let r = c
            .inscrire("Nouvelle Personne", "nouvelle@asso.example", MDP)
            .await;
        assert!(
            r.code.is_success() || r.code.is_redirection(),
            "{}",
            r.corps
        );
        assert!(!r.corps.contains("Formulaire expiré"));
        let r = c.get("/lieux?q=mediatheque").await;
        assert_eq!(r.code, StatusCode::OK);
        assert_eq!(sessions_en_base(&store).await, 0, "toujours aucune ligne");

        // À la connexion : une session neuve, un autre cookie (pas de fixation).
        c.get("/connexion").await;
        let anonyme = c.cookie.clone().unwrap();
        let r = c
            .post(
                "/connexion",
                &[("email", "titulaire@asso.example"), ("mot_de_passe", MDP)],
                None,
            )
            .await;
        assert_eq!(r.lieu.as_deref(), Some("/espace"));
        assert_ne!(c.cookie.as_deref(), Some(anonyme.as_str()));
        assert_eq!(sessions_en_base(&store).await, 1);
        assert_eq!(c.get("/espace").await.code, StatusCode::OK);
        // Le cookie anonyme d'avant ne donne pas la session.
        let mut autre = Client::new(&app);
        autre.cookie = Some(anonyme);
        assert_eq!(autre.get("/espace").await.code, StatusCode::SEE_OTHER);
    }
);

deux_bases!(cookie_anonyme_falsifie_refuse, |store: Store| async move {
    compte(&store, "titulaire@asso.example", RoleCompte::Demandeur).await;
    let app = app(&store);
    let mut c = Client::new(&app);
    c.get("/connexion").await;
    let vrai = c.cookie.clone().unwrap();
    let morceaux: Vec<&str> = vrai.split('.').collect();
    assert_eq!(morceaux.len(), 4, "cookie signé : {vrai}");
    let (secret, expire, signature) = (morceaux[1], morceaux[2], morceaux[3]);

    // Un secret choisi par l'attaquant, avec la signature d'un autre : refusé.
    let choisi = "secret-choisi-par-l-attaquant-0123456789abcdef";
    let cookie = format!("a1.{choisi}.{expire}.{signature}");
    assert_eq!(
        connexion_avec(&app, &cookie, &jeton_pour(choisi)).await,
        StatusCode::FORBIDDEN
    );
    // L'expiration repoussée : refusé.
    let plus_tard = Utc::now().timestamp() + 10 * 24 * 3600;
    let cookie = format!("a1.{secret}.{plus_tard}.{signature}");
    assert_eq!(
        connexion_avec(&app, &cookie, &c.csrf).await,
        StatusCode::FORBIDDEN
    );
    // Un cookie bien signé, mais par un autre serveur (autre clé) : refusé.
    let ailleurs = commun::app(&store);
    let mut x = Client::new(&ailleurs);
    x.get("/connexion").await;
    let cookie_ailleurs = x.cookie.clone().unwrap();
    assert_eq!(
        connexion_avec(&app, &cookie_ailleurs, &x.csrf).await,
        StatusCode::FORBIDDEN
    );
    // Signature tronquée ou absente : refusé.
    let cookie = format!("a1.{secret}.{expire}.");
    assert_eq!(
        connexion_avec(&app, &cookie, &c.csrf).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(sessions_en_base(&store).await, 0);

    // Le vrai cookie et le jeton de sa page : la connexion passe.
    assert_eq!(
        connexion_avec(&app, &vrai, &c.csrf).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(sessions_en_base(&store).await, 1);
});

deux_bases!(jeton_csrf_masque_a_chaque_page, |store: Store| async move {
    compte(&store, "titulaire@asso.example", RoleCompte::Demandeur).await;
    compte(&store, "autre@asso.example", RoleCompte::Demandeur).await;
    let app = app(&store);
    let mut c = Client::new(&app);
    c.connecter("titulaire@asso.example", MDP).await;
    c.get("/organisations/nouvelle").await;
    let premier = c.csrf.clone();
    c.get("/organisations/nouvelle").await;
    let second = c.csrf.clone();
    assert_ne!(premier, second, "deux pages, deux jetons");

    // Les deux sont acceptés : le formulaire (vide) est refusé pour ses champs, pas pour
    // son jeton (422, pas 403).
    for jeton in [&premier, &second] {
        let r = c
            .post("/organisations/nouvelle", &[("nom", "")], Some(jeton))
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.corps);
    }
    // Le jeton d'une autre session est refusé, comme le secret non masqué.
    let mut autre = Client::new(&app);
    autre.connecter("autre@asso.example", MDP).await;
    autre.get("/organisations/nouvelle").await;
    let r = c
        .post("/organisations/nouvelle", &[("nom", "")], Some(&autre.csrf))
        .await;
    assert_eq!(r.code, StatusCode::FORBIDDEN);
    let r = c
        .post("/organisations/nouvelle", &[("nom", "")], Some(""))
        .await;
    assert_eq!(r.code, StatusCode::FORBIDDEN);

    // Le jeton dans l'en-tête X-CSRF-Token (sans champ _csrf) est accepté ; celui d'une
    // autre session, refusé.
    for (jeton, attendu) in [
        (second.clone(), StatusCode::UNPROCESSABLE_ENTITY),
        (autre.csrf.clone(), StatusCode::FORBIDDEN),
    ] {
        let req = c
            .avec_cookie(Request::post("/organisations/nouvelle"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-csrf-token", jeton)
            .body(Body::from("nom="))
            .unwrap();
        assert_eq!(c.envoyer(req).await.code, attendu);
    }
});

deux_bases!(pages_privees_sans_cache, |store: Store| async move {
    let id = mener_dossier(
        &store,
        "nec-2022",
        "1",
        "Outil Alpha",
        "numerique",
        "80000",
        "en_instruction",
        Utc::now(),
    )
    .await;
    let porteur = compte(&store, "porteur@asso.example", RoleCompte::Demandeur).await;
    store
        .ajouter_membre(&Acteur::new("test", Role::Systeme), "o1", &porteur.id)
        .await
        .unwrap();
    compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
    let app = app(&store);
    let cache = |r: &commun::Reponse| {
        r.entetes
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap().to_string())
    };

    // Pages privées et toute réponse à une personne connectée (même une page publique).
    let mut p = Client::new(&app);
    p.connecter("porteur@asso.example", MDP).await;
    let mut agent = Client::new(&app);
    agent.connecter("agent@anct.example", MDP).await;
    let dossier = format!("/dossiers/{id}");
    for (c, chemin) in [
        (&p, "/espace"),
        (&p, dossier.as_str()),
        (&p, "/"),
        (&p, "/registre"),
        (&agent, "/instruction"),
        (&agent, dossier.as_str()),
        (&agent, "/donnees/registre.csv"),
    ] {
        let cookie = format!("reperes_session={}", c.cookie.as_deref().unwrap());
        let r = get_avec_entetes(&app, chemin, &[("cookie", &cookie)]).await;
        assert_eq!(r.code, StatusCode::OK, "{chemin}");
        assert_eq!(cache(&r).as_deref(), Some("no-store"), "{chemin} connecté");
    }
    // Pages de compte (formulaire au jeton propre au visiteur), même pour un anonyme.
    for chemin in ["/connexion", "/inscription", "/mot-de-passe-oublie"] {
        let r = get_anonyme(&app, chemin).await;
        assert_eq!(cache(&r).as_deref(), Some("no-store"), "{chemin}");
    }
    // Pages publiques et données ouvertes vues par un anonyme, fichiers statiques vus par une
    // personne connectée : leur cache est gardé.
    for chemin in [
        "/",
        "/registre",
        "/donnees",
        "/donnees/registre.csv",
        "/lieux",
    ] {
        let r = get_anonyme(&app, chemin).await;
        assert_eq!(r.code, StatusCode::OK, "{chemin}");
        assert!(
            !cache(&r).unwrap_or_default().contains("no-store"),
            "{chemin} anonyme : {:?}",
            cache(&r)
        );
    }
    let cookie = format!("reperes_session={}", p.cookie.as_deref().unwrap());
    let r = get_avec_entetes(&app, "/static/css/reperes.css", &[("cookie", &cookie)]).await;
    assert_eq!(r.code, StatusCode::OK);
    assert_eq!(cache(&r).as_deref(), Some("public, max-age=86400"));
});

deux_bases!(
    sante_sans_erreur_brute_de_la_base,
    |store: Store| async move {
        let app = app(&store);
        store.fermer().await;
        let r = get_anonyme(&app, "/sante").await;
        assert_eq!(r.code, StatusCode::SERVICE_UNAVAILABLE);
        let v: serde_json::Value = serde_json::from_str(&r.corps).unwrap();
        assert_eq!(v["statut"], "degrade");
        assert_eq!(v["base"]["statut"], "indisponible");
        // Rien du texte du pilote (« pool timed out », « closed pool », chemin du fichier…).
        let bas = r.corps.to_lowercase();
        for mot in [
            "pool",
            "closed",
            "connection",
            "sqlx",
            "error",
            ".db",
            "postgres://",
        ] {
            assert!(!bas.contains(mot), "« {mot} » dans {}", r.corps);
        }
    }
);

deux_bases!(longueur_des_champs_bornee, |store: Store| async move {
    let app = app(&store);
    // Un nom de 100 000 caractères : refusé à l'entrée, message au bon champ, avec le maximum.
    let mut c = Client::new(&app);
    let enorme = "a".repeat(100_000);
    let r = c.inscrire(&enorme, "long@asso.example", MDP).await;
    assert_eq!(r.code, StatusCode::BAD_REQUEST);
    assert!(
        r.corps
            .contains("« nom » est trop long : 200 caractères au plus"),
        "{}",
        r.corps
    );
    assert!(r.corps.contains("100\u{202F}000"), "{}", r.corps);
    assert!(store
        .utilisateur_par_email(&reperes_domain::comptes::Email::parse("long@asso.example").unwrap())
        .await
        .unwrap()
        .is_none());
    // Un champ qu'aucun groupe ne nomme : la longueur par défaut (2 000).
    let r = c
        .post(
            "/mot-de-passe-oublie",
            &[("email", "x@asso.example"), ("inconnu", &"b".repeat(2_001))],
            None,
        )
        .await;
    assert_eq!(r.code, StatusCode::BAD_REQUEST);
    assert!(
        r.corps
            .contains("« inconnu » est trop long : 2\u{202F}000 caractères au plus"),
        "{}",
        r.corps
    );

    // Un texte long légitime (motivation de 15 000 caractères) passe : la page « Décision »
    // le ré-affiche (refus pour une autre raison : aucune décision choisie).
    let id = mener_dossier(
        &store,
        "nec-2022",
        "1",
        "Outil Alpha",
        "numerique",
        "80000",
        "en_instruction",
        Utc::now(),
    )
    .await;
    compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
    let mut agent = Client::new(&app);
    agent.connecter("agent@anct.example", MDP).await;
    let chemin = format!("/dossiers/{id}/decision");
    agent.get(&chemin).await;
    let motivation = "Motivation détaillée. ".repeat(700);
    assert!(motivation.chars().count() > 15_000);
    let r = agent
        .post(&chemin, &[("motivation", &motivation)], None)
        .await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.corps);
    assert!(r.corps.contains("Choisissez une décision."));
    assert!(r.corps.contains(motivation.trim_end()));
});
