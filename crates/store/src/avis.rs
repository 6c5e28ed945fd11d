//! Avis d'experts sur un dossier (table `avis`, migration `0021_avis.sql`) : demande, ouverture
//! du lien par l'expert, réponse avec pièces jointes, annulation, relances (une seule fois
//! chacune, table `avis_relances`). Chaque changement est au journal d'audit du dossier ; le
//! journal ne porte pas l'adresse de l'expert (voir `docs/donnees-personnelles.md`).

use chrono::{NaiveDate, Utc};
use reperes_domain::dossier::avis::DemandeAvis;
use serde::Serialize;

use crate::courriels::inserer as inserer_courriel;
use crate::pieces::inserer_fichier;
use crate::{
    horodatage, lire_date, lire_horodatage, Acteur, ErreurStore, Fichier, NouveauCourriel, Store,
};

/// Une ligne de `avis`.
#[derive(sqlx::FromRow)]
struct LigneAvis {
    id: String,
    dossier_id: String,
    agent_id: String,
    expert_email: String,
    expert_id: Option<String>,
    question: String,
    date_limite: String,
    confidentiel: i64,
    reponse: Option<String>,
    fichiers: String,
    cree_le: String,
    repondu_le: Option<String>,
    annule_le: Option<String>,
}

impl TryFrom<LigneAvis> for DemandeAvis {
    type Error = ErreurStore;
    fn try_from(l: LigneAvis) -> Result<Self, ErreurStore> {
        Ok(DemandeAvis {
            id: l.id,
            dossier_id: l.dossier_id,
            agent_id: l.agent_id,
            expert_email: l.expert_email,
            expert_id: l.expert_id,
            question: l.question,
            date_limite: lire_date(&l.date_limite)?,
            confidentiel: l.confidentiel != 0,
            reponse: l.reponse,
            fichiers: serde_json::from_str(&l.fichiers)?,
            cree_le: lire_horodatage(&l.cree_le)?,
            repondu_le: l.repondu_le.as_deref().map(lire_horodatage).transpose()?,
            annule_le: l.annule_le.as_deref().map(lire_horodatage).transpose()?,
        })
    }
}

const COLONNES: &str = "id, dossier_id, agent_id, expert_email, expert_id, question, date_limite, \
     confidentiel, reponse, fichiers, cree_le, repondu_le, annule_le";

/// Ce que le journal garde d'une demande : ni l'adresse de l'expert, ni le texte de sa réponse
/// (lisibles dans la table, supprimés avec elle).
#[derive(Serialize)]
struct AuJournal<'a> {
    avis_id: &'a str,
    date_limite: NaiveDate,
    confidentiel: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    fichiers: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relance_jours_avant: Option<i64>,
}

fn au_journal(a: &DemandeAvis) -> AuJournal<'_> {
    AuJournal {
        avis_id: &a.id,
        date_limite: a.date_limite,
        confidentiel: a.confidentiel,
        fichiers: None,
        relance_jours_avant: None,
    }
}

impl Store {
    /// Enregistre une demande d'avis et met en file le courriel à l'expert, dans la même
    /// transaction (journal : `demander_avis` sur le dossier).
    pub async fn demander_avis(
        &self,
        acteur: &Acteur,
        a: &DemandeAvis,
        jeton_hash: &str,
        courriel: &NouveauCourriel,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        sqlx::query(
            "INSERT INTO avis (id, dossier_id, agent_id, expert_email, expert_id, jeton_hash, question, \
             date_limite, confidentiel, reponse, fichiers, cree_le, repondu_le, annule_le) \
             VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, NULL, $9, $10, NULL, NULL)",
        )
        .bind(&a.id)
        .bind(&a.dossier_id)
        .bind(&a.agent_id)
        .bind(&a.expert_email)
        .bind(jeton_hash)
        .bind(&a.question)
        .bind(a.date_limite.format("%Y-%m-%d").to_string())
        .bind(i64::from(a.confidentiel))
        .bind(serde_json::to_string(&a.fichiers)?)
        .bind(horodatage(a.cree_le))
        .execute(ecr.conn())
        .await?;
        inserer_courriel(ecr.conn(), courriel).await?;
        ecr.journal("demander_avis")
            .objet("dossier", &a.dossier_id)
            .apres(&au_journal(a))
            .ecrire()
            .await?;
        ecr.valider().await
    }

    pub async fn avis(&self, id: &str) -> Result<Option<DemandeAvis>, ErreurStore> {
        sqlx::query_as::<_, LigneAvis>(&format!("SELECT {COLONNES} FROM avis WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(DemandeAvis::try_from)
            .transpose()
    }

    /// La demande dont le lien porte ce jeton (empreinte), si elle n'est ni annulée ni rendue.
    pub async fn avis_par_jeton(&self, hash: &str) -> Result<Option<DemandeAvis>, ErreurStore> {
        sqlx::query_as::<_, LigneAvis>(&format!(
            "SELECT {COLONNES} FROM avis WHERE jeton_hash = $1 AND annule_le IS NULL"
        ))
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?
        .map(DemandeAvis::try_from)
        .transpose()
    }

    /// Les demandes d'avis d'un dossier, de la plus ancienne à la plus récente.
    pub async fn avis_du_dossier(&self, dossier_id: &str) -> Result<Vec<DemandeAvis>, ErreurStore> {
        sqlx::query_as::<_, LigneAvis>(&format!(
            "SELECT {COLONNES} FROM avis WHERE dossier_id = $1 ORDER BY cree_le, id"
        ))
        .bind(dossier_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(DemandeAvis::try_from)
        .collect()
    }

    /// Les demandes (non annulées) adressées à cette adresse, les plus récentes d'abord.
    pub async fn avis_de_l_expert(&self, email: &str) -> Result<Vec<DemandeAvis>, ErreurStore> {
        sqlx::query_as::<_, LigneAvis>(&format!(
            "SELECT {COLONNES} FROM avis WHERE expert_email = $1 AND annule_le IS NULL \
             ORDER BY cree_le DESC, id DESC"
        ))
        .bind(email)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(DemandeAvis::try_from)
        .collect()
    }

    /// Les demandes qui attendent une réponse (relances).
    pub async fn avis_en_attente(&self) -> Result<Vec<DemandeAvis>, ErreurStore> {
        sqlx::query_as::<_, LigneAvis>(&format!(
            "SELECT {COLONNES} FROM avis WHERE annule_le IS NULL AND repondu_le IS NULL \
             ORDER BY date_limite, id"
        ))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(DemandeAvis::try_from)
        .collect()
    }

    /// La demande d'avis dont la réponse porte ce fichier, s'il y en a une.
    pub async fn avis_du_fichier(
        &self,
        dossier_id: &str,
        fichier_id: &str,
    ) -> Result<Option<DemandeAvis>, ErreurStore> {
        Ok(self
            .avis_du_dossier(dossier_id)
            .await?
            .into_iter()
            .find(|a| a.fichiers.iter().any(|f| f == fichier_id)))
    }

    /// Rattache le compte de l'expert à la demande (première ouverture du lien) ; sans effet si
    /// c'est déjà fait.
    pub async fn rattacher_expert(
        &self,
        acteur: &Acteur,
        a: &DemandeAvis,
        expert_id: &str,
    ) -> Result<(), ErreurStore> {
        if a.expert_id.as_deref() == Some(expert_id) {
            return Ok(());
        }
        let mut ecr = self.ecriture(acteur).await?;
        sqlx::query("UPDATE avis SET expert_id = $1 WHERE id = $2 AND annule_le IS NULL")
            .bind(expert_id)
            .bind(&a.id)
            .execute(ecr.conn())
            .await?;
        ecr.journal("ouvrir_avis")
            .objet("dossier", &a.dossier_id)
            .apres(&au_journal(a))
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Enregistre la réponse de l'expert et ses pièces jointes. Une seule réponse : une demande
    /// déjà rendue ou annulée est refusée ([`ErreurStore::Conflit`]) et rien n'est écrit.
    pub async fn rendre_avis(
        &self,
        acteur: &Acteur,
        a: &DemandeAvis,
        reponse: &str,
        pieces: &[Fichier],
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let maintenant = horodatage(Utc::now());
        let ids: Vec<String> = pieces.iter().map(|f| f.id.clone()).collect();
        let n = sqlx::query(
            "UPDATE avis SET reponse = $1, fichiers = $2, repondu_le = $3 \
             WHERE id = $4 AND repondu_le IS NULL AND annule_le IS NULL",
        )
        .bind(reponse)
        .bind(serde_json::to_string(&ids)?)
        .bind(&maintenant)
        .bind(&a.id)
        .execute(ecr.conn())
        .await?
        .rows_affected();
        if n == 0 {
            ecr.abandonner().await?;
            return Err(ErreurStore::Conflit(
                "cette demande d'avis a déjà reçu une réponse ou a été annulée : l'avis ne peut plus être modifié".into(),
            ));
        }
        for f in pieces {
            inserer_fichier(&mut ecr, f, &maintenant).await?;
        }
        let mut j = au_journal(a);
        j.fichiers = Some(&ids);
        ecr.journal("rendre_avis")
            .objet("dossier", &a.dossier_id)
            .apres(&j)
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Annule une demande en attente : le lien de l'expert cesse de marcher.
    pub async fn annuler_avis(&self, acteur: &Acteur, a: &DemandeAvis) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let n = sqlx::query(
            "UPDATE avis SET annule_le = $1 WHERE id = $2 AND repondu_le IS NULL AND annule_le IS NULL",
        )
        .bind(horodatage(Utc::now()))
        .bind(&a.id)
        .execute(ecr.conn())
        .await?
        .rows_affected();
        if n == 0 {
            ecr.abandonner().await?;
            return Err(ErreurStore::Conflit(
                "seule une demande d'avis en attente peut être annulée".into(),
            ));
        }
        ecr.journal("annuler_avis")
            .objet("dossier", &a.dossier_id)
            .apres(&au_journal(a))
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Relances déjà envoyées pour une demande (jours avant la date limite).
    pub async fn relances_avis(&self, avis_id: &str) -> Result<Vec<i64>, ErreurStore> {
        let v: Vec<(i64,)> = sqlx::query_as(
            "SELECT jours_avant FROM avis_relances WHERE avis_id = $1 ORDER BY jours_avant DESC",
        )
        .bind(avis_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(v.into_iter().map(|(j,)| j).collect())
    }

    /// Enregistre une relance et met en file son courriel ; rend `false` (rien d'écrit) si cette
    /// relance a déjà été envoyée.
    pub async fn relancer_avis(
        &self,
        acteur: &Acteur,
        a: &DemandeAvis,
        jours_avant: i64,
        courriel: &NouveauCourriel,
    ) -> Result<bool, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let deja: Option<(i64,)> = sqlx::query_as(
            "SELECT jours_avant FROM avis_relances WHERE avis_id = $1 AND jours_avant = $2",
        )
        .bind(&a.id)
        .bind(jours_avant)
        .fetch_optional(ecr.conn())
        .await?;
        if deja.is_some() {
            ecr.abandonner().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO avis_relances (avis_id, jours_avant, envoyee_le) VALUES ($1, $2, $3)",
        )
        .bind(&a.id)
        .bind(jours_avant)
        .bind(horodatage(Utc::now()))
        .execute(ecr.conn())
        .await?;
        inserer_courriel(ecr.conn(), courriel).await?;
        let mut j = au_journal(a);
        j.relance_jours_avant = Some(jours_avant);
        ecr.journal("relancer_avis")
            .objet("dossier", &a.dossier_id)
            .apres(&j)
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(true)
    }
}
