//! Territoires, hors ligne : communes, EPCI à fiscalité propre, départements et régions, d'après
//! `donnees/communes/` (COG 2026, voir son README). Répond à « quels territoires contiennent la
//! commune X », « quelles communes sont dans le territoire T », et situe un lieu ou une
//! organisation d'après son code INSEE, ou son code postal et sa commune.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;

use crate::communes::{Commune, Communes};
use crate::texte::{cle_nom, correspond, normaliser};

pub const EPCI_CSV: &str = include_str!("../../../donnees/communes/epci.csv");
pub const DEPARTEMENTS_CSV: &str = include_str!("../../../donnees/communes/departements.csv");
pub const REGIONS_CSV: &str = include_str!("../../../donnees/communes/regions.csv");

/// Échelon d'un territoire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Niveau {
    Commune,
    Epci,
    Departement,
    Region,
}

impl Niveau {
    pub const TOUS: [Niveau; 4] = [
        Niveau::Region,
        Niveau::Departement,
        Niveau::Epci,
        Niveau::Commune,
    ];

    /// Code employé dans les adresses et les fichiers.
    pub fn code(self) -> &'static str {
        match self {
            Niveau::Commune => "commune",
            Niveau::Epci => "epci",
            Niveau::Departement => "departement",
            Niveau::Region => "region",
        }
    }

    pub fn depuis_code(c: &str) -> Option<Niveau> {
        Niveau::TOUS.into_iter().find(|n| n.code() == c.trim())
    }

    pub fn libelle(self) -> &'static str {
        match self {
            Niveau::Commune => "commune",
            Niveau::Epci => "EPCI",
            Niveau::Departement => "département",
            Niveau::Region => "région",
        }
    }

    /// Intitulé d'une liste de territoires de cet échelon.
    pub fn libelle_pluriel(self) -> &'static str {
        match self {
            Niveau::Commune => "Communes",
            Niveau::Epci => "EPCI (intercommunalités à fiscalité propre)",
            Niveau::Departement => "Départements",
            Niveau::Region => "Régions",
        }
    }
}

impl fmt::Display for Niveau {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Un territoire : échelon, code (INSEE, SIREN de l'EPCI, code du département ou de la région)
/// et nom.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Territoire {
    pub niveau: Niveau,
    pub code: String,
    pub nom: String,
}

impl Territoire {
    /// « Charente (département 16) ».
    pub fn libelle(&self) -> String {
        format!("{} ({} {})", self.nom, self.niveau.libelle(), self.code)
    }
    /// `/territoires/departement/16`.
    pub fn chemin(&self) -> String {
        format!("/territoires/{}/{}", self.niveau.code(), self.code)
    }
}

/// Où se trouve un lieu ou une organisation, à chaque échelon. Un échelon reste inconnu quand
/// les données ne permettent pas de trancher (code postal partagé par des communes de
/// territoires différents, commune introuvable).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Situation {
    /// Code INSEE de la commune (ou de l'arrondissement municipal).
    pub commune: Option<String>,
    /// Commune qui contient l'arrondissement municipal (Paris, Lyon, Marseille).
    pub commune_parente: Option<String>,
    pub epci: Option<String>,
    pub departement: Option<String>,
    pub region: Option<String>,
}

impl Situation {
    fn depuis_commune(c: &Commune) -> Situation {
        let non_vide = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
        Situation {
            commune: non_vide(&c.code_insee),
            commune_parente: commune_parente(&c.code_insee).map(str::to_string),
            epci: non_vide(&c.epci),
            departement: non_vide(&c.departement),
            region: non_vide(&c.region),
        }
    }

    /// Ce qui est commun à toutes les communes candidates.
    fn commune_a(candidates: &[&Commune]) -> Situation {
        fn commun<'a>(v: impl Iterator<Item = &'a str>) -> Option<String> {
            let mut vus = v.collect::<BTreeSet<_>>().into_iter();
            match (vus.next(), vus.next()) {
                (Some(x), None) if !x.is_empty() => Some(x.to_string()),
                _ => None,
            }
        }
        Situation {
            commune: None,
            commune_parente: None,
            epci: commun(candidates.iter().map(|c| c.epci.as_str())),
            departement: commun(candidates.iter().map(|c| c.departement.as_str())),
            region: commun(candidates.iter().map(|c| c.region.as_str())),
        }
    }

    /// Est-elle dans ce territoire ?
    pub fn dans(&self, niveau: Niveau, code: &str) -> bool {
        let egal = |x: &Option<String>| x.as_deref() == Some(code);
        match niveau {
            Niveau::Commune => egal(&self.commune) || egal(&self.commune_parente),
            Niveau::Epci => egal(&self.epci),
            Niveau::Departement => egal(&self.departement),
            Niveau::Region => egal(&self.region),
        }
    }

    /// Aucun échelon connu.
    pub fn inconnue(&self) -> bool {
        self.commune.is_none()
            && self.epci.is_none()
            && self.departement.is_none()
            && self.region.is_none()
    }
}

/// La commune qui contient un arrondissement municipal (règle du COG : 75101 à 75120 pour Paris,
/// 69381 à 69389 pour Lyon, 13201 à 13216 pour Marseille).
pub fn commune_parente(code_insee: &str) -> Option<&'static str> {
    let n: u32 = code_insee.parse().ok()?;
    match n {
        75101..=75120 => Some("75056"),
        69381..=69389 => Some("69123"),
        13201..=13216 => Some("13055"),
        _ => None,
    }
}

/// Le référentiel des territoires.
#[derive(Debug)]
pub struct Territoires {
    communes: &'static Communes,
    epci: BTreeMap<String, String>,
    /// code → (nom, région)
    departements: BTreeMap<String, (String, String)>,
    regions: BTreeMap<String, String>,
}

fn lire_csv(texte: &str, fichier: &str, colonnes: usize) -> Result<Vec<Vec<String>>, String> {
    let mut r = csv::Reader::from_reader(texte.as_bytes());
    let mut v = Vec::new();
    for (i, l) in r.records().enumerate() {
        let l = l.map_err(|e| format!("{fichier}, ligne {} : {e}", i + 2))?;
        if l.len() < colonnes {
            return Err(format!(
                "{fichier}, ligne {} : {colonnes} colonnes attendues",
                i + 2
            ));
        }
        v.push(l.iter().map(|x| x.trim().to_string()).collect());
    }
    Ok(v)
}

impl Territoires {
    /// Lit les fichiers `epci.csv` (`code,nom`), `departements.csv` (`code,nom,region`) et
    /// `regions.csv` (`code,nom`), avec les communes déjà chargées.
    pub fn depuis_csv(
        communes: &'static Communes,
        epci: &str,
        departements: &str,
        regions: &str,
    ) -> Result<Territoires, String> {
        Ok(Territoires {
            communes,
            epci: lire_csv(epci, "epci.csv", 2)?
                .into_iter()
                .map(|l| (l[0].clone(), l[1].clone()))
                .collect(),
            departements: lire_csv(departements, "departements.csv", 3)?
                .into_iter()
                .map(|l| (l[0].clone(), (l[1].clone(), l[2].clone())))
                .collect(),
            regions: lire_csv(regions, "regions.csv", 2)?
                .into_iter()
                .map(|l| (l[0].clone(), l[1].clone()))
                .collect(),
        })
    }

    /// Le référentiel embarqué (lu une fois).
    pub fn embarque() -> &'static Territoires {
        static T: OnceLock<Territoires> = OnceLock::new();
        T.get_or_init(|| {
            Territoires::depuis_csv(
                Communes::embarque(),
                EPCI_CSV,
                DEPARTEMENTS_CSV,
                REGIONS_CSV,
            )
            .expect("référentiel des territoires valide (testé)")
        })
    }

    pub fn communes(&self) -> &'static Communes {
        self.communes
    }

    /// Le territoire d'échelon et de code donnés.
    pub fn territoire(&self, niveau: Niveau, code: &str) -> Option<Territoire> {
        let code = code.trim();
        let nom = match niveau {
            Niveau::Commune => self.communes.par_code_insee(code)?.nom.clone(),
            Niveau::Epci => self.epci.get(code)?.clone(),
            Niveau::Departement => self.departements.get(code)?.0.clone(),
            Niveau::Region => self.regions.get(code)?.clone(),
        };
        Some(Territoire {
            niveau,
            code: code.to_string(),
            nom,
        })
    }

    fn t(&self, niveau: Niveau, code: &str) -> Option<Territoire> {
        (!code.is_empty())
            .then(|| self.territoire(niveau, code))
            .flatten()
    }

    /// Les territoires qui contiennent une commune (du plus petit au plus grand) : la commune
    /// parente d'un arrondissement municipal, l'EPCI, le département, la région.
    pub fn contenant_la_commune(&self, code_insee: &str) -> Vec<Territoire> {
        let Some(c) = self.communes.par_code_insee(code_insee) else {
            return Vec::new();
        };
        let mut v = Vec::new();
        if let Some(p) = commune_parente(&c.code_insee) {
            v.extend(self.t(Niveau::Commune, p));
        }
        v.extend(self.t(Niveau::Epci, &c.epci));
        v.extend(self.t(Niveau::Departement, &c.departement));
        // Les collectivités d'outre-mer sont à la fois « département » et « région ».
        if c.region != c.departement {
            v.extend(self.t(Niveau::Region, &c.region));
        }
        v
    }

    /// Les territoires plus grands qui contiennent un territoire, en tout ou en partie (un EPCI
    /// peut s'étendre sur plusieurs départements).
    pub fn englobants(&self, t: &Territoire) -> Vec<Territoire> {
        match t.niveau {
            Niveau::Commune => self.contenant_la_commune(&t.code),
            Niveau::Region => Vec::new(),
            Niveau::Departement => self
                .departements
                .get(&t.code)
                .filter(|(_, r)| *r != t.code)
                .and_then(|(_, r)| self.t(Niveau::Region, r))
                .into_iter()
                .collect(),
            Niveau::Epci => {
                let membres = self.communes_de(Niveau::Epci, &t.code);
                let deps: BTreeSet<&str> = membres.iter().map(|c| c.departement.as_str()).collect();
                let regs: BTreeSet<&str> = membres.iter().map(|c| c.region.as_str()).collect();
                // Une collectivité d'outre-mer est « département » et « région » sous le même code.
                let regions: Vec<Territoire> = regs
                    .into_iter()
                    .filter(|r| !deps.contains(r))
                    .filter_map(|r| self.t(Niveau::Region, r))
                    .collect();
                deps.into_iter()
                    .filter_map(|d| self.t(Niveau::Departement, d))
                    .chain(regions)
                    .collect()
            }
        }
    }

    /// Les communes d'un territoire, triées par nom. Les arrondissements municipaux ne sont
    /// listés que pour leur commune (Paris, Lyon, Marseille).
    pub fn communes_de(&self, niveau: Niveau, code: &str) -> Vec<&'static Commune> {
        let code = code.trim();
        let mut v: Vec<&Commune> = self
            .communes
            .toutes()
            .iter()
            .filter(|c| match niveau {
                Niveau::Commune => {
                    c.code_insee == code || commune_parente(&c.code_insee) == Some(code)
                }
                _ if commune_parente(&c.code_insee).is_some() => false,
                Niveau::Epci => c.epci == code,
                Niveau::Departement => c.departement == code,
                Niveau::Region => c.region == code,
            })
            .collect();
        v.sort_by(|a, b| (cle_nom(&a.nom), &a.code_insee).cmp(&(cle_nom(&b.nom), &b.code_insee)));
        v
    }

    /// Cherche des territoires par nom ou par code, à chaque échelon : régions et départements
    /// (code exact ou mots du nom), EPCI (SIREN ou mots du nom), communes (code INSEE, code
    /// postal, nom). Au plus `max` résultats par échelon, les plus grands échelons d'abord.
    pub fn chercher(&self, saisie: &str, max: usize) -> BTreeMap<Niveau, Vec<Territoire>> {
        let mut r: BTreeMap<Niveau, Vec<Territoire>> = BTreeMap::new();
        let s = saisie.trim();
        if normaliser(s).is_empty() {
            return r;
        }
        let par_nom = |nom: &str| correspond(&normaliser(nom), s);
        let mut regions: Vec<Territoire> = self
            .regions
            .iter()
            .filter(|(code, nom)| code.eq_ignore_ascii_case(s) || par_nom(nom))
            .map(|(code, nom)| Territoire {
                niveau: Niveau::Region,
                code: code.clone(),
                nom: nom.clone(),
            })
            .collect();
        let mut deps: Vec<Territoire> = self
            .departements
            .iter()
            .filter(|(code, (nom, _))| code.eq_ignore_ascii_case(s) || par_nom(nom))
            .map(|(code, (nom, _))| Territoire {
                niveau: Niveau::Departement,
                code: code.clone(),
                nom: nom.clone(),
            })
            .collect();
        let mut epci: Vec<Territoire> = self
            .epci
            .iter()
            .filter(|(code, nom)| *code == s || par_nom(nom))
            .map(|(code, nom)| Territoire {
                niveau: Niveau::Epci,
                code: code.clone(),
                nom: nom.clone(),
            })
            .collect();
        let mut communes: Vec<Territoire> = Vec::new();
        let mut vus = BTreeSet::new();
        let trouvees = self.communes.chercher(s);
        let trouvees = if trouvees.is_empty() && cle_nom(s).chars().count() >= 3 {
            // Mots du nom, dans n'importe quel ordre (« saint denis reunion » n'est pas un début
            // de nom).
            self.communes
                .toutes()
                .iter()
                .filter(|c| par_nom(&c.nom))
                .collect()
        } else {
            trouvees
        };
        for c in trouvees {
            if vus.insert(c.code_insee.clone()) {
                communes.push(Territoire {
                    niveau: Niveau::Commune,
                    code: c.code_insee.clone(),
                    nom: c.libelle(),
                });
            }
        }
        for v in [&mut regions, &mut deps, &mut epci, &mut communes] {
            v.truncate(max);
        }
        for (n, v) in [
            (Niveau::Region, regions),
            (Niveau::Departement, deps),
            (Niveau::Epci, epci),
            (Niveau::Commune, communes),
        ] {
            if !v.is_empty() {
                r.insert(n, v);
            }
        }
        r
    }

    /// Situe un lieu ou une organisation : d'après son code INSEE s'il est connu ; sinon d'après
    /// son code postal et le nom de sa commune (sans accents, casse ni tirets) ; sinon d'après
    /// son code postal seul, pour les échelons communs à toutes les communes qui le portent.
    pub fn situer(&self, code_insee: Option<&str>, code_postal: &str, commune: &str) -> Situation {
        if let Some(c) = code_insee
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .and_then(|c| self.communes.par_code_insee(c))
        {
            return Situation::depuis_commune(c);
        }
        let cp = code_postal.trim();
        let candidates = self.communes.par_code_postal(cp);
        let cle = cle_nom(commune);
        let memes_noms: Vec<&Commune> = candidates
            .iter()
            .copied()
            .filter(|c| !cle.is_empty() && cle_nom(&c.nom) == cle)
            .collect();
        // Paris, Lyon, Marseille : la commune et l'arrondissement portent le code postal ; la
        // commune l'emporte si son nom est celui donné.
        if let Some(c) = memes_noms
            .iter()
            .find(|c| commune_parente(&c.code_insee).is_none())
            .or(memes_noms.first())
        {
            return Situation::depuis_commune(c);
        }
        match candidates.as_slice() {
            [] => {
                // Pas de code postal connu : le nom seul, s'il ne désigne qu'une commune.
                match self.communes.par_nom_exact(commune).as_slice() {
                    [c] if !cle.is_empty() => Situation::depuis_commune(c),
                    _ => Situation::default(),
                }
            }
            [c] => Situation::depuis_commune(c),
            plusieurs => {
                // Code postal de la commune et de ses arrondissements : la commune.
                let communes: Vec<&Commune> = plusieurs
                    .iter()
                    .copied()
                    .filter(|c| commune_parente(&c.code_insee).is_none())
                    .collect();
                match communes.as_slice() {
                    [c] => Situation::depuis_commune(c),
                    _ => Situation::commune_a(plusieurs),
                }
            }
        }
    }
}

/// Un périmètre : une liste de territoires (communes, EPCI, départements, régions), réunis. Celui
/// d'une version locale de la carte, ou le filtre `?territoire=` des données ouvertes et de l'API.
/// Un lieu ou une organisation y est s'il est dans l'un de ses territoires
/// ([`Perimetre::contient`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Perimetre {
    pub territoires: Vec<Territoire>,
}

/// Territoires au plus dans un périmètre (une intercommunalité entière s'écrit en un EPCI, pas
/// en ses communes).
pub const PERIMETRE_MAX: usize = 500;

impl Perimetre {
    /// Lit un périmètre écrit `niveau:code` (`departement:16`, `epci:200071827`,
    /// `commune:16015`, `region:75`), séparés par des virgules, points-virgules, blancs ou fins
    /// de ligne ; chaque territoire doit exister dans le référentiel. Un doublon est ignoré. Vide :
    /// erreur (un périmètre vide ne montrerait rien).
    pub fn lire(texte: &str, referentiel: &Territoires) -> Result<Perimetre, String> {
        Self::lire_tous(
            texte.split(|c: char| c == ',' || c == ';' || c.is_whitespace()),
            referentiel,
        )
    }

    /// Comme [`Perimetre::lire`], pour des valeurs déjà séparées (paramètre `territoire` répété).
    pub fn lire_tous<'a>(
        valeurs: impl IntoIterator<Item = &'a str>,
        referentiel: &Territoires,
    ) -> Result<Perimetre, String> {
        let mut territoires: Vec<Territoire> = Vec::new();
        for brut in valeurs.into_iter().map(str::trim).filter(|v| !v.is_empty()) {
            let (n, code) = brut.split_once(':').ok_or_else(|| {
                format!(
                    "« {brut} » : un territoire s'écrit niveau:code (departement:16, epci:200071827, commune:16015, region:75)"
                )
            })?;
            let niveau = Niveau::depuis_code(&n.trim().to_lowercase()).ok_or_else(|| {
                format!("« {brut} » : niveau inconnu (commune, epci, departement ou region)")
            })?;
            let t = referentiel.territoire(niveau, code.trim()).ok_or_else(|| {
                format!(
                    "« {brut} » : aucun(e) {} de code « {} » dans le référentiel des territoires",
                    niveau.libelle(),
                    code.trim()
                )
            })?;
            if !territoires.contains(&t) {
                territoires.push(t);
            }
            if territoires.len() > PERIMETRE_MAX {
                return Err(format!(
                    "{PERIMETRE_MAX} territoires au plus : choisissez des territoires plus grands (un EPCI plutôt que ses communes)"
                ));
            }
        }
        if territoires.is_empty() {
            return Err("aucun territoire : indiquez au moins un territoire (niveau:code)".into());
        }
        Ok(Perimetre { territoires })
    }

    /// Le lieu ou l'organisation situé(e) ainsi est-il dans le périmètre ?
    pub fn contient(&self, s: &Situation) -> bool {
        self.territoires.iter().any(|t| s.dans(t.niveau, &t.code))
    }

    /// Le territoire est-il **recouvert** par le périmètre : l'un de ses territoires, ou
    /// entièrement contenu dans l'un d'eux ? Une commune (ou un arrondissement municipal) est
    /// recouverte par sa commune parente, son EPCI, son département, sa région ; un EPCI, par le
    /// département ou la région qui contient **toutes** ses communes (un EPCI à cheval sur deux
    /// départements n'est recouvert par aucun des deux) ; un département, par sa région ; une
    /// région, seulement par elle-même.
    ///
    /// C'est la règle des territoires montrés par une version locale (signataires de la
    /// charte, indicateurs) et du filtre `?territoire=` des données ouvertes : une organisation
    /// (titulaire, signataire) y est située par l'adresse de son siège, c'est-à-dire par sa
    /// commune, et [`Perimetre::contient`] sur sa [`Situation`] revient à « sa commune est
    /// recouverte » (il décide aussi quand seul le code postal est connu).
    pub fn recouvre(&self, t: &Territoire, referentiel: &Territoires) -> bool {
        if self
            .territoires
            .iter()
            .any(|x| x.niveau == t.niveau && x.code == t.code)
        {
            return true;
        }
        match t.niveau {
            Niveau::Commune => referentiel
                .communes
                .par_code_insee(&t.code)
                .is_some_and(|c| self.contient(&Situation::depuis_commune(c))),
            Niveau::Epci => {
                let membres = referentiel.communes_de(Niveau::Epci, &t.code);
                !membres.is_empty()
                    && self.territoires.iter().any(|x| {
                        matches!(x.niveau, Niveau::Departement | Niveau::Region)
                            && membres
                                .iter()
                                .all(|c| Situation::depuis_commune(c).dans(x.niveau, &x.code))
                    })
            }
            Niveau::Departement => {
                referentiel
                    .departements
                    .get(&t.code)
                    .is_some_and(|(_, region)| {
                        self.territoires
                            .iter()
                            .any(|x| x.niveau == Niveau::Region && x.code == *region)
                    })
            }
            Niveau::Region => false,
        }
    }

    /// La forme écrite (`departement:16,epci:200071827`), relue par [`Perimetre::lire`].
    pub fn texte(&self) -> String {
        self.territoires
            .iter()
            .map(|t| format!("{}:{}", t.niveau.code(), t.code))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// La requête `territoire=…&territoire=…` qui filtre les données ouvertes et l'API.
    pub fn requete(&self) -> String {
        // Les codes ne contiennent que des chiffres et des lettres (2A, 2B) : rien à encoder.
        self.territoires
            .iter()
            .map(|t| format!("territoire={}:{}", t.niveau.code(), t.code))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// « Charente (département 16), Grand Cognac (EPCI 200070514) ».
    pub fn libelle(&self) -> String {
        self.territoires
            .iter()
            .map(Territoire::libelle)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn niveaux() {
        for n in Niveau::TOUS {
            assert_eq!(Niveau::depuis_code(n.code()), Some(n));
        }
        assert_eq!(Niveau::depuis_code("canton"), None);
    }

    #[test]
    fn territoires_et_appartenance() {
        let t = Territoires::embarque();
        let charente = t.territoire(Niveau::Departement, "16").unwrap();
        assert_eq!(charente.nom, "Charente");
        assert_eq!(charente.libelle(), "Charente (département 16)");
        assert_eq!(charente.chemin(), "/territoires/departement/16");
        assert_eq!(
            t.territoire(Niveau::Region, "75").unwrap().nom,
            "Nouvelle-Aquitaine"
        );
        assert!(t.territoire(Niveau::Departement, "99").is_none());

        // Angoulême : dans le Grand Angoulême, la Charente, la Nouvelle-Aquitaine.
        let contenants = t.contenant_la_commune("16015");
        let codes: Vec<(Niveau, &str)> = contenants
            .iter()
            .map(|x| (x.niveau, x.code.as_str()))
            .collect();
        assert_eq!(codes.len(), 3, "{contenants:?}");
        assert_eq!(codes[1], (Niveau::Departement, "16"));
        assert_eq!(codes[2], (Niveau::Region, "75"));
        assert!(contenants[0].nom.contains("Angoul"), "{contenants:?}");
        let epci = contenants[0].clone();
        let membres = t.communes_de(Niveau::Epci, &epci.code);
        assert!(membres.iter().any(|c| c.code_insee == "16015"));
        assert!(
            membres.len() > 10 && membres.len() < 60,
            "{}",
            membres.len()
        );
        assert_eq!(
            t.englobants(&epci),
            vec![
                charente.clone(),
                t.territoire(Niveau::Region, "75").unwrap()
            ]
        );

        // Toutes les communes de Charente, et aucune autre.
        let c16 = t.communes_de(Niveau::Departement, "16");
        assert!(c16.len() > 300, "{}", c16.len());
        assert!(c16.iter().all(|c| c.departement == "16"));

        // Arrondissements : dans leur commune, listés avec elle seulement.
        let lyon = t.communes_de(Niveau::Commune, "69123");
        assert_eq!(lyon.len(), 10, "Lyon et ses 9 arrondissements");
        assert!(t
            .communes_de(Niveau::Departement, "69")
            .iter()
            .all(|c| commune_parente(&c.code_insee).is_none()));
        assert_eq!(t.contenant_la_commune("69381")[0].code, "69123");

        // Outre-mer : une collectivité est département et région à la fois, sans doublon.
        let spm = t.contenant_la_commune("97502");
        assert_eq!(spm.len(), 1, "{spm:?}");
    }

    #[test]
    fn situer_un_lieu() {
        let t = Territoires::embarque();
        // Code INSEE.
        let s = t.situer(Some("16015"), "", "");
        assert!(s.dans(Niveau::Commune, "16015") && s.dans(Niveau::Departement, "16"));
        assert!(s.dans(Niveau::Region, "75") && !s.dans(Niveau::Departement, "17"));
        // Code postal et commune, écrite en capitales avec accents.
        let s = t.situer(None, "16100", "CHÂTEAUBERNARD");
        assert_eq!(s.commune.as_deref(), Some("16089"));
        // Code postal partagé (Cognac et Châteaubernard), commune inconnue : le département est sûr,
        // pas la commune.
        let s = t.situer(None, "16100", "Ailleurs");
        assert_eq!(s.commune, None);
        assert!(s.dans(Niveau::Departement, "16"));
        // Code postal d'une seule commune.
        let s = t.situer(None, "16000", "Angouleme Cedex");
        assert_eq!(s.commune.as_deref(), Some("16015"));
        // Paris : la commune, pas l'arrondissement, sauf si l'arrondissement est nommé.
        let s = t.situer(None, "75011", "Paris");
        assert!(s.dans(Niveau::Commune, "75056"));
        let s = t.situer(None, "75011", "Paris 11e Arrondissement");
        assert_eq!(s.commune.as_deref(), Some("75111"));
        assert!(
            s.dans(Niveau::Commune, "75056"),
            "l'arrondissement est dans Paris"
        );
        // Rien d'exploitable.
        assert!(t.situer(None, "", "").inconnue());
        assert!(t.situer(Some("00000"), "00000", "Nulle part").inconnue());
    }

    #[test]
    fn chercher_des_territoires() {
        let t = Territoires::embarque();
        let r = t.chercher("charente", 20);
        let deps: Vec<&str> = r[&Niveau::Departement]
            .iter()
            .map(|x| x.code.as_str())
            .collect();
        assert_eq!(deps, vec!["16", "17"], "Charente et Charente-Maritime");
        let r = t.chercher("16", 20);
        assert_eq!(r[&Niveau::Departement][0].nom, "Charente");
        let r = t.chercher("grand angouleme", 20);
        assert_eq!(r[&Niveau::Epci].len(), 1, "{r:?}");
        let r = t.chercher("nouvelle aquitaine", 20);
        assert_eq!(r[&Niveau::Region][0].code, "75");
        let r = t.chercher("16000", 20);
        assert_eq!(r[&Niveau::Commune][0].code, "16015");
        let r = t.chercher("angoulême", 20);
        assert!(r[&Niveau::Commune].iter().any(|c| c.code == "16015"));
        assert!(t.chercher("  ", 20).is_empty());
        assert!(t.chercher("zzzzqqq", 20).is_empty());
    }

    #[test]
    fn perimetre_lu_et_contient() {
        let t = Territoires::embarque();
        let p = Perimetre::lire("departement:16, epci:200071827\ncommune:75056", t).unwrap();
        assert_eq!(p.territoires.len(), 3);
        assert_eq!(p.territoires[0].nom, "Charente");
        assert_eq!(p.texte(), "departement:16,epci:200071827,commune:75056");
        assert_eq!(
            p.requete(),
            "territoire=departement:16&territoire=epci:200071827&territoire=commune:75056"
        );
        // Relu tel qu'écrit ; doublons ignorés.
        assert_eq!(Perimetre::lire(&p.texte(), t).unwrap(), p);
        assert_eq!(
            Perimetre::lire("departement:16;departement:16", t)
                .unwrap()
                .territoires
                .len(),
            1
        );
        // Angoulême (16015) est en Charente ; Bordeaux (33063) non ; le 12e arrondissement de
        // Paris est dans la commune de Paris.
        assert!(p.contient(&t.situer(Some("16015"), "", "")));
        assert!(!p.contient(&t.situer(Some("33063"), "", "")));
        assert!(p.contient(&t.situer(Some("75112"), "", "")));
        // Sans code INSEE : code postal et commune.
        assert!(p.contient(&t.situer(None, "16100", "Cognac")));
        assert!(!p.contient(&Situation::default()));
    }

    #[test]
    fn perimetre_recouvre_un_territoire() {
        let t = Territoires::embarque();
        let terr = |n, c: &str| t.territoire(n, c).unwrap();
        let charente = Perimetre::lire("departement:16", t).unwrap();
        // Lui-même.
        assert!(charente.recouvre(&terr(Niveau::Departement, "16"), t));
        // Angoulême, Cognac et le Grand Angoulême (toutes ses communes en Charente).
        assert!(charente.recouvre(&terr(Niveau::Commune, "16015"), t));
        assert!(charente.recouvre(&terr(Niveau::Commune, "16102"), t));
        let grand_angouleme = &t.contenant_la_commune("16015")[0];
        assert_eq!(grand_angouleme.niveau, Niveau::Epci);
        assert!(charente.recouvre(grand_angouleme, t));
        // Ni la Charente-Maritime, ni Bordeaux, ni la région qui contient la Charente.
        assert!(!charente.recouvre(&terr(Niveau::Departement, "17"), t));
        assert!(!charente.recouvre(&terr(Niveau::Commune, "33063"), t));
        assert!(!charente.recouvre(&terr(Niveau::Region, "75"), t));

        // La région recouvre ses départements, leurs EPCI et leurs communes.
        let na = Perimetre::lire("region:75", t).unwrap();
        assert!(na.recouvre(&terr(Niveau::Departement, "16"), t));
        assert!(na.recouvre(&terr(Niveau::Departement, "33"), t));
        assert!(na.recouvre(grand_angouleme, t));
        assert!(na.recouvre(&terr(Niveau::Commune, "33063"), t));
        assert!(!na.recouvre(&terr(Niveau::Departement, "75"), t), "Paris");

        // Un EPCI recouvre ses communes, pas son département.
        let epci = Perimetre::lire(&format!("epci:{}", grand_angouleme.code), t).unwrap();
        assert!(epci.recouvre(&terr(Niveau::Commune, "16015"), t));
        assert!(!epci.recouvre(&terr(Niveau::Commune, "16102"), t), "Cognac");
        assert!(!epci.recouvre(&terr(Niveau::Departement, "16"), t));

        // Paris recouvre ses arrondissements ; un arrondissement ne recouvre pas Paris.
        let paris = Perimetre::lire("commune:75056", t).unwrap();
        assert!(paris.recouvre(&terr(Niveau::Commune, "75112"), t));
        let arr = Perimetre::lire("commune:75112", t).unwrap();
        assert!(!arr.recouvre(&terr(Niveau::Commune, "75056"), t));

        // Un EPCI à cheval sur deux départements : recouvert par aucun des deux seul, par les
        // deux réunis non plus (la règle est « contenu dans l'un d'eux »), mais par sa région
        // s'il n'en a qu'une.
        let deps = |c: &str| -> BTreeSet<String> {
            t.communes_de(Niveau::Epci, c)
                .iter()
                .map(|m| m.departement.clone())
                .collect()
        };
        let (code, d) = t
            .epci
            .keys()
            .map(|c| (c.clone(), deps(c)))
            .find(|(_, d)| d.len() == 2)
            .expect("au moins un EPCI sur deux départements");
        let d: Vec<String> = d.into_iter().collect();
        let cheval = terr(Niveau::Epci, &code);
        for x in &d {
            let p = Perimetre::lire(&format!("departement:{x}"), t).unwrap();
            assert!(!p.recouvre(&cheval, t), "{code} et le département {x}");
        }
        let deux =
            Perimetre::lire(&format!("departement:{},departement:{}", d[0], d[1]), t).unwrap();
        assert!(!deux.recouvre(&cheval, t));
        assert!(deux.contient(&t.situer(
            Some(&t.communes_de(Niveau::Epci, &code)[0].code_insee),
            "",
            ""
        )));
    }

    #[test]
    fn perimetre_refuse_ce_qui_n_existe_pas() {
        let t = Territoires::embarque();
        for (texte, attendu) in [
            ("", "aucun territoire"),
            ("  ,; ", "aucun territoire"),
            ("16", "niveau:code"),
            ("canton:16", "niveau inconnu"),
            ("departement:999", "aucun(e) département de code « 999 »"),
            ("epci:123", "aucun(e) EPCI"),
        ] {
            let e = Perimetre::lire(texte, t).unwrap_err();
            assert!(e.contains(attendu), "{texte:?} : {e}");
        }
        let trop: Vec<String> = t
            .communes()
            .toutes()
            .iter()
            .take(PERIMETRE_MAX + 1)
            .map(|c| format!("commune:{}", c.code_insee))
            .collect();
        assert!(Perimetre::lire(&trop.join(","), t)
            .unwrap_err()
            .contains("au plus"));
    }
}
