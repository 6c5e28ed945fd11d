//! Indicateurs territoriaux : le référentiel des indicateurs des Coordinations territoriales de
//! l'inclusion numérique (CTIN), écrit dans `referentiels/indicateurs-ctin.toml` (axes,
//! indicateurs, mode « calculé » ou « saisi », méthode de calcul), les calculs faits à partir des
//! données de la plateforme (lieux de la carte, titulaires d'un label, signataires d'une charte),
//! année par année quand les dates le permettent, et l'analyse d'une valeur saisie par un
//! territoire.
//!
//! Le fichier est chargé avec les autres référentiels par [`crate::referentiel::charger`]
//! (`nature = "indicateurs"`), et embarqué dans le binaire ([`ReferentielIndicateurs::embarque`]).

use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::sync::{Arc, OnceLock};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::lieux::{valeur, Enregistrement};
use crate::referentiel::{ErreurReferentiel, Nature, Referentiel, Source, Validite};
use crate::saisie::ErreurChamp;
use crate::territoires::{Niveau, Situation, Territoires};

/// Le fichier embarqué.
pub const INDICATEURS_CTIN: &str = include_str!("../../../referentiels/indicateurs-ctin.toml");

/// Un axe stratégique.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axe {
    pub numero: u8,
    pub libelle: String,
}

/// D'où vient la valeur d'un indicateur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Calculée à partir des données de la plateforme.
    Calcule,
    /// Saisie par le territoire, avec sa source et sa date.
    Saisi,
}

impl Mode {
    pub fn code(self) -> &'static str {
        match self {
            Mode::Calcule => "calcule",
            Mode::Saisi => "saisi",
        }
    }
    pub fn libelle(self) -> &'static str {
        match self {
            Mode::Calcule => "calculé",
            Mode::Saisi => "saisi",
        }
    }
}

/// Un calcul connu, désigné par son nom dans le fichier (clé `calcul.nom`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "nom", rename_all = "snake_case", deny_unknown_fields)]
pub enum Calcul {
    /// Lieux de la carte situés dans le territoire.
    LieuxCartographies,
    /// Lieux de la carte dont l'un des `champs` (valeurs multiples séparées par « | », ou « ; »
    /// dans les champs v0.1 gardés tels quels) contient l'une des `valeurs`.
    LieuxAvecProgramme {
        champs: Vec<String>,
        valeurs: Vec<String>,
    },
    /// Organisations distinctes dont la signature de la charte `referentiel` est en cours.
    SignatairesCharte { referentiel: String },
    /// Organismes distincts qui portent un lieu de la carte (un par pivot significatif, sinon un
    /// par lieu) ou qui détiennent un label ou une charte en cours.
    OrganismesPromotion,
}

impl Calcul {
    pub fn nom(&self) -> &'static str {
        match self {
            Calcul::LieuxCartographies => "lieux_cartographies",
            Calcul::LieuxAvecProgramme { .. } => "lieux_avec_programme",
            Calcul::SignatairesCharte { .. } => "signataires_charte",
            Calcul::OrganismesPromotion => "organismes_promotion",
        }
    }
}

/// Un indicateur.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicateur {
    pub id: String,
    /// Numéro de l'axe.
    pub axe: u8,
    pub libelle: String,
    pub unite: String,
    /// La valeur est-elle un nombre entier (un compte) ?
    pub entier: bool,
    /// Valeur maximale d'une saisie (100 pour un taux).
    #[serde(default)]
    pub maximum: Option<f64>,
    pub mode: Mode,
    /// Comment la valeur est calculée (phrase affichée après « calculé à partir des données de
    /// la plateforme : »). Obligatoire pour un indicateur calculé.
    #[serde(default)]
    pub methode: Option<String>,
    /// Ce que le territoire doit saisir (aide du formulaire).
    #[serde(default)]
    pub definition: Option<String>,
    #[serde(default)]
    pub calcul: Option<Calcul>,
}

/// Règles des saisies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReglesSaisie {
    /// Première année qu'un territoire peut saisir.
    pub annee_min: i32,
}

/// Fichier `nature = "indicateurs"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferentielIndicateurs {
    pub id: String,
    pub version: String,
    pub nature: Nature,
    pub nom: String,
    pub nom_court: String,
    #[serde(default)]
    pub description: Option<String>,
    pub source: Source,
    pub validite: Validite,
    pub saisie: ReglesSaisie,
    pub axes: Vec<Axe>,
    pub indicateurs: Vec<Indicateur>,
}

impl ReferentielIndicateurs {
    pub fn indicateur(&self, id: &str) -> Option<&Indicateur> {
        self.indicateurs.iter().find(|i| i.id == id)
    }

    pub fn axe(&self, numero: u8) -> Option<&Axe> {
        self.axes.iter().find(|a| a.numero == numero)
    }

    /// Les indicateurs d'un axe, dans l'ordre du fichier.
    pub fn indicateurs_de(&self, axe: u8) -> impl Iterator<Item = &Indicateur> {
        self.indicateurs.iter().filter(move |i| i.axe == axe)
    }

    /// Les champs des lieux dont les calculs ont besoin : ceux qui situent et datent un lieu
    /// ([`CHAMPS_LIEU`]), plus ceux qu'examinent les calculs « lieux avec programme ». Les autres
    /// champs n'ont pas à être gardés en mémoire.
    pub fn champs_des_lieux(&self) -> BTreeSet<String> {
        let mut v: BTreeSet<String> = CHAMPS_LIEU.iter().map(|c| c.to_string()).collect();
        for i in &self.indicateurs {
            if let Some(Calcul::LieuxAvecProgramme { champs, .. }) = &i.calcul {
                v.extend(champs.iter().cloned());
            }
        }
        v
    }

    /// Lit et valide un fichier seul (sans contrôle croisé avec les autres référentiels).
    pub fn depuis_toml(
        fichier: &str,
        texte: &str,
    ) -> Result<ReferentielIndicateurs, Vec<ErreurReferentiel>> {
        let r: ReferentielIndicateurs = toml::from_str(texte).map_err(|e| {
            vec![ErreurReferentiel {
                fichier: fichier.to_string(),
                position: e.span().map(|s| ligne_colonne(texte, s.start)),
                chemin: None,
                message: format!("TOML invalide : {}", e.message().trim()),
            }]
        })?;
        let erreurs = valider(&r, None, fichier, texte);
        if erreurs.is_empty() {
            Ok(r)
        } else {
            Err(erreurs)
        }
    }

    /// Le référentiel embarqué (lu une fois).
    pub fn embarque() -> &'static ReferentielIndicateurs {
        static R: OnceLock<ReferentielIndicateurs> = OnceLock::new();
        R.get_or_init(|| {
            ReferentielIndicateurs::depuis_toml("indicateurs-ctin.toml", INDICATEURS_CTIN)
                .expect("référentiel des indicateurs embarqué valide (testé)")
        })
    }
}

// ---------- Validation du fichier ----------

#[derive(Debug, Clone, Copy)]
enum Cle<'a> {
    Nom(&'a str),
    Rang(usize),
}

fn ligne_colonne(texte: &str, octet: usize) -> (usize, usize) {
    let avant = &texte[..octet.min(texte.len())];
    let ligne = avant.matches('\n').count() + 1;
    let colonne = avant
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count() + 1)
        .unwrap_or(1);
    (ligne, colonne)
}

struct Rapport<'a> {
    fichier: &'a str,
    document: Option<toml_edit::ImDocument<String>>,
    texte: &'a str,
    erreurs: Vec<ErreurReferentiel>,
}

impl Rapport<'_> {
    fn erreur(&mut self, chemin: &[Cle<'_>], message: impl Into<String>) {
        let position = self.document.as_ref().and_then(|doc| {
            let mut item: &toml_edit::Item = doc.as_item();
            for c in chemin {
                item = match c {
                    Cle::Nom(k) => item.get(*k)?,
                    Cle::Rang(i) => item.get(*i)?,
                };
            }
            Some(ligne_colonne(self.texte, item.span()?.start))
        });
        let mut texte = String::new();
        for c in chemin {
            match c {
                Cle::Nom(k) => {
                    if !texte.is_empty() {
                        texte.push('.');
                    }
                    texte.push_str(k);
                }
                Cle::Rang(i) => texte.push_str(&format!("[{i}]")),
            }
        }
        self.erreurs.push(ErreurReferentiel {
            fichier: self.fichier.to_string(),
            position,
            chemin: Some(texte).filter(|t| !t.is_empty()),
            message: message.into(),
        });
    }
}

fn identifiant_valide(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Valide un référentiel d'indicateurs. `referentiels` : les labels et chartes chargés avec lui,
/// pour vérifier qu'une charte nommée par un calcul existe (contrôle sauté si `None`).
pub fn valider(
    r: &ReferentielIndicateurs,
    referentiels: Option<&[Referentiel]>,
    fichier: &str,
    texte: &str,
) -> Vec<ErreurReferentiel> {
    let mut rp = Rapport {
        fichier,
        document: toml_edit::ImDocument::parse(texte.to_string()).ok(),
        texte,
        erreurs: Vec::new(),
    };
    use Cle::{Nom, Rang};
    if r.nature != Nature::Indicateurs {
        rp.erreur(
            &[Nom("nature")],
            "nature inattendue : « indicateurs » attendue",
        );
    }
    if !identifiant_valide(&r.id) {
        rp.erreur(
            &[Nom("id")],
            format!("identifiant « {} » invalide : lettres minuscules non accentuées, chiffres, « - » et « _ » seulement", r.id),
        );
    }
    if r.version.trim().is_empty() {
        rp.erreur(&[Nom("version")], "la version ne peut pas être vide");
    }
    if r.nom.trim().is_empty() {
        rp.erreur(&[Nom("nom")], "le nom ne peut pas être vide");
    }
    if let Some(fin) = r.validite.fin {
        if fin < r.validite.debut {
            rp.erreur(
                &[Nom("validite"), Nom("fin")],
                format!(
                    "la fin de validité ({fin}) précède le début ({})",
                    r.validite.debut
                ),
            );
        }
    }
    if !(2000..=2100).contains(&r.saisie.annee_min) {
        rp.erreur(
            &[Nom("saisie"), Nom("annee_min")],
            "l'année minimale des saisies doit être comprise entre 2000 et 2100",
        );
    }
    if r.axes.is_empty() {
        rp.erreur(&[Nom("axes")], "au moins un axe est requis");
    }
    let mut numeros = BTreeSet::new();
    for (i, a) in r.axes.iter().enumerate() {
        if !numeros.insert(a.numero) {
            rp.erreur(
                &[Nom("axes"), Rang(i), Nom("numero")],
                format!("axe n° {} en double", a.numero),
            );
        }
        if a.libelle.trim().is_empty() {
            rp.erreur(
                &[Nom("axes"), Rang(i), Nom("libelle")],
                "le libellé de l'axe ne peut pas être vide",
            );
        }
        if !r.indicateurs.iter().any(|x| x.axe == a.numero) {
            rp.erreur(
                &[Nom("axes"), Rang(i)],
                format!("l'axe n° {} n'a aucun indicateur", a.numero),
            );
        }
    }
    let mut ids = BTreeSet::new();
    for (i, ind) in r.indicateurs.iter().enumerate() {
        let ici = |cle: &'static str| [Nom("indicateurs"), Rang(i), Nom(cle)];
        if !identifiant_valide(&ind.id) {
            rp.erreur(
                &ici("id"),
                format!("identifiant « {} » invalide : lettres minuscules non accentuées, chiffres, « - » et « _ » seulement", ind.id),
            );
        }
        if !ids.insert(ind.id.as_str()) {
            rp.erreur(
                &ici("id"),
                format!("identifiant « {} » en double dans `indicateurs`", ind.id),
            );
        }
        if !numeros.contains(&ind.axe) {
            rp.erreur(&ici("axe"), format!("axe n° {} inconnu", ind.axe));
        }
        if ind.libelle.trim().is_empty() {
            rp.erreur(&ici("libelle"), "le libellé ne peut pas être vide");
        }
        if ind.unite.trim().is_empty() {
            rp.erreur(&ici("unite"), "l'unité ne peut pas être vide");
        }
        if let Some(m) = ind.maximum {
            if !(m.is_finite() && m > 0.0) {
                rp.erreur(&ici("maximum"), "le maximum doit être un nombre positif");
            }
        }
        match (ind.mode, &ind.calcul) {
            (Mode::Calcule, None) => rp.erreur(
                &ici("mode"),
                "un indicateur calculé doit nommer son calcul (table `calcul`, clé `nom`)",
            ),
            (Mode::Saisi, Some(_)) => rp.erreur(
                &ici("calcul"),
                "un indicateur saisi n'a pas de calcul (retirez la table `calcul` ou passez le mode à « calcule »)",
            ),
            _ => {}
        }
        if ind.mode == Mode::Calcule && ind.methode.as_deref().is_none_or(|m| m.trim().is_empty()) {
            rp.erreur(
                &ici("methode"),
                "un indicateur calculé doit expliquer sa méthode (clé `methode`)",
            );
        }
        match &ind.calcul {
            Some(Calcul::LieuxAvecProgramme { champs, valeurs }) => {
                if champs.iter().all(|c| c.trim().is_empty()) {
                    rp.erreur(
                        &[Nom("indicateurs"), Rang(i), Nom("calcul"), Nom("champs")],
                        "au moins un champ des lieux à examiner est requis",
                    );
                }
                if valeurs.iter().all(|v| v.trim().is_empty()) {
                    rp.erreur(
                        &[Nom("indicateurs"), Rang(i), Nom("calcul"), Nom("valeurs")],
                        "au moins une valeur est requise",
                    );
                }
            }
            Some(Calcul::SignatairesCharte { referentiel }) => {
                if let Some(refs) = referentiels {
                    if !refs
                        .iter()
                        .any(|x| x.id == *referentiel && x.nature == Nature::Charte)
                    {
                        rp.erreur(
                            &[
                                Nom("indicateurs"),
                                Rang(i),
                                Nom("calcul"),
                                Nom("referentiel"),
                            ],
                            format!("charte « {referentiel} » inconnue des référentiels"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    rp.erreurs
}

// ---------- Données de la plateforme ----------

/// Champs qui situent et datent un lieu.
pub const CHAMPS_LIEU: [&str; 6] = [
    "id",
    "pivot",
    "code_insee",
    "code_postal",
    "commune",
    "date_maj",
];

/// Un label ou une charte d'une organisation, tel que le registre le connaît.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Titre {
    pub referentiel_id: String,
    pub organisation_id: String,
    /// SIRET, sinon RNA de l'organisation (pour ne pas la compter deux fois avec un lieu qu'elle
    /// porte).
    pub organisation_identifiant: Option<String>,
    pub code_postal: String,
    pub commune: String,
    /// Date de la labellisation ou de la signature.
    pub debut: Option<NaiveDate>,
    /// Date du retrait ou de l'expiration.
    pub fin: Option<NaiveDate>,
    /// Label ou signature en cours (état « labellisé »).
    pub en_cours: bool,
}

/// Un lieu de la carte, situé.
#[derive(Debug, Clone)]
pub struct LieuSitue {
    /// `source/id`.
    pub cle: String,
    pub pivot: Option<String>,
    /// Première date connue du lieu : mise à jour par la source, sinon import.
    pub date: Option<NaiveDate>,
    pub situation: Situation,
    pub donnees: Enregistrement,
}

/// Un titre, situé par l'adresse de son organisation.
#[derive(Debug, Clone)]
pub struct TitreSitue {
    pub titre: Titre,
    pub situation: Situation,
}

/// Les données de la plateforme dont les indicateurs sont calculés, situées une fois. Les lieux
/// sont partagés : situés une fois par version de la table des lieux, ils servent à toutes les
/// pages tant qu'aucun import ne les change.
#[derive(Debug, Clone, Default)]
pub struct DonneesPlateforme {
    pub lieux: Arc<Vec<LieuSitue>>,
    pub titres: Vec<TitreSitue>,
}

/// Date d'un champ `AAAA-MM-JJ` (ou horodatage RFC 3339, dont on garde le jour).
pub fn date_de(texte: &str) -> Option<NaiveDate> {
    let t = texte.trim();
    NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok()
}

fn pivot_significatif(p: &str) -> bool {
    let p = p.trim();
    p.len() >= 9 && p.chars().any(|c| c.is_ascii_alphanumeric() && c != '0')
}

impl DonneesPlateforme {
    /// Situe les lieux `(source, enregistrement, date d'import)` et les titres.
    pub fn situer(
        lieux: Vec<(String, Enregistrement, Option<NaiveDate>)>,
        titres: Vec<Titre>,
        territoires: &Territoires,
    ) -> DonneesPlateforme {
        DonneesPlateforme {
            lieux: Arc::new(Self::situer_lieux(lieux, territoires)),
            titres: Self::situer_titres(titres, territoires),
        }
    }

    /// Situe des lieux `(source, enregistrement, date d'import)`.
    pub fn situer_lieux(
        lieux: Vec<(String, Enregistrement, Option<NaiveDate>)>,
        territoires: &Territoires,
    ) -> Vec<LieuSitue> {
        lieux
            .into_iter()
            .map(|(source, e, importe_le)| {
                let v = |c: &str| valeur(&e, c).unwrap_or_default();
                let situation = territoires.situer(
                    valeur(&e, "code_insee").as_deref(),
                    &v("code_postal"),
                    &v("commune"),
                );
                let date_maj = valeur(&e, "date_maj").and_then(|d| date_de(&d));
                let date = match (date_maj, importe_le) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                LieuSitue {
                    cle: format!("{source}/{}", v("id")),
                    pivot: valeur(&e, "pivot").filter(|p| pivot_significatif(p)),
                    date,
                    situation,
                    donnees: e,
                }
            })
            .collect()
    }

    /// Situe des titres d'après l'adresse de leur organisation.
    pub fn situer_titres(titres: Vec<Titre>, territoires: &Territoires) -> Vec<TitreSitue> {
        titres
            .into_iter()
            .map(|t| TitreSitue {
                situation: territoires.situer(None, &t.code_postal, &t.commune),
                titre: t,
            })
            .collect()
    }

    /// Nombre de lieux qu'aucun échelon ne situe (comptés dans aucun territoire).
    pub fn lieux_non_situes(&self) -> usize {
        self.lieux.iter().filter(|l| l.situation.inconnue()).count()
    }
}

/// Le résultat d'un calcul pour un territoire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultatCalcul {
    /// Valeur à ce jour.
    pub actuel: u64,
    /// Valeur au 31 décembre de chaque année passée, et valeur à ce jour pour l'année en cours.
    pub par_annee: Vec<(i32, u64)>,
    /// Éléments comptés sans date connue : ils ne figurent que dans la valeur à ce jour.
    pub sans_date: usize,
}

/// Moment auquel on compte.
#[derive(Debug, Clone, Copy)]
enum Moment {
    Maintenant,
    Le(NaiveDate),
}

enum Presence {
    Lieu(Option<NaiveDate>),
    Titre {
        debut: Option<NaiveDate>,
        fin: Option<NaiveDate>,
        en_cours: bool,
    },
}

impl Presence {
    fn au(&self, m: Moment) -> bool {
        match (self, m) {
            (Presence::Lieu(_), Moment::Maintenant) => true,
            (Presence::Lieu(d), Moment::Le(jour)) => d.is_some_and(|d| d <= jour),
            (Presence::Titre { en_cours, .. }, Moment::Maintenant) => *en_cours,
            (Presence::Titre { debut, fin, .. }, Moment::Le(jour)) => {
                debut.is_some_and(|d| d <= jour) && fin.is_none_or(|f| f > jour)
            }
        }
    }
    fn sans_date(&self) -> bool {
        match self {
            Presence::Lieu(d) => d.is_none(),
            Presence::Titre {
                debut, en_cours, ..
            } => *en_cours && debut.is_none(),
        }
    }
}

/// Valeurs d'un champ multivalué (« | », ou « ; » des fichiers v0.1).
fn valeurs_du_champ(e: &Enregistrement, champ: &str) -> Vec<String> {
    valeur(e, champ)
        .map(|v| {
            v.split(['|', ';'])
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Les éléments comptés par un calcul dans un territoire : (clé distincte, présence).
fn elements(
    calcul: &Calcul,
    niveau: Niveau,
    code: &str,
    d: &DonneesPlateforme,
) -> Vec<(String, Presence)> {
    let lieux = d.lieux.iter().filter(|l| l.situation.dans(niveau, code));
    let titres = d.titres.iter().filter(|t| t.situation.dans(niveau, code));
    let presence_titre = |t: &Titre| Presence::Titre {
        debut: t.debut,
        fin: t.fin,
        en_cours: t.en_cours,
    };
    match calcul {
        Calcul::LieuxCartographies => lieux
            .map(|l| (l.cle.clone(), Presence::Lieu(l.date)))
            .collect(),
        Calcul::LieuxAvecProgramme { champs, valeurs } => lieux
            .filter(|l| {
                champs
                    .iter()
                    .flat_map(|c| valeurs_du_champ(&l.donnees, c))
                    .any(|x| valeurs.contains(&x))
            })
            .map(|l| (l.cle.clone(), Presence::Lieu(l.date)))
            .collect(),
        Calcul::SignatairesCharte { referentiel } => titres
            .filter(|t| t.titre.referentiel_id == *referentiel)
            .map(|t| (t.titre.organisation_id.clone(), presence_titre(&t.titre)))
            .collect(),
        Calcul::OrganismesPromotion => lieux
            .map(|l| {
                let cle = match &l.pivot {
                    Some(p) => format!("identifiant:{}", p.trim()),
                    None => format!("lieu:{}", l.cle),
                };
                (cle, Presence::Lieu(l.date))
            })
            .chain(titres.map(|t| {
                let cle = match t
                    .titre
                    .organisation_identifiant
                    .as_deref()
                    .filter(|i| pivot_significatif(i))
                {
                    Some(i) => format!("identifiant:{}", i.trim()),
                    None => format!("organisation:{}", t.titre.organisation_id),
                };
                (cle, presence_titre(&t.titre))
            }))
            .collect(),
    }
}

fn compter(elements: &[(String, Presence)], m: Moment) -> u64 {
    elements
        .iter()
        .filter(|(_, p)| p.au(m))
        .map(|(c, _)| c.as_str())
        .collect::<BTreeSet<_>>()
        .len() as u64
}

/// Calcule un indicateur pour un territoire : valeur à ce jour, et valeur de chaque année de
/// `annees` (au 31 décembre pour une année passée, à ce jour pour l'année en cours ; les années
/// à venir sont ignorées).
pub fn calculer(
    calcul: &Calcul,
    niveau: Niveau,
    code: &str,
    donnees: &DonneesPlateforme,
    annees: RangeInclusive<i32>,
    aujourd_hui: NaiveDate,
) -> ResultatCalcul {
    let el = elements(calcul, niveau, code, donnees);
    let actuel = compter(&el, Moment::Maintenant);
    let par_annee = annees
        .filter(|a| *a <= aujourd_hui.year())
        .map(|a| {
            let v = if a == aujourd_hui.year() {
                actuel
            } else {
                NaiveDate::from_ymd_opt(a, 12, 31)
                    .map(|fin| compter(&el, Moment::Le(fin)))
                    .unwrap_or(0)
            };
            (a, v)
        })
        .collect();
    ResultatCalcul {
        actuel,
        par_annee,
        sans_date: el.iter().filter(|(_, p)| p.sans_date()).count(),
    }
}

/// Première année où un calcul compte quelque chose dans un territoire (au plus tôt
/// `annee_min`), pour borner l'historique.
pub fn premiere_annee(
    calcul: &Calcul,
    niveau: Niveau,
    code: &str,
    donnees: &DonneesPlateforme,
) -> Option<i32> {
    elements(calcul, niveau, code, donnees)
        .iter()
        .filter_map(|(_, p)| match p {
            Presence::Lieu(d) => *d,
            Presence::Titre { debut, .. } => *debut,
        })
        .map(|d| d.year())
        .min()
}

// ---------- Valeurs saisies ----------

/// Ce qu'un territoire saisit, avant analyse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaisieValeur {
    #[serde(default)]
    pub indicateur: String,
    #[serde(default)]
    pub annee: String,
    #[serde(default)]
    pub valeur: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub date_source: String,
}

/// Une valeur saisie, analysée.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValeurSaisie {
    pub indicateur_id: String,
    pub annee: i32,
    /// Nombre décimal normalisé : chiffres, point décimal, au plus deux décimales (« 1250 »,
    /// « 12.5 »).
    pub valeur: String,
    pub source: String,
    pub date_source: NaiveDate,
}

/// Longueur maximale de la source.
pub const SOURCE_MAX: usize = 500;

/// Lit un nombre écrit à la française ou à l'anglaise (« 1 250,5 », « 1250.5 ») ; rend le nombre
/// normalisé, ou le message d'erreur.
pub fn lire_nombre(saisie: &str, entier: bool, maximum: Option<f64>) -> Result<String, String> {
    let s: String = saisie
        .trim()
        .trim_end_matches(['%', '€'])
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if s.is_empty() {
        return Err("Indiquez la valeur.".into());
    }
    if s.starts_with('-') && s.len() > 1 {
        return Err("La valeur doit être positive ou nulle.".into());
    }
    let (ent, dec) = s.split_once('.').unwrap_or((&s, ""));
    if ent.is_empty()
        || !ent.chars().all(|c| c.is_ascii_digit())
        || !dec.chars().all(|c| c.is_ascii_digit())
        || (s.contains('.') && dec.is_empty())
    {
        return Err("La valeur doit être un nombre, par exemple 1250 ou 12,5.".into());
    }
    let ent = ent.trim_start_matches('0');
    let ent = if ent.is_empty() { "0" } else { ent };
    let dec = dec.trim_end_matches('0');
    if ent.len() > 15 {
        return Err("La valeur est trop grande.".into());
    }
    if entier && !dec.is_empty() {
        return Err(
            "Cet indicateur se compte en nombre entier : saisissez une valeur sans décimales."
                .into(),
        );
    }
    if dec.len() > 2 {
        return Err("Saisissez au plus deux décimales.".into());
    }
    let normalise = if dec.is_empty() {
        ent.to_string()
    } else {
        format!("{ent}.{dec}")
    };
    if let Some(max) = maximum {
        if normalise.parse::<f64>().unwrap_or(f64::INFINITY) > max {
            return Err(format!(
                "La valeur ne peut pas dépasser {}.",
                formater_nombre(&max.to_string())
            ));
        }
    }
    Ok(normalise)
}

/// Écrit un nombre normalisé à la française : espaces fines insécables entre les milliers,
/// virgule décimale (« 1 250,5 »).
pub fn formater_nombre(n: &str) -> String {
    let (ent, dec) = n.split_once('.').unwrap_or((n, ""));
    let chiffres: Vec<char> = ent.chars().collect();
    let mut s = String::new();
    for (i, c) in chiffres.iter().enumerate() {
        if i > 0 && (chiffres.len() - i).is_multiple_of(3) {
            s.push('\u{202f}');
        }
        s.push(*c);
    }
    if !dec.is_empty() {
        s.push(',');
        s.push_str(dec);
    }
    s
}

/// Lit une date `AAAA-MM-JJ` (champ de date des navigateurs) ou `JJ/MM/AAAA`.
pub fn lire_date(saisie: &str) -> Option<NaiveDate> {
    let s = saisie.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

impl SaisieValeur {
    /// Analyse la saisie ; rend toutes les erreurs d'un coup, chacune rattachée à son champ.
    pub fn analyser(
        &self,
        r: &ReferentielIndicateurs,
        aujourd_hui: NaiveDate,
    ) -> Result<ValeurSaisie, Vec<ErreurChamp>> {
        let mut erreurs = Vec::new();
        let indicateur = r.indicateur(self.indicateur.trim());
        match indicateur {
            None => erreurs.push(ErreurChamp::new(
                "indicateur",
                "Choisissez l'indicateur à renseigner dans la liste.",
            )),
            Some(i) if i.mode != Mode::Saisi => erreurs.push(ErreurChamp::new(
                "indicateur",
                "Cet indicateur est calculé à partir des données de la plateforme : il ne se saisit pas.",
            )),
            _ => {}
        }
        let (min, max) = (r.saisie.annee_min, aujourd_hui.year());
        let annee = match self.annee.trim() {
            "" => {
                erreurs.push(ErreurChamp::new(
                    "annee",
                    format!("Indiquez l'année, entre {min} et {max}."),
                ));
                None
            }
            a => match a.parse::<i32>() {
                Ok(a) if (min..=max).contains(&a) => Some(a),
                _ => {
                    erreurs.push(ErreurChamp::new(
                        "annee",
                        format!("L'année doit être un nombre entier compris entre {min} et {max}."),
                    ));
                    None
                }
            },
        };
        let (entier, maximum) = indicateur
            .map(|i| (i.entier, i.maximum))
            .unwrap_or((false, None));
        let valeur = match lire_nombre(&self.valeur, entier, maximum) {
            Ok(v) => Some(v),
            Err(m) => {
                erreurs.push(ErreurChamp::new("valeur", m));
                None
            }
        };
        let source = self.source.trim().to_string();
        if source.is_empty() {
            erreurs.push(ErreurChamp::new(
                "source",
                "Indiquez la source de la valeur (enquête, rapport, bilan d'activité…).",
            ));
        } else if source.chars().count() > SOURCE_MAX {
            erreurs.push(ErreurChamp::new(
                "source",
                format!("La source ne doit pas dépasser {SOURCE_MAX} caractères."),
            ));
        }
        let date_source = match self.date_source.trim() {
            "" => {
                erreurs.push(ErreurChamp::new(
                    "date_source",
                    "Indiquez la date de la source.",
                ));
                None
            }
            d => match lire_date(d) {
                Some(d) if d > aujourd_hui => {
                    erreurs.push(ErreurChamp::new(
                        "date_source",
                        "La date de la source ne peut pas être dans le futur.",
                    ));
                    None
                }
                Some(d) => Some(d),
                None => {
                    erreurs.push(ErreurChamp::new(
                        "date_source",
                        "La date de la source doit être une date valide, au format JJ/MM/AAAA ou AAAA-MM-JJ (par exemple 31/03/2024).",
                    ));
                    None
                }
            },
        };
        match (indicateur, annee, valeur, date_source) {
            (Some(i), Some(annee), Some(valeur), Some(date_source)) if erreurs.is_empty() => {
                Ok(ValeurSaisie {
                    indicateur_id: i.id.clone(),
                    annee,
                    valeur,
                    source,
                    date_source,
                })
            }
            _ => Err(erreurs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jour(a: i32, m: u32, j: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(a, m, j).unwrap()
    }

    #[test]
    fn le_referentiel_embarque_a_7_axes_et_11_indicateurs() {
        let r = ReferentielIndicateurs::embarque();
        assert_eq!(r.axes.len(), 7);
        assert_eq!(r.indicateurs.len(), 11);
        assert_eq!(r.axe(2).unwrap().libelle, "Favoriser l'accès au numérique");
        assert_eq!(r.indicateurs_de(2).count(), 3);
        let carto = r.indicateur("cartographie-acteurs").unwrap();
        assert_eq!(
            carto.libelle,
            "Cartographie des acteurs de l'inclusion numérique"
        );
        assert_eq!(carto.calcul, Some(Calcul::LieuxCartographies));
        let calcules: Vec<&str> = r
            .indicateurs
            .iter()
            .filter(|i| i.mode == Mode::Calcule)
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(calcules.len(), 4, "{calcules:?}");
        assert!(r
            .indicateur("taux-personnes-vulnerables")
            .unwrap()
            .libelle
            .contains("aidées ou formés"));
    }

    fn lieu(id: &str, cp: &str, commune: &str, date: &str, programmes: &str) -> Enregistrement {
        let mut e = Enregistrement::new();
        for (k, v) in [
            ("id", id),
            ("nom", "Lieu"),
            ("code_postal", cp),
            ("commune", commune),
            ("date_maj", date),
            ("dispositif_programmes_nationaux", programmes),
        ] {
            e.insert(k.into(), serde_json::Value::String(v.into()));
        }
        e
    }

    fn titre(
        referentiel: &str,
        org: &str,
        cp: &str,
        debut: Option<NaiveDate>,
        fin: Option<NaiveDate>,
        en_cours: bool,
    ) -> Titre {
        Titre {
            referentiel_id: referentiel.into(),
            organisation_id: org.into(),
            organisation_identifiant: None,
            code_postal: cp.into(),
            commune: "Angoulême".into(),
            debut,
            fin,
            en_cours,
        }
    }

    fn donnees() -> DonneesPlateforme {
        let mut avec_pivot = lieu("c", "16100", "Cognac", "2022-06-01", "");
        avec_pivot.insert("pivot".into(), "12345678900011".into());
        let mut meme_pivot = lieu("d", "16100", "Cognac", "2023-06-01", "Aidants Connect");
        meme_pivot.insert("pivot".into(), "12345678900011".into());
        let mut zeros = lieu("e", "16000", "Angoulême", "2023-01-01", "");
        zeros.insert("pivot".into(), "00000000000000".into());
        let mut insee = lieu("f", "", "", "2021-02-01", "");
        insee.insert("code_insee".into(), "16015".into());
        let mut org = titre(
            "nec-2022",
            "o2",
            "16000",
            Some(jour(2023, 5, 1)),
            None,
            true,
        );
        org.organisation_identifiant = Some("12345678900011".into());
        DonneesPlateforme::situer(
            vec![
                (
                    "s".into(),
                    lieu(
                        "a",
                        "16000",
                        "Angoulême",
                        "2021-03-01",
                        "Conseillers numériques|France Services",
                    ),
                    None,
                ),
                (
                    "s".into(),
                    lieu(
                        "b",
                        "16100",
                        "CHÂTEAUBERNARD",
                        "2022-01-15",
                        "CNFS;Aidants Connect",
                    ),
                    None,
                ),
                ("s".into(), avec_pivot, None),
                ("s".into(), meme_pivot, None),
                ("s".into(), zeros, None),
                ("s".into(), insee, Some(jour(2020, 1, 1))),
                (
                    "s".into(),
                    lieu("g", "17000", "La Rochelle", "2020-01-01", "Aidants Connect"),
                    None,
                ),
                ("s".into(), lieu("h", "99999", "Nulle part", "", ""), None),
            ],
            vec![
                titre(
                    "charte-territoire-actions",
                    "o1",
                    "16000",
                    Some(jour(2021, 6, 1)),
                    None,
                    true,
                ),
                titre(
                    "charte-territoire-actions",
                    "o1",
                    "16000",
                    Some(jour(2020, 1, 1)),
                    Some(jour(2020, 6, 1)),
                    false,
                ),
                titre(
                    "charte-territoire-actions",
                    "o3",
                    "16000",
                    Some(jour(2020, 1, 1)),
                    Some(jour(2022, 3, 1)),
                    false,
                ),
                titre(
                    "charte-territoire-actions",
                    "o4",
                    "17000",
                    Some(jour(2021, 1, 1)),
                    None,
                    true,
                ),
                org,
            ],
            Territoires::embarque(),
        )
    }

    #[test]
    fn lieux_cartographies_par_territoire_et_par_annee() {
        let d = donnees();
        assert_eq!(d.lieux_non_situes(), 1);
        let r = calculer(
            &Calcul::LieuxCartographies,
            Niveau::Departement,
            "16",
            &d,
            2019..=2030,
            jour(2024, 5, 1),
        );
        assert_eq!(r.actuel, 6);
        assert_eq!(
            r.par_annee,
            vec![
                (2019, 0),
                (2020, 1),
                (2021, 2),
                (2022, 4),
                (2023, 6),
                (2024, 6)
            ],
            "le lieu au code INSEE compte dès son import (2020), avant sa mise à jour (2021)"
        );
        assert_eq!(r.sans_date, 0);
        let r = calculer(
            &Calcul::LieuxCartographies,
            Niveau::Commune,
            "16015",
            &d,
            2024..=2024,
            jour(2024, 5, 1),
        );
        assert_eq!(
            r.actuel, 3,
            "Angoulême : par code postal et commune, et par code INSEE"
        );
        let r = calculer(
            &Calcul::LieuxCartographies,
            Niveau::Region,
            "75",
            &d,
            2024..=2024,
            jour(2024, 5, 1),
        );
        assert_eq!(
            r.actuel, 7,
            "la Nouvelle-Aquitaine compte aussi La Rochelle"
        );
        // Un lieu sans date ne compte qu'à ce jour.
        let d2 = DonneesPlateforme::situer(
            vec![("s".into(), lieu("x", "16000", "Angoulême", "", ""), None)],
            vec![],
            Territoires::embarque(),
        );
        let r = calculer(
            &Calcul::LieuxCartographies,
            Niveau::Departement,
            "16",
            &d2,
            2023..=2024,
            jour(2024, 5, 1),
        );
        assert_eq!((r.actuel, r.sans_date), (1, 1));
        assert_eq!(r.par_annee, vec![(2023, 0), (2024, 1)]);
    }

    #[test]
    fn mediateurs_comptent_des_lieux_avec_programme() {
        let d = donnees();
        let r = ReferentielIndicateurs::embarque();
        let calcul = r
            .indicateur("mediateurs-aidants")
            .unwrap()
            .calcul
            .clone()
            .unwrap();
        let res = calculer(
            &calcul,
            Niveau::Departement,
            "16",
            &d,
            2021..=2024,
            jour(2024, 5, 1),
        );
        // a (Conseillers numériques), b (Aidants Connect, « ; » v0.1), d (Aidants Connect).
        assert_eq!(res.actuel, 3);
        assert_eq!(
            res.par_annee,
            vec![(2021, 1), (2022, 2), (2023, 3), (2024, 3)]
        );
    }

    #[test]
    fn signataires_de_la_charte_en_cours_et_historique() {
        let d = donnees();
        let c = Calcul::SignatairesCharte {
            referentiel: "charte-territoire-actions".into(),
        };
        let r = calculer(
            &c,
            Niveau::Departement,
            "16",
            &d,
            2019..=2024,
            jour(2024, 5, 1),
        );
        assert_eq!(
            r.actuel, 1,
            "o1 en cours ; o3 a pris fin ; o4 est en Charente-Maritime"
        );
        assert_eq!(
            r.par_annee,
            vec![
                (2019, 0),
                (2020, 1),
                (2021, 2),
                (2022, 1),
                (2023, 1),
                (2024, 1)
            ],
            "o1 compté une fois même avec deux signatures ; o3 de 2020 à 2021"
        );
        let r = calculer(&c, Niveau::Region, "75", &d, 2024..=2024, jour(2024, 5, 1));
        assert_eq!(r.actuel, 2);
    }

    #[test]
    fn organismes_par_pivot_et_par_titre() {
        let d = donnees();
        let r = calculer(
            &Calcul::OrganismesPromotion,
            Niveau::Departement,
            "16",
            &d,
            2022..=2024,
            jour(2024, 5, 1),
        );
        // Lieux : a, b, e, f (sans pivot significatif) + un pivot pour c et d = 5 ;
        // titres en cours : o1 ; o2 porte le même SIRET que c et d : pas compté deux fois.
        assert_eq!(r.actuel, 6);
        assert_eq!(r.par_annee[0], (2022, 5), "a, b, c, f, et o1");
    }

    #[test]
    fn premiere_annee_des_donnees() {
        let d = donnees();
        assert_eq!(
            premiere_annee(&Calcul::LieuxCartographies, Niveau::Departement, "16", &d),
            Some(2020)
        );
        assert_eq!(
            premiere_annee(&Calcul::LieuxCartographies, Niveau::Departement, "01", &d),
            None
        );
    }

    #[test]
    fn analyse_des_saisies() {
        let r = ReferentielIndicateurs::embarque();
        let auj = jour(2024, 5, 1);
        let ok = SaisieValeur {
            indicateur: "aides-financieres-formation".into(),
            annee: "2023".into(),
            valeur: "12 500,50".into(),
            source: "Bilan du Pass numérique".into(),
            date_source: "31/03/2024".into(),
        };
        let v = ok.analyser(r, auj).unwrap();
        assert_eq!(v.valeur, "12500.5");
        assert_eq!(v.date_source, jour(2024, 3, 31));
        assert_eq!(formater_nombre(&v.valeur), "12\u{202f}500,5");

        let champs = |s: SaisieValeur| -> Vec<&'static str> {
            s.analyser(r, auj)
                .unwrap_err()
                .iter()
                .map(|e| e.champ)
                .collect()
        };
        assert_eq!(
            champs(SaisieValeur::default()),
            vec!["indicateur", "annee", "valeur", "source", "date_source"]
        );
        let mut s = ok.clone();
        s.indicateur = "cartographie-acteurs".into();
        s.valeur = "12".into();
        assert_eq!(
            champs(s),
            vec!["indicateur"],
            "un indicateur calculé ne se saisit pas"
        );
        for annee in ["2016", "2025", "deux mille"] {
            let mut s = ok.clone();
            s.annee = annee.into();
            assert_eq!(champs(s), vec!["annee"], "{annee}");
        }
        for valeur in ["-3", "abc", "1,234", "1.", "1e5"] {
            let mut s = ok.clone();
            s.valeur = valeur.into();
            assert_eq!(champs(s), vec!["valeur"], "{valeur}");
        }
        let mut s = ok.clone();
        s.indicateur = "equipements-connectes".into();
        s.valeur = "12,5".into();
        let e = s.analyser(r, auj).unwrap_err();
        assert!(e[0].message.contains("nombre entier"), "{e:?}");
        let mut s = ok.clone();
        s.indicateur = "taux-personnes-vulnerables".into();
        s.valeur = "100,5".into();
        let e = s.analyser(r, auj).unwrap_err();
        assert_eq!(e[0].message, "La valeur ne peut pas dépasser 100.");
        s.valeur = "37,5 %".into();
        assert_eq!(s.analyser(r, auj).unwrap().valeur, "37.5");
        for date in ["2024-13-01", "hier", "2024-05-02"] {
            let mut s = ok.clone();
            s.date_source = date.into();
            assert_eq!(champs(s), vec!["date_source"], "{date}");
        }
        let mut s = ok.clone();
        s.source = "   ".into();
        assert_eq!(champs(s), vec!["source"]);
        assert_eq!(lire_nombre("0", true, None).unwrap(), "0");
        assert_eq!(lire_nombre("007,10", false, None).unwrap(), "7.1");
    }

    #[test]
    fn fichiers_casses() {
        let bon = INDICATEURS_CTIN;
        let erreurs = |texte: &str| -> Vec<String> {
            ReferentielIndicateurs::depuis_toml("x.toml", texte)
                .unwrap_err()
                .iter()
                .map(|e| e.to_string())
                .collect()
        };
        let e = erreurs(&bon.replacen("axe = 7", "axe = 8", 1));
        assert!(e.iter().any(|m| m.contains("axe n° 8 inconnu")), "{e:?}");
        assert!(
            e.iter()
                .any(|m| m.contains("l'axe n° 7 n'a aucun indicateur")),
            "{e:?}"
        );
        let e = erreurs(&bon.replacen("nom = \"lieux_cartographies\"", "nom = \"inconnu\"", 1));
        assert!(e[0].contains("TOML invalide"), "{e:?}");
        let e = erreurs(&bon.replacen("mode = \"saisi\"", "mode = \"calcule\"", 1));
        assert!(
            e.iter().any(|m| m.contains("doit nommer son calcul")),
            "{e:?}"
        );
        assert!(e[0].contains("ligne"), "position donnée : {e:?}");
        let e = erreurs(&bon.replacen(
            "id = \"cartographie-acteurs\"",
            "id = \"organismes-promotion-lieux\"",
            1,
        ));
        assert!(e.iter().any(|m| m.contains("en double")), "{e:?}");
        // Contrôle croisé : la charte nommée doit exister.
        let r: ReferentielIndicateurs = toml::from_str(bon).unwrap();
        let e = valider(&r, Some(&[]), "x.toml", bon);
        assert!(
            e.iter().any(|x| x
                .message
                .contains("charte « charte-territoire-actions » inconnue")),
            "{e:?}"
        );
    }
}
