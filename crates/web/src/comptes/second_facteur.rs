//! Second facteur (TOTP, RFC 6238 : HMAC-SHA1, 6 chiffres, pas de 30 s, fenêtre ±1 pas) et codes
//! de secours.
//!
//! - Activation par la personne (`/compte/second-facteur`) : un secret de 160 bits est tiré et
//!   gardé (en attente) ; la page le montre en base32, en URI `otpauth://` et en QR code SVG
//!   (sans JavaScript) ; un premier code juste l'active et 10 codes de secours à usage unique
//!   sont affichés une seule fois (seules leurs empreintes SHA-256 salées sont gardées). Une fois
//!   actif, le secret n'est plus jamais affiché.
//! - Connexion : mot de passe juste et second facteur actif → la session reste anonyme (aucune
//!   page privée) et attend le code (`/connexion/code`, 10 minutes) ; essais limités comme la
//!   connexion (`tentatives.rs`) ; un pas de temps déjà accepté est refusé (rejeu) ; un code de
//!   secours vaut une fois.
//! - Désactivation : mot de passe et code (ou code de secours) ; refusée à un agent quand
//!   l'administration exige le second facteur.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{Duration, Utc};
use rand::{Rng, RngCore};
use reperes_domain::saisie::ErreurChamp;
use reperes_store::{ConnexionEnAttente, SecondFacteur, Utilisateur};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::commun::acces::acteur;
use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::cibles;
use crate::commun::formulaires::{erreur, page, rattacher, Champ, Information};
use crate::commun::journal::{self, Evenement};
use crate::commun::session::{self, Visiteur};
use crate::{ErreurWeb, Etat};

use super::tentatives::{cle_ip, limiter};
use super::FormulaireCompte;

/// Émetteur affiché par l'application d'authentification.
const EMETTEUR: &str = "Repères";
/// Durée d'un pas de temps (secondes).
const PAS: u64 = 30;
/// Nombre de codes de secours donnés à l'activation.
pub const NOMBRE_CODES_SECOURS: usize = 10;
/// Temps laissé pour saisir le code après le mot de passe.
const DUREE_ATTENTE: Duration = Duration::minutes(10);
/// Caractères des codes de secours (sans 0/o, 1/l/i).
const ALPHABET_SECOURS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

const CODE_INCORRECT: &str =
    "Code incorrect : saisissez les 6 chiffres affichés par votre application d'authentification, ou un de vos codes de secours.";
const CODE_DEJA_UTILISE: &str =
    "Ce code a déjà servi : attendez que votre application en affiche un nouveau (toutes les 30 secondes), puis saisissez-le.";

// ---------- Calculs ----------

/// Secondes depuis l'époque Unix.
fn maintenant() -> u64 {
    u64::try_from(Utc::now().timestamp()).unwrap_or(0)
}

/// Un nouveau secret de 160 bits (longueur recommandée par la RFC 4226), en base32.
fn nouveau_secret() -> String {
    let mut o = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut o);
    match Secret::Raw(o.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => unreachable!("to_encoded rend un secret encodé"),
    }
}

/// Le générateur TOTP d'un secret (base32) pour un compte.
fn generateur(secret: &str, email: &str) -> Result<TOTP, ErreurWeb> {
    let octets = Secret::Encoded(secret.to_string())
        .to_bytes()
        .map_err(|e| ErreurWeb::interne("secret TOTP illisible", format!("{e:?}")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        PAS,
        octets,
        Some(EMETTEUR.to_string()),
        email.replace(':', ""),
    )
    .map_err(|e| ErreurWeb::interne("paramètres TOTP", format!("{e:?}")))
}

/// Le pas de temps (unix / 30) du code saisi s'il est juste à ±1 pas de `instant` ; comparaison
/// en temps constant.
fn pas_du_code(t: &TOTP, saisi: &str, instant: u64) -> Option<i64> {
    let code: String = saisi.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pas = instant / PAS;
    let mut trouve = None;
    for p in [pas.saturating_sub(1), pas, pas + 1] {
        let attendu = t.generate(p * PAS);
        if bool::from(attendu.as_bytes().ct_eq(code.as_bytes())) {
            trouve = i64::try_from(p).ok();
        }
    }
    trouve
}

/// Un code de secours : 10 caractères (≈ 49 bits), lu « xxxxx-xxxxx ».
fn code_secours() -> String {
    let mut r = rand::rngs::OsRng;
    let s: String = (0..10)
        .map(|_| ALPHABET_SECOURS[r.gen_range(0..ALPHABET_SECOURS.len())] as char)
        .collect();
    format!("{}-{}", &s[..5], &s[5..])
}

/// Empreinte d'un code de secours : SHA-256 du sel du compte et du code normalisé (minuscules,
/// sans tiret ni espace).
fn empreinte_code(sel: &str, code: &str) -> String {
    let normalise: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut h = Sha256::new();
    h.update(sel.as_bytes());
    h.update(b":");
    h.update(normalise.as_bytes());
    hex::encode(h.finalize())
}

/// Le QR code de l'URI, en SVG (un chemin, marge de 4 modules), sans script.
fn qr_svg(uri: &str) -> Result<String, ErreurWeb> {
    let qr = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| ErreurWeb::interne("QR code du second facteur", e.to_string()))?;
    let largeur = qr.width();
    let couleurs = qr.to_colors();
    let mut chemin = String::new();
    for (i, c) in couleurs.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            chemin.push_str(&format!("M{} {}h1v1h-1z", i % largeur + 4, i / largeur + 4));
        }
    }
    let cote = largeur + 8;
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {cote} {cote}\" width=\"240\" height=\"240\" role=\"img\" aria-label=\"QR code à scanner avec votre application d'authentification\" shape-rendering=\"crispEdges\"><rect width=\"{cote}\" height=\"{cote}\" fill=\"#fff\"/><path d=\"{chemin}\" fill=\"#000\"/></svg>"
    ))
}

/// Le secret lisible : groupes de 4 caractères.
fn par_groupes(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|g| String::from_utf8_lossy(g).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Vérifie un code (TOTP, une seule fois par pas de temps, ou code de secours, une seule fois).
async fn verifier_code(
    etat: &Etat,
    u: &Utilisateur,
    sf: &SecondFacteur,
    saisi: &str,
) -> Result<Result<(), &'static str>, ErreurWeb> {
    let t = generateur(&sf.secret, &u.email)?;
    if let Some(pas) = pas_du_code(&t, saisi, maintenant()) {
        return Ok(if etat.store.accepter_pas_totp(&u.id, pas).await? {
            Ok(())
        } else {
            Err(CODE_DEJA_UTILISE)
        });
    }
    let propre = saisi.trim();
    if !propre.is_empty()
        && propre.len() <= 32
        && etat
            .store
            .consommer_code_secours(&acteur(u), &u.id, &empreinte_code(&sf.sel, propre))
            .await?
    {
        return Ok(Ok(()));
    }
    Ok(Err(CODE_INCORRECT))
}

// ---------- Étape « code » de la connexion ----------

/// Crochet de la connexion, après un mot de passe juste : si le compte a un second facteur
/// actif, la session est remplacée par une session anonyme qui attend le code, et la réponse
/// mène à `/connexion/code`. `None` : pas de second facteur, la connexion continue.
pub(super) async fn etape_code(
    etat: &Etat,
    v: &Visiteur,
    u: &Utilisateur,
    suite: Option<&str>,
) -> Result<Option<Response>, ErreurWeb> {
    let actif = etat
        .store
        .second_facteur(&u.id)
        .await?
        .is_some_and(|sf| sf.actif);
    if !actif {
        return Ok(None);
    }
    if let Some(s) = &v.session {
        etat.store.terminer_connexion_en_attente(&s.id_hash).await?;
        etat.store.supprimer_session(&s.id_hash).await?;
    }
    let (s, entete) = session::ouvrir(etat, None).await?;
    etat.store
        .mettre_connexion_en_attente(
            &s.id_hash,
            &ConnexionEnAttente {
                utilisateur_id: u.id.clone(),
                suite: suite.map(str::to_string),
            },
            Utc::now() + DUREE_ATTENTE,
        )
        .await?;
    let mut r = Redirect::to("/connexion/code").into_response();
    r.headers_mut().append(entete.0, entete.1);
    Ok(Some(r))
}

fn formulaire_code(cadre: Cadre, erreurs: Vec<ErreurChamp>) -> FormulaireCompte {
    FormulaireCompte {
        cadre,
        intro: vec![
            "Votre mot de passe est juste. Pour terminer la connexion, saisissez le code à 6 chiffres affiché par votre application d'authentification.".into(),
            "Sans votre téléphone, saisissez un de vos codes de secours (chacun ne sert qu'une fois).".into(),
        ],
        action: "/connexion/code".into(),
        champs: vec![Champ::new("code", "Code de vérification", "text")
            .aide("6 chiffres, ou un code de secours (par exemple abcde-fghjk)")
            .autocomplete("one-time-code")],
        erreurs,
        bouton: "Vérifier le code",
        liens: vec![("/connexion".into(), "Recommencer la connexion".into())],
        suite: None,
    }
}

/// La connexion en attente de ce visiteur, s'il y en a une.
async fn attente(etat: &Etat, v: &Visiteur) -> Result<Option<ConnexionEnAttente>, ErreurWeb> {
    Ok(match &v.session {
        Some(s) if v.utilisateur.is_none() => {
            etat.store
                .connexion_en_attente(&s.id_hash, Utc::now())
                .await?
        }
        _ => None,
    })
}

pub async fn page_code(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    if v.utilisateur.is_some() {
        return Ok(Redirect::to(cibles::ACCUEIL_CONNECTE).into_response());
    }
    if attente(&etat, &v).await?.is_none() {
        return page(
            &Information {
                cadre: Cadre::pour(&v, "Code de vérification"),
                paragraphes: vec!["Aucune connexion n'attend de code dans ce navigateur : la demande a expiré (10 minutes) ou la connexion n'a pas commencé. Connectez-vous de nouveau avec votre adresse et votre mot de passe.".into()],
                liens: vec![("/connexion".into(), "Se connecter".into())],
            },
            None,
            false,
        );
    }
    formulaire_code(Cadre::pour(&v, "Code de vérification"), vec![]).rendre(None, false)
}

#[derive(Deserialize, Default)]
pub struct FormCode {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

pub async fn verifier_connexion(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Form(f): Form<FormCode>,
) -> Result<Response, ErreurWeb> {
    if v.verifier_csrf(&f.csrf).is_err() {
        let (_, entete) = v.csrf(&etat).await?;
        return formulaire_code(Cadre::pour(&v, "Code de vérification"), vec![]).expire(entete);
    }
    if v.utilisateur.is_some() {
        return Ok(Redirect::to(cibles::ACCUEIL_CONNECTE).into_response());
    }
    let refus = |m: &str, trop: bool| {
        formulaire_code(
            Cadre::pour(&v, "Code de vérification"),
            vec![erreur("code", m)],
        )
        .rendre(None, trop)
    };
    let Some(a) = attente(&etat, &v).await? else {
        return Ok(Redirect::to("/connexion").into_response());
    };
    if f.code.trim().is_empty() {
        return refus(
            "Saisissez le code affiché par votre application d'authentification.",
            false,
        );
    }
    if let Err(r) = limiter(
        &etat,
        &[
            cle_ip(&v.ip),
            format!("second-facteur:{}", a.utilisateur_id),
        ],
    )
    .await?
    {
        return refus(&r.message(), true);
    }
    let u = etat
        .store
        .utilisateur(&a.utilisateur_id)
        .await?
        .filter(|u| u.actif);
    let sf = etat
        .store
        .second_facteur(&a.utilisateur_id)
        .await?
        .filter(|sf| sf.actif);
    let (Some(u), Some(sf)) = (u, sf) else {
        return Ok(Redirect::to("/connexion").into_response());
    };
    if let Err(m) = verifier_code(&etat, &u, &sf, &f.code).await? {
        journal::noter(
            &etat,
            &v,
            Evenement::ConnexionEchouee { courriel: &u.email },
        )
        .await;
        return refus(m, false);
    }
    journal::noter(
        &etat,
        &v,
        Evenement::ConnexionReussie { courriel: &u.email },
    )
    .await;
    // Code juste : la session anonyme laisse place à une session connectée neuve.
    if let Some(s) = &v.session {
        etat.store.terminer_connexion_en_attente(&s.id_hash).await?;
        etat.store.supprimer_session(&s.id_hash).await?;
    }
    let (_, entete) = session::ouvrir(&etat, Some(u.id.clone())).await?;
    let mut r = Redirect::to(cibles::destination(a.suite.as_deref())).into_response();
    r.headers_mut().append(entete.0, entete.1);
    Ok(r)
}

// ---------- Activation et désactivation ----------

#[derive(Template)]
#[template(path = "comptes/second_facteur.html")]
struct PageSecondFacteur {
    cadre: Cadre,
    actif: bool,
    /// Exigé par l'administration pour ce compte (agent).
    exige: bool,
    secret: String,
    uri: String,
    qr: String,
    /// Codes de secours, affichés une seule fois (juste après l'activation).
    codes: Vec<String>,
    restants: i64,
    erreurs: Vec<ErreurChamp>,
    champs: Vec<Champ>,
}

fn champ_code() -> Champ {
    Champ::new("code", "Code de vérification", "text")
        .aide("6 chiffres affichés par votre application d'authentification")
        .autocomplete("one-time-code")
}

/// Rend la page du second facteur : activation (secret en attente) ou état (actif).
async fn rendre(
    etat: &Etat,
    v: &Visiteur,
    message: Option<String>,
    erreurs: Vec<ErreurChamp>,
) -> Result<Response, ErreurWeb> {
    let (u, _) = v.connecte()?;
    let exige = u.role.est_agent() && etat.store.second_facteur_exige().await?;
    let sf = match etat.store.second_facteur(&u.id).await? {
        Some(sf) => sf,
        None => {
            etat.store
                .preparer_second_facteur(&u.id, &nouveau_secret(), &auth::jeton())
                .await?
        }
    };
    let mut p = PageSecondFacteur {
        cadre: Cadre::pour(v, "Second facteur d'authentification").avec_message(message),
        actif: sf.actif,
        exige,
        secret: String::new(),
        uri: String::new(),
        qr: String::new(),
        codes: vec![],
        restants: 0,
        erreurs,
        champs: vec![],
    };
    if sf.actif {
        p.restants = etat.store.codes_secours_restants(&u.id).await?;
        p.champs = vec![
            Champ::new("mot_de_passe", "Mot de passe", "password").autocomplete("current-password"),
            champ_code().aide("6 chiffres de votre application, ou un code de secours"),
        ];
    } else {
        let t = generateur(&sf.secret, &u.email)?;
        p.uri = t.get_url();
        p.qr = qr_svg(&p.uri)?;
        p.secret = par_groupes(&sf.secret);
        p.champs = vec![champ_code()];
    }
    rattacher(&mut p.champs, &p.erreurs);
    let en_erreur = !p.erreurs.is_empty();
    if en_erreur {
        p.cadre = p.cadre.en_erreur();
    }
    page(&p, None, en_erreur)
}

#[derive(Deserialize, Default)]
pub struct RequeteOk {
    ok: Option<String>,
}

pub async fn second_facteur(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(q): Query<RequeteOk>,
) -> Result<Response, ErreurWeb> {
    let message = match q.ok.as_deref() {
        Some("desactive") => Some("Second facteur désactivé.".to_string()),
        _ => None,
    };
    rendre(&etat, &v, message, vec![]).await
}

pub async fn activer(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormCode>,
) -> Result<Response, ErreurWeb> {
    let (u, _) = v.connecte()?;
    v.verifier_csrf(&f.csrf)?;
    let Some(sf) = etat.store.second_facteur(&u.id).await? else {
        return Ok(Redirect::to("/compte/second-facteur").into_response());
    };
    if sf.actif {
        return Ok(Redirect::to("/compte/second-facteur").into_response());
    }
    let t = generateur(&sf.secret, &u.email)?;
    let Some(pas) = pas_du_code(&t, &f.code, maintenant()) else {
        return rendre(
            &etat,
            &v,
            None,
            vec![erreur(
                "code",
                "Code incorrect : saisissez les 6 chiffres affichés par votre application après avoir scanné le QR code (ou saisi la clé), avant qu'ils ne changent.",
            )],
        )
        .await;
    };
    let codes: Vec<String> = (0..NOMBRE_CODES_SECOURS).map(|_| code_secours()).collect();
    let empreintes: Vec<String> = codes.iter().map(|c| empreinte_code(&sf.sel, c)).collect();
    if !etat
        .store
        .activer_second_facteur(&acteur(u), &u.id, pas, &empreintes)
        .await?
    {
        return Ok(Redirect::to("/compte/second-facteur").into_response());
    }
    journal::noter(&etat, &v, Evenement::SecondFacteurActive).await;
    let p = PageSecondFacteur {
        cadre: Cadre::pour(&v, "Second facteur d'authentification")
            .avec_message(Some("Second facteur activé.".into())),
        actif: true,
        exige: false,
        secret: String::new(),
        uri: String::new(),
        qr: String::new(),
        codes,
        restants: i64::try_from(NOMBRE_CODES_SECOURS).unwrap_or(0),
        erreurs: vec![],
        champs: vec![],
    };
    page(&p, None, false)
}

#[derive(Deserialize, Default)]
pub struct FormDesactivation {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    mot_de_passe: String,
    #[serde(default)]
    code: String,
}

pub async fn desactiver(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormDesactivation>,
) -> Result<Response, ErreurWeb> {
    let (u, _) = v.connecte()?;
    v.verifier_csrf(&f.csrf)?;
    let Some(sf) = etat.store.second_facteur(&u.id).await?.filter(|s| s.actif) else {
        return Ok(Redirect::to("/compte/second-facteur").into_response());
    };
    if u.role.est_agent() && etat.store.second_facteur_exige().await? {
        return rendre(
            &etat,
            &v,
            None,
            vec![erreur(
                "mot_de_passe",
                "L'administration exige le second facteur pour les agents : il ne peut pas être désactivé.",
            )],
        )
        .await;
    }
    let mut erreurs = Vec::new();
    if f.mot_de_passe.is_empty() {
        erreurs.push(erreur("mot_de_passe", "Indiquez votre mot de passe."));
    }
    if f.code.trim().is_empty() {
        erreurs.push(erreur(
            "code",
            "Saisissez le code affiché par votre application d'authentification.",
        ));
    }
    if !erreurs.is_empty() {
        return rendre(&etat, &v, None, erreurs).await;
    }
    if let Err(refus) = limiter(&etat, &[cle_ip(&v.ip), format!("second-facteur:{}", u.id)]).await?
    {
        let mut r = rendre(
            &etat,
            &v,
            None,
            vec![erreur("mot_de_passe", refus.message())],
        )
        .await?;
        *r.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return Ok(r);
    }
    let empreinte = u.hash_mot_de_passe.clone().unwrap_or_default();
    if !auth::verifier_en_tache(f.mot_de_passe.clone(), empreinte).await {
        return rendre(
            &etat,
            &v,
            None,
            vec![erreur("mot_de_passe", "Mot de passe incorrect.")],
        )
        .await;
    }
    if let Err(m) = verifier_code(&etat, u, &sf, &f.code).await? {
        return rendre(&etat, &v, None, vec![erreur("code", m)]).await;
    }
    etat.store
        .desactiver_second_facteur(&acteur(u), &u.id)
        .await?;
    journal::noter(&etat, &v, Evenement::SecondFacteurDesactive).await;
    Ok(Redirect::to("/compte/second-facteur?ok=desactive").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Annexe B de la RFC 6238, SHA-1 (secret ASCII « 12345678901234567890 »), 8 chiffres tronqués
    /// à 6 : le générateur de la bibliothèque, tel que nous le paramétrons, suit la RFC.
    #[test]
    fn vecteurs_rfc6238() {
        let t = TOTP::new_unchecked(
            Algorithm::SHA1,
            8,
            1,
            PAS,
            b"12345678901234567890".to_vec(),
            None,
            String::new(),
        );
        assert_eq!(t.generate(59), "94287082");
        assert_eq!(t.generate(1_111_111_109), "07081804");
        assert_eq!(t.generate(20_000_000_000), "65353130");
    }

    #[test]
    fn fenetre_d_un_pas() {
        let s = nouveau_secret();
        let t = generateur(&s, "a@b.example").unwrap();
        let instant = 1_700_000_000;
        let code = t.generate(instant - 30);
        assert_eq!(
            pas_du_code(&t, &code, instant),
            Some(((instant - 30) / 30) as i64)
        );
        let vieux = t.generate(instant - 60);
        if vieux != code && vieux != t.generate(instant) && vieux != t.generate(instant + 30) {
            assert_eq!(pas_du_code(&t, &vieux, instant), None);
        }
        assert_eq!(pas_du_code(&t, "12345", instant), None);
    }

    #[test]
    fn codes_de_secours() {
        let c = code_secours();
        assert_eq!(c.len(), 11);
        assert_eq!(
            empreinte_code("sel", &c),
            empreinte_code("sel", &format!(" {} ", c.to_uppercase()))
        );
        assert_ne!(empreinte_code("sel", &c), empreinte_code("autre", &c));
    }
}
