//! Espace des demandeurs : organisations, membres, invitations, dispositifs, autodiagnostic,
//! création d'un dossier. Chaque objet est contrôlé : une personne ne voit que les organisations
//! dont elle est membre (les agents voient tout, sans pouvoir agir comme demandeur).

mod autodiagnostic;
mod dispositifs;
mod donnees_personnelles;
mod invitations;
mod organisations;
mod tableau;

pub use autodiagnostic::{autodiagnostic, evaluer};
pub use dispositifs::{
    creer_dispositif, creer_dossier, nouveau_dispositif, FormDispositif, FormNouveauDossier,
};
pub use donnees_personnelles::{donnees_personnelles, exporter_donnees, supprimer_compte};
pub use invitations::{accepter_invitation, invitation, FormAccepter};
pub use organisations::{
    creer_organisation, inviter, nouvelle_organisation, organisation, FormInvitation,
    FormOrganisation,
};
pub use tableau::espace;
