//! Horaires d'ouverture des lieux, au format OpenStreetMap `opening_hours`
//! (par exemple `Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00; PH off`).
//!
//! L'analyse et l'évaluation reposent sur le crate `opening-hours`, qui fait référence : ce module
//! n'y ajoute qu'un raccourci de calcul et une description en français.
//!
//! - [`Horaires::analyser`] lit le texte une fois ; le résultat se clone pour le prix d'un compteur
//!   atomique et se partage entre fils d'exécution (`Send + Sync`).
//! - [`Horaires::est_ouvert`] répond en quelques nanosecondes (compilé optimisé) pour les horaires
//!   hebdomadaires (jours de la semaine, jours fériés, heures fixes) : une table de la semaine est
//!   calculée une fois par le crate lui-même, puis consultée ; les jours fériés (et leurs
//!   lendemains) et les expressions qui dépendent de la date (mois, semaines, années, lever du
//!   soleil…) sont évalués par le crate à chaque appel.
//! - [`Horaires::en_mots`] décrit les horaires en français, une ligne par groupe de jours.
//!
//! Jours fériés (`PH`) : ce sont les jours fériés nationaux français, tirés de la base que le crate
//! embarque (années 2000 à 2076). Les jours fériés propres à l'Alsace-Moselle ou aux outre-mer
//! (abolition de l'esclavage…) n'y figurent pas : ces jours-là, `PH` ne s'applique pas. Les vacances
//! scolaires (`SH`) ne sont pas connues : `SH` ne s'applique jamais.
//!
//! Les heures sont l'heure locale du lieu (voir [`fuseau_horaire`]) ; l'état « unknown »
//! (ouverture incertaine) compte comme fermé.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, LazyLock};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use opening_hours::localization::Country;
use opening_hours::{Context, OpeningHours, RuleKind};
use opening_hours_syntax::rules::day::{HolidayKind, WeekDayRange};
use opening_hours_syntax::rules::time::Time;
use opening_hours_syntax::rules::OpeningHoursExpression;

/// Longueur maximale acceptée, en caractères (OpenStreetMap limite ses valeurs à 255).
pub const LONGUEUR_MAX: usize = 2000;

/// Portée de la recherche de [`Horaires::prochaine_ouverture`], en jours.
pub const HORIZON_JOURS: i64 = 366;

/// Préfixe des descriptions que [`Horaires::en_mots`] ne sait pas rendre en français.
pub const PREFIXE_BRUT: &str = "Horaires (format OpenStreetMap) : ";

/// Contexte d'évaluation commun : jours fériés nationaux français.
static CONTEXTE: LazyLock<Context> =
    LazyLock::new(|| Context::default().with_holidays(Country::FR.holidays()));

/// Premier jour évalué (le crate tient pour fermé tout ce qui précède 1900 ; on garde un jour de
/// marge pour la veille).
const PREMIER_JOUR: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 2) {
    Some(d) => d,
    None => panic!("date invalide"),
};

/// Dernier jour évalué (le crate tient pour fermé tout ce qui suit 9999).
const DERNIER_JOUR: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 30) {
    Some(d) => d,
    None => panic!("date invalide"),
};

/// Lundi d'une semaine ordinaire (ni la veille ni aucun de ses jours n'est férié) qui sert à
/// calculer la table hebdomadaire.
const LUNDI_REFERENCE: NaiveDate = match NaiveDate::from_ymd_opt(2001, 1, 8) {
    Some(d) => d,
    None => panic!("date invalide"),
};

const JOURS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];

// --
// -- Erreur
// --

/// Position d'une erreur de syntaxe dans le texte (comptée en caractères, à partir de 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub ligne: usize,
    pub colonne: usize,
}

/// Horaires qu'on ne sait pas lire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErreurHoraires {
    /// Texte vide (ou fait seulement d'espaces).
    Vides,
    /// Texte plus long que [`LONGUEUR_MAX`].
    TropLongs { longueur: usize, maximum: usize },
    /// Texte non conforme à la syntaxe `opening_hours`.
    Illisibles {
        position: Option<Position>,
        detail: String,
    },
}

impl fmt::Display for ErreurHoraires {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Vides => write!(f, "horaires vides"),
            Self::TropLongs { longueur, maximum } => write!(
                f,
                "horaires trop longs ({longueur} caractères, {maximum} au plus)"
            ),
            Self::Illisibles { detail, .. } => write!(
                f,
                "horaires illisibles (syntaxe OpenStreetMap opening_hours) : {detail}"
            ),
        }
    }
}

impl std::error::Error for ErreurHoraires {}

/// Lit la position « --> ligne:colonne » de l'affichage d'une erreur pest.
fn position_pest(message: &str) -> Option<Position> {
    let reste = &message[message.find("-->")? + 3..];
    let jeton = reste.split_whitespace().next()?;
    let (ligne, colonne) = jeton.split_once(':')?;
    Some(Position {
        ligne: ligne.parse().ok()?,
        colonne: colonne.parse().ok()?,
    })
}

fn traduire(erreur: &opening_hours_syntax::Error, texte: &str) -> ErreurHoraires {
    use opening_hours_syntax::Error as E;
    let (position, detail) = match erreur {
        E::Syntax(pest) => {
            let position = position_pest(&pest.to_string());
            let detail = match position {
                Some(p) => {
                    let ligne = texte.split('\n').nth(p.ligne.saturating_sub(1));
                    let suite: String = ligne
                        .unwrap_or_default()
                        .chars()
                        .skip(p.colonne.saturating_sub(1))
                        .collect();
                    let ou = if p.ligne > 1 {
                        format!("ligne {}, caractère {}", p.ligne, p.colonne)
                    } else {
                        format!("caractère {}", p.colonne)
                    };
                    if suite.trim().is_empty() {
                        format!("texte incomplet ({ou})")
                    } else {
                        let extrait: String = suite.chars().take(20).collect();
                        let points = if suite.chars().count() > 20 {
                            "…"
                        } else {
                            ""
                        };
                        let extrait: String = extrait
                            .chars()
                            .map(|c| if c.is_control() { '�' } else { c })
                            .collect();
                        format!("erreur au {ou}, à « {extrait}{points} »")
                    }
                }
                None => "syntaxe non reconnue".to_string(),
            };
            (position, detail)
        }
        E::Unsupported(quoi) => (None, format!("forme non prise en charge ({quoi})")),
        E::Overflow {
            value,
            expected_bounds,
        } => (
            None,
            format!(
                "la valeur {value} sort des bornes ({} à {})",
                expected_bounds.start(),
                expected_bounds.end()
            ),
        ),
        E::InvalidExtendedTime { hour, minutes } => {
            (None, format!("heure invalide : {hour:02}:{minutes:02}"))
        }
        E::InvertedYearRange { start, end, .. } => (
            None,
            format!(
                "plage d'années à l'envers ({}-{}), écrire plutôt {}-{}",
                start.0, end.0, end.0, start.0
            ),
        ),
        E::InvertedWeekRange { start, end, .. } => (
            None,
            format!(
                "plage de semaines à l'envers ({}-{}), écrire plutôt {}-{}",
                start.0, end.0, end.0, start.0
            ),
        ),
        E::GrammarUnexpectedToken { .. } | E::GrammarLogic { .. } => {
            (None, "erreur interne de l'analyseur".to_string())
        }
    };
    ErreurHoraires::Illisibles { position, detail }
}

/// Exécute `f` en transformant une éventuelle panique du crate en `None`.
fn protege<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

// --
// -- Forme de l'expression
// --

/// Ce que l'arbre syntaxique dit de l'expression.
#[derive(Debug, Clone, Copy)]
struct Forme {
    /// Ne dépend que du jour de la semaine et des jours fériés ou de vacances (du jour et de la
    /// veille), avec des heures fixes : une table hebdomadaire vaut pour tous les jours ordinaires.
    hebdomadaire: bool,
    /// Consulte les jours fériés ou de vacances.
    feries: bool,
    /// Consulte les vacances scolaires (inconnues ici).
    vacances: bool,
    /// Contient des formes que la description en français ne rend pas fidèlement
    /// (répétitions `/01:00`, fins ouvertes `17:00+`, commentaire seul).
    a_part: bool,
}

fn examiner(expr: &OpeningHoursExpression) -> Forme {
    let mut forme = Forme {
        hebdomadaire: true,
        feries: false,
        vacances: false,
        a_part: false,
    };
    for regle in &expr.rules {
        let jours = &regle.day_selector;
        if !(jours.year.is_empty() && jours.monthday.is_empty() && jours.week.is_empty()) {
            forme.hebdomadaire = false;
        }
        for plage in &jours.weekday {
            match plage {
                WeekDayRange::Fixed {
                    offset,
                    nth_from_start,
                    nth_from_end,
                    ..
                } => {
                    let tous = nth_from_start.iter().all(|x| *x) && nth_from_end.iter().all(|x| *x);
                    if *offset != 0 || !tous {
                        forme.hebdomadaire = false;
                    }
                }
                WeekDayRange::Holiday { kind, offset } => {
                    forme.feries = true;
                    if *kind == HolidayKind::School {
                        forme.vacances = true;
                    }
                    if *offset != 0 {
                        forme.hebdomadaire = false;
                    }
                }
            }
        }
        let mut toute_la_journee = regle.time_selector.spans.len() == 1;
        for plage in &regle.time_selector.spans {
            match (&plage.range.start, &plage.range.end) {
                (Time::Fixed(debut), Time::Fixed(fin)) => {
                    if debut.mins_from_midnight() != 0 || fin.mins_from_midnight() != 24 * 60 {
                        toute_la_journee = false;
                    }
                }
                _ => forme.hebdomadaire = false,
            }
            if plage.repeats.is_some() || plage.open_end {
                forme.a_part = true;
            }
        }
        // Commentaire seul (`"sur rendez-vous"`) : le crate le lit comme « ouvert 24 h/24 ».
        if jours.is_empty() && toute_la_journee && !regle.comment.is_empty() {
            forme.a_part = true;
        }
    }
    forme
}

/// Une plage d'une journée, en minutes depuis minuit, telle que le crate l'évalue.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plage {
    debut: u16,
    fin: u16,
    etat: RuleKind,
    commentaire: Arc<str>,
}

/// Plages d'une journée, sans les plages fermées sans commentaire.
fn plages_du_jour(oh: &OpeningHours, date: NaiveDate) -> Vec<Plage> {
    oh.schedule_at(date)
        .into_iter()
        .filter(|p| p.kind != RuleKind::Closed || !p.comment.is_empty())
        .map(|p| Plage {
            debut: p.range.start.mins_from_midnight(),
            fin: p.range.end.mins_from_midnight(),
            etat: p.kind,
            commentaire: p.comment,
        })
        .collect()
}

/// Jour férié ou de vacances selon le contexte d'évaluation.
fn jour_special(contexte: &Context, date: NaiveDate) -> bool {
    contexte.holidays.get_public().contains(date) || contexte.holidays.get_school().contains(date)
}

// --
// -- Horaires
// --

/// Plages ouvertes `[début, fin)` en minutes depuis minuit, du lundi (0) au dimanche (6).
type Semaine = [Box<[(u16, u16)]>; 7];

struct Interne {
    texte: Box<str>,
    oh: OpeningHours,
    forme: Forme,
    /// Table valable pour tout jour ordinaire (ni lui ni sa veille férié) ; `None` si
    /// l'expression dépend de la date.
    semaine: Option<Semaine>,
}

/// Horaires d'ouverture analysés. Se clone à bas coût (un `Arc`) ; `Send + Sync`.
#[derive(Clone)]
pub struct Horaires {
    interne: Arc<Interne>,
}

impl fmt::Debug for Horaires {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Horaires").field(&self.texte()).finish()
    }
}

impl PartialEq for Horaires {
    fn eq(&self, autre: &Self) -> bool {
        self.texte() == autre.texte()
    }
}

impl Eq for Horaires {}

impl fmt::Display for Horaires {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.texte())
    }
}

impl std::str::FromStr for Horaires {
    type Err = ErreurHoraires;

    fn from_str(texte: &str) -> Result<Self, Self::Err> {
        Self::analyser(texte)
    }
}

impl Horaires {
    /// Analyse un texte au format OpenStreetMap `opening_hours` (les espaces autour sont ignorés).
    /// Ne panique sur aucune entrée.
    pub fn analyser(texte: &str) -> Result<Horaires, ErreurHoraires> {
        let texte = texte.trim();
        if texte.is_empty() {
            return Err(ErreurHoraires::Vides);
        }
        let longueur = texte.chars().count();
        if longueur > LONGUEUR_MAX {
            return Err(ErreurHoraires::TropLongs {
                longueur,
                maximum: LONGUEUR_MAX,
            });
        }
        let oh = match protege(|| texte.parse::<OpeningHours>()) {
            Some(Ok(oh)) => oh.with_context(CONTEXTE.clone()),
            Some(Err(e)) => return Err(traduire(&e, texte)),
            None => {
                return Err(ErreurHoraires::Illisibles {
                    position: None,
                    detail: "erreur interne de l'analyseur".to_string(),
                })
            }
        };
        let forme = examiner(&oh.get_expression());
        let semaine = if forme.hebdomadaire {
            protege(|| table_hebdomadaire(&oh, forme)).flatten()
        } else {
            None
        };
        Ok(Horaires {
            interne: Arc::new(Interne {
                texte: texte.into(),
                oh,
                forme,
                semaine,
            }),
        })
    }

    /// Le texte analysé (sans les espaces autour).
    pub fn texte(&self) -> &str {
        &self.interne.texte
    }

    /// Le lieu est-il ouvert à cet instant (heure locale du lieu) ? L'état « unknown » compte
    /// comme fermé, de même que les dates antérieures à 1900 ou postérieures à 9999.
    pub fn est_ouvert(&self, quand: NaiveDateTime) -> bool {
        let i = &*self.interne;
        let date = quand.date();
        if !(PREMIER_JOUR..=DERNIER_JOUR).contains(&date) {
            return false;
        }
        if let Some(semaine) = &i.semaine {
            let ordinaire = !i.forme.feries || {
                let contexte = i.oh.get_context();
                !jour_special(contexte, date)
                    && !date.pred_opt().is_none_or(|v| jour_special(contexte, v))
            };
            if ordinaire {
                let minute = (quand.hour() * 60 + quand.minute()) as u16;
                return semaine[date.weekday().num_days_from_monday() as usize]
                    .iter()
                    .any(|&(debut, fin)| debut <= minute && minute < fin);
            }
        }
        protege(|| i.oh.is_open(quand)).unwrap_or(false)
    }

    /// Premier instant, à partir de `apres` compris, où le lieu est ouvert (`apres` lui-même s'il
    /// est déjà ouvert) ; `None` si le lieu ne rouvre pas dans les [`HORIZON_JOURS`] jours.
    pub fn prochaine_ouverture(&self, apres: NaiveDateTime) -> Option<NaiveDateTime> {
        if !(PREMIER_JOUR..=DERNIER_JOUR).contains(&apres.date()) {
            return None;
        }
        let limite = NaiveDateTime::new(DERNIER_JOUR.succ_opt()?, chrono::NaiveTime::MIN);
        let fin = apres
            .checked_add_signed(Duration::days(HORIZON_JOURS))
            .map_or(limite, |f| f.min(limite));
        protege(|| {
            self.interne
                .oh
                .iter_range(apres, fin)
                .find(|p| p.kind == RuleKind::Open)
                .map(|p| p.range.start)
        })
        .flatten()
    }

    /// Description en français, une ligne par groupe de jours, par exemple
    /// `["Du lundi au vendredi : de 9 h à 12 h et de 14 h à 17 h 30", "Samedi : de 9 h à 12 h",
    /// "Fermé les jours fériés"]`. Les jours fermés ne sont pas cités.
    ///
    /// Ce que la description ne rend pas fidèlement (mois, semaines, années, lever du soleil,
    /// vacances scolaires, répétitions…) est rendu tel quel, en une ligne préfixée par
    /// [`PREFIXE_BRUT`], plutôt que par une phrase fausse.
    pub fn en_mots(&self) -> Vec<String> {
        protege(|| self.decrire())
            .flatten()
            .unwrap_or_else(|| vec![format!("{PREFIXE_BRUT}{}", self.texte())])
    }

    fn decrire(&self) -> Option<Vec<String>> {
        let i = &*self.interne;
        let forme = i.forme;
        if !forme.hebdomadaire || forme.vacances || forme.a_part {
            return None;
        }
        // La semaine décrite est celle qu'évalue le crate : les règles qui se recouvrent
        // (`Mo-Fr 9:00-17:00; We 9:00-12:00`) sont ainsi rendues selon leur vrai sens.
        let semaine: Vec<Vec<Plage>> = (0..7)
            .map(|j| plages_du_jour(&i.oh, LUNDI_REFERENCE + Duration::days(j)))
            .collect();
        let mut lignes = decrire_semaine(&semaine)?;
        if forme.feries {
            let feries = plages_feriees(i)?;
            let premier = &feries[0];
            if feries.iter().any(|f| f != premier) {
                return None;
            }
            if premier.is_empty() {
                if lignes.is_empty() {
                    lignes.push("Fermé".to_string());
                } else {
                    lignes.push("Fermé les jours fériés".to_string());
                }
            } else if lignes.is_empty() {
                lignes.push(format!(
                    "Jours fériés uniquement : {}",
                    decrire_plages(premier)
                ));
            } else {
                lignes.push(format!("Jours fériés : {}", decrire_plages(premier)));
            }
        } else if lignes.is_empty() {
            lignes.push("Fermé".to_string());
        }
        Some(lignes)
    }
}

/// Table hebdomadaire des plages ouvertes, calculée par le crate sur une semaine ordinaire.
fn table_hebdomadaire(oh: &OpeningHours, forme: Forme) -> Option<Semaine> {
    let contexte = oh.get_context();
    let veille = LUNDI_REFERENCE.pred_opt()?;
    if forme.feries
        && (0..7)
            .map(|j| LUNDI_REFERENCE + Duration::days(j))
            .chain([veille])
            .any(|d| jour_special(contexte, d))
    {
        return None;
    }
    let jour = |j: i64| -> Box<[(u16, u16)]> {
        plages_du_jour(oh, LUNDI_REFERENCE + Duration::days(j))
            .into_iter()
            .filter(|p| p.etat == RuleKind::Open)
            .map(|p| (p.debut, p.fin))
            .collect()
    };
    Some([
        jour(0),
        jour(1),
        jour(2),
        jour(3),
        jour(4),
        jour(5),
        jour(6),
    ])
}

/// Plages d'un jour férié tombant chaque jour de la semaine (du lundi au dimanche), veille
/// ordinaire : le 14 juillet d'années choisies dans la base des jours fériés.
fn plages_feriees(i: &Interne) -> Option<Vec<Vec<Plage>>> {
    let contexte = i.oh.get_context();
    let mut par_jour: [Option<Vec<Plage>>; 7] = Default::default();
    for annee in 2001..=2030 {
        let date = NaiveDate::from_ymd_opt(annee, 7, 14)?;
        let j = date.weekday().num_days_from_monday() as usize;
        if par_jour[j].is_none()
            && jour_special(contexte, date)
            && !jour_special(contexte, date.pred_opt()?)
        {
            par_jour[j] = Some(plages_du_jour(&i.oh, date));
        }
    }
    par_jour.into_iter().collect()
}

// --
// -- Mise en mots
// --

fn decrire_semaine(semaine: &[Vec<Plage>]) -> Option<Vec<String>> {
    // Groupes de jours aux plages identiques, dans l'ordre de leur premier jour.
    let mut groupes: Vec<(Vec<usize>, &Vec<Plage>)> = Vec::new();
    for (j, plages) in semaine.iter().enumerate() {
        if plages.is_empty() {
            continue;
        }
        match groupes.iter_mut().find(|(_, p)| *p == plages) {
            Some((jours, _)) => jours.push(j),
            None => groupes.push((vec![j], plages)),
        }
    }
    if groupes.len() == 1 && groupes[0].0.len() == 7 {
        let plages = groupes[0].1;
        if plages.len() == 1
            && plages[0].debut == 0
            && plages[0].fin == 24 * 60
            && plages[0].etat == RuleKind::Open
            && plages[0].commentaire.is_empty()
        {
            return Some(vec!["Ouvert 24 h/24, 7 j/7".to_string()]);
        }
    }
    Some(
        groupes
            .into_iter()
            .map(|(jours, plages)| format!("{} : {}", nommer_jours(&jours), decrire_plages(plages)))
            .collect(),
    )
}

/// « Lundi », « Lundi et mardi », « Du lundi au vendredi », « Lundi, mercredi et vendredi »,
/// « Tous les jours »…
fn nommer_jours(jours: &[usize]) -> String {
    if jours.len() == 7 {
        return "Tous les jours".to_string();
    }
    let mut segments: Vec<(usize, usize)> = Vec::new();
    for &j in jours {
        match segments.last_mut() {
            Some((_, fin)) if *fin + 1 == j => *fin = j,
            _ => segments.push((j, j)),
        }
    }
    let mut morceaux: Vec<String> = Vec::new();
    for (debut, fin) in segments {
        if fin >= debut + 2 {
            morceaux.push(format!("du {} au {}", JOURS[debut], JOURS[fin]));
        } else {
            morceaux.extend((debut..=fin).map(|j| JOURS[j].to_string()));
        }
    }
    majuscule(&joindre(&morceaux))
}

fn decrire_plages(plages: &[Plage]) -> String {
    if let [p] = plages {
        if p.debut == 0 && p.fin == 24 * 60 {
            return match (p.etat, p.commentaire.is_empty()) {
                (RuleKind::Open, true) => "24 h/24".to_string(),
                (RuleKind::Open, false) => format!("24 h/24 ({})", p.commentaire),
                (RuleKind::Unknown, true) => "ouverture non garantie".to_string(),
                (RuleKind::Unknown, false) => p.commentaire.to_string(),
                (RuleKind::Closed, _) => format!("fermé ({})", p.commentaire),
            };
        }
    }
    let morceaux: Vec<String> = plages
        .iter()
        .map(|p| {
            let base = format!("de {} à {}", heure(p.debut), heure(p.fin));
            let note = if p.commentaire.is_empty() {
                String::new()
            } else {
                format!(" ({})", p.commentaire)
            };
            match p.etat {
                RuleKind::Open => format!("{base}{note}"),
                RuleKind::Unknown if note.is_empty() => {
                    format!("{base} (ouverture non garantie)")
                }
                RuleKind::Unknown => format!("{base}{note}"),
                RuleKind::Closed => format!("fermé {base}{note}"),
            }
        })
        .collect();
    joindre(&morceaux)
}

/// « 9 h », « 17 h 30 », « 9 h 05 », « minuit ».
fn heure(minutes: u16) -> String {
    if minutes == 0 || minutes == 24 * 60 {
        return "minuit".to_string();
    }
    let (h, m) = (minutes / 60, minutes % 60);
    if m == 0 {
        format!("{h} h")
    } else {
        format!("{h} h {m:02}")
    }
}

/// « a », « a et b », « a, b et c ».
fn joindre(morceaux: &[String]) -> String {
    match morceaux {
        [] => String::new(),
        [seul] => seul.clone(),
        [debut @ .., dernier] => format!("{} et {dernier}", debut.join(", ")),
    }
}

fn majuscule(texte: &str) -> String {
    let mut car = texte.chars();
    match car.next() {
        Some(premier) => premier.to_uppercase().chain(car).collect(),
        None => String::new(),
    }
}

// --
// -- Fuseau horaire
// --

/// Fuseau horaire IANA d'un lieu français d'après son code postal : `Europe/Paris` pour la
/// métropole et la Corse, le fuseau du territoire pour les outre-mer (971 à 988, ainsi que les
/// préfixes 977 et 978 des codes officiels de Saint-Barthélemy et Saint-Martin), `Europe/Monaco`
/// pour 980. Un code inconnu ou mal formé donne `Europe/Paris`.
///
/// Limite : la Polynésie compte trois fuseaux (Marquises, Gambier) ; tout 987 est lu à l'heure de
/// Tahiti.
pub fn fuseau_horaire(code_postal: &str) -> &'static str {
    let chiffres: String = code_postal
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(5)
        .collect();
    match chiffres.as_str() {
        // Saint-Barthélemy et Saint-Martin ont des codes postaux en 971.
        "97133" => return "America/St_Barthelemy",
        "97150" => return "America/Marigot",
        _ => {}
    }
    match chiffres.get(..3).unwrap_or_default() {
        "971" => "America/Guadeloupe",
        "972" => "America/Martinique",
        "973" => "America/Cayenne",
        "974" => "Indian/Reunion",
        "975" => "America/Miquelon",
        "976" => "Indian/Mayotte",
        "977" => "America/St_Barthelemy",
        "978" => "America/Marigot",
        "980" => "Europe/Monaco",
        "986" => "Pacific/Wallis",
        "987" => "Pacific/Tahiti",
        "988" => "Pacific/Noumea",
        _ => "Europe/Paris",
    }
}
