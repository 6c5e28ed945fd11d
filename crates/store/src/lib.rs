//! Persistance de Repères : un seul jeu de requêtes SQL portables (paramètres `$1`, types simples)
//! exécutées par le pilote `Any` de sqlx sur SQLite (par défaut, embarqué) ou PostgreSQL
//! (production). Chaque backend a son dossier de migrations ; un test vérifie que les schémas
//! obtenus sont identiques. Voir `docs/adr/0001-deux-bases.md`.
//!
//! Toute écriture passe par une [`ecriture::Ecriture`] : une transaction qui prend d'abord le
//! verrou du journal d'audit chaîné et n'est validée qu'avec au moins une entrée de ce journal.

mod abonnements;
mod attestations;
mod audit;
mod avis;
mod chartes;
mod comptes;
mod courriels;
mod donnees_personnelles;
mod dossiers;
mod ecriture;
mod erreur;
mod indicateurs;
mod journal_securite;
mod lieux;
mod lieux_compteur;
mod lieux_conflits;
mod lieux_fusions;
mod lieux_structures;
mod lieux_versions;
// Signalements et propositions du public (issue 16, partie « signalements »).
mod lieux_signalements;
mod organisations;
mod pieces;
// « Signaler un problème ».
mod problemes;
mod rappels;
mod registre;
#[cfg(feature = "test-support")]
pub mod schema;
mod second_facteur;
// Versions locales de la carte (issue 17).
#[cfg(feature = "test-support")]
pub mod test_support;
mod versions_locales;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use abonnements::{evenement, Abonnement, Livraison};
pub use attestations::Attestation;
pub use audit::{ErreurVerification, Scellement};
pub use chartes::{RapportCharte, Signataire};
pub use comptes::{Jeton, NatureJeton, Session, TraceJeton, Utilisateur};
pub use courriels::{delai_apres, Courriel, NouveauCourriel};
pub use donnees_personnelles::{BilanDormants, DonneesPersonnelles};
pub use dossiers::{FiltreDossiers, Notifier, ResumeDossier};
pub use erreur::ErreurStore;
pub use indicateurs::{objet_indicateur, ValeurIndicateur, OBJET_INDICATEUR};
pub use journal_securite::{
    EvenementSecurite, FiltreJournalSecurite, LigneJournalSecurite, NouvelEvenement,
};
pub use lieux::{BilanImport, LienLieu, VersionLieux};
pub use lieux_conflits::{ChoixConflit, ConflitLieu, ResultatRevue};
pub use lieux_fusions::{AliasLieu, FusionLieux, ResultatFusion};
pub use lieux_signalements::{Acceptation, Depot, Signalement, SOURCE_PROPOSITIONS};
pub use lieux_structures::{EtatLien, RappelFraicheur, Revendication};
pub use lieux_versions::{
    LieuCourant, ModificationLieu, ResultatModification, StructureLieu, VersionLieu,
};
pub use pieces::{Fichier, Message};
pub use problemes::{NouveauProbleme, ProblemeSignale};
pub use rappels::TitreEnCours;
pub use registre::{DonneesStatistiques, LigneRegistre};
pub use second_facteur::{ConnexionEnAttente, SecondFacteur};

static MIGRATIONS_SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MIGRATIONS_POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Base SQLite utilisée quand `DATABASE_URL` n'est pas défini.
pub const BASE_PAR_DEFAUT: &str = "data/reperes.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn nom(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    /// Le backend désigné par une URL, ou une erreur qui dit quoi écrire.
    pub fn depuis_url(url: &str) -> Result<Backend, ErreurStore> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(ErreurStore::UrlInvalide(url.to_string()))
        }
    }
}

/// Qui agit : identifiant lisible (adresse, `cli`, `demo`, `systeme`) et rôle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acteur {
    pub id: String,
    pub role: reperes_domain::Role,
}

impl Acteur {
    pub fn new(id: impl Into<String>, role: reperes_domain::Role) -> Self {
        Acteur {
            id: id.into(),
            role,
        }
    }
    /// Forme écrite dans le journal : `rôle:identifiant`.
    pub fn journal(&self) -> String {
        format!("{}:{}", self.role.code(), self.id)
    }
}

/// Accès à la base.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Clé de scellement du journal d'audit (gardée hors de la base) : chaque entrée écrite est
    /// scellée avec elle. `None` : entrées non scellées (outils, tests).
    cle_audit: Option<std::sync::Arc<reperes_domain::audit::CleAudit>>,
}

/// URL de la base par défaut, à partir d'un chemin de fichier SQLite.
pub fn url_sqlite(chemin: &Path) -> String {
    format!("sqlite://{}?mode=rwc", chemin.display())
}

impl Store {
    /// Ouvre la base désignée par l'URL (`sqlite://chemin?mode=rwc` ou `postgres://…`).
    /// Pour SQLite, le dossier parent est créé s'il manque.
    pub async fn connecter(url: &str) -> Result<Store, ErreurStore> {
        sqlx::any::install_default_drivers();
        let backend = Backend::depuis_url(url)?;
        if backend == Backend::Sqlite {
            let chemin = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:")
                .split('?')
                .next()
                .unwrap_or_default();
            if !chemin.is_empty() && chemin != ":memory:" {
                if let Some(parent) = Path::new(chemin).parent() {
                    if !parent.as_os_str().is_empty() {
                        std::fs::create_dir_all(parent).map_err(|cause| ErreurStore::Fichier {
                            quoi: format!("impossible de créer le dossier {}", parent.display()),
                            cause,
                        })?;
                    }
                }
            }
        }
        let options = AnyConnectOptions::from_str(url).map_err(|cause| ErreurStore::Connexion {
            quoi: masquer(url),
            cause,
        })?;
        let mut pool = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            });
        if backend == Backend::Sqlite {
            pool = pool.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                    )
                    .await?;
                    Ok(())
                })
            });
        }
        let pool = pool
            .connect_with(options)
            .await
            .map_err(|cause| ErreurStore::Connexion {
                quoi: format!("{} ({})", backend.nom(), masquer(url)),
                cause,
            })?;
        Ok(Store {
            pool,
            backend,
            cle_audit: None,
        })
    }

    /// Applique les migrations du backend.
    pub async fn migrer(&self) -> Result<(), ErreurStore> {
        match self.backend {
            Backend::Sqlite => MIGRATIONS_SQLITE.run(&self.pool).await?,
            Backend::Postgres => MIGRATIONS_POSTGRES.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Le même accès, qui scelle désormais chaque entrée du journal d'audit avec `cle`.
    pub fn avec_cle_audit(mut self, cle: reperes_domain::audit::CleAudit) -> Store {
        self.cle_audit = Some(std::sync::Arc::new(cle));
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Vérifie que la base répond.
    pub async fn sante(&self) -> Result<(), ErreurStore> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// La base ne contient encore aucune organisation.
    pub async fn est_vide(&self) -> Result<bool, ErreurStore> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM organisations")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }

    pub async fn fermer(&self) {
        self.pool.close().await;
    }
}

/// Masque le mot de passe d'une URL pour les messages.
fn masquer(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(d), Some(a)) if a > d => {
            let identite = &url[d + 3..a];
            match identite.split_once(':') {
                Some((u, _)) => format!("{}{u}:***{}", &url[..d + 3], &url[a..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Horodatage au format stocké (RFC 3339, UTC, microsecondes) : trié comme du texte.
pub fn horodatage(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn lire_horodatage(s: &str) -> Result<DateTime<Utc>, ErreurStore> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| ErreurStore::illisible(format!("horodatage « {s} »"), e))
}

pub(crate) fn lire_date(s: &str) -> Result<NaiveDate, ErreurStore> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| ErreurStore::illisible(format!("date « {s} »"), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            Backend::depuis_url("sqlite://x.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::depuis_url("postgres://h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::depuis_url("mysql://h/db").is_err());
        assert!(Backend::depuis_url("data/reperes.db").is_err());
        assert_eq!(masquer("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }

    #[test]
    fn les_erreurs_gardent_leur_cause() {
        let e = lire_horodatage("hier").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("donnée corrompue en base : horodatage « hier » : "),
            "{e}"
        );
        assert!(std::error::Error::source(&e).is_some());
        let e = ErreurStore::from(serde_json::from_str::<u8>("x").unwrap_err());
        assert!(std::error::Error::source(&e).is_some());
    }
}
