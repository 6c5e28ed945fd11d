//! Ce qu'une personne lit d'un lieu : nom en casse lisible, téléphone formaté, frais en mots.
//! Les données sources ne sont jamais modifiées (données ouvertes et API gardent la valeur
//! publiée) : ces fonctions ne servent qu'à l'affichage.
//!
//! Règle de la casse lisible (un nom est réécrit seulement s'il est TOUT EN CAPITALES, sans
//! aucune minuscule) :
//! - tout passe en minuscules, puis la première lettre du nom en capitale ;
//! - les sigles connus (CCAS, MJC, CAF…) et les mots de deux lettres ou plus sans voyelle
//!   restent en capitales ;
//! - les noms propres donnés (la commune du lieu, son département) et « France » reprennent leur
//!   graphie (« BREST » → « Brest ») ; leurs petits mots (de, la, sur…) ne comptent pas ;
//! - quelques mots fréquents retrouvent leurs accents (« DEPARTEMENT » → « département ») et
//!   « ST », « STE » deviennent « Saint », « Sainte ».
//!
//! Ainsi « MAISON FRANCE SERVICES DE BREST » (commune Brest) → « Maison France services de Brest ».

use crate::texte::normaliser;

/// Sigles laissés en capitales.
const SIGLES: &[&str] = &[
    "ca", "ccas", "cias", "mjc", "caf", "cpam", "msa", "epn", "cij", "pij", "bij", "pimms", "msap",
    "ehpad", "esat", "greta", "cfa", "mfr", "afpa", "pmi", "mdph", "mds", "cms", "fjt", "csc",
    "udaf", "adil", "apf", "cdc", "crij", "ufcv", "upi", "tic", "tice", "mde",
];

/// Petits mots qui ne font pas d'un mot un nom propre.
const PETITS_MOTS: &[&str] = &[
    "de", "des", "du", "la", "le", "les", "l", "d", "sur", "sous", "en", "et", "aux", "au", "a",
];

/// Mots fréquents des noms de lieux écrits sans accents en capitales.
const ACCENTS: &[(&str, &str)] = &[
    ("departement", "département"),
    ("departemental", "départemental"),
    ("departementale", "départementale"),
    ("communaute", "communauté"),
    ("mediatheque", "médiathèque"),
    ("bibliotheque", "bibliothèque"),
    ("numerique", "numérique"),
    ("numeriques", "numériques"),
    ("mediation", "médiation"),
    ("espace", "espace"),
    ("cafe", "café"),
    ("cite", "cité"),
    ("solidarite", "solidarité"),
    ("societe", "société"),
    ("federation", "fédération"),
    ("regie", "régie"),
    ("ecole", "école"),
    ("economie", "économie"),
    ("etudiants", "étudiants"),
    ("hotel", "hôtel"),
    ("pole", "pôle"),
    ("st", "Saint"),
    ("ste", "Sainte"),
];

/// Le nom est-il tout en capitales (au moins deux lettres, aucune minuscule) ?
pub fn en_capitales(nom: &str) -> bool {
    nom.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !nom.chars().any(char::is_lowercase)
}

/// Le nom en casse lisible (voir la règle du module) ; `noms_propres` : la commune du lieu, son
/// département… Un nom qui a déjà des minuscules est rendu tel quel.
pub fn nom_lisible(nom: &str, noms_propres: &[&str]) -> String {
    let nom = nom.trim();
    if !en_capitales(nom) {
        return nom.to_string();
    }
    // Mot normalisé → graphie du nom propre.
    let mut propres: Vec<(String, String)> = Vec::new();
    for p in noms_propres.iter().copied().chain(["France"]) {
        // Un nom propre lui-même en capitales (« LA COURONNE ») prend une capitale initiale.
        let capitales = en_capitales(p);
        for mot in p.split(|c: char| !c.is_alphanumeric()) {
            let n = normaliser(mot);
            if mot.is_empty() || PETITS_MOTS.contains(&n.as_str()) {
                continue;
            }
            let graphie = if capitales {
                let bas = mot.to_lowercase();
                let mut c = bas.chars();
                c.next()
                    .map(|p| p.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            } else {
                mot.to_string()
            };
            if !propres.iter().any(|(k, _)| *k == n) {
                propres.push((n, graphie));
            }
        }
    }
    let mut sortie = String::with_capacity(nom.len());
    let mut mot = String::new();
    let mut premier = true;
    let vider = |mot: &mut String, sortie: &mut String, premier: &mut bool| {
        if mot.is_empty() {
            return;
        }
        let n = normaliser(mot);
        let voyelle = n.chars().any(|c| "aeiouy".contains(c));
        let lisible = if let Some((_, p)) = propres.iter().find(|(k, _)| *k == n) {
            p.clone()
        } else if let Some((_, a)) = ACCENTS.iter().find(|(k, _)| *k == n) {
            a.to_string()
        } else if SIGLES.contains(&n.as_str())
            || (!voyelle && n.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        {
            mot.clone()
        } else {
            mot.to_lowercase()
        };
        if *premier {
            let mut c = lisible.chars();
            if let Some(p) = c.next() {
                sortie.extend(p.to_uppercase());
                sortie.push_str(c.as_str());
            }
            *premier = false;
        } else {
            sortie.push_str(&lisible);
        }
        mot.clear();
    };
    for c in nom.chars() {
        if c.is_alphanumeric() {
            mot.push(c);
        } else {
            vider(&mut mot, &mut sortie, &mut premier);
            sortie.push(c);
        }
    }
    vider(&mut mot, &mut sortie, &mut premier);
    sortie
}

/// Un numéro de téléphone prêt à afficher et à composer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Telephone {
    /// « 05 45 12 34 56 », « +687 27 12 34 », « 39 39 ».
    pub affiche: String,
    /// Cible d'un lien : « tel:+33545123456 ».
    pub lien: String,
}

/// Indicatifs des départements d'outre-mer (numérotation nationale à 10 chiffres) : préfixe
/// national → indicatif international.
const OUTRE_MER: &[(&str, &str)] = &[
    ("0262", "262"),
    ("0263", "262"),
    ("0269", "262"),
    ("0692", "262"),
    ("0693", "262"),
    ("0639", "262"),
    ("0590", "590"),
    ("0690", "590"),
    ("0691", "590"),
    ("0594", "594"),
    ("0694", "594"),
    ("0596", "596"),
    ("0696", "596"),
    ("0697", "596"),
];

fn par_deux(chiffres: &str) -> String {
    let c: Vec<char> = chiffres.chars().collect();
    c.chunks(2)
        .map(|p| p.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Formate un numéro (E.164 « +33545123456 » comme le veut le schéma, ou national « 05 45 12 34 56 »,
/// ou numéro court « 3939 ») ; `None` s'il n'a pas l'air d'un numéro.
pub fn telephone(brut: &str) -> Option<Telephone> {
    let s: String = brut
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}'))
        .collect();
    let (plus, chiffres) = match s.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, s.as_str()),
    };
    if chiffres.is_empty() || !chiffres.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // Numéro national à 10 chiffres (métropole ou outre-mer).
    let national = |n: &str| -> Option<Telephone> {
        if n.len() != 10 || !n.starts_with('0') || n.starts_with("00") {
            return None;
        }
        let indicatif = OUTRE_MER
            .iter()
            .find(|(p, _)| n.starts_with(p))
            .map(|(_, i)| *i)
            .unwrap_or("33");
        // Sans le 0 : « 0545… » → +33 545… ; « 0262… » → +262 262….
        Some(Telephone {
            affiche: par_deux(n),
            lien: format!("tel:+{indicatif}{}", &n[1..]),
        })
    };
    if !plus {
        if chiffres.len() == 4 && chiffres.starts_with(['1', '3']) {
            return Some(Telephone {
                affiche: par_deux(chiffres),
                lien: format!("tel:{chiffres}"),
            });
        }
        return national(chiffres);
    }
    for indicatif in ["33", "262", "590", "594", "596"] {
        if let Some(reste) = chiffres.strip_prefix(indicatif) {
            let reste = reste.strip_prefix('0').unwrap_or(reste);
            if reste.len() == 9 {
                let n = format!("0{reste}");
                return Some(Telephone {
                    affiche: par_deux(&n),
                    lien: format!("tel:+{indicatif}{reste}"),
                });
            }
        }
    }
    // Autres collectivités (Nouvelle-Calédonie +687, Polynésie +689, Saint-Pierre-et-Miquelon
    // +508, Wallis-et-Futuna +681…) : l'indicatif puis les chiffres deux par deux.
    for indicatif in ["687", "689", "508", "681"] {
        if let Some(reste) = chiffres.strip_prefix(indicatif) {
            if (6..=8).contains(&reste.len()) {
                return Some(Telephone {
                    affiche: format!("+{indicatif} {}", par_deux(reste)),
                    lien: format!("tel:+{chiffres}"),
                });
            }
        }
    }
    None
}

/// Frais à charge (valeurs du schéma séparées par `|`) en mots : « Gratuit », « Payant »,
/// « Gratuit sous condition ou payant ».
pub fn frais(valeur: &str) -> Option<String> {
    let v: Vec<&str> = valeur
        .split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let (premier, reste) = v.split_first()?;
    let mut s = premier.to_string();
    for r in reste {
        s.push_str(" ou ");
        s.push_str(&r.to_lowercase());
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn les_capitales_deviennent_lisibles() {
        assert_eq!(
            nom_lisible("MAISON FRANCE SERVICES DE BREST", &["Brest"]),
            "Maison France services de Brest"
        );
        assert_eq!(
            nom_lisible("DEPARTEMENT DE LA CHARENTE", &["Angoulême", "Charente"]),
            "Département de la Charente"
        );
        assert_eq!(
            nom_lisible("MAISON JEUNES ET CULTURE DE ST MICHEL", &["Saint-Michel"]),
            "Maison jeunes et culture de Saint Michel"
        );
        assert_eq!(
            nom_lisible("ASS JEUNESSE ET LOISIRS LA COURONNE", &["La Couronne"]),
            "Ass jeunesse et loisirs la Couronne"
        );
        assert_eq!(nom_lisible("CCAS DE COGNAC", &["Cognac"]), "CCAS de Cognac");
        assert_eq!(nom_lisible("CIJ", &[]), "CIJ");
        // Commune elle-même publiée en capitales.
        assert_eq!(
            nom_lisible("MAIRIE DE LA COURONNE", &["LA COURONNE"]),
            "Mairie de la Couronne"
        );
        assert_eq!(
            nom_lisible("CA DU GRAND COGNAC", &["Cognac"]),
            "CA du grand Cognac"
        );
        assert_eq!(
            nom_lisible("OHE-PROMETHEE CHARENTE CAP EMPLOI 16", &["Charente"]),
            "Ohe-promethee Charente cap emploi 16"
        );
        assert_eq!(
            nom_lisible("L'ESPACE NUMERIQUE D'ANGOULEME", &["Angoulême"]),
            "L'espace numérique d'Angoulême"
        );
    }

    #[test]
    fn un_nom_deja_en_casse_mixte_est_garde() {
        assert_eq!(
            nom_lisible("France services de Chasseneuil-sur-Bonnieure", &["Paris"]),
            "France services de Chasseneuil-sur-Bonnieure"
        );
        assert_eq!(nom_lisible("Anonymal", &[]), "Anonymal");
        assert_eq!(nom_lisible("  EPN du Val  ", &[]), "EPN du Val");
        assert!(en_capitales("MAIRIE DE BONNES"));
        assert!(!en_capitales("Mairie de BONNES"));
        assert!(!en_capitales("A 16"));
    }

    #[test]
    fn telephones_formates_et_composables() {
        let t = telephone("+33545123456").unwrap();
        assert_eq!(t.affiche, "05 45 12 34 56");
        assert_eq!(t.lien, "tel:+33545123456");
        let t = telephone("05 45 12 34 56").unwrap();
        assert_eq!(t.affiche, "05 45 12 34 56");
        assert_eq!(t.lien, "tel:+33545123456");
        let t = telephone("05.45.93.22.22").unwrap();
        assert_eq!(t.lien, "tel:+33545932222");
        let t = telephone("+262262123456").unwrap();
        assert_eq!(t.affiche, "02 62 12 34 56");
        assert_eq!(t.lien, "tel:+262262123456");
        let t = telephone("0692 12 34 56").unwrap();
        assert_eq!(t.lien, "tel:+262692123456");
        let t = telephone("+687271234").unwrap();
        assert_eq!(t.affiche, "+687 27 12 34");
        assert_eq!(t.lien, "tel:+687271234");
        let t = telephone("3939").unwrap();
        assert_eq!(t.affiche, "39 39");
        assert_eq!(t.lien, "tel:3939");
        assert_eq!(telephone("pas de numéro"), None);
        assert_eq!(telephone("+33 5 45"), None);
        assert_eq!(telephone("javascript:alert(1)"), None);
        assert_eq!(telephone(""), None);
    }

    #[test]
    fn frais_en_mots() {
        assert_eq!(frais("Gratuit").as_deref(), Some("Gratuit"));
        assert_eq!(frais("Payant").as_deref(), Some("Payant"));
        assert_eq!(
            frais("Gratuit sous condition|Payant").as_deref(),
            Some("Gratuit sous condition ou payant")
        );
        assert_eq!(frais(" | "), None);
    }
}
