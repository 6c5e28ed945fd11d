//! Le corpus d'entrées hostiles (`tests/hostile/`, fabriqué par `tests/hostile/generer.py`) passé
//! par les points d'entrée web, sur les deux bases : import de lieux (page d'administration),
//! pièces jointes d'un dossier, textes saisis dans les formulaires et les recherches. Ce que chaque
//! fichier doit donner est écrit dans `tests/hostile/attendus.toml` ; partout : un message clair
//! en français, rien d'enregistré à moitié, rien d'exécuté (aucun texte réaffiché sans
//! échappement, aucun lien « javascript: », aucun fichier écrit hors du stockage).

use crate::commun;

use std::collections::BTreeMap;
use std::path::PathBuf;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use commun::{
    app_avec as app, attendre_import, compte, multipart, objets_de, post_multipart,
    televerser_lieux, Client, Rep, MDP,
};
use reperes_domain::comptes::RoleCompte;
use reperes_store::{deux_bases, Store};
use reperes_web::{stockage, Config};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

fn racine() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/hostile")
}

/// Les fichiers d'une partie du corpus, par nom.
/// Taille minimale de chaque partie du corpus (comptée à la main dans `tests/hostile/`) : un
/// dossier vidé ou mal nommé ferait passer les tests sans rien essayer.
const TAILLE_MINIMALE: &[(&str, usize)] = &[("lieux", 14), ("pieces", 9), ("textes", 8)];

fn corpus(partie: &str) -> BTreeMap<String, Vec<u8>> {
    let fichiers = lire_corpus(partie);
    let minimum = TAILLE_MINIMALE
        .iter()
        .find(|(p, _)| *p == partie)
        .map(|(_, n)| *n)
        .unwrap_or_else(|| panic!("partie du corpus sans taille minimale : {partie}"));
    assert!(
        fichiers.len() >= minimum,
        "corpus hostile « {partie} » : {} fichier(s), {minimum} au moins attendus",
        fichiers.len()
    );
    fichiers
}

fn lire_corpus(partie: &str) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(racine().join(partie))
        .unwrap()
        .map(|f| {
            let f = f.unwrap();
            (
                f.file_name().to_string_lossy().into_owned(),
                std::fs::read(f.path()).unwrap(),
            )
        })
        .collect()
}

/// L'attendu d'un fichier ; un fichier sans attendu fait échouer le test.
fn attendu(partie: &str, fichier: &str) -> toml::Table {
    let tout: toml::Table = std::fs::read_to_string(racine().join("attendus.toml"))
        .unwrap()
        .parse()
        .unwrap();
    tout.get(partie)
        .and_then(|p| p.get(fichier))
        .and_then(|a| a.as_table())
        .cloned()
        .unwrap_or_else(|| panic!("tests/hostile/attendus.toml : rien pour {partie}/{fichier}"))
}

/// Un texte hostile n'est jamais rendu tel quel dans une page : ni balise, ni attribut ouvert.
fn sans_injection(page: &str, contexte: &str) {
    for brut in [
        "<script>alert",
        "<img src=x",
        "\" autofocus onfocus",
        "<b>gras</b>",
        "href=\"javascript:",
    ] {
        assert!(
            !page.contains(brut),
            "{contexte} : « {brut} » rendu tel quel"
        );
    }
}

/// Le texte d'une page, apostrophes et guillemets déséchappés (pour y chercher un message).
fn texte(page: &str) -> String {
    page.replace("&#39;", "'").replace("&quot;", "\"")
}

async fn nombre(store: &Store, source: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM lieux WHERE source = $1")
        .bind(source)
        .fetch_one(store.pool())
        .await
        .unwrap();
    n
}

deux_bases!(fichiers_de_lieux_hostiles, |store: Store| async move {
    compte(&store, "admin@exemple.fr", RoleCompte::Administrateur).await;
    let app = app(&store, Config::pour_tests());
    let mut a = Client::new(&app);
    a.connecter("admin@exemple.fr", MDP).await;
    for (fichier, octets) in corpus("lieux") {
        let att = attendu("lieux", &fichier);
        let source = format!("hostile-{}", fichier.replace('.', "-"));
        a.get("/administration/lieux").await;
        let r = televerser_lieux(&mut a, &fichier, &octets, &[("source", &source)]).await;
        assert!(r.code.as_u16() < 500, "{fichier} : {}", r.corps);
        let page = match r.lieu {
            Some(suivi) => attendre_import(&mut a, &suivi).await,
            None => r.corps,
        };
        let message = att["message"].as_str().unwrap();
        assert!(
            texte(&page).contains(message),
            "{fichier} : « {message} » absent :\n{page}"
        );
        sans_injection(&page, &fichier);
        let importes = att
            .get("importes")
            .and_then(|v| v.as_integer())
            .unwrap_or(0);
        assert_eq!(nombre(&store, &source).await, importes, "{fichier}");
    }

    // Les lieux importés malgré leur contenu hostile s'affichent échappés, sans lien dangereux.
    let source = "hostile-injection-csv";
    for id in ["i-1", "i-2", "i-3", "../../../etc/passwd"] {
        let chemin = format!(
            "/lieux/{source}/{}",
            form_urlencoded::byte_serialize(id.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        );
        let r = a.get(&chemin).await;
        assert_eq!(r.code, StatusCode::OK, "{chemin}");
        sans_injection(&r.corps, &chemin);
    }
    let r = a.get(&format!("/lieux/{source}/i-1")).await;
    assert!(
        r.corps
            .contains("<h1 class=\"fr-h2 fr-mb-1w\">&#60;script&#62;alert("),
        "{}",
        r.corps
    );
    let r = a.get("/lieux?q=script").await;
    assert!(r.corps.contains("&#60;script&#62;"), "{}", r.corps);
    sans_injection(&r.corps, "/lieux?q=script");
    let r = a.get("/api/v1/lieux?q=script").await;
    assert_eq!(r.code, StatusCode::OK);
    assert!(r
        .corps
        .contains(r#""nom":"<script>alert('lieu')</script>""#));
    // Le lieu au caractère de contrôle est refusé ; ses voisins valides sont gardés.
    assert_eq!(
        nombre(&store, "hostile-caracteres-de-controle-csv").await,
        2
    );
});

deux_bases!(pieces_jointes_hostiles, |store: Store| async move {
    let u = compte(&store, "a@org-a.example", RoleCompte::Demandeur).await;
    let config = Config::pour_tests();
    let dossier_fichiers = config.dossier_fichiers.clone();
    let app = app(&store, config);
    let (_, dossier, _) = objets_de(&store, &u, "a", None).await;
    let mut a = Client::new(&app);
    a.connecter(&u.email, MDP).await;
    let etape = format!("/dossiers/{dossier}/etapes/2");
    let envoyer = |c: &Client, nom: &str, octets: &[u8]| {
        let (ct, corps) = multipart(
            &[
                ("_csrf", &c.csrf),
                (
                    "texte",
                    "Mesures prises pour l'accessibilité du dispositif.",
                ),
                ("niveau_auto", "1"),
                ("suite", "rester"),
            ],
            Some((nom, octets)),
        );
        c.avec_cookie(Request::post(etape.as_str()))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(corps))
            .unwrap()
    };
    let mut deja = store.fichiers_du_dossier(&dossier).await.unwrap().len();
    for (fichier, octets) in corpus("pieces") {
        let att = attendu("pieces", &fichier);
        a.get(&etape).await;
        let nom = format!("../../../../tmp/{fichier}");
        let r = a.envoyer(envoyer(&a, &nom, &octets)).await;
        let fichiers = store.fichiers_du_dossier(&dossier).await.unwrap();
        if att.get("accepte").and_then(|v| v.as_bool()) == Some(true) {
            assert_eq!(r.code, StatusCode::SEE_OTHER, "{fichier} : {}", r.corps);
            assert_eq!(fichiers.len(), deja + 1, "{fichier}");
            deja += 1;
            let f = fichiers.iter().find(|f| f.nom == fichier).expect(&fichier);
            // Gardé tel quel (jamais ouvert ni décompressé), sous une clé générée.
            assert_eq!(f.sha256, hex::encode(Sha256::digest(&octets)), "{fichier}");
            let sur_disque = std::fs::read(dossier_fichiers.join(&f.cle_stockage)).unwrap();
            assert_eq!(sur_disque.len(), octets.len(), "{fichier}");
            // Servi en téléchargement, jamais interprété par le navigateur.
            let req = a
                .avec_cookie(Request::get(format!("/fichiers/{}", f.id)))
                .body(Body::empty())
                .unwrap();
            let rep = app.clone().oneshot(req).await.unwrap();
            assert_eq!(rep.status(), StatusCode::OK, "{fichier}");
            let h = rep.headers();
            assert!(
                h[header::CONTENT_DISPOSITION]
                    .to_str()
                    .unwrap()
                    .starts_with("attachment"),
                "{fichier}"
            );
            assert_eq!(h["x-content-type-options"], "nosniff");
            assert_ne!(h[header::CONTENT_TYPE], "text/html");
        } else {
            assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "{fichier}");
            let message = att["message"].as_str().unwrap();
            assert!(texte(&r.corps).contains(message), "{fichier} : {}", r.corps);
            assert!(
                r.corps.contains(&format!("« {fichier} »")),
                "{fichier} : nom nettoyé"
            );
            assert_eq!(fichiers.len(), deja, "{fichier} : rien de stocké");
        }
        sans_injection(&r.corps, &fichier);
    }
    // Au-delà de la taille admise : refus clair, rien de stocké.
    let mut gros = b"%PDF-1.4\n".to_vec();
    gros.resize(stockage::TAILLE_MAX + 1, b' ');
    a.get(&etape).await;
    let r = a.envoyer(envoyer(&a, "gros.pdf", &gros)).await;
    assert!(r.code.is_client_error(), "{}", r.code);
    assert!(r.corps.contains("20 Mo"), "{}", r.corps);
    assert_eq!(
        store.fichiers_du_dossier(&dossier).await.unwrap().len(),
        deja
    );
    // Un envoi tronqué (sans la frontière finale) : « illisible », pas une affaire de taille.
    a.get(&etape).await;
    let (ct, mut corps) = multipart(&[("_csrf", &a.csrf)], Some(("a.pdf", b"%PDF-1.4\n")));
    corps.truncate(corps.len() - 12);
    let req = a
        .avec_cookie(Request::post(etape.as_str()))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(corps))
        .unwrap();
    let r = a.envoyer(req).await;
    assert_eq!(r.code, StatusCode::BAD_REQUEST);
    assert!(
        texte(&r.corps).contains("Formulaire illisible"),
        "{}",
        r.corps
    );
    // Rien d'écrit ailleurs que sous une clé générée dans le dossier de stockage.
    for f in std::fs::read_dir(&dossier_fichiers).unwrap() {
        let nom = f.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            nom.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{nom}"
        );
    }
    for fichier in corpus("pieces").keys() {
        assert!(
            !std::path::Path::new("/tmp").join(fichier).exists(),
            "{fichier}"
        );
    }
});

/// Envoie `texte` dans les recherches et les formulaires ; rend les réponses.
async fn saisir(c: &mut Client, texte: &str, dossier: &str) -> Vec<(String, Rep)> {
    let q: String = form_urlencoded::byte_serialize(texte.as_bytes()).collect();
    let mut v = Vec::new();
    // Une URL de plus de 8 Ko est refusée avant l'application (par hyper, 414) : le champ énorme
    // ne passe que par les formulaires.
    let recherches = if q.len() > 8 * 1024 {
        vec![]
    } else {
        vec![
            format!("/lieux?q={q}"),
            format!("/lieux?lieu={q}"),
            format!("/api/v1/lieux?q={q}"),
            format!("/registre?q={q}"),
            format!("/orientation?lieu={q}&etape=4"),
            format!("/chartes?q={q}"),
        ]
    };
    for chemin in recherches {
        let r = c.get(&chemin).await;
        v.push((chemin, r));
    }
    let etape = format!("/dossiers/{dossier}/etapes/2");
    c.get(&etape).await;
    let r = post_multipart(
        c,
        &etape,
        &[("texte", texte), ("niveau_auto", "1"), ("suite", "rester")],
    )
    .await;
    v.push((format!("POST {etape}"), r));
    let r = c.get(&etape).await;
    v.push((etape, r));
    let mut anonyme = Client::new(&c.app);
    let r = anonyme.inscrire(texte, "hostile@exemple.fr", MDP).await;
    v.push(("POST /inscription".into(), r));
    v
}

deux_bases!(textes_hostiles, |store: Store| async move {
    let u = compte(&store, "a@org-a.example", RoleCompte::Demandeur).await;
    let app = app(&store, Config::pour_tests());
    let (_, dossier, _) = objets_de(&store, &u, "a", None).await;
    let mut a = Client::new(&app);
    a.connecter(&u.email, MDP).await;
    let mut textes: Vec<(String, String)> = corpus("textes")
        .into_iter()
        .map(|(n, o)| (n, String::from_utf8(o).unwrap()))
        .collect();
    // Champ énorme (1 Mo), fabriqué ici plutôt que versionné.
    textes.push(("énorme".into(), "<script>".repeat(128 * 1024)));
    for (nom, texte) in &textes {
        let controle = texte
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
        for (chemin, r) in saisir(&mut a, texte, &dossier).await {
            let contexte = format!("{nom} → {chemin}");
            assert!(r.code.as_u16() < 500, "{contexte} : {} {}", r.code, r.corps);
            sans_injection(&r.corps, &contexte);
            if r.code.is_client_error() {
                assert!(
                    ["fr-alert", "fr-error-text", "fr-text--lead", "\"message\""]
                        .iter()
                        .any(|m| r.corps.contains(m)),
                    "{contexte} : refus sans message : {}",
                    r.corps
                );
            }
            if controle && chemin.starts_with("POST") {
                assert!(
                    r.code.is_client_error(),
                    "{contexte} : caractère de contrôle accepté ({})",
                    r.code
                );
            }
        }
    }
    // Rien de ce qui a été refusé n'a été gardé : la réponse enregistrée ne contient aucun
    // caractère de contrôle, et aucun compte n'a été créé avec un nom qui en contient.
    let d = store.dossier(&dossier).await.unwrap().unwrap();
    let json = serde_json::to_string(&d).unwrap();
    assert!(
        !json.contains("\\u0000") && !json.contains("\\u001b"),
        "{json}"
    );
});
