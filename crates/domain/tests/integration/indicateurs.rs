//! Le référentiel des indicateurs CTIN se charge avec les autres référentiels du dépôt, identique
//! à la copie embarquée ; ses contrôles croisés et ses erreurs sont situés.

use crate::commun;

use reperes_domain::charger;
use reperes_domain::indicateurs::{Calcul, Mode, ReferentielIndicateurs};

#[test]
fn le_catalogue_du_depot_porte_les_indicateurs_ctin() {
    let c = commun::catalogue();
    assert_eq!(c.indicateurs.len(), 1);
    let r = &c.indicateurs[0];
    assert_eq!(r, ReferentielIndicateurs::embarque());
    assert_eq!((r.axes.len(), r.indicateurs.len()), (7, 11));
    // Chaque axe a ses indicateurs ; chaque calcul nommé est connu.
    for a in &r.axes {
        assert!(r.indicateurs_de(a.numero).count() >= 1, "axe {}", a.numero);
    }
    let calculs: Vec<&str> = r
        .indicateurs
        .iter()
        .filter(|i| i.mode == Mode::Calcule)
        .map(|i| i.calcul.as_ref().unwrap().nom())
        .collect();
    assert_eq!(
        calculs,
        vec![
            "organismes_promotion",
            "lieux_cartographies",
            "lieux_avec_programme",
            "signataires_charte"
        ]
    );
    assert_eq!(
        r.indicateur("signataires-charte").unwrap().calcul,
        Some(Calcul::SignatairesCharte {
            referentiel: "charte-territoire-actions".into()
        })
    );
}

#[test]
fn la_charte_nommee_doit_exister_dans_le_catalogue() {
    let fichiers: Vec<(String, String)> = commun::fichiers()
        .into_iter()
        .filter(|(nom, _)| !nom.starts_with("charte-"))
        .collect();
    let e = charger(&fichiers).unwrap_err().to_string();
    assert!(
        e.contains("indicateurs-ctin.toml, ligne")
            && e.contains("charte « charte-territoire-actions » inconnue des référentiels"),
        "{e}"
    );
}

#[test]
fn un_calcul_inconnu_est_refuse_en_francais() {
    let mut fichiers = commun::fichiers();
    for (nom, texte) in fichiers.iter_mut() {
        if nom == "indicateurs-ctin.toml" {
            *texte = texte.replacen(
                "nom = \"lieux_cartographies\"",
                "nom = \"lieux_imaginaires\"",
                1,
            );
        }
    }
    let e = charger(&fichiers).unwrap_err().to_string();
    assert!(
        e.contains("indicateurs-ctin.toml") && e.contains("valeur inconnue"),
        "{e}"
    );
}
