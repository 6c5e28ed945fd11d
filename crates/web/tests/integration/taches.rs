//! Tâches périodiques : expiration des labels échus, sur les deux bases.

use reperes_store::{deux_bases, Store};

deux_bases!(labels_echus_declares_expires, |store: Store| async move {
    use reperes_domain::{Etat, Modification, Role};
    use reperes_store::Acteur;
    let c = reperes_store::test_support::catalogue_du_depot();
    let r = c
        .referentiels
        .iter()
        .find(|r| r.id == "charte-territoire-actions")
        .unwrap();
    let o = reperes_domain::organisation::Organisation {
        id: "o".into(),
        nom: "Département".into(),
        type_organisation: "collectivite_territoriale".into(),
        siret: Some(reperes_domain::identifiants::Siret::parse("73282932000074").unwrap()),
        rna: None,
        adresse: Default::default(),
    };
    let disp = reperes_domain::organisation::Dispositif {
        id: "x".into(),
        organisation_id: "o".into(),
        nom: "Démarche".into(),
        type_dispositif: "demarche_territoriale".into(),
        description: String::new(),
        site: None,
    };
    let dem = Acteur::new("d", Role::Demandeur);
    let agent = Acteur::new("a", Role::Instructeur);
    store.creer_organisation(&dem, &o).await.unwrap();
    store.creer_dispositif(&dem, &disp).await.unwrap();
    let d = reperes_domain::Dossier::nouveau("d1".into(), r, &o, &disp, 1).unwrap();
    store.creer_dossier(&dem, &d).await.unwrap();
    let mut mods: Vec<Modification> = ["pix", "cartographie"]
        .into_iter()
        .map(|critere| Modification::Reponse {
            critere: critere.into(),
            texte: "Actions prévues sur tout le territoire départemental.".into(),
            liens: vec![],
            niveau_auto: Some(1),
        })
        .collect();
    mods.extend([
        Modification::Declaration {
            id: "demarche_partenariale".into(),
            valeur: true,
        },
        Modification::Engagements {
            acceptes: r.engagements.iter().map(|e| e.id.clone()).collect(),
        },
        Modification::Partenaires {
            liste: vec![reperes_domain::dossier::Partenaire {
                nom: "Centre social".into(),
                role: String::new(),
            }],
        },
    ]);
    for m in &mods {
        store.modifier(&c, "d1", &dem, m).await.unwrap();
    }
    let il_y_a_4_ans = chrono::Utc::now() - chrono::Duration::days(4 * 366);
    reperes_store::test_support::deposer_et_prendre_en_charge(
        &store,
        &c,
        "d1",
        &dem,
        &agent,
        il_y_a_4_ans,
    )
    .await;
    reperes_store::test_support::labelliser(
        &store,
        &c,
        "d1",
        &agent,
        &["pix", "cartographie"],
        "Charte contresignée.",
        il_y_a_4_ans,
    )
    .await;
    assert_eq!(
        reperes_web::taches::expirer_labels(&store, &c)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.dossier("d1").await.unwrap().unwrap().etat,
        Etat::Expire
    );
    assert_eq!(
        reperes_web::taches::expirer_labels(&store, &c)
            .await
            .unwrap(),
        0
    );
});
