//! Sessions, personne connectée, protection CSRF.
//!
//! Une personne connectée a une session en base (cookie opaque, seule son empreinte est gardée).
//! Une personne anonyme n'a aucune ligne en base : le secret de son jeton CSRF voyage dans le même
//! cookie, signé (HMAC-SHA256, clé du serveur gardée hors de la base : [`CleSecrete`]) et daté.
//! À la connexion, une session neuve est ouverte (pas de fixation possible : le cookie anonyme
//! n'est jamais promu). Le jeton CSRF écrit dans les pages est masqué à chaque réponse (contre
//! BREACH : le HTML est compressé) ; la vérification le démasque en temps constant.

use std::path::Path;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use reperes_domain::comptes::{Personne, RoleCompte};
use reperes_store::{Session, Utilisateur};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::commun::auth;
use crate::{ErreurWeb, Etat};

pub const COOKIE_SESSION: &str = "reperes_session";
/// Durée d'une session connectée.
pub const DUREE_CONNECTEE: Duration = Duration::hours(12);
/// Durée d'une session anonyme (le temps de remplir un formulaire).
pub const DUREE_ANONYME: Duration = Duration::hours(2);
/// En-tête qui peut porter le jeton CSRF (envois multipart lus en flux, clients sans formulaire).
pub const ENTETE_CSRF: &str = "x-csrf-token";
/// Début de la valeur d'un cookie anonyme signé (`a1.<secret>.<expiration>.<signature>`) ; un
/// identifiant de session en base est en base64url, sans point : les deux ne se confondent pas.
const PREFIXE_ANONYME: &str = "a1.";

/// Clé secrète du serveur : signe les cookies anonymes. Gardée hors de la base (réglage
/// `REPERES_SECRET`, ou fichier 0600 sous le dossier de données) ; jamais affichée.
#[derive(Clone)]
pub struct CleSecrete(Arc<[u8]>);

impl std::fmt::Debug for CleSecrete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CleSecrete(…)")
    }
}

impl CleSecrete {
    /// Longueur minimale d'une clé donnée par la configuration (en octets).
    pub const LONGUEUR_MIN: usize = 32;

    /// Une clé donnée par la configuration (`REPERES_SECRET`) : 32 caractères au moins.
    pub fn depuis_texte(texte: &str) -> Result<CleSecrete, String> {
        let texte = texte.trim();
        if texte.len() < Self::LONGUEUR_MIN {
            return Err(format!(
                "REPERES_SECRET est trop courte : {} caractères au moins (par exemple la sortie de « openssl rand -base64 48 »)",
                Self::LONGUEUR_MIN
            ));
        }
        Ok(CleSecrete(Arc::from(texte.as_bytes())))
    }

    /// Une clé aléatoire de 256 bits.
    pub fn aleatoire() -> CleSecrete {
        let mut o = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut o);
        CleSecrete(Arc::from(&o[..]))
    }

    /// Lit la clé gardée dans `fichier`, ou la crée (aléatoire, droits 0600) s'il n'existe pas ;
    /// rend aussi vrai si elle vient d'être créée.
    pub fn charger_ou_creer(fichier: &Path) -> std::io::Result<(CleSecrete, bool)> {
        match std::fs::read_to_string(fichier) {
            Ok(texte) => CleSecrete::depuis_texte(&texte)
                .map(|c| (c, false))
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let texte = auth::creer_fichier_de_cle(fichier)?;
                Ok((
                    CleSecrete::depuis_texte(&texte).map_err(std::io::Error::other)?,
                    true,
                ))
            }
            Err(e) => Err(e),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepte toute longueur de clé")
    }

    /// Valeur signée du cookie anonyme : secret CSRF et date d'expiration.
    fn signer(&self, secret: &str, expire: i64) -> String {
        let mut m = self.mac();
        m.update(format!("reperes-anonyme-v1|{secret}|{expire}").as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
        format!("{PREFIXE_ANONYME}{secret}.{expire}.{signature}")
    }

    /// Le secret et l'expiration d'un cookie anonyme, si sa signature est valable (comparée en
    /// temps constant) et s'il n'a pas expiré.
    fn verifier(&self, valeur: &str, maintenant: DateTime<Utc>) -> Option<(String, DateTime<Utc>)> {
        let reste = valeur.strip_prefix(PREFIXE_ANONYME)?;
        let mut morceaux = reste.split('.');
        let (secret, expire, signature) = (morceaux.next()?, morceaux.next()?, morceaux.next()?);
        if morceaux.next().is_some() || secret.is_empty() {
            return None;
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut m = self.mac();
        m.update(format!("reperes-anonyme-v1|{secret}|{expire}").as_bytes());
        m.verify_slice(&signature).ok()?;
        let expire = DateTime::from_timestamp(expire.parse().ok()?, 0)?;
        (expire > maintenant).then(|| (secret.to_string(), expire))
    }
}

/// Qui fait la requête : sa session (s'il en a une) et son compte (s'il est connecté).
#[derive(Debug, Clone, Default)]
pub struct Visiteur {
    /// La session en base d'une personne connectée ; pour une personne anonyme qui a reçu un
    /// formulaire, la session portée par son cookie signé (aucune ligne en base : `id_hash` est
    /// l'empreinte de son secret, `csrf` ce secret).
    pub session: Option<Session>,
    pub utilisateur: Option<Utilisateur>,
    pub personne: Option<Personne>,
    /// Adresse IP du client (limitation de débit).
    pub ip: String,
    /// Jeton CSRF reçu dans l'en-tête `X-CSRF-Token`, s'il y en a un.
    pub csrf_entete: Option<String>,
    /// User-agent du client, borné (journal de sécurité).
    pub user_agent: Option<String>,
    /// Agent sans second facteur alors que l'administration l'exige : conduit à l'activer avant
    /// tout accès à l'instruction (`agent()`, `administrateur()`), et vu comme un demandeur par
    /// les règles d'accès aux dossiers.
    pub second_facteur_a_activer: bool,
    /// Site national ou version locale (issue 17) : thème, périmètre, chemins des pages.
    pub portee: crate::commun::portee::Portee,
}

fn cookie(parts: &Parts, nom: &str) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == nom)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<Etat> for Visiteur {
    type Rejection = ErreurWeb;

    async fn from_request_parts(parts: &mut Parts, etat: &Etat) -> Result<Self, Self::Rejection> {
        let ip = crate::commun::adresse::adresse_client(
            &parts.headers,
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
            etat.config.entete_ip.as_deref(),
            etat.config.mandataires,
        );
        let mut v = Visiteur {
            portee: crate::commun::portee::de_la_requete(parts, etat),
            ip,
            csrf_entete: parts
                .headers
                .get(ENTETE_CSRF)
                .and_then(|x| x.to_str().ok())
                .map(str::to_string),
            ..Default::default()
        };
        v.user_agent = crate::commun::journal::user_agent(&parts.headers);
        let Some(valeur) = cookie(parts, COOKIE_SESSION) else {
            return Ok(v);
        };
        if valeur.starts_with(PREFIXE_ANONYME) {
            // Personne anonyme : rien à lire en base ; un cookie falsifié ou expiré ne vaut rien.
            v.session = etat
                .config
                .secret
                .verifier(&valeur, Utc::now())
                .map(|(secret, expire)| session_anonyme(secret, expire));
            return Ok(v);
        }
        let Some(session) = etat
            .store
            .session(&auth::empreinte(&valeur), Utc::now())
            .await?
        else {
            return Ok(v);
        };
        if let Some(uid) = &session.utilisateur_id {
            if let Some(u) = etat.store.utilisateur(uid).await?.filter(|u| u.actif) {
                if u.role == RoleCompte::Expert && interdit_aux_experts(parts.uri.path()) {
                    return Err(ErreurWeb::InterditPour(REFUS_EXPERT.into()));
                }
                let mut personne = etat.store.personne(&u).await?;
                if u.role.est_agent() && etat.store.second_facteur_a_activer(&u.id).await? {
                    v.second_facteur_a_activer = true;
                    personne.role = RoleCompte::Demandeur;
                }
                v.personne = Some(personne);
                v.utilisateur = Some(u);
            }
        }
        v.session = Some(session);
        Ok(v)
    }
}

/// Ce qui est dit à un compte d'expert sur une page qui n'est pas pour lui.
pub const REFUS_EXPERT: &str = "Votre compte d'expert ne donne accès qu'à vos demandes d'avis \
(« Mes demandes d'avis ») et aux pages publiques.";

/// Les pages refusées à un compte d'expert (avis d'experts) : tout ce qui demande un compte, sauf
/// ses pages d'avis (`/avis…`), la connexion et la déconnexion, et ses données personnelles (les
/// consulter et les exporter). Les dossiers, pièces, organisations, l'espace, l'instruction et
/// l'administration lui sont refusés ici (403), avant toute règle d'accès par objet.
pub fn interdit_aux_experts(chemin: &str) -> bool {
    const PREFIXES: [&str; 12] = [
        "/espace",
        "/compte/second-facteur",
        "/compte/supprimer",
        "/organisations",
        "/dispositifs",
        "/dossiers",
        "/fichiers",
        "/instruction",
        "/administration",
        "/invitation/",
        "/donnees/abonnements",
        "/connexion/code",
    ];
    let sous = |p: &str| chemin == p || chemin.starts_with(&format!("{p}/"));
    PREFIXES.iter().any(|p| sous(p.trim_end_matches('/')))
        || (chemin.starts_with("/territoires/") && chemin.ends_with("/saisie"))
        || (chemin.starts_with("/lieux/") && chemin.ends_with("/dispositifs"))
}

/// En-tête `Set-Cookie` de la session.
pub fn entete_cookie(etat: &Etat, valeur: &str, duree: Duration) -> HeaderValue {
    let secure = if etat.config.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE_SESSION}={valeur}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        duree.num_seconds()
    ))
    .expect("cookie ASCII")
}

/// En-tête qui efface le cookie de session.
pub fn entete_effacement(etat: &Etat) -> HeaderValue {
    entete_cookie(etat, "", Duration::zero())
}

/// Ouvre une nouvelle session (anonyme ou pour un compte) ; rend la session et l'en-tête à poser.
pub async fn ouvrir(
    etat: &Etat,
    utilisateur_id: Option<String>,
) -> Result<(Session, (axum::http::HeaderName, HeaderValue)), ErreurWeb> {
    let valeur = auth::jeton();
    let duree = if utilisateur_id.is_some() {
        DUREE_CONNECTEE
    } else {
        DUREE_ANONYME
    };
    let s = Session {
        id_hash: auth::empreinte(&valeur),
        utilisateur_id,
        csrf: auth::jeton(),
        expire_le: Utc::now() + duree,
    };
    etat.store.creer_session(&s).await?;
    Ok((s, (SET_COOKIE, entete_cookie(etat, &valeur, duree))))
}

/// La session d'une personne anonyme, telle que son cookie signé la porte (jamais écrite en base).
fn session_anonyme(secret: String, expire: DateTime<Utc>) -> Session {
    Session {
        id_hash: auth::empreinte(&secret),
        utilisateur_id: None,
        csrf: secret,
        expire_le: expire,
    }
}

/// La requête porte-t-elle le cookie d'une session en base (personne connectée, ou qui l'a été) ?
/// Sans lire la base : sert à marquer les réponses privées (`Cache-Control: no-store`).
pub fn porte_une_session(entetes: &HeaderMap) -> bool {
    entetes
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .any(|(k, v)| k == COOKIE_SESSION && !v.is_empty() && !v.starts_with(PREFIXE_ANONYME))
}

/// Masque un secret CSRF pour une réponse : `base64url(masque ‖ (masque XOR secret))`, masque
/// aléatoire neuf à chaque appel. Deux pages ne portent jamais le même jeton, et le secret
/// n'apparaît jamais tel quel dans un HTML compressé (BREACH).
pub fn masquer(secret: &str) -> String {
    let secret = secret.as_bytes();
    let mut jeton = vec![0u8; 2 * secret.len()];
    let (masque, chiffre) = jeton.split_at_mut(secret.len());
    rand::rngs::OsRng.fill_bytes(masque);
    for ((c, m), s) in chiffre.iter_mut().zip(masque.iter()).zip(secret) {
        *c = m ^ s;
    }
    URL_SAFE_NO_PAD.encode(jeton)
}

/// Le secret d'un jeton masqué (voir [`masquer`]) ; `None` s'il est mal formé.
fn demasquer(jeton: &str) -> Option<Vec<u8>> {
    let octets = URL_SAFE_NO_PAD.decode(jeton.trim()).ok()?;
    if octets.is_empty() || !octets.len().is_multiple_of(2) {
        return None;
    }
    let (masque, chiffre) = octets.split_at(octets.len() / 2);
    Some(masque.iter().zip(chiffre).map(|(m, c)| m ^ c).collect())
}

impl Visiteur {
    /// Jeton CSRF (masqué, neuf à chaque appel) ; pour une personne anonyme qui n'en a pas encore,
    /// pose un cookie signé (l'en-tête à poser est alors rendu) : aucune session n'est écrite en
    /// base avant la connexion. Un cookie anonyme à mi-vie est prolongé (même secret).
    pub async fn csrf(
        &mut self,
        etat: &Etat,
    ) -> Result<(String, Option<(axum::http::HeaderName, HeaderValue)>), ErreurWeb> {
        let maintenant = Utc::now();
        if let Some(s) = &self.session {
            let anonyme_a_mi_vie = s.utilisateur_id.is_none()
                && s.expire_le - maintenant < DUREE_ANONYME / 2
                && auth::empreinte(&s.csrf) == s.id_hash;
            if !anonyme_a_mi_vie {
                return Ok((masquer(&s.csrf), None));
            }
        }
        let secret = match &self.session {
            Some(s) => s.csrf.clone(),
            None => auth::jeton(),
        };
        let expire = maintenant + DUREE_ANONYME;
        let valeur = etat.config.secret.signer(&secret, expire.timestamp());
        let entete = (SET_COOKIE, entete_cookie(etat, &valeur, DUREE_ANONYME));
        let s = session_anonyme(secret, expire);
        let jeton = masquer(&s.csrf);
        self.session = Some(s);
        Ok((jeton, Some(entete)))
    }

    /// Jeton CSRF masqué à écrire dans la page (vide sans session) : neuf à chaque appel.
    pub fn jeton_csrf(&self) -> String {
        self.session
            .as_ref()
            .map(|s| masquer(&s.csrf))
            .unwrap_or_default()
    }

    /// Vérifie le jeton CSRF soumis avec un formulaire (masqué, tel que les pages l'écrivent), ou
    /// à défaut celui de l'en-tête `X-CSRF-Token` ; comparaison en temps constant.
    pub fn verifier_csrf(&self, soumis: &str) -> Result<(), ErreurWeb> {
        let Some(s) = &self.session else {
            return Err(ErreurWeb::Csrf);
        };
        let valide = |jeton: &str| {
            demasquer(jeton).is_some_and(|o| bool::from(o.as_slice().ct_eq(s.csrf.as_bytes())))
        };
        if valide(soumis) || self.csrf_entete.as_deref().is_some_and(valide) {
            Ok(())
        } else {
            Err(ErreurWeb::Csrf)
        }
    }

    /// Vérifie le jeton CSRF d'un formulaire lu comme liste de paires (champs dynamiques).
    pub fn verifier_csrf_champs(&self, champs: &[(String, String)]) -> Result<(), ErreurWeb> {
        let soumis = champs
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.as_str());
        self.verifier_csrf(soumis.unwrap_or(""))
    }

    /// Le compte connecté, ou une invitation à se connecter.
    pub fn connecte(&self) -> Result<(&Utilisateur, &Personne), ErreurWeb> {
        match (&self.utilisateur, &self.personne) {
            (Some(u), Some(p)) => Ok((u, p)),
            _ => Err(ErreurWeb::NonConnecte),
        }
    }

    /// Le compte connecté s'il est agent de l'instruction.
    pub fn agent(&self) -> Result<(&Utilisateur, &Personne), ErreurWeb> {
        let (u, p) = self.connecte()?;
        if u.role.est_agent() && self.second_facteur_a_activer {
            Err(ErreurWeb::SecondFacteurRequis)
        } else if u.role.est_agent() {
            Ok((u, p))
        } else {
            Err(ErreurWeb::Interdit)
        }
    }

    /// Le compte connecté s'il est administrateur.
    pub fn administrateur(&self) -> Result<(&Utilisateur, &Personne), ErreurWeb> {
        let (u, p) = self.connecte()?;
        if u.role == RoleCompte::Administrateur && self.second_facteur_a_activer {
            Err(ErreurWeb::SecondFacteurRequis)
        } else if u.role == RoleCompte::Administrateur {
            Ok((u, p))
        } else {
            Err(ErreurWeb::Interdit)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jeton_masque_neuf_a_chaque_fois_et_demasquable() {
        let secret = auth::jeton();
        let (a, b) = (masquer(&secret), masquer(&secret));
        assert_ne!(a, b);
        assert!(!a.contains(&secret));
        assert_eq!(demasquer(&a).unwrap(), secret.as_bytes());
        assert_eq!(demasquer(&b).unwrap(), secret.as_bytes());
        assert_eq!(demasquer(""), None);
        assert_eq!(demasquer("abcd"), None);
        assert_eq!(demasquer("pas du base64 !"), None);
    }

    #[test]
    fn cookie_anonyme_signe_date_et_lie_a_sa_cle() {
        let cle = CleSecrete::aleatoire();
        let maintenant = Utc::now();
        let expire = (maintenant + DUREE_ANONYME).timestamp();
        let valeur = cle.signer("secret", expire);
        let (secret, _) = cle.verifier(&valeur, maintenant).expect("valable");
        assert_eq!(secret, "secret");
        // Expiré.
        assert!(cle
            .verifier(&valeur, maintenant + DUREE_ANONYME * 2)
            .is_none());
        // Autre clé, secret ou date changés, morceau en trop.
        assert!(CleSecrete::aleatoire()
            .verifier(&valeur, maintenant)
            .is_none());
        let autre = valeur.replacen("secret", "secreT", 1);
        assert!(cle.verifier(&autre, maintenant).is_none());
        let autre = valeur.replacen(&expire.to_string(), &(expire + 1).to_string(), 1);
        assert!(cle.verifier(&autre, maintenant).is_none());
        assert!(cle.verifier(&format!("{valeur}.x"), maintenant).is_none());
        // La clé ne s'affiche jamais.
        assert_eq!(format!("{cle:?}"), "CleSecrete(…)");
        assert!(CleSecrete::depuis_texte("courte").is_err());
    }

    #[test]
    fn cle_gardee_dans_un_fichier_0600() {
        let dossier = std::env::temp_dir().join(format!("reperes-cle-{}", uuid::Uuid::new_v4()));
        let fichier = dossier.join("cle-secrete");
        let (cle, creee) = CleSecrete::charger_ou_creer(&fichier).unwrap();
        assert!(creee);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&fichier).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (relue, creee) = CleSecrete::charger_ou_creer(&fichier).unwrap();
        assert!(!creee);
        assert_eq!(cle.0, relue.0);
        std::fs::remove_dir_all(dossier).unwrap();
    }
}
