//! Validation d'un fichier d'indicateurs : en-tête, axes, indicateurs et leurs calculs ; avec les
//! autres référentiels chargés, la charte que nomme un calcul doit exister.

use std::collections::BTreeSet;

use super::{Calcul, Mode, ReferentielIndicateurs};
use crate::referentiel::{
    identifiant_valide, message_identifiant, verifier_entete, Chemin, ErreurReferentiel, Nature,
    Rapport, Referentiel,
};

/// Valide un référentiel d'indicateurs. `referentiels` : les labels et chartes chargés avec lui,
/// pour vérifier qu'une charte nommée par un calcul existe (contrôle sauté si `None`).
pub fn valider(
    r: &ReferentielIndicateurs,
    referentiels: Option<&[Referentiel]>,
    fichier: &str,
    texte: &str,
) -> Vec<ErreurReferentiel> {
    let mut rp = Rapport::new(fichier, texte);
    let racine = Chemin::default();
    if r.nature != Nature::Indicateurs {
        rp.erreur(
            &racine.cle("nature"),
            "nature inattendue : « indicateurs » attendue",
        );
    }
    verifier_entete(&r.id, &r.version, &r.nom, &r.validite, &mut rp);
    if !(2000..=2100).contains(&r.saisie.annee_min) {
        rp.erreur(
            &racine.cle("saisie").cle("annee_min"),
            "l'année minimale des saisies doit être comprise entre 2000 et 2100",
        );
    }
    if r.axes.is_empty() {
        rp.erreur(&racine.cle("axes"), "au moins un axe est requis");
    }
    let mut numeros = BTreeSet::new();
    for (i, a) in r.axes.iter().enumerate() {
        if !numeros.insert(a.numero) {
            rp.erreur(
                &racine.cle("axes").indice(i).cle("numero"),
                format!("axe n° {} en double", a.numero),
            );
        }
        if a.libelle.trim().is_empty() {
            rp.erreur(
                &racine.cle("axes").indice(i).cle("libelle"),
                "le libellé de l'axe ne peut pas être vide",
            );
        }
        if !r.indicateurs.iter().any(|x| x.axe == a.numero) {
            rp.erreur(
                &racine.cle("axes").indice(i),
                format!("l'axe n° {} n'a aucun indicateur", a.numero),
            );
        }
    }
    let mut ids = BTreeSet::new();
    for (i, ind) in r.indicateurs.iter().enumerate() {
        let ici = |cle: &'static str| racine.cle("indicateurs").indice(i).cle(cle);
        if !identifiant_valide(&ind.id) {
            rp.erreur(&ici("id"), message_identifiant(&ind.id));
        }
        if !ids.insert(ind.id.as_str()) {
            rp.erreur(
                &ici("id"),
                format!("identifiant « {} » en double dans `indicateurs`", ind.id),
            );
        }
        if !numeros.contains(&ind.axe) {
            rp.erreur(&ici("axe"), format!("axe n° {} inconnu", ind.axe));
        }
        if ind.libelle.trim().is_empty() {
            rp.erreur(&ici("libelle"), "le libellé ne peut pas être vide");
        }
        if ind.unite.trim().is_empty() {
            rp.erreur(&ici("unite"), "l'unité ne peut pas être vide");
        }
        if let Some(m) = ind.maximum {
            if !(m.is_finite() && m > 0.0) {
                rp.erreur(&ici("maximum"), "le maximum doit être un nombre positif");
            }
        }
        match (ind.mode, &ind.calcul) {
            (Mode::Calcule, None) => rp.erreur(
                &ici("mode"),
                "un indicateur calculé doit nommer son calcul (table `calcul`, clé `nom`)",
            ),
            (Mode::Saisi, Some(_)) => rp.erreur(
                &ici("calcul"),
                "un indicateur saisi n'a pas de calcul (retirez la table `calcul` ou passez le mode à « calcule »)",
            ),
            _ => {}
        }
        if ind.mode == Mode::Calcule && ind.methode.as_deref().is_none_or(|m| m.trim().is_empty()) {
            rp.erreur(
                &ici("methode"),
                "un indicateur calculé doit expliquer sa méthode (clé `methode`)",
            );
        }
        match &ind.calcul {
            Some(Calcul::LieuxAvecProgramme { champs, valeurs }) => {
                if champs.iter().all(|c| c.trim().is_empty()) {
                    rp.erreur(
                        &racine
                            .cle("indicateurs")
                            .indice(i)
                            .cle("calcul")
                            .cle("champs"),
                        "au moins un champ des lieux à examiner est requis",
                    );
                }
                if valeurs.iter().all(|v| v.trim().is_empty()) {
                    rp.erreur(
                        &racine
                            .cle("indicateurs")
                            .indice(i)
                            .cle("calcul")
                            .cle("valeurs"),
                        "au moins une valeur est requise",
                    );
                }
            }
            Some(Calcul::SignatairesCharte { referentiel }) => {
                if let Some(refs) = referentiels {
                    if !refs
                        .iter()
                        .any(|x| x.id == *referentiel && x.nature == Nature::Charte)
                    {
                        rp.erreur(
                            &racine
                                .cle("indicateurs")
                                .indice(i)
                                .cle("calcul")
                                .cle("referentiel"),
                            format!("charte « {referentiel} » inconnue des référentiels"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    rp.erreurs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicateurs::INDICATEURS_CTIN;

    #[test]
    fn fichiers_casses() {
        let bon = INDICATEURS_CTIN;
        let erreurs = |texte: &str| -> Vec<String> {
            ReferentielIndicateurs::depuis_toml("x.toml", texte)
                .unwrap_err()
                .iter()
                .map(|e| e.to_string())
                .collect()
        };
        let e = erreurs(&bon.replacen("axe = 7", "axe = 8", 1));
        assert!(e.iter().any(|m| m.contains("axe n° 8 inconnu")), "{e:?}");
        assert!(
            e.iter()
                .any(|m| m.contains("l'axe n° 7 n'a aucun indicateur")),
            "{e:?}"
        );
        let e = erreurs(&bon.replacen("nom = \"lieux_cartographies\"", "nom = \"inconnu\"", 1));
        assert!(e[0].contains("TOML invalide"), "{e:?}");
        let e = erreurs(&bon.replacen("mode = \"saisi\"", "mode = \"calcule\"", 1));
        assert!(
            e.iter().any(|m| m.contains("doit nommer son calcul")),
            "{e:?}"
        );
        assert!(e[0].contains("ligne"), "position donnée : {e:?}");
        let e = erreurs(&bon.replacen(
            "id = \"cartographie-acteurs\"",
            "id = \"organismes-promotion-lieux\"",
            1,
        ));
        assert!(e.iter().any(|m| m.contains("en double")), "{e:?}");
        // Contrôle croisé : la charte nommée doit exister.
        let r: ReferentielIndicateurs = toml::from_str(bon).unwrap();
        let e = valider(&r, Some(&[]), "x.toml", bon);
        assert!(
            e.iter().any(|x| x
                .message
                .contains("charte « charte-territoire-actions » inconnue")),
            "{e:?}"
        );
    }
}
