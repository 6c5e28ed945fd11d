//! Interface web de Repères : pages rendues côté serveur (gabarits askama), utilisables sans
//! JavaScript, thème DSFR, en-têtes de sécurité stricts, sessions en base, CSRF sur chaque
//! formulaire.

mod accueil;
mod chartes;
mod commun;
mod comptes;
mod dossiers;
mod espace;
mod instruction;
mod lieux;
mod registre;
mod routes;
mod territoires;

pub use commun::{auth, courrier, session, stockage, taches, theme, webhooks};
pub use dossiers::attestations::pdf as attestation_pdf;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use reperes_domain::Catalogue;
use reperes_store::Store;

pub use commun::erreur::ErreurWeb;
// Contrôler un dossier de pages d'aide (tests, relecture).
pub use accueil::aide::verifier_dossier as verifier_aide;
pub use commun::tuiles::Tuiles;
pub use theme::Theme;

/// Décodeurs des requêtes et des formulaires, exposés pour le fuzzing (`fuzz/`) et ses tests de
/// non-régression ; ce n'est pas une API.
#[doc(hidden)]
pub mod decodeurs {
    pub use crate::commun::formulaires::FormCsrf;
    pub use crate::comptes::FormConfirmation;
    pub use crate::comptes::{
        FormConnexion, FormInscription, FormOubli, FormReinitialisation, FormVerification,
    };
    pub use crate::espace::{
        FormAccepter, FormDispositif, FormInvitation, FormNouveauDossier, FormOrganisation,
    };
    pub use crate::instruction::{
        Filtres as FiltresInstruction, FormAction, FormAttribution, FormInviterAgent,
    };
    pub use crate::lieux::Filtres;
    pub use crate::lieux::{lire_requete, Reponses};
    pub use crate::registre::FiltresRegistre;
    pub use crate::registre::FormAbonnement;
    pub use crate::territoires::{FormSaisie, RequeteRecherche};
}

/// Réglages de l'instance.
#[derive(Debug, Clone)]
pub struct Config {
    /// Adresse publique du site, sans barre finale (liens des courriels).
    pub url_publique: String,
    /// Cookie de session marqué `Secure` (à laisser vrai ; faux seulement pour un accès HTTP
    /// autre que localhost).
    pub cookie_secure: bool,
    pub theme: Theme,
    /// Dossier des fichiers déposés (hors de la racine web).
    pub dossier_fichiers: PathBuf,
    /// Accepter les webhooks vers la boucle locale et les réseaux privés (tests seulement).
    pub webhooks_locaux: bool,
    /// En-tête donnant l'adresse du client quand un mandataire inverse (reverse proxy) de
    /// confiance est devant Repères (par exemple `x-forwarded-for`) ; sinon l'adresse de la
    /// connexion. Sert à la limitation de débit.
    pub entete_ip: Option<String>,
    /// Clé secrète du serveur, gardée hors de la base (`REPERES_SECRET`, sinon un fichier 0600
    /// sous le dossier de données) : signe les cookies anonymes qui portent le jeton CSRF.
    pub secret: session::CleSecrete,
    /// Abonnements webhooks actifs au plus par compte (au-delà, refus avec un message clair).
    pub webhooks_max_par_compte: usize,
    /// Envois de fichiers (multipart) lus en même temps, au plus ; au-delà : 503 avec
    /// `Retry-After` (`REPERES_ENVOIS_SIMULTANES`).
    pub envois_simultanes: usize,
    /// Délai maximal d'une requête d'envoi de fichiers, en secondes (`REPERES_DELAI_ENVOI`).
    pub delai_envoi_secondes: u64,
    /// Durée de conservation du journal de sécurité, en jours (`REPERES_JOURNAL_SECURITE_JOURS`,
    /// 365 par défaut) : les événements plus anciens sont purgés au démarrage et chaque heure.
    pub journal_securite_jours: u32,
    /// Nombre de mandataires inverses de confiance devant Repères (`REPERES_MANDATAIRES`) :
    /// l'adresse du client est la N-ième valeur de `entete_ip` en partant de la droite (issue 13,
    /// constat 3). Au moins 1.
    pub mandataires: usize,
    /// Données personnelles : un compte sans connexion depuis ce nombre de jours est prévenu
    /// par courriel puis pseudonymisé (`REPERES_COMPTES_DORMANTS_JOURS`, défaut 1095 = 3 ans).
    pub comptes_dormants_jours: u32,
    /// Source des tuiles de la carte des lieux (`REPERES_TUILES`
    /// et `REPERES_TUILES_ATTRIBUTION`) ; `None` : aucune carte, aucun script de carte.
    pub tuiles: Option<commun::tuiles::Tuiles>,
    /// Issue 18 : l'instance (éditeur, hébergeur, contact, dépôt du code source), lue de
    /// `REPERES_INSTANCE` ou, par défaut, de `contenus/instance.toml` (embarqué).
    pub instance: Arc<reperes_domain::instance::Instance>,
}

#[cfg(feature = "test-support")]
impl Config {
    /// Réglages de test : fichiers dans un dossier temporaire unique.
    pub fn pour_tests() -> Config {
        Config {
            url_publique: "http://localhost:8080".into(),
            cookie_secure: true,
            theme: Theme::Dsfr,
            dossier_fichiers: std::env::temp_dir()
                .join(format!("reperes-fichiers-{}", uuid::Uuid::new_v4())),
            webhooks_locaux: true,
            entete_ip: None,
            secret: session::CleSecrete::aleatoire(),
            webhooks_max_par_compte: 10,
            envois_simultanes: 8,
            delai_envoi_secondes: 300,
            journal_securite_jours: 365,
            mandataires: 1,
            comptes_dormants_jours: 1095,
            tuiles: None,
            instance: Arc::new(reperes_domain::instance::par_defaut()),
        }
    }
}

/// État partagé par les gestionnaires de requêtes.
#[derive(Clone)]
pub struct Etat {
    pub store: Store,
    pub catalogue: Arc<Catalogue>,
    pub config: Arc<Config>,
    pub stockage: Arc<dyn stockage::Stockage>,
    /// Index des lieux en mémoire (recherche, orientation).
    pub carte: lieux::Carte,
    /// Imports de lieux en cours ou récents (page d'import, barre de progression).
    pub imports: lieux::Imports,
    /// Lieux situés dans les territoires (indicateurs territoriaux), gardés par version.
    pub lieux_situes: territoires::LieuxSitues,
    /// Plafond des envois de fichiers simultanés (`Config::envois_simultanes`).
    pub envois: Arc<tokio::sync::Semaphore>,
}

impl Etat {
    pub fn new(store: Store, catalogue: Catalogue, config: Config) -> std::io::Result<Etat> {
        let stockage = stockage::StockageDisque::new(config.dossier_fichiers.clone())?;
        let envois = commun::envoi::plafond(config.envois_simultanes);
        Ok(Etat {
            envois,
            store,
            catalogue: Arc::new(catalogue),
            config: Arc::new(config),
            stockage: Arc::new(stockage),
            carte: lieux::Carte::default(),
            imports: lieux::Imports::default(),
            lieux_situes: territoires::LieuxSitues::default(),
        })
    }
}

/// Le routeur de l'application (table des routes : [`routes`]).
pub fn application(etat: Etat) -> Router {
    routes::routeur(etat)
}

/// Génère l'attestation d'un dossier labellisé (tests d'intégration).
#[cfg(feature = "test-support")]
#[doc(hidden)]
pub async fn generer_attestation_pour_tests(
    etat: &Etat,
    dossier_id: &str,
) -> reperes_store::Attestation {
    dossiers::attestations::assurer(etat, dossier_id)
        .await
        .expect("attestation générée")
}
