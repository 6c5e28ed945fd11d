//! Versions locales de la carte (issue 17) au niveau HTTP, sur les deux bases : adresses
//! `/t/{slug}/…`, portée, intégration (CSP `frame-ancestors` des seules pages locales).

use crate::commun;

use axum::http::{header, StatusCode};
use commun::{app, get_anonyme};
use reperes_domain::territoires::Territoires;
use reperes_domain::versions_locales::{SaisieVersionLocale, VersionValidee};
use reperes_domain::Role;
use reperes_store::{deux_bases, Acteur, Store};

/// Une version locale enregistrée par le store (les pages d'administration ont leurs tests).
pub async fn creer(store: &Store, slug: &str, perimetre: &str, origines: &str) -> String {
    let v: VersionValidee = SaisieVersionLocale {
        slug: slug.into(),
        nom: format!("Carte {slug}"),
        perimetre: perimetre.into(),
        couleur: String::new(),
        theme: "neutre".into(),
        origines: origines.into(),
    }
    .valider(Territoires::embarque())
    .unwrap();
    store
        .creer_version_locale(&Acteur::new("adm", Role::Administrateur), &v)
        .await
        .unwrap()
}

deux_bases!(adresses_locales_et_integration, |store: Store| async move {
    commun::importer_lieux(
        &store,
        &[("charente-20230711_schema-update-20240912.json", "charente")],
    )
    .await;
    creer(
        &store,
        "charente",
        "departement:16",
        "http://127.0.0.1:9999",
    )
    .await;
    let app = app(&store);

    // La recherche locale : l'en-tête de la version, thème neutre, intégrable depuis l'origine
    // déclarée seulement.
    let r = get_anonyme(&app, "/t/charente/lieux").await;
    assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
    assert!(r.corps.contains("Carte charente"));
    assert!(r.corps.contains("/static/css/neutre.css"));
    assert!(!r.corps.contains("dsfr.min.css"));
    let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'self' http://127.0.0.1:9999"),
        "{csp}"
    );
    assert!(!r.entetes.contains_key(header::X_FRAME_OPTIONS));

    // /t/charente : vers sa recherche.
    let r = get_anonyme(&app, "/t/charente").await;
    assert_eq!(r.code, StatusCode::SEE_OTHER);
    assert_eq!(r.entetes[header::LOCATION], "/t/charente/lieux");

    // Seules les pages publiques listées existent sous /t/ ; une version inconnue : 404.
    for chemin in [
        "/t/charente/administration",
        "/t/charente/connexion",
        "/t/charente/espace",
        "/t/charente/api/v1/lieux",
        "/t/gironde/lieux",
        "/t/charente/static/css/reperes.css",
    ] {
        let r = get_anonyme(&app, chemin).await;
        assert_eq!(r.code, StatusCode::NOT_FOUND, "{chemin}");
        let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") || chemin.starts_with("/t/charente/"),
            "{chemin} : {csp}"
        );
    }

    // Le site national n'est jamais intégrable.
    let r = get_anonyme(&app, "/lieux").await;
    let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.entetes[header::X_FRAME_OPTIONS], "DENY");
    assert!(r.corps.contains("dsfr.min.css"));
});

// ---------- Issue 17, partie « vladmin » : administration, ressources, intégration ----------

/// Un PNG de 1 × 1 pixel, complet.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xfc, 0xcf, 0xc0, 0x50,
    0x0f, 0x00, 0x04, 0x85, 0x01, 0x80, 0x84, 0xa9, 0x8c, 0x21, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Le texte d'une page tel que le lit le navigateur (entités HTML des gabarits décodées).
fn desechapper(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// Envoie le formulaire du logo : un fichier (champ `fichier`) ou d'autres champs.
async fn envoyer_logo(
    c: &mut commun::Client,
    id: &str,
    champs: &[(&str, &str)],
    fichier: Option<(&str, &[u8])>,
) -> commun::Rep {
    let csrf = c.csrf.clone();
    let mut tous = champs.to_vec();
    tous.push(("_csrf", &csrf));
    let (ct, corps) = commun::multipart(&tous, fichier);
    let req = c
        .avec_cookie(axum::http::Request::post(format!(
            "/administration/versions-locales/{id}/logo"
        )))
        .header(header::CONTENT_TYPE, ct)
        .body(axum::body::Body::from(corps))
        .unwrap();
    c.envoyer(req).await
}

fn formulaire<'a>(
    slug: &'a str,
    couleur: &'a str,
    perimetre: &'a str,
    origines: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("nom", "Carte de test"),
        ("slug", slug),
        ("perimetre", perimetre),
        ("couleur", couleur),
        ("theme", "neutre"),
        ("origines", origines),
    ]
}

deux_bases!(administrer_une_version_locale, |store: Store| async move {
    use reperes_domain::comptes::RoleCompte;
    commun::importer_lieux(
        &store,
        &[("charente-20230711_schema-update-20240912.json", "charente")],
    )
    .await;
    commun::compte(&store, "admin@reperes.example", RoleCompte::Administrateur).await;
    commun::compte(&store, "agent@reperes.example", RoleCompte::Instructeur).await;
    let app = app(&store);
    let mut adm = commun::Client::new(&app);
    assert_eq!(
        adm.connecter("admin@reperes.example", commun::MDP)
            .await
            .code,
        StatusCode::SEE_OTHER
    );

    // L'administration mène aux versions locales ; la page d'accueil des versions : aide du
    // périmètre, lien vers les territoires, thème neutre proposé et DSFR réservé à l'État.
    let r = adm.get("/administration").await;
    assert!(r
        .corps
        .contains("href=\"/administration/versions-locales\""));
    let r = adm.get("/administration/versions-locales").await;
    assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
    assert!(r.corps.contains("Aucune version locale"));
    assert!(r.corps.contains("href=\"/territoires\""));
    assert!(r.corps.contains("departement:16"));
    assert!(desechapper(&r.corps).contains("réservé aux services de l'État"));

    // Sans jeton CSRF : refusé, rien de créé.
    let champs = formulaire("charente-test", "", "departement:16", "");
    let r = adm
        .post("/administration/versions-locales", &champs, Some("faux"))
        .await;
    assert_eq!(r.code, StatusCode::FORBIDDEN);
    assert!(store.versions_locales().await.unwrap().is_empty());

    // Saisie refusée : chaque erreur sur son champ, en français, et rien de perdu.
    let champs = formulaire(
        "charente-test",
        "#ffff00",
        "departement:16\ndepartement:999",
        "http://exemple.fr",
    );
    let r = adm
        .post("/administration/versions-locales", &champs, None)
        .await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.corps);
    let texte = desechapper(&r.corps);
    assert!(texte.contains("3 erreurs empêchent"), "{texte}");
    assert!(
        texte.contains("id=\"couleur-erreur\">Couleur #ffff00 : contraste de 1,07:1 avec le blanc, 4,50:1 au moins est exigé"),
        "{texte}"
    );
    assert!(
        texte.contains("id=\"perimetre-erreur\">Périmètre : « departement:999 » : aucun(e) département de code « 999 »"),
        "{texte}"
    );
    assert!(
        texte.contains("id=\"origines-erreur\">Origine « http://exemple.fr »"),
        "{texte}"
    );
    assert!(texte.contains("value=\"Carte de test\""));
    assert!(texte.contains("value=\"charente-test\""));
    assert!(texte.contains(">departement:16\ndepartement:999</textarea>"));
    assert!(texte.contains(">http://exemple.fr</textarea>"));
    assert!(store.versions_locales().await.unwrap().is_empty());

    // Création acceptée.
    let champs = formulaire(
        "charente-test",
        "#1d4ed8",
        "departement:16",
        "http://127.0.0.1:9999\nhttps://www.charente.fr",
    );
    let r = adm
        .post("/administration/versions-locales", &champs, None)
        .await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
    let versions = store.versions_locales().await.unwrap();
    assert_eq!(versions.len(), 1);
    let v = &versions[0];
    let id = v.id.clone();
    assert_eq!(
        r.lieu.as_deref(),
        Some(format!("/administration/versions-locales/{id}?ok=creee").as_str())
    );
    assert_eq!(v.slug, "charente-test");
    assert_eq!(v.couleur.as_deref(), Some("#1d4ed8"));
    assert_eq!(v.theme, "neutre");
    assert_eq!(
        v.origines,
        ["http://127.0.0.1:9999", "https://www.charente.fr"]
    );

    // La même adresse une seconde fois : refusée sur son champ.
    let r = adm
        .post("/administration/versions-locales", &champs, None)
        .await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        desechapper(&r.corps).contains("id=\"slug-erreur\">Adresse : /t/charente-test est déjà celle d'une autre version locale"),
        "{}",
        r.corps
    );
    assert_eq!(store.versions_locales().await.unwrap().len(), 1);

    // La liste ; la page de la version : périmètre résolu, code d'intégration, liens locaux.
    let r = adm.get("/administration/versions-locales").await;
    assert!(r.corps.contains("<code>/t/charente-test</code>"));
    assert!(desechapper(&r.corps).contains("Charente (département 16)"));
    let page = format!("/administration/versions-locales/{id}");
    let r = adm.get(&format!("{page}?ok=creee")).await;
    assert_eq!(r.code, StatusCode::OK);
    let texte = desechapper(&r.corps);
    assert!(texte.contains("Version locale créée."));
    assert!(texte.contains("href=\"/territoires/departement/16\">Charente (département 16)</a>"));
    assert!(
        texte.contains("<iframe src=\"http://localhost:8080/t/charente-test/lieux\" title=\"Lieux de médiation numérique — Carte de test\" width=\"100%\" height=\"900\" loading=\"lazy\"></iframe>"),
        "{texte}"
    );
    assert!(texte.contains("href=\"/t/charente-test/lieux\""));

    // La version sert sa feuille de couleur (thème neutre : variables du thème neutre).
    let r = get_anonyme(&app, "/t/charente-test/theme.css").await;
    assert_eq!(r.code, StatusCode::OK);
    assert_eq!(r.type_contenu(), "text/css; charset=utf-8");
    assert_eq!(r.entetes[header::CACHE_CONTROL], "public, max-age=300");
    assert!(r.corps.contains("--reperes-accent: #1d4ed8;"));
    assert!(r.corps.contains("--reperes-accent-texte: #ffffff;"));
    assert!(!r.corps.contains("blue-france"));
    let r = get_anonyme(&app, "/t/charente-test/lieux").await;
    assert!(r
        .corps
        .contains("<link rel=\"stylesheet\" href=\"/t/charente-test/theme.css\">"));
    let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'self' http://127.0.0.1:9999 https://www.charente.fr"),
        "{csp}"
    );

    // Modification refusée : valeurs et case « active » gardées.
    let mut champs = formulaire("charente-test", "#777777", "departement:16", "");
    champs.push(("active", "oui"));
    let r = adm.post(&page, &champs, None).await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    let texte = desechapper(&r.corps);
    assert!(texte.contains("id=\"couleur-erreur\">Couleur #777777 : contraste de 4,47:1"));
    assert!(texte.contains("value=\"#777777\""));
    assert!(texte.contains("name=\"active\" value=\"oui\" checked"));

    // Modification acceptée : thème DSFR, désactivée (ses adresses : 404), puis réactivée.
    let mut champs = formulaire("charente-test", "#1d4ed8", "departement:16", "");
    champs[4] = ("theme", "dsfr");
    let r = adm.post(&page, &champs, None).await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
    assert_eq!(
        r.lieu.as_deref(),
        Some(format!("{page}?ok=modifiee").as_str())
    );
    let v = store.version_locale(&id).await.unwrap().unwrap();
    assert!(!v.active);
    assert_eq!(v.theme, "dsfr");
    assert!(v.origines.is_empty());
    assert_eq!(
        get_anonyme(&app, "/t/charente-test/lieux").await.code,
        StatusCode::NOT_FOUND
    );
    champs.push(("active", "oui"));
    let r = adm.post(&page, &champs, None).await;
    assert_eq!(r.code, StatusCode::SEE_OTHER);
    let r = get_anonyme(&app, "/t/charente-test/theme.css").await;
    assert!(r
        .corps
        .contains("--background-action-high-blue-france: #1d4ed8;"));
    assert!(r.corps.contains("--text-action-high-blue-france: #1d4ed8;"));
    // Le site national reste non intégrable ; la version n'a plus d'origine : elle-même seule.
    let r = get_anonyme(&app, "/t/charente-test/lieux").await;
    let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.ends_with("frame-ancestors 'self'"), "{csp}");

    // Logo : refusé par son contenu (un texte nommé .png ; un PNG nommé .txt), trop lourd.
    assert_eq!(
        get_anonyme(&app, "/t/charente-test/logo").await.code,
        StatusCode::NOT_FOUND
    );
    let r = envoyer_logo(&mut adm, &id, &[], Some(("logo.png", b"pas une image"))).await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        desechapper(&r.corps)
            .contains("id=\"fichier-erreur\">« logo.png » n'est pas une image PNG, JPEG ou WebP"),
        "{}",
        r.corps
    );
    let r = envoyer_logo(&mut adm, &id, &[], Some(("logo.txt", PNG))).await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        desechapper(&r.corps).contains("« logo.txt » : son contenu est une image PNG mais son nom finit par .txt ; renommez-le en .png"),
        "{}",
        r.corps
    );
    let mut lourd = PNG.to_vec();
    lourd.resize(200 * 1024 + 1, 0);
    let r = envoyer_logo(&mut adm, &id, &[], Some(("logo.png", &lourd))).await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        desechapper(&r.corps)
            .contains("Un seul logo, de 200 Ko au plus : rien n'a été enregistré."),
        "{}",
        r.corps
    );
    assert_eq!(store.logo_version_locale(&id).await.unwrap(), None);

    // Accepté, puis servi avec son type ; l'en-tête de la version l'affiche (alt vide : le nom
    // est écrit à côté).
    let r = envoyer_logo(&mut adm, &id, &[], Some(("logo.png", PNG))).await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
    assert_eq!(r.lieu.as_deref(), Some(format!("{page}?ok=logo").as_str()));
    let r = get_anonyme(&app, "/t/charente-test/logo").await;
    assert_eq!(r.code, StatusCode::OK);
    assert_eq!(r.type_contenu(), "image/png");
    assert_eq!(r.entetes[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(r.octets, PNG);
    let r = get_anonyme(&app, "/t/charente-test/lieux").await;
    assert!(r
        .corps
        .contains("<img class=\"reperes-logo-local\" src=\"/t/charente-test/logo\" alt=\"\">"));
    // Retiré.
    let r = envoyer_logo(&mut adm, &id, &[("retirer", "oui")], None).await;
    assert_eq!(
        r.lieu.as_deref(),
        Some(format!("{page}?ok=logo-retire").as_str())
    );
    assert_eq!(
        get_anonyme(&app, "/t/charente-test/logo").await.code,
        StatusCode::NOT_FOUND
    );

    // Journal d'audit : création, deux modifications, deux changements de logo (les refus
    // n'écrivent rien), par l'administrateur.
    let j = store.journal_objet("version_locale", &id).await.unwrap();
    let actions: Vec<&str> = j.iter().map(|e| e.contenu.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "creer_version_locale",
            "modifier_version_locale",
            "modifier_version_locale",
            "changer_logo_version_locale",
            "changer_logo_version_locale"
        ]
    );
    assert!(
        j.iter()
            .all(|e| e.contenu.acteur.starts_with("administrateur:")),
        "{j:?}"
    );

    // Un instructeur n'administre pas les versions locales ; une personne anonyme est menée à
    // la connexion.
    let mut agent = commun::Client::new(&app);
    agent.connecter("agent@reperes.example", commun::MDP).await;
    assert_eq!(
        agent.get("/administration/versions-locales").await.code,
        StatusCode::FORBIDDEN
    );
    assert_eq!(agent.get(&page).await.code, StatusCode::FORBIDDEN);
    let mut anonyme = commun::Client::new(&app);
    let r = anonyme.get(&page).await;
    assert_eq!(r.code, StatusCode::SEE_OTHER);
    assert!(r.lieu.unwrap().starts_with("/connexion"));
});
