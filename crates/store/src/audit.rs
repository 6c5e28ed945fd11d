//! Journal d'audit en base : lecture et vérification. L'écriture est dans [`crate::ecriture`].

use reperes_domain::audit::{AnomalieAudit, EntreeAudit, NouvelleEntree, Verificateur};
use sqlx::Row;

use crate::{ErreurStore, Store};

fn entree(row: &sqlx::any::AnyRow) -> Result<EntreeAudit, ErreurStore> {
    Ok(EntreeAudit {
        seq: row.try_get("seq")?,
        contenu: NouvelleEntree {
            horodatage: row.try_get("horodatage")?,
            acteur: row.try_get("acteur")?,
            action: row.try_get("action")?,
            objet_type: row.try_get("objet_type")?,
            objet_id: row.try_get("objet_id")?,
            avant: row.try_get("avant")?,
            apres: row.try_get("apres")?,
            motif: row.try_get("motif")?,
        },
        hash_precedent: row.try_get("hash_precedent")?,
        hash: row.try_get("hash")?,
    })
}

const COLONNES: &str =
    "seq, horodatage, acteur, action, objet_type, objet_id, avant, apres, motif, hash_precedent, hash";

/// Résultat de la vérification du journal.
#[derive(Debug, thiserror::Error)]
pub enum ErreurVerification {
    #[error("journal d'audit altéré : {0}")]
    Anomalie(#[from] AnomalieAudit),
    #[error(transparent)]
    Store(#[from] ErreurStore),
}

impl From<sqlx::Error> for ErreurVerification {
    fn from(e: sqlx::Error) -> Self {
        ErreurVerification::Store(e.into())
    }
}

/// Taille des pages lues pendant la vérification.
const PAGE: i64 = 5_000;

impl Store {
    /// Entrées du journal concernant un objet, dans l'ordre.
    pub async fn journal_objet(
        &self,
        objet_type: &str,
        objet_id: &str,
    ) -> Result<Vec<EntreeAudit>, ErreurStore> {
        let rows = sqlx::query(&format!(
            "SELECT {COLONNES} FROM audit WHERE objet_type = $1 AND objet_id = $2 ORDER BY seq"
        ))
        .bind(objet_type)
        .bind(objet_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entree).collect()
    }

    /// Nombre d'entrées du journal.
    pub async fn taille_journal(&self) -> Result<i64, ErreurStore> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Vérifie toute la chaîne, page par page, contre la tête enregistrée. Rend le nombre
    /// d'entrées vérifiées.
    pub async fn verifier_journal(&self) -> Result<i64, ErreurVerification> {
        let mut v = Verificateur::default();
        let mut apres = 0i64;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {COLONNES} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2"
            ))
            .bind(apres)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
            for row in &rows {
                let e = entree(row)?;
                v.suivante(&e)?;
                apres = e.seq;
            }
            if (rows.len() as i64) < PAGE {
                break;
            }
        }
        let (seq, hash): (i64, String) =
            sqlx::query_as("SELECT seq, hash FROM audit_tete WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(v.terminer((seq > 0).then_some((seq, hash.as_str())))?)
    }
}
