//! Grille d'horaires de l'éditeur (issue 16) sur les horaires réels des jeux `donnees/lieux/` :
//! chaque texte représentable se relit en grille, et la grille réécrite en OSM ouvre et ferme
//! exactement aux mêmes instants (une semaine, par quart d'heure) que le texte d'origine.

use chrono::{Duration, NaiveDate};
use reperes_domain::horaires::Horaires;
use reperes_domain::lieux::grille_horaires::Grille;

#[test]
fn les_horaires_reels_font_l_aller_retour_par_la_grille() {
    let valeurs = super::horaires::valeurs_reelles();
    assert!(valeurs.len() > 100, "{} valeurs", valeurs.len());
    let debut = NaiveDate::from_ymd_opt(2024, 3, 4)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let mut representables = 0;
    for (fichier, texte) in &valeurs {
        let Some(grille) = Grille::depuis_osm(texte) else {
            continue;
        };
        representables += 1;
        let reecrit = grille
            .en_osm()
            .unwrap_or_else(|e| panic!("{fichier} « {texte} » : {e:?}"))
            .unwrap_or_else(|| panic!("{fichier} « {texte} » : grille vide"));
        let (a, b) = (
            Horaires::analyser(texte).unwrap(),
            Horaires::analyser(&reecrit).unwrap(),
        );
        for q in 0..7 * 24 * 4 {
            let t = debut + Duration::minutes(15 * q);
            assert_eq!(
                a.est_ouvert(t),
                b.est_ouvert(t),
                "{fichier} « {texte} » → « {reecrit} » à {t}"
            );
        }
        // La grille se relit elle-même à l'identique.
        assert_eq!(Grille::depuis_osm(&reecrit).as_ref(), Some(&grille));
    }
    // Presque tous les horaires réels sont représentables dans la grille.
    assert!(
        representables * 10 >= valeurs.len() * 9,
        "{representables} sur {}",
        valeurs.len()
    );
}
