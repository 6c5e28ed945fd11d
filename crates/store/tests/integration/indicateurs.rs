//! Indicateurs territoriaux : valeurs saisies (une par année, remplacement journalisé avec
//! l'ancienne valeur), lecture des titres (labels, chartes) et des lieux datés dont les
//! indicateurs calculés sont tirés ; chaque test sur SQLite et sur PostgreSQL.

use crate::commun;

use std::path::PathBuf;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use commun::*;
use reperes_domain::indicateurs::{
    calculer, Calcul, DonneesPlateforme, ReferentielIndicateurs, ValeurSaisie,
};
use reperes_domain::lieux::{lire, Format};
use reperes_domain::territoires::{Niveau, Territoires};
use reperes_domain::{Action, Role};
use reperes_store::{deux_bases, objet_indicateur, Acteur, Store, OBJET_INDICATEUR};

const CHARTE: &str = "charte-territoire-actions";

fn saisie(indicateur: &str, annee: i32, valeur: &str, source: &str) -> ValeurSaisie {
    ValeurSaisie {
        indicateur_id: indicateur.into(),
        annee,
        valeur: valeur.into(),
        source: source.into(),
        date_source: NaiveDate::from_ymd_opt(2024, 3, 31).unwrap(),
    }
}

deux_bases!(
    valeurs_saisies_historique_et_journal,
    |store: Store| async move {
        let agent = instructeur();
        let eq = "equipements-connectes";
        let n = store
            .saisir_indicateur(
                &agent,
                Niveau::Departement,
                "16",
                &saisie(eq, 2023, "120", "Bilan 2023"),
            )
            .await
            .unwrap();
        assert_eq!(n, None, "première saisie");
        store
            .saisir_indicateur(
                &agent,
                Niveau::Departement,
                "16",
                &saisie(eq, 2024, "140", "Bilan 2024"),
            )
            .await
            .unwrap();
        store
            .saisir_indicateur(
                &agent,
                Niveau::Epci,
                "200071827",
                &saisie(eq, 2023, "12", "EPCI"),
            )
            .await
            .unwrap();
        // Une nouvelle saisie de la même année remplace la précédente, rendue.
        let avant = store
            .saisir_indicateur(
                &demandeur(),
                Niveau::Departement,
                "16",
                &saisie(eq, 2023, "150.5", "Bilan 2023 corrigé"),
            )
            .await
            .unwrap()
            .expect("valeur remplacée");
        assert_eq!(
            (avant.valeur.as_str(), avant.source.as_str()),
            ("120", "Bilan 2023")
        );
        assert_eq!(avant.saisi_par, agent.journal());

        let v = store
            .indicateurs_saisis(Niveau::Departement, "16")
            .await
            .unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].annee, v[0].valeur.as_str()), (2023, "150.5"));
        assert_eq!(v[0].source, "Bilan 2023 corrigé");
        assert_eq!(v[0].saisi_par, demandeur().journal());
        assert_eq!(
            v[0].date_source,
            NaiveDate::from_ymd_opt(2024, 3, 31).unwrap()
        );
        assert_eq!((v[1].annee, v[1].valeur.as_str()), (2024, "140"));
        assert!(store
            .indicateurs_saisis(Niveau::Departement, "17")
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            store
                .indicateurs_saisis(Niveau::Epci, "200071827")
                .await
                .unwrap()
                .len(),
            1
        );

        // L'ancienne valeur reste dans le journal (avant/après), dans l'ordre.
        let objet = objet_indicateur(Niveau::Departement, "16", eq, 2023);
        assert_eq!(objet, "departement/16/equipements-connectes/2023");
        let j = store.journal_objet(OBJET_INDICATEUR, &objet).await.unwrap();
        assert_eq!(j.len(), 2);
        assert_eq!(j[0].contenu.action, "saisir_indicateur");
        assert_eq!(j[0].contenu.avant, None);
        assert!(j[0]
            .contenu
            .apres
            .as_deref()
            .unwrap()
            .contains("\"valeur\":\"120\""));
        assert_eq!(j[1].contenu.action, "corriger_indicateur");
        assert!(j[1]
            .contenu
            .avant
            .as_deref()
            .unwrap()
            .contains("\"valeur\":\"120\""));
        assert!(j[1]
            .contenu
            .apres
            .as_deref()
            .unwrap()
            .contains("\"valeur\":\"150.5\""));
        assert_eq!(j[1].contenu.acteur, demandeur().journal());
        store.verifier_journal().await.unwrap();
    }
);

/// Une organisation située au code postal donné et son dossier de charte, signé le jour
/// `signe_le` (puis retiré le jour `retire_le`, s'il est donné).
async fn signataire(
    store: &Store,
    suffixe: &str,
    code_postal: &str,
    commune: &str,
    signe_le: DateTime<Utc>,
    retire_le: Option<DateTime<Utc>>,
) {
    let d = signataire_de_charte(
        store,
        &demandeur(),
        &instructeur(),
        suffixe,
        code_postal,
        commune,
        signe_le,
    )
    .await;
    if let Some(t) = retire_le {
        store
            .agir(
                &catalogue(),
                &d.id,
                &Acteur::new("admin", Role::Administrateur),
                &Action::Retirer {
                    motif: "Démarche arrêtée.".into(),
                },
                t,
            )
            .await
            .unwrap();
    }
}

fn le(a: i32, m: u32, j: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(a, m, j, 10, 0, 0).unwrap()
}

deux_bases!(
    titres_et_lieux_dates_pour_les_indicateurs,
    |store: Store| async move {
        signataire(&store, "a", "16000", "Angoulême", le(2021, 3, 1), None).await;
        signataire(
            &store,
            "b",
            "16100",
            "Cognac",
            le(2020, 2, 1),
            Some(le(2022, 6, 1)),
        )
        .await;
        signataire(&store, "c", "17000", "La Rochelle", le(2022, 1, 10), None).await;
        let titres = store.titres_territoriaux().await.unwrap();
        assert_eq!(titres.len(), 3);
        let b = titres
            .iter()
            .find(|t| t.organisation_id == "org-b")
            .unwrap();
        assert_eq!(b.referentiel_id, CHARTE);
        assert!(!b.en_cours);
        assert_eq!(b.debut, NaiveDate::from_ymd_opt(2020, 2, 1));
        assert_eq!(b.fin, NaiveDate::from_ymd_opt(2022, 6, 1));
        let a = titres
            .iter()
            .find(|t| t.organisation_id == "org-a")
            .unwrap();
        assert!(a.en_cours && a.fin.is_none());
        assert_eq!(
            (a.code_postal.as_str(), a.commune.as_str()),
            ("16000", "Angoulême")
        );

        // Lieux, avec leur date d'import.
        let octets = std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../donnees/lieux/exemple-valide-v1.0.2.csv"),
        )
        .unwrap();
        let lot = lire(&octets, Format::Csv).unwrap();
        store
            .importer_lieux(
                &Acteur::new("cli", Role::Systeme),
                "exemple",
                &lot,
                &|_, _| {},
            )
            .await
            .unwrap();
        let champs = ReferentielIndicateurs::embarque().champs_des_lieux();
        let lieux = store.lieux_dates(&champs).await.unwrap();
        assert!(lieux
            .iter()
            .all(|(_, e, _)| e.keys().all(|k| champs.contains(k)) && e.contains_key("code_insee")));
        assert_eq!(lieux.len(), lot.len());
        let aujourd_hui = Utc::now().date_naive();
        assert!(lieux
            .iter()
            .all(|(s, _, d)| s == "exemple" && *d == Some(aujourd_hui)));

        // Les indicateurs calculés en sortent, année par année.
        let d = DonneesPlateforme::situer(lieux, titres, Territoires::embarque());
        let c = Calcul::SignatairesCharte {
            referentiel: CHARTE.into(),
        };
        let r = calculer(&c, Niveau::Departement, "16", &d, 2019..=2023, aujourd_hui);
        assert_eq!(r.actuel, 1, "Cognac a été retiré");
        assert_eq!(
            r.par_annee,
            vec![(2019, 0), (2020, 1), (2021, 2), (2022, 1), (2023, 1)]
        );
        let r = calculer(&c, Niveau::Region, "75", &d, 2024..=2024, aujourd_hui);
        assert_eq!(r.actuel, 2, "La Rochelle est aussi en Nouvelle-Aquitaine");
        let r = calculer(
            &Calcul::LieuxCartographies,
            Niveau::Commune,
            "51454",
            &d,
            aujourd_hui.year()..=aujourd_hui.year(),
            aujourd_hui,
        );
        assert_eq!(
            r.actuel, 1,
            "le lieu de l'exemple officiel est à Reims (code INSEE)"
        );
    }
);
