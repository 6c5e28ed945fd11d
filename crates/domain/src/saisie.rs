//! Règles communes à tout texte reçu de l'extérieur (formulaires, paramètres, fichiers importés),
//! et l'erreur rattachée à un champ de formulaire que rendent toutes les analyses de saisie.

use serde::Serialize;

/// Une erreur de saisie, rattachée à son champ (pour lier le message au champ du formulaire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErreurChamp {
    pub champ: &'static str,
    pub message: String,
}

impl ErreurChamp {
    pub fn new(champ: &'static str, message: impl Into<String>) -> ErreurChamp {
        ErreurChamp {
            champ,
            message: message.into(),
        }
    }
}

/// Premier caractère de contrôle interdit d'un texte : U+0000 à U+001F sauf tabulation et fins de
/// ligne, U+007F, U+0080 à U+009F. Ils n'ont pas de sens dans un texte affiché ; certains cassent
/// l'enregistrement (PostgreSQL refuse U+0000) ou l'affichage d'un terminal. Les caractères de
/// mise en forme (U+202E, inversion bidirectionnelle…) ne sont pas des contrôles : ils restent
/// admis, et l'affichage les isole.
pub fn caractere_de_controle(texte: &str) -> Option<char> {
    texte.chars().find(|c| est_controle(*c))
}

/// Le caractère est-il un contrôle interdit (voir [`caractere_de_controle`]) ?
pub fn est_controle(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Message d'erreur pour un champ qui contient un caractère de contrôle.
pub fn message_controle(champ: &str, c: char) -> String {
    format!(
        "« {champ} » contient un caractère de contrôle (U+{:04X}) : retirez-le",
        c as u32
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controles_interdits_sauf_tabulation_et_fins_de_ligne() {
        assert_eq!(caractere_de_controle("ligne\tun\r\nligne deux"), None);
        assert_eq!(caractere_de_controle("a\u{202E}b 👩‍👩‍👧"), None);
        assert_eq!(caractere_de_controle("a\0b"), Some('\0'));
        assert_eq!(caractere_de_controle("\u{1b}[31m"), Some('\u{1b}'));
        assert_eq!(caractere_de_controle("x\u{7f}"), Some('\u{7f}'));
        assert_eq!(caractere_de_controle("x\u{85}"), Some('\u{85}'));
        assert_eq!(
            message_controle("nom", '\0'),
            "« nom » contient un caractère de contrôle (U+0000) : retirez-le"
        );
    }
}
