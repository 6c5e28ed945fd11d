//! Échéances d'un dossier : les rappels de fin de validité dus aux titulaires d'un label ou d'une
//! charte, et le retard de l'instruction sur le délai que se fixe le référentiel (sans les jours
//! passés à attendre un complément du demandeur). Calculs purs, à une date donnée.

use chrono::{DateTime, NaiveDate, Utc};

use crate::dossier::Etat;

/// Le rappel de fin de validité à envoyer le jour `aujourd_hui`, s'il y en a un : le plus proche
/// de la fin parmi les délais `rappels_jours` déjà atteints (`fin_validite - aujourd_hui` jours
/// au plus), s'il n'a pas déjà été envoyé (`deja_envoyes`).
///
/// Conséquences : chaque rappel part au plus une fois ; un jour manqué est rattrapé (à J-85 sans
/// rappel de 90, on envoie celui de 90) ; sous 30 jours, seul le rappel de 30 part, jamais celui
/// de 90 en retard. Aucun rappel si un renouvellement est déjà déposé, ni une fois la validité
/// passée (le titre expire).
pub fn rappel_du(
    fin_validite: NaiveDate,
    aujourd_hui: NaiveDate,
    rappels_jours: &[u32],
    deja_envoyes: &[u32],
    renouvellement_depose: bool,
) -> Option<u32> {
    if renouvellement_depose {
        return None;
    }
    let restants = (fin_validite - aujourd_hui).num_days();
    if restants < 0 {
        return None;
    }
    let plus_proche = rappels_jours
        .iter()
        .copied()
        .filter(|j| i64::from(*j) >= restants)
        .min()?;
    (!deja_envoyes.contains(&plus_proche)).then_some(plus_proche)
}

/// Un geste daté qui suspend ou reprend le délai d'instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Geste {
    /// L'instruction demande un complément : le délai est suspendu.
    DemandeComplement,
    /// Le demandeur dépose son dossier (la première fois, ou en réponse à un complément : le
    /// délai reprend).
    Depot,
}

/// Une attente de complément : du jour de la demande au jour de la réponse (`None` : en cours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attente {
    pub du: NaiveDate,
    pub au: Option<NaiveDate>,
}

/// Les attentes de complément, lues dans les gestes du dossier dans l'ordre où ils ont eu lieu :
/// chaque demande ouvre une attente, le dépôt suivant la ferme.
pub fn attentes_complement(gestes: &[(DateTime<Utc>, Geste)]) -> Vec<Attente> {
    let mut attentes: Vec<Attente> = Vec::new();
    for (quand, geste) in gestes {
        let jour = quand.date_naive();
        match geste {
            Geste::DemandeComplement => {
                if attentes.last().is_none_or(|a| a.au.is_some()) {
                    attentes.push(Attente { du: jour, au: None });
                }
            }
            Geste::Depot => {
                if let Some(a) = attentes.last_mut().filter(|a| a.au.is_none()) {
                    a.au = Some(jour);
                }
            }
        }
    }
    attentes
}

/// Jours d'instruction écoulés le jour `aujourd_hui` depuis le dépôt du `depose_le`, sans les
/// jours d'attente d'un complément (chaque jour compté une fois, même si des attentes se
/// chevauchent).
pub fn jours_d_instruction(
    depose_le: NaiveDate,
    aujourd_hui: NaiveDate,
    attentes: &[Attente],
) -> i64 {
    if aujourd_hui <= depose_le {
        return 0;
    }
    let mut periodes: Vec<(NaiveDate, NaiveDate)> = attentes
        .iter()
        .map(|a| {
            let du = a.du.max(depose_le);
            let au = a.au.unwrap_or(aujourd_hui).min(aujourd_hui);
            (du, au)
        })
        .filter(|(du, au)| du < au)
        .collect();
    periodes.sort();
    let mut suspendus = 0;
    let mut jusqu_a = depose_le;
    for (du, au) in periodes {
        let du = du.max(jusqu_a);
        if du < au {
            suspendus += (au - du).num_days();
            jusqu_a = au;
        }
    }
    (aujourd_hui - depose_le).num_days() - suspendus
}

/// Les états où le délai d'instruction court (ou est suspendu, pour un complément) : déposé, en
/// instruction, complément demandé, accompagnement. Un brouillon ou un dossier décidé n'est
/// jamais en retard.
pub fn delai_en_cours(etat: Etat) -> bool {
    matches!(
        etat,
        Etat::Depose | Etat::EnInstruction | Etat::ComplementDemande | Etat::Accompagnement
    )
}

/// Jours de retard le jour `aujourd_hui` (au moins 1) d'un dossier déposé le `depose_le`, si ses
/// jours d'instruction ([`jours_d_instruction`]) dépassent `delai_jours` ; `None` sinon.
pub fn retard(
    depose_le: NaiveDate,
    aujourd_hui: NaiveDate,
    attentes: &[Attente],
    delai_jours: u32,
) -> Option<u32> {
    let depassement =
        jours_d_instruction(depose_le, aujourd_hui, attentes) - i64::from(delai_jours);
    u32::try_from(depassement).ok().filter(|j| *j > 0)
}
