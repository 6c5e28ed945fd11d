//! L'instance de Repères : qui édite le site, qui l'héberge, à qui écrire, où est le code
//! source. C'est une donnée (`contenus/instance.toml`, remplaçable par `REPERES_INSTANCE`), lue
//! par les pages légales, la déclaration d'accessibilité et le formulaire « Signaler un
//! problème » ; ce module la lit et la contrôle.

use serde::Deserialize;

use crate::comptes::Email;

/// Le fichier de la démonstration, embarqué (valeurs par défaut).
pub const INSTANCE_TOML: &str = include_str!("../../../contenus/instance.toml");

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    pub nom_du_site: String,
    /// Adresse publique, sans barre finale.
    pub adresse_du_site: String,
    pub editeur: Editeur,
    pub hebergeur: Hebergeur,
    pub contact: Contact,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Editeur {
    pub nom: String,
    pub adresse: String,
    pub directeur_publication: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hebergeur {
    pub nom: String,
    pub adresse: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Adresse qui reçoit les demandes (accessibilité, droits, signalements).
    pub courriel: String,
    /// Adresse de la déléguée ou du délégué à la protection des données.
    pub dpd: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Dépôt public du code source.
    pub depot: String,
}

fn adresse_web(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > "https://".len()
        && !s.chars().any(char::is_whitespace)
}

/// Lit et contrôle le fichier d'une instance ; rend un message en français sinon (`origine` :
/// le nom du fichier, pour le message).
pub fn lire(texte: &str, origine: &str) -> Result<Instance, String> {
    let i: Instance = toml::from_str(texte).map_err(|e| format!("{origine} : {e}"))?;
    let champs = [
        ("nom_du_site", &i.nom_du_site),
        ("adresse_du_site", &i.adresse_du_site),
        ("editeur.nom", &i.editeur.nom),
        ("editeur.adresse", &i.editeur.adresse),
        (
            "editeur.directeur_publication",
            &i.editeur.directeur_publication,
        ),
        ("hebergeur.nom", &i.hebergeur.nom),
        ("hebergeur.adresse", &i.hebergeur.adresse),
        ("contact.courriel", &i.contact.courriel),
        ("contact.dpd", &i.contact.dpd),
        ("source.depot", &i.source.depot),
    ];
    for (cle, valeur) in champs {
        if valeur.trim().is_empty() {
            return Err(format!("{origine} : « {cle} » est vide"));
        }
    }
    for (cle, valeur) in [
        ("contact.courriel", &i.contact.courriel),
        ("contact.dpd", &i.contact.dpd),
    ] {
        if Email::parse(valeur).is_err() {
            return Err(format!(
                "{origine} : « {cle} » n'est pas une adresse électronique (« {valeur} »)"
            ));
        }
    }
    for (cle, valeur) in [
        ("adresse_du_site", &i.adresse_du_site),
        ("source.depot", &i.source.depot),
    ] {
        if !adresse_web(valeur) {
            return Err(format!(
                "{origine} : « {cle} » doit être une adresse http(s):// (« {valeur} »)"
            ));
        }
    }
    Ok(Instance {
        adresse_du_site: i.adresse_du_site.trim_end_matches('/').to_string(),
        ..i
    })
}

/// L'instance de la démonstration (fichier embarqué).
pub fn par_defaut() -> Instance {
    lire(INSTANCE_TOML, "contenus/instance.toml")
        .expect("contenus/instance.toml est contrôlé par les tests")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_fichier_de_la_demonstration_se_lit() {
        let i = par_defaut();
        assert_eq!(i.contact.courriel, "contact@reperes.example.org");
        assert_eq!(i.adresse_du_site, "https://reperes.example.org");
    }

    #[test]
    fn refus_expliques() {
        let vide = INSTANCE_TOML.replace(
            "nom_du_site = \"Repères (démonstration)\"",
            "nom_du_site = \"  \"",
        );
        assert_eq!(
            lire(&vide, "i.toml"),
            Err("i.toml : « nom_du_site » est vide".to_string())
        );
        let mauvais = INSTANCE_TOML.replace("dpd@reperes.example.org", "dpd-sans-arobase");
        assert_eq!(
            lire(&mauvais, "i.toml"),
            Err(
                "i.toml : « contact.dpd » n'est pas une adresse électronique (« dpd-sans-arobase »)"
                    .to_string()
            )
        );
        let depot = INSTANCE_TOML.replace(
            "https://forge.example.org/reperes/reperes",
            "forge.example.org",
        );
        assert_eq!(
            lire(&depot, "i.toml"),
            Err(
                "i.toml : « source.depot » doit être une adresse http(s):// (« forge.example.org »)"
                    .to_string()
            )
        );
        assert!(lire("nom_du_site = 3", "i.toml")
            .unwrap_err()
            .starts_with("i.toml : "));
        let inconnu = format!("{INSTANCE_TOML}\ncouleur = \"rouge\"\n");
        assert!(lire(&inconnu, "i.toml").is_err());
    }

    #[test]
    fn barre_finale_retiree() {
        let t = INSTANCE_TOML.replace(
            "\"https://reperes.example.org\"",
            "\"https://reperes.example.org/\"",
        );
        assert_eq!(
            lire(&t, "x").unwrap().adresse_du_site,
            "https://reperes.example.org"
        );
    }
}
