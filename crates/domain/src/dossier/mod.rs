//! Le dossier (demande de labellisation ou de signature de charte) et son cycle de vie.
//!
//! Le cycle de vie est une machine à états explicite : la table [`TRANSITIONS`] (dans `etats`,
//! avec les états, les rôles et les types d'action) dit, pour chaque action, depuis quels états
//! elle est permise, vers quel état elle mène et qui peut la faire. [`appliquer`] et [`modifier`]
//! ne modifient jamais le dossier reçu : ils rendent un nouveau dossier, ou un [`Refus`] qui
//! explique pourquoi, en français.
//!
//! Les règles lues dans le référentiel (éligibilité, complétude avant dépôt, conformité d'un
//! octroi) sont dans [`regles`] : elles portent sur le dossier, et le dossier les applique.

pub mod avis;
mod etats;
pub mod liens;
pub mod regles;

pub use etats::{transition, Etat, Role, Transition, TypeAction, TRANSITIONS};

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use self::regles::Manque;
use crate::referentiel::Referentiel;

/// Une action avec ses données.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Deposer,
    PrendreEnCharge,
    DemanderComplement { motif: String, echeance: NaiveDate },
    OuvrirAccompagnement { motif: String },
    CloreAccompagnement,
    Labelliser { niveau: u8, motivation: String },
    Refuser { motivation: String },
    ClasserSansSuite { motif: String },
    Retirer { motif: String },
    Expirer,
}

impl Action {
    pub fn type_action(&self) -> TypeAction {
        match self {
            Action::Deposer => TypeAction::Deposer,
            Action::PrendreEnCharge => TypeAction::PrendreEnCharge,
            Action::DemanderComplement { .. } => TypeAction::DemanderComplement,
            Action::OuvrirAccompagnement { .. } => TypeAction::OuvrirAccompagnement,
            Action::CloreAccompagnement => TypeAction::CloreAccompagnement,
            Action::Labelliser { .. } => TypeAction::Labelliser,
            Action::Refuser { .. } => TypeAction::Refuser,
            Action::ClasserSansSuite { .. } => TypeAction::ClasserSansSuite,
            Action::Retirer { .. } => TypeAction::Retirer,
            Action::Expirer => TypeAction::Expirer,
        }
    }

    /// Motif ou motivation portés par l'action, pour le journal.
    pub fn motif(&self) -> Option<&str> {
        match self {
            Action::DemanderComplement { motif, .. }
            | Action::OuvrirAccompagnement { motif }
            | Action::ClasserSansSuite { motif }
            | Action::Retirer { motif } => Some(motif),
            Action::Labelliser { motivation, .. } | Action::Refuser { motivation } => {
                Some(motivation)
            }
            _ => None,
        }
    }
}

/// Appréciation d'un critère par l'instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appreciation {
    /// Niveau atteint ; `None` : critère non satisfait.
    pub niveau: Option<u8>,
    pub commentaire: String,
}

/// Réponse du demandeur pour un critère : ses preuves et son auto-évaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ReponseCritere {
    pub texte: String,
    pub liens: Vec<String>,
    /// Identifiants des fichiers joints.
    pub fichiers: Vec<String>,
    /// Niveau auto-évalué ; `None` : critère non retenu par le demandeur.
    pub niveau_auto: Option<u8>,
    pub appreciation: Option<Appreciation>,
    /// Licence choisie dans la liste admise par le critère (identifiant SPDX canonique).
    #[serde(default)]
    pub licence: Option<String>,
    /// Lien (https://) vers le matériel publié sous cette licence.
    #[serde(default)]
    pub materiel: Option<String>,
}

impl ReponseCritere {
    /// Le demandeur retient-il ce critère (auto-évaluation à un niveau au moins) ?
    pub fn retenu(&self) -> bool {
        self.niveau_auto.is_some_and(|n| n >= 1)
    }
}

/// Demande de complément en cours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandeComplement {
    pub motif: String,
    pub echeance: NaiveDate,
}

/// Décision prise sur le dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub action: TypeAction,
    pub motivation: String,
    pub le: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dossier {
    pub id: String,
    pub referentiel_id: String,
    pub referentiel_version: String,
    pub organisation_id: String,
    pub dispositif_id: String,
    /// Type de l'organisation demandeuse, au moment de la création du dossier.
    pub type_demandeur: String,
    /// Type du dispositif, au moment de la création du dossier.
    pub type_dispositif: String,
    pub niveau_vise: u8,
    pub etat: Etat,
    pub criteres: BTreeMap<String, ReponseCritere>,
    pub declarations: BTreeMap<String, bool>,
    pub engagements: BTreeSet<String>,
    pub complement: Option<DemandeComplement>,
    pub accompagnement: Option<String>,
    /// Niveau accordé et fin de validité, une fois labellisé.
    pub niveau_accorde: Option<u8>,
    pub fin_validite: Option<NaiveDate>,
    /// Première date de dépôt.
    pub depose_le: Option<DateTime<Utc>>,
    /// Dernière décision (labellisation, refus, classement, retrait, expiration).
    pub decision: Option<Decision>,
    /// Dossier dont celui-ci est le renouvellement.
    pub renouvellement_de: Option<String>,
    /// Numéro de récépissé, attribué au premier dépôt.
    #[serde(default)]
    pub numero: Option<String>,
    /// Partenaires associés à la démarche (référentiels qui en demandent).
    #[serde(default)]
    pub partenaires: Vec<Partenaire>,
    /// Agent à qui le dossier est attribué.
    #[serde(default)]
    pub instructeur_id: Option<String>,
    /// Plan d'accompagnement (écarts par critère, actions, experts).
    #[serde(default)]
    pub plan: Option<PlanAccompagnement>,
    /// Date de la labellisation (gardée après un retrait ou une expiration).
    #[serde(default)]
    pub labellise_le: Option<DateTime<Utc>>,
    /// Justification de chaque déclaration qui en demande une (identifiant → texte).
    #[serde(default)]
    pub justifications: BTreeMap<String, String>,
    /// Retour d'expérience de terrain avec un partenaire local (référentiels qui le demandent).
    #[serde(default)]
    pub retour_terrain: Option<RetourTerrain>,
}

/// Un retour d'expérience de terrain avec un partenaire local : qui est le partenaire, ce qui a
/// été fait avec lui, et où le constater.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RetourTerrain {
    /// Nom du partenaire local.
    pub partenaire: String,
    /// Type du partenaire (collectivité, association, tiers-lieu…).
    #[serde(default)]
    pub type_partenaire: String,
    /// Commune du partenaire (facultatif).
    #[serde(default)]
    pub commune: String,
    /// SIRET ou RNA du partenaire (facultatif).
    #[serde(default)]
    pub identifiant: String,
    /// Le retour : expérimentation, produit minimum viable, initiative locale…
    pub description: String,
    /// Lien (https://) vers une preuve du retour (compte rendu, article, convention publiée…).
    pub preuve: String,
}

/// Longueurs maximales des champs d'un retour de terrain et d'une justification (les textes
/// longs : la longueur par défaut des champs de saisie, `referentiels/longueurs-saisie.toml`).
pub const RETOUR_TERRAIN_COURT_MAX: usize = 200;
pub const RETOUR_TERRAIN_TEXTE_MAX: usize = 2_000;
pub const JUSTIFICATION_MAX: usize = 2_000;

impl RetourTerrain {
    /// Ce qui manque pour que le retour soit recevable (vide : complet).
    pub fn manques(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.partenaire.trim().is_empty() {
            v.push("le nom du partenaire local");
        }
        if self.type_partenaire.trim().is_empty() {
            v.push("son type");
        }
        if self.description.trim().is_empty() {
            v.push("la description du retour");
        }
        if !lien_https(&self.preuve) {
            v.push("un lien https:// vers une preuve");
        }
        v
    }
}

/// Écart constaté sur un critère pendant l'accompagnement, avec les actions et les experts prévus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcartCritere {
    pub critere: String,
    pub ecart: String,
    pub actions: String,
    pub experts: String,
}

/// Plan d'accompagnement proposé par l'instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PlanAccompagnement {
    pub ecarts: Vec<EcartCritere>,
}

impl Dossier {
    /// Un nouveau dossier à l'état de brouillon.
    pub fn nouveau(
        id: String,
        referentiel: &Referentiel,
        organisation: &crate::organisation::Organisation,
        dispositif: &crate::organisation::Dispositif,
        niveau_vise: u8,
    ) -> Result<Dossier, Refus> {
        if referentiel.niveau(niveau_vise).is_none() {
            return Err(Refus::NiveauInconnu(niveau_vise));
        }
        if dispositif.organisation_id != organisation.id {
            return Err(Refus::DispositifEtranger);
        }
        Ok(brouillon(
            id,
            referentiel,
            organisation.id.clone(),
            dispositif.id.clone(),
            organisation.type_organisation.clone(),
            dispositif.type_dispositif.clone(),
            niveau_vise,
        ))
    }

    /// Réponse à un critère (vide si le demandeur n'a rien saisi).
    pub fn reponse(&self, critere: &str) -> Option<&ReponseCritere> {
        self.criteres.get(critere)
    }
}

/// Pourquoi une action ou une modification est refusée. Le dossier reste inchangé.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refus {
    EtatIncompatible { action: TypeAction, etat: Etat },
    RoleNonAutorise { action: TypeAction, role: Role },
    ModificationInterdite { etat: Etat, role: Role },
    Incomplet(Vec<Manque>),
    OctroiNonConforme(Vec<Manque>),
    MotifRequis(TypeAction),
    EcheanceInvalide,
    NiveauInconnu(u8),
    CritereInconnu(String),
    DeclarationInconnue(String),
    EngagementInconnu(String),
    LienInvalide(String),
    ValiditeEnCours(NaiveDate),
    ReferentielDifferent,
    DispositifEtranger,
    RenouvellementImpossible(Etat),
    PartenairesNonPrevus,
    PartenairesTropLongs,
    LicenceNonPrevue(String),
    LicenceNonAdmise(String),
    MaterielInvalide(String),
    RetourTerrainNonPrevu,
    RetourTerrainInvalide(String),
    JustificationNonPrevue(String),
    JustificationTropLongue,
}

/// Nombre maximal de partenaires d'un dossier.
pub const PARTENAIRES_MAX: usize = 100;

/// Un partenaire associé à la démarche.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Partenaire {
    pub nom: String,
    /// Rôle dans la démarche (facultatif).
    #[serde(default)]
    pub role: String,
}

fn roles_lisibles(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.libelle())
        .collect::<Vec<_>>()
        .join(" ou ")
}

fn manques_lisibles(manques: &[Manque]) -> String {
    manques
        .iter()
        .map(|m| m.message.as_str())
        .collect::<Vec<_>>()
        .join(" ; ")
}

impl fmt::Display for Refus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refus::EtatIncompatible { action, etat } => {
                let t = transition(*action);
                let depuis = t
                    .depuis
                    .iter()
                    .map(|e| format!("« {} »", e.libelle()))
                    .collect::<Vec<_>>()
                    .join(", ");
                write!(
                    f,
                    "Impossible de {} un dossier à l'état « {} » : cette action n'est possible qu'à l'état {depuis}.",
                    action.verbe(),
                    etat.libelle()
                )
            }
            Refus::RoleNonAutorise { action, role } => write!(
                f,
                "Action non autorisée : seul {} peut {} ce dossier, pas {}.",
                roles_lisibles(transition(*action).roles),
                action.verbe(),
                role.libelle()
            ),
            Refus::ModificationInterdite { etat, role } => write!(
                f,
                "Modification impossible : {} ne peut pas modifier ce contenu d'un dossier à l'état « {} ».",
                role.libelle(),
                etat.libelle()
            ),
            Refus::Incomplet(m) => write!(f, "Le dossier est incomplet : {}.", manques_lisibles(m)),
            Refus::OctroiNonConforme(m) => write!(
                f,
                "Le label ne peut pas être accordé à ce niveau : {}.",
                manques_lisibles(m)
            ),
            Refus::MotifRequis(a) => write!(
                f,
                "Une motivation est obligatoire pour {} un dossier.",
                a.verbe()
            ),
            Refus::EcheanceInvalide => {
                f.write_str("L'échéance de la demande de complément doit être postérieure à aujourd'hui.")
            }
            Refus::NiveauInconnu(n) => write!(f, "Le niveau {n} n'existe pas dans ce référentiel."),
            Refus::CritereInconnu(c) => write!(f, "Le critère « {c} » n'existe pas dans ce référentiel."),
            Refus::DeclarationInconnue(d) => {
                write!(f, "La déclaration « {d} » n'existe pas dans ce référentiel.")
            }
            Refus::EngagementInconnu(e) => {
                write!(f, "L'engagement « {e} » n'existe pas dans ce référentiel.")
            }
            Refus::LienInvalide(l) => write!(
                f,
                "Le lien « {l} » est invalide : il doit commencer par https:// ou http://."
            ),
            Refus::ValiditeEnCours(fin) => write!(
                f,
                "Le label est valide jusqu'au {} : il ne peut pas encore être déclaré expiré.",
                fin.format("%d/%m/%Y")
            ),
            Refus::ReferentielDifferent => {
                f.write_str("Le référentiel fourni n'est pas celui du dossier.")
            }
            Refus::DispositifEtranger => {
                f.write_str("Le dispositif n'appartient pas à cette organisation.")
            }
            Refus::RenouvellementImpossible(e) => write!(
                f,
                "Seul un dossier labellisé ou expiré peut être renouvelé (état actuel : « {} »).",
                e.libelle()
            ),
            Refus::PartenairesNonPrevus => {
                write!(f, "Ce référentiel ne demande pas de partenaires.")
            }
            Refus::LicenceNonPrevue(c) => {
                write!(f, "Le critère « {c} » ne demande pas de licence.")
            }
            Refus::LicenceNonAdmise(l) => write!(
                f,
                "La licence « {l} » n'est pas dans la liste des licences admises pour ce critère."
            ),
            Refus::MaterielInvalide(l) => write!(
                f,
                "Le lien vers le matériel publié « {l} » est invalide : il doit commencer par https:// (par exemple https://www.exemple.fr/depot)."
            ),
            Refus::RetourTerrainNonPrevu => {
                f.write_str("Ce référentiel ne demande pas de retour d'expérience avec un partenaire local.")
            }
            Refus::RetourTerrainInvalide(m) => write!(f, "Retour d'expérience de terrain : {m}"),
            Refus::JustificationNonPrevue(d) => {
                write!(f, "La déclaration « {d} » ne demande pas de justification.")
            }
            Refus::JustificationTropLongue => write!(
                f,
                "La justification compte {JUSTIFICATION_MAX} caractères au plus."
            ),
            Refus::PartenairesTropLongs => write!(
                f,
                "Partenaires : {PARTENAIRES_MAX} au plus, nom de 200 caractères et rôle de 500 caractères au plus."
            ),
        }
    }
}

impl std::error::Error for Refus {}

fn verifier_referentiel(dossier: &Dossier, r: &Referentiel) -> Result<(), Refus> {
    if dossier.referentiel_id != r.id || dossier.referentiel_version != r.version {
        return Err(Refus::ReferentielDifferent);
    }
    Ok(())
}

fn motif_non_vide(action: TypeAction, motif: &str) -> Result<String, Refus> {
    let m = motif.trim();
    if m.is_empty() {
        Err(Refus::MotifRequis(action))
    } else {
        Ok(m.to_string())
    }
}

/// Applique une action du cycle de vie. Rend le nouveau dossier, ou un refus ; le dossier reçu
/// n'est jamais modifié.
pub fn appliquer(
    dossier: &Dossier,
    referentiel: &Referentiel,
    role: Role,
    action: &Action,
    maintenant: DateTime<Utc>,
) -> Result<Dossier, Refus> {
    verifier_referentiel(dossier, referentiel)?;
    let type_action = action.type_action();
    let t = transition(type_action);
    if !t.depuis.contains(&dossier.etat) {
        return Err(Refus::EtatIncompatible {
            action: type_action,
            etat: dossier.etat,
        });
    }
    if !t.roles.contains(&role) {
        return Err(Refus::RoleNonAutorise {
            action: type_action,
            role,
        });
    }
    let aujourd_hui = maintenant.date_naive();
    let mut d = dossier.clone();
    match action {
        Action::Deposer => {
            let manques = regles::completude(referentiel, dossier);
            if !manques.is_empty() {
                return Err(Refus::Incomplet(manques));
            }
            d.complement = None;
            d.depose_le.get_or_insert(maintenant);
        }
        Action::PrendreEnCharge | Action::CloreAccompagnement => {}
        Action::DemanderComplement { motif, echeance } => {
            let motif = motif_non_vide(type_action, motif)?;
            if *echeance <= aujourd_hui {
                return Err(Refus::EcheanceInvalide);
            }
            d.complement = Some(DemandeComplement {
                motif,
                echeance: *echeance,
            });
        }
        Action::OuvrirAccompagnement { motif } => {
            d.accompagnement = Some(motif_non_vide(type_action, motif)?);
        }
        Action::Labelliser { niveau, motivation } => {
            let motivation = motif_non_vide(type_action, motivation)?;
            if referentiel.niveau(*niveau).is_none() {
                return Err(Refus::NiveauInconnu(*niveau));
            }
            let manques = regles::verifier_octroi(referentiel, dossier, *niveau);
            if !manques.is_empty() {
                return Err(Refus::OctroiNonConforme(manques));
            }
            d.niveau_accorde = Some(*niveau);
            d.labellise_le = Some(maintenant);
            d.fin_validite = aujourd_hui
                .checked_add_months(Months::new(referentiel.labellisation.duree_validite_mois));
            d.decision = Some(Decision {
                action: type_action,
                motivation,
                le: maintenant,
            });
        }
        Action::Refuser { motivation }
        | Action::ClasserSansSuite { motif: motivation }
        | Action::Retirer { motif: motivation } => {
            d.decision = Some(Decision {
                action: type_action,
                motivation: motif_non_vide(type_action, motivation)?,
                le: maintenant,
            });
        }
        Action::Expirer => {
            if let Some(fin) = dossier.fin_validite {
                if aujourd_hui <= fin {
                    return Err(Refus::ValiditeEnCours(fin));
                }
            }
            d.decision = Some(Decision {
                action: type_action,
                motivation: "Fin de la durée de validité du label.".into(),
                le: maintenant,
            });
        }
    }
    d.etat = t.vers;
    Ok(d)
}

/// Modifications du contenu d'un dossier (hors cycle de vie).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "modification", rename_all = "snake_case")]
pub enum Modification {
    /// Le demandeur renseigne un critère : description, liens, niveau auto-évalué.
    Reponse {
        critere: String,
        texte: String,
        liens: Vec<String>,
        niveau_auto: Option<u8>,
    },
    /// Le demandeur joint un fichier (déjà contrôlé et stocké) à un critère.
    Fichier { critere: String, fichier_id: String },
    /// Le demandeur retire un fichier d'un critère avant le dépôt (le fichier reste au journal).
    RetirerFichier { critere: String, fichier_id: String },
    /// Le demandeur répond à une déclaration sur l'honneur.
    Declaration { id: String, valeur: bool },
    /// Le demandeur accepte les engagements (liste complète des engagements acceptés).
    Engagements { acceptes: BTreeSet<String> },
    /// Le demandeur change le niveau visé.
    NiveauVise { niveau: u8 },
    /// Le demandeur déclare les partenaires de sa démarche (liste complète).
    Partenaires { liste: Vec<Partenaire> },
    /// Le demandeur choisit la licence d'un critère et donne le lien vers le matériel publié
    /// (`None` : efface).
    Licence {
        critere: String,
        licence: Option<String>,
        materiel: Option<String>,
    },
    /// Le demandeur justifie une déclaration (texte libre).
    Justification { id: String, texte: String },
    /// Le demandeur décrit son retour d'expérience de terrain (`None` : le retire).
    RetourTerrain { retour: Option<RetourTerrain> },
    /// L'instruction apprécie un critère.
    Appreciation {
        critere: String,
        niveau: Option<u8>,
        commentaire: String,
    },
    /// L'instruction attribue le dossier à un agent (ou le libère : `None`).
    Attribuer { instructeur_id: Option<String> },
    /// L'instruction enregistre le plan d'accompagnement.
    Plan { plan: PlanAccompagnement },
}

impl Modification {
    pub fn code(&self) -> &'static str {
        match self {
            Modification::Reponse { .. } => "modifier_reponse",
            Modification::Fichier { .. } => "joindre_fichier",
            Modification::RetirerFichier { .. } => "retirer_fichier",
            Modification::Declaration { .. } => "modifier_declaration",
            Modification::Engagements { .. } => "modifier_engagements",
            Modification::NiveauVise { .. } => "modifier_niveau_vise",
            Modification::Partenaires { .. } => "modifier_partenaires",
            Modification::Licence { .. } => "modifier_licence",
            Modification::Justification { .. } => "modifier_justification",
            Modification::RetourTerrain { .. } => "modifier_retour_terrain",
            Modification::Appreciation { .. } => "apprecier_critere",
            Modification::Attribuer { .. } => "attribuer",
            Modification::Plan { .. } => "modifier_plan_accompagnement",
        }
    }
}

/// Un lien https:// sans espace.
pub fn lien_https(l: &str) -> bool {
    matches!(l.trim().strip_prefix("https://"), Some(r) if !r.is_empty() && !r.chars().any(char::is_whitespace))
}

fn lien_valide(l: &str) -> bool {
    let reste = l
        .strip_prefix("https://")
        .or_else(|| l.strip_prefix("http://"));
    matches!(reste, Some(r) if !r.is_empty() && !r.chars().any(char::is_whitespace))
}

/// Applique une modification de contenu. Le demandeur ne modifie qu'un brouillon ou un dossier en
/// attente de complément ; l'instruction n'apprécie qu'un dossier en instruction ou en accompagnement.
pub fn modifier(
    dossier: &Dossier,
    referentiel: &Referentiel,
    role: Role,
    modification: &Modification,
) -> Result<Dossier, Refus> {
    verifier_referentiel(dossier, referentiel)?;
    let agent = matches!(role, Role::Instructeur | Role::Administrateur);
    let permis = match modification {
        Modification::Appreciation { .. } | Modification::Plan { .. } => {
            agent && dossier.etat.en_cours_d_instruction()
        }
        Modification::Attribuer { .. } => {
            agent
                && dossier.etat != Etat::Brouillon
                && !dossier.etat.est_final()
                && dossier.etat != Etat::Labellise
        }
        _ => role == Role::Demandeur && dossier.etat.modifiable_par_demandeur(),
    };
    if !permis {
        return Err(Refus::ModificationInterdite {
            etat: dossier.etat,
            role,
        });
    }
    let critere_connu = |c: &str| {
        referentiel
            .critere(c)
            .map(|_| ())
            .ok_or_else(|| Refus::CritereInconnu(c.to_string()))
    };
    let niveau_connu = |n: Option<u8>| match n {
        Some(n) if referentiel.niveau(n).is_none() => Err(Refus::NiveauInconnu(n)),
        _ => Ok(()),
    };
    let mut d = dossier.clone();
    match modification {
        Modification::Reponse {
            critere,
            texte,
            liens,
            niveau_auto,
        } => {
            critere_connu(critere)?;
            // 0 : « pas encore satisfait » ou « critère non retenu », comme l'absence de niveau.
            niveau_connu(niveau_auto.filter(|n| *n >= 1))?;
            let liens: Vec<String> = liens
                .iter()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect();
            if let Some(l) = liens.iter().find(|l| !lien_valide(l)) {
                return Err(Refus::LienInvalide(l.clone()));
            }
            let r = d.criteres.entry(critere.clone()).or_default();
            r.texte = texte.trim().to_string();
            r.liens = liens;
            r.niveau_auto = niveau_auto.filter(|n| *n >= 1);
        }
        Modification::Fichier {
            critere,
            fichier_id,
        } => {
            critere_connu(critere)?;
            let r = d.criteres.entry(critere.clone()).or_default();
            if !r.fichiers.contains(fichier_id) {
                r.fichiers.push(fichier_id.clone());
            }
        }
        Modification::RetirerFichier {
            critere,
            fichier_id,
        } => {
            critere_connu(critere)?;
            // Déjà retiré (double envoi, bouton Retour) : rien à faire.
            if let Some(r) = d.criteres.get_mut(critere) {
                r.fichiers.retain(|f| f != fichier_id);
            }
        }
        Modification::Declaration { id, valeur } => {
            let connue = referentiel.eligibilite.iter().any(
                |r| matches!(r, crate::referentiel::Regle::Declaration { id: x, .. } if x == id),
            );
            if !connue {
                return Err(Refus::DeclarationInconnue(id.clone()));
            }
            d.declarations.insert(id.clone(), *valeur);
        }
        Modification::Engagements { acceptes } => {
            if let Some(e) = acceptes
                .iter()
                .find(|e| !referentiel.engagements.iter().any(|x| &x.id == *e))
            {
                return Err(Refus::EngagementInconnu(e.clone()));
            }
            d.engagements = acceptes.clone();
        }
        Modification::NiveauVise { niveau } => {
            niveau_connu(Some(*niveau))?;
            d.niveau_vise = *niveau;
        }
        Modification::Partenaires { liste } => {
            if referentiel.partenaires.is_none() {
                return Err(Refus::PartenairesNonPrevus);
            }
            let liste: Vec<Partenaire> = liste
                .iter()
                .map(|p| Partenaire {
                    nom: p.nom.trim().to_string(),
                    role: p.role.trim().to_string(),
                })
                .filter(|p| !p.nom.is_empty())
                .collect();
            if liste.len() > PARTENAIRES_MAX
                || liste
                    .iter()
                    .any(|p| p.nom.chars().count() > 200 || p.role.chars().count() > 500)
            {
                return Err(Refus::PartenairesTropLongs);
            }
            d.partenaires = liste;
        }
        Modification::Licence {
            critere,
            licence,
            materiel,
        } => {
            let c = referentiel
                .critere(critere)
                .ok_or_else(|| Refus::CritereInconnu(critere.clone()))?;
            if c.licences_admises.is_empty() {
                return Err(Refus::LicenceNonPrevue(c.libelle.clone()));
            }
            let licence = match licence.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
                None => None,
                Some(l) => Some(
                    c.licence_admise(l)
                        .ok_or_else(|| Refus::LicenceNonAdmise(l.to_string()))?
                        .spdx
                        .clone(),
                ),
            };
            let materiel = materiel
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string);
            if let Some(m) = materiel.as_ref().filter(|m| !lien_https(m)) {
                return Err(Refus::MaterielInvalide(m.clone()));
            }
            let r = d.criteres.entry(critere.clone()).or_default();
            r.licence = licence;
            r.materiel = materiel;
        }
        Modification::Justification { id, texte } => {
            let prevue = referentiel.eligibilite.iter().any(|r| {
                matches!(r, crate::referentiel::Regle::Declaration { id: x, justification_min_caracteres: Some(_), .. } if x == id)
            });
            if !prevue {
                return Err(Refus::JustificationNonPrevue(id.clone()));
            }
            let texte = texte.trim().replace("\r\n", "\n");
            if texte.chars().count() > JUSTIFICATION_MAX {
                return Err(Refus::JustificationTropLongue);
            }
            if texte.is_empty() {
                d.justifications.remove(id);
            } else {
                d.justifications.insert(id.clone(), texte);
            }
        }
        Modification::RetourTerrain { retour } => {
            if referentiel.declaration_partenaire_local().is_none() {
                return Err(Refus::RetourTerrainNonPrevu);
            }
            d.retour_terrain = match retour {
                None => None,
                Some(x) => Some(retour_terrain_valide(x)?),
            };
        }
        Modification::Appreciation {
            critere,
            niveau,
            commentaire,
        } => {
            critere_connu(critere)?;
            niveau_connu(*niveau)?;
            let r = d.criteres.entry(critere.clone()).or_default();
            r.appreciation = Some(Appreciation {
                niveau: niveau.filter(|n| *n >= 1),
                commentaire: commentaire.trim().to_string(),
            });
        }
        Modification::Attribuer { instructeur_id } => {
            d.instructeur_id.clone_from(instructeur_id);
        }
        Modification::Plan { plan } => {
            if let Some(e) = plan
                .ecarts
                .iter()
                .find(|e| referentiel.critere(&e.critere).is_none())
            {
                return Err(Refus::CritereInconnu(e.critere.clone()));
            }
            d.plan = Some(plan.clone());
        }
    }
    Ok(d)
}

/// Nettoie et contrôle un retour de terrain saisi (il peut être incomplet : la complétude le dit).
fn retour_terrain_valide(x: &RetourTerrain) -> Result<RetourTerrain, Refus> {
    let t = |s: &str| s.trim().replace("\r\n", "\n");
    let r = RetourTerrain {
        partenaire: t(&x.partenaire),
        type_partenaire: t(&x.type_partenaire),
        commune: t(&x.commune),
        identifiant: x
            .identifiant
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
        description: t(&x.description),
        preuve: t(&x.preuve),
    };
    let court = [
        &r.partenaire,
        &r.type_partenaire,
        &r.commune,
        &r.identifiant,
        &r.preuve,
    ];
    if court
        .iter()
        .any(|s| s.chars().count() > RETOUR_TERRAIN_COURT_MAX)
        || r.description.chars().count() > RETOUR_TERRAIN_TEXTE_MAX
    {
        return Err(Refus::RetourTerrainInvalide(format!(
            "{RETOUR_TERRAIN_COURT_MAX} caractères au plus par champ, {RETOUR_TERRAIN_TEXTE_MAX} pour la description."
        )));
    }
    if !r.identifiant.is_empty()
        && crate::identifiants::Siret::parse(&r.identifiant).is_err()
        && crate::identifiants::Rna::parse(&r.identifiant).is_err()
    {
        return Err(Refus::RetourTerrainInvalide(format!(
            "l'identifiant « {} » n'est ni un SIRET (14 chiffres) ni un numéro RNA (W suivi de 9 chiffres).",
            r.identifiant
        )));
    }
    if !r.preuve.is_empty() && !lien_https(&r.preuve) {
        return Err(Refus::RetourTerrainInvalide(format!(
            "le lien vers la preuve « {} » doit commencer par https://.",
            r.preuve
        )));
    }
    Ok(r)
}

/// Prépare le renouvellement d'un dossier labellisé ou expiré : un nouveau brouillon, pré-rempli
/// avec les réponses du dossier précédent (sans les appréciations ni les engagements, à renouveler),
/// sur la version du référentiel donnée (la version en vigueur).
pub fn renouveler(
    ancien: &Dossier,
    referentiel: &Referentiel,
    nouvel_id: String,
) -> Result<Dossier, Refus> {
    if !matches!(ancien.etat, Etat::Labellise | Etat::Expire) {
        return Err(Refus::RenouvellementImpossible(ancien.etat));
    }
    if ancien.referentiel_id != referentiel.id {
        return Err(Refus::ReferentielDifferent);
    }
    let criteres = ancien
        .criteres
        .iter()
        .filter(|(id, _)| referentiel.critere(id).is_some())
        .map(|(id, r)| {
            (
                id.clone(),
                ReponseCritere {
                    appreciation: None,
                    niveau_auto: r.niveau_auto.filter(|n| referentiel.niveau(*n).is_some()),
                    ..r.clone()
                },
            )
        })
        .collect();
    let declarations = ancien
        .declarations
        .iter()
        .filter(|(id, _)| {
            referentiel.eligibilite.iter().any(
                |r| matches!(r, crate::referentiel::Regle::Declaration { id: x, .. } if x == *id),
            )
        })
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let niveau_vise = ancien
        .niveau_accorde
        .unwrap_or(ancien.niveau_vise)
        .min(referentiel.niveau_max());
    Ok(Dossier {
        criteres,
        declarations,
        renouvellement_de: Some(ancien.id.clone()),
        // Le renouvellement reprend les partenaires (à revoir par le demandeur).
        partenaires: ancien.partenaires.clone(),
        justifications: ancien.justifications.clone(),
        retour_terrain: ancien.retour_terrain.clone(),
        ..brouillon(
            nouvel_id,
            referentiel,
            ancien.organisation_id.clone(),
            ancien.dispositif_id.clone(),
            ancien.type_demandeur.clone(),
            ancien.type_dispositif.clone(),
            niveau_vise,
        )
    })
}

/// Un brouillon vierge pour un dispositif : ni réponse, ni instruction, ni décision.
fn brouillon(
    id: String,
    referentiel: &Referentiel,
    organisation_id: String,
    dispositif_id: String,
    type_demandeur: String,
    type_dispositif: String,
    niveau_vise: u8,
) -> Dossier {
    Dossier {
        id,
        referentiel_id: referentiel.id.clone(),
        referentiel_version: referentiel.version.clone(),
        organisation_id,
        dispositif_id,
        type_demandeur,
        type_dispositif,
        niveau_vise,
        etat: Etat::Brouillon,
        criteres: BTreeMap::new(),
        declarations: BTreeMap::new(),
        engagements: BTreeSet::new(),
        complement: None,
        accompagnement: None,
        niveau_accorde: None,
        fin_validite: None,
        depose_le: None,
        decision: None,
        renouvellement_de: None,
        numero: None,
        partenaires: Vec::new(),
        instructeur_id: None,
        plan: None,
        labellise_le: None,
        justifications: BTreeMap::new(),
        retour_terrain: None,
    }
}
