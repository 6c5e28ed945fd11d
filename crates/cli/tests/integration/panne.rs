//! Pannes franches : le processus `reperes serve` est tué (SIGKILL, sans rien pouvoir terminer)
//! au milieu d'un import de lieux, puis au milieu de décisions d'instruction, et relancé.
//!
//! Après chaque panne : le journal d'audit se vérifie (`reperes audit verify`) ; rien n'est gardé
//! à moitié (un import est entier ou absent, avec son entrée au journal ou sans ; chaque dossier est
//! dans l'état que dit son journal, avec son courriel s'il est décidé, sans s'il ne l'est pas) ; le
//! serveur relancé reprend le travail interrompu.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reperes_domain::comptes::Email;
use reperes_domain::{Etat, Role};
use reperes_store::test_support::{apprecier, catalogue_du_depot, mener_dossier, BaseDeTest};
use reperes_store::{Acteur, Backend, Store};

/// Mot de passe des comptes de démonstration (chargés par `serve` dans une base vide).
const MDP_DEMO: &str = "demo-reperes-2026";

/// Un dossier temporaire (fichiers, courriels et sortie des serveurs), effacé à la fin.
struct Repertoire(PathBuf);

impl Repertoire {
    fn nouveau() -> Repertoire {
        let d = std::env::temp_dir().join(format!("reperes-panne-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        Repertoire(d)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Repertoire {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Un `reperes serve` lancé comme en production, sur la base donnée.
struct Serveur {
    enfant: Child,
    url: String,
    journal: PathBuf,
}

impl Serveur {
    async fn demarrer(base: &str, dossier: &Path) -> Serveur {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let journal = dossier.join(format!("serveur-{port}.log"));
        let sortie = std::fs::File::create(&journal).unwrap();
        let enfant = Command::new(env!("CARGO_BIN_EXE_reperes"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env_remove("DATABASE_URL")
            .env("DATABASE_URL", base)
            .env("REPERES_FICHIERS", dossier.join("fichiers"))
            .env("REPERES_CLE_AUDIT", CLE_AUDIT)
            .env("REPERES_COURRIELS_DOSSIER", dossier.join("courriels"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(sortie.try_clone().unwrap())
            .stderr(sortie)
            .spawn()
            .expect("lancement de reperes serve");
        let s = Serveur {
            enfant,
            url: format!("http://127.0.0.1:{port}"),
            journal,
        };
        let http = reqwest::Client::new();
        let debut = Instant::now();
        loop {
            if let Ok(r) = http.get(format!("{}/sante", s.url)).send().await {
                if r.status().is_success() {
                    return s;
                }
            }
            assert!(
                debut.elapsed() < Duration::from_secs(90),
                "le serveur n'a pas démarré :\n{}",
                s.sortie()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn sortie(&self) -> String {
        std::fs::read_to_string(&self.journal).unwrap_or_default()
    }

    /// SIGKILL (c'est ce que fait `Child::kill` sous Unix), puis attente de la fin du processus.
    fn tuer(mut self) {
        self.enfant.kill().unwrap();
        self.enfant.wait().unwrap();
    }
}

impl Drop for Serveur {
    fn drop(&mut self) {
        let _ = self.enfant.kill();
        let _ = self.enfant.wait();
    }
}

/// Une session HTTP : cookie de session et jeton CSRF, comme un navigateur.
#[derive(Clone)]
struct Session {
    http: reqwest::Client,
    url: String,
    cookie: String,
    csrf: String,
}

impl Session {
    async fn ouvrir(url: &str, email: &str) -> Session {
        let mut s = Session {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            url: url.to_string(),
            cookie: String::new(),
            csrf: String::new(),
        };
        s.get("/connexion").await;
        let r = s
            .post(
                "/connexion",
                &[("email", email), ("mot_de_passe", MDP_DEMO)],
            )
            .await
            .unwrap();
        assert_eq!(r.0, 303, "connexion de {email} : {}", r.1);
        // Le jeton change avec la session (pas de fixation) : on le relit.
        s.get("/").await;
        s
    }

    fn absorber(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all(reqwest::header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            if let Some(c) = v.split(';').next() {
                self.cookie = c.to_string();
            }
        }
    }

    fn lire_jeton(&mut self, corps: &str) {
        let motif = "name=\"_csrf\" value=\"";
        if let Some(i) = corps.find(motif) {
            let debut = i + motif.len();
            let fin = corps[debut..].find('"').unwrap() + debut;
            self.csrf = corps[debut..fin].to_string();
        }
    }

    async fn get(&mut self, chemin: &str) -> (u16, String) {
        let r = self
            .http
            .get(format!("{}{chemin}", self.url))
            .header(reqwest::header::COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        self.absorber(&r);
        let code = r.status().as_u16();
        let corps = r.text().await.unwrap();
        self.lire_jeton(&corps);
        (code, corps)
    }

    /// POST d'un formulaire avec le jeton CSRF ; une erreur de transport (serveur tué) est rendue.
    async fn post(
        &mut self,
        chemin: &str,
        champs: &[(&str, &str)],
    ) -> Result<(u16, String), reqwest::Error> {
        let mut tous = champs.to_vec();
        tous.push(("_csrf", &self.csrf));
        let r = self
            .http
            .post(format!("{}{chemin}", self.url))
            .header(reqwest::header::COOKIE, &self.cookie)
            .form(&tous)
            .send()
            .await?;
        self.absorber(&r);
        let code = r.status().as_u16();
        Ok((code, r.text().await?))
    }
}

/// Clé du journal d'audit donnée au serveur et à `reperes audit verify`.
const CLE_AUDIT: &str = "cle-de-test-des-pannes-0123456789abcdef";

fn reperes(args: &[&str], base: &str) -> (bool, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_reperes"))
        .args(args)
        .env("DATABASE_URL", base)
        .env("REPERES_CLE_AUDIT", CLE_AUDIT)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// Le journal est intact : `reperes audit verify` réussit.
fn journal_verifie(base: &str) {
    let (ok, sortie) = reperes(&["audit", "verify"], base);
    assert!(ok, "journal d'audit invalide après la panne : {sortie}");
}

/// `n` lieux valides au schéma national : l'exemple du dépôt recopié, identifiants et noms
/// uniques, positions distinctes (pas de doublons probables).
fn fichier_de_lieux(n: usize) -> Vec<u8> {
    let exemple =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../donnees/lieux/exemple-valide-v1.0.2.csv");
    let mut lecteur = csv::Reader::from_path(exemple).unwrap();
    let entetes = lecteur.headers().unwrap().clone();
    let modele = lecteur.records().next().unwrap().unwrap();
    let colonne = |nom: &str| entetes.iter().position(|h| h == nom).unwrap();
    let (id, nom, lat, lon) = (
        colonne("id"),
        colonne("nom"),
        colonne("latitude"),
        colonne("longitude"),
    );
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&entetes).unwrap();
    for i in 0..n {
        let ligne: Vec<String> = modele
            .iter()
            .enumerate()
            .map(|(c, v)| match c {
                c if c == id => format!("panne-{i}"),
                c if c == nom => format!("Lieu de reprise {i}"),
                c if c == lat => format!("{:.5}", 43.0 + (i % 500) as f64 * 0.01),
                c if c == lon => format!("{:.5}", 1.0 + (i / 500) as f64 * 0.01),
                _ => v.to_string(),
            })
            .collect();
        w.write_record(&ligne).unwrap();
    }
    w.into_inner().unwrap()
}

async fn compter(store: &Store, requete: &str, valeur: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(requete)
        .bind(valeur)
        .fetch_one(store.pool())
        .await
        .unwrap();
    n
}

/// Le serveur est tué pendant l'écriture en base d'un import téléversé par un administrateur.
async fn panne_pendant_un_import(backend: Backend) {
    let base = BaseDeTest::nouvelle(backend).await;
    let dossier = Repertoire::nouveau();
    let serveur = Serveur::demarrer(&base.url, dossier.path()).await;
    let mut admin = Session::ouvrir(&serveur.url, "admin@demo.reperes.localhost").await;
    let avant = base.store.nombre_de_lieux().await.unwrap();
    assert!(avant > 0, "la démonstration importe des lieux");

    // L'import est en flux (issue 14) et l'écriture rapide : un gros fichier (près de 80 Mo, sous
    // la limite de 100 Mo de la page) pour tomber au milieu de la transaction.
    const N: usize = 40_000;
    admin.get("/administration/lieux").await;
    let formulaire = reqwest::multipart::Form::new()
        .text("_csrf", admin.csrf.clone())
        .text("mode", "strict")
        .text("version", "auto")
        .text("source", "panne")
        .part(
            "fichier",
            reqwest::multipart::Part::bytes(fichier_de_lieux(N))
                .file_name("panne.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
    let r = admin
        .http
        .post(format!("{}/administration/lieux", serveur.url))
        .header(reqwest::header::COOKIE, &admin.cookie)
        .multipart(formulaire)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().await.unwrap());
    let suivi = r.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    // On attend que l'écriture en base ait commencé (des paquets déjà écrits dans la transaction),
    // puis on tue.
    let debut = Instant::now();
    let fait = loop {
        let (_, json) = admin.get(&format!("{suivi}/etat.json")).await;
        let e: serde_json::Value = serde_json::from_str(&json).unwrap();
        let fait = e["fait"].as_u64().unwrap_or(0);
        // Étape unique de l'import en flux ; interrogé sans pause pour tomber au milieu.
        if e["etape"] == "Lecture, validation et enregistrement" && fait > 0 {
            break fait;
        }
        assert!(e["termine"] != true, "import fini avant la panne : {e}");
        assert!(debut.elapsed() < Duration::from_secs(300), "{e}");
    };
    serveur.tuer();
    eprintln!("{backend:?} : serveur tué après {fait} lieux écrits sur {N} (transaction en cours)");
    assert!(
        fait < N as u64,
        "la panne doit tomber au milieu de l'écriture"
    );

    // Rien de l'import interrompu : ni lieux, ni entrée au journal ; les lieux d'avant intacts.
    journal_verifie(&base.url);
    let ecrits = compter(
        &base.store,
        "SELECT COUNT(*) FROM lieux WHERE source = $1",
        "panne",
    )
    .await;
    assert_eq!(
        ecrits, 0,
        "{fait} lieux écrits avant la panne, {ecrits} gardés"
    );
    assert!(base
        .store
        .journal_objet("source_lieux", "panne")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(base.store.nombre_de_lieux().await.unwrap(), avant);

    // Relancé, le serveur répond, et le même import se fait en entier (ici par la ligne de commande).
    let serveur = Serveur::demarrer(&base.url, dossier.path()).await;
    let fichier = dossier.path().join("panne.csv");
    std::fs::write(&fichier, fichier_de_lieux(N)).unwrap();
    let (ok, sortie) = reperes(
        &[
            "lieux",
            "import",
            fichier.to_str().unwrap(),
            "--source",
            "panne",
        ],
        &base.url,
    );
    assert!(ok, "{sortie}");
    assert_eq!(
        base.store.nombre_de_lieux().await.unwrap(),
        avant + N as i64
    );
    let (code, _) = Session::ouvrir(&serveur.url, "admin@demo.reperes.localhost")
        .await
        .get("/lieux/panne/panne-7")
        .await;
    assert_eq!(code, 200, "{}", serveur.sortie());
    journal_verifie(&base.url);
    serveur.tuer();
    base.fin().await;
}

/// Le serveur est tué pendant que des décisions (labellisations, refus) sont en cours.
async fn panne_pendant_des_decisions(backend: Backend) {
    let base = BaseDeTest::nouvelle(backend).await;
    let dossier = Repertoire::nouveau();
    let serveur = Serveur::demarrer(&base.url, dossier.path()).await;

    // Des dossiers en instruction, pris en charge, tous critères appréciés : prêts à décider.
    // Écrits avec la clé du journal, comme le ferait la ligne de commande (sinon `audit verify`
    // signale, à raison, des entrées non scellées après des entrées scellées).
    let scelle = base.store.clone().avec_cle_audit(
        reperes_domain::audit::CleAudit::new(CLE_AUDIT.as_bytes().to_vec()).unwrap(),
    );
    const N: usize = 40;
    let catalogue = catalogue_du_depot();
    let agent = Acteur::new("agent", Role::Instructeur);
    let referentiel = catalogue
        .referentiels
        .iter()
        .find(|r| r.id == "nec-2022")
        .unwrap();
    let porteur = base
        .store
        .utilisateur_par_email(&Email::parse("porteur@demo.reperes.localhost").unwrap())
        .await
        .unwrap()
        .expect("compte de démonstration");
    let criteres: Vec<&str> = referentiel.criteres.iter().map(|c| c.id.as_str()).collect();
    let mut ids = Vec::new();
    for i in 0..N {
        let id = mener_dossier(
            &scelle,
            "nec-2022",
            &format!("panne{i}"),
            &format!("Outil {i}"),
            "numerique",
            "80000",
            "en_instruction",
            chrono::Utc::now(),
        )
        .await;
        // Le porteur de démonstration est membre de l'organisation : il recevra la décision.
        scelle
            .ajouter_membre(&agent, &format!("opanne{i}"), &porteur.id)
            .await
            .unwrap();
        apprecier(&scelle, &catalogue, &id, &agent, &criteres).await;
        ids.push(id);
    }
    let courriels_avant = base.store.courriels().await.unwrap().len();

    // Toutes les décisions envoyées à la fois ; le serveur est tué dès que le quart a abouti, les
    // autres en cours de traitement ou en attente de la base.
    let session = Session::ouvrir(&serveur.url, "instructeur@demo.reperes.localhost").await;
    let (premiere, mut recue) = tokio::sync::mpsc::channel::<()>(N);
    let mut taches = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let mut s = session.clone();
        let id = id.clone();
        let premiere = premiere.clone();
        taches.push(tokio::spawn(async move {
            let (action, champs): (&str, Vec<(&str, &str)>) = if i % 2 == 0 {
                (
                    "labelliser",
                    vec![("niveau", "1"), ("motif", "Conforme au référentiel.")],
                )
            } else {
                ("refuser", vec![("motif", "Critères non remplis.")])
            };
            let r = s
                .post(&format!("/dossiers/{id}/actions/{action}"), &champs)
                .await;
            if matches!(r, Ok((303, _))) {
                let _ = premiere.try_send(());
            }
            r.map(|(code, _)| code).ok()
        }));
    }
    drop(premiere);
    for _ in 0..N / 4 {
        recue.recv().await.expect("des décisions n'ont pas abouti");
    }
    serveur.tuer();
    let mut abouties = 0;
    for t in taches {
        if t.await.unwrap() == Some(303) {
            abouties += 1;
        }
    }
    assert!((1..=N).contains(&abouties));

    // Chaque dossier : décidé (état, décision, entrée au journal, courriel en file) ou intact
    // (en instruction, sans rien de tout cela) ; jamais entre les deux.
    journal_verifie(&base.url);
    let courriels = base.store.courriels().await.unwrap();
    let mut decides = 0;
    for (i, id) in ids.iter().enumerate() {
        let d = base.store.dossier(id).await.unwrap().unwrap();
        let journal = base.store.journal_objet("dossier", id).await.unwrap();
        let derniere = journal.last().unwrap();
        let lien = format!("/dossiers/{id}\n");
        let avec_courriel = courriels.iter().filter(|c| c.corps.contains(&lien)).count();
        let attendu = if i % 2 == 0 {
            (Etat::Labellise, "labelliser")
        } else {
            (Etat::Refuse, "refuser")
        };
        if d.etat == Etat::EnInstruction {
            assert!(d.decision.is_none(), "{id}");
            assert_ne!(derniere.contenu.action, attendu.1, "{id}");
            assert_eq!(avec_courriel, 0, "{id} : courriel sans décision");
        } else {
            assert_eq!(d.etat, attendu.0, "{id}");
            assert!(d.decision.is_some(), "{id}");
            assert_eq!(derniere.contenu.action, attendu.1, "{id}");
            let apres: serde_json::Value =
                serde_json::from_str(derniere.contenu.apres.as_deref().unwrap()).unwrap();
            assert_eq!(
                apres["etat"],
                d.etat.code(),
                "{id} : journal et état divergent"
            );
            assert_eq!(avec_courriel, 1, "{id} : décision sans son courriel");
            decides += 1;
        }
    }
    eprintln!(
        "{backend:?} : {N} décisions envoyées, {abouties} réponses reçues avant la panne, \
         {decides} gardées, {} dossiers restés en instruction",
        N - decides
    );
    assert!(
        decides >= abouties,
        "{abouties} réponses reçues, {decides} décisions gardées"
    );
    assert_eq!(
        courriels.len() - courriels_avant,
        decides,
        "un courriel par décision gardée"
    );

    // Relancé, le serveur reprend : les dossiers restés en instruction se décident.
    let serveur = Serveur::demarrer(&base.url, dossier.path()).await;
    let mut s = Session::ouvrir(&serveur.url, "instructeur@demo.reperes.localhost").await;
    for id in &ids {
        let d = base.store.dossier(id).await.unwrap().unwrap();
        if d.etat == Etat::EnInstruction {
            let (code, corps) = s
                .post(
                    &format!("/dossiers/{id}/actions/refuser"),
                    &[("motif", "Décidé après la reprise.")],
                )
                .await
                .unwrap();
            assert_eq!(code, 303, "{corps}");
            let d = base.store.dossier(id).await.unwrap().unwrap();
            assert_eq!(d.etat, Etat::Refuse);
        }
    }
    journal_verifie(&base.url);
    serveur.tuer();
    base.fin().await;
}

sur_les_deux_bases!(panne_pendant_un_import);

sur_les_deux_bases!(panne_pendant_des_decisions);
