//! Conditions vérifiées (issue 15), au niveau HTTP, sur SQLite et PostgreSQL : un dossier NEC
//! 2021 sans licence de la liste D323-2-1 pour « Ouverture », sans partenaire local nommé ou sans
//! la déclaration d'intérêt général justifiée ne peut pas être déposé (message en français, lien
//! vers l'étape) ; saisie par les étapes, gardée quand elle est refusée ; octroi refusé si le
//! partenaire a disparu ; exports de l'instruction et registre public avec la licence.

use axum::http::StatusCode;
use chrono::Utc;
use reperes_domain::comptes::RoleCompte;
use reperes_domain::{Modification, Role};
use reperes_store::test_support::{apprecier, catalogue_du_depot};
use reperes_store::{deux_bases, Acteur, Store};

use crate::commun;
use commun::{app, compte, mener_dossier, post_multipart, texte_visible, Client, MDP};

/// Un dossier NEC 2021 complet (`d1`, brouillon ou plus loin selon `fin`), et son porteur
/// `porteur@asso.example` connecté.
async fn nec_2021(store: &Store, fin: &str) -> (axum::Router, Client) {
    mener_dossier(
        store,
        "nec-2021",
        "1",
        "Outil Alpha",
        "numerique",
        "69001",
        fin,
        Utc::now(),
    )
    .await;
    let porteur = compte(store, "porteur@asso.example", RoleCompte::Demandeur).await;
    store
        .ajouter_membre(&Acteur::new("test", Role::Systeme), "o1", &porteur.id)
        .await
        .unwrap();
    let app = app(store);
    let mut p = Client::new(&app);
    p.connecter("porteur@asso.example", MDP).await;
    p.get("/espace").await;
    (app, p)
}

async fn modifier(store: &Store, m: Modification) {
    store
        .modifier(
            &catalogue_du_depot(),
            "d1",
            &Acteur::new("porteur", Role::Demandeur),
            &m,
        )
        .await
        .unwrap();
}

deux_bases!(
    depot_refuse_pour_chaque_condition_avec_lien_vers_l_etape,
    |store: Store| async move {
        let (_app, mut p) = nec_2021(&store, "brouillon").await;
        // Étapes de NEC 2021 au niveau 1 : 1 déclarations, 2 à 7 les six critères (« Ouverture »
        // est la 5e), 8 engagements, 9 récapitulatif.
        let cas: [(Modification, &str, &str, Modification); 3] = [
            (
                Modification::Licence {
                    critere: "ouverture".into(),
                    licence: None,
                    materiel: None,
                },
                "/dossiers/d1/etapes/5",
                "« Ouverture » : choisissez la licence du matériel publié dans la liste admise et donnez le lien (https://…) vers ce matériel",
                Modification::Licence {
                    critere: "ouverture".into(),
                    licence: Some("etalab-2.0".into()),
                    materiel: Some("https://forge.exemple.fr/outil-alpha".into()),
                },
            ),
            (
                Modification::RetourTerrain { retour: None },
                "/dossiers/d1/etapes/1",
                "retour d'expérience de terrain avec un partenaire local : indiquez le nom du partenaire local, son type, la description du retour, un lien https:// vers une preuve",
                Modification::RetourTerrain {
                    retour: Some(reperes_domain::dossier::RetourTerrain {
                        partenaire: "Centre social Belleville".into(),
                        type_partenaire: "Association".into(),
                        commune: "Lyon".into(),
                        identifiant: String::new(),
                        description: "Produit minimum viable testé trois mois.".into(),
                        preuve: "https://exemple.fr/bilan".into(),
                    }),
                },
            ),
            (
                Modification::Justification {
                    id: "interet_general".into(),
                    texte: String::new(),
                },
                "/dossiers/d1/etapes/1",
                "déclaration à justifier : précisez en 40 caractères au moins (0 saisis) ce qui la fonde",
                Modification::Justification {
                    id: "interet_general".into(),
                    texte: "Accès aux droits sociaux pour les personnes éloignées du numérique.".into(),
                },
            ),
        ];
        for (retrait, etape, message, remise) in cas {
            modifier(&store, retrait).await;
            let r = p.post("/dossiers/d1/deposer", &[], None).await;
            assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
            let visible = texte_visible(&r.corps);
            assert!(
                visible.contains(&format!("Le dossier est incomplet : {message}.")),
                "{visible}"
            );
            // Le manque est listé au récapitulatif avec un lien vers l'étape à compléter.
            let lien = format!("<a href=\"{etape}\">{}</a>", message.replace('\'', "&#39;"));
            assert!(r.corps.contains(&lien), "{lien}\n{}", r.corps);
            modifier(&store, remise).await;
        }
        // Tout est là : le dossier est déposé.
        let r = p.post("/dossiers/d1/deposer", &[], None).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        assert_eq!(r.lieu.as_deref(), Some("/dossiers/d1?ok=depose"));
        let d = store.dossier("d1").await.unwrap().unwrap();
        assert_eq!(d.etat, reperes_domain::Etat::Depose);
        assert_eq!(
            d.retour_terrain.unwrap().partenaire,
            "Centre social Belleville"
        );
    }
);

deux_bases!(
    saisie_par_les_etapes_gardee_quand_elle_est_refusee,
    |store: Store| async move {
        let (_app, mut p) = nec_2021(&store, "brouillon").await;
        // Identifiant du partenaire invalide : 422, message, rien de perdu.
        let champs = [
            ("declaration_retour_terrain", "oui"),
            ("declaration_interet_general", "oui"),
            (
                "justification_interet_general",
                "Médiation numérique gratuite pour les publics éloignés.",
            ),
            ("retour_partenaire", "Tiers-lieu La Fabrique"),
            ("retour_type", "Association"),
            ("retour_commune", "Villeurbanne"),
            ("retour_identifiant", "123"),
            ("retour_description", "Expérimentation avec 30 usagers."),
            ("retour_preuve", "https://lafabrique.example/bilan"),
            ("suite", "rester"),
        ];
        let r = post_multipart(&mut p, "/dossiers/d1/etapes/1", &champs).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        let visible = texte_visible(&r.corps);
        assert!(visible.contains(
            "Retour d'expérience de terrain : l'identifiant « 123 » n'est ni un SIRET (14 chiffres) ni un numéro RNA (W suivi de 9 chiffres)."
        ), "{visible}");
        assert!(r.corps.contains(
            "id=\"retour_partenaire\" name=\"retour_partenaire\" value=\"Tiers-lieu La Fabrique\""
        ));
        assert!(r.corps.contains("value=\"123\""));
        assert!(r
            .corps
            .contains(">Médiation numérique gratuite pour les publics éloignés.</textarea>"));
        // Corrigé : enregistré.
        let mut champs = champs.to_vec();
        champs[6] = ("retour_identifiant", "W691000017");
        let r = post_multipart(&mut p, "/dossiers/d1/etapes/1", &champs).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let d = store.dossier("d1").await.unwrap().unwrap();
        let rt = d.retour_terrain.unwrap();
        assert_eq!(
            (rt.partenaire.as_str(), rt.identifiant.as_str()),
            ("Tiers-lieu La Fabrique", "W691000017")
        );
        assert_eq!(
            d.justifications["interet_general"],
            "Médiation numérique gratuite pour les publics éloignés."
        );

        // « Ouverture » : la liste des licences est proposée ; une licence hors liste est refusée
        // et la saisie gardée.
        let r = p.get("/dossiers/d1/etapes/5").await;
        assert!(r
            .corps
            .contains("<option value=\"etalab-2.0\" selected>Licence Ouverte / Open Licence version 2.0 (etalab-2.0)</option>"));
        assert!(!r.corps.contains("CC-BY-NC-SA-4.0"));
        let ouverture = |licence: &'static str, materiel: &'static str| {
            vec![
                ("texte", "Code et plans publiés sur la forge publique."),
                ("liens", "https://forge.exemple.fr/outil-alpha"),
                ("niveau_auto", "1"),
                ("licence", licence),
                ("materiel", materiel),
                ("suite", "rester"),
            ]
        };
        let r = post_multipart(
            &mut p,
            "/dossiers/d1/etapes/5",
            &ouverture("CC-BY-NC-SA-4.0", "https://forge.exemple.fr/outil-alpha"),
        )
        .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(texte_visible(&r.corps).contains(
            "La licence « CC-BY-NC-SA-4.0 » n'est pas dans la liste des licences admises pour ce critère."
        ));
        assert!(r
            .corps
            .contains("value=\"https://forge.exemple.fr/outil-alpha\""));
        let r = post_multipart(
            &mut p,
            "/dossiers/d1/etapes/5",
            &ouverture("MIT", "http://forge.exemple.fr"),
        )
        .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(texte_visible(&r.corps).contains("doit commencer par https://"));
        let r = post_multipart(
            &mut p,
            "/dossiers/d1/etapes/5",
            &ouverture("MIT", "https://forge.exemple.fr/outil-alpha"),
        )
        .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        let recap = p.get("/dossiers/d1/etapes/9").await;
        let visible = texte_visible(&recap.corps);
        assert!(
            visible.contains("Licence : MIT License (MIT) — matériel publié : https://forge.exemple.fr/outil-alpha"),
            "{visible}"
        );
        assert!(visible.contains(
            "Partenaire local : Tiers-lieu La Fabrique (Association), Villeurbanne, W691000017."
        ));
        assert!(visible.contains("Le dossier est complet"));
    }
);

deux_bases!(
    octroi_refuse_si_le_partenaire_a_ete_retire,
    |store: Store| async move {
        let (app, _) = nec_2021(&store, "en_instruction").await;
        // Dossier déposé sans retour de terrain (par exemple avant la règle).
        sqlx::query("UPDATE dossiers SET retour_terrain = NULL WHERE id = $1")
            .bind("d1")
            .execute(store.pool())
            .await
            .unwrap();
        let cat = catalogue_du_depot();
        let agent = Acteur::new("agent", Role::Instructeur);
        let criteres = ["accessibilite", "appropriabilite", "securite", "ouverture"];
        apprecier(&store, &cat, "d1", &agent, &criteres).await;
        compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
        let mut a = Client::new(&app);
        a.connecter("agent@anct.example", MDP).await;
        a.get("/instruction").await;
        let r = a
            .post(
                "/dossiers/d1/decision",
                &[
                    ("decision", "labelliser"),
                    ("niveau", "1"),
                    ("motivation", "Conforme."),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(texte_visible(&r.corps).contains(
            "Le label ne peut pas être accordé à ce niveau : retour d'expérience de terrain avec un partenaire local : indiquez le nom du partenaire local, son type, la description du retour, un lien https:// vers une preuve."
        ), "{}", texte_visible(&r.corps));
        assert_eq!(
            store.dossier("d1").await.unwrap().unwrap().etat,
            reperes_domain::Etat::EnInstruction
        );
    }
);

deux_bases!(
    exports_et_registre_portent_les_conditions,
    |store: Store| async move {
        let (app, _) = nec_2021(&store, "labellise").await;
        compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
        let mut a = Client::new(&app);
        a.connecter("agent@anct.example", MDP).await;
        let r = a.get("/instruction/export.csv?clos=oui").await;
        assert_eq!(r.code, StatusCode::OK);
        let csv = r.corps.trim_start_matches('\u{feff}');
        let mut lecteur = csv::Reader::from_reader(csv.as_bytes());
        let entetes: Vec<String> = lecteur
            .headers()
            .unwrap()
            .iter()
            .map(String::from)
            .collect();
        let ligne = lecteur
            .records()
            .map(|l| l.unwrap())
            .find(|l| l.iter().any(|x| x == "d1"))
            .expect("le dossier d1 est exporté");
        let champ = |nom: &str| {
            let i = entetes
                .iter()
                .position(|e| e == nom)
                .unwrap_or_else(|| panic!("{nom}"));
            ligne[i].to_string()
        };
        assert_eq!(champ("licences"), "ouverture : etalab-2.0");
        assert_eq!(
            champ("liens_materiel"),
            "ouverture : https://exemple.fr/materiel/ouverture"
        );
        assert_eq!(
            champ("partenaire_local"),
            "Médiathèque de Belleville, Collectivité (service municipal), Lyon"
        );
        assert_eq!(
            champ("preuve_retour_terrain"),
            "https://exemple.fr/retour-experimentation"
        );
        assert_eq!(
            champ("declarations"),
            "interet_general : oui (Accès aux droits sociaux et aux services publics en ligne pour les personnes éloignées du numérique.) ; retour_terrain : oui"
        );

        // Registre : page du dispositif et données ouvertes.
        let r = commun::get_anonyme(&app, "/registre/dispositifs/x1").await;
        assert_eq!(r.code, StatusCode::OK);
        let visible = texte_visible(&r.corps);
        assert!(
            visible.contains("Matériel ouvert : Ouverture : sous licence Licence Ouverte / Open Licence version 2.0 (etalab-2.0) , matériel publié"),
            "{visible}"
        );
        assert!(r
            .corps
            .contains("href=\"https://exemple.fr/materiel/ouverture\""));
        let r = commun::get_anonyme(&app, "/donnees/registre.json").await;
        let json: Vec<serde_json::Value> = serde_json::from_str(&r.corps).unwrap();
        assert_eq!(json[0]["licences_materiel"], "etalab-2.0");
        assert_eq!(
            json[0]["liens_materiel"],
            "https://exemple.fr/materiel/ouverture"
        );
    }
);
