//! Liens à usage unique envoyés par courriel (vérification d'adresse, réinitialisation,
//! invitations).

use chrono::{Duration, Utc};
use reperes_domain::comptes::RoleCompte;
use reperes_store::{Jeton, NatureJeton};

use crate::commun::auth;
use crate::{ErreurWeb, Etat};

/// Crée un jeton à usage unique et rend le lien à envoyer.
pub async fn lien_jeton(
    etat: &Etat,
    nature: NatureJeton,
    email: &str,
    organisation_id: Option<String>,
    role: Option<RoleCompte>,
    duree: Duration,
    chemin: &str,
) -> Result<String, ErreurWeb> {
    let j = auth::jeton();
    etat.store
        .creer_jeton(&Jeton {
            hash: auth::empreinte(&j),
            nature,
            email: email.to_string(),
            organisation_id,
            role,
            expire_le: Utc::now() + duree,
        })
        .await?;
    Ok(format!("{}{chemin}/{j}", etat.config.url_publique))
}
