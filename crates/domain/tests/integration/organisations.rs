//! Saisie d'une organisation et d'un dispositif : analyse, erreurs rattachées à leur champ.

use crate::commun;

use reperes_domain::organisation::{Adresse, Dispositif, SaisieOrganisation};
use reperes_domain::{Dossier, Refus};

fn saisie(type_organisation: &str, siret: &str, rna: &str) -> SaisieOrganisation {
    SaisieOrganisation {
        nom: "  Les Connectés  ".into(),
        type_organisation: type_organisation.into(),
        siret: siret.into(),
        rna: rna.into(),
        adresse: Adresse {
            voie: "3 rue des Jacobins".into(),
            code_postal: "80000".into(),
            commune: "Amiens".into(),
        },
    }
}

fn champs(
    r: Result<reperes_domain::organisation::Organisation, Vec<reperes_domain::saisie::ErreurChamp>>,
) -> Vec<&'static str> {
    r.err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.champ)
        .collect()
}

#[test]
fn association_avec_rna_ou_siret() {
    let c = commun::catalogue();
    let o = saisie("association", "", "w802001234")
        .analyser("o1".into(), &c)
        .unwrap();
    assert_eq!(o.nom, "Les Connectés");
    assert_eq!(o.rna.unwrap().as_str(), "W802001234");
    assert!(saisie("association", "732 829 320 00074", "")
        .analyser("o2".into(), &c)
        .is_ok());
    assert_eq!(
        champs(saisie("association", "", "").analyser("o3".into(), &c)),
        ["siret"]
    );
}

#[test]
fn entreprise_exige_un_siret_valide_et_pas_de_rna() {
    let c = commun::catalogue();
    assert!(saisie("entreprise", "73282932000074", "")
        .analyser("o".into(), &c)
        .is_ok());
    assert_eq!(
        champs(saisie("entreprise", "", "W802001234").analyser("o".into(), &c)),
        ["siret", "rna"]
    );
    let e = saisie("entreprise", "73282932000075", "")
        .analyser("o".into(), &c)
        .unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].champ, "siret");
    assert!(
        e[0].message
            .starts_with("Ce SIRET n'est pas valide : un chiffre est sans doute mal recopié"),
        "{}",
        e[0].message
    );
    // Longueur et caractères : la cause est dite, en mots simples, au champ.
    let e = saisie("entreprise", "7328293200007", "")
        .analyser("o".into(), &c)
        .unwrap_err();
    assert_eq!(e[0].champ, "siret");
    assert!(
        e[0].message
            .contains("il compte 13 chiffre(s), 14 sont attendus (un chiffre manque sans doute"),
        "{}",
        e[0].message
    );
    let e = saisie("entreprise", "732 829 320 0007a", "")
        .analyser("o".into(), &c)
        .unwrap_err();
    assert!(
        e[0].message.contains("« a » n'en est pas un"),
        "{}",
        e[0].message
    );
}

#[test]
fn toutes_les_erreurs_d_un_coup() {
    let c = commun::catalogue();
    let mut s = saisie("inconnu", "123", "W1");
    s.nom = " ".into();
    s.adresse.code_postal = "8000".into();
    s.adresse.commune = String::new();
    let mut ch = champs(s.analyser("o".into(), &c));
    ch.sort();
    assert_eq!(
        ch,
        [
            "code_postal",
            "commune",
            "nom",
            "rna",
            "siret",
            "type_organisation"
        ]
    );
}

#[test]
fn dispositif_verifie() {
    let c = commun::catalogue();
    let mut d = Dispositif {
        id: "d".into(),
        organisation_id: "o".into(),
        nom: "Kit".into(),
        type_dispositif: "numerique".into(),
        description: String::new(),
        site: Some("https://kit.example".into()),
    };
    assert!(d.verifier(&c).is_ok());
    d.type_dispositif = "logiciel".into();
    d.site = Some("ftp://kit".into());
    d.nom = String::new();
    let e: Vec<_> = d
        .verifier(&c)
        .unwrap_err()
        .into_iter()
        .map(|e| e.champ)
        .collect();
    assert_eq!(e, ["nom", "type_dispositif", "site"]);
}

#[test]
fn un_dossier_ne_porte_que_sur_un_dispositif_de_l_organisation() {
    let c = commun::catalogue();
    let o = saisie("association", "", "W802001234")
        .analyser("o1".into(), &c)
        .unwrap();
    let d = Dispositif {
        id: "d".into(),
        organisation_id: "autre".into(),
        nom: "Kit".into(),
        type_dispositif: "numerique".into(),
        description: String::new(),
        site: None,
    };
    let r = commun::referentiel(&c, "nec-2022");
    assert_eq!(
        Dossier::nouveau("x".into(), r, &o, &d, 1),
        Err(Refus::DispositifEtranger)
    );
    let d = Dispositif {
        organisation_id: "o1".into(),
        ..d
    };
    assert_eq!(
        Dossier::nouveau("x".into(), r, &o, &d, 3),
        Err(Refus::NiveauInconnu(3))
    );
    let dossier = Dossier::nouveau("x".into(), r, &o, &d, 2).unwrap();
    assert_eq!(
        (
            dossier.type_demandeur.as_str(),
            dossier.type_dispositif.as_str()
        ),
        ("association", "numerique")
    );
}
