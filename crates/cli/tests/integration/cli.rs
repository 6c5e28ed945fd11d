//! Le binaire `reperes`, lancé comme le ferait une personne.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use reperes_store::test_support::BaseDeTest;
use reperes_store::Backend;

fn reperes(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_reperes"));
    c.args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("lancement de reperes")
}

/// `reperes lieux import <fichier> --source <source>`, suivi des options `plus`.
fn importer_lieux(fichier: &Path, source: &str, plus: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec![
        "lieux",
        "import",
        fichier.to_str().unwrap(),
        "--source",
        source,
    ];
    args.extend_from_slice(plus);
    reperes(&args, env)
}

fn sortie(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn depot() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../referentiels")
}

#[test]
fn referentiels_check_resume_les_fichiers_du_depot() {
    let o = reperes(&["referentiels", "check", depot().to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", sortie(&o));
    let s = sortie(&o);
    assert!(
        s.contains("nec-2022 2022.1 (label) : 6 critères, 2 niveau(x), 36 exigence(s)"),
        "{s}"
    );
    assert!(s.contains("charte-territoire-actions"));
    assert!(s.contains("licences-d323-2-1"));
}

#[test]
fn referentiels_check_situe_l_erreur() {
    let dir = std::env::temp_dir().join(format!("reperes-ref-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(depot()).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let f = dir.join("label-nec-2021.toml");
    let texte = std::fs::read_to_string(&f).unwrap();
    std::fs::write(
        &f,
        texte.replacen("id = \"securite\"", "id = \"sécurité\"", 1),
    )
    .unwrap();
    let o = reperes(&["referentiels", "check", dir.to_str().unwrap()], &[]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", sortie(&o));
    let s = sortie(&o);
    assert!(s.contains("label-nec-2021.toml, ligne "), "{s}");
    assert!(s.contains("clé `criteres[2].id`"), "{s}");
    assert!(s.contains("identifiant « sécurité » invalide"), "{s}");
}

#[test]
fn referentiels_check_verifie_les_textes_officiels_mot_pour_mot() {
    let o = reperes(&["referentiels", "check", depot().to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", sortie(&o));
    assert!(
        sortie(&o)
            .contains("textes d'origine officielle trouvés mot pour mot dans textes-officiels/"),
        "{}",
        sortie(&o)
    );
    // Une copie du dossier, copies des textes officiels comprises, où le texte officiel du
    // critère « Ouverture » est « corrigé » en silence d'une lettre (D232 → D323).
    let dir = std::env::temp_dir().join(format!("reperes-textes-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("textes-officiels")).unwrap();
    for (src, dst) in [
        (depot(), dir.clone()),
        (
            depot().join("textes-officiels"),
            dir.join("textes-officiels"),
        ),
    ] {
        for e in std::fs::read_dir(src).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, dst.join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    let f = dir.join("label-nec-2021.toml");
    let texte = std::fs::read_to_string(&f).unwrap();
    assert!(texte.contains("Open Data (D232-2-1 CRPA)."));
    std::fs::write(
        &f,
        texte.replacen(
            "Open Data (D232-2-1 CRPA).",
            "Open Data (D323-2-1 CRPA).",
            1,
        ),
    )
    .unwrap();
    let o = reperes(&["referentiels", "check", dir.to_str().unwrap()], &[]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", sortie(&o));
    let s = sortie(&o);
    assert!(
        s.contains("nec-2021@2021.1, criteres[ouverture].description : texte introuvable mot pour mot dans arrete-2021-11-09-nec.txt"),
        "{s}"
    );
}

#[test]
fn demarrage_refuse_des_referentiels_invalides() {
    let dir = std::env::temp_dir().join(format!("reperes-vide-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("casse.toml"), "nature = \"label\"\nid = [").unwrap();
    let o = reperes(
        &["serve", "--addr", "127.0.0.1:0", "--no-demo"],
        &[("REPERES_REFERENTIELS", dir.to_str().unwrap())],
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", sortie(&o));
    let s = sortie(&o);
    assert!(s.contains("casse.toml, ligne 2"), "{s}");
}

#[test]
fn url_de_base_mal_ecrite_refusee_sans_creer_de_fichier() {
    let o = reperes(&["migrate"], &[("DATABASE_URL", "reperes.db")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        sortie(&o).contains("URL de base de données non reconnue"),
        "{}",
        sortie(&o)
    );
    assert!(!Path::new("reperes.db").exists());
}

/// Clé du journal d'audit des tests (valeur donnée directement).
const CLE: &str = "cle-de-test-du-journal-d-audit-0123456789";

/// `demo` puis `audit verify` (avec la clé) ; une falsification est ensuite détectée, même
/// empreintes recalculées de façon cohérente ; sans la clé, ou avec une autre, `audit verify`
/// le dit.
async fn demo_et_audit(backend: Backend) {
    let base = BaseDeTest::nouvelle(backend).await;
    // Un dossier de fichiers sans fichier de clé par défaut.
    let dossier = std::env::temp_dir().join(format!("reperes-cli-{}", uuid::Uuid::new_v4()));
    let fichiers = dossier.join("fichiers");
    let fichiers = fichiers.to_str().unwrap();
    let env = [
        ("DATABASE_URL", base.url.as_str()),
        ("REPERES_CLE_AUDIT", CLE),
        ("REPERES_FICHIERS", fichiers),
    ];
    let o = reperes(&["demo"], &env);
    assert!(o.status.success(), "{}", sortie(&o));
    assert!(sortie(&o).contains("Démonstration chargée : 15 dossiers"));
    // La version locale de démonstration.
    let v = base
        .store
        .version_locale_par_slug("charente")
        .await
        .unwrap()
        .expect("version locale de démonstration");
    assert_eq!(v.nom, "Carte de la Charente (démo)");
    assert_eq!(v.perimetre.texte(), "departement:16");
    assert_eq!(v.theme, "neutre");
    assert!(v.active);
    // Tous les états sont représentés.
    let comptes = base.store.compter_par_etat().await.unwrap();
    assert!(comptes.iter().all(|(_, n)| *n >= 1), "{comptes:?}");
    // Une deuxième démo est refusée : la base n'est plus vide.
    assert_eq!(reperes(&["demo"], &env).status.code(), Some(1));
    let o = reperes(&["audit", "verify"], &env);
    assert!(o.status.success(), "{}", sortie(&o));
    let n = base.store.taille_journal().await.unwrap();
    assert!(sortie(&o).contains(&format!("{n} entrée(s) vérifiée(s)")));
    assert!(
        sortie(&o).contains("Toutes les entrées sont scellées"),
        "{}",
        sortie(&o)
    );
    // Sans la clé : refus clair (code 2).
    let o = reperes(
        &["audit", "verify"],
        &[
            ("DATABASE_URL", base.url.as_str()),
            ("REPERES_FICHIERS", fichiers),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", sortie(&o));
    assert!(
        sortie(&o).contains("Clé du journal d'audit introuvable : donnez REPERES_CLE_AUDIT"),
        "{}",
        sortie(&o)
    );
    // Une autre clé : détectée.
    let autre = "une-autre-cle-qui-n-est-pas-celle-du-journal";
    let o = reperes(
        &["audit", "verify"],
        &[
            ("DATABASE_URL", base.url.as_str()),
            ("REPERES_CLE_AUDIT", autre),
            ("REPERES_FICHIERS", fichiers),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", sortie(&o));
    assert!(
        sortie(&o).contains("ne correspond pas à la clé donnée"),
        "{}",
        sortie(&o)
    );
    sqlx::query("UPDATE audit SET motif = 'réécrit' WHERE seq = 5")
        .execute(base.store.pool())
        .await
        .unwrap();
    let o = reperes(&["audit", "verify"], &env);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        sortie(&o).contains("l'entrée n° 5 ne correspond plus"),
        "{}",
        sortie(&o)
    );
    // Le faussaire recalcule les empreintes de l'entrée 5 et de toutes les suivantes, puis la
    // tête : les empreintes redeviennent cohérentes, mais il n'a pas la clé pour les sceller.
    reecrire_empreintes(&base.store, 5).await;
    let o = reperes(&["audit", "verify"], &env);
    assert_eq!(o.status.code(), Some(1), "{}", sortie(&o));
    assert!(
        sortie(&o).contains("le sceau de l'entrée n° 5 est faux"),
        "{}",
        sortie(&o)
    );
    base.fin().await;
    let _ = std::fs::remove_dir_all(&dossier);
}

/// Recalcule les empreintes SHA-256 à partir de l'entrée `depuis`, et la tête, comme le ferait
/// quelqu'un qui peut écrire la base.
async fn reecrire_empreintes(store: &reperes_store::Store, depuis: i64) {
    use reperes_domain::audit::{empreinte, NouvelleEntree};
    type Ligne = (
        i64,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
    );
    let lignes: Vec<Ligne> = sqlx::query_as(
        "SELECT seq, horodatage, acteur, action, objet_type, objet_id, avant, apres, motif, hash_precedent \
         FROM audit WHERE seq >= $1 ORDER BY seq",
    )
    .bind(depuis)
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut precedent = lignes[0].9.clone();
    let mut derniere = (0, String::new());
    for (seq, horodatage, acteur, action, objet_type, objet_id, avant, apres, motif, _) in lignes {
        let e = NouvelleEntree {
            horodatage,
            acteur,
            action,
            objet_type,
            objet_id,
            avant,
            apres,
            motif,
        };
        let hash = empreinte(seq, &e, &precedent);
        sqlx::query("UPDATE audit SET hash_precedent = $1, hash = $2 WHERE seq = $3")
            .bind(&precedent)
            .bind(&hash)
            .bind(seq)
            .execute(store.pool())
            .await
            .unwrap();
        precedent = hash.clone();
        derniere = (seq, hash);
    }
    sqlx::query("UPDATE audit_tete SET seq = $1, hash = $2 WHERE id = 1")
        .bind(derniere.0)
        .bind(&derniere.1)
        .execute(store.pool())
        .await
        .unwrap();
}

sur_les_deux_bases!(demo_et_audit);

/// `lieux import` puis `lieux export` : valides importés, fautifs rapportés, réimport idempotent.
async fn lieux_import_export(backend: Backend) {
    let base = BaseDeTest::nouvelle(backend).await;
    let env = [("DATABASE_URL", base.url.as_str())];
    let donnees = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../donnees/lieux");
    let nc = donnees.join("nouvelle-caledonie-20240320_schema-update-20240912.json");
    let rapport =
        std::env::temp_dir().join(format!("rapport-{}-{:?}.json", std::process::id(), backend));
    let o = importer_lieux(&nc, "nc", &["--rapport", rapport.to_str().unwrap()], &env);
    assert_eq!(
        o.status.code(),
        Some(1),
        "des enregistrements rejetés : code 1\n{}",
        sortie(&o)
    );
    assert!(sortie(&o).contains("90 enregistrement(s) lu(s), 78 valide(s) importé(s) (78 créé(s), 0 mis à jour), 12 rejeté(s)"), "{}", sortie(&o));
    let r: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&rapport).unwrap()).unwrap();
    std::fs::remove_file(&rapport).unwrap();
    assert_eq!(r.len(), 12);
    assert!(r.iter().all(|p| p["champ"] == "presentation_resume"
        && p["regle"] == "longueur"
        && p["fichier"].as_str().unwrap().ends_with(".json")));
    let o = importer_lieux(&nc, "nc", &[], &env);
    assert!(
        sortie(&o).contains("(0 créé(s), 78 mis à jour)"),
        "{}",
        sortie(&o)
    );
    assert_eq!(base.store.nombre_de_lieux().await.unwrap(), 78);
    // Un fichier illisible ne fait rien importer.
    let casse =
        std::env::temp_dir().join(format!("casse-{}-{:?}.csv", std::process::id(), backend));
    std::fs::write(&casse, b"id,nom\nl1,deux,colonnes de trop\n").unwrap();
    let o = reperes(&["lieux", "import", casse.to_str().unwrap()], &env);
    std::fs::remove_file(&casse).unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", sortie(&o));
    assert_eq!(base.store.nombre_de_lieux().await.unwrap(), 78);
    let o = reperes(&["lieux", "export", "--format", "csv"], &env);
    assert!(o.status.success());
    let texte = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        texte.lines().next().unwrap().split(',').count(),
        32,
        "les 32 champs du schéma"
    );
    let mut lecteur = csv::Reader::from_reader(texte.as_bytes());
    assert_eq!(lecteur.records().count(), 78);
    // Les mêmes lieux sous une autre source : l'export garde des identifiants uniques.
    let o = importer_lieux(&nc, "copie", &[], &env);
    // Sans `--doublons`, l'import ne relit pas la base : une ligne renvoie à `lieux doublons`.
    assert!(
        sortie(&o).contains("Doublons probables : `reperes lieux doublons`")
            && !sortie(&o).contains("à examiner"),
        "{}",
        sortie(&o)
    );
    let o = reperes(&["lieux", "export", "--format", "csv"], &env);
    let texte = String::from_utf8(o.stdout).unwrap();
    let ids: Vec<String> = csv::Reader::from_reader(texte.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    assert_eq!(ids.len(), 156);
    let uniques: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(uniques.len(), 156, "identifiants uniques");
    assert!(
        ids.iter().any(|i| i.starts_with("copie:")) && ids.iter().any(|i| i.starts_with("nc:"))
    );
    // Mode compatible : ce que la bibliothèque de référence accepte (résumés longs compris).
    let o = importer_lieux(&nc, "nc", &["--mode", "compatible"], &env);
    assert!(o.status.success(), "{}", sortie(&o));
    assert!(
        sortie(&o).contains("90 valide(s) importé(s) (12 créé(s), 78 mis à jour)"),
        "{}",
        sortie(&o)
    );
    // L'export reste conforme au schéma : les 12 résumés trop longs sont omis, pas les lieux.
    let o = reperes(&["lieux", "export", "--format", "geojson"], &env);
    let geo: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(geo["features"].as_array().unwrap().len(), 168);
    assert!(String::from_utf8_lossy(&o.stderr).contains("12 écart(s)"));
    let o = reperes(
        &["lieux", "export", "--format", "data-inclusion-services"],
        &env,
    );
    let services: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(services.as_array().unwrap().len(), 168);
    let o = reperes(&["lieux", "export", "--format", "xml"], &env);
    assert_eq!(o.status.code(), Some(2));
    // Les mêmes lieux sous deux sources : doublons probables (même pivot ou même nom et adresse).
    let o = reperes(&["lieux", "doublons"], &env);
    assert!(o.status.success());
    assert!(
        sortie(&o).contains("doublon(s) probable(s)") && sortie(&o).contains("copie/"),
        "{}",
        sortie(&o)
    );
    // `import --doublons` : le compte de toute la base, comme avant (réimport idempotent).
    let o = importer_lieux(&nc, "copie", &["--doublons"], &env);
    assert!(
        sortie(&o).contains("(0 créé(s), 78 mis à jour)")
            && sortie(&o)
                .contains("78 doublon(s) probable(s) à examiner : `reperes lieux doublons`.")
            && !sortie(&o).contains("Doublons probables :"),
        "{}",
        sortie(&o)
    );
    // Un fichier v0.1 : traduit explicitement, traduction au rapport.
    let v01 = std::env::temp_dir().join(format!("v01-{}-{:?}.csv", std::process::id(), backend));
    std::fs::write(
        &v01,
        "id,pivot,nom,commune,code_postal,adresse,date_maj,services,publics_accueillis\n\
         v-1,43493312300029,Ancien lieu,Cognac,16100,1 place,2022-05-01,Prendre en main un ordinateur;Accéder à du matériel,Seniors (+ 65 ans)\n",
    )
    .unwrap();
    let rapport_v01 = std::env::temp_dir().join(format!(
        "rapport-v01-{}-{:?}.csv",
        std::process::id(),
        backend
    ));
    let o = importer_lieux(
        &v01,
        "ancien",
        &["--rapport", rapport_v01.to_str().unwrap()],
        &env,
    );
    assert!(o.status.success(), "{}", sortie(&o));
    assert!(
        sortie(&o).contains("schéma 0.1 traduit en v1.0.2"),
        "{}",
        sortie(&o)
    );
    let r = std::fs::read_to_string(&rapport_v01).unwrap();
    assert!(
        r.contains("traduction v0.1") && r.contains("Maîtrise des outils numériques du quotidien"),
        "{r}"
    );
    // `verifier` n'ouvre aucune base.
    let o = reperes(
        &[
            "lieux",
            "verifier",
            v01.to_str().unwrap(),
            "--version-schema",
            "1.0.2",
        ],
        &[("DATABASE_URL", "postgres://personne@127.0.0.1:1/rien")],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "services v0.1 lus comme v1 : rejetés\n{}",
        sortie(&o)
    );
    let o = reperes(
        &[
            "lieux",
            "verifier",
            v01.to_str().unwrap(),
            "--lecture-seule",
        ],
        &[],
    );
    assert!(
        o.status.success() && sortie(&o).contains("1 enregistrement(s) lu(s)"),
        "{}",
        sortie(&o)
    );
    std::fs::remove_file(&v01).unwrap();
    std::fs::remove_file(&rapport_v01).unwrap();
    base.fin().await;
}

sur_les_deux_bases!(lieux_import_export);

/// Un fichier de 45 lieux : les 40 premiers avec un code postal de 3 chiffres, le 45e qui
/// reprend l'identifiant du 1er.
fn fichier_a_problemes() -> Vec<u8> {
    let exemple =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../donnees/lieux/exemple-valide-v1.0.2.csv");
    let mut lecteur = csv::Reader::from_path(exemple).unwrap();
    let entetes = lecteur.headers().unwrap().clone();
    let modele = lecteur.records().next().unwrap().unwrap();
    let colonne = |nom: &str| entetes.iter().position(|h| h == nom).unwrap();
    let (id, cp) = (colonne("id"), colonne("code_postal"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&entetes).unwrap();
    for i in 1..=45 {
        let ligne: Vec<String> = modele
            .iter()
            .enumerate()
            .map(|(c, v)| match c {
                c if c == id && i == 45 => "r-1".to_string(),
                c if c == id => format!("r-{i}"),
                c if c == cp && i <= 40 => "123".to_string(),
                _ => v.to_string(),
            })
            .collect();
        w.write_record(&ligne).unwrap();
    }
    w.into_inner().unwrap()
}

/// `lieux verifier --rapport` : le rapport CSV et le rapport JSON, écrits en flux, ont chacun
/// les 41 problèmes (le terminal n'en montre que 30).
#[test]
fn rapport_complet_csv_et_json_ecrit_en_flux() {
    let dossier = std::env::temp_dir().join(format!("rapport-flux-{}", std::process::id()));
    std::fs::create_dir_all(&dossier).unwrap();
    let fichier = dossier.join("problemes.csv");
    std::fs::write(&fichier, fichier_a_problemes()).unwrap();
    let nom = fichier.to_str().unwrap();
    for extension in ["csv", "json"] {
        let rapport = dossier.join(format!("rapport.{extension}"));
        let o = reperes(
            &[
                "lieux",
                "verifier",
                nom,
                "--rapport",
                rapport.to_str().unwrap(),
            ],
            &[],
        );
        let s = sortie(&o);
        assert_eq!(o.status.code(), Some(1), "{s}");
        assert!(
            s.contains("45 enregistrement(s), 4 valide(s), 41 rejeté(s), 41 problème(s)"),
            "{s}"
        );
        assert!(
            s.contains(&format!("… et 11 autre(s) problème(s) dans {nom}")),
            "{s}"
        );
        assert!(s.contains("(41 ligne(s))"), "{s}");
        let texte = std::fs::read_to_string(&rapport).unwrap();
        let lignes: Vec<Vec<String>> = if extension == "csv" {
            let mut r = csv::Reader::from_reader(texte.as_bytes());
            assert_eq!(
                r.headers().unwrap().iter().collect::<Vec<_>>(),
                [
                    "fichier",
                    "enregistrement",
                    "id",
                    "champ",
                    "valeur",
                    "regle",
                    "message"
                ]
            );
            r.records()
                .map(|l| l.unwrap().iter().map(str::to_string).collect())
                .collect()
        } else {
            let v: Vec<serde_json::Value> = serde_json::from_str(&texte).unwrap();
            v.iter()
                .map(|o| {
                    [
                        "fichier",
                        "enregistrement",
                        "id",
                        "champ",
                        "valeur",
                        "regle",
                        "message",
                    ]
                    .iter()
                    .map(|c| match &o[*c] {
                        serde_json::Value::String(s) => s.clone(),
                        autre => autre.to_string(),
                    })
                    .collect()
                })
                .collect()
        };
        assert_eq!(lignes.len(), 41, "{extension}");
        assert_eq!(
            lignes[0][..6],
            [nom, "1", "r-1", "code_postal", "123", "motif"],
            "{extension}"
        );
        assert_eq!(lignes[39][1..3], ["40", "r-40"], "{extension}");
        assert_eq!(
            lignes[40][1..],
            [
                "45",
                "r-1",
                "id",
                "r-1",
                "unique",
                "« id » doit être unique : valeur déjà prise par l'enregistrement n° 1"
            ],
            "{extension}"
        );
    }
    std::fs::remove_dir_all(&dossier).unwrap();
}
