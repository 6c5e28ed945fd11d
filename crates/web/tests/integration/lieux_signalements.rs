//! Signalements et propositions du public (issue 16) : signaler une erreur sans compte (CSRF,
//! débit limité par le référentiel), file de modération (la structure voit les signalements de
//! ses lieux, une autre organisation non, l'administration tout), acceptation (nouvelle version,
//! fiche et données ouvertes changées ; fermeture : hors recherche), refus motivé (courriel avec
//! le motif, adresse effacée), proposition d'un lieu. Sur les deux bases, au niveau HTTP.

use axum::http::StatusCode;
use axum::Router;
use reperes_domain::comptes::RoleCompte;
use reperes_domain::lieux::versions::Origine;
use reperes_domain::Role;
use reperes_store::test_support::catalogue_du_depot;
use reperes_store::{deux_bases, Acteur, Store};

use crate::commun::{self, compte, objets_de, Client, MDP};

const FICHE: &str = "/lieux/exemple/structure-1";

async fn monde(store: &Store) -> Router {
    commun::importer_lieux(store, &[("exemple-valide-v1.0.2.csv", "exemple")]).await;
    commun::app(store)
}

/// Un visiteur anonyme qui a ouvert le formulaire de signalement.
async fn visiteur(app: &Router) -> Client {
    let mut c = Client::new(app);
    let r = c.get(&format!("{FICHE}/signaler")).await;
    assert_eq!(r.code, StatusCode::OK);
    assert!(!c.csrf.is_empty());
    c
}

async fn connecte(app: &Router, email: &str) -> Client {
    let mut c = Client::new(app);
    assert_eq!(c.connecter(email, MDP).await.code, StatusCode::SEE_OTHER);
    c.get("/espace").await;
    c
}

/// L'identifiant du seul signalement en attente qui porte ce commentaire.
async fn id_de(store: &Store, commentaire: &str) -> String {
    let v: Vec<_> = store
        .signalements_en_attente()
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.commentaire == commentaire)
        .collect();
    assert_eq!(v.len(), 1, "{commentaire}");
    v[0].id.clone()
}

deux_bases!(
    signaler_sans_compte_avec_csrf_et_debit_limite,
    |store: Store| async move {
        let app = monde(&store).await;
        // Le lien est sur la fiche et sur la recherche.
        let fiche = Client::new(&app).get(FICHE).await;
        assert!(fiche
            .corps
            .contains("href=\"/lieux/exemple/structure-1/signaler\""));
        assert!(fiche.corps.contains("href=\"/lieux/proposer\""));
        assert!(Client::new(&app)
            .get("/lieux")
            .await
            .corps
            .contains("href=\"/lieux/proposer\""));
        let mut c = visiteur(&app).await;
        let chemin = format!("{FICHE}/signaler");
        let valide = [
            ("motif", "horaires"),
            ("commentaire", "Fermé le lundi matin."),
            ("valeur_proposee", "Tu-Fr 09:00-12:00"),
        ];
        // Sans jeton : refusé, rien d'enregistré.
        let r = c.post(&chemin, &valide, Some("")).await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
        assert!(store.signalements_en_attente().await.unwrap().is_empty());
        // Saisie incomplète : message français, saisie réaffichée.
        let r = c
            .post(
                &chemin,
                &[
                    ("motif", "horaires"),
                    ("commentaire", "  "),
                    ("valeur_proposee", "Tu-Fr 09:00-12:00"),
                    ("email", "pas-une-adresse"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r
            .corps
            .contains("Dites en quelques mots ce qui est erroné."));
        assert!(r
            .corps
            .contains("Cette adresse électronique n&#39;est pas valide"));
        assert!(r.corps.contains(">Tu-Fr 09:00-12:00</textarea>"));
        assert!(r.corps.contains("value=\"pas-une-adresse\""));
        assert!(store.signalements_en_attente().await.unwrap().is_empty());
        // Valide : page de confirmation, signalement en attente, journalisé sans l'adresse.
        let r = c.post(&chemin, &valide, None).await;
        assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
        assert!(r.corps.contains("Signalement envoyé"));
        let en_attente = store.signalements_en_attente().await.unwrap();
        assert_eq!(en_attente.len(), 1);
        let s = &en_attente[0];
        assert_eq!(
            (
                s.source.as_deref(),
                s.lieu_id.as_deref(),
                s.motif.as_deref()
            ),
            (Some("exemple"), Some("structure-1"), Some("horaires"))
        );
        assert_eq!(s.valeur_proposee.as_deref(), Some("Tu-Fr 09:00-12:00"));
        assert_eq!(s.email, None);
        let journal = store
            .journal_objet("lieu_signalement", &s.id)
            .await
            .unwrap();
        assert_eq!(journal.len(), 1);
        assert_eq!(journal[0].contenu.action, "signaler_lieu");
        assert_eq!(journal[0].contenu.acteur, "systeme:public");
        // Débit : la limite du référentiel, la suivante refusée (429), rien d'enregistré.
        let limite = catalogue_du_depot().signalements_lieux[0]
            .limites
            .par_adresse;
        assert!(limite >= 2);
        for _ in 1..limite {
            let r = c.post(&chemin, &valide, None).await;
            assert_eq!(r.code, StatusCode::OK);
        }
        let r = c.post(&chemin, &valide, None).await;
        assert_eq!(r.code, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.corps.contains("patientez"));
        assert_eq!(
            store.signalements_en_attente().await.unwrap().len() as i64,
            limite
        );
        // Un lieu inconnu : 404.
        let r = Client::new(&app)
            .get("/lieux/exemple/inconnu/signaler")
            .await;
        assert_eq!(r.code, StatusCode::NOT_FOUND);
    }
);

deux_bases!(
    la_structure_accepte_l_administration_refuse_la_personne_est_prevenue,
    |store: Store| async move {
        let app = monde(&store).await;
        let a = compte(&store, "a@org-a.example", RoleCompte::Demandeur).await;
        let b = compte(&store, "b@org-b.example", RoleCompte::Demandeur).await;
        compte(&store, "admin@reperes.example", RoleCompte::Administrateur).await;
        objets_de(&store, &a, "a", None).await;
        objets_de(&store, &b, "b", None).await;
        store
            .attribuer_lieu(
                &Acteur::new("test", Role::Systeme),
                "exemple",
                "structure-1",
                "org-a",
                false,
            )
            .await
            .unwrap();
        let mut public = visiteur(&app).await;
        let chemin = format!("{FICHE}/signaler");
        for (motif, commentaire, valeur, email) in [
            (
                "horaires",
                "Ouvert le matin seulement.",
                "Mo-Fr 10:00-12:00",
                "horaires@exemple.fr",
            ),
            (
                "contact",
                "Le numéro ne répond pas.",
                "",
                "contact@exemple.fr",
            ),
        ] {
            let r = public
                .post(
                    &chemin,
                    &[
                        ("motif", motif),
                        ("commentaire", commentaire),
                        ("valeur_proposee", valeur),
                        ("email", email),
                    ],
                    None,
                )
                .await;
            assert_eq!(r.code, StatusCode::OK);
        }
        let horaires = id_de(&store, "Ouvert le matin seulement.").await;
        let contact = id_de(&store, "Le numéro ne répond pas.").await;
        let page = format!("/lieux/signalements/{horaires}");
        // A (structure du lieu) voit les deux ; B ne voit rien et ne peut pas ouvrir.
        let mut ca = connecte(&app, "a@org-a.example").await;
        let file = ca.get("/lieux/signalements").await;
        assert_eq!(file.code, StatusCode::OK);
        assert!(file.corps.contains(&page));
        assert!(file.corps.contains("Ouvert le matin seulement."));
        let mut cb = connecte(&app, "b@org-b.example").await;
        let file_b = cb.get("/lieux/signalements").await;
        assert_eq!(file_b.code, StatusCode::OK);
        assert!(!file_b.corps.contains(&page));
        assert!(file_b.corps.contains("Aucun signalement en attente."));
        assert_eq!(cb.get(&page).await.code, StatusCode::FORBIDDEN);
        assert_eq!(
            cb.post(
                &page,
                &[("decision", "refuser"), ("motif_refus", "Non.")],
                None
            )
            .await
            .code,
            StatusCode::FORBIDDEN
        );
        // Formulaire prérempli avec la valeur proposée ; une valeur illisible est refusée.
        let p = ca.get(&page).await;
        assert_eq!(p.code, StatusCode::OK);
        assert!(p
            .corps
            .contains("name=\"champ_horaires\" type=\"text\" value=\"Mo-Fr 10:00-12:00\""));
        assert!(p.corps.contains("name=\"version_lue\" value=\"1\""));
        let r = ca
            .post(
                &page,
                &[
                    ("decision", "accepter"),
                    ("version_lue", "1"),
                    ("champ_horaires", "le matin"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("horaires illisibles"));
        assert_eq!(
            store
                .lieu_courant("exemple", "structure-1")
                .await
                .unwrap()
                .unwrap()
                .version,
            1
        );
        let r = ca
            .post(
                &page,
                &[
                    ("decision", "accepter"),
                    ("version_lue", "1"),
                    ("champ_horaires", "Mo-Fr 10:00-12:00"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        // Nouvelle version, origine signalement, détail : le signalement.
        let l = store
            .lieu_courant("exemple", "structure-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(l.version, 2);
        assert_eq!(l.donnees["horaires"], "Mo-Fr 10:00-12:00");
        let h = store
            .historique_lieu("exemple", "structure-1")
            .await
            .unwrap();
        assert_eq!(h[0].origine, Origine::Signalement);
        assert_eq!(h[0].origine_detail.as_deref(), Some(horaires.as_str()));
        assert_eq!(h[0].organisation_id.as_deref(), Some("org-a"));
        assert!(h[0].changements.iter().any(|c| c.champ == "horaires"
            && c.avant.as_deref() == Some("Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00")
            && c.apres.as_deref() == Some("Mo-Fr 10:00-12:00")));
        // Fiche et données ouvertes changées.
        let fiche = Client::new(&app).get(FICHE).await.corps;
        assert!(fiche.contains("de 10 h à 12 h"), "{fiche}");
        assert!(!fiche.contains("18 h 30"));
        let csv = Client::new(&app).get("/donnees/lieux.csv").await.corps;
        assert!(csv.contains("Mo-Fr 10:00-12:00"));
        // Décidé : plus dans la file, plus ouvrable ; courriel d'acceptation, adresse effacée.
        assert_eq!(ca.get(&page).await.code, StatusCode::NOT_FOUND);
        let s = store.signalement(&horaires).await.unwrap().unwrap();
        assert_eq!(
            (s.statut.as_str(), s.email, s.version),
            ("accepte", None, Some(2))
        );
        let courriels = store.courriels().await.unwrap();
        let c = courriels
            .iter()
            .find(|c| c.destinataire == "horaires@exemple.fr")
            .expect("courriel d'acceptation");
        assert!(c.corps.contains("a été accepté"));
        let actions: Vec<String> = store
            .journal_objet("lieu_signalement", &horaires)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.contenu.action)
            .collect();
        assert_eq!(actions, vec!["signaler_lieu", "accepter_signalement_lieu"]);
        // L'administration refuse l'autre : le motif est obligatoire, puis envoyé.
        let mut admin = connecte(&app, "admin@reperes.example").await;
        let page = format!("/lieux/signalements/{contact}");
        assert!(admin.get("/lieux/signalements").await.corps.contains(&page));
        let r = admin
            .post(
                &page,
                &[("decision", "refuser"), ("motif_refus", " ")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("Dites pourquoi ce signalement est refusé"));
        let r = admin
            .post(
                &page,
                &[
                    ("decision", "refuser"),
                    ("motif_refus", "Nous avons appelé : le numéro répond."),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        let s = store.signalement(&contact).await.unwrap().unwrap();
        assert_eq!(s.statut, "refuse");
        assert_eq!(s.email, None);
        assert_eq!(
            s.motif_refus.as_deref(),
            Some("Nous avons appelé : le numéro répond.")
        );
        let courriels = store.courriels().await.unwrap();
        let c = courriels
            .iter()
            .find(|c| c.destinataire == "contact@exemple.fr")
            .expect("courriel de refus");
        assert!(c
            .corps
            .contains("Motif : Nous avons appelé : le numéro répond."));
        assert!(c.corps.contains("n'a pas été retenu"));
        // Le lieu n'a pas changé.
        assert_eq!(
            store
                .lieu_courant("exemple", "structure-1")
                .await
                .unwrap()
                .unwrap()
                .version,
            2
        );
        assert!(store.signalements_en_attente().await.unwrap().is_empty());
    }
);

deux_bases!(
    ferme_definitivement_le_lieu_sort_de_la_recherche,
    |store: Store| async move {
        let app = monde(&store).await;
        compte(&store, "admin@reperes.example", RoleCompte::Administrateur).await;
        let mut public = visiteur(&app).await;
        let r = public
            .post(
                &format!("{FICHE}/signaler"),
                &[
                    ("motif", "ferme"),
                    ("commentaire", "Le local est vide depuis juin."),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::OK);
        let id = id_de(&store, "Le local est vide depuis juin.").await;
        assert!(Client::new(&app)
            .get("/lieux?q=anonymal")
            .await
            .corps
            .contains(FICHE));
        let mut admin = connecte(&app, "admin@reperes.example").await;
        let page = format!("/lieux/signalements/{id}");
        assert!(admin
            .get(&page)
            .await
            .corps
            .contains("ferme le lieu définitivement"));
        let r = admin
            .post(
                &page,
                &[("decision", "accepter"), ("version_lue", "1")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let l = store
            .lieu_courant("exemple", "structure-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((l.masque.as_deref(), l.version), (Some("ferme"), 2));
        let h = store
            .historique_lieu("exemple", "structure-1")
            .await
            .unwrap();
        assert_eq!(h[0].origine, Origine::Signalement);
        assert_eq!(
            h[0].origine_detail.as_deref(),
            Some(format!("{id} : fermé définitivement").as_str())
        );
        // Hors recherche, hors données ouvertes ; la fiche dit « fermé définitivement ».
        assert!(!Client::new(&app)
            .get("/lieux?q=anonymal")
            .await
            .corps
            .contains(FICHE));
        assert!(!Client::new(&app)
            .get("/donnees/lieux.csv")
            .await
            .corps
            .contains("structure-1"));
        let fiche = Client::new(&app).get(FICHE).await;
        assert_eq!(fiche.code, StatusCode::OK);
        assert!(fiche.corps.contains("Ce lieu est fermé définitivement"));
        // Plus de signalement possible sur un lieu fermé.
        assert_eq!(
            Client::new(&app)
                .get(&format!("{FICHE}/signaler"))
                .await
                .code,
            StatusCode::NOT_FOUND
        );
    }
);

deux_bases!(
    un_lieu_propose_est_valide_puis_publie_par_l_administration,
    |store: Store| async move {
        let app = monde(&store).await;
        let a = compte(&store, "a@org-a.example", RoleCompte::Demandeur).await;
        objets_de(&store, &a, "a", None).await;
        compte(&store, "admin@reperes.example", RoleCompte::Administrateur).await;
        let mut public = Client::new(&app);
        assert_eq!(public.get("/lieux/proposer").await.code, StatusCode::OK);
        let mut champs = vec![
            ("nom", "Espace numérique du Port"),
            ("adresse", "3 quai des Indes"),
            ("code_postal", "560"),
            ("commune", "Lorient"),
            ("horaires", "Mo-Fr 09:00-17:00"),
            ("telephone", "02 97 12 34 56"),
            ("services", "Aide aux démarches administratives"),
            ("email", "moi@exemple.fr"),
        ];
        // Code postal refusé par le schéma national (message de l'import), saisie réaffichée.
        let r = public.post("/lieux/proposer", &champs, None).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("value=\"Espace numérique du Port\""));
        let attendu = reperes_domain::lieux::valider(
            &reperes_domain::lieux::schema_national(),
            1,
            &[("code_postal".to_string(), serde_json::json!("560"))]
                .into_iter()
                .collect(),
        )
        .into_iter()
        .find(|p| p.champ == "code_postal")
        .unwrap()
        .message;
        assert!(
            r.corps
                .contains(&attendu.replace('\'', "&#39;").replace('"', "&#34;")),
            "{attendu}"
        );
        assert!(store.signalements_en_attente().await.unwrap().is_empty());
        champs[2] = ("code_postal", "56100");
        let r = public.post("/lieux/proposer", &champs, None).await;
        assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
        assert!(r.corps.contains("Proposition envoyée"));
        let s = store.signalements_en_attente().await.unwrap().remove(0);
        assert!(s.est_proposition());
        assert_eq!(s.proposition.as_ref().unwrap()["telephone"], "+33297123456");
        let page = format!("/lieux/signalements/{}", s.id);
        // Une structure ne voit pas les propositions ; l'administration, si.
        let mut ca = connecte(&app, "a@org-a.example").await;
        assert!(!ca.get("/lieux/signalements").await.corps.contains(&page));
        assert_eq!(ca.get(&page).await.code, StatusCode::FORBIDDEN);
        let mut admin = connecte(&app, "admin@reperes.example").await;
        assert!(admin.get("/lieux/signalements").await.corps.contains(&page));
        let r = admin
            .post(
                &page,
                &[("decision", "accepter"), ("version_lue", "0")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let l = store
            .lieu_courant("propositions", &s.id)
            .await
            .unwrap()
            .expect("lieu créé");
        assert_eq!(l.donnees["nom"], "Espace numérique du Port");
        assert_eq!(l.version, 1);
        let h = store.historique_lieu("propositions", &s.id).await.unwrap();
        assert_eq!(h[0].origine, Origine::Proposition);
        assert!(h[0].creation);
        let fiche = Client::new(&app)
            .get(&format!("/lieux/propositions/{}", s.id))
            .await;
        assert_eq!(fiche.code, StatusCode::OK);
        assert!(fiche.corps.contains("Espace numérique du Port"));
        let courriels = store.courriels().await.unwrap();
        assert!(courriels.iter().any(
            |c| c.destinataire == "moi@exemple.fr" && c.corps.contains("est maintenant publié")
        ));
        assert_eq!(store.signalement(&s.id).await.unwrap().unwrap().email, None);
    }
);
