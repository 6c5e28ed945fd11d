//! Plusieurs sources, un lieu : règles de préséance entre un fichier réimporté et les champs
//! tenus dans Repères (issue 16, `docs/lieux-vivants.md`, section « conflits »).
//!
//! Un champ est « tenu dans Repères » quand une autre origine que l'import l'a changé (structure,
//! administration, signalement…). Quand la source le réimporte :
//!
//! 1. la valeur importée est égale à la valeur locale : le champ redevient tenu par la source
//!    (il sort des champs locaux, un conflit en attente sur ce champ disparaît) ;
//! 2. sinon la valeur locale est gardée ; si la valeur importée diffère aussi de la valeur de la
//!    source déjà écartée (`valeur_source_ecartee`, posée quand on a choisi de garder la valeur
//!    locale), c'est un conflit (il remplace un conflit en attente sur le même champ) ; si elle est
//!    égale à la valeur écartée, rien n'est signalé (la décision tient) ;
//! 3. `date_maj` est la plus récente de la date du fichier et du dernier changement local d'un
//!    champ gardé (un champ rendu à la source ne compte plus) ;
//! 4. `source` reste celle du lieu avant l'import (posée localement) tant qu'un champ local
//!    subsiste ; sinon c'est celle du fichier.
//!
//! Les champs dérivés ([`CHAMPS_DERIVES`]) ne sont jamais locaux ni en conflit.

use super::versions::{poser, CHAMPS_DERIVES};
use super::{valeur, Enregistrement};

/// Un champ tenu dans Repères (ligne de `lieux_champs_locaux`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChampLocal {
    pub champ: String,
    /// Valeur posée dans Repères (absente : champ vidé).
    pub valeur: Option<String>,
    /// Jour du changement local (`AAAA-MM-JJ`, ou un horodatage qui commence ainsi).
    pub modifie_le: String,
    /// Valeur de la source écartée au profit de la valeur locale lors d'un conflit.
    pub valeur_source_ecartee: Option<String>,
}

/// Un champ sur lequel la source et Repères ne sont pas d'accord.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflitChamp {
    pub champ: String,
    pub valeur_locale: Option<String>,
    pub valeur_importee: Option<String>,
}

/// Ce que la préséance décide pour un lieu réimporté.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// L'enregistrement à écrire.
    pub enregistrement: Enregistrement,
    /// Conflits (nouveaux ou remplaçant celui en attente sur le même champ).
    pub conflits: Vec<ConflitChamp>,
    /// Champs que la source apporte avec la valeur locale : ils redeviennent tenus par la source.
    pub rendus: Vec<String>,
    /// Champs locaux gardés sans conflit (valeur importée déjà écartée) : un conflit en attente
    /// sur l'un d'eux n'a plus lieu d'être.
    pub sans_conflit: Vec<String>,
}

/// Applique les règles de préséance à un lieu réimporté. `importe` : l'enregistrement du fichier ;
/// `precedent` : le lieu tel qu'il est en base avant l'import ; `locaux` : ses champs tenus dans
/// Repères.
pub fn preseance(
    importe: &Enregistrement,
    precedent: &Enregistrement,
    locaux: &[ChampLocal],
) -> Decision {
    let mut e = importe.clone();
    let mut conflits = Vec::new();
    let mut rendus = Vec::new();
    let mut sans_conflit = Vec::new();
    let mut garde = false;
    let mut dernier_local: Option<&str> = None;
    for l in locaux {
        if CHAMPS_DERIVES.contains(&l.champ.as_str()) {
            continue;
        }
        let importee = valeur(importe, &l.champ);
        if importee == l.valeur {
            rendus.push(l.champ.clone());
            continue;
        }
        garde = true;
        let jour = l.modifie_le.get(..10).unwrap_or(&l.modifie_le);
        if dernier_local.is_none_or(|d| jour > d) {
            dernier_local = Some(jour);
        }
        poser(&mut e, &l.champ, l.valeur.as_deref());
        if importee == l.valeur_source_ecartee {
            sans_conflit.push(l.champ.clone());
        } else {
            conflits.push(ConflitChamp {
                champ: l.champ.clone(),
                valeur_locale: l.valeur.clone(),
                valeur_importee: importee,
            });
        }
    }
    if let Some(jour) = dernier_local {
        let du_fichier = valeur(importe, "date_maj");
        if du_fichier.as_deref().is_none_or(|f| jour > f) {
            poser(&mut e, "date_maj", Some(jour));
        }
    }
    if garde {
        poser(&mut e, "source", valeur(precedent, "source").as_deref());
    }
    Decision {
        enregistrement: e,
        conflits,
        rendus,
        sans_conflit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn e(paires: &[(&str, &str)]) -> Enregistrement {
        paires
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect()
    }

    fn local(champ: &str, v: Option<&str>, le: &str, ecartee: Option<&str>) -> ChampLocal {
        ChampLocal {
            champ: champ.into(),
            valeur: v.map(str::to_string),
            modifie_le: le.into(),
            valeur_source_ecartee: ecartee.map(str::to_string),
        }
    }

    fn precedent() -> Enregistrement {
        e(&[
            ("id", "L1"),
            ("nom", "Espace du Port"),
            ("horaires", "Mo 10:00-12:00"),
            ("date_maj", "2026-11-02"),
            ("source", "Asso du Port"),
        ])
    }

    #[test]
    fn sans_champ_local_le_fichier_est_ecrit_tel_quel() {
        let f = e(&[
            ("id", "L1"),
            ("nom", "Espace du Port"),
            ("horaires", "Mo 09:00-12:00"),
            ("date_maj", "2026-10-01"),
            ("source", "Région"),
        ]);
        let d = preseance(&f, &precedent(), &[]);
        assert_eq!(d.enregistrement, f);
        assert!(d.conflits.is_empty() && d.rendus.is_empty() && d.sans_conflit.is_empty());
    }

    #[test]
    fn valeur_locale_gardee_et_conflit_quand_la_source_apporte_autre_chose() {
        let f = e(&[
            ("id", "L1"),
            ("nom", "Espace du Port (nouveau)"),
            ("horaires", "Mo 09:00-12:00"),
            ("date_maj", "2026-10-01"),
            ("source", "Région"),
        ]);
        let d = preseance(
            &f,
            &precedent(),
            &[local(
                "horaires",
                Some("Mo 10:00-12:00"),
                "2026-11-02T08:00:00.000000Z",
                None,
            )],
        );
        assert_eq!(
            d.enregistrement,
            e(&[
                ("id", "L1"),
                ("nom", "Espace du Port (nouveau)"),
                ("horaires", "Mo 10:00-12:00"),
                ("date_maj", "2026-11-02"),
                ("source", "Asso du Port"),
            ])
        );
        assert_eq!(
            d.conflits,
            vec![ConflitChamp {
                champ: "horaires".into(),
                valeur_locale: Some("Mo 10:00-12:00".into()),
                valeur_importee: Some("Mo 09:00-12:00".into()),
            }]
        );
        assert!(d.rendus.is_empty());
    }

    #[test]
    fn la_valeur_deja_ecartee_ne_relance_pas_de_conflit_une_autre_si() {
        let ecartee = local(
            "horaires",
            Some("Mo 10:00-12:00"),
            "2026-11-02",
            Some("Mo 09:00-12:00"),
        );
        let meme = e(&[("id", "L1"), ("horaires", "Mo 09:00-12:00")]);
        let d = preseance(&meme, &precedent(), std::slice::from_ref(&ecartee));
        assert!(d.conflits.is_empty());
        assert_eq!(d.sans_conflit, vec!["horaires".to_string()]);
        assert_eq!(
            valeur(&d.enregistrement, "horaires").as_deref(),
            Some("Mo 10:00-12:00")
        );
        let autre = e(&[("id", "L1"), ("horaires", "Mo 08:00-12:00")]);
        let d = preseance(&autre, &precedent(), &[ecartee]);
        assert_eq!(
            d.conflits,
            vec![ConflitChamp {
                champ: "horaires".into(),
                valeur_locale: Some("Mo 10:00-12:00".into()),
                valeur_importee: Some("Mo 08:00-12:00".into()),
            }]
        );
    }

    #[test]
    fn la_source_qui_rejoint_la_valeur_locale_reprend_le_champ() {
        let f = e(&[
            ("id", "L1"),
            ("horaires", "Mo 10:00-12:00"),
            ("date_maj", "2026-12-01"),
            ("source", "Région"),
        ]);
        let d = preseance(
            &f,
            &precedent(),
            &[local(
                "horaires",
                Some("Mo 10:00-12:00"),
                "2026-11-02",
                None,
            )],
        );
        // Plus aucun champ local : la source et la date sont celles du fichier (plus récente).
        assert_eq!(d.enregistrement, f);
        assert_eq!(d.rendus, vec!["horaires".to_string()]);
        assert!(d.conflits.is_empty());
    }

    #[test]
    fn champ_vide_localement_et_date_du_fichier_plus_recente() {
        // La structure a vidé le téléphone ; le fichier, plus récent, en donne un.
        let f = e(&[
            ("id", "L1"),
            ("telephone", "+33102030405"),
            ("date_maj", "2026-12-01"),
            ("source", "Région"),
        ]);
        let d = preseance(
            &f,
            &precedent(),
            &[local("telephone", None, "2026-11-02", None)],
        );
        assert_eq!(
            d.enregistrement,
            e(&[
                ("id", "L1"),
                ("date_maj", "2026-12-01"),
                ("source", "Asso du Port"),
            ])
        );
        assert_eq!(
            d.conflits,
            vec![ConflitChamp {
                champ: "telephone".into(),
                valeur_locale: None,
                valeur_importee: Some("+33102030405".into()),
            }]
        );
    }
}
