//! Registre public des titulaires : ce qui en fait partie, comment on y cherche (texte sans
//! accents), à quel département appartient un titulaire.

use crate::dossier::Etat;

/// Un dossier figure au registre une fois labellisé ; retiré ou expiré, il y reste avec ses dates.
pub fn au_registre(etat: Etat) -> bool {
    matches!(etat, Etat::Labellise | Etat::Retire | Etat::Expire)
}

/// Texte normalisé pour la recherche : minuscules, sans accents ni ligatures, espaces simplifiés.
pub fn normaliser(texte: &str) -> String {
    let mut s = String::with_capacity(texte.len());
    for c in texte.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => s.push('a'),
            'ç' => s.push('c'),
            'é' | 'è' | 'ê' | 'ë' => s.push('e'),
            'î' | 'ï' | 'í' | 'ì' => s.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => s.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => s.push('u'),
            'ÿ' | 'ý' => s.push('y'),
            'ñ' => s.push('n'),
            'œ' => s.push_str("oe"),
            'æ' => s.push_str("ae"),
            '’' | '\'' | '-' | '_' => s.push(' '),
            c if c.is_alphanumeric() || c.is_whitespace() => s.push(c),
            _ => s.push(' '),
        }
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Tous les mots de la recherche figurent-ils dans le texte ? (les deux normalisés)
pub fn correspond(texte_normalise: &str, recherche: &str) -> bool {
    normaliser(recherche)
        .split(' ')
        .filter(|m| !m.is_empty())
        .all(|m| texte_normalise.contains(m))
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
    fn recherche_sans_accents() {
        assert_eq!(
            normaliser("  Éco-conception, ŒUVRE  d’Amiens "),
            "eco conception oeuvre d amiens"
        );
        assert!(correspond(
            &normaliser("Médiathèque de Périgueux"),
            "perigueux MEDIATHEQUE"
        ));
        assert!(!correspond(&normaliser("Médiathèque"), "musée"));
        assert!(correspond("abc", "   "));
    }

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
