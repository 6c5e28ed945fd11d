//! Les vrais fichiers de `referentiels/` se chargent ; les fichiers cassés donnent l'erreur attendue.

use crate::commun;

use reperes_domain::catalogue::charger;
use reperes_domain::referentiel::{ErreurReferentiel, Nature};

#[test]
fn les_fichiers_du_depot_sont_valides() {
    let c = commun::catalogue();
    assert_eq!(c.nombre_fichiers(), commun::fichiers().len());
    let ids: Vec<&str> = c.referentiels.iter().map(|r| r.id.as_str()).collect();
    for attendu in [
        "nec-2021",
        "nec-2022",
        "numerique-inclusif-2019",
        "charte-territoire-actions",
    ] {
        assert!(ids.contains(&attendu), "{attendu} manque : {ids:?}");
    }
    assert_eq!(c.correspondances.len(), 1);
    // Article D323-2-1 du CRPA, et licences Creative Commons ouvertes (issue 15).
    assert_eq!(c.licences.len(), 2);
}

#[test]
fn nec_2021_quatre_obligatoires_deux_facultatifs() {
    let c = commun::catalogue();
    let r = c.referentiel("nec-2021", "2021.1").unwrap();
    assert_eq!(r.criteres_obligatoires(1).count(), 4);
    assert_eq!(
        r.criteres
            .iter()
            .filter(|c| c.obligatoire_aux_niveaux.is_empty())
            .count(),
        2
    );
    assert_eq!(r.nature, Nature::Label);
}

#[test]
fn nec_2022_grille_complete_six_criteres_trois_types_deux_niveaux() {
    let c = commun::catalogue();
    let r = commun::referentiel(&c, "nec-2022");
    assert_eq!(r.criteres.len(), 6);
    assert_eq!(r.niveaux.len(), 2);
    for critere in &r.criteres {
        for t in ["numerique", "tangible", "methodologique"] {
            for n in [1, 2] {
                let e = critere
                    .exigence(t, n)
                    .unwrap_or_else(|| panic!("{} {t} {n}", critere.id));
                assert!(!e.texte.is_empty());
                assert!(!e.preuves.is_empty(), "{} {t} {n} sans preuve", critere.id);
            }
        }
    }
}

#[test]
fn numerique_inclusif_2019_sept_et_six_criteres() {
    let c = commun::catalogue();
    let r = commun::referentiel(&c, "numerique-inclusif-2019");
    assert_eq!(r.criteres_obligatoires(1).count(), 7);
    assert_eq!(r.criteres_obligatoires(2).count(), 6);
    assert_eq!(r.niveau(1).unwrap().libelle, "Pass numérique");
}

#[test]
fn charte_six_dispositifs_au_moins_deux() {
    let c = commun::catalogue();
    let r = commun::referentiel(&c, "charte-territoire-actions");
    assert_eq!(r.criteres.len(), 6);
    assert_eq!(r.nature, Nature::Charte);
    assert!(r.eligibilite.iter().any(|g| matches!(g,
        reperes_domain::referentiel::Regle::AuMoins { n: 2, parmi, .. } if parmi.len() == 6)));
}

#[test]
fn correspondance_nig_et_licences() {
    let c = commun::catalogue();
    let corr = c.correspondances_de("nec-2022").next().unwrap();
    let ethique = corr.liens.iter().find(|l| l.critere == "ethique").unwrap();
    assert_eq!(ethique.cibles, ["1.1", "3.2", "5.2"]);
    let l = c
        .licences
        .iter()
        .find(|l| l.id == "licences-d323-2-1")
        .unwrap();
    assert!(l.trouver("etalab-2.0").is_some());
    assert!(
        l.trouver("AGPL-3.0-or-later").is_some(),
        "la licence du projet est sur la liste"
    );
    assert!(l.trouver("CC-BY-NC-SA-4.0").is_none());
}

/// Remplace `avant` par `apres` dans un fichier du dépôt et charge l'ensemble.
fn casser(fichier: &str, avant: &str, apres: &str) -> Vec<ErreurReferentiel> {
    let mut fichiers = commun::fichiers();
    let f = fichiers.iter_mut().find(|(n, _)| n == fichier).unwrap();
    assert!(f.1.contains(avant), "motif absent de {fichier} : {avant}");
    f.1 = f.1.replacen(avant, apres, 1);
    charger(&fichiers)
        .expect_err("le fichier cassé doit être refusé")
        .0
}

fn une_erreur(erreurs: &[ErreurReferentiel]) -> &ErreurReferentiel {
    assert_eq!(erreurs.len(), 1, "{erreurs:#?}");
    &erreurs[0]
}

#[test]
fn syntaxe_invalide_situee() {
    let e = casser(
        "label-nec-2021.toml",
        "nom_court = \"NEC 2021\"",
        "nom_court = \"NEC 2021",
    );
    let e = une_erreur(&e);
    assert_eq!(e.fichier, "label-nec-2021.toml");
    let (ligne, _) = e.position.expect("position connue");
    let texte = commun::fichiers()
        .into_iter()
        .find(|(n, _)| n == "label-nec-2021.toml")
        .unwrap()
        .1;
    let attendue = texte
        .lines()
        .position(|l| l.starts_with("nom_court"))
        .unwrap()
        + 1;
    assert_eq!(ligne, attendue);
    assert!(e.message.contains("syntaxe TOML invalide"), "{}", e.message);
}

#[test]
fn champ_manquant() {
    let e = casser("label-nec-2021.toml", "nom_court = \"NEC 2021\"\n", "");
    let e = une_erreur(&e);
    assert!(
        e.message.contains("champ obligatoire manquant") && e.message.contains("nom_court"),
        "{}",
        e.message
    );
}

#[test]
fn champ_inconnu_faute_de_frappe() {
    let e = casser(
        "label-nec-2021.toml",
        "obligatoire_aux_niveaux = [1]",
        "obligatoire_au_niveau = [1]",
    );
    let e = une_erreur(&e);
    assert!(
        e.message.contains("champ inconnu") && e.message.contains("obligatoire_au_niveau"),
        "{}",
        e.message
    );
    assert!(e.position.is_some());
}

#[test]
fn date_invalide() {
    let e = casser(
        "label-nec-2021.toml",
        "debut = \"2021-11-19\"",
        "debut = \"19/11/2021\"",
    );
    let e = une_erreur(&e);
    assert!(e.position.is_some());
    assert_eq!(e.fichier, "label-nec-2021.toml");
}

#[test]
fn regle_inconnue() {
    let e = casser(
        "label-nec-2021.toml",
        "regle = \"type_dispositif\"",
        "regle = \"type_de_dispositif\"",
    );
    let e = une_erreur(&e);
    assert!(e.message.contains("type_de_dispositif"), "{}", e.message);
}

#[test]
fn reference_a_un_type_de_preuve_inconnu() {
    let e = casser(
        "label-nec-2021.toml",
        "preuves = [\"lien\", \"licence\"]",
        "preuves = [\"lien\", \"licenze\"]",
    );
    let e = une_erreur(&e);
    assert_eq!(e.chemin.as_deref(), Some("criteres[3].preuves[1]"));
    assert!(e.message.contains("licenze"));
    assert!(
        e.position.is_some(),
        "la position de la clé fautive est retrouvée"
    );
}

#[test]
fn demandeur_inconnu_des_nomenclatures() {
    let e = casser("label-nec-2021.toml", "  \"gip\",\n", "  \"gipp\",\n");
    let e = une_erreur(&e);
    assert_eq!(e.chemin.as_deref(), Some("demandeurs[5]"));
    assert!(e.message.contains("gipp"));
}

#[test]
fn niveau_obligatoire_inconnu() {
    let e = casser(
        "label-nec-2021.toml",
        "obligatoire_aux_niveaux = [1]",
        "obligatoire_aux_niveaux = [3]",
    );
    let e = une_erreur(&e);
    assert_eq!(
        e.chemin.as_deref(),
        Some("criteres[0].obligatoire_aux_niveaux[0]")
    );
    assert!(e.message.contains("niveau 3 inconnu"));
}

#[test]
fn critere_en_double() {
    let e = casser(
        "label-nec-2021.toml",
        "id = \"co_design\"",
        "id = \"accessibilite\"",
    );
    let e = une_erreur(&e);
    assert!(e.message.contains("en double"), "{}", e.message);
    assert_eq!(e.chemin.as_deref(), Some("criteres[4].id"));
}

#[test]
fn grille_incomplete() {
    let texte = commun::fichiers()
        .into_iter()
        .find(|(n, _)| n == "label-nec-2022.toml")
        .unwrap()
        .1;
    // Retire la première case de la grille.
    let debut = texte.find("[[criteres.exigences]]").unwrap();
    let fin = debut + 1 + texte[debut + 1..].find("[[criteres.exigences]]").unwrap();
    let casse = format!("{}{}", &texte[..debut], &texte[fin..]);
    let mut fichiers = commun::fichiers();
    fichiers
        .iter_mut()
        .find(|(n, _)| n == "label-nec-2022.toml")
        .unwrap()
        .1 = casse;
    let e = charger(&fichiers).unwrap_err().0;
    let e = une_erreur(&e);
    assert!(e.message.contains("grille incomplète"), "{}", e.message);
}

#[test]
fn au_moins_impossible() {
    let e = casser("charte-territoire-actions.toml", "n = 2\n", "n = 7\n");
    let e = une_erreur(&e);
    assert!(e.message.contains("impossible"), "{}", e.message);
}

#[test]
fn correspondance_vers_critere_inconnu() {
    let e = casser(
        "correspondance-nec-nig.toml",
        "critere = \"sobre\"",
        "critere = \"sobriete\"",
    );
    let e = une_erreur(&e);
    assert!(e.message.contains("sobriete"));
}

#[test]
fn fin_avant_debut() {
    let e = casser(
        "licences-d323-2-1.toml",
        "debut = \"2017-04-29\"",
        "debut = \"2017-04-29\"\nfin = \"2016-01-01\"",
    );
    let e = une_erreur(&e);
    assert!(e.message.contains("précède"));
}

#[test]
fn plusieurs_erreurs_rendues_ensemble() {
    let mut fichiers = commun::fichiers();
    for (nom, texte) in fichiers.iter_mut() {
        if nom == "label-nec-2021.toml" {
            *texte = texte.replacen("nom_court = \"NEC 2021\"", "nom_court = ", 1);
        }
        if nom == "licences-d323-2-1.toml" {
            *texte = texte.replacen("usage = \"donnees\"", "usage = \"data\"", 1);
        }
    }
    let e = charger(&fichiers).unwrap_err();
    assert_eq!(e.0.len(), 2, "{e}");
    let texte = e.to_string();
    assert!(texte.contains("label-nec-2021.toml") && texte.contains("licences-d323-2-1.toml"));
}

#[test]
fn sans_nomenclatures() {
    let fichiers: Vec<_> = commun::fichiers()
        .into_iter()
        .filter(|(n, _)| n != "nomenclatures.toml")
        .collect();
    let e = charger(&fichiers).unwrap_err().0;
    assert!(
        e.iter().any(|x| x.message.contains("nomenclatures")),
        "{e:?}"
    );
}

#[test]
fn lignes_nationales_composables() {
    let c = charger(&commun::fichiers()).unwrap();
    assert_eq!(c.lignes_nationales.len(), 1);
    let l = &c.lignes_nationales[0].lignes[0];
    assert_eq!(l.nom, "Allô Service Public");
    assert_eq!(l.telephone, "3939");
    // Un numéro qui ne se compose pas est refusé, fichier et clé nommés.
    let e = casser(
        "lignes-nationales.toml",
        "telephone = \"3939\"",
        "telephone = \"trente-neuf\"",
    );
    let e = une_erreur(&e);
    assert!(e.message.contains("trente-neuf"), "{}", e.message);
    assert_eq!(e.fichier, "lignes-nationales.toml");
}

/// Approbation des méthodes (arrêté du 26 mars 2019, 1.B à 1.D) : sa nature, ses mots, et ce que
/// le texte fixe recopié tel quel (qui instruit, qui approuve).
#[test]
fn approbation_des_methodes_2019() {
    let c = commun::catalogue();
    let r = commun::referentiel(&c, "approbation-methodes-2019");
    assert_eq!(r.nature, Nature::Approbation);
    assert_eq!(r.version, "2019.1");
    assert_eq!(r.types_dispositif, ["methodologique"]);
    assert_eq!(r.delivre_par.as_deref(), Some("l'Agence du numérique"));
    assert_eq!(
        r.instruction.as_ref().map(|i| i.par.as_str()),
        Some("l'Agence du numérique")
    );
    assert_eq!(
        r.description.as_deref(),
        Some(
            "L'Agence du numérique instruit les demandes d'approbation des méthodes et de \
             labellisation des projets. Elle garantit le bon fonctionnement du label."
        )
    );
    assert_eq!(r.niveaux.len(), 1);
    assert_eq!(r.criteres.len(), 1);
    assert!(r.engagements.is_empty(), "aucun engagement dans le texte");
    let m = r.nature.vocabulaire();
    assert_eq!(m.attestation, "Attestation d'approbation de la méthode");
    assert_eq!(m.accorde, "Méthode approuvée");
    assert_eq!(m.demande, "Demande d'approbation de la méthode");
    assert_eq!(m.action, "Approuver la méthode");
    // Les mots de la charte et du label, chacun les siens.
    assert_eq!(
        Nature::Charte.vocabulaire().attestation,
        "Attestation de signature de la charte"
    );
    assert_eq!(
        Nature::Charte.vocabulaire().delivre_par,
        "Charte contresignée par"
    );
    assert_eq!(
        Nature::Label.vocabulaire().attestation,
        "Attestation de labellisation"
    );
    for n in [Nature::Charte, Nature::Approbation] {
        let v = n.vocabulaire();
        for mot in [
            v.demande,
            v.attestation,
            v.attestation_de,
            v.delivre_par,
            v.accorde,
            v.statut,
            v.action,
            v.le_titre,
            v.du_titre,
            v.en_validite,
            v.plus_valide,
            v.accorde_le,
        ] {
            assert!(!mot.to_lowercase().contains("label"), "{n:?} : {mot}");
        }
    }
    assert!(Nature::Approbation.au_registre() && Nature::Label.au_registre());
    assert!(!Nature::Charte.au_registre());
}

#[test]
fn une_approbation_nomme_qui_approuve_et_qui_instruit() {
    let e = casser(
        "approbation-methodes-2019.toml",
        "delivre_par = \"l'Agence du numérique\"\n",
        "",
    );
    let e = une_erreur(&e);
    assert_eq!(e.fichier, "approbation-methodes-2019.toml");
    assert_eq!(e.chemin.as_deref(), Some("delivre_par"));
    assert!(
        e.message.contains("qui approuve les méthodes"),
        "{}",
        e.message
    );
    let e = casser(
        "approbation-methodes-2019.toml",
        "[instruction]\n",
        "[ailleurs_pas_instruction]\n",
    );
    assert!(
        e.iter().any(|x| x.message.contains("instruction")),
        "{e:#?}"
    );
}

#[test]
fn nature_inconnue_refusee() {
    let e = casser(
        "approbation-methodes-2019.toml",
        "nature = \"approbation\"",
        "nature = \"agrement\"",
    );
    let e = une_erreur(&e);
    assert_eq!(e.fichier, "approbation-methodes-2019.toml");
}
