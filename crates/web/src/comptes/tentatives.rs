//! Limitation des tentatives (connexion, inscription, réinitialisation, confirmation) : par
//! adresse réseau (IPv6 regroupée par /64) sur une fenêtre de 15 minutes, et pour la connexion
//! par compte ET adresse avec un délai progressif. Chaque tentative est comptée en une requête
//! atomique (`Store::compter_tentative`, `Store::tentative_progressive`) : une rafale parallèle
//! n'en laisse passer que le maximum.
//!
//! La clé du compte contient l'adresse : des échecs venus d'ailleurs ne bloquent pas le titulaire
//! (issue 13, constat 6) ; la limite par adresse borne les essais d'une même source sur tous les
//! comptes.

use chrono::{DateTime, Duration, Utc};

use crate::commun::adresse::reseau;
use crate::commun::journal::{self, Evenement};
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// Tentatives permises par adresse réseau et par fenêtre de 15 minutes.
pub const MAX_PAR_IP: i64 = 20;

/// Tentatives permises par compte et adresse avant un refus temporaire (et par adresse de compte
/// pour les demandes de lien).
pub const MAX_PAR_COMPTE: i64 = 5;

const FENETRE: Duration = Duration::minutes(15);

/// Durées des refus successifs (connexion, compte + adresse) : chacune double la précédente ;
/// la dernière se répète.
pub const DELAIS: [Duration; 5] = [
    Duration::minutes(15),
    Duration::minutes(30),
    Duration::hours(1),
    Duration::hours(2),
    Duration::hours(4),
];

/// La clé « adresse réseau » d'une adresse de client.
pub(super) fn cle_ip(ip: &str) -> String {
    format!("ip:{}", reseau(ip))
}

/// La clé « compte + adresse » d'une connexion.
pub(super) fn cle_connexion(email: &str, ip: &str) -> String {
    format!("connexion:{email}|{}", reseau(ip))
}

/// Une tentative refusée : à quelle heure réessayer.
#[derive(Debug)]
pub(super) struct Refus {
    pub jusqu_au: DateTime<Utc>,
}

impl Refus {
    /// Le message au champ : combien de minutes attendre (arrondi au-dessus).
    pub(super) fn message(&self) -> String {
        let secondes = (self.jusqu_au - Utc::now()).num_seconds().max(60);
        let minutes = (secondes + 59) / 60;
        if minutes >= 60 && minutes % 60 == 0 {
            let h = minutes / 60;
            format!(
                "Trop de tentatives en peu de temps : patientez {h} heure{} avant de réessayer.",
                if h > 1 { "s" } else { "" }
            )
        } else {
            format!("Trop de tentatives en peu de temps : patientez {minutes} minutes avant de réessayer.")
        }
    }
}

/// Note au journal de sécurité un refus pour trop de tentatives (au nom de `courriel`) et rend le
/// message à montrer au champ.
pub(super) async fn refus_note(etat: &Etat, v: &Visiteur, courriel: &str, r: Refus) -> String {
    journal::noter(etat, v, Evenement::TropDeTentatives { courriel }).await;
    r.message()
}

/// Compte une tentative pour chaque clé (`ip:` : [`MAX_PAR_IP`], sinon [`MAX_PAR_COMPTE`], par
/// fenêtre de 15 minutes) ; refuse si une limite est dépassée.
pub(super) async fn limiter(etat: &Etat, cles: &[String]) -> Result<Result<(), Refus>, ErreurWeb> {
    let maintenant = Utc::now();
    for cle in cles {
        let max = if cle.starts_with("ip:") {
            MAX_PAR_IP
        } else {
            MAX_PAR_COMPTE
        };
        if etat
            .store
            .compter_tentative(cle, maintenant, FENETRE)
            .await?
            > max
        {
            return Ok(Err(Refus {
                jusqu_au: maintenant + FENETRE,
            }));
        }
    }
    Ok(Ok(()))
}

/// Une tentative de connexion : limite par adresse réseau, puis délai progressif par compte et
/// adresse. Après une connexion réussie, [`reussite`] efface le compteur du compte.
pub(super) async fn limiter_connexion(
    etat: &Etat,
    email: &str,
    ip: &str,
) -> Result<Result<(), Refus>, ErreurWeb> {
    if let Err(r) = limiter(etat, &[cle_ip(ip)]).await? {
        return Ok(Err(r));
    }
    Ok(
        match etat
            .store
            .tentative_progressive(
                &cle_connexion(email, ip),
                Utc::now(),
                FENETRE,
                MAX_PAR_COMPTE,
                &DELAIS,
            )
            .await?
        {
            Some(jusqu_au) => Err(Refus { jusqu_au }),
            None => Ok(()),
        },
    )
}

/// Connexion réussie : les échecs passés de ce compte depuis cette adresse sont oubliés.
pub(super) async fn reussite(etat: &Etat, email: &str, ip: &str) -> Result<(), ErreurWeb> {
    Ok(etat
        .store
        .effacer_tentatives(&cle_connexion(email, ip))
        .await?)
}
