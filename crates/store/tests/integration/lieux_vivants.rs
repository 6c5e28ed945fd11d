//! Lieux vivants (issue 16), socle : versions, verrou optimiste, historique, champs tenus dans
//! Repères, structure qui tient un lieu — sur les deux bases.

use reperes_domain::lieux::versions::{Changement, Origine};
use reperes_domain::lieux::{valeur, Enregistrement};
use reperes_domain::Role;
use reperes_store::{
    deux_bases, Acteur, ErreurStore, ModificationLieu, ResultatModification, Store,
};
use serde_json::Value;

use crate::commun;

fn lieu(horaires: &str) -> Enregistrement {
    [
        ("id", "L1"),
        ("pivot", "12345678901234"),
        ("nom", "Espace numérique du Port"),
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

fn modif(version_lue: i64, e: Enregistrement, origine: Origine) -> ModificationLieu<'static> {
    ModificationLieu {
        source: "region",
        id: "L1",
        version_lue,
        nouveau: e,
        origine,
        detail: None,
        organisation_id: None,
    }
}

deux_bases!(versions_verrou_et_historique, |store: Store| async move {
    let admin = Acteur::new("adm", Role::Administrateur);
    let membre = Acteur::new("dem", Role::Demandeur);
    // Création (version lue : 0).
    let r = store
        .modifier_lieu(
            &admin,
            modif(0, lieu("Mo 09:00-12:00"), Origine::Proposition),
        )
        .await
        .unwrap();
    assert!(
        matches!(r, ResultatModification::Enregistree { version: 1, .. }),
        "{r:?}"
    );
    // Un lieu créé dans Repères est daté du jour de sa création.
    let aujourd_hui = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let cree = store.lieu_courant("region", "L1").await.unwrap().unwrap();
    assert_eq!(valeur(&cree.donnees, "date_maj"), Some(aujourd_hui.clone()));
    // Une seconde création du même lieu est refusée.
    let r = store
        .modifier_lieu(
            &admin,
            modif(0, lieu("Tu 09:00-12:00"), Origine::Proposition),
        )
        .await
        .unwrap();
    assert_eq!(r, ResultatModification::VersionDepassee { courante: 1 });

    let org = commun::structure_de_lieu(&store, &membre, "org-port", "Association du Port").await;
    let mut m = modif(1, lieu("Mo 10:00-12:00"), Origine::Structure);
    m.organisation_id = Some(org.clone());
    let r = store.modifier_lieu(&membre, m).await.unwrap();
    let ResultatModification::Enregistree {
        version,
        changements,
    } = r
    else {
        panic!("{r:?}")
    };
    assert_eq!(version, 2);
    let champs: Vec<&str> = changements.iter().map(|c| c.champ.as_str()).collect();
    // Même jour : la date ne change pas, la source devient la structure.
    assert_eq!(champs, ["horaires", "source"]);
    let courant = store.lieu_courant("region", "L1").await.unwrap().unwrap();
    assert_eq!(courant.version, 2);
    assert_eq!(
        valeur(&courant.donnees, "horaires").as_deref(),
        Some("Mo 10:00-12:00")
    );
    assert_eq!(
        valeur(&courant.donnees, "source").as_deref(),
        Some("Association du Port")
    );
    assert_eq!(valeur(&courant.donnees, "date_maj"), Some(aujourd_hui));

    // Deux personnes ont lu la version 2 : la première enregistre, la seconde est refusée.
    let mut premier = courant.donnees.clone();
    premier.insert("telephone".into(), Value::String("+33298000000".into()));
    let r = store
        .modifier_lieu(&admin, modif(2, premier, Origine::Administration))
        .await
        .unwrap();
    assert!(matches!(
        r,
        ResultatModification::Enregistree { version: 3, .. }
    ));
    let mut second = courant.donnees.clone();
    second.insert("horaires".into(), Value::String("Fr 14:00-18:00".into()));
    let r = store
        .modifier_lieu(&membre, modif(2, second, Origine::Structure))
        .await
        .unwrap();
    assert_eq!(r, ResultatModification::VersionDepassee { courante: 3 });
    // Rien à changer : rien d'écrit.
    let courant = store.lieu_courant("region", "L1").await.unwrap().unwrap();
    let r = store
        .modifier_lieu(
            &admin,
            modif(3, courant.donnees.clone(), Origine::Administration),
        )
        .await
        .unwrap();
    assert_eq!(r, ResultatModification::RienAChanger);

    let h = store.historique_lieu("region", "L1").await.unwrap();
    assert_eq!(h.iter().map(|v| v.version).collect::<Vec<_>>(), [3, 2, 1]);
    assert!(h[2].creation && h[2].changements.is_empty());
    assert_eq!(h[1].origine, Origine::Structure);
    assert_eq!(h[1].organisation_id.as_deref(), Some("org-port"));
    assert_eq!(h[1].auteur, membre.journal());
    assert!(h[1].changements.contains(&Changement {
        champ: "horaires".into(),
        avant: Some("Mo 09:00-12:00".into()),
        apres: Some("Mo 10:00-12:00".into()),
    }));
    assert_eq!(
        h[0].changements,
        [Changement {
            champ: "telephone".into(),
            avant: None,
            apres: Some("+33298000000".into()),
        }]
    );

    // L'état à la version 1 est la création, telle qu'écrite.
    let v1 = store
        .lieu_a_la_version("region", "L1", 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(valeur(&v1, "horaires").as_deref(), Some("Mo 09:00-12:00"));
    assert_eq!(valeur(&v1, "telephone"), None);
    assert_eq!(valeur(&v1, "source").as_deref(), Some("Région"));
    assert!(store
        .lieu_a_la_version("region", "L1", 4)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .lieu_a_la_version("region", "L2", 1)
        .await
        .unwrap()
        .is_none());

    // Chaque version est au journal.
    let journal = store.journal_objet("lieu", "region/L1").await.unwrap();
    let actions: Vec<&str> = journal.iter().map(|e| e.contenu.action.as_str()).collect();
    assert_eq!(actions, ["creer_lieu", "modifier_lieu", "modifier_lieu"]);
});

deux_bases!(une_structure_tient_un_lieu, |store: Store| async move {
    let admin = Acteur::new("adm", Role::Administrateur);
    store
        .modifier_lieu(
            &admin,
            modif(0, lieu("Mo 09:00-12:00"), Origine::Proposition),
        )
        .await
        .unwrap();
    assert!(store
        .structure_du_lieu("region", "L1")
        .await
        .unwrap()
        .is_none());
    let org = commun::structure_de_lieu(&store, &admin, "org-port", "Association du Port").await;
    store
        .attribuer_lieu(&admin, "region", "L1", &org, true)
        .await
        .unwrap();
    let s = store
        .structure_du_lieu("region", "L1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.organisation_id.as_str(), s.nom.as_str(), s.automatique),
        ("org-port", "Association du Port", true)
    );
    // Idempotent pour la même structure ; refusé pour une autre.
    store
        .attribuer_lieu(&admin, "region", "L1", &org, false)
        .await
        .unwrap();
    let mut autre = store.organisation(&org).await.unwrap().unwrap();
    autre.id = "org-autre".into();
    store.creer_organisation(&admin, &autre).await.unwrap();
    let e = store
        .attribuer_lieu(&admin, "region", "L1", "org-autre", false)
        .await
        .unwrap_err();
    assert!(matches!(e, ErreurStore::Conflit(_)), "{e:?}");
});
