//! Lieux vivants (issue 16), partie « structures », au store, sur les deux bases : demandes de
//! revendication (refus clairs, rien d'écrit), décision, rappels de fraîcheur (une fois par
//! période) et lien de confirmation (valable, inconnu, expiré, rejoué), journal.

use chrono::{Duration, Utc};
use reperes_domain::lieux::versions::Origine;
use reperes_domain::lieux::Enregistrement;
use reperes_domain::Role;
use reperes_store::{
    deux_bases, Acteur, ErreurStore, EtatLien, ModificationLieu, NouveauCourriel, RappelFraicheur,
    Store,
};
use serde_json::Value;

use crate::commun;

fn lieu() -> Enregistrement {
    [
        ("id", "L1"),
        ("pivot", "12345678901234"),
        ("nom", "Espace numérique du Port"),
        ("commune", "Brest"),
        ("code_postal", "29200"),
        ("adresse", "1 quai Malbert"),
        ("date_maj", "2020-01-01"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
    .collect()
}

fn conflit(r: Result<(), ErreurStore>) -> String {
    match r {
        Err(ErreurStore::Conflit(m)) => m,
        autre => panic!("refus attendu : {autre:?}"),
    }
}

deux_bases!(
    revendications_et_lien_de_confirmation,
    |store: Store| async move {
        let admin = Acteur::new("adm", Role::Administrateur);
        let a = Acteur::new("a", Role::Demandeur);
        store
            .modifier_lieu(
                &admin,
                ModificationLieu {
                    source: "region",
                    id: "L1",
                    version_lue: 0,
                    nouveau: lieu(),
                    origine: Origine::Proposition,
                    detail: None,
                    organisation_id: None,
                },
            )
            .await
            .unwrap();
        commun::structure_de_lieu(&store, &a, "org-a", "Structure org-a").await;
        commun::structure_de_lieu(&store, &a, "org-b", "Structure org-b").await;
        // Lieu inconnu.
        assert!(matches!(
            store.demander_lieu(&a, "region", "absent", "org-a").await,
            Err(ErreurStore::Introuvable(_))
        ));
        store
            .demander_lieu(&a, "region", "L1", "org-a")
            .await
            .unwrap();
        assert!(
            conflit(store.demander_lieu(&a, "region", "L1", "org-a").await)
                .contains("déjà demandé")
        );
        let en_cours = store.revendications("demandee").await.unwrap();
        assert_eq!(en_cours.len(), 1);
        assert_eq!(en_cours[0].lieu_nom, "Espace numérique du Port");
        assert_eq!(en_cours[0].demandeur_id(), "a");
        // Refus sans motif : rien d'écrit.
        assert!(conflit(
            store
                .decider_revendication(&admin, "region", "L1", "org-a", false, Some(" "), &[])
                .await
        )
        .contains("motif"));
        // Acceptation, avec le courriel dans la même transaction.
        let courriel = NouveauCourriel {
            destinataire: "a@exemple.fr".into(),
            sujet: "Acceptée".into(),
            corps: "Votre demande est acceptée.".into(),
        };
        store
            .decider_revendication(&admin, "region", "L1", "org-a", true, None, &[courriel])
            .await
            .unwrap();
        assert_eq!(
            store
                .structure_du_lieu("region", "L1")
                .await
                .unwrap()
                .unwrap()
                .organisation_id,
            "org-a"
        );
        assert_eq!(store.courriels().await.unwrap().len(), 1);
        assert!(conflit(
            store
                .decider_revendication(&admin, "region", "L1", "org-a", true, None, &[])
                .await
        )
        .contains("plus en cours"));
        // Déjà tenu : B ne peut pas le demander.
        assert!(
            conflit(store.demander_lieu(&a, "region", "L1", "org-b").await)
                .contains("déjà tenu par la structure « Structure org-a »")
        );
        assert_eq!(store.lieux_tenus().await.unwrap().len(), 1);
        // Rappel : une fois par période.
        let maintenant = Utc::now();
        let rappel = |empreinte: &str, expire| RappelFraicheur {
            source: "region".into(),
            lieu_id: "L1".into(),
            periode: "2020-01-01".into(),
            organisation_id: "org-a".into(),
            jeton_empreinte: empreinte.into(),
            expire_le: expire,
            utilise_le: None,
        };
        let systeme = Acteur::new("rappels", Role::Systeme);
        assert!(store
            .enregistrer_rappel_fraicheur(
                &systeme,
                &rappel("e1", maintenant + Duration::days(30)),
                &[],
                maintenant
            )
            .await
            .unwrap());
        assert!(!store
            .enregistrer_rappel_fraicheur(
                &systeme,
                &rappel("e2", maintenant + Duration::days(30)),
                &[],
                maintenant
            )
            .await
            .unwrap());
        // Lien : inconnu, expiré (à une date future), valable, rejoué.
        assert_eq!(
            store
                .confirmer_par_lien("inconnu", maintenant)
                .await
                .unwrap(),
            EtatLien::Inconnu
        );
        assert!(matches!(
            store
                .confirmer_par_lien("e1", maintenant + Duration::days(31))
                .await
                .unwrap(),
            EtatLien::Expire(_)
        ));
        // La création (proposition) compte comme version locale ; la confirmation la dépasse.
        let avant = store.confirmation_locale("region", "L1").await.unwrap();
        let lieu_avant = store.lieu_courant("region", "L1").await.unwrap().unwrap();
        assert!(avant.is_some());
        assert!(matches!(
            store.confirmer_par_lien("e1", maintenant).await.unwrap(),
            EtatLien::Valable(_)
        ));
        assert!(store.confirmation_locale("region", "L1").await.unwrap() > avant);
        assert!(matches!(
            store.confirmer_par_lien("e1", maintenant).await.unwrap(),
            EtatLien::Utilise(_)
        ));
        // Le lieu lui-même ne change pas (date_maj gardée).
        let l = store.lieu_courant("region", "L1").await.unwrap().unwrap();
        assert_eq!(l, lieu_avant);
        assert_eq!(l.version, 1);
        // Journal : chaque étape.
        let actions: Vec<String> = store
            .journal_objet("lieu", "region/L1")
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.contenu.action)
            .collect();
        for attendu in [
            "demander_lieu",
            "accepter_revendication",
            "rappeler_fraicheur_lieu",
            "confirmer_lieu",
        ] {
            assert!(
                actions.iter().any(|a| a == attendu),
                "{attendu} : {actions:?}"
            );
        }
    }
);
