//! Import des lieux sur les deux bases : tout ou rien, réimport idempotent, données intactes.

use std::path::PathBuf;

use reperes_domain::lieux::{lire, valider_lot, Format, SchemaTable};
use reperes_domain::Role;
use reperes_store::{deux_bases, Acteur, BilanImport, Store};

fn exemple() -> Vec<reperes_domain::lieux::Enregistrement> {
    let racine = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let octets = std::fs::read(racine.join("donnees/lieux/exemple-valide-v1.0.2.csv")).unwrap();
    let lot = lire(&octets, Format::Csv).unwrap();
    let schema = SchemaTable::depuis_json(
        &std::fs::read_to_string(racine.join("schemas/lieux/schema-v1.0.2.json")).unwrap(),
    )
    .unwrap();
    assert!(valider_lot(&schema, &lot).is_empty());
    lot
}

deux_bases!(import_idempotent_par_source, |store: Store| async move {
    let lot = exemple();
    let cli = Acteur::new("cli", Role::Systeme);
    let b = store
        .importer_lieux(&cli, "exemple", &lot, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(
        b,
        BilanImport {
            crees: lot.len(),
            mis_a_jour: 0
        }
    );
    let b = store
        .importer_lieux(&cli, "exemple", &lot, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(
        b,
        BilanImport {
            crees: 0,
            mis_a_jour: lot.len()
        },
        "réimport : mise à jour sur place"
    );
    assert_eq!(store.nombre_de_lieux().await.unwrap(), lot.len() as i64);
    // Une autre source garde ses propres lieux, même avec les mêmes identifiants.
    store
        .importer_lieux(&cli, "autre", &lot[..1], &|_, _| {})
        .await
        .unwrap();
    assert_eq!(store.nombre_de_lieux().await.unwrap(), lot.len() as i64 + 1);
    let relus = store.lieux().await.unwrap();
    let exemple: Vec<_> = relus
        .iter()
        .filter(|(s, _)| s == "exemple")
        .map(|(_, e)| e.clone())
        .collect();
    let mut attendu = lot.clone();
    attendu.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    assert_eq!(exemple, attendu, "données relues à l'identique");
    assert_eq!(
        store
            .journal_objet("source_lieux", "exemple")
            .await
            .unwrap()
            .len(),
        2
    );
    store.verifier_journal().await.unwrap();
});

deux_bases!(import_tout_ou_rien, |store: Store| async move {
    let mut lot = exemple();
    let mut sans_id = lot[0].clone();
    sans_id.remove("id");
    lot.push(sans_id);
    assert!(store
        .importer_lieux(
            &Acteur::new("cli", Role::Systeme),
            "exemple",
            &lot,
            &|_, _| {}
        )
        .await
        .is_err());
    assert_eq!(
        store.nombre_de_lieux().await.unwrap(),
        0,
        "rien d'importé à moitié"
    );
});
