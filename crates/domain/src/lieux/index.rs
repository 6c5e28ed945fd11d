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

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use rstar::primitives::GeomWithData;
use rstar::RTree;

use super::{valeur, Enregistrement, SchemaTable};
use crate::horaires::{fuseau_horaire, Horaires};
use crate::texte::{correspond, normaliser};

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

/// Un lieu tel que l'index le garde.
#[derive(Debug, Clone)]
pub struct LieuIndexe {
    pub source: String,
    pub id: String,
    pub nom: String,
    pub adresse: String,
    pub code_postal: String,
    pub commune: String,
    pub pivot: String,
    /// Latitude, longitude (WGS84), si le lieu en a.
    pub position: Option<(f64, f64)>,
    texte: String,
    masques: [u64; 7],
    /// Rang dans la table des horaires distincts.
    horaires: Option<u32>,
    fuseau: u16,
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
    /// Construit l'index ; `lieux` : (source, enregistrement au schéma v1).
    pub fn construire(schema: &SchemaTable, lieux: Vec<(String, Enregistrement)>) -> IndexLieux {
        let nomenclatures: Vec<Vec<String>> = CHAMPS_FILTRES
            .iter()
            .map(|c| {
                schema
                    .champ(c)
                    .map(|c| c.valeurs_enumerees())
                    .unwrap_or_default()
            })
            .collect();
        let mut horaires_rang: HashMap<String, u32> = HashMap::new();
        let mut horaires = Vec::new();
        let mut fuseaux_rang: HashMap<&'static str, u16> = HashMap::new();
        let mut fuseaux = Vec::new();
        let mut v: Vec<LieuIndexe> = lieux
            .into_iter()
            .map(|(source, e)| {
                let texte = |k: &str| valeur(&e, k).unwrap_or_default();
                let mut masques = [0u64; 7];
                for (i, c) in CHAMPS_FILTRES.iter().enumerate() {
                    masques[i] = masque(&nomenclatures[i], texte(c).split('|'));
                }
                let h = valeur(&e, "horaires").map(|h| {
                    let n = horaires_rang.len() as u32;
                    *horaires_rang.entry(h.clone()).or_insert_with(|| {
                        horaires.push(Horaires::analyser(&h).ok());
                        n
                    })
                });
                let cp = texte("code_postal");
                let nom_fuseau = fuseau_horaire(&cp);
                let fuseau = *fuseaux_rang.entry(nom_fuseau).or_insert_with(|| {
                    fuseaux.push(nom_fuseau.parse::<Tz>().unwrap_or(chrono_tz::Europe::Paris));
                    (fuseaux.len() - 1) as u16
                });
                LieuIndexe {
                    texte: normaliser(&format!("{} {} {}", texte("nom"), texte("commune"), cp)),
                    id: texte("id"),
                    nom: texte("nom"),
                    adresse: texte("adresse"),
                    commune: texte("commune"),
                    pivot: texte("pivot"),
                    position: position(&e),
                    code_postal: cp,
                    source,
                    masques,
                    horaires: h,
                    fuseau,
                }
            })
            .collect();
        v.sort_by_cached_key(|l| (normaliser(&l.nom), l.commune.clone(), l.id.clone()));
        let points = v
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                l.position
                    .map(|(la, lo)| GeomWithData::new(cartesien(la, lo), i as u32))
            })
            .collect();
        IndexLieux {
            arbre: RTree::bulk_load(points),
            lieux: v,
            nomenclatures,
            horaires,
            fuseaux,
        }
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

    /// Cherche ; résultats triés par distance si un point est donné, sinon par nom.
    pub fn chercher(&self, c: &Criteres) -> Vec<Trouve> {
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
