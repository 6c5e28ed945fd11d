//! Le catalogue : tous les fichiers de référentiels chargés et validés ensemble (labels et
//! chartes, nomenclatures, correspondances, licences, indicateurs), avec les contrôles croisés
//! entre fichiers. Ce module ne lit aucun fichier : [`charger`] reçoit des textes (nom de fichier,
//! contenu) et rend un [`Catalogue`] validé, ou la liste des erreurs, chacune situant le fichier,
//! l'endroit (ligne, colonne, chemin de clé) et le problème.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::indicateurs::{self, ReferentielIndicateurs};
use crate::lieux::fraicheur::{Fraicheur, ReglagesLieuxVivants};
use crate::referentiel::{
    erreur_toml, valider_correspondance, valider_licences, valider_nomenclatures,
    valider_referentiel, Chemin, Correspondance, Entree, ErreurReferentiel, ErreursReferentiels,
    LignesNationales, ListeLicences, Nature, Nomenclatures, PreuveExigee, Rapport, Referentiel,
    TypeOrganisation,
};
use crate::saisie::LongueursSaisie;

/// Tous les référentiels chargés et validés ensemble.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Catalogue {
    pub nomenclatures: Option<Nomenclatures>,
    pub referentiels: Vec<Referentiel>,
    pub correspondances: Vec<Correspondance>,
    pub licences: Vec<ListeLicences>,
    /// Référentiels d'indicateurs territoriaux.
    pub indicateurs: Vec<ReferentielIndicateurs>,
    /// Lignes téléphoniques nationales d'aide.
    pub lignes_nationales: Vec<LignesNationales>,
    /// Longueurs maximales des champs de saisie (la table appliquée est celle du dépôt, compilée :
    /// [`crate::saisie::longueurs`] ; le chargement vérifie le fichier).
    pub saisie: Vec<LongueursSaisie>,
    /// Réglages des lieux vivants (fraîcheur) : `referentiels/lieux-vivants.toml`.
    pub lieux_vivants: Vec<ReglagesLieuxVivants>,
    /// Motifs et limites des signalements du public sur les lieux (issue 16).
    pub signalements_lieux: Vec<crate::lieux::signalements::SignalementsLieux>,
}

impl Catalogue {
    /// Le référentiel d'identifiant et de version donnés.
    pub fn referentiel(&self, id: &str, version: &str) -> Option<&Referentiel> {
        self.referentiels
            .iter()
            .find(|r| r.id == id && r.version == version)
    }

    /// La version la plus récente en vigueur au jour donné d'un référentiel.
    pub fn referentiel_en_vigueur(&self, id: &str, jour: NaiveDate) -> Option<&Referentiel> {
        self.referentiels
            .iter()
            .filter(|r| r.id == id && r.validite.en_vigueur(jour))
            .max_by(|a, b| a.validite.debut.cmp(&b.validite.debut))
    }

    pub fn nomenclatures(&self) -> &Nomenclatures {
        self.nomenclatures
            .as_ref()
            .expect("un catalogue validé a toujours ses nomenclatures")
    }

    pub fn type_organisation(&self, id: &str) -> Option<&TypeOrganisation> {
        self.nomenclatures
            .as_ref()?
            .types_organisation
            .iter()
            .find(|t| t.id == id)
    }

    pub fn type_dispositif(&self, id: &str) -> Option<&Entree> {
        self.nomenclatures
            .as_ref()?
            .types_dispositif
            .iter()
            .find(|t| t.id == id)
    }

    /// Correspondances partant du référentiel d'identifiant donné.
    pub fn correspondances_de<'a>(
        &'a self,
        id: &'a str,
    ) -> impl Iterator<Item = &'a Correspondance> {
        self.correspondances.iter().filter(move |c| c.de == id)
    }

    /// Nombre total de fichiers chargés.
    pub fn nombre_fichiers(&self) -> usize {
        usize::from(self.nomenclatures.is_some())
            + self.referentiels.len()
            + self.correspondances.len()
            + self.licences.len()
            + self.indicateurs.len()
            + self.lignes_nationales.len()
            + self.saisie.len()
            + self.lieux_vivants.len()
            + self.signalements_lieux.len()
    }

    /// Réglages de fraîcheur des lieux : ceux du fichier `lieux_vivants` chargé, ou les valeurs
    /// par défaut (6 mois, lien valable 30 jours).
    pub fn fraicheur(&self) -> Fraicheur {
        self.lieux_vivants
            .first()
            .map(|r| r.fraicheur.clone())
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct EnteteMinimale {
    nature: Nature,
}

/// Charge et valide un jeu de fichiers `(nom, contenu)`. Toutes les erreurs sont rendues d'un coup.
pub fn charger(fichiers: &[(String, String)]) -> Result<Catalogue, ErreursReferentiels> {
    let mut erreurs = Vec::new();
    let mut catalogue = Catalogue::default();
    // Fichier d'origine de chaque élément, pour les contrôles croisés.
    let mut origines_ref = Vec::new();
    let mut origines_corr = Vec::new();
    let mut origine_nomenclatures = None;
    let mut origines_ind = Vec::new();

    for (nom, texte) in fichiers {
        let entete: EnteteMinimale = match toml::from_str(texte) {
            Ok(e) => e,
            Err(e) => {
                erreurs.push(erreur_toml(nom, texte, &e));
                continue;
            }
        };
        let resultat = match entete.nature {
            Nature::Label | Nature::Charte | Nature::Approbation => {
                toml::from_str::<Referentiel>(texte).map(|r| {
                    origines_ref.push((nom.clone(), texte.clone()));
                    catalogue.referentiels.push(r);
                })
            }
            Nature::Nomenclatures => toml::from_str::<Nomenclatures>(texte).map(|n| {
                if catalogue.nomenclatures.is_some() {
                    erreurs.push(ErreurReferentiel {
                        fichier: nom.clone(),
                        position: None,
                        chemin: Some("nature".into()),
                        message: "un seul fichier de nomenclatures est permis".into(),
                    });
                }
                origine_nomenclatures = Some((nom.clone(), texte.clone()));
                catalogue.nomenclatures = Some(n);
            }),
            Nature::Correspondance => toml::from_str::<Correspondance>(texte).map(|c| {
                origines_corr.push((nom.clone(), texte.clone()));
                catalogue.correspondances.push(c);
            }),
            Nature::Licences => toml::from_str::<ListeLicences>(texte).map(|l| {
                let mut r = Rapport::new(nom, texte);
                valider_licences(&l, &mut r);
                erreurs.extend(r.erreurs);
                catalogue.licences.push(l);
            }),
            Nature::LignesNationales => toml::from_str::<LignesNationales>(texte).map(|l| {
                let mut r = Rapport::new(nom, texte);
                valider_lignes_nationales(&l, &mut r);
                erreurs.extend(r.erreurs);
                catalogue.lignes_nationales.push(l);
            }),
            Nature::Saisie => toml::from_str::<LongueursSaisie>(texte).map(|l| {
                let mut r = Rapport::new(nom, texte);
                valider_longueurs(&l, &mut r);
                erreurs.extend(r.erreurs);
                catalogue.saisie.push(l);
            }),
            Nature::LieuxVivants => toml::from_str::<ReglagesLieuxVivants>(texte).map(|l| {
                let mut r = Rapport::new(nom, texte);
                crate::lieux::fraicheur::valider(&l, &mut r);
                erreurs.extend(r.erreurs);
                catalogue.lieux_vivants.push(l);
            }),
            Nature::SignalementsLieux => {
                toml::from_str::<crate::lieux::signalements::SignalementsLieux>(texte).map(|s| {
                    let mut r = Rapport::new(nom, texte);
                    crate::lieux::signalements::valider_fichier(&s, &mut r);
                    erreurs.extend(r.erreurs);
                    catalogue.signalements_lieux.push(s);
                })
            }
            Nature::Indicateurs => toml::from_str::<ReferentielIndicateurs>(texte).map(|i| {
                origines_ind.push((nom.clone(), texte.clone()));
                catalogue.indicateurs.push(i);
            }),
        };
        if let Err(e) = resultat {
            erreurs.push(erreur_toml(nom, texte, &e));
        }
    }

    match (&catalogue.nomenclatures, &origine_nomenclatures) {
        (Some(n), Some((nom, texte))) => {
            let mut r = Rapport::new(nom, texte);
            valider_nomenclatures(n, &mut r);
            erreurs.extend(r.erreurs);
        }
        _ => {
            if erreurs.is_empty() {
                erreurs.push(ErreurReferentiel {
                    fichier: "(ensemble des fichiers)".into(),
                    position: None,
                    chemin: None,
                    message: "aucun fichier de nature « nomenclatures » : les types d'organisation et de dispositif sont indispensables".into(),
                });
            }
        }
    }

    let mut vus = BTreeMap::new();
    // Un fichier illisible (une liste de licences, peut-être) : pas d'erreurs en cascade sur les
    // listes qu'il aurait définies.
    let listes_lues = erreurs.is_empty();
    for (r, (nom, texte)) in catalogue.referentiels.iter_mut().zip(&origines_ref) {
        let mut rapport = Rapport::new(nom, texte);
        resoudre_licences(r, &catalogue.licences, listes_lues, &mut rapport);
        let r = &*r;
        valider_referentiel(r, catalogue.nomenclatures.as_ref(), &mut rapport);
        if let Some(autre) = vus.insert(r.cle(), nom.clone()) {
            rapport.erreur(
                &Chemin::default().cle("version"),
                format!(
                    "le référentiel {} en version {} est déjà défini dans {autre}",
                    r.id, r.version
                ),
            );
        }
        erreurs.extend(rapport.erreurs);
    }

    for (c, (nom, texte)) in catalogue.correspondances.iter().zip(&origines_corr) {
        let mut rapport = Rapport::new(nom, texte);
        valider_correspondance(c, &catalogue.referentiels, &mut rapport);
        erreurs.extend(rapport.erreurs);
    }

    for (i, (nom, texte)) in catalogue.indicateurs.iter().zip(&origines_ind) {
        erreurs.extend(indicateurs::valider(
            i,
            Some(&catalogue.referentiels),
            nom,
            texte,
        ));
    }

    if erreurs.is_empty() {
        Ok(catalogue)
    } else {
        Err(ErreursReferentiels(erreurs))
    }
}

/// Résout les listes de licences citées par un référentiel (`licences_admises`, au niveau du
/// référentiel et de chaque critère) : chaque liste doit exister ; un critère qui exige une
/// licence doit en citer au moins une.
fn resoudre_licences(
    r: &mut Referentiel,
    listes: &[ListeLicences],
    signaler_inconnues: bool,
    rapport: &mut Rapport,
) {
    let resoudre = |ids: &[String], chemin: &Chemin, rapport: &mut Rapport| {
        let mut v = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            match listes.iter().find(|l| &l.id == id) {
                Some(l) => v.extend(l.licences.iter().cloned()),
                None if !signaler_inconnues => {}
                None => rapport.erreur(
                    &chemin.cle("licences_admises").indice(i),
                    format!(
                        "liste de licences « {id} » inconnue (identifiant d'un fichier de nature « licences »)"
                    ),
                ),
            }
        }
        v
    };
    r.licences = resoudre(&r.licences_admises, &Chemin::default(), rapport);
    for (i, c) in r.criteres.iter_mut().enumerate() {
        let ch = Chemin::default().cle("criteres").indice(i);
        c.licences = resoudre(&c.licences_admises, &ch, rapport);
        let exige = c.preuves_exigees.contains(&PreuveExigee::Licence)
            || c.exigences
                .iter()
                .any(|e| e.preuves_exigees.contains(&PreuveExigee::Licence));
        if exige && c.licences_admises.is_empty() {
            rapport.erreur(
                &ch.cle("licences_admises"),
                "ce critère exige une licence : citez la ou les listes de licences admises (par exemple licences_admises = [\"licences-d323-2-1\"])",
            );
        }
    }
}

/// Une ligne nationale a un numéro composable et, si elle en a, des horaires lisibles.
/// Longueurs de saisie : des maximums non nuls, chaque champ nommé une seule fois.
fn valider_longueurs(l: &LongueursSaisie, r: &mut Rapport) {
    if l.defaut == 0 {
        r.erreur(
            &Chemin::default().cle("defaut"),
            "la longueur par défaut doit être positive".to_string(),
        );
    }
    let mut vus = std::collections::BTreeSet::new();
    for (i, regle) in l.longueurs.iter().enumerate() {
        let chemin = Chemin::default().cle("longueurs").indice(i);
        if regle.max == 0 {
            r.erreur(
                &chemin.cle("max"),
                "le maximum doit être positif".to_string(),
            );
        }
        for champ in &regle.champs {
            if !vus.insert(champ.as_str()) {
                r.erreur(
                    &chemin.cle("champs"),
                    format!("le champ « {champ} » est déjà nommé par un autre groupe"),
                );
            }
        }
    }
}

fn valider_lignes_nationales(l: &LignesNationales, r: &mut Rapport) {
    for (i, ligne) in l.lignes.iter().enumerate() {
        let chemin = Chemin::default().cle("lignes").indice(i);
        if crate::lieux::lisible::telephone(&ligne.telephone).is_none() {
            r.erreur(
                &chemin.cle("telephone"),
                format!(
                    "« {} » n'est pas un numéro de téléphone composable (attendu : « 3939 », « 01 23 45 67 89 » ou « +33123456789 »)",
                    ligne.telephone
                ),
            );
        }
        if let Some(h) = &ligne.horaires {
            if let Err(e) = crate::horaires::Horaires::analyser(h) {
                r.erreur(
                    &chemin.cle("horaires"),
                    format!("horaires illisibles (format OpenStreetMap) : {e}"),
                );
            }
        }
    }
}
