//! Validation des lieux contre le schéma national v1.0.2, lu tel qu'il est publié : l'exemple
//! officiel, deux jeux réels, et des enregistrements fautifs construits exprès.

use std::collections::BTreeMap;
use std::path::PathBuf;

use reperes_domain::lieux::{valider, valider_lot, Enregistrement, SchemaTable};
use serde_json::Value;

fn racine() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> SchemaTable {
    let texte =
        std::fs::read_to_string(racine().join("../../schemas/lieux/schema-v1.0.2.json")).unwrap();
    SchemaTable::depuis_json(&texte).unwrap()
}

fn csv(nom: &str) -> Vec<Enregistrement> {
    let mut r = csv::Reader::from_path(racine().join("../../donnees/lieux").join(nom)).unwrap();
    let entetes = r.headers().unwrap().clone();
    r.records()
        .map(|l| {
            let l = l.unwrap();
            entetes
                .iter()
                .zip(l.iter())
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect()
        })
        .collect()
}

fn json(nom: &str) -> Vec<Enregistrement> {
    let texte = std::fs::read_to_string(racine().join("../../donnees/lieux").join(nom)).unwrap();
    serde_json::from_str(&texte).unwrap()
}

#[test]
fn schema_national_lu_comme_une_donnee() {
    let s = schema();
    assert_eq!(s.champs.len(), 32);
    let obligatoires: Vec<&str> = s
        .champs
        .iter()
        .filter(|c| c.obligatoire)
        .map(|c| c.nom.as_str())
        .collect();
    assert_eq!(
        obligatoires,
        [
            "id",
            "pivot",
            "nom",
            "commune",
            "code_postal",
            "adresse",
            "date_maj"
        ]
    );
    assert!(s.champ("id").unwrap().unique);
}

#[test]
fn exemple_officiel_valide() {
    let lot = csv("exemple-valide-v1.0.2.csv");
    assert!(!lot.is_empty());
    assert_eq!(valider_lot(&schema(), &lot), vec![]);
}

#[test]
fn jeux_reels_valides_ou_rapportes_champ_par_champ() {
    let s = schema();
    for (nom, attendu) in [
        ("charente-20230711_schema-update-20240912.json", 188),
        (
            "nouvelle-caledonie-20240320_schema-update-20240912.json",
            90,
        ),
    ] {
        let lot = json(nom);
        assert_eq!(lot.len(), attendu, "{nom}");
        let problemes = valider_lot(&s, &lot);
        // Chaque problème nomme un enregistrement existant, un champ du schéma et une règle.
        for p in &problemes {
            assert!(p.enregistrement >= 1 && p.enregistrement <= lot.len());
            assert!(s.champ(&p.champ).is_some(), "{p:?}");
            assert!(!p.message.is_empty());
        }
        // Les champs hérités de la v0.1 (courriel, labels_nationaux…) sont ignorés, pas signalés ;
        // le pivot de remplacement « 00000000000000 » respecte le motif.
        assert!(
            problemes.iter().all(|p| p.champ != "pivot"),
            "{nom} : {:?}",
            problemes.iter().find(|p| p.champ == "pivot")
        );
        // Le rapport est déterministe.
        assert_eq!(problemes, valider_lot(&s, &lot));
        // Ce que ces deux jeux contiennent réellement : la Charente est conforme ; en
        // Nouvelle-Calédonie, 12 résumés dépassent les 280 caractères du schéma.
        let resume: Vec<(&str, &str)> = problemes
            .iter()
            .map(|p| (p.champ.as_str(), p.regle.as_str()))
            .collect();
        match attendu {
            188 => assert!(resume.is_empty(), "{resume:?}"),
            _ => assert_eq!(resume, vec![("presentation_resume", "longueur"); 12]),
        }
    }
}

fn lieu() -> Enregistrement {
    let mut e = BTreeMap::new();
    for (k, v) in [
        ("id", "lieu-1"),
        ("pivot", "43493312300029"),
        ("nom", "Médiathèque"),
        ("commune", "Reims"),
        ("code_postal", "51100"),
        ("adresse", "12 rue de Leclercq"),
        ("date_maj", "2024-09-12"),
        (
            "services",
            "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien",
        ),
        ("telephone", "+33326000000"),
    ] {
        e.insert(k.to_string(), Value::String(v.to_string()));
    }
    e.insert("latitude".into(), serde_json::json!(49.25));
    e
}

#[test]
fn tous_les_problemes_d_un_enregistrement_sont_rapportes() {
    let s = schema();
    assert_eq!(valider(&s, 1, &lieu()), vec![]);
    let mut e = lieu();
    e.remove("nom");
    e.insert("code_postal".into(), Value::String("5110".into()));
    e.insert("date_maj".into(), Value::String("12/09/2024".into()));
    e.insert("presentation_resume".into(), Value::String("x".repeat(281)));
    e.insert(
        "services".into(),
        Value::String("Aide aux démarches administratives|Cours de cuisine".into()),
    );
    e.insert("latitude".into(), Value::String("nord".into()));
    e.insert("telephone".into(), Value::String("03 26 00 00 00".into()));
    let p = valider(&s, 7, &e);
    let regles: Vec<(&str, &str)> = p
        .iter()
        .map(|x| (x.champ.as_str(), x.regle.as_str()))
        .collect();
    for attendu in [
        ("nom", "obligatoire"),
        ("code_postal", "motif"),
        ("date_maj", "type"),
        ("presentation_resume", "longueur"),
        ("services", "motif"),
        ("latitude", "type"),
        ("telephone", "motif"),
    ] {
        assert!(
            regles.contains(&attendu),
            "{attendu:?} manque dans {regles:?}"
        );
    }
    assert_eq!(p.len(), 7);
    assert!(p.iter().all(|x| x.enregistrement == 7 && x.id == "lieu-1"));
    let cp = p.iter().find(|x| x.champ == "code_postal").unwrap();
    assert_eq!(cp.valeur, "5110");
    assert!(cp.message.contains("format attendu"));
}

#[test]
fn identifiants_en_double() {
    let s = schema();
    let p = valider_lot(&s, &[lieu(), lieu()]);
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].enregistrement, p[0].regle.as_str()), (2, "unique"));
    assert!(p[0].message.contains("n° 1"));
}

#[test]
fn schema_malforme_refuse_avec_le_champ() {
    let e =
        SchemaTable::depuis_json(r#"{"fields":[{"name":"x","constraints":{"pattern":"(ab"}}]}"#)
            .unwrap_err();
    assert!(e.contains("« x »") && e.contains("motif invalide"), "{e}");
    assert!(SchemaTable::depuis_json("pas du json").is_err());
    let e = SchemaTable::depuis_json(r#"{"fields":[{"name":"y","type":"geopoint"}]}"#).unwrap_err();
    assert!(e.contains("geopoint"));
}

mod lecture {
    use reperes_domain::lieux::{lire, Format};

    #[test]
    fn bom_crlf_et_guillemets() {
        let octets = b"\xEF\xBB\xBFid,nom\r\nl1,\"M\xC3\xA9diath\xC3\xA8que, centre\"\r\nl2,\"Sur\r\ndeux lignes\"\r\n";
        let lot = lire(octets, Format::Csv).unwrap();
        assert_eq!(lot.len(), 2);
        assert_eq!(lot[0]["id"], "l1");
        assert_eq!(lot[0]["nom"], "Médiathèque, centre");
        assert_eq!(lot[1]["nom"], "Sur\r\ndeux lignes");
    }

    #[test]
    fn erreurs_claires() {
        let e = lire(b"id,nom\nl1,Caf\xE9\n", Format::Csv).unwrap_err();
        assert!(e.contains("UTF-8") && e.contains("ligne 2"), "{e}");
        let e = lire(b"id,nom\nl1,a,b\n", Format::Csv).unwrap_err();
        assert!(
            e.contains("ligne 2") && e.contains("3 colonne(s) au lieu de 2"),
            "{e}"
        );
        let e = lire(b"id;nom\nl1;a\n", Format::Csv).unwrap_err();
        assert!(e.contains("virgule"), "{e}");
        let e = lire(b"[{\"id\": \"l1\"},", Format::Json).unwrap_err();
        assert!(e.contains("JSON invalide, ligne 1"), "{e}");
        assert!(lire(b"{\"a\": 1}", Format::Json)
            .unwrap_err()
            .contains("tableau"));
        assert!(lire(b"[1]", Format::Json).unwrap_err().contains("n° 1"));
        for vide in [&b""[..], b"\xEF\xBB\xBF", b" \r\n"] {
            for format in [Format::Csv, Format::Json] {
                assert_eq!(
                    lire(vide, format).unwrap_err(),
                    "le fichier est vide : aucun en-tête ni enregistrement"
                );
            }
        }
        let e = lire(b"\xFF\xFEi\0d\0", Format::Csv).unwrap_err();
        assert!(e.contains("UTF-16"), "{e}");
        // Guillemet ouvert en fin de fichier : erreur située, pas un champ qui avale la fin.
        let e = lire(b"id,nom\nl1,a\nl2,\"Sans fin\nl3,b\n", Format::Csv).unwrap_err();
        assert!(
            e.contains("guillemet non fermé") && e.contains("ligne 3"),
            "{e}"
        );
        // UTF-16 (BOM FF FE) : refusé comme non UTF-8.
        let e = lire(b"\xFF\xFEi\x00d\x00", Format::Csv).unwrap_err();
        assert!(e.contains("UTF-8"), "{e}");
        assert_eq!(Format::depuis_nom("Lieux.CSV"), Some(Format::Csv));
        assert_eq!(Format::depuis_nom("lieux.xlsx"), None);
    }
}

#[test]
fn valeurs_des_champs_multivalues_lues_dans_le_schema() {
    let s = schema();
    let services = s.champ("services").unwrap().valeurs_enumerees();
    assert_eq!(services.len(), 9, "{services:?}");
    assert!(services.contains(&"Aide aux démarches administratives".to_string()));
    assert_eq!(
        s.champ("frais_a_charge").unwrap().valeurs_enumerees(),
        ["Gratuit", "Gratuit sous condition", "Payant"]
    );
    assert!(s.champ("nom").unwrap().valeurs_enumerees().is_empty());
    assert_eq!(s.champ("nom").unwrap().titre.as_deref(), Some("Nom"));
}
