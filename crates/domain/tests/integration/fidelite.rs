//! Fidélité aux textes officiels : chaque texte d'origine officielle des référentiels se trouve
//! mot pour mot dans la copie du texte rangée dans `referentiels/textes-officiels/` (normalisation
//! des seuls blancs et des `**`, voir `SOURCES.md`) ; les copies gardent leur empreinte ; le
//! contrôle échoue sur une lettre changée, sur un fichier absent, et quand il n'a rien à vérifier.
//! Tout est lu dans le dépôt : le test ne dépend pas des textes sources hors du dépôt.

use crate::commun;

use reperes_domain::catalogue::{charger, Catalogue};
use reperes_domain::referentiel::fidelite::{
    citations, normaliser, verifier, verifier_empreintes, Citation,
};
use reperes_domain::referentiel::{ErreurReferentiel, Nature, Origine, Referentiel, Regle};

fn dossier_textes() -> std::path::PathBuf {
    commun::dossier_referentiels().join("textes-officiels")
}

/// Les copies des textes officiels : (nom, octets).
fn copies() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dossier_textes())
        .expect("dossier referentiels/textes-officiels/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn textes() -> Vec<(String, String)> {
    copies()
        .into_iter()
        .map(|(n, o)| (n, String::from_utf8(o).expect("texte UTF-8")))
        .collect()
}

fn sources_md() -> String {
    std::fs::read_to_string(dossier_textes().join("SOURCES.md")).expect("SOURCES.md")
}

fn toutes_les_citations(c: &Catalogue) -> Vec<Citation> {
    citations(&c.referentiels, &c.correspondances)
}

fn citation<'a>(v: &'a [Citation], referentiel: &str, champ: &str) -> &'a Citation {
    v.iter()
        .find(|c| c.referentiel == referentiel && c.champ == champ)
        .unwrap_or_else(|| {
            panic!("{referentiel} {champ} n'est pas vérifié contre un texte officiel")
        })
}

#[test]
fn chaque_texte_d_origine_officielle_est_dans_sa_copie() {
    let c = commun::catalogue();
    let v = toutes_les_citations(&c);
    let n = verifier(&v, &textes()).unwrap_or_else(|e| panic!("{}", e.join("\n")));
    // 7 (NEC 2021) + 7 (NEC 2022) + 13 (2019) + 9 (charte) + 3 qualificatifs NIG, au moins.
    assert!(n >= 39, "{n} textes vérifiés seulement");
    // Les champs signalés par l'issue 15 sont bien parmi les textes vérifiés.
    for (r, champ, fichier) in [
        (
            "nec-2021@2021.1",
            "criteres[ouverture].description",
            "arrete-2021-11-09-nec.txt",
        ),
        (
            "nec-2021@2021.1",
            "eligibilite[retour_terrain].libelle",
            "arrete-2021-11-09-nec.txt",
        ),
        (
            "nec-2022@2022.1",
            "criteres[ouvert].description",
            "rapport-societe-numerique-2017-2022.txt",
        ),
        (
            "numerique-inclusif-2019@2019.1",
            "criteres[donnees_ouvertes].description",
            "arrete-2019-03-26-numerique-inclusif.txt",
        ),
        (
            "numerique-inclusif-2019@2019.1",
            "criteres[contenu_sous_licence].description",
            "arrete-2019-03-26-numerique-inclusif.txt",
        ),
        (
            "charte-territoire-actions@2020.1",
            "criteres[outils_appropriation].description",
            "charte-territoire-actions.txt",
        ),
        (
            "charte-territoire-actions@2020.1",
            "criteres[gouvernance_locale].description",
            "charte-territoire-actions.txt",
        ),
        (
            "charte-territoire-actions@2020.1",
            "engagements[mettre_en_oeuvre].texte",
            "charte-territoire-actions.txt",
        ),
        (
            "correspondance-nec-nig@1.1",
            "liens[ethique].qualificatifs.\"3.2\"",
            "nec-nig-articulation.txt",
        ),
    ] {
        assert_eq!(citation(&v, r, champ).fichier, fichier, "{r} {champ}");
    }
}

/// Les textes eux-mêmes, recopiés à la main des textes officiels (erreurs comprises).
#[test]
fn les_erreurs_des_textes_sont_gardees_et_corrigees_a_cote() {
    let c = commun::catalogue();
    let nec21 = commun::referentiel(&c, "nec-2021");
    let ouverture = nec21.critere("ouverture").unwrap();
    assert!(
        ouverture.description.ends_with(
            "par principe dans un format ouvert et sous une licence Open Data (D232-2-1 CRPA)."
        ),
        "{}",
        ouverture.description
    );
    let correction = ouverture
        .correction
        .as_deref()
        .expect("correction portée à côté");
    assert!(correction.contains("D323-2-1"), "{correction}");
    assert!(ouverture.motif_correction.is_some());

    let nec22 = commun::referentiel(&c, "nec-2022");
    assert!(nec22
        .critere("ouvert")
        .unwrap()
        .description
        .ends_with("sous licence Open Data (DD232-2-1 CRPA)"));

    let ni = commun::referentiel(&c, "numerique-inclusif-2019");
    for id in ["donnees_ouvertes", "contenu_sous_licence"] {
        let cr = ni.critere(id).unwrap();
        assert!(
            cr.description.contains("dans l'article article D323-2-1"),
            "{id}"
        );
        assert!(cr
            .correction
            .as_deref()
            .unwrap()
            .contains("dans l'article D323-2-1 du code"));
    }

    let charte = commun::referentiel(&c, "charte-territoire-actions");
    let outils = &charte.critere("outils_appropriation").unwrap().description;
    assert!(outils
        .contains("(Agence du Numérique et DINSIC notamment dans le cadre du programme DCANT)"));
    assert!(outils.contains("(par exemple : <https://impots.societenumerique.gouv.fr>)"));
    let gouvernance = charte.critere("gouvernance_locale").unwrap();
    assert!(gouvernance
        .description
        .contains("accueil social et medico-social, bénévoles...)"));
    assert!(gouvernance
        .correction
        .as_deref()
        .unwrap()
        .contains("médico-social"));
}

/// Les éléments sans origine d'un référentiel (label, charte, approbation), chacun nommé.
fn elements_sans_origine(r: &Referentiel) -> Vec<String> {
    let mut v = Vec::new();
    let cle = r.cle();
    if r.description.is_some() && r.nature == Nature::Approbation && r.origine_description.is_none()
    {
        v.push(format!("{cle} : description sans origine_description"));
    }
    for cr in &r.criteres {
        if cr.origine.is_none() {
            v.push(format!("{cle} : critère « {} » sans origine", cr.id));
        }
        for e in &cr.exigences {
            if e.origine.is_none() {
                v.push(format!(
                    "{cle} : exigence du critère « {} » ({} niveau {}) sans origine",
                    cr.id, e.type_dispositif, e.niveau
                ));
            }
        }
        if (!cr.preuves_exigees.is_empty() || !cr.licences_admises.is_empty())
            && !cr
                .origine_preuves_exigees
                .as_ref()
                .is_some_and(Origine::est_interpretation)
        {
            v.push(format!(
                "{cle} : critère « {} » : preuves_exigees / licences_admises sans origine_preuves_exigees (réglage de Repères)",
                cr.id
            ));
        }
    }
    for g in &r.eligibilite {
        if let Regle::Declaration {
            id,
            origine,
            justification_min_caracteres,
            origine_justification,
            partenaire_local,
            origine_partenaire_local,
            ..
        } = g
        {
            if origine.is_none() {
                v.push(format!("{cle} : déclaration « {id} » sans origine"));
            }
            if justification_min_caracteres.is_some()
                && !origine_justification
                    .as_deref()
                    .is_some_and(Origine::est_interpretation)
            {
                v.push(format!(
                    "{cle} : déclaration « {id} » : justification sans origine_justification"
                ));
            }
            if *partenaire_local
                && !origine_partenaire_local
                    .as_deref()
                    .is_some_and(Origine::est_interpretation)
            {
                v.push(format!(
                    "{cle} : déclaration « {id} » : partenaire_local sans origine_partenaire_local"
                ));
            }
        }
    }
    for e in &r.engagements {
        if e.origine.is_none() {
            v.push(format!("{cle} : engagement « {} » sans origine", e.id));
        }
    }
    if r.completude.origine.is_none() {
        v.push(format!("{cle} : [completude] sans origine"));
    }
    if r.labellisation.origine_duree_validite.is_none() {
        v.push(format!(
            "{cle} : durée de validité sans origine_duree_validite"
        ));
    }
    if !r.labellisation.rappels_jours.is_empty()
        && !r
            .labellisation
            .origine_rappels_jours
            .as_ref()
            .is_some_and(Origine::est_interpretation)
    {
        v.push(format!(
            "{cle} : rappels_jours sans origine_rappels_jours (réglage de Repères)"
        ));
    }
    if let Some(i) = &r.instruction {
        if i.delai_instruction_jours.is_some()
            && !i
                .origine_delai_instruction
                .as_ref()
                .is_some_and(Origine::est_interpretation)
        {
            v.push(format!(
                "{cle} : delai_instruction_jours sans origine_delai_instruction (réglage de Repères)"
            ));
        }
    }
    if !r.licences_admises.is_empty() && r.origine_licences_admises.is_none() {
        v.push(format!(
            "{cle} : licences_admises sans origine_licences_admises"
        ));
    }
    v
}

#[test]
fn chaque_element_de_chaque_label_charte_ou_approbation_a_une_origine() {
    let c = commun::catalogue();
    let vus: Vec<&Referentiel> = c
        .referentiels
        .iter()
        .filter(|r| {
            matches!(
                r.nature,
                Nature::Label | Nature::Charte | Nature::Approbation
            )
        })
        .collect();
    let mut ids: Vec<&str> = vus.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    // Les cinq référentiels du dépôt, y compris l'approbation ajoutée après les textes.
    for id in [
        "approbation-methodes-2019",
        "charte-territoire-actions",
        "nec-2021",
        "nec-2022",
        "numerique-inclusif-2019",
    ] {
        assert!(ids.contains(&id), "{id} absent : {ids:?}");
    }
    let fautes: Vec<String> = vus.iter().flat_map(|r| elements_sans_origine(r)).collect();
    assert!(fautes.is_empty(), "{}", fautes.join("\n"));

    // Les éléments signalés : interprétations de Repères, et la description de l'approbation
    // est vérifiée mot pour mot.
    let nec21 = commun::referentiel(&c, "nec-2021");
    let decl = nec21
        .eligibilite
        .iter()
        .find_map(|g| match g {
            Regle::Declaration { id, origine, .. } if id == "interet_general" => Some(origine),
            _ => None,
        })
        .expect("déclaration interet_general");
    match decl {
        Some(Origine::Interpretation { motif }) => assert!(
            motif.contains("qui concourent à des objectifs d'inclusion numérique et à des missions d'intérêt général"),
            "le motif cite l'annexe, 2.A : {motif}"
        ),
        o => panic!("interet_general : interprétation attendue, {o:?}"),
    }
    let approbation = commun::referentiel(&c, "approbation-methodes-2019");
    assert!(matches!(
        approbation.origine_description,
        Some(Origine::TexteOfficiel { ref fichier, .. }) if fichier == "arrete-2019-03-26-numerique-inclusif.txt"
    ));
    assert_eq!(
        citation(
            &toutes_les_citations(&c),
            "approbation-methodes-2019@2019.1",
            "description"
        )
        .fichier,
        "arrete-2019-03-26-numerique-inclusif.txt"
    );
    assert!(
        approbation
            .critere("presentation_methode")
            .and_then(|x| x.origine.as_ref())
            .is_some_and(Origine::est_interpretation),
        "presentation_methode : critère OUVERT, interprétation de Repères"
    );
}

#[test]
fn un_element_sans_origine_est_nomme() {
    let c = commun::catalogue();
    let mut r = commun::referentiel(&c, "nec-2021").clone();
    r.labellisation.origine_rappels_jours = None;
    if let Some(Regle::Declaration { origine, .. }) = r
        .eligibilite
        .iter_mut()
        .find(|g| matches!(g, Regle::Declaration { id, .. } if id == "interet_general"))
    {
        *origine = None;
    }
    r.criteres[3].origine_preuves_exigees = None;
    assert_eq!(
        elements_sans_origine(&r),
        [
            "nec-2021@2021.1 : critère « ouverture » : preuves_exigees / licences_admises sans origine_preuves_exigees (réglage de Repères)",
            "nec-2021@2021.1 : déclaration « interet_general » sans origine",
            "nec-2021@2021.1 : rappels_jours sans origine_rappels_jours (réglage de Repères)",
        ]
    );
}

#[test]
fn chaque_element_a_une_origine_et_les_interpretations_sont_marquees() {
    let c = commun::catalogue();
    for id in [
        "nec-2021",
        "nec-2022",
        "numerique-inclusif-2019",
        "charte-territoire-actions",
    ] {
        let r = commun::referentiel(&c, id);
        for cr in &r.criteres {
            assert!(
                matches!(cr.origine, Some(Origine::TexteOfficiel { .. })),
                "{id} {} : {:?}",
                cr.id,
                cr.origine
            );
            for e in &cr.exigences {
                assert!(
                    matches!(e.origine, Some(Origine::Transcription { .. })),
                    "{id} {} {} {}",
                    cr.id,
                    e.type_dispositif,
                    e.niveau
                );
            }
        }
        for e in &r.engagements {
            assert!(e.origine.is_some(), "{id} engagement {} sans origine", e.id);
        }
        for g in &r.eligibilite {
            if let Regle::Declaration { id: d, origine, .. } = g {
                assert!(origine.is_some(), "{id} déclaration {d} sans origine");
            }
        }
        assert!(
            r.labellisation
                .origine_duree_validite
                .as_ref()
                .is_some_and(Origine::est_interpretation),
            "{id} : la durée de validité est un réglage OUVERT"
        );
    }
    let interpretation = |r: &str, e: &str| {
        commun::referentiel(&c, r)
            .engagements
            .iter()
            .find(|x| x.id == e)
            .unwrap_or_else(|| panic!("{r} {e}"))
            .origine
            .as_ref()
            .is_some_and(Origine::est_interpretation)
    };
    for (r, e) in [
        ("nec-2022", "fiche_a_jour"),
        ("nec-2022", "mention_logos"),
        ("nec-2021", "exactitude"),
        ("numerique-inclusif-2019", "exactitude"),
        ("charte-territoire-actions", "licence_ouverte"),
    ] {
        assert!(interpretation(r, e), "{r} {e} : interprétation de Repères");
    }
    assert!(!interpretation("charte-territoire-actions", "documenter"));
}

#[test]
fn les_copies_ont_l_empreinte_annoncee_dans_sources_md() {
    let n = verifier_empreintes(&sources_md(), &copies())
        .unwrap_or_else(|e| panic!("{}", e.join("\n")));
    assert_eq!(n, 5);
}

#[test]
fn une_copie_modifiee_d_une_lettre_change_d_empreinte() {
    let mut v = copies();
    let (_, octets) = v
        .iter_mut()
        .find(|(n, _)| n == "arrete-2021-11-09-nec.txt")
        .unwrap();
    let i = octets.iter().position(|b| *b == b'D').unwrap();
    octets[i] = b'E';
    let e = verifier_empreintes(&sources_md(), &v).unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("arrete-2021-11-09-nec.txt : empreinte"),
        "{}",
        e[0]
    );
}

#[test]
fn un_texte_modifie_d_une_lettre_est_refuse() {
    let c = commun::catalogue();
    let mut v = toutes_les_citations(&c);
    // La « correction » silencieuse que l'issue 15 a trouvée : D232 devenu D323.
    let ouverture = v
        .iter_mut()
        .find(|x| x.champ == "criteres[ouverture].description")
        .unwrap();
    assert!(ouverture.texte.contains("D232-2-1"));
    ouverture.texte = ouverture.texte.replace("D232-2-1", "D323-2-1");
    let e = verifier(&v, &textes()).unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("nec-2021@2021.1, criteres[ouverture].description")
            && e[0].contains("introuvable mot pour mot dans arrete-2021-11-09-nec.txt"),
        "{}",
        e[0]
    );

    // Une seule lettre, dans la copie du texte officiel cette fois.
    let v = toutes_les_citations(&c);
    let mut t = textes();
    let charte = t
        .iter_mut()
        .find(|(n, _)| n == "charte-territoire-actions.txt")
        .unwrap();
    charte.1 = charte.1.replacen("medico-social", "médico-social", 1);
    let e = verifier(&v, &t).unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("criteres[gouvernance_locale]"), "{}", e[0]);
}

#[test]
fn la_normalisation_ne_tolere_que_les_blancs_et_le_gras() {
    assert_eq!(normaliser("  un\n\t**deux**   trois "), "un deux trois");
    let texte = vec![(
        "t.txt".to_string(),
        "Il est créé\n   un **label**.".to_string(),
    )];
    let cite = |t: &str| {
        verifier(
            &[Citation {
                referentiel: "x@1".into(),
                champ: "c".into(),
                fichier: "t.txt".into(),
                texte: t.into(),
            }],
            &texte,
        )
    };
    assert_eq!(cite("créé un label."), Ok(1));
    assert!(cite("créé un Label.").is_err(), "la casse compte");
    assert!(cite("cree un label.").is_err(), "les accents comptent");
    assert!(
        cite("créé un label").is_ok(),
        "une partie du texte est une citation"
    );
    assert!(cite("créé un label ;").is_err(), "la ponctuation compte");
}

#[test]
fn un_controle_vide_ou_un_fichier_absent_echoue() {
    let e = verifier(&[], &textes()).unwrap_err();
    assert!(e[0].contains("aucun texte d'origine officielle"), "{e:?}");
    let e = verifier(
        &[Citation {
            referentiel: "nec-2021@2021.1".into(),
            champ: "criteres[accessibilite].description".into(),
            fichier: "arrete-2021-11-09.txt".into(),
            texte: "Avoir".into(),
        }],
        &textes(),
    )
    .unwrap_err();
    assert!(
        e[0].contains("« arrete-2021-11-09.txt » n'existe pas dans textes-officiels/"),
        "{e:?}"
    );
}

fn casser(fichier: &str, avant: &str, apres: &str) -> Vec<ErreurReferentiel> {
    let mut fichiers = commun::fichiers();
    let f = fichiers.iter_mut().find(|(n, _)| n == fichier).unwrap();
    assert!(f.1.contains(avant), "motif absent de {fichier} : {avant}");
    f.1 = f.1.replacen(avant, apres, 1);
    charger(&fichiers)
        .expect_err("le fichier cassé doit être refusé")
        .0
}

fn un_message(erreurs: &[ErreurReferentiel]) -> String {
    assert_eq!(erreurs.len(), 1, "{erreurs:#?}");
    format!("{}", erreurs[0])
}

#[test]
fn validation_des_origines_et_des_corrections() {
    // Correction vide.
    let texte = commun::fichiers()
        .into_iter()
        .find(|(n, _)| n == "label-numerique-inclusif-2019.toml")
        .unwrap()
        .1;
    let ligne = texte
        .lines()
        .find(|l| l.starts_with("correction = \"agréger"))
        .unwrap();
    let m = un_message(&casser(
        "label-numerique-inclusif-2019.toml",
        ligne,
        "correction = \" \"",
    ));
    assert!(
        m.contains("criteres[4].correction") && m.contains("la correction est vide"),
        "{m}"
    );
    let fichier = "charte-territoire-actions.toml";
    let motif_medico =
        "motif_correction = \"Orthographe : « medico-social » s'écrit « médico-social ».\"";
    let m = un_message(&casser(fichier, motif_medico, "motif_correction = \"  \""));
    assert!(
        m.contains("criteres[5].motif_correction") && m.contains("doit dire ce qu'elle corrige"),
        "{m}"
    );
    // Correction sur une interprétation de Repères.
    let m = un_message(&casser(
        fichier,
        "id = \"licence_ouverte\"\n",
        "id = \"licence_ouverte\"\ncorrection = \"Autre chose.\"\nmotif_correction = \"Essai.\"\n",
    ));
    assert!(
        m.contains("engagements[3].correction")
            && m.contains("interprétation de Repères se corrige directement"),
        "{m}"
    );
    // Nature d'origine inconnue.
    let erreurs = casser(
        fichier,
        "origine = { nature = \"interpretation\", motif = \"Reformulation",
        "origine = { nature = \"inspiration\", motif = \"Reformulation",
    );
    // Le fichier illisible entraîne aussi les références croisées vers la charte.
    let m = erreurs
        .iter()
        .find(|e| e.fichier == fichier)
        .map(|e| e.to_string())
        .expect("erreur située dans le fichier de la charte");
    assert!(m.contains("inspiration"), "{m}");
    // Fichier de texte officiel qui n'est pas un nom simple.
    let m = un_message(&casser(
        fichier,
        "fichier = \"charte-territoire-actions.txt\"",
        "fichier = \"../../shared/seeds/002.txt\"",
    ));
    assert!(
        m.contains("criteres[0].origine.fichier") && m.contains("n'est pas un nom de fichier"),
        "{m}"
    );
    // Interprétation sans motif.
    let m = un_message(&casser(
        "label-nec-2022.toml",
        "motif = \"Le règlement ne fixe pas de durée de validité : réglage de Repères (OUVERT).\"",
        "motif = \"\"",
    ));
    assert!(
        m.contains("labellisation.origine_duree_validite.motif"),
        "{m}"
    );
    // Qualificatif pour un code qui n'est pas une cible du lien.
    let m = un_message(&casser(
        "correspondance-nec-nig.toml",
        "qualificatifs = { \"1.3\" = \"beaucoup plus large\" }",
        "qualificatifs = { \"6.1\" = \"beaucoup plus large\" }",
    ));
    assert!(m.contains("qualificatif pour le code « 6.1 »"), "{m}");
}
