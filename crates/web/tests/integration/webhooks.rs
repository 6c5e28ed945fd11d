//! Webhooks : livraison signée de chaque changement du registre, réessai, URL refusées.

use crate::commun;

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use commun::titulaire;
use reperes_domain::comptes::RoleCompte;
use reperes_domain::{Action, Role};
use reperes_store::test_support::catalogue_du_depot;
use reperes_store::{deux_bases, Abonnement, Acteur, Store, Utilisateur};
use reperes_web::webhooks::{client, livrer_dues, signature, verifier_url, ENTETE_SIGNATURE};

type Recus = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// Un récepteur HTTP sur la boucle locale, qui répond le statut demandé.
async fn recepteur(statut: Arc<AtomicU16>) -> (String, Recus) {
    let recus: Recus = Arc::default();
    let r = recus.clone();
    let app = Router::new().route(
        "/crochet",
        post(move |h: HeaderMap, corps: Bytes| {
            let (r, statut) = (r.clone(), statut.clone());
            async move {
                r.lock().unwrap().push((h, corps));
                StatusCode::from_u16(statut.load(Ordering::SeqCst)).unwrap()
            }
        }),
    );
    let ecoute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let adresse = ecoute.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(ecoute, app).await.unwrap() });
    (format!("http://{adresse}/crochet"), recus)
}

deux_bases!(
    changements_du_registre_livres_et_signes,
    |store: Store| async move {
        let statut = Arc::new(AtomicU16::new(500));
        let (url, recus) = recepteur(statut.clone()).await;
        let u = Utilisateur {
            id: "reutilisateur".into(),
            email: "r@exemple.fr".into(),
            nom: "R".into(),
            role: RoleCompte::Demandeur,
            hash_mot_de_passe: None,
            email_verifie: true,
            actif: true,
        };
        commun::enregistrer(&store, &u).await;
        let a = Abonnement {
            id: "ab1".into(),
            proprietaire_id: u.id.clone(),
            url,
            secret: "secret-partage".into(),
            actif: true,
        };
        store.creer_abonnement(&a).await.unwrap();
        let dossier = titulaire(&store, "1", "Kit", "numerique", "80000", "labellise").await;
        let c = client();
        // Premier essai : le récepteur répond 500 ; la livraison reste due, réessayée plus tard.
        assert_eq!(livrer_dues(&store, &c, true).await, (0, 1));
        let l = &store.livraisons("ab1").await.unwrap()[0];
        assert_eq!(
            (l.essais, l.dernier_statut, l.livre_le),
            (1, Some(500), None)
        );
        assert_eq!(
            livrer_dues(&store, &c, true).await,
            (0, 0),
            "réessai différé"
        );
        sqlx::query("UPDATE livraisons SET prochain_essai_le = '2000-01-01T00:00:00.000000Z'")
            .execute(store.pool())
            .await
            .unwrap();
        statut.store(204, Ordering::SeqCst);
        assert_eq!(livrer_dues(&store, &c, true).await, (1, 0));
        let l = &store.livraisons("ab1").await.unwrap()[0];
        assert!(l.livre_le.is_some() && l.essais == 2);
        {
            let recus = recus.lock().unwrap();
            assert_eq!(recus.len(), 2);
            let (h, corps) = &recus[1];
            assert_eq!(
                h[ENTETE_SIGNATURE].to_str().unwrap(),
                signature("secret-partage", corps)
            );
            assert_eq!(h["x-reperes-evenement"], "label.accorde");
            let v: serde_json::Value = serde_json::from_slice(corps).unwrap();
            assert_eq!(
                (
                    v["dossier"].as_str(),
                    v["statut"].as_str(),
                    v["niveau"].as_i64()
                ),
                (Some(dossier.as_str()), Some("labellise"), Some(1))
            );
        }
        // Un retrait est aussi publié ; un abonnement désactivé ne reçoit plus rien.
        store
            .agir(
                &catalogue_du_depot(),
                &dossier,
                &Acteur::new("admin", Role::Administrateur),
                &Action::Retirer {
                    motif: "Plus maintenu.".into(),
                },
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        assert_eq!(livrer_dues(&store, &c, true).await, (1, 0));
        assert_eq!(
            recus.lock().unwrap()[2].0["x-reperes-evenement"],
            "label.retire"
        );
        store.desactiver_abonnement("ab1").await.unwrap();
        titulaire(&store, "2", "Autre", "numerique", "80000", "labellise").await;
        assert_eq!(livrer_dues(&store, &c, true).await, (0, 0));
        // Les URL vers les réseaux internes sont refusées (hors réglage de test).
        assert!(verifier_url("http://127.0.0.1:9/x", false).await.is_err());
        assert!(verifier_url("http://10.0.0.1/x", false).await.is_err());
        assert!(verifier_url("ftp://exemple.fr/x", true).await.is_err());
        assert!(verifier_url("pas une url", true).await.is_err());
        assert!(verifier_url("http://127.0.0.1:9/x", true).await.is_ok());
    }
);
