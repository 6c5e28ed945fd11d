//! Qui peut changer un lieu (issue 16) : un administrateur, ou un membre de la structure qui le
//! tient (revendication acceptée). Partagé par les pages qui modifient un lieu (modification,
//! historique, conflits, signalements, confirmation).

use reperes_store::{Acteur, StructureLieu};

use crate::commun::acces::acteur;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// Au nom de qui une personne change un lieu.
#[derive(Debug, Clone)]
pub enum Tenue {
    /// Administrateur de la plateforme.
    Administrateur(Acteur),
    /// Membre de la structure qui tient le lieu.
    Structure(Acteur, StructureLieu),
}

impl Tenue {
    pub fn acteur(&self) -> &Acteur {
        match self {
            Tenue::Administrateur(a) | Tenue::Structure(a, _) => a,
        }
    }

    /// L'organisation au nom de laquelle le changement est fait (la structure), s'il y en a une.
    pub fn organisation_id(&self) -> Option<String> {
        match self {
            Tenue::Administrateur(_) => None,
            Tenue::Structure(_, s) => Some(s.organisation_id.clone()),
        }
    }
}

/// La personne peut-elle changer ce lieu ? `None` si non (anonyme, autre organisation, agent).
pub async fn tenue(
    etat: &Etat,
    visiteur: &Visiteur,
    source: &str,
    id: &str,
) -> Result<Option<Tenue>, ErreurWeb> {
    let (Some(u), Some(p)) = (&visiteur.utilisateur, &visiteur.personne) else {
        return Ok(None);
    };
    if visiteur.administrateur().is_ok() {
        return Ok(Some(Tenue::Administrateur(acteur(u))));
    }
    match etat.store.structure_du_lieu(source, id).await? {
        Some(s) if p.membre_de(&s.organisation_id) => Ok(Some(Tenue::Structure(acteur(u), s))),
        _ => Ok(None),
    }
}

/// Comme [`tenue`], mais exigée : une personne non connectée est invitée à se connecter, une
/// autre reçoit « interdit ».
pub async fn tenue_exigee(
    etat: &Etat,
    visiteur: &Visiteur,
    source: &str,
    id: &str,
) -> Result<Tenue, ErreurWeb> {
    visiteur.connecte()?;
    if let Err(e @ ErreurWeb::SecondFacteurRequis) = visiteur.administrateur() {
        return Err(e);
    }
    tenue(etat, visiteur, source, id)
        .await?
        .ok_or(ErreurWeb::Interdit)
}
