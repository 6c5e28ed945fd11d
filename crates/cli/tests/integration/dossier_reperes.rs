//! Issue 18 : le dossier de label de Repères lui-même, dans la démonstration. `reperes serve`
//! charge la démonstration dans une base neuve ; le dossier de Repères y est, instruit, au
//! registre, avec six critères NEC 2022 autoévalués au niveau 2 et des preuves qui renvoient à
//! l'adresse publique du serveur (REPERES_URL) et au dépôt de l'instance de démonstration.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reperes_domain::Etat;
use reperes_store::test_support::BaseDeTest;
use reperes_store::Backend;

/// Dépôt du code source de l'instance de démonstration (contenus/instance.toml).
const DEPOT: &str = "https://forge.example.org/reperes/reperes";

/// Les preuves attendues, critère par critère (`{site}` : l'adresse publique), écrites à la main.
fn preuves_attendues(site: &str) -> Vec<(&'static str, Vec<String>)> {
    let s = |chemin: &str| format!("{site}{chemin}");
    let d = |chemin: &str| format!("{DEPOT}{chemin}");
    vec![
        ("accessible", vec![s("/accessibilite")]),
        (
            "appropriable",
            vec![s("/aide"), d("/blob/main/README.md"), d("/tree/main/docs")],
        ),
        (
            "ethique",
            vec![
                d("/issues"),
                s("/signaler-un-probleme"),
                s("/donnees-personnelles"),
            ],
        ),
        (
            "ouvert",
            vec![
                DEPOT.to_string(),
                d("/blob/main/LICENSE"),
                s("/donnees"),
                s("/api/openapi.json"),
            ],
        ),
        ("securise", vec![d("/blob/main/docs/securite.md")]),
        (
            "sobre",
            vec![
                d("/blob/main/docs/performances.md"),
                s("/api/openapi.json"),
                s("/donnees/registre.schema.json"),
            ],
        ),
    ]
}

async fn dossier_de_reperes(backend: Backend) {
    let base = BaseDeTest::nouvelle(backend).await;
    let dossier = std::env::temp_dir().join(format!("reperes-exemple-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dossier).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Une adresse publique qui n'est pas celle d'écoute : les preuves suivent REPERES_URL.
    let site = format!("http://127.0.0.1:{port}");
    let journal = dossier.join("serveur.log");
    let sortie = std::fs::File::create(&journal).unwrap();
    let mut enfant = Command::new(env!("CARGO_BIN_EXE_reperes"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &base.url)
        .env("REPERES_URL", &site)
        .env("REPERES_FICHIERS", dossier.join("fichiers"))
        .env("REPERES_COURRIELS_DOSSIER", dossier.join("courriels"))
        .env(
            "REPERES_CLE_AUDIT",
            "cle-de-test-du-journal-d-audit-0123456789",
        )
        .env_remove("REPERES_INSTANCE")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(sortie.try_clone().unwrap())
        .stderr(sortie)
        .spawn()
        .expect("lancement de reperes serve");
    let http = reqwest::Client::new();
    let debut = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{site}/sante")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(
            debut.elapsed() < Duration::from_secs(120),
            "le serveur n'a pas démarré :\n{}",
            std::fs::read_to_string(&journal).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Au registre : le dispositif « Repères », numérique, dont le site est le dépôt, labellisé
    // NEC 2022 au niveau 1.
    let lignes = base.store.registre().await.unwrap();
    let l = lignes
        .iter()
        .find(|l| l.dispositif_nom == "Repères")
        .expect("Repères au registre");
    assert_eq!(l.referentiel_id, "nec-2022");
    assert_eq!(l.etat, Etat::Labellise);
    assert_eq!(l.niveau, Some(1));
    assert_eq!(l.type_dispositif, "numerique");
    assert_eq!(l.type_organisation, "etablissement_public");
    assert_eq!(l.dispositif_site.as_deref(), Some(DEPOT));
    assert_eq!(
        l.licences,
        vec![(
            "ouvert".to_string(),
            "AGPL-3.0-only".to_string(),
            DEPOT.to_string()
        )]
    );
    // Le dossier : niveau 2 visé, six critères autoévalués au niveau 2, chacun apprécié, avec
    // ses preuves.
    let d = base
        .store
        .dossier(&l.dossier_id)
        .await
        .unwrap()
        .expect("dossier de Repères");
    assert_eq!(d.niveau_vise, 2);
    assert_eq!(d.niveau_accorde, Some(1));
    let criteres: Vec<&str> = d.criteres.keys().map(String::as_str).collect();
    assert_eq!(
        criteres,
        vec![
            "accessible",
            "appropriable",
            "ethique",
            "ouvert",
            "securise",
            "sobre"
        ]
    );
    let apprecies: Vec<(&str, Option<u8>)> = d
        .criteres
        .iter()
        .map(|(c, r)| (c.as_str(), r.appreciation.as_ref().and_then(|a| a.niveau)))
        .collect();
    assert_eq!(
        apprecies,
        vec![
            ("accessible", Some(1)),
            ("appropriable", Some(2)),
            ("ethique", Some(2)),
            ("ouvert", Some(1)),
            ("securise", Some(1)),
            ("sobre", Some(2)),
        ]
    );
    for (c, attendus) in preuves_attendues(&site) {
        let r = &d.criteres[c];
        assert_eq!(r.niveau_auto, Some(2), "{c}");
        assert_eq!(r.liens, attendus, "{c}");
        assert!(r.liens.iter().all(|l| !l.trim().is_empty()), "{c}");
        assert!(r.texte.chars().count() >= 40, "{c}");
    }
    // Les écarts au niveau 2 sont dits dans les réponses (après le complément demandé).
    assert!(d.criteres["accessible"]
        .texte
        .contains("certifiée par un tiers"));
    assert!(d.criteres["securise"].texte.contains("RGS"));
    let motivation = &d.decision.as_ref().expect("décision").motivation;
    assert!(
        motivation.starts_with("Label accordé au niveau 1."),
        "{motivation}"
    );
    // L'échange : un complément demandé, puis un second dépôt, au journal du dossier.
    let journal = base.store.journal_objet("dossier", &d.id).await.unwrap();
    let actions: Vec<&str> = journal.iter().map(|e| e.contenu.action.as_str()).collect();
    let n = |a: &str| actions.iter().filter(|x| **x == a).count();
    assert_eq!(n("demander_complement"), 1, "{actions:?}");
    assert_eq!(n("deposer"), 2, "{actions:?}");
    assert_eq!(n("apprecier_critere"), 6, "{actions:?}");
    assert_eq!(n("labelliser"), 1, "{actions:?}");

    // Les pages : le registre montre l'exemple et lie la fiche, qui publie l'autoévaluation.
    let page = |chemin: String| {
        let http = http.clone();
        async move {
            let r = http.get(chemin).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (statut, registre) = page(format!("{site}/registre")).await;
    assert_eq!(statut, 200);
    assert!(registre.contains("Exemple : le dossier de Repères"));
    let fiche = format!("/registre/dispositifs/{}", l.dispositif_id);
    assert!(
        registre.contains(&format!("href=\"{fiche}#exemple\"")),
        "lien vers la fiche de Repères"
    );
    let (statut, html) = page(format!("{site}{fiche}")).await;
    assert_eq!(statut, 200);
    assert!(html.contains("Exemple : le dossier de Repères"));
    for (_, attendus) in preuves_attendues(&site) {
        for lien in attendus {
            assert!(html.contains(&format!("href=\"{lien}\"")), "{lien}");
        }
    }
    assert!(html.contains("Label accordé au niveau 1."));
    // Un autre titulaire n'a pas d'encadré d'exemple.
    let autre = lignes
        .iter()
        .find(|x| x.dispositif_nom != "Repères" && x.etat == Etat::Labellise)
        .expect("un autre titulaire");
    let (statut, html) = page(format!(
        "{site}/registre/dispositifs/{}",
        autre.dispositif_id
    ))
    .await;
    assert_eq!(statut, 200);
    assert!(!html.contains("Exemple : le dossier de"));

    let _ = enfant.kill();
    let _ = enfant.wait();
    base.fin().await;
    let _ = std::fs::remove_dir_all(&dossier);
}

sur_les_deux_bases!(dossier_de_reperes);
