//! Lieux de médiation numérique : import idempotent (clé : source et identifiant), lecture,
//! liens avec les dispositifs labellisés, doublons probables reconnus distincts.

use std::collections::HashSet;

use chrono::Utc;
use reperes_domain::lieux::{valeur as champ, Enregistrement};
use serde::Serialize;

use crate::{horodatage, Acteur, ErreurStore, Store};

/// Résultat d'un import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct BilanImport {
    pub crees: usize,
    pub mis_a_jour: usize,
}

/// Lignes écrites par requête (insertion groupée).
const PAR_LOT: usize = 200;

/// Lien déclaré entre un lieu et un dispositif.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LienLieu {
    pub source: String,
    pub lieu_id: String,
    pub dispositif_id: String,
    pub declare_par: String,
    pub declare_le: String,
}

/// Version de la table des lieux : change à chaque import (sert à rafraîchir un index en mémoire
/// quand plusieurs instances partagent une base).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionLieux {
    pub nombre: i64,
    pub dernier_import: Option<String>,
}

impl Store {
    /// Enregistre des lieux déjà validés, dans une seule transaction (tout ou rien), avec une
    /// entrée de journal pour l'import. `progres(fait, total)` est appelé après chaque lot écrit.
    pub async fn importer_lieux(
        &self,
        acteur: &Acteur,
        source: &str,
        lieux: &[Enregistrement],
        progres: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> Result<BilanImport, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let existants: HashSet<String> =
            sqlx::query_as::<_, (String,)>("SELECT id FROM lieux WHERE source = $1")
                .bind(source)
                .fetch_all(ecr.conn())
                .await?
                .into_iter()
                .map(|(id,)| id)
                .collect();
        let maintenant = horodatage(Utc::now());
        let mut bilan = BilanImport::default();
        let mut fait = 0;
        let mut vus = HashSet::new();
        for lot in lieux.chunks(PAR_LOT) {
            let mut sql = String::from(
                "INSERT INTO lieux (source, id, nom, commune, code_postal, latitude, longitude, date_maj, donnees, importe_le) VALUES ",
            );
            for i in 0..lot.len() {
                if i > 0 {
                    sql.push(',');
                }
                let b = i * 10;
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10
                ));
            }
            sql.push_str(
                " ON CONFLICT (source, id) DO UPDATE SET nom = excluded.nom, commune = excluded.commune, \
                 code_postal = excluded.code_postal, latitude = excluded.latitude, longitude = excluded.longitude, \
                 date_maj = excluded.date_maj, donnees = excluded.donnees, importe_le = excluded.importe_le",
            );
            let mut q = sqlx::query(&sql);
            for e in lot {
                let id = champ(e, "id")
                    .ok_or_else(|| ErreurStore::Corrompue("lieu sans identifiant".into()))?;
                if !vus.insert(id.clone()) {
                    return Err(ErreurStore::Corrompue(format!(
                        "identifiant de lieu en double dans l'import : {id}"
                    )));
                }
                if existants.contains(&id) {
                    bilan.mis_a_jour += 1;
                } else {
                    bilan.crees += 1;
                }
                q = q
                    .bind(source.to_string())
                    .bind(id)
                    .bind(champ(e, "nom").unwrap_or_default())
                    .bind(champ(e, "commune").unwrap_or_default())
                    .bind(champ(e, "code_postal").unwrap_or_default())
                    .bind(champ(e, "latitude"))
                    .bind(champ(e, "longitude"))
                    .bind(champ(e, "date_maj").unwrap_or_default())
                    .bind(serde_json::to_string(e)?)
                    .bind(maintenant.clone());
            }
            q.execute(ecr.conn()).await?;
            fait += lot.len();
            progres(fait, lieux.len());
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
        ecr.journal("importer_lieux")
            .objet("source_lieux", source)
            .apres(&r)
            .ecrire()
            .await?;
        ecr.valider().await?;
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

    /// Un lieu, avec sa date d'import.
    pub async fn lieu(
        &self,
        source: &str,
        id: &str,
    ) -> Result<Option<(Enregistrement, String)>, ErreurStore> {
        let v: Option<(String, String)> =
            sqlx::query_as("SELECT donnees, importe_le FROM lieux WHERE source = $1 AND id = $2")
                .bind(source)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        v.map(|(d, i)| Ok((serde_json::from_str(&d)?, i)))
            .transpose()
    }

    pub async fn nombre_de_lieux(&self) -> Result<i64, ErreurStore> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM lieux")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Version de la table des lieux (nombre, date du dernier import).
    pub async fn version_lieux(&self) -> Result<VersionLieux, ErreurStore> {
        let (nombre, dernier_import): (i64, Option<String>) =
            sqlx::query_as("SELECT COUNT(*), MAX(importe_le) FROM lieux")
                .fetch_one(&self.pool)
                .await?;
        Ok(VersionLieux {
            nombre,
            dernier_import,
        })
    }

    /// Déclare qu'un lieu utilise un dispositif (idempotent, journalisé).
    pub async fn lier_lieu_dispositif(
        &self,
        acteur: &Acteur,
        source: &str,
        lieu_id: &str,
        dispositif_id: &str,
    ) -> Result<bool, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let existe: Option<(String,)> = sqlx::query_as(
            "SELECT dispositif_id FROM lieux_dispositifs WHERE source = $1 AND lieu_id = $2 AND dispositif_id = $3",
        )
        .bind(source)
        .bind(lieu_id)
        .bind(dispositif_id)
        .fetch_optional(ecr.conn())
        .await?;
        if existe.is_some() {
            ecr.abandonner().await?;
            return Ok(false);
        }
        let lien = LienLieu {
            source: source.into(),
            lieu_id: lieu_id.into(),
            dispositif_id: dispositif_id.into(),
            declare_par: acteur.journal(),
            declare_le: horodatage(Utc::now()),
        };
        sqlx::query(
            "INSERT INTO lieux_dispositifs (source, lieu_id, dispositif_id, declare_par, declare_le) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&lien.source)
        .bind(&lien.lieu_id)
        .bind(&lien.dispositif_id)
        .bind(&lien.declare_par)
        .bind(&lien.declare_le)
        .execute(ecr.conn())
        .await?;
        ecr.journal("lier_lieu_dispositif")
            .objet("lieu", &format!("{source}/{lieu_id}"))
            .apres(&lien)
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(true)
    }

    /// Retire un lien (journalisé).
    pub async fn delier_lieu_dispositif(
        &self,
        acteur: &Acteur,
        source: &str,
        lieu_id: &str,
        dispositif_id: &str,
    ) -> Result<bool, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let n = sqlx::query(
            "DELETE FROM lieux_dispositifs WHERE source = $1 AND lieu_id = $2 AND dispositif_id = $3",
        )
        .bind(source)
        .bind(lieu_id)
        .bind(dispositif_id)
        .execute(ecr.conn())
        .await?
        .rows_affected();
        if n == 0 {
            ecr.abandonner().await?;
            return Ok(false);
        }
        ecr.journal("delier_lieu_dispositif")
            .objet("lieu", &format!("{source}/{lieu_id}"))
            .avant(dispositif_id)
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(true)
    }

    /// Dispositifs déclarés par un lieu.
    pub async fn liens_du_lieu(
        &self,
        source: &str,
        lieu_id: &str,
    ) -> Result<Vec<LienLieu>, ErreurStore> {
        Ok(sqlx::query_as::<_, (String, String, String, String, String)>(
            "SELECT source, lieu_id, dispositif_id, declare_par, declare_le FROM lieux_dispositifs \
             WHERE source = $1 AND lieu_id = $2 ORDER BY declare_le",
        )
        .bind(source)
        .bind(lieu_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(lien)
        .collect())
    }

    /// Lieux qui déclarent utiliser un dispositif.
    pub async fn liens_du_dispositif(
        &self,
        dispositif_id: &str,
    ) -> Result<Vec<LienLieu>, ErreurStore> {
        Ok(sqlx::query_as::<_, (String, String, String, String, String)>(
            "SELECT source, lieu_id, dispositif_id, declare_par, declare_le FROM lieux_dispositifs \
             WHERE dispositif_id = $1 ORDER BY source, lieu_id",
        )
        .bind(dispositif_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(lien)
        .collect())
    }

    /// Reconnaît deux lieux comme distincts (doublon probable écarté), journalisé. Les clés sont
    /// `source/id` ; l'ordre n'importe pas.
    pub async fn declarer_distincts(
        &self,
        acteur: &Acteur,
        a: &str,
        b: &str,
    ) -> Result<(), ErreurStore> {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        let mut ecr = self.ecriture(acteur).await?;
        sqlx::query(
            "INSERT INTO lieux_distincts (cle_a, cle_b, decide_par, decide_le) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (cle_a, cle_b) DO NOTHING",
        )
        .bind(a)
        .bind(b)
        .bind(acteur.journal())
        .bind(horodatage(Utc::now()))
        .execute(ecr.conn())
        .await?;
        ecr.journal("declarer_lieux_distincts")
            .objet("lieu", a)
            .apres(b)
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Paires reconnues distinctes (clés `source/id`, ordonnées).
    pub async fn lieux_distincts(&self) -> Result<HashSet<(String, String)>, ErreurStore> {
        Ok(
            sqlx::query_as::<_, (String, String)>("SELECT cle_a, cle_b FROM lieux_distincts")
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .collect(),
        )
    }
}

fn lien(
    (source, lieu_id, dispositif_id, declare_par, declare_le): (
        String,
        String,
        String,
        String,
        String,
    ),
) -> LienLieu {
    LienLieu {
        source,
        lieu_id,
        dispositif_id,
        declare_par,
        declare_le,
    }
}
