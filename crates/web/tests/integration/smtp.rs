//! Envoi réel par SMTP vers un serveur « puits » lancé par scripts/test (aiosmtpd sur la boucle
//! locale) : les courriels de la file partent, et un serveur injoignable ne fait rien perdre.

use reperes_store::{deux_bases, NouveauCourriel, Store};
use reperes_web::courrier::{envoyer_dus, Expediteur};

pub(crate) fn smtp() -> (String, std::path::PathBuf) {
    let url = std::env::var("REPERES_TEST_SMTP").unwrap_or_else(|_| {
        panic!("REPERES_TEST_SMTP absent : ce test exige le serveur SMTP de test ; lancez les tests avec scripts/test")
    });
    let dossier = std::env::var("REPERES_TEST_SMTP_MAILDIR").expect("REPERES_TEST_SMTP_MAILDIR");
    (url, dossier.into())
}

/// Messages reçus par le puits contenant `marque`.
pub(crate) fn recus(maildir: &std::path::Path, marque: &str) -> Vec<String> {
    let mut v = Vec::new();
    for sous in ["new", "cur"] {
        if let Ok(entrees) = std::fs::read_dir(maildir.join(sous)) {
            for e in entrees.flatten() {
                let texte = std::fs::read_to_string(e.path()).unwrap_or_default();
                if texte.contains(marque) {
                    v.push(texte);
                }
            }
        }
    }
    v
}

deux_bases!(
    courriels_envoyes_par_smtp_sans_perte,
    |store: Store| async move {
        let (url, maildir) = smtp();
        let marque = uuid::Uuid::new_v4().simple().to_string();
        let destinataire = format!("{marque}@destinataire.example");
        store
            .mettre_en_file(&NouveauCourriel {
                destinataire: destinataire.clone(),
                sujet: "Repères : accusé de réception".into(),
                corps: format!("Numéro de récépissé : REP-2026-000001 ({marque})"),
            })
            .await
            .unwrap();
        // Serveur injoignable : échec noté, rien de perdu.
        let mort = Expediteur::smtp(
            "smtp://127.0.0.1:9",
            "Repères <ne-pas-repondre@reperes.localhost>",
        )
        .unwrap();
        assert_eq!(envoyer_dus(&store, &mort).await, (0, 1));
        let c = &store.courriels().await.unwrap()[0];
        assert!(c.envoye_le.is_none() && c.essais == 1 && c.derniere_erreur.is_some());
        // Le réessai est différé ; une fois l'échéance passée, le vrai serveur le reçoit.
        assert!(store
            .courriels_dus(chrono::Utc::now(), 10)
            .await
            .unwrap()
            .is_empty());
        sqlx::query("UPDATE courriels SET prochain_essai_le = '2000-01-01T00:00:00.000000Z'")
            .execute(store.pool())
            .await
            .unwrap();
        let vivant = Expediteur::smtp(&url, "Repères <ne-pas-repondre@reperes.localhost>").unwrap();
        let envoi = envoyer_dus(&store, &vivant).await;
        let erreur = store.courriels().await.unwrap()[0].derniere_erreur.clone();
        assert_eq!(envoi, (1, 0), "{erreur:?}");
        assert!(store.courriels().await.unwrap()[0].envoye_le.is_some());
        let messages = recus(&maildir, &marque);
        assert_eq!(messages.len(), 1, "un seul message reçu");
        assert!(
            messages[0].contains(&format!("To: {destinataire}")),
            "{}",
            messages[0]
        );
        assert!(messages[0].contains("REP-2026-000001"));
        // Plus rien à envoyer : pas de doublon.
        assert_eq!(envoyer_dus(&store, &vivant).await, (0, 0));
    }
);
