//! Échéances : rappels de fin de validité dus (J-90, J-30, rattrapage, pas de doublon, pas si un
//! renouvellement est déposé) et retard d'instruction (attentes de complément déduites), à dates
//! fixes, attendus écrits à la main. Réglages des référentiels du dépôt et leur validation.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use reperes_domain::echeances::{
    attentes_complement, delai_en_cours, jours_d_instruction, rappel_du, retard, Attente, Geste,
};
use reperes_domain::{charger, Etat};

use crate::commun;

fn j(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn t(s: &str) -> DateTime<Utc> {
    let d = j(s).and_hms_opt(10, 30, 0).unwrap();
    Utc.from_utc_datetime(&d)
}

const RAPPELS: [u32; 2] = [90, 30];
/// Fin de validité de tous les cas : le 30 juin 2027. J-90 = 1er avril, J-30 = 31 mai.
const FIN: &str = "2027-06-30";

fn du(aujourd_hui: &str, envoyes: &[u32]) -> Option<u32> {
    rappel_du(j(FIN), j(aujourd_hui), &RAPPELS, envoyes, false)
}

#[test]
fn rappel_de_90_jours_le_jour_j_moins_90_et_pas_avant() {
    assert_eq!(du("2027-03-31", &[]), None, "J-91 : trop tôt");
    assert_eq!(du("2027-04-01", &[]), Some(90), "J-90");
}

#[test]
fn rappel_de_30_jours_le_jour_j_moins_30() {
    assert_eq!(du("2027-05-30", &[90]), None, "J-31, 90 déjà envoyé");
    assert_eq!(du("2027-05-31", &[90]), Some(30), "J-30");
    assert_eq!(
        du("2027-06-30", &[90]),
        Some(30),
        "dernier jour de validité"
    );
}

#[test]
fn pas_de_doublon() {
    assert_eq!(du("2027-04-01", &[90]), None);
    assert_eq!(du("2027-04-15", &[90]), None);
    assert_eq!(du("2027-05-31", &[90, 30]), None);
    assert_eq!(du("2027-06-20", &[30]), None);
}

#[test]
fn rattrapage_du_rappel_manque() {
    // Serveur arrêté le 1er avril : à J-85 (6 avril), le rappel de 90 part.
    assert_eq!(du("2027-04-06", &[]), Some(90));
    // Arrêté jusque sous les 30 jours : seul le rappel de 30 part, jamais celui de 90.
    assert_eq!(du("2027-06-10", &[]), Some(30));
    assert_eq!(du("2027-06-11", &[30]), None);
}

#[test]
fn ni_apres_la_fin_ni_si_un_renouvellement_est_depose() {
    assert_eq!(
        du("2027-07-01", &[]),
        None,
        "validité passée : le titre expire"
    );
    assert_eq!(
        rappel_du(j(FIN), j("2027-04-01"), &RAPPELS, &[], true),
        None
    );
    assert_eq!(
        rappel_du(j(FIN), j("2027-06-01"), &RAPPELS, &[90], true),
        None
    );
}

#[test]
fn sans_reglage_aucun_rappel_et_ordre_indifferent() {
    assert_eq!(rappel_du(j(FIN), j("2027-06-29"), &[], &[], false), None);
    assert_eq!(
        rappel_du(j(FIN), j("2027-06-10"), &[30, 90], &[], false),
        Some(30)
    );
    assert_eq!(
        rappel_du(j(FIN), j("2027-06-25"), &[90, 30, 7], &[90, 30], false),
        Some(7)
    );
}

#[test]
fn attentes_lues_dans_les_gestes() {
    let gestes = [
        (t("2027-01-04"), Geste::Depot),
        (t("2027-01-20"), Geste::DemandeComplement),
        (t("2027-02-03"), Geste::Depot),
        (t("2027-03-01"), Geste::DemandeComplement),
    ];
    assert_eq!(
        attentes_complement(&gestes),
        vec![
            Attente {
                du: j("2027-01-20"),
                au: Some(j("2027-02-03"))
            },
            Attente {
                du: j("2027-03-01"),
                au: None
            },
        ]
    );
    assert!(attentes_complement(&[(t("2027-01-04"), Geste::Depot)]).is_empty());
}

#[test]
fn jours_d_instruction_sans_les_attentes() {
    let depot = j("2027-01-04");
    // 4 janvier → 5 mars : 27 + 28 + 5 = 60 jours.
    assert_eq!(jours_d_instruction(depot, j("2027-03-05"), &[]), 60);
    // Complément demandé le 20 janvier, reçu le 3 février : 14 jours d'attente.
    let close = [Attente {
        du: j("2027-01-20"),
        au: Some(j("2027-02-03")),
    }];
    assert_eq!(jours_d_instruction(depot, j("2027-03-05"), &close), 46);
    // Attente en cours depuis le 1er mars : les 4 derniers jours ne comptent pas.
    let en_cours = [
        close[0],
        Attente {
            du: j("2027-03-01"),
            au: None,
        },
    ];
    assert_eq!(jours_d_instruction(depot, j("2027-03-05"), &en_cours), 42);
    // Attentes qui se chevauchent : chaque jour compté une fois (20 janvier → 10 février : 21).
    let chevauchees = [
        close[0],
        Attente {
            du: j("2027-01-25"),
            au: Some(j("2027-02-10")),
        },
    ];
    assert_eq!(
        jours_d_instruction(depot, j("2027-03-05"), &chevauchees),
        39
    );
    assert_eq!(jours_d_instruction(depot, depot, &[]), 0);
}

#[test]
fn retard_au_dela_du_delai() {
    let depot = j("2027-01-04");
    assert_eq!(
        retard(depot, j("2027-03-05"), &[], 60),
        None,
        "60 jours : dans le délai"
    );
    assert_eq!(retard(depot, j("2027-03-06"), &[], 60), Some(1));
    assert_eq!(retard(depot, j("2027-04-04"), &[], 60), Some(30));
    // Le même jour, 14 jours d'attente de complément : 16 jours de retard au lieu de 30.
    let attente = [Attente {
        du: j("2027-01-20"),
        au: Some(j("2027-02-03")),
    }];
    assert_eq!(retard(depot, j("2027-04-04"), &attente, 60), Some(16));
    assert_eq!(retard(depot, j("2027-03-19"), &attente, 60), None);
}

#[test]
fn seuls_les_dossiers_en_cours_d_instruction_ont_un_delai() {
    for e in [
        Etat::Depose,
        Etat::EnInstruction,
        Etat::ComplementDemande,
        Etat::Accompagnement,
    ] {
        assert!(delai_en_cours(e), "{e:?}");
    }
    for e in [
        Etat::Brouillon,
        Etat::Labellise,
        Etat::Refuse,
        Etat::ClasseSansSuite,
        Etat::Retire,
        Etat::Expire,
    ] {
        assert!(!delai_en_cours(e), "{e:?}");
    }
}

#[test]
fn reglages_des_referentiels_du_depot() {
    let c = charger(&commun::fichiers()).unwrap();
    for r in c.referentiels.iter().filter(|r| {
        [
            "nec-2021",
            "nec-2022",
            "numerique-inclusif-2019",
            "charte-territoire-actions",
        ]
        .contains(&r.id.as_str())
    }) {
        assert_eq!(r.labellisation.rappels_jours, vec![90, 30], "{}", r.id);
        assert_eq!(r.delai_instruction(), Some(60), "{}", r.id);
        let i = r.instruction.as_ref().unwrap();
        assert_eq!(
            i.delai_jours, None,
            "aucun texte ne fixe de délai : {}",
            r.id
        );
    }
}

/// Remplace `avant` par `apres` dans un fichier du dépôt et rend le premier message d'erreur.
fn erreur(fichier: &str, avant: &str, apres: &str) -> String {
    let mut fichiers = commun::fichiers();
    let f = fichiers.iter_mut().find(|(n, _)| n == fichier).unwrap();
    assert!(f.1.contains(avant), "motif absent de {fichier} : {avant}");
    f.1 = f.1.replacen(avant, apres, 1);
    let e = charger(&fichiers)
        .expect_err("le fichier cassé doit être refusé")
        .0;
    assert_eq!(e.len(), 1, "{e:#?}");
    format!(
        "{} : {}",
        e[0].chemin.clone().unwrap_or_default(),
        e[0].message
    )
}

#[test]
fn reglages_invalides_refuses_avec_un_message_clair() {
    let f = "label-nec-2022.toml";
    let m = erreur(f, "rappels_jours = [90, 30]", "rappels_jours = [90, 0]");
    assert_eq!(
        m,
        "labellisation.rappels_jours[1] : un rappel se compte en jours avant la fin de validité : au moins 1"
    );
    let m = erreur(f, "rappels_jours = [90, 30]", "rappels_jours = [90, 90]");
    assert_eq!(
        m,
        "labellisation.rappels_jours[1] : rappel à 90 jours en double"
    );
    let m = erreur(f, "rappels_jours = [90, 30]", "rappels_jours = [1100, 30]");
    assert_eq!(
        m,
        "labellisation.rappels_jours[0] : rappel 1100 jours avant la fin : plus long que la durée de validité (36 mois)"
    );
    let m = erreur(
        f,
        "delai_instruction_jours = 60",
        "delai_instruction_jours = 0",
    );
    assert_eq!(
        m,
        "instruction.delai_instruction_jours : le délai d'instruction doit être d'au moins 1 jour"
    );
    let m = erreur(
        f,
        "delai_instruction_jours = 60",
        "delai_instruction_jours = 60\ndelai_jours = 45",
    );
    assert_eq!(
        m,
        "instruction.delai_instruction_jours : délai d'instruction de 60 jours : plus long que le délai fixé par le texte (`delai_jours` = 45)"
    );
    // Un nombre négatif : refusé dès la lecture, situé à sa ligne.
    let mut fichiers = commun::fichiers();
    let texte = &mut fichiers.iter_mut().find(|(n, _)| n == f).unwrap().1;
    let ligne = texte
        .lines()
        .position(|l| l.starts_with("rappels_jours"))
        .unwrap()
        + 1;
    *texte = texte.replacen("rappels_jours = [90, 30]", "rappels_jours = [90, -30]", 1);
    let e = charger(&fichiers).expect_err("refusé").0;
    let e = e.iter().find(|e| e.fichier == f).unwrap();
    assert_eq!(e.position.map(|(l, _)| l), Some(ligne));
    assert!(e.message.contains("-30"), "{}", e.message);
}
