//! Versions locales de la carte (issue 17) au store, sur les deux bases : création, adresse
//! unique, modification, logo, journal d'audit.

use reperes_domain::territoires::Territoires;
use reperes_domain::versions_locales::{SaisieVersionLocale, VersionValidee};
use reperes_domain::Role;
use reperes_store::{deux_bases, Acteur, ErreurStore, Store};

fn validee(slug: &str, perimetre: &str, origines: &str) -> VersionValidee {
    SaisieVersionLocale {
        slug: slug.into(),
        nom: format!("Carte {slug}"),
        perimetre: perimetre.into(),
        couleur: "#1d4ed8".into(),
        theme: "neutre".into(),
        origines: origines.into(),
    }
    .valider(Territoires::embarque())
    .unwrap()
}

deux_bases!(creer_modifier_logo_journal, |store: Store| async move {
    let admin = Acteur::new("adm", Role::Administrateur);
    let id = store
        .creer_version_locale(
            &admin,
            &validee(
                "charente",
                "departement:16",
                "https://www.charente.fr\nhttp://localhost:9000",
            ),
        )
        .await
        .unwrap();
    let v = store
        .version_locale_par_slug("charente")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.id, id);
    assert_eq!(v.nom, "Carte charente");
    assert_eq!(v.perimetre.texte(), "departement:16");
    assert_eq!(v.perimetre.territoires[0].nom, "Charente");
    assert_eq!(
        v.origines,
        ["https://www.charente.fr", "http://localhost:9000"]
    );
    assert_eq!(v.couleur.as_deref(), Some("#1d4ed8"));
    assert!(v.active);
    assert_eq!(v.logo_type, None);
    assert!(store
        .version_locale_par_slug("gironde")
        .await
        .unwrap()
        .is_none());

    // Adresse déjà prise : refus clair, rien d'écrit.
    match store
        .creer_version_locale(&admin, &validee("charente", "departement:33", ""))
        .await
    {
        Err(ErreurStore::Conflit(m)) => assert!(m.contains("/t/charente"), "{m}"),
        autre => panic!("refus attendu : {autre:?}"),
    }
    assert_eq!(store.versions_locales().await.unwrap().len(), 1);

    // Modification : nouveau périmètre, désactivée ; une seconde version ne peut pas prendre
    // son adresse.
    let autre = store
        .creer_version_locale(&admin, &validee("angouleme", "epci:200071827", ""))
        .await
        .unwrap();
    store
        .modifier_version_locale(
            &admin,
            &id,
            &validee("charente", "departement:16,epci:200070514", ""),
            false,
        )
        .await
        .unwrap();
    let v = store.version_locale(&id).await.unwrap().unwrap();
    assert_eq!(v.perimetre.territoires.len(), 2);
    assert!(v.origines.is_empty());
    assert!(!v.active);
    assert!(matches!(
        store
            .modifier_version_locale(&admin, &autre, &validee("charente", "region:75", ""), true)
            .await,
        Err(ErreurStore::Conflit(_))
    ));
    assert!(matches!(
        store
            .modifier_version_locale(&admin, "inconnue", &validee("x1", "region:75", ""), true)
            .await,
        Err(ErreurStore::Introuvable(_))
    ));
    let slugs: Vec<String> = store
        .versions_locales()
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.slug)
        .collect();
    assert_eq!(slugs, ["angouleme", "charente"]);

    // Logo : octets rendus tels quels, puis retiré.
    let png = [
        0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0xff,
    ];
    store
        .changer_logo_version_locale(&admin, &id, Some((&png, "image/png")))
        .await
        .unwrap();
    assert_eq!(
        store.logo_version_locale(&id).await.unwrap(),
        Some((png.to_vec(), "image/png".to_string()))
    );
    let v = store.version_locale(&id).await.unwrap().unwrap();
    assert_eq!(v.logo_type.as_deref(), Some("image/png"));
    store
        .changer_logo_version_locale(&admin, &id, None)
        .await
        .unwrap();
    assert_eq!(store.logo_version_locale(&id).await.unwrap(), None);

    // Journal : création, modification (avant/après), deux changements de logo.
    let j = store.journal_objet("version_locale", &id).await.unwrap();
    let actions: Vec<&str> = j.iter().map(|e| e.contenu.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "creer_version_locale",
            "modifier_version_locale",
            "changer_logo_version_locale",
            "changer_logo_version_locale"
        ]
    );
    assert!(j[1]
        .contenu
        .avant
        .as_deref()
        .unwrap_or("")
        .contains("departement:16"));
    assert!(j[1]
        .contenu
        .apres
        .as_deref()
        .unwrap_or("")
        .contains("epci:200070514"));
});
