//! File d'attente des courriels (« outbox ») : un courriel est écrit en base dans la transaction de
//! ce qui l'a causé, puis envoyé par un travailleur qui réessaie avec un délai croissant. Un serveur
//! SMTP indisponible ne fait rien perdre.

use chrono::{DateTime, Duration, Utc};
use sqlx::AnyConnection;

use crate::{horodatage, lire_horodatage, ErreurStore, Store};

/// Courriel à envoyer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NouveauCourriel {
    pub destinataire: String,
    pub sujet: String,
    pub corps: String,
}

/// Courriel en file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Courriel {
    pub id: String,
    pub destinataire: String,
    pub sujet: String,
    pub corps: String,
    pub essais: i64,
    pub envoye_le: Option<DateTime<Utc>>,
    pub derniere_erreur: Option<String>,
}

pub(crate) async fn inserer(
    conn: &mut AnyConnection,
    c: &NouveauCourriel,
) -> Result<(), ErreurStore> {
    let maintenant = horodatage(Utc::now());
    sqlx::query(
        "INSERT INTO courriels (id, destinataire, sujet, corps, essais, prochain_essai_le, cree_le) \
         VALUES ($1, $2, $3, $4, 0, $5, $5)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(&c.destinataire)
    .bind(&c.sujet)
    .bind(&c.corps)
    .bind(&maintenant)
    .execute(conn)
    .await?;
    Ok(())
}

/// Une ligne de `courriels`.
#[derive(sqlx::FromRow)]
struct LigneCourriel {
    id: String,
    destinataire: String,
    sujet: String,
    corps: String,
    essais: i64,
    envoye_le: Option<String>,
    derniere_erreur: Option<String>,
}

impl TryFrom<LigneCourriel> for Courriel {
    type Error = ErreurStore;
    fn try_from(l: LigneCourriel) -> Result<Self, ErreurStore> {
        Ok(Courriel {
            id: l.id,
            destinataire: l.destinataire,
            sujet: l.sujet,
            corps: l.corps,
            essais: l.essais,
            envoye_le: l.envoye_le.as_deref().map(lire_horodatage).transpose()?,
            derniere_erreur: l.derniere_erreur,
        })
    }
}

/// Délai avant le prochain essai : 30 s, 1 min, 2 min… plafonné à 1 h.
pub fn delai_apres(essais: i64) -> Duration {
    let secondes = 30i64.saturating_mul(1i64 << essais.clamp(0, 7));
    Duration::seconds(secondes.min(3600))
}

impl Store {
    /// Met un courriel en file (hors de toute autre écriture).
    pub async fn mettre_en_file(&self, c: &NouveauCourriel) -> Result<(), ErreurStore> {
        let mut conn = self.pool.acquire().await?;
        inserer(&mut conn, c).await
    }

    /// Courriels dont l'envoi est dû.
    pub async fn courriels_dus(
        &self,
        maintenant: DateTime<Utc>,
        limite: i64,
    ) -> Result<Vec<Courriel>, ErreurStore> {
        sqlx::query_as::<_, LigneCourriel>(
            "SELECT * FROM courriels WHERE envoye_le IS NULL AND prochain_essai_le <= $1 \
             ORDER BY prochain_essai_le, id LIMIT $2",
        )
        .bind(horodatage(maintenant))
        .bind(limite)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Courriel::try_from)
        .collect()
    }

    /// Tous les courriels (les plus récents d'abord), pour l'administration et les tests.
    pub async fn courriels(&self) -> Result<Vec<Courriel>, ErreurStore> {
        sqlx::query_as::<_, LigneCourriel>("SELECT * FROM courriels ORDER BY cree_le DESC, id DESC")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(Courriel::try_from)
            .collect()
    }

    pub async fn marquer_envoye(&self, id: &str) -> Result<(), ErreurStore> {
        sqlx::query("UPDATE courriels SET envoye_le = $1, essais = essais + 1 WHERE id = $2")
            .bind(horodatage(Utc::now()))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn marquer_echec(&self, id: &str, erreur: &str) -> Result<(), ErreurStore> {
        let (essais,): (i64,) = sqlx::query_as("SELECT essais FROM courriels WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        sqlx::query(
            "UPDATE courriels SET essais = $1, derniere_erreur = $2, prochain_essai_le = $3 WHERE id = $4",
        )
        .bind(essais + 1)
        .bind(erreur)
        .bind(horodatage(Utc::now() + delai_apres(essais)))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
