//! Tests d'intégration du store, chacun sur SQLite et sur PostgreSQL.

use crate::commun;

use commun::*;
use reperes_domain::audit::AnomalieAudit;
use reperes_domain::dossier::TypeAction;
use reperes_domain::{Action, Etat, Modification, Refus, Role};
use reperes_store::test_support::BaseDeTest;
use reperes_store::{
    deux_bases, Acteur, Backend, ErreurStore, ErreurVerification, FiltreDossiers, Store,
};

/// Les migrations des deux backends donnent le même schéma : colonnes (type, nullité), index
/// (nom, table, colonnes, unicité), clés primaires et contraintes d'unicité, clés étrangères
/// (colonnes, table et colonnes visées, actions à la suppression et à la modification).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn les_deux_schemas_sont_identiques() {
    let sqlite = BaseDeTest::nouvelle(Backend::Sqlite).await;
    let postgres = BaseDeTest::nouvelle(Backend::Postgres).await;
    let a = sqlite.store.schema().await.unwrap();
    let b = postgres.store.schema().await.unwrap();
    assert!(a.colonnes.len() > 40, "schéma SQLite trop petit : {a:?}");
    assert!(a.index.len() > 15, "index SQLite non lus : {:?}", a.index);
    assert!(
        a.unicites.len() > 15,
        "contraintes SQLite non lues : {:?}",
        a.unicites
    );
    assert!(
        a.cles_etrangeres.len() > 10,
        "clés étrangères SQLite non lues : {:?}",
        a.cles_etrangeres
    );
    let differences = a.differences("SQLite", &b, "PostgreSQL");
    assert!(
        differences.is_empty(),
        "les schémas diffèrent ({} différences) :\n  {}",
        differences.len(),
        differences.join("\n  ")
    );
    // La comparaison voit bien un index ou une contrainte d'un seul côté.
    sqlx::query("CREATE INDEX temoin ON lieux (nom)")
        .execute(sqlite.store.pool())
        .await
        .unwrap();
    sqlx::query("ALTER TABLE lieux ADD CONSTRAINT temoin_unique UNIQUE (nom, commune)")
        .execute(postgres.store.pool())
        .await
        .unwrap();
    let a = sqlite.store.schema().await.unwrap();
    let b = postgres.store.schema().await.unwrap();
    assert_eq!(
        a.differences("SQLite", &b, "PostgreSQL"),
        vec![
            "SQLite seul : index temoin sur lieux (nom)".to_string(),
            "PostgreSQL seul : contrainte d'unicité de lieux (nom, commune)".to_string(),
        ]
    );
    sqlite.fin().await;
    postgres.fin().await;
}

deux_bases!(base_neuve_vide_et_saine, |store: Store| async move {
    store.sante().await.unwrap();
    assert!(store.est_vide().await.unwrap());
    assert_eq!(store.verifier_journal().await.unwrap(), 0);
    // Les migrations sont idempotentes.
    store.migrer().await.unwrap();
});

deux_bases!(
    organisation_et_dispositif_relus_a_l_identique,
    |store: Store| async move {
        let (o, d) = organisation_et_dispositif(&store, "a").await;
        assert_eq!(store.organisation(&o.id).await.unwrap(), Some(o.clone()));
        assert_eq!(store.dispositif(&d.id).await.unwrap(), Some(d.clone()));
        assert_eq!(store.dispositifs_de(&o.id).await.unwrap(), vec![d]);
        assert_eq!(store.organisations().await.unwrap(), vec![o.clone()]);
        assert!(!store.est_vide().await.unwrap());
        let j = store.journal_objet("organisation", &o.id).await.unwrap();
        assert_eq!(j.len(), 1);
        assert_eq!(j[0].contenu.action, "creer_organisation");
        assert_eq!(j[0].contenu.acteur, "demandeur:camille@asso.example");
        assert!(
            j[0].contenu.avant.is_none()
                && j[0].contenu.apres.as_deref().unwrap().contains("Amiens")
        );
    }
);

deux_bases!(
    dispositif_d_une_organisation_inconnue_refuse,
    |store: Store| async move {
        let d = reperes_domain::organisation::Dispositif {
            id: "x".into(),
            organisation_id: "inconnue".into(),
            nom: "X".into(),
            type_dispositif: "numerique".into(),
            description: String::new(),
            site: None,
        };
        let e = store.creer_dispositif(&demandeur(), &d).await.unwrap_err();
        assert!(matches!(e, ErreurStore::Introuvable(_)), "{e}");
        assert_eq!(store.taille_journal().await.unwrap(), 0);
    }
);

deux_bases!(dossier_relu_a_l_identique, |store: Store| async move {
    let c = catalogue();
    let d = dossier_complet(&store, &c, "b").await;
    let relu = store.dossier(&d.id).await.unwrap().unwrap();
    assert_eq!(relu, d);
    assert_eq!(relu.criteres.len(), 6);
    assert!(store.dossier("absent").await.unwrap().is_none());
});

deux_bases!(parcours_complet_journalise, |store: Store| async move {
    let c = catalogue();
    let d = dossier_complet(&store, &c, "c").await;
    let t = maintenant();
    store
        .agir(&c, &d.id, &demandeur(), &Action::Deposer, t)
        .await
        .unwrap();
    store
        .agir(&c, &d.id, &instructeur(), &Action::PrendreEnCharge, t)
        .await
        .unwrap();
    for critere in [
        "accessible",
        "appropriable",
        "ethique",
        "ouvert",
        "securise",
        "sobre",
    ] {
        store
            .modifier(
                &c,
                &d.id,
                &instructeur(),
                &Modification::Appreciation {
                    critere: critere.into(),
                    niveau: Some(1),
                    commentaire: "Satisfait.".into(),
                },
            )
            .await
            .unwrap();
    }
    let fin = store
        .agir(
            &c,
            &d.id,
            &instructeur(),
            &Action::Labelliser {
                niveau: 1,
                motivation: "Critères satisfaits au niveau 1.".into(),
            },
            t,
        )
        .await
        .unwrap();
    assert_eq!(fin.etat, Etat::Labellise);
    let relu = store.dossier(&d.id).await.unwrap().unwrap();
    assert_eq!(relu, fin);
    assert_eq!(
        relu.decision.as_ref().unwrap().action,
        TypeAction::Labelliser
    );
    let j = store.journal_objet("dossier", &d.id).await.unwrap();
    let actions: Vec<&str> = j.iter().map(|e| e.contenu.action.as_str()).collect();
    assert_eq!(actions.first(), Some(&"creer_dossier"));
    assert_eq!(
        &actions[actions.len() - 3..],
        ["apprecier_critere", "apprecier_critere", "labelliser"]
    );
    let derniere = j.last().unwrap();
    assert_eq!(
        derniere.contenu.motif.as_deref(),
        Some("Critères satisfaits au niveau 1.")
    );
    assert!(derniere
        .contenu
        .avant
        .as_deref()
        .unwrap()
        .contains("\"etat\":\"en_instruction\""));
    assert!(derniere
        .contenu
        .apres
        .as_deref()
        .unwrap()
        .contains("\"etat\":\"labellise\""));
    let n = store.verifier_journal().await.unwrap();
    assert_eq!(n, store.taille_journal().await.unwrap());

    let filtre = FiltreDossiers {
        etat: Some(Etat::Labellise),
        ..Default::default()
    };
    let liste = store.dossiers(&filtre).await.unwrap();
    assert_eq!(liste.len(), 1);
    assert_eq!(liste[0].dispositif_nom, "Kit d'ateliers c");
    assert_eq!(liste[0].niveau_accorde, Some(1));
    let vide = store
        .dossiers(&FiltreDossiers {
            etat: Some(Etat::Refuse),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(vide.is_empty());
    let comptes = store.compter_par_etat().await.unwrap();
    assert_eq!(
        comptes
            .iter()
            .find(|(e, _)| *e == Etat::Labellise)
            .unwrap()
            .1,
        1
    );
    assert_eq!(comptes.iter().map(|(_, n)| n).sum::<i64>(), 1);

    // Renouvellement : nouveau brouillon pré-rempli, journalisé.
    let jour = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let nouveau = store
        .renouveler(&c, &d.id, &demandeur(), "dos-c-2".into(), jour)
        .await
        .unwrap();
    assert_eq!(nouveau.renouvellement_de.as_deref(), Some(d.id.as_str()));
    assert_eq!(store.dossier("dos-c-2").await.unwrap(), Some(nouveau));
});

deux_bases!(
    une_action_refusee_ne_change_rien,
    |store: Store| async move {
        let c = catalogue();
        let d = dossier_complet(&store, &c, "d").await;
        let journal_avant = store.taille_journal().await.unwrap();
        // Mauvais rôle, mauvais état, motivation absente, dossier incomplet.
        let e = store
            .agir(&c, &d.id, &instructeur(), &Action::Deposer, maintenant())
            .await
            .unwrap_err();
        assert!(
            matches!(e, ErreurStore::Refus(Refus::RoleNonAutorise { .. })),
            "{e}"
        );
        let e = store
            .agir(
                &c,
                &d.id,
                &instructeur(),
                &Action::Refuser {
                    motivation: "x".into(),
                },
                maintenant(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(e, ErreurStore::Refus(Refus::EtatIncompatible { .. })),
            "{e}"
        );
        let e = store
            .modifier(
                &c,
                &d.id,
                &demandeur(),
                &Modification::Engagements {
                    acceptes: Default::default(),
                },
            )
            .await;
        assert!(e.is_ok(), "le demandeur peut modifier son brouillon");
        let e = store
            .agir(&c, &d.id, &demandeur(), &Action::Deposer, maintenant())
            .await
            .unwrap_err();
        assert!(e.to_string().starts_with("Le dossier est incomplet"), "{e}");
        // Seule la modification acceptée a été écrite.
        assert_eq!(store.taille_journal().await.unwrap(), journal_avant + 1);
        let relu = store.dossier(&d.id).await.unwrap().unwrap();
        assert_eq!(relu.etat, Etat::Brouillon);
        assert!(relu.engagements.is_empty());
        let e = store
            .agir(&c, "absent", &demandeur(), &Action::Deposer, maintenant())
            .await
            .unwrap_err();
        assert!(matches!(e, ErreurStore::Introuvable(_)));
    }
);

async fn falsifier(store: &Store, sql: &str) {
    sqlx::query(sql).execute(store.pool()).await.unwrap();
}

deux_bases!(journal_modifie_detecte, |store: Store| async move {
    let c = catalogue();
    dossier_complet(&store, &c, "e").await;
    assert!(store.verifier_journal().await.is_ok());
    falsifier(&store, "UPDATE audit SET acteur = 'intrus' WHERE seq = 3").await;
    match store.verifier_journal().await {
        Err(ErreurVerification::Anomalie(AnomalieAudit::EmpreinteFausse { seq: 3 })) => {}
        autre => panic!("{autre:?}"),
    }
});

deux_bases!(
    journal_entree_supprimee_detectee,
    |store: Store| async move {
        let c = catalogue();
        dossier_complet(&store, &c, "f").await;
        falsifier(&store, "DELETE FROM audit WHERE seq = 2").await;
        match store.verifier_journal().await {
            Err(ErreurVerification::Anomalie(AnomalieAudit::Rupture {
                attendu: 2,
                trouve: 3,
            })) => {}
            autre => panic!("{autre:?}"),
        }
    }
);

deux_bases!(
    journal_derniere_entree_supprimee_detectee,
    |store: Store| async move {
        let c = catalogue();
        dossier_complet(&store, &c, "g").await;
        let n = store.taille_journal().await.unwrap();
        falsifier(&store, &format!("DELETE FROM audit WHERE seq = {n}")).await;
        match store.verifier_journal().await {
            Err(ErreurVerification::Anomalie(AnomalieAudit::TeteIncoherente { .. })) => {}
            autre => panic!("{autre:?}"),
        }
    }
);

deux_bases!(
    ecritures_concurrentes_chainees_sans_trou,
    |store: Store| async move {
        let c = std::sync::Arc::new(catalogue());
        let d = dossier_complet(&store, &c, "h").await;
        let mut taches = Vec::new();
        for i in 0..16 {
            let (store, c, id) = (store.clone(), c.clone(), d.id.clone());
            taches.push(tokio::spawn(async move {
                let critere = ["accessible", "sobre", "ouvert", "ethique"][i % 4];
                store
                    .modifier(
                        &c,
                        &id,
                        &demandeur(),
                        &Modification::Reponse {
                            critere: critere.into(),
                            texte: format!(
                                "Version {i} de la description du critère, assez longue."
                            ),
                            liens: vec!["https://kit.example".into()],
                            niveau_auto: Some(1),
                        },
                    )
                    .await
                    .unwrap();
            }));
        }
        for t in taches {
            t.await.unwrap();
        }
        let n = store.verifier_journal().await.unwrap();
        assert_eq!(n, store.taille_journal().await.unwrap());
        assert_eq!(
            store.journal_objet("dossier", &d.id).await.unwrap().len(),
            // Création, 9 modifications (6 critères, déclaration, licence d'« Ouvert »,
            // engagements), puis les 16 écritures concurrentes.
            1 + 9 + 16
        );
    }
);

deux_bases!(acteur_systeme_expire, |store: Store| async move {
    let c = catalogue();
    let d = dossier_complet(&store, &c, "i").await;
    let admin = Acteur::new("admin@anct.example", Role::Administrateur);
    store
        .agir(&c, &d.id, &demandeur(), &Action::Deposer, maintenant())
        .await
        .unwrap();
    store
        .agir(&c, &d.id, &admin, &Action::PrendreEnCharge, maintenant())
        .await
        .unwrap();
    let e = store
        .agir(&c, &d.id, &admin, &Action::Expirer, maintenant())
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        ErreurStore::Refus(Refus::EtatIncompatible { .. })
    ));
});
