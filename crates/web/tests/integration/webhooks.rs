//! Webhooks : livraison signée de chaque changement du registre, réessai, URL refusées.

use crate::commun;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use commun::titulaire;
use reperes_domain::comptes::RoleCompte;
use reperes_domain::{Action, Role};
use reperes_store::test_support::catalogue_du_depot;
use reperes_store::{deux_bases, Abonnement, Acteur, Store, Utilisateur};
use reperes_web::webhooks::{
    livrer_dues, signature, verifier_url, verifier_url_avec, Livreur, Resolveur, ENTETE_SIGNATURE,
};
use reperes_web::Config;

type Recus = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// Un récepteur HTTP sur la boucle locale, qui répond le statut demandé.
async fn recepteur(statut: Arc<AtomicU16>) -> (String, Recus) {
    let recus: Recus = Arc::default();
    let r = recus.clone();
    let app = Router::new().route(
        "/crochet",
        post(move |h: HeaderMap, corps: Bytes| {
            let (r, statut) = (r.clone(), statut.clone());
            async move {
                r.lock().unwrap().push((h, corps));
                StatusCode::from_u16(statut.load(Ordering::SeqCst)).unwrap()
            }
        }),
    );
    let ecoute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let adresse = ecoute.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(ecoute, app).await.unwrap() });
    (format!("http://{adresse}/crochet"), recus)
}

deux_bases!(
    changements_du_registre_livres_et_signes,
    |store: Store| async move {
        let statut = Arc::new(AtomicU16::new(500));
        let (url, recus) = recepteur(statut.clone()).await;
        let u = Utilisateur {
            id: "reutilisateur".into(),
            email: "r@exemple.fr".into(),
            nom: "R".into(),
            role: RoleCompte::Demandeur,
            hash_mot_de_passe: None,
            email_verifie: true,
            actif: true,
        };
        commun::enregistrer(&store, &u).await;
        let a = Abonnement {
            id: "ab1".into(),
            proprietaire_id: u.id.clone(),
            url,
            secret: "secret-partage".into(),
            actif: true,
        };
        store.creer_abonnement(&a).await.unwrap();
        let dossier = titulaire(&store, "1", "Kit", "numerique", "80000", "labellise").await;
        let c = Livreur::new(true);
        // Premier essai : le récepteur répond 500 ; la livraison reste due, réessayée plus tard.
        assert_eq!(livrer_dues(&store, &c).await, (0, 1));
        let l = &store.livraisons("ab1").await.unwrap()[0];
        assert_eq!(
            (l.essais, l.dernier_statut, l.livre_le),
            (1, Some(500), None)
        );
        assert_eq!(
            l.derniere_erreur.as_deref(),
            Some("livraison impossible (code HTTP 500)")
        );
        assert_eq!(livrer_dues(&store, &c).await, (0, 0), "réessai différé");
        sqlx::query("UPDATE livraisons SET prochain_essai_le = '2000-01-01T00:00:00.000000Z'")
            .execute(store.pool())
            .await
            .unwrap();
        statut.store(204, Ordering::SeqCst);
        assert_eq!(livrer_dues(&store, &c).await, (1, 0));
        let l = &store.livraisons("ab1").await.unwrap()[0];
        assert!(l.livre_le.is_some() && l.essais == 2);
        {
            let recus = recus.lock().unwrap();
            assert_eq!(recus.len(), 2);
            let (h, corps) = &recus[1];
            assert_eq!(
                h[ENTETE_SIGNATURE].to_str().unwrap(),
                signature("secret-partage", corps)
            );
            assert_eq!(h["x-reperes-evenement"], "label.accorde");
            let v: serde_json::Value = serde_json::from_slice(corps).unwrap();
            assert_eq!(
                (
                    v["dossier"].as_str(),
                    v["statut"].as_str(),
                    v["niveau"].as_i64()
                ),
                (Some(dossier.as_str()), Some("labellise"), Some(1))
            );
        }
        // Un retrait est aussi publié ; un abonnement désactivé ne reçoit plus rien.
        store
            .agir(
                &catalogue_du_depot(),
                &dossier,
                &Acteur::new("admin", Role::Administrateur),
                &Action::Retirer {
                    motif: "Plus maintenu.".into(),
                },
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        assert_eq!(livrer_dues(&store, &c).await, (1, 0));
        assert_eq!(
            recus.lock().unwrap()[2].0["x-reperes-evenement"],
            "label.retire"
        );
        store.desactiver_abonnement("ab1").await.unwrap();
        titulaire(&store, "2", "Autre", "numerique", "80000", "labellise").await;
        assert_eq!(livrer_dues(&store, &c).await, (0, 0));
        // Les URL vers les réseaux internes sont refusées (hors réglage de test).
        assert!(verifier_url("http://127.0.0.1:9/x", false).await.is_err());
        assert!(verifier_url("http://10.0.0.1/x", false).await.is_err());
        assert!(verifier_url("ftp://exemple.fr/x", true).await.is_err());
        assert!(verifier_url("pas une url", true).await.is_err());
        assert!(verifier_url("http://127.0.0.1:9/x", true).await.is_ok());
    }
);

/// Un compte de réutilisateur (sans mot de passe) et son abonnement vers `url`.
async fn abonne(store: &Store, id: &str, url: &str) {
    if store.utilisateur(id).await.unwrap().is_none() {
        let u = Utilisateur {
            id: id.into(),
            email: format!("{id}@exemple.fr"),
            nom: "R".into(),
            role: RoleCompte::Demandeur,
            hash_mot_de_passe: None,
            email_verifie: true,
            actif: true,
        };
        commun::enregistrer(store, &u).await;
    }
    store
        .creer_abonnement(&Abonnement {
            id: uuid::Uuid::new_v4().to_string(),
            proprietaire_id: id.into(),
            url: url.into(),
            secret: "s".into(),
            actif: true,
        })
        .await
        .unwrap();
}

/// Un résolveur qui rend toujours ces adresses et compte ses appels.
fn resolveur_vers(adresses: Vec<SocketAddr>, appels: Arc<AtomicUsize>) -> Resolveur {
    Resolveur::fixe(move |_, _| {
        appels.fetch_add(1, Ordering::SeqCst);
        Ok(adresses.clone())
    })
}

/// Adresses des registres IANA à usage spécial (et formes qui embarquent une IPv4 interne),
/// écrites à la main : toutes refusées hors réglage de test ; des adresses publiques passent.
#[tokio::test]
async fn adresses_a_usage_special_refusees() {
    let refusees = [
        "http://[::ffff:127.0.0.1]:9/",
        "http://[::ffff:7f00:1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[::127.0.0.1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[64:ff9b::808:808]/",
        "http://[2002:7f00:1::1]/",
        "http://[2001::1]/",
        "http://[2001:db8::1]/",
        "http://[100::1]/",
        "http://[::]/",
        "http://[::1]/",
        "http://[fc00::1]/",
        "http://[fd12:3456::1]/",
        "http://[fe80::1]/",
        "http://[ff02::1]/",
        "http://0.0.0.0/",
        "http://0.1.2.3/",
        "http://10.1.2.3/",
        "http://100.64.0.1/",
        "http://100.127.255.254/",
        "http://127.0.0.1/",
        "http://0x7f.1/",
        "http://2130706433/",
        "http://169.254.169.254/latest/meta-data/",
        "http://172.16.0.1/",
        "http://172.31.255.255/",
        "http://192.0.0.8/",
        "http://192.0.2.1/",
        "http://192.88.99.1/",
        "http://192.168.1.1/",
        "http://198.18.0.1/",
        "http://198.19.255.255/",
        "http://198.51.100.7/",
        "http://203.0.113.9/",
        "http://224.0.0.1/",
        "http://239.255.255.250/",
        "http://240.0.0.1/",
        "http://255.255.255.255/",
    ];
    for url in refusees {
        let e = verifier_url(url, false)
            .await
            .expect_err(&format!("{url} devrait être refusée"));
        assert!(e.contains("réseau interne ou réservé"), "{url} : {e}");
    }
    for url in [
        "https://93.184.216.34/crochet",
        "http://[::ffff:93.184.216.34]/",
        "https://[2606:4700:4700::1111]/",
        "http://100.128.0.1/",
        "http://172.32.0.1/",
        "http://198.20.0.1/",
    ] {
        assert_eq!(verifier_url(url, false).await, Ok(()), "{url}");
    }
}

/// Un nom qui se résout vers une adresse interdite (une seule parmi d'autres suffit) est refusé.
#[tokio::test]
async fn nom_resolu_vers_une_adresse_interdite_refuse() {
    let appels = Arc::new(AtomicUsize::new(0));
    for interdite in [
        "127.0.0.1:443",
        "[::ffff:192.168.0.1]:443",
        "[64:ff9b::a00:1]:443",
    ] {
        let r = resolveur_vers(
            vec![
                "93.184.216.34:443".parse().unwrap(),
                interdite.parse().unwrap(),
            ],
            appels.clone(),
        );
        let e = verifier_url_avec("https://piege.exemple/crochet", false, &r)
            .await
            .unwrap_err();
        assert!(e.contains("réseau interne ou réservé"), "{interdite} : {e}");
    }
    let publique = resolveur_vers(vec!["93.184.216.34:443".parse().unwrap()], appels.clone());
    assert_eq!(
        verifier_url_avec("https://public.exemple/crochet", false, &publique).await,
        Ok(())
    );
    assert_eq!(
        appels.load(Ordering::SeqCst),
        4,
        "une résolution par contrôle"
    );
}

deux_bases!(
    livraison_vers_adresse_interdite_refusee,
    |store: Store| async move {
        // Un vrai récepteur sur la boucle locale : rien ne doit lui parvenir.
        let (url, recus) = recepteur(Arc::new(AtomicU16::new(204))).await;
        let port = url
            .trim_start_matches("http://127.0.0.1:")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        abonne(
            &store,
            "r1",
            &format!("http://[::ffff:127.0.0.1]:{port}/crochet"),
        )
        .await;
        abonne(
            &store,
            "r1",
            &format!("http://piege.exemple:{port}/crochet"),
        )
        .await;
        titulaire(&store, "1", "Kit", "numerique", "80000", "labellise").await;
        let appels = Arc::new(AtomicUsize::new(0));
        let livreur = Livreur {
            resolveur: resolveur_vers(
                vec![format!("127.0.0.1:{port}").parse().unwrap()],
                appels.clone(),
            ),
            ..Livreur::new(false)
        };
        assert_eq!(livrer_dues(&store, &livreur).await, (0, 2));
        assert!(
            recus.lock().unwrap().is_empty(),
            "rien n'est parti vers la boucle locale"
        );
        assert_eq!(appels.load(Ordering::SeqCst), 1);
        for a in store.abonnements_de("r1").await.unwrap() {
            let l = &store.livraisons(&a.id).await.unwrap()[0];
            assert_eq!(
                (l.dernier_statut, l.derniere_erreur.as_deref()),
                (None, Some("destinataire injoignable")),
                "{}",
                a.url
            );
        }
    }
);

deux_bases!(connexion_a_l_adresse_verifiee, |store: Store| async move {
    // Le nom n'existe pas dans le DNS : la livraison n'aboutit que si la connexion se fait
    // à l'adresse rendue par la résolution contrôlée (pas de seconde résolution).
    let (url, recus) = recepteur(Arc::new(AtomicU16::new(204))).await;
    let adresse: SocketAddr = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let nom = format!("crochet.invalid:{}", adresse.port());
    abonne(&store, "r1", &format!("http://{nom}/crochet")).await;
    titulaire(&store, "1", "Kit", "numerique", "80000", "labellise").await;
    let appels = Arc::new(AtomicUsize::new(0));
    let livreur = Livreur {
        resolveur: resolveur_vers(vec![adresse], appels.clone()),
        ..Livreur::new(true)
    };
    assert_eq!(livrer_dues(&store, &livreur).await, (1, 0));
    assert_eq!(appels.load(Ordering::SeqCst), 1, "une seule résolution");
    let recus = recus.lock().unwrap();
    assert_eq!(recus.len(), 1);
    assert_eq!(recus[0].0["host"], nom.as_str());
});

deux_bases!(
    erreur_generique_montree_a_l_abonne,
    |store: Store| async move {
        // Un port fermé : l'erreur brute (« Connection refused », « tcp connect »…) renseignerait
        // sur le réseau ; l'abonné ne voit que « destinataire injoignable ».
        let ecoute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = ecoute.local_addr().unwrap().port();
        drop(ecoute);
        let u = commun::compte(&store, "abonne@exemple.fr", RoleCompte::Demandeur).await;
        abonne(&store, &u.id, &format!("http://127.0.0.1:{port}/crochet")).await;
        titulaire(&store, "1", "Kit", "numerique", "80000", "labellise").await;
        assert_eq!(livrer_dues(&store, &Livreur::new(true)).await, (0, 1));
        let app = commun::app(&store);
        let mut c = commun::Client::new(&app);
        c.connecter("abonne@exemple.fr", commun::MDP).await;
        let page = c.get("/donnees/abonnements").await;
        let texte = commun::texte_visible(&page.corps);
        assert!(texte.contains("destinataire injoignable"), "{texte}");
        for brut in [
            "refused",
            "error sending",
            "os error",
            "tcp connect",
            "Connection",
        ] {
            assert!(!texte.contains(brut), "« {brut} » visible : {texte}");
        }
    }
);

deux_bases!(
    inscription_plafonnee_et_filtree,
    |store: Store| async move {
        commun::compte(&store, "abonne@exemple.fr", RoleCompte::Demandeur).await;
        // Réglage de production : une IPv4 mappée vers la boucle locale est refusée.
        let app = commun::app_avec(
            &store,
            Config {
                webhooks_locaux: false,
                ..Config::pour_tests()
            },
        );
        let mut c = commun::Client::new(&app);
        c.connecter("abonne@exemple.fr", commun::MDP).await;
        c.get("/donnees/abonnements").await;
        let r = c
            .post(
                "/donnees/abonnements",
                &[("url", "http://[::ffff:127.0.0.1]:9/")],
                None,
            )
            .await;
        assert_eq!(r.code.as_u16(), 422);
        assert!(r.corps.contains("réseau interne ou réservé"), "{}", r.corps);
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM abonnements")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 0);
        // Plafond (10 par défaut) : le 11e abonnement actif est refusé, avec un message clair.
        let app = commun::app(&store);
        let mut c = commun::Client::new(&app);
        c.connecter("abonne@exemple.fr", commun::MDP).await;
        c.get("/donnees/abonnements").await;
        for i in 1..=10 {
            let url = format!("https://exemple.fr/crochet/{i}");
            let r = c.post("/donnees/abonnements", &[("url", &url)], None).await;
            assert_eq!(r.code.as_u16(), 200, "{i}");
            assert!(r.corps.contains("Abonnement créé"), "{i}");
        }
        let r = c
            .post(
                "/donnees/abonnements",
                &[("url", "https://exemple.fr/onze")],
                None,
            )
            .await;
        assert_eq!(r.code.as_u16(), 422);
        assert!(
            commun::texte_visible(&r.corps).contains(
                "Vous avez déjà 10 abonnements actifs, le maximum par compte : désactivez-en un avant d'en créer un autre."
            ),
            "{}",
            r.corps
        );
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM abonnements")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 10);
        // Chaque création est au journal d'audit ; une désactivation libère une place.
        let (journal,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM audit WHERE action = 'creer_abonnement'")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(journal, 10);
        let (id,): (String,) = sqlx::query_as("SELECT id FROM abonnements ORDER BY cree_le, id")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let r = c
            .post(&format!("/donnees/abonnements/{id}/desactiver"), &[], None)
            .await;
        assert_eq!(r.code.as_u16(), 303);
        c.get("/donnees/abonnements").await;
        let r = c
            .post(
                "/donnees/abonnements",
                &[("url", "https://exemple.fr/onze")],
                None,
            )
            .await;
        assert_eq!(r.code.as_u16(), 200);
    }
);

/// Un récepteur qui ne répond qu'une fois `n` appels arrivés ensemble (barrière), et note le
/// plus grand nombre d'appels en cours observé.
async fn recepteur_barriere(n: usize) -> (String, Arc<AtomicUsize>) {
    let barriere = Arc::new(tokio::sync::Barrier::new(n));
    let en_cours = Arc::new(AtomicUsize::new(0));
    let maximum = Arc::new(AtomicUsize::new(0));
    let m = maximum.clone();
    let app = Router::new().route(
        "/crochet",
        post(move || {
            let (b, en_cours, m) = (barriere.clone(), en_cours.clone(), m.clone());
            async move {
                let k = en_cours.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(k, Ordering::SeqCst);
                b.wait().await;
                en_cours.fetch_sub(1, Ordering::SeqCst);
                StatusCode::NO_CONTENT
            }
        }),
    );
    let ecoute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let adresse = ecoute.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(ecoute, app).await.unwrap() });
    (format!("http://{adresse}/crochet"), maximum)
}

deux_bases!(livraisons_en_parallele_bornees, |store: Store| async move {
    // Cinq abonnés dont le serveur ne répond qu'une fois les cinq appels reçus : livrés un
    // par un, le premier attendrait en vain (délai dépassé) ; en parallèle, tous aboutissent.
    let (url, maximum) = recepteur_barriere(5).await;
    for i in 0..5 {
        abonne(&store, &format!("r{i}"), &url).await;
    }
    titulaire(&store, "1", "Kit", "numerique", "80000", "labellise").await;
    let livreur = Livreur {
        delai: Duration::from_secs(20),
        ..Livreur::new(true)
    };
    assert_eq!(livrer_dues(&store, &livreur).await, (5, 0));
    assert_eq!(maximum.load(Ordering::SeqCst), 5);
    // Parallélisme borné : six livraisons, deux à la fois au plus (barrière de deux).
    for i in 0..5 {
        for a in store.abonnements_de(&format!("r{i}")).await.unwrap() {
            store.desactiver_abonnement(&a.id).await.unwrap();
        }
    }
    let (url, maximum) = recepteur_barriere(2).await;
    for i in 0..6 {
        abonne(&store, &format!("s{i}"), &url).await;
    }
    titulaire(&store, "2", "Autre", "numerique", "80000", "labellise").await;
    let livreur = Livreur {
        delai: Duration::from_secs(20),
        concurrence: 2,
        ..Livreur::new(true)
    };
    assert_eq!(livrer_dues(&store, &livreur).await, (6, 0));
    assert_eq!(maximum.load(Ordering::SeqCst), 2);
});
