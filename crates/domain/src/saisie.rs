//! Règles communes à tout texte reçu de l'extérieur (formulaires, paramètres, fichiers importés),
//! et l'erreur rattachée à un champ de formulaire que rendent toutes les analyses de saisie :
//! caractères de contrôle, et longueur maximale de chaque champ texte (une seule table de règles,
//! le référentiel `referentiels/longueurs-saisie.toml`, compilé dans le binaire).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::referentiel::{Nature, Source, Validite};

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
    // Voie rapide sur les octets : U+0080 à U+009F s'encodent 0xC2 0x80..0x9F ; sans octet < 0x20
    // (hors \t \n \r), ni 0x7F, ni 0xC2, aucun contrôle (le cas de presque toutes les valeurs).
    let suspect = texte
        .bytes()
        .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F || b == 0xC2);
    if !suspect {
        return None;
    }
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

/// Le fichier des longueurs maximales (`nature = "saisie"`) : une longueur par défaut, et des
/// groupes de champs avec leur maximum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongueursSaisie {
    pub id: String,
    pub version: String,
    pub nature: Nature,
    pub nom: String,
    /// Maximum, en caractères, de tout champ qu'aucun groupe ne nomme.
    pub defaut: usize,
    pub source: Source,
    pub validite: Validite,
    pub longueurs: Vec<RegleLongueur>,
}

/// Un groupe de champs qui partagent un maximum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegleLongueur {
    /// Maximum, en caractères (pas en octets).
    pub max: usize,
    /// Pourquoi ce maximum (pour la personne qui relit le fichier).
    pub motif: String,
    /// Noms des champs de formulaire ; `prefixe_*` désigne tous les champs qui commencent par
    /// `prefixe_` (champs numérotés : `commentaire_c1`, `ecart_c2`…).
    pub champs: Vec<String>,
}

impl LongueursSaisie {
    /// Le maximum qui s'applique au champ : le nom exact d'abord, puis le plus long préfixe.
    pub fn maximum(&self, champ: &str) -> usize {
        let mut meilleur: Option<(usize, usize)> = None;
        for regle in &self.longueurs {
            for motif in &regle.champs {
                let force = match motif.strip_suffix('*') {
                    None if motif == champ => usize::MAX,
                    Some(prefixe) if champ.starts_with(prefixe) => prefixe.len(),
                    _ => continue,
                };
                if meilleur.is_none_or(|(f, _)| force > f) {
                    meilleur = Some((force, regle.max));
                }
            }
        }
        meilleur.map_or(self.defaut, |(_, max)| max)
    }
}

/// Le référentiel des longueurs, tel qu'il est versionné dans le dépôt.
pub const FICHIER_LONGUEURS: &str = include_str!("../../../referentiels/longueurs-saisie.toml");

/// La table des longueurs en vigueur (le fichier du dépôt, lu une fois). Le fichier est vérifié
/// par le chargement des référentiels et par les tests ; s'il était illisible, la seule longueur
/// par défaut s'appliquerait.
pub fn longueurs() -> &'static LongueursSaisie {
    static TABLE: OnceLock<LongueursSaisie> = OnceLock::new();
    TABLE.get_or_init(|| {
        toml::from_str(FICHIER_LONGUEURS).unwrap_or_else(|_| LongueursSaisie {
            id: "longueurs-saisie".into(),
            version: "0".into(),
            nature: Nature::Saisie,
            nom: String::new(),
            defaut: 2_000,
            source: Source {
                texte: String::new(),
                reference: None,
                url: None,
            },
            validite: Validite {
                debut: chrono::NaiveDate::MIN,
                fin: None,
            },
            longueurs: Vec::new(),
        })
    })
}

/// Le maximum du champ si le texte le dépasse (en caractères), `None` s'il est dans la limite.
/// Une seule règle pour tous les formulaires : urlencodés (couche d'entrée du web) comme
/// multipart.
pub fn longueur_depassee(champ: &str, texte: &str) -> Option<usize> {
    let max = longueurs().maximum(champ);
    // Rien à compter si les octets tiennent déjà (un caractère fait au moins un octet).
    (texte.len() > max && texte.chars().nth(max).is_some()).then_some(max)
}

/// Message d'erreur pour un champ trop long.
pub fn message_longueur(champ: &str, max: usize, texte: &str) -> String {
    format!(
        "« {champ} » est trop long : {} caractères au plus (le texte envoyé en compte {}) : raccourcissez-le",
        milliers(max),
        milliers(texte.chars().count())
    )
}

/// 100000 → « 100 000 » (espace insécable fine, à la française).
fn milliers(n: usize) -> String {
    let chiffres = n.to_string();
    let mut s = String::new();
    for (i, c) in chiffres.chars().enumerate() {
        if i > 0 && (chiffres.len() - i).is_multiple_of(3) {
            s.push('\u{202F}');
        }
        s.push(c);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caracteres_de_controle_voie_rapide_et_lente() {
        // Aucun octet suspect : rien (texte accentué, tabulation et fins de ligne admises).
        assert_eq!(caractere_de_controle("Médiathèque\tà Brest\r\n"), None);
        // Contrôles ASCII et U+007F.
        assert_eq!(caractere_de_controle("a\u{0}b"), Some('\u{0}'));
        assert_eq!(caractere_de_controle("é\u{1b}[31m"), Some('\u{1b}'));
        assert_eq!(caractere_de_controle("fin\u{7f}"), Some('\u{7f}'));
        // U+0080 à U+009F (0xC2 0x80..0x9F) ; « ¡ » (0xC2 0xA1) et « U+202E » ne sont pas des contrôles.
        assert_eq!(caractere_de_controle("à\u{85}"), Some('\u{85}'));
        assert_eq!(caractere_de_controle("\u{9f}"), Some('\u{9f}'));
        assert_eq!(caractere_de_controle("¡Hola! \u{a0}\u{202e}"), None);
    }

    #[test]
    fn longueurs_du_referentiel() {
        // Le fichier du dépôt se lit (sinon la table par défaut servirait en silence).
        let l: LongueursSaisie = toml::from_str(FICHIER_LONGUEURS).expect("fichier lisible");
        assert_eq!(l.nature, Nature::Saisie);
        assert_eq!(l.defaut, 2_000);
        // Un champ inconnu : la longueur par défaut.
        assert_eq!(longueur_depassee("champ_inconnu", &"a".repeat(2_000)), None);
        assert_eq!(
            longueur_depassee("champ_inconnu", &"a".repeat(2_001)),
            Some(2_000)
        );
        // Les caractères, pas les octets : 2 000 « é » (4 000 octets) passent.
        assert_eq!(longueur_depassee("champ_inconnu", &"é".repeat(2_000)), None);
        // Court pour les noms et courriels, long pour les textes (préfixes compris).
        assert_eq!(longueur_depassee("nom", &"a".repeat(201)), Some(200));
        assert_eq!(longueur_depassee("email", &"a".repeat(255)), Some(254));
        assert_eq!(longueur_depassee("description", &"a".repeat(20_000)), None);
        assert_eq!(
            longueur_depassee("commentaire_c1", &"a".repeat(20_000)),
            None
        );
        assert_eq!(
            longueur_depassee("commentaire_c1", &"a".repeat(20_001)),
            Some(20_000)
        );
        assert_eq!(
            message_longueur("nom", 200, &"a".repeat(100_000)),
            "« nom » est trop long : 200 caractères au plus (le texte envoyé en compte 100\u{202F}000) : raccourcissez-le"
        );
    }

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
