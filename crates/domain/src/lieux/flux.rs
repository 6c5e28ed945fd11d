//! Lecture et validation **en flux** d'un fichier de lieux (issue 14) : le fichier est lu,
//! traduit s'il est en v0.1, validé et rendu **par paquets bornés** ; la mémoire ne dépend pas
//! de la taille du fichier (à la table d'unicité près : 16 octets environ par enregistrement).
//!
//! Pur : lit un [`std::io::Read`] (fichier, octets en mémoire, flux réseau), rend des
//! [`Paquet`]s à un rappel. Les messages d'erreur sont ceux de [`super::lire`] (qui lit par le
//! même chemin). Une erreur de structure (encodage, guillemets, colonnes, JSON invalide) est
//! fatale pour tout le fichier : [`parcourir`] rend alors l'erreur, et l'appelant annule ce qu'il
//! a commencé d'écrire (« rien n'est lu à moitié »).
//!
//! - **Paquets** : `taille_paquet` enregistrements au plus par paquet (le premier attend
//!   [`RECONNAISSANCE_V01`] enregistrements quand la version est à reconnaître) ; la validation
//!   d'un paquet est parallèle (rayon).
//! - **Unicité** (champs `unique` du schéma : `id`) : une table compacte, empreinte 64 bits de la
//!   valeur → numéro du premier enregistrement qui la porte (environ 16 octets de données, 20 à
//!   40 octets avec la table de hachage, par enregistrement). Deux valeurs différentes de même
//!   empreinte seraient prises pour un doublon (fausse alerte) : probabilité n²/2⁶⁵, soit environ
//!   3 × 10⁻⁸ pour un million d'enregistrements ; un vrai doublon n'est jamais manqué.
//! - **Version v0.1** : en `Version::Auto`, [`super::v01::Traduction::reconnait`] se décide sur
//!   les [`RECONNAISSANCE_V01`] premiers enregistrements, gardés en tampon ; la décision vaut
//!   pour tout le fichier.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::io::{BufReader, Read};
use std::sync::Arc;

use rayon::prelude::*;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::Value;

use super::compatible::Compatible;
use super::import::{Mode, Version};
use super::v01::{NoteTraduction, Traduction};
use super::{
    caracteres_interdits, tronque, valeur, valeur_ref, valider, Enregistrement, Format, Probleme,
};
use super::{schema_national_statique, SchemaTable};

/// Nombre d'enregistrements gardés en tampon pour reconnaître un fichier v0.1.
pub const RECONNAISSANCE_V01: usize = 1000;

/// Taille de paquet conseillée.
pub const TAILLE_PAQUET: usize = 2000;

/// Un paquet d'enregistrements lus et validés.
#[derive(Debug, Default)]
pub struct Paquet {
    /// Numéro (à partir de 1) du premier enregistrement du paquet.
    pub premier: usize,
    /// Enregistrements du paquet.
    pub nombre: usize,
    /// Enregistrements lus depuis le début du fichier, ce paquet compris.
    pub lus: usize,
    /// Enregistrements sans aucun problème, dans l'ordre du fichier.
    pub valides: Vec<Enregistrement>,
    /// Problèmes du paquet, par enregistrement puis par champ.
    pub problemes: Vec<Probleme>,
    /// Numéros des enregistrements rejetés (un au moins problème), croissants.
    pub rejetes: Vec<usize>,
    /// Notes de traduction v0.1 du paquet.
    pub traduction: Vec<NoteTraduction>,
}

/// Bilan d'un fichier parcouru.
#[derive(Debug, Clone, Serialize)]
pub struct Bilan {
    pub total: usize,
    pub valides: usize,
    pub rejetes: usize,
    pub problemes: usize,
    pub traduction: usize,
    /// Version lue : « 1.0.2 » ou « 0.1 » (traduite).
    pub version: &'static str,
    pub mode: Mode,
}

/// Échec d'un parcours : fichier illisible (message en français, avec la position), ou erreur
/// rendue par le rappel (écriture en base…).
#[derive(Debug)]
pub enum ErreurParcours<E> {
    Fichier(String),
    Rappel(E),
}

impl<E: std::fmt::Display> std::fmt::Display for ErreurParcours<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErreurParcours::Fichier(m) => f.write_str(m),
            ErreurParcours::Rappel(e) => e.fmt(f),
        }
    }
}

/// Un enregistrement tel que lu, avant sa conversion (faite en parallèle dans le paquet).
enum Brut {
    Csv(Arc<Vec<String>>, csv::StringRecord),
    Json(Enregistrement),
}

impl Brut {
    fn enregistrement(self) -> Enregistrement {
        match self {
            // Une cellule vide est une valeur absente (Table Schema) : elle n'est pas gardée.
            Brut::Csv(entetes, l) => entetes
                .iter()
                .zip(l.iter())
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.clone(), Value::String(v.to_string())))
                .collect(),
            Brut::Json(e) => e,
        }
    }
}

/// Erreur d'encodage levée par [`Controle`] (retrouvée derrière l'erreur du lecteur CSV ou JSON).
#[derive(Debug)]
struct ErreurEncodage(String);

impl std::fmt::Display for ErreurEncodage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ErreurEncodage {}

/// Message d'une erreur d'entrée-sortie : celui de l'encodage s'il s'agit d'un octet non UTF-8.
fn message_es(e: &std::io::Error) -> String {
    match e.get_ref().and_then(|x| x.downcast_ref::<ErreurEncodage>()) {
        Some(m) => m.0.clone(),
        None => format!("lecture impossible : {e}"),
    }
}

/// Contrôle au passage : UTF-8 valide (octet fautif situé par sa ligne), nombre de guillemets.
struct Controle<R> {
    interne: R,
    lignes: u64,
    guillemets: u64,
    reste: [u8; 4],
    reste_len: usize,
}

fn largeur_utf8(premier: u8) -> usize {
    match premier {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

impl<R: Read> Controle<R> {
    fn new(interne: R) -> Self {
        Controle {
            interne,
            lignes: 0,
            guillemets: 0,
            reste: [0; 4],
            reste_len: 0,
        }
    }

    fn faute(&self, avant: &[u8]) -> std::io::Error {
        let ligne = self.lignes + avant.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            ErreurEncodage(format!(
                "encodage : le fichier n'est pas en UTF-8 (octet invalide à la ligne {ligne}) ; enregistrez-le en UTF-8 puis recommencez"
            )),
        )
    }
}

impl<R: Read> Read for Controle<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.interne.read(buf)?;
        if n == 0 {
            if self.reste_len > 0 {
                return Err(self.faute(&[]));
            }
            return Ok(0);
        }
        let morceau = &buf[..n];
        let mut debut = 0;
        if self.reste_len > 0 {
            // Fin d'un caractère coupé entre deux lectures.
            let largeur = largeur_utf8(self.reste[0]);
            let manque = (largeur - self.reste_len).min(n);
            self.reste[self.reste_len..self.reste_len + manque].copy_from_slice(&morceau[..manque]);
            self.reste_len += manque;
            debut = manque;
            if self.reste_len == largeur {
                if std::str::from_utf8(&self.reste[..largeur]).is_err() {
                    return Err(self.faute(&[]));
                }
                self.reste_len = 0;
            }
        }
        if self.reste_len == 0 {
            if let Err(e) = std::str::from_utf8(&morceau[debut..]) {
                let fin_valide = debut + e.valid_up_to();
                match e.error_len() {
                    Some(_) => return Err(self.faute(&morceau[..fin_valide])),
                    None => {
                        let coupe = &morceau[fin_valide..];
                        self.reste[..coupe.len()].copy_from_slice(coupe);
                        self.reste_len = coupe.len();
                    }
                }
            }
        }
        self.lignes += morceau.iter().filter(|b| **b == b'\n').count() as u64;
        self.guillemets += morceau.iter().filter(|b| **b == b'"').count() as u64;
        Ok(n)
    }
}

/// L'entrée contrôlée : les premiers octets déjà lus, puis la suite.
type Entree<R> = Controle<std::io::Chain<std::io::Cursor<Vec<u8>>, R>>;

/// Ouvre l'entrée : BOM UTF-8 retiré, fichier vide et UTF-16 refusés, contrôle de l'encodage.
fn ouvrir<R: Read>(mut lecture: R) -> Result<Entree<R>, String> {
    // On lit jusqu'au premier octet qui n'est pas un blanc (ou la fin du fichier).
    let mut debut: Vec<u8> = Vec::new();
    let mut tampon = [0u8; 8192];
    loop {
        let n = lecture
            .read(&mut tampon)
            .map_err(|e| format!("lecture impossible : {e}"))?;
        debut.extend_from_slice(&tampon[..n]);
        let sans_bom = debut.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&debut[..]);
        let bom_incomplet = debut.len() < 3 && b"\xEF\xBB\xBF".starts_with(&debut);
        if n == 0 || (!bom_incomplet && !sans_bom.iter().all(u8::is_ascii_whitespace)) {
            break;
        }
    }
    if debut.starts_with(b"\xEF\xBB\xBF") {
        debut.drain(..3);
    }
    if debut.iter().all(u8::is_ascii_whitespace) {
        return Err("le fichier est vide : aucun en-tête ni enregistrement".into());
    }
    if debut.starts_with(b"\xFF\xFE") || debut.starts_with(b"\xFE\xFF") {
        return Err(
            "encodage : le fichier est en UTF-16 ; enregistrez-le en UTF-8 puis recommencez".into(),
        );
    }
    Ok(Controle::new(std::io::Cursor::new(debut).chain(lecture)))
}

/// Lit un fichier de lieux en flux : chaque enregistrement est rendu à `rappel` dès qu'il est lu
/// (`false` : arrêter). Mêmes messages d'erreur que [`super::lire`].
pub fn lire_en_flux(
    lecture: impl Read,
    format: Format,
    rappel: &mut dyn FnMut(Enregistrement) -> bool,
) -> Result<(), String> {
    lire_bruts(lecture, format, &mut |b| rappel(b.enregistrement()))
}

const ARRET: &str = "arrêt demandé";

fn lire_bruts(
    lecture: impl Read,
    format: Format,
    rappel: &mut dyn FnMut(Brut) -> bool,
) -> Result<(), String> {
    let entree = ouvrir(lecture)?;
    match format {
        Format::Csv => lire_csv(entree, rappel),
        Format::Json => lire_json(entree, rappel),
    }
}

fn lire_csv<R: Read>(
    entree: Controle<R>,
    rappel: &mut dyn FnMut(Brut) -> bool,
) -> Result<(), String> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(entree);
    let entetes: Vec<String> = match r.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_string()).collect(),
        Err(e) => {
            return Err(match e.kind() {
                csv::ErrorKind::Io(io) => message_es(io),
                _ => format!("CSV : ligne d'en-tête illisible : {e}"),
            })
        }
    };
    if entetes.len() < 2 {
        // Le fichier peut encore contenir un octet non UTF-8 : l'encodage est dit d'abord.
        let mut reste = Vec::new();
        if let Err(e) = r.into_inner().read_to_end(&mut reste) {
            return Err(message_es(&e));
        }
        return Err(
            "CSV : l'en-tête n'a qu'une colonne ; le séparateur attendu est la virgule".into(),
        );
    }
    let entetes = Arc::new(entetes);
    let mut i = 0u64;
    let mut derniere_ligne = 1;
    loop {
        let mut l = csv::StringRecord::new();
        match r.read_record(&mut l) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let ligne = e.position().map(|p| p.line()).unwrap_or(i + 2);
                return Err(match e.kind() {
                    csv::ErrorKind::Io(io) => message_es(io),
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                        "CSV, ligne {ligne} : {len} colonne(s) au lieu de {expected_len} (séparateur en trop ou guillemets mal fermés ?)"
                    ),
                    _ => format!("CSV, ligne {ligne} : {e}"),
                });
            }
        }
        i += 1;
        derniere_ligne = l.position().map(|p| p.line()).unwrap_or(1);
        if !rappel(Brut::Csv(entetes.clone(), l)) {
            return Err(ARRET.into());
        }
    }
    // Un guillemet ouvert et jamais fermé avale la fin du fichier sans erreur du lecteur : dans
    // un CSV bien formé, les guillemets vont par paires.
    if r.get_ref().guillemets % 2 == 1 {
        return Err(format!(
            "CSV : guillemet non fermé (nombre impair de guillemets) ; l'enregistrement qui commence à la ligne {derniere_ligne} se prolonge jusqu'à la fin du fichier"
        ));
    }
    Ok(())
}

const TABLEAU_ATTENDU: &str = "JSON : un tableau d'objets est attendu (un objet par lieu)";

/// État partagé par les visiteurs JSON : le rappel, et le message d'une erreur qui n'est pas une
/// erreur de syntaxe (rendue telle quelle, sans la position ajoutée par serde_json).
struct EtatJson<'a> {
    rappel: &'a mut dyn FnMut(Brut) -> bool,
    message: Option<String>,
    elements: usize,
}

impl EtatJson<'_> {
    fn echec<E: serde::de::Error>(&mut self, message: &str) -> E {
        self.message = Some(message.to_string());
        E::custom(message)
    }
}

/// Le fichier entier : un tableau, ou un objet dont `lieux` (ou `data`) est le tableau.
struct Racine<'e, 'a>(&'e mut EtatJson<'a>);
/// Le tableau des lieux, lu élément par élément.
struct Tableau<'e, 'a>(&'e mut EtatJson<'a>);

macro_rules! refuser_le_reste {
    () => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
            Err(self.0.echec(TABLEAU_ATTENDU))
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
            Err(self.0.echec(TABLEAU_ATTENDU))
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
            Err(self.0.echec(TABLEAU_ATTENDU))
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
            Err(self.0.echec(TABLEAU_ATTENDU))
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
            Err(self.0.echec(TABLEAU_ATTENDU))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
            Err(self.0.echec(TABLEAU_ATTENDU))
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
            Err(self.0.echec(TABLEAU_ATTENDU))
        }
    };
}

fn lire_elements<'de, A: SeqAccess<'de>>(
    etat: &mut EtatJson<'_>,
    mut seq: A,
) -> Result<(), A::Error> {
    while let Some(v) = seq.next_element::<Value>()? {
        etat.elements += 1;
        match v {
            Value::Object(o) => {
                if !(etat.rappel)(Brut::Json(o.into_iter().collect())) {
                    return Err(etat.echec(ARRET));
                }
            }
            _ => {
                let m = format!("JSON : l'élément n° {} n'est pas un objet", etat.elements);
                return Err(etat.echec(&m));
            }
        }
    }
    Ok(())
}

impl<'de> DeserializeSeed<'de> for Tableau<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Tableau<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("un tableau d'objets")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        lire_elements(self.0, seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(self.0.echec(TABLEAU_ATTENDU))
    }
    refuser_le_reste!();
}

impl<'de> DeserializeSeed<'de> for Racine<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Racine<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("un tableau d'objets, ou un objet dont « lieux » est ce tableau")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        lire_elements(self.0, seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Le premier des champs « lieux » et « data » est lu en flux ; les autres sont sautés.
        let mut lu = false;
        while let Some(k) = map.next_key::<String>()? {
            if !lu && (k == "lieux" || k == "data") {
                map.next_value_seed(Tableau(&mut *self.0))?;
                lu = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if lu {
            Ok(())
        } else {
            Err(self.0.echec(TABLEAU_ATTENDU))
        }
    }
    refuser_le_reste!();
}

fn lire_json<R: Read>(
    entree: Controle<R>,
    rappel: &mut dyn FnMut(Brut) -> bool,
) -> Result<(), String> {
    let mut etat = EtatJson {
        rappel,
        message: None,
        elements: 0,
    };
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(64 * 1024, entree));
    let r = Racine(&mut etat)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    match r {
        Ok(()) => Ok(()),
        Err(_) if etat.message.is_some() => Err(etat.message.take().unwrap_or_default()),
        Err(e) if e.is_io() => {
            let io: std::io::Error = e.into();
            Err(message_es(&io))
        }
        Err(e) => Err(format!(
            "JSON invalide, ligne {}, colonne {} : {e}",
            e.line(),
            e.column()
        )),
    }
}

/// Hacheur identité : les clés de la table d'unicité sont déjà des empreintes.
#[derive(Default)]
struct Identite(u64);

impl Hasher for Identite {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, octets: &[u8]) {
        for b in octets {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Empreinte 64 bits d'une valeur (SipHash à clés fixes).
fn empreinte(s: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// Table d'unicité d'un champ : empreinte de la valeur → numéro du premier enregistrement.
type TableUnicite = HashMap<u64, u32, BuildHasherDefault<Identite>>;

/// Deux schémas identiques (le schéma national et sa copie, par exemple) ?
fn meme_schema(a: &SchemaTable, b: &SchemaTable) -> bool {
    std::ptr::eq(a, b)
        || (a.nom == b.nom
            && a.version == b.version
            && a.champs.len() == b.champs.len()
            && a.champs.iter().zip(&b.champs).all(|(x, y)| {
                x.nom == y.nom
                    && x.type_champ == y.type_champ
                    && x.obligatoire == y.obligatoire
                    && x.unique == y.unique
                    && x.motif.as_ref().map(|m| &m.0) == y.motif.as_ref().map(|m| &m.0)
                    && x.longueur_max == y.longueur_max
                    && x.minimum == y.minimum
                    && x.maximum == y.maximum
                    && x.valeurs == y.valeurs
            }))
}

/// Validation en cours : schéma du mode, tables d'unicité, compteurs.
pub struct Validation<'s> {
    schema: std::borrow::Cow<'s, SchemaTable>,
    compatible: Option<&'static Compatible>,
    traduction: Option<&'static Traduction>,
    unicite: Vec<(String, TableUnicite)>,
    suivant: usize,
    bilan: Bilan,
}

impl<'s> Validation<'s> {
    /// `schema` : le schéma officiel ; en mode compatible, ses écarts lui sont appliqués (une
    /// seule fois par processus pour le schéma national).
    pub fn new(schema: &'s SchemaTable, mode: Mode, v01: bool) -> Validation<'s> {
        let compatible = (mode == Mode::Compatible).then(Compatible::embarque_statique);
        let schema: std::borrow::Cow<'s, SchemaTable> = match compatible {
            None => std::borrow::Cow::Borrowed(schema),
            Some(_) if meme_schema(schema, schema_national_statique()) => {
                std::borrow::Cow::Borrowed(Compatible::schema_national())
            }
            // Un autre schéma : ses écarts sont compilés une fois pour ce parcours.
            Some(c) => std::borrow::Cow::Owned(c.schema(schema)),
        };
        Validation {
            unicite: schema
                .champs
                .iter()
                .filter(|c| c.unique)
                .map(|c| (c.nom.clone(), TableUnicite::default()))
                .collect(),
            schema,
            compatible,
            traduction: v01.then(Traduction::embarquee_statique),
            suivant: 1,
            bilan: Bilan {
                total: 0,
                valides: 0,
                rejetes: 0,
                problemes: 0,
                traduction: 0,
                version: if v01 { "0.1" } else { "1.0.2" },
                mode,
            },
        }
    }

    /// Traduit (v0.1), normalise (mode compatible) et valide un paquet ; les numéros continuent
    /// ceux du paquet précédent.
    pub fn paquet(&mut self, lot: Vec<Enregistrement>) -> Paquet {
        let mut paquet = self.tout_valider(lot);
        // Seuls les enregistrements sans problème restent.
        let mut rejetes = paquet.rejetes.iter().peekable();
        let mut numero = paquet.premier;
        paquet.valides.retain(|_| {
            let garde = rejetes.next_if_eq(&&numero).is_none();
            numero += 1;
            garde
        });
        self.bilan.valides += paquet.valides.len();
        paquet
    }

    /// Comme [`Validation::paquet`], mais rend tous les enregistrements (traduits et
    /// normalisés), rejetés compris, avec les problèmes.
    pub fn paquet_complet(
        &mut self,
        lot: Vec<Enregistrement>,
    ) -> (Vec<Enregistrement>, Vec<Probleme>) {
        let p = self.tout_valider(lot);
        self.bilan.valides += p.nombre - p.rejetes.len();
        (p.valides, p.problemes)
    }

    fn tout_valider(&mut self, lot: Vec<Enregistrement>) -> Paquet {
        let premier = self.suivant;
        let nombre = lot.len();
        self.suivant += nombre;
        let (traduction, compatible, schema) =
            (self.traduction, self.compatible, self.schema.as_ref());
        // Par enregistrement, en parallèle : traduction, normalisation, validation.
        let traites: Vec<(Enregistrement, Vec<NoteTraduction>, Vec<Probleme>)> = lot
            .into_par_iter()
            .enumerate()
            .map(|(i, e)| {
                let numero = premier + i;
                let mut notes = Vec::new();
                let e = match traduction {
                    Some(t) => t.traduire_un(numero, e, &mut notes),
                    None => e,
                };
                let e = match compatible {
                    Some(c) => c.normaliser(e),
                    None => e,
                };
                let mut problemes: Vec<Probleme> = valider(schema, numero, &e)
                    .into_iter()
                    .filter(|p| compatible.is_none_or(|c| c.compte(&e, &p.champ)))
                    .collect();
                problemes.extend(caracteres_interdits(numero, &e));
                (e, notes, problemes)
            })
            .collect();
        // Unicité, dans l'ordre du fichier.
        let mut paquet = Paquet {
            premier,
            nombre,
            ..Paquet::default()
        };
        let mut doublons: Vec<Probleme> = Vec::new();
        for (nom, table) in &mut self.unicite {
            for (i, (e, _, _)) in traites.iter().enumerate() {
                let Some(s) = valeur_ref(e, nom) else {
                    continue;
                };
                let numero = premier + i;
                match table.entry(empreinte(&s)) {
                    std::collections::hash_map::Entry::Occupied(o) => doublons.push(Probleme {
                        enregistrement: numero,
                        id: valeur(e, "id").unwrap_or_default(),
                        champ: nom.clone(),
                        valeur: tronque(&s),
                        regle: "unique".into(),
                        message: format!(
                            "« {nom} » doit être unique : valeur déjà prise par l'enregistrement n° {}",
                            o.get()
                        ),
                    }),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(numero as u32);
                    }
                }
            }
        }
        for (e, notes, problemes) in traites {
            paquet.traduction.extend(notes);
            paquet.problemes.extend(problemes);
            paquet.valides.push(e);
        }
        paquet.problemes.extend(doublons);
        paquet
            .problemes
            .sort_by(|a, b| (a.enregistrement, &a.champ).cmp(&(b.enregistrement, &b.champ)));
        paquet.rejetes = paquet.problemes.iter().map(|p| p.enregistrement).collect();
        paquet.rejetes.dedup();
        self.bilan.total += nombre;
        self.bilan.rejetes += paquet.rejetes.len();
        self.bilan.problemes += paquet.problemes.len();
        self.bilan.traduction += paquet.traduction.len();
        paquet.lus = self.bilan.total;
        paquet
    }

    pub fn bilan(&self) -> Bilan {
        self.bilan.clone()
    }
}

/// Lit, traduit (v0.1) et valide un fichier en flux, par paquets de `taille_paquet`
/// enregistrements au plus, rendus à `rappel` dans l'ordre du fichier. Une erreur du rappel
/// arrête la lecture et est rendue telle quelle ; une erreur de structure du fichier aussi
/// (après d'éventuels paquets déjà rendus : l'appelant annule ce qu'il en a fait).
pub fn parcourir<E>(
    lecture: impl Read,
    format: Format,
    schema: &SchemaTable,
    mode: Mode,
    version: Version,
    taille_paquet: usize,
    rappel: &mut dyn FnMut(Paquet) -> Result<(), E>,
) -> Result<Bilan, ErreurParcours<E>> {
    let taille_paquet = taille_paquet.max(1);
    let mut v01 = match version {
        Version::V01 => Some(true),
        Version::V1 => Some(false),
        Version::Auto => None,
    };
    let mut validation: Option<Validation> = v01.map(|v| Validation::new(schema, mode, v));
    let mut tampon: Vec<Brut> = Vec::with_capacity(taille_paquet.max(RECONNAISSANCE_V01));
    let mut erreur: Option<E> = None;
    let mut en_cours = EnCours {
        schema,
        mode,
        taille_paquet,
        rappel,
    };
    let lu = lire_bruts(lecture, format, &mut |b| {
        tampon.push(b);
        let seuil = if v01.is_some() {
            taille_paquet
        } else {
            taille_paquet.max(RECONNAISSANCE_V01)
        };
        if tampon.len() >= seuil {
            if let Err(e) = en_cours.vider(&mut tampon, &mut v01, &mut validation) {
                erreur = Some(e);
                return false;
            }
        }
        true
    });
    if let Some(e) = erreur {
        return Err(ErreurParcours::Rappel(e));
    }
    lu.map_err(ErreurParcours::Fichier)?;
    en_cours
        .vider(&mut tampon, &mut v01, &mut validation)
        .map_err(ErreurParcours::Rappel)?;
    Ok(validation
        .map(|v| v.bilan())
        .unwrap_or_else(|| Validation::new(schema, mode, false).bilan()))
}

/// Ce qu'il faut pour vider le tampon d'un parcours.
struct EnCours<'s, 'r, E> {
    schema: &'s SchemaTable,
    mode: Mode,
    taille_paquet: usize,
    rappel: &'r mut dyn FnMut(Paquet) -> Result<(), E>,
}

impl<'s, E> EnCours<'s, '_, E> {
    /// Vide le tampon : convertit, décide la version s'il le faut, valide et rend par paquets.
    fn vider(
        &mut self,
        tampon: &mut Vec<Brut>,
        v01: &mut Option<bool>,
        validation: &mut Option<Validation<'s>>,
    ) -> Result<(), E> {
        let mut lot: Vec<Enregistrement> = std::mem::take(tampon)
            .into_par_iter()
            .map(Brut::enregistrement)
            .collect();
        tampon.reserve(self.taille_paquet);
        let decide = *v01.get_or_insert_with(|| Traduction::embarquee_statique().reconnait(&lot));
        let (schema, mode) = (self.schema, self.mode);
        let validation = validation.get_or_insert_with(|| Validation::new(schema, mode, decide));
        while !lot.is_empty() {
            let reste = lot.split_off(lot.len().min(self.taille_paquet));
            let paquet = validation.paquet(std::mem::replace(&mut lot, reste));
            (self.rappel)(paquet)?;
        }
        Ok(())
    }
}
