//! Indicateurs territoriaux au niveau HTTP, sur les deux bases : recherche d'un territoire, page
//! d'un territoire (valeurs calculées à partir des lieux importés, graphique SVG titré et tableau),
//! saisie des valeurs (connexion, habilitation, CSRF, erreurs en français, remplacement
//! journalisé), export CSV.

use crate::commun;

use std::path::PathBuf;

use axum::http::StatusCode;
use chrono::{Datelike, Utc};
use commun::{app, compte, Client, MDP};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::indicateurs::ReferentielIndicateurs;
use reperes_domain::lieux::import::{preparer, Mode, Version};
use reperes_domain::lieux::{schema_national, valeur, Enregistrement, Format};
use reperes_domain::Role;
use reperes_store::test_support::signataire_de_charte;
use reperes_store::{deux_bases, Acteur, Store, OBJET_INDICATEUR};

/// Importe la Charente (fichier v0.1, traduit comme par le CLI et la page d'import) et l'exemple
/// officiel (Reims) ; rend les lieux de Charente importés.
async fn importer(store: &Store) -> Vec<Enregistrement> {
    let dossier = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../donnees/lieux");
    let mut charente = Vec::new();
    for (nom, source) in [
        ("charente-20230711_schema-update-20240912.json", "charente"),
        ("exemple-valide-v1.0.2.csv", "exemple"),
    ] {
        let octets = std::fs::read(dossier.join(nom)).unwrap();
        let p = preparer(
            &octets,
            Format::depuis_nom(nom).unwrap(),
            &schema_national(),
            Mode::Compatible,
            Version::Auto,
            &mut |_, _, _| {},
        )
        .unwrap();
        assert!(p.rejetes.is_empty(), "{nom} : {:?}", p.problemes);
        store
            .importer_lieux(
                &Acteur::new("test", Role::Systeme),
                source,
                &p.valides,
                &|_, _| {},
            )
            .await
            .unwrap();
        if source == "charente" {
            charente = p.valides;
        }
    }
    charente
}

/// Une commune située au code postal donné, signataire de la charte « Territoire d'Actions »
/// (signature en cours) ; rend l'identifiant de l'organisation.
async fn signataire(store: &Store, n: &str, code_postal: &str, commune: &str) -> String {
    signataire_de_charte(
        store,
        &Acteur::new("porteur", Role::Demandeur),
        &Acteur::new("agent", Role::Instructeur),
        n,
        code_postal,
        commune,
        Utc::now() - chrono::Duration::days(2),
    )
    .await
    .organisation_id
}

fn programmes(e: &Enregistrement) -> bool {
    ["dispositif_programmes_nationaux", "labels_nationaux"]
        .iter()
        .filter_map(|c| valeur(e, c))
        .any(|v| {
            v.split(['|', ';'])
                .any(|p| ["Conseillers numériques", "Aidants Connect", "CNFS"].contains(&p.trim()))
        })
}

/// La ligne d'un tableau d'indicateur pour une année : `<th scope="row">2022</th><td>12</td>`.
fn ligne(annee: &str, valeur: u64) -> String {
    format!("<th scope=\"row\">{annee}</th><td>{valeur}</td>")
}

deux_bases!(
    page_du_departement_et_indicateurs_calcules,
    |store: Store| async move {
        let charente = importer(&store).await;
        assert_eq!(charente.len(), 188);
        let app = app(&store);
        let mut c = Client::new(&app);
        let annee = Utc::now().year();

        let r = c.get("/territoires/departement/16").await;
        assert_eq!(r.code, StatusCode::OK);
        let p = &r.corps;
        assert!(p.contains("<h1>Indicateurs : Charente (département 16)</h1>"));
        assert!(!p.contains("<script"), "aucun JavaScript");
        // Tous les axes et tous les indicateurs du référentiel, avec leurs libellés exacts.
        let r_ind = ReferentielIndicateurs::embarque();
        for a in &r_ind.axes {
            assert!(
                p.contains(&format!("Axe {} : {}", a.numero, a.libelle).replace('\'', "&#39;")),
                "axe {}",
                a.numero
            );
        }
        for i in &r_ind.indicateurs {
            assert!(p.contains(&i.libelle.replace('\'', "&#39;")), "{}", i.id);
        }

        // Cartographie : autant de lieux que la Charente en compte dans les données.
        assert!(
            p.contains(&format!(
                "Valeur {annee} (à ce jour) : {} lieux cartographiés",
                charente.len()
            )),
            "{}",
            &p[p.find("cartographie-acteurs").unwrap_or(0)..][..2000]
        );
        assert!(p.contains("Calculé à partir des données de la plateforme : nombre de lieux de médiation numérique de la carte situés dans le territoire"));
        // Historique : au 31 décembre 2022, les lieux mis à jour au plus tard ce jour-là.
        let fin_2022 = charente
            .iter()
            .filter(|e| valeur(e, "date_maj").unwrap().as_str() <= "2022-12-31")
            .count() as u64;
        assert!(fin_2022 > 0 && fin_2022 < 188, "{fin_2022}");
        assert!(p.contains(&ligne("2022", fin_2022)), "historique 2022");
        assert!(p.contains(&ligne(&format!("{annee} (à ce jour)"), 188)));

        // Médiateurs et aidants : des lieux, dit comme tel.
        let mediateurs = charente.iter().filter(|e| programmes(e)).count();
        assert!(mediateurs > 0);
        assert!(p.contains(&format!("Valeur {annee} (à ce jour) : {mediateurs} lieux")));
        assert!(p.contains("ce nombre compte des lieux, pas des personnes"));

        // Graphique : SVG titré, décrit, et son tableau juste à côté.
        assert!(p.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"reperes-graphe\" role=\"img\" aria-labelledby=\"graphe-cartographie-acteurs-titre graphe-cartographie-acteurs-desc\""));
        assert!(p.contains("<title id=\"graphe-cartographie-acteurs-titre\">Cartographie des acteurs de l&apos;inclusion numérique : valeurs par année (lieux cartographiés)</title>"));
        assert!(p.contains("<desc id=\"graphe-cartographie-acteurs-desc\">"));
        assert!(p.contains("<table id=\"tableau-cartographie-acteurs\">"));
        assert!(p.contains("<caption>Cartographie des acteurs de l&#39;inclusion numérique : valeurs par année (lieux cartographiés)</caption>"));
        // Indicateur saisi sans valeur : dit clairement.
        assert!(p.contains("Aucune valeur saisie pour ce territoire (unité : équipements)."));
        // Personne n'est connecté : pas de lien de saisie, l'explication de qui peut saisir.
        assert!(!p.contains("/territoires/departement/16/saisie\""));
        assert!(p.contains("membres d'une organisation signataire d'une charte"));

        // Autres échelons : la Nouvelle-Aquitaine contient la Charente ; Reims (code INSEE de
        // l'exemple officiel) ; le Grand Angoulême contient une partie des lieux.
        let p = c.get("/territoires/region/75").await.corps;
        assert!(p.contains(&format!(
            "Valeur {annee} (à ce jour) : 188 lieux cartographiés"
        )));
        let p = c.get("/territoires/commune/51454").await.corps;
        assert!(p.contains(&format!(
            "Valeur {annee} (à ce jour) : 1 lieux cartographiés"
        )));
        let p = c.get("/territoires/epci/200071827").await.corps;
        assert!(p.contains("CA du Grand Angoulême (EPCI 200071827)"));
        assert!(
            p.contains("href=\"/territoires/departement/16\""),
            "englobants"
        );
        let p = c.get("/territoires/departement/17").await.corps;
        assert!(p.contains(&format!(
            "Valeur {annee} (à ce jour) : 0 lieux cartographiés"
        )));

        // Un nouvel import est pris en compte (les lieux situés sont gardés par version de la
        // table des lieux).
        let octets = std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../donnees/lieux/exemple-valide-v1.0.2.csv"),
        )
        .unwrap();
        let lot = reperes_domain::lieux::lire(&octets, Format::Csv).unwrap();
        store
            .importer_lieux(
                &Acteur::new("test", Role::Systeme),
                "autre",
                &lot,
                &|_, _| {},
            )
            .await
            .unwrap();
        let p = c.get("/territoires/commune/51454").await.corps;
        assert!(p.contains(&format!(
            "Valeur {annee} (à ce jour) : 2 lieux cartographiés"
        )));

        // Territoires inconnus.
        assert_eq!(
            c.get("/territoires/departement/99").await.code,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            c.get("/territoires/canton/16").await.code,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            c.get("/territoires/departement/99/indicateurs.csv")
                .await
                .code,
            StatusCode::NOT_FOUND
        );
    }
);

deux_bases!(recherche_de_territoires, |store: Store| async move {
    let app = app(&store);
    let mut c = Client::new(&app);
    let r = c.get("/territoires").await;
    assert_eq!(r.code, StatusCode::OK);
    assert!(
        r.corps.contains("href=\"/territoires/departement/16\""),
        "exemples"
    );
    let p = c.get("/territoires?q=charente").await.corps;
    assert!(p.contains("<a href=\"/territoires/departement/16\">Charente (département 16)</a>"));
    assert!(p.contains("href=\"/territoires/departement/17\""));
    assert!(p.contains("Départements"));
    let p = c.get("/territoires?q=16000").await.corps;
    assert!(
        p.contains("href=\"/territoires/commune/16015\""),
        "code postal"
    );
    let p = c.get("/territoires?q=grand%20angouleme").await.corps;
    assert!(
        p.contains("href=\"/territoires/epci/200071827\""),
        "EPCI sans accents"
    );
    let p = c.get("/territoires?q=nouvelle-aquitaine").await.corps;
    assert!(p.contains("href=\"/territoires/region/75\""));
    let p = c.get("/territoires?q=zzzzqqq").await.corps;
    assert!(p.contains("Aucun territoire ne correspond"));
});

deux_bases!(
    saisie_des_valeurs_et_habilitations,
    |store: Store| async move {
        let app = app(&store);
        let annee = Utc::now().year();
        let saisie = "/territoires/departement/16/saisie";
        let valide = |valeur: &'static str| {
            vec![
                ("indicateur", "equipements-connectes"),
                ("annee", "2023"),
                ("valeur", valeur),
                ("source", "Bilan 2023 des espaces publics numériques"),
                ("date_source", "2024-03-31"),
            ]
        };

        // Anonyme : invité à se connecter, en lecture comme en écriture.
        let mut anonyme = Client::new(&app);
        let r = anonyme.get(saisie).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        assert_eq!(
            r.lieu.as_deref(),
            Some("/connexion?suite=%2Fterritoires%2Fdepartement%2F16%2Fsaisie")
        );
        let r = anonyme.post(saisie, &valide("10"), Some("x")).await;
        assert_eq!(r.lieu.as_deref(), Some("/connexion"));

        // Un demandeur sans charte signée dans le territoire : refusé.
        compte(&store, "sans-charte@asso.example", RoleCompte::Demandeur).await;
        let mut autre = Client::new(&app);
        autre.connecter("sans-charte@asso.example", MDP).await;
        assert_eq!(autre.get(saisie).await.code, StatusCode::FORBIDDEN);
        autre.get("/territoires/departement/16").await;
        let r = autre.post(saisie, &valide("10"), None).await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
        assert!(!autre
            .get("/territoires/departement/16")
            .await
            .corps
            .contains("Saisir ou corriger une valeur"));

        // Membre d'une commune signataire de la charte à Angoulême : habilité pour Angoulême,
        // son EPCI, la Charente et la Nouvelle-Aquitaine ; pas pour la Charente-Maritime.
        let org = signataire(&store, "1", "16000", "Angoulême").await;
        let membre = compte(&store, "mairie@angouleme.example", RoleCompte::Demandeur).await;
        store
            .ajouter_membre(&Acteur::new("test", Role::Systeme), &org, &membre.id)
            .await
            .unwrap();
        let mut m = Client::new(&app);
        m.connecter("mairie@angouleme.example", MDP).await;
        let r = m.get("/territoires/departement/16").await;
        assert!(r.corps.contains("Saisir ou corriger une valeur"));
        assert_eq!(
            m.get("/territoires/commune/16015/saisie").await.code,
            StatusCode::OK
        );
        assert_eq!(
            m.get("/territoires/region/75/saisie").await.code,
            StatusCode::OK
        );
        assert_eq!(
            m.get("/territoires/departement/17/saisie").await.code,
            StatusCode::FORBIDDEN
        );
        let r = m.get(saisie).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("name=\"_csrf\""));
        // Les indicateurs calculés ne sont pas proposés.
        assert!(r.corps.contains("value=\"equipements-connectes\""));
        assert!(!r.corps.contains("value=\"cartographie-acteurs\""));
        let r = m.post(saisie, &valide("1 250"), None).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        assert_eq!(
            r.lieu.as_deref(),
            Some("/territoires/departement/16?ok=saisie#equipements-connectes")
        );
        let p = m.get("/territoires/departement/16?ok=saisie").await.corps;
        assert!(p.contains("Valeur enregistrée."));
        assert!(p.contains(&format!(
            "Aucune valeur saisie pour {annee} ; dernière valeur saisie (2023) : 1\u{202f}250 équipements"
        )));
        assert!(p.contains("Saisi par le territoire : Bilan 2023 des espaces publics numériques, source datée du 31/03/2024."));
        assert!(p.contains("<th scope=\"row\">2023</th><td>1\u{202f}250</td>"));
        assert!(p.contains("graphe-equipements-connectes-titre"));

        // Jeton CSRF faux : refusé.
        let r = m.post(saisie, &valide("5"), Some("faux")).await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);

        // Agent : erreurs de saisie en français, rattachées aux champs, rien n'est écrit.
        compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
        let mut agent = Client::new(&app);
        agent.connecter("agent@anct.example", MDP).await;
        agent.get(saisie).await;
        let r = agent
            .post(
                saisie,
                &[
                    ("indicateur", "equipements-connectes"),
                    ("annee", "2016"),
                    ("valeur", "-3"),
                    ("source", "  "),
                    ("date_source", "2024-02-30"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        for m in [
            "4 erreurs empêchent",
            &format!("L&#39;année doit être un nombre entier compris entre 2017 et {annee}."),
            "La valeur doit être positive ou nulle.",
            "Indiquez la source de la valeur",
            "La date de la source doit être une date valide",
        ] {
            assert!(r.corps.contains(m), "{m}");
        }
        assert!(r.corps.contains("id=\"valeur-erreur\""));
        let r = agent
            .post(
                saisie,
                &[
                    ("indicateur", "cartographie-acteurs"),
                    ("annee", "2023"),
                    ("valeur", "3"),
                    ("source", "x"),
                    ("date_source", "2024-01-01"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("il ne se saisit pas"));
        let r = agent
            .post(
                saisie,
                &[
                    ("indicateur", "taux-personnes-vulnerables"),
                    ("annee", "2023"),
                    ("valeur", "120"),
                    ("source", "Enquête"),
                    ("date_source", "2024-01-01"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("La valeur ne peut pas dépasser 100."));

        // L'agent corrige la valeur 2023 : elle est remplacée, l'ancienne reste au journal.
        let r = agent.post(saisie, &valide("1300"), None).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        let p = agent.get("/territoires/departement/16").await.corps;
        assert!(p.contains("<th scope=\"row\">2023</th><td>1\u{202f}300</td>"));
        assert!(!p.contains("1\u{202f}250"));
        let j = store
            .journal_objet(
                OBJET_INDICATEUR,
                "departement/16/equipements-connectes/2023",
            )
            .await
            .unwrap();
        assert_eq!(j.len(), 2);
        assert_eq!(j[0].contenu.acteur, format!("demandeur:{}", membre.id));
        assert_eq!(j[1].contenu.action, "corriger_indicateur");
        assert!(j[1].contenu.avant.as_deref().unwrap().contains("\"1250\""));
        assert!(j[1].contenu.apres.as_deref().unwrap().contains("\"1300\""));
        // L'indicateur de signataires compte la commune signataire.
        assert!(p.contains(&format!("Valeur {annee} (à ce jour) : 1 acteurs")));
    }
);

deux_bases!(export_csv_des_indicateurs, |store: Store| async move {
    let charente = importer(&store).await;
    let app = app(&store);
    let annee = Utc::now().year();
    compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
    let mut agent = Client::new(&app);
    agent.connecter("agent@anct.example", MDP).await;
    agent.get("/territoires/departement/16/saisie").await;
    let r = agent
        .post(
            "/territoires/departement/16/saisie",
            &[
                ("indicateur", "aides-financieres-formation"),
                ("annee", "2022"),
                ("valeur", "12 500,50"),
                ("source", "Bilan du Pass numérique, Charente"),
                ("date_source", "2023-02-15"),
            ],
            None,
        )
        .await;
    assert_eq!(r.code, StatusCode::SEE_OTHER);

    let req = axum::http::Request::get("/territoires/departement/16/indicateurs.csv")
        .body(axum::body::Body::empty())
        .unwrap();
    let rep = tower::ServiceExt::oneshot(app.clone(), req).await.unwrap();
    assert_eq!(rep.status(), StatusCode::OK);
    assert_eq!(
        rep.headers()[axum::http::header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    let octets = http_body_util::BodyExt::collect(rep.into_body())
        .await
        .unwrap()
        .to_bytes();
    let mut lecteur = csv::Reader::from_reader(&octets[..]);
    assert_eq!(
        lecteur.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "territoire",
            "indicateur",
            "axe",
            "annee",
            "valeur",
            "mode",
            "source",
            "date"
        ]
    );
    let lignes: Vec<csv::StringRecord> = lecteur.records().map(|l| l.unwrap()).collect();
    assert!(lignes.iter().all(|l| &l[0] == "Charente (département 16)"));
    let carto: Vec<&csv::StringRecord> = lignes
        .iter()
        .filter(|l| &l[1] == "Cartographie des acteurs de l'inclusion numérique")
        .collect();
    let derniere = carto.last().unwrap();
    assert_eq!(&derniere[2], "Axe 2 : Favoriser l'accès au numérique");
    assert_eq!(derniere[3], annee.to_string());
    assert_eq!(derniere[4], charente.len().to_string());
    assert_eq!(&derniere[5], "calcule");
    assert_eq!(&derniere[6], "données de la plateforme Repères");
    assert_eq!(derniere[7], Utc::now().date_naive().to_string());
    let l2022 = carto.iter().find(|l| &l[3] == "2022").unwrap();
    assert_eq!(&l2022[7], "2022-12-31");
    let saisie: Vec<&csv::StringRecord> = lignes.iter().filter(|l| &l[5] == "saisi").collect();
    assert_eq!(saisie.len(), 1);
    assert_eq!(
        saisie[0].iter().collect::<Vec<_>>(),
        vec![
            "Charente (département 16)",
            "Montant des aides financières consommées pour les bénéficiaires de formation",
            "Axe 3 : Faire monter en compétences et valoriser",
            "2022",
            "12500.5",
            "saisi",
            "Bilan du Pass numérique, Charente",
            "2023-02-15",
        ]
    );
});
