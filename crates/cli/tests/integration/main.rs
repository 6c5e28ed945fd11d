//! Tests d'intégration du binaire `reperes`, en un seul binaire de test (un module par sujet) :
//! le programme lancé comme le ferait une personne, sur les deux bases.

/// Un test sur chacune des deux bases, `$nom::sqlite` et `$nom::postgres`, qui appellent
/// `$nom(Backend)` : l'équivalent de `reperes_store::deux_bases!` pour les tests qui lancent le
/// binaire (ils préparent leur base eux-mêmes).
macro_rules! sur_les_deux_bases {
    ($nom:ident) => {
        mod $nom {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$nom(reperes_store::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$nom(reperes_store::Backend::Postgres).await
            }
        }
    };
}

mod cli;
mod dossier_reperes;
mod hostile;
mod mesure;
mod panne;
mod themes;
