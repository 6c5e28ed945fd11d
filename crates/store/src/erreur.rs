use reperes_domain::Refus;
use thiserror::Error;

/// Erreurs de la persistance. Un [`Refus`] du domaine traverse tel quel : c'est un refus métier,
/// pas une panne.
#[derive(Debug, Error)]
pub enum ErreurStore {
    #[error("{0}")]
    Refus(#[from] Refus),
    #[error("{0}")]
    Conflit(String),
    /// Une écriture validée sans entrée au journal d'audit : faute de programmation, rien n'a
    /// été écrit (voir `docs/adr/0004-journal-audit.md`).
    #[error("écriture sans entrée au journal d'audit : rien n'a été enregistré")]
    SansJournal,
    #[error("{0} introuvable")]
    Introuvable(String),
    #[error("le référentiel {0} n'est pas chargé")]
    ReferentielInconnu(String),
    #[error("URL de base de données non reconnue : « {0} ». Attendu : sqlite://chemin/vers/base.db ou postgres://utilisateur@hôte:port/base")]
    UrlInvalide(String),
    #[error("connexion à la base impossible : {0}")]
    Connexion(String),
    #[error("{0}")]
    Fichier(String),
    #[error("donnée corrompue en base : {0}")]
    Corrompue(String),
    #[error("migration de la base impossible : {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("erreur de la base de données : {0}")]
    Sqlx(#[from] sqlx::Error),
}

impl From<serde_json::Error> for ErreurStore {
    fn from(e: serde_json::Error) -> Self {
        ErreurStore::Corrompue(e.to_string())
    }
}
