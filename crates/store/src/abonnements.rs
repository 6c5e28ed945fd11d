//! Abonnements des réutilisateurs aux changements du registre (webhooks) et journal des
//! livraisons. Les livraisons sont créées dans la transaction du changement (labellisation,
//! retrait, expiration) : aucun changement publié n'est oublié.

use chrono::{DateTime, Utc};
use reperes_domain::{Dossier, Etat};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::courriels::delai_apres;
use crate::{horodatage, lire_horodatage, Acteur, ErreurStore, Store};

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

/// Crée, dans la transaction en cours, une livraison par abonnement actif, en une seule
/// requête (`INSERT … SELECT`) : la transaction du changement ne fait pas un aller-retour par
/// abonné. L'envoi lui-même se fait plus tard, hors de la transaction, par la tâche de fond
/// (`reperes_web::webhooks`), en parallèle borné.
pub(crate) async fn programmer(
    conn: &mut AnyConnection,
    evenement: &str,
    d: &Dossier,
) -> Result<(), ErreurStore> {
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
    // Identifiant d'une livraison : celui de l'événement, suivi de celui de l'abonnement.
    let prefixe = format!("{}-", uuid::Uuid::now_v7());
    sqlx::query(
        "INSERT INTO livraisons (id, abonnement_id, evenement, corps, essais, prochain_essai_le, cree_le) \
         SELECT $1 || id, id, $2, $3, 0, $4, $4 FROM abonnements WHERE actif = 1",
    )
    .bind(prefixe)
    .bind(evenement)
    .bind(&corps)
    .bind(&maintenant)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Une ligne de `abonnements`.
#[derive(sqlx::FromRow)]
struct LigneAbonnement {
    id: String,
    proprietaire_id: String,
    url: String,
    secret: String,
    actif: i64,
}

impl TryFrom<LigneAbonnement> for Abonnement {
    type Error = ErreurStore;
    fn try_from(l: LigneAbonnement) -> Result<Self, ErreurStore> {
        Ok(Abonnement {
            id: l.id,
            proprietaire_id: l.proprietaire_id,
            url: l.url,
            secret: l.secret,
            actif: l.actif != 0,
        })
    }
}

/// Une ligne de `livraisons`.
#[derive(sqlx::FromRow)]
struct LigneLivraison {
    id: String,
    abonnement_id: String,
    evenement: String,
    corps: String,
    essais: i64,
    livre_le: Option<String>,
    dernier_statut: Option<i64>,
    derniere_erreur: Option<String>,
    cree_le: String,
}

impl TryFrom<LigneLivraison> for Livraison {
    type Error = ErreurStore;
    fn try_from(l: LigneLivraison) -> Result<Self, ErreurStore> {
        Ok(Livraison {
            id: l.id,
            abonnement_id: l.abonnement_id,
            evenement: l.evenement,
            corps: l.corps,
            essais: l.essais,
            livre_le: l.livre_le.as_deref().map(lire_horodatage).transpose()?,
            dernier_statut: l.dernier_statut,
            derniere_erreur: l.derniere_erreur,
            cree_le: lire_horodatage(&l.cree_le)?,
        })
    }
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

    /// Crée l'abonnement d'un compte, au journal d'audit, s'il en a moins de `plafond` actifs ;
    /// sinon `Conflit` avec un message clair. Le verrou du journal, pris en premier, rend le
    /// compte et l'insertion atomiques (deux envois simultanés ne dépassent pas le plafond).
    pub async fn abonner(
        &self,
        acteur: &Acteur,
        a: &Abonnement,
        plafond: usize,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let (actifs,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM abonnements WHERE proprietaire_id = $1 AND actif = 1",
        )
        .bind(&a.proprietaire_id)
        .fetch_one(ecr.conn())
        .await?;
        if usize::try_from(actifs).unwrap_or(usize::MAX) >= plafond {
            ecr.abandonner().await?;
            return Err(ErreurStore::Conflit(format!(
                "Vous avez déjà {plafond} abonnements actifs, le maximum par compte : \
                 désactivez-en un avant d'en créer un autre."
            )));
        }
        sqlx::query("INSERT INTO abonnements (id, proprietaire_id, url, secret, actif, cree_le) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&a.id)
            .bind(&a.proprietaire_id)
            .bind(&a.url)
            .bind(&a.secret)
            .bind(i64::from(a.actif))
            .bind(horodatage(Utc::now()))
            .execute(ecr.conn())
            .await?;
        ecr.journal("creer_abonnement")
            .objet("abonnement", &a.id)
            .apres(a)
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Désactive un abonnement au nom d'une personne, au journal d'audit.
    pub async fn desactiver_abonnement_par(
        &self,
        acteur: &Acteur,
        id: &str,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        sqlx::query("UPDATE abonnements SET actif = 0 WHERE id = $1")
            .bind(id)
            .execute(ecr.conn())
            .await?;
        ecr.journal("desactiver_abonnement")
            .objet("abonnement", id)
            .ecrire()
            .await?;
        ecr.valider().await
    }

    pub async fn abonnement(&self, id: &str) -> Result<Option<Abonnement>, ErreurStore> {
        sqlx::query_as::<_, LigneAbonnement>("SELECT * FROM abonnements WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(Abonnement::try_from)
            .transpose()
    }

    pub async fn abonnements_de(
        &self,
        proprietaire_id: &str,
    ) -> Result<Vec<Abonnement>, ErreurStore> {
        sqlx::query_as::<_, LigneAbonnement>(
            "SELECT * FROM abonnements WHERE proprietaire_id = $1 ORDER BY cree_le, id",
        )
        .bind(proprietaire_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Abonnement::try_from)
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
        let lignes = sqlx::query_as::<_, LigneLivraison>(
            "SELECT l.* FROM livraisons l JOIN abonnements a ON a.id = l.abonnement_id \
             WHERE l.livre_le IS NULL AND a.actif = 1 AND l.prochain_essai_le <= $1 \
             ORDER BY l.prochain_essai_le, l.id LIMIT $2",
        )
        .bind(horodatage(maintenant))
        .bind(limite)
        .fetch_all(&self.pool)
        .await?;
        let mut v = Vec::new();
        for ligne in lignes {
            let l = Livraison::try_from(ligne)?;
            if let Some(a) = self.abonnement(&l.abonnement_id).await? {
                v.push((l, a));
            }
        }
        Ok(v)
    }

    /// Livraisons d'un abonnement, les plus récentes d'abord.
    pub async fn livraisons(&self, abonnement_id: &str) -> Result<Vec<Livraison>, ErreurStore> {
        sqlx::query_as::<_, LigneLivraison>("SELECT * FROM livraisons WHERE abonnement_id = $1 ORDER BY cree_le DESC, id DESC LIMIT 100")
            .bind(abonnement_id)
            .fetch_all(&self.pool)
            .await?
.into_iter()
            .map(Livraison::try_from)
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
