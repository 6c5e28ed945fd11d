//! Import des lieux sur les deux bases : tout ou rien, réimport idempotent, données intactes.

use std::path::PathBuf;

use reperes_domain::lieux::{lire, valider_lot, Enregistrement, Format, SchemaTable};
use reperes_domain::Role;
use reperes_store::{deux_bases, Acteur, BilanImport, ErreurStore, Store, VersionLieux};
use serde_json::Value;

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

/// `n` lieux générés, identifiants `g-0000`, `g-0001`…
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
    // 2 500 lieux (plus de deux requêtes d'insertion groupée), dont la moitié existe déjà.
    importer(&store, "banc", &lot_genere(1250)).await;
    let progres = std::sync::Mutex::new(Vec::new());
    let b = store
        .importer_lieux(&cli, "banc", &lot_genere(2500), &|fait, total| {
            progres.lock().unwrap().push((fait, total))
        })
        .await
        .unwrap();
    assert_eq!(
        b,
        BilanImport {
            crees: 1250,
            mis_a_jour: 1250
        }
    );
    assert_eq!(
        progres.into_inner().unwrap(),
        vec![(1024, 2500), (2048, 2500), (2500, 2500)]
    );
    assert_eq!(store.nombre_de_lieux().await.unwrap(), 2500);
    let (e, importe_le) = store.lieu("banc", "g-2499").await.unwrap().unwrap();
    assert_eq!(e["nom"], "Lieu 2499");
    assert!(importe_le.starts_with("20"));
    let v = store.version_lieux().await.unwrap();
    assert_eq!(v.nombre, 2500);
    assert_eq!(v.numero, 2, "deux imports");
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

// --- Écriture en masse (issue 14) : import par paquets dans une transaction -------------------

fn cli() -> &'static Acteur {
    static CLI: std::sync::OnceLock<Acteur> = std::sync::OnceLock::new();
    CLI.get_or_init(|| Acteur::new("cli", Role::Systeme))
}

/// Lieux `prefixe-0000`… dont le nom porte un marqueur (pour voir une mise à jour).
fn lot_marque(prefixe: &str, debut: usize, n: usize, marque: &str) -> Vec<Enregistrement> {
    let modele = exemple().remove(0);
    (debut..debut + n)
        .map(|i| {
            let mut e = modele.clone();
            e.insert("id".into(), Value::String(format!("{prefixe}-{i:04}")));
            e.insert("nom".into(), Value::String(format!("{marque} {i}")));
            e
        })
        .collect()
}

async fn entrees_journal(store: &Store, source: &str) -> Vec<serde_json::Value> {
    store
        .journal_objet("source_lieux", source)
        .await
        .unwrap()
        .into_iter()
        .map(|e| serde_json::from_str(e.contenu.apres.as_deref().unwrap()).unwrap())
        .collect()
}

deux_bases!(import_par_paquets_puis_commit, |store: Store| async move {
    // 1 000 lieux existent déjà (g-0000…g-0999) ; l'import en apporte 2 600 en trois paquets de
    // tailles inégales (qui ne tombent pas sur les requêtes de 1 024 lignes) : g-0500…g-3099.
    let b = store
        .importer_lieux(
            cli(),
            "paquets",
            &lot_marque("g", 0, 1000, "Ancien"),
            &|_, _| {},
        )
        .await
        .unwrap();
    assert_eq!(
        b,
        BilanImport {
            crees: 1000,
            mis_a_jour: 0
        }
    );
    let mut import = store
        .commencer_import_lieux(cli(), "paquets")
        .await
        .unwrap();
    import
        .ecrire(&lot_marque("g", 500, 700, "Nouveau"))
        .await
        .unwrap();
    assert_eq!(import.ecrits(), 700);
    import
        .ecrire(&lot_marque("g", 1200, 1537, "Nouveau"))
        .await
        .unwrap();
    import
        .ecrire(&lot_marque("g", 2737, 363, "Nouveau"))
        .await
        .unwrap();
    assert_eq!(import.ecrits(), 2600);
    let b = import.terminer().await.unwrap();
    // Créés : g-1000…g-3099 = 2 100 ; mis à jour : g-0500…g-0999 = 500.
    assert_eq!(
        b,
        BilanImport {
            crees: 2100,
            mis_a_jour: 500
        }
    );
    assert_eq!(store.nombre_de_lieux().await.unwrap(), 3100);
    let nom = |id: &'static str| {
        let store = store.clone();
        async move { store.lieu("paquets", id).await.unwrap().unwrap().0["nom"].clone() }
    };
    assert_eq!(
        nom("g-0499").await,
        "Ancien 499",
        "hors de l'import : intact"
    );
    assert_eq!(nom("g-0500").await, "Nouveau 500");
    assert_eq!(nom("g-1023").await, "Nouveau 1023");
    assert_eq!(nom("g-2736").await, "Nouveau 2736");
    assert_eq!(nom("g-3099").await, "Nouveau 3099");
    assert_eq!(
        entrees_journal(&store, "paquets").await,
        vec![
            serde_json::json!({"source": "paquets", "crees": 1000, "mis_a_jour": 0}),
            serde_json::json!({"source": "paquets", "crees": 2100, "mis_a_jour": 500}),
        ]
    );
    store.verifier_journal().await.unwrap();
});

deux_bases!(
    reimport_par_paquets_que_des_mises_a_jour,
    |store: Store| async move {
        let lot = lot_marque("r", 0, 1500, "Avant");
        importer(&store, "re", &lot).await;
        let v = store.version_lieux().await.unwrap();
        let mut import = store.commencer_import_lieux(cli(), "re").await.unwrap();
        import
            .ecrire(&lot_marque("r", 0, 1100, "Après"))
            .await
            .unwrap();
        import
            .ecrire(&lot_marque("r", 1100, 400, "Après"))
            .await
            .unwrap();
        assert_eq!(
            import.terminer().await.unwrap(),
            BilanImport {
                crees: 0,
                mis_a_jour: 1500
            }
        );
        assert_eq!(store.nombre_de_lieux().await.unwrap(), 1500);
        let (e, importe_le) = store.lieu("re", "r-1499").await.unwrap().unwrap();
        assert_eq!(e["nom"], "Après 1499");
        let w = store.version_lieux().await.unwrap();
        assert_eq!(w.nombre, 1500, "aucune création");
        assert_eq!(w.numero, v.numero + 1);
        assert_eq!(w.dernier_import.as_deref(), Some(importe_le.as_str()));
        assert!(w.dernier_import > v.dernier_import);
    }
);

deux_bases!(
    import_lache_sans_terminer_rien_ecrit,
    |store: Store| async move {
        importer(&store, "garde", &lot_marque("k", 0, 3, "Gardé")).await;
        let v = store.version_lieux().await.unwrap();
        {
            let mut import = store.commencer_import_lieux(cli(), "lache").await.unwrap();
            // Plus d'une requête pleine : des lignes sont déjà dans la transaction.
            import
                .ecrire(&lot_marque("l", 0, 2100, "Lâché"))
                .await
                .unwrap();
            assert_eq!(import.ecrits(), 2100);
            // Lâché ici, sans `terminer`.
        }
        assert_eq!(
            store.nombre_de_lieux().await.unwrap(),
            3,
            "rien de l'import lâché"
        );
        assert!(store.lieu("lache", "l-0000").await.unwrap().is_none());
        assert!(
            entrees_journal(&store, "lache").await.is_empty(),
            "pas d'entrée de journal"
        );
        assert_eq!(store.version_lieux().await.unwrap(), v, "version inchangée");
        // La base reste utilisable : un nouvel import passe.
        importer(&store, "lache", &lot_marque("l", 0, 2, "Repris")).await;
        assert_eq!(store.nombre_de_lieux().await.unwrap(), 5);
        store.verifier_journal().await.unwrap();
    }
);

deux_bases!(
    identifiant_en_double_entre_deux_paquets,
    |store: Store| async move {
        importer(&store, "d", &lot_marque("d", 0, 10, "Avant")).await;
        let v = store.version_lieux().await.unwrap();
        // d-0005 est déjà en base (mise à jour permise une fois), puis revient dans un paquet envoyé
        // par une autre requête : erreur.
        let mut import = store.commencer_import_lieux(cli(), "d").await.unwrap();
        import
            .ecrire(&lot_marque("d", 0, 1100, "Premier"))
            .await
            .unwrap();
        let resultat = match import.ecrire(&lot_marque("d", 5, 1, "Second")).await {
            Ok(()) => import.terminer().await,
            Err(e) => Err(e),
        };
        match resultat {
            Err(ErreurStore::Corrompue(m)) => assert!(m.contains("en double"), "{m}"),
            autre => panic!("doublon accepté : {autre:?}"),
        }
        // Dans un même paquet aussi (nommé).
        let mut import = store.commencer_import_lieux(cli(), "d").await.unwrap();
        let mut lot = lot_marque("n", 0, 3, "Neuf");
        lot.push(lot[1].clone());
        import.ecrire(&lot).await.unwrap();
        match import.terminer().await {
            Err(ErreurStore::Corrompue(m)) => assert!(m.contains("n-0001"), "{m}"),
            autre => panic!("doublon accepté : {autre:?}"),
        }
        // Rien d'écrit : les 10 lieux d'avant, intacts ; une seule entrée de journal ; même version.
        assert_eq!(store.nombre_de_lieux().await.unwrap(), 10);
        assert_eq!(
            store.lieu("d", "d-0005").await.unwrap().unwrap().0["nom"],
            "Avant 5"
        );
        assert_eq!(entrees_journal(&store, "d").await.len(), 1);
        assert_eq!(store.version_lieux().await.unwrap(), v);
        store.verifier_journal().await.unwrap();
    }
);

deux_bases!(
    version_change_a_chaque_import_et_seulement_alors,
    |store: Store| async move {
        let v0 = store.version_lieux().await.unwrap();
        assert_eq!(
            v0,
            VersionLieux {
                numero: 0,
                nombre: 0,
                dernier_import: None
            }
        );
        importer(&store, "v", &lot_marque("v", 0, 4, "Un")).await;
        let v1 = store.version_lieux().await.unwrap();
        assert_eq!((v1.numero, v1.nombre), (1, 4));
        // Lire ne change rien.
        store.lieux().await.unwrap();
        store.parcourir_lieux(2, &mut |_| {}).await.unwrap();
        store.lieu("v", "v-0001").await.unwrap();
        assert_eq!(store.version_lieux().await.unwrap(), v1);
        // Un import lâché non plus.
        let mut import = store.commencer_import_lieux(cli(), "v").await.unwrap();
        import.ecrire(&lot_marque("v", 4, 2, "Deux")).await.unwrap();
        drop(import);
        assert_eq!(store.version_lieux().await.unwrap(), v1);
        // Un réimport identique change la version (la table a été réécrite).
        importer(&store, "v", &lot_marque("v", 0, 4, "Un")).await;
        let v2 = store.version_lieux().await.unwrap();
        assert_eq!((v2.numero, v2.nombre), (2, 4));
        assert!(v2.dernier_import > v1.dernier_import);
        importer(&store, "w", &lot_marque("v", 0, 3, "Autre source")).await;
        let v3 = store.version_lieux().await.unwrap();
        assert_eq!((v3.numero, v3.nombre), (3, 7));
        assert_eq!(store.nombre_de_lieux().await.unwrap(), 7);
        // Écarter un doublon probable écrit dans `lieux_distincts` : la version change aussi.
        store
            .declarer_distincts(
                &Acteur::new("admin", Role::Administrateur),
                "v/v-0000",
                "w/v-0000",
            )
            .await
            .unwrap();
        let v4 = store.version_lieux().await.unwrap();
        assert_eq!((v4.numero, v4.nombre), (4, 7));
        assert_eq!(v4.dernier_import, v3.dernier_import);
    }
);

deux_bases!(
    parcourir_lieux_tout_dans_l_ordre_par_paquets,
    |store: Store| async move {
        let mut appels = 0;
        store
            .parcourir_lieux(10, &mut |_| appels += 1)
            .await
            .unwrap();
        assert_eq!(appels, 0, "base vide : aucun paquet");
        importer(&store, "b", &lot_marque("x", 0, 3, "B")).await;
        importer(&store, "a", &lot_marque("x", 0, 4, "A")).await;
        importer(&store, "a", &lot_marque("y", 0, 1, "A")).await;
        let (_, importe_b) = store.lieu("b", "x-0000").await.unwrap().unwrap();
        let mut paquets: Vec<Vec<(String, String, String)>> = vec![];
        store
            .parcourir_lieux(3, &mut |p| {
                paquets.push(
                    p.into_iter()
                        .map(|(s, i, e)| (s, e["id"].as_str().unwrap().to_string(), i))
                        .collect(),
                )
            })
            .await
            .unwrap();
        let cles: Vec<Vec<String>> = paquets
            .iter()
            .map(|p| p.iter().map(|(s, id, _)| format!("{s}/{id}")).collect())
            .collect();
        assert_eq!(
            cles,
            vec![
                vec!["a/x-0000", "a/x-0001", "a/x-0002"],
                vec!["a/x-0003", "a/y-0000", "b/x-0000"],
                vec!["b/x-0001", "b/x-0002"],
            ]
        );
        assert!(paquets[2].iter().all(|(_, _, i)| *i == importe_b));
        // Taille qui tombe juste : pas de paquet vide à la fin ; données complètes.
        let mut tout = vec![];
        let mut tailles = vec![];
        store
            .parcourir_lieux(4, &mut |p| {
                tailles.push(p.len());
                tout.extend(p.into_iter().map(|(s, _, e)| (s, e)));
            })
            .await
            .unwrap();
        assert_eq!(tailles, vec![4, 4]);
        assert_eq!(tout, store.lieux().await.unwrap());
    }
);
