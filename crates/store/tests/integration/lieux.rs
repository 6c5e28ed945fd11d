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

/// Importe `lot` pour la source donnée, au nom du CLI, sans suivre la progression.
async fn importer(
    store: &Store,
    source: &str,
    lot: &[reperes_domain::lieux::Enregistrement],
) -> BilanImport {
    store
        .importer_lieux(&Acteur::new("cli", Role::Systeme), source, lot, &|_, _| {})
        .await
        .unwrap()
}

deux_bases!(import_idempotent_par_source, |store: Store| async move {
    let lot = exemple();
    let b = importer(&store, "exemple", &lot).await;
    assert_eq!(
        b,
        BilanImport {
            crees: lot.len(),
            mis_a_jour: 0
        }
    );
    let b = importer(&store, "exemple", &lot).await;
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
    importer(&store, "autre", &lot[..1]).await;
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

/// 450 lieux (plus de deux lots d'insertion groupée), dont la moitié existe déjà.
fn lot_genere(n: usize) -> Vec<reperes_domain::lieux::Enregistrement> {
    let modele = exemple().remove(0);
    (0..n)
        .map(|i| {
            let mut e = modele.clone();
            e.insert("id".into(), serde_json::Value::String(format!("g-{i:04}")));
            e.insert("nom".into(), serde_json::Value::String(format!("Lieu {i}")));
            e
        })
        .collect()
}

deux_bases!(import_groupe_avec_progression, |store: Store| async move {
    let cli = Acteur::new("cli", Role::Systeme);
    importer(&store, "banc", &lot_genere(225)).await;
    let progres = std::sync::Mutex::new(Vec::new());
    let b = store
        .importer_lieux(&cli, "banc", &lot_genere(450), &|fait, total| {
            progres.lock().unwrap().push((fait, total))
        })
        .await
        .unwrap();
    assert_eq!(
        b,
        BilanImport {
            crees: 225,
            mis_a_jour: 225
        }
    );
    assert_eq!(
        progres.into_inner().unwrap(),
        vec![(200, 450), (400, 450), (450, 450)]
    );
    assert_eq!(store.nombre_de_lieux().await.unwrap(), 450);
    let (e, importe_le) = store.lieu("banc", "g-0449").await.unwrap().unwrap();
    assert_eq!(e["nom"], "Lieu 449");
    assert!(importe_le.starts_with("20"));
    let v = store.version_lieux().await.unwrap();
    assert_eq!(v.nombre, 450);
    assert_eq!(v.dernier_import.as_deref(), Some(importe_le.as_str()));
    store.verifier_journal().await.unwrap();
});

deux_bases!(doublons_ecartes_et_version, |store: Store| async move {
    let admin = Acteur::new("admin", Role::Administrateur);
    store
        .declarer_distincts(&admin, "b/2", "a/1")
        .await
        .unwrap();
    // Idempotent, et l'ordre de la paire n'importe pas.
    store
        .declarer_distincts(&admin, "a/1", "b/2")
        .await
        .unwrap();
    let d = store.lieux_distincts().await.unwrap();
    assert_eq!(d.len(), 1);
    assert!(d.contains(&("a/1".to_string(), "b/2".to_string())));
    assert_eq!(store.version_lieux().await.unwrap().nombre, 0);
    store.verifier_journal().await.unwrap();
});
