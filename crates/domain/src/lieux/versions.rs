//! Versions d'un lieu (issue 16) : chaque changement d'un lieu — import d'une source,
//! modification par la structure qui le tient, signalement accepté, restauration, fusion, choix
//! dans un conflit — est une version, décrite par les champs changés (avant, après).
//!
//! Seuls les changements sont gardés : l'état d'une version passée se retrouve en partant de
//! l'état courant et en défaisant, de la plus récente à la plus ancienne, les versions qui la
//! suivent ([`revenir`]). Une création ne porte aucun changement.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{valeur, Enregistrement};

/// Un champ changé par une version : valeur avant, valeur après (absente : champ vide).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changement {
    pub champ: String,
    pub avant: Option<String>,
    pub apres: Option<String>,
}

/// Les champs dont la valeur (en texte, un champ vide valant absence) diffère entre deux états,
/// dans l'ordre des noms de champs.
pub fn differences(avant: &Enregistrement, apres: &Enregistrement) -> Vec<Changement> {
    let mut champs: Vec<&String> = avant.keys().chain(apres.keys()).collect();
    champs.sort();
    champs.dedup();
    champs
        .into_iter()
        .filter_map(|champ| {
            let (a, b) = (valeur(avant, champ), valeur(apres, champ));
            (a != b).then(|| Changement {
                champ: champ.clone(),
                avant: a,
                apres: b,
            })
        })
        .collect()
}

/// Applique des changements (la valeur `apres` de chacun) à un état.
pub fn appliquer(etat: &Enregistrement, changements: &[Changement]) -> Enregistrement {
    let mut e = etat.clone();
    for c in changements {
        poser(&mut e, &c.champ, c.apres.as_deref());
    }
    e
}

/// Défait des changements (remet la valeur `avant` de chacun) : l'état d'avant la version.
pub fn revenir(etat: &Enregistrement, changements: &[Changement]) -> Enregistrement {
    let mut e = etat.clone();
    for c in changements {
        poser(&mut e, &c.champ, c.avant.as_deref());
    }
    e
}

/// Pose la valeur d'un champ (texte), ou retire le champ.
pub fn poser(e: &mut Enregistrement, champ: &str, v: Option<&str>) {
    match v {
        Some(v) => {
            e.insert(champ.to_string(), Value::String(v.to_string()));
        }
        None => {
            e.remove(champ);
        }
    }
}

/// Champs tenus par Repères lui-même, jamais « locaux » ni en conflit : `date_maj` (date du
/// dernier changement d'un champ) et `source` (qui a recueilli la donnée).
pub const CHAMPS_DERIVES: [&str; 2] = ["date_maj", "source"];

/// Date et source d'un changement fait dans Repères, pour que les données ouvertes disent vrai :
/// quand un champ (autre que les champs dérivés) change, `date_maj` devient la date du jour ; quand
/// c'est la structure qui le change, `source` devient son nom (elle a elle-même recueilli la
/// donnée). Un import garde la date et la source de son fichier.
pub fn dater(
    avant: &Enregistrement,
    mut nouveau: Enregistrement,
    origine: Origine,
    aujourd_hui: chrono::NaiveDate,
    structure: Option<&str>,
) -> Enregistrement {
    if !origine.locale() {
        return nouveau;
    }
    let change = differences(avant, &nouveau)
        .iter()
        .any(|c| !CHAMPS_DERIVES.contains(&c.champ.as_str()));
    if change {
        poser(
            &mut nouveau,
            "date_maj",
            Some(&aujourd_hui.format("%Y-%m-%d").to_string()),
        );
        if let (Origine::Structure, Some(nom)) = (origine, structure) {
            poser(&mut nouveau, "source", Some(nom));
        }
    }
    nouveau
}

/// D'où vient une version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origine {
    /// Import d'un fichier de la source (détail : la source).
    Import,
    /// Modification par un membre de la structure qui tient le lieu.
    Structure,
    /// Modification par un administrateur.
    Administration,
    /// Signalement du public accepté (détail : le signalement).
    Signalement,
    /// Lieu proposé par le public et accepté.
    Proposition,
    /// Retour à une version précédente (détail : la version restaurée).
    Restauration,
    /// Fusion de doublons (détail : le lieu fusionné).
    Fusion,
    /// Choix d'une valeur dans un conflit entre la source et la structure.
    Conflit,
}

impl Origine {
    pub const TOUTES: [Origine; 8] = [
        Origine::Import,
        Origine::Structure,
        Origine::Administration,
        Origine::Signalement,
        Origine::Proposition,
        Origine::Restauration,
        Origine::Fusion,
        Origine::Conflit,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Origine::Import => "import",
            Origine::Structure => "structure",
            Origine::Administration => "administration",
            Origine::Signalement => "signalement",
            Origine::Proposition => "proposition",
            Origine::Restauration => "restauration",
            Origine::Fusion => "fusion",
            Origine::Conflit => "conflit",
        }
    }

    pub fn depuis_code(code: &str) -> Option<Origine> {
        Origine::TOUTES.into_iter().find(|o| o.code() == code)
    }

    /// Libellé de l'historique d'un lieu.
    pub fn libelle(self) -> &'static str {
        match self {
            Origine::Import => "Import de la source",
            Origine::Structure => "Mise à jour par la structure",
            Origine::Administration => "Modification par l'administration",
            Origine::Signalement => "Signalement accepté",
            Origine::Proposition => "Lieu proposé par le public",
            Origine::Restauration => "Retour à une version précédente",
            Origine::Fusion => "Fusion de doublons",
            Origine::Conflit => "Choix entre la source et la structure",
        }
    }

    /// Les champs changés par cette origine sont « tenus dans Repères » : une réimportation de la
    /// source ne les écrase pas sans le dire (voir `docs/lieux-vivants.md`). Seul l'import n'en
    /// pose pas.
    pub fn locale(self) -> bool {
        self != Origine::Import
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(paires: &[(&str, &str)]) -> Enregistrement {
        paires
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect()
    }

    #[test]
    fn differences_puis_revenir_retrouve_l_etat_d_avant() {
        let a = e(&[
            ("nom", "A"),
            ("horaires", "Mo 09:00-12:00"),
            ("telephone", ""),
        ]);
        let b = e(&[
            ("nom", "A"),
            ("horaires", "Mo 10:00-12:00"),
            ("courriels", "x@y.fr"),
        ]);
        let d = differences(&a, &b);
        assert_eq!(
            d,
            vec![
                Changement {
                    champ: "courriels".into(),
                    avant: None,
                    apres: Some("x@y.fr".into())
                },
                Changement {
                    champ: "horaires".into(),
                    avant: Some("Mo 09:00-12:00".into()),
                    apres: Some("Mo 10:00-12:00".into())
                },
            ]
        );
        let retour = revenir(&b, &d);
        assert_eq!(
            valeur(&retour, "horaires").as_deref(),
            Some("Mo 09:00-12:00")
        );
        assert_eq!(valeur(&retour, "courriels"), None);
        assert_eq!(differences(&a, &retour), vec![]);
        assert_eq!(differences(&appliquer(&a, &d), &b), vec![]);
    }

    #[test]
    fn un_nombre_json_et_son_texte_ne_different_pas() {
        let mut a = e(&[("nom", "A")]);
        a.insert("latitude".into(), serde_json::json!(45.5));
        let b = e(&[("nom", "A"), ("latitude", "45.5")]);
        assert_eq!(differences(&a, &b), vec![]);
    }

    #[test]
    fn un_changement_local_date_la_donnee_et_nomme_la_structure() {
        let jour = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let a = e(&[
            ("nom", "A"),
            ("date_maj", "2024-01-01"),
            ("source", "Région"),
        ]);
        let b = e(&[
            ("nom", "B"),
            ("date_maj", "2024-01-01"),
            ("source", "Région"),
        ]);
        let d = dater(
            &a,
            b.clone(),
            Origine::Structure,
            jour,
            Some("Asso du Port"),
        );
        assert_eq!(valeur(&d, "date_maj").as_deref(), Some("2026-12-06"));
        assert_eq!(valeur(&d, "source").as_deref(), Some("Asso du Port"));
        let s = dater(&a, b.clone(), Origine::Signalement, jour, None);
        assert_eq!(valeur(&s, "date_maj").as_deref(), Some("2026-12-06"));
        assert_eq!(valeur(&s, "source").as_deref(), Some("Région"));
        // Un import garde la date de son fichier ; rien de changé, rien de daté.
        assert_eq!(dater(&a, b.clone(), Origine::Import, jour, None), b);
        assert_eq!(dater(&a, a.clone(), Origine::Structure, jour, Some("X")), a);
    }

    #[test]
    fn les_codes_d_origine_se_relisent() {
        for o in Origine::TOUTES {
            assert_eq!(Origine::depuis_code(o.code()), Some(o));
        }
        assert_eq!(Origine::depuis_code("inconnue"), None);
        assert!(!Origine::Import.locale());
        assert!(Origine::Structure.locale());
    }
}
