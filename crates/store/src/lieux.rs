//! Lieux de médiation numérique : import idempotent (clé : source et identifiant), lecture.

use chrono::Utc;
use reperes_domain::lieux::{valeur as champ, Enregistrement};

use crate::audit::{ecrire, verrouiller};
use crate::organisations::entree_journal;
use crate::{horodatage, Acteur, ErreurStore, Store};

/// Résultat d'un import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BilanImport {
    pub crees: usize,
    pub mis_a_jour: usize,
}

impl Store {
    /// Enregistre des lieux déjà validés, dans une seule transaction (tout ou rien), avec une
    /// entrée de journal pour l'import.
    pub async fn importer_lieux(
        &self,
        acteur: &Acteur,
        source: &str,
        lieux: &[Enregistrement],
    ) -> Result<BilanImport, ErreurStore> {
        let mut tx = self.pool.begin().await?;
        verrouiller(&mut tx).await?;
        let maintenant = horodatage(Utc::now());
        let mut bilan = BilanImport::default();
        for e in lieux {
            let id = champ(e, "id")
                .ok_or_else(|| ErreurStore::Corrompue("lieu sans identifiant".into()))?;
            let existe: Option<(String,)> =
                sqlx::query_as("SELECT id FROM lieux WHERE source = $1 AND id = $2")
                    .bind(source)
                    .bind(&id)
                    .fetch_optional(&mut *tx)
                    .await?;
            sqlx::query(
                "INSERT INTO lieux (source, id, nom, commune, code_postal, latitude, longitude, date_maj, donnees, importe_le) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (source, id) DO UPDATE SET nom = excluded.nom, commune = excluded.commune, \
                 code_postal = excluded.code_postal, latitude = excluded.latitude, longitude = excluded.longitude, \
                 date_maj = excluded.date_maj, donnees = excluded.donnees, importe_le = excluded.importe_le",
            )
            .bind(source)
            .bind(&id)
            .bind(champ(e, "nom").unwrap_or_default())
            .bind(champ(e, "commune").unwrap_or_default())
            .bind(champ(e, "code_postal").unwrap_or_default())
            .bind(champ(e, "latitude"))
            .bind(champ(e, "longitude"))
            .bind(champ(e, "date_maj").unwrap_or_default())
            .bind(serde_json::to_string(e)?)
            .bind(&maintenant)
            .execute(&mut *tx)
            .await?;
            if existe.is_some() {
                bilan.mis_a_jour += 1;
            } else {
                bilan.crees += 1;
            }
        }
        #[derive(serde::Serialize)]
        struct Resume<'a> {
            source: &'a str,
            crees: usize,
            mis_a_jour: usize,
        }
        let r = Resume {
            source,
            crees: bilan.crees,
            mis_a_jour: bilan.mis_a_jour,
        };
        ecrire(
            &mut tx,
            entree_journal(
                acteur,
                "importer_lieux",
                "source_lieux",
                source,
                None,
                Some(&r),
                None,
            )?,
        )
        .await?;
        tx.commit().await?;
        Ok(bilan)
    }

    /// Tous les lieux (données complètes), triés par source et identifiant.
    pub async fn lieux(&self) -> Result<Vec<(String, Enregistrement)>, ErreurStore> {
        let v: Vec<(String, String)> =
            sqlx::query_as("SELECT source, donnees FROM lieux ORDER BY source, id")
                .fetch_all(&self.pool)
                .await?;
        v.into_iter()
            .map(|(s, d)| Ok((s, serde_json::from_str(&d)?)))
            .collect()
    }

    pub async fn nombre_de_lieux(&self) -> Result<i64, ErreurStore> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM lieux")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }
}
