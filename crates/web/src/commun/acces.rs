//! Qui agit et ce qu'il peut voir : l'acteur inscrit au journal pour un compte, les contrôles
//! d'accès aux dossiers partagés par plusieurs fonctionnalités.

use reperes_domain::comptes::{Personne, RoleCompte};
use reperes_domain::dossier::{transition, TypeAction};
use reperes_domain::referentiel::Referentiel;
use reperes_domain::{Dossier, Refus, Role};
use reperes_store::{Acteur, Utilisateur};

use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// L'acteur inscrit au journal pour ce compte : `rôle:identifiant`, jamais l'adresse (le journal
/// n'est pas réécrit ; supprimer un compte efface son adresse et son nom de la seule table des
/// comptes, où l'historique les relit : voir `docs/donnees-personnelles.md`).
pub fn acteur(u: &Utilisateur) -> Acteur {
    let role = match u.role {
        RoleCompte::Demandeur => Role::Demandeur,
        RoleCompte::Instructeur => Role::Instructeur,
        RoleCompte::Administrateur => Role::Administrateur,
        RoleCompte::Expert => Role::Expert,
    };
    Acteur::new(&u.id, role)
}

/// Le dossier et son référentiel, si la personne peut le voir.
pub async fn dossier_visible<'a>(
    etat: &'a Etat,
    p: &Personne,
    id: &str,
) -> Result<(Dossier, &'a Referentiel), ErreurWeb> {
    let d = etat
        .store
        .dossier(id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    if !p.peut_voir(&d) {
        return Err(ErreurWeb::Introuvable);
    }
    let r = etat
        .catalogue
        .referentiel(&d.referentiel_id, &d.referentiel_version)
        .ok_or_else(|| {
            ErreurWeb::Incoherence(format!(
                "référentiel {}@{} absent",
                d.referentiel_id, d.referentiel_version
            ))
        })?;
    Ok((d, r))
}

/// Refuse (403, avec la raison) toute action d'instruction d'un agent sur un dossier de l'une
/// de ses organisations (conflit d'intérêts, règle du domaine).
pub fn sans_conflit(p: &Personne, d: &Dossier) -> Result<(), ErreurWeb> {
    match p.conflit_d_interets(d) {
        Some(motif) => Err(ErreurWeb::InterditPour(motif.to_string())),
        None => Ok(()),
    }
}

/// Refuse (403, avec la raison) une action que la table des transitions ne permet pas à ce
/// rôle ; un refus d'état reste un refus métier (400) du domaine.
pub fn role_permis(role: Role, action: TypeAction) -> Result<(), ErreurWeb> {
    let t = transition(action);
    if t.roles.contains(&role) {
        Ok(())
    } else {
        Err(ErreurWeb::InterditPour(
            Refus::RoleNonAutorise { action, role }.to_string(),
        ))
    }
}

/// Le dossier et son référentiel, si la personne connectée peut le voir ; rendus avec elle.
pub async fn dossier_du_connecte<'a, 'v>(
    etat: &'a Etat,
    v: &'v Visiteur,
    id: &str,
) -> Result<(Dossier, &'a Referentiel, &'v Personne), ErreurWeb> {
    let (_, p) = v.connecte()?;
    let (d, r) = dossier_visible(etat, p, id).await?;
    Ok((d, r, p))
}

/// Les agents (instructeurs, puis administrateurs).
pub async fn agents(etat: &Etat) -> Result<Vec<Utilisateur>, ErreurWeb> {
    let mut agents = Vec::new();
    for role in [RoleCompte::Instructeur, RoleCompte::Administrateur] {
        agents.extend(etat.store.utilisateurs_de_role(role).await?);
    }
    Ok(agents)
}

/// Les agents, en (identifiant, nom) pour les listes de choix.
pub async fn noms_des_agents(etat: &Etat) -> Result<Vec<(String, String)>, ErreurWeb> {
    Ok(agents(etat)
        .await?
        .into_iter()
        .map(|u| (u.id, u.nom))
        .collect())
}
