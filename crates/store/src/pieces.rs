//! Pièces jointes (métadonnées ; le contenu est dans le stockage de fichiers) et messages échangés
//! sur un dossier.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ecriture::Ecriture;
use crate::{horodatage, lire_horodatage, Acteur, ErreurStore, Store};

/// Métadonnées d'un fichier déposé (une ligne de `fichiers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
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

/// Une ligne de `messages`.
#[derive(sqlx::FromRow)]
struct LigneMessage {
    id: String,
    dossier_id: String,
    auteur_id: String,
    corps: String,
    fichiers: String,
    prive: i64,
    cree_le: String,
}

impl TryFrom<LigneMessage> for Message {
    type Error = ErreurStore;
    fn try_from(l: LigneMessage) -> Result<Self, ErreurStore> {
        Ok(Message {
            id: l.id,
            dossier_id: l.dossier_id,
            auteur_id: l.auteur_id,
            corps: l.corps,
            fichiers: serde_json::from_str(&l.fichiers)?,
            prive: l.prive != 0,
            cree_le: lire_horodatage(&l.cree_le)?,
        })
    }
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
        ecr.valider().await
    }

    pub async fn fichier(&self, id: &str) -> Result<Option<Fichier>, ErreurStore> {
        Ok(
            sqlx::query_as::<_, Fichier>("SELECT * FROM fichiers WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn fichiers_du_dossier(&self, dossier_id: &str) -> Result<Vec<Fichier>, ErreurStore> {
        Ok(sqlx::query_as::<_, Fichier>(
            "SELECT * FROM fichiers WHERE dossier_id = $1 ORDER BY cree_le, id",
        )
        .bind(dossier_id)
        .fetch_all(&self.pool)
        .await?)
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
        ecr.valider().await
    }

    /// Messages d'un dossier, dans l'ordre ; les notes privées seulement si demandé.
    pub async fn messages(
        &self,
        dossier_id: &str,
        avec_notes: bool,
    ) -> Result<Vec<Message>, ErreurStore> {
        sqlx::query_as::<_, LigneMessage>(
            "SELECT * FROM messages WHERE dossier_id = $1 AND (prive = 0 OR $2 = 1) ORDER BY cree_le, id",
        )
        .bind(dossier_id)
        .bind(i64::from(avec_notes))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Message::try_from)
        .collect()
    }
}
