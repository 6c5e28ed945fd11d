//! Calcul d'un indicateur pour un territoire : ce qui est compté (lieux, signataires,
//! organismes), à ce jour et au 31 décembre de chaque année.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::donnees::pivot_significatif;
use super::{Calcul, DonneesPlateforme, Titre};
use crate::lieux::{valeur, Enregistrement};
use crate::territoires::Niveau;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicateurs::ReferentielIndicateurs;
    use crate::territoires::Territoires;

    fn jour(a: i32, m: u32, j: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(a, m, j).unwrap()
    }

    /// Le calcul fait le 1er mai 2024.
    fn calculer_2024(
        calcul: &Calcul,
        niveau: Niveau,
        code: &str,
        donnees: &DonneesPlateforme,
        annees: RangeInclusive<i32>,
    ) -> ResultatCalcul {
        calculer(calcul, niveau, code, donnees, annees, jour(2024, 5, 1))
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

    const CHARTE: &str = "charte-territoire-actions";

    /// Un titre obtenu le jour `debut`, en cours tant qu'il n'a pas pris `fin`.
    fn titre(
        referentiel: &str,
        org: &str,
        cp: &str,
        debut: NaiveDate,
        fin: Option<NaiveDate>,
    ) -> Titre {
        Titre {
            referentiel_id: referentiel.into(),
            organisation_id: org.into(),
            organisation_identifiant: None,
            code_postal: cp.into(),
            commune: "Angoulême".into(),
            debut: Some(debut),
            fin,
            en_cours: fin.is_none(),
        }
    }

    /// Une signature de la charte.
    fn charte(org: &str, cp: &str, debut: NaiveDate, fin: Option<NaiveDate>) -> Titre {
        titre(CHARTE, org, cp, debut, fin)
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
        let mut org = titre("nec-2022", "o2", "16000", jour(2023, 5, 1), None);
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
                charte("o1", "16000", jour(2021, 6, 1), None),
                charte("o1", "16000", jour(2020, 1, 1), Some(jour(2020, 6, 1))),
                charte("o3", "16000", jour(2020, 1, 1), Some(jour(2022, 3, 1))),
                charte("o4", "17000", jour(2021, 1, 1), None),
                org,
            ],
            Territoires::embarque(),
        )
    }

    #[test]
    fn lieux_cartographies_par_territoire_et_par_annee() {
        let d = donnees();
        let lieux = Calcul::LieuxCartographies;
        assert_eq!(d.lieux_non_situes(), 1);
        let r = calculer_2024(&lieux, Niveau::Departement, "16", &d, 2019..=2030);
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
        let r = calculer_2024(&lieux, Niveau::Commune, "16015", &d, 2024..=2024);
        assert_eq!(
            r.actuel, 3,
            "Angoulême : par code postal et commune, et par code INSEE"
        );
        let r = calculer_2024(&lieux, Niveau::Region, "75", &d, 2024..=2024);
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
        let r = calculer_2024(&lieux, Niveau::Departement, "16", &d2, 2023..=2024);
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
        let res = calculer_2024(&calcul, Niveau::Departement, "16", &d, 2021..=2024);
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
            referentiel: CHARTE.into(),
        };
        let r = calculer_2024(&c, Niveau::Departement, "16", &d, 2019..=2024);
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
        let r = calculer_2024(&c, Niveau::Region, "75", &d, 2024..=2024);
        assert_eq!(r.actuel, 2);
    }

    #[test]
    fn organismes_par_pivot_et_par_titre() {
        let d = donnees();
        let c = Calcul::OrganismesPromotion;
        let r = calculer_2024(&c, Niveau::Departement, "16", &d, 2022..=2024);
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
}
