//! Plusieurs sources, un lieu (issue 16) : versions écrites par l'import, préséance des champs
//! tenus dans Repères, conflits et leur revue — sur les deux bases.

use reperes_domain::lieux::versions::{Changement, Origine};
use reperes_domain::lieux::{valeur, Enregistrement};
use reperes_domain::Role;
use reperes_store::{
    deux_bases, Acteur, ChoixConflit, ConflitLieu, ModificationLieu, ResultatModification,
    ResultatRevue, Store,
};
use serde_json::Value;

use crate::commun;

fn lieu(id: &str, nom: &str, horaires: &str) -> Enregistrement {
    [
        ("id", id),
        ("nom", nom),
        ("commune", "Brest"),
        ("code_postal", "29200"),
        ("adresse", "1 quai Malbert"),
        ("date_maj", "2024-03-01"),
        ("source", "Région"),
        ("horaires", horaires),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
    .collect()
}

async fn importer(store: &Store, lieux: &[Enregistrement]) -> Vec<ConflitLieu> {
    let cli = Acteur::new("cli", Role::Systeme);
    let mut i = store.commencer_import_lieux(&cli, "region").await.unwrap();
    i.ecrire(lieux).await.unwrap();
    i.terminer_avec_conflits().await.unwrap().1
}

async fn version(store: &Store, id: &str) -> i64 {
    store
        .lieu_courant("region", id)
        .await
        .unwrap()
        .unwrap()
        .version
}

async fn horaires(store: &Store, id: &str) -> Option<String> {
    let l = store.lieu_courant("region", id).await.unwrap().unwrap();
    valeur(&l.donnees, "horaires")
}

/// La structure change les horaires de L1 (champ tenu dans Repères).
async fn la_structure_change(store: &Store, membre: &Acteur, org: &str, h: &str) -> i64 {
    let c = store.lieu_courant("region", "L1").await.unwrap().unwrap();
    let mut e = c.donnees.clone();
    e.insert("horaires".into(), Value::String(h.into()));
    let r = store
        .modifier_lieu(
            membre,
            ModificationLieu {
                source: "region",
                id: "L1",
                version_lue: c.version,
                nouveau: e,
                origine: Origine::Structure,
                detail: None,
                organisation_id: Some(org.into()),
            },
        )
        .await
        .unwrap();
    let ResultatModification::Enregistree { version, .. } = r else {
        panic!("{r:?}")
    };
    version
}

fn conflit(importee: &str, locale: &str) -> (String, Option<String>, Option<String>) {
    (
        "horaires".into(),
        Some(locale.to_string()),
        Some(importee.to_string()),
    )
}

fn vus(c: &[ConflitLieu]) -> Vec<(String, Option<String>, Option<String>)> {
    c.iter()
        .map(|c| {
            (
                c.champ.clone(),
                c.valeur_locale.clone(),
                c.valeur_importee.clone(),
            )
        })
        .collect()
}

deux_bases!(l_import_ecrit_les_versions, |store: Store| async move {
    let a = "Mo 09:00-12:00";
    // Création : une ligne d'historique `creation`, origine import, détail = la source.
    let c = importer(
        &store,
        &[
            lieu("L1", "Espace du Port", a),
            lieu("L2", "Médiathèque", a),
        ],
    )
    .await;
    assert!(c.is_empty());
    let h = store.historique_lieu("region", "L1").await.unwrap();
    assert_eq!(h.len(), 1);
    assert!(h[0].creation && h[0].changements.is_empty());
    assert_eq!(h[0].version, 1);
    assert_eq!(h[0].origine, Origine::Import);
    assert_eq!(h[0].origine_detail.as_deref(), Some("region"));
    assert_eq!(h[0].auteur, Acteur::new("cli", Role::Systeme).journal());
    assert_eq!(version(&store, "L1").await, 1);

    // Réimport sans changement : pas de version, pas d'historique.
    importer(
        &store,
        &[
            lieu("L1", "Espace du Port", a),
            lieu("L2", "Médiathèque", a),
        ],
    )
    .await;
    assert_eq!(version(&store, "L1").await, 1);
    assert_eq!(
        store.historique_lieu("region", "L1").await.unwrap().len(),
        1
    );

    // La source change le nom de L1 : version 2, avant/après ; L2 ne bouge pas.
    importer(
        &store,
        &[
            lieu("L1", "Espace numérique du Port", a),
            lieu("L2", "Médiathèque", a),
        ],
    )
    .await;
    assert_eq!(version(&store, "L1").await, 2);
    assert_eq!(version(&store, "L2").await, 1);
    let h = store.historique_lieu("region", "L1").await.unwrap();
    assert_eq!(h.iter().map(|v| v.version).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(h[0].origine, Origine::Import);
    assert!(!h[0].creation);
    assert_eq!(
        h[0].changements,
        [Changement {
            champ: "nom".into(),
            avant: Some("Espace du Port".into()),
            apres: Some("Espace numérique du Port".into()),
        }]
    );
    let v1 = store
        .lieu_a_la_version("region", "L1", 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(valeur(&v1, "nom").as_deref(), Some("Espace du Port"));
});

deux_bases!(
    un_champ_local_garde_sa_valeur_et_le_conflit_se_tranche,
    |store: Store| async move {
        let membre = Acteur::new("dem", Role::Demandeur);
        let admin = Acteur::new("adm", Role::Administrateur);
        let (a, b, c, d, e) = (
            "Mo 09:00-12:00",
            "Mo 10:00-12:00",
            "Tu 09:00-12:00",
            "We 09:00-12:00",
            "Th 09:00-12:00",
        );
        importer(&store, &[lieu("L1", "Espace du Port", a)]).await;
        let org =
            commun::structure_de_lieu(&store, &membre, "org-port", "Association du Port").await;
        let v = la_structure_change(&store, &membre, &org, b).await;
        assert_eq!(v, 2);
        let aujourd_hui = chrono::Utc::now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string();

        // La source apporte une autre valeur : conflit au rapport, valeur locale gardée, la date
        // et la source restent celles du changement local ; rien d'autre ne change : pas de
        // version.
        let rapport = importer(&store, &[lieu("L1", "Espace du Port", c)]).await;
        assert_eq!(vus(&rapport), [conflit(c, b)]);
        assert_eq!(rapport[0].source, "region");
        assert_eq!(rapport[0].lieu_id, "L1");
        assert_eq!(horaires(&store, "L1").await.as_deref(), Some(b));
        let l = store.lieu_courant("region", "L1").await.unwrap().unwrap();
        assert_eq!(l.version, 2);
        assert_eq!(valeur(&l.donnees, "date_maj"), Some(aujourd_hui));
        assert_eq!(
            valeur(&l.donnees, "source").as_deref(),
            Some("Association du Port")
        );
        assert_eq!(
            vus(&store.conflits_du_lieu("region", "L1").await.unwrap()),
            [conflit(c, b)]
        );
        // Un conflit est remplacé par le suivant sur le même champ.
        let rapport = importer(&store, &[lieu("L1", "Espace du Port", d)]).await;
        assert_eq!(vus(&rapport), [conflit(d, b)]);
        let attente = store.conflits_en_attente().await.unwrap();
        assert_eq!(vus(&attente), [conflit(d, b)]);

        // Une décision sur un conflit qui n'est plus celui affiché : rien d'écrit.
        let r = store
            .decider_conflits(
                &membre,
                "region",
                "L1",
                &[(
                    "horaires".into(),
                    Some(c.into()),
                    ChoixConflit::GarderLocale,
                )],
                Some(org.clone()),
            )
            .await
            .unwrap();
        assert_eq!(r, ResultatRevue::ConflitsChanges);
        assert_eq!(
            store.conflits_du_lieu("region", "L1").await.unwrap().len(),
            1
        );

        // « Garder la valeur de la structure » : la même valeur de la source ne relance plus de
        // conflit ; une autre, si.
        let r = store
            .decider_conflits(
                &membre,
                "region",
                "L1",
                &[(
                    "horaires".into(),
                    Some(d.into()),
                    ChoixConflit::GarderLocale,
                )],
                Some(org.clone()),
            )
            .await
            .unwrap();
        // Aucun champ ne change, mais l'historique dit le choix (version 3, sans changement).
        assert_eq!(r, ResultatRevue::Enregistree { version: Some(3) });
        let h = store.historique_lieu("region", "L1").await.unwrap();
        assert_eq!(
            (h[0].version, h[0].origine, h[0].changements.len()),
            (3, Origine::Conflit, 0)
        );
        assert_eq!(
            h[0].origine_detail.as_deref(),
            Some("valeur de la structure gardée : horaires")
        );
        assert_eq!(h[0].organisation_id.as_deref(), Some(org.as_str()));
        assert!(store.conflits_en_attente().await.unwrap().is_empty());
        assert!(importer(&store, &[lieu("L1", "Espace du Port", d)])
            .await
            .is_empty());
        assert!(store.conflits_en_attente().await.unwrap().is_empty());
        assert_eq!(horaires(&store, "L1").await.as_deref(), Some(b));
        let rapport = importer(&store, &[lieu("L1", "Espace du Port", e)]).await;
        assert_eq!(vus(&rapport), [conflit(e, b)]);

        // « Prendre la valeur de la source » : nouvelle version (origine conflit), le champ
        // redevient tenu par la source.
        let r = store
            .decider_conflits(
                &admin,
                "region",
                "L1",
                &[(
                    "horaires".into(),
                    Some(e.into()),
                    ChoixConflit::PrendreSource,
                )],
                None,
            )
            .await
            .unwrap();
        assert_eq!(r, ResultatRevue::Enregistree { version: Some(4) });
        assert_eq!(horaires(&store, "L1").await.as_deref(), Some(e));
        let h = store.historique_lieu("region", "L1").await.unwrap();
        assert_eq!(h[0].version, 4);
        assert_eq!(h[0].origine, Origine::Conflit);
        assert!(h[0].changements.contains(&Changement {
            champ: "horaires".into(),
            avant: Some(b.into()),
            apres: Some(e.into()),
        }));
        assert!(store.conflits_en_attente().await.unwrap().is_empty());
        // La source reprend la main : sa valeur suivante s'applique sans conflit (version 5).
        let rapport = importer(&store, &[lieu("L1", "Espace du Port", a)]).await;
        assert!(rapport.is_empty());
        assert_eq!(horaires(&store, "L1").await.as_deref(), Some(a));
        assert_eq!(version(&store, "L1").await, 5);

        // Chaque décision est au journal.
        let journal = store.journal_objet("lieu", "region/L1").await.unwrap();
        let decisions = journal
            .iter()
            .filter(|e| e.contenu.action == "decider_conflit_lieu")
            .count();
        assert_eq!(decisions, 2);
    }
);

deux_bases!(
    la_source_qui_rejoint_la_valeur_locale_reprend_le_champ,
    |store: Store| async move {
        let membre = Acteur::new("dem", Role::Demandeur);
        let (a, b, c) = ("Mo 09:00-12:00", "Mo 10:00-12:00", "Tu 09:00-12:00");
        importer(&store, &[lieu("L1", "Espace du Port", a)]).await;
        let org =
            commun::structure_de_lieu(&store, &membre, "org-port", "Association du Port").await;
        la_structure_change(&store, &membre, &org, b).await;
        assert_eq!(
            vus(&importer(&store, &[lieu("L1", "Espace du Port", c)]).await),
            [conflit(c, b)]
        );
        // La source apporte la valeur de la structure : plus de conflit, champ rendu à la source.
        assert!(importer(&store, &[lieu("L1", "Espace du Port", b)])
            .await
            .is_empty());
        assert!(store.conflits_en_attente().await.unwrap().is_empty());
        // La source et la date redeviennent celles du fichier.
        let l = store.lieu_courant("region", "L1").await.unwrap().unwrap();
        assert_eq!(valeur(&l.donnees, "source").as_deref(), Some("Région"));
        assert_eq!(
            valeur(&l.donnees, "date_maj").as_deref(),
            Some("2024-03-01")
        );
        // Sa valeur suivante s'applique donc sans conflit.
        assert!(importer(&store, &[lieu("L1", "Espace du Port", c)])
            .await
            .is_empty());
        assert_eq!(horaires(&store, "L1").await.as_deref(), Some(c));
    }
);
