//! Données partagées par les tests du crate web.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use reperes_domain::comptes::RoleCompte;
use reperes_domain::lieux::{lire, valider_lot, Format};
use reperes_domain::organisation::{Adresse, Dispositif, Organisation};
use reperes_domain::{Dossier, Role};
use reperes_store::test_support::catalogue_du_depot;
use reperes_store::Utilisateur;
use reperes_store::{Acteur, Store};
use reperes_web::{application, auth, Config, Etat};
use tower::ServiceExt;

pub use reperes_store::test_support::{mener_dossier, titulaire};

/// L'application de test : catalogue des référentiels du dépôt, configuration de test.
pub fn app(store: &Store) -> Router {
    app_avec(store, Config::pour_tests())
}

/// L'application de test avec une configuration choisie.
pub fn app_avec(store: &Store, config: Config) -> Router {
    application(Etat::new(store.clone(), catalogue_du_depot(), config).unwrap())
}

/// Une réponse lue jusqu'au bout : code, en-têtes, corps (en octets et en texte).
pub struct Reponse {
    pub code: StatusCode,
    pub entetes: HeaderMap,
    pub octets: Vec<u8>,
    pub corps: String,
}

impl Reponse {
    /// L'en-tête Content-Type (vide s'il manque).
    pub fn type_contenu(&self) -> String {
        self.entetes
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

/// GET sans cookie.
pub async fn get_anonyme(app: &Router, chemin: &str) -> Reponse {
    get_avec_entetes(app, chemin, &[]).await
}

/// GET sans cookie, avec des en-têtes de requête en plus.
pub async fn get_avec_entetes(app: &Router, chemin: &str, extra: &[(&str, &str)]) -> Reponse {
    let mut req = Request::get(chemin);
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let r = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let code = r.status();
    let entetes = r.headers().clone();
    let octets = r.into_body().collect().await.unwrap().to_bytes().to_vec();
    let corps = String::from_utf8_lossy(&octets).into_owned();
    Reponse {
        code,
        entetes,
        octets,
        corps,
    }
}

/// Mot de passe des comptes de test.
pub const MDP: &str = "correct cheval pile agrafe";

/// Un navigateur minimal : garde le cookie de session, lit le jeton CSRF des pages.
pub struct Client {
    pub app: Router,
    pub cookie: Option<String>,
    pub csrf: String,
}

pub struct Rep {
    pub code: StatusCode,
    pub lieu: Option<String>,
    pub corps: String,
}

impl Client {
    pub fn new(app: &Router) -> Client {
        Client {
            app: app.clone(),
            cookie: None,
            csrf: String::new(),
        }
    }

    pub async fn envoyer(&mut self, req: Request<Body>) -> Rep {
        let r = self.app.clone().oneshot(req).await.unwrap();
        for v in r.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let valeur = v
                .split(';')
                .next()
                .unwrap()
                .trim_start_matches("reperes_session=")
                .to_string();
            assert!(
                v.contains("HttpOnly") && v.contains("SameSite=Lax") && v.contains("Secure"),
                "{v}"
            );
            self.cookie = Some(valeur).filter(|x| !x.is_empty());
        }
        let code = r.status();
        let lieu = r
            .headers()
            .get(header::LOCATION)
            .map(|x| x.to_str().unwrap().to_string());
        let corps = String::from_utf8_lossy(&r.into_body().collect().await.unwrap().to_bytes())
            .into_owned();
        if let Some(i) = corps.find("name=\"_csrf\" value=\"") {
            let debut = i + "name=\"_csrf\" value=\"".len();
            let fin = corps[debut..].find('"').unwrap() + debut;
            if fin > debut {
                self.csrf = corps[debut..fin].to_string();
            }
        }
        Rep { code, lieu, corps }
    }

    pub fn avec_cookie(&self, b: axum::http::request::Builder) -> axum::http::request::Builder {
        match &self.cookie {
            Some(c) => b.header(header::COOKIE, format!("reperes_session={c}")),
            None => b,
        }
    }

    pub async fn get(&mut self, chemin: &str) -> Rep {
        let req = self
            .avec_cookie(Request::get(chemin))
            .body(Body::empty())
            .unwrap();
        self.envoyer(req).await
    }

    /// POST d'un formulaire ; le jeton CSRF courant est ajouté sauf si `csrf` est fourni.
    pub async fn post(&mut self, chemin: &str, champs: &[(&str, &str)], csrf: Option<&str>) -> Rep {
        let mut tous: Vec<(&str, &str)> = champs.to_vec();
        let jeton = csrf
            .map(str::to_string)
            .unwrap_or_else(|| self.csrf.clone());
        tous.push(("_csrf", &jeton));
        let corps = serde_urlencoded::to_string(&tous).unwrap();
        let req = self
            .avec_cookie(Request::post(chemin))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(corps))
            .unwrap();
        self.envoyer(req).await
    }

    pub async fn connecter(&mut self, email: &str, mdp: &str) -> Rep {
        self.get("/connexion").await;
        self.post(
            "/connexion",
            &[("email", email), ("mot_de_passe", mdp)],
            None,
        )
        .await
    }

    /// Affiche le formulaire d'inscription puis l'envoie (nom, adresse, mot de passe).
    pub async fn inscrire(&mut self, nom: &str, email: &str, mdp: &str) -> Rep {
        self.get("/inscription").await;
        self.post(
            "/inscription",
            &[("nom", nom), ("email", email), ("mot_de_passe", mdp)],
            None,
        )
        .await
    }

    /// Affiche le formulaire « mot de passe oublié » puis l'envoie pour l'adresse donnée.
    pub async fn mot_de_passe_oublie(&mut self, email: &str) -> Rep {
        self.get("/mot-de-passe-oublie").await;
        self.post("/mot-de-passe-oublie", &[("email", email)], None)
            .await
    }
}

pub async fn compte(store: &Store, email: &str, role: RoleCompte) -> Utilisateur {
    let u = Utilisateur {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.into(),
        nom: format!("Nom de {email}"),
        role,
        hash_mot_de_passe: Some(auth::hacher(MDP).unwrap()),
        email_verifie: true,
        actif: true,
    };
    enregistrer(store, &u).await;
    u
}

/// Enregistre un compte (acteur « test », système).
pub async fn enregistrer(store: &Store, u: &Utilisateur) {
    store
        .creer_utilisateur(&Acteur::new("test", Role::Systeme), u)
        .await
        .unwrap();
}

/// Importe des fichiers de `donnees/lieux` (nom du fichier, source), chacun valide, par le store.
pub async fn importer_lieux(store: &Store, fichiers: &[(&str, &str)]) {
    let dossier = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../donnees/lieux");
    for (nom, source) in fichiers {
        let octets = std::fs::read(dossier.join(nom)).unwrap();
        importer_octets(store, source, &octets, Format::depuis_nom(nom).unwrap()).await;
    }
}

/// Importe des lieux écrits en CSV dans le test (valides au schéma national), par le store.
pub async fn importer_csv(store: &Store, source: &str, csv: &str) {
    importer_octets(store, source, csv.as_bytes(), Format::Csv).await;
}

async fn importer_octets(store: &Store, source: &str, octets: &[u8], format: Format) {
    let lot = lire(octets, format).unwrap();
    assert!(valider_lot(&reperes_domain::lieux::schema_national(), &lot).is_empty());
    store
        .importer_lieux(
            &Acteur::new("test", Role::Systeme),
            source,
            &lot,
            &|_, _| {},
        )
        .await
        .unwrap();
}

pub fn multipart(champs: &[(&str, &str)], fichier: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let frontiere = "----reperes-test";
    let mut corps = Vec::new();
    // Le jeton anti-CSRF en premier champ, comme dans les formulaires du site : le serveur le
    // contrôle avant de lire la suite.
    let (jeton, autres): (Vec<_>, Vec<_>) = champs.iter().partition(|(k, _)| *k == "_csrf");
    for (k, v) in jeton.into_iter().chain(autres) {
        corps.extend(
            format!("--{frontiere}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((nom, octets)) = fichier {
        corps.extend(format!("--{frontiere}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"{nom}\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
        corps.extend(octets);
        corps.extend(b"\r\n");
    }
    corps.extend(format!("--{frontiere}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={frontiere}"), corps)
}

/// POST multipart (champs texte seulement) avec le jeton CSRF courant.
pub async fn post_multipart(c: &mut Client, chemin: &str, champs: &[(&str, &str)]) -> Rep {
    let csrf = c.csrf.clone();
    let mut tous = champs.to_vec();
    tous.push(("_csrf", &csrf));
    let (ct, corps) = multipart(&tous, None);
    let req = c
        .avec_cookie(Request::post(chemin))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(corps))
        .unwrap();
    c.envoyer(req).await
}

/// Les objets d'un demandeur `u` : organisation `org-{suffixe}` dont il est membre, dispositif
/// `disp-{suffixe}`, brouillon NEC 2022 `dossier-{suffixe}` et une pièce `fichier-{suffixe}`
/// (son contenu est écrit dans `stockage` si on le donne). Rend (organisation, dossier, fichier).
pub async fn objets_de(
    store: &Store,
    u: &Utilisateur,
    suffixe: &str,
    stockage: Option<&dyn reperes_web::stockage::Stockage>,
) -> (String, String, String) {
    let c = catalogue_du_depot();
    let r = c.referentiels.iter().find(|r| r.id == "nec-2022").unwrap();
    let o = Organisation {
        id: format!("org-{suffixe}"),
        nom: format!("Organisation {suffixe}"),
        type_organisation: "association".into(),
        siret: None,
        rna: Some(reperes_domain::identifiants::Rna::parse("W802001234").unwrap()),
        adresse: Adresse {
            voie: "1 rue".into(),
            code_postal: "80000".into(),
            commune: "Amiens".into(),
        },
    };
    // Comme le web : le journal désigne le compte par son identifiant.
    let acteur = Acteur::new(&u.id, Role::Demandeur);
    store.creer_organisation(&acteur, &o).await.unwrap();
    store.ajouter_membre(&acteur, &o.id, &u.id).await.unwrap();
    let d = Dispositif {
        id: format!("disp-{suffixe}"),
        organisation_id: o.id.clone(),
        nom: "Kit".into(),
        type_dispositif: "numerique".into(),
        description: String::new(),
        site: None,
    };
    store.creer_dispositif(&acteur, &d).await.unwrap();
    let dossier = Dossier::nouveau(format!("dossier-{suffixe}"), r, &o, &d, 1).unwrap();
    store.creer_dossier(&acteur, &dossier).await.unwrap();
    let contenu = b"%PDF";
    let f = reperes_store::Fichier {
        id: format!("fichier-{suffixe}"),
        dossier_id: dossier.id.clone(),
        nom: "a.pdf".into(),
        type_mime: "application/pdf".into(),
        taille: contenu.len() as i64,
        sha256: "x".into(),
        cle_stockage: format!("fichier-{suffixe}"),
        depose_par: u.id.clone(),
    };
    if let Some(s) = stockage {
        s.ecrire(&f.cle_stockage, contenu).unwrap();
    }
    store.enregistrer_fichier(&acteur, &f).await.unwrap();
    (o.id, dossier.id, f.id)
}

/// Téléverse un fichier de lieux sur la page d'administration (jeton CSRF courant).
pub async fn televerser_lieux(
    c: &mut Client,
    nom: &str,
    contenu: &[u8],
    champs: &[(&str, &str)],
) -> Rep {
    let csrf = c.csrf.clone();
    let mut tous = champs.to_vec();
    tous.push(("_csrf", &csrf));
    let (ct, corps) = multipart(&tous, Some((nom, contenu)));
    let req = c
        .avec_cookie(Request::post("/administration/lieux"))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(corps))
        .unwrap();
    c.envoyer(req).await
}

/// Attend la fin d'un import lancé depuis la page d'administration ; rend la page de suivi.
pub async fn attendre_import(c: &mut Client, suivi: &str) -> String {
    for _ in 0..200 {
        let r = c.get(suivi).await;
        assert_eq!(r.code, StatusCode::OK);
        if !r.corps.contains("<progress") {
            return r.corps;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import non terminé");
}

/// Le texte visible du contenu principal (`<main>`) : balises retirées, entités courantes
/// décodées, blancs réduits.
pub fn texte_visible(corps: &str) -> String {
    let debut = corps.find("<main").expect("<main>");
    let fin = corps.find("</main>").expect("</main>");
    let mut texte = String::new();
    let mut dans_balise = false;
    for c in corps[debut..fin].chars() {
        match c {
            '<' => dans_balise = true,
            '>' => {
                dans_balise = false;
                texte.push(' ');
            }
            c if !dans_balise => texte.push(c),
            _ => {}
        }
    }
    texte
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
