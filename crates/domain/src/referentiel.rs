//! Référentiels : les critères et les règles de chaque label ou charte, tels qu'écrits dans les
//! fichiers TOML du dossier `referentiels/`. Ce module ne lit aucun fichier : il reçoit des textes
//! (nom de fichier, contenu) et rend un [`Catalogue`] validé, ou la liste des erreurs, chacune
//! situant le fichier, l'endroit (ligne, colonne, chemin de clé) et le problème.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Nature d'un fichier de référentiel (clé `nature`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    /// Un label : grille de critères, niveaux, règles d'éligibilité.
    Label,
    /// Une charte : mêmes notions (signataires, volets à choisir, engagements).
    Charte,
    /// Listes partagées : types d'organisation, types de dispositif.
    Nomenclatures,
    /// Table de correspondance entre les critères d'un référentiel et un autre référentiel.
    Correspondance,
    /// Liste de licences (par exemple celles de l'article D323-2-1 du CRPA).
    Licences,
    /// Indicateurs territoriaux (axes, indicateurs calculés ou saisis) : voir
    /// [`crate::indicateurs`].
    Indicateurs,
}

impl Nature {
    pub fn libelle(self) -> &'static str {
        match self {
            Nature::Label => "label",
            Nature::Charte => "charte",
            Nature::Nomenclatures => "nomenclatures",
            Nature::Correspondance => "correspondance",
            Nature::Licences => "licences",
            Nature::Indicateurs => "indicateurs",
        }
    }
}

/// Texte source d'un référentiel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Intitulé du texte (arrêté, charte, page publiée…).
    pub texte: String,
    /// Référence précise (NOR, JORF, date de publication…).
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// Période de validité du référentiel (dates ISO `AAAA-MM-JJ`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validite {
    pub debut: NaiveDate,
    #[serde(default)]
    pub fin: Option<NaiveDate>,
}

impl Validite {
    pub fn en_vigueur(&self, jour: NaiveDate) -> bool {
        self.debut <= jour && self.fin.is_none_or(|fin| jour <= fin)
    }
}

/// En-tête commun à tous les fichiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entete {
    pub id: String,
    pub version: String,
    pub nature: Nature,
    pub nom: String,
    pub source: Source,
    pub validite: Validite,
}

/// Une entrée de liste : identifiant stable et libellé affiché.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entree {
    pub id: String,
    pub libelle: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// Identifiant qu'une organisation peut présenter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeIdentifiant {
    Siret,
    Rna,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeOrganisation {
    pub id: String,
    pub libelle: String,
    /// Identifiants acceptés : il en faut au moins un parmi eux.
    pub identifiants: Vec<TypeIdentifiant>,
}

/// Fichier `nature = "nomenclatures"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nomenclatures {
    pub id: String,
    pub version: String,
    pub nature: Nature,
    pub nom: String,
    pub source: Source,
    pub validite: Validite,
    pub types_organisation: Vec<TypeOrganisation>,
    pub types_dispositif: Vec<Entree>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Niveau {
    pub id: u8,
    pub libelle: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// Exigence d'un critère pour un type de dispositif et un niveau (une case de la grille).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exigence {
    pub type_dispositif: String,
    pub niveau: u8,
    pub texte: String,
    /// Types de preuve attendus (identifiants de `types_preuve`).
    #[serde(default)]
    pub preuves: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Critere {
    pub id: String,
    pub libelle: String,
    pub description: String,
    /// Niveaux auxquels ce critère est obligatoire (vide : critère facultatif).
    #[serde(default)]
    pub obligatoire_aux_niveaux: Vec<u8>,
    /// Preuves attendues quand la grille ne détaille pas par type et par niveau.
    #[serde(default)]
    pub preuves: Vec<String>,
    #[serde(default)]
    pub exigences: Vec<Exigence>,
}

impl Critere {
    pub fn obligatoire_au_niveau(&self, niveau: u8) -> bool {
        self.obligatoire_aux_niveaux.contains(&niveau)
    }

    /// L'exigence pour un type de dispositif et un niveau, si la grille la détaille.
    pub fn exigence(&self, type_dispositif: &str, niveau: u8) -> Option<&Exigence> {
        self.exigences
            .iter()
            .find(|e| e.type_dispositif == type_dispositif && e.niveau == niveau)
    }
}

/// Une règle d'éligibilité, écrite dans le fichier (clé `regle`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "regle", rename_all = "snake_case", deny_unknown_fields)]
pub enum Regle {
    /// Le type de l'organisation demandeuse doit figurer dans `demandeurs`.
    TypeDemandeur,
    /// Le type du dispositif doit figurer dans `types_dispositif`.
    TypeDispositif,
    /// Une déclaration sur l'honneur que le demandeur doit pouvoir faire (réponse « oui »).
    Declaration {
        id: String,
        libelle: String,
        /// Message affiché quand la déclaration manque.
        message: String,
    },
    /// Au moins `n` critères parmi `parmi` doivent être retenus par le demandeur.
    AuMoins {
        id: String,
        n: usize,
        parmi: Vec<String>,
        message: String,
    },
}

/// Règles de complétude d'un dossier avant dépôt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completude {
    /// Longueur minimale, en caractères, de la description de chaque critère retenu.
    pub texte_min_caracteres: usize,
    /// Chaque critère retenu doit-il avoir au moins un lien ou un fichier ?
    pub justificatif_requis: bool,
}

/// Paramètres de labellisation (durée, etc.). Les valeurs que les textes ne fixent pas sont des
/// réglages du référentiel, signalés comme tels dans le fichier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labellisation {
    /// Durée de validité de la décision, en mois.
    pub duree_validite_mois: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Engagement {
    pub id: String,
    pub texte: String,
}

/// Fichier `nature = "label"` ou `nature = "charte"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Referentiel {
    pub id: String,
    pub version: String,
    pub nature: Nature,
    pub nom: String,
    /// Nom court affiché (par exemple « NEC 2021 »).
    pub nom_court: String,
    #[serde(default)]
    pub description: Option<String>,
    pub source: Source,
    pub validite: Validite,
    pub labellisation: Labellisation,
    /// Types d'organisation admis à demander (identifiants des nomenclatures).
    pub demandeurs: Vec<String>,
    /// Types de dispositif admis (identifiants des nomenclatures).
    pub types_dispositif: Vec<String>,
    pub niveaux: Vec<Niveau>,
    pub types_preuve: Vec<Entree>,
    pub criteres: Vec<Critere>,
    #[serde(default)]
    pub eligibilite: Vec<Regle>,
    pub completude: Completude,
    #[serde(default)]
    pub engagements: Vec<Engagement>,
    /// Partenaires que le demandeur associe à sa démarche (charte : « démarche partenariale »).
    #[serde(default)]
    pub partenaires: Option<ReglePartenaires>,
}

/// Partenaires demandés dans le dossier.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReglePartenaires {
    /// Nombre minimal de partenaires pour déposer.
    pub min: usize,
    /// Consigne affichée au demandeur.
    pub consigne: String,
}

impl Referentiel {
    pub fn critere(&self, id: &str) -> Option<&Critere> {
        self.criteres.iter().find(|c| c.id == id)
    }

    pub fn niveau(&self, id: u8) -> Option<&Niveau> {
        self.niveaux.iter().find(|n| n.id == id)
    }

    pub fn niveau_max(&self) -> u8 {
        self.niveaux.iter().map(|n| n.id).max().unwrap_or(1)
    }

    /// Critères obligatoires au niveau donné.
    pub fn criteres_obligatoires(&self, niveau: u8) -> impl Iterator<Item = &Critere> {
        self.criteres
            .iter()
            .filter(move |c| c.obligatoire_au_niveau(niveau))
    }

    pub fn type_preuve(&self, id: &str) -> Option<&Entree> {
        self.types_preuve.iter().find(|t| t.id == id)
    }

    /// Clé unique « id@version ».
    pub fn cle(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cible {
    pub code: String,
    pub libelle: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lien {
    pub critere: String,
    pub cibles: Vec<String>,
    #[serde(default)]
    pub remarque: Option<String>,
}

/// Fichier `nature = "correspondance"` : critères d'un référentiel → éléments d'un autre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correspondance {
    pub id: String,
    pub version: String,
    pub nature: Nature,
    pub nom: String,
    pub source: Source,
    pub validite: Validite,
    /// Référentiel dont les critères sont mis en correspondance (identifiant).
    pub de: String,
    /// Nom du référentiel cible (par exemple « NIG 1.1 »).
    pub vers: String,
    pub cibles: Vec<Cible>,
    pub liens: Vec<Lien>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageLicence {
    Donnees,
    Logiciel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// Identifiant SPDX.
    pub spdx: String,
    pub nom: String,
    pub usage: UsageLicence,
    /// Autres identifiants SPDX désignant la même licence (variantes « -or-later »…).
    #[serde(default)]
    pub alias: Vec<String>,
}

/// Fichier `nature = "licences"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListeLicences {
    pub id: String,
    pub version: String,
    pub nature: Nature,
    pub nom: String,
    pub source: Source,
    pub validite: Validite,
    pub licences: Vec<Licence>,
}

impl ListeLicences {
    /// La licence désignée par cet identifiant SPDX (ou l'un de ses alias), sans tenir compte de la casse.
    pub fn trouver(&self, spdx: &str) -> Option<&Licence> {
        self.licences.iter().find(|l| {
            l.spdx.eq_ignore_ascii_case(spdx)
                || l.alias.iter().any(|a| a.eq_ignore_ascii_case(spdx))
        })
    }
}

/// Tous les référentiels chargés et validés ensemble.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Catalogue {
    pub nomenclatures: Option<Nomenclatures>,
    pub referentiels: Vec<Referentiel>,
    pub correspondances: Vec<Correspondance>,
    pub licences: Vec<ListeLicences>,
    /// Référentiels d'indicateurs territoriaux.
    pub indicateurs: Vec<crate::indicateurs::ReferentielIndicateurs>,
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
    }
}

/// Une erreur de référentiel : le fichier, l'endroit, le problème.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErreurReferentiel {
    pub fichier: String,
    /// Ligne et colonne (à partir de 1), quand elles sont connues.
    pub position: Option<(usize, usize)>,
    /// Chemin de la clé en cause, par exemple `criteres[2].exigences[0].niveau`.
    pub chemin: Option<String>,
    pub message: String,
}

impl fmt::Display for ErreurReferentiel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.fichier)?;
        if let Some((ligne, colonne)) = self.position {
            write!(f, ", ligne {ligne}, colonne {colonne}")?;
        }
        if let Some(chemin) = &self.chemin {
            write!(f, ", clé `{chemin}`")?;
        }
        write!(f, " : {}", self.message)
    }
}

/// Toutes les erreurs trouvées dans un jeu de fichiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErreursReferentiels(pub Vec<ErreurReferentiel>);

impl fmt::Display for ErreursReferentiels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "{n} erreur{} dans les référentiels :",
            if n > 1 { "s" } else { "" }
        )?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ErreursReferentiels {}

/// Segment de chemin de clé.
#[derive(Debug, Clone)]
enum Segment {
    Cle(&'static str),
    Indice(usize),
}

#[derive(Debug, Clone, Default)]
struct Chemin(Vec<Segment>);

impl Chemin {
    fn cle(&self, cle: &'static str) -> Chemin {
        let mut c = self.clone();
        c.0.push(Segment::Cle(cle));
        c
    }
    fn indice(&self, i: usize) -> Chemin {
        let mut c = self.clone();
        c.0.push(Segment::Indice(i));
        c
    }
    fn texte(&self) -> String {
        let mut s = String::new();
        for seg in &self.0 {
            match seg {
                Segment::Cle(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Segment::Indice(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }
}

/// Position (ligne, colonne) d'une clé dans un texte TOML.
fn situer(texte: &str, chemin: &Chemin) -> Option<(usize, usize)> {
    let doc = toml_edit::ImDocument::parse(texte).ok()?;
    let mut item: &toml_edit::Item = doc.as_item();
    for seg in &chemin.0 {
        item = match seg {
            Segment::Cle(k) => item.get(*k)?,
            Segment::Indice(i) => item.get(*i)?,
        };
    }
    let debut = item.span()?.start;
    Some(ligne_colonne(texte, debut))
}

fn ligne_colonne(texte: &str, octet: usize) -> (usize, usize) {
    let avant = &texte[..octet.min(texte.len())];
    let ligne = avant.matches('\n').count() + 1;
    let colonne = avant
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count() + 1)
        .unwrap_or(1);
    (ligne, colonne)
}

/// Collecte les erreurs d'un fichier.
struct Rapport<'a> {
    fichier: &'a str,
    texte: &'a str,
    erreurs: Vec<ErreurReferentiel>,
}

impl<'a> Rapport<'a> {
    fn new(fichier: &'a str, texte: &'a str) -> Self {
        Rapport {
            fichier,
            texte,
            erreurs: Vec::new(),
        }
    }
    fn erreur(&mut self, chemin: &Chemin, message: impl Into<String>) {
        self.erreurs.push(ErreurReferentiel {
            fichier: self.fichier.to_string(),
            position: situer(self.texte, chemin),
            chemin: Some(chemin.texte()).filter(|c| !c.is_empty()),
            message: message.into(),
        });
    }
}

fn erreur_toml(fichier: &str, texte: &str, e: &toml::de::Error) -> ErreurReferentiel {
    ErreurReferentiel {
        fichier: fichier.to_string(),
        position: e.span().map(|s| ligne_colonne(texte, s.start)),
        chemin: None,
        message: traduire_message_toml(e.message()),
    }
}

/// Messages de la bibliothèque TOML, rendus en français pour les cas courants.
fn traduire_message_toml(message: &str) -> String {
    let m = message.trim();
    if let Some(reste) = m.strip_prefix("missing field ") {
        return format!("champ obligatoire manquant : {reste}");
    }
    if let Some(reste) = m.strip_prefix("unknown field ") {
        let (champ, attendus) = reste.split_once(", expected").unwrap_or((reste, ""));
        let attendus = attendus.trim_start_matches(" one of").trim();
        return if attendus.is_empty() {
            format!("champ inconnu : {champ}")
        } else {
            format!("champ inconnu : {champ} (champs permis : {attendus})")
        };
    }
    if let Some(reste) = m.strip_prefix("unknown variant ") {
        let (valeur, attendus) = reste.split_once(", expected").unwrap_or((reste, ""));
        let attendus = attendus.trim_start_matches(" one of").trim();
        return format!("valeur inconnue : {valeur} (valeurs permises : {attendus})");
    }
    if let Some(reste) = m.strip_prefix("invalid type: ") {
        return format!("type de valeur incorrect : {reste}");
    }
    if m.starts_with("input contains invalid characters") || m.contains("premature end of input") {
        return format!("date invalide (format attendu AAAA-MM-JJ) : {m}");
    }
    format!("syntaxe TOML invalide : {m}")
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
            Nature::Label | Nature::Charte => toml::from_str::<Referentiel>(texte).map(|r| {
                origines_ref.push((nom.clone(), texte.clone()));
                catalogue.referentiels.push(r);
            }),
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
            Nature::Indicateurs => {
                toml::from_str::<crate::indicateurs::ReferentielIndicateurs>(texte).map(|i| {
                    origines_ind.push((nom.clone(), texte.clone()));
                    catalogue.indicateurs.push(i);
                })
            }
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
    for (r, (nom, texte)) in catalogue.referentiels.iter().zip(&origines_ref) {
        let mut rapport = Rapport::new(nom, texte);
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
        erreurs.extend(crate::indicateurs::valider(
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

fn doublons<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<(usize, &'a str)> {
    let mut vus = BTreeSet::new();
    ids.enumerate().filter(|(_, id)| !vus.insert(*id)).collect()
}

fn identifiant_valide(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn verifier_entete(
    id: &str,
    version: &str,
    nom: &str,
    validite: &Validite,
    rapport: &mut Rapport<'_>,
) {
    let racine = Chemin::default();
    if !identifiant_valide(id) {
        rapport.erreur(
            &racine.cle("id"),
            format!("identifiant « {id} » invalide : lettres minuscules non accentuées, chiffres, « - » et « _ » seulement"),
        );
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
                format!("identifiant « {id} » invalide : lettres minuscules non accentuées, chiffres, « - » et « _ » seulement"),
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

fn valider_nomenclatures(n: &Nomenclatures, rapport: &mut Rapport<'_>) {
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

fn valider_licences(l: &ListeLicences, rapport: &mut Rapport<'_>) {
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

fn valider_referentiel(r: &Referentiel, n: Option<&Nomenclatures>, rapport: &mut Rapport<'_>) {
    let racine = Chemin::default();
    verifier_entete(&r.id, &r.version, &r.nom, &r.validite, rapport);
    if !matches!(r.nature, Nature::Label | Nature::Charte) {
        rapport.erreur(&racine.cle("nature"), "nature inattendue");
    }
    if r.labellisation.duree_validite_mois == 0 {
        rapport.erreur(
            &racine.cle("labellisation").cle("duree_validite_mois"),
            "la durée de validité doit être d'au moins un mois",
        );
    }
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
}

fn liste_niveaux(r: &Referentiel) -> String {
    r.niveaux
        .iter()
        .map(|n| n.id.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn valider_correspondance(c: &Correspondance, refs: &[Referentiel], rapport: &mut Rapport<'_>) {
    let racine = Chemin::default();
    verifier_entete(&c.id, &c.version, &c.nom, &c.validite, rapport);
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
