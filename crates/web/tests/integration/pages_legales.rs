//! Pages légales et de confiance (issue 18) : mentions légales (depuis le fichier de l'instance),
//! données personnelles (cohérentes avec le schéma réel et les réglages réels), cookies (ceux
//! réellement envoyés), plan du site (chaque lien répond), « Signaler un problème » (CSRF,
//! erreurs rattachées, débit limité, courriel aux administrateurs, traitement qui efface
//! l'adresse, journal). Sur les deux bases, au niveau HTTP ; attendus écrits à la main.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use reperes_domain::comptes::RoleCompte;
use reperes_domain::donnees_personnelles::registre_complet;
use reperes_store::{deux_bases, Store};
use reperes_web::Config;
use tower::ServiceExt;

use crate::commun::{self, compte, Client, MDP};

const PAGES: [&str; 5] = [
    "/mentions-legales",
    "/donnees-personnelles",
    "/cookies",
    "/plan-du-site",
    "/signaler-un-probleme",
];

deux_bases!(pages_legales_avec_leur_contenu, |store: Store| async move {
    let app = commun::app(&store);
    let attendus: [(&str, &[&str]); 5] = [
        (
            "/mentions-legales",
            &[
                "<h1>Mentions légales</h1>",
                "Agence nationale de la cohésion des territoires (ANCT) — programme Société Numérique",
                "Le directeur général délégué au numérique de l&#39;ANCT",
                "Hébergeur de la démonstration (à remplacer)",
                "href=\"mailto:contact@reperes.example.org\"",
                "AGPL-3.0-or-later",
                "href=\"https://forge.example.org/reperes/reperes\"",
                "Licence Ouverte 2.0",
                "Système de Design de l'État (DSFR)",
                "Leaflet (licence BSD-2-Clause)",
                "Aucun fond de carte n'est chargé par ce site.",
            ],
        ),
        (
            "/donnees-personnelles",
            &[
                "<h1>Données personnelles</h1>",
                "href=\"mailto:dpd@reperes.example.org\"",
                "href=\"/compte/donnees\"",
                "Journal de sécurité",
                "365 jours (réglage REPERES_JOURNAL_SECURITE_JOURS), puis purge automatique.",
                "Limitation de débit",
                "« Signaler un problème »",
                "l&#39;adresse électronique est effacée dès qu&#39;il est marqué traité",
                "Contacts des lieux et des structures",
                "Rappels de fraîcheur des lieux",
                "Signalements d&#39;erreur et propositions de lieux",
                "<strong>Base légale :</strong>",
                "réclamation à la CNIL",
            ],
        ),
        (
            "/cookies",
            &[
                "<h1>Gestion des cookies</h1>",
                "<strong>strictement nécessaires</strong>",
                "n'affiche pas de bandeau",
                "<code>reperes_session</code>",
                "12 heures pour une personne connectée",
            ],
        ),
        (
            "/plan-du-site",
            &[
                "<h1>Plan du site</h1>",
                "<h2>Trouver de l&#39;aide près de chez soi</h2>",
                "<h2>Pages légales</h2>",
                "href=\"/lieux\"",
                "href=\"/signaler-un-probleme\"",
            ],
        ),
        (
            "/signaler-un-probleme",
            &[
                "<h1>Signaler un problème</h1>",
                "<option value=\"accessibilite\">Accessibilité : un contenu ou une fonction que je ne peux pas utiliser</option>",
                "<option value=\"autre\">Autre</option>",
                "name=\"message\"",
                "Aucun compte n&#39;est nécessaire.",
            ],
        ),
    ];
    for (chemin, morceaux) in attendus {
        let r = Client::new(&app).get(chemin).await;
        assert_eq!(r.code, StatusCode::OK, "{chemin}");
        for m in morceaux {
            assert!(r.corps.contains(m), "{chemin} : « {m} » manque");
        }
    }

    // Thème neutre : pas de crédit du DSFR. Une instance remplacée (REPERES_INSTANCE) : ses
    // valeurs, et une carte configurée : la mention de son fournisseur.
    let mut config = Config::pour_tests();
    config.theme = reperes_web::Theme::Neutre;
    let autre = reperes_domain::instance::INSTANCE_TOML
        .replace(
            "Hébergeur de la démonstration (à remplacer)",
            "Hébergeur Exemple SAS",
        )
        .replace("dpd@reperes.example.org", "protection@collectivite.example");
    config.instance = Arc::new(reperes_domain::instance::lire(&autre, "autre.toml").unwrap());
    config.tuiles = reperes_web::Tuiles::lire(
        Some("https://tuiles.example/{z}/{x}/{y}.png"),
        Some("© Contributeurs OpenStreetMap"),
    )
    .unwrap();
    let neutre = commun::app_avec(&store, config);
    let r = Client::new(&neutre).get("/mentions-legales").await;
    assert!(r.corps.contains("Hébergeur Exemple SAS"));
    assert!(!r.corps.contains("Système de Design de l'État"));
    assert!(r
        .corps
        .contains("Fonds de carte : © Contributeurs OpenStreetMap."));
    let r = Client::new(&neutre).get("/donnees-personnelles").await;
    assert!(r
        .corps
        .contains("href=\"mailto:protection@collectivite.example\""));
});

// ---------- Signaler un problème ----------

async fn envoyer(c: &mut Client, champs: &[(&str, &str)]) -> commun::Rep {
    c.post("/signaler-un-probleme", champs, None).await
}

deux_bases!(
    signaler_un_probleme_sans_compte,
    |store: Store| async move {
        let app = commun::app(&store);
        compte(&store, "admin@reperes.example", RoleCompte::Administrateur).await;
        compte(&store, "admin2@reperes.example", RoleCompte::Administrateur).await;
        compte(&store, "a@org-a.example", RoleCompte::Demandeur).await;

        // Pré-remplissage : chemin local et sujet connus seulement.
        let mut c = Client::new(&app);
        let r = c
            .get("/signaler-un-probleme?page=%2Flieux%3Fq%3Dcafe&sujet=accessibilite")
            .await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains("value=\"/lieux?q=cafe\""), "{}", r.corps);
        assert!(r
            .corps
            .contains("<option value=\"accessibilite\" selected>"));
        let r = Client::new(&app)
            .get("/signaler-un-probleme?page=https%3A%2F%2Fpiege.example%2F&sujet=inconnu")
            .await;
        assert!(!r.corps.contains("piege.example"));
        assert!(!r
            .corps
            .contains("<option value=\"accessibilite\" selected>"));
        assert!(!c.csrf.is_empty(), "jeton du formulaire anonyme");

        let valide = [
            ("sujet", "accessibilite"),
            ("page", "/lieux"),
            (
                "message",
                "Le filtre des services n'est pas utilisable au clavier.",
            ),
            ("email", "personne@exemple.fr"),
        ];
        // Sans jeton : refusé, rien d'enregistré.
        let r = c.post("/signaler-un-probleme", &valide, Some("")).await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);
        assert!(store.problemes(50).await.unwrap().0.is_empty());
        // Erreurs rattachées aux champs, saisie gardée.
        let r = envoyer(
            &mut c,
            &[
                ("sujet", ""),
                ("page", "https://ailleurs.example/"),
                ("message", "   "),
                ("email", "pas-une-adresse"),
            ],
        )
        .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        for m in [
            "Choisissez le sujet du problème.",
            "Indiquez l&#39;adresse d&#39;une page de ce site",
            "Décrivez le problème en quelques mots.",
            "Cette adresse électronique n&#39;est pas valide",
            "value=\"https://ailleurs.example/\"",
            "value=\"pas-une-adresse\"",
        ] {
            assert!(r.corps.contains(m), "« {m} » manque");
        }
        assert!(r.corps.contains("aria-describedby"), "erreurs rattachées");
        assert!(store.problemes(50).await.unwrap().0.is_empty());

        // Accepté : accusé à l'écran, en base, un courriel à chaque administrateur (sans le message
        // ni l'adresse), journal sans le message.
        let r = envoyer(&mut c, &valide).await;
        assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
        assert!(r.corps.contains("Signalement envoyé"));
        assert!(r
            .corps
            .contains("Nous vous répondrons à l&#39;adresse que vous avez donnée"));
        let (a_traiter, _) = store.problemes(50).await.unwrap();
        assert_eq!(a_traiter.len(), 1);
        let p = &a_traiter[0];
        assert_eq!(
            (p.sujet.as_str(), p.page.as_deref(), p.email.as_deref()),
            ("accessibilite", Some("/lieux"), Some("personne@exemple.fr"))
        );
        assert_eq!(
            p.message,
            "Le filtre des services n'est pas utilisable au clavier."
        );
        let courriels = store.courriels().await.unwrap();
        let destinataires: BTreeSet<&str> = courriels
            .iter()
            .filter(|c| c.sujet == "Repères (démonstration) : problème signalé")
            .map(|c| c.destinataire.as_str())
            .collect();
        assert_eq!(
            destinataires,
            BTreeSet::from(["admin2@reperes.example", "admin@reperes.example"])
        );
        for c in &courriels {
            assert!(!c.corps.contains("personne@exemple.fr"));
            assert!(!c.corps.contains("clavier"));
        }
        assert!(courriels[0]
            .corps
            .contains("http://localhost:8080/administration/problemes"));
        let journal = store
            .journal_objet("probleme_signale", &p.id)
            .await
            .unwrap();
        assert_eq!(journal.len(), 1);
        assert_eq!(journal[0].contenu.action, "signaler_probleme");
        assert_eq!(journal[0].contenu.acteur, "systeme:public");
        let trace = format!("{:?}", journal[0].contenu);
        assert!(!trace.contains("personne@exemple.fr") && !trace.contains("clavier"));

        // Débit : 5 par heure et par adresse ; le 6e est refusé (429), la saisie gardée.
        for _ in 0..4 {
            let r = envoyer(&mut c, &[("sujet", "autre"), ("message", "Encore.")]).await;
            assert_eq!(r.code, StatusCode::OK);
        }
        let r = envoyer(&mut c, &[("sujet", "autre"), ("message", "Un de trop.")]).await;
        assert_eq!(r.code, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.corps.contains("patientez 60 minutes"));
        assert!(r.corps.contains(">Un de trop.</textarea>"));
        assert_eq!(store.problemes(50).await.unwrap().0.len(), 5);

        // Administration : la liste (administrateurs seulement), marquer traité efface l'adresse.
        let mut demandeur = Client::new(&app);
        demandeur.connecter("a@org-a.example", MDP).await;
        assert_eq!(
            demandeur.get("/administration/problemes").await.code,
            StatusCode::FORBIDDEN
        );
        let mut admin = Client::new(&app);
        assert_eq!(
            admin.connecter("admin@reperes.example", MDP).await.code,
            StatusCode::SEE_OTHER
        );
        let r = admin.get("/administration/problemes").await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r
            .corps
            .contains("Le filtre des services n&#39;est pas utilisable au clavier."));
        assert!(r.corps.contains("href=\"mailto:personne@exemple.fr\""));
        assert!(r
            .corps
            .contains("Accessibilité : un contenu ou une fonction"));
        let action = format!("/administration/problemes/{}", p.id);
        assert!(r.corps.contains(&format!("action=\"{action}\"")));
        let r = admin.post(&action, &[], Some("")).await;
        assert_eq!(r.code, StatusCode::FORBIDDEN, "sans jeton");
        let r = admin.post(&action, &[], None).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        assert_eq!(r.lieu.as_deref(), Some("/administration/problemes"));
        let traite = store.probleme(&p.id).await.unwrap().unwrap();
        assert!(traite.traite());
        assert_eq!(traite.email, None, "adresse effacée");
        assert!(traite.traite_le.is_some() && traite.traite_par.is_some());
        let journal = store
            .journal_objet("probleme_signale", &p.id)
            .await
            .unwrap();
        assert_eq!(journal.len(), 2);
        assert_eq!(journal[1].contenu.action, "traiter_probleme");
        // Déjà traité : refus clair ; inconnu : 404.
        let r = admin.post(&action, &[], None).await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert!(r.corps.contains("déjà marqué traité"));
        let r = admin
            .post("/administration/problemes/inconnu", &[], None)
            .await;
        assert_eq!(r.code, StatusCode::NOT_FOUND);
        let r = admin.get("/administration/problemes").await;
        assert!(!r.corps.contains("personne@exemple.fr"));
        assert!(r.corps.contains("Derniers traités"));
    }
);

// ---------- Données personnelles ↔ schéma et réglages réels ----------

/// Colonnes dont le nom dit une donnée personnelle (écrit à la main) : adresse électronique,
/// nom, adresse IP, navigateur, téléphone, empreinte de mot de passe.
fn nom_personnel(colonne: &str) -> bool {
    matches!(
        colonne,
        "email"
            | "nom"
            | "destinataire"
            | "ip"
            | "user_agent"
            | "telephone"
            | "courriel"
            | "hash_mot_de_passe"
    ) || colonne.ends_with("_email")
        || colonne.contains("telephone")
}

/// Tables dont la colonne `nom` ne désigne pas une personne (écrit à la main ; une nouvelle table
/// avec un `nom` fait échouer le test tant qu'on n'a pas décidé).
const NOMS_NON_PERSONNELS: [&str; 5] = [
    "organisations",
    "dispositifs",
    "lieux",
    "compteurs",
    "versions_locales",
];

/// Colonnes personnelles que leur nom ne dit pas (écrit à la main).
const AUTRES_PERSONNELLES: [&str; 6] = [
    "compteurs_debit.cle",
    "journal_securite.compte",
    "audit.acteur",
    "messages.corps",
    "courriels.corps",
    "problemes_signales.message",
];

/// Le nombre écrit après `motif` dans `source` (`default_value_t = 365`…).
fn nombre_apres(source: &str, repere: &str, motif: &str) -> i64 {
    let i = source.find(repere).unwrap_or_else(|| panic!("{repere}"));
    let reste = &source[i..];
    let j = reste.find(motif).unwrap() + motif.len();
    reste[j..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

deux_bases!(
    les_traitements_couvrent_le_schema_reel,
    |store: Store| async move {
        let schema = store.schema().await.unwrap();
        let reelles: BTreeSet<String> = schema
            .colonnes
            .iter()
            .filter(|c| !c.table.starts_with("_sqlx"))
            .map(|c| format!("{}.{}", c.table, c.nom))
            .collect();
        let registre = registre_complet();
        let declarees: BTreeSet<String> = registre
            .traitements
            .iter()
            .flat_map(|t| t.colonnes.iter().cloned())
            .collect();
        // Chaque colonne déclarée existe.
        let inconnues: Vec<&String> = declarees.difference(&reelles).collect();
        assert!(
            inconnues.is_empty(),
            "colonnes déclarées absentes du schéma : {inconnues:?}"
        );
        // Chaque colonne personnelle du schéma est déclarée par un traitement.
        let personnelles: BTreeSet<String> = schema
            .colonnes
            .iter()
            .filter(|c| {
                nom_personnel(&c.nom)
                    && !(c.nom == "nom" && NOMS_NON_PERSONNELS.contains(&c.table.as_str()))
            })
            .map(|c| format!("{}.{}", c.table, c.nom))
            .chain(AUTRES_PERSONNELLES.iter().map(|s| s.to_string()))
            .collect();
        assert!(personnelles.contains("utilisateurs.email"));
        assert!(personnelles.contains("journal_securite.ip"));
        assert!(personnelles.contains("problemes_signales.email"));
        let orphelines: Vec<&String> = personnelles.difference(&declarees).collect();
        assert!(
            orphelines.is_empty(),
            "colonnes personnelles sans traitement dans donnees/donnees-personnelles.toml : {orphelines:?}"
        );

        // Les durées annoncées sont les réglages réels.
        let duree = |code: &str| {
            let t = registre
                .traitements
                .iter()
                .find(|t| t.code == code)
                .unwrap();
            (t.duree_heures, t.duree_jours)
        };
        let cli = include_str!("../../../cli/src/main.rs");
        assert_eq!(
            duree("journal_securite"),
            (
                None,
                Some(nombre_apres(
                    cli,
                    "\"REPERES_JOURNAL_SECURITE_JOURS\"",
                    "default_value_t = "
                ))
            )
        );
        assert_eq!(duree("journal_securite").1, Some(365));
        assert_eq!(
            duree("comptes"),
            (
                None,
                Some(nombre_apres(
                    cli,
                    "\"REPERES_COMPTES_DORMANTS_JOURS\"",
                    "default_value_t = "
                ))
            )
        );
        let taches = include_str!("../../src/commun/taches.rs");
        assert_eq!(
            duree("limitation_debit").1,
            Some(nombre_apres(
                taches,
                "purger_tentatives(",
                "Duration::days("
            ))
        );
        // Session connectée : la durée du cookie posé à la connexion.
        compte(&store, "a@org-a.example", RoleCompte::Demandeur).await;
        let app = commun::app(&store);
        let mut c = Client::new(&app);
        c.get("/connexion").await;
        let (_, entetes) = requete(
            &app,
            Request::post("/connexion")
                .header(
                    header::COOKIE,
                    format!("reperes_session={}", c.cookie.clone().unwrap()),
                )
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(
                    serde_urlencoded::to_string([
                        ("email", "a@org-a.example"),
                        ("mot_de_passe", MDP),
                        ("_csrf", c.csrf.as_str()),
                    ])
                    .unwrap(),
                ))
                .unwrap(),
        )
        .await;
        let max_age = entetes
            .iter()
            .find_map(|v| v.split("Max-Age=").nth(1))
            .map(|x| x.split(';').next().unwrap().parse::<i64>().unwrap())
            .expect("cookie de session posé à la connexion");
        assert_eq!(duree("sessions").0.map(|h| h * 3600), Some(max_age));
        assert_eq!(max_age, 12 * 3600);
    }
);

// ---------- Cookies ↔ Set-Cookie ----------

/// Envoie une requête, rend le code et les en-têtes `Set-Cookie`.
async fn requete(app: &Router, req: Request<Body>) -> (StatusCode, Vec<String>) {
    let r = app.clone().oneshot(req).await.unwrap();
    let code = r.status();
    let cookies = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let _ = r.into_body().collect().await;
    (code, cookies)
}

deux_bases!(
    les_cookies_envoyes_sont_declares,
    |store: Store| async move {
        compte(&store, "a@org-a.example", RoleCompte::Demandeur).await;
        let app = commun::app(&store);
        let mut envoyes: Vec<String> = Vec::new();
        // Pages sans compte, formulaires anonymes.
        for chemin in [
            "/",
            "/lieux",
            "/connexion",
            "/inscription",
            "/signaler-un-probleme",
            "/lieux/proposer",
            "/cookies",
        ] {
            let (code, c) = requete(&app, Request::get(chemin).body(Body::empty()).unwrap()).await;
            assert_eq!(code, StatusCode::OK, "{chemin}");
            envoyes.extend(c);
        }
        // Connexion puis déconnexion.
        let mut c = Client::new(&app);
        c.get("/connexion").await;
        let cookie = format!("reperes_session={}", c.cookie.clone().unwrap());
        let (_, poses) = requete(
            &app,
            Request::post("/connexion")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(
                    serde_urlencoded::to_string([
                        ("email", "a@org-a.example"),
                        ("mot_de_passe", MDP),
                        ("_csrf", c.csrf.as_str()),
                    ])
                    .unwrap(),
                ))
                .unwrap(),
        )
        .await;
        assert!(!poses.is_empty(), "la connexion pose un cookie");
        envoyes.extend(poses.clone());
        let session = poses[0].split(';').next().unwrap().to_string();
        let mut connecte = Client::new(&app);
        connecte.cookie = Some(session.trim_start_matches("reperes_session=").to_string());
        connecte.get("/espace").await;
        let (_, c2) = requete(
            &app,
            Request::post("/deconnexion")
                .header(header::COOKIE, &session)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(
                    serde_urlencoded::to_string([("_csrf", connecte.csrf.as_str())]).unwrap(),
                ))
                .unwrap(),
        )
        .await;
        envoyes.extend(c2);
        let noms: BTreeSet<String> = envoyes
            .iter()
            .map(|v| v.split('=').next().unwrap().trim().to_string())
            .collect();
        let declares: BTreeSet<String> = registre_complet()
            .cookies
            .iter()
            .map(|c| c.nom.clone())
            .collect();
        assert_eq!(
            noms, declares,
            "cookies envoyés ≠ cookies déclarés (/cookies)"
        );
        assert_eq!(noms, BTreeSet::from(["reperes_session".to_string()]));
        // Aucun n'est lisible par un script, aucun ne dure plus que ce qui est annoncé.
        let max_heures = registre_complet().cookies[0].duree_heures;
        for v in &envoyes {
            assert!(v.contains("HttpOnly") && v.contains("SameSite=Lax"), "{v}");
            let age: i64 = v
                .split("Max-Age=")
                .nth(1)
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!(age <= max_heures * 3600, "{v}");
        }
    }
);

// ---------- Plan du site ----------

/// Les `href` locaux du contenu principal (entre `<main` et `</main>`).
fn liens_du_contenu(corps: &str) -> Vec<String> {
    let debut = corps.find("<main").unwrap();
    let fin = corps.find("</main>").unwrap();
    corps[debut..fin]
        .split("href=\"")
        .skip(1)
        .map(|x| x[..x.find('"').unwrap()].replace("&amp;", "&"))
        .filter(|h| h.starts_with('/'))
        .collect()
}

deux_bases!(
    le_plan_du_site_mene_a_chaque_page,
    |store: Store| async move {
        let app = commun::app(&store);
        let r = Client::new(&app).get("/plan-du-site").await;
        assert_eq!(r.code, StatusCode::OK);
        let liens = liens_du_contenu(&r.corps);
        for attendu in [
            "/",
            "/lieux",
            "/orientation",
            "/lieux/proposer",
            "/registre",
            "/statistiques",
            "/chartes",
            "/territoires",
            "/donnees",
            "/inscription",
            "/connexion",
            "/aide",
            "/signaler-un-probleme",
            "/accessibilite",
            "/mentions-legales",
            "/donnees-personnelles",
            "/cookies",
            "/plan-du-site",
        ] {
            assert!(
                liens.iter().any(|l| l == attendu),
                "{attendu} manque au plan du site"
            );
        }
        for l in &liens {
            let code = commun::get_anonyme(&app, l).await.code;
            assert_eq!(code, StatusCode::OK, "lien du plan du site : {l}");
        }
    }
);

// ---------- Pied de page ----------

deux_bases!(
    chaque_page_legale_lie_les_autres,
    |store: Store| async move {
        let app = commun::app(&store);
        for chemin in PAGES {
            let r = commun::get_anonyme(&app, chemin).await;
            for lien in [
                "/plan-du-site",
                "/accessibilite",
                "/mentions-legales",
                "/donnees-personnelles",
                "/cookies",
            ] {
                assert!(
                    r.corps.contains(&format!("href=\"{lien}\"")),
                    "{chemin} : lien {lien} manque au pied de page"
                );
            }
        }
    }
);
