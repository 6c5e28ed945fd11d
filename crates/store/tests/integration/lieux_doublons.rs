//! Doublons fusionnés (issue 16), sur les deux bases : fusion (versions, masque, alias, champs
//! tenus dans Repères, journal), verrou optimiste, réimport de la source absorbée (report des
//! champs changés non choisis sur le lieu gardé), paire écartée qui tient aux réimports.

use reperes_domain::lieux::doublons::doublons_probables;
use reperes_domain::lieux::index::IndexLieux;
use reperes_domain::lieux::versions::{Changement, Origine};
use reperes_domain::lieux::{schema_national, valeur, Enregistrement};
use reperes_domain::Role;
use reperes_store::{
    deux_bases, Acteur, ErreurStore, FusionLieux, ModificationLieu, ResultatFusion, Store,
};
use serde_json::Value;

fn lieu(paires: &[(&str, &str)]) -> Enregistrement {
    paires
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect()
}

/// Fiche de la région : horaires du matin, un téléphone.
fn region() -> Enregistrement {
    lieu(&[
        ("id", "R1"),
        ("pivot", "43493312300029"),
        ("nom", "Espace numérique du Port"),
        ("commune", "Brest"),
        ("code_postal", "29200"),
        ("adresse", "1 quai Malbert"),
        ("date_maj", "2024-03-01"),
        ("horaires", "Mo-Fr 09:00-12:00"),
        ("telephone", "+33298000001"),
    ])
}

/// Fiche de la ville pour le même lieu : autres horaires, autre téléphone, un courriel.
fn ville(horaires: &str, telephone: &str, courriels: &str, date_maj: &str) -> Enregistrement {
    lieu(&[
        ("id", "V1"),
        ("pivot", "43493312300029"),
        ("nom", "Espace numérique du Port"),
        ("commune", "Brest"),
        ("code_postal", "29200"),
        ("adresse", "1 quai Malbert"),
        ("date_maj", date_maj),
        ("horaires", horaires),
        ("telephone", telephone),
        ("courriels", courriels),
    ])
}

async fn importer(store: &Store, source: &str, lieux: &[Enregistrement]) {
    store
        .importer_lieux(
            &Acteur::new("cli", Role::Systeme),
            source,
            lieux,
            &|_, _| {},
        )
        .await
        .unwrap();
}

/// Paires de doublons probables entre lieux publiés (clés `source/id`).
async fn doublons(store: &Store) -> Vec<(String, String)> {
    let index = IndexLieux::construire(&schema_national(), store.lieux().await.unwrap());
    let cle = |r: usize| format!("{}/{}", index.lieu(r).source, index.lieu(r).id);
    doublons_probables(&index)
        .iter()
        .map(|d| (cle(d.a), cle(d.b)))
        .collect()
}

async fn champs_locaux(store: &Store, source: &str, id: &str) -> Vec<String> {
    let v: Vec<(String,)> = sqlx::query_as(
        "SELECT champ FROM lieux_champs_locaux WHERE source = $1 AND lieu_id = $2 ORDER BY champ",
    )
    .bind(source)
    .bind(id)
    .fetch_all(store.pool())
    .await
    .unwrap();
    v.into_iter().map(|(c,)| c).collect()
}

fn fusion(
    version_garde: i64,
    version_absorbe: i64,
    nouveau: Enregistrement,
) -> FusionLieux<'static> {
    FusionLieux {
        garde: ("region", "R1"),
        version_garde,
        absorbe: ("ville", "V1"),
        version_absorbe,
        nouveau,
        champs_choisis: vec!["courriels".into(), "horaires".into(), "telephone".into()],
    }
}

deux_bases!(
    fusion_puis_reimport_de_la_source_absorbee,
    |store: Store| async move {
        let admin = Acteur::new("adm", Role::Administrateur);
        importer(&store, "region", &[region()]).await;
        importer(
            &store,
            "ville",
            &[ville(
                "Mo-Fr 14:00-18:00",
                "+33298000002",
                "port@brest.example",
                "2024-06-01",
            )],
        )
        .await;
        assert_eq!(
            doublons(&store).await,
            vec![("region/R1".to_string(), "ville/V1".to_string())]
        );
        // L'administratrice garde la fiche de la région, prend les horaires et le courriel de la
        // ville, garde le téléphone de la région.
        let mut choisi = region();
        choisi.insert("horaires".into(), "Mo-Fr 14:00-18:00".into());
        choisi.insert("courriels".into(), "port@brest.example".into());
        // Versions lues dépassées : rien n'est écrit.
        assert_eq!(
            store
                .fusionner_lieux(&admin, fusion(1, 7, choisi.clone()))
                .await
                .unwrap(),
            ResultatFusion::VersionDepassee
        );
        assert_eq!(store.alias_lieu("ville", "V1").await.unwrap(), None);
        // Rien d'écrit : l'historique n'a que la création par l'import.
        let h = store.historique_lieu("region", "R1").await.unwrap();
        assert_eq!(h.iter().map(|v| v.creation).collect::<Vec<_>>(), [true]);
        let r = store
            .fusionner_lieux(&admin, fusion(1, 1, choisi))
            .await
            .unwrap();
        let ResultatFusion::Fusionnee {
            version,
            changements,
        } = r
        else {
            panic!("{r:?}")
        };
        assert_eq!(version, 2);
        let champs: Vec<&str> = changements.iter().map(|c| c.champ.as_str()).collect();
        assert_eq!(champs, ["courriels", "date_maj", "horaires"]);
        // Le lieu gardé : nouvelle version, champs choisis tenus dans Repères.
        let garde = store.lieu_courant("region", "R1").await.unwrap().unwrap();
        assert_eq!(garde.version, 2);
        assert_eq!(garde.masque, None);
        assert_eq!(
            valeur(&garde.donnees, "horaires").as_deref(),
            Some("Mo-Fr 14:00-18:00")
        );
        assert_eq!(
            valeur(&garde.donnees, "telephone").as_deref(),
            Some("+33298000001")
        );
        assert_eq!(
            champs_locaux(&store, "region", "R1").await,
            ["courriels", "horaires"]
        );
        let h = store.historique_lieu("region", "R1").await.unwrap();
        assert_eq!(h[0].origine, Origine::Fusion);
        assert_eq!(h[0].origine_detail.as_deref(), Some("ville/V1"));
        assert_eq!(h[0].auteur, admin.journal());
        // Le lieu absorbé : masqué, une version qui le dit, un alias vers le lieu gardé.
        let absorbe = store.lieu_courant("ville", "V1").await.unwrap().unwrap();
        assert_eq!(absorbe.masque.as_deref(), Some("fusionne"));
        assert_eq!(absorbe.version, 2);
        let h = store.historique_lieu("ville", "V1").await.unwrap();
        assert_eq!(h.len(), 2, "création par l'import, puis fusion");
        assert!(h[1].creation);
        assert_eq!(
            (h[0].version, h[0].origine, h[0].origine_detail.as_deref()),
            (2, Origine::Fusion, Some("region/R1"))
        );
        let alias = store.alias_lieu("ville", "V1").await.unwrap().unwrap();
        assert_eq!(
            (alias.garde_source.as_str(), alias.garde_id.as_str()),
            ("region", "R1")
        );
        assert_eq!(
            store.lieux_absorbes("region", "R1").await.unwrap(),
            ["ville/V1"]
        );
        assert!(doublons(&store).await.is_empty());
        let publies: Vec<String> = store
            .lieux()
            .await
            .unwrap()
            .iter()
            .map(|(s, e)| format!("{s}/{}", valeur(e, "id").unwrap()))
            .collect();
        assert_eq!(publies, ["region/R1"]);
        let journal = store.journal_objet("lieu", "region/R1").await.unwrap();
        let e = journal
            .iter()
            .find(|e| e.contenu.action == "fusionner_lieux")
            .expect("fusion au journal");
        assert!(e
            .contenu
            .apres
            .as_deref()
            .unwrap()
            .contains("\"absorbe\":\"ville/V1\""));
        // Une seconde fusion du lieu absorbé est refusée.
        let mut autre = fusion(2, 2, region());
        autre.absorbe = ("ville", "V1");
        assert!(matches!(
            store.fusionner_lieux(&admin, autre).await,
            Err(ErreurStore::Conflit(_))
        ));

        // Un administrateur change le nom sur le lieu gardé : champ tenu dans Repères.
        let mut renomme = store
            .lieu_courant("region", "R1")
            .await
            .unwrap()
            .unwrap()
            .donnees;
        renomme.insert("nom".into(), "Espace numérique du port de Brest".into());
        store
            .modifier_lieu(
                &admin,
                ModificationLieu {
                    source: "region",
                    id: "R1",
                    version_lue: 2,
                    nouveau: renomme,
                    origine: Origine::Administration,
                    detail: None,
                    organisation_id: None,
                },
            )
            .await
            .unwrap();

        // La ville réimporte : horaires, téléphone, courriel et nom changés.
        let mut v = ville(
            "Mo-Sa 14:00-19:00",
            "+33298000003",
            "accueil@brest.example",
            "2025-01-15",
        );
        v.insert("nom".into(), "Espace Port".into());
        v.insert("site_web".into(), "https://brest.example/port".into());
        importer(&store, "ville", std::slice::from_ref(&v)).await;
        let garde = store.lieu_courant("region", "R1").await.unwrap().unwrap();
        // Champ changé, jamais choisi ni tenu : reporté. La date de la source (2025) est plus
        // ancienne que celle de la fusion (aujourd'hui) : la date de la fiche ne recule pas.
        assert_eq!(
            valeur(&garde.donnees, "site_web").as_deref(),
            Some("https://brest.example/port")
        );
        let aujourd_hui = chrono::Utc::now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string();
        assert_eq!(valeur(&garde.donnees, "date_maj"), Some(aujourd_hui));
        // Champs choisis à la fusion, champ tenu dans Repères : gardés.
        assert_eq!(
            valeur(&garde.donnees, "horaires").as_deref(),
            Some("Mo-Fr 14:00-18:00")
        );
        assert_eq!(
            valeur(&garde.donnees, "telephone").as_deref(),
            Some("+33298000001")
        );
        assert_eq!(
            valeur(&garde.donnees, "courriels").as_deref(),
            Some("port@brest.example")
        );
        assert_eq!(
            valeur(&garde.donnees, "nom").as_deref(),
            Some("Espace numérique du port de Brest")
        );
        assert_eq!(garde.version, 4);
        let h = store.historique_lieu("region", "R1").await.unwrap();
        assert_eq!(
            (h[0].origine, h[0].origine_detail.as_deref()),
            (Origine::Import, Some("ville/V1"))
        );
        assert_eq!(
            h[0].changements,
            vec![Changement {
                champ: "site_web".into(),
                avant: None,
                apres: Some("https://brest.example/port".into())
            }]
        );
        // Un report n'est pas un changement local.
        assert_eq!(
            champs_locaux(&store, "region", "R1").await,
            ["courriels", "horaires", "nom"]
        );
        let journal = store.journal_objet("lieu", "region/R1").await.unwrap();
        assert!(journal
            .iter()
            .any(|e| e.contenu.action == "reporter_fusion"));
        // La ligne absorbée est à jour, toujours masquée, jamais un doublon ni publiée.
        let absorbe = store.lieu_courant("ville", "V1").await.unwrap().unwrap();
        assert_eq!(absorbe.masque.as_deref(), Some("fusionne"));
        assert_eq!(
            valeur(&absorbe.donnees, "nom").as_deref(),
            Some("Espace Port")
        );
        assert!(doublons(&store).await.is_empty());
        assert_eq!(store.lieux().await.unwrap().len(), 1);
        // Le même fichier réimporté : rien de plus à reporter.
        importer(&store, "ville", &[v]).await;
        assert_eq!(
            store
                .lieu_courant("region", "R1")
                .await
                .unwrap()
                .unwrap()
                .version,
            4
        );
    }
);

deux_bases!(
    une_paire_ecartee_tient_aux_reimports,
    |store: Store| async move {
        let admin = Acteur::new("adm", Role::Administrateur);
        importer(&store, "region", &[region()]).await;
        let v = ville(
            "Mo-Fr 14:00-18:00",
            "+33298000002",
            "port@brest.example",
            "2024-06-01",
        );
        importer(&store, "ville", std::slice::from_ref(&v)).await;
        assert_eq!(doublons(&store).await.len(), 1);
        store
            .declarer_distincts(&admin, "ville/V1", "region/R1")
            .await
            .unwrap();
        let mut v2 = v;
        v2.insert("horaires".into(), "Mo-Sa 10:00-12:00".into());
        importer(&store, "ville", &[v2]).await;
        importer(&store, "region", &[region()]).await;
        let distincts = store.lieux_distincts().await.unwrap();
        assert!(distincts.contains(&("region/R1".to_string(), "ville/V1".to_string())));
        // Toujours un doublon probable pour les règles ; la page le filtre par cette table.
        assert_eq!(
            doublons(&store).await,
            vec![("region/R1".to_string(), "ville/V1".to_string())]
        );
        // Aucun alias, aucun lieu masqué : écarter n'est pas fusionner.
        assert_eq!(store.alias_lieu("ville", "V1").await.unwrap(), None);
        assert_eq!(store.lieux().await.unwrap().len(), 2);
    }
);

deux_bases!(
    un_lieu_garde_puis_absorbe_emmene_ses_alias,
    |store: Store| async move {
        let admin = Acteur::new("adm", Role::Administrateur);
        importer(&store, "region", &[region()]).await;
        let v = ville(
            "Mo-Fr 14:00-18:00",
            "+33298000002",
            "port@brest.example",
            "2024-06-01",
        );
        importer(&store, "ville", std::slice::from_ref(&v)).await;
        let mut w = region();
        w.insert("id".into(), "W1".into());
        importer(&store, "dept", &[w]).await;
        // La ville est absorbée par la région, puis la région par le département.
        let r = store
            .fusionner_lieux(&admin, fusion(1, 1, region()))
            .await
            .unwrap();
        assert!(matches!(r, ResultatFusion::Fusionnee { .. }), "{r:?}");
        let mut dept = store
            .lieu_courant("dept", "W1")
            .await
            .unwrap()
            .unwrap()
            .donnees;
        dept.insert("telephone".into(), "+33298000009".into());
        let r = store
            .fusionner_lieux(
                &admin,
                FusionLieux {
                    garde: ("dept", "W1"),
                    version_garde: 1,
                    absorbe: ("region", "R1"),
                    version_absorbe: 2,
                    nouveau: dept,
                    champs_choisis: vec!["telephone".into()],
                },
            )
            .await
            .unwrap();
        assert!(
            matches!(r, ResultatFusion::Fusionnee { version: 2, .. }),
            "{r:?}"
        );
        for (source, id) in [("ville", "V1"), ("region", "R1")] {
            let alias = store.alias_lieu(source, id).await.unwrap().unwrap();
            assert_eq!(
                (alias.garde_source.as_str(), alias.garde_id.as_str()),
                ("dept", "W1"),
                "{source}/{id}"
            );
        }
        assert_eq!(
            store.lieux_absorbes("dept", "W1").await.unwrap(),
            ["region/R1", "ville/V1"]
        );
        // Un réimport de la ville arrive au département.
        let mut v2 = v;
        v2.insert("site_web".into(), "https://brest.example/port".into());
        importer(&store, "ville", &[v2]).await;
        let garde = store.lieu_courant("dept", "W1").await.unwrap().unwrap();
        assert_eq!(
            valeur(&garde.donnees, "site_web").as_deref(),
            Some("https://brest.example/port")
        );
        assert_eq!(
            valeur(&garde.donnees, "telephone").as_deref(),
            Some("+33298000009")
        );
        assert_eq!(store.lieux().await.unwrap().len(), 1);
    }
);
