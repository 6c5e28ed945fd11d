//! L'index des lieux tenu en mémoire par le serveur (voir ADR 0006, révision issue 14).
//!
//! - Lecture sans attente : l'index courant est un `Arc` derrière un `RwLock` std tenu le temps
//!   de cloner l'`Arc` ; aucune requête n'attend la base ni une reconstruction, sauf la toute
//!   première (pas encore d'index).
//! - Fraîcheur : la version de la table (`Store::version_lieux`) est relue au plus toutes les
//!   [`DELAI_VERIFICATION`] par **une** tâche de fond, lancée par la requête qui constate le délai
//!   écoulé ; si la version a changé (import par le CLI ou par une autre instance), l'index est
//!   reconstruit dans cette tâche, en flux depuis la base, puis échangé d'un coup.
//! - Après un import fait par l'instance, [`Carte::reconstruire`] reconstruit tout de suite (la
//!   page d'import attend le nouvel index pour compter les doublons) ; les autres requêtes servent
//!   l'ancien index pendant ce temps.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use reperes_domain::lieux::index::{ConstructionIndex, IndexLieux};
use reperes_domain::lieux::schema_national;
use reperes_store::{ErreurStore, Store, VersionLieux};

/// Intervalle minimal entre deux lectures de la version de la table des lieux.
pub const DELAI_VERIFICATION: Duration = Duration::from_secs(2);

struct Courant {
    version: VersionLieux,
    index: Arc<IndexLieux>,
}

#[derive(Default)]
struct Interne {
    courant: RwLock<Option<Arc<Courant>>>,
    /// Dernière lecture de la version (None : à relire à la prochaine requête).
    verifie_le: Mutex<Option<Instant>>,
    /// Une tâche de vérification est en cours (une seule à la fois).
    verification: AtomicBool,
    /// Une reconstruction est en cours (l'index courant reste servi).
    reconstruction: AtomicBool,
    /// Une seule construction à la fois.
    construction: tokio::sync::Mutex<()>,
    /// Retient les constructions (tests : observer les requêtes pendant une reconstruction).
    frein: tokio::sync::Mutex<()>,
}

/// L'index partagé.
#[derive(Default, Clone)]
pub struct Carte {
    interne: Arc<Interne>,
}

/// Remet un drapeau à faux quand on sort (y compris par une erreur ou une panique).
struct Drapeau<'a>(&'a AtomicBool);

impl Drop for Drapeau<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Carte {
    fn courant(&self) -> Option<Arc<Courant>> {
        self.interne
            .courant
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// L'index courant, sans attendre (sauf au tout premier besoin) ; lance au besoin la
    /// vérification de fond.
    pub async fn index(&self, store: &Store) -> Result<Arc<IndexLieux>, ErreurStore> {
        if let Some(c) = self.courant() {
            self.verifier_si_du(store);
            return Ok(c.index.clone());
        }
        let _g = self.interne.construction.lock().await;
        if let Some(c) = self.courant() {
            return Ok(c.index.clone());
        }
        self.construire(store).await
    }

    /// Reconstruit l'index maintenant depuis la base et le rend (après un import fait par cette
    /// instance) ; les autres requêtes servent l'index courant pendant ce temps.
    pub async fn reconstruire(&self, store: &Store) -> Result<Arc<IndexLieux>, ErreurStore> {
        let _g = self.interne.construction.lock().await;
        self.construire(store).await
    }

    /// Fait relire la version de la table à la prochaine requête (sans attendre personne).
    pub async fn invalider(&self) {
        *self
            .interne
            .verifie_le
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Une reconstruction est en cours (l'index courant reste servi).
    pub fn reconstruction_en_cours(&self) -> bool {
        self.interne.reconstruction.load(Ordering::Acquire)
    }

    /// Retient toute construction tant que la garde vit (tests seulement).
    #[cfg(feature = "test-support")]
    #[doc(hidden)]
    pub async fn retenir_constructions(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.interne.frein.lock().await
    }

    fn verifier_si_du(&self, store: &Store) {
        let du = self
            .interne
            .verifie_le
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none_or(|t| t.elapsed() >= DELAI_VERIFICATION);
        if !du || self.interne.verification.swap(true, Ordering::AcqRel) {
            return;
        }
        let (carte, store) = (self.clone(), store.clone());
        tokio::spawn(async move {
            let _fin = Drapeau(&carte.interne.verification);
            if let Err(e) = carte.verifier(&store).await {
                tracing::warn!("index des lieux : vérification impossible : {e}");
            }
            *carte
                .interne
                .verifie_le
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        });
    }

    /// Relit la version de la table ; reconstruit si elle a changé.
    async fn verifier(&self, store: &Store) -> Result<(), ErreurStore> {
        let version = store.version_lieux().await?;
        if self.courant().is_some_and(|c| c.version == version) {
            return Ok(());
        }
        self.interne.reconstruction.store(true, Ordering::Release);
        let _g = self.interne.construction.lock().await;
        if self.courant().is_some_and(|c| c.version == version) {
            self.interne.reconstruction.store(false, Ordering::Release);
            return Ok(());
        }
        self.construire(store).await.map(|_| ())
    }

    /// Construit depuis la base et échange l'index courant (verrou `construction` tenu).
    async fn construire(&self, store: &Store) -> Result<Arc<IndexLieux>, ErreurStore> {
        self.interne.reconstruction.store(true, Ordering::Release);
        let _fin = Drapeau(&self.interne.reconstruction);
        let _frein = self.interne.frein.lock().await;
        // La version est lue avant les lieux : un import qui se glisse entre les deux sera vu à la
        // vérification suivante.
        let version = store.version_lieux().await?;
        let index = Arc::new(charger(store).await?);
        *self
            .interne
            .courant
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(Courant {
            version,
            index: index.clone(),
        }));
        *self
            .interne
            .verifie_le
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        Ok(index)
    }
}

/// Lit les lieux en flux et construit l'index dans une tâche bloquante, paquet par paquet.
async fn charger(store: &Store) -> Result<IndexLieux, ErreurStore> {
    // File bornée : si la construction prend du retard, la lecture attend (mémoire bornée).
    let (envoi, reception) = std::sync::mpsc::sync_channel::<Paquet>(4);
    let constructeur = tokio::task::spawn_blocking(move || {
        let mut c = ConstructionIndex::nouvelle(&schema_national());
        for paquet in reception {
            for (source, importe_le, e) in paquet {
                c.ajouter(&source, &importe_le, &e);
            }
        }
        c.terminer()
    });
    let lecture = lire_par_paquets(store, &envoi).await;
    drop(envoi);
    let index = constructeur
        .await
        .map_err(|e| ErreurStore::Corrompue(format!("construction de l'index : {e}")))?;
    lecture.map(|_| index)
}

type Paquet = Vec<(String, String, reperes_domain::lieux::Enregistrement)>;

/// Lieux lus par requête pendant la construction (la mémoire tenue en plus de l'index).
const TAILLE_PAQUET: usize = 1000;

async fn lire_par_paquets(
    store: &Store,
    envoi: &std::sync::mpsc::SyncSender<Paquet>,
) -> Result<(), ErreurStore> {
    // Paquets lus par pagination sur la clé : un import validé pendant la lecture peut y être vu
    // à moitié, mais la version gardée est celle lue avant : la vérification suivante reconstruit.
    store
        .parcourir_lieux(TAILLE_PAQUET, &mut |paquet| {
            let _ = envoi.send(paquet);
        })
        .await
}
