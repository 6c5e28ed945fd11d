//! Charte « Territoire d'Actions » : signataires, rapports publiés et leurs pièces, journal
//! d'audit ; chaque test sur SQLite et sur PostgreSQL.

use crate::commun;

use chrono::{DateTime, Duration, TimeZone, Utc};
use commun::*;
use reperes_domain::comptes::RoleCompte;
use reperes_domain::{Action, Dossier, Etat, Modification};
use reperes_store::{deux_bases, ErreurStore, Fichier, RapportCharte, Store, Utilisateur};

const CHARTE: &str = "charte-territoire-actions";

/// Dispositifs retenus par les territoires de ces tests.
const RETENUS: [&str; 3] = ["cartographie", "formation_aidants", "pix"];

/// Un territoire et son dossier de charte, mené jusqu'à `etat` (brouillon, déposé ou signé et
/// contresigné le jour `signe_le`).
async fn territoire(store: &Store, suffixe: &str, etat: Etat, signe_le: DateTime<Utc>) -> Dossier {
    let c = catalogue();
    let r = c.referentiels.iter().find(|r| r.id == CHARTE).unwrap();
    let (o, disp) = collectivite_et_demarche(
        store,
        &demandeur(),
        suffixe,
        format!("Commune de Démo {suffixe}"),
        "63000",
        "Clermont-Ferrand",
    )
    .await;
    let d = Dossier::nouveau(format!("dos-{suffixe}"), r, &o, &disp, 1).unwrap();
    store.creer_dossier(&demandeur(), &d).await.unwrap();
    let mut mods = Vec::new();
    for cr in &r.criteres {
        let retenu = RETENUS.contains(&cr.id.as_str());
        mods.push(Modification::Reponse {
            critere: cr.id.clone(),
            texte: format!(
                "Actions prévues pour « {} » : calendrier, partenaires et moyens.",
                cr.libelle
            ),
            liens: vec![],
            niveau_auto: retenu.then_some(1),
        });
    }
    mods.extend(pour_deposer(r));
    for m in &mods {
        store.modifier(&c, &d.id, &demandeur(), m).await.unwrap();
    }
    if etat == Etat::Brouillon {
        return d;
    }
    let depot = signe_le - Duration::days(20);
    store
        .agir(&c, &d.id, &demandeur(), &Action::Deposer, depot)
        .await
        .unwrap();
    if etat == Etat::Depose {
        return store.dossier(&d.id).await.unwrap().unwrap();
    }
    store
        .agir(&c, &d.id, &instructeur(), &Action::PrendreEnCharge, depot)
        .await
        .unwrap();
    labelliser(
        store,
        &c,
        &d.id,
        &instructeur(),
        &RETENUS,
        "Charte contresignée.",
        signe_le,
    )
    .await
}

async fn auteur(store: &Store) -> Utilisateur {
    let u = Utilisateur {
        id: "u-elu".into(),
        email: "elu@commune.example".into(),
        nom: "Élu de démo".into(),
        role: RoleCompte::Demandeur,
        hash_mot_de_passe: None,
        email_verifie: true,
        actif: true,
    };
    store.creer_utilisateur(&demandeur(), &u).await.unwrap();
    u
}

fn piece(id: &str, dossier_id: &str) -> Fichier {
    Fichier {
        id: id.into(),
        dossier_id: dossier_id.into(),
        nom: "bilan.pdf".into(),
        type_mime: "application/pdf".into(),
        taille: 1234,
        sha256: "ab".repeat(32),
        cle_stockage: id.into(),
        depose_par: "u-elu".into(),
    }
}

fn rapport(
    id: &str,
    dossier_id: &str,
    fichiers: &[&str],
    publie_le: DateTime<Utc>,
) -> RapportCharte {
    RapportCharte {
        id: id.into(),
        dossier_id: dossier_id.into(),
        annee: 2025,
        titre: "Bilan de la première année".into(),
        demarche: "Comité de pilotage trimestriel ; comptes rendus publiés.".into(),
        impact: "1 200 personnes accompagnées, 300 parcours PIX.".into(),
        retours_outils: "La cartographie nationale manque des horaires à jour.".into(),
        licence: "etalab-2.0".into(),
        auteur_id: "u-elu".into(),
        publie_le,
        fichiers: fichiers.iter().map(|f| f.to_string()).collect(),
    }
}

fn signature() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 15, 9, 0, 0).unwrap()
}

deux_bases!(
    signataires_des_seules_chartes_signees,
    |store: Store| async move {
        let signe = territoire(&store, "a", Etat::Labellise, signature()).await;
        territoire(&store, "b", Etat::Depose, signature()).await;
        let v = store.signataires(&[CHARTE.to_string()]).await.unwrap();
        assert_eq!(v.len(), 1, "{v:?}");
        let s = &v[0];
        assert_eq!(s.dossier_id, signe.id);
        assert_eq!(s.labellise_le, signature());
        assert_eq!(s.organisation_nom, "Commune de Démo a");
        assert_eq!(s.type_organisation, "collectivite_territoriale");
        assert_eq!(
            (s.code_postal.as_str(), s.commune.as_str()),
            ("63000", "Clermont-Ferrand")
        );
        assert!(s.numero.as_deref().unwrap().starts_with("REP-"));
        assert_eq!(s.identifiant_public(), s.numero.as_deref().unwrap());
        // Les dispositifs retenus seulement (une réponse « non retenue » n'engage pas).
        let ids: Vec<&str> = s.dispositifs.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(ids, RETENUS);
        assert!(s.dispositifs[0].1.contains("Cartographie"));
        assert!(store
            .signataires(&["autre".into()])
            .await
            .unwrap()
            .is_empty());
    }
);

deux_bases!(
    rapport_publie_avec_ses_pieces_et_journalise,
    |store: Store| async move {
        let d = territoire(&store, "a", Etat::Labellise, signature()).await;
        auteur(&store).await;
        let entrees_avant = store.verifier_journal().await.unwrap();
        let publie = Utc.with_ymd_and_hms(2026, 1, 10, 8, 30, 0).unwrap();
        let r = rapport("r1", &d.id, &["f1", "f2"], publie);
        store
            .publier_rapport(&demandeur(), &r, &[piece("f1", &d.id), piece("f2", &d.id)])
            .await
            .unwrap();
        // Relu à l'identique, par dossier, en entier et seul.
        assert_eq!(store.rapport_charte("r1").await.unwrap(), Some(r.clone()));
        assert_eq!(
            store.rapports_charte(Some(&d.id)).await.unwrap(),
            vec![r.clone()]
        );
        assert_eq!(store.rapports_charte(None).await.unwrap(), vec![r.clone()]);
        assert!(store
            .rapports_charte(Some("autre"))
            .await
            .unwrap()
            .is_empty());
        assert_eq!(store.rapport_charte("inconnu").await.unwrap(), None);
        // Les pièces sont des fichiers du dossier, comme les autres.
        assert_eq!(store.fichier("f1").await.unwrap(), Some(piece("f1", &d.id)));
        assert_eq!(store.fichiers_du_dossier(&d.id).await.unwrap().len(), 2);
        // Journal : une entrée par pièce et une pour le rapport, chaîne intacte.
        assert_eq!(store.verifier_journal().await.unwrap(), entrees_avant + 3);
        let j = store.journal_objet("dossier", &d.id).await.unwrap();
        let e = &j.last().unwrap().contenu;
        assert_eq!(e.action, "publier_rapport");
        assert_eq!(e.acteur, "demandeur:camille@asso.example");
        let apres = e.apres.as_deref().unwrap();
        assert!(apres.contains("Bilan de la première année") && apres.contains("etalab-2.0"));
        let jf = store.journal_objet("fichier", "f2").await.unwrap();
        assert_eq!(jf.len(), 1);
        assert_eq!(jf[0].contenu.action, "deposer_fichier");

        // Un second rapport, plus récent, vient en tête.
        let r2 = rapport("r2", &d.id, &[], publie + Duration::days(300));
        store.publier_rapport(&demandeur(), &r2, &[]).await.unwrap();
        let ids: Vec<String> = store
            .rapports_charte(Some(&d.id))
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, ["r2", "r1"]);
    }
);

deux_bases!(
    rapport_refuse_sans_signature_ni_ecriture,
    |store: Store| async move {
        auteur(&store).await;
        let brouillon = territoire(&store, "b", Etat::Brouillon, signature()).await;
        let avant = store.verifier_journal().await.unwrap();
        let e = store
            .publier_rapport(
                &demandeur(),
                &rapport("r1", &brouillon.id, &["f1"], signature()),
                &[piece("f1", &brouillon.id)],
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ErreurStore::Conflit(m) if m.contains("signataire")),
            "{e}"
        );
        let e = store
            .publier_rapport(
                &demandeur(),
                &rapport("r1", "inconnu", &[], signature()),
                &[],
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ErreurStore::Introuvable(_)), "{e}");
        // Pièce d'un autre dossier, ou liste de pièces qui ne correspond pas : refus.
        let signe = territoire(&store, "a", Etat::Labellise, signature()).await;
        let avant_signe = store.verifier_journal().await.unwrap();
        assert!(avant_signe > avant);
        for (fichiers, pieces) in [
            (vec!["f1"], vec![piece("f1", &brouillon.id)]),
            (vec!["f1", "f2"], vec![piece("f1", &signe.id)]),
            (vec![], vec![piece("f1", &signe.id)]),
        ] {
            let e = store
                .publier_rapport(
                    &demandeur(),
                    &rapport("r1", &signe.id, &fichiers, signature()),
                    &pieces,
                )
                .await
                .unwrap_err();
            assert!(matches!(e, ErreurStore::Conflit(_)), "{e}");
        }
        // Rien n'a été écrit.
        assert!(store.rapports_charte(None).await.unwrap().is_empty());
        assert_eq!(store.fichier("f1").await.unwrap(), None);
        assert_eq!(store.verifier_journal().await.unwrap(), avant_signe);
    }
);
