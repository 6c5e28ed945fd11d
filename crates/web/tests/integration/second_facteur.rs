//! Second facteur (TOTP, RFC 6238) de bout en bout, sur SQLite et sur PostgreSQL : activation,
//! connexion avec code, code faux refusé et limité, rejeu refusé, code de secours valable une
//! fois, désactivation, exigence par l'administration.
//!
//! Les codes sont calculés ici par une implémentation indépendante de celle du serveur (HMAC-SHA1
//! des crates `hmac` et `sha1`, troncature dynamique de la RFC 4226, décodage base32 de la RFC
//! 4648 écrit à la main), vérifiée contre les vecteurs de l'annexe B de la RFC 6238.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use hmac::{Hmac, Mac};
use reperes_domain::comptes::RoleCompte;
use reperes_store::{deux_bases, Store};
use sha1::Sha1;

use crate::commun;
use commun::{app, compte, Client, Rep, MDP};

// ---------- RFC 6238, écrite pour le test ----------

/// HOTP (RFC 4226) : HMAC-SHA1 du compteur (8 octets gros-boutistes), troncature dynamique.
fn hotp(cle: &[u8], compteur: u64, chiffres: u32) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(cle).unwrap();
    mac.update(&compteur.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let d = (h[19] & 0x0f) as usize;
    let binaire = (u32::from(h[d] & 0x7f) << 24)
        | (u32::from(h[d + 1]) << 16)
        | (u32::from(h[d + 2]) << 8)
        | u32::from(h[d + 3]);
    format!(
        "{:0largeur$}",
        binaire % 10u32.pow(chiffres),
        largeur = chiffres as usize
    )
}

/// TOTP à 6 chiffres, pas de 30 s, à l'instant `t` (secondes Unix).
fn totp(cle: &[u8], t: u64) -> String {
    hotp(cle, t / 30, 6)
}

/// Décodage base32 (RFC 4648, alphabet A–Z 2–7, sans remplissage ; blancs ignorés).
fn base32(texte: &str) -> Vec<u8> {
    let mut octets = Vec::new();
    let (mut tampon, mut bits) = (0u32, 0u32);
    for c in texte.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            '2'..='7' => c as u32 - '2' as u32 + 26,
            _ => panic!("caractère base32 inattendu : {c}"),
        };
        tampon = (tampon << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            octets.push((tampon >> bits) as u8);
            tampon &= (1 << bits) - 1;
        }
    }
    octets
}

fn maintenant() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn le_totp_du_test_suit_l_annexe_b_de_la_rfc_6238() {
    // Annexe B, SHA-1 : clé ASCII « 12345678901234567890 », 8 chiffres.
    let cle = b"12345678901234567890";
    for (t, attendu) in [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ] {
        assert_eq!(hotp(cle, t / 30, 8), attendu, "T = {t}");
    }
    // Base32 : « 12345678901234567890 » s'écrit GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ.
    assert_eq!(
        base32("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"),
        cle.to_vec()
    );
}

// ---------- Aides ----------

/// Le texte entre `debut` et `fin` dans `corps`.
fn entre<'a>(corps: &'a str, debut: &str, fin: &str) -> Option<&'a str> {
    let i = corps.find(debut)? + debut.len();
    let j = corps[i..].find(fin)? + i;
    Some(&corps[i..j])
}

/// Un code à 6 chiffres qui n'est juste à aucun pas de la fenêtre (±1 pas, avec marge).
fn code_faux(cle: &[u8]) -> String {
    let t = maintenant();
    let justes: Vec<String> = (0..5).map(|k| totp(cle, t + k * 30 - 60)).collect();
    (0..)
        .map(|n| format!("{:06}", (123_456 + n * 7_919) % 1_000_000))
        .find(|c| !justes.contains(c))
        .unwrap()
}

/// Active le second facteur du compte connecté ; rend la clé et les codes de secours.
async fn activer(c: &mut Client) -> (Vec<u8>, Vec<String>) {
    let r = c.get("/compte/second-facteur").await;
    assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
    let secret = entre(&r.corps, "id=\"cle-secrete\">", "</code>").expect("clé affichée");
    let cle = base32(secret);
    assert_eq!(cle.len(), 20, "secret de 160 bits");
    let sans_blancs: String = secret.split_whitespace().collect();
    // L'URI otpauth:// (échappée en HTML) porte le même secret ; le QR code est un SVG, sans script.
    let uri = entre(&r.corps, "<code>otpauth://", "</code>").expect("URI otpauth");
    assert!(uri.starts_with("totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={sans_blancs}")), "{uri}");
    assert!(r.corps.contains("<svg") && r.corps.contains("<path d=\"M"));
    assert!(!r.corps.contains("<script"));
    // Un code faux n'active rien.
    let r = c
        .post(
            "/compte/second-facteur",
            &[("code", &code_faux(&cle))],
            None,
        )
        .await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.corps.contains("Code incorrect"), "{}", r.corps);
    // Le premier code juste active, et les 10 codes de secours sont montrés une fois.
    let r = c
        .post(
            "/compte/second-facteur",
            &[("code", &totp(&cle, maintenant()))],
            None,
        )
        .await;
    assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
    assert!(r.corps.contains("Second facteur activé."));
    let codes: Vec<String> = r
        .corps
        .split("<li><code>")
        .skip(1)
        .map(|x| x[..x.find("</code>").unwrap()].to_string())
        .collect();
    assert_eq!(codes.len(), 10, "{codes:?}");
    let mut uniques = codes.clone();
    uniques.sort();
    uniques.dedup();
    assert_eq!(uniques.len(), 10);
    // Ensuite, ni le secret ni les codes ne sont plus jamais affichés.
    let r = c.get("/compte/second-facteur").await;
    assert_eq!(r.code, StatusCode::OK);
    assert!(r
        .corps
        .contains("Codes de secours encore utilisables : 10."));
    assert!(!r.corps.contains(&secret[..9]) && !r.corps.contains(&sans_blancs));
    assert!(!r.corps.contains(&codes[0]));
    (cle, codes)
}

/// Se déconnecte puis donne adresse et mot de passe : attend l'étape « code ».
async fn mot_de_passe(c: &mut Client, email: &str) {
    c.post("/deconnexion", &[], None).await;
    let r = c.connecter(email, MDP).await;
    assert_eq!(r.code, StatusCode::SEE_OTHER);
    assert_eq!(r.lieu.as_deref(), Some("/connexion/code"));
    let r = c.get("/connexion/code").await;
    assert_eq!(r.code, StatusCode::OK);
    assert!(r.corps.contains("name=\"code\""));
}

async fn code(c: &mut Client, code: &str) -> Rep {
    c.post("/connexion/code", &[("code", code)], None).await
}

// ---------- Parcours ----------

deux_bases!(
    activation_connexion_code_faux_et_rejeu,
    |store: Store| async move {
        let app = app(&store);
        let u = compte(&store, "agent@reperes.example", RoleCompte::Instructeur).await;
        let mut c = Client::new(&app);
        c.connecter(&u.email, MDP).await;
        let (cle, codes) = activer(&mut c).await;
        let journal = store.journal_objet("utilisateur", &u.id).await.unwrap();
        let entree = journal
            .iter()
            .find(|e| e.contenu.action == "activer_second_facteur")
            .expect("activation au journal");
        let apres = entree.contenu.apres.clone().unwrap_or_default();
        assert!(!apres.contains(&codes[0]), "ni codes ni secret au journal");

        // Mot de passe juste : pas encore connecté, aucune page privée.
        mot_de_passe(&mut c, &u.email).await;
        for chemin in ["/espace", "/instruction", "/compte/second-facteur"] {
            let r = c.get(chemin).await;
            assert_eq!(r.code, StatusCode::SEE_OTHER, "{chemin}");
            assert!(
                r.lieu.as_deref().unwrap().starts_with("/connexion"),
                "{chemin} : {:?}",
                r.lieu
            );
        }
        // Code faux : refusé, toujours pas connecté.
        let r = code(&mut c, &code_faux(&cle)).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("Code incorrect"), "{}", r.corps);
        assert_eq!(c.get("/espace").await.code, StatusCode::SEE_OTHER);
        // Code juste (pas suivant celui de l'activation, dans la fenêtre de ±1 pas) : connecté.
        let juste = totp(&cle, maintenant() + 30);
        let r = code(&mut c, &juste).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        assert_eq!(r.lieu.as_deref(), Some("/espace"));
        assert_eq!(c.get("/espace").await.code, StatusCode::OK);
        assert_eq!(c.get("/instruction").await.code, StatusCode::OK);

        // Rejeu : le même code, dans une nouvelle connexion, est refusé.
        mot_de_passe(&mut c, &u.email).await;
        let r = code(&mut c, &juste).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("déjà servi"), "{}", r.corps);
        assert_eq!(c.get("/espace").await.code, StatusCode::SEE_OTHER);
    }
);

deux_bases!(
    code_de_secours_une_seule_fois_et_desactivation,
    |store: Store| async move {
        let app = app(&store);
        let u = compte(&store, "admin@reperes.example", RoleCompte::Administrateur).await;
        let mut c = Client::new(&app);
        c.connecter(&u.email, MDP).await;
        let (_, codes) = activer(&mut c).await;

        mot_de_passe(&mut c, &u.email).await;
        let r = code(&mut c, &codes[0]).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        assert_eq!(c.get("/administration").await.code, StatusCode::OK);
        let r = c.get("/compte/second-facteur").await;
        assert!(r.corps.contains("Codes de secours encore utilisables : 9."));

        // Le même code de secours ne sert pas deux fois ; un autre, saisi en majuscules, oui.
        mot_de_passe(&mut c, &u.email).await;
        let r = code(&mut c, &codes[0]).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(c.get("/espace").await.code, StatusCode::SEE_OTHER);
        let r = code(&mut c, &codes[1].to_uppercase()).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        assert!(store
            .journal_objet("utilisateur", &u.id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.contenu.action == "utiliser_code_secours"));

        // Désactivation : mot de passe faux refusé ; mot de passe et code de secours acceptés.
        c.get("/compte/second-facteur").await;
        let r = c
            .post(
                "/compte/second-facteur/desactivation",
                &[("mot_de_passe", "pas le bon"), ("code", &codes[2])],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("Mot de passe incorrect"));
        let r = c
            .post(
                "/compte/second-facteur/desactivation",
                &[("mot_de_passe", MDP), ("code", &codes[2])],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        assert!(store
            .journal_objet("utilisateur", &u.id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.contenu.action == "desactiver_second_facteur"));
        // Sans second facteur, la connexion ne demande plus de code.
        c.post("/deconnexion", &[], None).await;
        let r = c.connecter(&u.email, MDP).await;
        assert_eq!(r.lieu.as_deref(), Some("/espace"));
    }
);

deux_bases!(codes_faux_limites, |store: Store| async move {
    let app = app(&store);
    let u = compte(&store, "agent@reperes.example", RoleCompte::Instructeur).await;
    let mut c = Client::new(&app);
    c.connecter(&u.email, MDP).await;
    let (cle, _) = activer(&mut c).await;
    mot_de_passe(&mut c, &u.email).await;
    for _ in 0..5 {
        let r = code(&mut c, &code_faux(&cle)).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Au-delà de 5 essais en 15 minutes, même un code juste est refusé.
    let r = code(&mut c, &totp(&cle, maintenant() + 30)).await;
    assert_eq!(r.code, StatusCode::TOO_MANY_REQUESTS, "{}", r.corps);
    assert!(r.corps.contains("Trop de tentatives"));
    assert_eq!(c.get("/espace").await.code, StatusCode::SEE_OTHER);
});

deux_bases!(exigence_par_l_administrateur, |store: Store| async move {
    let app = app(&store);
    let admin = compte(&store, "admin@reperes.example", RoleCompte::Administrateur).await;
    let agent = compte(&store, "agent@reperes.example", RoleCompte::Instructeur).await;
    let demandeur = compte(&store, "a@org-a.example", RoleCompte::Demandeur).await;
    let mut ca = Client::new(&app);
    ca.connecter(&admin.email, MDP).await;
    let mut ci = Client::new(&app);
    ci.connecter(&agent.email, MDP).await;
    let mut cd = Client::new(&app);
    cd.connecter(&demandeur.email, MDP).await;
    assert_eq!(ci.get("/instruction").await.code, StatusCode::OK);

    let r = ca.get("/administration").await;
    assert!(r
        .corps
        .contains("Exiger le second facteur de tous les agents"));
    let r = ca
        .post("/administration/second-facteur", &[("exiger", "oui")], None)
        .await;
    assert_eq!(r.code, StatusCode::SEE_OTHER);
    let journal = store
        .journal_objet("reglage", "second_facteur_agents")
        .await
        .unwrap();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].contenu.action, "exiger_second_facteur");

    // L'agent sans second facteur est conduit à l'activer, avant toute page de l'instruction.
    for chemin in [
        "/instruction",
        "/instruction/chartes",
        "/instruction/export.csv",
    ] {
        let r = ci.get(chemin).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{chemin}");
        assert_eq!(
            r.lieu.as_deref(),
            Some("/compte/second-facteur"),
            "{chemin}"
        );
    }
    let r = ci.get("/compte/second-facteur").await;
    assert!(r.corps.contains("L'administration exige un second facteur"));
    // L'administrateur aussi ; le demandeur n'est pas concerné.
    let r = ca.get("/administration").await;
    assert_eq!(r.lieu.as_deref(), Some("/compte/second-facteur"));
    assert_eq!(cd.get("/espace").await.code, StatusCode::OK);

    // Une fois activé, l'instruction est ouverte ; le désactiver est refusé tant qu'il est exigé.
    let (_, codes) = activer(&mut ci).await;
    assert_eq!(ci.get("/instruction").await.code, StatusCode::OK);
    let r = ci
        .post(
            "/compte/second-facteur/desactivation",
            &[("mot_de_passe", MDP), ("code", &codes[0])],
            None,
        )
        .await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.corps.contains("exige le second facteur"));
});
