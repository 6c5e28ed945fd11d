//! Ce que la cible de fuzzing `formulaires` exerce, en un seul endroit : la cible
//! (`fuzz_targets/formulaires.rs`) et le test de non-régression
//! `crates/web/tests/integration/fuzz_regressions.rs` (qui inclut ce fichier par `#[path]`)
//! appellent la même fonction.
//!
//! L'entrée est une requête brute (`a=1&b=2`, ce qu'envoie un navigateur en GET ou dans le corps
//! d'un formulaire `application/x-www-form-urlencoded`).

use chrono::NaiveDate;
use reperes_domain::indicateurs::{ReferentielIndicateurs, SaisieValeur};
use reperes_web::decodeurs::*;
use serde::de::DeserializeOwned;

/// Décode `octets` en `T` comme le fait `axum::Form` (et `axum::extract::Query`) ; rend le
/// message d'erreur en cas d'échec.
fn decoder<T: DeserializeOwned>(octets: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<T>(octets)
        .err()
        .map(|e| e.to_string())
}

/// Filtres de recherche des lieux (pages et API), orientation, formulaires `urlencoded`.
/// Rend les messages d'erreur rencontrés.
pub fn formulaires(octets: &[u8]) -> Vec<String> {
    let mut messages = Vec::new();
    let requete = String::from_utf8_lossy(octets);

    for lire in [Filtres::lire, Filtres::lire_api] {
        match lire(Some(&requete)) {
            Ok(f) => {
                // Les liens de pagination redonnent les mêmes filtres.
                let redite = f.requete();
                let g = Filtres::lire(Some(&redite))
                    .unwrap_or_else(|e| panic!("{redite:?} (redite de {requete:?}) : {e}"));
                assert_eq!(
                    (&f.q, &f.lieu, f.latitude, f.longitude, f.rayon, &f.valeurs),
                    (&g.q, &g.lieu, g.latitude, g.longitude, g.rayon, &g.valeurs),
                    "{requete:?} → {redite:?}"
                );
                assert_eq!(
                    (f.ouvert, &f.jour, &f.heure),
                    (g.ouvert, &g.jour, &g.heure),
                    "{requete:?} → {redite:?}"
                );
            }
            Err(m) => messages.push(m),
        }
    }

    let r = lire_requete(Some(&requete));
    assert!((1..=5).contains(&r.etape));
    if let Err(m) = r.filtres {
        messages.push(m);
    }

    let erreurs = [
        decoder::<FormInscription>(octets),
        decoder::<FormConnexion>(octets),
        decoder::<FormCsrf>(octets),
        decoder::<FormOubli>(octets),
        decoder::<FormReinitialisation>(octets),
        decoder::<FormOrganisation>(octets),
        decoder::<FormInvitation>(octets),
        decoder::<FormAccepter>(octets),
        decoder::<FormDispositif>(octets),
        decoder::<FormNouveauDossier>(octets),
        decoder::<FiltresInstruction>(octets),
        decoder::<FormAttribution>(octets),
        decoder::<FormAction>(octets),
        decoder::<FormInviterAgent>(octets),
        decoder::<FiltresRegistre>(octets),
        decoder::<FormSaisie>(octets),
        decoder::<RequeteRecherche>(octets),
        decoder::<FormAbonnement>(octets),
        decoder::<Vec<(String, String)>>(octets),
    ];
    messages.extend(erreurs.into_iter().flatten());

    // Saisie d'un indicateur territorial : décodée puis analysée par le domaine.
    match serde_urlencoded::from_bytes::<SaisieValeur>(octets) {
        Ok(s) => {
            let aujourd_hui = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date valide");
            if let Err(erreurs) = s.analyser(ReferentielIndicateurs::embarque(), aujourd_hui) {
                messages.extend(erreurs.into_iter().map(|e| e.message));
            }
        }
        Err(e) => messages.push(e.to_string()),
    }
    messages
}
