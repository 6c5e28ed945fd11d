//! Revue des doublons probables (issue 16) au niveau HTTP, sur les deux bases : liste, page d'une
//! paire (différences marquées, choix préremplis avec la fiche la plus récente), fusion (versions
//! lues, choix exigés), fiche du lieu absorbé redirigée vers le lieu gardé, paire gardée séparée
//! qui tient au réimport.

use crate::commun;

use axum::http::StatusCode;
use commun::{app, compte, importer_csv, Client, MDP};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::lieux::valeur;
use reperes_store::{deux_bases, Store};

const REGION: &str = "id,pivot,nom,commune,code_postal,adresse,date_maj,services,horaires,telephone\n\
R1,43493312300029,Espace numérique du Port,Brest,29200,1 quai Malbert,2024-03-01,Aide aux démarches administratives,Mo-Fr 09:00-12:00,+33298000001\n";

const VILLE: &str = "id,pivot,nom,commune,code_postal,adresse,date_maj,services,horaires,telephone\n\
V1,43493312300029,Espace numérique du Port,Brest,29200,1 quai Malbert,2024-06-01,Aide aux démarches administratives,Mo-Fr 14:00-18:00,+33298000002\n";

const PAIRE: &str = "/administration/lieux/doublons/region%2FR1/ville%2FV1";

async fn monde(store: &Store) -> Client {
    compte(store, "admin@exemple.fr", RoleCompte::Administrateur).await;
    importer_csv(store, "region", REGION).await;
    importer_csv(store, "ville", VILLE).await;
    let mut a = Client::new(&app(store));
    assert_eq!(
        a.connecter("admin@exemple.fr", MDP).await.code,
        StatusCode::SEE_OTHER
    );
    a
}

deux_bases!(revue_et_fusion_d_une_paire, |store: Store| async move {
    let mut a = monde(&store).await;
    let r = a.get("/administration/lieux/doublons").await;
    assert_eq!(r.code, StatusCode::OK);
    assert!(r.corps.contains("1 paire(s) à examiner"), "{}", r.corps);
    assert!(
        r.corps.contains(&format!("href=\"{PAIRE}\"")),
        "{}",
        r.corps
    );
    let r = a.get("/administration/lieux/doublons?source=autre").await;
    assert!(r.corps.contains("0 paire(s) à examiner"), "{}", r.corps);
    // La paire : champ par champ, différences marquées, choix préremplis avec la fiche la plus
    // récente (la ville, mise à jour en juin).
    let r = a.get(PAIRE).await;
    assert_eq!(r.code, StatusCode::OK);
    assert!(
        r.corps.contains("4 champ(s) différent(s)"),
        "id, date_maj, horaires, téléphone : {}",
        r.corps
    );
    assert!(r
        .corps
        .contains("id=\"champ-horaires-b\" name=\"champ.horaires\" value=\"b\" checked"));
    assert!(r
        .corps
        .contains("id=\"champ-telephone-b\" name=\"champ.telephone\" value=\"b\" checked"));
    assert!(!r.corps.contains("name=\"champ.id\""));
    assert!(!r.corps.contains("name=\"champ.date_maj\""));
    assert!(
        !r.corps.contains("name=\"champ.nom\""),
        "le nom ne diffère pas"
    );
    // Versions lues dépassées : refusé, rien d'écrit.
    let r = a
        .post(
            PAIRE,
            &[
                ("decision", "fusionner"),
                ("version_a", "1"),
                ("version_b", "3"),
                ("garder", "a"),
                ("champ.horaires", "b"),
                ("champ.telephone", "a"),
            ],
            None,
        )
        .await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.corps.contains("a changé depuis votre lecture"),
        "{}",
        r.corps
    );
    // Un champ sans choix : refusé avec son nom.
    let r = a
        .post(
            PAIRE,
            &[
                ("decision", "fusionner"),
                ("version_a", "1"),
                ("version_b", "1"),
                ("garder", "a"),
                ("champ.horaires", "b"),
            ],
            None,
        )
        .await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.corps.contains("Choisissez une valeur pour"),
        "{}",
        r.corps
    );
    assert_eq!(store.alias_lieu("ville", "V1").await.unwrap(), None);
    // Fusion : la région est gardée, avec les horaires de la ville et son propre téléphone.
    let r = a
        .post(
            PAIRE,
            &[
                ("decision", "fusionner"),
                ("version_a", "1"),
                ("version_b", "1"),
                ("garder", "a"),
                ("champ.horaires", "b"),
                ("champ.telephone", "a"),
            ],
            None,
        )
        .await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
    assert_eq!(r.lieu.as_deref(), Some("/lieux/region/R1"));
    let garde = store.lieu_courant("region", "R1").await.unwrap().unwrap();
    assert_eq!(
        valeur(&garde.donnees, "horaires").as_deref(),
        Some("Mo-Fr 14:00-18:00")
    );
    assert_eq!(
        valeur(&garde.donnees, "telephone").as_deref(),
        Some("+33298000001")
    );
    let absorbe = store.lieu_courant("ville", "V1").await.unwrap().unwrap();
    assert_eq!(absorbe.masque.as_deref(), Some("fusionne"));
    let alias = store.alias_lieu("ville", "V1").await.unwrap().unwrap();
    // Dans l'ordre du schéma.
    assert_eq!(alias.champs_choisis, ["telephone", "horaires"]);
    // La fiche absorbée mène à la fiche gardée ; la fiche gardée montre les horaires choisis.
    let r = a.get("/lieux/ville/V1?retour=/lieux").await;
    assert_eq!(r.code, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.lieu.as_deref(), Some("/lieux/region/R1?retour=/lieux"));
    let r = a.get("/lieux/region/R1").await;
    assert_eq!(r.code, StatusCode::OK);
    assert!(r.corps.contains("14 h"), "{}", r.corps);
    assert_eq!(
        a.get("/lieux/ville/inconnu").await.code,
        StatusCode::NOT_FOUND
    );
    // Plus de paire à examiner ; la page de la paire n'existe plus.
    let r = a.get("/administration/lieux/doublons").await;
    assert!(r.corps.contains("0 paire(s) à examiner"), "{}", r.corps);
    assert_eq!(a.get(PAIRE).await.code, StatusCode::NOT_FOUND);
    let journal = store.journal_objet("lieu", "region/R1").await.unwrap();
    assert!(journal
        .iter()
        .any(|e| e.contenu.action == "fusionner_lieux"));
});

deux_bases!(
    une_paire_gardee_separee_tient_au_reimport,
    |store: Store| async move {
        let mut a = monde(&store).await;
        a.get(PAIRE).await;
        let r = a.post(PAIRE, &[("decision", "distincts")], None).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER);
        assert_eq!(r.lieu.as_deref(), Some("/administration/lieux/doublons"));
        let r = a.get("/administration/lieux/doublons").await;
        assert!(r.corps.contains("0 paire(s) à examiner"), "{}", r.corps);
        // Les deux sources réimportées (la ville avec d'autres horaires) : la paire ne revient pas,
        // et rien n'est masqué.
        importer_csv(
            &store,
            "ville",
            &VILLE.replace("14:00-18:00", "14:00-19:00"),
        )
        .await;
        importer_csv(&store, "region", REGION).await;
        let r = a.get("/administration/lieux/doublons").await;
        assert!(r.corps.contains("0 paire(s) à examiner"), "{}", r.corps);
        assert_eq!(store.lieux().await.unwrap().len(), 2);
        assert_eq!(a.get("/lieux/ville/V1").await.code, StatusCode::OK);
        // Une décision inconnue est refusée.
        let r = a.post(PAIRE, &[("decision", "autre")], None).await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
    }
);
