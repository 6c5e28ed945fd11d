//! `reperes` : le binaire unique de Repères (serveur web, migrations, référentiels, démo, audit).

mod demo;
mod referentiels;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use reperes_store::{url_sqlite, Store, BASE_PAR_DEFAUT};
use reperes_web::{application, Etat, Theme};

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
    /// Journal d'audit.
    Audit {
        #[command(subcommand)]
        commande: CommandeAudit,
    },
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
enum CommandeAudit {
    /// Vérifie la chaîne du journal : toute entrée modifiée ou supprimée est détectée.
    Verify,
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
    Ok(store)
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

async fn executer(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.commande {
        Commande::Serve {
            addr,
            no_demo,
            theme,
        } => {
            let theme = Theme::depuis_nom(theme).map_err(anyhow::Error::msg)?;
            let (source, catalogue) = catalogue(&cli)?;
            tracing::info!(
                "{} référentiels chargés ({source})",
                catalogue.nombre_fichiers()
            );
            let store = ouvrir(&cli).await?;
            if !no_demo && store.est_vide().await? {
                let n = demo::charger(&store, &catalogue)
                    .await
                    .context("chargement de la démonstration")?;
                println!("Base vide : données de démonstration chargées ({n} dossiers).");
            }
            let app = application(Etat {
                store: store.clone(),
                catalogue: Arc::new(catalogue),
                theme,
            });
            let ecoute = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("impossible d'écouter sur {addr}"))?;
            println!(
                "Repères écoute sur http://{} (base {}). Ctrl+C pour arrêter.",
                ecoute.local_addr()?,
                store.backend().nom()
            );
            axum::serve(ecoute, app)
                .with_graceful_shutdown(arret())
                .await?;
            store.fermer().await;
            Ok(ExitCode::SUCCESS)
        }
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
            let n = demo::charger(&store, &catalogue).await?;
            println!("Démonstration chargée : {n} dossiers, dans tous les états.");
            Ok(ExitCode::SUCCESS)
        }
        Commande::Audit {
            commande: CommandeAudit::Verify,
        } => {
            let store = ouvrir(&cli).await?;
            match store.verifier_journal().await {
                Ok(n) => {
                    println!("Journal d'audit intègre : {n} entrée(s) vérifiée(s).");
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
