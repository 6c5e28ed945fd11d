//! Charte « Territoire d'Actions » : territoires signataires (dossiers de charte signés et
//! contresignés) et leurs rapports publiés, avec leurs pièces jointes. Chaque publication est
//! écrite dans une transaction, avec ses entrées de journal.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{horodatage, lire_horodatage, Acteur, ErreurStore, Fichier, Store};

/// Un territoire signataire : un dossier de charte à l'état « labellisé » (signé par le
/// territoire, contresigné par l'État), avec son organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signataire {
    pub dossier_id: String,
    pub numero: Option<String>,
    pub referentiel_id: String,
    pub referentiel_version: String,
    /// Date de la contresignature par l'État.
    pub labellise_le: DateTime<Utc>,
    pub organisation_id: String,
    pub organisation_nom: String,
    pub type_organisation: String,
    pub code_postal: String,
    pub commune: String,
    /// Dispositifs de la charte retenus par le territoire (critères auto-évalués à un niveau au
    /// moins), avec le texte des actions prévues ou menées ; dans l'ordre des identifiants.
    pub dispositifs: Vec<(String, String)>,
}

impl Signataire {
    /// Identifiant public : le numéro de récépissé s'il y en a un, sinon l'identifiant du dossier.
    pub fn identifiant_public(&self) -> &str {
        self.numero.as_deref().unwrap_or(&self.dossier_id)
    }
}

/// Un rapport publié par un territoire signataire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RapportCharte {
    pub id: String,
    pub dossier_id: String,
    /// Année dont le rapport rend compte.
    pub annee: i32,
    pub titre: String,
    /// Comment la démarche est documentée.
    pub demarche: String,
    pub impact: String,
    /// Retours sur les outils (aidants numériques, PIX, cartographie…).
    pub retours_outils: String,
    /// Identifiant SPDX de la licence (liste de l'article D323-2-1 du CRPA).
    pub licence: String,
    /// Compte qui a publié le rapport.
    pub auteur_id: String,
    pub publie_le: DateTime<Utc>,
    /// Identifiants des pièces jointes, dans l'ordre de dépôt.
    pub fichiers: Vec<String>,
}

/// Une ligne de `rapports_charte`.
#[derive(sqlx::FromRow)]
struct LigneRapport {
    id: String,
    dossier_id: String,
    annee: i64,
    titre: String,
    demarche: String,
    impact: String,
    retours_outils: String,
    licence: String,
    auteur_id: String,
    publie_le: String,
}

impl LigneRapport {
    fn rapport(self, fichiers: Vec<String>) -> Result<RapportCharte, ErreurStore> {
        Ok(RapportCharte {
            id: self.id,
            dossier_id: self.dossier_id,
            annee: i32::try_from(self.annee)
                .map_err(|_| ErreurStore::Corrompue(format!("année de rapport {}", self.annee)))?,
            titre: self.titre,
            demarche: self.demarche,
            impact: self.impact,
            retours_outils: self.retours_outils,
            licence: self.licence,
            auteur_id: self.auteur_id,
            publie_le: lire_horodatage(&self.publie_le)?,
            fichiers,
        })
    }
}

/// Une ligne de la requête des signataires (dossier labellisé et son organisation).
#[derive(sqlx::FromRow)]
struct LigneSignataire {
    id: String,
    numero: Option<String>,
    referentiel_id: String,
    referentiel_version: String,
    labellise_le: String,
    organisation_id: String,
    organisation_nom: String,
    type_organisation: String,
    code_postal: String,
    commune: String,
}

impl Store {
    /// Les territoires signataires des chartes données (identifiants de référentiels) : dossiers
    /// à l'état « labellisé », par nom d'organisation.
    pub async fn signataires(
        &self,
        referentiels: &[String],
    ) -> Result<Vec<Signataire>, ErreurStore> {
        let lignes = sqlx::query_as::<_, LigneSignataire>(
            "SELECT d.id, d.numero, d.referentiel_id, d.referentiel_version, d.labellise_le, \
             d.organisation_id, o.nom AS organisation_nom, o.type_organisation, o.code_postal, o.commune \
             FROM dossiers d JOIN organisations o ON o.id = d.organisation_id \
             WHERE d.etat = 'labellise' AND d.labellise_le IS NOT NULL \
             ORDER BY o.nom, d.labellise_le, d.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let criteres: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT c.dossier_id, c.critere_id, c.texte FROM dossier_criteres c \
             JOIN dossiers d ON d.id = c.dossier_id \
             WHERE d.etat = 'labellise' AND c.niveau_auto >= 1 ORDER BY c.dossier_id, c.critere_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut par_dossier: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (d, c, t) in criteres {
            par_dossier.entry(d).or_default().push((c, t));
        }
        let mut v = Vec::new();
        for l in lignes {
            if !referentiels.contains(&l.referentiel_id) {
                continue;
            }
            v.push(Signataire {
                numero: l.numero,
                referentiel_id: l.referentiel_id,
                referentiel_version: l.referentiel_version,
                labellise_le: lire_horodatage(&l.labellise_le)?,
                organisation_id: l.organisation_id,
                organisation_nom: l.organisation_nom,
                type_organisation: l.type_organisation,
                code_postal: l.code_postal,
                commune: l.commune,
                dispositifs: par_dossier.remove(&l.id).unwrap_or_default(),
                dossier_id: l.id,
            });
        }
        Ok(v)
    }

    /// Publie un rapport et ses pièces jointes (déjà contrôlées et écrites dans le stockage), dans
    /// une seule transaction : une entrée de journal par pièce (`deposer_fichier`) et une pour le
    /// rapport (`publier_rapport`, sur le dossier). Le dossier doit être à l'état « labellisé » ;
    /// les pièces doivent lui appartenir.
    pub async fn publier_rapport(
        &self,
        acteur: &Acteur,
        r: &RapportCharte,
        pieces: &[Fichier],
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let etat: Option<(String,)> = sqlx::query_as("SELECT etat FROM dossiers WHERE id = $1")
            .bind(&r.dossier_id)
            .fetch_optional(ecr.conn())
            .await?;
        match etat {
            None => return Err(ErreurStore::Introuvable(format!("dossier {}", r.dossier_id))),
            Some((e,)) if e != "labellise" => {
                return Err(ErreurStore::Conflit(
                    "Seul un territoire signataire (charte signée et contresignée) peut publier un rapport."
                        .into(),
                ))
            }
            _ => {}
        }
        let ids: Vec<&String> = pieces.iter().map(|f| &f.id).collect();
        if pieces.iter().any(|f| f.dossier_id != r.dossier_id)
            || r.fichiers.len() != pieces.len()
            || r.fichiers.iter().any(|f| !ids.contains(&f))
        {
            return Err(ErreurStore::Conflit(
                "Les pièces jointes ne correspondent pas au rapport.".into(),
            ));
        }
        let maintenant = horodatage(Utc::now());
        for f in pieces {
            crate::pieces::inserer_fichier(&mut ecr, f, &maintenant).await?;
        }
        sqlx::query(
            "INSERT INTO rapports_charte (id, dossier_id, annee, titre, demarche, impact, retours_outils, \
             licence, auteur_id, publie_le) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&r.id)
        .bind(&r.dossier_id)
        .bind(i64::from(r.annee))
        .bind(&r.titre)
        .bind(&r.demarche)
        .bind(&r.impact)
        .bind(&r.retours_outils)
        .bind(&r.licence)
        .bind(&r.auteur_id)
        .bind(horodatage(r.publie_le))
        .execute(ecr.conn())
        .await?;
        for f in &r.fichiers {
            sqlx::query(
                "INSERT INTO rapports_charte_fichiers (rapport_id, fichier_id) VALUES ($1, $2)",
            )
            .bind(&r.id)
            .bind(f)
            .execute(ecr.conn())
            .await?;
        }
        ecr.journal("publier_rapport")
            .objet("dossier", &r.dossier_id)
            .apres(r)
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Les rapports publiés (d'un dossier, ou de tous), les plus récents d'abord.
    pub async fn rapports_charte(
        &self,
        dossier_id: Option<&str>,
    ) -> Result<Vec<RapportCharte>, ErreurStore> {
        let lignes = sqlx::query_as::<_, LigneRapport>(
            "SELECT * FROM rapports_charte WHERE ($1 IS NULL OR dossier_id = $1) \
             ORDER BY publie_le DESC, id",
        )
        .bind(dossier_id)
        .fetch_all(&self.pool)
        .await?;
        let liens: Vec<(String, String)> = sqlx::query_as(
            "SELECT l.rapport_id, l.fichier_id FROM rapports_charte_fichiers l \
             JOIN rapports_charte r ON r.id = l.rapport_id \
             JOIN fichiers f ON f.id = l.fichier_id \
             WHERE ($1 IS NULL OR r.dossier_id = $1) ORDER BY l.rapport_id, f.cree_le, f.id",
        )
        .bind(dossier_id)
        .fetch_all(&self.pool)
        .await?;
        let mut par_rapport: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (r, f) in liens {
            par_rapport.entry(r).or_default().push(f);
        }
        lignes
            .into_iter()
            .map(|l| {
                let fichiers = par_rapport.remove(&l.id).unwrap_or_default();
                l.rapport(fichiers)
            })
            .collect()
    }

    /// Un rapport publié.
    pub async fn rapport_charte(&self, id: &str) -> Result<Option<RapportCharte>, ErreurStore> {
        let Some(ligne) =
            sqlx::query_as::<_, LigneRapport>("SELECT * FROM rapports_charte WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        let fichiers: Vec<(String,)> = sqlx::query_as(
            "SELECT l.fichier_id FROM rapports_charte_fichiers l JOIN fichiers f ON f.id = l.fichier_id \
             WHERE l.rapport_id = $1 ORDER BY f.cree_le, f.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        ligne
            .rapport(fichiers.into_iter().map(|(f,)| f).collect())
            .map(Some)
    }
}
