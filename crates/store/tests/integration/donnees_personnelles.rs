//! Données personnelles (RGPD), sur les deux bases : ce que la base garde sur un compte (et
//! seulement sur lui), suppression (adresse absente de toute la base, journal intact et valide,
//! dossiers à leur organisation), dernier administrateur, comptes dormants selon la date.

use crate::commun;

use chrono::{DateTime, Duration, Utc};
use commun::*;
use reperes_domain::comptes::RoleCompte;
use reperes_domain::Role;
use reperes_store::{
    deux_bases, Abonnement, Acteur, BilanDormants, ErreurStore, Jeton, Message, NatureJeton,
    NouveauCourriel, Session, Store, Utilisateur,
};

fn compte(id: &str, email: &str, nom: &str, role: RoleCompte) -> Utilisateur {
    Utilisateur {
        id: id.into(),
        email: email.into(),
        nom: nom.into(),
        role,
        hash_mot_de_passe: Some("$argon2id$v=19$m=19456,t=2,p=1$c2VsZHVzZWw$aGFzaA".into()),
        email_verifie: true,
        actif: true,
    }
}

/// L'acteur qu'écrit le web pour un compte : `rôle:identifiant`.
fn acteur_de(u: &Utilisateur) -> Acteur {
    let role = match u.role {
        RoleCompte::Demandeur => Role::Demandeur,
        RoleCompte::Instructeur => Role::Instructeur,
        RoleCompte::Administrateur => Role::Administrateur,
        RoleCompte::Expert => Role::Expert,
    };
    Acteur::new(&u.id, role)
}

async fn creer(store: &Store, u: &Utilisateur) {
    store.creer_utilisateur(&acteur_de(u), u).await.unwrap();
}

/// Nombre de cellules, dans toutes les colonnes de texte où une adresse ou un nom peut se
/// trouver, qui contiennent `texte` (requête directe sur la base).
async fn occurrences(store: &Store, texte: &str) -> Vec<String> {
    let colonnes = [
        ("utilisateurs", "email"),
        ("utilisateurs", "nom"),
        ("audit", "acteur"),
        ("audit", "avant"),
        ("audit", "apres"),
        ("audit", "motif"),
        ("jetons", "email"),
        ("courriels", "destinataire"),
        ("courriels", "sujet"),
        ("courriels", "corps"),
        ("compteurs_debit", "cle"),
        ("journal_securite", "compte"),
        ("abonnements", "url"),
        ("livraisons", "corps"),
    ];
    let mut trouve = Vec::new();
    for (table, colonne) in colonnes {
        let (n,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM {table} WHERE {colonne} LIKE '%' || $1 || '%'"
        ))
        .bind(texte)
        .fetch_one(store.pool())
        .await
        .unwrap();
        if n > 0 {
            trouve.push(format!("{table}.{colonne} ({n})"));
        }
    }
    trouve
}

async fn sessions_de(store: &Store, id: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions WHERE utilisateur_id = $1")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    n
}

deux_bases!(
    donnees_d_un_compte_puis_suppression,
    |store: Store| async move {
        let c = catalogue();
        let camille = compte(
            "u-camille",
            "camille.titulaire@asso.example",
            "Camille Titulaire",
            RoleCompte::Demandeur,
        );
        let dominique = compte(
            "u-dominique",
            "dominique.autre@asso.example",
            "Dominique Autre",
            RoleCompte::Demandeur,
        );
        creer(&store, &camille).await;
        creer(&store, &dominique).await;
        let dossier = dossier_complet(&store, &c, "a").await;
        for u in [&camille, &dominique] {
            store
                .ajouter_membre(&acteur_de(u), &dossier.organisation_id, &u.id)
                .await
                .unwrap();
        }
        for (u, corps) in [
            (&camille, "Message de Camille"),
            (&dominique, "Message de Dominique"),
        ] {
            store
                .ajouter_message(
                    &acteur_de(u),
                    &Message {
                        id: format!("msg-{}", u.id),
                        dossier_id: dossier.id.clone(),
                        auteur_id: u.id.clone(),
                        corps: corps.into(),
                        fichiers: vec![],
                        prive: false,
                        cree_le: Utc::now(),
                    },
                )
                .await
                .unwrap();
        }
        for u in [&camille, &dominique] {
            store
                .creer_session(&Session {
                    id_hash: format!("session-{}", u.id),
                    utilisateur_id: Some(u.id.clone()),
                    csrf: "x".into(),
                    expire_le: Utc::now() + Duration::hours(12),
                })
                .await
                .unwrap();
            store
                .creer_jeton(&Jeton {
                    hash: format!("jeton-{}", u.id),
                    nature: NatureJeton::Invitation,
                    email: u.email.clone(),
                    organisation_id: Some(dossier.organisation_id.clone()),
                    role: None,
                    expire_le: Utc::now() + Duration::days(7),
                })
                .await
                .unwrap();
            store
                .mettre_en_file(&NouveauCourriel {
                    destinataire: u.email.clone(),
                    sujet: "Repères : accusé de réception".into(),
                    corps: format!("Bonjour {},", u.nom),
                })
                .await
                .unwrap();
            store
                .compter_tentative(
                    &format!("connexion:{}|10.0.0.1", u.email),
                    Utc::now(),
                    chrono::Duration::minutes(15),
                )
                .await
                .unwrap();
        }
        store
            .creer_abonnement(&Abonnement {
                id: "abo-camille".into(),
                proprietaire_id: camille.id.clone(),
                url: "https://camille.example/crochet".into(),
                secret: "s".into(),
                actif: true,
            })
            .await
            .unwrap();

        // Ce que la base garde sur Camille, et rien sur Dominique.
        let d = store
            .donnees_personnelles(&camille.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.compte.email, "camille.titulaire@asso.example");
        assert_eq!(d.compte.nom, "Camille Titulaire");
        assert!(d.compte.derniere_connexion_le.is_some(), "connexion notée");
        assert_eq!(
            d.organisations
                .iter()
                .map(|o| o.id.as_str())
                .collect::<Vec<_>>(),
            ["org-a"]
        );
        assert_eq!(
            d.messages
                .iter()
                .map(|m| m.corps.as_str())
                .collect::<Vec<_>>(),
            ["Message de Camille"]
        );
        assert_eq!(d.sessions.len(), 1);
        assert_eq!(d.invitations.len(), 1);
        assert_eq!(
            d.abonnements
                .iter()
                .map(|a| a.url.as_str())
                .collect::<Vec<_>>(),
            ["https://camille.example/crochet"]
        );
        let actions: Vec<&str> = d.journal.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["creer_compte", "ajouter_membre", "envoyer_message"]
        );
        let json = serde_json::to_string(&d).unwrap();
        assert!(json.contains("camille.titulaire@asso.example"));
        assert!(!json.contains("dominique"), "rien de Dominique : {json}");
        assert!(!json.contains("Dominique"), "rien de Dominique : {json}");

        // Le journal ne désigne Camille que par son identifiant, avant même la suppression.
        let partout = [
            "utilisateurs.email (1)",
            "jetons.email (1)",
            "courriels.destinataire (1)",
            "compteurs_debit.cle (1)",
        ];
        assert_eq!(
            occurrences(&store, "camille.titulaire@asso.example").await,
            partout,
            "ni le journal ni rien d'autre ne porte l'adresse"
        );

        // Suppression.
        let numero = store
            .supprimer_compte(&acteur_de(&camille), &camille.id, Utc::now())
            .await
            .unwrap();
        assert_eq!(numero, 1);
        assert_eq!(
            occurrences(&store, "camille.titulaire@asso.example").await,
            Vec::<String>::new(),
            "l'adresse a quitté la base"
        );
        assert_eq!(
            occurrences(&store, "Camille Titulaire").await,
            Vec::<String>::new(),
            "le nom a quitté la base"
        );
        // Dominique n'est pas touché.
        assert_eq!(
            occurrences(&store, "dominique.autre@asso.example").await,
            partout
        );
        assert_eq!(
            sessions_de(&store, &camille.id).await,
            0,
            "sessions fermées"
        );
        assert_eq!(sessions_de(&store, &dominique.id).await, 1);
        let apres = store.utilisateur(&camille.id).await.unwrap().unwrap();
        assert_eq!(apres.nom, "Compte supprimé n° 1");
        assert!(!apres.actif);
        assert_eq!(apres.hash_mot_de_passe, None);
        assert_eq!(
            store.organisations_de(&camille.id).await.unwrap(),
            Vec::<String>::new()
        );
        // Le dossier reste à l'organisation, avec ses messages ; le journal est valide.
        let dossier_apres = store.dossier(&dossier.id).await.unwrap().unwrap();
        assert_eq!(dossier_apres.organisation_id, "org-a");
        assert_eq!(store.messages(&dossier.id, true).await.unwrap().len(), 2);
        let n = store.verifier_journal().await.unwrap();
        assert!(n > 5);
        let j = store
            .journal_objet("utilisateur", &camille.id)
            .await
            .unwrap();
        assert_eq!(j.last().unwrap().contenu.action, "supprimer_compte");
        assert_eq!(j.last().unwrap().contenu.acteur, "demandeur:u-camille");
        // Une seconde suppression est refusée.
        assert!(matches!(
            store
                .supprimer_compte(&acteur_de(&camille), &camille.id, Utc::now())
                .await,
            Err(ErreurStore::Conflit(_))
        ));
        // Un autre compte supprimé reçoit le numéro suivant.
        assert_eq!(
            store
                .supprimer_compte(&acteur_de(&dominique), &dominique.id, Utc::now())
                .await
                .unwrap(),
            2
        );
        store.verifier_journal().await.unwrap();
    }
);

deux_bases!(
    le_dernier_administrateur_ne_peut_pas_se_supprimer,
    |store: Store| async move {
        let a1 = compte(
            "a1",
            "a1@anct.example",
            "Admin Un",
            RoleCompte::Administrateur,
        );
        let a2 = compte(
            "a2",
            "a2@anct.example",
            "Admin Deux",
            RoleCompte::Administrateur,
        );
        creer(&store, &a1).await;
        match store
            .supprimer_compte(&acteur_de(&a1), "a1", Utc::now())
            .await
        {
            Err(ErreurStore::Conflit(m)) => assert!(m.contains("dernier administrateur"), "{m}"),
            autre => panic!("refus attendu : {autre:?}"),
        }
        assert!(store.utilisateur("a1").await.unwrap().unwrap().actif);
        creer(&store, &a2).await;
        store
            .supprimer_compte(&acteur_de(&a1), "a1", Utc::now())
            .await
            .unwrap();
        assert!(matches!(
            store
                .supprimer_compte(&acteur_de(&a2), "a2", Utc::now())
                .await,
            Err(ErreurStore::Conflit(_))
        ));
    }
);

/// Fixe la date de dernière connexion d'un compte (comme s'il s'était connecté ce jour-là).
async fn connecte_le(store: &Store, id: &str, t: DateTime<Utc>) {
    sqlx::query("UPDATE utilisateurs SET derniere_connexion_le = $1 WHERE id = $2")
        .bind(reperes_store::horodatage(t))
        .bind(id)
        .execute(store.pool())
        .await
        .unwrap();
}

deux_bases!(
    comptes_dormants_prevenus_puis_pseudonymises_selon_la_date,
    |store: Store| async move {
        let t = Utc::now();
        let dormant = compte(
            "d",
            "dormant@asso.example",
            "Dormant",
            RoleCompte::Demandeur,
        );
        let actif = compte("r", "recent@asso.example", "Récent", RoleCompte::Demandeur);
        let admin = compte(
            "adm",
            "seul-admin@anct.example",
            "Seul Admin",
            RoleCompte::Administrateur,
        );
        for u in [&dormant, &actif, &admin] {
            creer(&store, u).await;
        }
        connecte_le(&store, "d", t - Duration::days(1100)).await;
        connecte_le(&store, "r", t - Duration::days(10)).await;
        connecte_le(&store, "adm", t - Duration::days(2000)).await;
        let systeme = Acteur::new("taches", Role::Systeme);
        let duree = Duration::days(1095);
        let purger = |quand: DateTime<Utc>| {
            let store = store.clone();
            let systeme = systeme.clone();
            async move {
                store
                    .purger_comptes_dormants(&systeme, quand, duree, "https://reperes.example")
                    .await
                    .unwrap()
            }
        };
        // Premier passage : les deux dormants sont prévenus par courriel.
        assert_eq!(
            purger(t).await,
            BilanDormants {
                prevenus: 2,
                pseudonymises: 0,
                gardes: 0
            }
        );
        let courriels = store.courriels().await.unwrap();
        let preavis = courriels
            .iter()
            .find(|c| c.destinataire == "dormant@asso.example")
            .expect("préavis envoyé");
        assert!(
            preavis.corps.contains("https://reperes.example/connexion"),
            "{}",
            preavis.corps
        );
        assert!(!courriels
            .iter()
            .any(|c| c.destinataire == "recent@asso.example"));
        // Le préavis court encore 29 jours plus tard : rien.
        assert_eq!(
            purger(t + Duration::days(29)).await,
            BilanDormants::default()
        );
        // À 30 jours : le dormant est pseudonymisé, le dernier administrateur gardé, le compte
        // récent (40 jours sans connexion) laissé.
        assert_eq!(
            purger(t + Duration::days(30)).await,
            BilanDormants {
                prevenus: 0,
                pseudonymises: 1,
                gardes: 1
            }
        );
        assert_eq!(
            occurrences(&store, "dormant@asso.example").await,
            Vec::<String>::new()
        );
        assert_eq!(
            store.utilisateur("d").await.unwrap().unwrap().nom,
            "Compte supprimé n° 1"
        );
        assert_eq!(
            store.utilisateur("r").await.unwrap().unwrap().email,
            "recent@asso.example"
        );
        assert_eq!(
            store.utilisateur("adm").await.unwrap().unwrap().email,
            "seul-admin@anct.example"
        );
        let j = store.journal_objet("utilisateur", "d").await.unwrap();
        let actions: Vec<&str> = j.iter().map(|e| e.contenu.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "creer_compte",
                "prevenir_compte_dormant",
                "pseudonymiser_compte_dormant"
            ]
        );
        assert_eq!(
            j[2].contenu.motif.as_deref(),
            Some("compte sans connexion depuis plus de 1095 jours")
        );
        store.verifier_journal().await.unwrap();

        // Une connexion annule le préavis : le compte repart de zéro.
        connecte_le(&store, "r", t - Duration::days(1070)).await;
        assert_eq!(purger(t).await.prevenus, 1);
        store
            .creer_session(&Session {
                id_hash: "s-r".into(),
                utilisateur_id: Some("r".into()),
                csrf: "x".into(),
                expire_le: Utc::now() + Duration::hours(1),
            })
            .await
            .unwrap();
        assert_eq!(
            store
                .donnees_personnelles("r")
                .await
                .unwrap()
                .unwrap()
                .compte
                .dormant_prevenu_le,
            None
        );
        assert_eq!(purger(t + Duration::days(40)).await.pseudonymises, 0);
    }
);
