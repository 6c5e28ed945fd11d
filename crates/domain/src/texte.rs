//! Texte normalisé pour comparer et chercher : minuscules, sans accents ni ligatures, espaces
//! simplifiés. Sert au registre, aux lieux, aux communes et aux territoires.

/// Texte normalisé pour la recherche : minuscules, sans accents ni ligatures, espaces simplifiés.
pub fn normaliser(texte: &str) -> String {
    let mut s = String::with_capacity(texte.len());
    normaliser_dans(texte, &mut s);
    s
}

/// Ajoute à `sortie` le texte normalisé (le même que [`normaliser`]) sans autre allocation que
/// celle de `sortie` : les mots sont séparés par une seule espace, sans espace au début ni à la
/// fin. Sert aux comparaisons répétées (regroupement des doublons d'une liste de résultats), avec
/// un tampon réutilisé.
pub fn normaliser_dans(texte: &str, sortie: &mut String) {
    let mut mot_commence = false;
    let mut espace_en_attente = false;
    let mut pousser = |c: char, s: &mut String| {
        if c == ' ' {
            espace_en_attente = mot_commence;
            return;
        }
        if espace_en_attente {
            s.push(' ');
            espace_en_attente = false;
        }
        s.push(c);
        mot_commence = true;
    };
    for c in texte.chars() {
        // ASCII (l'essentiel des noms et adresses) : sans passer par les tables Unicode.
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                pousser(c.to_ascii_lowercase(), sortie);
            } else {
                pousser(' ', sortie);
            }
            continue;
        }
        for c in c.to_lowercase() {
            normaliser_caractere(c, &mut |x| pousser(x, sortie));
        }
    }
}

/// Un caractère non ASCII déjà en minuscules : sa forme normalisée (sans accent ni ligature ;
/// une espace pour un séparateur).
fn normaliser_caractere(c: char, pousser: &mut impl FnMut(char)) {
    match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => pousser('a'),
        'ç' => pousser('c'),
        'é' | 'è' | 'ê' | 'ë' => pousser('e'),
        'î' | 'ï' | 'í' | 'ì' => pousser('i'),
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => pousser('o'),
        'ù' | 'û' | 'ü' | 'ú' => pousser('u'),
        'ÿ' | 'ý' => pousser('y'),
        'ñ' => pousser('n'),
        'œ' => {
            pousser('o');
            pousser('e')
        }
        'æ' => {
            pousser('a');
            pousser('e')
        }
        c if c.is_alphanumeric() => pousser(c),
        // Blancs, apostrophes, tirets, ponctuation : séparateurs de mots.
        _ => pousser(' '),
    }
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

/// Cite un nom entre guillemets français, sans les doubler : un nom qui porte déjà ses propres
/// guillemets (« Label « Numérique en Commun[s] » — … », « Charte « Territoire d'Actions… » »)
/// est rendu tel quel ; des guillemets droits ou anglais autour du nom deviennent « … ».
/// C'est la seule fonction qui cite un nom (pages, PDF, courriels : `commun::libelles::citer`).
pub fn citer(nom: &str) -> String {
    let nom = nom.trim();
    if nom.contains('«') || nom.contains('»') {
        return nom.to_string();
    }
    let nu = nom
        .strip_prefix(['"', '“'])
        .and_then(|n| n.strip_suffix(['"', '”']))
        .unwrap_or(nom)
        .trim();
    format!("« {nu} »")
}

/// Texte réduit à des mots ASCII séparés par des tirets, pour un nom de fichier sûr :
/// « Label « Numérique en Commun[s] » 2022 » → `label-numerique-en-commun-s-2022`.
pub fn en_tirets(texte: &str) -> String {
    normaliser(texte)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|m| !m.is_empty())
        .collect::<Vec<_>>()
        .join("-")
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
        // Blancs de toute sorte, ponctuation en tête et en fin, ligatures, majuscules composées.
        assert_eq!(
            normaliser("\u{a0}«\tÆsop  —  l'ŒIL\u{2009}d'İstanbul ! »\n"),
            "aesop l oeil d i stanbul"
        );
        assert_eq!(normaliser(" - ' "), "");
        let mut tampon = String::from("avant|");
        normaliser_dans("  Rue   Jean-Jaurès ", &mut tampon);
        assert_eq!(tampon, "avant|rue jean jaures");
    }

    /// L'écriture d'avant `normaliser_dans` (une chaîne, puis découpe et jointure des mots) :
    /// la nouvelle doit rendre exactement la même chose.
    fn normaliser_reference(texte: &str) -> String {
        let mut s = String::new();
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

    #[test]
    fn normaliser_rend_ce_que_rendait_l_ancienne_ecriture() {
        for t in [
            "",
            "   ",
            "Médiathèque Jean-Jaurès",
            "  Éco-conception, ŒUVRE  d’Amiens ",
            "ÀÉÎÕÜ Ÿ Ñ Ç æ Æ œ Œ",
            "\u{212A}elvin İstanbul ǅemal ß ẞ",
            "L'ÎLE-D'YEU (85350) — n°12 bis\t\n",
            "東京 Ελλάδα Москва ١٢٣",
            "a\u{301}e\u{300} x\u{a0}y\u{2009}z",
            "___---''",
        ] {
            assert_eq!(normaliser(t), normaliser_reference(t), "{t:?}");
        }
    }

    #[test]
    fn noms_de_communes() {
        assert_eq!(cle_nom("St-Denis"), "saint denis");
        assert_eq!(cle_nom("Ste  Marie d’Aurillac"), "sainte marie d aurillac");
    }

    #[test]
    fn citer_sans_doubler_les_guillemets() {
        assert_eq!(citer("NEC 2022"), "« NEC 2022 »");
        assert_eq!(
            citer("Label « Numérique en Commun[s] » — arrêté du 9 novembre 2021"),
            "Label « Numérique en Commun[s] » — arrêté du 9 novembre 2021"
        );
        assert_eq!(
            citer(" « Territoire d'Actions » "),
            "« Territoire d'Actions »"
        );
        assert_eq!(citer("\"Les Liens\""), "« Les Liens »");
        assert_eq!(citer("“Les Liens”"), "« Les Liens »");
        for nom in [
            "Charte « Territoire d'Actions pour un numérique inclusif »",
            "Label « numérique inclusif » — arrêté du 26 mars 2019",
            "Médiathèque",
        ] {
            let c = citer(nom);
            assert!(!c.contains("« Label «") && !c.contains("« Charte «"), "{c}");
            assert!(!c.contains("» »") && !c.contains("« «"), "{c}");
        }
    }

    #[test]
    fn en_tirets_pour_un_nom_de_fichier() {
        assert_eq!(
            en_tirets("Espace numérique de l'Hôtel de Ville — Saint-Étienne"),
            "espace-numerique-de-l-hotel-de-ville-saint-etienne"
        );
        assert_eq!(en_tirets("NEC 2022"), "nec-2022");
        assert_eq!(en_tirets("REP-2026-00012"), "rep-2026-00012");
        assert_eq!(en_tirets("« Œuvre » / 漢字 !"), "oeuvre");
    }
}
