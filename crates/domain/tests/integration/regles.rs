//! Tables de cas d'éligibilité et de complétude, lues dans les vrais référentiels : un cas par règle.

use crate::commun;

use commun::{dossier_complet, situation_complete};
use reperes_domain::dossier::regles::{completude, eligibilite};
use reperes_domain::dossier::ReponseCritere;
use reperes_domain::referentiel::Regle;

#[test]
fn table_eligibilite_une_regle_a_la_fois() {
    let c = commun::catalogue();
    let mut cas = 0;
    for r in &c.referentiels {
        let base = situation_complete(r, 1);
        let v = eligibilite(r, &base);
        assert!(v.eligible, "{} : {:?}", r.id, v.resultats);
        assert!(v.niveau_atteignable.is_some());
        for (i, regle) in r.eligibilite.iter().enumerate() {
            let mut s = base.clone();
            let attendu_id = match regle {
                Regle::TypeDemandeur => {
                    s.type_demandeur = c
                        .nomenclatures()
                        .types_organisation
                        .iter()
                        .find(|t| !r.demandeurs.contains(&t.id))
                        .map(|t| t.id.clone())
                        .unwrap_or_else(|| "inconnu".into());
                    "type_demandeur".to_string()
                }
                Regle::TypeDispositif => {
                    s.type_dispositif = c
                        .nomenclatures()
                        .types_dispositif
                        .iter()
                        .find(|t| !r.types_dispositif.contains(&t.id))
                        .map(|t| t.id.clone())
                        .unwrap();
                    "type_dispositif".to_string()
                }
                Regle::Declaration { id, .. } => {
                    s.declarations.insert(id.clone(), false);
                    id.clone()
                }
                Regle::AuMoins { id, n, parmi, .. } => {
                    for c in parmi.iter().skip(n - 1) {
                        s.niveaux.remove(c);
                    }
                    for c in parmi.iter().take(n - 1) {
                        s.niveaux.insert(c.clone(), 1);
                    }
                    id.clone()
                }
            };
            let v = eligibilite(r, &s);
            assert!(!v.eligible, "{} règle {i} devrait échouer", r.id);
            assert_eq!(v.niveau_atteignable, None);
            let echecs: Vec<_> = v.resultats.iter().filter(|x| !x.satisfaite).collect();
            assert_eq!(echecs.len(), 1, "{} : {echecs:?}", r.id);
            assert_eq!(echecs[0].regle, attendu_id);
            assert!(!echecs[0].message.is_empty());
            cas += 1;
        }
    }
    // 3 labels × (2 ou 3 règles) + charte (4 règles).
    assert!(cas >= 10, "{cas} cas seulement");
}

#[test]
fn niveau_atteignable_selon_l_auto_evaluation() {
    let r = commun::referentiel_du_depot("nec-2022");
    let mut s = situation_complete(&r, 2);
    assert_eq!(eligibilite(&r, &s).niveau_atteignable, Some(2));
    s.niveaux.insert("sobre".into(), 1);
    let v = eligibilite(&r, &s);
    assert_eq!(v.niveau_atteignable, Some(1));
    assert_eq!(v.ecarts[&2].len(), 1);
    assert_eq!(v.ecarts[&2][0].critere.as_deref(), Some("sobre"));
    s.niveaux.remove("accessible");
    let v = eligibilite(&r, &s);
    assert!(v.eligible, "l'éligibilité ne dépend pas des niveaux");
    assert_eq!(v.niveau_atteignable, None);
}

#[test]
fn numerique_inclusif_les_niveaux_ont_chacun_leurs_criteres() {
    let r = commun::referentiel_du_depot("numerique-inclusif-2019");
    let mut s = situation_complete(&r, 1);
    assert_eq!(eligibilite(&r, &s).niveau_atteignable, Some(1));
    for c in r.criteres_obligatoires(2) {
        s.niveaux.insert(c.id.clone(), 2);
    }
    assert_eq!(eligibilite(&r, &s).niveau_atteignable, Some(2));
}

#[test]
fn table_completude() {
    for r in &commun::catalogue().referentiels {
        for niveau in r.niveaux.iter().map(|n| n.id) {
            let d = dossier_complet(r, niveau);
            assert_eq!(completude(r, &d), vec![], "{} niveau {niveau}", r.id);
        }
        let d = dossier_complet(r, 1);
        let premier = r
            .criteres_obligatoires(1)
            .next()
            .map(|c| c.id.clone())
            .unwrap_or_else(|| d.criteres.keys().next().unwrap().clone());

        // Description trop courte.
        let mut x = d.clone();
        x.criteres.get_mut(&premier).unwrap().texte = "court".into();
        let m = completude(r, &x);
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(
            (m[0].regle.as_str(), m[0].critere.as_deref()),
            ("description", Some(premier.as_str()))
        );

        // Justificatif manquant, si le référentiel l'exige.
        let mut x = d.clone();
        x.criteres.get_mut(&premier).unwrap().liens.clear();
        let m = completude(r, &x);
        if r.completude.justificatif_requis {
            assert_eq!(m.len(), 1, "{m:?}");
            assert_eq!(m[0].regle, "justificatif");
        } else {
            assert!(m.is_empty(), "{m:?}");
        }

        // Engagement non accepté.
        if let Some(e) = r.engagements.first() {
            let mut x = d.clone();
            x.engagements.remove(&e.id);
            let m = completude(r, &x);
            assert_eq!(m.len(), 1);
            assert_eq!(m[0].regle, "engagement");
        }

        // Critère obligatoire auto-évalué trop bas (retiré : ni retenu, ni décrit).
        if r.criteres_obligatoires(1).next().is_some() {
            let mut x = d.clone();
            x.criteres.remove(&premier);
            let m = completude(r, &x);
            let regles: Vec<&str> = m.iter().map(|m| m.regle.as_str()).collect();
            assert!(
                regles.contains(&"description") && regles.contains(&"auto_evaluation"),
                "{regles:?}"
            );
        }

        // Règle d'éligibilité non satisfaite : reportée telle quelle.
        let mut x = d.clone();
        x.type_demandeur = "inconnu".into();
        let m = completude(r, &x);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].regle, "type_demandeur");
    }
}

#[test]
fn critere_facultatif_retenu_doit_etre_documente() {
    let r = commun::referentiel_du_depot("nec-2021");
    let mut d = dossier_complet(&r, 1);
    assert!(completude(&r, &d).is_empty());
    d.criteres.insert(
        "co_design".into(),
        ReponseCritere {
            niveau_auto: Some(1),
            ..Default::default()
        },
    );
    let m = completude(&r, &d);
    let regles: Vec<_> = m
        .iter()
        .map(|m| (m.regle.as_str(), m.critere.as_deref()))
        .collect();
    assert_eq!(
        regles,
        [
            ("description", Some("co_design")),
            ("justificatif", Some("co_design"))
        ]
    );
}

/// Une charte n'est pas un label : ses messages d'éligibilité ne parlent ni de label ni de
/// niveau visé, et chaque label ou charte nomme qui le délivre ou la contresigne.
#[test]
fn une_charte_parle_avec_ses_mots() {
    let c = commun::catalogue();
    let r = commun::referentiel(&c, "charte-territoire-actions");
    let v = eligibilite(r, &situation_complete(r, 1));
    assert!(v.eligible);
    let textes: Vec<&str> = v.resultats.iter().map(|x| x.message.as_str()).collect();
    assert!(
        textes.contains(&"Ce type d'organisation peut signer cette charte."),
        "{textes:?}"
    );
    for t in &textes {
        let t = t.to_lowercase();
        assert!(!t.contains("label") && !t.contains("niveau visé"), "{t}");
    }
    let nec = commun::referentiel(&c, "nec-2022");
    let v = eligibilite(nec, &situation_complete(nec, 1));
    assert!(v
        .resultats
        .iter()
        .any(|x| x.message == "Ce type d'organisation peut demander ce label."));
    assert_eq!(
        r.delivre_par.as_deref(),
        Some("l'État, par la Mission Société Numérique de l'Agence du numérique")
    );
    assert_eq!(
        nec.delivre_par.as_deref(),
        Some("l'Agence nationale de la cohésion des territoires (ANCT)")
    );
    for r in c.referentiels.iter().filter(|r| !r.criteres.is_empty()) {
        assert!(
            r.delivre_par.is_some(),
            "{} : émetteur (delivre_par) absent",
            r.id
        );
    }
}
