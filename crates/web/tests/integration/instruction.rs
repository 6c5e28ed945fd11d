//! L'agent qui instruit et décide, au niveau HTTP, sur SQLite et PostgreSQL : le formulaire
//! « Décision » (chaque refus ré-affiche le formulaire rempli, 422, message au champ ; refus
//! confirmé ; « Modifier » revient rempli), la prise en charge qui attribue, la file (recherche,
//! dossiers clos masqués, « complément reçu »), la réponse du porteur à un complément (nouveautés
//! signalées, courriel à l'agent, dossier toujours attribué), l'historique en phrases, ce que le
//! porteur voit par critère et les courriels de décision. Le même parcours dans un navigateur :
//! tests/navigateur/instruction.test.mjs.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::{Etat as EtatDossier, Role};
use reperes_store::{deux_bases, Acteur, Store};

use crate::commun;
use commun::{app, compte, mener_dossier, Client, MDP};

/// Un dossier NEC 2022 en instruction (`d1`, organisation « Association 1 », dispositif
/// « Outil Alpha ») dont `porteur@asso.example` est membre, un agent connecté et le porteur.
async fn monde(store: &Store) -> (axum::Router, Client, Client, String) {
    let id = mener_dossier(
        store,
        "nec-2022",
        "1",
        "Outil Alpha",
        "numerique",
        "80000",
        "en_instruction",
        Utc::now(),
    )
    .await;
    let porteur = compte(store, "porteur@asso.example", RoleCompte::Demandeur).await;
    store
        .ajouter_membre(&Acteur::new("test", Role::Systeme), "o1", &porteur.id)
        .await
        .unwrap();
    compte(store, "agent@anct.example", RoleCompte::Instructeur).await;
    let app = app(store);
    let mut agent = Client::new(&app);
    agent.connecter("agent@anct.example", MDP).await;
    let mut p = Client::new(&app);
    p.connecter("porteur@asso.example", MDP).await;
    (app, agent, p, id)
}

fn dans_jours(n: i64) -> String {
    (Utc::now() + Duration::days(n)).date_naive().to_string()
}

deux_bases!(
    chaque_refus_de_la_decision_reaffiche_le_formulaire_rempli,
    |store: Store| async move {
        let (_app, mut agent, _, id) = monde(&store).await;
        let chemin = format!("/dossiers/{id}/decision");
        // La page du dossier mène à la page « Décision » ; plus de formulaires d'action motivés.
        let page = agent.get(&format!("/dossiers/{id}")).await;
        assert!(page.corps.contains(&format!("href=\"{chemin}\"")));
        assert!(!page.corps.contains("id=\"action-refuser\""));
        assert!(!page.corps.contains("id=\"action-labelliser\""));
        let r = agent.get(&chemin).await;
        assert_eq!(r.code, StatusCode::OK);
        for libelle in [
            "Accorder le label",
            "Demander un complément",
            "Refuser",
            "Classer sans suite",
        ] {
            assert!(r.corps.contains(libelle), "{libelle} : {}", r.corps);
        }

        // Aucune décision choisie.
        let r = agent
            .post(&chemin, &[("motivation", "Texte gardé")], None)
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("id=\"erreurs\"") && r.corps.contains("href=\"#decision\""));
        assert!(
            r.corps.contains("id=\"decision-erreur\"")
                && r.corps.contains("Choisissez une décision.")
        );
        assert!(r.corps.contains(">Texte gardé</textarea>"), "{}", r.corps);

        // Refus sans motivation : le choix est conservé, l'erreur est au champ.
        let r = agent
            .post(
                &chemin,
                &[("decision", "refuser"), ("motivation", "  ")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("value=\"refuser\" checked"), "{}", r.corps);
        assert!(r.corps.contains("aria-describedby=\"motivation-erreur\""));
        assert!(r
            .corps
            .contains("id=\"motivation-erreur\">Écrivez la motivation"));
        assert!(!r.corps.contains("Requête invalide"));
        assert_eq!(
            store.dossier(&id).await.unwrap().unwrap().etat,
            EtatDossier::EnInstruction
        );

        // Refus motivé : la page de confirmation récapitule, « Modifier » revient rempli.
        let motivation = "Les preuves ne montrent pas d'usage réel.";
        let r = agent
            .post(
                &chemin,
                &[("decision", "refuser"), ("motivation", motivation)],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("<h1>Confirmer le refus</h1>"));
        assert!(
            r.corps.contains(&format!(
                "name=\"motivation\" value=\"{}\"",
                "Les preuves ne montrent pas d&#x27;usage réel."
            )) || r.corps.contains(
                "name=\"motivation\" value=\"Les preuves ne montrent pas d&#39;usage réel.\""
            ),
            "{}",
            r.corps
        );
        assert_eq!(
            store.dossier(&id).await.unwrap().unwrap().etat,
            EtatDossier::EnInstruction,
            "rien n'est décidé avant la confirmation"
        );
        let r = agent
            .post(
                &chemin,
                &[
                    ("decision", "refuser"),
                    ("motivation", motivation),
                    ("etape", "modifier"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("value=\"refuser\" checked"));
        assert!(r.corps.contains("usage réel.</textarea>"), "{}", r.corps);

        // Complément avec une échéance passée, puis sans échéance.
        let hier = dans_jours(-1);
        let r = agent
            .post(
                &chemin,
                &[
                    ("decision", "demander_complement"),
                    ("echeance", &hier),
                    ("motivation", "Joindre le rapport d'audit."),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("value=\"demander_complement\" checked"));
        assert!(
            r.corps.contains(&format!("value=\"{hier}\"")),
            "échéance conservée"
        );
        assert!(
            r.corps
                .contains("id=\"echeance-erreur\">L&#x27;échéance du")
                || r.corps.contains("id=\"echeance-erreur\">L&#39;échéance du"),
            "{}",
            r.corps
        );
        assert!(r.corps.contains("est passée"));
        assert!(r.corps.contains("Joindre le rapport d"));
        let r = agent
            .post(
                &chemin,
                &[("decision", "demander_complement"), ("motivation", "x")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("id=\"echeance-erreur\">Indiquez l"));

        // Accorder sans niveau, puis avant que les appréciations soient enregistrées.
        let r = agent
            .post(
                &chemin,
                &[
                    ("decision", "labelliser"),
                    ("niveau", ""),
                    ("motivation", "Bien."),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r
            .corps
            .contains("id=\"niveau-erreur\">Choisissez le niveau accordé."));
        let r = agent
            .post(
                &chemin,
                &[
                    ("decision", "labelliser"),
                    ("niveau", "1"),
                    ("motivation", "Bien."),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.corps
                .contains("id=\"decision-erreur\">Le label ne peut pas être accordé"),
            "{}",
            r.corps
        );
        assert!(r.corps.contains("Enregistrez d"));
        assert!(r.corps.contains(">Bien.</textarea>"));

        // Une bonne échéance : complément demandé, courriel au porteur.
        let r = agent
            .post(
                &chemin,
                &[
                    ("decision", "demander_complement"),
                    ("echeance", &dans_jours(20)),
                    ("motivation", "Joindre le rapport d'audit."),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        assert_eq!(
            r.lieu.as_deref(),
            Some(format!("/dossiers/{id}?ok=decision").as_str())
        );
        assert_eq!(
            store.dossier(&id).await.unwrap().unwrap().etat,
            EtatDossier::ComplementDemande
        );
        assert!(store.courriels().await.unwrap().iter().any(|c| {
            c.destinataire == "porteur@asso.example" && c.sujet.contains("complément demandé")
        }));
        let r = agent.get(&format!("/dossiers/{id}?ok=decision")).await;
        assert!(r.corps.contains("Décision enregistrée"));
    }
);

deux_bases!(
    un_refus_confirme_est_enregistre_et_notifie,
    |store: Store| async move {
        let (_app, mut agent, _, id) = monde(&store).await;
        let chemin = format!("/dossiers/{id}/decision");
        agent.get(&chemin).await;
        let r = agent
            .post(
                &chemin,
                &[
                    ("decision", "refuser"),
                    ("motivation", "Hors du champ du label."),
                    ("etape", "confirmer"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let d = store.dossier(&id).await.unwrap().unwrap();
        assert_eq!(d.etat, EtatDossier::Refuse);
        let c = store
            .courriels()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.destinataire == "porteur@asso.example" && c.sujet.contains("décision"))
            .expect("courriel de décision");
        assert!(
            c.corps.contains("Décision : Refusé.") && c.corps.contains("Hors du champ du label.")
        );
        // Plus aucune décision possible sur un dossier refusé : la page le dit, sans formulaire.
        let r = agent.get(&chemin).await;
        assert!(
            r.corps.contains("Aucune décision n'est possible"),
            "{}",
            r.corps
        );
    }
);

deux_bases!(
    prendre_en_charge_attribue_le_dossier_a_l_agent,
    |store: Store| async move {
        // Un dossier déposé, attribué à personne.
        let u = compte(&store, "a@org-a.example", RoleCompte::Demandeur).await;
        let (_o, dossier, _f) = commun::objets_de(&store, &u, "a", None).await;
        let agent_u = compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
        sqlx::query(
            "UPDATE dossiers SET etat = 'depose', numero = 'REP-2026-000077' WHERE id = $1",
        )
        .bind(&dossier)
        .execute(store.pool())
        .await
        .unwrap();
        let app = app(&store);
        let mut agent = Client::new(&app);
        agent.connecter("agent@anct.example", MDP).await;
        let page = agent.get(&format!("/dossiers/{dossier}")).await;
        assert!(page.corps.contains("id=\"action-prendre_en_charge\""));
        assert!(page.corps.contains("Dossier attribué à personne"));
        let r = agent
            .post(
                &format!("/dossiers/{dossier}/actions/prendre_en_charge"),
                &[],
                None,
            )
            .await;
        assert_eq!(
            r.lieu.as_deref(),
            Some(format!("/dossiers/{dossier}?ok=pris_en_charge").as_str())
        );
        let d = store.dossier(&dossier).await.unwrap().unwrap();
        assert_eq!(d.etat, EtatDossier::EnInstruction);
        assert_eq!(d.instructeur_id.as_deref(), Some(agent_u.id.as_str()));
        let page = agent.get(r.lieu.as_deref().unwrap()).await;
        assert!(page
            .corps
            .contains("Vous avez pris ce dossier en charge : il vous est attribué."));
        assert!(page
            .corps
            .contains("Dossier attribué à <strong>Nom de agent@anct.example</strong>."));
        // L'historique se lit en phrases, dates au format français.
        assert!(
            page.corps
                .contains("Nom de agent@anct.example a pris le dossier en charge."),
            "{}",
            page.corps
        );
        let aujourd_hui = Utc::now()
            .with_timezone(&chrono_tz::Europe::Paris)
            .format("%d/%m/%Y")
            .to_string();
        assert!(page.corps.contains(&format!("<strong>{aujourd_hui} à ")));
        assert!(!page.corps.contains("prendre_en_charge<"));
        let journal = store.journal_objet("dossier", &dossier).await.unwrap();
        let iso = &journal.last().unwrap().contenu.horodatage;
        assert!(!page.corps.contains(iso.as_str()), "pas d'horodatage ISO");
        // Une seule entrée de journal pour la prise en charge et l'attribution.
        assert_eq!(journal.last().unwrap().contenu.action, "prendre_en_charge");
    }
);

deux_bases!(
    la_file_cherche_et_masque_les_dossiers_clos,
    |store: Store| async move {
        mener_dossier(
            &store,
            "nec-2022",
            "1",
            "Outil Alpha",
            "numerique",
            "80000",
            "en_instruction",
            Utc::now(),
        )
        .await;
        mener_dossier(
            &store,
            "nec-2022",
            "2",
            "Outil Béta",
            "numerique",
            "80000",
            "labellise",
            Utc::now(),
        )
        .await;
        mener_dossier(
            &store,
            "nec-2022",
            "3",
            "Outil Gamma",
            "numerique",
            "80000",
            "refuse",
            Utc::now(),
        )
        .await;
        mener_dossier(
            &store,
            "charte-territoire-actions",
            "4",
            "Démarche",
            "demarche_territoriale",
            "63000",
            "en_instruction",
            Utc::now(),
        )
        .await;
        let numero = |n: &str| {
            let store = store.clone();
            let n = n.to_string();
            async move {
                store
                    .dossier(&format!("d{n}"))
                    .await
                    .unwrap()
                    .unwrap()
                    .numero
                    .unwrap()
            }
        };
        let (n1, n2, n3, n4) = (
            numero("1").await,
            numero("2").await,
            numero("3").await,
            numero("4").await,
        );
        compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
        let app = app(&store);
        let mut agent = Client::new(&app);
        agent.connecter("agent@anct.example", MDP).await;
        // Par défaut : les clos (labellisé, refusé) sont masqués, et la page le dit.
        let r = agent.get("/instruction").await;
        assert!(r.corps.contains(&n1));
        assert!(
            !r.corps.contains(&n2) && !r.corps.contains(&n3),
            "{}",
            r.corps
        );
        assert!(r.corps.contains("href=\"/instruction?clos=oui\""));
        let r = agent.get("/instruction?clos=oui").await;
        assert!(r.corps.contains(&n1) && r.corps.contains(&n2) && r.corps.contains(&n3));
        assert!(r
            .corps
            .contains("id=\"clos\" name=\"clos\" value=\"oui\" checked"));
        // Un filtre sur un état clos les montre.
        let r = agent.get("/instruction?etat=refuse").await;
        assert!(r.corps.contains(&n3) && !r.corps.contains(&n1));
        // Recherche : numéro, organisation, dispositif (sans accents ni casse).
        let r = agent.get(&format!("/instruction?q={n1}")).await;
        assert!(r.corps.contains(&n1) && r.corps.contains("1 dossier(s)"));
        assert!(
            r.corps.contains(&format!("value=\"{n1}\"")),
            "recherche conservée"
        );
        let r = agent.get("/instruction?q=commune&clos=oui").await;
        assert!(
            r.corps.contains(&n4) && r.corps.contains("1 dossier(s)"),
            "{}",
            r.corps
        );
        let r = agent.get("/instruction?q=BETA&clos=oui").await;
        assert!(r.corps.contains(&n2) && r.corps.contains("1 dossier(s)"));
        let r = agent.get("/instruction?q=inconnu").await;
        assert!(r.corps.contains("0 dossier(s)"));
        // L'export suit la recherche.
        let r = agent.get("/instruction/export.csv?q=gamma&clos=oui").await;
        assert_eq!(r.corps.lines().count(), 2, "{}", r.corps);
    }
);

deux_bases!(
    la_reponse_a_un_complement_est_signalee_a_l_agent,
    |store: Store| async move {
        let (_app, mut agent, mut porteur, id) = monde(&store).await;
        // L'agent prend le dossier (il lui est attribué) et demande un complément.
        let agent_id = store
            .utilisateur_par_email(
                &reperes_domain::comptes::Email::parse("agent@anct.example").unwrap(),
            )
            .await
            .unwrap()
            .unwrap()
            .id;
        agent.get(&format!("/dossiers/{id}/decision")).await;
        agent
            .post(
                &format!("/dossiers/{id}/attribuer"),
                &[("instructeur", &agent_id)],
                None,
            )
            .await;
        agent.get(&format!("/dossiers/{id}/decision")).await;
        let r = agent
            .post(
                &format!("/dossiers/{id}/decision"),
                &[
                    ("decision", "demander_complement"),
                    ("echeance", &dans_jours(15)),
                    ("motivation", "Préciser le critère accessible."),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        // Le porteur voit « Compléter le dossier » et répond : une réponse modifiée, un message.
        let vue = porteur.get(&format!("/dossiers/{id}")).await;
        assert!(vue.corps.contains("Compléter le dossier"), "{}", vue.corps);
        let c = reperes_store::test_support::catalogue_du_depot();
        let critere = c
            .referentiels
            .iter()
            .find(|r| r.id == "nec-2022")
            .unwrap()
            .criteres[0]
            .clone();
        store
            .modifier(
                &c,
                &id,
                &Acteur::new("porteur@asso.example", Role::Demandeur),
                &reperes_domain::Modification::Reponse {
                    critere: critere.id.clone(),
                    texte: "Réponse complétée après la demande, avec le rapport d'audit.".into(),
                    liens: vec!["https://exemple.fr/audit".into()],
                    niveau_auto: Some(1),
                },
            )
            .await
            .unwrap();
        porteur.get(&format!("/dossiers/{id}")).await;
        let r = porteur
            .post(&format!("/dossiers/{id}/deposer"), &[], None)
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let d = store.dossier(&id).await.unwrap().unwrap();
        assert_eq!(d.etat, EtatDossier::Depose);
        assert_eq!(
            d.instructeur_id.as_deref(),
            Some(agent_id.as_str()),
            "toujours attribué"
        );
        // Courriel à l'agent attribué.
        let courriel = store
            .courriels()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.destinataire == "agent@anct.example")
            .expect("courriel à l'agent");
        assert!(
            courriel.sujet.contains("complément reçu")
                && courriel.corps.contains(&format!("/dossiers/{id}"))
        );
        // La file signale « complément reçu ».
        let file = agent.get("/instruction?etat=depose").await;
        assert!(file.corps.contains("Complément reçu le"), "{}", file.corps);
        assert!(file.corps.contains("Nom de agent@anct.example"));
        // La page met en évidence la réponse modifiée, et elle seule.
        let page = agent.get(&format!("/dossiers/{id}")).await;
        assert!(page.corps.contains("id=\"complement-recu\""));
        assert!(
            page.corps.contains("1 réponse(s) modifiée(s)"),
            "{}",
            page.corps
        );
        assert_eq!(page.corps.matches("fr-badge--new").count(), 1);
        assert!(page.corps.contains(&format!("href=\"#c-{}\"", critere.id)));
        assert!(page
            .corps
            .contains("a répondu à la demande de complément et déposé le dossier à nouveau."));
    }
);

deux_bases!(
    le_porteur_voit_le_critere_signale_et_l_etape_a_completer,
    |store: Store| async move {
        let (_app, mut agent, mut porteur, id) = monde(&store).await;
        let c = reperes_store::test_support::catalogue_du_depot();
        let r = c.referentiels.iter().find(|r| r.id == "nec-2022").unwrap();
        let (premier, second) = (&r.criteres[0], &r.criteres[1]);
        agent.get(&format!("/dossiers/{id}")).await;
        let app_ = format!("appreciation_{}", second.id);
        let com = format!("commentaire_{}", second.id);
        let ok = format!("appreciation_{}", premier.id);
        agent
            .post(
                &format!("/dossiers/{id}/appreciations"),
                &[
                    (app_.as_str(), "non"),
                    (com.as_str(), "Aucune preuve d'usage."),
                    (ok.as_str(), "1"),
                ],
                None,
            )
            .await;
        agent.get(&format!("/dossiers/{id}/decision")).await;
        agent
            .post(
                &format!("/dossiers/{id}/decision"),
                &[
                    ("decision", "demander_complement"),
                    ("echeance", &dans_jours(15)),
                    ("motivation", "Voir le critère signalé."),
                ],
                None,
            )
            .await;
        let vue = porteur.get(&format!("/dossiers/{id}")).await;
        assert!(
            vue.corps
                .contains("Appréciation :</strong> non satisfait — Aucune preuve d"),
            "{}",
            vue.corps
        );
        // L'étape du second critère : informations (1), puis un critère par étape.
        let attendu = format!("/dossiers/{id}/etapes/3");
        assert!(
            vue.corps.contains(&format!(
                "<a class=\"fr-link\" href=\"{attendu}\">Compléter le dossier</a>"
            )),
            "{}",
            vue.corps
        );
        assert!(
            vue.corps.contains(&format!(
                "href=\"{attendu}\">Compléter « {} »</a>",
                second.libelle.replace('\'', "&#x27;")
            )) || vue
                .corps
                .contains(&format!("href=\"{attendu}\">Compléter «")),
            "{}",
            vue.corps
        );
        assert!(
            !vue.corps.contains("Historique"),
            "l'historique est réservé aux agents"
        );
    }
);

deux_bases!(
    les_courriels_de_decision_disent_les_bons_mots,
    |store: Store| async move {
        // Label : liens vers la fiche du registre, le badge et l'attestation ; pas de guillemets
        // doublés.
        let (_app, mut agent, _, id) = monde(&store).await;
        let c = reperes_store::test_support::catalogue_du_depot();
        let r = c.referentiels.iter().find(|r| r.id == "nec-2022").unwrap();
        agent.get(&format!("/dossiers/{id}")).await;
        let champs: Vec<(String, String)> = r
            .criteres
            .iter()
            .map(|c| (format!("appreciation_{}", c.id), "1".to_string()))
            .collect();
        let champs: Vec<(&str, &str)> = champs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        agent
            .post(&format!("/dossiers/{id}/appreciations"), &champs, None)
            .await;
        agent.get(&format!("/dossiers/{id}/decision")).await;
        let rep = agent
            .post(
                &format!("/dossiers/{id}/decision"),
                &[
                    ("decision", "labelliser"),
                    ("niveau", "1"),
                    ("motivation", "Conforme."),
                ],
                None,
            )
            .await;
        assert_eq!(rep.code, StatusCode::SEE_OTHER, "{}", rep.corps);
        let courriel = store
            .courriels()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.sujet.contains("label accordé"))
            .expect("courriel d'attribution");
        for attendu in [
            "/registre/dispositifs/x1\n",
            "/registre/dispositifs/x1/badge.svg",
            &format!("/dossiers/{id}/attestation"),
            "Niveau accordé : Niveau 1",
        ] {
            assert!(
                courriel.corps.contains(attendu),
                "{attendu} : {}",
                courriel.corps
            );
        }
        assert!(!courriel.corps.contains("« Label «"), "{}", courriel.corps);
        assert!(!courriel.corps.contains("(UTC)"));

        // Charte : ni « label », ni « niveau », ni « labellisation ».
        let charte = mener_dossier(
            &store,
            "charte-territoire-actions",
            "9",
            "Territoire d'Actions",
            "demarche_territoriale",
            "63000",
            "en_instruction",
            Utc::now(),
        )
        .await;
        let p9 = compte(&store, "elue@commune.example", RoleCompte::Demandeur).await;
        store
            .ajouter_membre(&Acteur::new("test", Role::Systeme), "o9", &p9.id)
            .await
            .unwrap();
        let page = agent.get(&format!("/dossiers/{charte}/decision")).await;
        assert!(
            page.corps.contains("Contresigner la charte")
                && !page.corps.contains("Accorder le label")
        );
        assert!(
            !page.corps.contains("Niveau accordé"),
            "une charte n'a pas de niveau à choisir"
        );
        // Contre-signature avant les appréciations : refusée dans les mots de la charte.
        let rep = agent
            .post(
                &format!("/dossiers/{charte}/decision"),
                &[
                    ("decision", "labelliser"),
                    ("motivation", "Charte contresignée par l'État."),
                ],
                None,
            )
            .await;
        assert_eq!(rep.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            rep.corps
                .contains("La charte ne peut pas encore être contresignée"),
            "{}",
            rep.corps
        );
        let erreur = &rep.corps[rep.corps.find("id=\"decision-erreur\"").unwrap()..];
        let erreur = &erreur[..erreur.find("</p>").unwrap()];
        for mot in ["label", "niveau"] {
            assert!(!erreur.to_lowercase().contains(mot), "{mot} : {erreur}");
        }
        let rc = c
            .referentiels
            .iter()
            .find(|r| r.id == "charte-territoire-actions")
            .unwrap();
        let dispositifs = store.dossier(&charte).await.unwrap().unwrap();
        let champs: Vec<(String, String)> = rc
            .criteres
            .iter()
            .filter(|c| dispositifs.reponse(&c.id).is_some())
            .map(|c| (format!("appreciation_{}", c.id), "1".to_string()))
            .collect();
        let champs: Vec<(&str, &str)> = champs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        agent.get(&format!("/dossiers/{charte}")).await;
        agent
            .post(&format!("/dossiers/{charte}/appreciations"), &champs, None)
            .await;
        agent.get(&format!("/dossiers/{charte}/decision")).await;
        let rep = agent
            .post(
                &format!("/dossiers/{charte}/decision"),
                &[
                    ("decision", "labelliser"),
                    ("motivation", "Charte contresignée par l'État."),
                ],
                None,
            )
            .await;
        assert_eq!(rep.code, StatusCode::SEE_OTHER, "{}", rep.corps);
        let courriel = store
            .courriels()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.destinataire == "elue@commune.example")
            .expect("courriel de contre-signature");
        assert!(courriel.sujet.contains("charte contresignée"));
        let texte = format!("{} {}", courriel.sujet, courriel.corps).to_lowercase();
        for mot in ["label", "niveau"] {
            assert!(!texte.contains(mot), "{mot} dans : {texte}");
        }
        assert!(!courriel.corps.contains("« Charte «"), "{}", courriel.corps);
        let historique = agent.get(&format!("/dossiers/{charte}")).await;
        assert!(
            historique.corps.contains("a contresigné la charte."),
            "{}",
            historique.corps
        );
    }
);

deux_bases!(
    les_appreciations_proposent_l_autodiagnostic_du_porteur,
    |store: Store| async move {
        // Le porteur s'est donné le niveau 1 à chaque critère (mener_dossier) : sans appréciation
        // enregistrée, l'agent voit ce niveau pré-choisi, avec l'explication ; une appréciation
        // enregistrée l'emporte ensuite.
        let (_app, mut agent, _, id) = monde(&store).await;
        let page = agent.get(&format!("/dossiers/{id}")).await;
        let choix = "id=\"appreciation_accessible\" name=\"appreciation_accessible\" aria-describedby=\"proposee_accessible\">";
        assert!(page.corps.contains(choix), "{}", page.corps);
        let select = page.corps.split(choix).nth(1).unwrap();
        let select = select.split("</select>").next().unwrap();
        assert!(select.contains("<option value=\"1\" selected>"), "{select}");
        assert!(!select.contains("<option value=\"\" selected>"), "{select}");
        assert!(page
            .corps
            .contains("Valeur proposée d'après l'autodiagnostic du porteur"));
        agent
            .post(
                &format!("/dossiers/{id}/appreciations"),
                &[("appreciation_accessible", "non")],
                None,
            )
            .await;
        let page = agent.get(&format!("/dossiers/{id}")).await;
        let select = page
            .corps
            .split("name=\"appreciation_accessible\"")
            .nth(1)
            .unwrap()
            .split("</select>")
            .next()
            .unwrap();
        assert!(
            select.contains("<option value=\"non\" selected>"),
            "{select}"
        );
        assert!(
            !select.contains("<option value=\"1\" selected>"),
            "{select}"
        );
    }
);
