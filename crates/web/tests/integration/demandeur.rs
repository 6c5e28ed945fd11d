//! Le parcours d'une association qui dépose un dossier (et d'un territoire qui signe la charte) :
//! rien de ce qui est saisi n'est perdu, pas d'impasse après le dépôt, sur SQLite et PostgreSQL.
//! Le même parcours dans un navigateur : tests/navigateur/demandeur.test.mjs.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::organisation::{Adresse, Dispositif, Organisation};
use reperes_domain::{Etat as EtatDossier, Modification, Role};
use reperes_store::test_support::{catalogue_du_depot, pour_deposer};
use reperes_store::{deux_bases, Acteur, Store};
use tower::ServiceExt;

use crate::commun::{app, compte, objets_de, texte_visible, Client, Rep, MDP};

/// Corps multipart : champs texte, puis des fichiers (nom du champ, nom du fichier, octets).
fn corps_multipart(champs: &[(&str, &str)], fichiers: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let frontiere = "----reperes-demandeur";
    let mut corps = Vec::new();
    for (k, v) in champs {
        corps.extend(
            format!("--{frontiere}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (champ, nom, octets) in fichiers {
        corps.extend(format!("--{frontiere}\r\nContent-Disposition: form-data; name=\"{champ}\"; filename=\"{nom}\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
        corps.extend(*octets);
        corps.extend(b"\r\n");
    }
    corps.extend(format!("--{frontiere}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={frontiere}"), corps)
}

/// POST multipart avec le jeton CSRF courant (en premier champ, comme le navigateur).
async fn envoyer(
    c: &mut Client,
    chemin: &str,
    champs: &[(&str, &str)],
    fichiers: &[(&str, &str, &[u8])],
) -> Rep {
    let csrf = c.csrf.clone();
    let mut tous = vec![("_csrf", csrf.as_str())];
    tous.extend_from_slice(champs);
    let (ct, corps) = corps_multipart(&tous, fichiers);
    let req = c
        .avec_cookie(Request::post(chemin))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(corps))
        .unwrap();
    c.envoyer(req).await
}

/// Un PDF de `taille` octets (reconnu comme PDF par son contenu).
fn pdf(taille: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.4\n".to_vec();
    v.resize(taille, b' ');
    v
}

/// En-tête Cache-Control d'une page lue par GET.
async fn cache_control(c: &Client, chemin: &str) -> (StatusCode, String, String) {
    let req = c
        .avec_cookie(Request::get(chemin))
        .body(Body::empty())
        .unwrap();
    let r = c.app.clone().oneshot(req).await.unwrap();
    let code = r.status();
    let cc = r
        .headers()
        .get(header::CACHE_CONTROL)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let corps = String::from_utf8_lossy(
        &http_body_util::BodyExt::collect(r.into_body())
            .await
            .unwrap()
            .to_bytes(),
    )
    .into_owned();
    (code, cc, corps)
}

/// Un demandeur connecté, avec le brouillon NEC 2022 `dossier-a` (niveau 1).
async fn demandeur_connecte(store: &Store) -> Client {
    let a = compte(store, "a@org-a.example", RoleCompte::Demandeur).await;
    objets_de(store, &a, "a", None).await;
    let mut c = Client::new(&app(store));
    c.connecter(&a.email, MDP).await;
    c
}

deux_bases!(
    etape_un_lien_invalide_ne_vide_pas_l_etape,
    |store: Store| async move {
        let mut a = demandeur_connecte(&store).await;
        let etape = "/dossiers/dossier-a/etapes/2";
        a.get(etape).await;
        let texte = "Audit RGAA mené en 2026 : conformité partielle, plan d'action publié.";
        let r = envoyer(
            &mut a,
            etape,
            &[
                ("niveau_auto", "1"),
                ("texte", texte),
                (
                    "liens",
                    "www.exemple.fr/page\npas un lien\nhttps://exemple.fr/audit",
                ),
                ("suite", "suivante"),
            ],
            &[],
        )
        .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.corps);
        // Le résumé en haut renvoie au champ ; le message est au champ, lié par aria-describedby.
        assert!(r.corps.contains("id=\"erreurs\"") && r.corps.contains("href=\"#liens\""));
        assert!(r
            .corps
            .contains("aria-describedby=\"liens-erreur liens-info\""));
        assert!(r
            .corps
            .contains("id=\"liens-erreur\">« pas un lien » n&#39;est pas une adresse web"));
        assert!(r.corps.contains("fr-input-group--error"));
        // La saisie revient : le texte, le lien complété et la ligne à corriger.
        assert!(r.corps.contains(
            "Audit RGAA mené en 2026 : conformité partielle, plan d&#39;action publié.</textarea>"
        ));
        assert!(r.corps.contains(
            ">https://www.exemple.fr/page\npas un lien\nhttps://exemple.fr/audit</textarea>"
        ));
        assert!(r.corps.contains(
            "« www.exemple.fr/page » est enregistré comme « https://www.exemple.fr/page »"
        ));
        assert!(r
            .corps
            .contains("id=\"niveau_auto_1\" name=\"niveau_auto\" value=\"1\" checked"));
        // Ce qui était valide est enregistré.
        let d = store.dossier("dossier-a").await.unwrap().unwrap();
        let rep = &d.criteres["accessible"];
        assert_eq!(rep.texte, texte);
        assert_eq!(
            rep.liens,
            vec!["https://www.exemple.fr/page", "https://exemple.fr/audit"]
        );
        assert_eq!(rep.niveau_auto, Some(1));
        // Un domaine nu seul : enregistré, et la page suivante dit qu'il a été complété.
        let r = envoyer(
            &mut a,
            etape,
            &[
                ("niveau_auto", "1"),
                ("texte", texte),
                ("liens", "exemple.fr/doc"),
                ("suite", "suivante"),
            ],
            &[],
        )
        .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let lieu = r.lieu.unwrap();
        assert_eq!(lieu, "/dossiers/dossier-a/etapes/3?ok=liens_completes");
        let suivante = a.get(&lieu).await;
        assert!(suivante
            .corps
            .contains("« https:// » a été ajouté au début des liens"));
        let d = store.dossier("dossier-a").await.unwrap().unwrap();
        assert_eq!(
            d.criteres["accessible"].liens,
            vec!["https://exemple.fr/doc"]
        );
    }
);

deux_bases!(
    etape_fichier_trop_gros_ou_refuse_garde_la_saisie,
    |store: Store| async move {
        let mut a = demandeur_connecte(&store).await;
        let etape = "/dossiers/dossier-a/etapes/2";
        let page = a.get(etape).await;
        // Le navigateur est prévenu : types admis et taille maximale au champ.
        assert!(page.corps.contains("accept=\".pdf,.odt,"));
        assert!(page.corps.contains("Taille maximale : 20 Mo par fichier"));
        let avant = store.fichiers_du_dossier("dossier-a").await.unwrap().len();
        let texte = "Mesures d'accessibilité : audit, corrections et déclaration publiée.";
        for (nom, octets, attendu) in [
            (
                "audit.pdf",
                pdf(20 * 1024 * 1024 + 10),
                "Le fichier « audit.pdf » dépasse la taille maximale de 20 Mo.",
            ),
            (
                "page.pdf",
                b"<html><script>alert(1)</script></html>".to_vec(),
                "Le fichier « page.pdf » n&#39;est pas accepté",
            ),
        ] {
            let r = envoyer(
                &mut a,
                etape,
                &[
                    ("niveau_auto", "1"),
                    ("texte", texte),
                    ("liens", "https://exemple.fr/declaration"),
                ],
                &[("fichier", nom, &octets)],
            )
            .await;
            assert_eq!(
                r.code,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{nom} : {}",
                r.corps
            );
            assert!(r.corps.contains("href=\"#fichier\""), "{nom}");
            assert!(r.corps.contains("id=\"fichier-erreur\""), "{nom}");
            assert!(r.corps.contains(attendu), "{nom} : {}", r.corps);
            assert!(r.corps.contains("choisissez-le à nouveau"), "{nom}");
            assert!(
                r.corps.contains("Mesures d&#39;accessibilité : audit, corrections et déclaration publiée.</textarea>"),
                "{nom}"
            );
            assert!(r
                .corps
                .contains(">https://exemple.fr/declaration</textarea>"));
            assert!(!r.corps.contains("Requête invalide"));
            let d = store.dossier("dossier-a").await.unwrap().unwrap();
            assert_eq!(d.criteres["accessible"].texte, texte, "{nom}");
            assert!(d.criteres["accessible"].fichiers.is_empty(), "{nom}");
        }
        assert_eq!(
            store.fichiers_du_dossier("dossier-a").await.unwrap().len(),
            avant,
            "aucun fichier refusé n'est stocké"
        );
    }
);

/// Complète `dossier-a` (tous les critères, déclarations, engagements) sans le déposer, avec un
/// fichier joint au critère « accessible ».
async fn completer(store: &Store) {
    let cat = catalogue_du_depot();
    let r = cat
        .referentiels
        .iter()
        .find(|r| r.id == "nec-2022")
        .unwrap();
    let dem = Acteur::new("a@org-a.example", Role::Demandeur);
    for c in &r.criteres {
        store
            .modifier(
                &cat,
                "dossier-a",
                &dem,
                &Modification::Reponse {
                    critere: c.id.clone(),
                    texte: format!("Mesures prises pour le critère {} : détail.", c.libelle),
                    liens: vec!["https://exemple.fr/preuve".into()],
                    niveau_auto: Some(1),
                },
            )
            .await
            .unwrap();
    }
    for m in pour_deposer(r) {
        store.modifier(&cat, "dossier-a", &dem, &m).await.unwrap();
    }
    store
        .modifier(
            &cat,
            "dossier-a",
            &dem,
            &Modification::Fichier {
                critere: "accessible".into(),
                fichier_id: "fichier-a".into(),
            },
        )
        .await
        .unwrap();
}

deux_bases!(
    recapitulatif_retrait_de_fichier_depot_puis_retour,
    |store: Store| async move {
        let mut a = demandeur_connecte(&store).await;
        completer(&store).await;
        let recap = "/dossiers/dossier-a/etapes/9";
        let r = a.get(recap).await;
        assert_eq!(r.code, StatusCode::OK);
        // Chaque texte, lien et fichier, avec sa vraie taille et un bouton pour le retirer.
        assert!(r
            .corps
            .contains("Mesures prises pour le critère Accessible : détail."));
        assert!(r.corps.contains(">https://exemple.fr/preuve</a>"));
        assert!(r.corps.contains(">a.pdf</a> (4 octets)"), "{}", r.corps);
        assert!(r.corps.contains("Retirer « a.pdf »"));
        assert!(r
            .corps
            .contains("href=\"/dossiers/dossier-a/etapes/2\">Modifier « Accessible »"));
        assert!(r.corps.contains("Le dossier est complet"));
        // Retrait du fichier : CSRF exigé, puis journalisé.
        let sans_jeton = a
            .post(
                "/dossiers/dossier-a/fichiers/fichier-a/retirer",
                &[("critere", "accessible")],
                Some("faux"),
            )
            .await;
        assert_eq!(sans_jeton.code, StatusCode::FORBIDDEN);
        let r = a
            .post(
                "/dossiers/dossier-a/fichiers/fichier-a/retirer",
                &[("critere", "accessible")],
                None,
            )
            .await;
        assert_eq!(
            r.lieu.as_deref(),
            Some("/dossiers/dossier-a/etapes/9?ok=fichier_retire")
        );
        let d = store.dossier("dossier-a").await.unwrap().unwrap();
        assert!(d.criteres["accessible"].fichiers.is_empty());
        let journal = store.journal_objet("dossier", "dossier-a").await.unwrap();
        // Le journal désigne le compte par son identifiant, jamais par son adresse.
        let id_a = store
            .utilisateur_par_email(
                &reperes_domain::comptes::Email::parse("a@org-a.example").unwrap(),
            )
            .await
            .unwrap()
            .unwrap()
            .id;
        assert!(
            journal.iter().any(|e| e.contenu.action == "retirer_fichier"
                && e.contenu.acteur == format!("demandeur:{id_a}")),
            "{:?}",
            journal
                .iter()
                .map(|e| (&e.contenu.action, &e.contenu.acteur))
                .collect::<Vec<_>>()
        );
        let r = a
            .get("/dossiers/dossier-a/etapes/9?ok=fichier_retire")
            .await;
        assert!(r.corps.contains("Le fichier a été retiré du dossier."));
        assert!(!r.corps.contains("Retirer « a.pdf »"));
        // Dépôt.
        let r = a.post("/dossiers/dossier-a/deposer", &[], None).await;
        assert_eq!(r.lieu.as_deref(), Some("/dossiers/dossier-a?ok=depose"));
        let d = store.dossier("dossier-a").await.unwrap().unwrap();
        assert_eq!(d.etat, EtatDossier::Depose);
        let numero = d.numero.clone().unwrap();
        // La page du dossier : pas de cache, et ce qui se passe ensuite.
        let (code, cc, corps) = cache_control(&a, "/dossiers/dossier-a?ok=depose").await;
        assert_eq!((code, cc.as_str()), (StatusCode::OK, "no-store"));
        assert!(corps.contains("Et maintenant ?"));
        assert!(corps.contains(&format!("Votre dossier n° {numero} a été déposé le ")));
        assert!(corps.contains(
            "Il est instruit par l&#39;Agence nationale de la cohésion des territoires (ANCT)."
        ));
        assert!(corps.contains("Le règlement du label ne fixe pas de délai d&#39;instruction."));
        assert!(corps.contains("envoyé par courriel à : a@org-a.example"));
        // Bouton Retour : l'étape (et le récapitulatif) disent que le dossier est déposé.
        for chemin in ["/dossiers/dossier-a/etapes/2", recap] {
            let (code, cc, corps) = cache_control(&a, chemin).await;
            assert_eq!(
                (code, cc.as_str()),
                (StatusCode::OK, "no-store"),
                "{chemin}"
            );
            assert!(
                corps.contains("Dossier déposé le ") && corps.contains(&format!("(n° {numero})")),
                "{chemin} : {corps}"
            );
            assert!(corps.contains(&format!(
                "href=\"/dossiers/dossier-a\">Voir le dossier n° {numero}"
            )));
            assert!(!corps.contains("Déposer le dossier"));
        }
        // Renvoyer le formulaire d'une étape ou le dépôt depuis une page restée ouverte.
        let r = envoyer(
            &mut a,
            "/dossiers/dossier-a/etapes/2",
            &[("texte", "x")],
            &[],
        )
        .await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains(&format!("(n° {numero})")));
        let r = a.post("/dossiers/dossier-a/deposer", &[], None).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("Dossier déposé le "));
        assert_eq!(
            store.dossier("dossier-a").await.unwrap().unwrap().criteres["accessible"].texte,
            "Mesures prises pour le critère Accessible : détail.",
            "rien n'a changé après le dépôt"
        );
    }
);

deux_bases!(
    message_refuse_revient_en_erreur_avec_le_texte,
    |store: Store| async move {
        let mut a = demandeur_connecte(&store).await;
        a.get("/dossiers/dossier-a").await;
        let chemin = "/dossiers/dossier-a/messages";
        // Message vide.
        let r = envoyer(&mut a, chemin, &[("corps", "   ")], &[]).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.corps);
        assert!(r.corps.contains("id=\"erreurs\"") && r.corps.contains("href=\"#corps\""));
        assert!(r.corps.contains(
            "id=\"corps-erreur\">Le message est vide : écrivez un texte avant d&#39;envoyer."
        ));
        assert!(r.corps.contains("aria-describedby=\"corps-erreur\""));
        assert!(!r.corps.contains("Requête invalide"));
        // Pièce trop grosse, puis de type refusé : le texte revient, l'erreur est au champ.
        for (nom, octets, attendu) in [
            (
                "gros.pdf",
                pdf(20 * 1024 * 1024 + 1),
                "Le fichier « gros.pdf » dépasse la taille maximale de 20 Mo",
            ),
            (
                "page.pdf",
                b"<html></html>".to_vec(),
                "Le fichier « page.pdf » n&#39;est pas accepté",
            ),
        ] {
            let r = envoyer(
                &mut a,
                chemin,
                &[("corps", "Voici le rapport d'audit demandé.")],
                &[("pieces", nom, &octets)],
            )
            .await;
            assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "{nom}");
            assert!(r.corps.contains("href=\"#pieces\""), "{nom}");
            assert!(r.corps.contains(attendu), "{nom} : {}", r.corps);
            assert!(r.corps.contains("id=\"pieces-erreur\""));
            assert!(r
                .corps
                .contains(">Voici le rapport d&#39;audit demandé.</textarea>"));
        }
        assert!(store.messages("dossier-a", true).await.unwrap().is_empty());
        // Un message valide passe.
        let r = envoyer(&mut a, chemin, &[("corps", "Bonjour")], &[]).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        assert_eq!(store.messages("dossier-a", true).await.unwrap().len(), 1);
    }
);

deux_bases!(
    autodiagnostic_pre_remplit_le_dossier,
    |store: Store| async move {
        let mut a = demandeur_connecte(&store).await;
        a.get("/dispositifs/disp-a/autodiagnostic/nec-2022").await;
        let mut champs = vec![("declaration_retour_terrain", "oui")];
        let criteres = [
            "accessible",
            "appropriable",
            "ethique",
            "ouvert",
            "securise",
            "sobre",
        ];
        let noms: Vec<String> = criteres.iter().map(|c| format!("niveau_{c}")).collect();
        for (i, n) in noms.iter().enumerate() {
            champs.push((n.as_str(), if i == 0 { "2" } else { "1" }));
        }
        let r = a
            .post("/dispositifs/disp-a/autodiagnostic/nec-2022", &champs, None)
            .await;
        assert_eq!(r.code, StatusCode::OK);
        // Le formulaire « Commencer le dossier » porte les réponses.
        assert!(r
            .corps
            .contains("<input type=\"hidden\" name=\"niveau_accessible\" value=\"2\">"));
        assert!(r
            .corps
            .contains("<input type=\"hidden\" name=\"declaration_retour_terrain\" value=\"oui\">"));
        let mut creation = vec![
            ("dispositif", "disp-a"),
            ("referentiel", "nec-2022"),
            ("niveau", "1"),
            ("declaration_retour_terrain", "oui"),
            ("niveau_inconnu", "1"),
        ];
        creation.extend(champs.iter().skip(1).copied());
        let r = a.post("/dossiers", &creation, None).await;
        let lieu = r.lieu.expect("redirection vers la première étape");
        let id = lieu
            .trim_start_matches("/dossiers/")
            .trim_end_matches("/etapes/1");
        let d = store.dossier(id).await.unwrap().unwrap();
        assert_eq!(d.declarations.get("retour_terrain"), Some(&true));
        assert_eq!(d.criteres["accessible"].niveau_auto, Some(2));
        assert_eq!(d.criteres["sobre"].niveau_auto, Some(1));
        assert!(!d.criteres.contains_key("inconnu"));
        let page = a.get(&lieu).await;
        assert!(page
            .corps
            .contains("id=\"declaration_retour_terrain_oui\" name=\"declaration_retour_terrain\" value=\"oui\" checked"));
        let page = a.get(&format!("/dossiers/{id}/etapes/2")).await;
        assert!(page
            .corps
            .contains("id=\"niveau_auto_2\" name=\"niveau_auto\" value=\"2\" checked"));
    }
);

deux_bases!(
    charte_dispositifs_retenus_et_vocabulaire,
    |store: Store| async move {
        let u = compte(&store, "mairie@ville.example", RoleCompte::Demandeur).await;
        let acteur = Acteur::new(&u.email, Role::Demandeur);
        let o = Organisation {
            id: "org-ville".into(),
            nom: "Ville d'Amiens".into(),
            type_organisation: "collectivite_territoriale".into(),
            siret: None,
            rna: None,
            adresse: Adresse {
                voie: "Place de l'Hôtel de Ville".into(),
                code_postal: "80000".into(),
                commune: "Amiens".into(),
            },
        };
        store.creer_organisation(&acteur, &o).await.unwrap();
        store.ajouter_membre(&acteur, &o.id, &u.id).await.unwrap();
        let d = Dispositif {
            id: "disp-ville".into(),
            organisation_id: o.id.clone(),
            nom: "Amiens numérique pour tous".into(),
            type_dispositif: "demarche_territoriale".into(),
            description: String::new(),
            site: None,
        };
        store.creer_dispositif(&acteur, &d).await.unwrap();
        let mut c = Client::new(&app(&store));
        c.connecter(&u.email, MDP).await;
        let auto = c
            .get("/dispositifs/disp-ville/autodiagnostic/charte-territoire-actions")
            .await;
        assert!(auto
            .corps
            .contains("Retenu : le territoire s'engage à le mettre en œuvre"));
        let r = c
            .post(
                "/dossiers",
                &[
                    ("dispositif", "disp-ville"),
                    ("referentiel", "charte-territoire-actions"),
                    ("niveau", "1"),
                    ("declaration_demarche_partenariale", "oui"),
                    ("niveau_pix", "1"),
                    ("niveau_cartographie", "1"),
                    ("niveau_pass_numerique", "0"),
                ],
                None,
            )
            .await;
        let lieu = r.lieu.expect("dossier créé");
        let id = lieu
            .trim_start_matches("/dossiers/")
            .trim_end_matches("/etapes/1")
            .to_string();
        let dossier = store.dossier(&id).await.unwrap().unwrap();
        let retenus: Vec<&str> = dossier
            .criteres
            .iter()
            .filter(|(_, r)| r.retenu())
            .map(|(c, _)| c.as_str())
            .collect();
        assert_eq!(retenus, vec!["cartographie", "pix"]);
        // Seules les étapes des dispositifs retenus : informations, partenaires, 2 dispositifs,
        // engagements, récapitulatif.
        let p1 = c.get(&lieu).await;
        assert!(p1.corps.contains("Étape 1 sur 6"), "{}", p1.corps);
        assert!(p1.corps.contains("Dispositifs retenus et déclaration"));
        assert!(p1
            .corps
            .contains("id=\"dispositif_pix\" name=\"dispositif_pix\" value=\"oui\" checked"));
        assert!(p1.corps.contains("Dispositif « Déploiement de PIX »"));
        assert!(!p1.corps.contains("Dispositif « Outils d&#39;appropriation"));
        // Vocabulaire de la charte sur chaque étape et au récapitulatif.
        for n in 1..=6 {
            let p = c.get(&format!("/dossiers/{id}/etapes/{n}")).await;
            let texte = texte_visible(&p.corps).to_lowercase();
            for mot in ["label", "niveau visé", "labellisation"] {
                assert!(!texte.contains(mot), "étape {n} : « {mot} » dans {texte}");
            }
        }
        let recap = c.get(&format!("/dossiers/{id}/etapes/6")).await;
        assert!(recap.corps.contains("Récapitulatif et signature"));
        assert!(recap.corps.contains("Dispositifs retenus"));
        // Retenir un troisième dispositif à la première étape lui donne son étape.
        let r = envoyer(
            &mut c,
            &lieu,
            &[
                ("dispositifs", "oui"),
                ("dispositif_pix", "oui"),
                ("dispositif_cartographie", "oui"),
                ("dispositif_gouvernance_locale", "oui"),
                ("declaration_demarche_partenariale", "oui"),
                ("suite", "rester"),
            ],
            &[],
        )
        .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let p1 = c.get(&lieu).await;
        assert!(p1.corps.contains("Étape 1 sur 7"));
        let dossier = store.dossier(&id).await.unwrap().unwrap();
        assert_eq!(dossier.criteres["gouvernance_locale"].niveau_auto, Some(1));
    }
);
