//! Issue 13, constats 3, 5 et 6 (revue de sécurité), au niveau HTTP, sur les deux bases :
//! adresse du client derrière un mandataire, IPv6 par /64, compteur atomique, verrouillage par un
//! tiers et délai progressif, compte créé par un tiers avant son titulaire, liens de
//! réinitialisation, durée de l'inscription, invitations (limites, objet des courriels).

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::organisation::{Adresse, Organisation};
use reperes_domain::Role;
use reperes_store::{deux_bases, Acteur, Store};
use reperes_web::{auth, Config};
use tower::ServiceExt;

use crate::commun;
use commun::{app, app_avec, compte, Client, Rep, MDP};

/// L'application derrière un mandataire inverse qui ajoute l'adresse vue à `X-Forwarded-For`.
fn app_mandataire(store: &Store) -> axum::Router {
    app_avec(
        store,
        Config {
            entete_ip: Some("x-forwarded-for".into()),
            ..Config::pour_tests()
        },
    )
}

/// POST d'un formulaire (jeton CSRF courant) avec un en-tête `X-Forwarded-For`.
async fn post_depuis(c: &mut Client, chemin: &str, champs: &[(&str, &str)], xff: &str) -> Rep {
    let mut tous: Vec<(&str, &str)> = champs.to_vec();
    let csrf = c.csrf.clone();
    tous.push(("_csrf", &csrf));
    let req = c
        .avec_cookie(Request::post(chemin))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-for", xff)
        .body(Body::from(serde_urlencoded::to_string(&tous).unwrap()))
        .unwrap();
    c.envoyer(req).await
}

/// Une tentative de connexion (mauvais mot de passe sauf `mdp`) depuis `xff`.
async fn connexion_depuis(c: &mut Client, email: &str, mdp: &str, xff: &str) -> Rep {
    if c.csrf.is_empty() {
        c.get("/connexion").await;
    }
    post_depuis(
        c,
        "/connexion",
        &[("email", email), ("mot_de_passe", mdp)],
        xff,
    )
    .await
}

// Constat 3 : la valeur la plus à gauche est écrite par le client ; changer de valeur à chaque
// essai contournait la limite par adresse. Seule la valeur ajoutée par le mandataire compte.
deux_bases!(
    l_adresse_est_celle_ajoutee_par_le_mandataire,
    |store: Store| async move {
        let app = app_mandataire(&store);
        let mut c = Client::new(&app);
        for n in 0..20 {
            let email = format!("personne{n}@exemple.fr");
            let xff = format!("192.0.2.{n}, 203.0.113.7");
            let r = connexion_depuis(&mut c, &email, "faux mot de passe", &xff).await;
            assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "essai {n}");
        }
        let r = connexion_depuis(
            &mut c,
            "autre@exemple.fr",
            "faux mot de passe",
            "192.0.2.99, 203.0.113.7",
        )
        .await;
        assert_eq!(
            r.code,
            StatusCode::TOO_MANY_REQUESTS,
            "21e essai de 203.0.113.7, quelle que soit la valeur écrite par le client"
        );
        // Une seule valeur (celle du mandataire) : c'est elle, et une autre adresse passe.
        let r = connexion_depuis(&mut c, "autre@exemple.fr", "faux", "198.51.100.9").await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        // Deux mandataires : la deuxième valeur en partant de la droite.
        let app2 = app_avec(
            &store,
            Config {
                entete_ip: Some("x-forwarded-for".into()),
                mandataires: 2,
                ..Config::pour_tests()
            },
        );
        let mut d = Client::new(&app2);
        let r = connexion_depuis(
            &mut d,
            "x@exemple.fr",
            "faux",
            "1.1.1.1, 203.0.113.7, 10.0.0.2",
        )
        .await;
        assert_eq!(
            r.code,
            StatusCode::TOO_MANY_REQUESTS,
            "203.0.113.7 déjà bloquée"
        );
    }
);

// Constat 3 : une adresse IPv6 par essai (un abonné en a au moins 2^64) contournait la limite.
deux_bases!(ipv6_regroupee_par_reseau_64, |store: Store| async move {
    let app = app_mandataire(&store);
    let mut c = Client::new(&app);
    for n in 0..20 {
        let r = connexion_depuis(
            &mut c,
            &format!("p{n}@exemple.fr"),
            "faux mot de passe",
            &format!("2001:db8:1:2::{:x}", n + 1),
        )
        .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = connexion_depuis(&mut c, "q@exemple.fr", "faux", "2001:db8:1:2:ffff::1").await;
    assert_eq!(r.code, StatusCode::TOO_MANY_REQUESTS, "même /64");
    let r = connexion_depuis(&mut c, "q@exemple.fr", "faux", "2001:db8:1:3::1").await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "autre /64");
});

// Constat 3 : compter puis insérer n'était pas atomique ; une rafale parallèle passait toute.
// 50 demandes de lien simultanées depuis la même adresse : exactement 20 acceptées.
deux_bases!(
    rafale_parallele_limitee_au_maximum,
    |store: Store| async move {
        let app = app_mandataire(&store);
        let mut c = Client::new(&app);
        c.get("/mot-de-passe-oublie").await;
        let requetes: Vec<_> = (0..50)
            .map(|n| {
                let corps = serde_urlencoded::to_string([
                    ("email", format!("rafale{n}@exemple.fr")),
                    ("_csrf", c.csrf.clone()),
                ])
                .unwrap();
                let req = c
                    .avec_cookie(Request::post("/mot-de-passe-oublie"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header("x-forwarded-for", "203.0.113.50")
                    .body(Body::from(corps))
                    .unwrap();
                app.clone().oneshot(req)
            })
            .collect();
        let codes: Vec<StatusCode> = futures_util::future::join_all(requetes)
            .await
            .into_iter()
            .map(|r| r.unwrap().status())
            .collect();
        let acceptees = codes.iter().filter(|c| **c == StatusCode::OK).count();
        let refusees = codes
            .iter()
            .filter(|c| **c == StatusCode::TOO_MANY_REQUESTS)
            .count();
        assert_eq!((acceptees, refusees), (20, 30), "{codes:?}");
    }
);

// Constat 6 : 5 échecs depuis n'importe où verrouillaient le compte pour son titulaire.
deux_bases!(
    un_tiers_ne_verrouille_pas_le_titulaire,
    |store: Store| async move {
        compte(&store, "titulaire@asso.example", RoleCompte::Demandeur).await;
        let app = app_mandataire(&store);
        let mut attaquant = Client::new(&app);
        for _ in 0..5 {
            let r = connexion_depuis(
                &mut attaquant,
                "titulaire@asso.example",
                "pas le bon",
                "198.51.100.66",
            )
            .await;
            assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        }
        // L'attaquant est bloqué, même avec le bon mot de passe, pour 15 minutes.
        let r = connexion_depuis(
            &mut attaquant,
            "titulaire@asso.example",
            MDP,
            "198.51.100.66",
        )
        .await;
        assert_eq!(r.code, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            r.corps.contains("patientez 15 minutes avant de réessayer"),
            "{}",
            r.corps
        );
        // Le titulaire, depuis chez lui, se connecte.
        let mut titulaire = Client::new(&app);
        let r = connexion_depuis(
            &mut titulaire,
            "titulaire@asso.example",
            MDP,
            "203.0.113.10",
        )
        .await;
        assert_eq!(
            (r.code, r.lieu.as_deref()),
            (StatusCode::SEE_OTHER, Some("/espace"))
        );
        // Ses échecs passés (4) sont oubliés après sa connexion réussie.
        let mut t2 = Client::new(&app);
        for _ in 0..4 {
            let r =
                connexion_depuis(&mut t2, "titulaire@asso.example", "faute", "203.0.113.11").await;
            assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let r = connexion_depuis(&mut t2, "titulaire@asso.example", MDP, "203.0.113.11").await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        let mut t3 = Client::new(&app);
        for _ in 0..4 {
            let r =
                connexion_depuis(&mut t3, "titulaire@asso.example", "faute", "203.0.113.11").await;
            assert_eq!(
                r.code,
                StatusCode::UNPROCESSABLE_ENTITY,
                "compteur remis à zéro"
            );
        }
    }
);

/// Le chemin du dernier lien contenant `chemin` envoyé à `dest`.
async fn dernier_lien(store: &Store, dest: &str, chemin: &str) -> String {
    let c = store
        .courriels()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.destinataire == dest && c.corps.contains(chemin))
        .unwrap_or_else(|| panic!("aucun courriel pour {dest} avec {chemin}"));
    let i = c.corps.find(chemin).unwrap();
    c.corps[i..].split_whitespace().next().unwrap().to_string()
}

// Constat 6 : un compte créé par un tiers avec l'adresse d'autrui ; le titulaire de l'adresse
// ouvrait le lien reçu, ce qui confirmait le compte… avec le mot de passe du tiers.
deux_bases!(
    compte_cree_par_un_tiers_non_confirme_par_le_lien,
    |store: Store| async move {
        let app = app(&store);
        let mut tiers = Client::new(&app);
        let r = tiers
            .inscrire(
                "Usurpateur",
                "victime@asso.example",
                "mot de passe du tiers",
            )
            .await;
        assert_eq!(r.code, StatusCode::OK);
        let lien = dernier_lien(&store, "victime@asso.example", "/verification/").await;
        // La victime ouvre le lien reçu dans son navigateur.
        let mut victime = Client::new(&app);
        let r = victime.get(&lien).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("Confirmer votre adresse"), "{}", r.corps);
        let u = store
            .utilisateur_par_email(
                &reperes_domain::comptes::Email::parse("victime@asso.example").unwrap(),
            )
            .await
            .unwrap()
            .unwrap();
        assert!(!u.email_verifie, "le lien seul ne confirme pas l'adresse");
        // Le tiers ne peut pas se connecter avec son mot de passe.
        let r = tiers
            .connecter("victime@asso.example", "mot de passe du tiers")
            .await;
        assert_ne!(r.lieu.as_deref(), Some("/espace"), "{}", r.corps);
        assert_eq!(tiers.get("/espace").await.code, StatusCode::SEE_OTHER);
        // La victime choisit son mot de passe (mot de passe oublié) : l'adresse est confirmée.
        victime.mot_de_passe_oublie("victime@asso.example").await;
        let reinit = dernier_lien(&store, "victime@asso.example", "/reinitialisation/").await;
        victime.get(&reinit).await;
        let r = victime
            .post(
                &reinit,
                &[("mot_de_passe", "le mot de passe de la victime")],
                None,
            )
            .await;
        assert!(r.corps.contains("Mot de passe enregistré"));
        let r = tiers
            .connecter("victime@asso.example", "mot de passe du tiers")
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        let r = victime
            .connecter("victime@asso.example", "le mot de passe de la victime")
            .await;
        assert_eq!(r.lieu.as_deref(), Some("/espace"));
    }
);

// Constat 6 : après une réinitialisation, les autres liens envoyés restaient valables.
deux_bases!(
    reinitialisation_invalide_les_autres_liens,
    |store: Store| async move {
        compte(&store, "oubli@asso.example", RoleCompte::Demandeur).await;
        let app = app(&store);
        let mut c = Client::new(&app);
        c.mot_de_passe_oublie("oubli@asso.example").await;
        let premier = dernier_lien(&store, "oubli@asso.example", "/reinitialisation/").await;
        c.mot_de_passe_oublie("oubli@asso.example").await;
        let second = dernier_lien(&store, "oubli@asso.example", "/reinitialisation/").await;
        assert_ne!(premier, second);
        let mut ailleurs = Client::new(&app);
        ailleurs.connecter("oubli@asso.example", MDP).await;
        assert_eq!(ailleurs.get("/espace").await.code, StatusCode::OK);
        c.get(&second).await;
        let r = c
            .post(
                &second,
                &[("mot_de_passe", "un tout nouveau mot de passe")],
                None,
            )
            .await;
        assert!(r.corps.contains("Mot de passe enregistré"));
        let r = c.get(&premier).await;
        assert!(
            r.corps.contains("Ce lien n&#39;est plus valable"),
            "{}",
            r.corps
        );
        c.get("/mot-de-passe-oublie").await;
        let r = c
            .post(
                &premier,
                &[("mot_de_passe", "encore un autre mot de passe")],
                None,
            )
            .await;
        assert!(!r.corps.contains("Mot de passe enregistré"));
        let r = c
            .connecter("oubli@asso.example", "un tout nouveau mot de passe")
            .await;
        assert_eq!(
            r.lieu.as_deref(),
            Some("/espace"),
            "le premier lien n'a rien changé"
        );
        assert_eq!(
            ailleurs.get("/espace").await.code,
            StatusCode::SEE_OTHER,
            "les autres sessions sont fermées"
        );
    }
);

// Constat 6 : l'inscription d'une adresse existante ne hachait rien (réponse plus rapide).
deux_bases!(
    inscription_meme_travail_que_l_adresse_existe_ou_non,
    |store: Store| async move {
        compte(&store, "existe@asso.example", RoleCompte::Demandeur).await;
        let app = app(&store);
        let mut c = Client::new(&app);
        let (existe, n_existe) =
            auth::compter_argon2(c.inscrire("X", "existe@asso.example", MDP)).await;
        let (nouveau, n_nouveau) =
            auth::compter_argon2(c.inscrire("Y", "nouveau@asso.example", MDP)).await;
        assert_eq!(
            (existe.code, nouveau.code),
            (StatusCode::OK, StatusCode::OK)
        );
        assert_eq!(
            (n_existe, n_nouveau),
            (1, 1),
            "un hachage argon2 dans les deux cas"
        );
    }
);

/// Une organisation `id` nommée `nom` dont `membres` sont membres.
async fn organisation(store: &Store, id: &str, nom: &str, membres: &[&reperes_store::Utilisateur]) {
    let a = Acteur::new("test", Role::Systeme);
    store
        .creer_organisation(
            &a,
            &Organisation {
                id: id.into(),
                nom: nom.into(),
                type_organisation: "association".into(),
                siret: None,
                rna: Some(reperes_domain::identifiants::Rna::parse("W802001234").unwrap()),
                adresse: Adresse {
                    voie: "1 rue".into(),
                    code_postal: "80000".into(),
                    commune: "Amiens".into(),
                },
            },
        )
        .await
        .unwrap();
    for m in membres {
        store.ajouter_membre(&a, id, &m.id).await.unwrap();
    }
}

// Constat 5 : le nom de l'organisation (texte saisi) était dans l'objet du courriel.
deux_bases!(
    objet_des_invitations_sans_texte_saisi,
    |store: Store| async move {
        let u = compte(&store, "membre@asso.example", RoleCompte::Demandeur).await;
        let nom = "GAGNEZ 1000 EUROS sur spam.example";
        organisation(&store, "org-spam", nom, &[&u]).await;
        let app = app(&store);
        let mut c = Client::new(&app);
        c.connecter("membre@asso.example", MDP).await;
        c.get("/organisations/org-spam").await;
        let r = c
            .post(
                "/organisations/org-spam/invitations",
                &[("email", "cible@ailleurs.example")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        let courriel = store
            .courriels()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.destinataire == "cible@ailleurs.example")
            .unwrap();
        assert_eq!(
            courriel.sujet,
            "Repères : invitation à rejoindre une organisation"
        );
        assert!(courriel.corps.contains(nom), "le nom reste dans le corps");
    }
);

/// Invite `email` dans l'organisation `org-a`.
async fn inviter(c: &mut Client, email: &str) -> Rep {
    c.post(
        "/organisations/org-a/invitations",
        &[("email", email)],
        None,
    )
    .await
}

// Constat 5 : aucune limite ; un membre pouvait envoyer des invitations sans fin (relais).
deux_bases!(
    invitations_limitees_par_personne_et_organisation,
    |store: Store| async move {
        let mut membres = Vec::new();
        for i in 0..4 {
            membres
                .push(compte(&store, &format!("m{i}@asso.example"), RoleCompte::Demandeur).await);
        }
        let refs: Vec<&reperes_store::Utilisateur> = membres.iter().collect();
        organisation(&store, "org-a", "Association A", &refs).await;
        let app = app(&store);
        // Par personne : 10 par heure.
        let mut c = Client::new(&app);
        c.connecter("m0@asso.example", MDP).await;
        c.get("/organisations/org-a").await;
        for n in 0..10 {
            let r = inviter(&mut c, &format!("i{n}@ailleurs.example")).await;
            assert_eq!(r.code, StatusCode::SEE_OTHER, "invitation {n}");
        }
        let r = inviter(&mut c, "i10@ailleurs.example").await;
        assert_eq!(r.code, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            r.corps
                .contains("Vous avez envoyé 10 invitations dans l&#39;heure"),
            "{}",
            r.corps
        );
        // Par organisation : 30 par jour, tous membres confondus (10 + 10 + 10, puis refus).
        for (i, attendu) in [(1, StatusCode::SEE_OTHER), (2, StatusCode::SEE_OTHER)] {
            let mut c = Client::new(&app);
            c.connecter(&format!("m{i}@asso.example"), MDP).await;
            c.get("/organisations/org-a").await;
            for n in 0..10 {
                let r = inviter(&mut c, &format!("j{i}-{n}@ailleurs.example")).await;
                assert_eq!(r.code, attendu);
            }
        }
        let mut c = Client::new(&app);
        c.connecter("m3@asso.example", MDP).await;
        c.get("/organisations/org-a").await;
        let r = inviter(&mut c, "k@ailleurs.example").await;
        assert_eq!(r.code, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            r.corps
                .contains("Cette organisation a envoyé 30 invitations"),
            "{}",
            r.corps
        );
        let envoyees = store
            .courriels()
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.destinataire.ends_with("@ailleurs.example"))
            .count();
        assert_eq!(envoyees, 30);
    }
);

// Constat 5 : le nom d'une personne (dans les courriels envoyés de sa part) n'était pas borné.
deux_bases!(nom_de_personne_borne, |store: Store| async move {
    let app = app(&store);
    let mut c = Client::new(&app);
    let long = "a".repeat(101);
    let r = c.inscrire(&long, "long@asso.example", MDP).await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.corps
            .contains("Le nom ne doit pas dépasser 100 caractères (101 saisis)."),
        "{}",
        r.corps
    );
    let r = c.inscrire(&"a".repeat(100), "long@asso.example", MDP).await;
    assert_eq!(r.code, StatusCode::OK);
});
