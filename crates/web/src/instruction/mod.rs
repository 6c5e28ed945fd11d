//! Instruction, pour les agents : file des dossiers, attribution, appréciations, plan
//! d'accompagnement, décisions, exports ; suivi des rapports de la charte ; administration des
//! agents.

mod administration;
mod chartes;
mod decision;
mod decisions;
mod exports;
mod file;

pub use administration::{
    administration, exiger_second_facteur, inviter_agent, journal_securite, journal_securite_csv,
    FormInviterAgent,
};
pub use chartes::suivi as suivi_chartes;
pub use decision::{decider, decision};
pub use decisions::{agir, apprecier, attribuer, plan, FormAction, FormAttribution};
pub use exports::{export_csv, export_xlsx};
pub use file::{file, Filtres};
