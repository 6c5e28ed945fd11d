//! Horaires OpenStreetMap : toutes les valeurs réelles des jeux de lieux, états ouvert/fermé à des
//! instants choisis, concordance avec le crate `opening-hours` (la référence), description en
//! français, entrées hostiles.

use std::path::PathBuf;
use std::time::Instant;

use chrono::{Duration, NaiveDateTime};
use opening_hours::localization::Country;
use opening_hours::{Context, OpeningHours};
use proptest::prelude::*;
use reperes_domain::horaires::{fuseau_horaire, ErreurHoraires, Horaires, Position};

fn dossier_lieux() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../donnees/lieux")
}

/// Toutes les valeurs non vides du champ `horaires` des jeux JSON et CSV, avec leur fichier.
pub(crate) fn valeurs_reelles() -> Vec<(String, String)> {
    let mut fichiers: Vec<PathBuf> = std::fs::read_dir(dossier_lieux())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    fichiers.sort();
    let mut valeurs = Vec::new();
    for f in fichiers {
        let nom = f.file_name().unwrap().to_string_lossy().into_owned();
        match f.extension().and_then(|e| e.to_str()) {
            Some("json") => {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
                for lieu in v.as_array().unwrap() {
                    if let Some(h) = lieu.get("horaires").and_then(|h| h.as_str()) {
                        if !h.trim().is_empty() {
                            valeurs.push((nom.clone(), h.to_string()));
                        }
                    }
                }
            }
            Some("csv") => {
                let mut r = csv::Reader::from_path(&f).unwrap();
                let entetes = r.headers().unwrap().clone();
                let Some(i) = entetes.iter().position(|e| e == "horaires") else {
                    continue;
                };
                for l in r.records() {
                    let l = l.unwrap();
                    if let Some(h) = l.get(i).filter(|h| !h.trim().is_empty()) {
                        valeurs.push((nom.clone(), h.to_string()));
                    }
                }
            }
            _ => {}
        }
    }
    valeurs
}

fn t(texte: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(texte, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(texte, "%Y-%m-%d %H:%M"))
        .unwrap()
}

fn h(texte: &str) -> Horaires {
    Horaires::analyser(texte).unwrap_or_else(|e| panic!("{texte:?} : {e}"))
}

/// La référence : le crate, avec les jours fériés français.
fn reference(texte: &str) -> OpeningHours {
    texte
        .trim()
        .parse::<OpeningHours>()
        .unwrap()
        .with_context(Context::default().with_holidays(Country::FR.holidays()))
}

const EXEMPLE: &str = "Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00; PH off";

// --
// -- Données réelles
// --

#[test]
fn toutes_les_valeurs_reelles_se_lisent_ou_donnent_une_erreur_en_francais() {
    let valeurs = valeurs_reelles();
    assert_eq!(valeurs.len(), 142, "valeurs `horaires` non vides des jeux");
    let mut lues = 0;
    let mut erreurs = Vec::new();
    for (fichier, v) in &valeurs {
        match Horaires::analyser(v) {
            Ok(horaires) => {
                lues += 1;
                assert!(!horaires.en_mots().is_empty());
            }
            Err(e) => {
                let message = e.to_string();
                assert!(
                    message.starts_with("horaires "),
                    "{fichier} : {v:?} → {message}"
                );
                erreurs.push(format!("{fichier} : {v:?} → {message}"));
            }
        }
    }
    println!("{lues} valeurs lues sur {}", valeurs.len());
    for e in &erreurs {
        println!("{e}");
    }
    assert_eq!(
        lues, 142,
        "toutes les valeurs réelles se lisent : {erreurs:#?}"
    );
    // Toutes décrites en français, aucune rendue brute.
    for (_, v) in &valeurs {
        let mots = h(v).en_mots();
        assert!(
            !mots[0].starts_with("Horaires (format OpenStreetMap)"),
            "{v:?} → {mots:?}"
        );
    }
}

/// La table hebdomadaire (raccourci) donne le même état que le crate, minute après minute,
/// pour toutes les valeurs réelles et des formes plus rares, y compris autour des jours fériés.
#[test]
fn est_ouvert_concorde_avec_le_crate() {
    let mut textes: Vec<String> = valeurs_reelles().into_iter().map(|(_, v)| v).collect();
    textes.sort();
    textes.dedup();
    for extra in [
        EXEMPLE,
        "24/7",
        "24/7; PH off",
        "off",
        "Fr 22:00-02:00",
        "Mo-Su 20:00-26:00; PH off",
        "PH 10:00-12:00",
        "Mo-Fr 09:00-17:00; PH,Sa 10:00-12:00",
        "Mo-Fr 09:00-17:00, PH off",
        "Mo-Fr 09:00-17:00 || PH 10:00-11:00",
        "Mo-Fr 09:00-12:00 unknown; Sa 10:00-11:00",
        "Mo-Fr 09:00-17:00; SH off",
        "Mo-Fr 09:00-17:00; PH -1 day off",
        "Jul-Aug Mo-Fr 10:00-12:00; PH off",
        "Mo[1] 09:00-12:00",
        "sunrise-sunset",
        "week 01-53/2 Mo 10:00-12:00",
        "\"sur rendez-vous\"",
        "Mo-Fr 17:00+",
        "Mo-Fr 10:00-16:00/01:00",
    ] {
        textes.push(extra.to_string());
    }
    // Deux semaines autour du 14 juillet 2025 (lundi), Noël et le jour de l'an, l'Ascension.
    let periodes = [
        (t("2025-07-06 00:00"), 16),
        (t("2025-12-22 00:00"), 14),
        (t("2026-05-12 00:00"), 6),
    ];
    let mut comparaisons = 0;
    for texte in &textes {
        let horaires = h(texte);
        let crate_ = reference(texte);
        for (debut, jours) in periodes {
            let mut quand = debut;
            while quand < debut + Duration::days(jours) {
                assert_eq!(
                    horaires.est_ouvert(quand),
                    crate_.is_open(quand),
                    "{texte:?} à {quand}"
                );
                comparaisons += 1;
                quand += Duration::minutes(7);
            }
        }
    }
    println!("{comparaisons} comparaisons avec le crate");
}

// --
// -- Ouvert ou fermé
// --

#[test]
fn bornes_des_jours_et_pause_de_midi() {
    let oh = h(EXEMPLE);
    // Lundi 10 mars 2025.
    for (quand, ouvert) in [
        ("2025-03-10 08:59:59", false),
        ("2025-03-10 09:00", true),
        ("2025-03-10 11:59:59", true),
        ("2025-03-10 12:00", false),
        ("2025-03-10 13:59", false),
        ("2025-03-10 14:00", true),
        ("2025-03-10 17:29", true),
        ("2025-03-10 17:30", false),
        ("2025-03-10 23:59", false),
        // Vendredi, samedi matin, dimanche.
        ("2025-03-14 17:00", true),
        ("2025-03-15 09:00", true),
        ("2025-03-15 11:59", true),
        ("2025-03-15 12:00", false),
        ("2025-03-15 14:30", false),
        ("2025-03-16 10:00", false),
        ("2025-03-17 00:00", false),
    ] {
        assert_eq!(oh.est_ouvert(t(quand)), ouvert, "{quand}");
    }
}

#[test]
fn jours_feries_francais() {
    let oh = h(EXEMPLE);
    // 14 juillet 2025 (lundi), 25 décembre 2025 (jeudi), lundi de Pentecôte 9 juin 2025.
    assert!(!oh.est_ouvert(t("2025-07-14 10:00")));
    assert!(oh.est_ouvert(t("2025-07-15 10:00")));
    assert!(!oh.est_ouvert(t("2025-12-25 10:00")));
    assert!(oh.est_ouvert(t("2025-12-26 10:00")));
    assert!(!oh.est_ouvert(t("2025-06-09 10:00")));
    // Fériés seulement en Alsace-Moselle ou outre-mer : absents de la base, `PH` ne s'y applique
    // pas (Vendredi saint 18 avril 2025, abolition de l'esclavage en Martinique le 22 mai 2025).
    assert!(oh.est_ouvert(t("2025-04-18 10:00")));
    assert!(oh.est_ouvert(t("2025-05-22 10:00")));
    // Hors de la base (2000 à 2076) : aucun jour férié connu.
    assert!(oh.est_ouvert(t("2080-07-15 10:00")));
    // Vacances scolaires inconnues : `SH off` ne ferme jamais.
    let sh = h("Mo-Fr 09:00-17:00; SH off");
    assert!(sh.est_ouvert(t("2025-08-04 10:00")));
    // Un jour férié peut aussi ouvrir.
    let ph = h("Mo-Fr 09:00-17:00; PH 10:00-12:00");
    assert!(ph.est_ouvert(t("2025-07-14 11:00")));
    assert!(!ph.est_ouvert(t("2025-07-14 09:30")));
    assert!(ph.est_ouvert(t("2025-07-15 09:30")));
}

#[test]
fn regles_qui_se_recouvrent_et_nuits() {
    // La seconde règle remplace la première pour le mardi (sens OpenStreetMap).
    let oh = h("Mo-Fr 08:45-12:00,13:30-16:15; Tu 09:00-16:15,13:30-16:15");
    assert!(oh.est_ouvert(t("2025-03-10 08:50")));
    assert!(!oh.est_ouvert(t("2025-03-11 08:50")));
    assert!(oh.est_ouvert(t("2025-03-11 12:30")));
    assert!(!oh.est_ouvert(t("2025-03-10 12:30")));
    // « Th off » ferme le jeudi.
    let oh = h("Tu-Fr 10:00-12:30,15:00-18:00; Sa 10:00-12:30; Th off");
    assert!(!oh.est_ouvert(t("2025-03-13 10:30")));
    assert!(oh.est_ouvert(t("2025-03-12 10:30")));
    // Une plage qui passe minuit déborde sur le lendemain.
    let oh = h("Fr 22:00-02:00");
    assert!(oh.est_ouvert(t("2025-03-14 23:00")));
    assert!(oh.est_ouvert(t("2025-03-15 01:59")));
    assert!(!oh.est_ouvert(t("2025-03-15 02:00")));
    assert!(!oh.est_ouvert(t("2025-03-14 21:59")));
    // Toujours, jamais, incertain.
    assert!(h("24/7").est_ouvert(t("2025-07-14 03:00")));
    assert!(!h("off").est_ouvert(t("2025-03-10 10:00")));
    let incertain = h("Mo-Fr 09:00-12:00 unknown");
    assert!(!incertain.est_ouvert(t("2025-03-10 10:00")));
    // Dates hors du domaine du crate.
    let toujours = h("24/7");
    assert!(!toujours.est_ouvert(t("1800-01-01 10:00")));
    assert!(!toujours.est_ouvert(NaiveDateTime::MAX));
    assert!(!toujours.est_ouvert(NaiveDateTime::MIN));
    assert!(toujours.est_ouvert(t("9999-06-01 10:00")));
}

#[test]
fn prochaine_ouverture() {
    let oh = h(EXEMPLE);
    // Samedi midi et demi → lundi 9 h.
    assert_eq!(
        oh.prochaine_ouverture(t("2025-03-15 12:30")),
        Some(t("2025-03-17 09:00"))
    );
    // Pause de midi → 14 h.
    assert_eq!(
        oh.prochaine_ouverture(t("2025-03-14 12:10")),
        Some(t("2025-03-14 14:00"))
    );
    // Déjà ouvert → l'instant même.
    assert_eq!(
        oh.prochaine_ouverture(t("2025-03-14 10:10")),
        Some(t("2025-03-14 10:10"))
    );
    // Dimanche 13 juillet 2025 : le lundi 14 est férié → mardi 15.
    assert_eq!(
        oh.prochaine_ouverture(t("2025-07-13 10:00")),
        Some(t("2025-07-15 09:00"))
    );
    assert_eq!(h("off").prochaine_ouverture(t("2025-03-15 12:30")), None);
    // Ouverture annuelle : trouvée dans l'horizon d'un an.
    assert_eq!(
        h("Jan 02 10:00-12:00").prochaine_ouverture(t("2025-03-15 12:30")),
        Some(t("2026-01-02 10:00"))
    );
    assert_eq!(oh.prochaine_ouverture(NaiveDateTime::MAX), None);
    assert_eq!(oh.prochaine_ouverture(NaiveDateTime::MIN), None);
    assert_eq!(
        h("24/7").prochaine_ouverture(t("9999-12-30 10:00")),
        Some(t("9999-12-30 10:00"))
    );
}

// --
// -- En mots
// --

fn mots(texte: &str) -> Vec<String> {
    h(texte).en_mots()
}

#[test]
fn en_mots_exemple_de_la_consigne() {
    assert_eq!(
        mots(EXEMPLE),
        [
            "Du lundi au vendredi : de 9 h à 12 h et de 14 h à 17 h 30",
            "Samedi : de 9 h à 12 h",
            "Fermé les jours fériés",
        ]
    );
}

#[test]
fn en_mots_valeurs_reelles() {
    let cas: &[(&str, &[&str])] = &[
        (
            "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00",
            &[
                "Du lundi au vendredi : de 9 h à 12 h et de 14 h à 18 h 30",
                "Samedi : de 8 h 30 à 12 h",
            ],
        ),
        (
            "Mo-Th 08:00-12:00,14:00-17:00; Fr 08:00-12:00,14:00-16:30",
            &[
                "Du lundi au jeudi : de 8 h à 12 h et de 14 h à 17 h",
                "Vendredi : de 8 h à 12 h et de 14 h à 16 h 30",
            ],
        ),
        ("We 09:00-12:00", &["Mercredi : de 9 h à 12 h"]),
        (
            "Mo-Fr 07:30-11:30,12:15-16:00",
            &["Du lundi au vendredi : de 7 h 30 à 11 h 30 et de 12 h 15 à 16 h"],
        ),
        // Le mardi remplacé par la seconde règle.
        (
            "Mo-Fr 08:45-12:00,13:30-16:15; Tu 09:00-16:15,13:30-16:15",
            &[
                "Lundi et du mercredi au vendredi : de 8 h 45 à 12 h et de 13 h 30 à 16 h 15",
                "Mardi : de 9 h à 16 h 15",
            ],
        ),
        (
            "Mo-Sa 08:00-11:00; Tu,Th 13:00-17:00; We 08:00-11:00,13:00-17:00",
            &[
                "Lundi, vendredi et samedi : de 8 h à 11 h",
                "Mardi et jeudi : de 13 h à 17 h",
                "Mercredi : de 8 h à 11 h et de 13 h à 17 h",
            ],
        ),
        (
            "Tu-Fr 10:00-12:30,15:00-18:00; Sa 10:00-12:30; Th off",
            &[
                "Mardi, mercredi et vendredi : de 10 h à 12 h 30 et de 15 h à 18 h",
                "Samedi : de 10 h à 12 h 30",
            ],
        ),
        // Plages qui se chevauchent : fusionnées.
        (
            "Mo 09:00-12:00,14:00-18:00;Tu 09:00-12:00,09:00-18:00;We 09:00-12:00,14:00-18:00;Th 09:00-12:00,14:00-18:00;Fr 09:00-12:00,14:00-18:00",
            &[
                "Lundi et du mercredi au vendredi : de 9 h à 12 h et de 14 h à 18 h",
                "Mardi : de 9 h à 18 h",
            ],
        ),
        (
            "Tu-Fr 09:00-12:00,14:00-17:00; Mo 09:00-12:00,14:00-16:00",
            &[
                "Lundi : de 9 h à 12 h et de 14 h à 16 h",
                "Du mardi au vendredi : de 9 h à 12 h et de 14 h à 17 h",
            ],
        ),
        (
            "Mo-Fr 17:00-22:00; Sa 09:00-12:00,13:00-18:00; Su 09:00-12:00",
            &[
                "Du lundi au vendredi : de 17 h à 22 h",
                "Samedi : de 9 h à 12 h et de 13 h à 18 h",
                "Dimanche : de 9 h à 12 h",
            ],
        ),
        (
            "Mo,Fr 09:00-12:00; Tu 13:00-17:00",
            &[
                "Lundi et vendredi : de 9 h à 12 h",
                "Mardi : de 13 h à 17 h",
            ],
        ),
        (
            "Mo-Th 07:45-15:00; Fr 07:45-11:15",
            &[
                "Du lundi au jeudi : de 7 h 45 à 15 h",
                "Vendredi : de 7 h 45 à 11 h 15",
            ],
        ),
    ];
    let reelles: Vec<String> = valeurs_reelles().into_iter().map(|(_, v)| v).collect();
    for (texte, attendu) in cas {
        assert!(
            reelles.iter().any(|r| r == texte),
            "{texte:?} n'est plus dans les jeux"
        );
        assert_eq!(mots(texte), *attendu, "{texte:?}");
    }
}

#[test]
fn en_mots_formes_rares() {
    let cas: &[(&str, &[&str])] = &[
        ("24/7", &["Ouvert 24 h/24, 7 j/7"]),
        ("Mo-Su 10:00-18:00", &["Tous les jours : de 10 h à 18 h"]),
        (
            "Sa,Su 10:00-18:00",
            &["Samedi et dimanche : de 10 h à 18 h"],
        ),
        (
            "Sa-Mo 10:00-18:00",
            &["Lundi, samedi et dimanche : de 10 h à 18 h"],
        ),
        ("off", &["Fermé"]),
        ("PH off", &["Fermé"]),
        (
            "Mo-Fr 09:00-12:00; PH 10:00-11:00",
            &[
                "Du lundi au vendredi : de 9 h à 12 h",
                "Jours fériés : de 10 h à 11 h",
            ],
        ),
        (
            "PH 10:00-12:00",
            &["Jours fériés uniquement : de 10 h à 12 h"],
        ),
        (
            "Fr 22:00-02:00",
            &["Vendredi : de 22 h à minuit", "Samedi : de minuit à 2 h"],
        ),
        (
            "Mo-Fr 09:00-17:00 \"sur rendez-vous\"",
            &["Du lundi au vendredi : de 9 h à 17 h (sur rendez-vous)"],
        ),
        (
            "Mo-Fr 09:00-17:00 unknown",
            &["Du lundi au vendredi : de 9 h à 17 h (ouverture non garantie)"],
        ),
        (
            "Mo 09:05-12:00; Mo off \"travaux\"",
            &["Lundi : fermé (travaux)"],
        ),
        (
            "Mo-Su 00:00-24:00 \"accueil\"",
            &["Tous les jours : 24 h/24 (accueil)"],
        ),
        (
            "  Mo-Fr 09:00-12:00 ",
            &["Du lundi au vendredi : de 9 h à 12 h"],
        ),
    ];
    for (texte, attendu) in cas {
        assert_eq!(mots(texte), *attendu, "{texte:?}");
    }
    // Ce qui ne se dit pas sûrement : rendu brut plutôt que faux.
    for texte in [
        "Jul-Aug Mo-Fr 10:00-12:00",
        "week 01-53/2 Mo 10:00-12:00",
        "2025 Mo-Fr 09:00-12:00",
        "Mo[1] 09:00-12:00",
        "Mo-Fr 09:00-17:00; SH off",
        "Mo-Fr 09:00-17:00; PH -1 day off",
        "sunrise-sunset",
        "Mo-Fr 17:00+",
        "Mo-Fr 10:00-16:00/01:00",
        "\"sur rendez-vous\"",
        "Mo-Fr 09:00-17:00, PH 18:00-19:00",
    ] {
        assert_eq!(
            mots(texte),
            [format!("Horaires (format OpenStreetMap) : {texte}")],
            "{texte:?}"
        );
    }
}

// --
// -- Erreurs et entrées hostiles
// --

#[test]
fn erreurs_en_francais() {
    assert_eq!(Horaires::analyser(""), Err(ErreurHoraires::Vides));
    assert_eq!(Horaires::analyser(" \t "), Err(ErreurHoraires::Vides));
    assert_eq!(
        Horaires::analyser("").unwrap_err().to_string(),
        "horaires vides"
    );
    let e = Horaires::analyser("Mo-Fr 9h-12h").unwrap_err();
    assert_eq!(
        e.to_string(),
        "horaires illisibles (syntaxe OpenStreetMap opening_hours) : erreur au caractère 7, à « 9h-12h »"
    );
    assert!(matches!(
        e,
        ErreurHoraires::Illisibles {
            position: Some(Position {
                ligne: 1,
                colonne: 7
            }),
            ..
        }
    ));
    let e = Horaires::analyser("lundi au vendredi de 9 h à 12 h").unwrap_err();
    assert!(
        e.to_string().starts_with(
            "horaires illisibles (syntaxe OpenStreetMap opening_hours) : erreur au caractère "
        ),
        "{e}"
    );
    let e = Horaires::analyser("Mo-Fr 09:00-").unwrap_err();
    assert!(e.to_string().contains("texte incomplet"), "{e}");
    let e = Horaires::analyser("2030-2020 Mo 10:00-12:00").unwrap_err();
    assert!(e.to_string().contains("plage d'années à l'envers"), "{e}");
    let e = Horaires::analyser(&"Mo-Fr 09:00-12:00; ".repeat(200)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "horaires trop longs (3799 caractères, 2000 au plus)"
    );
}

/// Appelle tout ce qu'offre le type, à des instants variés : ne doit jamais paniquer.
fn exercer(texte: &str) {
    if let Ok(oh) = Horaires::analyser(texte) {
        for quand in [
            t("2025-07-14 10:00"),
            t("2025-03-10 00:00"),
            t("2000-01-01 00:00"),
            t("1900-01-01 00:00"),
            t("9999-12-31 23:59"),
            NaiveDateTime::MIN,
            NaiveDateTime::MAX,
        ] {
            oh.est_ouvert(quand);
            oh.prochaine_ouverture(quand);
        }
        assert!(!oh.en_mots().is_empty());
        let _ = format!("{oh:?} {oh}");
    } else if let Err(e) = Horaires::analyser(texte) {
        assert!(e.to_string().starts_with("horaires "));
    }
}

#[test]
fn entrees_hostiles() {
    let enorme = "Mo-Fr 09:00-12:00; ".repeat(100_000);
    let presque = "Mo 09:00-12:00; ".repeat(124) + "Mo 09:00-12:00";
    assert!(presque.chars().count() <= 2000);
    let hostiles = [
        "",
        " ",
        "\0",
        "\n",
        "\u{7}\u{1b}[31m",
        "Mo-Fr 09:00-12:00\nSa 10:00-11:00",
        "Mo-Fr 09:00-12:00\0",
        "😀",
        "Mo-Fr 09:00-12:00 \"😀 \u{202e}اختبار\"",
        "Mo-Fr 09:00-12:00 \"",
        "\u{feff}Mo-Fr 09:00-12:00",
        "24:00-24:00",
        "00:00-48:00",
        "Mo-Su 23:59-47:59",
        "Mo-Su 47:00-48:00",
        "Mo 12:00-11:00",
        "week 53",
        "week 00",
        "week 01-53/52",
        "week 54",
        "2010-2000",
        "1899 Mo",
        "9999-10000",
        "10000",
        "Mo[-5]",
        "Mo[6]",
        "Mo[0]",
        "Jan 31-Feb 30",
        "Feb 29",
        "Feb 30-Feb 31",
        "easter -366 days",
        "easter +32767 days",
        "PH +32767 days",
        "Mo +32767 days",
        "2024 Dec 31-2023 Jan 01",
        "Mo-Fr 09:00-12:00 ||",
        "|| Mo",
        ";;;",
        ";",
        ",",
        "24/7; 24/7; 24/7 off",
        "sunrise-sunset",
        "(sunrise-99:59)-(sunset+99:59)",
        "(sunrise+23:59)-(sunset-23:59)",
        "dusk-dawn",
        "10:00-16:00/00:00",
        "10:00-16:00/99:99",
        "10:00+",
        "24/7 closed \"jamais\"",
        "\"\"",
        "Mo-Fr 09:00-12:00 open unknown",
        "9999 Dec 31 23:00-48:00",
        "1900 Jan 01 00:00-24:00",
        &enorme,
        &presque,
        &"(".repeat(10_000),
        &"\"".repeat(3_000),
        &"Mo,".repeat(600),
    ];
    for texte in hostiles {
        exercer(texte);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// N'importe quelle chaîne.
    #[test]
    fn ne_panique_jamais(texte in "\\PC{0,60}") {
        exercer(&texte);
    }

    /// Des assemblages de jetons du format, qui se lisent souvent.
    #[test]
    fn ne_panique_jamais_sur_des_jetons(jetons in proptest::collection::vec(
        prop::sample::select(vec![
            "Mo", "Tu", "Fr", "Su", "-", " ", ":", ",", ";", "09:00", "12:00", "23:59", "24:00",
            "26:30", "47:59", "PH", "SH", "off", "open", "unknown", "week", "01", "53", "/", "2",
            "Jan", "Dec", "easter", "+", "(", ")", "sunrise", "sunset", "\"x\"", "[1]", "[-1]",
            "1 day", "-2 days", "24/7", " || ", "2024", "9999", "1900", "Mo-Fr 09:00-12:00",
        ]),
        0..14,
    )) {
        exercer(&jetons.concat());
    }
}

// --
// -- Divers
// --

#[test]
fn se_partage_entre_fils() {
    fn partageable<T: Send + Sync + Clone + 'static>() {}
    partageable::<Horaires>();
    let oh = h(EXEMPLE);
    let copie = oh.clone();
    let fil = std::thread::spawn(move || copie.est_ouvert(t("2025-03-10 10:00")));
    assert!(fil.join().unwrap());
    assert_eq!(oh.texte(), EXEMPLE);
    assert_eq!(
        oh,
        "  Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00; PH off "
            .parse()
            .unwrap()
    );
}

#[test]
fn fuseaux_horaires() {
    for (cp, fuseau) in [
        ("16100", "Europe/Paris"),
        ("75001", "Europe/Paris"),
        ("20000", "Europe/Paris"),
        ("20200", "Europe/Paris"),
        ("97110", "America/Guadeloupe"),
        ("97133", "America/St_Barthelemy"),
        ("97150", "America/Marigot"),
        ("97200", "America/Martinique"),
        ("97300", "America/Cayenne"),
        ("97400", "Indian/Reunion"),
        ("97500", "America/Miquelon"),
        ("97600", "Indian/Mayotte"),
        ("97700", "America/St_Barthelemy"),
        ("97800", "America/Marigot"),
        ("98000", "Europe/Monaco"),
        ("98600", "Pacific/Wallis"),
        ("98714", "Pacific/Tahiti"),
        ("98800", "Pacific/Noumea"),
        (" 98 800 ", "Pacific/Noumea"),
        ("", "Europe/Paris"),
        ("9", "Europe/Paris"),
        ("ébène", "Europe/Paris"),
    ] {
        assert_eq!(fuseau_horaire(cp), fuseau, "{cp:?}");
    }
}

/// Coût d'`est_ouvert` (indicatif : compiler en `--release` pour un chiffre utile).
#[test]
fn cout_de_est_ouvert() {
    let mut textes: Vec<String> = valeurs_reelles().into_iter().map(|(_, v)| v).collect();
    textes.push(EXEMPLE.to_string());
    let horaires: Vec<Horaires> = textes.iter().map(|v| h(v)).collect();
    let references: Vec<OpeningHours> = textes.iter().map(|v| reference(v)).collect();
    let depart = t("2025-03-10 00:00");
    let instants: Vec<NaiveDateTime> = (0..1000)
        .map(|i| depart + Duration::minutes(i * 37))
        .collect();
    let mesurer = |f: &dyn Fn(usize, NaiveDateTime) -> bool| {
        let debut = Instant::now();
        let mut ouverts = 0usize;
        for (i, _) in textes.iter().enumerate() {
            for &q in &instants {
                ouverts += usize::from(f(i, q));
            }
        }
        (
            debut.elapsed().as_nanos() as f64 / (textes.len() * instants.len()) as f64,
            ouverts,
        )
    };
    let (rapide, n1) = mesurer(&|i, q| horaires[i].est_ouvert(q));
    let (crate_, n2) = mesurer(&|i, q| references[i].is_open(q));
    assert_eq!(n1, n2);
    // Chemin lent : les mêmes horaires suivis de « PH off », un jour férié (14 juillet 2025),
    // évalués par le crate.
    let avec_feries: Vec<Horaires> = textes.iter().map(|v| h(&format!("{v}; PH off"))).collect();
    let ferie = t("2025-07-14 10:00");
    let debut = Instant::now();
    for oh in &avec_feries {
        for i in 0..100 {
            assert!(!std::hint::black_box(
                oh.est_ouvert(ferie + Duration::minutes(i))
            ));
        }
    }
    let lent = debut.elapsed().as_nanos() as f64 / (avec_feries.len() * 100) as f64;
    println!(
        "est_ouvert : {rapide:.0} ns (table), {lent:.0} ns (jour férié, crate) ; crate seul : {crate_:.0} ns"
    );
}
