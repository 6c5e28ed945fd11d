//! `reperes` : le binaire unique de Repères (serveur web, migrations, référentiels, démo, audit).

mod cle_audit;
mod demo;
mod lieux;
mod referentiels;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use reperes_store::{url_sqlite, Store, BASE_PAR_DEFAUT};
use reperes_web::courrier::{lancer_travailleur, Expediteur};
use reperes_web::{application, Config, Etat, Theme};

/// Allocateur du binaire : mimalloc (import et vérification des lieux allouent beaucoup de
/// petites chaînes ; mesures dans docs/lieux.md).
#[global_allocator]
static ALLOCATEUR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Instant par défaut de `lieux mesurer-recherche` : un mardi à 14:30, heure de Paris (hiver).
const INSTANT_DE_MESURE: &str = "2026-12-08T14:30:00+01:00";

#[derive(Parser)]
#[command(
    name = "reperes",
    version,
    about = "Repères : labels, chartes et carte de la médiation numérique"
)]
struct Cli {
    /// Base de données : sqlite://chemin.db ou postgres://… (défaut : SQLite dans ./data/reperes.db).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Dossier des référentiels (défaut : ./referentiels s'il existe, sinon la copie embarquée).
    #[arg(long, env = "REPERES_REFERENTIELS", global = true)]
    referentiels: Option<PathBuf>,
    #[command(subcommand)]
    commande: Commande,
}

#[derive(Subcommand)]
enum Commande {
    /// Lance le serveur web (migre la base, charge la démo si la base est vide).
    Serve {
        /// Adresse d'écoute.
        #[arg(long, env = "REPERES_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Ne pas charger les données de démonstration dans une base vide.
        #[arg(long)]
        no_demo: bool,
        /// Thème visuel.
        #[arg(long, env = "REPERES_THEME", default_value = "dsfr")]
        theme: String,
        /// Modèle XYZ des tuiles raster de la carte des lieux
        /// (https://…/{z}/{x}/{y}.png, {s} permis) ; sans lui, aucune carte.
        #[arg(long, env = "REPERES_TUILES")]
        tuiles: Option<String>,
        /// Mention due au fournisseur des tuiles (obligatoire avec --tuiles).
        #[arg(long, env = "REPERES_TUILES_ATTRIBUTION")]
        tuiles_attribution: Option<String>,
        /// Fichier de l'instance (éditeur, hébergeur, contact, dépôt du code source) lu par les
        /// pages légales ; défaut : celui de la démonstration (contenus/instance.toml).
        #[arg(long, env = "REPERES_INSTANCE")]
        instance: Option<PathBuf>,
    },
    /// Administration des comptes.
    Admin {
        #[command(subcommand)]
        commande: CommandeAdmin,
    },
    /// Applique les migrations de la base.
    Migrate,
    /// Référentiels : vérification.
    Referentiels {
        #[command(subcommand)]
        commande: CommandeReferentiels,
    },
    /// Charge les données de démonstration (dans une base vide).
    Demo,
    /// Lieux de médiation numérique (schéma national v1.0.2).
    Lieux {
        #[command(subcommand)]
        commande: CommandeLieux,
    },
    /// Journal d'audit.
    Audit {
        #[command(subcommand)]
        commande: CommandeAudit,
    },
    /// Comptes : données personnelles.
    Comptes {
        #[command(subcommand)]
        commande: CommandeComptes,
    },
}

#[derive(Subcommand)]
enum CommandeComptes {
    /// Comptes dormants : prévient par courriel les comptes sans connexion depuis la durée de
    /// conservation (REPERES_COMPTES_DORMANTS_JOURS, défaut 1095 jours) moins 30 jours, puis
    /// pseudonymise ceux dont le préavis est échu. Chaque geste est au journal d'audit.
    PurgerDormants,
}

#[derive(Subcommand)]
enum CommandeReferentiels {
    /// Charge et valide les référentiels, puis en affiche le résumé.
    Check {
        /// Dossier à vérifier (défaut : celui de --referentiels).
        dossier: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum CommandeAdmin {
    /// Crée un compte administrateur et affiche le lien (valable 24 h) pour choisir son mot de passe.
    Create {
        email: String,
        /// Nom affiché.
        #[arg(long, default_value = "Administrateur")]
        nom: String,
    },
}

/// Options de lecture et de validation d'un fichier de lieux.
#[derive(clap::Args, Clone)]
struct OptionsLieux {
    /// Mode de validation : strict (le schéma officiel) ou compatible (ce qu'accepte la
    /// bibliothèque de référence de la cartographie nationale).
    #[arg(long, default_value = "strict")]
    mode: String,
    /// Version du schéma des fichiers : auto (reconnue d'après le contenu), 0.1 ou 1.0.2.
    #[arg(long = "version-schema", default_value = "auto")]
    version_schema: String,
    /// Rapport complet des problèmes et des traductions (.csv ou .json).
    #[arg(long)]
    rapport: Option<PathBuf>,
}

#[derive(Subcommand)]
enum CommandeLieux {
    /// Importe des fichiers CSV ou JSON : chaque enregistrement est validé ; les valides sont
    /// importés (réimporter une source met à jour sur place), les autres rapportés. Les
    /// fichiers v0.1 sont traduits explicitement (voir le rapport).
    Import {
        #[arg(required = true)]
        fichiers: Vec<PathBuf>,
        /// Nom de la source (défaut : nom du fichier).
        #[arg(long)]
        source: Option<String>,
        /// Compter ensuite les doublons probables de toute la base (relit tous les lieux).
        #[arg(long)]
        doublons: bool,
        #[command(flatten)]
        options: OptionsLieux,
    },
    /// Valide des fichiers sans rien importer (aucune base ouverte).
    Verifier {
        #[arg(required = true)]
        fichiers: Vec<PathBuf>,
        #[command(flatten)]
        options: OptionsLieux,
        /// Lire seulement (mesure de référence : ni traduction ni validation).
        #[arg(long)]
        lecture_seule: bool,
    },
    /// Exporte les lieux au schéma v1.0.2 (csv, json), en GeoJSON (geojson) ou en structures
    /// et services data·inclusion (data-inclusion-structures, data-inclusion-services).
    Export {
        #[arg(long, default_value = "csv")]
        format: String,
        /// Fichier de sortie (défaut : sortie standard).
        #[arg(long)]
        sortie: Option<PathBuf>,
    },
    /// Liste les doublons probables (même pivot, ou même nom et même adresse à 50 m près).
    Doublons,
    /// Banc d'essai : charge un fichier en mémoire et mesure la recherche « à 30 km, un
    /// service, ouvert à l'instant donné » (p50, p99, résultats moyens).
    #[command(hide = true)]
    MesurerRecherche {
        fichier: PathBuf,
        #[arg(long, default_value_t = 2000)]
        requetes: usize,
        /// Instant de la recherche « ouvert à » (RFC 3339) ; par défaut un mardi 14:30 à Paris,
        /// fixe, pour que les chiffres ne dépendent pas de l'heure du banc.
        #[arg(long, default_value = INSTANT_DE_MESURE)]
        instant: String,
    },
}

#[derive(Subcommand)]
enum CommandeAudit {
    /// Vérifie la chaîne du journal et ses sceaux (clé REPERES_CLE_AUDIT requise) : toute
    /// entrée modifiée ou supprimée est détectée, même empreintes recalculées.
    Verify,
}

/// Réglages web lus dans l'environnement.
#[derive(Parser, Debug)]
struct ReglagesWeb {
    /// Adresse publique du site (liens des courriels).
    #[arg(long, env = "REPERES_URL")]
    url: Option<String>,
    /// Cookie de session `Secure` (vrai par défaut ; les navigateurs l'acceptent sur http://localhost).
    #[arg(long, env = "REPERES_COOKIE_SECURE", default_value_t = true, action = clap::ArgAction::Set)]
    cookie_secure: bool,
    /// Dossier des fichiers déposés.
    #[arg(long, env = "REPERES_FICHIERS", default_value = "data/fichiers")]
    fichiers: PathBuf,
    /// Serveur SMTP : smtp://hôte:port, smtps://utilisateur:motdepasse@hôte, smtp://hôte?tls=required.
    #[arg(long, env = "REPERES_SMTP_URL")]
    smtp: Option<String>,
    /// Adresse d'expédition des courriels.
    #[arg(
        long,
        env = "REPERES_COURRIEL_EXPEDITEUR",
        default_value = "Repères <ne-pas-repondre@reperes.localhost>"
    )]
    expediteur: String,
    /// Accepter les webhooks vers la boucle locale et les réseaux privés (tests, développement).
    #[arg(long, env = "REPERES_WEBHOOKS_LOCAUX", default_value_t = false, action = clap::ArgAction::Set)]
    webhooks_locaux: bool,
    /// Derrière un mandataire inverse de confiance : en-tête qui porte l'adresse du client
    /// (par exemple x-forwarded-for), pour la limitation de débit.
    #[arg(long, env = "REPERES_ENTETE_IP")]
    entete_ip: Option<String>,
    /// Abonnements webhooks actifs au plus par compte.
    #[arg(long, env = "REPERES_WEBHOOKS_MAX_PAR_COMPTE", default_value_t = 10)]
    webhooks_max_par_compte: usize,
    /// Nombre de mandataires inverses de confiance devant Repères : l'adresse du client est la
    /// N-ième valeur de REPERES_ENTETE_IP en partant de la droite (les valeurs à sa gauche
    /// viennent du client).
    #[arg(long, env = "REPERES_MANDATAIRES", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    mandataires: u16,
    /// Sans SMTP : dossier où les courriels sont écrits (développement).
    #[arg(
        long,
        env = "REPERES_COURRIELS_DOSSIER",
        default_value = "data/courriels"
    )]
    dossier_courriels: PathBuf,
    /// Clé secrète du serveur (32 caractères au moins), gardée hors de la base : signe les
    /// cookies anonymes (jeton CSRF). Sans elle, une clé aléatoire est créée et gardée dans le
    /// fichier `cle-secrete` (droits 0600) du dossier de données (le parent de REPERES_FICHIERS).
    #[arg(long, env = "REPERES_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Envois de fichiers lus en même temps, au plus (au-delà : 503 avec Retry-After).
    #[arg(long, env = "REPERES_ENVOIS_SIMULTANES", default_value_t = 8)]
    envois_simultanes: usize,
    /// Délai maximal d'une requête d'envoi de fichiers, en secondes.
    #[arg(long, env = "REPERES_DELAI_ENVOI", default_value_t = 300)]
    delai_envoi: u64,
    /// Durée de conservation du journal de sécurité, en jours.
    #[arg(long, env = "REPERES_JOURNAL_SECURITE_JOURS", default_value_t = 365)]
    journal_securite_jours: u32,
    /// Clé de scellement du journal d'audit : chemin d'un fichier, ou la valeur (32 caractères au
    /// moins). Défaut : fichier `cle-audit` dans le dossier parent de REPERES_FICHIERS, généré
    /// par `serve` s'il manque.
    #[arg(long, env = "REPERES_CLE_AUDIT", hide_env_values = true)]
    cle_audit: Option<String>,
    /// Données personnelles : jours sans connexion après lesquels un compte est prévenu puis
    /// pseudonymisé (au moins 31 : le préavis est de 30 jours).
    #[arg(long, env = "REPERES_COMPTES_DORMANTS_JOURS", default_value_t = 1095, value_parser = clap::value_parser!(u32).range(31..))]
    comptes_dormants_jours: u32,
}

/// La clé secrète du serveur : `REPERES_SECRET`, sinon le fichier du dossier de données (créé au
/// premier lancement, avec un avertissement).
fn cle_secrete(r: &ReglagesWeb) -> anyhow::Result<reperes_web::session::CleSecrete> {
    use reperes_web::session::CleSecrete;
    if let Some(t) = r.secret.as_deref().filter(|t| !t.trim().is_empty()) {
        return CleSecrete::depuis_texte(t).map_err(anyhow::Error::msg);
    }
    let fichier = cle_audit::dossier_de_donnees(&r.fichiers).join("cle-secrete");
    let (cle, creee) = CleSecrete::charger_ou_creer(&fichier)
        .with_context(|| format!("clé secrète {}", fichier.display()))?;
    if creee {
        tracing::warn!(
            "REPERES_SECRET absente : clé secrète aléatoire créée dans {} (droits 0600). En production, donnez REPERES_SECRET ou sauvegardez ce fichier.",
            fichier.display()
        );
    }
    Ok(cle)
}

fn reglages_web() -> ReglagesWeb {
    ReglagesWeb::parse_from(["reperes"])
}

fn url_publique(r: &ReglagesWeb, addr: &SocketAddr) -> String {
    match &r.url {
        Some(u) if !u.trim().is_empty() => u.trim().trim_end_matches('/').to_string(),
        // Sur la boucle locale, « localhost » : les navigateurs y acceptent les cookies Secure.
        _ if addr.ip().is_loopback() => format!("http://localhost:{}", addr.port()),
        _ => format!("http://{addr}"),
    }
}

fn url_base(cli: &Cli) -> String {
    match &cli.database_url {
        Some(u) if !u.trim().is_empty() => u.trim().to_string(),
        _ => url_sqlite(std::path::Path::new(BASE_PAR_DEFAUT)),
    }
}

async fn ouvrir(cli: &Cli) -> anyhow::Result<Store> {
    let url = url_base(cli);
    let store = Store::connecter(&url).await?;
    store
        .migrer()
        .await
        .context("migration de la base de données")?;
    // Les écritures sont scellées si la clé du journal est réglée ou présente.
    let r = reglages_web();
    Ok(
        match cle_audit::charger(r.cle_audit.as_deref(), &r.fichiers, false)? {
            Some((cle, _)) => store.avec_cle_audit(cle),
            None => store,
        },
    )
}

fn catalogue(cli: &Cli) -> anyhow::Result<(referentiels::Source, reperes_domain::Catalogue)> {
    let source = referentiels::source(cli.referentiels.as_deref());
    let c = referentiels::charger_catalogue(&source)
        .with_context(|| format!("référentiels ({source})"))?;
    Ok((source, c))
}

async fn arret() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminer = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminer = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminer => {} }
    tracing::info!("arrêt demandé : fin des requêtes en cours");
}

/// L'instance (éditeur, hébergeur, contact, dépôt du code source) : le fichier donné
/// (`REPERES_INSTANCE`), contrôlé, ou celui de la démonstration.
fn lire_instance(
    chemin: Option<&std::path::Path>,
) -> anyhow::Result<reperes_domain::instance::Instance> {
    let Some(chemin) = chemin else {
        return Ok(reperes_domain::instance::par_defaut());
    };
    let texte = std::fs::read_to_string(chemin)
        .with_context(|| format!("fichier de l'instance {} illisible", chemin.display()))?;
    reperes_domain::instance::lire(&texte, &chemin.display().to_string())
        .map_err(anyhow::Error::msg)
}

async fn executer(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.commande {
        Commande::Serve {
            addr,
            no_demo,
            theme,
            tuiles,
            tuiles_attribution,
            instance,
        } => {
            let theme = Theme::depuis_nom(theme).map_err(anyhow::Error::msg)?;
            let instance = lire_instance(instance.as_deref())?;
            let tuiles =
                reperes_web::Tuiles::lire(tuiles.as_deref(), tuiles_attribution.as_deref())
                    .map_err(anyhow::Error::msg)?;
            let (source, catalogue) = catalogue(&cli)?;
            tracing::info!(
                "{} référentiels chargés ({source})",
                catalogue.nombre_fichiers()
            );
            let store = ouvrir(&cli).await?;
            let store = sceller(store).await?;
            let reglages = reglages_web();
            let ecoute = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("impossible d'écouter sur {addr}"))?;
            let adresse = ecoute.local_addr()?;
            let url = url_publique(&reglages, &adresse);
            // L'adresse publique est connue avant la démonstration
            // (les preuves du dossier de Repères y renvoient).
            if !no_demo && store.est_vide().await? {
                let n = demo::charger(&store, &catalogue, &instance, &url)
                    .await
                    .context("chargement de la démonstration")?;
                println!("Base vide : données de démonstration chargées ({n} dossiers).");
            }
            if let Some(t) = demo::presentation_comptes(&store).await? {
                println!("{t}");
            }
            // La version locale de démonstration, avec son adresse.
            if let Some(t) = demo::presentation_version_locale(&store, &url).await? {
                println!("{t}");
            }
            let expediteur = match &reglages.smtp {
                Some(u) if !u.trim().is_empty() => {
                    Expediteur::smtp(u.trim(), &reglages.expediteur).map_err(anyhow::Error::msg)?
                }
                _ => {
                    println!(
                        "Pas de serveur SMTP (REPERES_SMTP_URL) : les courriels sont écrits dans {}.",
                        reglages.dossier_courriels.display()
                    );
                    Expediteur::Dossier(reglages.dossier_courriels.clone())
                }
            };
            let travailleur =
                lancer_travailleur(store.clone(), expediteur, std::time::Duration::from_secs(5));
            let etat = Etat::new(
                store.clone(),
                catalogue,
                Config {
                    url_publique: url.clone(),
                    cookie_secure: reglages.cookie_secure,
                    theme,
                    dossier_fichiers: reglages.fichiers.clone(),
                    webhooks_locaux: reglages.webhooks_locaux,
                    entete_ip: reglages.entete_ip.clone().filter(|x| !x.trim().is_empty()),
                    secret: cle_secrete(&reglages)?,
                    webhooks_max_par_compte: reglages.webhooks_max_par_compte,
                    envois_simultanes: reglages.envois_simultanes,
                    delai_envoi_secondes: reglages.delai_envoi,
                    journal_securite_jours: reglages.journal_securite_jours,
                    mandataires: usize::from(reglages.mandataires),
                    comptes_dormants_jours: reglages.comptes_dormants_jours,
                    tuiles,
                    instance: std::sync::Arc::new(instance),
                },
            )
            .with_context(|| format!("dossier des fichiers {}", reglages.fichiers.display()))?;
            let livreur = reperes_web::webhooks::lancer(
                store.clone(),
                reglages.webhooks_locaux,
                std::time::Duration::from_secs(10),
            );
            let taches = reperes_web::taches::lancer(
                store.clone(),
                etat.catalogue.clone(),
                std::time::Duration::from_secs(3600),
                etat.config.clone(),
            );
            let purge_journal = reperes_web::taches::lancer_purge_journal_securite(
                store.clone(),
                reglages.journal_securite_jours,
                std::time::Duration::from_secs(3600),
            );
            let dormants = reperes_web::taches::lancer_comptes_dormants(
                store.clone(),
                etat.config.clone(),
                std::time::Duration::from_secs(24 * 3600),
            );
            let relances_avis = reperes_web::taches::lancer_relances_avis(
                store.clone(),
                etat.config.clone(),
                std::time::Duration::from_secs(3600),
            );
            println!(
                "Repères écoute sur {url} (base {}). Ctrl+C pour arrêter.",
                store.backend().nom()
            );
            axum::serve(
                ecoute,
                application(etat).into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(arret())
            .await?;
            travailleur.abort();
            livreur.abort();
            taches.abort();
            purge_journal.abort();
            dormants.abort();
            relances_avis.abort();
            store.fermer().await;
            Ok(ExitCode::SUCCESS)
        }
        Commande::Admin {
            commande: CommandeAdmin::Create { email, nom },
        } => {
            let email = reperes_domain::comptes::Email::parse(email).map_err(anyhow::Error::msg)?;
            let store = ouvrir(&cli).await?;
            let acteur = reperes_store::Acteur::new("cli", reperes_domain::Role::Systeme);
            let u = reperes_store::Utilisateur {
                id: uuid::Uuid::now_v7().to_string(),
                email: email.to_string(),
                nom: nom.clone(),
                role: reperes_domain::comptes::RoleCompte::Administrateur,
                hash_mot_de_passe: None,
                email_verifie: true,
                actif: true,
            };
            if let Err(e) = store.creer_utilisateur(&acteur, &u).await {
                eprintln!("Création impossible : {e}.");
                return Ok(ExitCode::FAILURE);
            }
            let jeton = reperes_web::auth::jeton();
            store
                .creer_jeton(&reperes_store::Jeton {
                    hash: reperes_web::auth::empreinte(&jeton),
                    nature: reperes_store::NatureJeton::Reinitialisation,
                    email: u.email.clone(),
                    organisation_id: None,
                    role: None,
                    expire_le: chrono::Utc::now() + chrono::Duration::hours(24),
                })
                .await?;
            let url = reglages_web()
                .url
                .unwrap_or_else(|| "http://localhost:8080".into());
            println!("Compte administrateur créé pour {email}.");
            println!("Choisissez son mot de passe (lien valable 24 heures, une seule fois) :");
            println!("  {}/reinitialisation/{jeton}", url.trim_end_matches('/'));
            Ok(ExitCode::SUCCESS)
        }
        Commande::Lieux {
            commande:
                CommandeLieux::Import {
                    fichiers,
                    source,
                    doublons,
                    options,
                },
        } => {
            let o = lieux::Options::depuis(&options.mode, &options.version_schema)?;
            let store = ouvrir(&cli).await?;
            lieux::importer(
                &store,
                fichiers,
                source.as_deref(),
                o,
                options.rapport.as_deref(),
                *doublons,
            )
            .await
        }
        Commande::Lieux {
            commande:
                CommandeLieux::Verifier {
                    fichiers,
                    options,
                    lecture_seule,
                },
        } => {
            let o = lieux::Options::depuis(&options.mode, &options.version_schema)?;
            lieux::verifier(fichiers, o, *lecture_seule, options.rapport.as_deref())
        }
        Commande::Lieux {
            commande: CommandeLieux::Export { format, sortie },
        } => {
            let store = ouvrir(&cli).await?;
            lieux::exporter(&store, format, sortie.as_deref()).await
        }
        Commande::Lieux {
            commande: CommandeLieux::Doublons,
        } => {
            let store = ouvrir(&cli).await?;
            lieux::doublons(&store).await
        }
        Commande::Lieux {
            commande:
                CommandeLieux::MesurerRecherche {
                    fichier,
                    requetes,
                    instant,
                },
        } => lieux::mesurer_recherche(fichier, *requetes, instant),
        Commande::Migrate => {
            let store = ouvrir(&cli).await?;
            println!("Base {} à jour.", store.backend().nom());
            Ok(ExitCode::SUCCESS)
        }
        Commande::Referentiels {
            commande: CommandeReferentiels::Check { dossier },
        } => {
            let source = referentiels::source(dossier.as_deref().or(cli.referentiels.as_deref()));
            match referentiels::charger_catalogue(&source) {
                Ok(c) => {
                    println!("Référentiels valides ({source}) :");
                    match referentiels::verifier_fidelite(&source, &c) {
                        Ok(Some(n)) => println!(
                            "  - textes officiels : {n} textes d'origine officielle trouvés mot pour mot dans {}/",
                            referentiels::DOSSIER_TEXTES
                        ),
                        _ => println!(
                            "  - textes officiels : pas de dossier {}/, fidélité non vérifiée",
                            referentiels::DOSSIER_TEXTES
                        ),
                    }
                    for r in &c.referentiels {
                        let exigences: usize = r.criteres.iter().map(|x| x.exigences.len()).sum();
                        println!(
                            "  - {} {} ({}) : {} critères, {} niveau(x), {} exigence(s) détaillée(s), {} règle(s) d'éligibilité",
                            r.id,
                            r.version,
                            r.nature.libelle(),
                            r.criteres.len(),
                            r.niveaux.len(),
                            exigences,
                            r.eligibilite.len()
                        );
                    }
                    if let Some(n) = &c.nomenclatures {
                        println!(
                            "  - {} {} (nomenclatures) : {} types d'organisation, {} types de dispositif",
                            n.id,
                            n.version,
                            n.types_organisation.len(),
                            n.types_dispositif.len()
                        );
                    }
                    for x in &c.correspondances {
                        println!(
                            "  - {} {} (correspondance {} → {}) : {} liens",
                            x.id,
                            x.version,
                            x.de,
                            x.vers,
                            x.liens.len()
                        );
                    }
                    for l in &c.licences {
                        println!(
                            "  - {} {} (licences) : {} licences",
                            l.id,
                            l.version,
                            l.licences.len()
                        );
                    }
                    for i in &c.indicateurs {
                        println!(
                            "  - {} {} (indicateurs) : {} axes, {} indicateurs",
                            i.id,
                            i.version,
                            i.axes.len(),
                            i.indicateurs.len()
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("Référentiels invalides ({source}) :\n{e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Commande::Demo => {
            let (_, catalogue) = catalogue(&cli)?;
            let store = ouvrir(&cli).await?;
            if !store.est_vide().await? {
                eprintln!("La base contient déjà des données : la démonstration ne se charge que dans une base vide.");
                return Ok(ExitCode::FAILURE);
            }
            // Les preuves du dossier de Repères renvoient à
            // l'adresse publique (REPERES_URL, sinon celle de `serve` par défaut) et au dépôt
            // de l'instance (REPERES_INSTANCE, sinon celle de la démonstration).
            let instance = lire_instance(
                std::env::var_os("REPERES_INSTANCE")
                    .filter(|c| !c.is_empty())
                    .map(PathBuf::from)
                    .as_deref(),
            )?;
            let url = match reglages_web().url {
                Some(u) if !u.trim().is_empty() => u.trim().trim_end_matches('/').to_string(),
                _ => "http://localhost:8080".to_string(),
            };
            let n = demo::charger(&store, &catalogue, &instance, &url).await?;
            println!("Démonstration chargée : {n} dossiers, dans tous les états.");
            Ok(ExitCode::SUCCESS)
        }
        Commande::Comptes {
            commande: CommandeComptes::PurgerDormants,
        } => {
            let store = ouvrir(&cli).await?;
            let reglages = reglages_web();
            let url = match &reglages.url {
                Some(u) if !u.trim().is_empty() => u.trim().trim_end_matches('/').to_string(),
                _ => "http://localhost:8080".to_string(),
            };
            let b = store
                .purger_comptes_dormants(
                    &reperes_store::Acteur::new("cli", reperes_domain::Role::Systeme),
                    chrono::Utc::now(),
                    chrono::Duration::days(i64::from(reglages.comptes_dormants_jours)),
                    &url,
                )
                .await?;
            println!(
                "Comptes dormants (sans connexion depuis {} jours) : {} prévenu(s) par courriel, {} pseudonymisé(s), {} gardé(s) (dernier administrateur).",
                reglages.comptes_dormants_jours, b.prevenus, b.pseudonymises, b.gardes
            );
            Ok(ExitCode::SUCCESS)
        }
        Commande::Audit {
            commande: CommandeAudit::Verify,
        } => {
            let store = ouvrir(&cli).await?;
            let r = reglages_web();
            if cle_audit::charger(r.cle_audit.as_deref(), &r.fichiers, false)?.is_none() {
                eprintln!("{}", cle_audit::message_sans_cle(&r.fichiers));
                return Ok(ExitCode::from(2));
            }
            match store.bilan_journal().await {
                Ok(b) if b.entrees > 0 && b.scelle_depuis.is_none() => {
                    eprintln!(
                        "Journal d'audit : {} entrée(s) aux empreintes cohérentes, mais aucune n'est scellée par la clé : \
                         le journal a pu être réécrit par quelqu'un qui a pu écrire la base (ou il date d'avant la clé : \
                         lancez `reperes serve` une fois avec la clé pour le sceller).",
                        b.entrees
                    );
                    Ok(ExitCode::FAILURE)
                }
                Ok(b) => {
                    println!(
                        "Journal d'audit intègre : {} entrée(s) vérifiée(s).",
                        b.entrees
                    );
                    match b.scelle_depuis {
                        Some(1) | None => {
                            println!("Toutes les entrées sont scellées par la clé du journal.")
                        }
                        Some(k) => println!(
                            "Chaîne scellée par la clé à partir de l'entrée n° {k} ; les {} entrée(s) précédente(s), écrites avant la clé, ne sont protégées que par leurs empreintes.",
                            k - 1
                        ),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

/// Au démarrage du serveur : la clé du journal (générée s'il le faut, avec un avertissement),
/// puis la tête du journal scellée ; refuse de démarrer si la tête est scellée par une autre clé
/// ou si son sceau a été retiré.
async fn sceller(store: Store) -> anyhow::Result<Store> {
    let r = reglages_web();
    let (cle, provenance) = cle_audit::charger(r.cle_audit.as_deref(), &r.fichiers, true)?
        .expect("clé générée par le serveur");
    if let cle_audit::Provenance::Fichier(chemin) = &provenance {
        tracing::info!("clé du journal d'audit lue dans {}", chemin.display());
    }
    if let cle_audit::Provenance::Generee(chemin) = &provenance {
        println!(
            "Attention : REPERES_CLE_AUDIT n'est pas réglé ; clé du journal d'audit générée dans {} (0600). \
             Gardez-la hors de la base et sauvegardez-la à part : `reperes audit verify` en a besoin.",
            chemin.display()
        );
    }
    let store = store.avec_cle_audit(cle);
    {
        match store.sceller_journal().await? {
            reperes_store::Scellement::Nouveau { seq } => {
                println!("Journal d'audit scellé par la clé à partir de l'entrée n° {seq}.")
            }
            reperes_store::Scellement::CleDifferente => anyhow::bail!(
                "la tête du journal d'audit est scellée par une autre clé que REPERES_CLE_AUDIT : \
                 démarrage refusé (mauvaise clé, ou journal réécrit : lancez `reperes audit verify`)"
            ),
            reperes_store::Scellement::TeteAlteree => anyhow::bail!(
                "le sceau de la tête du journal d'audit a été retiré alors que la dernière entrée est scellée : \
                 démarrage refusé (lancez `reperes audit verify`)"
            ),
            reperes_store::Scellement::Deja | reperes_store::Scellement::SansCle => {}
        }
    }
    Ok(store)
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match executer(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Erreur : {e:#}");
            ExitCode::from(2)
        }
    }
}
