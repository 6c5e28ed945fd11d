//! Lieux vivants (issue 16), partie « structures », sur SQLite et PostgreSQL, au niveau HTTP :
//! revendication automatique (SIRET = pivot), demande examinée puis refusée et acceptée par un
//! administrateur (courriels), lieu déjà tenu, « Mes lieux », « à vérifier » dans la recherche et
//! sur la fiche, rappels (une fois par période) et lien de confirmation (valable, falsifié,
//! expiré, rejoué), rapport de fraîcheur.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::identifiants::Siret;
use reperes_domain::lieux::valeur;
use reperes_domain::organisation::{Adresse, Organisation};
use reperes_domain::Role;
use reperes_store::test_support::catalogue_du_depot;
use reperes_store::{deux_bases, Acteur, EtatLien, RappelFraicheur, Store};
use reperes_web::taches::rappeler_lieux_a_verifier;

use crate::commun::{app, compte, importer_csv, Client, MDP};

const SIRET: &str = "12345678900015";

/// Deux lieux de la source « region » : L1 (pivot = SIRET de la structure du Port), L2 (autre
/// pivot) ; `date_maj` choisies par le test.
fn csv(date_1: &str, date_2: &str) -> String {
    format!(
        "id,pivot,nom,commune,code_postal,adresse,date_maj,services\n\
         L1,{SIRET},Espace numérique du Port,Brest,29200,1 quai Malbert,{date_1},Aide aux démarches administratives\n\
         L2,43493312300029,Médiathèque des Capucins,Brest,29200,25 rue de Pontaniou,{date_2},Aide aux démarches administratives\n"
    )
}

/// Une organisation (SIRET facultatif) et un compte qui en est membre.
async fn structure(store: &Store, id: &str, nom: &str, siret: Option<&str>, email: &str) {
    let u = compte(store, email, RoleCompte::Demandeur).await;
    let acteur = Acteur::new(&u.id, Role::Demandeur);
    store
        .creer_organisation(
            &acteur,
            &Organisation {
                id: id.into(),
                nom: nom.into(),
                type_organisation: "association".into(),
                siret: siret.map(|s| Siret::parse(s).unwrap()),
                rna: None,
                adresse: Adresse {
                    voie: "1 quai Malbert".into(),
                    code_postal: "29200".into(),
                    commune: "Brest".into(),
                },
            },
        )
        .await
        .unwrap();
    store.ajouter_membre(&acteur, id, &u.id).await.unwrap();
}

async fn connecte(app: &axum::Router, email: &str) -> Client {
    let mut c = Client::new(app);
    assert_eq!(c.connecter(email, MDP).await.code, StatusCode::SEE_OTHER);
    c
}

fn aujourd_hui() -> String {
    Utc::now().date_naive().format("%Y-%m-%d").to_string()
}

deux_bases!(
    revendication_automatique_puis_lieu_deja_tenu,
    |store: Store| async move {
        importer_csv(&store, "region", &csv("2020-01-01", "2020-01-01")).await;
        structure(
            &store,
            "org-port",
            "Association du Port",
            Some(SIRET),
            "port@asso.example",
        )
        .await;
        structure(
            &store,
            "org-autre",
            "Autre association",
            None,
            "autre@asso.example",
        )
        .await;
        let app = app(&store);
        let mut port = connecte(&app, "port@asso.example").await;
        // La fiche propose de revendiquer.
        let fiche = port.get("/lieux/region/L1").await;
        assert!(
            fiche.corps.contains("/lieux/region/L1/revendiquer"),
            "{}",
            fiche.corps
        );
        let r = port.get("/lieux/region/L1/revendiquer").await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(
            r.corps.contains("Même numéro SIRET que le lieu"),
            "{}",
            r.corps
        );
        let r = port
            .post(
                "/lieux/region/L1/revendiquer",
                &[("organisation", "org-port")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
        assert!(
            r.corps.contains("votre structure le tient désormais"),
            "{}",
            r.corps
        );
        let s = store
            .structure_du_lieu("region", "L1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.organisation_id, "org-port");
        assert!(s.automatique);
        // La fiche le dit, et propose la mise à jour au membre.
        let fiche = port.get("/lieux/region/L1").await;
        assert!(
            fiche
                .corps
                .contains("Tenu par Association du Port depuis le"),
            "{}",
            fiche.corps
        );
        assert!(fiche.corps.contains("/lieux/region/L1/modifier"));
        assert!(!fiche.corps.contains("/lieux/region/L1/revendiquer"));
        // Une version faite par la structure : « Mis à jour par la structure … le … ».
        let mut e = store.lieu_courant("region", "L1").await.unwrap().unwrap();
        e.donnees
            .insert("horaires".into(), serde_json::json!("Mo 09:00-12:00"));
        let r = store
            .modifier_lieu(
                &Acteur::new("port", Role::Demandeur),
                reperes_store::ModificationLieu {
                    source: "region",
                    id: "L1",
                    version_lue: e.version,
                    nouveau: e.donnees,
                    origine: reperes_domain::lieux::versions::Origine::Structure,
                    detail: None,
                    organisation_id: Some("org-port".into()),
                },
            )
            .await
            .unwrap();
        assert!(
            matches!(r, reperes_store::ResultatModification::Enregistree { .. }),
            "{r:?}"
        );
        let fiche = port.get("/lieux/region/L1").await;
        let jour = Utc::now().date_naive().format("%d/%m/%Y").to_string();
        assert!(
            fiche.corps.contains(&format!(
                "Mis à jour par la structure Association du Port le {jour}"
            )),
            "{}",
            fiche.corps
        );
        // Une autre structure ne peut plus le demander : message clair, rien d'écrit.
        let mut autre = connecte(&app, "autre@asso.example").await;
        autre.get("/lieux/region/L1/revendiquer").await;
        let r = autre
            .post(
                "/lieux/region/L1/revendiquer",
                &[("organisation", "org-autre")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert!(
            r.corps
                .contains("déjà tenu par la structure « Association du Port »"),
            "{}",
            r.corps
        );
        assert!(store.revendications("demandee").await.unwrap().is_empty());
        // Au nom d'une organisation dont on n'est pas membre : interdit.
        let r = autre
            .post(
                "/lieux/region/L2/revendiquer",
                &[("organisation", "org-port")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
        // « Mes lieux » dans l'espace.
        let espace = port.get("/espace").await;
        assert!(espace.corps.contains("id=\"mes-lieux\""));
        assert!(
            espace.corps.contains("Espace numérique du Port"),
            "{}",
            espace.corps
        );
        assert!(espace.corps.contains("votre structure tient ce lieu"));
    }
);

deux_bases!(
    demande_refusee_puis_acceptee_par_l_administrateur,
    |store: Store| async move {
        importer_csv(&store, "region", &csv("2020-01-01", "2020-01-01")).await;
        structure(
            &store,
            "org-cap",
            "Collectif des Capucins",
            None,
            "cap@asso.example",
        )
        .await;
        compte(&store, "admin@reperes.example", RoleCompte::Administrateur).await;
        let app = app(&store);
        let mut cap = connecte(&app, "cap@asso.example").await;
        cap.get("/lieux/region/L2/revendiquer").await;
        let r = cap
            .post(
                "/lieux/region/L2/revendiquer",
                &[("organisation", "org-cap")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
        assert!(r
            .corps
            .contains("Votre demande pour le lieu « Médiathèque des Capucins » est enregistrée"));
        assert!(store
            .structure_du_lieu("region", "L2")
            .await
            .unwrap()
            .is_none());
        // Une seconde demande identique est refusée.
        let r = cap
            .post(
                "/lieux/region/L2/revendiquer",
                &[("organisation", "org-cap")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert!(r.corps.contains("déjà demandé ce lieu"));
        assert!(cap
            .get("/espace")
            .await
            .corps
            .contains("demande en cours d'examen"));
        // L'administrateur la voit et la refuse : motif exigé, courriel au demandeur.
        let mut admin = connecte(&app, "admin@reperes.example").await;
        let page = admin.get("/administration/lieux/revendications").await;
        assert_eq!(page.code, StatusCode::OK);
        assert!(page.corps.contains("Médiathèque des Capucins"));
        assert!(page.corps.contains("Collectif des Capucins"));
        let decision = |d: &'static str, motif: &'static str| {
            [
                ("source", "region"),
                ("lieu", "L2"),
                ("organisation", "org-cap"),
                ("decision", d),
                ("motif", motif),
            ]
        };
        let r = admin
            .post(
                "/administration/lieux/revendications",
                &decision("refuser", " "),
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert!(r.corps.contains("indiquez le motif du refus"));
        let r = admin
            .post(
                "/administration/lieux/revendications",
                &decision("refuser", "Le lieu est tenu par la ville."),
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        let courriels = store.courriels().await.unwrap();
        let refus = courriels
            .iter()
            .find(|c| c.destinataire == "cap@asso.example")
            .expect("courriel de refus");
        assert!(refus.corps.contains("est refusée"), "{}", refus.corps);
        assert!(refus
            .corps
            .contains("Motif : Le lieu est tenu par la ville."));
        assert!(cap
            .get("/espace")
            .await
            .corps
            .contains("demande refusée (Le lieu est tenu par la ville.)"));
        // Déjà examinée : une seconde décision est refusée.
        let r = admin
            .post(
                "/administration/lieux/revendications",
                &decision("accepter", ""),
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert!(r.corps.contains("plus en cours"), "{}", r.corps);
        // Nouvelle demande, acceptée cette fois.
        cap.get("/lieux/region/L2/revendiquer").await;
        let r = cap
            .post(
                "/lieux/region/L2/revendiquer",
                &[("organisation", "org-cap")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::OK);
        admin.get("/administration/lieux/revendications").await;
        let r = admin
            .post(
                "/administration/lieux/revendications",
                &decision("accepter", ""),
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        let s = store
            .structure_du_lieu("region", "L2")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.organisation_id.as_str(), s.automatique),
            ("org-cap", false)
        );
        let acceptes: Vec<_> = store
            .courriels()
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.destinataire == "cap@asso.example" && c.corps.contains("est acceptée"))
            .collect();
        assert_eq!(acceptes.len(), 1);
        assert!(acceptes[0].corps.contains("/lieux/region/L2"));
        assert!(admin
            .get("/administration/lieux/revendications")
            .await
            .corps
            .contains("Aucune demande en cours."));
        let espace = cap.get("/espace").await;
        assert!(
            espace.corps.contains("/lieux/region/L2/modifier"),
            "{}",
            espace.corps
        );
    }
);

/// Le jeton du lien de confirmation d'un courriel de rappel.
fn jeton_du_lien(corps: &str) -> String {
    let debut = corps
        .find("/confirmation-lieu/")
        .expect("lien de confirmation")
        + "/confirmation-lieu/".len();
    corps[debut..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

deux_bases!(
    rappel_une_fois_et_lien_de_confirmation,
    |store: Store| async move {
        importer_csv(&store, "region", &csv("2020-01-01", "2020-01-01")).await;
        structure(
            &store,
            "org-port",
            "Association du Port",
            Some(SIRET),
            "port@asso.example",
        )
        .await;
        let systeme = Acteur::new("test", Role::Systeme);
        for l in ["L1", "L2"] {
            store
                .attribuer_lieu(&systeme, "region", l, "org-port", true)
                .await
                .unwrap();
        }
        // L2 a déjà eu son rappel pour cette période, et son lien a expiré.
        let expire = "jeton-expire-de-test";
        assert!(store
            .enregistrer_rappel_fraicheur(
                &systeme,
                &RappelFraicheur {
                    source: "region".into(),
                    lieu_id: "L2".into(),
                    periode: "2020-01-01".into(),
                    organisation_id: "org-port".into(),
                    jeton_empreinte: reperes_web::auth::empreinte(expire),
                    expire_le: Utc::now() - Duration::days(1),
                    utilise_le: None,
                },
                &[],
                Utc::now() - Duration::days(31),
            )
            .await
            .unwrap());
        let c = catalogue_du_depot();
        let url = "https://reperes.example";
        // Un seul rappel (L1), jamais deux pour la même période.
        assert_eq!(
            rappeler_lieux_a_verifier(&store, &c, url, Utc::now())
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            rappeler_lieux_a_verifier(&store, &c, url, Utc::now())
                .await
                .unwrap(),
            0
        );
        let rappels: Vec<_> = store
            .courriels()
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.sujet.contains("est-il toujours à jour"))
            .collect();
        assert_eq!(rappels.len(), 1);
        assert_eq!(rappels[0].destinataire, "port@asso.example");
        assert!(rappels[0].corps.contains("Espace numérique du Port"));
        assert!(rappels[0].corps.contains("depuis le 01/01/2020"));
        assert!(rappels[0]
            .corps
            .contains(&format!("{url}/lieux/region/L1/modifier")));
        let jeton = jeton_du_lien(&rappels[0].corps);
        assert!(jeton.len() >= 20, "{jeton}");
        let app = app(&store);
        let mut anonyme = Client::new(&app);
        // La fiche dit « à vérifier ».
        assert!(anonyme
            .get("/lieux/region/L1")
            .await
            .corps
            .contains("À vérifier"));
        // GET : une page avec un bouton, aucun changement d'état.
        let r = anonyme.get(&format!("/confirmation-lieu/{jeton}")).await;
        assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
        assert!(r.corps.contains("Rien n'a changé : je confirme"));
        assert!(matches!(
            store
                .lien_de_confirmation(&reperes_web::auth::empreinte(&jeton), Utc::now())
                .await
                .unwrap(),
            EtatLien::Valable(_)
        ));
        // Falsifié : introuvable, en GET comme en POST.
        let dernier = if jeton.ends_with('x') { 'y' } else { 'x' };
        let faux = format!("{}{dernier}", &jeton[..jeton.len() - 1]);
        assert_eq!(
            anonyme
                .get(&format!("/confirmation-lieu/{faux}"))
                .await
                .code,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            anonyme
                .post(&format!("/confirmation-lieu/{faux}"), &[], None)
                .await
                .code,
            StatusCode::NOT_FOUND
        );
        // Expiré.
        let r = anonyme.get(&format!("/confirmation-lieu/{expire}")).await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert!(r.corps.contains("a expiré"));
        // Sans jeton CSRF : refusé, rien d'écrit.
        anonyme.get(&format!("/confirmation-lieu/{jeton}")).await;
        let r = anonyme
            .post(&format!("/confirmation-lieu/{jeton}"), &[], Some("faux"))
            .await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
        assert!(store
            .confirmation_locale("region", "L1")
            .await
            .unwrap()
            .is_none());
        // Valable : confirmé, sans connexion.
        let r = anonyme
            .post(&format!("/confirmation-lieu/{jeton}"), &[], None)
            .await;
        assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
        assert!(
            r.corps.contains("le lieu est confirmé à jour"),
            "{}",
            r.corps
        );
        assert!(store
            .confirmation_locale("region", "L1")
            .await
            .unwrap()
            .is_some());
        // Le lieu n'est plus à vérifier ; son date_maj ne change pas (données ouvertes honnêtes).
        assert!(!anonyme
            .get("/lieux/region/L1")
            .await
            .corps
            .contains("À vérifier"));
        let l1 = store.lieu_courant("region", "L1").await.unwrap().unwrap();
        assert_eq!(
            valeur(&l1.donnees, "date_maj").as_deref(),
            Some("2020-01-01")
        );
        assert!(anonyme
            .get("/donnees/lieux.csv")
            .await
            .corps
            .contains("2020-01-01"));
        // Rejoué : refusé.
        anonyme.get("/lieux").await;
        let r = anonyme
            .post(&format!("/confirmation-lieu/{jeton}"), &[], None)
            .await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert!(r.corps.contains("a déjà servi"));
        // Plus de rappel pour L1 : il est frais.
        assert_eq!(
            rappeler_lieux_a_verifier(&store, &c, url, Utc::now())
                .await
                .unwrap(),
            0
        );
    }
);

deux_bases!(
    a_verifier_dans_la_recherche_et_rapport_de_fraicheur,
    |store: Store| async move {
        // L1 mis à jour aujourd'hui, L2 en 2020.
        importer_csv(&store, "region", &csv(&aujourd_hui(), "2020-01-01")).await;
        compte(&store, "admin@reperes.example", RoleCompte::Administrateur).await;
        let app = app(&store);
        let mut anonyme = Client::new(&app);
        let r = anonyme.get("/lieux?q=brest").await;
        assert_eq!(r.code, StatusCode::OK);
        let a_verifier = " (à vérifier)";
        assert_eq!(r.corps.matches(a_verifier).count(), 1, "{}", r.corps);
        let capucins = r.corps.find("Médiathèque des Capucins").expect("L2 trouvé");
        let port = r.corps.find("Espace numérique du Port").expect("L1 trouvé");
        let marque = r.corps.find(a_verifier).unwrap();
        // La marque est dans l'article de L2, pas dans celui de L1.
        let article_l2 = r.corps[..capucins].rfind("<article").unwrap();
        let fin_l2 = capucins + r.corps[capucins..].find("</article>").unwrap();
        assert!(article_l2 < marque && marque < fin_l2, "{}", r.corps);
        assert!(
            !(r.corps[..port].rfind("<article").unwrap() < marque
                && marque < port + r.corps[port..].find("</article>").unwrap())
        );
        // Rapport (administration).
        assert_eq!(
            anonyme.get("/administration/lieux/fraicheur").await.code,
            StatusCode::SEE_OTHER
        );
        let mut admin = connecte(&app, "admin@reperes.example").await;
        let page = admin.get("/administration/lieux/fraicheur").await;
        assert_eq!(page.code, StatusCode::OK);
        assert!(
            page.corps.contains("1 lieu(x) à vérifier sur 2"),
            "{}",
            page.corps
        );
        assert!(
            page.corps.contains("<td>29</td><td>1</td><td>2</td>"),
            "{}",
            page.corps
        );
        assert!(page.corps.contains("<td>region</td><td>1</td><td>2</td>"));
        let csv = admin.get("/administration/lieux/fraicheur.csv").await;
        assert_eq!(csv.code, StatusCode::OK);
        assert_eq!(
            csv.corps.replace("\r\n", "\n"),
            "regroupement,valeur,a_verifier,total\ndepartement,29,1,2\nsource,region,1,2\n"
        );
    }
);
