//! Avis d'experts (issue 15), sur les deux bases, au niveau HTTP : un agent demande un avis par
//! courriel (reçu par le vrai serveur SMTP de test), l'expert crée son compte par le lien, lit le
//! dossier en lecture seule et répond avec une pièce jointe ; l'agent lit la réponse ; le
//! demandeur voit l'avis partagé et pas le confidentiel ; l'expert est refusé ailleurs ; relances
//! une seule fois ; une demande annulée rend le lien inutilisable ; tout est au journal d'audit.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{Duration, Utc};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::{Action, Modification, Role};
use reperes_store::test_support::{catalogue_du_depot, mener_dossier};
use reperes_store::{deux_bases, Acteur, Fichier, Store};
use reperes_web::courrier::{envoyer_dus, Expediteur};
use reperes_web::{application, Config, Etat};

use crate::commun::{compte, multipart, Client, MDP};

fn smtp() -> (String, std::path::PathBuf) {
    let url = std::env::var("REPERES_TEST_SMTP").unwrap_or_else(|_| {
        panic!("REPERES_TEST_SMTP absent : ce test exige le serveur SMTP de test ; lancez les tests avec scripts/test")
    });
    let dossier = std::env::var("REPERES_TEST_SMTP_MAILDIR").expect("REPERES_TEST_SMTP_MAILDIR");
    (url, dossier.into())
}

/// Le texte d'un message reçu, corps décodé (quoted-printable ou base64 selon lettre).
fn decoder(brut: &str) -> String {
    let (entetes, corps) = brut
        .split_once("\r\n\r\n")
        .or_else(|| brut.split_once("\n\n"))
        .unwrap_or((brut, ""));
    let bas = entetes.to_lowercase();
    if bas.contains("content-transfer-encoding: base64") {
        use base64::Engine;
        let propre: String = corps.chars().filter(|c| !c.is_whitespace()).collect();
        let octets = base64::engine::general_purpose::STANDARD
            .decode(propre)
            .unwrap();
        return format!("{entetes}\n\n{}", String::from_utf8(octets).unwrap());
    }
    if bas.contains("content-transfer-encoding: quoted-printable") {
        let sans_coupures = corps.replace("=\r\n", "").replace("=\n", "");
        let b = sans_coupures.as_bytes();
        let mut octets = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'=' && i + 2 < b.len() {
                let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                if let Ok(v) = u8::from_str_radix(h, 16) {
                    octets.push(v);
                    i += 3;
                    continue;
                }
            }
            octets.push(b[i]);
            i += 1;
        }
        return format!("{entetes}\n\n{}", String::from_utf8_lossy(&octets));
    }
    brut.to_string()
}

/// Messages reçus par le puits pour ce destinataire, décodés.
fn recus(maildir: &std::path::Path, destinataire: &str) -> Vec<String> {
    let mut v = Vec::new();
    for sous in ["new", "cur"] {
        if let Ok(entrees) = std::fs::read_dir(maildir.join(sous)) {
            for e in entrees.flatten() {
                let texte = std::fs::read_to_string(e.path()).unwrap_or_default();
                if texte.contains(&format!("To: {destinataire}")) {
                    v.push(decoder(&texte));
                }
            }
        }
    }
    v
}

/// Le chemin `/avis/lien/…` d'un courriel de demande.
fn lien(message: &str) -> String {
    let i = message.find("/avis/lien/").expect("lien dans le courriel");
    message[i..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_string()
}

async fn envoyer_courriels(store: &Store, url: &str) {
    let smtp = Expediteur::smtp(url, "Repères <ne-pas-repondre@reperes.localhost>").unwrap();
    let (_, ko) = envoyer_dus(store, &smtp).await;
    assert_eq!(ko, 0, "{:?}", store.courriels().await.unwrap());
}

async fn demander(
    c: &mut Client,
    dossier: &str,
    email: &str,
    question: &str,
    confidentiel: &str,
) -> String {
    let r = c.get(&format!("/dossiers/{dossier}/avis/nouveau")).await;
    assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
    let limite = (Utc::now() + Duration::days(10))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let r = c
        .post(
            &format!("/dossiers/{dossier}/avis"),
            &[
                ("email", email),
                ("question", question),
                ("date_limite", &limite),
                ("confidentiel", confidentiel),
            ],
            None,
        )
        .await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
    r.lieu.unwrap()
}

deux_bases!(avis_d_experts_de_bout_en_bout, |store: Store| async move {
    let (url_smtp, maildir) = smtp();
    let marque = uuid::Uuid::new_v4().simple().to_string();
    let etat = Etat::new(store.clone(), catalogue_du_depot(), Config::pour_tests()).unwrap();
    let stockage = etat.stockage.clone();
    let app = application(etat);
    let c = catalogue_du_depot();

    // Le dossier d1 (organisation o1), complet, avec une preuve jointe, déposé et pris en
    // charge ; un autre dossier d2 (o2).
    let d1 = mener_dossier(
        &store,
        "nec-2022",
        "1",
        "Outil",
        "numerique",
        "80000",
        "brouillon",
        Utc::now(),
    )
    .await;
    let porteur = Acteur::new("porteur", Role::Demandeur);
    let contenu = b"%PDF-1.4\n%preuve du critere\n";
    let preuve = Fichier {
        id: "preuve-d1".into(),
        dossier_id: d1.clone(),
        nom: "preuve.pdf".into(),
        type_mime: "application/pdf".into(),
        taille: contenu.len() as i64,
        sha256: "x".into(),
        cle_stockage: "preuve-d1".into(),
        depose_par: "porteur".into(),
    };
    stockage.ecrire(&preuve.cle_stockage, contenu).unwrap();
    store.enregistrer_fichier(&porteur, &preuve).await.unwrap();
    let r = c.referentiels.iter().find(|r| r.id == "nec-2022").unwrap();
    let critere = r.criteres[0].id.clone();
    store
        .modifier(
            &c,
            &d1,
            &porteur,
            &Modification::Fichier {
                critere: critere.clone(),
                fichier_id: preuve.id.clone(),
            },
        )
        .await
        .unwrap();
    store
        .agir(&c, &d1, &porteur, &Action::Deposer, Utc::now())
        .await
        .unwrap();
    let d2 = mener_dossier(
        &store,
        "nec-2022",
        "2",
        "Autre",
        "numerique",
        "80000",
        "en_instruction",
        Utc::now(),
    )
    .await;
    let demandeur = compte(
        &store,
        &format!("porteur-{marque}@o1.example"),
        RoleCompte::Demandeur,
    )
    .await;
    store
        .ajouter_membre(&Acteur::new("test", Role::Systeme), "o1", &demandeur.id)
        .await
        .unwrap();
    compte(
        &store,
        &format!("agent-{marque}@reperes.example"),
        RoleCompte::Instructeur,
    )
    .await;

    // L'agent demande deux avis : partagé (X), confidentiel (Y).
    let x = format!("x-{marque}@expert.example");
    let y = format!("y-{marque}@expert.example");
    let mut agent = Client::new(&app);
    agent
        .connecter(&format!("agent-{marque}@reperes.example"), MDP)
        .await;
    let retour = demander(
        &mut agent,
        &d1,
        &x,
        "Le plan de formation est-il réaliste ?",
        "non",
    )
    .await;
    assert_eq!(retour, format!("/dossiers/{d1}?ok=avis_demande#avis"));
    demander(&mut agent, &d1, &y, "Question confidentielle ?", "oui").await;
    // Refus écrits en français, au champ : date passée, question vide.
    let r = agent
        .post(
            &format!("/dossiers/{d1}/avis"),
            &[
                ("email", &x),
                ("question", " "),
                ("date_limite", "2020-01-01"),
                ("confidentiel", "oui"),
            ],
            None,
        )
        .await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.corps
            .contains("Écrivez la question posée à l&#39;expert.")
            || r.corps.contains("Écrivez la question posée à l'expert."),
        "{}",
        r.corps
    );
    assert!(
        r.corps
            .contains("La date limite doit être postérieure à aujourd"),
        "{}",
        r.corps
    );
    let avis = store.avis_du_dossier(&d1).await.unwrap();
    assert_eq!(avis.len(), 2);
    let (a1, a2) = (avis[0].clone(), avis[1].clone());
    assert!(!a1.confidentiel && a2.confidentiel);

    // Le courriel part par le vrai serveur SMTP de test, avec le lien.
    envoyer_courriels(&store, &url_smtp).await;
    let messages = recus(&maildir, &x);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("Le plan de formation est-il réaliste ?"),
        "{}",
        messages[0]
    );
    let lien_x = lien(&messages[0]);

    // L'expert ouvre le lien, crée son compte (rôle expert), arrive sur la demande.
    let mut expert = Client::new(&app);
    let r = expert.get(&lien_x).await;
    assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
    assert!(r.corps.contains("Créer mon compte et lire la demande"));
    let r = expert
        .post(
            &lien_x,
            &[("nom", "Experte Xavière"), ("mot_de_passe", MDP)],
            None,
        )
        .await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
    assert_eq!(r.lieu.as_deref(), Some(format!("/avis/{}", a1.id).as_str()));
    let compte_x = store
        .utilisateur_par_email(&reperes_domain::comptes::Email::parse(&x).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(compte_x.role, RoleCompte::Expert);
    assert!(compte_x
        .hash_mot_de_passe
        .as_deref()
        .unwrap()
        .starts_with("$argon2id$"));

    // Il lit ses demandes et le dossier en lecture seule, avec la pièce.
    let r = expert.get("/avis").await;
    assert_eq!(r.code, StatusCode::OK);
    assert!(r.corps.contains(&format!("/avis/{}", a1.id)));
    assert!(
        !r.corps.contains(&a2.id),
        "la demande de Y n'est pas dans sa liste"
    );
    let r = expert.get(&format!("/avis/{}", a1.id)).await;
    assert_eq!(r.code, StatusCode::OK);
    assert!(r.corps.contains("Le plan de formation est-il réaliste ?"));
    assert!(r
        .corps
        .contains("Description suffisamment détaillée des mesures prises."));
    assert!(r
        .corps
        .contains(&format!("/avis/{}/fichiers/preuve-d1", a1.id)));
    assert!(
        !r.corps.contains("/appreciations"),
        "aucun formulaire d'instruction"
    );
    let r = expert
        .get(&format!("/avis/{}/fichiers/preuve-d1", a1.id))
        .await;
    assert_eq!(r.code, StatusCode::OK);
    assert_eq!(r.corps.as_bytes(), contenu);

    // Rien d'autre : autre dossier, ce dossier hors des pages d'avis, la file, l'espace, la pièce
    // par son adresse ordinaire, l'autre demande.
    for chemin in [
        format!("/dossiers/{d2}"),
        format!("/dossiers/{d1}"),
        "/instruction".to_string(),
        "/espace".to_string(),
        "/fichiers/preuve-d1".to_string(),
        format!("/dossiers/{d1}/avis/nouveau"),
    ] {
        let r = expert.get(&chemin).await;
        assert_eq!(r.code, StatusCode::FORBIDDEN, "{chemin}");
    }
    for chemin in [
        format!("/avis/{}", a2.id),
        format!("/avis/{}/fichiers/preuve-d1", a2.id),
    ] {
        let r = expert.get(&chemin).await;
        assert_eq!(r.code, StatusCode::NOT_FOUND, "{chemin}");
    }

    // Il répond avec une pièce jointe (vérifiée par son contenu).
    expert.get(&format!("/avis/{}", a1.id)).await;
    let jeton = expert.csrf.clone();
    // Une pièce dont le contenu n'est pas admis est refusée, rien n'est gardé.
    let (ct, corps) = multipart(
        &[("_csrf", &jeton), ("reponse", "Avis favorable.")],
        Some(("virus.exe", &b"MZ\x90\x00\x03\x00\x00\x00"[..])),
    );
    let r = expert
        .envoyer(
            expert
                .avec_cookie(Request::post(format!("/avis/{}", a1.id)))
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(corps))
                .unwrap(),
        )
        .await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.corps);
    assert!(
        r.corps.contains("n&#39;est pas accepté") || r.corps.contains("n'est pas accepté"),
        "{}",
        r.corps
    );
    assert!(store
        .avis(&a1.id)
        .await
        .unwrap()
        .unwrap()
        .repondu_le
        .is_none());
    let jeton = expert.csrf.clone();
    let pdf: &[u8] = b"%PDF-1.4\n%avis de l'experte\n";
    let (ct, corps) = multipart(
        &[
            ("_csrf", &jeton),
            ("reponse", "Avis favorable : le plan est réaliste."),
        ],
        Some(("avis-x.pdf", pdf)),
    );
    let r = expert
        .envoyer(
            expert
                .avec_cookie(Request::post(format!("/avis/{}", a1.id)))
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(corps))
                .unwrap(),
        )
        .await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
    let rendu = store.avis(&a1.id).await.unwrap().unwrap();
    assert!(rendu.repondu_le.is_some());
    assert_eq!(rendu.fichiers.len(), 1);
    let piece_x = rendu.fichiers[0].clone();
    // Une seule réponse : la seconde est refusée.
    expert.get(&format!("/avis/{}", a1.id)).await;
    let jeton = expert.csrf.clone();
    let (ct, corps) = multipart(&[("_csrf", &jeton), ("reponse", "Je change d'avis.")], None);
    let r = expert
        .envoyer(
            expert
                .avec_cookie(Request::post(format!("/avis/{}", a1.id)))
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(corps))
                .unwrap(),
        )
        .await;
    assert_eq!(r.code, StatusCode::BAD_REQUEST, "{}", r.corps);
    assert_eq!(
        store
            .avis(&a1.id)
            .await
            .unwrap()
            .unwrap()
            .reponse
            .as_deref(),
        Some("Avis favorable : le plan est réaliste.")
    );

    // Y rend son avis confidentiel (par le store).
    store
        .rendre_avis(
            &Acteur::new("y", Role::Expert),
            &a2,
            "Réserve confidentielle de Y.",
            &[],
        )
        .await
        .unwrap();

    // L'agent lit les deux réponses et la pièce.
    let r = agent.get(&format!("/dossiers/{d1}")).await;
    assert_eq!(r.code, StatusCode::OK);
    assert!(r.corps.contains("Avis favorable : le plan est réaliste."));
    assert!(r.corps.contains("Réserve confidentielle de Y."));
    assert!(r.corps.contains("avis-x.pdf"));
    assert!(r.corps.contains("Rendu"));
    let r = agent.get(&format!("/fichiers/{piece_x}")).await;
    assert_eq!(r.code, StatusCode::OK);

    // Le demandeur voit l'avis partagé, pas le confidentiel.
    let mut dem = Client::new(&app);
    dem.connecter(&demandeur.email, MDP).await;
    let r = dem.get(&format!("/dossiers/{d1}")).await;
    assert_eq!(r.code, StatusCode::OK);
    assert!(r.corps.contains("Avis favorable : le plan est réaliste."));
    assert!(!r.corps.contains("Réserve confidentielle de Y."));
    assert!(!r.corps.contains("Question confidentielle ?"));
    assert!(
        !r.corps.contains(&y),
        "l'adresse des experts n'est pas montrée au demandeur"
    );
    let r = dem.get(&format!("/fichiers/{piece_x}")).await;
    assert_eq!(r.code, StatusCode::OK);

    // Relances : une demande en attente pour Z, date limite J ; J-4 rien, J-3 une, encore J-3
    // ou J-2 rien, J une, et plus jamais.
    let z = format!("z-{marque}@expert.example");
    demander(&mut agent, &d1, &z, "Question à Z ?", "oui").await;
    let a3 = store.avis_du_dossier(&d1).await.unwrap().pop().unwrap();
    let j = a3.date_limite;
    let url = "http://localhost:8080";
    use reperes_web::taches::relancer_avis;
    assert_eq!(
        relancer_avis(&store, url, j - Duration::days(4))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        relancer_avis(&store, url, j - Duration::days(3))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        relancer_avis(&store, url, j - Duration::days(3))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        relancer_avis(&store, url, j - Duration::days(2))
            .await
            .unwrap(),
        0
    );
    envoyer_courriels(&store, &url_smtp).await;
    let pour_z = recus(&maildir, &z);
    assert_eq!(pour_z.len(), 2, "la demande puis une relance : {pour_z:?}");
    assert_eq!(
        pour_z
            .iter()
            .filter(|m| m.contains("est attendu avant la date limite"))
            .count(),
        1
    );
    assert!(pour_z.iter().any(|m| m.contains("dans 3 jours")));
    assert_eq!(relancer_avis(&store, url, j).await.unwrap(), 1);
    assert_eq!(relancer_avis(&store, url, j).await.unwrap(), 0);
    assert_eq!(
        relancer_avis(&store, url, j + Duration::days(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.relances_avis(&a3.id).await.unwrap(), vec![3, 0]);

    // Annulation : le lien de Z cesse de marcher.
    let lien_z = lien(pour_z.iter().find(|m| m.contains("/avis/lien/")).unwrap());
    let mut anonyme = Client::new(&app);
    assert_eq!(anonyme.get(&lien_z).await.code, StatusCode::OK);
    agent.get(&format!("/dossiers/{d1}")).await;
    let r = agent
        .post(&format!("/avis/{}/annuler", a3.id), &[], None)
        .await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
    let r = anonyme.get(&lien_z).await;
    assert_eq!(r.code, StatusCode::NOT_FOUND);
    assert!(r.corps.contains("hors d&#39;usage") || r.corps.contains("hors d'usage"));
    // Une demande rendue ne s'annule pas.
    let r = agent
        .post(&format!("/avis/{}/annuler", a1.id), &[], None)
        .await;
    assert_eq!(r.code, StatusCode::BAD_REQUEST);

    // Journal d'audit du dossier : demande, ouverture, réponse, relances, annulation.
    let actions: Vec<String> = store
        .journal_objet("dossier", &d1)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.contenu.action)
        .collect();
    let compter = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!(compter("demander_avis"), 3, "{actions:?}");
    assert_eq!(compter("ouvrir_avis"), 1, "{actions:?}");
    assert_eq!(compter("rendre_avis"), 2, "{actions:?}");
    assert_eq!(compter("relancer_avis"), 2, "{actions:?}");
    assert_eq!(compter("annuler_avis"), 1, "{actions:?}");
    // Le journal ne porte pas l'adresse de l'expert.
    for e in store.journal_objet("dossier", &d1).await.unwrap() {
        assert!(!e.contenu.apres.unwrap_or_default().contains(&marque));
    }
    assert!(store.verifier_journal().await.is_ok());
    let _ = d2;
});
