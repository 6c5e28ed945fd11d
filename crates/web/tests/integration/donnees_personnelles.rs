//! « Mes données personnelles » (RGPD), par HTTP sur les deux bases : la page et l'export ne
//! montrent que le compte connecté ; l'export est un téléchargement JSON noté au journal ; la
//! suppression demande le mot de passe, ferme les sessions, efface l'adresse de la base, garde le
//! journal valide et l'historique du dossier lisible (« Compte supprimé n° 1 »).

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use reperes_domain::comptes::RoleCompte;
use reperes_store::{deux_bases, Store};
use tower::ServiceExt;

use crate::commun;
use commun::{app, compte, objets_de, texte_visible, Client, MDP};

const CAMILLE: &str = "camille.titulaire@asso.example";
const DOMINIQUE: &str = "dominique.autre@asso.example";

/// Cellules de la base (requête directe) qui contiennent `texte`.
async fn dans_la_base(store: &Store, texte: &str) -> Vec<String> {
    let mut trouve = Vec::new();
    for (table, colonne) in [
        ("utilisateurs", "email"),
        ("utilisateurs", "nom"),
        ("audit", "acteur"),
        ("audit", "avant"),
        ("audit", "apres"),
        ("audit", "motif"),
        ("jetons", "email"),
        ("courriels", "destinataire"),
        ("courriels", "corps"),
        ("compteurs_debit", "cle"),
        ("journal_securite", "compte"),
    ] {
        let (n,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM {table} WHERE {colonne} LIKE '%' || $1 || '%'"
        ))
        .bind(texte)
        .fetch_one(store.pool())
        .await
        .unwrap();
        if n > 0 {
            trouve.push(format!("{table}.{colonne}"));
        }
    }
    trouve
}

deux_bases!(
    la_page_et_l_export_ne_montrent_que_son_compte,
    |store: Store| async move {
        let app = app(&store);
        let camille = compte(&store, CAMILLE, RoleCompte::Demandeur).await;
        let dominique = compte(&store, DOMINIQUE, RoleCompte::Demandeur).await;
        objets_de(&store, &camille, "a", None).await;
        objets_de(&store, &dominique, "b", None).await;
        let mut c = Client::new(&app);
        assert_eq!(c.connecter(CAMILLE, MDP).await.code, StatusCode::SEE_OTHER);

        let r = c.get("/compte/donnees").await;
        assert_eq!(r.code, StatusCode::OK);
        let texte = texte_visible(&r.corps);
        assert!(texte.contains(CAMILLE), "{texte}");
        assert!(texte.contains("Organisation a"), "{texte}");
        assert!(!texte.contains(DOMINIQUE), "{texte}");
        assert!(!texte.contains("Organisation b"), "{texte}");
        // Finalité et durée de conservation de chaque catégorie.
        assert!(texte.contains("Vous identifier, vous connecter"), "{texte}");
        assert!(texte.contains("après 3 ans sans connexion"), "{texte}");
        assert!(texte.contains("12 heures au plus"), "{texte}");
        assert!(
            texte.contains("Supprimer définitivement mon compte"),
            "{texte}"
        );
        // L'espace y mène.
        assert!(c
            .get("/espace")
            .await
            .corps
            .contains("href=\"/compte/donnees\""));

        let req = c
            .avec_cookie(Request::get("/compte/donnees/export.json"))
            .body(Body::empty())
            .unwrap();
        let rep = app.clone().oneshot(req).await.unwrap();
        assert_eq!(rep.status(), StatusCode::OK);
        assert_eq!(
            rep.headers()[header::CONTENT_DISPOSITION],
            "attachment; filename=\"reperes-mes-donnees.json\""
        );
        assert_eq!(
            rep.headers()[header::CONTENT_TYPE],
            "application/json; charset=utf-8"
        );
        let corps = rep.into_body().collect().await.unwrap().to_bytes();
        let corps = String::from_utf8(corps.to_vec()).unwrap();
        assert!(!corps.contains(DOMINIQUE), "{corps}");
        let json: serde_json::Value = serde_json::from_str(&corps).unwrap();
        assert_eq!(json["donnees"]["compte"]["email"], CAMILLE);
        assert_eq!(json["donnees"]["organisations"][0]["id"], "org-a");
        assert_eq!(json["donnees"]["fichiers"][0]["id"], "fichier-a");
        assert_eq!(json["registre"][0]["code"], "compte");
        assert!(json["donnees"]["journal"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "creer_dossier" && e["objet_id"] == "dossier-a"));
        // L'export est noté au journal d'audit, au nom de Camille.
        let j = store
            .journal_objet("utilisateur", &camille.id)
            .await
            .unwrap();
        let e = j.last().unwrap();
        assert_eq!(e.contenu.action, "exporter_donnees_personnelles");
        assert_eq!(e.contenu.acteur, format!("demandeur:{}", camille.id));
    }
);

deux_bases!(supprimer_son_compte, |store: Store| async move {
    let app = app(&store);
    let camille = compte(&store, CAMILLE, RoleCompte::Demandeur).await;
    compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
    let (org, dossier, _) = objets_de(&store, &camille, "a", None).await;
    let mut c = Client::new(&app);
    c.connecter(CAMILLE, MDP).await;
    c.get("/compte/donnees").await;

    // Sans jeton CSRF : refusé.
    let r = c
        .post("/compte/supprimer", &[("mot_de_passe", MDP)], Some("faux"))
        .await;
    assert_eq!(r.code, StatusCode::FORBIDDEN);
    // Mauvais mot de passe : refusé, rien n'est supprimé.
    let r = c
        .post(
            "/compte/supprimer",
            &[("mot_de_passe", "pas le bon mot de passe")],
            None,
        )
        .await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.corps.contains("Mot de passe incorrect"), "{}", r.corps);
    // Avant : l'adresse est dans le compte (le nom des comptes de test la reprend) et dans le
    // journal de sécurité (connexion réussie) ; jamais dans le journal d'audit, ni dans les
    // compteurs de tentatives (une connexion réussie efface celui du compte).
    assert_eq!(
        dans_la_base(&store, CAMILLE).await,
        [
            "utilisateurs.email",
            "utilisateurs.nom",
            "journal_securite.compte"
        ]
    );

    let r = c
        .post("/compte/supprimer", &[("mot_de_passe", MDP)], None)
        .await;
    assert_eq!(r.code, StatusCode::OK);
    assert!(
        texte_visible(&r.corps).contains("Compte supprimé n° 1"),
        "{}",
        r.corps
    );
    assert_eq!(c.cookie, None, "cookie de session effacé");

    // L'adresse n'est plus nulle part dans la base ; la connexion est impossible (la tentative
    // refusée est, elle, notée pour la limitation de débit, et purgée après un jour).
    assert_eq!(dans_la_base(&store, CAMILLE).await, Vec::<String>::new());
    let mut c2 = Client::new(&app);
    let r = c2.connecter(CAMILLE, MDP).await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "refusée");
    assert!(r
        .corps
        .contains("Adresse électronique ou mot de passe incorrect"));
    assert_eq!(
        dans_la_base(&store, "Nom de camille").await,
        Vec::<String>::new()
    );
    let (sessions,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM sessions WHERE utilisateur_id = $1")
            .bind(&camille.id)
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(sessions, 0);

    // Journal valide ; le dossier reste à l'organisation, son historique est lisible.
    store.verifier_journal().await.unwrap();
    assert_eq!(
        store
            .dossier(&dossier)
            .await
            .unwrap()
            .unwrap()
            .organisation_id,
        org
    );
    let mut agent = Client::new(&app);
    agent.connecter("agent@anct.example", MDP).await;
    let r = agent.get(&format!("/dossiers/{dossier}")).await;
    assert_eq!(r.code, StatusCode::OK);
    let texte = texte_visible(&r.corps);
    assert!(
        texte.contains("Compte supprimé n° 1 a créé le dossier"),
        "{texte}"
    );
    assert!(!texte.contains(CAMILLE), "{texte}");
});

deux_bases!(
    le_dernier_administrateur_ne_peut_pas_supprimer_son_compte,
    |store: Store| async move {
        let app = app(&store);
        compte(
            &store,
            "seul-admin@anct.example",
            RoleCompte::Administrateur,
        )
        .await;
        let mut c = Client::new(&app);
        c.connecter("seul-admin@anct.example", MDP).await;
        c.get("/compte/donnees").await;
        let r = c
            .post("/compte/supprimer", &[("mot_de_passe", MDP)], None)
            .await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert!(
            texte_visible(&r.corps).contains("dernier administrateur actif"),
            "{}",
            r.corps
        );
        assert_eq!(
            c.get("/compte/donnees").await.code,
            StatusCode::OK,
            "toujours connecté"
        );
    }
);
