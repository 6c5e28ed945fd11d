//! Index de recherche des lieux, en mémoire : filtres par masques de bits (services, publics,
//! prises en charge, frais, programmes, modalités), texte sans accents, arbre R (`rstar`) sur la
//! sphère pour la distance, horaires OpenStreetMap analysés une fois par valeur distincte.
//!
//! Règles de correspondance (écrites aussi dans la documentation des pages) :
//! - services, publics, frais, programmes nationaux, modalités : un lieu convient s'il propose
//!   **au moins une** des valeurs demandées ;
//! - prises en charge spécifiques : un lieu convient s'il les assure **toutes** — une personne
//!   sourde qui lit mal le français a besoin des deux, un lieu qui n'en assure qu'une ne l'aide pas ;
//! - distance : à vol d'oiseau, jusqu'au rayon demandé, résultats triés du plus proche au plus loin ;
//! - disponibilité : le lieu est ouvert à l'instant demandé, dans son propre fuseau horaire (un
//!   lieu de Nouméa se lit à l'heure de Nouméa) ; un lieu sans horaires lisibles n'est pas retenu.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use rstar::primitives::GeomWithData;
use rstar::RTree;

use serde_json::Value;

use super::doublons::{pivot_significatif, PIVOT_PARTAGE_MAX};
use super::{valeur, valeur_ref, Enregistrement, SchemaTable};
use crate::horaires::{fuseau_horaire, Horaires};
use crate::territoires::{Perimetre, Situation, Territoires};
use crate::texte::{correspond, normaliser, normaliser_dans};

/// Rayon terrestre moyen, en kilomètres.
pub const RAYON_TERRE_KM: f64 = 6371.0088;

/// Les champs à valeurs fermées qui servent de filtres, dans l'ordre des masques.
pub const CHAMPS_FILTRES: [&str; 7] = [
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "modalites_acces",
    "modalites_accompagnement",
];

/// Un lieu tel que l'index le garde : ce qu'affiche une ligne de résultats et ce que cherchent les
/// filtres. Les autres champs de l'enregistrement vivent dans la table des valeurs de l'index
/// ([`IndexLieux::valeur`], [`IndexLieux::enregistrement`]) ; aucun n'est gardé deux fois.
///
/// `source`, `commune` et `code_postal` sont internés (un même `Arc` pour tous les lieux qui
/// partagent la valeur) ; les autres sont des `Box<str>` (pas de capacité perdue).
#[derive(Debug, Clone)]
pub struct LieuIndexe {
    pub source: Arc<str>,
    pub id: Box<str>,
    pub nom: Box<str>,
    pub adresse: Box<str>,
    pub code_postal: Arc<str>,
    pub commune: Arc<str>,
    pub pivot: Box<str>,
    /// Latitude, longitude (WGS84), si le lieu en a.
    pub position: Option<(f64, f64)>,
    texte: Box<str>,
    masques: [u64; 7],
    /// Rang dans la table des horaires distincts.
    horaires: Option<u32>,
    fuseau: u16,
    /// Rang de sa situation (commune, EPCI, département, région) dans la table des situations
    /// distinctes de l'index ([`IndexLieux::situation`]).
    situation: u32,
    /// Champs de [`CHAMPS_LIEU`] dont la valeur d'origine est un texte non vide gardé ici (bit i :
    /// `CHAMPS_LIEU[i]`) ; sinon, la valeur d'origine (nombre, nul, vide…) est dans la table.
    ici: u8,
}

impl LieuIndexe {
    /// Nom normalisé (minuscules, sans accents ni ponctuation).
    pub fn nom_normalise(&self) -> String {
        normaliser(&self.nom)
    }
    /// Adresse normalisée.
    pub fn adresse_normalisee(&self) -> String {
        normaliser(&self.adresse)
    }
    /// Source (nom donné à l'import).
    pub fn source(&self) -> &str {
        &self.source
    }
    /// Identifiant dans la source.
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn nom(&self) -> &str {
        &self.nom
    }
    pub fn adresse(&self) -> &str {
        &self.adresse
    }
    pub fn code_postal(&self) -> &str {
        &self.code_postal
    }
    pub fn commune(&self) -> &str {
        &self.commune
    }
    pub fn pivot(&self) -> &str {
        &self.pivot
    }
    /// Valeur texte d'un champ gardé dans la structure (`CHAMPS_LIEU`), si elle y est.
    fn champ_ici(&self, i: usize) -> Option<&str> {
        if self.ici & (1 << i) == 0 {
            return None;
        }
        Some(match i {
            0 => &self.id,
            1 => &self.nom,
            2 => &self.adresse,
            3 => &self.code_postal,
            4 => &self.commune,
            _ => &self.pivot,
        })
    }
}

/// Champs d'un enregistrement gardés dans [`LieuIndexe`] (dans l'ordre des bits de `ici`).
const CHAMPS_LIEU: [&str; 6] = ["id", "nom", "adresse", "code_postal", "commune", "pivot"];

/// Nature d'une valeur de la table (premier octet de sa forme rangée) : ce qu'il faut pour rendre
/// exactement la valeur d'origine d'un JSON (texte, nombre entier ou non, booléen, nul, autre).
const TEXTE: u8 = b's';
const ENTIER: u8 = b'i';
const REEL: u8 = b'f';
const BOOLEEN: u8 = b'b';
const NUL: u8 = b'n';
const AUTRE: u8 = b'j';

fn nature_et_texte(v: &Value) -> (u8, std::borrow::Cow<'_, str>) {
    use std::borrow::Cow;
    match v {
        Value::String(s) => (TEXTE, Cow::Borrowed(s.as_str())),
        Value::Null => (NUL, Cow::Borrowed("")),
        Value::Bool(b) => (BOOLEEN, Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Number(n) if n.is_i64() || n.is_u64() => (ENTIER, Cow::Owned(n.to_string())),
        Value::Number(n) => (REEL, Cow::Owned(n.to_string())),
        autre => (AUTRE, Cow::Owned(autre.to_string())),
    }
}

fn valeur_json(nature: u8, texte: &str) -> Value {
    match nature {
        TEXTE => Value::String(texte.to_string()),
        NUL => Value::Null,
        BOOLEEN => Value::Bool(texte == "true"),
        ENTIER => texte
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| texte.parse::<u64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(texte.to_string())),
        // La forme courte de ryu se relit exactement par `str::parse::<f64>`.
        REEL => texte
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(texte.to_string())),
        _ => serde_json::from_str(texte).unwrap_or_else(|_| Value::String(texte.to_string())),
    }
}

/// Table des valeurs distinctes : un seul texte, chaque valeur repérée par son début (précédée
/// de sa nature sur un octet). Une valeur présente chez plusieurs lieux n'y est qu'une fois.
#[derive(Default)]
struct Valeurs {
    texte: String,
    /// Début de chaque valeur ; un dernier élément marque la fin de la dernière.
    debuts: Vec<u32>,
}

impl Valeurs {
    fn get(&self, r: u32) -> (u8, &str) {
        let (a, b) = (
            self.debuts[r as usize] as usize,
            self.debuts[r as usize + 1] as usize,
        );
        (self.texte.as_bytes()[a], &self.texte[a + 1..b])
    }
    fn len(&self) -> usize {
        self.debuts.len().saturating_sub(1)
    }
    fn pousser(&mut self, nature: u8, texte: &str) -> u32 {
        if self.debuts.is_empty() {
            self.debuts.push(0);
        }
        self.texte.push(nature as char);
        self.texte.push_str(texte);
        let fin = u32::try_from(self.texte.len())
            .expect("table des valeurs des lieux : 4 Gio au plus (plusieurs millions de lieux)");
        self.debuts.push(fin);
        (self.debuts.len() - 2) as u32
    }
}

/// Construction incrémentale de l'index : les lieux arrivent par paquets (lecture en flux de la
/// base), aucun enregistrement complet n'est gardé.
/// (code INSEE, code postal, commune) d'un lieu.
type CleSituation = (Box<str>, Box<str>, Box<str>);

pub struct ConstructionIndex {
    nomenclatures: Vec<Vec<String>>,
    lieux: Vec<LieuIndexe>,
    valeurs: Valeurs,
    /// Empreinte d'une valeur → son rang ; en cas de collision (valeurs différentes de même
    /// empreinte), la seconde est rangée à part, sans partage.
    rangs_valeurs: HashMap<u64, u32>,
    partages: HashSet<Arc<str>>,
    empreintes: RandomState,
    noms_champs: Vec<Box<str>>,
    rang_champ: HashMap<Box<str>, u16>,
    /// Une colonne par champ : pour chaque lieu, 0 (absent) ou 1 + rang de la valeur.
    colonnes: Vec<Vec<u32>>,
    importe_le: Vec<u32>,
    horaires_rang: HashMap<u32, u32>,
    horaires: Vec<Option<Horaires>>,
    fuseaux_rang: HashMap<&'static str, u16>,
    fuseaux: Vec<Tz>,
    /// (code INSEE, code postal, commune) → rang de la situation (situé une fois par commune).
    situations_rang: HashMap<CleSituation, u32>,
    situations: Vec<Situation>,
}

impl ConstructionIndex {
    pub fn nouvelle(schema: &SchemaTable) -> ConstructionIndex {
        let nomenclatures: Vec<Vec<String>> = CHAMPS_FILTRES
            .iter()
            .map(|c| {
                schema
                    .champ(c)
                    .map(|c| c.valeurs_enumerees())
                    .unwrap_or_default()
            })
            .collect();
        ConstructionIndex {
            nomenclatures,
            lieux: Vec::new(),
            valeurs: Valeurs::default(),
            rangs_valeurs: HashMap::new(),
            partages: HashSet::new(),
            empreintes: RandomState::new(),
            noms_champs: Vec::new(),
            rang_champ: HashMap::new(),
            colonnes: Vec::new(),
            importe_le: Vec::new(),
            horaires_rang: HashMap::new(),
            horaires: Vec::new(),
            fuseaux_rang: HashMap::new(),
            fuseaux: Vec::new(),
            situations_rang: HashMap::new(),
            situations: Vec::new(),
        }
    }

    /// Le rang de la situation d'un lieu (référentiel des territoires embarqué), calculée une fois
    /// par (code INSEE, code postal, commune) distincts.
    fn situer(&mut self, code_insee: &str, code_postal: &str, commune: &str) -> u32 {
        let cle = (code_insee.into(), code_postal.into(), commune.into());
        if let Some(&r) = self.situations_rang.get(&cle) {
            return r;
        }
        self.situations.push(Territoires::embarque().situer(
            Some(code_insee),
            code_postal,
            commune,
        ));
        let r = (self.situations.len() - 1) as u32;
        self.situations_rang.insert(cle, r);
        r
    }

    /// Nombre de lieux déjà ajoutés.
    pub fn len(&self) -> usize {
        self.lieux.len()
    }
    pub fn is_empty(&self) -> bool {
        self.lieux.is_empty()
    }

    fn interner(&mut self, nature: u8, texte: &str) -> u32 {
        let h = self.empreintes.hash_one((nature, texte));
        match self.rangs_valeurs.get(&h) {
            Some(&r) if self.valeurs.get(r) == (nature, texte) => r,
            Some(_) => self.valeurs.pousser(nature, texte),
            None => {
                let r = self.valeurs.pousser(nature, texte);
                self.rangs_valeurs.insert(h, r);
                r
            }
        }
    }

    fn partage(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.partages.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.partages.insert(a.clone());
        a
    }

    fn colonne(&mut self, champ: &str) -> usize {
        if let Some(&c) = self.rang_champ.get(champ) {
            return c as usize;
        }
        let c = self.colonnes.len();
        self.noms_champs.push(champ.into());
        self.rang_champ.insert(champ.into(), c as u16);
        self.colonnes.push(vec![0; self.lieux.len()]);
        c
    }

    /// Ajoute un lieu : sa source, sa date d'import, son enregistrement (schéma v1).
    pub fn ajouter(&mut self, source: &str, importe_le: &str, e: &Enregistrement) {
        let texte = |k: &str| valeur_ref(e, k).unwrap_or_default();
        let mut masques = [0u64; 7];
        for (i, c) in CHAMPS_FILTRES.iter().enumerate() {
            masques[i] = masque(&self.nomenclatures[i], texte(c).split('|'));
        }
        let n = self.lieux.len();
        let mut ici = 0u8;
        let mut horaires = None;
        for (k, v) in e {
            if let Some(i) = CHAMPS_LIEU.iter().position(|c| *c == k.as_str()) {
                if matches!(v, Value::String(s) if !s.is_empty()) {
                    ici |= 1 << i;
                    continue;
                }
            }
            let (nature, t) = nature_et_texte(v);
            let r = self.interner(nature, &t);
            let c = self.colonne(k);
            self.colonnes[c].push(r + 1);
            if k == "horaires" && !(nature == NUL || (nature == TEXTE && t.is_empty())) {
                let suivant = self.horaires.len() as u32;
                horaires = Some(match self.horaires_rang.get(&r) {
                    Some(&h) => h,
                    None => {
                        self.horaires.push(Horaires::analyser(&t).ok());
                        self.horaires_rang.insert(r, suivant);
                        suivant
                    }
                });
            }
        }
        for c in &mut self.colonnes {
            if c.len() == n {
                c.push(0);
            }
        }
        let d = self.interner(TEXTE, importe_le);
        self.importe_le.push(d);
        let cp = texte("code_postal");
        let nom_fuseau = fuseau_horaire(&cp);
        let fuseau = match self.fuseaux_rang.get(nom_fuseau) {
            Some(&f) => f,
            None => {
                self.fuseaux
                    .push(nom_fuseau.parse::<Tz>().unwrap_or(chrono_tz::Europe::Paris));
                let f = (self.fuseaux.len() - 1) as u16;
                self.fuseaux_rang.insert(nom_fuseau, f);
                f
            }
        };
        let (nom, commune) = (texte("nom"), texte("commune"));
        let situation = self.situer(&texte("code_insee"), &cp, &commune);
        let lieu = LieuIndexe {
            texte: normaliser(&format!("{nom} {commune} {cp}")).into_boxed_str(),
            source: self.partage(source),
            id: texte("id").into(),
            nom: (*nom).into(),
            adresse: texte("adresse").into(),
            commune: self.partage(&commune),
            pivot: texte("pivot").into(),
            position: position(e),
            code_postal: self.partage(&cp),
            masques,
            horaires,
            fuseau,
            situation,
            ici,
        };
        self.lieux.push(lieu);
    }

    /// Termine : trie les lieux (nom normalisé, commune, identifiant), construit l'arbre R et la
    /// table des clés.
    pub fn terminer(self) -> IndexLieux {
        let ConstructionIndex {
            nomenclatures,
            lieux,
            mut valeurs,
            noms_champs,
            rang_champ,
            colonnes,
            importe_le,
            horaires,
            fuseaux,
            situations,
            ..
        } = self;
        let mut ordre: Vec<u32> = (0..lieux.len() as u32).collect();
        ordre.sort_by_cached_key(|&i| {
            let l = &lieux[i as usize];
            (normaliser(&l.nom), &*l.commune, &*l.id)
        });
        let colonnes: Vec<Box<[u32]>> = colonnes
            .into_iter()
            .map(|c| ordre.iter().map(|&i| c[i as usize]).collect())
            .collect();
        let importe_le: Box<[u32]> = ordre.iter().map(|&i| importe_le[i as usize]).collect();
        let mut anciens: Vec<Option<LieuIndexe>> = lieux.into_iter().map(Some).collect();
        let lieux: Vec<LieuIndexe> = ordre
            .iter()
            .filter_map(|&i| anciens[i as usize].take())
            .collect();
        drop(anciens);
        valeurs.texte.shrink_to_fit();
        valeurs.debuts.shrink_to_fit();
        let empreintes = RandomState::new();
        let mut cles: HashMap<u64, u32> = HashMap::with_capacity(lieux.len());
        let mut cles_en_collision: HashMap<(Box<str>, Box<str>), u32> = HashMap::new();
        for (r, l) in lieux.iter().enumerate() {
            let h = empreintes.hash_one((&*l.source, &*l.id));
            match cles.get(&h) {
                None => {
                    cles.insert(h, r as u32);
                }
                Some(&autre) => {
                    let a = &lieux[autre as usize];
                    if (&*a.source, &*a.id) != (&*l.source, &*l.id) {
                        cles_en_collision
                            .entry((l.source.as_ref().into(), l.id.clone()))
                            .or_insert(r as u32);
                    }
                }
            }
        }
        let (groupe_nom_adresse, groupe_pivot) = groupes_de_doublons(&lieux);
        let ordre_champs = ordre_des_champs(&noms_champs);
        let points = lieux
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                l.position
                    .map(|(la, lo)| GeomWithData::new(cartesien(la, lo), i as u32))
            })
            .collect();
        IndexLieux {
            arbre: RTree::bulk_load(points),
            lieux,
            nomenclatures,
            horaires,
            fuseaux,
            situations: situations.into_boxed_slice(),
            valeurs,
            noms_champs,
            rang_champ,
            colonnes,
            importe_le,
            cles,
            cles_en_collision,
            empreintes,
            groupe_nom_adresse,
            groupe_pivot,
            ordre_champs,
        }
    }
}

/// Groupes de doublons possibles, calculés une fois à la construction (le regroupement des
/// résultats les lit à chaque requête, voir [`super::doublons::regrouper`]) :
/// - même nom et même adresse normalisés (nom normalisé non vide) : 1 + rang du groupe, 0 si le
///   lieu est seul de son groupe ;
/// - même pivot significatif porté par 2 à [`PIVOT_PARTAGE_MAX`] lieux : 1 + rang du groupe, 0
///   sinon (pas de pivot, pivot de remplissage, lieu seul ou structure mère).
fn groupes_de_doublons(lieux: &[LieuIndexe]) -> (Box<[u32]>, Box<[u32]>) {
    let mut par_cle: HashMap<String, (u32, u32)> = HashMap::new();
    let mut cles: Vec<Option<u32>> = Vec::with_capacity(lieux.len());
    let mut tampon = String::new();
    for l in lieux {
        tampon.clear();
        if !cle_nom_adresse(l, &mut tampon) {
            cles.push(None);
            continue;
        }
        let suivant = par_cle.len() as u32;
        let g = match par_cle.get_mut(tampon.as_str()) {
            Some(g) => {
                g.1 += 1;
                g.0
            }
            None => {
                par_cle.insert(tampon.clone(), (suivant, 1));
                suivant
            }
        };
        cles.push(Some(g));
    }
    let nombres: HashMap<u32, u32> = par_cle.into_values().collect();
    let nom_adresse = cles
        .iter()
        .map(|g| match g {
            Some(g) if nombres[g] > 1 => g + 1,
            _ => 0,
        })
        .collect();
    let mut par_pivot: HashMap<&str, (u32, usize)> = HashMap::new();
    for l in lieux {
        if pivot_significatif(&l.pivot) {
            let suivant = par_pivot.len() as u32;
            par_pivot.entry(l.pivot.trim()).or_insert((suivant, 0)).1 += 1;
        }
    }
    let pivot = lieux
        .iter()
        .map(|l| {
            if !pivot_significatif(&l.pivot) {
                return 0;
            }
            match par_pivot[l.pivot.trim()] {
                (g, n) if (2..=PIVOT_PARTAGE_MAX).contains(&n) => g + 1,
                _ => 0,
            }
        })
        .collect();
    (nom_adresse, pivot)
}

/// Nom et adresse normalisés, séparés par un nul, ajoutés à `tampon` ; faux si le nom normalisé
/// est vide (un lieu sans nom n'est le doublon de personne par son nom).
fn cle_nom_adresse(l: &LieuIndexe, tampon: &mut String) -> bool {
    let debut = tampon.len();
    normaliser_dans(&l.nom, tampon);
    if tampon.len() == debut {
        return false;
    }
    tampon.push('\u{0}');
    normaliser_dans(&l.adresse, tampon);
    true
}

/// D'où vient la valeur d'un champ de l'enregistrement : gardée dans [`LieuIndexe`] (rang dans
/// [`CHAMPS_LIEU`]) et/ou dans une colonne.
#[derive(Debug, Clone)]
struct ChampRendu {
    nom: Box<str>,
    ici: Option<u8>,
    colonne: Option<u16>,
}

/// Tous les champs connus de l'index, dans l'ordre des clés d'un [`Enregistrement`] (`BTreeMap`
/// de `String` : ordre des octets).
fn ordre_des_champs(noms_champs: &[Box<str>]) -> Vec<ChampRendu> {
    let mut champs: Vec<ChampRendu> = CHAMPS_LIEU
        .iter()
        .enumerate()
        .map(|(i, c)| ChampRendu {
            nom: (*c).into(),
            ici: Some(i as u8),
            colonne: noms_champs
                .iter()
                .position(|n| &**n == *c)
                .map(|c| c as u16),
        })
        .collect();
    for (c, n) in noms_champs.iter().enumerate() {
        if !CHAMPS_LIEU.contains(&&**n) {
            champs.push(ChampRendu {
                nom: n.clone(),
                ici: None,
                colonne: Some(c as u16),
            });
        }
    }
    champs.sort_by(|a, b| a.nom.as_bytes().cmp(b.nom.as_bytes()));
    champs
}

/// L'enregistrement d'un lieu, sérialisé directement depuis les colonnes de l'index (API) : le
/// même JSON, octet pour octet, que `serde_json::to_value(index.enregistrement(rang))`, sans
/// construire de `BTreeMap` ni de `Value` pour les textes.
#[derive(Clone, Copy)]
pub struct EnregistrementVu<'a> {
    index: &'a IndexLieux,
    rang: usize,
}

impl serde::Serialize for EnregistrementVu<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let ix = self.index;
        let l = &ix.lieux[self.rang];
        let mut m = s.serialize_map(None)?;
        for champ in &ix.ordre_champs {
            if let Some(v) = champ.ici.and_then(|i| l.champ_ici(i as usize)) {
                m.serialize_entry(&*champ.nom, v)?;
                continue;
            }
            let Some(c) = champ.colonne else { continue };
            let Some(r) = ix.colonnes[c as usize][self.rang].checked_sub(1) else {
                continue;
            };
            match ix.valeurs.get(r) {
                (TEXTE, t) => m.serialize_entry(&*champ.nom, t)?,
                (NUL, _) => m.serialize_entry(&*champ.nom, &())?,
                (nature, t) => m.serialize_entry(&*champ.nom, &valeur_json(nature, t))?,
            }
        }
        m.end()
    }
}

/// Recherche autour d'un point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Autour {
    pub latitude: f64,
    pub longitude: f64,
    pub rayon_km: f64,
}

/// Moment auquel le lieu doit être ouvert.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quand {
    /// Un instant (« ouvert maintenant ») : lu à l'heure locale de chaque lieu.
    Instant(DateTime<Utc>),
    /// Une date et une heure locales (« mardi à 14 h ») : l'heure du lieu.
    HeureLocale(NaiveDateTime),
    /// Un jour (« mardi ») : le lieu ouvre à un moment de ce jour-là.
    Jour(NaiveDate),
}

/// Critères d'une recherche ; les listes vides ne filtrent pas.
#[derive(Debug, Clone, Default)]
pub struct Criteres {
    /// Mots cherchés dans le nom, la commune et le code postal (tous requis, sans accents).
    pub texte: Option<String>,
    /// Valeurs demandées par champ filtrant (voir [`CHAMPS_FILTRES`]).
    pub valeurs: HashMap<String, Vec<String>>,
    pub autour: Option<Autour>,
    pub quand: Option<Quand>,
    /// Seulement les lieux de ce périmètre (version locale, filtre `?territoire=`).
    pub perimetre: Option<Arc<Perimetre>>,
}

impl Criteres {
    /// Ajoute des valeurs demandées pour un champ.
    pub fn avec(mut self, champ: &str, valeurs: &[&str]) -> Criteres {
        self.valeurs
            .entry(champ.into())
            .or_default()
            .extend(valeurs.iter().map(|v| v.to_string()));
        self
    }
}

/// Un lieu trouvé : son rang dans l'index et sa distance au point demandé.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trouve {
    pub rang: usize,
    pub distance_km: Option<f64>,
}

type Point = GeomWithData<[f64; 3], u32>;

/// L'index.
pub struct IndexLieux {
    lieux: Vec<LieuIndexe>,
    arbre: RTree<Point>,
    nomenclatures: Vec<Vec<String>>,
    horaires: Vec<Option<Horaires>>,
    fuseaux: Vec<Tz>,
    /// Situations distinctes des lieux (commune, EPCI, département, région).
    situations: Box<[Situation]>,
    valeurs: Valeurs,
    noms_champs: Vec<Box<str>>,
    rang_champ: HashMap<Box<str>, u16>,
    colonnes: Vec<Box<[u32]>>,
    importe_le: Box<[u32]>,
    /// Empreinte de (source, id) → rang ; les clés d'empreinte déjà prise sont à part.
    cles: HashMap<u64, u32>,
    cles_en_collision: HashMap<(Box<str>, Box<str>), u32>,
    empreintes: RandomState,
    /// Par lieu : groupe de même nom et même adresse normalisés (voir [`groupes_de_doublons`]).
    groupe_nom_adresse: Box<[u32]>,
    /// Par lieu : groupe de même pivot significatif peu partagé.
    groupe_pivot: Box<[u32]>,
    /// Champs de l'enregistrement dans l'ordre des clés (sérialisation directe).
    ordre_champs: Vec<ChampRendu>,
}

impl std::fmt::Debug for IndexLieux {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexLieux")
            .field("lieux", &self.lieux.len())
            .finish()
    }
}

/// Coordonnées cartésiennes sur la sphère unité : la distance euclidienne (corde) croît avec la
/// distance sur la sphère, ce qui permet un arbre R ordinaire en trois dimensions.
fn cartesien(lat: f64, lon: f64) -> [f64; 3] {
    let (la, lo) = (lat.to_radians(), lon.to_radians());
    [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
}

/// Distance sur la sphère (haversine), en kilomètres.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * RAYON_TERRE_KM * h.sqrt().min(1.0).asin()
}

/// Position d'un enregistrement, si latitude et longitude sont des nombres plausibles.
pub fn position(e: &Enregistrement) -> Option<(f64, f64)> {
    let lat: f64 = valeur(e, "latitude")?.trim().parse().ok()?;
    let lon: f64 = valeur(e, "longitude")?.trim().parse().ok()?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) && lat.is_finite())
        .then_some((lat, lon))
}

fn masque(nomenclature: &[String], valeurs: impl IntoIterator<Item = impl AsRef<str>>) -> u64 {
    valeurs.into_iter().fold(0, |m, v| {
        match nomenclature.iter().position(|n| n == v.as_ref().trim()) {
            Some(i) if i < 64 => m | (1 << i),
            _ => m,
        }
    })
}

impl IndexLieux {
    /// Construit l'index ; `lieux` : (source, enregistrement au schéma v1), sans date d'import
    /// (tests, CLI). Le serveur construit en flux par [`ConstructionIndex`].
    pub fn construire(schema: &SchemaTable, lieux: Vec<(String, Enregistrement)>) -> IndexLieux {
        let mut c = ConstructionIndex::nouvelle(schema);
        for (source, e) in lieux {
            c.ajouter(&source, "", &e);
        }
        c.terminer()
    }

    /// Rang d'un lieu d'après sa clé (source, identifiant).
    pub fn rang(&self, source: &str, id: &str) -> Option<usize> {
        if !self.cles_en_collision.is_empty() {
            if let Some(&r) = self
                .cles_en_collision
                .get(&(Box::<str>::from(source), Box::<str>::from(id)))
            {
                return Some(r as usize);
            }
        }
        let r = *self.cles.get(&self.empreintes.hash_one((source, id)))? as usize;
        let l = &self.lieux[r];
        (&*l.source == source && &*l.id == id).then_some(r)
    }

    /// Valeur texte d'un champ d'un lieu, sans copie ; comme [`super::valeur`] : absent, nul ou
    /// vide → `None`, un nombre ou un booléen d'un JSON est rendu tel qu'écrit.
    pub fn valeur(&self, rang: usize, champ: &str) -> Option<&str> {
        if let Some(i) = CHAMPS_LIEU.iter().position(|c| *c == champ) {
            if let Some(v) = self.lieux[rang].champ_ici(i) {
                return Some(v);
            }
        }
        let c = *self.rang_champ.get(champ)? as usize;
        let r = self.colonnes[c][rang].checked_sub(1)?;
        match self.valeurs.get(r) {
            (NUL, _) | (TEXTE, "") => None,
            (_, t) => Some(t),
        }
    }

    /// L'enregistrement d'origine d'un lieu, reconstruit (fiche, API, exports).
    pub fn enregistrement(&self, rang: usize) -> Enregistrement {
        let l = &self.lieux[rang];
        let mut e = Enregistrement::new();
        for (i, champ) in CHAMPS_LIEU.iter().enumerate() {
            if let Some(v) = l.champ_ici(i) {
                e.insert((*champ).to_string(), Value::String(v.to_string()));
            }
        }
        for (c, colonne) in self.colonnes.iter().enumerate() {
            if let Some(r) = colonne[rang].checked_sub(1) {
                let (nature, texte) = self.valeurs.get(r);
                e.insert(self.noms_champs[c].to_string(), valeur_json(nature, texte));
            }
        }
        e
    }

    /// L'enregistrement d'un lieu, à sérialiser sans le reconstruire (même JSON que
    /// [`IndexLieux::enregistrement`]).
    pub fn enregistrement_vu(&self, rang: usize) -> EnregistrementVu<'_> {
        EnregistrementVu { index: self, rang }
    }

    /// Groupe de même nom et même adresse normalisés du lieu (nom non vide), si d'autres lieux de
    /// l'index en sont ; deux lieux de même groupe ont exactement le même nom et la même adresse
    /// normalisés.
    pub fn groupe_nom_adresse(&self, rang: usize) -> Option<u32> {
        self.groupe_nom_adresse[rang].checked_sub(1)
    }

    /// Groupe de même pivot significatif du lieu, si ce pivot est porté par 2 à
    /// [`PIVOT_PARTAGE_MAX`] lieux de l'index (au-delà : structure mère, pas un indice).
    pub fn groupe_pivot(&self, rang: usize) -> Option<u32> {
        self.groupe_pivot[rang].checked_sub(1)
    }

    /// Date d'import du lieu (vide si l'index a été construit sans dates).
    pub fn importe_le(&self, rang: usize) -> &str {
        self.valeurs.get(self.importe_le[rang]).1
    }

    /// Nombre de valeurs distinctes gardées (mesure de la mémoire).
    pub fn valeurs_distinctes(&self) -> usize {
        self.valeurs.len()
    }

    pub fn len(&self) -> usize {
        self.lieux.len()
    }
    pub fn is_empty(&self) -> bool {
        self.lieux.is_empty()
    }
    pub fn lieu(&self, rang: usize) -> &LieuIndexe {
        &self.lieux[rang]
    }
    pub fn lieux(&self) -> &[LieuIndexe] {
        &self.lieux
    }

    /// Horaires analysés d'un lieu (None : pas d'horaires, ou horaires illisibles).
    pub fn horaires(&self, rang: usize) -> Option<&Horaires> {
        self.lieux[rang]
            .horaires
            .and_then(|h| self.horaires[h as usize].as_ref())
    }

    /// Fuseau horaire du lieu (d'après son code postal), lu une fois à la construction.
    pub fn fuseau(&self, rang: usize) -> Tz {
        self.fuseaux
            .get(self.lieux[rang].fuseau as usize)
            .copied()
            .unwrap_or(chrono_tz::Europe::Paris)
    }

    /// Où est le lieu (commune, EPCI, département, région), d'après son code INSEE, ou son code
    /// postal et sa commune (référentiel des territoires embarqué).
    pub fn situation(&self, rang: usize) -> &Situation {
        &self.situations[self.lieux[rang].situation as usize]
    }

    /// Le lieu est-il dans le périmètre ?
    pub fn dans_le_perimetre(&self, rang: usize, p: &Perimetre) -> bool {
        p.contient(self.situation(rang))
    }

    /// Cherche ; résultats triés par distance si un point est donné, sinon par nom.
    pub fn chercher(&self, c: &Criteres) -> Vec<Trouve> {
        // Périmètre : décidé une fois par situation distincte.
        let dans: Vec<bool> = match &c.perimetre {
            Some(p) => self.situations.iter().map(|s| p.contient(s)).collect(),
            None => Vec::new(),
        };
        // Masques demandés ; une valeur inconnue ne correspond à rien.
        let mut demandes: Vec<(usize, u64, bool)> = Vec::new();
        for (i, champ) in CHAMPS_FILTRES.iter().enumerate() {
            let Some(vs) = c.valeurs.get(*champ) else {
                continue;
            };
            let vs: Vec<&str> = vs
                .iter()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .collect();
            if vs.is_empty() {
                continue;
            }
            let m = masque(&self.nomenclatures[i], &vs);
            let connues = m.count_ones() as usize;
            let toutes = *champ == "prise_en_charge_specifique";
            if m == 0 || (toutes && connues < vs.len()) {
                return Vec::new();
            }
            demandes.push((i, m, toutes));
        }
        let mots: Vec<String> = c
            .texte
            .as_deref()
            .map(normaliser)
            .unwrap_or_default()
            .split(' ')
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect();
        // Disponibilité : mémo par (horaires distincts × fuseau), calculé à la demande
        // (0 : pas encore évalué, 1 : fermé, 2 : ouvert).
        let nf = self.fuseaux.len().max(1);
        let mut ouvert: Vec<u8> = if c.quand.is_some() {
            vec![0; self.horaires.len() * nf]
        } else {
            Vec::new()
        };
        let locales: Vec<NaiveDateTime> = match c.quand {
            Some(Quand::Instant(t)) => self
                .fuseaux
                .iter()
                .map(|tz| t.with_timezone(tz).naive_local())
                .collect(),
            Some(Quand::HeureLocale(t)) => vec![t; self.fuseaux.len()],
            Some(Quand::Jour(j)) => vec![j.and_time(chrono::NaiveTime::MIN); self.fuseaux.len()],
            None => Vec::new(),
        };
        let jour_entier = matches!(c.quand, Some(Quand::Jour(_)));
        let mut garde = |rang: usize| -> bool {
            let l = &self.lieux[rang];
            if c.perimetre.is_some() && !dans[l.situation as usize] {
                return false;
            }
            if !demandes.iter().all(|(i, m, toutes)| {
                let a = l.masques[*i] & m;
                if *toutes {
                    a == *m
                } else {
                    a != 0
                }
            }) {
                return false;
            }
            if !mots.iter().all(|m| l.texte.contains(m.as_str())) {
                return false;
            }
            if c.quand.is_some() {
                let Some(h) = l.horaires else { return false };
                let Some(analyse) = self.horaires[h as usize].as_ref() else {
                    return false;
                };
                let case = &mut ouvert[h as usize * nf + l.fuseau as usize];
                if *case == 0 {
                    let debut = locales[l.fuseau as usize];
                    let ouvre = if jour_entier {
                        analyse
                            .prochaine_ouverture(debut)
                            .is_some_and(|t| t.date() == debut.date())
                    } else {
                        analyse.est_ouvert(debut)
                    };
                    *case = if ouvre { 2 } else { 1 };
                }
                return *case == 2;
            }
            true
        };
        match c.autour {
            Some(a) => {
                let centre = cartesien(a.latitude, a.longitude);
                let rayon = a.rayon_km.max(0.0);
                let corde = 2.0 * (rayon / (2.0 * RAYON_TERRE_KM)).min(1.0).sin();
                let mut v: Vec<Trouve> = self
                    .arbre
                    .locate_within_distance(centre, corde * corde)
                    .map(|p| p.data as usize)
                    .filter(|r| garde(*r))
                    .filter_map(|rang| {
                        let d = distance_km((a.latitude, a.longitude), self.lieux[rang].position?);
                        (d <= rayon).then_some(Trouve {
                            rang,
                            distance_km: Some(d),
                        })
                    })
                    .collect();
                v.sort_by(|x, y| {
                    x.distance_km
                        .partial_cmp(&y.distance_km)
                        .unwrap_or(std::cmp::Ordering::Equal)
                        .then(x.rang.cmp(&y.rang))
                });
                v
            }
            None => (0..self.lieux.len())
                .filter(|r| garde(*r))
                .map(|rang| Trouve {
                    rang,
                    distance_km: None,
                })
                .collect(),
        }
    }

    /// Correspondance texte seule (utile pour filtrer une commune saisie qu'on n'a pas su situer).
    pub fn texte_correspond(&self, rang: usize, recherche: &str) -> bool {
        correspond(&self.lieux[rang].texte, recherche)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lieu(id: &str, services: &str, horaires: &str, commune: &str) -> Enregistrement {
        serde_json::from_value(json!({
            "id": id, "nom": format!("Lieu {id}"), "commune": commune, "code_postal": "16000",
            "services": services, "horaires": horaires, "publics_specifiquement_adresses": "Jeunes",
        }))
        .unwrap()
    }

    #[test]
    fn valeurs_partagees_gardees_une_fois() {
        let s = "Aide aux démarches administratives|Loisirs et créations numériques";
        let h = "Mo-Fr 09:00-12:00";
        let mut c = ConstructionIndex::nouvelle(&crate::lieux::schema_national());
        c.ajouter("a", "2026-01-01", &lieu("1", s, h, "Angoulême"));
        c.ajouter("a", "2026-01-01", &lieu("2", s, h, "Angoulême"));
        c.ajouter(
            "a",
            "2026-01-01",
            &lieu(
                "3",
                "Aide aux démarches administratives",
                "Sa 09:00-12:00",
                "Cognac",
            ),
        );
        let ix = c.terminer();
        let (r1, r2, r3) = (
            ix.rang("a", "1").unwrap(),
            ix.rang("a", "2").unwrap(),
            ix.rang("a", "3").unwrap(),
        );
        let case = |r: usize, champ: &str| ix.colonnes[ix.rang_champ[champ] as usize][r];
        for champ in ["services", "horaires", "publics_specifiquement_adresses"] {
            assert_ne!(case(r1, champ), 0);
            assert_eq!(case(r1, champ), case(r2, champ), "{champ}");
        }
        assert_ne!(case(r1, "services"), case(r3, "services"));
        assert_ne!(case(r1, "horaires"), case(r3, "horaires"));
        assert_eq!(
            case(r1, "publics_specifiquement_adresses"),
            case(r3, "publics_specifiquement_adresses")
        );
        // Horaires analysés une fois par valeur distincte ; date d'import et commune partagées.
        assert_eq!(ix.horaires.len(), 2);
        assert_eq!(ix.lieux[r1].horaires, ix.lieux[r2].horaires);
        assert_eq!(ix.importe_le[r1], ix.importe_le[r3]);
        assert!(Arc::ptr_eq(&ix.lieux[r1].commune, &ix.lieux[r2].commune));
        assert!(Arc::ptr_eq(&ix.lieux[r1].source, &ix.lieux[r3].source));
        // Chaque valeur distincte une seule fois dans la table : 2 services, 2 horaires,
        // 1 public, 1 date.
        assert_eq!(ix.valeurs_distinctes(), 6);
        assert_eq!(ix.valeur(r1, "services"), Some(s));
        assert_eq!(ix.valeur(r3, "horaires"), Some("Sa 09:00-12:00"));
    }

    #[test]
    fn perimetre_d_une_recherche() {
        let mut c = ConstructionIndex::nouvelle(&crate::lieux::schema_national());
        let mut avec = |id: &str, insee: &str, cp: &str, commune: &str| {
            let e: Enregistrement = serde_json::from_value(json!({
                "id": id, "nom": format!("Lieu {id}"), "commune": commune,
                "code_postal": cp, "code_insee": insee,
            }))
            .unwrap();
            c.ajouter("a", "", &e);
        };
        avec("angouleme", "16015", "16000", "Angoulême");
        avec("cognac", "", "16100", "Cognac");
        avec("bordeaux", "33063", "33000", "Bordeaux");
        avec("ailleurs", "", "", "Nulle part");
        avec("angouleme-2", "16015", "16000", "Angoulême");
        let ix = c.terminer();
        // Une situation par (code INSEE, code postal, commune) distincts.
        assert_eq!(ix.situations.len(), 4);
        let t = Territoires::embarque();
        let ids = |p: &str| {
            let mut v: Vec<String> = ix
                .chercher(&Criteres {
                    perimetre: Some(Arc::new(Perimetre::lire(p, t).unwrap())),
                    ..Criteres::default()
                })
                .iter()
                .map(|x| ix.lieu(x.rang).id.to_string())
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            ids("departement:16"),
            ["angouleme", "angouleme-2", "cognac"]
        );
        assert_eq!(ids("epci:200071827"), ["angouleme", "angouleme-2"]);
        assert_eq!(
            ids("region:75"),
            ["angouleme", "angouleme-2", "bordeaux", "cognac"]
        );
        assert_eq!(ids("commune:33063,commune:16102"), ["bordeaux", "cognac"]);
        assert!(ids("departement:2A").is_empty());
        let r = ix.rang("a", "bordeaux").unwrap();
        assert_eq!(ix.situation(r).departement.as_deref(), Some("33"));
        assert!(ix.situation(ix.rang("a", "ailleurs").unwrap()).inconnue());
        // Sans périmètre : tous.
        assert_eq!(ix.chercher(&Criteres::default()).len(), 5);
    }
}
