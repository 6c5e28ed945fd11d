//! Charte « Territoire d'Actions » après la signature : engagements vivants des territoires
//! signataires (rapports annuels), échéances et retards, et libellés propres à une charte.
//!
//! Un territoire signataire (dossier de charte à l'état « labellisé », c'est-à-dire signé par le
//! territoire et contresigné par l'État) s'engage à documenter sa démarche et son impact et à faire
//! des retours sur les outils (article 3), sous une licence de réutilisation (article 4). Repères
//! lui demande un rapport tous les 12 mois après la signature.

use chrono::{Datelike, Months, NaiveDate};

use crate::dossier::{Etat, TypeAction};
use crate::referentiel::{trouver_licence, Licence, Nature};
use crate::saisie::ErreurChamp;

/// Intervalle entre deux rapports attendus.
pub const PERIODE_MOIS: u32 = 12;

/// Longueur maximale du titre d'un rapport.
pub const TITRE_MAX: usize = 200;

/// Longueur maximale de chacun des textes d'un rapport.
pub const TEXTE_MAX: usize = 20_000;

/// La k-ième échéance : la date de signature plus k × 12 mois (k = 0 : la signature elle-même).
/// Calculée depuis la signature, jamais de proche en proche : une signature du 29 février donne
/// le 28 février les années non bissextiles, puis de nouveau le 29 les années bissextiles.
pub fn echeance(signature: NaiveDate, k: u32) -> NaiveDate {
    signature
        .checked_add_months(Months::new(PERIODE_MOIS.saturating_mul(k)))
        .unwrap_or(NaiveDate::MAX)
}

/// Où en est un signataire de ses rapports, à une date donnée.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiviRapports {
    /// Date du rapport le plus récent.
    pub dernier_rapport: Option<NaiveDate>,
    /// Première échéance que les rapports publiés ne couvrent pas encore. Si elle est passée,
    /// le territoire est en retard.
    pub prochaine_echeance: NaiveDate,
    /// Nombre de jours écoulés depuis `prochaine_echeance` (0 si elle n'est pas passée).
    pub retard_jours: i64,
}

impl SuiviRapports {
    pub fn en_retard(&self) -> bool {
        self.retard_jours > 0
    }
}

/// La règle des rapports annuels.
///
/// Les échéances tombent 12, 24, 36… mois après la signature. La période d'une échéance va du
/// lendemain de l'échéance précédente (ou de la signature) à l'échéance elle-même, incluse ; un
/// rapport publié dans cette période la couvre. Un territoire est **en retard** quand la dernière
/// échéance passée (strictement avant `aujourd_hui`) n'a aucun rapport publié depuis l'échéance
/// précédente (strictement après elle). Un rapport publié en retard couvre la période en cours :
/// le retard cesse, et l'échéance suivante redevient la référence.
///
/// Le retard se compte depuis la première échéance non couverte (pour un territoire qui n'a rien
/// publié depuis trois ans : depuis la première échéance manquée), ce qui classe les territoires
/// du plus ancien manquement au plus récent.
pub fn suivi(
    signature: NaiveDate,
    rapports: &[NaiveDate],
    aujourd_hui: NaiveDate,
) -> SuiviRapports {
    let dernier_rapport = rapports.iter().copied().max();
    // Échéance couverte par le dernier rapport : la plus petite échéance qui ne le précède pas
    // (la signature elle-même s'il n'y a pas de rapport).
    let mut k: u32 = 0;
    if let Some(dernier) = dernier_rapport {
        while echeance(signature, k) < dernier && echeance(signature, k) != NaiveDate::MAX {
            k += 1;
        }
    }
    let prochaine_echeance = echeance(signature, k + 1);
    SuiviRapports {
        dernier_rapport,
        prochaine_echeance,
        retard_jours: (aujourd_hui - prochaine_echeance).num_days().max(0),
    }
}

/// Saisie du formulaire de rapport, telle qu'envoyée.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SaisieRapport {
    pub annee: String,
    pub titre: String,
    pub demarche: String,
    pub impact: String,
    pub retours_outils: String,
    /// Identifiant SPDX de la licence choisie.
    pub licence: String,
}

/// Un rapport dont la saisie est valide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RapportValide {
    /// Année dont le rapport rend compte.
    pub annee: i32,
    pub titre: String,
    /// Comment la démarche est documentée.
    pub demarche: String,
    /// Impact constaté.
    pub impact: String,
    /// Retours sur les outils (outils des aidants numériques, PIX, cartographie…).
    pub retours_outils: String,
    /// Identifiant SPDX canonique (un alias est ramené à l'identifiant de la liste).
    pub licence: String,
}

fn texte(
    champ: &'static str,
    libelle: &str,
    valeur: &str,
    max: usize,
    erreurs: &mut Vec<ErreurChamp>,
) -> String {
    let v = valeur.trim().replace("\r\n", "\n");
    if v.is_empty() {
        erreurs.push(ErreurChamp::new(champ, format!("Renseignez {libelle}.")));
    } else if v.chars().count() > max {
        erreurs.push(ErreurChamp::new(
            champ,
            format!(
                "{} : {max} caractères au plus ({} saisis).",
                premiere_majuscule(libelle),
                v.chars().count()
            ),
        ));
    }
    v
}

fn premiere_majuscule(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(p) => p.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Contrôle un rapport : titre, année (de la signature à l'année en cours), les trois textes de
/// l'engagement (démarche, impact, retours sur les outils), et une licence de la liste de
/// l'article D323-2-1 du CRPA (obligatoire : article 4 de la charte).
pub fn valider_rapport(
    s: &SaisieRapport,
    licences: &[Licence],
    signature: NaiveDate,
    aujourd_hui: NaiveDate,
) -> Result<RapportValide, Vec<ErreurChamp>> {
    let mut erreurs = Vec::new();
    let titre = texte("titre", "le titre", &s.titre, TITRE_MAX, &mut erreurs);
    let (min, max) = (signature.year(), aujourd_hui.year());
    let annee = match s.annee.trim().parse::<i32>() {
        Ok(a) if (min..=max).contains(&a) => a,
        _ => {
            erreurs.push(ErreurChamp::new(
                "annee",
                if min == max {
                    format!("L'année du rapport doit être {min}.")
                } else {
                    format!(
                        "L'année du rapport doit être comprise entre {min} (signature) et {max}."
                    )
                },
            ));
            0
        }
    };
    let demarche = texte(
        "demarche",
        "la documentation de la démarche",
        &s.demarche,
        TEXTE_MAX,
        &mut erreurs,
    );
    let impact = texte("impact", "l'impact", &s.impact, TEXTE_MAX, &mut erreurs);
    let retours_outils = texte(
        "retours_outils",
        "les retours sur les outils",
        &s.retours_outils,
        TEXTE_MAX,
        &mut erreurs,
    );
    let licence = match s.licence.trim() {
        "" => {
            erreurs.push(ErreurChamp::new(
                "licence",
                "Choisissez la licence sous laquelle le rapport et ses pièces sont publiés.",
            ));
            String::new()
        }
        spdx => match trouver_licence(licences, spdx) {
            Some(l) => l.spdx.clone(),
            None => {
                erreurs.push(ErreurChamp::new(
                    "licence",
                    format!(
                        "La licence « {spdx} » n'est pas admise pour les livrables de la charte : choisissez une licence de la liste (article D323-2-1 du CRPA, ou Creative Commons ouverte). Une licence qui interdit l'usage commercial ou la modification (NC, ND) ne permet pas la réutilisation par d'autres territoires."
                    ),
                ));
                String::new()
            }
        },
    };
    if erreurs.is_empty() {
        Ok(RapportValide {
            annee,
            titre,
            demarche,
            impact,
            retours_outils,
            licence,
        })
    } else {
        Err(erreurs)
    }
}

/// Libellé d'un état selon la nature du référentiel : une charte labellisée est « signée et
/// contresignée » (par le territoire, puis par l'État).
pub fn libelle_etat(etat: Etat, nature: Nature) -> &'static str {
    match (nature, etat) {
        (Nature::Charte | Nature::Approbation, Etat::Labellise) => nature.vocabulaire().accorde,
        _ => etat.libelle(),
    }
}

/// Libellé propre à une charte pour une action de l'instruction, quand il diffère de celui d'un
/// label : l'État ne « labellise » pas une charte, il la contresigne.
pub fn libelle_action(action: TypeAction, nature: Nature) -> Option<&'static str> {
    match (nature, action) {
        (Nature::Charte | Nature::Approbation, TypeAction::Labelliser) => {
            Some(nature.vocabulaire().action)
        }
        _ => None,
    }
}

/// Lien vers le texte d'une licence (page SPDX de l'identifiant).
pub fn lien_licence(spdx: &str) -> String {
    format!("https://spdx.org/licenses/{spdx}.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn echeances_tous_les_douze_mois_depuis_la_signature() {
        assert_eq!(echeance(d("2024-03-15"), 0), d("2024-03-15"));
        assert_eq!(echeance(d("2024-03-15"), 1), d("2025-03-15"));
        assert_eq!(echeance(d("2024-03-15"), 3), d("2027-03-15"));
        // 29 février : 28 février les années ordinaires, 29 les années bissextiles.
        assert_eq!(echeance(d("2024-02-29"), 1), d("2025-02-28"));
        assert_eq!(echeance(d("2024-02-29"), 4), d("2028-02-29"));
    }

    #[test]
    fn sans_rapport_premiere_echeance_a_douze_mois() {
        let s = suivi(d("2024-03-15"), &[], d("2024-06-01"));
        assert_eq!(s.prochaine_echeance, d("2025-03-15"));
        assert_eq!(s.dernier_rapport, None);
        assert!(!s.en_retard());
        // Le jour de l'échéance : pas encore en retard.
        assert!(!suivi(d("2024-03-15"), &[], d("2025-03-15")).en_retard());
        // Le lendemain : un jour de retard.
        let s = suivi(d("2024-03-15"), &[], d("2025-03-16"));
        assert!(s.en_retard());
        assert_eq!(s.retard_jours, 1);
    }

    #[test]
    fn retard_compte_depuis_la_premiere_echeance_manquee() {
        // Rien publié depuis la signature, trois échéances passées.
        let s = suivi(d("2021-01-10"), &[], d("2024-02-09"));
        assert_eq!(s.prochaine_echeance, d("2022-01-10"));
        assert_eq!(
            s.retard_jours,
            (d("2024-02-09") - d("2022-01-10")).num_days()
        );
    }

    #[test]
    fn un_rapport_couvre_sa_periode() {
        let sig = d("2024-03-15");
        // Rapport dans la première période : prochaine échéance à 24 mois.
        let s = suivi(sig, &[d("2024-12-01")], d("2025-06-01"));
        assert_eq!(s.prochaine_echeance, d("2026-03-15"));
        assert_eq!(s.dernier_rapport, Some(d("2024-12-01")));
        assert!(!s.en_retard());
        // Rapport le jour même de l'échéance : il couvre la période qui se termine ce jour-là.
        let s = suivi(sig, &[d("2025-03-15")], d("2026-03-16"));
        assert_eq!(s.prochaine_echeance, d("2026-03-15"));
        assert_eq!(s.retard_jours, 1);
        // Deux périodes couvertes, la troisième pas encore échue.
        let s = suivi(sig, &[d("2024-05-01"), d("2025-09-01")], d("2027-01-01"));
        assert_eq!(s.prochaine_echeance, d("2027-03-15"));
        assert!(!s.en_retard());
    }

    #[test]
    fn rapport_en_retard_rattrape_la_periode_en_cours() {
        let sig = d("2024-03-15");
        // Première échéance manquée, rapport publié dix jours après : plus de retard, et ce
        // rapport couvre la deuxième période.
        let s = suivi(sig, &[d("2025-03-25")], d("2025-04-01"));
        assert!(!s.en_retard());
        assert_eq!(s.prochaine_echeance, d("2027-03-15"));
        // La règle telle qu'énoncée : dernière échéance passée (2026-03-15), un rapport publié
        // depuis l'échéance précédente (2025-03-15) : pas de retard.
        assert!(!suivi(sig, &[d("2025-03-25")], d("2026-03-20")).en_retard());
    }

    #[test]
    fn ordre_des_rapports_indifferent() {
        let sig = d("2022-01-01");
        let a = suivi(sig, &[d("2023-06-01"), d("2022-06-01")], d("2024-03-01"));
        let b = suivi(sig, &[d("2022-06-01"), d("2023-06-01")], d("2024-03-01"));
        assert_eq!(a, b);
        assert_eq!(a.dernier_rapport, Some(d("2023-06-01")));
        assert_eq!(a.prochaine_echeance, d("2025-01-01"));
    }

    #[test]
    fn equivalence_avec_la_regle_enoncee() {
        // Pour toute date, « en retard » ⇔ la dernière échéance passée n'a aucun rapport
        // strictement après l'échéance précédente.
        let sig = d("2023-02-28");
        let rapports = [d("2023-10-01"), d("2025-04-01")];
        let mut jour = sig;
        while jour < d("2028-01-01") {
            let publies: Vec<NaiveDate> = rapports.iter().copied().filter(|r| *r <= jour).collect();
            let mut k = 0;
            while echeance(sig, k + 1) < jour {
                k += 1;
            }
            let attendu = k >= 1 && !publies.iter().any(|r| *r > echeance(sig, k - 1));
            assert_eq!(suivi(sig, &publies, jour).en_retard(), attendu, "{jour}");
            jour = jour.succ_opt().unwrap();
        }
    }

    fn licences() -> Vec<Licence> {
        let l: crate::referentiel::ListeLicences =
            toml::from_str(include_str!("../../../referentiels/licences-d323-2-1.toml")).unwrap();
        l.licences
    }

    fn saisie() -> SaisieRapport {
        SaisieRapport {
            annee: "2025".into(),
            titre: "  Bilan 2025  ".into(),
            demarche: "Comité de pilotage trimestriel, comptes rendus publiés.".into(),
            impact: "1 200 personnes accompagnées.".into(),
            retours_outils: "PIX : parcours de base adapté aux publics.".into(),
            licence: "etalab-2.0".into(),
        }
    }

    #[test]
    fn rapport_valide() {
        let r = valider_rapport(&saisie(), &licences(), d("2024-03-15"), d("2025-06-01")).unwrap();
        assert_eq!(r.titre, "Bilan 2025");
        assert_eq!(r.annee, 2025);
        assert_eq!(r.licence, "etalab-2.0");
        // Un alias ou une casse différente sont ramenés à l'identifiant de la liste.
        let mut s = saisie();
        s.licence = "gpl-3.0-or-later".into();
        let r = valider_rapport(&s, &licences(), d("2024-03-15"), d("2025-06-01")).unwrap();
        assert_eq!(r.licence, "GPL-3.0-only");
    }

    #[test]
    fn rapport_invalide_erreurs_par_champ() {
        let s = SaisieRapport {
            annee: "2019".into(),
            licence: "CC-BY-NC-SA-4.0".into(),
            titre: "x".repeat(TITRE_MAX + 1),
            ..Default::default()
        };
        let e = valider_rapport(&s, &licences(), d("2024-03-15"), d("2025-06-01")).unwrap_err();
        let champs: Vec<&str> = e.iter().map(|e| e.champ).collect();
        assert_eq!(
            champs,
            [
                "titre",
                "annee",
                "demarche",
                "impact",
                "retours_outils",
                "licence"
            ]
        );
        assert!(e[1].message.contains("2024") && e[1].message.contains("2025"));
        assert!(e[5].message.contains("D323-2-1"));
        let mut s = saisie();
        s.licence = " ".into();
        s.annee = "deux mille".into();
        let e = valider_rapport(&s, &licences(), d("2025-01-10"), d("2025-06-01")).unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].message, "L'année du rapport doit être 2025.");
        assert!(e[1].message.contains("Choisissez la licence"));
    }

    #[test]
    fn libelles_d_une_charte() {
        assert_eq!(
            libelle_etat(Etat::Labellise, Nature::Charte),
            "Signée et contresignée"
        );
        assert_eq!(libelle_etat(Etat::Labellise, Nature::Label), "Labellisé");
        assert_eq!(libelle_etat(Etat::Depose, Nature::Charte), "Déposé");
        assert_eq!(
            libelle_action(TypeAction::Labelliser, Nature::Charte),
            Some("Contresigner la charte")
        );
        assert_eq!(libelle_action(TypeAction::Labelliser, Nature::Label), None);
        assert_eq!(libelle_action(TypeAction::Refuser, Nature::Charte), None);
        assert_eq!(
            lien_licence("etalab-2.0"),
            "https://spdx.org/licenses/etalab-2.0.html"
        );
    }
}
