//! L'index des lieux tenu en mémoire par le serveur (voir ADR 0006) : construit depuis la base
//! au premier besoin, reconstruit après un import, et quand la table a changé (import fait par
//! une autre instance ou par le CLI) — la version est relue au plus toutes les cinq secondes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reperes_domain::lieux::index::IndexLieux;
use reperes_domain::lieux::schema_national;
use reperes_store::{ErreurStore, Store, VersionLieux};
use tokio::sync::Mutex;

const DELAI_VERIFICATION: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Etat {
    index: Option<(VersionLieux, Arc<IndexLieux>)>,
    verifie_le: Option<Instant>,
}

/// L'index partagé.
#[derive(Default, Clone)]
pub struct Carte {
    etat: Arc<Mutex<Etat>>,
}

impl Carte {
    /// L'index à jour.
    pub async fn index(&self, store: &Store) -> Result<Arc<IndexLieux>, ErreurStore> {
        let mut e = self.etat.lock().await;
        let a_verifier = e
            .verifie_le
            .is_none_or(|t| t.elapsed() >= DELAI_VERIFICATION);
        if let (Some((_, index)), false) = (&e.index, a_verifier) {
            return Ok(index.clone());
        }
        let version = store.version_lieux().await?;
        e.verifie_le = Some(Instant::now());
        if let Some((v, index)) = &e.index {
            if *v == version {
                return Ok(index.clone());
            }
        }
        let lieux = store.lieux().await?;
        let index = Arc::new(
            tokio::task::spawn_blocking(move || IndexLieux::construire(&schema_national(), lieux))
                .await
                .map_err(|e| ErreurStore::Corrompue(format!("construction de l'index : {e}")))?,
        );
        e.index = Some((version, index.clone()));
        Ok(index)
    }

    /// Oublie l'index (après un import fait par cette instance).
    pub async fn invalider(&self) {
        let mut e = self.etat.lock().await;
        e.verifie_le = None;
        e.index = None;
    }
}
