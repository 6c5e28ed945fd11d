//! Envois de fichiers (multipart) : contrôles avant lecture du corps, lecture en flux, plafond
//! d'envois simultanés ; pièces jointes des notes privées.
//!
//! Les corps sont envoyés en flux par morceaux de 4 Ko dans un canal d'un morceau : le compteur
//! des octets envoyés borne ce que le serveur a lu (à un morceau près).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::{BodyExt, Channel};
use reperes_domain::comptes::RoleCompte;
use reperes_store::{deux_bases, Store};
use reperes_web::stockage::TAILLE_MAX;
use reperes_web::Config;
use tokio::sync::oneshot;
use tower::ServiceExt;

use crate::commun::{app_avec, compte, multipart, objets_de, Client, MDP};

const MORCEAU: usize = 4 * 1024;
const MO: usize = 1024 * 1024;
const FRONTIERE: &str = "----reperes-flux";
/// Ce qu'un envoi refusé avant la lecture de son fichier peut avoir fait lire : les champs lus
/// avant le refus, plus ce que le lecteur multipart a pris d'avance (il prend tout ce qui est
/// déjà arrivé, selon l'ordonnancement des deux tâches : quelques morceaux d'habitude, davantage
/// sous charge). Très loin des 15 à 40 Mo envoyés.
const LU_AVANT_REFUS: usize = 64 * MORCEAU;

/// Un envoi en flux : la requête, le compteur des octets acceptés par le serveur, la tâche qui
/// alimente le corps.
struct EnFlux {
    req: Request<Body>,
    envoyes: Arc<AtomicUsize>,
    tache: tokio::task::JoinHandle<()>,
}

/// Pause de l'alimentation : après `apres` octets, prévient par `arrete`, attend `reprendre`.
struct Pause {
    apres: usize,
    arrete: oneshot::Sender<()>,
    reprendre: oneshot::Receiver<()>,
}

/// POST multipart en flux : `champs` (dans l'ordre donné), puis un fichier PDF de `taille`
/// octets dans le champ `champ_fichier`.
fn en_flux(
    cookie: Option<&str>,
    chemin: &str,
    champs: &[(&str, &str)],
    champ_fichier: &str,
    taille: usize,
    pause: Option<Pause>,
) -> EnFlux {
    let mut tete = Vec::new();
    for (k, v) in champs {
        tete.extend(
            format!("--{FRONTIERE}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    tete.extend(
        format!(
            "--{FRONTIERE}\r\nContent-Disposition: form-data; name=\"{champ_fichier}\"; filename=\"gros.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        )
        .as_bytes(),
    );
    let (mut tx, corps) = Channel::<Bytes>::new(1);
    let envoyes = Arc::new(AtomicUsize::new(0));
    let compteur = envoyes.clone();
    let tache = tokio::spawn(async move {
        let mut pause = pause;
        let mut morceaux = tete.chunks(MORCEAU).map(<[u8]>::to_vec).collect::<Vec<_>>();
        let mut reste = taille;
        while reste > 0 {
            let n = reste.min(MORCEAU);
            morceaux.push(vec![b' '; n]);
            reste -= n;
        }
        morceaux.push(format!("\r\n--{FRONTIERE}--\r\n").into_bytes());
        for m in morceaux {
            let n = m.len();
            if tx.send_data(Bytes::from(m)).await.is_err() {
                return;
            }
            let total = compteur.fetch_add(n, Ordering::SeqCst) + n;
            if pause.as_ref().is_some_and(|p| total >= p.apres) {
                let p = pause.take().unwrap();
                p.arrete.send(()).unwrap();
                let _ = p.reprendre.await;
            }
        }
    });
    let mut req = Request::post(chemin).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={FRONTIERE}"),
    );
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, format!("reperes_session={c}"));
    }
    EnFlux {
        req: req.body(Body::new(corps)).unwrap(),
        envoyes,
        tache,
    }
}

/// Envoie la requête ; rend le code, les en-têtes, le corps et les octets acceptés par le serveur.
async fn envoyer(app: &Router, e: EnFlux) -> (StatusCode, HeaderMap, String, usize) {
    let r = app.clone().oneshot(e.req).await.unwrap();
    let code = r.status();
    let entetes = r.headers().clone();
    let corps =
        String::from_utf8_lossy(&r.into_body().collect().await.unwrap().to_bytes()).into_owned();
    // Le corps de la requête est abandonné avec la réponse : l'alimentation s'arrête.
    e.tache.await.unwrap();
    (code, entetes, corps, e.envoyes.load(Ordering::SeqCst))
}

fn ferme(entetes: &HeaderMap) -> bool {
    entetes
        .get(header::CONNECTION)
        .is_some_and(|v| v.to_str().unwrap() == "close")
}

/// Application de test (réglages donnés) ; demandeurs de A et de B connectés (jeton de la page
/// du dossier A lu), agent connecté.
async fn monde(store: &Store, config: Config) -> (Router, Client, Client, Client) {
    let app = app_avec(store, config);
    let ua = compte(store, "a@org-a.example", RoleCompte::Demandeur).await;
    let ub = compte(store, "b@org-b.example", RoleCompte::Demandeur).await;
    compte(store, "agent@reperes.example", RoleCompte::Instructeur).await;
    objets_de(store, &ua, "a", None).await;
    objets_de(store, &ub, "b", None).await;
    let mut clients = Vec::new();
    for (email, page) in [
        ("a@org-a.example", "/dossiers/dossier-a"),
        ("b@org-b.example", "/dossiers/dossier-b"),
        ("agent@reperes.example", "/dossiers/dossier-a"),
    ] {
        let mut c = Client::new(&app);
        assert_eq!(c.connecter(email, MDP).await.code, StatusCode::SEE_OTHER);
        assert_eq!(c.get(page).await.code, StatusCode::OK, "{email}");
        assert!(!c.csrf.is_empty());
        clients.push(c);
    }
    let agent = clients.pop().unwrap();
    let b = clients.pop().unwrap();
    let a = clients.pop().unwrap();
    (app, a, b, agent)
}

deux_bases!(un_envoi_refuse_n_est_pas_lu, |store: Store| async move {
    let (app, a, b, _) = monde(&store, Config::pour_tests()).await;
    let messages = "/dossiers/dossier-a/messages";
    // Anonyme sans session, puis avec une session anonyme et son vrai jeton : 40 Mo annoncés,
    // refus après quelques Ko.
    let e = en_flux(None, messages, &[("_csrf", "x")], "pieces", 40 * MO, None);
    let (code, entetes, _, lus) = envoyer(&app, e).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(ferme(&entetes), "{entetes:?}");
    assert!(lus <= LU_AVANT_REFUS, "anonyme : {lus} octets lus");
    let mut anonyme = Client::new(&app);
    anonyme.get("/connexion").await;
    let e = en_flux(
        anonyme.cookie.as_deref(),
        messages,
        &[("_csrf", &anonyme.csrf), ("corps", "Bonjour")],
        "pieces",
        40 * MO,
        None,
    );
    let (code, entetes, _, lus) = envoyer(&app, e).await;
    assert_eq!(code, StatusCode::SEE_OTHER);
    assert_eq!(entetes.get(header::LOCATION).unwrap(), "/connexion");
    assert!(lus <= LU_AVANT_REFUS, "session anonyme : {lus} octets lus");
    // Connecté, mauvais jeton ; puis jeton ailleurs qu'en tête du corps.
    for champs in [
        vec![("_csrf", "faux"), ("corps", "Bonjour")],
        vec![("corps", "Bonjour"), ("_csrf", a.csrf.as_str())],
    ] {
        let e = en_flux(
            a.cookie.as_deref(),
            messages,
            &champs,
            "pieces",
            40 * MO,
            None,
        );
        let (code, entetes, corps, lus) = envoyer(&app, e).await;
        assert_eq!(code, StatusCode::FORBIDDEN, "{champs:?}");
        assert!(corps.contains("Formulaire expiré"), "{champs:?}");
        assert!(ferme(&entetes));
        assert!(lus <= LU_AVANT_REFUS, "{champs:?} : {lus} octets lus");
    }
    // Connecté avec un bon jeton, sans droit sur le dossier (demandeur de B), sur les trois
    // formulaires du dossier A.
    for (chemin, champ) in [
        (messages, "pieces"),
        ("/dossiers/dossier-a/etapes/2", "fichier"),
        ("/dossiers/dossier-a/rapports", "fichiers"),
    ] {
        let e = en_flux(
            b.cookie.as_deref(),
            chemin,
            &[("_csrf", &b.csrf)],
            champ,
            15 * MO,
            None,
        );
        let (code, entetes, _, lus) = envoyer(&app, e).await;
        assert_eq!(code, StatusCode::NOT_FOUND, "{chemin}");
        assert!(ferme(&entetes), "{chemin}");
        assert!(lus <= LU_AVANT_REFUS, "{chemin} : {lus} octets lus");
    }
    assert!(store.messages("dossier-a", true).await.unwrap().is_empty());
});

deux_bases!(
    un_fichier_trop_gros_est_abandonne_a_la_limite,
    |store: Store| async move {
        let dossier_fichiers =
            std::env::temp_dir().join(format!("reperes-envois-{}", uuid::Uuid::new_v4()));
        let config = Config {
            dossier_fichiers: dossier_fichiers.clone(),
            ..Config::pour_tests()
        };
        let (app, a, _, _) = monde(&store, config).await;
        let avant = store.fichiers_du_dossier("dossier-a").await.unwrap().len();
        let texte = "Mesures d'accessibilité : audit, corrections et déclaration publiée.";
        let e = en_flux(
            a.cookie.as_deref(),
            "/dossiers/dossier-a/etapes/2",
            &[("_csrf", &a.csrf), ("niveau_auto", "1"), ("texte", texte)],
            "fichier",
            30 * MO,
            None,
        );
        let (code, entetes, corps, lus) = envoyer(&app, e).await;
        // Le formulaire revient, l'erreur au champ, la saisie lue avant le fichier gardée.
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{corps}");
        assert!(corps.contains("id=\"fichier-erreur\""));
        assert!(corps.contains("Le fichier « gros.pdf » dépasse la taille maximale de 20 Mo."));
        assert!(ferme(&entetes));
        // Lu : la limite, plus ce que le lecteur multipart a pris d'avance ; pas les 10 Mo de
        // trop. L'avance dépend de l'ordonnancement (le lecteur prend tout ce qui est déjà
        // arrivé) : la borne garantie est la limite du corps de la route, TAILLE_MAX + 1 Mo.
        assert!(
            lus <= TAILLE_MAX + MO + MORCEAU,
            "{lus} octets lus, {} au-delà de la limite",
            lus.saturating_sub(TAILLE_MAX)
        );
        let d = store.dossier("dossier-a").await.unwrap().unwrap();
        assert_eq!(d.criteres["accessible"].texte, texte);
        assert!(d.criteres["accessible"].fichiers.is_empty());
        assert_eq!(
            store.fichiers_du_dossier("dossier-a").await.unwrap().len(),
            avant
        );
        // Aucun fichier temporaire ne reste.
        let restes: Vec<_> = std::fs::read_dir(&dossier_fichiers)
            .unwrap()
            .map(|f| f.unwrap().file_name())
            .collect();
        assert!(restes.is_empty(), "{restes:?}");
    }
);

deux_bases!(
    au_dela_du_plafond_d_envois_simultanes_503,
    |store: Store| async move {
        let config = Config {
            envois_simultanes: 1,
            ..Config::pour_tests()
        };
        let (app, mut a, _, _) = monde(&store, config).await;
        let messages = "/dossiers/dossier-a/messages";
        // Un premier envoi reste en cours : 1 Mo de sa pièce est lu, puis il attend.
        let (arrete, en_pause) = oneshot::channel();
        let (reprendre, reprise) = oneshot::channel();
        let e = en_flux(
            a.cookie.as_deref(),
            messages,
            &[("_csrf", &a.csrf), ("corps", "Le bilan")],
            "pieces",
            2 * MO,
            Some(Pause {
                apres: MO,
                arrete,
                reprendre: reprise,
            }),
        );
        let app1 = app.clone();
        let premier = tokio::spawn(async move { envoyer(&app1, e).await });
        en_pause.await.unwrap();
        // Un second envoi : 503, avec Retry-After et un message clair, sans lire sa pièce.
        let e = en_flux(
            a.cookie.as_deref(),
            messages,
            &[("_csrf", &a.csrf), ("corps", "Un autre")],
            "pieces",
            5 * MO,
            None,
        );
        let (code, entetes, corps, lus) = envoyer(&app, e).await;
        assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE, "{corps}");
        assert_eq!(entetes.get(header::RETRY_AFTER).unwrap(), "30");
        assert!(ferme(&entetes));
        assert!(
            corps.contains("Trop d&#39;envois de fichiers sont en cours"),
            "{corps}"
        );
        assert!(lus <= LU_AVANT_REFUS, "{lus} octets lus");
        // Le premier finit ; le jeton est rendu : un troisième passe.
        reprendre.send(()).unwrap();
        let (code, _, corps, _) = premier.await.unwrap();
        assert_eq!(code, StatusCode::SEE_OTHER, "{corps}");
        a.get("/dossiers/dossier-a").await;
        let (ct, corps) = multipart(&[("_csrf", &a.csrf), ("corps", "Merci")], None);
        let req = a
            .avec_cookie(Request::post(messages))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(corps))
            .unwrap();
        assert_eq!(a.envoyer(req).await.code, StatusCode::SEE_OTHER);
        assert_eq!(store.messages("dossier-a", true).await.unwrap().len(), 2);
    }
);

deux_bases!(le_jeton_peut_venir_de_l_entete, |store: Store| async move {
    let (app, a, _, _) = monde(&store, Config::pour_tests()).await;
    let (ct, corps) = multipart(&[("corps", "Par l'en-tête")], None);
    let req = a
        .avec_cookie(Request::post("/dossiers/dossier-a/messages"))
        .header(header::CONTENT_TYPE, ct)
        .header("x-csrf-token", &a.csrf)
        .body(Body::from(corps))
        .unwrap();
    let r = app.clone().oneshot(req).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let m = store.messages("dossier-a", true).await.unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].corps, "Par l'en-tête");
});

deux_bases!(
    les_pieces_d_une_note_privee_restent_aux_agents,
    |store: Store| async move {
        let (app, mut a, _, mut agent) = monde(&store, Config::pour_tests()).await;
        let pdf = b"%PDF-1.4\nnote interne\n";
        for (prive, corps) in [("oui", "Note interne"), ("", "Message public")] {
            agent.get("/dossiers/dossier-a").await;
            let (ct, octets) = multipart(
                &[("_csrf", &agent.csrf), ("corps", corps), ("prive", prive)],
                Some(("piece.pdf", pdf)),
            );
            let req = agent
                .avec_cookie(Request::post("/dossiers/dossier-a/messages"))
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(octets))
                .unwrap();
            assert_eq!(agent.envoyer(req).await.code, StatusCode::SEE_OTHER);
        }
        let messages = store.messages("dossier-a", true).await.unwrap();
        let piece = |corps: &str| {
            let m = messages.iter().find(|m| m.corps == corps).unwrap();
            format!("/fichiers/{}", m.fichiers[0])
        };
        let (privee, publique) = (piece("Note interne"), piece("Message public"));
        let _ = app;
        // Le demandeur qui connaît l'identifiant : introuvable ; la pièce publique reste à lui.
        assert_eq!(a.get(&privee).await.code, StatusCode::NOT_FOUND);
        assert_eq!(a.get(&publique).await.code, StatusCode::OK);
        assert_eq!(agent.get(&privee).await.code, StatusCode::OK);
        assert_eq!(agent.get(&publique).await.code, StatusCode::OK);
    }
);
