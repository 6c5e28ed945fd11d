//! Abonnements des réutilisateurs aux changements du registre (webhooks) et journal des
//! livraisons. Les livraisons sont créées dans la transaction du changement (labellisation,
//! retrait, expiration) : aucun changement publié n'est oublié.

use chrono::{DateTime, Utc};
use reperes_domain::{Dossier, Etat};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::courriels::delai_apres;
use crate::{horodatage, lire_horodatage, ErreurStore, Store};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Abonnement {
    pub id: String,
    pub proprietaire_id: String,
    pub url: String,
    /// Secret partagé de la signature HMAC-SHA256 (montré une fois à la création).
    #[serde(skip)]
    pub secret: String,
    pub actif: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Livraison {
    pub id: String,
    pub abonnement_id: String,
    pub evenement: String,
    pub corps: String,
    pub essais: i64,
    pub livre_le: Option<DateTime<Utc>>,
    pub dernier_statut: Option<i64>,
    pub derniere_erreur: Option<String>,
    pub cree_le: DateTime<Utc>,
}

/// L'événement du registre que produit ce changement d'état, s'il y en a un.
pub fn evenement(avant: Etat, apres: &Dossier) -> Option<&'static str> {
    if avant == apres.etat {
        return None;
    }
    match apres.etat {
        Etat::Labellise => Some("label.accorde"),
        Etat::Retire => Some("label.retire"),
        Etat::Expire => Some("label.expire"),
        _ => None,
    }
}

/// Crée, dans la transaction en cours, une livraison par abonnement actif.
pub(crate) async fn programmer(
    conn: &mut AnyConnection,
    evenement: &str,
    d: &Dossier,
) -> Result<(), ErreurStore> {
    let abonnements: Vec<(String,)> = sqlx::query_as("SELECT id FROM abonnements WHERE actif = 1")
        .fetch_all(&mut *conn)
        .await?;
    if abonnements.is_empty() {
        return Ok(());
    }
    let maintenant = horodatage(Utc::now());
    let corps = serde_json::json!({
        "evenement": evenement,
        "date": maintenant,
        "dossier": d.id,
        "dispositif": d.dispositif_id,
        "label": d.referentiel_id,
        "version": d.referentiel_version,
        "statut": d.etat.code(),
        "niveau": d.niveau_accorde,
        "fin_validite": d.fin_validite.map(|f| f.to_string()),
    })
    .to_string();
    for (a,) in abonnements {
        sqlx::query(
            "INSERT INTO livraisons (id, abonnement_id, evenement, corps, essais, prochain_essai_le, cree_le) \
             VALUES ($1, $2, $3, $4, 0, $5, $5)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(a)
        .bind(evenement)
        .bind(&corps)
        .bind(&maintenant)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn abonnement(r: &sqlx::any::AnyRow) -> Result<Abonnement, ErreurStore> {
    Ok(Abonnement {
        id: r.try_get("id")?,
        proprietaire_id: r.try_get("proprietaire_id")?,
        url: r.try_get("url")?,
        secret: r.try_get("secret")?,
        actif: r.try_get::<i64, _>("actif")? != 0,
    })
}

fn livraison(r: &sqlx::any::AnyRow) -> Result<Livraison, ErreurStore> {
    Ok(Livraison {
        id: r.try_get("id")?,
        abonnement_id: r.try_get("abonnement_id")?,
        evenement: r.try_get("evenement")?,
        corps: r.try_get("corps")?,
        essais: r.try_get("essais")?,
        livre_le: r
            .try_get::<Option<String>, _>("livre_le")?
            .map(|s| lire_horodatage(&s))
            .transpose()?,
        dernier_statut: r.try_get("dernier_statut")?,
        derniere_erreur: r.try_get("derniere_erreur")?,
        cree_le: lire_horodatage(&r.try_get::<String, _>("cree_le")?)?,
    })
}

impl Store {
    pub async fn creer_abonnement(&self, a: &Abonnement) -> Result<(), ErreurStore> {
        sqlx::query("INSERT INTO abonnements (id, proprietaire_id, url, secret, actif, cree_le) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&a.id)
            .bind(&a.proprietaire_id)
            .bind(&a.url)
            .bind(&a.secret)
            .bind(i64::from(a.actif))
            .bind(horodatage(Utc::now()))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn abonnement(&self, id: &str) -> Result<Option<Abonnement>, ErreurStore> {
        sqlx::query("SELECT * FROM abonnements WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(abonnement)
            .transpose()
    }

    pub async fn abonnements_de(
        &self,
        proprietaire_id: &str,
    ) -> Result<Vec<Abonnement>, ErreurStore> {
        sqlx::query("SELECT * FROM abonnements WHERE proprietaire_id = $1 ORDER BY cree_le, id")
            .bind(proprietaire_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(abonnement)
            .collect()
    }

    /// Désactive un abonnement (l'historique des livraisons est gardé).
    pub async fn desactiver_abonnement(&self, id: &str) -> Result<(), ErreurStore> {
        sqlx::query("UPDATE abonnements SET actif = 0 WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Livraisons dues (non livrées, échéance passée), avec leur abonnement.
    pub async fn livraisons_dues(
        &self,
        maintenant: DateTime<Utc>,
        limite: i64,
    ) -> Result<Vec<(Livraison, Abonnement)>, ErreurStore> {
        let rows = sqlx::query(
            "SELECT l.* FROM livraisons l JOIN abonnements a ON a.id = l.abonnement_id \
             WHERE l.livre_le IS NULL AND a.actif = 1 AND l.prochain_essai_le <= $1 \
             ORDER BY l.prochain_essai_le, l.id LIMIT $2",
        )
        .bind(horodatage(maintenant))
        .bind(limite)
        .fetch_all(&self.pool)
        .await?;
        let mut v = Vec::new();
        for r in &rows {
            let l = livraison(r)?;
            if let Some(a) = self.abonnement(&l.abonnement_id).await? {
                v.push((l, a));
            }
        }
        Ok(v)
    }

    /// Livraisons d'un abonnement, les plus récentes d'abord.
    pub async fn livraisons(&self, abonnement_id: &str) -> Result<Vec<Livraison>, ErreurStore> {
        sqlx::query("SELECT * FROM livraisons WHERE abonnement_id = $1 ORDER BY cree_le DESC, id DESC LIMIT 100")
            .bind(abonnement_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(livraison)
            .collect()
    }

    /// Note le résultat d'un essai : livré (statut 2xx), ou échec avec réessai différé.
    pub async fn noter_livraison(
        &self,
        id: &str,
        statut: Option<i64>,
        erreur: Option<&str>,
    ) -> Result<(), ErreurStore> {
        let (essais,): (i64,) = sqlx::query_as("SELECT essais FROM livraisons WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        let livre = erreur.is_none() && statut.is_some_and(|s| (200..300).contains(&s));
        sqlx::query(
            "UPDATE livraisons SET essais = $1, dernier_statut = $2, derniere_erreur = $3, livre_le = $4, \
             prochain_essai_le = $5 WHERE id = $6",
        )
        .bind(essais + 1)
        .bind(statut)
        .bind(erreur)
        .bind(livre.then(|| horodatage(Utc::now())))
        .bind(horodatage(Utc::now() + delai_apres(essais)))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
