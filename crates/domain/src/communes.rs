//! Référentiel des communes, hors ligne : code INSEE, nom, codes postaux, département, région,
//! EPCI et position (voir `donnees/communes/README.md` pour la source et la licence). Sert à
//! situer une personne d'après sa commune ou son code postal, sans service extérieur.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

use crate::texte::cle_nom;

/// Le fichier embarqué.
pub const COMMUNES_CSV: &str = include_str!("../../../donnees/communes/communes.csv");

/// La saisie est-elle un code postal ou un code INSEE (« 16000 », « 2A004 ») plutôt qu'un nom ?
/// Cinq caractères alphanumériques **commençant par un chiffre** : « Brest » ou « Royan » sont des
/// noms de communes.
pub fn est_un_code(saisie: &str) -> bool {
    saisie.len() == 5
        && saisie.starts_with(|c: char| c.is_ascii_digit())
        && saisie.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Une commune.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Commune {
    pub code_insee: String,
    pub nom: String,
    pub codes_postaux: Vec<String>,
    pub departement: String,
    pub region: String,
    pub epci: String,
    /// Latitude, longitude (WGS84).
    pub position: Option<(f64, f64)>,
}

impl Commune {
    /// « Angoulême (16000) ».
    pub fn libelle(&self) -> String {
        match self.codes_postaux.first() {
            Some(cp) => format!("{} ({cp})", self.nom),
            None => self.nom.clone(),
        }
    }
}

/// Le référentiel chargé, avec ses index.
#[derive(Debug)]
pub struct Communes {
    communes: Vec<Commune>,
    par_code: HashMap<String, usize>,
    par_code_postal: HashMap<String, Vec<usize>>,
    par_nom: HashMap<String, Vec<usize>>,
}

impl Communes {
    /// Lit le CSV (en-tête `code_insee,nom,codes_postaux,departement,region,epci,latitude,longitude`).
    pub fn depuis_csv(texte: &str) -> Result<Communes, String> {
        let mut r = csv::Reader::from_reader(texte.as_bytes());
        let mut communes = Vec::new();
        for (i, l) in r.records().enumerate() {
            let l = l.map_err(|e| format!("communes, ligne {} : {e}", i + 2))?;
            let champ = |k: usize| l.get(k).unwrap_or("").trim().to_string();
            let lat = champ(6).parse::<f64>().ok();
            let lon = champ(7).parse::<f64>().ok();
            communes.push(Commune {
                code_insee: champ(0),
                nom: champ(1),
                codes_postaux: champ(2)
                    .split('|')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                departement: champ(3),
                region: champ(4),
                epci: champ(5),
                position: lat.zip(lon),
            });
        }
        let mut par_code = HashMap::new();
        let mut par_code_postal: HashMap<String, Vec<usize>> = HashMap::new();
        let mut par_nom: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in communes.iter().enumerate() {
            par_code.insert(c.code_insee.clone(), i);
            for cp in &c.codes_postaux {
                par_code_postal.entry(cp.clone()).or_default().push(i);
            }
            par_nom.entry(cle_nom(&c.nom)).or_default().push(i);
        }
        Ok(Communes {
            communes,
            par_code,
            par_code_postal,
            par_nom,
        })
    }

    /// Le référentiel embarqué (lu une fois).
    pub fn embarque() -> &'static Communes {
        static C: OnceLock<Communes> = OnceLock::new();
        C.get_or_init(|| {
            Communes::depuis_csv(COMMUNES_CSV).expect("référentiel des communes valide (testé)")
        })
    }

    pub fn len(&self) -> usize {
        self.communes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.communes.is_empty()
    }
    pub fn toutes(&self) -> &[Commune] {
        &self.communes
    }

    pub fn par_code_insee(&self, code: &str) -> Option<&Commune> {
        self.par_code.get(code.trim()).map(|i| &self.communes[*i])
    }

    /// Communes dont le nom est exactement celui donné (comparé par [`cle_nom`]), sans recherche
    /// par début de nom.
    pub fn par_nom_exact(&self, nom: &str) -> Vec<&Commune> {
        self.par_nom
            .get(&cle_nom(nom))
            .into_iter()
            .flatten()
            .map(|i| &self.communes[*i])
            .collect()
    }

    /// Communes qui portent ce code postal.
    pub fn par_code_postal(&self, code_postal: &str) -> Vec<&Commune> {
        self.par_code_postal
            .get(code_postal.trim())
            .into_iter()
            .flatten()
            .map(|i| &self.communes[*i])
            .collect()
    }

    /// Communes qui correspondent à une saisie : code postal (toutes ses communes), code INSEE,
    /// nom exact (sans accents, tirets ni casse), sinon noms qui commencent par la saisie. Une
    /// saisie « Nom (code postal) » est départagée par le code postal.
    pub fn chercher(&self, saisie: &str) -> Vec<&Commune> {
        let s = saisie.trim();
        if s.is_empty() {
            return Vec::new();
        }
        // « Angoulême (16000) » : le libellé proposé par une page précédente.
        if let Some((nom, reste)) = s.rsplit_once('(') {
            let cp = reste.trim_end_matches(')').trim();
            if est_un_code(cp) {
                let cle = cle_nom(nom);
                let v: Vec<&Commune> = self
                    .par_code_postal
                    .get(cp)
                    .into_iter()
                    .flatten()
                    .map(|i| &self.communes[*i])
                    .filter(|c| cle_nom(&c.nom) == cle)
                    .collect();
                if !v.is_empty() {
                    return v;
                }
            }
        }
        if est_un_code(s) {
            let mut v: Vec<&Commune> = self
                .par_code_postal
                .get(s)
                .into_iter()
                .flatten()
                .map(|i| &self.communes[*i])
                .collect();
            if v.is_empty() {
                v.extend(self.par_code_insee(s));
            }
            return v;
        }
        let cle = cle_nom(s);
        if let Some(v) = self.par_nom.get(&cle) {
            return v.iter().map(|i| &self.communes[*i]).collect();
        }
        if cle.chars().count() < 3 {
            return Vec::new();
        }
        let mut v: Vec<&Commune> = self
            .communes
            .iter()
            .filter(|c| cle_nom(&c.nom).starts_with(&cle))
            .collect();
        v.truncate(20);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn un_nom_de_cinq_lettres_n_est_pas_un_code() {
        let c = Communes::embarque();
        assert!(!est_un_code("Brest") && !est_un_code("Royan"));
        assert!(est_un_code("29200") && est_un_code("2A004"));
        let brest = c.chercher("Brest");
        assert_eq!(brest.len(), 1, "{brest:?}");
        assert_eq!(brest[0].code_insee, "29019");
        let royan = c.chercher("royan");
        assert!(royan.iter().any(|x| x.code_insee == "17306"), "{royan:?}");
        assert_eq!(c.chercher("29200")[0].nom, "Brest");
    }

    #[test]
    fn le_referentiel_embarque_situe_les_communes() {
        let c = Communes::embarque();
        assert!(c.len() > 34_000, "{}", c.len());
        let angouleme = c.chercher("16000");
        assert!(
            angouleme.iter().any(|x| x.nom == "Angoulême"),
            "{angouleme:?}"
        );
        assert!(angouleme[0].position.is_some());
        let par_nom = c.chercher("angouleme");
        assert_eq!(par_nom.len(), 1);
        assert_eq!(par_nom[0].code_insee, "16015");
        // Homonymes : plusieurs Saint-Denis.
        assert!(c.chercher("St Denis").len() > 1);
        // Libellé d'une page précédente : départagé par le code postal.
        let lib = par_nom[0].libelle();
        assert_eq!(c.chercher(&lib).len(), 1);
        assert!(c.chercher("zzzzzz").is_empty());
        assert!(c.chercher("").is_empty());
    }
}
