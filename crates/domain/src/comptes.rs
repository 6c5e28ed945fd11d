//! Comptes : adresses électroniques, rôles, règles de mot de passe, et qui peut voir ou faire quoi
//! sur un dossier. Le hachage (argon2id) et les jetons relèvent des couches qui font des I/O.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::dossier::{Dossier, Role};

/// Rôle d'un compte sur la plateforme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleCompte {
    /// Membre d'une ou plusieurs organisations : dépose des dossiers.
    Demandeur,
    /// Agent instructeur.
    Instructeur,
    Administrateur,
    /// Expert extérieur sollicité pour un avis : ne voit que ses demandes d'avis et, pour
    /// chacune, le dossier concerné en lecture seule (`dossier::avis`).
    Expert,
}

impl RoleCompte {
    pub fn code(self) -> &'static str {
        match self {
            RoleCompte::Demandeur => "demandeur",
            RoleCompte::Instructeur => "instructeur",
            RoleCompte::Administrateur => "administrateur",
            RoleCompte::Expert => "expert",
        }
    }
    pub fn depuis_code(c: &str) -> Option<RoleCompte> {
        [
            RoleCompte::Demandeur,
            RoleCompte::Instructeur,
            RoleCompte::Administrateur,
            RoleCompte::Expert,
        ]
        .into_iter()
        .find(|r| r.code() == c)
    }
    pub fn libelle(self) -> &'static str {
        match self {
            RoleCompte::Demandeur => "Demandeur",
            RoleCompte::Instructeur => "Instructeur ou instructrice",
            RoleCompte::Administrateur => "Administrateur ou administratrice",
            RoleCompte::Expert => "Expert ou experte (avis)",
        }
    }
    /// Agent de l'instruction (instructeur ou administrateur).
    pub fn est_agent(self) -> bool {
        matches!(self, RoleCompte::Instructeur | RoleCompte::Administrateur)
    }
}

/// Adresse électronique normalisée (espaces retirés, minuscules).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Email, String> {
        let s = s.trim().to_lowercase();
        let invalide =
            || "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.".to_string();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalide());
        }
        let (local, domaine) = s.split_once('@').ok_or_else(invalide)?;
        let domaine_ok = domaine.contains('.')
            && !domaine.starts_with('.')
            && !domaine.ends_with('.')
            && !domaine.contains("..")
            && domaine
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if local.is_empty() || local.len() > 64 || domaine.contains('@') || !domaine_ok {
            return Err(invalide());
        }
        Ok(Email(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longueur minimale d'un mot de passe (recommandation ANSSI pour un mot de passe seul).
pub const MOT_DE_PASSE_MIN: usize = 12;
pub const MOT_DE_PASSE_MAX: usize = 256;

/// Vérifie qu'un mot de passe est acceptable ; rend le message à afficher sinon.
pub fn verifier_mot_de_passe(mdp: &str, email: &str) -> Result<(), String> {
    let n = mdp.chars().count();
    if n < MOT_DE_PASSE_MIN {
        return Err(format!(
            "Le mot de passe doit compter au moins {MOT_DE_PASSE_MIN} caractères ({n} saisis)."
        ));
    }
    if n > MOT_DE_PASSE_MAX {
        return Err(format!(
            "Le mot de passe ne doit pas dépasser {MOT_DE_PASSE_MAX} caractères."
        ));
    }
    if mdp.trim().eq_ignore_ascii_case(email.trim()) {
        return Err("Le mot de passe ne doit pas être votre adresse électronique.".into());
    }
    if mdp.chars().all(|c| c == mdp.chars().next().unwrap_or(' ')) {
        return Err("Le mot de passe ne doit pas répéter un seul caractère.".into());
    }
    Ok(())
}

/// Longueur maximale du nom d'une personne : il figure dans les courriels envoyés de sa part
/// (invitations), et un texte sans limite en ferait un relais de publicité (issue 13, constat 5).
pub const NOM_MAX: usize = 100;

/// Vérifie le nom d'une personne (« Prénom et nom ») ; rend le message à afficher sinon.
pub fn verifier_nom(nom: &str) -> Result<(), String> {
    let nom = nom.trim();
    if nom.is_empty() {
        return Err("Indiquez votre prénom et votre nom.".into());
    }
    let n = nom.chars().count();
    if n > NOM_MAX {
        return Err(format!(
            "Le nom ne doit pas dépasser {NOM_MAX} caractères ({n} saisis)."
        ));
    }
    if let Some(c) = crate::saisie::caractere_de_controle(nom) {
        return Err(crate::saisie::message_controle("Prénom et nom", c));
    }
    Ok(())
}

/// Une personne connectée, telle que les règles d'accès la voient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Personne {
    pub id: String,
    pub role: RoleCompte,
    /// Organisations dont elle est membre.
    pub organisations: Vec<String>,
}

impl Personne {
    pub fn membre_de(&self, organisation_id: &str) -> bool {
        self.organisations.iter().any(|o| o == organisation_id)
    }

    /// Peut-elle voir ce dossier (et ses pièces) ?
    pub fn peut_voir(&self, d: &Dossier) -> bool {
        self.role.est_agent() || self.membre_de(&d.organisation_id)
    }

    /// Le rôle sous lequel elle agit sur ce dossier, s'il y en a un : un agent agit en agent ; un
    /// membre de l'organisation porteuse agit en demandeur ; les autres ne peuvent rien.
    pub fn role_sur(&self, d: &Dossier) -> Option<Role> {
        match self.role {
            RoleCompte::Administrateur => Some(Role::Administrateur),
            RoleCompte::Instructeur => Some(Role::Instructeur),
            RoleCompte::Demandeur if self.membre_de(&d.organisation_id) => Some(Role::Demandeur),
            RoleCompte::Demandeur => None,
            // L'expert n'a aucun rôle sur les dossiers : il lit celui de sa demande par les
            // pages d'avis seulement.
            RoleCompte::Expert => None,
        }
    }

    /// Conflit d'intérêts : un agent membre de l'organisation qui porte le dossier ne l'instruit
    /// pas (ni décision, ni appréciation, ni demande de complément, ni message de l'instruction,
    /// ni attribution). Rend le motif à montrer, s'il y a conflit.
    pub fn conflit_d_interets(&self, d: &Dossier) -> Option<&'static str> {
        (self.role.est_agent() && self.membre_de(&d.organisation_id)).then_some(MOTIF_CONFLIT)
    }
}

/// Ce qui est dit à l'agent en conflit d'intérêts (page du dossier, refus).
pub const MOTIF_CONFLIT: &str = "Vous êtes membre de l'organisation qui porte ce dossier : \
pour éviter tout conflit d'intérêts, vous ne pouvez pas l'instruire (prise en charge, \
attribution, appréciations, plan d'accompagnement, messages de l'instruction, demandes de \
complément et décisions). Un autre agent doit s'en charger.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("  Camille@Asso.FR ").unwrap().as_str(),
            "camille@asso.fr"
        );
        for ko in [
            "",
            "camille",
            "@asso.fr",
            "camille@",
            "camille@asso",
            "a b@asso.fr",
            "c@asso..fr",
            "c@.asso.fr",
            "c@@asso.fr",
        ] {
            assert!(Email::parse(ko).is_err(), "{ko}");
        }
    }

    #[test]
    fn mots_de_passe() {
        assert!(verifier_mot_de_passe("correct cheval pile agrafe", "a@b.fr").is_ok());
        assert!(verifier_mot_de_passe("court", "a@b.fr")
            .unwrap_err()
            .contains("12"));
        assert!(verifier_mot_de_passe("aaaaaaaaaaaaaaa", "a@b.fr").is_err());
        assert!(verifier_mot_de_passe("camille@asso.fr", "camille@asso.fr").is_err());
        assert!(verifier_mot_de_passe(&"x".repeat(300), "a@b.fr").is_err());
    }
}
