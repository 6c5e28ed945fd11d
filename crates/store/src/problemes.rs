//! « Signaler un problème » (issue 18, migration `0030_problemes_signales.sql`) : dépôt sans
//! compte (avec les courriels aux administrateurs, dans la même écriture), liste pour
//! l'administration, marque « traité » qui efface l'adresse de la personne. Le journal d'audit
//! ne garde ni le message ni l'adresse.

use chrono::Utc;
use serde_json::json;

use crate::courriels::{inserer, NouveauCourriel};
use crate::{horodatage, Acteur, ErreurStore, Store};

/// Un signalement tel qu'il est en base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemeSignale {
    pub id: String,
    /// Identifiant du sujet (`contenus/signaler-un-probleme.toml`).
    pub sujet: String,
    /// Chemin local de la page concernée.
    pub page: Option<String>,
    pub message: String,
    /// Adresse pour la réponse, tant que le signalement n'est pas traité.
    pub email: Option<String>,
    /// `a_traiter` ou `traite`.
    pub statut: String,
    pub cree_le: String,
    pub traite_par: Option<String>,
    pub traite_le: Option<String>,
}

impl ProblemeSignale {
    pub fn traite(&self) -> bool {
        self.statut == "traite"
    }
}

/// Un signalement à déposer.
#[derive(Debug, Clone)]
pub struct NouveauProbleme<'a> {
    pub sujet: &'a str,
    pub page: Option<&'a str>,
    pub message: &'a str,
    pub email: Option<&'a str>,
}

type Ligne = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
);

const SELECT: &str =
    "SELECT id, sujet, page, message, email, statut, cree_le, traite_par, traite_le \
     FROM problemes_signales";

fn depuis_ligne(l: Ligne) -> ProblemeSignale {
    let (id, sujet, page, message, email, statut, cree_le, traite_par, traite_le) = l;
    ProblemeSignale {
        id,
        sujet,
        page,
        message,
        email,
        statut,
        cree_le,
        traite_par,
        traite_le,
    }
}

impl Store {
    /// Dépose un signalement (à traiter) et met en file les courriels aux administrateurs, d'un
    /// seul geste ; journal `signaler_probleme` (sujet et page, sans le message ni l'adresse).
    /// Rend son identifiant.
    pub async fn deposer_probleme(
        &self,
        acteur: &Acteur,
        p: NouveauProbleme<'_>,
        courriels: &[NouveauCourriel],
    ) -> Result<String, ErreurStore> {
        let id = uuid::Uuid::now_v7().to_string();
        let mut ecr = self.ecriture(acteur).await?;
        sqlx::query(
            "INSERT INTO problemes_signales (id, sujet, page, message, email, statut, cree_le) \
             VALUES ($1, $2, $3, $4, $5, 'a_traiter', $6)",
        )
        .bind(&id)
        .bind(p.sujet)
        .bind(p.page)
        .bind(p.message)
        .bind(p.email)
        .bind(horodatage(Utc::now()))
        .execute(ecr.conn())
        .await?;
        for c in courriels {
            inserer(ecr.conn(), c).await?;
        }
        ecr.journal("signaler_probleme")
            .objet("probleme_signale", &id)
            .apres(
                &json!({ "sujet": p.sujet, "page": p.page, "reponse_demandee": p.email.is_some() }),
            )
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(id)
    }

    /// Un signalement.
    pub async fn probleme(&self, id: &str) -> Result<Option<ProblemeSignale>, ErreurStore> {
        let l: Option<Ligne> = sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(l.map(depuis_ligne))
    }

    /// Les signalements : à traiter d'abord (du plus ancien au plus récent), puis les `traites`
    /// derniers traités (du plus récent au plus ancien).
    pub async fn problemes(
        &self,
        traites: i64,
    ) -> Result<(Vec<ProblemeSignale>, Vec<ProblemeSignale>), ErreurStore> {
        let a: Vec<Ligne> = sqlx::query_as(&format!(
            "{SELECT} WHERE statut = 'a_traiter' ORDER BY cree_le, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        let t: Vec<Ligne> = sqlx::query_as(&format!(
            "{SELECT} WHERE statut = 'traite' ORDER BY traite_le DESC, id DESC LIMIT $1"
        ))
        .bind(traites)
        .fetch_all(&self.pool)
        .await?;
        Ok((
            a.into_iter().map(depuis_ligne).collect(),
            t.into_iter().map(depuis_ligne).collect(),
        ))
    }

    /// Marque un signalement traité et efface l'adresse de la personne ; journal
    /// `traiter_probleme`. Inconnu : [`ErreurStore::Introuvable`] ; déjà traité :
    /// [`ErreurStore::Conflit`].
    pub async fn traiter_probleme(&self, acteur: &Acteur, id: &str) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let l: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT statut, email FROM problemes_signales WHERE id = $1")
                .bind(id)
                .fetch_optional(ecr.conn())
                .await?;
        let Some((statut, email)) = l else {
            ecr.abandonner().await?;
            return Err(ErreurStore::Introuvable(id.to_string()));
        };
        if statut == "traite" {
            ecr.abandonner().await?;
            return Err(ErreurStore::Conflit(
                "ce signalement est déjà marqué traité".into(),
            ));
        }
        sqlx::query(
            "UPDATE problemes_signales SET statut = 'traite', email = NULL, traite_par = $1, \
             traite_le = $2 WHERE id = $3",
        )
        .bind(&acteur.id)
        .bind(horodatage(Utc::now()))
        .bind(id)
        .execute(ecr.conn())
        .await?;
        ecr.journal("traiter_probleme")
            .objet("probleme_signale", id)
            .apres(&json!({ "statut": "traite", "adresse_effacee": email.is_some() }))
            .ecrire()
            .await?;
        ecr.valider().await
    }
}
