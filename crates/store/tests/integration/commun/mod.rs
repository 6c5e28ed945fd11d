//! Données de test : le vrai catalogue des référentiels et des objets plausibles.

use chrono::{DateTime, TimeZone, Utc};
use reperes_domain::catalogue::Catalogue;
use reperes_domain::organisation::{Adresse, Dispositif, Organisation};
use reperes_domain::{Dossier, Modification, Role};
use reperes_store::{Acteur, Store};

pub use reperes_store::test_support::{
    collectivite_et_demarche, labelliser, pour_deposer, signataire_de_charte,
};

pub fn catalogue() -> Catalogue {
    reperes_store::test_support::catalogue_du_depot()
}

pub fn demandeur() -> Acteur {
    Acteur::new("camille@asso.example", Role::Demandeur)
}
pub fn instructeur() -> Acteur {
    Acteur::new("agent@anct.example", Role::Instructeur)
}

pub fn maintenant() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap()
}

pub async fn organisation_et_dispositif(
    store: &Store,
    suffixe: &str,
) -> (Organisation, Dispositif) {
    let o = Organisation {
        id: format!("org-{suffixe}"),
        nom: format!("Association Les Connectés {suffixe}"),
        type_organisation: "association".into(),
        siret: None,
        rna: Some(reperes_domain::identifiants::Rna::parse("W802001234").unwrap()),
        adresse: Adresse {
            voie: "3 rue des Jacobins".into(),
            code_postal: "80000".into(),
            commune: "Amiens".into(),
        },
    };
    store.creer_organisation(&demandeur(), &o).await.unwrap();
    let d = Dispositif {
        id: format!("disp-{suffixe}"),
        organisation_id: o.id.clone(),
        nom: format!("Kit d'ateliers {suffixe}"),
        type_dispositif: "numerique".into(),
        description: "Outil libre d'animation d'ateliers numériques.".into(),
        site: Some("https://kit.example".into()),
    };
    store.creer_dispositif(&demandeur(), &d).await.unwrap();
    (o, d)
}

/// Crée un dossier NEC 2022 au niveau 1 et le remplit jusqu'à être complet, par l'API du store.
pub async fn dossier_complet(store: &Store, c: &Catalogue, suffixe: &str) -> Dossier {
    let (o, d) = organisation_et_dispositif(store, suffixe).await;
    let r = c.referentiels.iter().find(|r| r.id == "nec-2022").unwrap();
    let dossier = Dossier::nouveau(format!("dos-{suffixe}"), r, &o, &d, 1).unwrap();
    store.creer_dossier(&demandeur(), &dossier).await.unwrap();
    let mut mods = vec![];
    for critere in &r.criteres {
        mods.push(Modification::Reponse {
            critere: critere.id.clone(),
            texte: format!(
                "Mesures prises pour le critère {} : description détaillée.",
                critere.libelle
            ),
            liens: vec![format!("https://kit.example/preuves/{}", critere.id)],
            niveau_auto: Some(1),
        });
    }
    mods.extend(pour_deposer(r));
    let mut dernier = dossier;
    for m in &mods {
        dernier = store
            .modifier(c, &dernier.id, &demandeur(), m)
            .await
            .unwrap();
    }
    dernier
}

/// Une association de Brest, `id` et `nom` donnés, créée par `acteur` : la structure qui tient
/// les lieux des tests des lieux vivants. Rend son identifiant.
pub async fn structure_de_lieu(store: &Store, acteur: &Acteur, id: &str, nom: &str) -> String {
    let o = Organisation {
        id: id.into(),
        nom: nom.into(),
        type_organisation: "association".into(),
        siret: None,
        rna: None,
        adresse: Adresse {
            voie: "1 quai Malbert".into(),
            code_postal: "29200".into(),
            commune: "Brest".into(),
        },
    };
    store.creer_organisation(acteur, &o).await.unwrap();
    o.id
}
