//! Organisations et dispositifs.

use chrono::Utc;
use reperes_domain::identifiants::{Rna, Siret};
use reperes_domain::organisation::{Adresse, Dispositif, Organisation};
use sqlx::Row;

use crate::{horodatage, Acteur, ErreurStore, Store};

fn organisation(row: &sqlx::any::AnyRow) -> Result<Organisation, ErreurStore> {
    let siret: Option<String> = row.try_get("siret")?;
    let rna: Option<String> = row.try_get("rna")?;
    Ok(Organisation {
        id: row.try_get("id")?,
        nom: row.try_get("nom")?,
        type_organisation: row.try_get("type_organisation")?,
        siret: siret
            .map(|s| Siret::parse(&s))
            .transpose()
            .map_err(|e| ErreurStore::illisible("SIRET", e))?,
        rna: rna
            .map(|s| Rna::parse(&s))
            .transpose()
            .map_err(|e| ErreurStore::illisible("RNA", e))?,
        adresse: Adresse {
            voie: row.try_get("voie")?,
            code_postal: row.try_get("code_postal")?,
            commune: row.try_get("commune")?,
        },
    })
}

fn dispositif(row: &sqlx::any::AnyRow) -> Result<Dispositif, ErreurStore> {
    Ok(Dispositif {
        id: row.try_get("id")?,
        organisation_id: row.try_get("organisation_id")?,
        nom: row.try_get("nom")?,
        type_dispositif: row.try_get("type_dispositif")?,
        description: row.try_get("description")?,
        site: row.try_get("site")?,
    })
}

impl Store {
    /// Enregistre une organisation (déjà analysée par le domaine).
    pub async fn creer_organisation(
        &self,
        acteur: &Acteur,
        o: &Organisation,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        sqlx::query(
            "INSERT INTO organisations (id, nom, type_organisation, siret, rna, voie, code_postal, commune, cree_le) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&o.id)
        .bind(&o.nom)
        .bind(&o.type_organisation)
        .bind(o.siret.as_ref().map(|s| s.to_string()))
        .bind(o.rna.as_ref().map(|s| s.to_string()))
        .bind(&o.adresse.voie)
        .bind(&o.adresse.code_postal)
        .bind(&o.adresse.commune)
        .bind(horodatage(Utc::now()))
        .execute(ecr.conn())
        .await?;
        ecr.journal("creer_organisation")
            .objet("organisation", &o.id)
            .apres(o)
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(())
    }

    pub async fn organisation(&self, id: &str) -> Result<Option<Organisation>, ErreurStore> {
        sqlx::query("SELECT * FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(organisation)
            .transpose()
    }

    pub async fn organisations(&self) -> Result<Vec<Organisation>, ErreurStore> {
        sqlx::query("SELECT * FROM organisations ORDER BY nom, id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(organisation)
            .collect()
    }

    /// Enregistre un dispositif ; son organisation doit exister.
    pub async fn creer_dispositif(
        &self,
        acteur: &Acteur,
        d: &Dispositif,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let existe: Option<(String,)> =
            sqlx::query_as("SELECT id FROM organisations WHERE id = $1")
                .bind(&d.organisation_id)
                .fetch_optional(ecr.conn())
                .await?;
        if existe.is_none() {
            return Err(ErreurStore::Introuvable(format!(
                "organisation {}",
                d.organisation_id
            )));
        }
        sqlx::query(
            "INSERT INTO dispositifs (id, organisation_id, nom, type_dispositif, description, site, cree_le) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&d.id)
        .bind(&d.organisation_id)
        .bind(&d.nom)
        .bind(&d.type_dispositif)
        .bind(&d.description)
        .bind(&d.site)
        .bind(horodatage(Utc::now()))
        .execute(ecr.conn())
        .await?;
        ecr.journal("creer_dispositif")
            .objet("dispositif", &d.id)
            .apres(d)
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(())
    }

    pub async fn dispositif(&self, id: &str) -> Result<Option<Dispositif>, ErreurStore> {
        sqlx::query("SELECT * FROM dispositifs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(dispositif)
            .transpose()
    }

    pub async fn dispositifs_de(
        &self,
        organisation_id: &str,
    ) -> Result<Vec<Dispositif>, ErreurStore> {
        sqlx::query("SELECT * FROM dispositifs WHERE organisation_id = $1 ORDER BY nom, id")
            .bind(organisation_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(dispositif)
            .collect()
    }
}
