//! Attestations de labellisation : le PDF est dans le stockage de fichiers ; la base garde son
//! empreinte, pour que la page de vérification dise si un fichier présenté est authentique.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{horodatage, lire_horodatage, Acteur, ErreurStore, Store};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attestation {
    pub id: String,
    pub dossier_id: String,
    pub cle_stockage: String,
    pub sha256: String,
    pub cree_le: DateTime<Utc>,
}

/// Une ligne de `attestations`.
#[derive(sqlx::FromRow)]
struct LigneAttestation {
    id: String,
    dossier_id: String,
    cle_stockage: String,
    sha256: String,
    cree_le: String,
}

impl TryFrom<LigneAttestation> for Attestation {
    type Error = ErreurStore;
    fn try_from(l: LigneAttestation) -> Result<Self, ErreurStore> {
        Ok(Attestation {
            id: l.id,
            dossier_id: l.dossier_id,
            cle_stockage: l.cle_stockage,
            sha256: l.sha256,
            cree_le: lire_horodatage(&l.cree_le)?,
        })
    }
}

impl Store {
    pub async fn creer_attestation(
        &self,
        acteur: &Acteur,
        a: &Attestation,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        sqlx::query("INSERT INTO attestations (id, dossier_id, cle_stockage, sha256, cree_le) VALUES ($1, $2, $3, $4, $5)")
            .bind(&a.id)
            .bind(&a.dossier_id)
            .bind(&a.cle_stockage)
            .bind(&a.sha256)
            .bind(horodatage(a.cree_le))
            .execute(ecr.conn())
            .await?;
        ecr.journal("generer_attestation")
            .objet("dossier", &a.dossier_id)
            .apres(a)
            .ecrire()
            .await?;
        ecr.valider().await
    }

    pub async fn attestation(&self, id: &str) -> Result<Option<Attestation>, ErreurStore> {
        sqlx::query_as::<_, LigneAttestation>("SELECT * FROM attestations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(Attestation::try_from)
            .transpose()
    }

    /// La dernière attestation d'un dossier.
    pub async fn attestation_du_dossier(
        &self,
        dossier_id: &str,
    ) -> Result<Option<Attestation>, ErreurStore> {
        sqlx::query_as::<_, LigneAttestation>("SELECT * FROM attestations WHERE dossier_id = $1 ORDER BY cree_le DESC, id DESC LIMIT 1")
            .bind(dossier_id)
            .fetch_optional(&self.pool)
            .await?
            .map(Attestation::try_from)
            .transpose()
    }
}
