//! Validation d'un fichier de référentiel seul (en-tête, identifiants, grille des critères,
//! règles, correspondances). Les contrôles croisés entre fichiers sont faits au chargement du
//! catalogue (module `catalogue`).

use std::collections::BTreeSet;

use super::{
    Chemin, Correspondance, ListeLicences, Nature, Nomenclatures, Origine, Rapport, Referentiel,
    Regle, Validite,
};

fn doublons<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<(usize, &'a str)> {
    let mut vus = BTreeSet::new();
    ids.enumerate().filter(|(_, id)| !vus.insert(*id)).collect()
}

/// Identifiant stable : lettres minuscules non accentuées, chiffres, « - » et « _ ».
pub(crate) fn identifiant_valide(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Message pour un identifiant qui n'est pas [valide](identifiant_valide).
pub(crate) fn message_identifiant(id: &str) -> String {
    format!("identifiant « {id} » invalide : lettres minuscules non accentuées, chiffres, « - » et « _ » seulement")
}

/// L'en-tête commun à tous les fichiers : identifiant, version, nom, période de validité.
pub(crate) fn verifier_entete(
    id: &str,
    version: &str,
    nom: &str,
    validite: &Validite,
    rapport: &mut Rapport<'_>,
) {
    let racine = Chemin::default();
    if !identifiant_valide(id) {
        rapport.erreur(&racine.cle("id"), message_identifiant(id));
    }
    if version.trim().is_empty() {
        rapport.erreur(&racine.cle("version"), "la version ne peut pas être vide");
    }
    if nom.trim().is_empty() {
        rapport.erreur(&racine.cle("nom"), "le nom ne peut pas être vide");
    }
    if let Some(fin) = validite.fin {
        if fin < validite.debut {
            rapport.erreur(
                &racine.cle("validite").cle("fin"),
                format!(
                    "la fin de validité ({fin}) précède le début ({})",
                    validite.debut
                ),
            );
        }
    }
}

fn verifier_ids<'a>(
    liste: &'static str,
    ids: impl Iterator<Item = &'a str> + Clone,
    rapport: &mut Rapport<'_>,
) {
    let racine = Chemin::default();
    for (i, id) in ids.clone().enumerate() {
        if !identifiant_valide(id) {
            rapport.erreur(
                &racine.cle(liste).indice(i).cle("id"),
                message_identifiant(id),
            );
        }
    }
    for (i, id) in doublons(ids) {
        rapport.erreur(
            &racine.cle(liste).indice(i).cle("id"),
            format!("identifiant « {id} » en double dans `{liste}`"),
        );
    }
}

pub(crate) fn valider_nomenclatures(n: &Nomenclatures, rapport: &mut Rapport<'_>) {
    verifier_entete(&n.id, &n.version, &n.nom, &n.validite, rapport);
    verifier_ids(
        "types_organisation",
        n.types_organisation.iter().map(|t| t.id.as_str()),
        rapport,
    );
    verifier_ids(
        "types_dispositif",
        n.types_dispositif.iter().map(|t| t.id.as_str()),
        rapport,
    );
    for (i, t) in n.types_organisation.iter().enumerate() {
        if t.identifiants.is_empty() {
            rapport.erreur(
                &Chemin::default()
                    .cle("types_organisation")
                    .indice(i)
                    .cle("identifiants"),
                "au moins un type d'identifiant (siret, rna) est requis",
            );
        }
    }
}

pub(crate) fn valider_licences(l: &ListeLicences, rapport: &mut Rapport<'_>) {
    verifier_entete(&l.id, &l.version, &l.nom, &l.validite, rapport);
    let tous = l
        .licences
        .iter()
        .flat_map(|x| std::iter::once(x.spdx.as_str()).chain(x.alias.iter().map(String::as_str)));
    for (i, id) in doublons(tous) {
        rapport.erreur(
            &Chemin::default().cle("licences"),
            format!(
                "identifiant SPDX « {id} » en double (occurrence n° {})",
                i + 1
            ),
        );
    }
    if l.licences.is_empty() {
        rapport.erreur(
            &Chemin::default().cle("licences"),
            "la liste des licences est vide",
        );
    }
}

pub(crate) fn valider_referentiel(
    r: &Referentiel,
    n: Option<&Nomenclatures>,
    rapport: &mut Rapport<'_>,
) {
    let racine = Chemin::default();
    verifier_entete(&r.id, &r.version, &r.nom, &r.validite, rapport);
    if !r.nature.instruite() {
        rapport.erreur(&racine.cle("nature"), "nature inattendue");
    }
    // Une approbation nomme qui approuve (l'attestation le dit) et qui instruit : le texte
    // (arrêté de 2019, 1.B et 1.D) le fixe, le fichier doit le recopier.
    if r.nature == Nature::Approbation {
        if r.delivre_par.as_deref().is_none_or(|x| x.trim().is_empty()) {
            rapport.erreur(
                &racine.cle("delivre_par"),
                "une approbation doit nommer qui approuve les méthodes (clé `delivre_par`)",
            );
        }
        if r.instruction.is_none() {
            rapport.erreur(
                &racine.cle("instruction"),
                "une approbation doit dire qui instruit les demandes (table `[instruction]`, clé `par`)",
            );
        }
    }
    if r.labellisation.duree_validite_mois == 0 {
        rapport.erreur(
            &racine.cle("labellisation").cle("duree_validite_mois"),
            "la durée de validité doit être d'au moins un mois",
        );
    }
    verifier_rappels_et_delais(r, rapport);
    if let Some(n) = n {
        for (i, d) in r.demandeurs.iter().enumerate() {
            if !n.types_organisation.iter().any(|t| &t.id == d) {
                rapport.erreur(
                    &racine.cle("demandeurs").indice(i),
                    format!("type d'organisation « {d} » inconnu des nomenclatures"),
                );
            }
        }
        for (i, d) in r.types_dispositif.iter().enumerate() {
            if !n.types_dispositif.iter().any(|t| &t.id == d) {
                rapport.erreur(
                    &racine.cle("types_dispositif").indice(i),
                    format!("type de dispositif « {d} » inconnu des nomenclatures"),
                );
            }
        }
    }
    if r.demandeurs.is_empty() {
        rapport.erreur(
            &racine.cle("demandeurs"),
            "au moins un type de demandeur est requis",
        );
    }
    if r.types_dispositif.is_empty() {
        rapport.erreur(
            &racine.cle("types_dispositif"),
            "au moins un type de dispositif est requis",
        );
    }
    if r.niveaux.is_empty() {
        rapport.erreur(&racine.cle("niveaux"), "au moins un niveau est requis");
    }
    for (i, niv) in r.niveaux.iter().enumerate() {
        if usize::from(niv.id) != i + 1 {
            rapport.erreur(
                &racine.cle("niveaux").indice(i).cle("id"),
                format!(
                    "les niveaux sont numérotés 1, 2, … dans l'ordre : attendu {}, trouvé {}",
                    i + 1,
                    niv.id
                ),
            );
        }
    }
    verifier_ids(
        "types_preuve",
        r.types_preuve.iter().map(|t| t.id.as_str()),
        rapport,
    );
    verifier_ids(
        "criteres",
        r.criteres.iter().map(|c| c.id.as_str()),
        rapport,
    );
    if r.criteres.is_empty() {
        rapport.erreur(&racine.cle("criteres"), "au moins un critère est requis");
    }
    let niveau_connu = |x: u8| r.niveaux.iter().any(|n| n.id == x);
    for (i, c) in r.criteres.iter().enumerate() {
        let ch = racine.cle("criteres").indice(i);
        for (j, niv) in c.obligatoire_aux_niveaux.iter().enumerate() {
            if !niveau_connu(*niv) {
                rapport.erreur(
                    &ch.cle("obligatoire_aux_niveaux").indice(j),
                    format!(
                        "niveau {niv} inconnu (niveaux définis : {})",
                        liste_niveaux(r)
                    ),
                );
            }
        }
        for (j, p) in c.preuves.iter().enumerate() {
            if r.type_preuve(p).is_none() {
                rapport.erreur(
                    &ch.cle("preuves").indice(j),
                    format!("type de preuve « {p} » inconnu (voir `types_preuve`)"),
                );
            }
        }
        let mut cases = BTreeSet::new();
        for (j, e) in c.exigences.iter().enumerate() {
            let che = ch.cle("exigences").indice(j);
            if !r.types_dispositif.contains(&e.type_dispositif) {
                rapport.erreur(
                    &che.cle("type_dispositif"),
                    format!(
                        "type de dispositif « {} » absent de `types_dispositif` de ce référentiel",
                        e.type_dispositif
                    ),
                );
            }
            if !niveau_connu(e.niveau) {
                rapport.erreur(
                    &che.cle("niveau"),
                    format!(
                        "niveau {} inconnu (niveaux définis : {})",
                        e.niveau,
                        liste_niveaux(r)
                    ),
                );
            }
            if e.texte.trim().is_empty() {
                rapport.erreur(&che.cle("texte"), "le texte de l'exigence est vide");
            }
            for (k, p) in e.preuves.iter().enumerate() {
                if r.type_preuve(p).is_none() {
                    rapport.erreur(
                        &che.cle("preuves").indice(k),
                        format!("type de preuve « {p} » inconnu (voir `types_preuve`)"),
                    );
                }
            }
            if !cases.insert((e.type_dispositif.as_str(), e.niveau)) {
                rapport.erreur(
                    &che,
                    format!(
                        "exigence en double pour le type « {} » au niveau {}",
                        e.type_dispositif, e.niveau
                    ),
                );
            }
        }
        // Une grille détaillée doit l'être entièrement : chaque type × chaque niveau.
        if !c.exigences.is_empty() {
            for t in &r.types_dispositif {
                for niv in &r.niveaux {
                    if !cases.contains(&(t.as_str(), niv.id)) {
                        rapport.erreur(
                            &ch.cle("exigences"),
                            format!(
                                "grille incomplète : pas d'exigence pour le type « {t} » au niveau {}",
                                niv.id
                            ),
                        );
                    }
                }
            }
        }
    }
    for (i, regle) in r.eligibilite.iter().enumerate() {
        let ch = racine.cle("eligibilite").indice(i);
        if let Regle::AuMoins { n, parmi, .. } = regle {
            for (j, id) in parmi.iter().enumerate() {
                if r.critere(id).is_none() {
                    rapport.erreur(
                        &ch.cle("parmi").indice(j),
                        format!("critère « {id} » inconnu"),
                    );
                }
            }
            if *n == 0 || *n > parmi.len() {
                rapport.erreur(
                    &ch.cle("n"),
                    format!(
                        "« au moins {n} parmi {} » est impossible ou sans effet",
                        parmi.len()
                    ),
                );
            }
        }
    }
    for (i, regle) in r.eligibilite.iter().enumerate() {
        if let Regle::Declaration {
            justification_min_caracteres: Some(0),
            ..
        } = regle
        {
            rapport.erreur(
                &racine
                    .cle("eligibilite")
                    .indice(i)
                    .cle("justification_min_caracteres"),
                "la justification doit compter au moins 1 caractère (ou retirez la clé)",
            );
        }
    }
    let partenaires_locaux = r
        .eligibilite
        .iter()
        .filter(|g| {
            matches!(
                g,
                Regle::Declaration {
                    partenaire_local: true,
                    ..
                }
            )
        })
        .count();
    if partenaires_locaux > 1 {
        rapport.erreur(
            &racine.cle("eligibilite"),
            "une seule déclaration peut porter `partenaire_local = true`",
        );
    }
    let ids_regles = r.eligibilite.iter().filter_map(|g| match g {
        Regle::Declaration { id, .. } | Regle::AuMoins { id, .. } => Some(id.as_str()),
        _ => None,
    });
    for (_, id) in doublons(ids_regles) {
        rapport.erreur(
            &racine.cle("eligibilite"),
            format!("règle « {id} » en double"),
        );
    }
    verifier_ids(
        "engagements",
        r.engagements.iter().map(|e| e.id.as_str()),
        rapport,
    );
    verifier_origines(r, rapport);
}

/// Un nom de fichier de `referentiels/textes-officiels/` : un nom simple en `.txt` (ni dossier,
/// ni chemin relatif), en minuscules non accentuées, chiffres, « - » et « _ ».
pub(crate) fn nom_texte_officiel_valide(fichier: &str) -> bool {
    fichier.strip_suffix(".txt").is_some_and(identifiant_valide)
}

/// L'origine d'un élément, et la correction éventuelle portée à côté de son texte officiel.
pub(crate) fn verifier_origine(
    ch: &Chemin,
    origine: Option<&Origine>,
    texte: &str,
    correction: Option<&str>,
    motif_correction: Option<&str>,
    rapport: &mut Rapport<'_>,
) {
    verifier_origine_cle(
        ch,
        "origine",
        origine,
        texte,
        correction,
        motif_correction,
        rapport,
    );
}

/// Comme [`verifier_origine`], pour une origine rangée sous une autre clé
/// (`origine_duree_validite`…).
pub(crate) fn verifier_origine_cle(
    ch: &Chemin,
    cle: &'static str,
    origine: Option<&Origine>,
    texte: &str,
    correction: Option<&str>,
    motif_correction: Option<&str>,
    rapport: &mut Rapport<'_>,
) {
    if let Some(o) = origine {
        let cho = ch.cle(cle);
        match o {
            Origine::TexteOfficiel { fichier, passage } => {
                if !nom_texte_officiel_valide(fichier) {
                    rapport.erreur(
                        &cho.cle("fichier"),
                        format!("« {fichier} » n'est pas un nom de fichier de `textes-officiels/` (nom simple en .txt : minuscules, chiffres, « - » et « _ »)"),
                    );
                }
                if passage.trim().is_empty() {
                    rapport.erreur(
                        &cho.cle("passage"),
                        "le passage cité (article, annexe…) ne peut pas être vide",
                    );
                }
            }
            Origine::Transcription { source, passage } => {
                if source.trim().is_empty() {
                    rapport.erreur(
                        &cho.cle("source"),
                        "la source transcrite ne peut pas être vide",
                    );
                }
                if passage.trim().is_empty() {
                    rapport.erreur(
                        &cho.cle("passage"),
                        "le passage transcrit ne peut pas être vide",
                    );
                }
            }
            Origine::Interpretation { motif } => {
                if motif.trim().is_empty() {
                    rapport.erreur(
                        &cho.cle("motif"),
                        "une interprétation de Repères doit dire sur quoi elle repose (`motif` vide)",
                    );
                }
            }
        }
    }
    match (correction, motif_correction) {
        (Some(c), motif) => {
            if c.trim().is_empty() {
                rapport.erreur(
                    &ch.cle("correction"),
                    "la correction est vide : retirer la clé `correction` s'il n'y a rien à corriger",
                );
            } else if c.trim() == texte.trim() {
                rapport.erreur(
                    &ch.cle("correction"),
                    "la correction est identique au texte officiel",
                );
            }
            if motif.is_none_or(|m| m.trim().is_empty()) {
                rapport.erreur(
                    &ch.cle("motif_correction"),
                    "une correction éditoriale doit dire ce qu'elle corrige (`motif_correction`)",
                );
            }
            if !matches!(
                origine,
                Some(Origine::TexteOfficiel { .. } | Origine::Transcription { .. })
            ) {
                rapport.erreur(
                    &ch.cle("correction"),
                    "une correction se porte à côté d'un texte officiel ou transcrit : donner une `origine` de nature « texte_officiel » ou « transcription » (une interprétation de Repères se corrige directement)",
                );
            }
        }
        (None, Some(_)) => rapport.erreur(
            &ch.cle("motif_correction"),
            "`motif_correction` sans `correction`",
        ),
        (None, None) => {}
    }
}

fn verifier_origines(r: &Referentiel, rapport: &mut Rapport<'_>) {
    let racine = Chemin::default();
    for (i, c) in r.criteres.iter().enumerate() {
        let ch = racine.cle("criteres").indice(i);
        verifier_origine(
            &ch,
            c.origine.as_ref(),
            &c.description,
            c.correction.as_deref(),
            c.motif_correction.as_deref(),
            rapport,
        );
        for (j, e) in c.exigences.iter().enumerate() {
            verifier_origine(
                &ch.cle("exigences").indice(j),
                e.origine.as_ref(),
                &e.texte,
                e.correction.as_deref(),
                e.motif_correction.as_deref(),
                rapport,
            );
        }
    }
    for (i, e) in r.engagements.iter().enumerate() {
        verifier_origine(
            &racine.cle("engagements").indice(i),
            e.origine.as_ref(),
            &e.texte,
            e.correction.as_deref(),
            e.motif_correction.as_deref(),
            rapport,
        );
    }
    for (i, g) in r.eligibilite.iter().enumerate() {
        if let Regle::Declaration {
            libelle,
            origine,
            correction,
            motif_correction,
            ..
        } = g
        {
            verifier_origine(
                &racine.cle("eligibilite").indice(i),
                origine.as_ref(),
                libelle,
                correction.as_deref(),
                motif_correction.as_deref(),
                rapport,
            );
        }
    }
    let reglages = [
        (
            racine.cle("labellisation"),
            "origine_duree_validite",
            r.labellisation.origine_duree_validite.as_ref(),
        ),
        (
            racine.cle("completude"),
            "origine",
            r.completude.origine.as_ref(),
        ),
        (
            Chemin::default(),
            "origine_demandeurs",
            r.origine_demandeurs.as_ref(),
        ),
        (
            racine.cle("labellisation"),
            "origine_rappels_jours",
            r.labellisation.origine_rappels_jours.as_ref(),
        ),
        (
            racine.cle("instruction"),
            "origine_delai_instruction",
            r.instruction
                .as_ref()
                .and_then(|i| i.origine_delai_instruction.as_ref()),
        ),
        (
            Chemin::default(),
            "origine_licences_admises",
            r.origine_licences_admises.as_ref(),
        ),
        (
            Chemin::default(),
            "origine_description",
            r.origine_description.as_ref(),
        ),
    ];
    for (ch, cle, origine) in reglages {
        verifier_origine_cle(&ch, cle, origine, "", None, None, rapport);
    }
    for (i, c) in r.criteres.iter().enumerate() {
        verifier_origine_cle(
            &racine.cle("criteres").indice(i),
            "origine_preuves_exigees",
            c.origine_preuves_exigees.as_ref(),
            "",
            None,
            None,
            rapport,
        );
    }
    for (i, g) in r.eligibilite.iter().enumerate() {
        if let Regle::Declaration {
            origine_justification,
            origine_partenaire_local,
            ..
        } = g
        {
            let ch = racine.cle("eligibilite").indice(i);
            for (cle, o) in [
                ("origine_justification", origine_justification),
                ("origine_partenaire_local", origine_partenaire_local),
            ] {
                verifier_origine_cle(&ch, cle, o.as_deref(), "", None, None, rapport);
            }
        }
    }
}

/// Réglages des rappels de fin de validité (`[labellisation] rappels_jours`) et du délai
/// d'instruction (`[instruction] delai_instruction_jours`).
fn verifier_rappels_et_delais(r: &Referentiel, rapport: &mut Rapport<'_>) {
    let racine = Chemin::default();
    let rappels = racine.cle("labellisation").cle("rappels_jours");
    // Un mois dure au moins 28 jours : un rappel doit tomber pendant la validité.
    let duree_min_jours = r.labellisation.duree_validite_mois.saturating_mul(28);
    let mut vus = BTreeSet::new();
    for (i, j) in r.labellisation.rappels_jours.iter().enumerate() {
        if *j == 0 {
            rapport.erreur(
                &rappels.indice(i),
                "un rappel se compte en jours avant la fin de validité : au moins 1",
            );
        } else if *j >= duree_min_jours {
            rapport.erreur(
                &rappels.indice(i),
                format!(
                    "rappel {j} jours avant la fin : plus long que la durée de validité ({} mois)",
                    r.labellisation.duree_validite_mois
                ),
            );
        }
        if !vus.insert(*j) {
            rapport.erreur(&rappels.indice(i), format!("rappel à {j} jours en double"));
        }
    }
    if let Some(i) = &r.instruction {
        let ch = racine.cle("instruction").cle("delai_instruction_jours");
        match (i.delai_instruction_jours, i.delai_jours) {
            (Some(0), _) => rapport.erreur(&ch, "le délai d'instruction doit être d'au moins 1 jour"),
            (Some(d), Some(texte)) if d > texte => rapport.erreur(
                &ch,
                format!(
                    "délai d'instruction de {d} jours : plus long que le délai fixé par le texte (`delai_jours` = {texte})"
                ),
            ),
            _ => {}
        }
    }
}

fn liste_niveaux(r: &Referentiel) -> String {
    r.niveaux
        .iter()
        .map(|n| n.id.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn valider_correspondance(
    c: &Correspondance,
    refs: &[Referentiel],
    rapport: &mut Rapport<'_>,
) {
    let racine = Chemin::default();
    verifier_entete(&c.id, &c.version, &c.nom, &c.validite, rapport);
    verifier_origine(&racine, c.origine.as_ref(), "", None, None, rapport);
    let versions: Vec<&Referentiel> = refs.iter().filter(|r| r.id == c.de).collect();
    if versions.is_empty() {
        rapport.erreur(
            &racine.cle("de"),
            format!("référentiel « {} » inconnu", c.de),
        );
    }
    for (_, code) in doublons(c.cibles.iter().map(|x| x.code.as_str())) {
        rapport.erreur(&racine.cle("cibles"), format!("code « {code} » en double"));
    }
    for (i, lien) in c.liens.iter().enumerate() {
        let ch = racine.cle("liens").indice(i);
        if !versions.is_empty() && !versions.iter().any(|r| r.critere(&lien.critere).is_some()) {
            rapport.erreur(
                &ch.cle("critere"),
                format!(
                    "critère « {} » inconnu du référentiel « {} »",
                    lien.critere, c.de
                ),
            );
        }
        for (code, qualificatif) in &lien.qualificatifs {
            if !lien.cibles.contains(code) {
                rapport.erreur(
                    &ch.cle("qualificatifs"),
                    format!("qualificatif pour le code « {code} », qui n'est pas une des `cibles` de ce lien"),
                );
            }
            if qualificatif.trim().is_empty() {
                rapport.erreur(
                    &ch.cle("qualificatifs"),
                    format!("qualificatif vide pour le code « {code} »"),
                );
            }
        }
        for (j, cible) in lien.cibles.iter().enumerate() {
            if !c.cibles.iter().any(|x| &x.code == cible) {
                rapport.erreur(
                    &ch.cle("cibles").indice(j),
                    format!("code « {cible} » absent de la liste `cibles`"),
                );
            }
        }
    }
}
