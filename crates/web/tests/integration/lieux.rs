//! Carte des lieux au niveau HTTP, sur les deux bases : recherche (texte, filtres, distance à une
//! commune, disponibilité), API, fiche, orientation en quatre étapes, exports ouverts, page
//! d'import des administrateurs (progression, rapport, v0.1), liens lieux ↔ dispositifs.

use crate::commun;

use axum::http::StatusCode;
use axum::Router;
use commun::{
    app, attendre_import, compte, get_anonyme, importer_csv, televerser_lieux, titulaire, Client,
    MDP,
};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::Role;
use reperes_store::{deux_bases, Acteur, Store};
use serde_json::Value;

async fn get(app: &Router, chemin: &str) -> (StatusCode, String) {
    let r = get_anonyme(app, chemin).await;
    (r.code, r.corps)
}

async fn api(app: &Router, chemin: &str) -> (StatusCode, Value) {
    let (c, t) = get(app, chemin).await;
    (
        c,
        serde_json::from_str(&t).unwrap_or_else(|_| panic!("{t}")),
    )
}

async fn importer(store: &Store) {
    commun::importer_lieux(
        store,
        &[
            ("charente-20230711_schema-update-20240912.json", "charente"),
            ("exemple-valide-v1.0.2.csv", "exemple"),
        ],
    )
    .await;
}

fn distances(v: &Value) -> Vec<f64> {
    v["lieux"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["distance_km"].as_f64().unwrap())
        .collect()
}

deux_bases!(
    recherche_api_et_fiche_des_lieux,
    |store: Store| async move {
        importer(&store).await;
        let app = app(&store);
        let (code, page) = get(&app, "/lieux").await;
        assert_eq!(code, StatusCode::OK);
        assert!(
            // 189 fiches, dont 21 doublons probables regroupés avec une autre (une ligne par lieu).
            page.contains("168 lieu(x), page 1 sur 9 (21 fiche(s) en double regroupée(s))"),
            "{}",
            &page[..page.len().min(3000)]
        );
        let (_, page) = get(&app, "/lieux?q=mediatheque%20chateaubernard").await;
        assert!(page.contains("1 lieu(x)"), "recherche sans accents");

        // Autour d'Angoulême (code postal, référentiel des communes hors ligne) : triés par distance.
        let (code, v) = api(&app, "/api/v1/lieux?lieu=16000&rayon=20").await;
        assert_eq!(code, StatusCode::OK);
        let d = distances(&v);
        let total = v["total"].as_u64().unwrap();
        assert!(total > 10 && total < 188, "{total}");
        assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
        assert!(d.iter().all(|x| *x <= 20.0));
        assert!(v["localisation"]
            .as_str()
            .unwrap()
            .contains("Autour d'Angoulême"));
        // Un rayon plus grand ne perd aucun lieu.
        let (_, v50) = api(&app, "/api/v1/lieux?lieu=Angoul%C3%AAme&rayon=50").await;
        assert!(v50["total"].as_u64().unwrap() >= total);
        // Point donné : l'exemple officiel est situé près d'Aix-en-Provence (ses coordonnées), pas à Reims.
        let (_, v) = api(&app, "/api/v1/lieux?latitude=43.5&longitude=5.4&rayon=10").await;
        assert_eq!(v["total"], 1);
        assert_eq!(v["lieux"][0]["donnees"]["nom"], "Anonymal");
        let (_, v) = api(&app, "/api/v1/lieux?lieu=51100").await;
        assert_eq!(v["total"], 0, "Reims : aucun lieu à 30 km");

        // Filtres : au moins un service ; toutes les prises en charge.
        let s = "Aide%20aux%20d%C3%A9marches%20administratives";
        let (_, v) = api(&app, &format!("/api/v1/lieux?service={s}")).await;
        let un = v["total"].as_u64().unwrap();
        assert!(un > 0 && un < 189);
        let (_, v2) = api(
            &app,
            &format!(
                "/api/v1/lieux?service={s}&service=Loisirs%20et%20cr%C3%A9ations%20num%C3%A9riques"
            ),
        )
        .await;
        assert!(
            v2["total"].as_u64().unwrap() >= un,
            "au moins un : la liste s'élargit"
        );
        let (_, p1) = api(&app, "/api/v1/lieux?prise_en_charge=Surdit%C3%A9").await;
        let (_, p2) = api(
            &app,
            "/api/v1/lieux?prise_en_charge=Surdit%C3%A9&prise_en_charge=Illettrisme",
        )
        .await;
        // « Toutes » : dans les données, un seul lieu (l'exemple officiel, « Anonymal ») déclare
        // des prises en charge : Surdité, Illettrisme, Langues étrangères (anglais). Il répond aux
        // deux premières réunies (une liste vide ne prouverait rien), pas à Surdité + Handicaps
        // moteurs (un filtre « au moins une » le rendrait).
        assert_eq!(p1["total"], 1, "{p1}");
        assert_eq!(p2["total"], 1, "toutes : {p2}");
        assert_eq!(p2["lieux"][0]["donnees"]["nom"], "Anonymal");
        let (_, p3) = api(
            &app,
            "/api/v1/lieux?prise_en_charge=Surdit%C3%A9&prise_en_charge=Handicaps%20moteurs",
        )
        .await;
        assert_eq!(p3["total"], 0, "toutes, dont une absente : {p3}");
        for l in p2["lieux"].as_array().unwrap() {
            let p = l["donnees"]["prise_en_charge_specifique"].as_str().unwrap();
            assert!(p.contains("Surdité") && p.contains("Illettrisme"), "{p}");
        }
        let (_, v) = api(&app, "/api/v1/lieux?service=inconnu").await;
        assert_eq!(v["total"], 0);
        // Disponibilité : l'exemple ouvre le lundi matin, pas le dimanche.
        let (_, v) = api(&app, "/api/v1/lieux?q=anonymal&jour=lundi&heure=10:00").await;
        assert_eq!(v["total"], 1);
        let (_, v) = api(&app, "/api/v1/lieux?q=anonymal&jour=dimanche&heure=10:00").await;
        assert_eq!(v["total"], 0);
        let (code, _) = api(&app, "/api/v1/lieux?ouvert=maintenant").await;
        assert_eq!(code, StatusCode::OK);

        // Paramètres invalides : 400 et message en français.
        for (q, mot) in [
            ("rayon=7000", "rayon"),
            ("latitude=abc&longitude=1", "latitude"),
            ("heure=25:00&jour=lundi", "heure"),
            ("page=0", "page"),
            ("ouvert=hier", "maintenant"),
            ("ouvert=", "maintenant"),
            ("jour=", "jour"),
            ("page=2147483648", "page"),
        ] {
            let (code, v) = api(&app, &format!("/api/v1/lieux?{q}")).await;
            assert_eq!(code, StatusCode::BAD_REQUEST, "{q}");
            assert!(v["message"].as_str().unwrap().contains(mot), "{q} : {v}");
        }
        // Toute combinaison de paramètres bien formés est acceptée : une coordonnée seule est ignorée
        // (et la réponse le dit), un jour sans heure veut dire « ouvert ce jour-là ».
        let (code, v) = api(&app, "/api/v1/lieux?latitude=45").await;
        assert_eq!(code, StatusCode::OK);
        assert!(v["localisation"].as_str().unwrap().contains("ignorée"));
        let (_, v) = api(&app, "/api/v1/lieux?q=anonymal&jour=lundi").await;
        assert_eq!(v["total"], 1);
        let (_, v) = api(&app, "/api/v1/lieux?q=anonymal&jour=dimanche").await;
        assert_eq!(v["total"], 0);
        let (code, _) = api(&app, "/api/v1/lieux?heure=10:00").await;
        assert_eq!(code, StatusCode::OK);
        // Commune ambiguë : pas une faute du client (schemathesis l'a relevé : « __main__ » est un
        // texte valide) ; 200, aucun lieu, les communes possibles, à redemander par leur libellé.
        let (code, v) = api(&app, "/api/v1/lieux?lieu=Saint-Denis").await;
        assert_eq!(code, StatusCode::OK);
        assert_eq!(v["total"], 0);
        assert!(
            v["localisation"].as_str().unwrap().contains("précisez"),
            "{v}"
        );
        let possibles = v["communes_possibles"].as_array().unwrap();
        assert!(possibles.len() >= 2, "{v}");
        let reunion = possibles
            .iter()
            .find(|c| c["code_insee"] == "97411")
            .expect("Saint-Denis de La Réunion");
        assert_eq!(reunion["nom"], "Saint-Denis");
        let libelle = reunion["libelle"].as_str().unwrap();
        assert_eq!(libelle, "Saint-Denis (97400)");
        let encode: String = form_urlencoded::byte_serialize(libelle.as_bytes()).collect();
        let (code, v) = api(&app, &format!("/api/v1/lieux?lieu={encode}")).await;
        assert_eq!(code, StatusCode::OK);
        assert_eq!(v["communes_possibles"], serde_json::json!([]));
        assert!(
            v["localisation"].as_str().unwrap().contains("Saint-Denis"),
            "{v}"
        );
        let (code, page) = get(&app, "/lieux?rayon=7000").await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("fr-alert--error"));

        // Fiche : horaires en mots, liens de rendez-vous et d'accessibilité, source et dates.
        let (code, fiche) = get(&app, "/lieux/exemple/structure-1").await;
        assert_eq!(code, StatusCode::OK);
        assert!(fiche.contains(">Anonymal</h1>"), "{fiche}");
        assert!(
            fiche.contains("Du lundi au vendredi : de 9 h à 12 h et de 14 h à 18 h 30"),
            "{fiche}"
        );
        assert!(fiche.contains("Prendre rendez-vous en ligne") && fiche.contains("Accès libre"));
        assert!(fiche.contains("Source des données : exemple"));
        assert_eq!(
            get(&app, "/lieux/exemple/absent").await.0,
            StatusCode::NOT_FOUND
        );
        let (_, doc) = get(&app, "/api/openapi.json").await;
        assert!(doc.contains("/api/v1/lieux") && doc.contains("prise_en_charge"));
    }
);

deux_bases!(orientation_en_quatre_etapes, |store: Store| async move {
    importer(&store).await;
    let app = app(&store);
    let compte_lieux = |page: &str| -> u64 {
        let i = page
            .find("lieu(x) correspondent")
            .unwrap_or_else(|| panic!("{page}"));
        let debut = page[..i].rfind('>').unwrap() + 1;
        page[debut..i].trim().parse().unwrap()
    };
    let (code, p1) = get(&app, "/orientation").await;
    assert_eq!(code, StatusCode::OK);
    assert!(p1.contains("Étape 1 sur 4") && p1.contains("De quoi avez-vous besoin"));
    let n1 = compte_lieux(&p1);
    let s = "service=Aide%20aux%20d%C3%A9marches%20administratives";
    let (_, p2) = get(&app, &format!("/orientation?{s}&etape=2")).await;
    assert!(p2.contains("Étape 2 sur 4") && p2.contains("Où cherchez-vous"));
    let n2 = compte_lieux(&p2);
    assert!(n2 <= n1);
    // Commune inconnue : on reste à l'étape 2, avec une erreur.
    let (code, p) = get(&app, &format!("/orientation?{s}&lieu=Zzzzville&etape=3")).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("Étape 2 sur 4") && p.contains("Zzzzville"));
    // Commune ambiguë : on la fait préciser.
    let (_, p) = get(&app, &format!("/orientation?{s}&lieu=Saint-Denis&etape=3")).await;
    assert!(p.contains("Étape 2 sur 4") && p.contains("Quelle commune"));
    let (_, p3) = get(
        &app,
        &format!("/orientation?{s}&lieu=Angoul%C3%AAme&rayon=30&etape=3"),
    )
    .await;
    assert!(p3.contains("Étape 3 sur 4"), "{p3}");
    let n3 = compte_lieux(&p3);
    assert!(n3 <= n2 && n3 > 0);
    // Les réponses déjà données voyagent en champs cachés.
    assert!(p3.contains("name=\"lieu\" value=\"Angoulême\""));
    let (_, p4) = get(
        &app,
        &format!("/orientation?{s}&lieu=Angoul%C3%AAme&rayon=30&etape=4"),
    )
    .await;
    assert!(p4.contains("Étape 4 sur 4") && p4.contains("Quand souhaitez-vous"));
    let (_, r) = get(
        &app,
        &format!("/orientation?{s}&lieu=Angoul%C3%AAme&rayon=30&quand=&etape=5"),
    )
    .await;
    assert!(r.contains("Les lieux qui vous correspondent"));
    // Chaque lieu affiché porte sa distance (« — à 1,4 km » ou « — à 260 m »), au plus 30 km :
    // les « 30 km » du formulaire ne suffisent pas.
    let lieux_affiches = r.matches("<article class=\"fr-mb-3w\">").count();
    assert!(lieux_affiches >= 1, "au moins un lieu autour d'Angoulême");
    let distances: Vec<f64> = r
        .split(" — à ")
        .skip(1)
        .map(|reste| {
            let (nombre, suite) = reste.split_once(' ').unwrap();
            let v: f64 = nombre.replace(',', ".").parse().unwrap();
            // L'unité est suivie d'un point quand l'ouverture ou
            // les services suivent dans le même paragraphe.
            match suite.split(['<', '.']).next().unwrap() {
                "km" => v,
                "m" => v / 1000.0,
                autre => panic!("unité de distance inattendue : {autre}"),
            }
        })
        .collect();
    assert_eq!(distances.len(), lieux_affiches, "une distance par lieu");
    assert!(distances.iter().all(|d| *d <= 30.0), "{distances:?}");
    assert!(r.contains("/lieux?"), "lien vers la recherche complète");
    // « Maintenant » ne peut qu'ôter des lieux.
    let (_, r2) = get(
        &app,
        &format!("/orientation?{s}&lieu=Angoul%C3%AAme&rayon=30&quand=maintenant&etape=5"),
    )
    .await;
    let total = |p: &str| -> u64 {
        let i = p.find("lieu(x) correspondent").unwrap();
        let debut = p[..i].rfind('>').unwrap() + 1;
        p[debut..i].trim().parse().unwrap()
    };
    assert!(total(&r2) <= total(&r));
});

deux_bases!(exports_ouverts_des_lieux, |store: Store| async move {
    importer(&store).await;
    let app = app(&store);
    let (code, csv) = get(&app, "/donnees/lieux.csv").await;
    assert_eq!(code, StatusCode::OK);
    assert!(csv.starts_with("id,pivot,nom,commune,code_postal"));
    assert_eq!(
        csv::Reader::from_reader(csv.as_bytes()).records().count(),
        189
    );
    let (_, json) = api(&app, "/donnees/lieux.json").await;
    assert_eq!(json.as_array().unwrap().len(), 189);
    assert!(json[0]["latitude"].is_number() || json[0]["latitude"].is_null());
    assert_eq!(
        json[0].as_object().unwrap().len(),
        32,
        "tous les champs du schéma"
    );
    let (_, geo) = api(&app, "/donnees/lieux.geojson").await;
    assert_eq!(geo["type"], "FeatureCollection");
    let f = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "structure-1")
        .unwrap();
    assert_eq!(f["geometry"]["coordinates"][0], 5.41423);
    assert_eq!(f["geometry"]["coordinates"][1], 43.52609);
    let (_, structures) = api(&app, "/donnees/lieux-data-inclusion-structures.json").await;
    let (_, services) = api(&app, "/donnees/lieux-data-inclusion-services.json").await;
    assert_eq!(structures.as_array().unwrap().len(), 189);
    let s = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["structure_id"] == "structure-1")
        .unwrap();
    assert_eq!(s["id"], "structure-1-mediation-numerique");
    assert!(s["thematiques"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "numerique"));
    let (code, _) = get(&app, "/donnees/lieux-ecarts.csv").await;
    assert_eq!(code, StatusCode::OK);
});

const CSV_IMPORT: &str = "id,pivot,nom,commune,code_postal,adresse,date_maj,services,horaires\n\
a-1,43493312300029,Lieu A,Angoulême,16000,1 rue A,2024-01-01,Aide aux démarches administratives,Mo-Fr 09:00-12:00\n\
a-2,43493312300029,Lieu B,Angoulême,1600,2 rue B,2024-01-01,Aide aux démarches administratives,\n";

const CSV_V01: &str = "id,pivot,nom,commune,code_postal,adresse,date_maj,services,publics_accueillis,conditions_acces\n\
v-1,43493312300029,Ancien lieu,Cognac,16100,1 place,2022-05-01,Prendre en main un ordinateur;Accéder à une connexion internet,Seniors (+ 65 ans);Surdité,Gratuit : Je peux accéder gratuitement au lieu et à ses services\n";

deux_bases!(
    import_par_la_page_d_administration,
    |store: Store| async move {
        compte(&store, "admin@exemple.fr", RoleCompte::Administrateur).await;
        compte(&store, "porteur@exemple.fr", RoleCompte::Demandeur).await;
        let app = app(&store);
        // Réservé aux administrateurs.
        let mut p = Client::new(&app);
        assert_eq!(
            p.get("/administration/lieux").await.code,
            StatusCode::SEE_OTHER
        );
        p.connecter("porteur@exemple.fr", MDP).await;
        assert_eq!(
            p.get("/administration/lieux").await.code,
            StatusCode::FORBIDDEN
        );
        let mut a = Client::new(&app);
        a.connecter("admin@exemple.fr", MDP).await;
        let r = a.get("/administration/lieux").await;
        assert_eq!(r.code, StatusCode::OK);
        // Sans jeton CSRF : refusé.
        let csrf = std::mem::take(&mut a.csrf);
        let r = televerser_lieux(&mut a, "l.csv", CSV_IMPORT.as_bytes(), &[]).await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
        a.csrf = csrf;
        // Un binaire renommé en .csv est refusé sans rien importer.
        let r = televerser_lieux(&mut a, "l.csv", b"%PDF-1.4\n%%EOF\n", &[]).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("pas un fichier texte"), "{}", r.corps);
        // Un import : 1 valide, 1 rejeté (code postal), rapport à l'écran et en CSV.
        let r = televerser_lieux(
            &mut a,
            "essai.csv",
            CSV_IMPORT.as_bytes(),
            &[("source", "essai"), ("mode", "strict")],
        )
        .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let suivi = r.lieu.unwrap();
        let page = attendre_import(&mut a, &suivi).await;
        assert!(page.contains("Import terminé"), "{page}");
        assert!(page.contains("2 enregistrement(s) lu(s), 1 valide(s) importé(s) (1 créé(s), 0 mis à jour), 1 rejeté(s)"), "{page}");
        assert!(page.contains("<td>code_postal</td>") && page.contains("<td>1600</td>"));
        let r = a.get(&format!("{suivi}/rapport/csv")).await;
        assert!(
            r.corps.starts_with("enregistrement,id,champ")
                && r.corps.contains("a-2,code_postal,1600,motif"),
            "{}",
            r.corps
        );
        // Le rapport JSON, écrit en flux pendant l'import : un élément par problème.
        let r = a.get(&format!("{suivi}/rapport/json")).await;
        let v: serde_json::Value = serde_json::from_str(&r.corps).unwrap();
        let v = v.as_array().unwrap();
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(
            (
                &v[0]["enregistrement"],
                &v[0]["id"],
                &v[0]["champ"],
                &v[0]["valeur"],
                &v[0]["regle"]
            ),
            (
                &serde_json::json!("2"),
                &serde_json::json!("a-2"),
                &serde_json::json!("code_postal"),
                &serde_json::json!("1600"),
                &serde_json::json!("motif")
            )
        );
        let (code, v) = api(&app, "/api/v1/lieux?q=lieu%20a").await;
        assert_eq!(code, StatusCode::OK);
        assert_eq!(v["total"], 1, "l'index est rafraîchi après l'import");
        // Réimporter la même source met à jour sur place.
        let r = televerser_lieux(
            &mut a,
            "essai.csv",
            CSV_IMPORT.as_bytes(),
            &[("source", "essai")],
        )
        .await;
        let page = attendre_import(&mut a, &r.lieu.unwrap()).await;
        assert!(page.contains("(0 créé(s), 1 mis à jour)"), "{page}");
        // Un fichier v0.1 : traduit, avec le tableau de traduction.
        let r = televerser_lieux(
            &mut a,
            "ancien.csv",
            CSV_V01.as_bytes(),
            &[("source", "ancien")],
        )
        .await;
        let page = attendre_import(&mut a, &r.lieu.unwrap()).await;
        assert!(page.contains("Schéma 0.1 (traduit en v1.0.2)"), "{page}");
        assert!(
            page.contains("Traduction du schéma v0.1")
                && page.contains("Maîtrise des outils numériques du quotidien")
        );
        let (e, _) = store.lieu("ancien", "v-1").await.unwrap().unwrap();
        assert_eq!(
            e["services"],
            "Maîtrise des outils numériques du quotidien|Accès internet et matériel informatique"
        );
        assert_eq!(e["publics_specifiquement_adresses"], "Seniors");
        assert_eq!(e["prise_en_charge_specifique"], "Surdité");
        assert_eq!(e["frais_a_charge"], "Gratuit");
        // Un fichier illisible : refusé avec une erreur claire, rien d'importé.
        let r = televerser_lieux(
            &mut a,
            "casse.csv",
            b"id,nom\n\"a,b\n",
            &[("source", "casse")],
        )
        .await;
        let page = attendre_import(&mut a, &r.lieu.unwrap()).await;
        assert!(
            page.contains("Import impossible") && page.contains("Rien n'a été importé"),
            "{page}"
        );
        // Doublons probables : même pivot (a-1 et v-1), listés pour examen, puis écartés.
        let r = a.get("/administration/lieux").await;
        assert!(r.corps.contains("même pivot"), "{}", r.corps);
        let r = a
            .post(
                "/administration/lieux/distincts",
                &[("a", "essai/a-1"), ("b", "ancien/v-1")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        let r = a.get("/administration/lieux").await;
        assert!(r.corps.contains("0 paire(s) à examiner"), "{}", r.corps);
        // Chaque import est au journal d'audit.
        let journal = store.journal_objet("source_lieux", "essai").await.unwrap();
        assert_eq!(
            journal
                .iter()
                .filter(|e| e.contenu.action == "importer_lieux")
                .count(),
            2
        );
        let (a, b) = ("ancien/v-1", "essai/a-1");
        let journal = store.journal_objet("lieu", a).await.unwrap();
        assert!(journal
            .iter()
            .any(|e| e.contenu.action == "declarer_lieux_distincts"
                && e.contenu.apres.as_deref() == Some(&format!("\"{b}\"")[..])));
    }
);

deux_bases!(
    liens_entre_lieux_et_dispositifs,
    |store: Store| async move {
        importer(&store).await;
        titulaire(
            &store,
            "1",
            "Pass numérique 16",
            "numerique",
            "16000",
            "labellise",
        )
        .await;
        let dispositif = "x1".to_string();
        let org = store
            .dispositif(&dispositif)
            .await
            .unwrap()
            .unwrap()
            .organisation_id;
        let porteur = compte(&store, "porteur@exemple.fr", RoleCompte::Demandeur).await;
        store
            .ajouter_membre(&Acteur::new("test", Role::Systeme), &org, &porteur.id)
            .await
            .unwrap();
        compte(&store, "autre@exemple.fr", RoleCompte::Demandeur).await;
        let app = app(&store);
        let chemin = "/lieux/exemple/structure-1/dispositifs";
        // Anonyme : connexion requise ; membre d'une autre organisation : interdit.
        let mut anonyme = Client::new(&app);
        anonyme.get("/lieux/exemple/structure-1").await;
        assert_eq!(
            anonyme
                .post(chemin, &[("dispositif", &dispositif)], None)
                .await
                .code,
            StatusCode::SEE_OTHER
        );
        let mut autre = Client::new(&app);
        autre.connecter("autre@exemple.fr", MDP).await;
        let fiche = autre.get("/lieux/exemple/structure-1").await;
        assert!(!fiche.corps.contains("Déclarer un dispositif"));
        assert_eq!(
            autre
                .post(chemin, &[("dispositif", &dispositif)], None)
                .await
                .code,
            StatusCode::FORBIDDEN
        );
        // Le porteur du dispositif labellisé le déclare ; la fiche du registre liste le lieu.
        let mut p = Client::new(&app);
        p.connecter("porteur@exemple.fr", MDP).await;
        let fiche = p.get("/lieux/exemple/structure-1").await;
        assert!(
            fiche.corps.contains("Déclarer un dispositif"),
            "{}",
            fiche.corps
        );
        let r = p.post(chemin, &[("dispositif", &dispositif)], None).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        let fiche = p.get("/lieux/exemple/structure-1").await;
        assert!(fiche.corps.contains("Pass numérique 16"));
        let (_, registre) = get(&app, &format!("/registre/dispositifs/{dispositif}")).await;
        assert!(
            registre.contains("Lieux qui utilisent ce dispositif")
                && registre.contains("Anonymal, 51100 Reims"),
            "{registre}"
        );
        // Retrait du lien.
        let r = p
            .post(
                chemin,
                &[("dispositif", &dispositif), ("action", "retirer")],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        assert!(store
            .liens_du_lieu("exemple", "structure-1")
            .await
            .unwrap()
            .is_empty());
        let journal = store
            .journal_objet("lieu", "exemple/structure-1")
            .await
            .unwrap();
        assert!(journal
            .iter()
            .any(|e| e.contenu.action == "lier_lieu_dispositif"));
        assert!(journal
            .iter()
            .any(|e| e.contenu.action == "delier_lieu_dispositif"));
    }
);

/// Un lieu de Brest dont chaque valeur est écrite à la main (issue 14 : pages servies par l'index).
const CSV_BREST: &str = "id,pivot,nom,commune,code_postal,code_insee,adresse,complement_adresse,latitude,longitude,telephone,courriels,site_web,horaires,presentation_resume,services,frais_a_charge,date_maj\n\
b-1,43493312300029,Espace numérique du Phare,Brest,29200,29019,12 rue de Siam,2e étage,48.3904,-4.4861,+33298123456,phare@exemple.fr,https://phare.exemple.fr,Mo-Sa 09:00-18:00,Ateliers tablette et smartphone chaque semaine.,Aide aux démarches administratives|Accès internet et matériel informatique,Gratuit,2024-03-15\n";

/// Le même lieu, ré-importé modifié : nom, téléphone, services et date de mise à jour changent.
const CSV_BREST_MODIFIE: &str = "id,pivot,nom,commune,code_postal,code_insee,adresse,complement_adresse,latitude,longitude,telephone,courriels,site_web,horaires,presentation_resume,services,frais_a_charge,date_maj\n\
b-1,43493312300029,Espace numérique du Grand Phare,Brest,29200,29019,12 rue de Siam,2e étage,48.3904,-4.4861,+33298654321,phare@exemple.fr,https://phare.exemple.fr,Mo-Sa 09:00-18:00,Ateliers tablette et smartphone chaque semaine.,Aide aux démarches administratives|Loisirs et créations numériques,Gratuit,2024-06-01\n";

/// « 06/12/2026 » : le jour d'un horodatage RFC 3339 de la base.
fn jour_de(horodatage: &str) -> String {
    let (a, m, j) = (&horodatage[..4], &horodatage[5..7], &horodatage[8..10]);
    format!("{j}/{m}/{a}")
}

const RECHERCHE_BREST: &str =
    "lieu=Brest&rayon=5&service=Aide%20aux%20d%C3%A9marches%20administratives";

/// Ce que montrent l'API, la page de résultats, l'orientation et la fiche du lieu de Brest.
async fn pages_de_brest(app: &Router) -> (Value, String, String, String) {
    let (code, api_v) = api(app, &format!("/api/v1/lieux?{RECHERCHE_BREST}")).await;
    assert_eq!(code, StatusCode::OK, "{api_v}");
    let (code, page) = get(app, &format!("/lieux?{RECHERCHE_BREST}")).await;
    assert_eq!(code, StatusCode::OK);
    let (code, orientation) = get(
        app,
        &format!("/orientation?{RECHERCHE_BREST}&quand=&etape=5"),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    let (code, fiche) = get(app, "/lieux/brest/b-1").await;
    assert_eq!(code, StatusCode::OK);
    (api_v, page, orientation, fiche)
}

deux_bases!(
    pages_des_lieux_servies_par_l_index,
    |store: Store| async move {
        importer_csv(&store, "brest", CSV_BREST).await;
        compte(&store, "admin@exemple.fr", RoleCompte::Administrateur).await;
        let app = app(&store);
        let (_, importe_le) = store.lieu("brest", "b-1").await.unwrap().unwrap();
        let (v, page, orientation, fiche) = pages_de_brest(&app).await;

        // L'API rend l'enregistrement importé, champ pour champ, rien de plus.
        assert_eq!(v["total"], 1, "{v}");
        let l = &v["lieux"][0];
        assert_eq!(l["source"], "brest");
        assert_eq!(l["fiche"], "/lieux/brest/b-1");
        assert!(l["distance_km"].as_f64().unwrap() < 5.0, "{l}");
        assert_eq!(
            l["donnees"],
            serde_json::json!({
                "id": "b-1",
                "pivot": "43493312300029",
                "nom": "Espace numérique du Phare",
                "commune": "Brest",
                "code_postal": "29200",
                "code_insee": "29019",
                "adresse": "12 rue de Siam",
                "complement_adresse": "2e étage",
                "latitude": "48.3904",
                "longitude": "-4.4861",
                "telephone": "+33298123456",
                "courriels": "phare@exemple.fr",
                "site_web": "https://phare.exemple.fr",
                "horaires": "Mo-Sa 09:00-18:00",
                "presentation_resume": "Ateliers tablette et smartphone chaque semaine.",
                "services": "Aide aux démarches administratives|Accès internet et matériel informatique",
                "frais_a_charge": "Gratuit",
                "date_maj": "2024-03-15"
            })
        );
        // La page de résultats et les résultats de l'orientation : nom, adresse, services.
        for p in [&page, &orientation] {
            let t = commun::texte_visible(p);
            assert!(t.contains("Espace numérique du Phare"), "{t}");
            assert!(t.contains("12 rue de Siam, 29200 Brest"), "{t}");
            assert!(
                t.contains(
                    "Services : Aide aux démarches administratives ; Accès internet et matériel informatique"
                ),
                "{t}"
            );
        }
        assert!(page.contains("href=\"/lieux/brest/b-1?retour="), "{page}");
        // La fiche : adresse et complément, contact, horaires, présentation, services, dates.
        let t = commun::texte_visible(&fiche);
        for attendu in [
            "Espace numérique du Phare",
            "12 rue de Siam (2e étage), 29200 Brest",
            "Téléphone : 02 98 12 34 56",
            "Courriel : phare@exemple.fr",
            "Du lundi au samedi : de 9 h à 18 h",
            "Ateliers tablette et smartphone chaque semaine.",
            "Aide aux démarches administratives",
            "Accès internet et matériel informatique",
            "Gratuit",
            "Source des données : brest ; mise à jour par la source le 15/03/2024",
        ] {
            assert!(t.contains(attendu), "« {attendu} » absent : {t}");
        }
        assert!(
            t.contains(&format!("importé le {}", jour_de(&importe_le))),
            "{importe_le} : {t}"
        );
        assert!(fiche.contains("href=\"tel:+33298123456\""), "{fiche}");
        assert_eq!(
            get(&app, "/lieux/brest/absent").await.0,
            StatusCode::NOT_FOUND
        );

        // Ré-import modifié par la page d'administration (l'index de l'instance est invalidé) :
        // les pages montrent les nouvelles valeurs, plus les anciennes.
        let mut a = Client::new(&app);
        a.connecter("admin@exemple.fr", MDP).await;
        a.get("/administration/lieux").await;
        let r = televerser_lieux(
            &mut a,
            "brest.csv",
            CSV_BREST_MODIFIE.as_bytes(),
            &[("source", "brest")],
        )
        .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let suivi = attendre_import(&mut a, &r.lieu.unwrap()).await;
        assert!(suivi.contains("(0 créé(s), 1 mis à jour)"), "{suivi}");
        let (v, page, orientation, fiche) = pages_de_brest(&app).await;
        assert_eq!(v["total"], 1, "{v}");
        let d = &v["lieux"][0]["donnees"];
        assert_eq!(d["nom"], "Espace numérique du Grand Phare");
        assert_eq!(d["telephone"], "+33298654321");
        assert_eq!(
            d["services"],
            "Aide aux démarches administratives|Loisirs et créations numériques"
        );
        assert_eq!(d["date_maj"], "2024-06-01");
        for p in [&page, &orientation] {
            let t = commun::texte_visible(p);
            assert!(t.contains("Espace numérique du Grand Phare"), "{t}");
            assert!(
                t.contains(
                    "Services : Aide aux démarches administratives ; Loisirs et créations numériques"
                ),
                "{t}"
            );
            assert!(
                !t.contains("; Accès internet et matériel informatique"),
                "{t}"
            );
        }
        let t = commun::texte_visible(&fiche);
        assert!(t.contains("Téléphone : 02 98 65 43 21"), "{t}");
        assert!(!t.contains("02 98 12 34 56"), "{t}");
        assert!(t.contains("mise à jour par la source le 01/06/2024"), "{t}");
        assert!(t.contains("Loisirs et créations numériques"), "{t}");

        // La base fermée, la recherche, l'API et l'orientation répondent toujours, à l'identique :
        // elles ne lisent que l'index en mémoire.
        store.fermer().await;
        let (code, v2) = api(&app, &format!("/api/v1/lieux?{RECHERCHE_BREST}")).await;
        assert_eq!(code, StatusCode::OK, "{v2}");
        assert_eq!(v2, v);
        let (code, page2) = get(&app, &format!("/lieux?{RECHERCHE_BREST}")).await;
        assert_eq!(code, StatusCode::OK);
        assert_eq!(commun::texte_visible(&page2), commun::texte_visible(&page));
        let (code, orientation2) = get(
            &app,
            &format!("/orientation?{RECHERCHE_BREST}&quand=&etape=5"),
        )
        .await;
        assert_eq!(code, StatusCode::OK);
        assert_eq!(
            commun::texte_visible(&orientation2),
            commun::texte_visible(&orientation)
        );
    }
);

/// Nombre de lignes de la table des sessions.
async fn sessions_en_base(store: &Store) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions")
        .fetch_one(store.pool())
        .await
        .unwrap();
    n
}

deux_bases!(
    aucune_session_ecrite_par_les_pages_des_lieux,
    |store: Store| async move {
        importer(&store).await;
        let app = app(&store);
        let s = "service=Aide%20aux%20d%C3%A9marches%20administratives";
        let chemins = [
            format!("/lieux?lieu=Angoul%C3%AAme&rayon=30&{s}&jour=mardi&heure=14:30"),
            format!("/api/v1/lieux?lieu=Angoul%C3%AAme&rayon=30&{s}&jour=mardi&heure=14:30"),
            "/lieux/exemple/structure-1".to_string(),
            format!("/orientation?{s}&lieu=Angoul%C3%AAme&rayon=30&etape=3"),
            format!("/orientation?{s}&lieu=Angoul%C3%AAme&rayon=30&quand=&etape=5"),
        ];
        assert_eq!(sessions_en_base(&store).await, 0);
        // Sans cookie : aucune ligne, aucun cookie posé.
        for c in &chemins {
            let r = get_anonyme(&app, c).await;
            assert_eq!(r.code, StatusCode::OK, "{c}");
            assert!(
                r.entetes.get(axum::http::header::SET_COOKIE).is_none(),
                "{c} : cookie posé"
            );
        }
        // Avec le cookie anonyme signé reçu d'une page à formulaire.
        let mut anonyme = Client::new(&app);
        anonyme.get("/connexion").await;
        let cookie = anonyme.cookie.clone().expect("cookie anonyme posé");
        assert!(cookie.starts_with("a1."), "{cookie}");
        for c in &chemins {
            let r = anonyme.get(c).await;
            assert_eq!(r.code, StatusCode::OK, "{c}");
            assert_eq!(anonyme.cookie.as_deref(), Some(cookie.as_str()), "{c}");
        }
        // Avec le cookie d'une session qui n'existe pas (ou plus) en base.
        for c in &chemins {
            let r = commun::get_avec_entetes(
                &app,
                c,
                &[("cookie", "reperes_session=session-inconnue")],
            )
            .await;
            assert_eq!(r.code, StatusCode::OK, "{c}");
        }
        assert_eq!(
            sessions_en_base(&store).await,
            0,
            "aucune ligne de session pour des lectures anonymes"
        );
    }
);

// --- Fraîcheur de l'index en mémoire (issue 14) ---------------------------------------------

/// Importe un lieu comme le ferait le CLI (par le store, hors de l'instance web).
async fn importer_hors_instance(store: &Store, source: &str, id: &str, nom: &str) {
    let e: reperes_domain::lieux::Enregistrement = serde_json::from_value(serde_json::json!({
        "id": id, "pivot": "00000000000000", "nom": nom, "commune": "Angoulême",
        "code_postal": "16000", "adresse": "1 place du Minage", "date_maj": "2026-12-01",
        "latitude": "45.6484", "longitude": "0.1562",
        "services": "Aide aux démarches administratives",
    }))
    .unwrap();
    store
        .importer_lieux(&Acteur::new("cli", Role::Systeme), source, &[e], &|_, _| {})
        .await
        .unwrap();
}

/// Nombre de lieux que l'API trouve pour un texte.
async fn total(app: &Router, q: &str) -> u64 {
    let (code, v) = api(app, &format!("/api/v1/lieux?q={q}")).await;
    assert_eq!(code, StatusCode::OK, "{v}");
    v["total"].as_u64().unwrap()
}

/// Interroge jusqu'à voir `attendu` lieux (10 s au plus : la période de vérification est 2 s).
async fn attendre_total(app: &Router, q: &str, attendu: u64) {
    let fin = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let n = total(app, q).await;
        if n == attendu {
            return;
        }
        assert!(
            std::time::Instant::now() < fin,
            "après 10 s, {n} lieu(x) au lieu de {attendu} pour « {q} »"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

deux_bases!(
    import_hors_instance_vu_par_la_recherche,
    |store: Store| async move {
        importer(&store).await;
        let app = app(&store);
        // L'index est construit au premier besoin ; le lieu n'existe pas encore.
        assert_eq!(total(&app, "maison%20zephyrine").await, 0);
        importer_hors_instance(&store, "cli", "z-1", "Maison Zéphyrine").await;
        attendre_total(&app, "maison%20zephyrine", 1).await;
        // La fiche, servie depuis l'index, montre le lieu.
        let (code, page) = get(&app, "/lieux/cli/z-1").await;
        assert_eq!(code, StatusCode::OK);
        assert!(page.contains("Maison Zéphyrine"), "{page}");
        // Une mise à jour (même clé, nouveau nom) est vue aussi.
        importer_hors_instance(&store, "cli", "z-1", "Maison Zéphyrine rénovée").await;
        attendre_total(&app, "zephyrine%20renovee", 1).await;
        assert_eq!(total(&app, "maison%20zephyrine").await, 1);
    }
);

deux_bases!(
    requetes_servies_pendant_une_reconstruction,
    |store: Store| async move {
        importer(&store).await;
        let etat = reperes_web::Etat::new(
            store.clone(),
            reperes_store::test_support::catalogue_du_depot(),
            reperes_web::Config::pour_tests(),
        )
        .unwrap();
        let app = reperes_web::application(etat.clone());
        assert_eq!(total(&app, "maison%20zephyrine").await, 0);
        let avant = total(&app, "").await;
        assert!(avant > 150, "{avant}");
        // Toute construction est retenue : la reconstruction qui suivra l'import ne peut finir.
        let frein = etat.carte.retenir_constructions().await;
        importer_hors_instance(&store, "cli", "z-1", "Maison Zéphyrine").await;
        // Les requêtes répondent (ancien index) ; l'une d'elles lance la vérification, qui voit
        // la nouvelle version et commence une reconstruction.
        let fin = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !etat.carte.reconstruction_en_cours() {
            assert_eq!(total(&app, "maison%20zephyrine").await, 0);
            assert!(
                std::time::Instant::now() < fin,
                "aucune reconstruction lancée en 10 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // Pendant la reconstruction : recherche, API, fiche et orientation répondent, avec
        // l'ancien index (le nouveau lieu n'y est pas encore).
        for _ in 0..3 {
            assert_eq!(total(&app, "maison%20zephyrine").await, 0);
            assert_eq!(total(&app, "").await, avant);
            let (code, page) = get(&app, "/lieux?q=angouleme").await;
            assert_eq!(code, StatusCode::OK, "{page}");
            let (code, _) = get(&app, "/orientation").await;
            assert_eq!(code, StatusCode::OK);
        }
        assert!(etat.carte.reconstruction_en_cours());
        drop(frein);
        attendre_total(&app, "maison%20zephyrine", 1).await;
        assert_eq!(total(&app, "").await, avant + 1);
    }
);
