//! Livraison des webhooks du registre : signature HMAC, adresses à usage spécial refusées,
//! connexion à l'adresse vérifiée, envois dus en parallèle borné, tâche de fond.
//!
//! Contre la falsification de requêtes côté serveur (SSRF) :
//! - l'adresse est **canonicalisée** (IPv4 mappée `::ffff:a.b.c.d` ramenée à l'IPv4) puis
//!   comparée à la table [`PLAGES_INTERDITES`] (registres IANA des adresses à usage spécial,
//!   IPv4 et IPv6, plus le multicast et les plages qui embarquent une IPv4 : compatible `::/96`,
//!   6to4 `2002::/16`, NAT64 `64:ff9b::/96`, Teredo `2001::/32`) ;
//! - le nom est résolu **une fois**, toutes les adresses obtenues sont contrôlées, puis la
//!   connexion est forcée sur ces adresses (`resolve_to_addrs`) : pas de seconde résolution
//!   (rebinding) ; ni mandataire (proxy) ni redirection ;
//! - l'abonné ne voit qu'une erreur générique ; le détail va au journal du serveur.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use ipnet::IpNet;
use reperes_store::{Abonnement, Livraison, Store};
use sha2::Sha256;

/// En-tête portant la signature : `sha256=<hex>` du HMAC-SHA256 du corps, clé = secret.
pub const ENTETE_SIGNATURE: &str = "x-reperes-signature";

/// Message montré à l'abonné quand la livraison n'a pas obtenu de réponse HTTP (nom qui ne se
/// résout pas, adresse refusée, connexion refusée, délai dépassé…) : le détail, qui
/// renseignerait sur le réseau visé, reste au journal du serveur.
pub const ERREUR_INJOIGNABLE: &str = "destinataire injoignable";

pub fn signature(secret: &str, corps: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("toute clé convient à HMAC");
    mac.update(corps);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Plages à usage spécial refusées comme destination d'un webhook : registres IANA « IPv4
/// Special-Purpose Address Registry » et « IPv6 Special-Purpose Address Registry » (toutes les
/// entrées, y compris celles dites globalement joignables, qu'aucun abonné n'a de raison
/// d'utiliser), plus le multicast, la plage réservée 240/4 et les préfixes qui embarquent une
/// IPv4. Une IPv4 mappée (`::ffff:0:0/96`) est d'abord ramenée à son IPv4.
pub const PLAGES_INTERDITES: &[&str] = &[
    // IPv4
    "0.0.0.0/8",       // « ce réseau »
    "10.0.0.0/8",      // privé
    "100.64.0.0/10",   // adresses partagées (CGNAT)
    "127.0.0.0/8",     // boucle locale
    "169.254.0.0/16",  // lien local (métadonnées des nuages)
    "172.16.0.0/12",   // privé
    "192.0.0.0/24",    // affectations de protocole IETF
    "192.0.2.0/24",    // documentation TEST-NET-1
    "192.31.196.0/24", // AS112
    "192.52.193.0/24", // AMT
    "192.88.99.0/24",  // relais 6to4 (déprécié)
    "192.168.0.0/16",  // privé
    "192.175.48.0/24", // AS112 direct
    "198.18.0.0/15",   // bancs d'essai
    "198.51.100.0/24", // documentation TEST-NET-2
    "203.0.113.0/24",  // documentation TEST-NET-3
    "224.0.0.0/4",     // multicast
    "240.0.0.0/4",     // réservé (dont 255.255.255.255, diffusion)
    // IPv6
    "::/96",             // non spécifiée, boucle locale, IPv4 compatible (dépréciée)
    "::ffff:0:0/96",     // IPv4 mappée : contrôlée par son IPv4 (voir `canonique`)
    "64:ff9b::/96",      // traduction IPv4/IPv6 (NAT64)
    "64:ff9b:1::/48",    // traduction locale
    "100::/64",          // élimination (discard)
    "2001::/23",         // protocoles IETF (dont Teredo 2001::/32, ORCHID, AMT…)
    "2001:db8::/32",     // documentation
    "2002::/16",         // 6to4
    "2620:4f:8000::/48", // AS112 direct
    "3fff::/20",         // documentation
    "5f00::/16",         // SRv6
    "fc00::/7",          // adresses locales uniques
    "fe80::/10",         // lien local
    "fec0::/10",         // site local (déprécié)
    "ff00::/8",          // multicast
];

fn plages() -> &'static [IpNet] {
    static PLAGES: std::sync::OnceLock<Vec<IpNet>> = std::sync::OnceLock::new();
    PLAGES.get_or_init(|| {
        PLAGES_INTERDITES
            .iter()
            .map(|p| p.parse().expect("plage de la table"))
            .collect()
    })
}

/// L'adresse sous sa forme canonique : une IPv4 mappée en IPv6 redevient une IPv4.
pub fn canonique(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// Vrai si l'adresse (canonicalisée) est dans une plage à usage spécial.
pub fn adresse_interdite(ip: IpAddr) -> bool {
    let ip = canonique(ip);
    plages().iter().any(|p| p.contains(&ip))
}

/// Résultat d'une résolution de nom.
pub type Resolution = Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>>;

/// Fonction de résolution : (hôte, port) → adresses.
type FonctionResolution = dyn Fn(&str, u16) -> Resolution + Send + Sync;

/// Résolveur de noms, injectable (les tests lui font rendre les adresses de leur choix).
#[derive(Clone)]
pub struct Resolveur(Arc<FonctionResolution>);

impl Resolveur {
    /// Le résolveur du système (`getaddrinfo`, par tokio).
    pub fn systeme() -> Resolveur {
        Resolveur(Arc::new(|hote: &str, port: u16| {
            let hote = hote.to_string();
            Box::pin(async move {
                Ok(tokio::net::lookup_host((hote.as_str(), port))
                    .await?
                    .collect())
            })
        }))
    }

    /// Un résolveur qui rend ce que dit la fonction.
    pub fn fixe(
        f: impl Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync + 'static,
    ) -> Resolveur {
        let f = Arc::new(f);
        Resolveur(Arc::new(move |hote: &str, port: u16| {
            let r = f(hote, port);
            Box::pin(async move { r })
        }))
    }

    async fn resoudre(&self, hote: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        (self.0)(hote, port).await
    }
}

/// Une destination contrôlée : l'URL, et pour un nom, les adresses vérifiées où se connecter.
struct Cible {
    url: reqwest::Url,
    nom: Option<(String, Vec<SocketAddr>)>,
}

/// Refus d'une destination : message pour la personne qui s'abonne, détail pour le journal.
struct Refus {
    message: String,
    detail: String,
}

fn refus(message: &str, detail: String) -> Refus {
    Refus {
        message: message.to_string(),
        detail,
    }
}

const INTERNE: &str =
    "Cette adresse désigne un réseau interne ou réservé : elle n'est pas acceptée.";

fn lire_url(url: &str) -> Result<reqwest::Url, Refus> {
    let u = reqwest::Url::parse(url.trim()).map_err(|e| {
        refus(
            "Adresse invalide : elle doit commencer par https:// (ou http://).",
            format!("URL illisible : {e}"),
        )
    })?;
    if !matches!(u.scheme(), "https" | "http") {
        return Err(refus(
            "Seules les adresses https:// ou http:// sont acceptées.",
            format!("schéma {}", u.scheme()),
        ));
    }
    if u.host().is_none() {
        return Err(refus("Adresse sans nom d'hôte.", "sans hôte".into()));
    }
    Ok(u)
}

/// Contrôle complet : URL lisible, hôte résolu une fois, chaque adresse hors des plages
/// interdites (sauf `locales_permises`).
async fn cible(url: &str, locales_permises: bool, resolveur: &Resolveur) -> Result<Cible, Refus> {
    let u = lire_url(url)?;
    let port = u.port_or_known_default().unwrap_or(443);
    let controler = |ip: IpAddr| -> Result<(), Refus> {
        if !locales_permises && adresse_interdite(ip) {
            return Err(refus(INTERNE, format!("adresse interdite {ip}")));
        }
        Ok(())
    };
    let hote = u.host_str().unwrap_or_default();
    // `Url` a déjà normalisé l'hôte (IPv4 écrites en octal, en hexadécimal ou abrégées,
    // IPv6 entre crochets) : ce qui se lit comme une adresse IP en est une.
    if let Ok(ip) = hote.trim_matches(['[', ']']).parse::<IpAddr>() {
        controler(ip)?;
        return Ok(Cible { url: u, nom: None });
    }
    let nom = hote.to_string();
    let adresses = resolveur.resoudre(&nom, port).await.map_err(|e| {
        refus(
            &format!("Le nom d'hôte « {nom} » ne se résout pas."),
            format!("résolution de {nom} : {e}"),
        )
    })?;
    if adresses.is_empty() {
        return Err(refus(
            &format!("Le nom d'hôte « {nom} » ne se résout pas."),
            format!("résolution de {nom} : aucune adresse"),
        ));
    }
    for a in &adresses {
        controler(a.ip())?;
    }
    Ok(Cible {
        url: u,
        nom: Some((nom, adresses)),
    })
}

/// Vérifie qu'une URL d'abonnement est acceptable : http(s), et (sauf réglage contraire) hors des
/// plages à usage spécial, pour que le serveur ne serve pas de relais vers elles.
pub async fn verifier_url(url: &str, locales_permises: bool) -> Result<(), String> {
    verifier_url_avec(url, locales_permises, &Resolveur::systeme()).await
}

/// [`verifier_url`] avec un résolveur choisi.
pub async fn verifier_url_avec(
    url: &str,
    locales_permises: bool,
    resolveur: &Resolveur,
) -> Result<(), String> {
    if locales_permises {
        // Réglage de test : pas de résolution (les noms des tests n'existent pas).
        return lire_url(url).map(|_| ()).map_err(|r| r.message);
    }
    cible(url, false, resolveur)
        .await
        .map(|_| ())
        .map_err(|r| r.message)
}

/// Réglages de la livraison.
#[derive(Clone)]
pub struct Livreur {
    pub resolveur: Resolveur,
    /// Accepter la boucle locale et les réseaux privés (tests seulement).
    pub locales_permises: bool,
    /// Délai d'un envoi, connexion comprise.
    pub delai: Duration,
    /// Envois simultanés au plus.
    pub concurrence: usize,
}

impl Livreur {
    pub fn new(locales_permises: bool) -> Livreur {
        Livreur {
            resolveur: Resolveur::systeme(),
            locales_permises,
            delai: Duration::from_secs(5),
            concurrence: 8,
        }
    }

    /// Un envoi : contrôle de la destination, connexion à l'adresse contrôlée. Rend le statut
    /// HTTP, ou le détail de l'échec (pour le journal du serveur seulement).
    async fn envoyer(&self, a: &Abonnement, l: &Livraison) -> Result<u16, String> {
        let c = cible(&a.url, self.locales_permises, &self.resolveur)
            .await
            .map_err(|r| r.detail)?;
        let mut b = reqwest::Client::builder()
            .timeout(self.delai)
            .connect_timeout(self.delai)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!(
                "Reperes/",
                env!("CARGO_PKG_VERSION"),
                " (webhooks)"
            ));
        if let Some((nom, adresses)) = &c.nom {
            b = b.resolve_to_addrs(nom, adresses);
        }
        let client = b.build().map_err(|e| format!("client HTTP : {e}"))?;
        client
            .post(c.url)
            .header("content-type", "application/json")
            .header(ENTETE_SIGNATURE, signature(&a.secret, l.corps.as_bytes()))
            .header("x-reperes-evenement", &l.evenement)
            .header("x-reperes-livraison", &l.id)
            .body(l.corps.clone())
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| format!("{e:?}"))
    }

    /// Un envoi et son résultat noté ; vrai si livré.
    async fn livrer(self, store: Store, l: Livraison, a: Abonnement) -> bool {
        let (statut, erreur) = match self.envoyer(&a, &l).await {
            Ok(s) if (200..300).contains(&s) => (Some(i64::from(s)), None),
            Ok(s) => (
                Some(i64::from(s)),
                Some(format!("livraison impossible (code HTTP {s})")),
            ),
            Err(detail) => {
                tracing::warn!(livraison = %l.id, url = %a.url, "livraison de webhook impossible : {detail}");
                (None, Some(ERREUR_INJOIGNABLE.to_string()))
            }
        };
        tracing::info!(livraison = %l.id, abonnement = %a.id, evenement = %l.evenement, statut = ?statut, "livraison de webhook");
        if let Err(e) = store
            .noter_livraison(&l.id, statut, erreur.as_deref())
            .await
        {
            tracing::warn!("livraison {} non notée : {e}", l.id);
        }
        erreur.is_none()
    }
}

/// Fait les livraisons dues, au plus `concurrence` à la fois ; rend (réussies, échouées).
pub async fn livrer_dues(store: &Store, livreur: &Livreur) -> (usize, usize) {
    let dues = match store.livraisons_dues(chrono::Utc::now(), 50).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("livraisons illisibles : {e}");
            return (0, 0);
        }
    };
    let (mut ok, mut ko) = (0, 0);
    let mut compter = |r: Result<bool, tokio::task::JoinError>| match r {
        Ok(true) => ok += 1,
        _ => ko += 1,
    };
    let mut en_cours = tokio::task::JoinSet::new();
    for (l, a) in dues {
        while en_cours.len() >= livreur.concurrence.max(1) {
            if let Some(r) = en_cours.join_next().await {
                compter(r);
            }
        }
        en_cours.spawn(livreur.clone().livrer(store.clone(), l, a));
    }
    while let Some(r) = en_cours.join_next().await {
        compter(r);
    }
    (ok, ko)
}

pub fn lancer(
    store: Store,
    locales_permises: bool,
    periode: Duration,
) -> tokio::task::JoinHandle<()> {
    let livreur = Livreur::new(locales_permises);
    tokio::spawn(async move {
        loop {
            livrer_dues(&store, &livreur).await;
            tokio::time::sleep(periode).await;
        }
    })
}
