//! Texte normalisé pour comparer et chercher : minuscules, sans accents ni ligatures, espaces
//! simplifiés. Sert au registre, aux lieux, aux communes et aux territoires.

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

/// Clé de comparaison d'un nom de commune : sans accents, casse, tirets ni apostrophes ;
/// « St » et « Ste » valent « Saint » et « Sainte ».
pub fn cle_nom(nom: &str) -> String {
    normaliser(&nom.replace(['-', '\'', '’'], " "))
        .split_whitespace()
        .map(|m| match m {
            "st" => "saint",
            "ste" => "sainte",
            autre => autre,
        })
        .collect::<Vec<_>>()
        .join(" ")
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
    fn noms_de_communes() {
        assert_eq!(cle_nom("St-Denis"), "saint denis");
        assert_eq!(cle_nom("Ste  Marie d’Aurillac"), "sainte marie d aurillac");
    }
}
