//! Journal d'audit en base : lecture et vérification. L'écriture est dans [`crate::ecriture`].

use reperes_domain::audit::{AnomalieAudit, EntreeAudit, NouvelleEntree, Verificateur};

use crate::{ErreurStore, Store};

/// Une ligne de `audit`.
#[derive(sqlx::FromRow)]
struct LigneAudit {
    seq: i64,
    horodatage: String,
    acteur: String,
    action: String,
    objet_type: String,
    objet_id: String,
    avant: Option<String>,
    apres: Option<String>,
    motif: Option<String>,
    hash_precedent: String,
    hash: String,
}

impl From<LigneAudit> for EntreeAudit {
    fn from(l: LigneAudit) -> Self {
        EntreeAudit {
            seq: l.seq,
            contenu: NouvelleEntree {
                horodatage: l.horodatage,
                acteur: l.acteur,
                action: l.action,
                objet_type: l.objet_type,
                objet_id: l.objet_id,
                avant: l.avant,
                apres: l.apres,
                motif: l.motif,
            },
            hash_precedent: l.hash_precedent,
            hash: l.hash,
        }
    }
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
        let lignes = sqlx::query_as::<_, LigneAudit>(&format!(
            "SELECT {COLONNES} FROM audit WHERE objet_type = $1 AND objet_id = $2 ORDER BY seq"
        ))
        .bind(objet_type)
        .bind(objet_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(lignes.into_iter().map(EntreeAudit::from).collect())
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
            let lignes = sqlx::query_as::<_, LigneAudit>(&format!(
                "SELECT {COLONNES} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2"
            ))
            .bind(apres)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
            let n = lignes.len() as i64;
            for ligne in lignes {
                let e = EntreeAudit::from(ligne);
                v.suivante(&e)?;
                apres = e.seq;
            }
            if n < PAGE {
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
