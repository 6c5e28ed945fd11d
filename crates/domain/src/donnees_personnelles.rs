//! Le registre des données personnelles gardées sur le titulaire d'un compte : catégories,
//! finalité, base légale, durée de conservation, qui y accède. Le texte est une donnée
//! (`donnees/donnees-personnelles.toml`), lue par la page « Mes données personnelles », l'export
//! et la documentation ; ce module ne fait que le lire. Aussi : le nom qui remplace celui d'un
//! compte supprimé, et la règle des comptes dormants (dates, sans horloge).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Le registre, tel qu'il est versionné dans le dépôt.
pub const REGISTRE_TOML: &str = include_str!("../../../donnees/donnees-personnelles.toml");

/// Une catégorie de données personnelles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Categorie {
    /// Identifiant stable (`compte`, `sessions`…), clé de la section de l'export.
    pub code: String,
    pub libelle: String,
    /// Ce que la catégorie contient.
    pub contenu: String,
    pub finalite: String,
    pub base_legale: String,
    /// Durée de conservation.
    pub duree: String,
    /// Qui y accède.
    pub acces: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fichier {
    categorie: Vec<Categorie>,
}

/// Lit un registre ; rend le message d'erreur (fichier, problème) sinon.
pub fn lire(texte: &str) -> Result<Vec<Categorie>, String> {
    let f: Fichier =
        toml::from_str(texte).map_err(|e| format!("donnees/donnees-personnelles.toml : {e}"))?;
    for c in &f.categorie {
        for (cle, valeur) in [
            ("code", &c.code),
            ("libelle", &c.libelle),
            ("contenu", &c.contenu),
            ("finalite", &c.finalite),
            ("base_legale", &c.base_legale),
            ("duree", &c.duree),
            ("acces", &c.acces),
        ] {
            if valeur.trim().is_empty() {
                return Err(format!(
                    "donnees/donnees-personnelles.toml : catégorie « {} », « {cle} » est vide",
                    c.code
                ));
            }
        }
    }
    Ok(f.categorie)
}

/// Le registre du dépôt (vérifié par un test : il se lit toujours).
pub fn registre() -> Vec<Categorie> {
    lire(REGISTRE_TOML).unwrap_or_default()
}

/// Le nom qui remplace celui d'un compte supprimé ou pseudonymisé.
pub fn nom_supprime(numero: i64) -> String {
    format!("Compte supprimé n° {numero}")
}

/// L'adresse (invalide, unique) qui remplace celle d'un compte supprimé : le domaine réservé
/// `.invalid` (RFC 2606) ne peut recevoir aucun courriel.
pub fn adresse_supprimee(numero: i64) -> String {
    format!("compte-supprime-{numero}@comptes-supprimes.invalid")
}

/// Délai entre le courriel de préavis et la pseudonymisation d'un compte dormant.
pub const PREAVIS_DORMANT: Duration = Duration::days(30);

/// Ce que la règle des comptes dormants demande pour un compte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDormant {
    /// Actif : rien à faire.
    Rien,
    /// Prévenir par courriel (la pseudonymisation viendra après le préavis).
    Prevenir,
    /// Préavis échu : pseudonymiser.
    Pseudonymiser,
}

/// La règle : un compte sans connexion depuis `duree - préavis` est prévenu ; prévenu depuis au
/// moins le préavis et toujours sans connexion depuis `duree`, il est pseudonymisé.
pub fn sort_dormant(
    derniere_activite: DateTime<Utc>,
    prevenu_le: Option<DateTime<Utc>>,
    duree: Duration,
    maintenant: DateTime<Utc>,
) -> SortDormant {
    let inactif = maintenant - derniere_activite;
    match prevenu_le {
        Some(p) if inactif >= duree && maintenant - p >= PREAVIS_DORMANT => {
            SortDormant::Pseudonymiser
        }
        Some(_) => SortDormant::Rien,
        None if inactif >= duree - PREAVIS_DORMANT => SortDormant::Prevenir,
        None => SortDormant::Rien,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_registre_du_depot_se_lit_et_couvre_chaque_categorie_de_la_page() {
        let r = lire(REGISTRE_TOML).unwrap();
        let codes: Vec<&str> = r.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "compte",
                "organisations",
                "dossiers",
                "sessions",
                "invitations",
                "abonnements",
                "journal",
                "consentements"
            ]
        );
    }

    #[test]
    fn un_registre_incomplet_est_refuse_avec_la_cle() {
        let e = lire(
            "[[categorie]]\ncode = \"x\"\nlibelle = \"X\"\ncontenu = \"c\"\nfinalite = \"\"\nbase_legale = \"b\"\nduree = \"d\"\nacces = \"a\"\n",
        )
        .unwrap_err();
        assert!(e.contains("« finalite » est vide"), "{e}");
    }

    #[test]
    fn regle_des_comptes_dormants() {
        let t0 = DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let duree = Duration::days(1095);
        // Connecté il y a moins de 1095 - 30 jours : rien.
        assert_eq!(
            sort_dormant(t0, None, duree, t0 + Duration::days(1064)),
            SortDormant::Rien
        );
        assert_eq!(
            sort_dormant(t0, None, duree, t0 + Duration::days(1065)),
            SortDormant::Prevenir
        );
        // Prévenu, mais le préavis court encore : rien.
        let p = t0 + Duration::days(1065);
        assert_eq!(
            sort_dormant(t0, Some(p), duree, t0 + Duration::days(1094)),
            SortDormant::Rien
        );
        assert_eq!(
            sort_dormant(t0, Some(p), duree, t0 + Duration::days(1095)),
            SortDormant::Pseudonymiser
        );
        // Prévenu tard (tâche arrêtée) : le préavis de 30 jours est quand même laissé.
        let tard = t0 + Duration::days(1200);
        assert_eq!(
            sort_dormant(t0, Some(tard), duree, tard + Duration::days(29)),
            SortDormant::Rien
        );
        assert_eq!(
            sort_dormant(t0, Some(tard), duree, tard + Duration::days(30)),
            SortDormant::Pseudonymiser
        );
    }
}
