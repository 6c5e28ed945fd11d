//! Recherche publique des lieux de médiation numérique : texte, services, publics, prises en
//! charge, frais, programmes, modalités, distance à un point ou à une commune, disponibilité.

use std::sync::Arc;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveTime, Utc, Weekday};
use reperes_domain::communes::{Commune, Communes};
use reperes_domain::lieux::doublons::regrouper;
use reperes_domain::lieux::index::{
    Autour, Criteres, IndexLieux, LieuIndexe, Quand, Trouve, CHAMPS_FILTRES,
};
use reperes_domain::lieux::{schema_national, valeur, Enregistrement, SchemaTable};
use reperes_domain::territoires::Perimetre;
use utoipa::IntoParams;

use crate::commun::cadre::Cadre;
use crate::commun::erreur::Contexte;
use crate::commun::formulaires::page;
use crate::commun::libelles::chemin_lieu;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

pub const PAR_PAGE: usize = 20;
/// Rayons proposés (km) ; 30 par défaut, comme la cartographie nationale.
pub const RAYONS: [u32; 6] = [5, 10, 20, 30, 50, 100];
pub const RAYON_DEFAUT: u32 = 30;
pub const JOURS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];

/// Paramètres de recherche (documentation de l'API ; la requête est lue par [`Filtres::lire`]).
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ParametresLieux {
    /// Mots cherchés dans le nom, la commune et le code postal (tous requis, sans accents).
    q: Option<String>,
    /// Commune, code postal ou code INSEE autour duquel chercher (référentiel hors ligne).
    lieu: Option<String>,
    /// Latitude du point de recherche (WGS84) ; avec `longitude` (seule, elle est ignorée), prime
    /// sur `lieu`.
    #[param(minimum = -90, maximum = 90)]
    latitude: Option<f64>,
    /// Longitude du point de recherche (WGS84).
    #[param(minimum = -180, maximum = 180)]
    longitude: Option<f64>,
    /// Rayon en kilomètres (5 à 100, 30 par défaut).
    #[param(minimum = 5, maximum = 100)]
    rayon: Option<u32>,
    /// Services (valeurs du schéma national) : un lieu convient s'il en propose au moins un.
    #[param(explode = true)]
    service: Option<Vec<String>>,
    /// Publics spécifiquement adressés : au moins un.
    #[param(explode = true)]
    public: Option<Vec<String>>,
    /// Prises en charge spécifiques : un lieu convient s'il les assure toutes.
    #[param(explode = true)]
    prise_en_charge: Option<Vec<String>>,
    /// Frais à charge : au moins un.
    #[param(explode = true)]
    frais: Option<Vec<String>>,
    /// Dispositifs et programmes nationaux : au moins un.
    #[param(explode = true)]
    programme: Option<Vec<String>>,
    /// Modalités d'accès : au moins une.
    #[param(explode = true)]
    modalite_acces: Option<Vec<String>>,
    /// Modalités d'accompagnement : au moins une.
    #[param(explode = true)]
    modalite_accompagnement: Option<Vec<String>>,
    /// « maintenant » : lieux ouverts à l'instant (heure locale de chaque lieu).
    #[param(pattern = "^maintenant$")]
    ouvert: Option<String>,
    /// Jour souhaité (lundi … dimanche) ; sans `heure` : le lieu ouvre ce jour-là.
    #[param(pattern = "^(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)$")]
    jour: Option<String>,
    /// Heure souhaitée (HH:MM) ; sans `jour` : aujourd'hui.
    #[param(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    heure: Option<String>,
    /// Page (à partir de 1).
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<u32>,
}

/// Paramètre multivalué de l'URL → champ du schéma filtré.
pub const PARAMETRES_FILTRES: [(&str, &str); 7] = [
    ("service", CHAMPS_FILTRES[0]),
    ("public", CHAMPS_FILTRES[1]),
    ("prise_en_charge", CHAMPS_FILTRES[2]),
    ("frais", CHAMPS_FILTRES[3]),
    ("programme", CHAMPS_FILTRES[4]),
    ("modalite_acces", CHAMPS_FILTRES[5]),
    ("modalite_accompagnement", CHAMPS_FILTRES[6]),
];

/// Filtres lus dans l'URL.
#[derive(Debug, Clone, Default)]
pub struct Filtres {
    pub q: String,
    pub lieu: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub rayon: u32,
    /// (paramètre, valeurs)
    pub valeurs: Vec<(&'static str, Vec<String>)>,
    pub ouvert: bool,
    pub jour: String,
    pub heure: String,
    pub page: usize,
    /// Une latitude sans longitude (ou l'inverse) a été ignorée.
    pub coordonnee_seule: bool,
}

impl Filtres {
    /// Lit et contrôle la requête ; une valeur mal formée est une erreur en français.
    /// Lecture des formulaires : un champ laissé vide vaut « non renseigné ».
    pub fn lire(requete: Option<&str>) -> Result<Filtres, String> {
        Self::lire_selon(requete, true)
    }

    /// Lecture de l'API : un paramètre typé présent mais vide est une erreur (il ne respecte pas
    /// son format décrit dans l'OpenAPI).
    pub fn lire_api(requete: Option<&str>) -> Result<Filtres, String> {
        Self::lire_selon(requete, false)
    }

    fn lire_selon(requete: Option<&str>, vides_permis: bool) -> Result<Filtres, String> {
        let mut f = Filtres {
            rayon: RAYON_DEFAUT,
            page: 1,
            valeurs: PARAMETRES_FILTRES
                .iter()
                .map(|(p, _)| (*p, Vec::new()))
                .collect(),
            ..Filtres::default()
        };
        let paires = form_urlencoded::parse(requete.unwrap_or("").as_bytes());
        for (k, v) in paires {
            let v = v.trim().to_string();
            match k.as_ref() {
                "q" => f.q = v,
                "lieu" => f.lieu = v,
                "latitude" | "longitude" if v.is_empty() && vides_permis => {}
                "latitude" => {
                    f.latitude = Some(
                        v.parse::<f64>()
                            .ok()
                            .filter(|x| (-90.0..=90.0).contains(x))
                            .ok_or("latitude : un nombre entre -90 et 90 est attendu")?,
                    )
                }
                "longitude" => {
                    f.longitude = Some(
                        v.parse::<f64>()
                            .ok()
                            .filter(|x| (-180.0..=180.0).contains(x))
                            .ok_or("longitude : un nombre entre -180 et 180 est attendu")?,
                    )
                }
                "rayon" if v.is_empty() && vides_permis => {}
                "rayon" => {
                    f.rayon = v
                        .parse::<u32>()
                        .ok()
                        .filter(|r| (5..=100).contains(r))
                        .ok_or(
                            "rayon : un nombre entier de kilomètres entre 5 et 100 est attendu",
                        )?
                }
                "ouvert" => match v.as_str() {
                    "" if vides_permis => {}
                    "maintenant" => f.ouvert = true,
                    _ => return Err("ouvert : seule la valeur « maintenant » est permise".into()),
                },
                "jour" if v.is_empty() && vides_permis => {}
                "jour" => {
                    if !JOURS.contains(&v.as_str()) {
                        return Err(
                            "jour : lundi, mardi, mercredi, jeudi, vendredi, samedi ou dimanche"
                                .into(),
                        );
                    }
                    f.jour = v
                }
                "heure" if v.is_empty() && vides_permis => {}
                "heure" => {
                    if NaiveTime::parse_from_str(&v, "%H:%M").is_err() || v.len() != 5 {
                        return Err("heure : une heure au format HH:MM est attendue".into());
                    }
                    f.heure = v
                }
                "page" if v.is_empty() && vides_permis => {}
                "page" => {
                    f.page = v
                        .parse::<usize>()
                        .ok()
                        .filter(|p| (1..=1_000_000).contains(p))
                        .ok_or("page : un nombre entier de 1 à 1 000 000 est attendu")?
                }
                autre => {
                    if let Some((_, l)) = f.valeurs.iter_mut().find(|(p, _)| *p == autre) {
                        if !v.is_empty() && !l.contains(&v) {
                            l.push(v);
                        }
                    }
                }
            }
        }
        // Une coordonnée seule ne situe rien : elle est ignorée (et la page le dit).
        if f.latitude.is_some() != f.longitude.is_some() {
            f.latitude = None;
            f.longitude = None;
            f.coordonnee_seule = true;
        }
        Ok(f)
    }

    pub fn choisies(&self, parametre: &str) -> &[String] {
        self.valeurs
            .iter()
            .find(|(p, _)| *p == parametre)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    pub fn choisi(&self, parametre: &str, valeur: &str) -> bool {
        self.choisies(parametre).iter().any(|v| v == valeur)
    }

    /// La requête sans la page (liens de pagination).
    pub fn requete(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("q", &self.q), ("lieu", &self.lieu)] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if let (Some(la), Some(lo)) = (self.latitude, self.longitude) {
            s.append_pair("latitude", &la.to_string());
            s.append_pair("longitude", &lo.to_string());
        }
        if self.rayon != RAYON_DEFAUT {
            s.append_pair("rayon", &self.rayon.to_string());
        }
        for (p, vs) in &self.valeurs {
            for v in vs {
                s.append_pair(p, v);
            }
        }
        if self.ouvert {
            s.append_pair("ouvert", "maintenant");
        }
        // Une heure sans jour vaut pour aujourd'hui : elle se garde seule (trouvé par le fuzzing,
        // `fuzz/regressions/formulaires/heure-sans-jour`).
        for (k, v) in [("jour", &self.jour), ("heure", &self.heure)] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }

    /// Moment demandé : maintenant ; le prochain jour demandé (aujourd'hui compris), à l'heure
    /// dite ou à n'importe quelle heure ; ou aujourd'hui à l'heure dite (dates de Paris).
    fn quand(&self) -> Option<Quand> {
        if self.ouvert {
            return Some(Quand::Instant(Utc::now()));
        }
        let heure = NaiveTime::parse_from_str(&self.heure, "%H:%M").ok();
        let aujourd_hui = Utc::now()
            .with_timezone(&chrono_tz::Europe::Paris)
            .date_naive();
        let date = match JOURS.iter().position(|j| *j == self.jour) {
            Some(jour) => {
                let cible = Weekday::try_from(jour as u8).ok()?;
                let ecart = (cible.num_days_from_monday() as i64
                    - aujourd_hui.weekday().num_days_from_monday() as i64)
                    .rem_euclid(7);
                aujourd_hui + Duration::days(ecart)
            }
            None => aujourd_hui,
        };
        match (heure, self.jour.is_empty()) {
            (Some(h), _) => Some(Quand::HeureLocale(date.and_time(h))),
            (None, false) => Some(Quand::Jour(date)),
            (None, true) => None,
        }
    }
}

/// Où chercher, d'après les filtres.
pub enum Situation<'a> {
    Nulle,
    Point(f64, f64),
    Commune(&'a Commune),
    /// Plusieurs communes portent ce nom : à préciser.
    Ambigue(Vec<&'a Commune>),
    /// Inconnue du référentiel : filtre sur le texte de la commune des lieux.
    Inconnue,
}

pub fn situer(f: &Filtres) -> Situation<'static> {
    if let (Some(la), Some(lo)) = (f.latitude, f.longitude) {
        return Situation::Point(la, lo);
    }
    if f.lieu.is_empty() {
        return Situation::Nulle;
    }
    let v: Vec<&Commune> = Communes::embarque()
        .chercher(&f.lieu)
        .into_iter()
        .filter(|c| c.position.is_some())
        .collect();
    let code = reperes_domain::communes::est_un_code(&f.lieu);
    match v.len() {
        0 => Situation::Inconnue,
        1 => Situation::Commune(v[0]),
        // Un code postal couvre plusieurs communes voisines : on part de la première.
        _ if code => Situation::Commune(v[0]),
        _ => Situation::Ambigue(v),
    }
}

/// Résultat d'une recherche.
pub struct Recherche {
    pub index: std::sync::Arc<IndexLieux>,
    pub trouves: Vec<Trouve>,
    /// Message sur la localisation (commune retenue, inconnue…).
    pub localisation: Option<String>,
    /// Communes entre lesquelles choisir quand le nom saisi est ambigu.
    pub ambigue: Vec<&'static Commune>,
}

impl Recherche {
    /// Les résultats, doublons probables regroupés (pages HTML ; l'API garde chaque fiche).
    pub fn groupes(&self) -> Vec<Vec<Trouve>> {
        regrouper(&self.index, &self.trouves)
    }
}

/// Le nom d'un lieu tel qu'on l'affiche : en casse lisible s'il est publié tout en capitales
/// (la valeur source reste dans les données ouvertes et l'API). Noms propres : sa commune et
/// son département.
pub fn nom_affiche(l: &LieuIndexe) -> String {
    nom_lisible_de(&l.nom, &l.commune, &l.code_postal)
}

pub fn nom_lisible_de(nom: &str, commune: &str, code_postal: &str) -> String {
    use reperes_domain::lieux::lisible::{en_capitales, nom_lisible};
    use reperes_domain::territoires::{Niveau, Territoires};
    if !en_capitales(nom) {
        return nom.trim().to_string();
    }
    let code = if code_postal.starts_with("97") || code_postal.starts_with("98") {
        code_postal.get(..3)
    } else {
        code_postal.get(..2)
    };
    let departement = code
        .and_then(|c| Territoires::embarque().territoire(Niveau::Departement, c))
        .map(|t| t.nom)
        .unwrap_or_default();
    nom_lisible(nom, &[commune, &departement])
}

/// « de Cognac », « d'Angoulême ».
pub fn de(nom: &str) -> String {
    let voyelle = nom
        .chars()
        .next()
        .is_some_and(|c| "AEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜaeiouyàâäéèêëîïôöùûü".contains(c));
    if voyelle {
        format!("d'{nom}")
    } else {
        format!("de {nom}")
    }
}

/// Cherche les lieux qui répondent aux filtres, dans un périmètre (`None` : partout) — celui
/// d'une version locale (`v.portee.perimetre()`) : un lieu hors du périmètre n'est jamais
/// trouvé, ni compté, ni proposé (l'index le décide, `Criteres::perimetre`).
pub async fn chercher(
    etat: &Etat,
    f: &Filtres,
    perimetre: Option<Arc<Perimetre>>,
) -> Result<Recherche, ErreurWeb> {
    let index = etat.carte.index(&etat.store).await?;
    let mut c = Criteres {
        texte: (!f.q.is_empty()).then(|| f.q.clone()),
        quand: f.quand(),
        perimetre,
        ..Criteres::default()
    };
    for (p, champ) in PARAMETRES_FILTRES {
        let vs = f.choisies(p);
        if !vs.is_empty() {
            c.valeurs.insert(champ.to_string(), vs.to_vec());
        }
    }
    let mut localisation = f.coordonnee_seule.then(|| {
        "Une latitude sans longitude (ou l'inverse) ne situe rien : elle est ignorée.".to_string()
    });
    let mut ambigue = Vec::new();
    let mut filtre_commune = None;
    match situer(f) {
        Situation::Nulle => {}
        Situation::Point(la, lo) => {
            c.autour = Some(Autour {
                latitude: la,
                longitude: lo,
                rayon_km: f.rayon as f64,
            })
        }
        Situation::Commune(x) => {
            let (la, lo) = x.position.unwrap_or_default();
            c.autour = Some(Autour {
                latitude: la,
                longitude: lo,
                rayon_km: f.rayon as f64,
            });
            localisation = Some(format!(
                "Autour {} (à {} km au plus, à vol d'oiseau).",
                de(&x.libelle()),
                f.rayon
            ));
        }
        Situation::Ambigue(v) => {
            ambigue = v;
            localisation = Some(format!(
                "Plusieurs communes s'appellent « {} » : précisez laquelle.",
                f.lieu
            ));
            return Ok(Recherche {
                index,
                trouves: Vec::new(),
                localisation,
                ambigue,
            });
        }
        Situation::Inconnue => {
            localisation = Some(format!(
                "« {} » n'est pas une commune ou un code postal connu : recherche dans le nom des communes des lieux.",
                f.lieu
            ));
            filtre_commune = Some(f.lieu.clone());
        }
    }
    let situee = c.autour.is_some();
    let idx = index.clone();
    let trouver = move || {
        let mut v = idx.chercher(&c);
        if let Some(l) = filtre_commune {
            v.retain(|t| idx.texte_correspond(t.rang, &l));
        }
        v
    };
    // Autour d'un point, l'arbre R ne visite que les lieux du disque (p99 ≤ 2 ms sur 100 000
    // lieux, `bench/lieux`) : la recherche se fait sur place, sans le passage par le réservoir
    // de tâches bloquantes (deux changements de fil par requête). Sans point, tout l'index est
    // parcouru : elle reste dans une tâche bloquante.
    let trouves = if situee {
        trouver()
    } else {
        tokio::task::spawn_blocking(trouver)
            .await
            .contexte("tâche de recherche interrompue")?
    };
    Ok(Recherche {
        index,
        trouves,
        localisation,
        ambigue,
    })
}

/// « 3,2 km » ou « 850 m ».
pub fn distance_lisible(km: f64) -> String {
    if km < 1.0 {
        format!("{} m", ((km * 1000.0) / 10.0).round() * 10.0)
    } else {
        format!("{:.1} km", km).replace('.', ",")
    }
}

pub struct Ligne {
    /// Chemin de la fiche du lieu (avec l'adresse de la liste, pour y revenir).
    pub chemin: String,
    pub nom: String,
    /// Autres fiches probablement du même lieu : (chemin, nom, adresse).
    pub doublons: Vec<(String, String, String)>,
    pub adresse: String,
    pub distance: Option<String>,
    pub services: Vec<String>,
    pub ouvert: Option<bool>,
    /// Rang du lieu dans l'index (fraîcheur : `structures::marquer_a_verifier`).
    pub rang: usize,
    /// Dernière confirmation trop ancienne (issue 16) : « à vérifier ».
    pub a_verifier: bool,
}

/// La suite `?retour=…` des liens vers les fiches (vide sans `retour`) : l'adresse de la liste
/// d'où l'on vient, encodée une fois par page.
fn suite_retour(retour: &str) -> String {
    if retour.is_empty() {
        return String::new();
    }
    let r: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("retour", retour)
        .finish();
    format!("?{r}")
}

/// Chemin d'une fiche, suivi de l'adresse de la liste d'où l'on vient ([`suite_retour`]).
fn chemin_depuis(l: &LieuIndexe, suite: &str) -> String {
    format!("{}{suite}", chemin_lieu(&l.source, &l.id))
}

/// Lignes d'une page de résultats (un groupe de doublons probables = une ligne) ; `retour` :
/// l'adresse de la page de résultats, portée par les liens vers les fiches. Tout vient de l'index
/// en mémoire : aucune lecture en base.
pub fn lignes(r: &Recherche, groupes: &[Vec<Trouve>], page: usize, retour: &str) -> Vec<Ligne> {
    let maintenant = Utc::now();
    let suite = suite_retour(retour);
    let mut v = Vec::new();
    for g in groupes
        .iter()
        .skip((page - 1).saturating_mul(PAR_PAGE))
        .take(PAR_PAGE)
    {
        let Some(t) = g.first() else { continue };
        let l = r.index.lieu(t.rang);
        let ouvert = r.index.horaires(t.rang).map(|h| {
            let tz = r.index.fuseau(t.rang);
            h.est_ouvert(maintenant.with_timezone(&tz).naive_local())
        });
        let doublons = g[1..]
            .iter()
            .map(|d| {
                let x = r.index.lieu(d.rang);
                (
                    chemin_depuis(x, &suite),
                    nom_affiche(x),
                    format!("{}, {} {}", x.adresse, x.code_postal, x.commune),
                )
            })
            .collect();
        v.push(Ligne {
            chemin: chemin_depuis(l, &suite),
            nom: nom_affiche(l),
            doublons,
            adresse: format!("{}, {} {}", l.adresse, l.code_postal, l.commune),
            distance: t.distance_km.map(distance_lisible),
            services: multiple(r.index.valeur(t.rang, "services")),
            ouvert,
            rang: t.rang,
            a_verifier: false,
        });
    }
    v
}

/// Une proposition quand rien n'est trouvé : (texte du lien, adresse).
pub type Proposition = (String, String);

/// Ce qui élargit une recherche sans résultat (liens vers /lieux) : une distance plus grande
/// (si la recherche est située), chaque filtre retiré, la recherche sans commune.
pub fn elargir(f: &Filtres, situee: bool) -> Vec<Proposition> {
    let lien = |g: &Filtres| {
        let q = g.requete();
        if q.is_empty() {
            "/lieux".to_string()
        } else {
            format!("/lieux?{q}")
        }
    };
    let mut v = Vec::new();
    if situee {
        for r in RAYONS.iter().filter(|r| **r > f.rayon).take(2) {
            let mut g = f.clone();
            g.rayon = *r;
            v.push((format!("Chercher jusqu'à {r} km"), lien(&g)));
        }
    }
    if !f.q.is_empty() {
        let mut g = f.clone();
        g.q.clear();
        v.push((format!("Retirer le nom « {} »", f.q), lien(&g)));
    }
    for (p, valeurs) in &f.valeurs {
        for val in valeurs {
            let mut g = f.clone();
            if let Some((_, l)) = g.valeurs.iter_mut().find(|(q, _)| q == p) {
                l.retain(|x| x != val);
            }
            v.push((format!("Retirer le filtre « {val} »"), lien(&g)));
        }
    }
    if f.ouvert {
        let mut g = f.clone();
        g.ouvert = false;
        v.push(("Retirer « Ouvert maintenant »".into(), lien(&g)));
    }
    if !f.jour.is_empty() || !f.heure.is_empty() {
        let mut g = f.clone();
        g.jour.clear();
        g.heure.clear();
        v.push(("Retirer le jour et l'heure".into(), lien(&g)));
    }
    if !f.lieu.is_empty() || f.latitude.is_some() {
        let mut g = f.clone();
        g.lieu.clear();
        g.latitude = None;
        g.longitude = None;
        v.push(("Chercher partout, sans commune".into(), lien(&g)));
    }
    v
}

pub(super) fn liste(e: &Enregistrement, champ: &str) -> Vec<String> {
    multiple(valeur(e, champ).as_deref())
}

/// Les valeurs d'un champ multivalué (séparées par « | »), sans blancs ni valeurs vides.
pub(super) fn multiple(texte: Option<&str>) -> Vec<String> {
    texte
        .map(|s| {
            s.split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Le schéma national, chargé une fois (ses motifs compilés une fois) pour les pages des lieux.
pub(super) fn schema() -> &'static SchemaTable {
    static SCHEMA: std::sync::LazyLock<SchemaTable> = std::sync::LazyLock::new(schema_national);
    &SCHEMA
}

/// Un groupe de cases à cocher du formulaire.
pub struct Groupe {
    pub parametre: &'static str,
    pub legende: String,
    pub aide: &'static str,
    pub valeurs: Vec<String>,
}

/// Les groupes de filtres, intitulés lus dans le schéma (calculés une fois).
pub fn groupes() -> &'static [Groupe] {
    static GROUPES: std::sync::LazyLock<Vec<Groupe>> = std::sync::LazyLock::new(calculer_groupes);
    &GROUPES
}

fn calculer_groupes() -> Vec<Groupe> {
    let schema = schema();
    PARAMETRES_FILTRES
        .iter()
        .map(|(p, champ)| {
            let c = schema.champ(champ);
            Groupe {
                parametre: p,
                legende: c
                    .and_then(|c| c.titre.clone())
                    .unwrap_or_else(|| champ.to_string()),
                aide: if *p == "prise_en_charge" {
                    "Le lieu assure toutes les prises en charge cochées."
                } else {
                    "Le lieu a au moins une des valeurs cochées."
                },
                valeurs: c.map(|c| c.valeurs_enumerees()).unwrap_or_default(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "lieux/recherche.html")]
struct PageLieux {
    cadre: Cadre,
    f: Filtres,
    lignes: Vec<Ligne>,
    total: usize,
    page: usize,
    pages: usize,
    requete: String,
    groupes: &'static [Groupe],
    localisation: Option<String>,
    ambigue: Vec<String>,
    erreur: Option<String>,
    rayons: [u32; 6],
    jours: [&'static str; 7],
    /// Nombre de fiches regroupées avec une autre (doublons probables).
    regroupees: usize,
    /// Pour élargir une recherche sans résultat.
    propositions: Vec<Proposition>,
    /// La carte des résultats (tuiles réglées, résultats).
    carte: Option<super::points::BlocCarte>,
}

impl PageLieux {
    /// Adresse des pages de résultats, à laquelle s'ajoute `page=N`.
    fn base_pagination(&self) -> String {
        let prefixe = &self.cadre.prefixe;
        if self.requete.is_empty() {
            format!("{prefixe}/lieux?")
        } else {
            format!("{prefixe}/lieux?{}&", self.requete)
        }
    }
}

pub async fn recherche(
    State(etat): State<Etat>,
    v: Visiteur,
    RawQuery(q): RawQuery,
) -> Result<Response, ErreurWeb> {
    let (f, erreur) = match Filtres::lire(q.as_deref()) {
        Ok(f) => (f, None),
        Err(m) => (Filtres::lire(None).unwrap_or_default(), Some(m)),
    };
    let r = chercher(&etat, &f, v.portee.perimetre()).await?;
    let regroupes = r.groupes();
    let total = regroupes.len();
    let pages = total.div_ceil(PAR_PAGE).max(1);
    let page_n = f.page.min(pages);
    let requete = f.requete();
    let retour = if requete.is_empty() {
        format!("/lieux?page={page_n}")
    } else {
        format!("/lieux?{requete}&page={page_n}")
    };
    let mut lignes = lignes(&r, &regroupes, page_n, &retour);
    super::structures::marquer_a_verifier(&etat, &r.index, &mut lignes).await?;
    let propositions = if total == 0 && r.ambigue.is_empty() {
        elargir(
            &f,
            matches!(situer(&f), Situation::Point(..) | Situation::Commune(_)),
        )
    } else {
        Vec::new()
    };
    let carte = super::points::bloc(&etat, &v.portee.prefixe(), &requete, total);
    let t = PageLieux {
        cadre: Cadre::pour(
            &v,
            if page_n > 1 {
                format!("Lieux de médiation numérique, page {page_n}")
            } else {
                "Lieux de médiation numérique".into()
            },
        ),
        requete,
        groupes: groupes(),
        regroupees: r.trouves.len() - total,
        propositions,
        carte,
        lignes,
        total,
        page: page_n,
        pages,
        localisation: r.localisation,
        ambigue: r.ambigue.iter().map(|c| c.libelle()).collect(),
        rayons: RAYONS,
        jours: JOURS,
        f,
        erreur: erreur.clone(),
    };
    page(&t, None, erreur.is_some())
}
