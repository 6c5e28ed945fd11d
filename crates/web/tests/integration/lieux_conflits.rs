//! Plusieurs sources, un lieu (issue 16) : revue des conflits entre un réimport de la source et
//! les champs changés par la structure, page de revue et liste d'administration, deux bases.

use crate::commun;

use axum::http::StatusCode;
use commun::{app, attendre_import, compte, importer_lieux, televerser_lieux, Client, MDP};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::lieux::valeur;
use reperes_domain::lieux::versions::Origine;
use reperes_domain::organisation::{Adresse, Organisation};
use reperes_domain::Role;
use reperes_store::{deux_bases, Acteur, ModificationLieu, ResultatModification, Store};
use serde_json::Value;

const FICHIER: [(&str, &str); 1] = [("exemple-valide-v1.0.2.csv", "exemple")];
const PAGE: &str = "/lieux/exemple/structure-1/conflits";
const TEL: &str = "+33326000001";
const RESUME: &str = "Ateliers numériques tous les mardis";

async fn lieu(store: &Store, champ: &str) -> Option<String> {
    let l = store
        .lieu_courant("exemple", "structure-1")
        .await
        .unwrap()
        .unwrap();
    valeur(&l.donnees, champ)
}

deux_bases!(
    la_structure_et_l_administration_tranchent_les_conflits,
    |store: Store| async move {
        importer_lieux(&store, &FICHIER).await;
        let tel_source = lieu(&store, "telephone").await.unwrap();
        let resume_source = lieu(&store, "presentation_resume").await;
        // La structure « Anonymal » tient structure-1 ; un membre change deux champs.
        let systeme = Acteur::new("test", Role::Systeme);
        let o = Organisation {
            id: "org-anonymal".into(),
            nom: "Anonymal".into(),
            type_organisation: "association".into(),
            siret: None,
            rna: None,
            adresse: Adresse {
                voie: "12 bis rue de Leclercq".into(),
                code_postal: "51100".into(),
                commune: "Reims".into(),
            },
        };
        store.creer_organisation(&systeme, &o).await.unwrap();
        let membre = compte(&store, "membre@exemple.fr", RoleCompte::Demandeur).await;
        store
            .ajouter_membre(&systeme, &o.id, &membre.id)
            .await
            .unwrap();
        store
            .attribuer_lieu(&systeme, "exemple", "structure-1", &o.id, false)
            .await
            .unwrap();
        compte(&store, "autre@exemple.fr", RoleCompte::Demandeur).await;
        compte(&store, "admin@exemple.fr", RoleCompte::Administrateur).await;
        let courant = store
            .lieu_courant("exemple", "structure-1")
            .await
            .unwrap()
            .unwrap();
        let mut e = courant.donnees.clone();
        e.insert("telephone".into(), Value::String(TEL.into()));
        e.insert("presentation_resume".into(), Value::String(RESUME.into()));
        let r = store
            .modifier_lieu(
                &Acteur::new(&membre.id, Role::Demandeur),
                ModificationLieu {
                    source: "exemple",
                    id: "structure-1",
                    version_lue: courant.version,
                    nouveau: e,
                    origine: Origine::Structure,
                    detail: None,
                    organisation_id: Some(o.id.clone()),
                },
            )
            .await
            .unwrap();
        assert!(matches!(r, ResultatModification::Enregistree { .. }));

        // Réimport du même fichier par la page d'administration : la source ne rejoint pas les
        // valeurs de la structure ; les conflits sont à l'écran et au rapport.
        let app = app(&store);
        let mut a = Client::new(&app);
        a.connecter("admin@exemple.fr", MDP).await;
        a.get("/administration/lieux").await;
        let octets = std::fs::read(
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../donnees/lieux/exemple-valide-v1.0.2.csv"),
        )
        .unwrap();
        let r = televerser_lieux(
            &mut a,
            "exemple-valide-v1.0.2.csv",
            &octets,
            &[("source", "exemple")],
        )
        .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let suivi = r.lieu.unwrap();
        let page = attendre_import(&mut a, &suivi).await;
        assert!(
            page.contains("Conflits avec les modifications faites dans Repères")
                && page.contains("2 champ(s) tenu(s) dans Repères")
                && page.contains(TEL)
                && page.contains(PAGE),
            "{page}"
        );
        let csv = a.get(&format!("{suivi}/rapport/csv")).await;
        assert_eq!(csv.code, StatusCode::OK);
        let ligne = csv
            .corps
            .lines()
            .find(|l| l.contains("structure-1,telephone"))
            .unwrap_or_else(|| panic!("{}", csv.corps));
        assert!(
            ligne.contains(",conflit,") && ligne.contains(&format!("valeur gardée « {TEL} »")),
            "{ligne}"
        );
        assert_eq!(lieu(&store, "telephone").await.as_deref(), Some(TEL));
        assert_eq!(store.conflits_en_attente().await.unwrap().len(), 2);

        let mut anonyme = Client::new(&app);
        let r = anonyme.get(PAGE).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        assert!(r.lieu.unwrap().starts_with("/connexion"));
        let mut autre = Client::new(&app);
        autre.connecter("autre@exemple.fr", MDP).await;
        assert_eq!(autre.get(PAGE).await.code, StatusCode::FORBIDDEN);
        assert_eq!(
            autre
                .post(PAGE, &[("choix_telephone", "source")], None)
                .await
                .code,
            StatusCode::FORBIDDEN
        );

        // Le membre voit les deux valeurs de chaque champ.
        let mut m = Client::new(&app);
        m.connecter("membre@exemple.fr", MDP).await;
        // La fiche le dit à qui tient le lieu, pas aux autres.
        let fiche = m.get("/lieux/exemple/structure-1").await;
        assert!(
            fiche.corps.contains("2 conflits à examiner"),
            "{}",
            fiche.corps
        );
        assert!(!autre
            .get("/lieux/exemple/structure-1")
            .await
            .corps
            .contains("à examiner"));
        let p = m.get(PAGE).await;
        assert_eq!(p.code, StatusCode::OK);
        assert!(
            p.corps
                .contains(&format!("Garder la valeur de la structure : {TEL}"))
                && p.corps
                    .contains(&format!("Prendre celle de la source : {tel_source}")),
            "{}",
            p.corps
        );
        assert!(p.corps.contains(RESUME));
        // Sans choix : rien d'enregistré, message en français.
        let r = m.post(PAGE, &[], None).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r
            .corps
            .contains("Choisissez une valeur pour au moins un champ"));
        // Valeur de la source qui n'est plus celle affichée : rien d'enregistré.
        let r = m
            .post(
                PAGE,
                &[
                    ("choix_telephone", "garder"),
                    ("vu_telephone", "+33100000000"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("ont changé depuis leur affichage"));
        assert_eq!(store.conflits_en_attente().await.unwrap().len(), 2);
        // Garder le téléphone de la structure ; le résumé reste en attente.
        let r = m
            .post(
                PAGE,
                &[("choix_telephone", "garder"), ("vu_telephone", &tel_source)],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        assert_eq!(
            r.lieu.as_deref(),
            Some("/lieux/exemple/structure-1/conflits?fait=1")
        );
        let p = m.get(&format!("{PAGE}?fait=1")).await;
        assert!(
            p.corps.contains("Vos choix sont enregistrés."),
            "{}",
            p.corps
        );
        assert!(!p
            .corps
            .contains(&format!("Garder la valeur de la structure : {TEL}")));

        // Le choix tient au réimport suivant : seul le résumé est encore en conflit.
        importer_lieux(&store, &FICHIER).await;
        let attente = store.conflits_en_attente().await.unwrap();
        assert_eq!(
            attente.iter().map(|c| c.champ.as_str()).collect::<Vec<_>>(),
            ["presentation_resume"]
        );
        assert_eq!(lieu(&store, "telephone").await.as_deref(), Some(TEL));

        // L'administration voit la liste et prend la valeur de la source.
        let liste = a.get("/administration/lieux/conflits").await;
        assert_eq!(liste.code, StatusCode::OK);
        assert!(
            liste.corps.contains("1 conflit(s) en attente")
                && liste.corps.contains("Source « exemple »")
                && liste.corps.contains(PAGE)
                && liste.corps.contains(RESUME),
            "{}",
            liste.corps
        );
        a.get(PAGE).await;
        let vu = resume_source.clone().unwrap_or_default();
        let r = a
            .post(
                PAGE,
                &[
                    ("choix_presentation_resume", "source"),
                    ("vu_presentation_resume", &vu),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        assert_eq!(lieu(&store, "presentation_resume").await, resume_source);
        assert!(store.conflits_en_attente().await.unwrap().is_empty());
        let h = store
            .historique_lieu("exemple", "structure-1")
            .await
            .unwrap();
        assert_eq!(h[0].origine, Origine::Conflit);
        let liste = a.get("/administration/lieux/conflits").await;
        assert!(liste.corps.contains("Aucun conflit en attente."));
        // Chaque décision est au journal.
        let journal = store
            .journal_objet("lieu", "exemple/structure-1")
            .await
            .unwrap();
        assert_eq!(
            journal
                .iter()
                .filter(|e| e.contenu.action == "decider_conflit_lieu")
                .count(),
            2
        );
    }
);
