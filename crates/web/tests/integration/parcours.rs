//! Comptes, sessions, CSRF, limitation de débit et contrôle d'accès par objet, au niveau HTTP,
//! sur SQLite et sur PostgreSQL. Le parcours complet dans un navigateur est dans
//! tests/navigateur/parcours.test.mjs.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use reperes_domain::comptes::RoleCompte;
use reperes_domain::Etat as EtatDossier;
use reperes_store::test_support::catalogue_du_depot;
use reperes_store::{deux_bases, Store, Utilisateur};
use reperes_web::{application, Config, Etat};
use tower::ServiceExt;

use crate::commun;
use commun::{app, compte, multipart, objets_de, post_multipart, Client, MDP};

/// Lien contenu dans le dernier courriel envoyé à `dest`.
async fn lien_du_courriel(store: &Store, dest: &str, chemin: &str) -> String {
    let c = store
        .courriels()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.destinataire == dest)
        .expect("courriel envoyé");
    let i = c
        .corps
        .find(chemin)
        .unwrap_or_else(|| panic!("{chemin} absent de : {}", c.corps));
    c.corps[i..].split_whitespace().next().unwrap().to_string()
}

deux_bases!(
    csrf_exige_sur_chaque_formulaire,
    |store: Store| async move {
        let app = app(&store);
        let mut c = Client::new(&app);
        c.get("/connexion").await;
        assert!(!c.csrf.is_empty());
        for jeton in ["", "faux"] {
            let r = c
                .post(
                    "/connexion",
                    &[("email", "a@b.fr"), ("mot_de_passe", MDP)],
                    Some(jeton),
                )
                .await;
            assert_eq!(r.code, StatusCode::FORBIDDEN);
            assert!(r.corps.contains("Formulaire expiré"));
        }
        // Sans cookie de session : refusé aussi.
        let mut anonyme = Client::new(&app);
        let r = anonyme
            .post("/inscription", &[("email", "a@b.fr")], Some(&c.csrf))
            .await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
    }
);

deux_bases!(
    inscription_verification_connexion_deconnexion,
    |store: Store| async move {
        let app = app(&store);
        let mut c = Client::new(&app);
        let r = c.inscrire("Camille", "a@b", "court").await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.corps.contains("id=\"erreurs\"")
                && r.corps.contains("href=\"#email\"")
                && r.corps.contains("href=\"#mot_de_passe\"")
        );
        let r = c
            .post(
                "/inscription",
                &[
                    ("nom", "Camille"),
                    ("email", "Camille@Asso.example"),
                    ("mot_de_passe", MDP),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::OK);
        // Non vérifié : la connexion renvoie un nouveau lien, sans ouvrir de session connectée.
        let r = c.connecter("camille@asso.example", MDP).await;
        assert!(r.corps.contains("pas encore confirmée"), "{}", r.corps);
        let lien = lien_du_courriel(&store, "camille@asso.example", "/verification/").await;
        let r = c.get(&lien[lien.find("/verification/").unwrap()..]).await;
        assert!(r.corps.contains("Adresse confirmée"));
        let avant = c.cookie.clone();
        let r = c
            .connecter("camille@asso.example", "mauvais mot de passe")
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r
            .corps
            .contains("Adresse électronique ou mot de passe incorrect."));
        let r = c.connecter("camille@asso.example", MDP).await;
        assert_eq!(
            (r.code, r.lieu.as_deref()),
            (StatusCode::SEE_OTHER, Some("/espace"))
        );
        assert_ne!(
            c.cookie, avant,
            "nouvelle session à la connexion (fixation)"
        );
        let connecte = c.cookie.clone();
        let r = c.get("/espace").await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("Se déconnecter (Camille)"));
        let r = c.post("/deconnexion", &[], None).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        // L'ancien cookie ne vaut plus rien.
        let mut vieux = Client::new(&app);
        vieux.cookie = connecte;
        let r = vieux.get("/espace").await;
        assert_eq!(
            (r.code, r.lieu.as_deref()),
            (StatusCode::SEE_OTHER, Some("/connexion"))
        );
    }
);

deux_bases!(
    messages_generiques_sans_reveler_les_comptes,
    |store: Store| async move {
        compte(&store, "existe@asso.example", RoleCompte::Demandeur).await;
        let app = app(&store);
        let mut c = Client::new(&app);
        let r1 = c.inscrire("X", "existe@asso.example", MDP).await;
        let r2 = c.inscrire("Y", "nouveau@asso.example", MDP).await;
        let normaliser = |s: &str, e: &str| s.replace(e, "ADRESSE").replace('\n', "");
        let sans_csrf = |s: String| s.split("name=\"_csrf\"").next().unwrap().to_string();
        assert_eq!(
            sans_csrf(normaliser(&r1.corps, "existe@asso.example")),
            sans_csrf(normaliser(&r2.corps, "nouveau@asso.example"))
        );
        let sujets: Vec<String> = store
            .courriels()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.sujet)
            .collect();
        assert!(sujets.iter().any(|s| s.contains("tentative de création")));
        // Mot de passe oublié : même réponse que l'adresse existe ou non.
        let a = c.mot_de_passe_oublie("existe@asso.example").await;
        let b = c.mot_de_passe_oublie("inconnu@asso.example").await;
        assert_eq!(a.corps, b.corps);
    }
);

deux_bases!(connexion_limitee_par_compte, |store: Store| async move {
    compte(&store, "cible@asso.example", RoleCompte::Demandeur).await;
    let app = app(&store);
    let mut c = Client::new(&app);
    for _ in 0..5 {
        let r = c.connecter("cible@asso.example", "pas le bon").await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = c.connecter("cible@asso.example", MDP).await;
    assert_eq!(
        r.code,
        StatusCode::TOO_MANY_REQUESTS,
        "même le bon mot de passe est bloqué"
    );
    assert!(r.corps.contains("Trop de tentatives"));
});

deux_bases!(
    reinitialisation_a_usage_unique_ferme_les_sessions,
    |store: Store| async move {
        compte(&store, "oubli@asso.example", RoleCompte::Demandeur).await;
        let app = app(&store);
        let mut ailleurs = Client::new(&app);
        ailleurs.connecter("oubli@asso.example", MDP).await;
        assert_eq!(ailleurs.get("/espace").await.code, StatusCode::OK);
        let mut c = Client::new(&app);
        c.mot_de_passe_oublie("oubli@asso.example").await;
        let lien = lien_du_courriel(&store, "oubli@asso.example", "/reinitialisation/").await;
        let chemin = lien[lien.find("/reinitialisation/").unwrap()..].to_string();
        c.get(&chemin).await;
        let r = c.post(&chemin, &[("mot_de_passe", "court")], None).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        let r = c
            .post(
                &chemin,
                &[("mot_de_passe", "un tout nouveau mot de passe")],
                None,
            )
            .await;
        assert!(r.corps.contains("Mot de passe enregistré"));
        assert_eq!(
            ailleurs.get("/espace").await.code,
            StatusCode::SEE_OTHER,
            "sessions fermées"
        );
        let r = c
            .post(
                &chemin,
                &[("mot_de_passe", "encore un autre mot de passe")],
                None,
            )
            .await;
        assert!(
            r.corps.contains("Lien invalide ou expiré"),
            "jeton à usage unique"
        );
        assert_eq!(
            c.connecter("oubli@asso.example", "un tout nouveau mot de passe")
                .await
                .lieu
                .as_deref(),
            Some("/espace")
        );
    }
);

/// Deux organisations, chacune avec un membre, un dispositif, un dossier et un fichier.
struct Monde {
    a: Utilisateur,
    b: Utilisateur,
    dossier_a: String,
    fichier_a: String,
    org_a: String,
}

async fn monde(store: &Store) -> Monde {
    let a = compte(store, "a@org-a.example", RoleCompte::Demandeur).await;
    let b = compte(store, "b@org-b.example", RoleCompte::Demandeur).await;
    let (org_a, dossier_a, fichier_a) = objets_de(store, &a, "a", None).await;
    objets_de(store, &b, "b", None).await;
    Monde {
        a,
        b,
        dossier_a,
        fichier_a,
        org_a,
    }
}

deux_bases!(chacun_ne_voit_que_ses_objets, |store: Store| async move {
    let m = monde(&store).await;
    let app = app(&store);
    // Anonyme : renvoyé vers la connexion.
    // La connexion ramène ensuite à la page demandée (sauf l'espace, où elle mène déjà).
    let mut anonyme = Client::new(&app);
    for (chemin, connexion) in [
        (
            format!("/dossiers/{}", m.dossier_a),
            format!("/connexion?suite=%2Fdossiers%2F{}", m.dossier_a),
        ),
        ("/espace".into(), "/connexion".into()),
        (
            "/instruction".into(),
            "/connexion?suite=%2Finstruction".into(),
        ),
        (
            format!("/fichiers/{}", m.fichier_a),
            format!("/connexion?suite=%2Ffichiers%2F{}", m.fichier_a),
        ),
    ] {
        let r = anonyme.get(&chemin).await;
        assert_eq!(
            (r.code, r.lieu.as_deref()),
            (StatusCode::SEE_OTHER, Some(connexion.as_str())),
            "{chemin}"
        );
    }
    // B, membre d'une autre organisation : tout est « introuvable ».
    let mut b = Client::new(&app);
    b.connecter(&m.b.email, MDP).await;
    for chemin in [
        format!("/organisations/{}", m.org_a),
        format!("/dossiers/{}", m.dossier_a),
        format!("/dossiers/{}/etapes/1", m.dossier_a),
        format!("/fichiers/{}", m.fichier_a),
        format!("/organisations/{}/dispositifs/nouveau", m.org_a),
        "/dispositifs/disp-a/autodiagnostic/nec-2022".into(),
    ] {
        assert_eq!(b.get(&chemin).await.code, StatusCode::NOT_FOUND, "{chemin}");
    }
    b.get("/espace").await;
    for (chemin, champs) in [
        (
            format!("/organisations/{}/invitations", m.org_a),
            vec![("email", "x@y.fr")],
        ),
        (format!("/dossiers/{}/deposer", m.dossier_a), vec![]),
        (
            format!("/dossiers/{}/actions/classer_sans_suite", m.dossier_a),
            vec![("motif", "x")],
        ),
        (
            "/dossiers".to_string(),
            vec![("dispositif", "disp-a"), ("referentiel", "nec-2022")],
        ),
    ] {
        assert_eq!(
            b.post(&chemin, &champs, None).await.code,
            StatusCode::NOT_FOUND,
            "{chemin}"
        );
    }
    // Un demandeur n'accède pas à l'instruction ni à l'administration.
    assert_eq!(b.get("/instruction").await.code, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/administration").await.code, StatusCode::FORBIDDEN);
    // A voit ses objets, mais ne peut pas agir comme un agent sur son propre dossier.
    let mut a = Client::new(&app);
    a.connecter(&m.a.email, MDP).await;
    assert_eq!(
        a.get(&format!("/dossiers/{}", m.dossier_a)).await.code,
        StatusCode::OK
    );
    let r = a
        .post(
            &format!("/dossiers/{}/appreciations", m.dossier_a),
            &[("appreciation_accessible", "2")],
            None,
        )
        .await;
    assert_eq!(r.code, StatusCode::FORBIDDEN);
    let r = a
        .post(
            &format!("/dossiers/{}/actions/classer_sans_suite", m.dossier_a),
            &[("motif", "je classe")],
            None,
        )
        .await;
    // Refusé pour son rôle (403), pas pour l'état du dossier.
    assert_eq!(r.code, StatusCode::FORBIDDEN);
    assert!(r.corps.contains("Action non autorisée"), "{}", r.corps);
    let d = store.dossier(&m.dossier_a).await.unwrap().unwrap();
    assert_eq!(d.etat, EtatDossier::Brouillon, "rien n'a changé");
    // Un agent voit le dossier de A, sans pouvoir le remplir à sa place.
    compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
    let mut agent = Client::new(&app);
    agent.connecter("agent@anct.example", MDP).await;
    assert_eq!(
        agent.get(&format!("/dossiers/{}", m.dossier_a)).await.code,
        StatusCode::OK
    );
    assert_eq!(
        agent
            .get(&format!("/dossiers/{}/etapes/1", m.dossier_a))
            .await
            .code,
        StatusCode::FORBIDDEN
    );
    assert_eq!(agent.get("/instruction").await.code, StatusCode::OK);
    assert_eq!(
        agent.get("/administration").await.code,
        StatusCode::FORBIDDEN
    );
});

deux_bases!(
    fichiers_controles_par_leur_contenu,
    |store: Store| async move {
        let m = monde(&store).await;
        let app = app(&store);
        let mut a = Client::new(&app);
        a.connecter(&m.a.email, MDP).await;
        let etape = format!("/dossiers/{}/etapes/2", m.dossier_a);
        a.get(&etape).await;
        let envoyer =
            |nom: &'static str, octets: &'static [u8], csrf: String, cookie: Option<String>| {
                let (ct, corps) = multipart(
                    &[
                        ("_csrf", &csrf),
                        (
                            "texte",
                            "Mesures prises pour l'accessibilité du dispositif.",
                        ),
                        ("niveau_auto", "1"),
                        ("suite", "rester"),
                    ],
                    Some((nom, octets)),
                );
                let mut b = Request::post(etape.clone()).header(header::CONTENT_TYPE, ct);
                if let Some(c) = cookie {
                    b = b.header(header::COOKIE, format!("reperes_session={c}"));
                }
                b.body(Body::from(corps)).unwrap()
            };
        let r = a
            .envoyer(envoyer(
                "audit.pdf",
                b"<html><script>alert(1)</script></html>",
                a.csrf.clone(),
                a.cookie.clone(),
            ))
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("pas accepté"), "{}", r.corps);
        assert_eq!(
            store.fichiers_du_dossier(&m.dossier_a).await.unwrap().len(),
            1,
            "rien de stocké"
        );
        let r = a
            .envoyer(envoyer(
                "../../rapport d'audit.pdf",
                b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                a.csrf.clone(),
                a.cookie.clone(),
            ))
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let fichiers = store.fichiers_du_dossier(&m.dossier_a).await.unwrap();
        assert_eq!(fichiers.len(), 2);
        let f = fichiers
            .iter()
            .find(|f| f.nom == "rapport d'audit.pdf")
            .expect("nom nettoyé du chemin");
        assert_eq!(f.type_mime, "application/pdf");
        let d = store.dossier(&m.dossier_a).await.unwrap().unwrap();
        let critere = &catalogue_du_depot()
            .referentiels
            .iter()
            .find(|r| r.id == "nec-2022")
            .unwrap()
            .criteres[0]
            .id
            .clone();
        assert_eq!(d.criteres[critere].fichiers, vec![f.id.clone()]);
        let r = a.get(&format!("/fichiers/{}", f.id)).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.starts_with("%PDF"));
    }
);

deux_bases!(parcours_complet_par_http, |store: Store| async move {
    let m = monde(&store).await;
    let cat = catalogue_du_depot();
    let r = cat
        .referentiels
        .iter()
        .find(|r| r.id == "nec-2022")
        .unwrap();
    compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
    let app = app(&store);
    let mut a = Client::new(&app);
    a.connecter(&m.a.email, MDP).await;
    a.get("/dispositifs/disp-a/autodiagnostic/nec-2022").await;
    let rep = a
        .post(
            "/dossiers",
            &[
                ("dispositif", "disp-a"),
                ("referentiel", "nec-2022"),
                ("niveau", "1"),
            ],
            None,
        )
        .await;
    let lieu = rep.lieu.expect("redirection vers la première étape");
    let id = lieu
        .trim_start_matches("/dossiers/")
        .trim_end_matches("/etapes/1")
        .to_string();
    let page1 = a.get(&lieu).await;
    assert!(page1.corps.contains("Étape 1 sur 9"), "{}", page1.corps);
    let rep = post_multipart(
        &mut a,
        &lieu,
        &[
            ("niveau_vise", "1"),
            ("declaration_retour_terrain", "oui"),
            ("suite", "suivante"),
        ],
    )
    .await;
    assert_eq!(
        rep.lieu.as_deref(),
        Some(format!("/dossiers/{id}/etapes/2").as_str())
    );
    for (i, critere) in r.criteres.iter().enumerate() {
        let chemin = format!("/dossiers/{id}/etapes/{}", i + 2);
        let page = a.get(&chemin).await;
        assert!(
            page.corps.contains(&critere.libelle),
            "étape du critère {}",
            critere.id
        );
        let texte = format!(
            "Mesures prises pour le critère {} : description détaillée.",
            critere.libelle
        );
        let rep = post_multipart(
            &mut a,
            &chemin,
            &[
                ("texte", &texte),
                ("liens", "https://exemple.fr/preuve"),
                ("niveau_auto", "1"),
                // Lus seulement pour « Ouvert », qui exige une licence de la liste (issue 15).
                ("licence", "etalab-2.0"),
                ("materiel", "https://exemple.fr/depot"),
                ("suite", "suivante"),
            ],
        )
        .await;
        assert_eq!(rep.code, StatusCode::SEE_OTHER, "{}", rep.corps);
    }
    let chemin = format!("/dossiers/{id}/etapes/8");
    a.get(&chemin).await;
    let engagements: Vec<(String, &str)> = r
        .engagements
        .iter()
        .map(|e| (format!("engagement_{}", e.id), "oui"))
        .collect();
    let mut champs: Vec<(&str, &str)> = engagements.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    champs.push(("suite", "suivante"));
    post_multipart(&mut a, &chemin, &champs).await;
    let recap = a.get(&format!("/dossiers/{id}/etapes/9")).await;
    assert!(
        recap.corps.contains("Le dossier est complet"),
        "{}",
        recap.corps
    );
    let rep = a.post(&format!("/dossiers/{id}/deposer"), &[], None).await;
    assert_eq!(
        rep.lieu.as_deref(),
        Some(format!("/dossiers/{id}?ok=depose").as_str())
    );
    let d = store.dossier(&id).await.unwrap().unwrap();
    let numero = d.numero.clone().expect("numéro de récépissé");
    let accuse = store
        .courriels()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.sujet.contains("accusé de réception"))
        .unwrap();
    assert_eq!(accuse.destinataire, m.a.email);
    assert!(accuse.sujet.contains(&numero) && accuse.corps.contains(&numero));
    // Le nom du label porte ses guillemets : ils ne sont pas doublés (commun::libelles::citer).
    assert!(
        accuse.corps.contains("Votre dossier pour Label « ") && !accuse.corps.contains("« Label «"),
        "{}",
        accuse.corps
    );
    // Instruction : prise en charge, demande de complément.
    let mut agent = Client::new(&app);
    agent.connecter("agent@anct.example", MDP).await;
    let file = agent.get("/instruction?etat=depose").await;
    assert!(file.corps.contains(&numero));
    agent.get(&format!("/dossiers/{id}")).await;
    agent
        .post(
            &format!("/dossiers/{id}/actions/prendre_en_charge"),
            &[],
            None,
        )
        .await;
    let echeance = (chrono::Utc::now() + chrono::Duration::days(30))
        .date_naive()
        .to_string();
    let rep = agent
        .post(
            &format!("/dossiers/{id}/actions/demander_complement"),
            &[
                ("motif", "Joindre le rapport d'audit."),
                ("echeance", &echeance),
            ],
            None,
        )
        .await;
    assert_eq!(rep.code, StatusCode::SEE_OTHER, "{}", rep.corps);
    assert_eq!(
        store.dossier(&id).await.unwrap().unwrap().etat,
        EtatDossier::ComplementDemande
    );
    assert!(store
        .courriels()
        .await
        .unwrap()
        .iter()
        .any(|c| c.sujet.contains("complément demandé") && c.destinataire == m.a.email));
    // Le demandeur complète et redépose.
    let page = a.get(&format!("/dossiers/{id}")).await;
    assert!(
        page.corps.contains("Joindre le rapport d") && page.corps.contains("Compléter le dossier")
    );
    let chemin = format!("/dossiers/{id}/etapes/2");
    a.get(&chemin).await;
    post_multipart(
        &mut a,
        &chemin,
        &[
            (
                "texte",
                "Rapport d'audit RGAA joint : conformité partielle, 82 %.",
            ),
            ("liens", "https://exemple.fr/audit"),
            ("niveau_auto", "1"),
            ("suite", "rester"),
        ],
    )
    .await;
    a.get(&format!("/dossiers/{id}/etapes/9")).await;
    a.post(&format!("/dossiers/{id}/deposer"), &[], None).await;
    let d = store.dossier(&id).await.unwrap().unwrap();
    assert_eq!(
        (d.etat, d.numero.as_deref()),
        (EtatDossier::Depose, Some(numero.as_str()))
    );
    // Appréciations puis labellisation ; une motivation vide est refusée.
    agent.get(&format!("/dossiers/{id}")).await;
    agent
        .post(
            &format!("/dossiers/{id}/actions/prendre_en_charge"),
            &[],
            None,
        )
        .await;
    let appreciations: Vec<(String, &str)> = r
        .criteres
        .iter()
        .map(|c| (format!("appreciation_{}", c.id), "1"))
        .collect();
    let champs: Vec<(&str, &str)> = appreciations
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    agent
        .post(&format!("/dossiers/{id}/appreciations"), &champs, None)
        .await;
    // Une motivation vide ré-affiche le formulaire « Décision » rempli, l'erreur au champ.
    let rep = agent
        .post(
            &format!("/dossiers/{id}/actions/labelliser"),
            &[("niveau", "1"), ("motif", " ")],
            None,
        )
        .await;
    assert_eq!(rep.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(rep
        .corps
        .contains("id=\"motivation-erreur\">Écrivez la motivation"));
    assert!(rep.corps.contains("value=\"labelliser\" checked"));
    let rep = agent
        .post(
            &format!("/dossiers/{id}/actions/labelliser"),
            &[
                ("niveau", "1"),
                ("motif", "Critères satisfaits au niveau 1."),
            ],
            None,
        )
        .await;
    assert_eq!(rep.code, StatusCode::SEE_OTHER, "{}", rep.corps);
    let d = store.dossier(&id).await.unwrap().unwrap();
    assert_eq!(
        (d.etat, d.niveau_accorde),
        (EtatDossier::Labellise, Some(1))
    );
    assert!(store
        .courriels()
        .await
        .unwrap()
        .iter()
        .any(|c| c.sujet.contains("label accordé") && c.destinataire == m.a.email));
    let vue = a.get(&format!("/dossiers/{id}")).await;
    assert!(
        vue.corps.contains("État : Labellisé")
            && vue.corps.contains("Critères satisfaits au niveau 1.")
    );
    store.verifier_journal().await.unwrap();
});

deux_bases!(
    exports_de_la_file_pour_les_seuls_agents,
    |store: Store| async move {
        let m = monde(&store).await;
        compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
        let app = app(&store);
        let mut agent = Client::new(&app);
        agent.connecter("agent@anct.example", MDP).await;
        // Les brouillons ne sont pas dans la file : export vide mais bien formé.
        let r = agent.get("/instruction/export.csv").await;
        assert_eq!(r.code, StatusCode::OK);
        assert_eq!(r.corps.lines().count(), 1, "en-tête seul");
        assert!(r.corps.starts_with("numero,identifiant,organisation"));
        // Un dossier déposé apparaît, avec les filtres de la file.
        sqlx::query("UPDATE dossiers SET etat = 'depose', depose_le = '2026-03-01T10:00:00.000000Z', numero = 'REP-2026-000042' WHERE id = $1")
        .bind(&m.dossier_a)
        .execute(store.pool())
        .await
        .unwrap();
        let r = agent.get("/instruction/export.csv?etat=depose").await;
        assert_eq!(r.corps.lines().count(), 2);
        assert!(r.corps.contains("REP-2026-000042") && r.corps.contains("Organisation a"));
        assert_eq!(
            agent
                .get("/instruction/export.csv?etat=refuse")
                .await
                .corps
                .lines()
                .count(),
            1
        );
        let x = app
            .clone()
            .oneshot(
                Request::get("/instruction/export.xlsx?etat=depose")
                    .header(
                        header::COOKIE,
                        format!("reperes_session={}", agent.cookie.clone().unwrap()),
                    )
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(x.status(), StatusCode::OK);
        assert_eq!(
            x.headers()[header::CONTENT_TYPE],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let octets = x.into_body().collect().await.unwrap().to_bytes();
        assert!(octets.starts_with(b"PK"), "classeur zip");
        assert_eq!(
            agent.get("/instruction/export.csv?depuis=hier").await.code,
            StatusCode::BAD_REQUEST
        );
        let mut a = Client::new(&app);
        a.connecter(&m.a.email, MDP).await;
        assert_eq!(
            a.get("/instruction/export.csv").await.code,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            a.get("/instruction/export.xlsx").await.code,
            StatusCode::FORBIDDEN
        );
    }
);

deux_bases!(
    limite_par_ip_derriere_un_mandataire,
    |store: Store| async move {
        let mut config = Config::pour_tests();
        config.entete_ip = Some("x-forwarded-for".into());
        let app = application(Etat::new(store.clone(), catalogue_du_depot(), config).unwrap());
        let mut c = Client::new(&app);
        c.get("/connexion").await;
        let tenter = |ip: &'static str, n: usize, csrf: String, cookie: Option<String>| {
            let corps = serde_urlencoded::to_string([
                ("email", format!("personne{n}@exemple.fr")),
                ("mot_de_passe", "faux mot de passe".into()),
                ("_csrf", csrf),
            ])
            .unwrap();
            let mut b = Request::post("/connexion")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                // À gauche, ce que le client a écrit ; à droite, ce qu'a ajouté le mandataire.
                .header("x-forwarded-for", format!("10.0.0.1, {ip}"));
            if let Some(c) = cookie {
                b = b.header(header::COOKIE, format!("reperes_session={c}"));
            }
            b.body(Body::from(corps)).unwrap()
        };
        for n in 0..20 {
            let r = c
                .envoyer(tenter("203.0.113.7", n, c.csrf.clone(), c.cookie.clone()))
                .await;
            assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let r = c
            .envoyer(tenter("203.0.113.7", 99, c.csrf.clone(), c.cookie.clone()))
            .await;
        assert_eq!(
            r.code,
            StatusCode::TOO_MANY_REQUESTS,
            "21e tentative de la même adresse"
        );
        let r = c
            .envoyer(tenter(
                "198.51.100.9",
                100,
                c.csrf.clone(),
                c.cookie.clone(),
            ))
            .await;
        assert_eq!(
            r.code,
            StatusCode::UNPROCESSABLE_ENTITY,
            "une autre adresse n'est pas bloquée"
        );
        // Un compteur par adresse (2) et un par compte et adresse pour chaque tentative arrivée
        // jusqu'au mot de passe (21 : la bloquée n'y arrive pas).
        assert_eq!(
            store
                .purger_tentatives(chrono::Utc::now() + chrono::Duration::seconds(1))
                .await
                .unwrap(),
            23
        );
    }
);
