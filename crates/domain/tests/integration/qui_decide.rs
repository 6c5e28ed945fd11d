//! Qui peut décider : la table des décisions écrite À LA MAIN (jamais lue de `TRANSITIONS`), et la
//! règle du conflit d'intérêts. Ajouter un rôle ou un état de départ à une ligne de
//! `TRANSITIONS` par erreur fait échouer `chaque_decision_par_chaque_role`.

use chrono::{Duration, NaiveDate, TimeZone, Utc};

use crate::commun;
use reperes_domain::comptes::{Personne, RoleCompte, MOTIF_CONFLIT};
use reperes_domain::dossier::{
    appliquer, modifier, Action, Dossier, Etat, Modification, Refus, Role, TypeAction,
};
use reperes_domain::referentiel::Referentiel;

use Etat::*;
use Role::*;

/// Une ligne : l'action, les états d'où elle part, l'état où elle mène, les rôles permis.
struct Ligne {
    action: TypeAction,
    depuis: &'static [Etat],
    vers: Etat,
    roles: &'static [Role],
}

/// La table attendue, recopiée du cycle de vie décrit dans `docs/architecture.md`, à la main.
const TABLE: &[Ligne] = &[
    Ligne {
        action: TypeAction::Deposer,
        depuis: &[Brouillon, ComplementDemande],
        vers: Depose,
        roles: &[Demandeur],
    },
    Ligne {
        action: TypeAction::PrendreEnCharge,
        depuis: &[Depose],
        vers: EnInstruction,
        roles: &[Instructeur, Administrateur],
    },
    Ligne {
        action: TypeAction::DemanderComplement,
        depuis: &[EnInstruction, Accompagnement],
        vers: ComplementDemande,
        roles: &[Instructeur, Administrateur],
    },
    Ligne {
        action: TypeAction::OuvrirAccompagnement,
        depuis: &[EnInstruction],
        vers: Accompagnement,
        roles: &[Instructeur, Administrateur],
    },
    Ligne {
        action: TypeAction::CloreAccompagnement,
        depuis: &[Accompagnement],
        vers: EnInstruction,
        roles: &[Instructeur, Administrateur],
    },
    Ligne {
        action: TypeAction::Labelliser,
        depuis: &[EnInstruction, Accompagnement],
        vers: Labellise,
        roles: &[Instructeur, Administrateur],
    },
    Ligne {
        action: TypeAction::Refuser,
        depuis: &[EnInstruction, Accompagnement],
        vers: Refuse,
        roles: &[Instructeur, Administrateur],
    },
    Ligne {
        action: TypeAction::ClasserSansSuite,
        depuis: &[Depose, EnInstruction, ComplementDemande, Accompagnement],
        vers: ClasseSansSuite,
        roles: &[Instructeur, Administrateur],
    },
    Ligne {
        action: TypeAction::Retirer,
        depuis: &[Labellise],
        vers: Retire,
        roles: &[Administrateur],
    },
    Ligne {
        action: TypeAction::Expirer,
        depuis: &[Labellise],
        vers: Expire,
        roles: &[Systeme, Administrateur],
    },
];

const ROLES: [Role; 4] = [Demandeur, Instructeur, Administrateur, Systeme];

fn maintenant() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap()
}

/// L'action avec des données valables (motivation, échéance future, niveau 1).
fn action(a: TypeAction) -> Action {
    let motif = "Motivation détaillée.".to_string();
    match a {
        TypeAction::Deposer => Action::Deposer,
        TypeAction::PrendreEnCharge => Action::PrendreEnCharge,
        TypeAction::DemanderComplement => Action::DemanderComplement {
            motif,
            echeance: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        },
        TypeAction::OuvrirAccompagnement => Action::OuvrirAccompagnement { motif },
        TypeAction::CloreAccompagnement => Action::CloreAccompagnement,
        TypeAction::Labelliser => Action::Labelliser {
            niveau: 1,
            motivation: motif,
        },
        TypeAction::Refuser => Action::Refuser { motivation: motif },
        TypeAction::ClasserSansSuite => Action::ClasserSansSuite { motif },
        TypeAction::Retirer => Action::Retirer { motif },
        TypeAction::Expirer => Action::Expirer,
    }
}

/// Un dossier complet, chaque critère apprécié satisfait au niveau 1, mis à l'état `etat` (un
/// label échu la veille s'il est labellisé).
fn dossier_a_l_etat(r: &Referentiel, etat: Etat) -> Dossier {
    let mut d = commun::dossier_complet(r, 1);
    // L'instruction apprécie en instruction ; le dossier est ensuite mis à l'état voulu.
    d.etat = EnInstruction;
    for c in &r.criteres {
        d = modifier(
            &d,
            r,
            Instructeur,
            &Modification::Appreciation {
                critere: c.id.clone(),
                niveau: Some(1),
                commentaire: "Conforme.".into(),
            },
        )
        .unwrap();
    }
    d.etat = etat;
    if etat == Labellise {
        d.niveau_accorde = Some(1);
        d.fin_validite = Some(maintenant().date_naive() - Duration::days(1));
    }
    d
}

#[test]
fn la_table_ecrite_a_la_main_couvre_chaque_action() {
    for a in TypeAction::TOUTES {
        assert_eq!(
            TABLE.iter().filter(|l| l.action == a).count(),
            1,
            "{a:?} : une ligne, et une seule, dans la table écrite à la main"
        );
    }
}

#[test]
fn chaque_decision_par_chaque_role() {
    let c = commun::catalogue();
    let mut ecarts = Vec::new();
    for referentiel in ["nec-2022", "charte-territoire-actions"] {
        let r = commun::referentiel(&c, referentiel);
        for l in TABLE {
            for etat in Etat::TOUS {
                let d = dossier_a_l_etat(r, etat);
                for role in ROLES {
                    let obtenu = appliquer(&d, r, role, &action(l.action), maintenant());
                    let attendu: Result<Etat, Refus> = if !l.depuis.contains(&etat) {
                        Err(Refus::EtatIncompatible {
                            action: l.action,
                            etat,
                        })
                    } else if !l.roles.contains(&role) {
                        Err(Refus::RoleNonAutorise {
                            action: l.action,
                            role,
                        })
                    } else {
                        Ok(l.vers)
                    };
                    let obtenu_etat = obtenu.map(|x| x.etat);
                    if obtenu_etat != attendu {
                        ecarts.push(format!(
                            "{referentiel} : {:?} depuis {etat:?} par {role:?} : attendu {attendu:?}, obtenu {obtenu_etat:?}",
                            l.action
                        ));
                    }
                }
            }
        }
    }
    assert!(ecarts.is_empty(), "{}", ecarts.join("\n"));
}

#[test]
fn conflit_d_interets_des_seuls_agents_membres_de_l_organisation_porteuse() {
    let c = commun::catalogue();
    let d = dossier_a_l_etat(commun::referentiel(&c, "nec-2022"), EnInstruction);
    let personne = |role, organisations: &[&str]| Personne {
        id: "p".into(),
        role,
        organisations: organisations.iter().map(|o| o.to_string()).collect(),
    };
    // `dossier_complet` est porté par l'organisation « o ».
    assert_eq!(d.organisation_id, "o");
    for role in [RoleCompte::Instructeur, RoleCompte::Administrateur] {
        assert_eq!(
            personne(role, &["autre", "o"]).conflit_d_interets(&d),
            Some(MOTIF_CONFLIT),
            "{role:?} membre de l'organisation porteuse"
        );
        assert_eq!(personne(role, &["autre"]).conflit_d_interets(&d), None);
        assert_eq!(personne(role, &[]).conflit_d_interets(&d), None);
    }
    // Un demandeur membre agit en demandeur : ce n'est pas un conflit.
    assert_eq!(
        personne(RoleCompte::Demandeur, &["o"]).conflit_d_interets(&d),
        None
    );
    assert!(MOTIF_CONFLIT.contains("membre de l'organisation"));
}
