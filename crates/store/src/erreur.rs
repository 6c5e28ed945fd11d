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
    /// La base ne répond pas, ou son URL est mal formée ; `quoi` dit laquelle (mot de passe
    /// masqué).
    #[error("connexion à la base impossible : {quoi} : {cause}")]
    Connexion {
        quoi: String,
        #[source]
        cause: sqlx::Error,
    },
    /// Un fichier ou un dossier n'a pu être créé ou lu.
    #[error("{quoi} : {cause}")]
    Fichier {
        quoi: String,
        #[source]
        cause: std::io::Error,
    },
    /// Une donnée lue en base est invalide, sans autre cause que son contenu.
    #[error("donnée corrompue en base : {0}")]
    Corrompue(String),
    /// Une donnée lue en base n'a pu être interprétée : `quoi` dit laquelle, `cause` pourquoi.
    #[error("donnée corrompue en base : {quoi} : {cause}")]
    Illisible {
        quoi: String,
        #[source]
        cause: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// Un JSON stocké illisible (ou un état impossible à écrire en JSON).
    #[error("donnée corrompue en base : {0}")]
    Json(#[from] serde_json::Error),
    #[error("migration de la base impossible : {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("erreur de la base de données : {0}")]
    Sqlx(#[from] sqlx::Error),
}

impl ErreurStore {
    /// Une donnée illisible, avec sa cause.
    pub fn illisible(
        quoi: impl Into<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> ErreurStore {
        ErreurStore::Illisible {
            quoi: quoi.into(),
            cause: Box::new(cause),
        }
    }
}
