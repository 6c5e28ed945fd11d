//! Données partagées par les tests du crate web.
#![allow(dead_code)]

use chrono::{Duration, Utc};
use reperes_domain::organisation::{Adresse, Dispositif, Organisation};
use reperes_domain::referentiel::Regle;
use reperes_domain::{Action, Dossier, Modification, Role};
use reperes_store::test_support::catalogue_du_depot;
use reperes_store::{Acteur, Store};

/// Crée un dispositif et mène son dossier NEC 2022 jusqu'à `fin` (labellisé, retiré, refusé).
pub async fn titulaire(
    store: &Store,
    n: &str,
    nom: &str,
    type_dispositif: &str,
    code_postal: &str,
    fin: &str,
) -> String {
    let c = catalogue_du_depot();
    let r = c.referentiels.iter().find(|r| r.id == "nec-2022").unwrap();
    let dem = Acteur::new("porteur", Role::Demandeur);
    let agent = Acteur::new("agent", Role::Instructeur);
    let o = Organisation {
        id: format!("o{n}"),
        nom: format!("Association {n}"),
        type_organisation: "association".into(),
        siret: None,
        rna: Some(reperes_domain::identifiants::Rna::parse("W802001234").unwrap()),
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
    for g in &r.eligibilite {
        if let Regle::Declaration { id: dcl, .. } = g {
            store
                .modifier(
                    &c,
                    &id,
                    &dem,
                    &Modification::Declaration {
                        id: dcl.clone(),
                        valeur: true,
                    },
                )
                .await
                .unwrap();
        }
    }
    store
        .modifier(
            &c,
            &id,
            &dem,
            &Modification::Engagements {
                acceptes: r.engagements.iter().map(|e| e.id.clone()).collect(),
            },
        )
        .await
        .unwrap();
    let depot = Utc::now() - Duration::days(10);
    store
        .agir(&c, &id, &dem, &Action::Deposer, depot)
        .await
        .unwrap();
    store
        .agir(&c, &id, &agent, &Action::PrendreEnCharge, depot)
        .await
        .unwrap();
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
    for cr in &r.criteres {
        store
            .modifier(
                &c,
                &id,
                &agent,
                &Modification::Appreciation {
                    critere: cr.id.clone(),
                    niveau: Some(1),
                    commentaire: String::new(),
                },
            )
            .await
            .unwrap();
    }
    store
        .agir(
            &c,
            &id,
            &agent,
            &Action::Labelliser {
                niveau: 1,
                motivation: "Conforme.".into(),
            },
            Utc::now() - Duration::days(4),
        )
        .await
        .unwrap();
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
