//! Les erreurs de tous les jours, au niveau HTTP, sur SQLite et sur PostgreSQL : la page d'erreur
//! garde l'en-tête de la personne connectée et offre le chemin du retour ; un lien ouvert sans
//! être connecté ramène à sa cible après la connexion (jamais ailleurs que sur le site) ; le lien
//! de confirmation connecte dans le même navigateur, sinon dit quoi faire ; les formulaires de
//! comptes et d'invitation refusés reviennent avec la saisie. Le même parcours dans un
//! navigateur : tests/navigateur/erreurs.test.mjs.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{Duration, Utc};
use reperes_domain::comptes::RoleCompte;
use reperes_store::{deux_bases, Jeton, NatureJeton, Store};

use crate::commun;
use commun::{app, compte, objets_de, Client, Rep, MDP};

/// L'adresse publique de la configuration de test (origine des Referer « de la même origine »).
const ORIGINE: &str = "http://localhost:8080";

/// Le chemin du lien du dernier courriel envoyé à `dest` qui contient `chemin`.
async fn dernier_lien(store: &Store, dest: &str, chemin: &str) -> String {
    let c = store
        .courriels()
        .await
        .unwrap()
        .into_iter()
        .rev()
        .find(|c| c.destinataire == dest && c.corps.contains(chemin))
        .unwrap_or_else(|| panic!("aucun courriel pour {dest} avec {chemin}"));
    let i = c.corps.find(ORIGINE).expect("lien absolu") + ORIGINE.len();
    c.corps[i..].split_whitespace().next().unwrap().to_string()
}

/// GET avec un en-tête Referer.
async fn get_depuis(c: &mut Client, chemin: &str, referent: &str) -> Rep {
    let req = c
        .avec_cookie(Request::get(chemin))
        .header(header::REFERER, referent)
        .body(Body::empty())
        .unwrap();
    c.envoyer(req).await
}

/// POST d'un formulaire avec un jeton CSRF donné et un Referer.
async fn post_depuis(
    c: &mut Client,
    chemin: &str,
    champs: &[(&str, &str)],
    csrf: &str,
    referent: &str,
) -> Rep {
    let mut tous = champs.to_vec();
    tous.push(("_csrf", csrf));
    let req = c
        .avec_cookie(Request::post(chemin))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::REFERER, referent)
        .body(Body::from(serde_urlencoded::to_string(&tous).unwrap()))
        .unwrap();
    c.envoyer(req).await
}

/// Le titre de l'onglet.
fn titre(corps: &str) -> &str {
    let debut = corps.find("<title>").unwrap() + "<title>".len();
    let fin = corps.find("</title>").unwrap();
    &corps[debut..fin]
}

deux_bases!(
    page_introuvable_garde_l_entete_et_le_retour,
    |store: Store| async move {
        compte(&store, "perdue@asso.example", RoleCompte::Demandeur).await;
        let app = app(&store);
        let mut c = Client::new(&app);
        c.connecter("perdue@asso.example", MDP).await;
        let r = get_depuis(
            &mut c,
            "/lieux/source/inconnu/nulle-part",
            "http://localhost:8080/registre?q=amiens",
        )
        .await;
        assert_eq!(r.code, StatusCode::NOT_FOUND);
        assert_eq!(titre(&r.corps), "Page introuvable — Repères");
        // L'en-tête de la personne connectée.
        assert!(
            r.corps
                .contains("Se déconnecter (Nom de perdue@asso.example)"),
            "{}",
            r.corps
        );
        assert!(r.corps.contains(">Mon espace<"));
        assert!(!r.corps.contains(">Se connecter<"));
        // Le chemin du retour : la page précédente, la page parente, l'espace, l'accueil.
        for lien in [
            r#"href="/registre?q=amiens">Revenir à la page précédente</a>"#,
            r#"href="/lieux/source/inconnu">Revenir à la fiche du lieu</a>"#,
            r#"href="/espace">Aller à mon espace</a>"#,
            r#"href="/">Retour à l&#39;accueil</a>"#,
        ] {
            assert!(r.corps.contains(lien), "{lien} absent :\n{}", r.corps);
        }
        // Le formulaire de déconnexion de l'en-tête porte le jeton de la session : il marche.
        let r = c.post("/deconnexion", &[], None).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);

        // Une page précédente d'une autre origine n'est jamais proposée.
        let mut anonyme = Client::new(&app);
        let r = get_depuis(&mut anonyme, "/inconnue", "https://ailleurs.example/piege").await;
        assert_eq!(r.code, StatusCode::NOT_FOUND);
        assert!(!r.corps.contains("ailleurs.example"));
        assert!(!r.corps.contains("Revenir à la page précédente"));
        assert!(r.corps.contains(">Se connecter<"));
        assert!(!r.corps.contains("Aller à mon espace"));
    }
);

deux_bases!(
    acces_refuse_et_methode_non_permise_gardent_l_entete,
    |store: Store| async move {
        compte(&store, "porteuse@asso.example", RoleCompte::Demandeur).await;
        let app = app(&store);
        let mut c = Client::new(&app);
        c.connecter("porteuse@asso.example", MDP).await;
        let r = get_depuis(&mut c, "/instruction", "http://localhost:8080/espace").await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
        assert_eq!(titre(&r.corps), "Accès refusé — Repères");
        assert!(r
            .corps
            .contains("Se déconnecter (Nom de porteuse@asso.example)"));
        assert!(r
            .corps
            .contains(r#"href="/espace">Revenir à la page précédente</a>"#));

        // Une adresse qui ne reçoit que des formulaires, ouverte directement : une vraie page,
        // pas une réponse vide.
        let r = c.get("/dossiers/quelconque/deposer").await;
        assert_eq!(r.code, StatusCode::METHOD_NOT_ALLOWED);
        assert!(
            r.corps.contains("elle ne s&#39;ouvre pas directement"),
            "{}",
            r.corps
        );
        assert!(r
            .corps
            .contains(r#"href="/dossiers/quelconque">Revenir au dossier</a>"#));
        assert!(r
            .corps
            .contains("Se déconnecter (Nom de porteuse@asso.example)"));
    }
);

deux_bases!(
    formulaire_expire_dit_quoi_faire,
    |store: Store| async move {
        let u = compte(&store, "lente@asso.example", RoleCompte::Demandeur).await;
        let (_, dossier, _) = objets_de(&store, &u, "lente", None).await;
        let app = app(&store);
        let mut c = Client::new(&app);
        c.connecter("lente@asso.example", MDP).await;
        let page_du_dossier = format!("{ORIGINE}/dossiers/{dossier}");
        let r = post_depuis(
            &mut c,
            &format!("/dossiers/{dossier}/deposer"),
            &[],
            "jeton-perime",
            &page_du_dossier,
        )
        .await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
        assert_eq!(titre(&r.corps), "Formulaire expiré — Repères");
        assert!(r.corps.contains("rien n&#39;a été enregistré"));
        assert!(r.corps.contains("Rouvrez la page du formulaire"));
        assert!(
            r.corps.contains(&format!(
                r#"href="/dossiers/{dossier}">Rouvrir le formulaire</a>"#
            )),
            "{}",
            r.corps
        );
        assert!(r
            .corps
            .contains("Se déconnecter (Nom de lente@asso.example)"));

        // Sans page précédente connue : le formulaire à rouvrir est la page de son objet.
        let r = c
            .post(&format!("/dossiers/{dossier}/deposer"), &[], Some("faux"))
            .await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
        assert!(r.corps.contains(&format!(
            r#"href="/dossiers/{dossier}">Rouvrir le formulaire</a>"#
        )));
    }
);

deux_bases!(
    lien_ouvert_sans_connexion_ramene_a_sa_cible,
    |store: Store| async move {
        let u = compte(&store, "retour@asso.example", RoleCompte::Demandeur).await;
        let (_, dossier, _) = objets_de(&store, &u, "retour", None).await;
        let app = app(&store);
        let mut c = Client::new(&app);
        let cible = format!("/dossiers/{dossier}");
        let r = c.get(&cible).await;
        let connexion = format!("/connexion?suite=%2Fdossiers%2F{dossier}");
        assert_eq!(
            (r.code, r.lieu.as_deref()),
            (StatusCode::SEE_OTHER, Some(connexion.as_str()))
        );
        let r = c.get(&connexion).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains(&format!(
            r#"<input type="hidden" name="suite" value="/dossiers/{dossier}">"#
        )));
        assert!(r.corps.contains(&format!(
            r#"href="/inscription?suite=%2Fdossiers%2F{dossier}">Créer un compte</a>"#
        )));
        // Une erreur de saisie garde la cible.
        let r = c
            .post(
                "/connexion",
                &[
                    ("email", "retour@asso.example"),
                    ("mot_de_passe", "faux mot de passe"),
                    ("suite", &cible),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r
            .corps
            .contains(&format!(r#"name="suite" value="/dossiers/{dossier}""#)));
        let r = c
            .post(
                "/connexion",
                &[
                    ("email", "retour@asso.example"),
                    ("mot_de_passe", MDP),
                    ("suite", &cible),
                ],
                None,
            )
            .await;
        assert_eq!(
            (r.code, r.lieu.as_deref()),
            (StatusCode::SEE_OTHER, Some(cible.as_str()))
        );
        assert_eq!(c.get(&cible).await.code, StatusCode::OK);
        // Déjà connecté : la connexion mène directement à la cible.
        let r = c.get(&connexion).await;
        assert_eq!(r.lieu.as_deref(), Some(cible.as_str()));

        // Un envoi de formulaire sans connexion ramène à la page d'où il est parti.
        let mut anonyme = Client::new(&app);
        anonyme.get("/connexion").await;
        let csrf = anonyme.csrf.clone();
        let r = post_depuis(
            &mut anonyme,
            &format!("/dossiers/{dossier}/deposer"),
            &[],
            &csrf,
            &format!("{ORIGINE}{cible}"),
        )
        .await;
        assert_eq!(r.lieu.as_deref(), Some(connexion.as_str()));
    }
);

deux_bases!(redirection_ouverte_refusee, |store: Store| async move {
    compte(&store, "prudente@asso.example", RoleCompte::Demandeur).await;
    let app = app(&store);
    for suite in [
        "https://ailleurs.example/",
        "//ailleurs.example",
        "/\\ailleurs.example",
        "http:ailleurs.example",
    ] {
        let mut c = Client::new(&app);
        let q: String = form_urlencoded::byte_serialize(suite.as_bytes()).collect();
        let r = c.get(&format!("/connexion?suite={q}")).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(!r.corps.contains("name=\"suite\""), "{suite} gardée");
        assert!(!r.corps.contains("ailleurs.example"), "{suite} affichée");
        let r = c
            .post(
                "/connexion",
                &[
                    ("email", "prudente@asso.example"),
                    ("mot_de_passe", MDP),
                    ("suite", suite),
                ],
                None,
            )
            .await;
        assert_eq!(
            (r.code, r.lieu.as_deref()),
            (StatusCode::SEE_OTHER, Some("/espace")),
            "{suite}"
        );
        // Déjà connecté : même refus.
        let r = c.get(&format!("/connexion?suite={q}")).await;
        assert_eq!(r.lieu.as_deref(), Some("/espace"), "{suite}");
    }
});

deux_bases!(
    confirmation_dans_le_meme_navigateur_connecte,
    |store: Store| async move {
        let app = app(&store);
        let mut c = Client::new(&app);
        c.get("/inscription?suite=%2Forganisations%2Fnouvelle")
            .await;
        let r = c
            .post(
                "/inscription",
                &[
                    ("nom", "Camille Martin"),
                    ("email", "camille@asso.example"),
                    ("mot_de_passe", MDP),
                    ("suite", "/organisations/nouvelle"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("Ouvrez-le dans ce navigateur"));
        let lien = dernier_lien(&store, "camille@asso.example", "/verification/").await;
        assert!(
            lien.ends_with("?suite=%2Forganisations%2Fnouvelle"),
            "{lien}"
        );
        let anonyme = c.cookie.clone();
        let r = c.get(&lien).await;
        assert_eq!(
            (r.code, r.lieu.as_deref()),
            (StatusCode::SEE_OTHER, Some("/organisations/nouvelle"))
        );
        assert_ne!(c.cookie, anonyme, "nouvelle session à la connexion");
        let r = c.get("/organisations/nouvelle").await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("Se déconnecter (Camille Martin)"));
        // Le même lien rouvert : il a servi, la page le dit sans erreur sèche.
        let r = c.get(&lien).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("Lien déjà utilisé"));

        // Sans cible : la page confirme et la personne est connectée.
        let mut d = Client::new(&app);
        d.inscrire("Dominique", "dominique@asso.example", MDP).await;
        let lien = dernier_lien(&store, "dominique@asso.example", "/verification/").await;
        let r = d.get(&lien).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(
            r.corps.contains("vous êtes connecté ou connectée"),
            "{}",
            r.corps
        );
        assert!(r.corps.contains("Se déconnecter (Dominique)"));
        assert_eq!(d.get("/espace").await.code, StatusCode::OK);
    }
);

deux_bases!(
    confirmation_dans_un_autre_navigateur_dit_quoi_faire,
    |store: Store| async move {
        let app = app(&store);
        let mut c = Client::new(&app);
        c.get("/inscription?suite=%2Flieux").await;
        c.post(
            "/inscription",
            &[
                ("nom", "Sacha"),
                ("email", "sacha@asso.example"),
                ("mot_de_passe", MDP),
                ("suite", "/lieux"),
            ],
            None,
        )
        .await;
        let lien = dernier_lien(&store, "sacha@asso.example", "/verification/").await;
        // Ouvert sur un autre appareil : le lien seul ne confirme rien (issue 13, constat 6) ;
        // la page demande le mot de passe du compte, puis connecte la personne.
        let mut ailleurs = Client::new(&app);
        let r = ailleurs.get(&lien).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(
            r.corps.contains(
                "Pour confirmer l&#39;adresse sacha@asso.example dans ce navigateur, saisissez le mot de passe"
            ),
            "{}",
            r.corps
        );
        assert!(r.corps.contains("Confirmer mon adresse"));
        assert!(!r.corps.contains("Se déconnecter"));
        assert_eq!(ailleurs.get("/espace").await.code, StatusCode::SEE_OTHER);
        // Le compte n'est pas confirmé : la connexion renvoie encore un lien.
        let chemin = lien.trim_start_matches(ORIGINE).to_string();
        let action = chemin.split('?').next().unwrap().to_string();
        let r = ailleurs.get(&chemin).await;
        assert_eq!(r.code, StatusCode::OK);
        let r = ailleurs
            .post(
                &action,
                &[
                    ("mot_de_passe", "pas le bon mot de passe"),
                    ("suite", "/lieux"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("Mot de passe incorrect."), "{}", r.corps);
        assert_eq!(ailleurs.get("/espace").await.code, StatusCode::SEE_OTHER);
        ailleurs.get(&chemin).await;
        let r = ailleurs
            .post(&action, &[("mot_de_passe", MDP), ("suite", "/lieux")], None)
            .await;
        assert_eq!(
            (r.code, r.lieu.as_deref()),
            (StatusCode::SEE_OTHER, Some("/lieux"))
        );
        assert_eq!(ailleurs.get("/espace").await.code, StatusCode::OK);
        // Le premier navigateur n'en est pas connecté pour autant (le lien a servi ailleurs).
        assert_eq!(c.get("/espace").await.code, StatusCode::SEE_OTHER);
        let r = c.get(&chemin).await;
        assert!(r.corps.contains("Lien déjà utilisé"));

        // Un lien expiré : la page propose d'en recevoir un autre, adresse pré-remplie.
        compte(&store, "tardive@asso.example", RoleCompte::Demandeur).await;
        store
            .creer_jeton(&Jeton {
                hash: reperes_web::auth::empreinte("jeton-expire"),
                nature: NatureJeton::VerificationEmail,
                email: "tardive@asso.example".into(),
                organisation_id: None,
                role: None,
                expire_le: Utc::now() - Duration::hours(1),
            })
            .await
            .unwrap();
        let mut t = Client::new(&app);
        let r = t.get("/verification/jeton-expire").await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("Lien expiré"));
        assert!(r.corps.contains(r#"value="tardive@asso.example""#));
        assert!(r.corps.contains(r#"action="/verification""#));
        // Adresse mal saisie : le formulaire revient avec la saisie et le message au champ.
        let r = t
            .post("/verification", &[("email", "tardive@")], None)
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains(r#"value="tardive@""#));
        assert!(r.corps.contains(r#"aria-describedby="email-erreur""#));
        assert!(titre(&r.corps).ends_with("(erreurs) — Repères"));
        let r = t
            .post("/verification", &[("email", "tardive@asso.example")], None)
            .await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(
            r.corps.contains("Vérifiez votre messagerie") || r.corps.contains("un nouveau lien")
        );
        // Un lien inconnu : même proposition, sans erreur sèche.
        let r = t.get("/verification/n-importe-quoi").await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("Lien non reconnu"));
        assert!(r.corps.contains("Recevoir un nouveau lien"));
    }
);

deux_bases!(
    formulaires_de_comptes_gardent_la_saisie,
    |store: Store| async move {
        let app = app(&store);
        let mut c = Client::new(&app);
        c.get("/inscription").await;
        let r = c
            .post(
                "/inscription",
                &[
                    ("nom", "Alix Durand"),
                    ("email", "alix@"),
                    ("mot_de_passe", "trop-court"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(titre(&r.corps), "Créer un compte (erreurs) — Repères");
        assert!(r.corps.contains("<h1>Créer un compte</h1>"));
        assert!(r.corps.contains(r#"id="erreurs""#));
        assert!(r.corps.contains(r#"value="Alix Durand""#));
        assert!(r.corps.contains(r#"value="alix@""#));
        assert!(r.corps.contains(r#"aria-describedby="email-erreur""#));
        assert!(r
            .corps
            .contains(r#"aria-describedby="mot_de_passe-erreur""#));
        assert!(!r.corps.contains("trop-court"), "mot de passe renvoyé");

        // Connexion : champs vides, puis mot de passe faux ; l'adresse reste.
        let r = c
            .post("/connexion", &[("email", ""), ("mot_de_passe", "")], None)
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(titre(&r.corps), "Se connecter (erreurs) — Repères");
        assert!(r
            .corps
            .contains("Indiquez l&#39;adresse électronique de votre compte."));
        assert!(r.corps.contains("Indiquez votre mot de passe."));
        let r = c
            .post(
                "/connexion",
                &[
                    ("email", "Alix@Asso.example"),
                    ("mot_de_passe", "pas le bon"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains(r#"value="Alix@Asso.example""#));
        assert!(!r.corps.contains("pas le bon"));

        // Mot de passe oublié : adresse invalide refusée au champ, saisie gardée.
        let r = c
            .post(
                "/mot-de-passe-oublie",
                &[("email", "alix.asso.example")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(titre(&r.corps), "Mot de passe oublié (erreurs) — Repères");
        assert!(r.corps.contains(r#"value="alix.asso.example""#));

        // Lien de réinitialisation périmé : dit dès son ouverture, avec de quoi en redemander un.
        let r = c.get("/reinitialisation/jeton-inconnu").await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("Ce lien n&#39;est plus valable"));
        assert!(r.corps.contains(r#"action="/mot-de-passe-oublie""#));
    }
);

deux_bases!(
    invitation_refusee_garde_la_saisie_puis_connecte,
    |store: Store| async move {
        let u = compte(&store, "membre@asso.example", RoleCompte::Demandeur).await;
        let (org, _, _) = objets_de(&store, &u, "inv", None).await;
        compte(&store, "existante@asso.example", RoleCompte::Demandeur).await;
        let app = app(&store);
        let mut m = Client::new(&app);
        m.connecter("membre@asso.example", MDP).await;
        m.get(&format!("/organisations/{org}")).await;
        for invite in ["nouvelle@asso.example", "existante@asso.example"] {
            let r = m
                .post(
                    &format!("/organisations/{org}/invitations"),
                    &[("email", invite)],
                    None,
                )
                .await;
            assert_eq!(r.code, StatusCode::SEE_OTHER);
        }
        let lien = dernier_lien(&store, "nouvelle@asso.example", "/invitation/").await;
        let mut n = Client::new(&app);
        let r = n.get(&lien).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("Créer mon compte et accepter"));
        // Page restée ouverte trop longtemps : elle revient avec le nom et un jeton neuf.
        let r = n
            .post(
                &lien,
                &[("nom", "Noa Petit"), ("mot_de_passe", MDP)],
                Some("perime"),
            )
            .await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
        assert!(r.corps.contains("Formulaire expiré"));
        assert!(r.corps.contains(r#"value="Noa Petit""#));
        let r = n
            .post(
                &lien,
                &[("nom", "Noa Petit"), ("mot_de_passe", "court")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(titre(&r.corps), "Invitation (erreurs) — Repères");
        assert!(r.corps.contains(r#"value="Noa Petit""#));
        assert!(r
            .corps
            .contains(r#"aria-describedby="mot_de_passe-erreur""#));
        let r = n
            .post(&lien, &[("nom", "Noa Petit"), ("mot_de_passe", MDP)], None)
            .await;
        let organisation = format!("/organisations/{org}?ok=membre");
        assert_eq!(
            (r.code, r.lieu.as_deref()),
            (StatusCode::SEE_OTHER, Some(organisation.as_str()))
        );
        let r = n.get(&organisation).await;
        assert_eq!(r.code, StatusCode::OK, "connectée et membre");
        assert!(r.corps.contains("Se déconnecter (Noa Petit)"));
        // Rouvert : l'invitation a servi, la page le dit.
        let mut autre = Client::new(&app);
        let r = autre.get(&lien).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("Invitation déjà acceptée"));

        // Un compte existe déjà : la connexion ramène à l'invitation.
        let lien = dernier_lien(&store, "existante@asso.example", "/invitation/").await;
        let mut e = Client::new(&app);
        let r = e.get(&lien).await;
        let enc: String = form_urlencoded::byte_serialize(lien.as_bytes()).collect();
        let connexion = format!("/connexion?suite={enc}");
        assert!(
            r.corps.contains(&format!(r#"href="{connexion}""#)),
            "{}",
            r.corps
        );
        e.get(&connexion).await;
        let r = e
            .post(
                "/connexion",
                &[
                    ("email", "existante@asso.example"),
                    ("mot_de_passe", MDP),
                    ("suite", &lien),
                ],
                None,
            )
            .await;
        assert_eq!(r.lieu.as_deref(), Some(lien.as_str()));
        let r = e.get(&lien).await;
        assert!(r.corps.contains("Accepter l'invitation"), "{}", r.corps);
    }
);

deux_bases!(
    formulaire_de_compte_expire_revient_avec_la_saisie,
    |store: Store| async move {
        compte(&store, "revenue@asso.example", RoleCompte::Demandeur).await;
        let app = app(&store);
        let mut c = Client::new(&app);
        c.get("/inscription").await;
        let r = c
            .post(
                "/inscription",
                &[
                    ("nom", "Alix Lente"),
                    ("email", "alix.lente@asso.example"),
                    ("mot_de_passe", MDP),
                ],
                Some("jeton-perime"),
            )
            .await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
        assert!(r.corps.contains("Formulaire expiré"));
        assert!(r.corps.contains(r#"id="erreurs""#));
        assert!(r.corps.contains(r#"value="Alix Lente""#));
        assert!(r.corps.contains(r#"value="alix.lente@asso.example""#));
        assert!(!r.corps.contains(MDP), "mot de passe renvoyé");
        assert_eq!(titre(&r.corps), "Créer un compte (erreurs) — Repères");
        assert!(
            store.courriels().await.unwrap().is_empty(),
            "rien n'est envoyé sans jeton valable"
        );
        // Le formulaire revenu porte un jeton valable : renvoyé tel quel, il passe.
        let r = c
            .post(
                "/inscription",
                &[
                    ("nom", "Alix Lente"),
                    ("email", "alix.lente@asso.example"),
                    ("mot_de_passe", MDP),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("Vérifiez votre messagerie"));

        // Sans session du tout (cookie expiré) : la connexion revient avec un jeton neuf et la
        // cible, puis aboutit.
        let mut sans = Client::new(&app);
        let r = sans
            .post(
                "/connexion",
                &[
                    ("email", "revenue@asso.example"),
                    ("mot_de_passe", MDP),
                    ("suite", "/lieux"),
                ],
                Some("ancien-jeton"),
            )
            .await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
        assert!(r.corps.contains(r#"value="revenue@asso.example""#));
        assert!(r.corps.contains(r#"name="suite" value="/lieux""#));
        assert!(sans.cookie.is_some(), "session neuve pour le jeton");
        let r = sans
            .post(
                "/connexion",
                &[
                    ("email", "revenue@asso.example"),
                    ("mot_de_passe", MDP),
                    ("suite", "/lieux"),
                ],
                None,
            )
            .await;
        assert_eq!(
            (r.code, r.lieu.as_deref()),
            (StatusCode::SEE_OTHER, Some("/lieux"))
        );
    }
);
