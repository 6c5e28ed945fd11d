//! Interface web de Repères : pages rendues côté serveur (gabarits askama), utilisables sans
//! JavaScript, thème DSFR, en-têtes de sécurité stricts, sessions en base, CSRF sur chaque
//! formulaire.

mod api;
pub mod attestation_pdf;
mod attestations;
mod carte;
mod chartes;
mod commun;
mod comptes;
mod dossiers;
mod espace;
mod import_lieux;
mod instruction;
mod lieux;
mod orientation;
mod pages;
mod registre;
mod territoires;

pub use commun::{auth, courrier, session, stockage, taches, theme, webhooks};

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use reperes_domain::Catalogue;
use reperes_store::Store;
use tower_http::compression::CompressionLayer;

pub use commun::erreur::ErreurWeb;
pub use theme::Theme;

/// Décodeurs des requêtes et des formulaires, exposés pour le fuzzing (`fuzz/`) et ses tests de
/// non-régression ; ce n'est pas une API.
#[doc(hidden)]
pub mod decodeurs {
    pub use crate::commun::formulaires::FormCsrf;
    pub use crate::commun::webhooks::FormAbonnement;
    pub use crate::comptes::{FormConnexion, FormInscription, FormOubli, FormReinitialisation};
    pub use crate::espace::{
        FormAccepter, FormDispositif, FormInvitation, FormNouveauDossier, FormOrganisation,
    };
    pub use crate::instruction::{
        Filtres as FiltresInstruction, FormAction, FormAttribution, FormInviterAgent,
    };
    pub use crate::lieux::Filtres;
    pub use crate::orientation::{lire_requete, Reponses};
    pub use crate::registre::FiltresRegistre;
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
}

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
    pub carte: carte::Carte,
    /// Imports de lieux en cours ou récents (page d'import, barre de progression).
    pub imports: import_lieux::Imports,
    /// Lieux situés dans les territoires (indicateurs territoriaux), gardés par version.
    pub lieux_situes: territoires::LieuxSitues,
}

impl Etat {
    pub fn new(store: Store, catalogue: Catalogue, config: Config) -> std::io::Result<Etat> {
        let stockage = stockage::StockageDisque::new(config.dossier_fichiers.clone())?;
        Ok(Etat {
            store,
            catalogue: Arc::new(catalogue),
            config: Arc::new(config),
            stockage: Arc::new(stockage),
            carte: carte::Carte::default(),
            imports: import_lieux::Imports::default(),
            lieux_situes: territoires::LieuxSitues::default(),
        })
    }
}

/// Le routeur de l'application.
pub fn application(etat: Etat) -> Router {
    Theme::installer(etat.config.theme);
    let etat_entetes = etat.clone();
    Router::new()
        .route("/", get(pages::accueil))
        .route("/referentiels/{id}/{version}", get(pages::referentiel))
        .route("/sante", get(pages::sante))
        .route(
            "/inscription",
            get(comptes::inscription).post(comptes::inscrire),
        )
        .route("/verification/{jeton}", get(comptes::verification))
        .route(
            "/connexion",
            get(comptes::connexion).post(comptes::connecter),
        )
        .route("/deconnexion", post(comptes::deconnecter))
        .route(
            "/mot-de-passe-oublie",
            get(comptes::oubli).post(comptes::demander_reinitialisation),
        )
        .route(
            "/reinitialisation/{jeton}",
            get(comptes::reinitialisation).post(comptes::reinitialiser),
        )
        .route("/espace", get(espace::espace))
        .route(
            "/organisations/nouvelle",
            get(espace::nouvelle_organisation).post(espace::creer_organisation),
        )
        .route("/organisations/{id}", get(espace::organisation))
        .route("/organisations/{id}/invitations", post(espace::inviter))
        .route(
            "/organisations/{id}/dispositifs/nouveau",
            get(espace::nouveau_dispositif),
        )
        .route(
            "/organisations/{id}/dispositifs",
            post(espace::creer_dispositif),
        )
        .route(
            "/invitation/{jeton}",
            get(espace::invitation).post(espace::accepter_invitation),
        )
        .route(
            "/dispositifs/{id}/autodiagnostic/{referentiel}",
            get(espace::autodiagnostic).post(espace::evaluer),
        )
        .route("/dossiers", post(espace::creer_dossier))
        .route("/dossiers/{id}", get(dossiers::voir))
        .route(
            "/dossiers/{id}/etapes/{n}",
            get(dossiers::etape)
                .post(dossiers::enregistrer_etape)
                .layer(DefaultBodyLimit::max(stockage::TAILLE_MAX + 1024 * 1024)),
        )
        .route("/dossiers/{id}/deposer", post(dossiers::deposer))
        .route("/dossiers/{id}/renouveler", post(dossiers::renouveler))
        .route(
            "/dossiers/{id}/messages",
            post(dossiers::envoyer_message).layer(DefaultBodyLimit::max(4 * stockage::TAILLE_MAX)),
        )
        .route("/dossiers/{id}/attribuer", post(instruction::attribuer))
        .route("/dossiers/{id}/appreciations", post(instruction::apprecier))
        .route("/dossiers/{id}/plan", post(instruction::plan))
        .route("/dossiers/{id}/actions/{action}", post(instruction::agir))
        .route("/dossiers/{id}/rapports/nouveau", get(chartes::nouveau))
        .route(
            "/dossiers/{id}/rapports",
            post(chartes::publier).layer(DefaultBodyLimit::max(
                chartes::PIECES_MAX * stockage::TAILLE_MAX + 1024 * 1024,
            )),
        )
        .route("/fichiers/{id}", get(dossiers::telecharger))
        .route("/instruction", get(instruction::file))
        .route("/instruction/chartes", get(chartes::instruction))
        .route("/instruction/export.csv", get(instruction::export_csv))
        .route("/instruction/export.xlsx", get(instruction::export_xlsx))
        .route("/administration", get(instruction::administration))
        .route(
            "/administration/invitations",
            post(instruction::inviter_agent),
        )
        .route("/registre", get(registre::registre))
        .route("/registre/dispositifs/{id}", get(registre::dispositif))
        .route("/registre/dispositifs/{id}/badge.svg", get(registre::badge))
        .route("/donnees", get(registre::donnees))
        .route("/donnees/registre.csv", get(registre::csv))
        .route("/donnees/registre.json", get(registre::json))
        .route("/donnees/registre.schema.json", get(registre::schema))
        .route("/chartes", get(chartes::liste))
        .route("/chartes/{ident}", get(chartes::fiche))
        .route("/chartes/{ident}/rapports/{id}", get(chartes::rapport))
        .route(
            "/chartes/{ident}/rapports/{id}/fichiers/{fichier}",
            get(chartes::piece),
        )
        .route("/donnees/chartes.csv", get(chartes::csv))
        .route("/donnees/chartes.json", get(chartes::json))
        .route("/donnees/chartes.schema.json", get(chartes::schema))
        .route(
            "/donnees/abonnements",
            get(webhooks::abonnements).post(webhooks::abonner),
        )
        .route(
            "/donnees/abonnements/{id}/desactiver",
            post(webhooks::desabonner),
        )
        .route("/attestations/{id}", get(attestations::verifier))
        .route("/dossiers/{id}/attestation", get(attestations::du_dossier))
        .route("/lieux", get(lieux::recherche))
        .route("/lieux/{source}/{id}", get(lieux::fiche))
        .route("/api/v1/lieux", get(lieux::api_lieux))
        .route("/donnees/lieux.csv", get(lieux::donnees_csv))
        .route("/donnees/lieux.json", get(lieux::donnees_json))
        .route("/donnees/lieux.geojson", get(lieux::donnees_geojson))
        .route(
            "/donnees/lieux-data-inclusion-structures.json",
            get(lieux::donnees_structures),
        )
        .route(
            "/donnees/lieux-data-inclusion-services.json",
            get(lieux::donnees_services),
        )
        .route("/donnees/lieux-ecarts.csv", get(lieux::donnees_ecarts))
        .route("/orientation", get(orientation::orientation))
        .route("/territoires", get(territoires::recherche))
        .route("/territoires/{niveau}/{code}", get(territoires::territoire))
        .route(
            "/territoires/{niveau}/{code}/saisie",
            get(territoires::saisie).post(territoires::enregistrer),
        )
        .route(
            "/territoires/{niveau}/{code}/indicateurs.csv",
            get(territoires::export_csv),
        )
        .route(
            "/administration/lieux",
            get(import_lieux::page_admin)
                .post(import_lieux::televerser)
                .layer(DefaultBodyLimit::max(
                    import_lieux::TAILLE_MAX + 1024 * 1024,
                )),
        )
        .route(
            "/administration/lieux/imports/{id}",
            get(import_lieux::suivi),
        )
        .route(
            "/administration/lieux/imports/{id}/etat.json",
            get(import_lieux::etat_json),
        )
        .route(
            "/administration/lieux/imports/{id}/rapport/{format}",
            get(import_lieux::rapport),
        )
        .route(
            "/administration/lieux/distincts",
            post(import_lieux::declarer_distincts),
        )
        .route("/lieux/{source}/{id}/dispositifs", post(lieux::lier))
        .route("/statistiques", get(api::page_statistiques))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/v1/registre", get(api::api_registre))
        .route("/api/v1/referentiels", get(api::api_referentiels))
        .route(
            "/api/v1/referentiels/{id}/{version}",
            get(api::api_referentiel),
        )
        .route("/api/v1/statistiques", get(api::api_statistiques))
        .route("/static/{*chemin}", get(commun::statique::fichier))
        .fallback(pages::introuvable)
        .with_state(etat)
        .layer(axum::middleware::from_fn(
            commun::securite::refuser_controles,
        ))
        .layer(axum::middleware::from_fn_with_state(
            etat_entetes,
            commun::securite::entetes,
        ))
        .layer(CompressionLayer::new())
}

/// Génère l'attestation d'un dossier labellisé (tests d'intégration).
#[doc(hidden)]
pub async fn generer_attestation_pour_tests(
    etat: &Etat,
    dossier_id: &str,
) -> reperes_store::Attestation {
    attestations::assurer(etat, dossier_id)
        .await
        .expect("attestation générée")
}
