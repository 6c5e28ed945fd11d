//! Registre public des titulaires : ce qui en fait partie, à quel département appartient un
//! titulaire. La recherche sans accents est dans [`crate::texte`].

use crate::dossier::Etat;

/// Un dossier figure au registre une fois labellisé ; retiré ou expiré, il y reste avec ses dates.
pub fn au_registre(etat: Etat) -> bool {
    matches!(etat, Etat::Labellise | Etat::Retire | Etat::Expire)
}

/// Code du département d'après le code postal (2A/2B pour la Corse, 971… pour l'outre-mer).
/// Approximation : un code postal peut couvrir une commune d'un département voisin (cas rares).
pub fn departement(code_postal: &str) -> Option<String> {
    let cp = code_postal.trim();
    if cp.len() != 5 || !cp.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(match &cp[..2] {
        "20" => {
            if cp < "20200" {
                "2A".into()
            } else {
                "2B".into()
            }
        }
        "97" | "98" => cp[..3].to_string(),
        d => d.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departements() {
        assert_eq!(departement("80000").as_deref(), Some("80"));
        assert_eq!(departement("20000").as_deref(), Some("2A"));
        assert_eq!(departement("20200").as_deref(), Some("2B"));
        assert_eq!(departement("97400").as_deref(), Some("974"));
        assert_eq!(departement("8000"), None);
        assert_eq!(departement("ABCDE"), None);
    }

    #[test]
    fn registre() {
        assert!(
            au_registre(Etat::Labellise) && au_registre(Etat::Retire) && au_registre(Etat::Expire)
        );
        assert!(!au_registre(Etat::Refuse) && !au_registre(Etat::EnInstruction));
    }
}
