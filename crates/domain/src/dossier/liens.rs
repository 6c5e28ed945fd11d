//! Lecture des liens saisis par un demandeur (un par ligne) : les liens valides sont gardés, un
//! domaine nu (« www.site.fr/page ») reçoit `https://`, les autres lignes sont signalées sans
//! faire perdre les liens valides.

use super::lien_valide;

/// Les liens d'une saisie, triés.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiensLus {
    /// Liens à enregistrer (dans l'ordre de la saisie), complétés s'il le fallait.
    pub valides: Vec<String>,
    /// Liens complétés : (saisi, enregistré).
    pub completes: Vec<(String, String)>,
    /// Lignes qui ne sont pas des liens.
    pub invalides: Vec<String>,
}

/// Un domaine nu, suivi ou non d'un chemin : « www.site.fr », « site.fr/page?x=1 ».
fn domaine_nu(l: &str) -> bool {
    if l.contains("://") || l.chars().any(char::is_whitespace) {
        return false;
    }
    let hote = l.split(['/', '?', '#']).next().unwrap_or_default();
    let hote = hote.split_once(':').map_or(hote, |(h, port)| {
        if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            ""
        }
    });
    let etiquettes: Vec<&str> = hote.split('.').collect();
    etiquettes.len() >= 2
        && etiquettes.iter().all(|e| {
            !e.is_empty()
                && !e.starts_with('-')
                && !e.ends_with('-')
                && e.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && etiquettes
            .last()
            .is_some_and(|tld| tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic))
}

/// Lit les liens saisis, un par ligne (lignes vides ignorées).
pub fn lire_liens(texte: &str) -> LiensLus {
    let mut lus = LiensLus::default();
    for l in texte.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if lien_valide(l) {
            lus.valides.push(l.to_string());
        } else if domaine_nu(l) {
            let complet = format!("https://{l}");
            lus.valides.push(complet.clone());
            lus.completes.push((l.to_string(), complet));
        } else {
            lus.invalides.push(l.to_string());
        }
    }
    lus
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domaine_nu_complete_et_lignes_invalides_signalees() {
        let lus = lire_liens(
            "https://exemple.fr/doc\n\n  www.site.fr/page  \npas un lien\nftp://x.fr\nsite.fr:8080/a",
        );
        assert_eq!(
            lus.valides,
            vec![
                "https://exemple.fr/doc",
                "https://www.site.fr/page",
                "https://site.fr:8080/a"
            ]
        );
        assert_eq!(
            lus.completes,
            vec![
                (
                    "www.site.fr/page".to_string(),
                    "https://www.site.fr/page".to_string()
                ),
                (
                    "site.fr:8080/a".to_string(),
                    "https://site.fr:8080/a".to_string()
                )
            ]
        );
        assert_eq!(lus.invalides, vec!["pas un lien", "ftp://x.fr"]);
    }

    #[test]
    fn ce_qui_n_est_pas_un_domaine_reste_invalide() {
        for l in [
            "fichier.pdf1",
            "localhost",
            ".fr",
            "a..fr",
            "-a.fr",
            "a.f",
            "mail@x",
        ] {
            assert_eq!(lire_liens(l).invalides, vec![l.to_string()], "{l}");
        }
        assert_eq!(lire_liens("exemple.fr").valides, vec!["https://exemple.fr"]);
    }
}
