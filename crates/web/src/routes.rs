//! La table des routes : chaque adresse servie, avec ses limites de corps et ses couches
//! (en-têtes de sécurité, refus des caractères de contrôle, compression) ; et le document
//! OpenAPI qui décrit l'API publique des fonctionnalités.

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use tower_http::compression::CompressionLayer;
use utoipa::OpenApi;

use crate::commun::api::ErreurApi;
use crate::commun::{envoi, erreur, securite, statique, stockage};
use crate::territoires::versions_locales;
use crate::{
    accueil, chartes, comptes, dossiers, espace, instruction, lieux, registre, territoires, Etat,
};

/// Les pages d'une version locale de la carte (issue 17), servies sous `/t/{slug}/…` par
/// [`versions_locales::servir`] dans la portée de la version : **seules** ces adresses existent
/// sous `/t/` ; chaque gestionnaire restreint ce qu'il montre au périmètre de la version
/// (`Visiteur::portee`). Aucune page à compte, aucun formulaire qui écrit.
fn routeur_local(etat: Etat) -> Router {
    Router::new()
        .route("/lieux", get(lieux::recherche))
        .route("/lieux/{source}/{id}", get(lieux::fiche))
        .route("/orientation", get(lieux::orientation))
        // Les points de la carte des résultats.
        .route("/lieux/carte.json", get(lieux::carte_json))
        // Les données ouvertes de la version, filtrées.
        .route("/donnees", get(registre::donnees))
        // Titulaires, signataires et indicateurs du territoire.
        .route("/registre", get(registre::registre))
        .route("/registre/dispositifs/{id}", get(registre::dispositif))
        .route("/chartes", get(chartes::liste))
        .route("/chartes/{ident}", get(chartes::fiche))
        .route("/chartes/{ident}/rapports/{id}", get(chartes::rapport))
        .route(
            "/chartes/{ident}/rapports/{id}/fichiers/{fichier}",
            get(chartes::piece),
        )
        .route("/indicateurs", get(territoires::indicateurs))
        .route("/territoires/{niveau}/{code}", get(territoires::territoire))
        .route(
            "/territoires/{niveau}/{code}/indicateurs.csv",
            get(territoires::export_csv),
        )
        // Couleur d'accent et logo de la version.
        // Les pages d'aide publiques (chercher de l'aide, données).
        .route("/aide", get(accueil::index_aide))
        .route("/aide/{page}", get(accueil::page_aide))
        .route("/theme.css", get(versions_locales::theme_css))
        .route("/logo", get(versions_locales::logo))
        .fallback(accueil::introuvable)
        .with_state(etat)
}

/// Couches d'une route d'envoi de fichiers (multipart) : délai maximal de la requête, connexion
/// fermée sur un refus (le reste du corps n'est pas lu).
fn route_d_envoi(r: MethodRouter<Etat>, etat: &Etat) -> MethodRouter<Etat> {
    r.layer(axum::middleware::from_fn_with_state(
        etat.clone(),
        envoi::delai,
    ))
    .layer(axum::middleware::from_fn(envoi::fermer_si_refus))
}

/// Le routeur de l'application.
pub fn routeur(etat: Etat) -> Router {
    // Les contenus embarqués (aide, déclaration et audit RGAA, plan du site, « Signaler un
    // problème », expressions en langue étrangère) sont lus et contrôlés ici, au démarrage : un
    // fichier invalide arrête le serveur avec son nom et la raison, au lieu d'une erreur à la
    // première visite de la page.
    if let Err(e) = accueil::aide::catalogue() {
        panic!("pages d'aide invalides : {e}");
    }
    reperes_domain::accessibilite::declaration();
    reperes_domain::pages_legales::plan();
    reperes_domain::pages_legales::signaler();
    reperes_domain::langues::langues();
    let e = etat.clone();
    let local = routeur_local(etat.clone());
    let etat_entetes = etat.clone();
    let etat_erreurs = etat.clone();
    Router::new()
        .route("/", get(accueil::accueil))
        .route("/referentiels/{id}/{version}", get(accueil::referentiel))
        .route("/sante", get(accueil::sante))
        // L'aide de chaque public, en Markdown (contenus/aide).
        .route("/aide", get(accueil::index_aide))
        .route("/aide/{page}", get(accueil::page_aide))
        // Pages légales (publiques), « Signaler un problème »
        // (public, sans compte) et son administration.
        .route("/mentions-legales", get(accueil::mentions_legales))
        .route("/donnees-personnelles", get(accueil::donnees_personnelles))
        .route("/cookies", get(accueil::cookies))
        .route("/plan-du-site", get(accueil::plan_du_site))
        .route(
            "/signaler-un-probleme",
            get(accueil::signaler_page).post(accueil::signaler_probleme),
        )
        .route("/administration/problemes", get(accueil::problemes))
        .route("/administration/problemes/{id}", post(accueil::traiter))
        // Déclaration d'accessibilité et détail de l'audit RGAA.
        .route("/accessibilite", get(accueil::declaration_accessibilite))
        .route("/accessibilite/audit", get(accueil::detail_audit))
        .route(
            "/inscription",
            get(comptes::inscription).post(comptes::inscrire),
        )
        .route(
            "/verification",
            get(comptes::nouvelle_verification).post(comptes::demander_verification),
        )
        .route(
            "/verification/{jeton}",
            get(comptes::verification).post(comptes::confirmer_verification),
        )
        .route(
            "/connexion",
            get(comptes::connexion).post(comptes::connecter),
        )
        .route("/deconnexion", post(comptes::deconnecter))
        .route(
            "/connexion/code",
            get(comptes::page_code).post(comptes::verifier_code_connexion),
        )
        .route(
            "/compte/second-facteur",
            get(comptes::second_facteur).post(comptes::activer_second_facteur),
        )
        .route(
            "/compte/second-facteur/desactivation",
            post(comptes::desactiver_second_facteur),
        )
        .route(
            "/mot-de-passe-oublie",
            get(comptes::oubli).post(comptes::demander_reinitialisation),
        )
        .route(
            "/reinitialisation/{jeton}",
            get(comptes::reinitialisation).post(comptes::reinitialiser),
        )
        .route("/espace", get(espace::espace))
        // Données personnelles (RGPD) de la personne connectée : page, export, suppression.
        .route("/compte/donnees", get(espace::donnees_personnelles))
        .route("/compte/donnees/export.json", get(espace::exporter_donnees))
        .route("/compte/supprimer", post(espace::supprimer_compte))
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
            route_d_envoi(
                get(dossiers::etape)
                    .post(dossiers::enregistrer_etape)
                    .layer(DefaultBodyLimit::max(stockage::TAILLE_MAX + 1024 * 1024)),
                &e,
            ),
        )
        .route(
            "/dossiers/{id}/fichiers/{fichier}/retirer",
            post(dossiers::retirer_fichier),
        )
        .route("/dossiers/{id}/deposer", post(dossiers::deposer))
        .route("/dossiers/{id}/renouveler", post(dossiers::renouveler))
        .route(
            "/dossiers/{id}/messages",
            route_d_envoi(
                post(dossiers::envoyer_message).layer(DefaultBodyLimit::max(
                    dossiers::PIECES_MAX_MESSAGE * stockage::TAILLE_MAX + 1024 * 1024,
                )),
                &e,
            ),
        )
        .route("/dossiers/{id}/attribuer", post(instruction::attribuer))
        .route("/dossiers/{id}/appreciations", post(instruction::apprecier))
        .route("/dossiers/{id}/plan", post(instruction::plan))
        .route("/dossiers/{id}/actions/{action}", post(instruction::agir))
        .route(
            "/dossiers/{id}/decision",
            get(instruction::decision).post(instruction::decider),
        )
        .route("/dossiers/{id}/rapports/nouveau", get(chartes::nouveau))
        .route(
            "/dossiers/{id}/rapports",
            route_d_envoi(
                post(chartes::publier).layer(DefaultBodyLimit::max(
                    chartes::PIECES_MAX * stockage::TAILLE_MAX + 1024 * 1024,
                )),
                &e,
            ),
        )
        .route("/fichiers/{id}", get(dossiers::telecharger))
        // Avis d'experts : demande et annulation (agents), pages de l'expert.
        .route("/dossiers/{id}/avis/nouveau", get(instruction::nouvel_avis))
        .route("/dossiers/{id}/avis", post(instruction::demander_avis))
        .route("/avis/{id}/annuler", post(instruction::annuler_avis))
        .route("/avis", get(instruction::mes_avis))
        .route(
            "/avis/lien/{jeton}",
            get(instruction::lien_avis).post(instruction::creer_compte_expert),
        )
        .route(
            "/avis/{id}",
            route_d_envoi(
                get(instruction::voir_avis)
                    .post(instruction::repondre_avis)
                    .layer(DefaultBodyLimit::max(
                        reperes_domain::dossier::avis::PIECES_MAX * stockage::TAILLE_MAX
                            + 1024 * 1024,
                    )),
                &e,
            ),
        )
        .route(
            "/avis/{id}/fichiers/{fichier}",
            get(instruction::piece_avis),
        )
        .route("/instruction", get(instruction::file))
        .route("/instruction/chartes", get(instruction::suivi_chartes))
        .route("/instruction/export.csv", get(instruction::export_csv))
        .route("/instruction/export.xlsx", get(instruction::export_xlsx))
        .route("/administration", get(instruction::administration))
        .route(
            "/administration/second-facteur",
            post(instruction::exiger_second_facteur),
        )
        .route(
            "/administration/invitations",
            post(instruction::inviter_agent),
        )
        .route(
            "/administration/journal-securite",
            get(instruction::journal_securite),
        )
        .route(
            "/administration/journal-securite.csv",
            get(instruction::journal_securite_csv),
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
            get(registre::abonnements).post(registre::abonner),
        )
        .route(
            "/donnees/abonnements/{id}/desactiver",
            post(registre::desabonner),
        )
        .route("/attestations/{id}", get(dossiers::attestations::verifier))
        .route(
            "/dossiers/{id}/attestation",
            get(dossiers::attestations::du_dossier),
        )
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
        .route("/orientation", get(lieux::orientation))
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
            route_d_envoi(
                get(lieux::page_admin)
                    .post(lieux::televerser)
                    .layer(DefaultBodyLimit::max(
                        lieux::import::TAILLE_MAX + 1024 * 1024,
                    )),
                &e,
            ),
        )
        .route("/administration/lieux/imports/{id}", get(lieux::suivi))
        .route(
            "/administration/lieux/imports/{id}/etat.json",
            get(lieux::etat_json),
        )
        .route(
            "/administration/lieux/imports/{id}/rapport/{format}",
            get(lieux::rapport),
        )
        .route(
            "/administration/lieux/distincts",
            post(lieux::declarer_distincts),
        )
        .route(
            "/administration/lieux/doublons",
            get(lieux::doublons::liste),
        )
        .route(
            "/administration/lieux/doublons/{a}/{b}",
            get(lieux::doublons::paire).post(lieux::doublons::decider),
        )
        .route("/lieux/{source}/{id}/dispositifs", post(lieux::lier))
        // Modifier un lieu, historique, restauration (issue 16, partie « edition »).
        .route(
            "/lieux/{source}/{id}/modifier",
            get(lieux::modifier_lieu).post(lieux::enregistrer_lieu),
        )
        .route("/lieux/{source}/{id}/historique", get(lieux::historique))
        .route(
            "/lieux/{source}/{id}/historique/{version}/restaurer",
            post(lieux::restaurer),
        )
        .route(
            "/api/v1/lieux/{source}/{id}/historique",
            get(lieux::api_historique),
        )
        // Lieux vivants (issue 16), structures : revendication, examen, fraîcheur, confirmation.
        .route(
            "/lieux/{source}/{id}/revendiquer",
            get(lieux::revendiquer).post(lieux::revendiquer_post),
        )
        .route(
            "/administration/lieux/revendications",
            get(lieux::revendications).post(lieux::decider_revendication),
        )
        .route(
            "/administration/lieux/fraicheur",
            get(lieux::page_fraicheur),
        )
        .route(
            "/administration/lieux/fraicheur.csv",
            get(lieux::fraicheur_csv),
        )
        .route(
            "/confirmation-lieu/{jeton}",
            get(lieux::confirmation).post(lieux::confirmer),
        )
        // Signalements et propositions du public, file de modération (issue 16).
        .route(
            "/lieux/{source}/{id}/signaler",
            get(lieux::signalements::signaler_page).post(lieux::signalements::signaler),
        )
        .route(
            "/lieux/proposer",
            get(lieux::signalements::proposer_page).post(lieux::signalements::proposer),
        )
        .route("/lieux/signalements", get(lieux::signalements::file))
        .route(
            "/lieux/signalements/{id}",
            get(lieux::signalements::signalement).post(lieux::signalements::decider),
        )
        .route(
            "/lieux/{source}/{id}/conflits",
            get(lieux::conflits).post(lieux::decider_conflits),
        )
        .route("/administration/lieux/conflits", get(lieux::conflits_admin))
        .route("/statistiques", get(registre::page_statistiques))
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/registre", get(registre::api_registre))
        .route("/api/v1/referentiels", get(accueil::api_referentiels))
        .route(
            "/api/v1/referentiels/{id}/{version}",
            get(accueil::api_referentiel),
        )
        .route("/api/v1/statistiques", get(registre::api_statistiques))
        .route("/static/{*chemin}", get(statique::fichier))
        // Les points de la carte des résultats.
        .route("/lieux/carte.json", get(lieux::carte_json))
        // Administration des versions locales.
        .route(
            "/administration/versions-locales",
            get(versions_locales::liste).post(versions_locales::creer),
        )
        .route(
            "/administration/versions-locales/{id}",
            get(versions_locales::version).post(versions_locales::modifier),
        )
        .route(
            "/administration/versions-locales/{id}/logo",
            route_d_envoi(
                post(versions_locales::envoyer_logo).layer(DefaultBodyLimit::max(
                    versions_locales::LOGO_MAX + 64 * 1024,
                )),
                &e,
            ),
        )
        // Versions locales de la carte (issue 17).
        .route("/t/{slug}", get(versions_locales::accueil))
        .route("/t/{slug}/", get(versions_locales::accueil))
        .route(
            "/t/{slug}/{*reste}",
            get(
                move |State(etat): State<Etat>,
                      Path((slug, reste)): Path<(String, String)>,
                      req: axum::extract::Request| {
                    versions_locales::servir(etat, slug, reste, local.clone(), req)
                },
            ),
        )
        .fallback(accueil::introuvable)
        .with_state(etat)
        .layer(axum::middleware::from_fn(securite::refuser_controles))
        .layer(axum::middleware::from_fn_with_state(
            etat_erreurs,
            erreur::reprendre,
        ))
        .layer(axum::middleware::from_fn_with_state(
            etat_entetes,
            securite::entetes,
        ))
        .layer(CompressionLayer::new())
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "API Repères",
        version = "1.0.0",
        description = "Registre public des titulaires des labels de l'inclusion numérique, référentiels et statistiques. Lecture seule, sans authentification. Données sous Licence Ouverte 2.0.",
        license(name = "etalab-2.0", url = "https://www.etalab.gouv.fr/licence-ouverte-open-licence")
    ),
    paths(
        crate::registre::api::api_registre,
        crate::accueil::api::api_referentiels,
        crate::accueil::api::api_referentiel,
        crate::registre::statistiques::api_statistiques,
        crate::lieux::api::api_lieux,
        crate::lieux::historique::api_historique
    ),
    components(schemas(
        crate::registre::Titulaire,
        crate::registre::api::ListeTitulaires,
        crate::accueil::api::ReferentielApi,
        crate::accueil::api::CritereApi,
        crate::accueil::api::ExigenceApi,
        crate::registre::statistiques::Statistiques,
        crate::registre::statistiques::StatistiquesLabel,
        ErreurApi,
        crate::lieux::api::LieuApi,
        crate::lieux::api::ListeLieux,
        crate::lieux::api::CommunePossible,
        crate::lieux::historique::HistoriqueApi,
        crate::lieux::historique::VersionApi,
        crate::lieux::historique::ChangementApi
    )),
    tags((name = "registre"), (name = "referentiels"), (name = "statistiques"), (name = "lieux"))
)]
pub struct DocApi;

/// `GET /api/openapi.json` : le document OpenAPI de l'API publique.
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(DocApi::openapi())
}
