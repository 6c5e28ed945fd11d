//! Limitation des tentatives (connexion, inscription, réinitialisation), par IP et par compte, sur
//! une fenêtre glissante de 15 minutes.

use chrono::{Duration, Utc};

use crate::{ErreurWeb, Etat};

/// Tentatives permises par fenêtre de 15 minutes.
pub const MAX_PAR_IP: i64 = 20;

pub const MAX_PAR_COMPTE: i64 = 5;

const FENETRE: Duration = Duration::minutes(15);

pub(super) async fn limiter(etat: &Etat, cles: &[String]) -> Result<(), ErreurWeb> {
    let depuis = Utc::now() - FENETRE;
    for cle in cles {
        let max = if cle.starts_with("ip:") {
            MAX_PAR_IP
        } else {
            MAX_PAR_COMPTE
        };
        if etat.store.compter_tentatives(cle, depuis).await? >= max {
            return Err(ErreurWeb::TropDeTentatives);
        }
    }
    for cle in cles {
        etat.store.noter_tentative(cle, Utc::now()).await?;
    }
    Ok(())
}
