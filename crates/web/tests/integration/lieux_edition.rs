//! Modifier un lieu (issue 16, partie « edition ») au niveau HTTP, sur les deux bases : la
//! structure qui tient le lieu change ses horaires par la grille (fiche, données ouvertes,
//! historique et API le montrent), saisie invalide (messages de l'import, rien d'enregistré),
//! modifications concurrentes (409 avec les deux versions), refus (autre organisation, anonyme),
//! retour à une version par un administrateur (refusé à la structure).

use crate::commun;

use axum::http::StatusCode;
use commun::{app, compte, objets_de, Client, MDP};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::lieux::{schema_national, valeur};
use reperes_domain::Role;
use reperes_store::{deux_bases, Acteur, Store};
use serde_json::Value;

const LIEU: &str = "/lieux/exemple/structure-1";

/// Le monde : le lieu `exemple/structure-1` tenu par l'organisation de A (`org-a`) ; B membre
/// d'une autre organisation ; un administrateur.
async fn monde(store: &Store) {
    commun::importer_lieux(store, &[("exemple-valide-v1.0.2.csv", "exemple")]).await;
    let a = compte(store, "a@org-a.example", RoleCompte::Demandeur).await;
    let b = compte(store, "b@org-b.example", RoleCompte::Demandeur).await;
    compte(store, "admin@reperes.example", RoleCompte::Administrateur).await;
    objets_de(store, &a, "a", None).await;
    objets_de(store, &b, "b", None).await;
    store
        .attribuer_lieu(
            &Acteur::new("test", Role::Systeme),
            "exemple",
            "structure-1",
            "org-a",
            false,
        )
        .await
        .unwrap();
}

/// Les champs du formulaire d'après l'état enregistré du lieu (ce qu'envoie un navigateur qui
/// ne change rien), horaires par la grille laissée vide, version lue comprise.
async fn formulaire(store: &Store) -> Vec<(String, String)> {
    let l = store
        .lieu_courant("exemple", "structure-1")
        .await
        .unwrap()
        .unwrap();
    let mut v = vec![
        ("version_lue".to_string(), l.version.to_string()),
        ("grille".into(), "1".into()),
        ("plages".into(), "2".into()),
        ("feries".into(), "ouverts".into()),
        ("horaires_brut".into(), String::new()),
    ];
    for c in schema_national().champs {
        if ["id", "date_maj", "source", "horaires"].contains(&c.nom.as_str()) {
            continue;
        }
        let x = valeur(&l.donnees, &c.nom).unwrap_or_default();
        if c.valeurs_enumerees().is_empty() {
            v.push((c.nom.clone(), x));
        } else {
            for morceau in x.split('|').filter(|m| !m.is_empty()) {
                v.push((c.nom.clone(), morceau.to_string()));
            }
        }
    }
    v
}

/// Une case cochée du formulaire : elle envoie le rang de sa valeur dans le schéma.
fn coche(champ: &str, valeur: &str) -> String {
    let i = schema_national()
        .champ(champ)
        .unwrap()
        .valeurs_enumerees()
        .iter()
        .position(|v| v == valeur)
        .unwrap();
    format!("name=\"{champ}\" value=\"{i}\" checked>{valeur}</label>")
}

fn poser(f: &mut Vec<(String, String)>, k: &str, x: &str) {
    f.retain(|(c, _)| c != k);
    f.push((k.to_string(), x.to_string()));
}

/// Grille : du lundi au vendredi 10:00-12:30 et 14:00-17:00, fermé les jours fériés.
fn nouvelle_grille(f: &mut Vec<(String, String)>) {
    for j in 0..5 {
        poser(f, &format!("h{j}_0_debut"), "10:00");
        poser(f, &format!("h{j}_0_fin"), "12:30");
        poser(f, &format!("h{j}_1_debut"), "14:00");
        poser(f, &format!("h{j}_1_fin"), "17:00");
    }
    poser(f, "feries", "fermes");
}

async fn envoyer(c: &mut Client, chemin: &str, f: &[(String, String)]) -> commun::Rep {
    let paires: Vec<(&str, &str)> = f.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect();
    c.post(chemin, &paires, None).await
}

async fn client(store: &Store, email: &str) -> Client {
    let mut c = Client::new(&app(store));
    let r = c.connecter(email, MDP).await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "connexion de {email}");
    c
}

deux_bases!(
    la_structure_change_les_horaires_par_la_grille,
    |store: Store| async move {
        monde(&store).await;
        let mut a = client(&store, "a@org-a.example").await;
        // La fiche propose l'historique et, à la structure, la modification.
        let fiche = a.get(LIEU).await;
        assert!(fiche.corps.contains(&format!("href=\"{LIEU}/modifier\"")));
        assert!(fiche.corps.contains(&format!("href=\"{LIEU}/historique\"")));
        let r = a.get(&format!("{LIEU}/modifier")).await;
        assert_eq!(r.code, StatusCode::OK);
        // Budget des pages : HTML ≤ 30 Ko.
        assert!(r.corps.len() <= 30 * 1024, "{} octets", r.corps.len());
        // Formulaire du schéma : titres, obligatoire, cases des valeurs énumérées, grille
        // préremplie des horaires actuels (Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00).
        for attendu in [
            "Numéro de téléphone",
            "SIRET ou RNA ou RIDET *</label>",
            &coche("services", "Insertion professionnelle via le numérique"),
            &coche("modalites_acces", "Téléphoner"),
            "name=\"h0_1_fin\" value=\"18:30\"",
            "name=\"h5_0_debut\" value=\"08:30\"",
            "name=\"h6_0_debut\" value=\"\"",
            "Identifiant : <strong>structure-1</strong>",
        ] {
            assert!(r.corps.contains(attendu), "{attendu}");
        }
        assert!(!r
            .corps
            .contains(&coche("services", "Aide aux démarches administratives")));
        // « Ajouter une plage » : le formulaire revient avec une troisième plage, rien n'est
        // enregistré.
        let mut f = formulaire(&store).await;
        poser(&mut f, "action", "ajouter_plage");
        let r = envoyer(&mut a, &format!("{LIEU}/modifier"), &f).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("name=\"h0_2_debut\""));
        assert!(r.corps.contains("name=\"plages\" value=\"3\""));
        // Rien d'écrit : l'historique n'a que la création par l'import.
        let h = store
            .historique_lieu("exemple", "structure-1")
            .await
            .unwrap();
        assert_eq!(h.iter().map(|v| v.creation).collect::<Vec<_>>(), [true]);

        let mut f = formulaire(&store).await;
        nouvelle_grille(&mut f);
        let r = envoyer(&mut a, &format!("{LIEU}/modifier"), &f).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        assert_eq!(r.lieu.as_deref(), Some(LIEU));

        let l = store
            .lieu_courant("exemple", "structure-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            valeur(&l.donnees, "horaires").as_deref(),
            Some("Mo-Fr 10:00-12:30,14:00-17:00; PH off")
        );
        // La source devient la structure, la date celle du jour ; le reste est intact.
        assert_eq!(
            valeur(&l.donnees, "source").as_deref(),
            Some("Organisation a")
        );
        assert_eq!(
            valeur(&l.donnees, "date_maj"),
            Some(
                chrono::Utc::now()
                    .date_naive()
                    .format("%Y-%m-%d")
                    .to_string()
            )
        );
        assert_eq!(valeur(&l.donnees, "nom").as_deref(), Some("Anonymal"));
        assert_eq!(valeur(&l.donnees, "latitude").as_deref(), Some("43.52609"));

        // La fiche (index en mémoire rechargé) et les données ouvertes montrent les horaires.
        let fiche = a.get(LIEU).await.corps;
        assert!(
            fiche.contains("Du lundi au vendredi : de 10 h à 12 h 30 et de 14 h à 17 h"),
            "{fiche}"
        );
        assert!(fiche.contains("Fermé les jours fériés"));
        let csv = commun::get_anonyme(&app(&store), "/donnees/lieux.csv")
            .await
            .corps;
        assert!(
            csv.contains("Mo-Fr 10:00-12:30,14:00-17:00; PH off"),
            "{csv}"
        );
        assert!(!csv.contains("Mo-Fr 09:00-12:00,14:00-18:30"));

        // Historique public : origine, la structure nommée (pas la personne), horaires en mots.
        let h = commun::get_anonyme(&app(&store), &format!("{LIEU}/historique")).await;
        assert_eq!(h.code, StatusCode::OK);
        assert!(h
            .corps
            .contains("Mise à jour par la structure, par la structure Organisation a."));
        assert!(h.corps.contains("Du lundi au vendredi : de 9 h à 12 h et de 14 h à 18 h 30 ; Samedi : de 8 h 30 à 12 h"), "{}", h.corps);
        assert!(h.corps.contains(
            "Du lundi au vendredi : de 10 h à 12 h 30 et de 14 h à 17 h ; Fermé les jours fériés"
        ));
        assert!(!h.corps.contains("a@org-a.example"));
        assert!(!h.corps.contains("Revenir à la version"));

        // API : mêmes informations, sans donnée personnelle.
        let r =
            commun::get_anonyme(&app(&store), "/api/v1/lieux/exemple/structure-1/historique").await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(!r.corps.contains("a@org-a.example"));
        let j: Value = serde_json::from_str(&r.corps).unwrap();
        assert_eq!(j["version"], 2);
        let v = &j["versions"][0];
        assert_eq!(v["version"], 2);
        assert_eq!(v["origine"], "structure");
        assert_eq!(v["auteur"], "la structure Organisation a");
        let champs: Vec<&str> = v["changements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["champ"].as_str().unwrap())
            .collect();
        assert_eq!(champs, ["date_maj", "horaires", "source"]);
        let horaires = &v["changements"][1];
        assert_eq!(horaires["titre"], "Horaires");
        assert_eq!(
            horaires["avant"],
            "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00"
        );
        assert_eq!(horaires["apres"], "Mo-Fr 10:00-12:30,14:00-17:00; PH off");
        assert_eq!(
            horaires["apres_en_mots"],
            "Du lundi au vendredi : de 10 h à 12 h 30 et de 14 h à 17 h ; Fermé les jours fériés"
        );
        let r = commun::get_anonyme(&app(&store), "/api/v1/lieux/exemple/inconnu/historique").await;
        assert_eq!(r.code, StatusCode::NOT_FOUND);
        // L'API est décrite dans OpenAPI.
        let o = commun::get_anonyme(&app(&store), "/api/openapi.json")
            .await
            .corps;
        assert!(o.contains("/api/v1/lieux/{source}/{id}/historique"));
    }
);

deux_bases!(
    une_saisie_invalide_recoit_les_messages_de_l_import_et_rien_n_est_enregistre,
    |store: Store| async move {
        monde(&store).await;
        let mut a = client(&store, "a@org-a.example").await;
        a.get(&format!("{LIEU}/modifier")).await;
        let mut f = formulaire(&store).await;
        poser(&mut f, "nom", "");
        poser(&mut f, "telephone", "05 45 12");
        poser(&mut f, "h1_0_debut", "09:00");
        poser(&mut f, "h1_0_fin", "08:00");
        let r = envoyer(&mut a, &format!("{LIEU}/modifier"), &f).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        for attendu in [
            "3 erreurs empêchent l'enregistrement",
            "<a href=\"#champ-nom\">le champ « nom » est obligatoire</a>",
            "<a href=\"#champ-telephone\">« telephone » ne respecte pas le format attendu",
            "<a href=\"#horaires\">mardi, plage 1 : l&#39;heure de fin (08:00) doit suivre l&#39;heure de début (09:00)</a>",
            // La saisie est réaffichée telle quelle.
            "name=\"telephone\" value=\"05 45 12\"",
            "name=\"h1_0_fin\" value=\"08:00\"",
        ] {
            assert!(r.corps.contains(attendu), "{attendu}\n{}", r.corps);
        }
        // Horaires OSM bruts illisibles : le message de l'analyseur de l'import.
        let mut f = formulaire(&store).await;
        poser(&mut f, "horaires_brut", "lundi matin");
        let r = envoyer(&mut a, &format!("{LIEU}/modifier"), &f).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r
            .corps
            .contains("horaires : horaires illisibles (syntaxe OpenStreetMap opening_hours)"));
        assert!(r.corps.contains("value=\"lundi matin\""));
        let l = store
            .lieu_courant("exemple", "structure-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            l.version,
            formulaire(&store).await[0].1.parse::<i64>().unwrap()
        );
        assert_eq!(valeur(&l.donnees, "nom").as_deref(), Some("Anonymal"));
        // Rien d'écrit : l'historique n'a que la création par l'import.
        let h = store
            .historique_lieu("exemple", "structure-1")
            .await
            .unwrap();
        assert_eq!(h.iter().map(|v| v.creation).collect::<Vec<_>>(), [true]);
        // Le champ brut, rempli et différent de la grille, prime.
        let mut f = formulaire(&store).await;
        poser(&mut f, "horaires_brut", "Mo 09:00-12:00");
        let r = envoyer(&mut a, &format!("{LIEU}/modifier"), &f).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        let l = store
            .lieu_courant("exemple", "structure-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            valeur(&l.donnees, "horaires").as_deref(),
            Some("Mo 09:00-12:00")
        );
    }
);

deux_bases!(
    deux_modifications_concurrentes_montrent_les_deux_versions,
    |store: Store| async move {
        monde(&store).await;
        let mut a = client(&store, "a@org-a.example").await;
        let mut admin = client(&store, "admin@reperes.example").await;
        // Les deux lisent la même version.
        a.get(&format!("{LIEU}/modifier")).await;
        assert_eq!(
            admin.get(&format!("{LIEU}/modifier")).await.code,
            StatusCode::OK
        );
        let lu = formulaire(&store).await;
        let mut fa = lu.clone();
        poser(&mut fa, "telephone", "+33545000001");
        assert_eq!(
            envoyer(&mut a, &format!("{LIEU}/modifier"), &fa).await.code,
            StatusCode::SEE_OTHER
        );
        let mut fb = lu.clone();
        poser(&mut fb, "telephone", "+33545000002");
        let r = envoyer(&mut admin, &format!("{LIEU}/modifier"), &fb).await;
        assert_eq!(r.code, StatusCode::CONFLICT);
        for attendu in [
            "Ce lieu a été modifié par quelqu'un d'autre pendant votre saisie",
            "<th scope=\"row\">Numéro de téléphone</th><td><mark>+33545000002</mark></td><td><mark>+33545000001</mark></td>",
            // Le formulaire est prérempli de la saisie, sur la nouvelle version.
            "name=\"telephone\" value=\"+33545000002\"",
            "name=\"version_lue\" value=\"2\"",
        ] {
            assert!(r.corps.contains(attendu), "{attendu}\n{}", r.corps);
        }
        let l = store
            .lieu_courant("exemple", "structure-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            valeur(&l.donnees, "telephone").as_deref(),
            Some("+33545000001")
        );
        // Réessayer sur la nouvelle version : accepté.
        poser(&mut fb, "version_lue", "2");
        assert_eq!(
            envoyer(&mut admin, &format!("{LIEU}/modifier"), &fb)
                .await
                .code,
            StatusCode::SEE_OTHER
        );
        let l = store
            .lieu_courant("exemple", "structure-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            valeur(&l.donnees, "telephone").as_deref(),
            Some("+33545000002")
        );
        assert_eq!(l.version, 3);
        let h = store
            .historique_lieu("exemple", "structure-1")
            .await
            .unwrap();
        assert_eq!(h[0].origine.code(), "administration");
        // Une administration garde la source de la donnée (celle de la structure).
        assert_eq!(
            valeur(&l.donnees, "source").as_deref(),
            Some("Organisation a")
        );
        let page = commun::get_anonyme(&app(&store), &format!("{LIEU}/historique"))
            .await
            .corps;
        assert!(page.contains("Modification par l&#39;administration, par un administrateur."));
    }
);

deux_bases!(
    seuls_la_structure_et_l_administration_modifient_et_seul_l_administrateur_restaure,
    |store: Store| async move {
        monde(&store).await;
        // Anonyme : connexion.
        let mut anonyme = Client::new(&app(&store));
        let r = anonyme.get(&format!("{LIEU}/modifier")).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        assert!(r.lieu.unwrap().starts_with("/connexion"));
        // Membre d'une autre organisation : interdit, en lecture comme en écriture.
        let mut b = client(&store, "b@org-b.example").await;
        assert_eq!(
            b.get(&format!("{LIEU}/modifier")).await.code,
            StatusCode::FORBIDDEN
        );
        let mut f = formulaire(&store).await;
        poser(&mut f, "nom", "Pris par B");
        assert_eq!(
            envoyer(&mut b, &format!("{LIEU}/modifier"), &f).await.code,
            StatusCode::FORBIDDEN
        );
        assert!(!b
            .get(LIEU)
            .await
            .corps
            .contains(&format!("{LIEU}/modifier")));

        // La structure change le nom (v2), l'administration le téléphone (v3).
        let mut a = client(&store, "a@org-a.example").await;
        a.get(&format!("{LIEU}/modifier")).await;
        let mut f = formulaire(&store).await;
        poser(&mut f, "nom", "Anonymal du port");
        assert_eq!(
            envoyer(&mut a, &format!("{LIEU}/modifier"), &f).await.code,
            StatusCode::SEE_OTHER
        );
        let mut admin = client(&store, "admin@reperes.example").await;
        admin.get(&format!("{LIEU}/modifier")).await;
        let mut f = formulaire(&store).await;
        poser(&mut f, "telephone", "+33545000009");
        assert_eq!(
            envoyer(&mut admin, &format!("{LIEU}/modifier"), &f)
                .await
                .code,
            StatusCode::SEE_OTHER
        );

        // La structure ne peut pas restaurer.
        a.get(&format!("{LIEU}/historique")).await;
        let r = a
            .post(
                &format!("{LIEU}/historique/2/restaurer"),
                &[("confirmer", "oui")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
        // L'administrateur : sans confirmation, refus ; avec, retour à l'état de la version 2.
        let page = admin.get(&format!("{LIEU}/historique")).await.corps;
        assert!(page.contains("Revenir à la version 2"));
        assert!(!page.contains("Revenir à la version 3"));
        let r = admin
            .post(&format!("{LIEU}/historique/2/restaurer"), &[], None)
            .await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert_eq!(
            store
                .lieu_courant("exemple", "structure-1")
                .await
                .unwrap()
                .unwrap()
                .version,
            3
        );
        let r = admin
            .post(
                &format!("{LIEU}/historique/2/restaurer"),
                &[("confirmer", "oui")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        let l = store
            .lieu_courant("exemple", "structure-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(l.version, 4);
        assert_eq!(
            valeur(&l.donnees, "nom").as_deref(),
            Some("Anonymal du port")
        );
        assert_eq!(
            valeur(&l.donnees, "telephone").as_deref(),
            Some("+33180059880")
        );
        let h = store
            .historique_lieu("exemple", "structure-1")
            .await
            .unwrap();
        assert_eq!(h[0].origine.code(), "restauration");
        assert_eq!(h[0].origine_detail.as_deref(), Some("version 2"));
        let page = commun::get_anonyme(&app(&store), &format!("{LIEU}/historique"))
            .await
            .corps;
        assert!(
            page.contains("Retour à une version précédente (version 2), par un administrateur.")
        );
        // Une version inconnue : introuvable.
        let r = admin
            .post(
                &format!("{LIEU}/historique/9/restaurer"),
                &[("confirmer", "oui")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::NOT_FOUND);
    }
);
