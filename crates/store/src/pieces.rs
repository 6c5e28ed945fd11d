//! Pièces jointes (métadonnées ; le contenu est dans le stockage de fichiers) et messages échangés
//! sur un dossier.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::ecriture::Ecriture;
use crate::{horodatage, lire_horodatage, Acteur, ErreurStore, Store};

/// Métadonnées d'un fichier déposé.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fichier {
    pub id: String,
    pub dossier_id: String,
    /// Nom d'origine, nettoyé (affichage seulement : jamais utilisé comme chemin).
    pub nom: String,
    /// Type reconnu par le contenu.
    pub type_mime: String,
    pub taille: i64,
    pub sha256: String,
    /// Clé dans le stockage de fichiers.
    pub cle_stockage: String,
    pub depose_par: String,
}

/// Message sur un dossier : échange avec le demandeur, ou note privée de l'instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub id: String,
    pub dossier_id: String,
    pub auteur_id: String,
    pub corps: String,
    pub fichiers: Vec<String>,
    /// Note privée : visible des seuls agents.
    pub prive: bool,
    pub cree_le: DateTime<Utc>,
}

fn fichier(r: &sqlx::any::AnyRow) -> Result<Fichier, ErreurStore> {
    Ok(Fichier {
        id: r.try_get("id")?,
        dossier_id: r.try_get("dossier_id")?,
        nom: r.try_get("nom")?,
        type_mime: r.try_get("type_mime")?,
        taille: r.try_get("taille")?,
        sha256: r.try_get("sha256")?,
        cle_stockage: r.try_get("cle_stockage")?,
        depose_par: r.try_get("depose_par")?,
    })
}

/// Enregistre un fichier et son entrée au journal, dans l'écriture de l'appelant (pièce d'un
/// dossier, ou pièce jointe d'un rapport de charte).
pub(crate) async fn inserer_fichier(
    ecr: &mut Ecriture<'_>,
    f: &Fichier,
    maintenant: &str,
) -> Result<(), ErreurStore> {
    sqlx::query(
        "INSERT INTO fichiers (id, dossier_id, nom, type_mime, taille, sha256, cle_stockage, depose_par, cree_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&f.id)
    .bind(&f.dossier_id)
    .bind(&f.nom)
    .bind(&f.type_mime)
    .bind(f.taille)
    .bind(&f.sha256)
    .bind(&f.cle_stockage)
    .bind(&f.depose_par)
    .bind(maintenant)
    .execute(ecr.conn())
    .await?;
    ecr.journal("deposer_fichier")
        .objet("fichier", &f.id)
        .apres(f)
        .ecrire()
        .await?;
    Ok(())
}

impl Store {
    pub async fn enregistrer_fichier(
        &self,
        acteur: &Acteur,
        f: &Fichier,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        inserer_fichier(&mut ecr, f, &horodatage(Utc::now())).await?;
        ecr.valider().await?;
        Ok(())
    }

    pub async fn fichier(&self, id: &str) -> Result<Option<Fichier>, ErreurStore> {
        sqlx::query("SELECT * FROM fichiers WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(fichier)
            .transpose()
    }

    pub async fn fichiers_du_dossier(&self, dossier_id: &str) -> Result<Vec<Fichier>, ErreurStore> {
        sqlx::query("SELECT * FROM fichiers WHERE dossier_id = $1 ORDER BY cree_le, id")
            .bind(dossier_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(fichier)
            .collect()
    }

    pub async fn ajouter_message(&self, acteur: &Acteur, m: &Message) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        sqlx::query(
            "INSERT INTO messages (id, dossier_id, auteur_id, corps, fichiers, prive, cree_le) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&m.id)
        .bind(&m.dossier_id)
        .bind(&m.auteur_id)
        .bind(&m.corps)
        .bind(serde_json::to_string(&m.fichiers)?)
        .bind(i64::from(m.prive))
        .bind(horodatage(m.cree_le))
        .execute(ecr.conn())
        .await?;
        let action = if m.prive {
            "ajouter_note"
        } else {
            "envoyer_message"
        };
        ecr.journal(action)
            .objet("dossier", &m.dossier_id)
            .apres(m)
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(())
    }

    /// Messages d'un dossier, dans l'ordre ; les notes privées seulement si demandé.
    pub async fn messages(
        &self,
        dossier_id: &str,
        avec_notes: bool,
    ) -> Result<Vec<Message>, ErreurStore> {
        let rows = sqlx::query(
            "SELECT * FROM messages WHERE dossier_id = $1 AND (prive = 0 OR $2 = 1) ORDER BY cree_le, id",
        )
        .bind(dossier_id)
        .bind(i64::from(avec_notes))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let fichiers: String = r.try_get("fichiers")?;
                Ok(Message {
                    id: r.try_get("id")?,
                    dossier_id: r.try_get("dossier_id")?,
                    auteur_id: r.try_get("auteur_id")?,
                    corps: r.try_get("corps")?,
                    fichiers: serde_json::from_str(&fichiers)?,
                    prive: r.try_get::<i64, _>("prive")? != 0,
                    cree_le: lire_horodatage(&r.try_get::<String, _>("cree_le")?)?,
                })
            })
            .collect()
    }
}
