//! Conditions vérifiées (issue 15) : licence de la liste admise et matériel publié, déclaration
//! d'intérêt général justifiée, retour de terrain avec un partenaire local nommé, preuves exigées
//! par critère ; au dépôt et de nouveau à l'octroi. Vrais fichiers du dépôt ; attendus écrits à
//! la main.

use crate::commun;

use chrono::{TimeZone, Utc};
use commun::dossier_complet;
use reperes_domain::catalogue::charger;
use reperes_domain::charte::{valider_rapport, SaisieRapport};
use reperes_domain::dossier::regles::{completude, verifier_octroi};
use reperes_domain::dossier::{
    appliquer, modifier, Action, Appreciation, Etat, Modification, Refus, RetourTerrain, Role,
};
use reperes_domain::referentiel::PreuveExigee;
use reperes_domain::Dossier;

fn regles(m: &[reperes_domain::dossier::regles::Manque]) -> Vec<(String, Option<String>)> {
    m.iter()
        .map(|m| (m.regle.clone(), m.critere.clone()))
        .collect()
}

fn retour_complet() -> RetourTerrain {
    RetourTerrain {
        partenaire: "Médiathèque de Belleville".into(),
        type_partenaire: "Collectivité".into(),
        commune: "Lyon".into(),
        identifiant: String::new(),
        description: "Expérimentation de six mois avec les médiateurs.".into(),
        preuve: "https://exemple.fr/compte-rendu".into(),
    }
}

#[test]
fn ouverture_exige_une_licence_de_la_liste_d323_2_1_et_le_lien_du_materiel() {
    let r = commun::referentiel_du_depot("nec-2021");
    let d = dossier_complet(&r, 1);
    assert_eq!(completude(&r, &d), vec![]);

    // Pas de licence ni de lien.
    let mut x = d.clone();
    let o = x.criteres.get_mut("ouverture").unwrap();
    o.licence = None;
    o.materiel = None;
    let m = completude(&r, &x);
    assert_eq!(
        regles(&m),
        [("preuve_licence".to_string(), Some("ouverture".to_string()))]
    );
    assert_eq!(
        m[0].message,
        "« Ouverture » : choisissez la licence du matériel publié dans la liste admise et donnez le lien (https://…) vers ce matériel"
    );

    // Une licence hors de la liste (enregistrée autrement que par le formulaire).
    let mut x = d.clone();
    x.criteres.get_mut("ouverture").unwrap().licence = Some("CC-BY-NC-SA-4.0".into());
    let m = completude(&r, &x);
    assert_eq!(
        m[0].message,
        "« Ouverture » : la licence « CC-BY-NC-SA-4.0 » n'est pas dans la liste admise ; choisissez-en une de la liste"
    );

    // Licence admise, mais pas de lien vers le matériel.
    let mut x = d.clone();
    x.criteres.get_mut("ouverture").unwrap().materiel = None;
    let m = completude(&r, &x);
    assert_eq!(
        m[0].message,
        "« Ouverture » : donnez le lien (https://…) vers le matériel publié sous licence"
    );
}

#[test]
fn la_licence_se_choisit_dans_la_liste_du_critere() {
    let r = commun::referentiel_du_depot("nec-2021");
    let d = dossier_complet(&r, 1);
    let licence = |critere: &str, l: &str, m: &str| {
        modifier(
            &d,
            &r,
            Role::Demandeur,
            &Modification::Licence {
                critere: critere.into(),
                licence: Some(l.into()),
                materiel: Some(m.into()),
            },
        )
    };
    // Un alias est ramené à l'identifiant de la liste.
    let x = licence(
        "ouverture",
        "gpl-3.0-or-later",
        "https://forge.exemple.fr/outil",
    )
    .unwrap();
    let o = x.reponse("ouverture").unwrap();
    assert_eq!(o.licence.as_deref(), Some("GPL-3.0-only"));
    assert_eq!(
        o.materiel.as_deref(),
        Some("https://forge.exemple.fr/outil")
    );
    assert_eq!(
        licence("ouverture", "CC-BY-NC-SA-4.0", "https://exemple.fr").unwrap_err(),
        Refus::LicenceNonAdmise("CC-BY-NC-SA-4.0".into())
    );
    // CC BY n'est pas dans la liste de l'article D323-2-1 : refusée pour NEC 2021.
    assert_eq!(
        licence("ouverture", "CC-BY-4.0", "https://exemple.fr").unwrap_err(),
        Refus::LicenceNonAdmise("CC-BY-4.0".into())
    );
    assert_eq!(
        licence("ouverture", "MIT", "http://exemple.fr").unwrap_err(),
        Refus::MaterielInvalide("http://exemple.fr".into())
    );
    assert_eq!(
        licence("accessibilite", "MIT", "https://exemple.fr").unwrap_err(),
        Refus::LicenceNonPrevue("Accessibilité".into())
    );
}

#[test]
fn label_2019_niveau_2_accepte_creative_commons_pour_les_contenus_seulement() {
    let r = commun::referentiel_du_depot("numerique-inclusif-2019");
    let d = dossier_complet(&r, 2);
    let m = |critere: &str, l: &str| Modification::Licence {
        critere: critere.into(),
        licence: Some(l.into()),
        materiel: Some("https://exemple.fr/contenus".into()),
    };
    let x = modifier(
        &d,
        &r,
        Role::Demandeur,
        &m("contenu_sous_licence", "CC-BY-4.0"),
    )
    .unwrap();
    assert_eq!(
        x.reponse("contenu_sous_licence")
            .unwrap()
            .licence
            .as_deref(),
        Some("CC-BY-4.0")
    );
    // Les variantes NC ne sont pas des licences ouvertes (interprétation marquée OUVERT).
    assert_eq!(
        modifier(
            &d,
            &r,
            Role::Demandeur,
            &m("contenu_sous_licence", "CC-BY-NC-4.0")
        )
        .unwrap_err(),
        Refus::LicenceNonAdmise("CC-BY-NC-4.0".into())
    );
    // Les données ouvertes (niveau 1) restent à la liste de l'article D323-2-1.
    assert_eq!(
        modifier(&d, &r, Role::Demandeur, &m("donnees_ouvertes", "CC-BY-4.0")).unwrap_err(),
        Refus::LicenceNonAdmise("CC-BY-4.0".into())
    );
}

#[test]
fn interet_general_declare_et_justifie() {
    let r = commun::referentiel_du_depot("nec-2021");
    let d = dossier_complet(&r, 1);
    assert_eq!(completude(&r, &d), vec![]);

    let mut x = d.clone();
    x.justifications.clear();
    let m = completude(&r, &x);
    assert_eq!(regles(&m), [("interet_general".to_string(), None)]);
    assert_eq!(
        m[0].message,
        "déclaration à justifier : précisez en 40 caractères au moins (0 saisis) ce qui la fonde"
    );
    x.justifications
        .insert("interet_general".into(), "x".repeat(39));
    assert_eq!(completude(&r, &x).len(), 1);
    x.justifications
        .insert("interet_general".into(), "x".repeat(40));
    assert_eq!(completude(&r, &x), vec![]);

    // Déclaration « non » : le message de l'annexe 2.A.
    let mut x = d.clone();
    x.declarations.insert("interet_general".into(), false);
    let m = completude(&r, &x);
    assert_eq!(regles(&m), [("interet_general".to_string(), None)]);
    assert_eq!(
        m[0].message,
        "Pour être éligible, un dispositif doit concourir à des objectifs d'inclusion numérique et à des missions d'intérêt général (annexe, 2.A)."
    );

    // Une justification n'est acceptée que pour une déclaration qui en demande une.
    assert_eq!(
        modifier(
            &d,
            &r,
            Role::Demandeur,
            &Modification::Justification {
                id: "retour_terrain".into(),
                texte: "texte".into()
            }
        )
        .unwrap_err(),
        Refus::JustificationNonPrevue("retour_terrain".into())
    );
}

#[test]
fn retour_de_terrain_avec_un_partenaire_local_nomme() {
    let r = commun::referentiel_du_depot("nec-2021");
    let d = dossier_complet(&r, 1);
    let mut x = d.clone();
    x.retour_terrain = None;
    let m = completude(&r, &x);
    assert_eq!(regles(&m), [("retour_terrain".to_string(), None)]);
    assert_eq!(
        m[0].message,
        "retour d'expérience de terrain avec un partenaire local : indiquez le nom du partenaire local, son type, la description du retour, un lien https:// vers une preuve"
    );
    x.retour_terrain = Some(RetourTerrain {
        partenaire: String::new(),
        ..retour_complet()
    });
    assert_eq!(
        completude(&r, &x)[0].message,
        "retour d'expérience de terrain avec un partenaire local : indiquez le nom du partenaire local"
    );

    let retour = |rt: RetourTerrain| {
        modifier(
            &d,
            &r,
            Role::Demandeur,
            &Modification::RetourTerrain { retour: Some(rt) },
        )
    };
    let ok = retour(RetourTerrain {
        identifiant: "W 751 000 017".into(),
        ..retour_complet()
    })
    .unwrap();
    assert_eq!(ok.retour_terrain.unwrap().identifiant, "W751000017");
    assert_eq!(
        retour(RetourTerrain {
            identifiant: "12345".into(),
            ..retour_complet()
        })
        .unwrap_err()
        .to_string(),
        "Retour d'expérience de terrain : l'identifiant « 12345 » n'est ni un SIRET (14 chiffres) ni un numéro RNA (W suivi de 9 chiffres)."
    );
    assert_eq!(
        retour(RetourTerrain {
            preuve: "http://exemple.fr".into(),
            ..retour_complet()
        })
        .unwrap_err()
        .to_string(),
        "Retour d'expérience de terrain : le lien vers la preuve « http://exemple.fr » doit commencer par https://."
    );
    // Un référentiel sans cette déclaration refuse le retour.
    let charte = commun::referentiel_du_depot("charte-territoire-actions");
    let dc = dossier_complet(&charte, 1);
    assert_eq!(
        modifier(
            &dc,
            &charte,
            Role::Demandeur,
            &Modification::RetourTerrain {
                retour: Some(retour_complet())
            }
        )
        .unwrap_err(),
        Refus::RetourTerrainNonPrevu
    );
}

/// Un dossier déposé, dont chaque critère obligatoire est apprécié satisfait.
fn apprecie(r: &reperes_domain::Referentiel, d: &Dossier) -> Dossier {
    let mut x = d.clone();
    x.etat = Etat::EnInstruction;
    for c in r.criteres_obligatoires(1) {
        x.criteres.get_mut(&c.id).unwrap().appreciation = Some(Appreciation {
            niveau: Some(1),
            commentaire: String::new(),
        });
    }
    x
}

#[test]
fn l_octroi_re_verifie_le_partenaire_et_l_interet_general() {
    let r = commun::referentiel_du_depot("nec-2021");
    let d = apprecie(&r, &dossier_complet(&r, 1));
    assert_eq!(verifier_octroi(&r, &d, 1), vec![]);

    let mut x = d.clone();
    x.retour_terrain.as_mut().unwrap().partenaire = String::new();
    let m = verifier_octroi(&r, &x, 1);
    assert_eq!(regles(&m), [("retour_terrain".to_string(), None)]);
    let refus = appliquer(
        &x,
        &r,
        Role::Instructeur,
        &Action::Labelliser {
            niveau: 1,
            motivation: "Conforme.".into(),
        },
        Utc.with_ymd_and_hms(2025, 3, 1, 10, 0, 0).unwrap(),
    )
    .unwrap_err();
    assert_eq!(
        refus.to_string(),
        "Le label ne peut pas être accordé à ce niveau : retour d'expérience de terrain avec un partenaire local : indiquez le nom du partenaire local."
    );

    let mut x = d.clone();
    x.justifications.clear();
    x.declarations.insert("interet_general".into(), false);
    let m = verifier_octroi(&r, &x, 1);
    assert_eq!(
        regles(&m),
        [
            ("interet_general".to_string(), None),
            ("interet_general".to_string(), None)
        ]
    );
}

#[test]
fn preuves_exigees_lien_et_document_pilotees_par_le_fichier() {
    let mut r = commun::referentiel_du_depot("nec-2021");
    let d = dossier_complet(&r, 1);
    let securite = r.criteres.iter_mut().find(|c| c.id == "securite").unwrap();
    securite.preuves_exigees = vec![PreuveExigee::Lien, PreuveExigee::Document];
    let m = completude(&r, &d);
    assert_eq!(
        m.iter().map(|m| m.message.as_str()).collect::<Vec<_>>(),
        ["« Sécurité » : joignez au moins un document"]
    );
    let mut x = d.clone();
    x.criteres.get_mut("securite").unwrap().liens.clear();
    x.criteres.get_mut("securite").unwrap().fichiers = vec!["f1".into()];
    let m = completude(&r, &x);
    assert_eq!(
        m.iter().map(|m| m.message.as_str()).collect::<Vec<_>>(),
        ["« Sécurité » : donnez au moins un lien (https://…)"]
    );
}

#[test]
fn rapport_de_charte_cc_by_accepte_cc_by_nc_sa_refuse() {
    let r = commun::referentiel_du_depot("charte-territoire-actions");
    let jour = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let saisie = |licence: &str| SaisieRapport {
        annee: "2025".into(),
        titre: "Bilan 2025".into(),
        demarche: "Comité de pilotage trimestriel.".into(),
        impact: "1 200 personnes accompagnées.".into(),
        retours_outils: "PIX : parcours adapté.".into(),
        licence: licence.into(),
    };
    let ok = valider_rapport(
        &saisie("CC-BY-4.0"),
        &r.licences,
        jour("2024-03-15"),
        jour("2025-06-01"),
    )
    .unwrap();
    assert_eq!(ok.licence, "CC-BY-4.0");
    assert!(valider_rapport(
        &saisie("etalab-2.0"),
        &r.licences,
        jour("2024-03-15"),
        jour("2025-06-01")
    )
    .is_ok());
    let e = valider_rapport(
        &saisie("CC-BY-NC-SA-4.0"),
        &r.licences,
        jour("2024-03-15"),
        jour("2025-06-01"),
    )
    .unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].champ, "licence");
    assert_eq!(
        e[0].message,
        "La licence « CC-BY-NC-SA-4.0 » n'est pas admise pour les livrables de la charte : choisissez une licence de la liste (article D323-2-1 du CRPA, ou Creative Commons ouverte). Une licence qui interdit l'usage commercial ou la modification (NC, ND) ne permet pas la réutilisation par d'autres territoires."
    );
}

#[test]
fn le_chargement_refuse_une_liste_de_licences_inconnue_ou_manquante() {
    let mut fichiers = commun::fichiers();
    let (_, nec) = fichiers
        .iter_mut()
        .find(|(n, _)| n == "label-nec-2021.toml")
        .unwrap();
    *nec = nec.replace(
        "licences_admises = [\"licences-d323-2-1\"]",
        "licences_admises = [\"licences-inconnues\"]",
    );
    let e = charger(&fichiers).unwrap_err().to_string();
    assert!(
        e.contains("liste de licences « licences-inconnues » inconnue"),
        "{e}"
    );

    let mut fichiers = commun::fichiers();
    let (_, nec) = fichiers
        .iter_mut()
        .find(|(n, _)| n == "label-nec-2021.toml")
        .unwrap();
    *nec = nec.replace("licences_admises = [\"licences-d323-2-1\"]\n", "");
    let e = charger(&fichiers).unwrap_err().to_string();
    assert!(e.contains("ce critère exige une licence"), "{e}");
}
