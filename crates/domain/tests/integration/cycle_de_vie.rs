//! Cycle de vie des dossiers : cas nommés et propriétés (proptest).

use crate::commun;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use commun::dossier_complet;
use reperes_domain::dossier::{
    appliquer, modifier, renouveler, transition, Action, Dossier, Etat, Modification, Refus, Role,
    TypeAction, TRANSITIONS,
};
use reperes_domain::referentiel::Referentiel;

fn nec2022() -> Referentiel {
    commun::catalogue()
        .referentiels
        .into_iter()
        .find(|r| r.id == "nec-2022")
        .unwrap()
}

fn maintenant() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap()
}

fn apprecier_tout(d: &Dossier, r: &Referentiel, niveau: u8) -> Dossier {
    let mut d = d.clone();
    for c in &r.criteres {
        d = modifier(
            &d,
            r,
            Role::Instructeur,
            &Modification::Appreciation {
                critere: c.id.clone(),
                niveau: Some(niveau),
                commentaire: "Conforme.".into(),
            },
        )
        .unwrap();
    }
    d
}

#[test]
fn parcours_complet_avec_complement_et_accompagnement() {
    let r = nec2022();
    let t = maintenant();
    let d = dossier_complet(&r, 2);
    let d = appliquer(&d, &r, Role::Demandeur, &Action::Deposer, t).unwrap();
    assert_eq!(d.etat, Etat::Depose);
    assert_eq!(d.depose_le, Some(t));
    let d = appliquer(&d, &r, Role::Instructeur, &Action::PrendreEnCharge, t).unwrap();
    let echeance = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    let d = appliquer(
        &d,
        &r,
        Role::Instructeur,
        &Action::DemanderComplement {
            motif: "Joindre l'audit RGAA.".into(),
            echeance,
        },
        t,
    )
    .unwrap();
    assert_eq!(d.etat, Etat::ComplementDemande);
    // Le demandeur répond puis dépose à nouveau ; la date du premier dépôt est gardée.
    let d = modifier(
        &d,
        &r,
        Role::Demandeur,
        &Modification::Fichier {
            critere: "accessible".into(),
            fichier_id: "f1".into(),
        },
    )
    .unwrap();
    let plus_tard = t + Duration::days(3);
    let d = appliquer(&d, &r, Role::Demandeur, &Action::Deposer, plus_tard).unwrap();
    assert_eq!(
        (d.etat, d.depose_le, d.complement.clone()),
        (Etat::Depose, Some(t), None)
    );
    let d = appliquer(
        &d,
        &r,
        Role::Instructeur,
        &Action::PrendreEnCharge,
        plus_tard,
    )
    .unwrap();
    let d = appliquer(
        &d,
        &r,
        Role::Instructeur,
        &Action::OuvrirAccompagnement {
            motif: "Écart sur la sobriété.".into(),
        },
        plus_tard,
    )
    .unwrap();
    assert_eq!(d.etat, Etat::Accompagnement);
    let d = apprecier_tout(&d, &r, 2);
    let d = appliquer(
        &d,
        &r,
        Role::Instructeur,
        &Action::Labelliser {
            niveau: 2,
            motivation: "Tous les critères sont satisfaits.".into(),
        },
        plus_tard,
    )
    .unwrap();
    assert_eq!(d.etat, Etat::Labellise);
    assert_eq!(d.niveau_accorde, Some(2));
    assert_eq!(d.fin_validite, NaiveDate::from_ymd_opt(2029, 3, 4));
    // Pas d'expiration avant l'échéance ; après, oui.
    assert_eq!(
        appliquer(&d, &r, Role::Systeme, &Action::Expirer, plus_tard),
        Err(Refus::ValiditeEnCours(
            NaiveDate::from_ymd_opt(2029, 3, 4).unwrap()
        ))
    );
    let tard = Utc.with_ymd_and_hms(2029, 3, 5, 0, 0, 0).unwrap();
    let e = appliquer(&d, &r, Role::Systeme, &Action::Expirer, tard).unwrap();
    assert_eq!(e.etat, Etat::Expire);
    // Renouvellement : pré-rempli, sans appréciation ni engagements.
    let n = renouveler(&e, &r, "d2".into()).unwrap();
    assert_eq!(n.etat, Etat::Brouillon);
    assert_eq!(n.renouvellement_de.as_deref(), Some(d.id.as_str()));
    assert_eq!(n.niveau_vise, 2);
    assert!(n.criteres.values().all(|c| c.appreciation.is_none()));
    assert_eq!(n.criteres["accessible"].fichiers, ["f1"]);
    assert!(n.engagements.is_empty());
}

#[test]
fn octroi_refuse_si_un_critere_obligatoire_n_est_pas_au_niveau() {
    let r = nec2022();
    let t = maintenant();
    let d = dossier_complet(&r, 2);
    let d = appliquer(&d, &r, Role::Demandeur, &Action::Deposer, t).unwrap();
    let d = appliquer(&d, &r, Role::Instructeur, &Action::PrendreEnCharge, t).unwrap();
    let mut d = apprecier_tout(&d, &r, 2);
    d = modifier(
        &d,
        &r,
        Role::Instructeur,
        &Modification::Appreciation {
            critere: "securise".into(),
            niveau: Some(1),
            commentaire: "Pas d'homologation RGS.".into(),
        },
    )
    .unwrap();
    let action = Action::Labelliser {
        niveau: 2,
        motivation: "ok".into(),
    };
    match appliquer(&d, &r, Role::Instructeur, &action, t) {
        Err(Refus::OctroiNonConforme(m)) => {
            assert_eq!(m.len(), 1);
            assert_eq!(m[0].critere.as_deref(), Some("securise"));
        }
        autre => panic!("{autre:?}"),
    }
    // Au niveau 1, c'est conforme.
    let ok = appliquer(
        &d,
        &r,
        Role::Instructeur,
        &Action::Labelliser {
            niveau: 1,
            motivation: "Niveau 1.".into(),
        },
        t,
    )
    .unwrap();
    assert_eq!(ok.niveau_accorde, Some(1));
}

#[test]
fn refus_sans_motivation_refuse() {
    let r = nec2022();
    let t = maintenant();
    let d = dossier_complet(&r, 1);
    let d = appliquer(&d, &r, Role::Demandeur, &Action::Deposer, t).unwrap();
    let d = appliquer(&d, &r, Role::Instructeur, &Action::PrendreEnCharge, t).unwrap();
    let e = appliquer(
        &d,
        &r,
        Role::Instructeur,
        &Action::Refuser {
            motivation: "   ".into(),
        },
        t,
    )
    .unwrap_err();
    assert_eq!(e, Refus::MotifRequis(TypeAction::Refuser));
    assert_eq!(
        e.to_string(),
        "Une motivation est obligatoire pour refuser un dossier."
    );
}

#[test]
fn messages_en_francais() {
    let r = nec2022();
    let d = dossier_complet(&r, 1);
    let e = appliquer(
        &d,
        &r,
        Role::Instructeur,
        &Action::PrendreEnCharge,
        maintenant(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Impossible de prendre en charge un dossier à l'état « Brouillon » : cette action n'est possible qu'à l'état « Déposé »."
    );
    let e = appliquer(&d, &r, Role::Instructeur, &Action::Deposer, maintenant()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Action non autorisée : seul le demandeur peut déposer ce dossier, pas l'instructeur ou l'instructrice."
    );
    let mut incomplet = d.clone();
    incomplet.engagements.clear();
    let e = appliquer(
        &incomplet,
        &r,
        Role::Demandeur,
        &Action::Deposer,
        maintenant(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("Le dossier est incomplet : engagement à accepter"),
        "{e}"
    );
}

#[test]
fn le_demandeur_ne_modifie_pas_un_dossier_depose_et_n_apprecie_jamais() {
    let r = nec2022();
    let d = dossier_complet(&r, 1);
    let m = Modification::Appreciation {
        critere: "ouvert".into(),
        niveau: Some(2),
        commentaire: String::new(),
    };
    assert!(matches!(
        modifier(&d, &r, Role::Demandeur, &m),
        Err(Refus::ModificationInterdite { .. })
    ));
    let d = appliquer(&d, &r, Role::Demandeur, &Action::Deposer, maintenant()).unwrap();
    let m = Modification::NiveauVise { niveau: 2 };
    assert!(matches!(
        modifier(&d, &r, Role::Demandeur, &m),
        Err(Refus::ModificationInterdite { .. })
    ));
}

#[test]
fn lien_invalide_refuse() {
    let r = nec2022();
    let d = dossier_complet(&r, 1);
    let m = Modification::Reponse {
        critere: "ouvert".into(),
        texte: "Code publié".into(),
        liens: vec!["javascript:alert(1)".into()],
        niveau_auto: Some(1),
    };
    assert_eq!(
        modifier(&d, &r, Role::Demandeur, &m),
        Err(Refus::LienInvalide("javascript:alert(1)".into()))
    );
}

#[test]
fn charte_au_moins_deux_dispositifs_apprecies() {
    let c = commun::catalogue();
    let r = commun::referentiel(&c, "charte-territoire-actions");
    let t = maintenant();
    let d = dossier_complet(r, 1);
    let d = appliquer(&d, r, Role::Demandeur, &Action::Deposer, t).unwrap();
    let d = appliquer(&d, r, Role::Instructeur, &Action::PrendreEnCharge, t).unwrap();
    let un = modifier(
        &d,
        r,
        Role::Instructeur,
        &Modification::Appreciation {
            critere: "pix".into(),
            niveau: Some(1),
            commentaire: String::new(),
        },
    )
    .unwrap();
    let e = appliquer(
        &un,
        r,
        Role::Instructeur,
        &Action::Labelliser {
            niveau: 1,
            motivation: "Contresignée.".into(),
        },
        t,
    )
    .unwrap_err();
    assert!(
        matches!(e, Refus::OctroiNonConforme(ref m) if m[0].regle == "deux_dispositifs"),
        "{e:?}"
    );
    let deux = modifier(
        &un,
        r,
        Role::Instructeur,
        &Modification::Appreciation {
            critere: "cartographie".into(),
            niveau: Some(1),
            commentaire: String::new(),
        },
    )
    .unwrap();
    assert!(appliquer(
        &deux,
        r,
        Role::Instructeur,
        &Action::Labelliser {
            niveau: 1,
            motivation: "Contresignée.".into()
        },
        t
    )
    .is_ok());
}

#[test]
fn la_table_est_coherente() {
    for a in TypeAction::TOUTES {
        let t = transition(a);
        assert!(!t.depuis.is_empty() && !t.roles.is_empty());
        assert!(!t.depuis.contains(&t.vers) || a == TypeAction::CloreAccompagnement);
    }
    assert_eq!(TRANSITIONS.len(), TypeAction::TOUTES.len());
    for e in [
        Etat::Refuse,
        Etat::ClasseSansSuite,
        Etat::Retire,
        Etat::Expire,
    ] {
        assert!(e.est_final(), "{e:?}");
    }
    for e in Etat::TOUS {
        assert_eq!(Etat::depuis_code(e.code()), Some(e));
    }
}

// ---------- Propriétés ----------

/// Toutes les actions possibles avec des données plausibles ou non.
fn action() -> impl Strategy<Value = Action> {
    let motif = prop_oneof![Just(String::new()), Just("Motif détaillé.".to_string())];
    prop_oneof![
        Just(Action::Deposer),
        Just(Action::PrendreEnCharge),
        (motif.clone(), -3i64..30).prop_map(|(motif, j)| Action::DemanderComplement {
            motif,
            echeance: maintenant().date_naive() + Duration::days(j)
        }),
        motif
            .clone()
            .prop_map(|motif| Action::OuvrirAccompagnement { motif }),
        Just(Action::CloreAccompagnement),
        (0u8..4, motif.clone())
            .prop_map(|(niveau, motivation)| Action::Labelliser { niveau, motivation }),
        motif
            .clone()
            .prop_map(|motivation| Action::Refuser { motivation }),
        motif
            .clone()
            .prop_map(|motif| Action::ClasserSansSuite { motif }),
        motif.prop_map(|motif| Action::Retirer { motif }),
        Just(Action::Expirer),
    ]
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::Demandeur),
        Just(Role::Instructeur),
        Just(Role::Administrateur),
        Just(Role::Systeme)
    ]
}

fn modification() -> impl Strategy<Value = Modification> {
    let critere = prop_oneof![
        Just("accessible".to_string()),
        Just("sobre".to_string()),
        Just("inexistant".to_string())
    ];
    prop_oneof![
        (critere.clone(), 0u8..4).prop_map(|(critere, n)| Modification::Appreciation {
            critere,
            niveau: Some(n),
            commentaire: "c".into()
        }),
        (critere, 0u8..4).prop_map(|(critere, n)| Modification::Reponse {
            critere,
            texte: "t".into(),
            liens: vec![],
            niveau_auto: Some(n)
        }),
        (0u8..4).prop_map(|niveau| Modification::NiveauVise { niveau }),
    ]
}

#[derive(Debug, Clone)]
enum Pas {
    Agir(Role, Action, i64),
    Modifier(Role, Modification),
}

fn pas() -> impl Strategy<Value = Pas> {
    prop_oneof![
        3 => (role(), action(), 0i64..2000).prop_map(|(r, a, j)| Pas::Agir(r, a, j)),
        1 => (role(), modification()).prop_map(|(r, m)| Pas::Modifier(r, m)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Aucune suite d'actions ne mène à un état que la table interdit, et toute action refusée
    /// laisse le dossier strictement inchangé.
    #[test]
    fn aucune_suite_ne_sort_de_la_machine(complet in any::<bool>(), niveau in 1u8..=2, suite in prop::collection::vec(pas(), 1..40)) {
        let r = nec2022();
        let mut d = dossier_complet(&r, niveau);
        if !complet {
            d.engagements.clear();
        }
        let mut temps = maintenant();
        for p in suite {
            let avant = d.clone();
            match p {
                Pas::Agir(role, action, jours) => {
                    temps += Duration::days(jours);
                    match appliquer(&d, &r, role, &action, temps) {
                        Ok(nouveau) => {
                            let t = transition(action.type_action());
                            prop_assert!(t.depuis.contains(&avant.etat));
                            prop_assert!(t.roles.contains(&role));
                            prop_assert_eq!(nouveau.etat, t.vers);
                            if nouveau.etat == Etat::Labellise {
                                prop_assert!(nouveau.niveau_accorde.is_some() && nouveau.fin_validite.is_some());
                                prop_assert!(nouveau.decision.as_ref().is_some_and(|x| !x.motivation.is_empty()));
                            }
                            if matches!(nouveau.etat, Etat::Refuse | Etat::ClasseSansSuite | Etat::Retire) {
                                prop_assert!(nouveau.decision.as_ref().is_some_and(|x| !x.motivation.trim().is_empty()));
                            }
                            if nouveau.etat == Etat::Depose {
                                prop_assert!(reperes_domain::dossier::regles::completude(&r, &avant).is_empty());
                            }
                            d = nouveau;
                        }
                        Err(_) => prop_assert_eq!(&d, &avant),
                    }
                }
                Pas::Modifier(role, m) => match modifier(&d, &r, role, &m) {
                    Ok(nouveau) => {
                        prop_assert_eq!(nouveau.etat, avant.etat, "une modification ne change pas l'état");
                        d = nouveau;
                    }
                    Err(_) => prop_assert_eq!(&d, &avant),
                },
            }
            prop_assert!(Etat::TOUS.contains(&d.etat));
        }
    }

    /// Chaque couple (état, action) hors de la table est refusé pour tous les rôles.
    #[test]
    fn hors_table_toujours_refuse(etat in prop::sample::select(Etat::TOUS.to_vec()), action in action(), role in role()) {
        let r = nec2022();
        let mut d = dossier_complet(&r, 1);
        d.etat = etat;
        let t = transition(action.type_action());
        let resultat = appliquer(&d, &r, role, &action, maintenant());
        if !t.depuis.contains(&etat) {
            let attendu = Refus::EtatIncompatible { action: action.type_action(), etat };
            prop_assert_eq!(resultat, Err(attendu));
        } else if !t.roles.contains(&role) {
            let attendu = Refus::RoleNonAutorise { action: action.type_action(), role };
            prop_assert_eq!(resultat, Err(attendu));
        }
    }
}

#[test]
fn charte_avec_ses_partenaires() {
    let c = commun::catalogue();
    let charte = commun::referentiel(&c, "charte-territoire-actions");
    assert_eq!(charte.partenaires.as_ref().map(|p| p.min), Some(1));
    let t = maintenant();
    // Sans partenaire, le dépôt est refusé, avec un manque nommé.
    let mut d = dossier_complet(charte, 1);
    d.partenaires.clear();
    let e = appliquer(&d, charte, Role::Demandeur, &Action::Deposer, t).unwrap_err();
    assert!(
        matches!(e, Refus::Incomplet(ref m) if m.iter().any(|x| x.regle == "partenaires")),
        "{e:?}"
    );
    // Le demandeur les déclare (lignes vides ignorées, espaces retirés) ; le dépôt passe.
    let d = modifier(
        &d,
        charte,
        Role::Demandeur,
        &Modification::Partenaires {
            liste: vec![
                reperes_domain::dossier::Partenaire {
                    nom: "  CCAS d'Amiens ".into(),
                    role: " coordination ".into(),
                },
                reperes_domain::dossier::Partenaire::default(),
            ],
        },
    )
    .unwrap();
    assert_eq!(d.partenaires.len(), 1);
    assert_eq!(d.partenaires[0].nom, "CCAS d'Amiens");
    assert_eq!(d.partenaires[0].role, "coordination");
    assert!(appliquer(&d, charte, Role::Demandeur, &Action::Deposer, t).is_ok());
    // Trop long : refusé sans rien changer ; un label n'a pas de partenaires.
    let long = Modification::Partenaires {
        liste: vec![reperes_domain::dossier::Partenaire {
            nom: "x".repeat(201),
            role: String::new(),
        }],
    };
    assert!(matches!(
        modifier(&d, charte, Role::Demandeur, &long),
        Err(Refus::PartenairesTropLongs)
    ));
    let label = commun::referentiel(&c, "nec-2022");
    let l = dossier_complet(label, 1);
    assert!(matches!(
        modifier(&l, label, Role::Demandeur, &long),
        Err(Refus::PartenairesNonPrevus)
    ));
}

#[test]
fn niveau_zero_vaut_critere_non_retenu() {
    let c = commun::catalogue();
    let r = commun::referentiel(&c, "charte-territoire-actions");
    let d = dossier_complet(r, 1);
    let d = modifier(
        &d,
        r,
        Role::Demandeur,
        &Modification::Reponse {
            critere: "pix".into(),
            texte: "Pas de déploiement prévu pour le moment.".into(),
            liens: vec![],
            niveau_auto: Some(0),
        },
    )
    .unwrap();
    assert_eq!(d.criteres["pix"].niveau_auto, None);
}

/// Le renouvellement d'une charte est pré-rempli comme celui d'un label : dispositifs retenus
/// (avec leurs textes et leurs liens), partenaires de la démarche et déclaration ; les
/// appréciations ne sont pas reprises, et les engagements sont à ré-accepter explicitement.
#[test]
fn renouvellement_d_une_charte_pre_rempli() {
    let c = commun::catalogue();
    let r = commun::referentiel(&c, "charte-territoire-actions").clone();
    let t = maintenant();
    let mut d = dossier_complet(&r, 1);
    // Deux des six dispositifs retenus, un texte propre à chacun.
    d.criteres.clear();
    for id in ["pix", "cartographie"] {
        d.criteres.insert(
            id.into(),
            reperes_domain::dossier::ReponseCritere {
                texte: format!("Démarche du territoire pour « {id} », décrite en détail."),
                liens: vec!["https://exemple.fr/preuve".into()],
                fichiers: vec![],
                niveau_auto: Some(1),
                appreciation: None,
                ..Default::default()
            },
        );
    }
    let d = appliquer(&d, &r, Role::Demandeur, &Action::Deposer, t).unwrap();
    let d = appliquer(&d, &r, Role::Instructeur, &Action::PrendreEnCharge, t).unwrap();
    let d = apprecier_tout(&d, &r, 1);
    let d = appliquer(
        &d,
        &r,
        Role::Instructeur,
        &Action::Labelliser {
            niveau: 1,
            motivation: "Charte contresignée.".into(),
        },
        t,
    )
    .unwrap();
    assert_eq!(d.etat, Etat::Labellise);
    let n = renouveler(&d, &r, "d2".into()).unwrap();
    assert_eq!(n.etat, Etat::Brouillon);
    assert_eq!(n.renouvellement_de.as_deref(), Some("d"));
    let retenus: Vec<&str> = n
        .criteres
        .iter()
        .filter(|(_, x)| x.retenu())
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(retenus, ["cartographie", "pix"]);
    assert_eq!(
        n.criteres["pix"].texte,
        "Démarche du territoire pour « pix », décrite en détail."
    );
    assert_eq!(n.criteres["pix"].liens, ["https://exemple.fr/preuve"]);
    assert!(n.criteres.values().all(|x| x.appreciation.is_none()));
    assert_eq!(n.partenaires.len(), 1);
    assert_eq!(n.partenaires[0].nom, "Centre social du quartier");
    assert_eq!(n.partenaires[0].role, "Accueil des publics");
    assert_eq!(
        n.declarations.get("demarche_partenariale").copied(),
        Some(true)
    );
    assert!(n.engagements.is_empty(), "engagements à ré-accepter");
    // Sans ré-accepter les engagements, le renouvellement ne se dépose pas.
    assert!(appliquer(&n, &r, Role::Demandeur, &Action::Deposer, t).is_err());
    let mut accepte = n.clone();
    accepte.engagements = r.engagements.iter().map(|e| e.id.clone()).collect();
    assert_eq!(
        appliquer(&accepte, &r, Role::Demandeur, &Action::Deposer, t)
            .unwrap()
            .etat,
        Etat::Depose
    );
}
