//! Rappels de fin de validité enregistrés (table `rappels_validite`) et gestes d'instruction lus
//! dans le journal, sur les deux bases.

use chrono::{Duration, Utc};
use reperes_domain::echeances::Geste;
use reperes_domain::{Action, Role};
use reperes_store::test_support::{catalogue_du_depot, mener_dossier, pour_deposer};
use reperes_store::{deux_bases, Acteur, NouveauCourriel, Store};

deux_bases!(
    un_rappel_n_est_enregistre_qu_une_fois,
    |store: Store| async move {
        let id = mener_dossier(
            &store,
            "nec-2022",
            "1",
            "Outil Alpha",
            "numerique",
            "80000",
            "labellise",
            Utc::now(),
        )
        .await;
        let titres = store.titres_en_cours().await.unwrap();
        assert_eq!(titres.len(), 1);
        let t = &titres[0];
        assert_eq!(t.dossier_id, id);
        assert!(t.rappels_envoyes.is_empty() && !t.renouvellement_depose);
        let systeme = Acteur::new("rappels", Role::Systeme);
        let courriel = NouveauCourriel {
            destinataire: "porteur@asso.example".into(),
            sujet: "Repères : votre label arrive à échéance".into(),
            corps: "Rappel.".into(),
        };
        let fin = t.fin_validite;
        let avant = store.taille_journal().await.unwrap();
        for attendu in [true, false] {
            assert_eq!(
                store
                    .enregistrer_rappel_validite(
                        &systeme,
                        &id,
                        90,
                        fin,
                        std::slice::from_ref(&courriel),
                        Utc::now()
                    )
                    .await
                    .unwrap(),
                attendu
            );
        }
        // Le doublon n'écrit rien : ni courriel, ni entrée de journal.
        assert_eq!(store.courriels().await.unwrap().len(), 1);
        assert_eq!(store.taille_journal().await.unwrap(), avant + 1);
        assert_eq!(
            store.titres_en_cours().await.unwrap()[0].rappels_envoyes,
            vec![90]
        );
        // Un renouvellement en brouillon ne compte pas ; déposé, il compte.
        let c = catalogue_du_depot();
        let dem = Acteur::new("porteur", Role::Demandeur);
        let nouveau = store
            .renouveler(&c, &id, &dem, "r1".into(), Utc::now().date_naive())
            .await
            .unwrap();
        assert!(!store.titres_en_cours().await.unwrap()[0].renouvellement_depose);
        let r = c.referentiels.iter().find(|r| r.id == "nec-2022").unwrap();
        for m in pour_deposer(r) {
            store.modifier(&c, &nouveau.id, &dem, &m).await.unwrap();
        }
        store
            .agir(&c, &nouveau.id, &dem, &Action::Deposer, Utc::now())
            .await
            .unwrap();
        assert!(store.titres_en_cours().await.unwrap()[0].renouvellement_depose);
    }
);

deux_bases!(
    gestes_d_instruction_lus_dans_le_journal,
    |store: Store| async move {
        let c = catalogue_du_depot();
        let id = mener_dossier(
            &store,
            "nec-2022",
            "1",
            "Outil Alpha",
            "numerique",
            "80000",
            "en_instruction",
            Utc::now(),
        )
        .await;
        let agent = Acteur::new("agent", Role::Instructeur);
        let dem = Acteur::new("porteur", Role::Demandeur);
        store
            .agir(
                &c,
                &id,
                &agent,
                &Action::DemanderComplement {
                    motif: "Précisez.".into(),
                    echeance: (Utc::now() + Duration::days(10)).date_naive(),
                },
                Utc::now(),
            )
            .await
            .unwrap();
        store
            .agir(&c, &id, &dem, &Action::Deposer, Utc::now())
            .await
            .unwrap();
        let gestes = store
            .gestes_d_instruction(&[id.as_str(), "inconnu"])
            .await
            .unwrap();
        let g: Vec<Geste> = gestes[&id].iter().map(|(_, g)| *g).collect();
        assert_eq!(
            g,
            vec![Geste::Depot, Geste::DemandeComplement, Geste::Depot]
        );
        assert!(gestes["inconnu"].is_empty());
    }
);
