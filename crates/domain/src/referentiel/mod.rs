//! Référentiels : les critères et les règles de chaque label ou charte, tels qu'écrits dans les
//! fichiers TOML du dossier `referentiels/`. Ce module décrit ce que contient chaque fichier
//! (ce fichier-ci), situe les erreurs (`rapport`) et valide un fichier seul (`validation`).
//! L'ensemble chargé et ses contrôles croisés sont le catalogue (module `catalogue`), qui dépend
//! de ce module et non l'inverse.

pub mod fidelite;
mod rapport;
mod validation;

pub(crate) use rapport::{erreur_toml, ligne_colonne, Chemin, Rapport};
pub use rapport::{ErreurReferentiel, ErreursReferentiels};
pub(crate) use validation::{
    identifiant_valide, message_identifiant, valider_correspondance, valider_licences,
    valider_nomenclatures, valider_referentiel, verifier_entete,
};

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// D'où vient un texte ou un réglage d'un référentiel (clé `origine`, table en ligne dont la clé
/// `nature` dit le cas). Montré sur la page publique du référentiel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "nature", rename_all = "snake_case", deny_unknown_fields)]
pub enum Origine {
    /// Texte repris **mot pour mot** d'un texte officiel recopié dans
    /// `referentiels/textes-officiels/` : `fichier` est le nom de la copie, `passage` situe le
    /// texte (article, annexe…). Le test de fidélité vérifie que le texte s'y trouve.
    TexteOfficiel { fichier: String, passage: String },
    /// Transcription d'une source dont aucune copie n'est conservée (par exemple la grille du
    /// label publiée sur la page de l'ANCT en 2022) : non vérifiable mot pour mot.
    Transcription { source: String, passage: String },
    /// Interprétation de Repères : aucun texte officiel ne dit cela (réglage `OUVERT`,
    /// engagement ajouté, reformulation) ; `motif` dit sur quoi elle repose.
    Interpretation { motif: String },
}

impl Origine {
    /// Libellé court de la nature de l'origine, pour l'affichage.
    pub fn libelle(&self) -> &'static str {
        match self {
            Origine::TexteOfficiel { .. } => "Texte officiel, cité mot pour mot",
            Origine::Transcription { .. } => "Transcription d'une source non conservée",
            Origine::Interpretation { .. } => "Interprétation de Repères",
        }
    }

    /// Précision affichée après le libellé : le passage cité, la source transcrite ou le motif.
    pub fn detail(&self) -> String {
        match self {
            Origine::TexteOfficiel { passage, .. } => passage.clone(),
            Origine::Transcription { source, passage } => format!("{source}, {passage}"),
            Origine::Interpretation { motif } => motif.clone(),
        }
    }

    pub fn est_interpretation(&self) -> bool {
        matches!(self, Origine::Interpretation { .. })
    }
}

/// Nature d'un fichier de référentiel (clé `nature`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    /// Un label : grille de critères, niveaux, règles d'éligibilité.
    Label,
    /// Une charte : mêmes notions (signataires, volets à choisir, engagements).
    Charte,
    /// Approbation d'une méthode (arrêté du 26 mars 2019, 1.B à 1.D : l'Agence « instruit les
    /// demandes d'approbation des méthodes et de labellisation des projets ») : même moteur de
    /// dossiers qu'un label, avec ses propres mots (une méthode est approuvée, pas labellisée).
    Approbation,
    /// Listes partagées : types d'organisation, types de dispositif.
    Nomenclatures,
    /// Table de correspondance entre les critères d'un référentiel et un autre référentiel.
    Correspondance,
    /// Liste de licences (par exemple celles de l'article D323-2-1 du CRPA).
    Licences,
    /// Indicateurs territoriaux (axes, indicateurs calculés ou saisis) : voir le module
    /// `indicateurs`.
    Indicateurs,
    /// Lignes téléphoniques nationales vers lesquelles orienter une personne quand un lieu ne
    /// donne ni horaires ni contact (par exemple « Allô Service Public », 39 39).
    LignesNationales,
    /// Longueur maximale de chaque champ de saisie (une seule table pour tous les formulaires) :
    /// voir le module `saisie`.
    Saisie,
    /// Réglages des lieux tenus à jour par les structures (fraîcheur) : voir
    /// `lieux::fraicheur`.
    LieuxVivants,
    /// Motifs et limites des signalements du public sur les lieux (issue 16) : voir
    /// `lieux::signalements`.
    SignalementsLieux,
}

impl Nature {
    pub fn libelle(self) -> &'static str {
        match self {
            Nature::Label => "label",
            Nature::Charte => "charte",
            Nature::Approbation => "approbation",
            Nature::Nomenclatures => "nomenclatures",
            Nature::Correspondance => "correspondance",
            Nature::Licences => "licences",
            Nature::Indicateurs => "indicateurs",
            Nature::LignesNationales => "lignes nationales",
            Nature::Saisie => "longueurs de saisie",
            Nature::LieuxVivants => "lieux vivants",
            Nature::SignalementsLieux => "signalements des lieux",
        }
    }

    /// Nature d'un référentiel instruit par le moteur de dossiers (label, charte, approbation).
    pub fn instruite(self) -> bool {
        matches!(self, Nature::Label | Nature::Charte | Nature::Approbation)
    }

    /// Un référentiel dont les titulaires sont publiés au registre (labels et méthodes
    /// approuvées ; les signataires d'une charte ont leur propre liste).
    pub fn au_registre(self) -> bool {
        matches!(self, Nature::Label | Nature::Approbation)
    }

    /// Les mots d'une décision favorable, selon la nature : une charte est signée et
    /// contresignée, une méthode approuvée, un dispositif labellisé. Voir [`Vocabulaire`].
    pub fn vocabulaire(self) -> &'static Vocabulaire {
        match self {
            Nature::Charte => &VOCABULAIRE_CHARTE,
            Nature::Approbation => &VOCABULAIRE_APPROBATION,
            _ => &VOCABULAIRE_LABEL,
        }
    }
}

/// Les mots propres à une nature de référentiel, pour les pages, les courriels, le registre,
/// le badge et l'attestation : aucun « label » pour une charte ni pour une méthode.
#[derive(Debug, PartialEq, Eq)]
pub struct Vocabulaire {
    /// Ce que demande le dossier (« Demande de labellisation »).
    pub demande: &'static str,
    /// Titre de l'attestation PDF.
    pub attestation: &'static str,
    /// Complément du lien de téléchargement (« Télécharger l'attestation … »).
    pub attestation_de: &'static str,
    /// Devant le nom de l'émetteur (« Label délivré par »).
    pub delivre_par: &'static str,
    /// État d'un dossier accordé (« Labellisé »).
    pub accorde: &'static str,
    /// Statut au registre, en minuscules (« labellisé »).
    pub statut: &'static str,
    /// Action de l'instruction qui accorde (« Labelliser »).
    pub action: &'static str,
    /// Ce qu'est le référentiel, avec l'article défini (« le label »).
    pub le_titre: &'static str,
    /// Complément de nom (« du label »).
    pub du_titre: &'static str,
    /// Ce qui est distingué, avec l'article défini (« le dispositif »).
    pub objet: &'static str,
    /// Validité en cours, pour la vérification d'une attestation.
    pub en_validite: &'static str,
    /// Validité échue, pour la vérification d'une attestation.
    pub plus_valide: &'static str,
    /// Date de la décision au registre (« Labellisé le »).
    pub accorde_le: &'static str,
}

pub const VOCABULAIRE_LABEL: Vocabulaire = Vocabulaire {
    demande: "Demande de labellisation",
    attestation: "Attestation de labellisation",
    attestation_de: "de labellisation",
    delivre_par: "Label délivré par",
    accorde: "Labellisé",
    statut: "labellisé",
    action: "Labelliser",
    le_titre: "le label",
    du_titre: "du label",
    objet: "le dispositif",
    en_validite: "label en cours de validité",
    plus_valide: "mais le label n'est plus valide",
    accorde_le: "Labellisé le",
};

/// Charte (seed 002) : le territoire « signe » la charte ; l'État « valorise la démarche à
/// travers la signature de la Charte » : il la contresigne.
pub const VOCABULAIRE_CHARTE: Vocabulaire = Vocabulaire {
    demande: "Signature de la charte",
    attestation: "Attestation de signature de la charte",
    attestation_de: "de signature de la charte",
    delivre_par: "Charte contresignée par",
    accorde: "Signée et contresignée",
    statut: "signataire",
    action: "Contresigner la charte",
    le_titre: "la charte",
    du_titre: "de la charte",
    objet: "la démarche",
    en_validite: "signature en cours de validité",
    plus_valide: "mais la signature n'est plus valide",
    accorde_le: "Charte contresignée le",
};

/// Approbation d'une méthode (seed 001, 1.B à 1.D : « demandes d'approbation des méthodes »).
pub const VOCABULAIRE_APPROBATION: Vocabulaire = Vocabulaire {
    demande: "Demande d'approbation de la méthode",
    attestation: "Attestation d'approbation de la méthode",
    attestation_de: "d'approbation de la méthode",
    delivre_par: "Méthode approuvée par",
    accorde: "Méthode approuvée",
    statut: "méthode approuvée",
    action: "Approuver la méthode",
    le_titre: "l'approbation",
    du_titre: "de l'approbation",
    objet: "la méthode",
    en_validite: "approbation en cours de validité",
    plus_valide: "mais l'approbation n'est plus valide",
    accorde_le: "Méthode approuvée le",
};

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
    /// Qui délivre le label ou contresigne la charte, tel que le texte source le nomme (par
    /// exemple « l'Agence nationale de la cohésion des territoires (ANCT) ») : l'émetteur
    /// nommé sur l'attestation, Repères n'étant que la plateforme.
    #[serde(default)]
    pub delivre_par: Option<String>,
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
    /// D'où vient le texte : texte officiel (cité mot pour mot), transcription ou
    /// interprétation de Repères.
    #[serde(default)]
    pub origine: Option<Origine>,
    /// Correction éditoriale du texte officiel, portée à côté de lui (le texte officiel reste
    /// le texte affiché et cité ; la correction est montrée avec lui).
    #[serde(default)]
    pub correction: Option<String>,
    /// Ce que corrige la correction, et pourquoi.
    #[serde(default)]
    pub motif_correction: Option<String>,

    /// Preuves vérifiées à la complétude pour cette case de la grille (en plus de celles du
    /// critère).
    #[serde(default)]
    pub preuves_exigees: Vec<PreuveExigee>,
}

/// Ce que la complétude vérifie pour un critère (clé `preuves_exigees`) : des contrôles fixes,
/// que chaque référentiel choisit d'exiger critère par critère.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreuveExigee {
    /// Une description d'au moins `completude.texte_min_caracteres` caractères.
    Description,
    /// Au moins un lien valide (https:// ou http://).
    Lien,
    /// Au moins une pièce jointe.
    Document,
    /// Une licence de la liste admise par le critère (`licences_admises`) et le lien https://
    /// vers le matériel publié sous cette licence.
    Licence,
}

impl PreuveExigee {
    pub fn code(self) -> &'static str {
        match self {
            PreuveExigee::Description => "description",
            PreuveExigee::Lien => "lien",
            PreuveExigee::Document => "document",
            PreuveExigee::Licence => "licence",
        }
    }
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
    /// D'où vient le texte : texte officiel (cité mot pour mot), transcription ou
    /// interprétation de Repères.
    #[serde(default)]
    pub origine: Option<Origine>,
    /// Correction éditoriale du texte officiel, portée à côté de lui (le texte officiel reste
    /// le texte affiché et cité ; la correction est montrée avec lui).
    #[serde(default)]
    pub correction: Option<String>,
    /// Ce que corrige la correction, et pourquoi.
    #[serde(default)]
    pub motif_correction: Option<String>,

    /// Preuves que la complétude vérifie (voir [`PreuveExigee`]).
    #[serde(default)]
    pub preuves_exigees: Vec<PreuveExigee>,
    /// Listes de licences admises (identifiants de fichiers `nature = "licences"`) quand une
    /// licence est exigée.
    #[serde(default)]
    pub licences_admises: Vec<String>,
    /// Les licences de ces listes, résolues au chargement du catalogue.
    #[serde(skip)]
    pub licences: Vec<Licence>,
    /// D'où viennent `preuves_exigees` et `licences_admises` (réglage de Repères :
    /// `interpretation`).
    #[serde(default)]
    pub origine_preuves_exigees: Option<Origine>,
}

impl Critere {
    /// Les preuves exigées pour un type de dispositif et un niveau : celles du critère et celles
    /// de la case de la grille.
    pub fn preuves_exigees_pour(&self, type_dispositif: &str, niveau: u8) -> Vec<PreuveExigee> {
        let mut v: Vec<PreuveExigee> = self.preuves_exigees.clone();
        if let Some(e) = self.exigence(type_dispositif, niveau) {
            v.extend(e.preuves_exigees.iter().copied());
        }
        v.sort();
        v.dedup();
        v
    }

    /// La licence admise désignée par cet identifiant SPDX (ou un alias).
    pub fn licence_admise(&self, spdx: &str) -> Option<&Licence> {
        trouver_licence(&self.licences, spdx)
    }

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
        /// D'où vient le libellé (voir [`Origine`]).
        #[serde(default)]
        origine: Option<Origine>,
        /// Correction éditoriale du libellé officiel, portée à côté de lui.
        #[serde(default)]
        correction: Option<String>,
        #[serde(default)]
        motif_correction: Option<String>,

        /// Si présent : la déclaration doit être justifiée par un texte d'au moins ce nombre de
        /// caractères (par exemple : à quelles missions d'intérêt général le dispositif concourt).
        #[serde(default)]
        justification_min_caracteres: Option<usize>,
        /// Consigne affichée pour la justification.
        #[serde(default)]
        justification_consigne: Option<String>,
        /// La déclaration porte sur un retour d'expérience de terrain avec un partenaire local :
        /// le demandeur nomme le partenaire, décrit le retour et en donne une preuve (un lien).
        #[serde(default)]
        partenaire_local: bool,
        /// D'où viennent la justification demandée et son seuil (réglage de Repères ; en boîte
        /// pour garder la variante petite).
        #[serde(default)]
        origine_justification: Option<Box<Origine>>,
        /// D'où viennent les pièces demandées pour le partenaire local (réglage de Repères).
        #[serde(default)]
        origine_partenaire_local: Option<Box<Origine>>,
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
    /// D'où viennent ces seuils (le plus souvent : réglage de Repères, `interpretation`).
    #[serde(default)]
    pub origine: Option<Origine>,
}

/// Paramètres de labellisation (durée, etc.). Les valeurs que les textes ne fixent pas sont des
/// réglages du référentiel, signalés comme tels dans le fichier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labellisation {
    /// Durée de validité de la décision, en mois.
    pub duree_validite_mois: u32,
    /// D'où vient cette durée (réglage `OUVERT` : `interpretation`).
    #[serde(default)]
    pub origine_duree_validite: Option<Origine>,
    /// Rappels de fin de validité aux titulaires : combien de jours avant la fin (par exemple
    /// `[90, 30]`) ; vide : aucun rappel. Réglage de Repères (les textes n'en prévoient pas).
    #[serde(default)]
    pub rappels_jours: Vec<u32>,
    /// D'où viennent les rappels (réglage de Repères : `interpretation`).
    #[serde(default)]
    pub origine_rappels_jours: Option<Origine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Engagement {
    pub id: String,
    pub texte: String,
    /// D'où vient le texte : texte officiel (cité mot pour mot), transcription ou
    /// interprétation de Repères.
    #[serde(default)]
    pub origine: Option<Origine>,
    /// Correction éditoriale du texte officiel, portée à côté de lui (le texte officiel reste
    /// le texte affiché et cité ; la correction est montrée avec lui).
    #[serde(default)]
    pub correction: Option<String>,
    /// Ce que corrige la correction, et pourquoi.
    #[serde(default)]
    pub motif_correction: Option<String>,
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
    /// Qui délivre le label ou contresigne la charte, tel que le texte source le nomme (par
    /// exemple « l'Agence nationale de la cohésion des territoires (ANCT) ») : l'émetteur
    /// nommé sur l'attestation, Repères n'étant que la plateforme.
    #[serde(default)]
    pub delivre_par: Option<String>,
    pub validite: Validite,
    pub labellisation: Labellisation,
    /// Types d'organisation admis à demander (identifiants des nomenclatures).
    pub demandeurs: Vec<String>,
    /// D'où vient la liste des demandeurs, quand le texte ne la donne pas (`interpretation`).
    #[serde(default)]
    pub origine_demandeurs: Option<Origine>,
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
    /// Qui instruit les dossiers, et dans quel délai si le texte en fixe un.
    #[serde(default)]
    pub instruction: Option<InstructionDossiers>,
    /// Listes de licences admises pour les livrables (rapports d'une charte), identifiants de
    /// fichiers `nature = "licences"`.
    #[serde(default)]
    pub licences_admises: Vec<String>,
    /// Les licences de ces listes, résolues au chargement du catalogue.
    #[serde(skip)]
    pub licences: Vec<Licence>,
    /// D'où vient la liste des licences admises pour les livrables (`interpretation`…).
    #[serde(default)]
    pub origine_licences_admises: Option<Origine>,
    /// D'où vient la description (texte officiel cité mot pour mot, vérifié par le contrôle de
    /// fidélité, ou interprétation).
    #[serde(default)]
    pub origine_description: Option<Origine>,
}

/// L'instruction des dossiers, telle que le texte la décrit (affichée au demandeur après le dépôt).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct InstructionDossiers {
    /// Qui instruit, dans les mots du texte (« l'ANCT »).
    pub par: String,
    /// Délai d'instruction en jours, si le texte en fixe un.
    #[serde(default)]
    pub delai_jours: Option<u32>,
    /// Ce que dit le texte de la suite du dépôt, quand il ne fixe pas de délai.
    #[serde(default)]
    pub suite: Option<String>,
    /// Délai d'instruction que se fixe l'instruction (réglage de Repères, au plus `delai_jours`
    /// si le texte en fixe un) : au-delà, le dossier est signalé « en retard » dans la file.
    #[serde(default)]
    pub delai_instruction_jours: Option<u32>,
    /// D'où vient ce délai (réglage de Repères : `interpretation`).
    #[serde(default)]
    pub origine_delai_instruction: Option<Origine>,
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

    /// La déclaration « retour d'expérience avec un partenaire local », s'il y en a une.
    pub fn declaration_partenaire_local(&self) -> Option<&Regle> {
        self.eligibilite.iter().find(|g| {
            matches!(
                g,
                Regle::Declaration {
                    partenaire_local: true,
                    ..
                }
            )
        })
    }

    /// La licence admise pour les livrables (rapports d'une charte).
    pub fn licence_admise(&self, spdx: &str) -> Option<&Licence> {
        trouver_licence(&self.licences, spdx)
    }

    pub fn type_preuve(&self, id: &str) -> Option<&Entree> {
        self.types_preuve.iter().find(|t| t.id == id)
    }

    /// Délai au-delà duquel un dossier est « en retard » dans la file d'instruction : le réglage
    /// `delai_instruction_jours`, sinon le délai fixé par le texte (`delai_jours`) ; `None` : aucun.
    pub fn delai_instruction(&self) -> Option<u32> {
        let i = self.instruction.as_ref()?;
        i.delai_instruction_jours.or(i.delai_jours)
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
    /// Qualificatif de la correspondance, par code cible, tel que la source l'écrit entre
    /// parenthèses (« beaucoup plus large », « plus juridique ») ; affiché avec la cible.
    #[serde(default)]
    pub qualificatifs: BTreeMap<String, String>,
}

impl Lien {
    /// Le qualificatif de la correspondance avec ce code cible, s'il y en a un.
    pub fn qualificatif(&self, code: &str) -> Option<&str> {
        self.qualificatifs.get(code).map(String::as_str)
    }
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
    /// Qui délivre le label ou contresigne la charte, tel que le texte source le nomme (par
    /// exemple « l'Agence nationale de la cohésion des territoires (ANCT) ») : l'émetteur
    /// nommé sur l'attestation, Repères n'étant que la plateforme.
    #[serde(default)]
    pub delivre_par: Option<String>,
    pub validite: Validite,
    /// Référentiel dont les critères sont mis en correspondance (identifiant).
    pub de: String,
    /// Nom du référentiel cible (par exemple « NIG 1.1 »).
    pub vers: String,
    /// D'où viennent la table et ses qualificatifs (voir [`Origine`]).
    #[serde(default)]
    pub origine: Option<Origine>,
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

/// Une ligne téléphonique nationale d'aide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LigneNationale {
    pub id: String,
    /// « Allô Service Public ».
    pub nom: String,
    /// Numéro tel qu'il se compose (« 3939 », « +33170772372 »).
    pub telephone: String,
    /// Ce que la ligne apporte, en une phrase.
    pub description: String,
    /// Horaires au format OpenStreetMap `opening_hours` (heure de Paris).
    #[serde(default)]
    pub horaires: Option<String>,
    /// « Service gratuit, coût de l'appel selon l'opérateur ».
    pub cout: String,
}

/// Fichier `nature = "lignes_nationales"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LignesNationales {
    pub id: String,
    pub version: String,
    pub nature: Nature,
    pub nom: String,
    pub source: Source,
    pub validite: Validite,
    pub lignes: Vec<LigneNationale>,
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
    /// Qui délivre le label ou contresigne la charte, tel que le texte source le nomme (par
    /// exemple « l'Agence nationale de la cohésion des territoires (ANCT) ») : l'émetteur
    /// nommé sur l'attestation, Repères n'étant que la plateforme.
    #[serde(default)]
    pub delivre_par: Option<String>,
    pub validite: Validite,
    pub licences: Vec<Licence>,
}

impl ListeLicences {
    /// La licence désignée par cet identifiant SPDX (ou l'un de ses alias), sans tenir compte de la casse.
    pub fn trouver(&self, spdx: &str) -> Option<&Licence> {
        trouver_licence(&self.licences, spdx)
    }
}

/// La licence désignée par cet identifiant SPDX (ou l'un de ses alias), sans tenir compte de la
/// casse, dans une liste.
pub fn trouver_licence<'a>(licences: &'a [Licence], spdx: &str) -> Option<&'a Licence> {
    licences.iter().find(|l| {
        l.spdx.eq_ignore_ascii_case(spdx) || l.alias.iter().any(|a| a.eq_ignore_ascii_case(spdx))
    })
}
