//! Mesure de l'écriture seule des lieux (issue 14) : lit un fichier de lieux (hors mesure, sans
//! validation), puis chronomètre `Store::importer_lieux` dans la base de `DATABASE_URL`.
//!
//! ```sh
//! DATABASE_URL='sqlite:///tmp/a.db?mode=rwc' \
//!     cargo run --release -p reperes-store --example ecrire_lieux -- lieux.csv [SOURCE]
//! ```

use std::time::Instant;

use reperes_domain::lieux::{lire, Format};
use reperes_domain::Role;
use reperes_store::{Acteur, Store};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let chemin = args.get(1).expect("usage : ecrire_lieux FICHIER [SOURCE]");
    let source = args.get(2).map(String::as_str).unwrap_or("banc");
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let t = Instant::now();
    let format = Format::depuis_nom(chemin).expect("format .csv ou .json");
    let lot = lire(&std::fs::read(chemin).expect("fichier lisible"), format).expect("lecture");
    eprintln!(
        "lecture de {} lieux : {:.3} s",
        lot.len(),
        t.elapsed().as_secs_f64()
    );
    let store = Store::connecter(&url).await.expect("connexion");
    store.migrer().await.expect("migrations");
    let t = Instant::now();
    let bilan = store
        .importer_lieux(
            &Acteur::new("banc", Role::Systeme),
            source,
            &lot,
            &|_, _| {},
        )
        .await
        .expect("import");
    println!(
        "écriture de {} lieux : {:.3} s ({} créés, {} mis à jour)",
        lot.len(),
        t.elapsed().as_secs_f64(),
        bilan.crees,
        bilan.mis_a_jour
    );
}
