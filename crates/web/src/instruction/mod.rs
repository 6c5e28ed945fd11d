//! Instruction, pour les agents : file des dossiers, attribution, appréciations, plan
//! d'accompagnement, décisions, exports ; suivi des rapports de la charte ; administration des
//! agents.

mod administration;
mod avis;
mod chartes;
mod decision;
mod decisions;
mod expertise;
mod exports;
mod file;

pub use administration::{
    administration, exiger_second_facteur, inviter_agent, journal_securite, journal_securite_csv,
    FormInviterAgent,
};
pub use avis::{annuler_avis, demander_avis, nouvel_avis};
pub use chartes::suivi as suivi_chartes;
pub use decision::{decider, decision};
pub use decisions::{agir, apprecier, attribuer, plan, FormAction, FormAttribution};
pub use expertise::{
    creer_compte as creer_compte_expert, lien as lien_avis, mes_avis, piece as piece_avis,
    repondre as repondre_avis, voir_avis,
};
pub use exports::{export_csv, export_xlsx};
pub use file::{file, Filtres};
