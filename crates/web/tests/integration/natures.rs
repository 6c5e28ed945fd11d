//! Une charte n'est pas un label, une méthode approuvée non plus (issue 15) : les mots de chaque
//! nature de référentiel (pages, registre, badge, vérification d'attestation, courriels), le
//! renouvellement pré-rempli d'une charte, et l'approbation d'une méthode (arrêté du 26 mars
//! 2019, 1.B à 1.D) de bout en bout par HTTP ; sur les deux bases.

use crate::commun;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use commun::{
    app, compte, get_anonyme, mener_dossier, post_multipart, texte_visible, titulaire, Client, MDP,
};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::{Etat as EtatDossier, Role};
use reperes_store::{deux_bases, Acteur, Store};

const CHARTE: &str = "charte-territoire-actions";
const METHODES: &str = "approbation-methodes-2019";

/// Un compte demandeur membre de l'organisation `organisation`, connecté.
async fn membre(store: &Store, app: &axum::Router, email: &str, organisation: &str) -> Client {
    let u = compte(store, email, RoleCompte::Demandeur).await;
    store
        .ajouter_membre(&Acteur::new("test", Role::Systeme), organisation, &u.id)
        .await
        .unwrap();
    connecte(app, email).await
}

async fn connecte(app: &axum::Router, email: &str) -> Client {
    let mut c = Client::new(app);
    let r = c.connecter(email, MDP).await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "connexion de {email}");
    c.get("/espace").await;
    c
}

async fn agent(store: &Store, app: &axum::Router) -> Client {
    let a = compte(store, "agent@agence.example", RoleCompte::Instructeur).await;
    connecte(app, &a.email).await
}

deux_bases!(
    le_renouvellement_d_une_charte_est_pre_rempli,
    |store: Store| async move {
        let app = app(&store);
        let ancien = mener_dossier(
            &store,
            CHARTE,
            "1",
            "Amiens numérique pour tous",
            "demarche_territoriale",
            "80000",
            "labellise",
            Utc::now() - Duration::days(40),
        )
        .await;
        let avant = store.dossier(&ancien).await.unwrap().unwrap();
        let mut m = membre(&store, &app, "elue@amiens.example", "o1").await;
        let page = m.get(&format!("/dossiers/{ancien}")).await;
        assert!(page.corps.contains("Préparer le renouvellement"));
        let rep = m
            .post(&format!("/dossiers/{ancien}/renouveler"), &[], None)
            .await;
        assert_eq!(rep.code, StatusCode::SEE_OTHER, "{}", rep.corps);
        let lieu = rep.lieu.expect("redirection vers la première étape");
        let nouveau = lieu
            .trim_start_matches("/dossiers/")
            .trim_end_matches("/etapes/1")
            .to_string();
        assert_ne!(nouveau, ancien);
        let n = store.dossier(&nouveau).await.unwrap().unwrap();
        assert_eq!(n.etat, EtatDossier::Brouillon);
        assert_eq!(n.renouvellement_de.as_deref(), Some(ancien.as_str()));
        // Les six dispositifs retenus, avec leurs textes et leurs liens.
        assert_eq!(n.criteres.len(), 6);
        for (id, r) in &n.criteres {
            assert!(r.retenu(), "{id} retenu");
            assert_eq!(
                r.texte, "Description suffisamment détaillée des mesures prises.",
                "{id}"
            );
            assert_eq!(r.liens, ["https://exemple.fr"], "{id}");
            assert!(r.appreciation.is_none(), "{id} : appréciation reprise");
        }
        // Partenaires et déclaration repris ; engagements à ré-accepter.
        assert_eq!(n.partenaires.len(), 1);
        assert_eq!(n.partenaires[0].nom, "Centre social du quartier");
        assert_eq!(n.partenaires, avant.partenaires);
        assert_eq!(
            n.declarations.get("demarche_partenariale").copied(),
            Some(true)
        );
        assert!(n.engagements.is_empty());
        // Ce que voit le territoire : les dispositifs cochés, les partenaires dans la zone.
        let p1 = m.get(&lieu).await;
        assert_eq!(p1.code, StatusCode::OK);
        for id in ["pix", "cartographie", "gouvernance_locale"] {
            assert!(
                p1.corps
                    .contains(&format!("name=\"dispositif_{id}\" value=\"oui\" checked")),
                "dispositif {id} coché : {}",
                p1.corps
            );
        }
        let p2 = m.get(&format!("/dossiers/{nouveau}/etapes/2")).await;
        assert!(
            texte_visible(&p2.corps).contains("Centre social du quartier : Accueil des publics"),
            "{}",
            p2.corps
        );
        // Le brouillon renouvelé n'est pas déposable tant que les engagements ne sont pas
        // ré-acceptés.
        let recap = m.get(&format!("/dossiers/{nouveau}/etapes/10")).await;
        let vu = texte_visible(&recap.corps);
        assert!(
            vu.contains("engagement à accepter : « Documenter la démarche et son impact »"),
            "récapitulatif : {vu}"
        );
        let rep = m
            .post(&format!("/dossiers/{nouveau}/deposer"), &[], None)
            .await;
        assert_ne!(
            store.dossier(&nouveau).await.unwrap().unwrap().etat,
            EtatDossier::Depose,
            "{}",
            rep.corps
        );
        store.verifier_journal().await.unwrap();
    }
);

deux_bases!(
    signer_a_nouveau_depuis_la_page_de_l_organisation_renouvelle,
    |store: Store| async move {
        let app = app(&store);
        let ancien = mener_dossier(
            &store,
            CHARTE,
            "1",
            "Amiens numérique pour tous",
            "demarche_territoriale",
            "80000",
            "labellise",
            Utc::now() - Duration::days(40),
        )
        .await;
        let mut m = membre(&store, &app, "elue@amiens.example", "o1").await;
        // La page de l'organisation propose de renouveler la charte signée, pré-remplie.
        let org = m.get("/organisations/o1").await;
        let vu = texte_visible(&org.corps);
        assert!(
            vu.contains("Renouveler la charte pour la démarche « Amiens numérique pour tous » (dossier pré-rempli depuis la dernière signature)"),
            "{vu}"
        );
        // Le territoire passe par l'autodiagnostic (trois actions retenues, dont une de moins
        // que la dernière fois) puis « Commencer le dossier ».
        m.get(&format!("/dispositifs/x1/autodiagnostic/{CHARTE}"))
            .await;
        let rep = m
            .post(
                "/dossiers",
                &[
                    ("dispositif", "x1"),
                    ("referentiel", CHARTE),
                    ("niveau", "1"),
                    ("niveau_outils_appropriation", "0"),
                    ("niveau_formation_aidants", "0"),
                    ("niveau_pix", "1"),
                    ("niveau_pass_numerique", "0"),
                    ("niveau_cartographie", "1"),
                    ("niveau_gouvernance_locale", "1"),
                ],
                None,
            )
            .await;
        assert_eq!(rep.code, StatusCode::SEE_OTHER, "{}", rep.corps);
        let nouveau = rep
            .lieu
            .unwrap()
            .trim_start_matches("/dossiers/")
            .trim_end_matches("/etapes/1")
            .to_string();
        let n = store.dossier(&nouveau).await.unwrap().unwrap();
        assert_eq!(n.renouvellement_de.as_deref(), Some(ancien.as_str()));
        let retenus: Vec<&str> = n
            .criteres
            .iter()
            .filter(|(_, x)| x.retenu())
            .map(|(id, _)| id.as_str())
            .collect();
        assert_eq!(retenus, ["cartographie", "gouvernance_locale", "pix"]);
        assert_eq!(
            n.criteres["pix"].texte,
            "Description suffisamment détaillée des mesures prises."
        );
        assert_eq!(n.partenaires.len(), 1);
        assert_eq!(
            n.declarations.get("demarche_partenariale").copied(),
            Some(true)
        );
        assert!(n.engagements.is_empty());
        // Un premier dossier (aucune signature avant) reste vierge.
        let premier = mener_dossier(
            &store,
            CHARTE,
            "2",
            "Démarche neuve",
            "demarche_territoriale",
            "80000",
            "refuse",
            Utc::now(),
        )
        .await;
        let mut m2 = membre(&store, &app, "elu@ailleurs.example", "o2").await;
        m2.get(&format!("/dispositifs/x2/autodiagnostic/{CHARTE}"))
            .await;
        let rep = m2
            .post(
                "/dossiers",
                &[
                    ("dispositif", "x2"),
                    ("referentiel", CHARTE),
                    ("niveau", "1"),
                    ("niveau_pix", "1"),
                    ("niveau_cartographie", "1"),
                ],
                None,
            )
            .await;
        let id = rep
            .lieu
            .unwrap()
            .trim_start_matches("/dossiers/")
            .trim_end_matches("/etapes/1")
            .to_string();
        let n = store.dossier(&id).await.unwrap().unwrap();
        assert_ne!(id, premier);
        assert_eq!(n.renouvellement_de, None);
        assert!(n.criteres.values().all(|x| x.texte.is_empty()));
        assert!(n.partenaires.is_empty());
    }
);

deux_bases!(
    une_charte_est_signee_un_label_accorde,
    |store: Store| async move {
        let app = app(&store);
        let charte = mener_dossier(
            &store,
            CHARTE,
            "1",
            "Amiens numérique pour tous",
            "demarche_territoriale",
            "80000",
            "labellise",
            Utc::now() - Duration::days(3),
        )
        .await;
        let label = titulaire(&store, "2", "Kit", "numerique", "42000", "labellise").await;
        // Le registre ne publie que les labels (et les méthodes) : la démarche d'une charte n'y a
        // pas de fiche, ni de badge « label ».
        assert_eq!(
            get_anonyme(&app, "/registre/dispositifs/x1").await.code,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get_anonyme(&app, "/registre/dispositifs/x1/badge.svg")
                .await
                .code,
            StatusCode::NOT_FOUND
        );
        let fiche = get_anonyme(&app, "/registre/dispositifs/x2").await;
        assert!(
            fiche.corps.contains("Statut : labellisé"),
            "{}",
            fiche.corps
        );
        assert!(fiche.corps.contains("Labellisé le "));
        // Attestations : la charte est contresignée, le label délivré.
        let mut m = membre(&store, &app, "elue@amiens.example", "o1").await;
        let page = m.get(&format!("/dossiers/{charte}")).await;
        let vu = texte_visible(&page.corps);
        assert!(
            vu.contains("Télécharger l'attestation de signature de la charte (PDF)"),
            "{vu}"
        );
        assert!(!vu.contains("de labellisation"));
        m.get(&format!("/dossiers/{charte}/attestation")).await;
        let a = store
            .attestation_du_dossier(&charte)
            .await
            .unwrap()
            .unwrap();
        let v = get_anonyme(&app, &format!("/attestations/{}", a.id)).await;
        let vu = texte_visible(&v.corps);
        assert!(vu.contains("signature en cours de validité"), "{vu}");
        assert!(vu.contains("Charte contresignée par l'État"), "{vu}");
        assert!(!vu.to_lowercase().contains("label"), "{vu}");
        let mut l = membre(&store, &app, "porteur@kit.example", "o2").await;
        let page = l.get(&format!("/dossiers/{label}")).await;
        assert!(
            texte_visible(&page.corps).contains("Télécharger l'attestation de labellisation (PDF)")
        );
        l.get(&format!("/dossiers/{label}/attestation")).await;
        let a = store.attestation_du_dossier(&label).await.unwrap().unwrap();
        let v = get_anonyme(&app, &format!("/attestations/{}", a.id)).await;
        let vu = texte_visible(&v.corps);
        assert!(vu.contains("label en cours de validité"), "{vu}");
        assert!(vu.contains("Label délivré par"), "{vu}");
        assert!(vu.contains("pour le dispositif « Kit »"), "{vu}");
    }
);

deux_bases!(
    une_methode_est_approuvee_de_bout_en_bout,
    |store: Store| async move {
        let app = app(&store);
        // Un brouillon complet : la méthode est déclarée comme dispositif méthodologique.
        let id = mener_dossier(
            &store,
            METHODES,
            "1",
            "Méthode des ateliers en binôme",
            "methodologique",
            "42000",
            "brouillon",
            Utc::now(),
        )
        .await;
        let mut m = membre(&store, &app, "porteuse@binome.example", "o1").await;
        // L'organisation propose l'approbation pour ce dispositif méthodologique.
        let org = m.get("/organisations/o1").await;
        assert!(
            org.corps
                .contains("/dispositifs/x1/autodiagnostic/approbation-methodes-2019"),
            "{}",
            org.corps
        );
        // Les étapes et le récapitulatif, puis le dépôt.
        let p1 = m.get(&format!("/dossiers/{id}/etapes/2")).await;
        assert!(
            p1.corps.contains("Présentation de la méthode"),
            "{}",
            p1.corps
        );
        post_multipart(
            &mut m,
            &format!("/dossiers/{id}/etapes/2"),
            &[
                (
                    "texte",
                    "Ateliers en binôme : un aidant et une personne accompagnée, guide publié.",
                ),
                ("liens", "https://exemple.fr/guide"),
                ("niveau_auto", "1"),
                ("suite", "suivante"),
            ],
        )
        .await;
        m.get(&format!("/dossiers/{id}/etapes/3")).await;
        let rep = m.post(&format!("/dossiers/{id}/deposer"), &[], None).await;
        assert_eq!(
            rep.lieu.as_deref(),
            Some(format!("/dossiers/{id}?ok=depose").as_str()),
            "{}",
            rep.corps
        );
        let d = store.dossier(&id).await.unwrap().unwrap();
        assert_eq!(d.etat, EtatDossier::Depose);
        let vue = m.get(&format!("/dossiers/{id}")).await;
        let vu = texte_visible(&vue.corps);
        assert!(vu.contains("Demande d'approbation de la méthode"), "{vu}");
        assert!(
            vu.contains("L'Agence du numérique instruit les demandes d'approbation des méthodes"),
            "{vu}"
        );
        // L'agent instruit et approuve, avec les mots de l'approbation.
        let mut a = agent(&store, &app).await;
        a.get(&format!("/dossiers/{id}")).await;
        a.post(
            &format!("/dossiers/{id}/actions/prendre_en_charge"),
            &[],
            None,
        )
        .await;
        let r = a
            .post(
                &format!("/dossiers/{id}/appreciations"),
                &[("appreciation_presentation_methode", "1")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let dec = a.get(&format!("/dossiers/{id}/decision")).await;
        assert!(
            dec.corps.contains(
                "<label class=\"fr-label\" for=\"decision-labelliser\">Approuver la méthode<"
            ),
            "{}",
            dec.corps
        );
        assert!(!dec.corps.contains("Accorder le label"));
        let r = a
            .post(
                &format!("/dossiers/{id}/actions/labelliser"),
                &[
                    ("niveau", "1"),
                    ("motif", "Méthode documentée et éprouvée."),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let d = store.dossier(&id).await.unwrap().unwrap();
        assert_eq!(
            (d.etat, d.niveau_accorde),
            (EtatDossier::Labellise, Some(1))
        );
        let file = a.get("/instruction?etat=labellise").await;
        assert!(
            file.corps.contains("<td>Méthode approuvée</td>"),
            "{}",
            file.corps
        );
        // Le courriel au porteur.
        let courriel = store
            .courriels()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.destinataire == "porteuse@binome.example" && c.sujet.contains("approuvée"))
            .expect("courriel d'approbation");
        assert!(courriel
            .sujet
            .starts_with("Repères : méthode approuvée (dossier "));
        assert!(courriel
            .corps
            .contains("Votre méthode « Méthode des ateliers en binôme » est approuvée."));
        assert!(
            !courriel.corps.to_lowercase().contains("label"),
            "{}",
            courriel.corps
        );
        // Le porteur : état, attestation d'approbation.
        let vue = m.get(&format!("/dossiers/{id}")).await;
        let vu = texte_visible(&vue.corps);
        assert!(vu.contains("État : Méthode approuvée"), "{vu}");
        assert!(
            vu.contains("Télécharger l'attestation d'approbation de la méthode (PDF)"),
            "{vu}"
        );
        m.get(&format!("/dossiers/{id}/attestation")).await;
        let att = store.attestation_du_dossier(&id).await.unwrap().unwrap();
        let v = get_anonyme(&app, &format!("/attestations/{}", att.id)).await;
        let vu = texte_visible(&v.corps);
        assert!(vu.contains("approbation en cours de validité"), "{vu}");
        assert!(
            vu.contains("Méthode approuvée par l'Agence du numérique"),
            "{vu}"
        );
        assert!(
            vu.contains("pour la méthode « Méthode des ateliers en binôme »"),
            "{vu}"
        );
        assert!(!vu.to_lowercase().contains("label"), "{vu}");
        let pdf = get_anonyme(&app, &format!("/attestations/{}.pdf", att.id)).await;
        assert_eq!(pdf.code, StatusCode::OK);
        // Le registre public, sous sa catégorie.
        let reg = get_anonyme(&app, "/registre?categorie=methodologique").await;
        assert!(
            reg.corps.contains("Méthode des ateliers en binôme"),
            "{}",
            reg.corps
        );
        assert!(texte_visible(&reg.corps).contains("— Méthode approuvée le "));
        let reg = get_anonyme(&app, "/registre?categorie=numerique").await;
        assert!(!reg.corps.contains("Méthode des ateliers en binôme"));
        let fiche = get_anonyme(&app, "/registre/dispositifs/x1").await;
        assert!(
            fiche.corps.contains("Statut : méthode approuvée"),
            "{}",
            fiche.corps
        );
        assert!(fiche.corps.contains("Méthode approuvée le "));
        assert!(!fiche.corps.contains("Labellisé le"));
        // La page publique du référentiel et l'accueil le présentent comme une approbation.
        let page = get_anonyme(&app, "/referentiels/approbation-methodes-2019/2019.1").await;
        assert_eq!(page.code, StatusCode::OK);
        assert!(texte_visible(&page.corps).contains("Présentation de la méthode"));
        let accueil = get_anonyme(&app, "/").await;
        assert!(texte_visible(&accueil.corps).contains("Approbation des méthodes"));
        let badge = get_anonyme(&app, "/registre/dispositifs/x1/badge.svg").await;
        assert!(
            badge.corps.contains("Approbation Méthodes 2019"),
            "{}",
            badge.corps
        );
        assert!(!badge.corps.contains("Label ") && !badge.corps.contains(": label"));
        store.verifier_journal().await.unwrap();
    }
);
