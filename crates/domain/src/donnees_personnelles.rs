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

/// Un traitement du site (page publique « Données personnelles ») : ce que le code garde, pour
/// qui, combien de temps, et dans quelles colonnes de la base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traitement {
    pub code: String,
    pub libelle: String,
    pub finalite: String,
    pub base_legale: String,
    /// Les données traitées.
    pub donnees: String,
    /// Durée de conservation, en clair.
    pub duree: String,
    /// La durée réglée dans le code, si elle en a une (vérifiée par un test).
    #[serde(default)]
    pub duree_heures: Option<i64>,
    #[serde(default)]
    pub duree_jours: Option<i64>,
    pub destinataires: String,
    /// Colonnes de la base (`table.colonne`) qui portent ces données.
    pub colonnes: Vec<String>,
}

/// Un cookie déposé par le site (page publique « Cookies »).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cookie {
    pub nom: String,
    pub finalite: String,
    pub duree: String,
    /// Durée maximale réglée dans le code (vérifiée par un test).
    pub duree_heures: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fichier {
    categorie: Vec<Categorie>,
    #[serde(default)]
    traitement: Vec<Traitement>,
    #[serde(default)]
    cookie: Vec<Cookie>,
}

/// Le registre complet : catégories du titulaire d'un compte, traitements du site, cookies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registre {
    pub categories: Vec<Categorie>,
    pub traitements: Vec<Traitement>,
    pub cookies: Vec<Cookie>,
}

/// Lit le registre complet ; rend le message d'erreur sinon (champ vide, traitement sans
/// colonne, colonne mal écrite, code en double).
pub fn lire_registre(texte: &str) -> Result<Registre, String> {
    let categories = lire(texte)?;
    let f: Fichier =
        toml::from_str(texte).map_err(|e| format!("donnees/donnees-personnelles.toml : {e}"))?;
    let mut codes = std::collections::BTreeSet::new();
    for t in &f.traitement {
        for (cle, valeur) in [
            ("code", &t.code),
            ("libelle", &t.libelle),
            ("finalite", &t.finalite),
            ("base_legale", &t.base_legale),
            ("donnees", &t.donnees),
            ("duree", &t.duree),
            ("destinataires", &t.destinataires),
        ] {
            if valeur.trim().is_empty() {
                return Err(format!(
                    "donnees/donnees-personnelles.toml : traitement « {} », « {cle} » est vide",
                    t.code
                ));
            }
        }
        if !codes.insert(t.code.clone()) {
            return Err(format!(
                "donnees/donnees-personnelles.toml : traitement « {} » en double",
                t.code
            ));
        }
        if t.colonnes.is_empty() {
            return Err(format!(
                "donnees/donnees-personnelles.toml : traitement « {} » sans colonne",
                t.code
            ));
        }
        if let Some(c) = t.colonnes.iter().find(|c| {
            !matches!(c.split_once('.'), Some((a, b)) if !a.is_empty() && !b.is_empty() && !b.contains('.'))
        }) {
            return Err(format!(
                "donnees/donnees-personnelles.toml : traitement « {} », colonne « {c} » : écrivez « table.colonne »",
                t.code
            ));
        }
    }
    for c in &f.cookie {
        if c.nom.trim().is_empty() || c.finalite.trim().is_empty() || c.duree.trim().is_empty() {
            return Err(format!(
                "donnees/donnees-personnelles.toml : cookie « {} » incomplet",
                c.nom
            ));
        }
    }
    Ok(Registre {
        categories,
        traitements: f.traitement,
        cookies: f.cookie,
    })
}

/// Le registre complet du dépôt (vérifié par un test : il se lit toujours).
pub fn registre_complet() -> Registre {
    lire_registre(REGISTRE_TOML).unwrap_or(Registre {
        categories: vec![],
        traitements: vec![],
        cookies: vec![],
    })
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
    fn les_traitements_et_cookies_du_depot_se_lisent() {
        let r = lire_registre(REGISTRE_TOML).unwrap();
        let codes: Vec<&str> = r.traitements.iter().map(|t| t.code.as_str()).collect();
        for attendu in [
            "comptes",
            "sessions",
            "journal_securite",
            "signalements_lieux",
            "lieux",
            "rappels_fraicheur",
            "signaler_un_probleme",
            "limitation_debit",
        ] {
            assert!(codes.contains(&attendu), "traitement {attendu} : {codes:?}");
        }
        let cookies: Vec<&str> = r.cookies.iter().map(|c| c.nom.as_str()).collect();
        assert_eq!(cookies, ["reperes_session"]);
    }

    #[test]
    fn un_traitement_mal_ecrit_est_refuse() {
        let base = "[[categorie]]\ncode = \"x\"\nlibelle = \"X\"\ncontenu = \"c\"\nfinalite = \"f\"\nbase_legale = \"b\"\nduree = \"d\"\nacces = \"a\"\n";
        let t = |colonnes: &str, destinataires: &str| {
            format!("{base}[[traitement]]\ncode = \"t\"\nlibelle = \"T\"\nfinalite = \"f\"\nbase_legale = \"b\"\ndonnees = \"d\"\nduree = \"d\"\ndestinataires = \"{destinataires}\"\ncolonnes = {colonnes}\n")
        };
        assert!(lire_registre(&t("[\"a.b\"]", "x")).is_ok());
        assert_eq!(
            lire_registre(&t("[\"a.b\"]", " ")).unwrap_err(),
            "donnees/donnees-personnelles.toml : traitement « t », « destinataires » est vide"
        );
        assert!(lire_registre(&t("[]", "x"))
            .unwrap_err()
            .ends_with("traitement « t » sans colonne"));
        assert!(lire_registre(&t("[\"email\"]", "x"))
            .unwrap_err()
            .contains("colonne « email » : écrivez « table.colonne »"));
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
