//! Livraison des webhooks du registre : signature HMAC, adresses internes refusées, envois dus,
//! tâche de fond.

use std::net::IpAddr;
use std::time::Duration;

use hmac::{Hmac, Mac};
use reperes_store::Store;
use sha2::Sha256;

/// En-tête portant la signature : `sha256=<hex>` du HMAC-SHA256 du corps, clé = secret.
pub const ENTETE_SIGNATURE: &str = "x-reperes-signature";

pub fn signature(secret: &str, corps: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("toute clé convient à HMAC");
    mac.update(corps);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn adresse_interne(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Vérifie qu'une URL d'abonnement est acceptable : http(s), et (sauf réglage contraire) hors des
/// réseaux internes, pour que le serveur ne serve pas de relais vers eux.
pub async fn verifier_url(url: &str, locales_permises: bool) -> Result<(), String> {
    let u = reqwest::Url::parse(url.trim()).map_err(|_| {
        "Adresse invalide : elle doit commencer par https:// (ou http://).".to_string()
    })?;
    if !matches!(u.scheme(), "https" | "http") {
        return Err("Seules les adresses https:// ou http:// sont acceptées.".into());
    }
    let hote = u.host_str().ok_or("Adresse sans nom d'hôte.")?.to_string();
    if locales_permises {
        return Ok(());
    }
    let port = u.port_or_known_default().unwrap_or(443);
    let adresses: Vec<IpAddr> = tokio::net::lookup_host((hote.trim_matches(['[', ']']), port))
        .await
        .map_err(|_| format!("Le nom d'hôte « {hote} » ne se résout pas."))?
        .map(|a| a.ip())
        .collect();
    if adresses.is_empty() || adresses.iter().any(|ip| adresse_interne(*ip)) {
        return Err("Cette adresse désigne un réseau interne : elle n'est pas acceptée.".into());
    }
    Ok(())
}

/// Fait les livraisons dues ; rend (réussies, échouées).
pub async fn livrer_dues(
    store: &Store,
    client: &reqwest::Client,
    locales_permises: bool,
) -> (usize, usize) {
    let dues = match store.livraisons_dues(chrono::Utc::now(), 50).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("livraisons illisibles : {e}");
            return (0, 0);
        }
    };
    let (mut ok, mut ko) = (0, 0);
    for (l, a) in dues {
        let resultat = match verifier_url(&a.url, locales_permises).await {
            Err(e) => Err(e),
            Ok(()) => client
                .post(&a.url)
                .header("content-type", "application/json")
                .header(ENTETE_SIGNATURE, signature(&a.secret, l.corps.as_bytes()))
                .header("x-reperes-evenement", &l.evenement)
                .header("x-reperes-livraison", &l.id)
                .body(l.corps.clone())
                .send()
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| e.to_string()),
        };
        let (statut, erreur) = match resultat {
            Ok(s) if (200..300).contains(&s) => (Some(i64::from(s)), None),
            Ok(s) => (Some(i64::from(s)), Some(format!("réponse HTTP {s}"))),
            Err(e) => (None, Some(e)),
        };
        match &erreur {
            None => ok += 1,
            Some(e) => {
                ko += 1;
                tracing::warn!("livraison {} vers {} : {e}", l.id, a.url);
            }
        }
        tracing::info!(livraison = %l.id, abonnement = %a.id, evenement = %l.evenement, statut = ?statut, "livraison de webhook");
        if let Err(e) = store
            .noter_livraison(&l.id, statut, erreur.as_deref())
            .await
        {
            tracing::warn!("livraison {} non notée : {e}", l.id);
        }
    }
    (ok, ko)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "Reperes/",
            env!("CARGO_PKG_VERSION"),
            " (webhooks)"
        ))
        .build()
        .expect("client HTTP")
}

pub fn lancer(
    store: Store,
    locales_permises: bool,
    periode: Duration,
) -> tokio::task::JoinHandle<()> {
    let c = client();
    tokio::spawn(async move {
        loop {
            livrer_dues(&store, &c, locales_permises).await;
            tokio::time::sleep(periode).await;
        }
    })
}
