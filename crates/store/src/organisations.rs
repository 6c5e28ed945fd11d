//! Organisations et dispositifs.

use chrono::Utc;
use reperes_domain::identifiants::{Rna, Siret};
use reperes_domain::organisation::{Adresse, Dispositif, Organisation};

use crate::{horodatage, Acteur, ErreurStore, Store};

/// Une ligne de `organisations`.
#[derive(sqlx::FromRow)]
struct LigneOrganisation {
    id: String,
    nom: String,
    type_organisation: String,
    siret: Option<String>,
    rna: Option<String>,
    voie: String,
    code_postal: String,
    commune: String,
}

impl TryFrom<LigneOrganisation> for Organisation {
    type Error = ErreurStore;
    fn try_from(l: LigneOrganisation) -> Result<Self, ErreurStore> {
        Ok(Organisation {
            id: l.id,
            nom: l.nom,
            type_organisation: l.type_organisation,
            siret: l
                .siret
                .map(|s| Siret::parse(&s))
                .transpose()
                .map_err(|e| ErreurStore::illisible("SIRET", e))?,
            rna: l
                .rna
                .map(|s| Rna::parse(&s))
                .transpose()
                .map_err(|e| ErreurStore::illisible("RNA", e))?,
            adresse: Adresse {
                voie: l.voie,
                code_postal: l.code_postal,
                commune: l.commune,
            },
        })
    }
}

/// Une ligne de `dispositifs`.
#[derive(sqlx::FromRow)]
struct LigneDispositif {
    id: String,
    organisation_id: String,
    nom: String,
    type_dispositif: String,
    description: String,
    site: Option<String>,
}

impl TryFrom<LigneDispositif> for Dispositif {
    type Error = ErreurStore;
    fn try_from(l: LigneDispositif) -> Result<Self, ErreurStore> {
        Ok(Dispositif {
            id: l.id,
            organisation_id: l.organisation_id,
            nom: l.nom,
            type_dispositif: l.type_dispositif,
            description: l.description,
            site: l.site,
        })
    }
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
        ecr.valider().await
    }

    pub async fn organisation(&self, id: &str) -> Result<Option<Organisation>, ErreurStore> {
        sqlx::query_as::<_, LigneOrganisation>("SELECT * FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(Organisation::try_from)
            .transpose()
    }

    pub async fn organisations(&self) -> Result<Vec<Organisation>, ErreurStore> {
        sqlx::query_as::<_, LigneOrganisation>("SELECT * FROM organisations ORDER BY nom, id")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(Organisation::try_from)
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
        ecr.valider().await
    }

    pub async fn dispositif(&self, id: &str) -> Result<Option<Dispositif>, ErreurStore> {
        sqlx::query_as::<_, LigneDispositif>("SELECT * FROM dispositifs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(Dispositif::try_from)
            .transpose()
    }

    pub async fn dispositifs_de(
        &self,
        organisation_id: &str,
    ) -> Result<Vec<Dispositif>, ErreurStore> {
        sqlx::query_as::<_, LigneDispositif>(
            "SELECT * FROM dispositifs WHERE organisation_id = $1 ORDER BY nom, id",
        )
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Dispositif::try_from)
        .collect()
    }
}
