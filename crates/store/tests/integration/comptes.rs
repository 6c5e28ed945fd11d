//! Comptes, sessions, jetons, tentatives, courriels, pièces et messages, sur les deux bases.

use crate::commun;

use chrono::{Duration, Utc};
use commun::*;
use reperes_domain::comptes::{Email, RoleCompte};
use reperes_domain::{Action, Etat, Modification};
use reperes_store::{
    deux_bases, Acteur, ErreurStore, Fichier, FiltreDossiers, Jeton, Message, NatureJeton,
    NouveauCourriel, Session, Store, Utilisateur,
};

fn compte(id: &str, email: &str, role: RoleCompte) -> Utilisateur {
    Utilisateur {
        id: id.into(),
        email: email.into(),
        nom: format!("Personne {id}"),
        role,
        hash_mot_de_passe: Some("$argon2id$v=19$m=19456,t=2,p=1$c2VsZHVzZWw$aGFzaA".into()),
        email_verifie: false,
        actif: true,
    }
}

/// Le demandeur `u1` (a@b.example), enregistré.
async fn creer_u1(store: &Store) {
    store
        .creer_utilisateur(
            &demandeur(),
            &compte("u1", "a@b.example", RoleCompte::Demandeur),
        )
        .await
        .unwrap();
}

deux_bases!(
    comptes_membres_et_journal_sans_empreinte,
    |store: Store| async move {
        let u = compte("u1", "camille@asso.example", RoleCompte::Demandeur);
        store.creer_utilisateur(&demandeur(), &u).await.unwrap();
        let e = store
            .creer_utilisateur(
                &demandeur(),
                &compte("u2", "camille@asso.example", RoleCompte::Demandeur),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ErreurStore::Conflit(_)), "{e}");
        let relu = store
            .utilisateur_par_email(&Email::parse("Camille@asso.example").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(relu, u);
        let mut verifie = relu.clone();
        verifie.email_verifie = true;
        store
            .mettre_a_jour_utilisateur(&demandeur(), "verifier_email", &verifie)
            .await
            .unwrap();
        assert!(
            store
                .utilisateur("u1")
                .await
                .unwrap()
                .unwrap()
                .email_verifie
        );
        let (o, _) = organisation_et_dispositif(&store, "m").await;
        store
            .ajouter_membre(&demandeur(), &o.id, "u1")
            .await
            .unwrap();
        store
            .ajouter_membre(&demandeur(), &o.id, "u1")
            .await
            .unwrap();
        assert_eq!(
            store.organisations_de("u1").await.unwrap(),
            vec![o.id.clone()]
        );
        assert_eq!(store.membres(&o.id).await.unwrap().len(), 1);
        let p = store.personne(&u).await.unwrap();
        assert!(p.membre_de(&o.id));
        // L'empreinte du mot de passe n'entre jamais dans le journal.
        for e in store.journal_objet("utilisateur", "u1").await.unwrap() {
            for texte in [e.contenu.avant, e.contenu.apres].into_iter().flatten() {
                assert!(!texte.contains("argon2"), "{texte}");
            }
        }
        assert_eq!(
            store
                .utilisateurs_de_role(RoleCompte::Demandeur)
                .await
                .unwrap()
                .len(),
            1
        );
        store.verifier_journal().await.unwrap();
    }
);

deux_bases!(
    sessions_expirent_et_se_suppriment,
    |store: Store| async move {
        creer_u1(&store).await;
        let maintenant = Utc::now();
        let s = Session {
            id_hash: "h1".into(),
            utilisateur_id: Some("u1".into()),
            csrf: "c".into(),
            expire_le: maintenant + Duration::hours(1),
        };
        store.creer_session(&s).await.unwrap();
        store
            .creer_session(&Session {
                id_hash: "h2".into(),
                utilisateur_id: None,
                csrf: "c2".into(),
                expire_le: maintenant - Duration::seconds(1),
            })
            .await
            .unwrap();
        assert_eq!(
            store
                .session("h1", maintenant)
                .await
                .unwrap()
                .unwrap()
                .utilisateur_id
                .as_deref(),
            Some("u1")
        );
        assert!(
            store.session("h2", maintenant).await.unwrap().is_none(),
            "expirée"
        );
        assert_eq!(store.purger_sessions(maintenant).await.unwrap(), 1);
        store.supprimer_sessions_de("u1").await.unwrap();
        assert!(store.session("h1", maintenant).await.unwrap().is_none());
    }
);

/// Le jeton `hash` consommé pour la `nature` donnée à l'instant `le` (s'il était valable).
async fn consommer(
    store: &Store,
    hash: &str,
    nature: NatureJeton,
    le: chrono::DateTime<Utc>,
) -> Option<Jeton> {
    store.consommer_jeton(hash, nature, le).await.unwrap()
}

deux_bases!(jetons_a_usage_unique, |store: Store| async move {
    // Les horodatages sont stockés à la microseconde.
    let maintenant = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
    let j = Jeton {
        hash: "j1".into(),
        nature: NatureJeton::Reinitialisation,
        email: "a@b.example".into(),
        organisation_id: None,
        role: None,
        expire_le: maintenant + Duration::hours(1),
    };
    store.creer_jeton(&j).await.unwrap();
    assert!(
        consommer(&store, "j1", NatureJeton::VerificationEmail, maintenant)
            .await
            .is_none(),
        "mauvaise nature"
    );
    assert_eq!(
        consommer(&store, "j1", NatureJeton::Reinitialisation, maintenant).await,
        Some(j.clone())
    );
    assert!(
        consommer(&store, "j1", NatureJeton::Reinitialisation, maintenant)
            .await
            .is_none(),
        "déjà utilisé"
    );
    store
        .creer_jeton(&Jeton {
            hash: "j2".into(),
            expire_le: maintenant - Duration::seconds(1),
            ..j
        })
        .await
        .unwrap();
    assert!(
        consommer(&store, "j2", NatureJeton::Reinitialisation, maintenant)
            .await
            .is_none(),
        "expiré"
    );
});

deux_bases!(trace_d_un_jeton_et_sa_session, |store: Store| async move {
    let maintenant = Utc::now();
    let j = Jeton {
        hash: "t1".into(),
        nature: NatureJeton::VerificationEmail,
        email: "t@b.example".into(),
        organisation_id: None,
        role: None,
        expire_le: maintenant + Duration::hours(1),
    };
    store.creer_jeton(&j).await.unwrap();
    assert_eq!(
        store
            .trace_du_jeton("inconnu", NatureJeton::VerificationEmail)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .trace_du_jeton("t1", NatureJeton::Reinitialisation)
            .await
            .unwrap(),
        None,
        "mauvaise nature"
    );
    let t = store
        .trace_du_jeton("t1", NatureJeton::VerificationEmail)
        .await
        .unwrap()
        .expect("jeton connu");
    assert_eq!(
        (t.email.as_str(), t.utilise, t.session_id_hash),
        ("t@b.example", false, None)
    );
    store
        .rattacher_jeton_a_session("t1", "empreinte-de-session")
        .await
        .unwrap();
    consommer(&store, "t1", NatureJeton::VerificationEmail, maintenant)
        .await
        .expect("consommé");
    let t = store
        .trace_du_jeton("t1", NatureJeton::VerificationEmail)
        .await
        .unwrap()
        .expect("toujours connu après usage");
    assert!(t.utilise);
    assert_eq!(t.session_id_hash.as_deref(), Some("empreinte-de-session"));
});

deux_bases!(
    tentatives_comptees_sur_une_fenetre,
    |store: Store| async move {
        let t = Utc::now();
        let f = Duration::minutes(15);
        for (i, attendu) in [(0, 1), (5, 2), (10, 3)] {
            let n = store
                .compter_tentative("ip:127.0.0.1", t + Duration::minutes(i), f)
                .await
                .unwrap();
            assert_eq!(n, attendu);
        }
        // Une autre clé a son propre compteur.
        assert_eq!(
            store.compter_tentative("ip:10.0.0.1", t, f).await.unwrap(),
            1
        );
        // Fenêtre passée (15 minutes après la première) : le compte repart de 1.
        assert_eq!(
            store
                .compter_tentative("ip:127.0.0.1", t + Duration::minutes(15), f)
                .await
                .unwrap(),
            1
        );
        // Purge : les compteurs commencés avant l'heure donnée.
        assert_eq!(
            store
                .purger_tentatives(t + Duration::minutes(1))
                .await
                .unwrap(),
            1
        );
    }
);

// Issue 13, constat 3 : compter puis insérer laissait passer toute une rafale parallèle. Le
// compteur est incrémenté en une requête : 50 tentatives simultanées reçoivent les numéros 1 à 50.
deux_bases!(
    rafale_parallele_comptee_atomiquement,
    |store: Store| async move {
        let t = Utc::now();
        let f = Duration::minutes(15);
        let rafale = (0..50).map(|_| store.compter_tentative("ip:203.0.113.7", t, f));
        let mut numeros: Vec<i64> = futures_util::future::join_all(rafale)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        numeros.sort();
        assert_eq!(numeros, (1..=50).collect::<Vec<i64>>());
        // Avec un maximum de 20 : exactement 20 acceptées.
        let acceptees = numeros.iter().filter(|n| **n <= 20).count();
        assert_eq!(acceptees, 20);
    }
);

const DELAIS: [Duration; 3] = [
    Duration::minutes(15),
    Duration::minutes(30),
    Duration::hours(1),
];

// Issue 13, constat 6 : délai progressif par clé (compte + adresse), rafale comprise.
deux_bases!(
    tentatives_progressives_bloquent_de_plus_en_plus_longtemps,
    |store: Store| async move {
        let t0 = Utc::now();
        let f = Duration::minutes(15);
        let cle = "connexion:a@b.example|203.0.113.7";
        let tenter = |t| store.tentative_progressive(cle, t, f, 5, &DELAIS);
        for i in 0..5 {
            assert_eq!(
                tenter(t0 + Duration::seconds(i)).await.unwrap(),
                None,
                "{i}"
            );
        }
        // La 6e est refusée jusqu'à 15 minutes après la 5e ; les refus ne prolongent rien.
        let fin1 = t0 + Duration::seconds(4) + Duration::minutes(15);
        let r = tenter(t0 + Duration::minutes(1)).await.unwrap().unwrap();
        assert_eq!(r.timestamp_micros(), fin1.timestamp_micros());
        let r = tenter(t0 + Duration::minutes(10)).await.unwrap().unwrap();
        assert_eq!(r.timestamp_micros(), fin1.timestamp_micros());
        // Le délai passé : cinq de plus, puis un refus deux fois plus long.
        let t1 = fin1 + Duration::seconds(1);
        for i in 0..5 {
            assert_eq!(tenter(t1 + Duration::seconds(i)).await.unwrap(), None);
        }
        let fin2 = t1 + Duration::seconds(4) + Duration::minutes(30);
        let r = tenter(t1 + Duration::seconds(5)).await.unwrap().unwrap();
        assert_eq!(r.timestamp_micros(), fin2.timestamp_micros());
        // Une autre adresse, même compte : pas bloquée.
        assert_eq!(
            store
                .tentative_progressive("connexion:a@b.example|198.51.100.1", t1, f, 5, &DELAIS)
                .await
                .unwrap(),
            None
        );
        // Effacée (connexion réussie) : tout repart de zéro.
        store.effacer_tentatives(cle).await.unwrap();
        assert_eq!(tenter(t1 + Duration::seconds(6)).await.unwrap(), None);

        // Une rafale de 50 tentatives simultanées : exactement 5 acceptées.
        let rafale = (0..50).map(|_| {
            store.tentative_progressive("connexion:rafale|203.0.113.9", t0, f, 5, &DELAIS)
        });
        let acceptees = futures_util::future::join_all(rafale)
            .await
            .into_iter()
            .filter(|r| r.as_ref().unwrap().is_none())
            .count();
        assert_eq!(acceptees, 5);
    }
);

// Issue 13, constat 6 : après une réinitialisation, les autres liens ne servent plus.
deux_bases!(
    jetons_d_une_adresse_invalides_ensemble,
    |store: Store| async move {
        let t = Utc::now();
        for (h, email, nature) in [
            ("r1", "a@b.example", NatureJeton::Reinitialisation),
            ("r2", "a@b.example", NatureJeton::Reinitialisation),
            ("r3", "c@d.example", NatureJeton::Reinitialisation),
            ("v1", "a@b.example", NatureJeton::VerificationEmail),
        ] {
            store
                .creer_jeton(&Jeton {
                    hash: h.into(),
                    nature,
                    email: email.into(),
                    organisation_id: None,
                    role: None,
                    expire_le: t + Duration::hours(1),
                })
                .await
                .unwrap();
        }
        assert_eq!(
            store
                .invalider_jetons("a@b.example", NatureJeton::Reinitialisation, t)
                .await
                .unwrap(),
            2
        );
        let r = NatureJeton::Reinitialisation;
        assert!(store.jeton_valide("r1", r, t).await.unwrap().is_none());
        assert!(store.jeton_valide("r2", r, t).await.unwrap().is_none());
        assert!(store.jeton_valide("r3", r, t).await.unwrap().is_some());
        let v = NatureJeton::VerificationEmail;
        assert!(store.jeton_valide("v1", v, t).await.unwrap().is_some());
    }
);

deux_bases!(courriels_en_file_avec_reessais, |store: Store| async move {
    store
        .mettre_en_file(&NouveauCourriel {
            destinataire: "a@b.example".into(),
            sujet: "Bonjour".into(),
            corps: "Texte".into(),
        })
        .await
        .unwrap();
    let dus = store.courriels_dus(Utc::now(), 10).await.unwrap();
    assert_eq!(dus.len(), 1);
    store
        .marquer_echec(&dus[0].id, "connexion refusée")
        .await
        .unwrap();
    assert!(
        store
            .courriels_dus(Utc::now(), 10)
            .await
            .unwrap()
            .is_empty(),
        "réessai différé"
    );
    let plus_tard = Utc::now() + Duration::minutes(5);
    let dus = store.courriels_dus(plus_tard, 10).await.unwrap();
    assert_eq!(
        (dus[0].essais, dus[0].derniere_erreur.as_deref()),
        (1, Some("connexion refusée"))
    );
    store.marquer_envoye(&dus[0].id).await.unwrap();
    assert!(store.courriels_dus(plus_tard, 10).await.unwrap().is_empty());
    assert!(store.courriels().await.unwrap()[0].envoye_le.is_some());
});

deux_bases!(
    depot_numerote_et_decision_notifiee_dans_la_meme_transaction,
    |store: Store| async move {
        let c = catalogue();
        let d1 = dossier_complet(&store, &c, "n1").await;
        let d2 = dossier_complet(&store, &c, "n2").await;
        let a = store
            .agir(&c, &d1.id, &demandeur(), &Action::Deposer, maintenant())
            .await
            .unwrap();
        let b = store
            .agir(&c, &d2.id, &demandeur(), &Action::Deposer, maintenant())
            .await
            .unwrap();
        let annee = Utc::now().format("%Y").to_string();
        assert_eq!(a.numero, Some(format!("REP-{annee}-000001")));
        assert_eq!(b.numero, Some(format!("REP-{annee}-000002")));
        // Un complément puis un nouveau dépôt gardent le numéro.
        store
            .agir(
                &c,
                &d1.id,
                &instructeur(),
                &Action::PrendreEnCharge,
                maintenant(),
            )
            .await
            .unwrap();
        let echeance = (Utc::now() + Duration::days(10)).date_naive();
        let notifier = |d: &reperes_domain::Dossier| {
            vec![NouveauCourriel {
                destinataire: "porteur@asso.example".into(),
                sujet: format!(
                    "Dossier {} : complément demandé",
                    d.numero.clone().unwrap_or_default()
                ),
                corps: "…".into(),
            }]
        };
        store
            .agir_et_notifier(
                &c,
                &d1.id,
                &instructeur(),
                &Action::DemanderComplement {
                    motif: "Préciser.".into(),
                    echeance,
                },
                Utc::now(),
                &notifier,
            )
            .await
            .unwrap();
        assert_eq!(
            store.courriels().await.unwrap()[0].sujet,
            format!("Dossier REP-{annee}-000001 : complément demandé")
        );
        // Une action refusée n'envoie rien.
        let e = store
            .agir_et_notifier(
                &c,
                &d1.id,
                &instructeur(),
                &Action::Refuser {
                    motivation: "x".into(),
                },
                Utc::now(),
                &notifier,
            )
            .await;
        assert!(e.is_err());
        assert_eq!(store.courriels().await.unwrap().len(), 1);
        let relu = store
            .agir(&c, &d1.id, &demandeur(), &Action::Deposer, Utc::now())
            .await
            .unwrap();
        assert_eq!(relu.numero, a.numero);
    }
);

deux_bases!(file_d_instruction_filtree, |store: Store| async move {
    let c = catalogue();
    let agent = compte("agent1", "agent@anct.example", RoleCompte::Instructeur);
    store
        .creer_utilisateur(&instructeur(), &agent)
        .await
        .unwrap();
    let d1 = dossier_complet(&store, &c, "f1").await;
    let d2 = dossier_complet(&store, &c, "f2").await;
    store
        .agir(&c, &d1.id, &demandeur(), &Action::Deposer, maintenant())
        .await
        .unwrap();
    store
        .modifier(
            &c,
            &d1.id,
            &instructeur(),
            &Modification::Attribuer {
                instructeur_id: Some("agent1".into()),
            },
        )
        .await
        .unwrap();
    let tous = FiltreDossiers {
        sans_brouillons: true,
        ..Default::default()
    };
    assert_eq!(
        store.dossiers(&tous).await.unwrap().len(),
        1,
        "brouillon exclu"
    );
    let a_moi = FiltreDossiers {
        instructeur_id: Some("agent1".into()),
        ..Default::default()
    };
    assert_eq!(store.dossiers(&a_moi).await.unwrap()[0].id, d1.id);
    let non_attribues = FiltreDossiers {
        instructeur_id: Some(String::new()),
        ..Default::default()
    };
    assert_eq!(store.dossiers(&non_attribues).await.unwrap()[0].id, d2.id);
    let depose = FiltreDossiers {
        depose_depuis: Some(maintenant().date_naive()),
        depose_jusqu_au: Some(maintenant().date_naive()),
        ..Default::default()
    };
    assert_eq!(store.dossiers(&depose).await.unwrap().len(), 1);
    let hier = FiltreDossiers {
        depose_jusqu_au: Some(maintenant().date_naive() - Duration::days(1)),
        ..Default::default()
    };
    assert!(store.dossiers(&hier).await.unwrap().is_empty());
    let niveau2 = FiltreDossiers {
        niveau_vise: Some(2),
        ..Default::default()
    };
    assert!(store.dossiers(&niveau2).await.unwrap().is_empty());
    let type_num = FiltreDossiers {
        type_dispositif: Some("numerique".into()),
        etat: Some(Etat::Depose),
        ..Default::default()
    };
    assert_eq!(store.dossiers(&type_num).await.unwrap().len(), 1);
    let membre = FiltreDossiers {
        organisations: Some(vec![d2.organisation_id.clone()]),
        ..Default::default()
    };
    assert_eq!(store.dossiers(&membre).await.unwrap()[0].id, d2.id);
});

deux_bases!(pieces_et_messages, |store: Store| async move {
    let c = catalogue();
    let d = dossier_complet(&store, &c, "p").await;
    creer_u1(&store).await;
    let f = Fichier {
        id: "f1".into(),
        dossier_id: d.id.clone(),
        nom: "audit.pdf".into(),
        type_mime: "application/pdf".into(),
        taille: 1234,
        sha256: "ab".into(),
        cle_stockage: "f1".into(),
        depose_par: "u1".into(),
    };
    store.enregistrer_fichier(&demandeur(), &f).await.unwrap();
    assert_eq!(store.fichier("f1").await.unwrap(), Some(f.clone()));
    assert_eq!(store.fichiers_du_dossier(&d.id).await.unwrap(), vec![f]);
    let m = |id: &str, prive| Message {
        id: id.into(),
        dossier_id: d.id.clone(),
        auteur_id: "u1".into(),
        corps: "Bonjour".into(),
        fichiers: vec!["f1".into()],
        prive,
        cree_le: Utc::now(),
    };
    store
        .ajouter_message(&demandeur(), &m("m1", false))
        .await
        .unwrap();
    store
        .ajouter_message(
            &Acteur::new("agent", reperes_domain::Role::Instructeur),
            &m("m2", true),
        )
        .await
        .unwrap();
    assert_eq!(store.messages(&d.id, false).await.unwrap().len(), 1);
    let tous = store.messages(&d.id, true).await.unwrap();
    assert_eq!(tous.len(), 2);
    assert_eq!(tous[0].fichiers, ["f1"]);
    store.verifier_journal().await.unwrap();
});
