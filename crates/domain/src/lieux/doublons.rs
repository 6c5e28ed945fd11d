//! Doublons probables entre lieux : signalés pour examen, jamais fusionnés.
//!
//! Deux lieux sont des doublons probables :
//! - s'ils ont le même pivot (SIRET, RNA ou RIDET), hors pivot de remplissage (que des zéros) ;
//! - ou s'ils ont le même nom et la même adresse, une fois normalisés (minuscules, sans accents
//!   ni ponctuation), et, quand les deux ont des coordonnées, sont à 50 m l'un de l'autre au plus.
//!
//! Un pivot porté par plus de dix lieux (identifiant d'une structure mère) n'est pas un indice.

use std::collections::HashMap;

use serde::Serialize;

use super::index::{distance_km, IndexLieux, Trouve};

/// Distance au-delà de laquelle deux lieux de même nom et adresse sont tenus pour distincts.
pub const SEUIL_METRES: f64 = 50.0;

/// Au-delà de ce nombre de lieux, un pivot commun n'est plus tenu pour un indice de doublon.
pub const PIVOT_PARTAGE_MAX: usize = 10;

/// Une paire de lieux probablement identiques (rangs dans l'index, `a < b`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Doublon {
    pub a: usize,
    pub b: usize,
    /// « même pivot » ou « même nom et même adresse ».
    pub motif: String,
    pub distance_m: Option<f64>,
}

pub(crate) fn pivot_significatif(p: &str) -> bool {
    let p = p.trim();
    p.len() >= 9 && p.chars().any(|c| c != '0')
}

/// Tous les doublons probables de l'index, triés.
pub fn doublons_probables(index: &IndexLieux) -> Vec<Doublon> {
    let lieux = index.lieux();
    let mut paires: HashMap<(usize, usize), Doublon> = HashMap::new();
    let distance = |a: usize, b: usize| -> Option<f64> {
        Some(distance_km(lieux[a].position?, lieux[b].position?) * 1000.0)
    };
    let mut par_pivot: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut par_nom_adresse: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, l) in lieux.iter().enumerate() {
        if pivot_significatif(&l.pivot) {
            par_pivot.entry(l.pivot.trim()).or_default().push(i);
        }
        par_nom_adresse
            .entry((l.nom_normalise(), l.adresse_normalisee()))
            .or_default()
            .push(i);
    }
    // Un pivot partagé par plus de `PIVOT_PARTAGE_MAX` lieux est l'identifiant d'une structure
    // mère (un réseau, une collectivité), pas l'indice d'un doublon.
    for groupe in par_pivot
        .values()
        .filter(|g| g.len() > 1 && g.len() <= PIVOT_PARTAGE_MAX)
    {
        for (k, &a) in groupe.iter().enumerate() {
            for &b in &groupe[k + 1..] {
                let (a, b) = (a.min(b), a.max(b));
                paires.insert(
                    (a, b),
                    Doublon {
                        a,
                        b,
                        motif: "même pivot".into(),
                        distance_m: distance(a, b),
                    },
                );
            }
        }
    }
    for ((nom, _), groupe) in par_nom_adresse.iter().filter(|(_, g)| g.len() > 1) {
        if nom.is_empty() {
            continue;
        }
        for (k, &a) in groupe.iter().enumerate() {
            for &b in &groupe[k + 1..] {
                let (a, b) = (a.min(b), a.max(b));
                let d = distance(a, b);
                if d.is_some_and(|d| d > SEUIL_METRES) {
                    continue;
                }
                paires
                    .entry((a, b))
                    .and_modify(|x| x.motif = "même pivot, même nom et même adresse".into())
                    .or_insert(Doublon {
                        a,
                        b,
                        motif: "même nom et même adresse".into(),
                        distance_m: d,
                    });
            }
        }
    }
    let mut v: Vec<Doublon> = paires.into_values().collect();
    v.sort_by_key(|d| (d.a, d.b));
    v
}

/// Regroupe les doublons probables d'une liste de résultats, selon les mêmes règles que
/// [`doublons_probables`] (même pivot significatif porté par au plus [`PIVOT_PARTAGE_MAX`] lieux
/// de l'index, ou même nom et même adresse à [`SEUIL_METRES`] au plus). L'ordre est gardé : chaque
/// groupe est à la place de son premier lieu (le plus proche quand la liste est triée par
/// distance), suivi de ses doublons dans leur ordre.
pub fn regrouper(index: &IndexLieux, trouves: &[Trouve]) -> Vec<Vec<Trouve>> {
    let lieux = index.lieux();
    let n = trouves.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn racine(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut unir = |a: usize, b: usize| {
        let (ra, rb) = (racine(&mut parent, a), racine(&mut parent, b));
        if ra != rb {
            // La racine est le premier dans la liste.
            let (min, max) = (ra.min(rb), ra.max(rb));
            parent[max] = min;
        }
    };
    // Les groupes (même pivot peu partagé, même nom et même adresse normalisés) sont calculés une
    // fois à la construction de l'index : ici, seuls les lieux d'un groupe de plusieurs lieux
    // sont triés par groupe, puis unis (après contrôle de la distance pour le nom et l'adresse).
    let mut pivots: Vec<(u32, usize)> = trouves
        .iter()
        .enumerate()
        .filter_map(|(k, t)| Some((index.groupe_pivot(t.rang)?, k)))
        .collect();
    pivots.sort_unstable();
    for g in pivots.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        for &(_, b) in &g[1..] {
            unir(g[0].1, b);
        }
    }
    let mut noms: Vec<(u32, usize)> = trouves
        .iter()
        .enumerate()
        .filter_map(|(k, t)| Some((index.groupe_nom_adresse(t.rang)?, k)))
        .collect();
    noms.sort_unstable();
    for g in noms.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        for (i, &(_, a)) in g.iter().enumerate() {
            for &(_, b) in &g[i + 1..] {
                let (la, lb) = (&lieux[trouves[a].rang], &lieux[trouves[b].rang]);
                let proches = match (la.position, lb.position) {
                    (Some(x), Some(y)) => distance_km(x, y) * 1000.0 <= SEUIL_METRES,
                    _ => true,
                };
                if proches {
                    unir(a.min(b), a.max(b));
                }
            }
        }
    }
    let mut groupes: Vec<Vec<Trouve>> = Vec::new();
    // Place de chaque groupe dans `groupes`, par racine (un rang dans la liste).
    let mut place: Vec<usize> = vec![usize::MAX; n];
    for (k, t) in trouves.iter().enumerate() {
        let r = racine(&mut parent, k);
        match place[r] {
            usize::MAX => {
                place[r] = groupes.len();
                groupes.push(vec![*t]);
            }
            g => groupes[g].push(*t),
        }
    }
    groupes
}
