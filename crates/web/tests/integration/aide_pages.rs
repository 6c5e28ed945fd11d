//! Les pages d'aide (issue 18) au niveau HTTP, sur les deux bases : l'index `/aide` range les
//! pages par public, chaque page répond avec son titre en `<h1>`, une page inconnue répond 404 ;
//! la première page de chaque parcours lie sa page d'aide (couples écrits à la main, avec le
//! compte qu'il faut) et ce lien répond ; dans une version locale, seules les pages publiques
//! existent et leurs liens gardent le préfixe. Le chargeur refuse un dossier de pages mal formé
//! avec un message qui nomme le fichier.

use std::path::{Path, PathBuf};

use crate::commun;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use commun::{app, compte, get_anonyme, Client, MDP};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::dossier::Action;
use reperes_domain::Role;
use reperes_store::test_support::{
    catalogue_du_depot, collectivite_et_demarche, mener_dossier, signataire_de_charte,
};
use reperes_store::{deux_bases, Acteur, Store};

/// Les pages d'aide et leur titre, public par public, dans l'ordre de l'index.
const PAGES: [(&str, &str); 11] = [
    (
        "trouver-un-lieu",
        "Trouver un lieu pour être aidé avec le numérique",
    ),
    (
        "signaler-une-erreur",
        "Signaler une erreur ou proposer un lieu",
    ),
    (
        "reutiliser-les-donnees",
        "Réutiliser les données ouvertes et l'API",
    ),
    (
        "etre-prevenu-des-changements",
        "Être prévenu des changements du registre (webhook)",
    ),
    (
        "demander-un-label",
        "Demander un label pour votre dispositif",
    ),
    (
        "repondre-a-un-complement",
        "Répondre à une demande de complément",
    ),
    (
        "signer-la-charte",
        "Signer la charte « Territoire d'Actions pour un numérique inclusif »",
    ),
    (
        "publier-un-rapport",
        "Publier le rapport annuel de la charte",
    ),
    (
        "tenir-ses-lieux-a-jour",
        "Tenir à jour les lieux de votre structure",
    ),
    ("instruire-un-dossier", "Instruire un dossier"),
    ("decider", "Décider sur un dossier"),
];

/// Les pages servies aussi dans une version locale (sans compte).
const PUBLIQUES: [&str; 4] = [
    "trouver-un-lieu",
    "signaler-une-erreur",
    "reutiliser-les-donnees",
    "etre-prevenu-des-changements",
];

fn decoder(s: &str) -> String {
    s.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// Le texte du seul `<h1>` de la page.
fn h1(corps: &str) -> String {
    assert_eq!(corps.matches("<h1").count(), 1, "un seul <h1> :\n{corps}");
    let debut = corps.find("<h1").unwrap();
    let ouvert = debut + corps[debut..].find('>').unwrap() + 1;
    let fin = ouvert + corps[ouvert..].find("</h1>").unwrap();
    decoder(&corps[ouvert..fin])
}

deux_bases!(aide_index_et_pages, |store: Store| async move {
    let app = app(&store);
    let index = get_anonyme(&app, "/aide").await;
    assert_eq!(index.code, StatusCode::OK);
    assert_eq!(h1(&index.corps), "Aide");
    let texte = decoder(&index.corps);
    // Chaque page, dans l'ordre, sous son public.
    let mut avant = 0;
    for (nom, titre) in PAGES {
        let lien = format!("<a href=\"/aide/{nom}\">{titre}</a>");
        let i = texte
            .find(&lien)
            .unwrap_or_else(|| panic!("{lien} absent de /aide"));
        assert!(i > avant, "ordre de {nom}");
        avant = i;
    }
    for public in [
        "Vous cherchez de l'aide près de chez vous",
        "Vous réutilisez les données",
        "Vous demandez un label",
        "Votre territoire signe la charte",
        "Votre structure tient des lieux",
        "Vous instruisez les dossiers",
    ] {
        assert!(texte.contains(&format!(">{public}</h2>")), "{public}");
    }
    for (nom, titre) in PAGES {
        let r = get_anonyme(&app, &format!("/aide/{nom}")).await;
        assert_eq!(r.code, StatusCode::OK, "/aide/{nom}");
        assert_eq!(h1(&r.corps), titre, "/aide/{nom}");
        assert!(r.corps.contains("href=\"/aide\""), "retour à l'index");
    }
    // Le Markdown est rendu : titres de section, étapes numérotées, liens.
    let r = get_anonyme(&app, "/aide/demander-un-label").await;
    assert!(r.corps.contains("<h2>Les étapes</h2>"));
    assert!(r.corps.contains("<ol>"));
    assert!(r
        .corps
        .contains("<a href=\"/inscription\">Créer un compte</a>"));
    // Une page inconnue, un nom hors des règles : 404 propre (page d'erreur du site).
    for inconnue in [
        "/aide/inconnue",
        "/aide/index",
        "/aide/index.toml",
        "/aide/..%2Findex",
    ] {
        let r = get_anonyme(&app, inconnue).await;
        assert_eq!(r.code, StatusCode::NOT_FOUND, "{inconnue}");
        assert!(
            r.corps.contains("<h1"),
            "{inconnue} : page d'erreur complète"
        );
    }
});

/// Connecte un client neuf.
async fn client(app: &axum::Router, email: &str) -> Client {
    let mut c = Client::new(app);
    let r = c.connecter(email, MDP).await;
    assert!(r.code.is_redirection(), "connexion de {email} : {}", r.code);
    c
}

/// La page `page` (vue par `c`) répond 200, lie `/aide/{aide}` (avec le préfixe `prefixe`) par
/// un lien « Aide : … », et ce lien répond 200.
async fn lie(c: &mut Client, page: &str, prefixe: &str, aide: &str) {
    let r = c.get(page).await;
    assert_eq!(r.code, StatusCode::OK, "{page}");
    // `aide` vide : l'index de l'aide.
    let lien = if aide.is_empty() {
        format!("{prefixe}/aide")
    } else {
        format!("{prefixe}/aide/{aide}")
    };
    assert!(
        r.corps.contains(&format!("href=\"{lien}\">Aide : ")),
        "{page} doit lier {lien} :\n{}",
        r.corps
    );
    let a = c.get(&lien).await;
    assert_eq!(a.code, StatusCode::OK, "{lien}");
}

deux_bases!(
    chaque_premiere_page_de_parcours_lie_son_aide,
    |store: Store| async move {
        let systeme = Acteur::new("test", Role::Systeme);
        let agent_acteur = Acteur::new("agent", Role::Instructeur);
        let c = catalogue_du_depot();
        commun::importer_lieux(&store, &[("exemple-valide-v1.0.2.csv", "exemple")]).await;
        let porteur = compte(&store, "porteur@asso.example", RoleCompte::Demandeur).await;
        let commune = compte(&store, "maire@commune.example", RoleCompte::Demandeur).await;
        compte(&store, "agent@reperes.example", RoleCompte::Instructeur).await;
        // Le porteur : dossier d1 en attente de complément, dossier d2 en instruction ; son
        // organisation o1 tient le lieu exemple/structure-1.
        let d1 = mener_dossier(
            &store,
            "nec-2022",
            "1",
            "Kit",
            "numerique",
            "80000",
            "en_instruction",
            Utc::now(),
        )
        .await;
        store
            .agir(
                &c,
                &d1,
                &agent_acteur,
                &Action::DemanderComplement {
                    motif: "Une preuve manque.".into(),
                    echeance: (Utc::now() + Duration::days(30)).date_naive(),
                },
                Utc::now(),
            )
            .await
            .unwrap();
        let d2 = mener_dossier(
            &store,
            "nec-2022",
            "2",
            "Atelier",
            "numerique",
            "80000",
            "en_instruction",
            Utc::now(),
        )
        .await;
        for o in ["o1", "o2"] {
            store
                .ajouter_membre(&systeme, o, &porteur.id)
                .await
                .unwrap();
        }
        store
            .attribuer_lieu(&systeme, "exemple", "structure-1", "o1", false)
            .await
            .unwrap();
        // La commune : une démarche territoriale (charte à signer) et une charte signée.
        let dem = Acteur::new(&commune.id, Role::Demandeur);
        collectivite_et_demarche(&store, &dem, "c", "Commune C".into(), "80000", "Amiens").await;
        let signe = signataire_de_charte(
            &store,
            &dem,
            &agent_acteur,
            "s",
            "80000",
            "Amiens",
            Utc::now() - Duration::days(30),
        )
        .await;
        for o in ["org-c", "org-s"] {
            store
                .ajouter_membre(&systeme, o, &commune.id)
                .await
                .unwrap();
        }

        let app = app(&store);
        // Les personnes qui cherchent de l'aide, les réutilisateurs : sans compte.
        let mut anonyme = Client::new(&app);
        for (page, aide) in [
            ("/orientation", "trouver-un-lieu"),
            ("/lieux", "trouver-un-lieu"),
            ("/donnees", "reutiliser-les-donnees"),
        ] {
            lie(&mut anonyme, page, "", aide).await;
        }
        // L'orientation ne le lie qu'à sa première étape.
        let r = anonyme.get("/orientation?etape=2").await;
        assert!(!r.corps.contains("/aide/trouver-un-lieu"));

        let mut p = client(&app, "porteur@asso.example").await;
        for (page, aide) in [
            // L'espace sert tous les publics (porteurs, territoires, structures) : l'index.
            ("/espace".to_string(), ""),
            ("/espace".to_string(), "tenir-ses-lieux-a-jour"),
            (
                "/dispositifs/x1/autodiagnostic/nec-2022".to_string(),
                "demander-un-label",
            ),
            (format!("/dossiers/{d1}"), "repondre-a-un-complement"),
            (
                "/lieux/exemple/structure-1/modifier".to_string(),
                "tenir-ses-lieux-a-jour",
            ),
            (
                "/donnees/abonnements".to_string(),
                "etre-prevenu-des-changements",
            ),
        ] {
            lie(&mut p, &page, "", aide).await;
        }
        // Un dossier qui n'attend pas de complément ne propose pas cette aide.
        let r = p.get(&format!("/dossiers/{d2}")).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(!r.corps.contains("/aide/repondre-a-un-complement"));

        let mut m = client(&app, "maire@commune.example").await;
        for (page, aide) in [
            ("/organisations/org-c".to_string(), "signer-la-charte"),
            (
                "/dispositifs/disp-c/autodiagnostic/charte-territoire-actions".to_string(),
                "signer-la-charte",
            ),
            (
                format!("/dossiers/{}/rapports/nouveau", signe.id),
                "publier-un-rapport",
            ),
            // Le lieu est tenu par une autre structure : la page se montre quand même.
            (
                "/lieux/exemple/structure-1/revendiquer".to_string(),
                "tenir-ses-lieux-a-jour",
            ),
        ] {
            lie(&mut m, &page, "", aide).await;
        }

        let mut a = client(&app, "agent@reperes.example").await;
        for (page, aide) in [
            ("/instruction".to_string(), "instruire-un-dossier"),
            (format!("/dossiers/{d2}/decision"), "decider"),
        ] {
            lie(&mut a, &page, "", aide).await;
        }
    }
);

deux_bases!(
    dans_une_version_locale_seules_les_pages_publiques,
    |store: Store| async move {
        crate::versions_locales::creer(&store, "matrice", "departement:80", "").await;
        let app = app(&store);
        let index = get_anonyme(&app, "/t/matrice/aide").await;
        assert_eq!(index.code, StatusCode::OK);
        let texte = decoder(&index.corps);
        for (nom, titre) in PAGES {
            let publique = PUBLIQUES.contains(&nom);
            let lien = format!("<a href=\"/t/matrice/aide/{nom}\">{titre}</a>");
            assert_eq!(
                texte.contains(&lien),
                publique,
                "{nom} dans /t/matrice/aide"
            );
            assert!(
                !texte.contains(&format!("\"/aide/{nom}\"")),
                "{nom} sans préfixe"
            );
            let r = get_anonyme(&app, &format!("/t/matrice/aide/{nom}")).await;
            let attendu = if publique {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(r.code, attendu, "/t/matrice/aide/{nom}");
        }
        // Les liens vers les pages de la version gardent le préfixe ; les autres mènent au
        // site national.
        let r = get_anonyme(&app, "/t/matrice/aide/signaler-une-erreur").await;
        assert!(r.corps.contains("href=\"/t/matrice/lieux\""));
        assert!(r.corps.contains("href=\"/t/matrice/orientation\""));
        assert!(r.corps.contains("href=\"/lieux/proposer\""));
        let r = get_anonyme(&app, "/t/matrice/aide/trouver-un-lieu").await;
        assert!(r
            .corps
            .contains("href=\"/t/matrice/aide/signaler-une-erreur\""));
        // Les parcours de la version lient l'aide de la version.
        let mut c = Client::new(&app);
        lie(
            &mut c,
            "/t/matrice/orientation",
            "/t/matrice",
            "trouver-un-lieu",
        )
        .await;
        lie(&mut c, "/t/matrice/lieux", "/t/matrice", "trouver-un-lieu").await;
        lie(
            &mut c,
            "/t/matrice/donnees",
            "/t/matrice",
            "reutiliser-les-donnees",
        )
        .await;
    }
);

// ---------- Le chargeur ----------

/// Un dossier de pages d'aide de test, neuf.
fn dossier(fichiers: &[(&str, &str)]) -> PathBuf {
    let d = std::env::temp_dir().join(format!("reperes-aide-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    for (nom, texte) in fichiers {
        std::fs::write(d.join(nom), texte).unwrap();
    }
    d
}

const INDEX_UN: &str = r#"
[[publics]]
titre = "Public"
locale = true
pages = [{ page = "une", resume = "Résumé." }]
"#;

fn refus(fichiers: &[(&str, &str)]) -> String {
    match reperes_web::verifier_aide(&dossier(fichiers)) {
        Ok(_) => panic!("dossier accepté : {fichiers:?}"),
        Err(e) => e,
    }
}

#[test]
fn le_dossier_du_depot_est_valide() {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contenus/aide");
    let aide = reperes_web::verifier_aide(&d).expect("contenus/aide valide");
    assert_eq!(aide, PAGES.len());
}

#[test]
fn un_dossier_valide_est_charge() {
    let aide = reperes_web::verifier_aide(&dossier(&[
        ("index.toml", INDEX_UN),
        (
            "une.md",
            "# Une page\n\nDu texte et [un lien](/aide/une).\n",
        ),
    ]))
    .unwrap();
    assert_eq!(aide, 1);
}

#[test]
fn un_dossier_mal_forme_est_refuse_avec_un_message_clair() {
    // Page sans titre en tête.
    let e = refus(&[
        ("index.toml", INDEX_UN),
        ("une.md", "Du texte sans titre.\n"),
    ]);
    assert_eq!(
        e,
        "contenus/aide/une.md : le fichier doit commencer par un titre « # … »"
    );
    // Deux titres de niveau 1.
    let e = refus(&[("index.toml", INDEX_UN), ("une.md", "# A\n\n# B\n")]);
    assert!(e.starts_with("contenus/aide/une.md : un seul titre"), "{e}");
    // Lien vers une adresse non permise.
    let e = refus(&[
        ("index.toml", INDEX_UN),
        ("une.md", "# A\n\n[x](javascript:alert(1))\n"),
    ]);
    assert!(
        e.starts_with("contenus/aide/une.md : lien non permis"),
        "{e}"
    );
    // Lien vers une page d'aide qui n'existe pas.
    let e = refus(&[
        ("index.toml", INDEX_UN),
        ("une.md", "# A\n\n[x](/aide/autre)\n"),
    ]);
    assert_eq!(
        e,
        "contenus/aide/une.md : lien vers la page d'aide inconnue « /aide/autre »"
    );
    // Fichier absent de l'index.
    let e = refus(&[
        ("index.toml", INDEX_UN),
        ("une.md", "# A\n"),
        ("deux.md", "# B\n"),
    ]);
    assert_eq!(
        e,
        "contenus/aide/deux.md n'est pas listé dans contenus/aide/index.toml"
    );
    // Ligne de l'index sans fichier.
    let e = refus(&[("index.toml", INDEX_UN)]);
    assert_eq!(
        e,
        "contenus/aide/index.toml : la page « une » n'a pas de fichier contenus/aide/une.md"
    );
    // Autre fichier que du Markdown.
    let e = refus(&[
        ("index.toml", INDEX_UN),
        ("une.md", "# A\n"),
        ("notes.txt", "x"),
    ]);
    assert!(e.starts_with("contenus/aide/notes.txt : seuls"), "{e}");
    // Index illisible, champ inconnu, résumé vide, nom invalide.
    let e = refus(&[("index.toml", "[[publics]\n"), ("une.md", "# A\n")]);
    assert!(e.starts_with("contenus/aide/index.toml illisible"), "{e}");
    let e = refus(&[
        ("index.toml", &INDEX_UN.replace("locale", "locales")),
        ("une.md", "# A\n"),
    ]);
    assert!(e.starts_with("contenus/aide/index.toml illisible"), "{e}");
    let e = refus(&[
        ("index.toml", &INDEX_UN.replace("Résumé.", " ")),
        ("une.md", "# A\n"),
    ]);
    assert_eq!(
        e,
        "contenus/aide/index.toml : la page « une » n'a pas de résumé"
    );
    let e = refus(&[
        ("index.toml", &INDEX_UN.replace("\"une\"", "\"Une\"")),
        ("Une.md", "# A\n"),
    ]);
    assert!(
        e.starts_with("contenus/aide/index.toml : nom de page « Une » invalide"),
        "{e}"
    );
    // Une page publique (servie dans les versions locales) ne lie pas une page à compte.
    let index = r#"
[[publics]]
titre = "Public"
locale = true
pages = [{ page = "une", resume = "R." }]
[[publics]]
titre = "Porteurs"
pages = [{ page = "deux", resume = "R." }]
"#;
    let e = refus(&[
        ("index.toml", index),
        ("une.md", "# A\n\n[x](/aide/deux)\n"),
        ("deux.md", "# B\n"),
    ]);
    assert!(e.starts_with("contenus/aide/une.md : page publique"), "{e}");
}
