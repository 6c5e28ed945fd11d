//! Versions locales de la carte (issue 17, migration 0029) : création, modification, logo,
//! lecture par adresse. Chaque écriture est au journal d'audit (`creer_version_locale`,
//! `modifier_version_locale`, `changer_logo_version_locale`).

use base64::Engine;
use chrono::Utc;
use reperes_domain::territoires::{Perimetre, Territoires};
use reperes_domain::versions_locales::{VersionLocale, VersionValidee};

use crate::{horodatage, Acteur, ErreurStore, Store};

const SELECT: &str =
    "SELECT id, slug, nom, perimetre, couleur, theme, origines, logo_type, active \
     FROM versions_locales";

type Ligne = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    i64,
);

fn depuis_ligne(l: Ligne) -> Result<VersionLocale, ErreurStore> {
    let (id, slug, nom, perimetre, couleur, theme, origines, logo_type, active) = l;
    let perimetre = Perimetre::lire(&perimetre, Territoires::embarque()).map_err(|e| {
        ErreurStore::Corrompue(format!("périmètre de la version locale {slug} : {e}"))
    })?;
    Ok(VersionLocale {
        id,
        slug,
        nom,
        perimetre,
        couleur,
        theme,
        origines: origines
            .lines()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_string)
            .collect(),
        logo_type,
        active: active != 0,
    })
}

/// Ce que le journal garde d'une version (sans le logo).
fn resume(v: &VersionValidee, active: bool) -> serde_json::Value {
    serde_json::json!({
        "slug": v.slug, "nom": v.nom, "perimetre": v.perimetre.texte(), "couleur": v.couleur,
        "theme": v.theme, "origines": v.origines, "active": active,
    })
}

impl Store {
    /// Crée une version locale (journal `creer_version_locale`) et rend son identifiant. Refusée
    /// ([`ErreurStore::Conflit`]) si l'adresse est déjà prise.
    pub async fn creer_version_locale(
        &self,
        acteur: &Acteur,
        v: &VersionValidee,
    ) -> Result<String, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let prise: Option<(String,)> =
            sqlx::query_as("SELECT id FROM versions_locales WHERE slug = $1")
                .bind(&v.slug)
                .fetch_optional(ecr.conn())
                .await?;
        if prise.is_some() {
            ecr.abandonner().await?;
            return Err(ErreurStore::Conflit(format!(
                "l'adresse /t/{} est déjà celle d'une autre version locale",
                v.slug
            )));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let maintenant = horodatage(Utc::now());
        sqlx::query(
            "INSERT INTO versions_locales (id, slug, nom, perimetre, couleur, theme, origines, \
             logo, logo_type, active, cree_le, modifie_le) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, 1, $8, $8)",
        )
        .bind(&id)
        .bind(&v.slug)
        .bind(&v.nom)
        .bind(v.perimetre.texte())
        .bind(&v.couleur)
        .bind(&v.theme)
        .bind(v.origines.join("\n"))
        .bind(&maintenant)
        .execute(ecr.conn())
        .await?;
        ecr.journal("creer_version_locale")
            .objet("version_locale", &id)
            .apres(&resume(v, true))
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(id)
    }

    /// Modifie une version locale (journal `modifier_version_locale`, avant et après). Refusée si
    /// elle n'existe pas ou si la nouvelle adresse est prise.
    pub async fn modifier_version_locale(
        &self,
        acteur: &Acteur,
        id: &str,
        v: &VersionValidee,
        active: bool,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let avant: Option<Ligne> = sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(ecr.conn())
            .await?;
        let Some(avant) = avant else {
            ecr.abandonner().await?;
            return Err(ErreurStore::Introuvable(format!("version locale {id}")));
        };
        let prise: Option<(String,)> =
            sqlx::query_as("SELECT id FROM versions_locales WHERE slug = $1 AND id <> $2")
                .bind(&v.slug)
                .bind(id)
                .fetch_optional(ecr.conn())
                .await?;
        if prise.is_some() {
            ecr.abandonner().await?;
            return Err(ErreurStore::Conflit(format!(
                "l'adresse /t/{} est déjà celle d'une autre version locale",
                v.slug
            )));
        }
        let avant = depuis_ligne(avant)?;
        sqlx::query(
            "UPDATE versions_locales SET slug = $1, nom = $2, perimetre = $3, couleur = $4, \
             theme = $5, origines = $6, active = $7, modifie_le = $8 WHERE id = $9",
        )
        .bind(&v.slug)
        .bind(&v.nom)
        .bind(v.perimetre.texte())
        .bind(&v.couleur)
        .bind(&v.theme)
        .bind(v.origines.join("\n"))
        .bind(active as i64)
        .bind(horodatage(Utc::now()))
        .bind(id)
        .execute(ecr.conn())
        .await?;
        let avant_resume = serde_json::json!({
            "slug": avant.slug, "nom": avant.nom, "perimetre": avant.perimetre.texte(),
            "couleur": avant.couleur, "theme": avant.theme, "origines": avant.origines,
            "active": avant.active,
        });
        ecr.journal("modifier_version_locale")
            .objet("version_locale", id)
            .avant(&avant_resume)
            .apres(&resume(v, active))
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Remplace (ou retire, `None`) le logo d'une version locale : (octets, type MIME), déjà
    /// contrôlés par l'appelant (contenu et taille). Journal `changer_logo_version_locale`.
    pub async fn changer_logo_version_locale(
        &self,
        acteur: &Acteur,
        id: &str,
        logo: Option<(&[u8], &str)>,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let texte = logo.map(|(o, _)| base64::engine::general_purpose::STANDARD.encode(o));
        let n = sqlx::query(
            "UPDATE versions_locales SET logo = $1, logo_type = $2, modifie_le = $3 WHERE id = $4",
        )
        .bind(texte)
        .bind(logo.map(|(_, t)| t.to_string()))
        .bind(horodatage(Utc::now()))
        .bind(id)
        .execute(ecr.conn())
        .await?
        .rows_affected();
        if n == 0 {
            ecr.abandonner().await?;
            return Err(ErreurStore::Introuvable(format!("version locale {id}")));
        }
        ecr.journal("changer_logo_version_locale")
            .objet("version_locale", id)
            .apres(&serde_json::json!({
                "logo": logo.map(|(o, t)| format!("{t}, {} octets", o.len())),
            }))
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Toutes les versions locales, par adresse.
    pub async fn versions_locales(&self) -> Result<Vec<VersionLocale>, ErreurStore> {
        let v: Vec<Ligne> = sqlx::query_as(&format!("{SELECT} ORDER BY slug"))
            .fetch_all(&self.pool)
            .await?;
        v.into_iter().map(depuis_ligne).collect()
    }

    /// Une version locale par son identifiant.
    pub async fn version_locale(&self, id: &str) -> Result<Option<VersionLocale>, ErreurStore> {
        let v: Option<Ligne> = sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        v.map(depuis_ligne).transpose()
    }

    /// Une version locale par son adresse (`charente`), active ou non.
    pub async fn version_locale_par_slug(
        &self,
        slug: &str,
    ) -> Result<Option<VersionLocale>, ErreurStore> {
        let v: Option<Ligne> = sqlx::query_as(&format!("{SELECT} WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        v.map(depuis_ligne).transpose()
    }

    /// Le logo d'une version locale : (octets, type MIME).
    pub async fn logo_version_locale(
        &self,
        id: &str,
    ) -> Result<Option<(Vec<u8>, String)>, ErreurStore> {
        let v: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT logo, logo_type FROM versions_locales WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        match v {
            Some((Some(texte), Some(t))) => {
                let o = base64::engine::general_purpose::STANDARD
                    .decode(texte)
                    .map_err(|e| ErreurStore::Corrompue(format!("logo {id} : {e}")))?;
                Ok(Some((o, t)))
            }
            _ => Ok(None),
        }
    }
}
