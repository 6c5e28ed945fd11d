//! Lecture et validation en flux (issue 14) : mêmes problèmes que la validation tout en mémoire,
//! doublons d'un paquet à l'autre, JSON enveloppé lu en flux, erreur de structure fatale au
//! milieu du fichier, v0.1 reconnue, et mémoire bornée (un lecteur qui produit 200 000 lieux à
//! la volée ne prend jamais d'avance de plus de quelques paquets).

use std::cell::Cell;
use std::io::Read;
use std::path::PathBuf;
use std::rc::Rc;

use reperes_domain::lieux::flux::{parcourir, Bilan, ErreurParcours, Paquet};
use reperes_domain::lieux::import::{Mode, Version};
use reperes_domain::lieux::{lire, schema_national, valider_lot, Format, Probleme, SchemaTable};

fn racine() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Parcourt `octets` par paquets de `taille` ; rend les paquets reçus et le bilan.
fn paquets(
    octets: &[u8],
    format: Format,
    schema: &SchemaTable,
    mode: Mode,
    version: Version,
    taille: usize,
) -> Result<(Vec<Paquet>, Bilan), String> {
    let mut v = Vec::new();
    let bilan = parcourir(octets, format, schema, mode, version, taille, &mut |p| {
        v.push(p);
        Ok::<(), String>(())
    })
    .map_err(|e| e.to_string())?;
    Ok((v, bilan))
}

fn problemes(v: &[Paquet]) -> Vec<Probleme> {
    v.iter().flat_map(|p| p.problemes.clone()).collect()
}

/// Les fichiers du dépôt : en flux (paquets de 7, de 1 000), le mode strict v1 donne exactement
/// les problèmes de la validation tout en mémoire (`valider_lot`, qui lit le lot entier et tient
/// l'unicité dans une table de valeurs complètes) ; les valides sont les autres, dans l'ordre.
#[test]
fn le_flux_donne_les_problemes_du_tout_en_memoire() {
    let schema = schema_national();
    let mut fichiers: Vec<PathBuf> = std::fs::read_dir(racine().join("donnees/lieux"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .chain(
            std::fs::read_dir(racine().join("crates/domain/tests/donnees/fautes"))
                .unwrap()
                .map(|e| e.unwrap().path()),
        )
        .filter(|p| Format::depuis_nom(&p.to_string_lossy()).is_some())
        .collect();
    fichiers.sort();
    assert!(fichiers.len() > 10, "{fichiers:?}");
    let mut avec_problemes = 0;
    for f in &fichiers {
        let format = Format::depuis_nom(&f.to_string_lossy()).unwrap();
        let octets = std::fs::read(f).unwrap();
        let lot = lire(&octets, format).unwrap();
        let attendu = valider_lot(&schema, &lot);
        if !attendu.is_empty() {
            avec_problemes += 1;
        }
        for taille in [7, 1000] {
            let (v, bilan) =
                paquets(&octets, format, &schema, Mode::Strict, Version::V1, taille).unwrap();
            assert_eq!(problemes(&v), attendu, "{f:?}, paquets de {taille}");
            assert!(v.iter().all(|p| p.nombre <= taille));
            assert_eq!(bilan.total, lot.len());
            let rejetes: std::collections::BTreeSet<usize> =
                attendu.iter().map(|p| p.enregistrement).collect();
            let valides: Vec<_> = v.iter().flat_map(|p| p.valides.clone()).collect();
            let attendus: Vec<_> = lot
                .iter()
                .enumerate()
                .filter(|(i, _)| !rejetes.contains(&(i + 1)))
                .map(|(_, e)| e.clone())
                .collect();
            assert_eq!(valides, attendus, "{f:?}");
            assert_eq!(
                (bilan.valides, bilan.rejetes, bilan.problemes),
                (attendus.len(), rejetes.len(), attendu.len())
            );
        }
    }
    assert!(avec_problemes >= 5, "des fichiers fautifs sont comparés");
}

/// Un petit schéma : `id` unique, `nom` obligatoire.
fn schema_simple() -> SchemaTable {
    SchemaTable::depuis_json(
        r#"{"fields": [
            {"name": "id", "constraints": {"required": true, "unique": true}},
            {"name": "nom", "constraints": {"required": true}}
        ]}"#,
    )
    .unwrap()
}

#[test]
fn doublon_a_trois_paquets_d_ecart_rapporte_avec_le_numero_du_premier() {
    // Paquets de 2 : (1,2) (3,4) (5,6) (7,8) ; l'enregistrement 7 reprend l'id du 1.
    let csv = "id,nom\nx,Un\nb,Deux\nc,Trois\nd,Quatre\ne,Cinq\nf,Six\nx,Sept\ng,Huit\n";
    let (v, bilan) = paquets(
        csv.as_bytes(),
        Format::Csv,
        &schema_simple(),
        Mode::Strict,
        Version::V1,
        2,
    )
    .unwrap();
    assert_eq!(v.len(), 4);
    assert!(v[..3].iter().all(|p| p.problemes.is_empty()));
    assert_eq!(
        v[3].problemes,
        [Probleme {
            enregistrement: 7,
            id: "x".into(),
            champ: "id".into(),
            valeur: "x".into(),
            regle: "unique".into(),
            message: "« id » doit être unique : valeur déjà prise par l'enregistrement n° 1".into(),
        }]
    );
    assert_eq!(v[3].rejetes, [7]);
    assert_eq!(v[3].valides.len(), 1);
    assert_eq!(v[3].valides[0]["nom"], "Huit");
    assert_eq!(v[0].valides[0]["nom"], "Un", "le premier est gardé");
    assert_eq!((bilan.total, bilan.valides, bilan.rejetes), (8, 7, 1));
}

/// Un `Read` qui compte les octets rendus.
struct Compteur<R> {
    interne: R,
    lus: Rc<Cell<usize>>,
}

impl<R: Read> Read for Compteur<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.interne.read(buf)?;
        self.lus.set(self.lus.get() + n);
        Ok(n)
    }
}

#[test]
fn json_enveloppe_lu_en_flux() {
    let elements: Vec<String> = (1..=3000)
        .map(|i| format!(r#"{{"id": "l{i}", "nom": "Lieu {i}"}}"#))
        .collect();
    let texte = format!(
        r#"{{"version": "1.0.2", "lieux": [{}], "fin": true}}"#,
        elements.join(",\n")
    );
    let lus = Rc::new(Cell::new(0));
    let lecture = Compteur {
        interne: texte.as_bytes(),
        lus: lus.clone(),
    };
    let mut recus = Vec::new();
    let mut lus_au_premier = None;
    let bilan = parcourir(
        lecture,
        Format::Json,
        &schema_simple(),
        Mode::Strict,
        Version::V1,
        100,
        &mut |p| {
            lus_au_premier.get_or_insert(lus.get());
            recus.extend(
                p.valides
                    .iter()
                    .map(|e| e["id"].as_str().unwrap().to_string()),
            );
            Ok::<(), String>(())
        },
    )
    .unwrap();
    assert_eq!(bilan.total, 3000);
    assert_eq!(recus.len(), 3000);
    assert_eq!(recus[0], "l1");
    assert_eq!(recus[2999], "l3000");
    // Le premier paquet arrive avant que le fichier ne soit lu en entier.
    let premier = lus_au_premier.unwrap();
    assert!(
        premier < texte.len() / 2,
        "{premier} octets sur {}",
        texte.len()
    );
    // La même chose avec « data », et sans enveloppe.
    for t in [
        r#"{"data": [{"id": "a", "nom": "A"}]}"#,
        r#"[{"id": "a", "nom": "A"}]"#,
    ] {
        let (v, _) = paquets(
            t.as_bytes(),
            Format::Json,
            &schema_simple(),
            Mode::Strict,
            Version::V1,
            10,
        )
        .unwrap();
        assert_eq!(v[0].valides[0]["id"], "a");
    }
    let e = paquets(
        br#"{"lieux": {"id": "a"}}"#,
        Format::Json,
        &schema_simple(),
        Mode::Strict,
        Version::V1,
        10,
    )
    .unwrap_err();
    assert_eq!(
        e,
        "JSON : un tableau d'objets est attendu (un objet par lieu)"
    );
}

#[test]
fn erreur_de_structure_au_milieu_fatale_avec_sa_ligne() {
    let mut csv = String::from("id,nom\n");
    for i in 1..=5000 {
        if i == 3000 {
            csv.push_str("l3000,un,de trop\n");
        } else {
            csv.push_str(&format!("l{i},Lieu {i}\n"));
        }
    }
    let mut recus = 0;
    let r = parcourir(
        csv.as_bytes(),
        Format::Csv,
        &schema_simple(),
        Mode::Strict,
        Version::V1,
        1000,
        &mut |p| {
            recus += p.nombre;
            Ok::<(), String>(())
        },
    );
    // Enregistrement 3000 = ligne 3001 (après l'en-tête).
    match r {
        Err(ErreurParcours::Fichier(m)) => assert_eq!(
            m,
            "CSV, ligne 3001 : 3 colonne(s) au lieu de 2 (séparateur en trop ou guillemets mal fermés ?)"
        ),
        autre => panic!("{autre:?}"),
    }
    assert_eq!(
        recus, 2000,
        "deux paquets rendus avant l'erreur : à annuler"
    );
    // JSON : l'erreur de syntaxe est située.
    let e = paquets(
        b"[{\"id\": \"a\", \"nom\": \"A\"},\n{\"id\": \"b\" \"nom\": \"B\"}]",
        Format::Json,
        &schema_simple(),
        Mode::Strict,
        Version::V1,
        1,
    )
    .unwrap_err();
    assert!(
        e.starts_with("JSON invalide, ligne 2, colonne 12 : "),
        "{e}"
    );
    // Octet non UTF-8 loin dans le fichier : situé par sa ligne.
    let mut octets = csv.replace("l3000,un,de trop", "l3000,ok").into_bytes();
    octets.extend_from_slice(b"l5001,Caf\xE9\n");
    let e = paquets(
        &octets,
        Format::Csv,
        &schema_simple(),
        Mode::Strict,
        Version::V1,
        1000,
    )
    .unwrap_err();
    assert_eq!(
        e,
        "encodage : le fichier n'est pas en UTF-8 (octet invalide à la ligne 5002) ; enregistrez-le en UTF-8 puis recommencez"
    );
}

#[test]
fn fichier_v01_reconnu_sur_les_premiers_enregistrements() {
    let mut csv = String::from("id,pivot,nom,commune,code_postal,adresse,date_maj,services\n");
    for i in 1..=1500 {
        csv.push_str(&format!(
            "v-{i},43493312300029,Lieu {i},Cognac,16100,1 place,2022-05-01,Prendre en main un ordinateur\n"
        ));
    }
    let (v, bilan) = paquets(
        csv.as_bytes(),
        Format::Csv,
        &schema_national(),
        Mode::Strict,
        Version::Auto,
        500,
    )
    .unwrap();
    assert_eq!(bilan.version, "0.1");
    assert_eq!((bilan.total, bilan.valides), (1500, 1500));
    assert_eq!(
        v.iter().map(|p| p.nombre).collect::<Vec<_>>(),
        [500, 500, 500]
    );
    assert_eq!(
        v[2].valides[499]["services"],
        "Maîtrise des outils numériques du quotidien"
    );
    assert_eq!(v[2].traduction[0].enregistrement, 1001);
    assert_eq!(v[2].traduction[0].avant, "Prendre en main un ordinateur");
}

/// Produit `total` lignes CSV à la volée, sans jamais les garder ; compte les lignes rendues.
struct Synthetique {
    total: usize,
    produites: Rc<Cell<usize>>,
    ligne: Vec<u8>,
    pos: usize,
}

impl Read for Synthetique {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.ligne.len() {
            let n = self.produites.get();
            if n > self.total {
                return Ok(0);
            }
            self.ligne = if n == 0 {
                b"id,nom\n".to_vec()
            } else {
                format!("l{n},Lieu numéro {n}\n").into_bytes()
            };
            self.pos = 0;
            self.produites.set(n + 1);
        }
        let k = buf.len().min(self.ligne.len() - self.pos);
        buf[..k].copy_from_slice(&self.ligne[self.pos..self.pos + k]);
        self.pos += k;
        Ok(k)
    }
}

#[test]
fn memoire_bornee_sur_200_000_enregistrements_produits_a_la_volee() {
    const TOTAL: usize = 200_000;
    const TAILLE: usize = 1000;
    let produites = Rc::new(Cell::new(0));
    let lecture = Synthetique {
        total: TOTAL,
        produites: produites.clone(),
        ligne: Vec::new(),
        pos: 0,
    };
    let mut avance_max = 0;
    let mut paquet_max = 0;
    let mut paquets = 0;
    let bilan = parcourir(
        lecture,
        Format::Csv,
        &schema_simple(),
        Mode::Strict,
        Version::Auto,
        TAILLE,
        &mut |p| {
            // Lignes produites par le lecteur mais pas encore rendues dans un paquet : ce que le
            // flux garde en mémoire (tampon du lecteur CSV compris).
            avance_max = avance_max.max(produites.get() - 1 - p.lus);
            paquet_max = paquet_max.max(p.nombre);
            paquets += 1;
            Ok::<(), String>(())
        },
    )
    .unwrap();
    assert_eq!(bilan.total, TOTAL);
    assert_eq!(bilan.valides, TOTAL);
    assert_eq!(paquets, TOTAL / TAILLE);
    assert!(paquet_max <= TAILLE, "{paquet_max}");
    assert!(
        avance_max <= 2 * TAILLE,
        "le lecteur a pris {avance_max} lignes d'avance"
    );
}
