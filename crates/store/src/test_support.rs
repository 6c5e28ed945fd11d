//! Bases de test jetables, sur les deux backends. Chaque test a la sienne : un fichier SQLite
//! temporaire, ou un schéma PostgreSQL à son nom dans la base `test`. Utilisé par les tests de ce
//! crate et du crate web ; la macro [`crate::deux_bases`] écrit un test pour chaque backend.
//!
//! PostgreSQL est pris dans `REPERES_TEST_POSTGRES_URL` (par défaut
//! `postgres://postgres@127.0.0.1:5432/test`). S'il ne répond pas, le test échoue avec un message
//! clair : il n'est jamais sauté en silence.

use chrono::{DateTime, Duration, Utc};
use reperes_domain::organisation::{Adresse, Dispositif, Organisation};
use reperes_domain::referentiel::Regle;
use reperes_domain::{Action, Catalogue, Dossier, Modification, Referentiel, Role};

use crate::{url_sqlite, Acteur, Backend, Store};

/// Le catalogue des référentiels du dépôt (`referentiels/` à la racine), validé.
/// Ce qu'un demandeur complète, en plus des critères, pour pouvoir déposer : les déclarations
/// sur l'honneur (avec leur justification et le retour de terrain si le référentiel en demande),
/// les engagements, la licence des critères qui en exigent une et, si le référentiel en demande,
/// un partenaire.
pub fn pour_deposer(r: &Referentiel) -> Vec<Modification> {
    let mut mods: Vec<Modification> = r
        .eligibilite
        .iter()
        .filter_map(|g| match g {
            Regle::Declaration { id, .. } => Some(Modification::Declaration {
                id: id.clone(),
                valeur: true,
            }),
            _ => None,
        })
        .collect();
    mods.extend(conditions_remplies(r));
    mods.push(Modification::Engagements {
        acceptes: r.engagements.iter().map(|e| e.id.clone()).collect(),
    });
    if r.partenaires.is_some() {
        mods.push(Modification::Partenaires {
            liste: vec![reperes_domain::dossier::Partenaire {
                nom: "Centre social du quartier".into(),
                role: "Accueil des publics".into(),
            }],
        });
    }
    mods
}

/// Justifications des déclarations, retour de terrain avec un partenaire local et licence de
/// chaque critère qui en demande une : ce que les conditions vérifiées (issue 15) exigent.
pub fn conditions_remplies(r: &Referentiel) -> Vec<Modification> {
    let mut mods = Vec::new();
    for g in &r.eligibilite {
        if let Regle::Declaration {
            id,
            justification_min_caracteres: Some(_),
            ..
        } = g
        {
            mods.push(Modification::Justification {
                id: id.clone(),
                texte: "Accès aux droits sociaux et aux services publics en ligne pour les personnes éloignées du numérique.".into(),
            });
        }
    }
    if r.declaration_partenaire_local().is_some() {
        mods.push(Modification::RetourTerrain {
            retour: Some(reperes_domain::dossier::RetourTerrain {
                partenaire: "Médiathèque de Belleville".into(),
                type_partenaire: "Collectivité (service municipal)".into(),
                commune: "Lyon".into(),
                identifiant: String::new(),
                description: "Expérimentation de six mois avec les médiateurs de la médiathèque."
                    .into(),
                preuve: "https://exemple.fr/retour-experimentation".into(),
            }),
        });
    }
    for c in r.criteres.iter().filter(|c| !c.licences.is_empty()) {
        mods.push(Modification::Licence {
            critere: c.id.clone(),
            licence: Some(c.licences[0].spdx.clone()),
            materiel: Some(format!("https://exemple.fr/materiel/{}", c.id)),
        });
    }
    mods
}

pub fn catalogue_du_depot() -> Catalogue {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../referentiels");
    let mut fichiers: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} : {e}", dir.display()))
        .map(|e| e.expect("entrée de dossier").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let texte = std::fs::read_to_string(&p).expect("lecture d'un référentiel");
            (p.display().to_string(), texte)
        })
        .collect();
    fichiers.sort();
    reperes_domain::charger(&fichiers).unwrap_or_else(|e| panic!("{e}"))
}

/// Préfixe des schémas de test PostgreSQL (le script de test supprime les restes).
pub const PREFIXE_SCHEMA: &str = "reperes_test_";

pub fn url_postgres_de_test() -> String {
    std::env::var("REPERES_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// Une base de test prête (migrée).
pub struct BaseDeTest {
    pub store: Store,
    /// URL de connexion à cette base (pour lancer le binaire dessus).
    pub url: String,
    nettoyage: Nettoyage,
}

enum Nettoyage {
    Fichier(std::path::PathBuf),
    Schema(String),
}

fn nom_unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl BaseDeTest {
    pub async fn nouvelle(backend: Backend) -> BaseDeTest {
        match backend {
            Backend::Sqlite => {
                let chemin = std::env::temp_dir().join(format!("reperes-test-{}.db", nom_unique()));
                let url = url_sqlite(&chemin);
                let store = Store::connecter(&url)
                    .await
                    .expect("ouverture de la base SQLite de test");
                store.migrer().await.expect("migrations SQLite");
                BaseDeTest {
                    store,
                    url,
                    nettoyage: Nettoyage::Fichier(chemin),
                }
            }
            Backend::Postgres => {
                let url = url_postgres_de_test();
                let admin = Store::connecter(&url).await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL injoignable ({e}).\nLes tests exigent PostgreSQL sur {url} \
                         (variable REPERES_TEST_POSTGRES_URL) : lancez-les avec scripts/test, \
                         qui démarre le serveur local s'il est arrêté."
                    )
                });
                let schema = format!("{PREFIXE_SCHEMA}{}", nom_unique());
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(admin.pool())
                    .await
                    .expect("création du schéma de test");
                admin.fermer().await;
                let sep = if url.contains('?') { '&' } else { '?' };
                let url_schema = format!("{url}{sep}options=-c%20search_path%3D{schema}");
                let store = Store::connecter(&url_schema)
                    .await
                    .expect("connexion au schéma de test");
                store.migrer().await.expect("migrations PostgreSQL");
                BaseDeTest {
                    store,
                    url: url_schema,
                    nettoyage: Nettoyage::Schema(schema),
                }
            }
        }
    }

    /// Ferme la base et la supprime.
    pub async fn fin(self) {
        self.store.fermer().await;
        match self.nettoyage {
            Nettoyage::Fichier(chemin) => {
                for suffixe in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffixe}", chemin.display()));
                }
            }
            Nettoyage::Schema(schema) => {
                if let Ok(admin) = Store::connecter(&url_postgres_de_test()).await {
                    let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                        .execute(admin.pool())
                        .await;
                    admin.fermer().await;
                }
            }
        }
    }
}

/// Exécute un test sur une base neuve du backend donné, puis la supprime (si le test réussit ;
/// sinon elle reste pour l'enquête, et le script de test la supprimera au prochain passage).
pub async fn avec_base<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let base = BaseDeTest::nouvelle(backend).await;
    test(base.store.clone()).await;
    base.fin().await;
}

/// Écrit un test pour chaque backend : `nom::sqlite` et `nom::postgres`.
///
/// ```ignore
/// deux_bases!(creation, |store| async move { /* … */ });
/// ```
#[macro_export]
macro_rules! deux_bases {
    ($nom:ident, $test:expr) => {
        mod $nom {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::test_support::avec_base($crate::Backend::Sqlite, $test).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::test_support::avec_base($crate::Backend::Postgres, $test).await
            }
        }
    };
}

/// Crée un dispositif et mène son dossier NEC 2022 jusqu'à `fin` (labellisé, retiré, refusé).
pub async fn titulaire(
    store: &Store,
    n: &str,
    nom: &str,
    type_dispositif: &str,
    code_postal: &str,
    fin: &str,
) -> String {
    mener_dossier(
        store,
        "nec-2022",
        n,
        nom,
        type_dispositif,
        code_postal,
        fin,
        Utc::now() - Duration::days(4),
    )
    .await
}

/// Comme [`titulaire`], pour le référentiel `referentiel` (label ou charte), avec une décision
/// (labellisation, ou contresignature d'une charte) prise le jour `decide_le` ; `fin` peut aussi
/// être `brouillon` (complet, prêt à déposer), `depose` ou `en_instruction` (dossier pris en
/// charge, sans décision). L'organisation
/// `o{n}` est une association si le référentiel l'admet, sinon du premier type de demandeur admis
/// (collectivité territoriale pour la charte).
#[allow(clippy::too_many_arguments)]
pub async fn mener_dossier(
    store: &Store,
    referentiel: &str,
    n: &str,
    nom: &str,
    type_dispositif: &str,
    code_postal: &str,
    fin: &str,
    decide_le: chrono::DateTime<Utc>,
) -> String {
    let c = catalogue_du_depot();
    let r = c.referentiels.iter().find(|r| r.id == referentiel).unwrap();
    let dem = Acteur::new("porteur", Role::Demandeur);
    let agent = Acteur::new("agent", Role::Instructeur);
    let association = r.demandeurs.is_empty() || r.demandeurs.iter().any(|d| d == "association");
    let o = Organisation {
        id: format!("o{n}"),
        nom: if association {
            format!("Association {n}")
        } else {
            format!("Commune {n}")
        },
        type_organisation: if association {
            "association".into()
        } else {
            r.demandeurs[0].clone()
        },
        siret: None,
        rna: association.then(|| reperes_domain::identifiants::Rna::parse("W802001234").unwrap()),
        adresse: Adresse {
            voie: "1 rue".into(),
            code_postal: code_postal.into(),
            commune: "Commune".into(),
        },
    };
    store.creer_organisation(&dem, &o).await.unwrap();
    let d = Dispositif {
        id: format!("x{n}"),
        organisation_id: o.id.clone(),
        nom: nom.into(),
        type_dispositif: type_dispositif.into(),
        description: "Outil d'accompagnement.".into(),
        site: None,
    };
    store.creer_dispositif(&dem, &d).await.unwrap();
    let dossier = Dossier::nouveau(format!("d{n}"), r, &o, &d, 1).unwrap();
    store.creer_dossier(&dem, &dossier).await.unwrap();
    let id = dossier.id.clone();
    for cr in &r.criteres {
        store
            .modifier(
                &c,
                &id,
                &dem,
                &Modification::Reponse {
                    critere: cr.id.clone(),
                    texte: "Description suffisamment détaillée des mesures prises.".into(),
                    liens: vec!["https://exemple.fr".into()],
                    niveau_auto: Some(1),
                },
            )
            .await
            .unwrap();
    }
    for m in pour_deposer(r) {
        store.modifier(&c, &id, &dem, &m).await.unwrap();
    }
    let depot = decide_le.min(Utc::now()) - Duration::days(6);
    if fin == "brouillon" {
        return id;
    }
    if fin == "depose" {
        store
            .agir(&c, &id, &dem, &Action::Deposer, depot)
            .await
            .unwrap();
        return id;
    }
    deposer_et_prendre_en_charge(store, &c, &id, &dem, &agent, depot).await;
    if fin == "en_instruction" {
        return id;
    }
    if fin == "refuse" {
        store
            .agir(
                &c,
                &id,
                &agent,
                &Action::Refuser {
                    motivation: "Non.".into(),
                },
                Utc::now(),
            )
            .await
            .unwrap();
        return id;
    }
    let criteres: Vec<&str> = r.criteres.iter().map(|cr| cr.id.as_str()).collect();
    labelliser(store, &c, &id, &agent, &criteres, "Conforme.", decide_le).await;
    if fin == "retire" {
        store
            .agir(
                &c,
                &id,
                &Acteur::new("admin", Role::Administrateur),
                &Action::Retirer {
                    motif: "Plus maintenu.".into(),
                },
                Utc::now(),
            )
            .await
            .unwrap();
    }
    id
}

/// Le demandeur `dem` dépose le dossier `id` le jour `le`, et l'agent le prend en charge le même
/// jour.
pub async fn deposer_et_prendre_en_charge(
    store: &Store,
    c: &Catalogue,
    id: &str,
    dem: &Acteur,
    agent: &Acteur,
    le: DateTime<Utc>,
) {
    store.agir(c, id, dem, &Action::Deposer, le).await.unwrap();
    store
        .agir(c, id, agent, &Action::PrendreEnCharge, le)
        .await
        .unwrap();
}

/// Une collectivité `org-{suffixe}` nommée `nom` (mairie au code postal et à la commune donnés)
/// et sa démarche territoriale `disp-{suffixe}`, créées par le demandeur `dem` : un futur
/// signataire de la charte « Territoire d'Actions ».
pub async fn collectivite_et_demarche(
    store: &Store,
    dem: &Acteur,
    suffixe: &str,
    nom: String,
    code_postal: &str,
    commune: &str,
) -> (Organisation, Dispositif) {
    let o = Organisation {
        id: format!("org-{suffixe}"),
        nom,
        type_organisation: "collectivite_territoriale".into(),
        siret: None,
        rna: None,
        adresse: Adresse {
            voie: "1 place de la Mairie".into(),
            code_postal: code_postal.into(),
            commune: commune.into(),
        },
    };
    store.creer_organisation(dem, &o).await.unwrap();
    let disp = Dispositif {
        id: format!("disp-{suffixe}"),
        organisation_id: o.id.clone(),
        nom: format!("Territoire d'Actions {suffixe}"),
        type_dispositif: "demarche_territoriale".into(),
        description: "Démarche partenariale.".into(),
        site: None,
    };
    store.creer_dispositif(dem, &disp).await.unwrap();
    (o, disp)
}

/// La commune `org-{suffixe}` (« Commune {suffixe} », au code postal et à la commune donnés) et
/// son dossier de charte « Territoire d'Actions » `dos-{suffixe}` : chaque critère répondu au
/// niveau 1, déposé par `dem` vingt jours avant `signe_le`, pris en charge par `agent` le même
/// jour, puis contresigné par lui le jour `signe_le` ([`labelliser`]). Rend le dossier signé.
pub async fn signataire_de_charte(
    store: &Store,
    dem: &Acteur,
    agent: &Acteur,
    suffixe: &str,
    code_postal: &str,
    commune: &str,
    signe_le: DateTime<Utc>,
) -> Dossier {
    let c = catalogue_du_depot();
    let r = c
        .referentiels
        .iter()
        .find(|r| r.id == "charte-territoire-actions")
        .unwrap();
    let (o, disp) = collectivite_et_demarche(
        store,
        dem,
        suffixe,
        format!("Commune {suffixe}"),
        code_postal,
        commune,
    )
    .await;
    let d = Dossier::nouveau(format!("dos-{suffixe}"), r, &o, &disp, 1).unwrap();
    store.creer_dossier(dem, &d).await.unwrap();
    let mut mods: Vec<Modification> = r
        .criteres
        .iter()
        .map(|cr| Modification::Reponse {
            critere: cr.id.clone(),
            texte: format!(
                "Actions prévues pour « {} » : calendrier et moyens.",
                cr.libelle
            ),
            liens: vec![],
            niveau_auto: Some(1),
        })
        .collect();
    mods.extend(pour_deposer(r));
    for m in &mods {
        store.modifier(&c, &d.id, dem, m).await.unwrap();
    }
    deposer_et_prendre_en_charge(store, &c, &d.id, dem, agent, signe_le - Duration::days(20)).await;
    let criteres: Vec<&str> = r.criteres.iter().map(|cr| cr.id.as_str()).collect();
    labelliser(
        store,
        &c,
        &d.id,
        agent,
        &criteres,
        "Charte contresignée.",
        signe_le,
    )
    .await
}

/// L'agent apprécie chacun des `criteres` du dossier `id` au niveau 1 (sans commentaire).
pub async fn apprecier(store: &Store, c: &Catalogue, id: &str, agent: &Acteur, criteres: &[&str]) {
    for critere in criteres {
        store
            .modifier(
                c,
                id,
                agent,
                &Modification::Appreciation {
                    critere: critere.to_string(),
                    niveau: Some(1),
                    commentaire: String::new(),
                },
            )
            .await
            .unwrap();
    }
}

/// L'agent apprécie les `criteres` au niveau 1 ([`apprecier`]) puis décide le dossier en
/// instruction `id` au niveau 1 (labellisation, ou contresignature d'une charte) le jour `le`.
pub async fn labelliser(
    store: &Store,
    c: &Catalogue,
    id: &str,
    agent: &Acteur,
    criteres: &[&str],
    motivation: &str,
    le: DateTime<Utc>,
) -> Dossier {
    apprecier(store, c, id, agent, criteres).await;
    store
        .agir(
            c,
            id,
            agent,
            &Action::Labelliser {
                niveau: 1,
                motivation: motivation.into(),
            },
            le,
        )
        .await
        .unwrap()
}
