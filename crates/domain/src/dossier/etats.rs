//! Les états d'un dossier, les rôles, les types d'action et la machine à états qui les relie
//! ([`TRANSITIONS`]).

use std::fmt;

use serde::{Deserialize, Serialize};

/// États d'un dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Etat {
    Brouillon,
    Depose,
    EnInstruction,
    ComplementDemande,
    Accompagnement,
    Labellise,
    Refuse,
    ClasseSansSuite,
    Retire,
    Expire,
}

impl Etat {
    pub const TOUS: [Etat; 10] = [
        Etat::Brouillon,
        Etat::Depose,
        Etat::EnInstruction,
        Etat::ComplementDemande,
        Etat::Accompagnement,
        Etat::Labellise,
        Etat::Refuse,
        Etat::ClasseSansSuite,
        Etat::Retire,
        Etat::Expire,
    ];

    /// Code stable (base de données, URL, données ouvertes).
    pub fn code(self) -> &'static str {
        match self {
            Etat::Brouillon => "brouillon",
            Etat::Depose => "depose",
            Etat::EnInstruction => "en_instruction",
            Etat::ComplementDemande => "complement_demande",
            Etat::Accompagnement => "accompagnement",
            Etat::Labellise => "labellise",
            Etat::Refuse => "refuse",
            Etat::ClasseSansSuite => "classe_sans_suite",
            Etat::Retire => "retire",
            Etat::Expire => "expire",
        }
    }

    /// Libellé affiché.
    pub fn libelle(self) -> &'static str {
        match self {
            Etat::Brouillon => "Brouillon",
            Etat::Depose => "Déposé",
            Etat::EnInstruction => "En instruction",
            Etat::ComplementDemande => "Complément demandé",
            Etat::Accompagnement => "Accompagnement",
            Etat::Labellise => "Labellisé",
            Etat::Refuse => "Refusé",
            Etat::ClasseSansSuite => "Classé sans suite",
            Etat::Retire => "Retiré",
            Etat::Expire => "Expiré",
        }
    }

    pub fn depuis_code(code: &str) -> Option<Etat> {
        Etat::TOUS.into_iter().find(|e| e.code() == code)
    }

    /// Un état final n'a plus de transition sortante.
    pub fn est_final(self) -> bool {
        !TRANSITIONS.iter().any(|t| t.depuis.contains(&self))
    }

    /// Le demandeur peut-il modifier le contenu du dossier dans cet état ?
    pub fn modifiable_par_demandeur(self) -> bool {
        matches!(self, Etat::Brouillon | Etat::ComplementDemande)
    }

    /// L'instruction (appréciations par critère) est-elle ouverte dans cet état ?
    pub fn en_cours_d_instruction(self) -> bool {
        matches!(self, Etat::EnInstruction | Etat::Accompagnement)
    }
}

impl fmt::Display for Etat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.libelle())
    }
}

/// Rôles des personnes (et du système) qui agissent sur un dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Membre de l'organisation qui porte le dossier.
    Demandeur,
    /// Agent chargé de l'instruction.
    Instructeur,
    Administrateur,
    /// Tâches automatiques (expiration).
    Systeme,
    /// Expert extérieur (avis) : n'agit sur aucun dossier, seulement sur ses demandes d'avis.
    Expert,
}

impl Role {
    pub fn libelle(self) -> &'static str {
        match self {
            Role::Demandeur => "le demandeur",
            Role::Instructeur => "l'instructeur ou l'instructrice",
            Role::Administrateur => "l'administrateur ou l'administratrice",
            Role::Systeme => "le système",
            Role::Expert => "l'expert ou l'experte",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Role::Demandeur => "demandeur",
            Role::Instructeur => "instructeur",
            Role::Administrateur => "administrateur",
            Role::Systeme => "systeme",
            Role::Expert => "expert",
        }
    }
}

/// Les actions du cycle de vie, sans leurs données.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeAction {
    Deposer,
    PrendreEnCharge,
    DemanderComplement,
    OuvrirAccompagnement,
    CloreAccompagnement,
    Labelliser,
    Refuser,
    ClasserSansSuite,
    Retirer,
    Expirer,
}

impl TypeAction {
    pub const TOUTES: [TypeAction; 10] = [
        TypeAction::Deposer,
        TypeAction::PrendreEnCharge,
        TypeAction::DemanderComplement,
        TypeAction::OuvrirAccompagnement,
        TypeAction::CloreAccompagnement,
        TypeAction::Labelliser,
        TypeAction::Refuser,
        TypeAction::ClasserSansSuite,
        TypeAction::Retirer,
        TypeAction::Expirer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TypeAction::Deposer => "deposer",
            TypeAction::PrendreEnCharge => "prendre_en_charge",
            TypeAction::DemanderComplement => "demander_complement",
            TypeAction::OuvrirAccompagnement => "ouvrir_accompagnement",
            TypeAction::CloreAccompagnement => "clore_accompagnement",
            TypeAction::Labelliser => "labelliser",
            TypeAction::Refuser => "refuser",
            TypeAction::ClasserSansSuite => "classer_sans_suite",
            TypeAction::Retirer => "retirer",
            TypeAction::Expirer => "expirer",
        }
    }

    pub fn depuis_code(code: &str) -> Option<TypeAction> {
        TypeAction::TOUTES.into_iter().find(|a| a.code() == code)
    }

    /// Verbe à l'infinitif, pour les messages (« impossible de … »).
    pub fn verbe(self) -> &'static str {
        match self {
            TypeAction::Deposer => "déposer",
            TypeAction::PrendreEnCharge => "prendre en charge",
            TypeAction::DemanderComplement => "demander un complément pour",
            TypeAction::OuvrirAccompagnement => "ouvrir un accompagnement pour",
            TypeAction::CloreAccompagnement => "clore l'accompagnement de",
            TypeAction::Labelliser => "labelliser",
            TypeAction::Refuser => "refuser",
            TypeAction::ClasserSansSuite => "classer sans suite",
            TypeAction::Retirer => "retirer le label de",
            TypeAction::Expirer => "déclarer expiré",
        }
    }
}

/// Une ligne de la machine à états.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    pub action: TypeAction,
    pub depuis: &'static [Etat],
    pub vers: Etat,
    pub roles: &'static [Role],
}

const AGENTS: &[Role] = &[Role::Instructeur, Role::Administrateur];

/// Une ligne de [`TRANSITIONS`].
const fn ligne(
    action: TypeAction,
    depuis: &'static [Etat],
    vers: Etat,
    roles: &'static [Role],
) -> Transition {
    Transition {
        action,
        depuis,
        vers,
        roles,
    }
}

/// La machine à états des dossiers : une ligne par action (action, états de départ, état
/// d'arrivée, rôles permis).
#[rustfmt::skip]
pub const TRANSITIONS: &[Transition] = {
    use Etat::*;
    use Role::*;
    use TypeAction::*;
    /// Les états où l'instruction apprécie les critères et décide.
    const INSTRUCTION: &[Etat] = &[EnInstruction, Accompagnement];
    /// Les états d'un dossier déposé qui n'a pas encore reçu de décision.
    const NON_DECIDES: &[Etat] = &[Depose, EnInstruction, ComplementDemande, Accompagnement];
    &[
        //    action                depuis                           vers               rôles
        ligne(Deposer,              &[Brouillon, ComplementDemande], Depose,            &[Demandeur]),
        ligne(PrendreEnCharge,      &[Depose],                       EnInstruction,     AGENTS),
        ligne(DemanderComplement,   INSTRUCTION,                     ComplementDemande, AGENTS),
        ligne(OuvrirAccompagnement, &[EnInstruction],                Accompagnement,    AGENTS),
        ligne(CloreAccompagnement,  &[Accompagnement],               EnInstruction,     AGENTS),
        ligne(Labelliser,           INSTRUCTION,                     Labellise,         AGENTS),
        ligne(Refuser,              INSTRUCTION,                     Refuse,            AGENTS),
        ligne(ClasserSansSuite,     NON_DECIDES,                     ClasseSansSuite,   AGENTS),
        ligne(Retirer,              &[Labellise],                    Retire,            &[Administrateur]),
        ligne(Expirer,              &[Labellise],                    Expire,            &[Systeme, Administrateur]),
    ]
};

/// La ligne de la table pour une action.
pub fn transition(action: TypeAction) -> &'static Transition {
    TRANSITIONS
        .iter()
        .find(|t| t.action == action)
        .expect("chaque action a sa ligne dans TRANSITIONS")
}
