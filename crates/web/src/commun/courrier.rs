//! Envoi des courriels de la file : SMTP (lettre) si `REPERES_SMTP_URL` est défini, sinon écriture
//! dans un dossier local (développement). Le travailleur réessaie avec un délai croissant.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use reperes_store::{Courriel, Store};

/// Où partent les courriels.
#[derive(Clone)]
pub enum Expediteur {
    Smtp {
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        de: Mailbox,
    },
    Dossier(PathBuf),
}

impl Expediteur {
    /// `smtp://hôte:port` (sans chiffrement, réseau local), `smtps://…` (TLS) ou
    /// `smtp://…?tls=required` (STARTTLS) ; identifiants éventuels dans l'URL.
    pub fn smtp(url: &str, de: &str) -> Result<Expediteur, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("REPERES_SMTP_URL invalide : {e}"))?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        let de = de
            .parse()
            .map_err(|e| format!("adresse d'expédition « {de} » invalide : {e}"))?;
        Ok(Expediteur::Smtp {
            transport: Box::new(transport),
            de,
        })
    }

    pub async fn envoyer(&self, c: &Courriel) -> Result<(), String> {
        match self {
            Expediteur::Smtp { transport, de } => {
                let message = Message::builder()
                    .from(de.clone())
                    .to(c
                        .destinataire
                        .parse()
                        .map_err(|e| format!("destinataire invalide : {e}"))?)
                    .subject(objet_sur(&c.sujet))
                    .header(ContentType::TEXT_PLAIN)
                    .body(c.corps.clone())
                    .map_err(|e| e.to_string())?;
                transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            Expediteur::Dossier(d) => {
                std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
                let texte = format!(
                    "À : {}\nSujet : {}\n\n{}\n",
                    c.destinataire,
                    objet_sur(&c.sujet),
                    c.corps
                );
                std::fs::write(d.join(format!("{}.txt", c.id)), texte).map_err(|e| e.to_string())
            }
        }
    }
}

/// Longueur maximale de l'objet d'un courriel, en caractères.
pub const OBJET_MAX: usize = 120;

/// L'objet tel qu'il part : caractères de contrôle (dont les fins de ligne) remplacés par des
/// espaces, blancs réduits, borné à [`OBJET_MAX`] caractères (« … » à la fin s'il est coupé).
/// Les appelants n'y mettent aucun texte saisi (issue 13, constat 5) ; ceci est la seconde
/// barrière, pour tous les courriels.
pub fn objet_sur(sujet: &str) -> String {
    let propre = sujet
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if propre.chars().count() <= OBJET_MAX {
        return propre;
    }
    let mut coupe: String = propre.chars().take(OBJET_MAX - 1).collect();
    coupe.push('…');
    coupe
}

/// Envoie les courriels dus ; rend (envoyés, échecs).
pub async fn envoyer_dus(store: &Store, expediteur: &Expediteur) -> (usize, usize) {
    let dus = match store.courriels_dus(chrono::Utc::now(), 50).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("file de courriels illisible : {e}");
            return (0, 0);
        }
    };
    let (mut ok, mut ko) = (0, 0);
    for c in dus {
        match expediteur.envoyer(&c).await {
            Ok(()) => {
                ok += 1;
                if let Err(e) = store.marquer_envoye(&c.id).await {
                    tracing::warn!("courriel {} envoyé mais non marqué : {e}", c.id);
                }
            }
            Err(e) => {
                ko += 1;
                tracing::warn!(
                    "envoi du courriel {} à {} impossible : {e}",
                    c.id,
                    c.destinataire
                );
                let _ = store.marquer_echec(&c.id, &e).await;
            }
        }
    }
    (ok, ko)
}

/// Travailleur de fond : vide la file toutes les `periode`.
pub fn lancer_travailleur(
    store: Store,
    expediteur: Expediteur,
    periode: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            envoyer_dus(&store, &expediteur).await;
            tokio::time::sleep(periode).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objet_sans_controles_et_borne() {
        assert_eq!(
            objet_sur("Repères :\r\nBcc: x@y.example  invitation"),
            "Repères : Bcc: x@y.example invitation"
        );
        let long = "a".repeat(5000);
        let o = objet_sur(&long);
        assert_eq!(o.chars().count(), OBJET_MAX);
        assert!(o.ends_with('…'));
        assert_eq!(objet_sur("Repères : court"), "Repères : court");
    }
}
