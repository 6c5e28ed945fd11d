//! Signalements et propositions du public (issue 16) : une personne sans compte signale une erreur
//! sur la fiche d'un lieu (motif, commentaire, valeur proposée, adresse facultative pour être
//! prévenue) ou propose un lieu manquant. Les motifs, les champs de la fiche que chacun touche et
//! les limites (longueurs, débit) sont une donnée : `referentiels/signalements-lieux.toml`
//! (nature `signalements_lieux`), validée au chargement comme les autres référentiels.

use serde::{Deserialize, Serialize};

use crate::referentiel::{Chemin, Nature, Rapport, Source, Validite};
use crate::saisie::ErreurChamp;

/// Un motif de signalement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MotifSignalement {
    /// Code enregistré avec le signalement (`ferme`, `horaires`…).
    pub id: String,
    /// Ce que la personne coche (« Le lieu est fermé définitivement »).
    pub libelle: String,
    /// Champs du schéma national que la modération peut corriger en acceptant ce signalement.
    #[serde(default)]
    pub champs: Vec<String>,
    /// Accepter ce signalement ferme le lieu (hors recherche et données ouvertes).
    #[serde(default)]
    pub fermeture: bool,
}

/// Limites des signalements et propositions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitesSignalements {
    /// Signalements et propositions acceptés d'une même adresse réseau par fenêtre.
    pub par_adresse: i64,
    /// Durée de la fenêtre, en minutes.
    pub fenetre_minutes: i64,
    /// Longueur maximale du commentaire (caractères).
    pub commentaire_max: usize,
    /// Longueur maximale de la valeur proposée (caractères).
    pub valeur_max: usize,
    /// Longueur maximale du motif d'un refus (caractères).
    pub motif_refus_max: usize,
}

/// Fichier `nature = "signalements_lieux"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalementsLieux {
    pub id: String,
    pub version: String,
    pub nature: Nature,
    pub nom: String,
    pub source: Source,
    pub validite: Validite,
    pub limites: LimitesSignalements,
    pub motifs: Vec<MotifSignalement>,
}

impl SignalementsLieux {
    pub fn motif(&self, id: &str) -> Option<&MotifSignalement> {
        self.motifs.iter().find(|m| m.id == id)
    }
}

/// Contrôles d'un fichier de motifs : identifiants uniques, champs du schéma national (hors
/// champs tenus par Repères), au plus un motif de fermeture, limites positives.
pub(crate) fn valider_fichier(s: &SignalementsLieux, r: &mut Rapport) {
    let schema = super::schema_national_statique();
    let mut vus = std::collections::BTreeSet::new();
    if s.motifs.is_empty() {
        r.erreur(
            &Chemin::default().cle("motifs"),
            "au moins un motif est attendu".to_string(),
        );
    }
    for (i, m) in s.motifs.iter().enumerate() {
        let chemin = Chemin::default().cle("motifs").indice(i);
        if !vus.insert(m.id.as_str()) {
            r.erreur(
                &chemin.cle("id"),
                format!("le motif « {} » est déjà défini", m.id),
            );
        }
        if m.libelle.trim().is_empty() {
            r.erreur(&chemin.cle("libelle"), "libellé vide".to_string());
        }
        for c in &m.champs {
            if schema.champ(c).is_none()
                || super::versions::CHAMPS_DERIVES.contains(&c.as_str())
                || c == "id"
            {
                r.erreur(
                    &chemin.cle("champs"),
                    format!("« {c} » n'est pas un champ modifiable du schéma national des lieux"),
                );
            }
        }
    }
    if s.motifs.iter().filter(|m| m.fermeture).count() > 1 {
        r.erreur(
            &Chemin::default().cle("motifs"),
            "un seul motif peut fermer le lieu".to_string(),
        );
    }
    let l = &s.limites;
    for (cle, v) in [
        ("par_adresse", l.par_adresse),
        ("fenetre_minutes", l.fenetre_minutes),
        ("commentaire_max", l.commentaire_max as i64),
        ("valeur_max", l.valeur_max as i64),
        ("motif_refus_max", l.motif_refus_max as i64),
    ] {
        if v <= 0 {
            r.erreur(
                &Chemin::default().cle("limites").cle(cle),
                "un nombre positif est attendu".to_string(),
            );
        }
    }
}

/// Un signalement saisi (formulaire public), avant enregistrement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SaisieSignalement {
    pub motif: String,
    pub commentaire: String,
    pub valeur_proposee: String,
    pub email: String,
}

/// Une adresse électronique plausible (un `@`, un domaine avec un point, sans espace).
pub fn adresse_plausible(e: &str) -> bool {
    let Some((local, domaine)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domaine.contains('.')
        && !domaine.starts_with('.')
        && !domaine.ends_with('.')
        && !e.contains(char::is_whitespace)
        && !domaine.contains('@')
        && e.len() <= 254
}

/// Vérifie la saisie d'un signalement : motif connu, commentaire obligatoire et borné, valeur
/// proposée bornée, adresse facultative mais plausible, sans caractère de contrôle.
pub fn verifier_saisie(s: &SignalementsLieux, saisie: &SaisieSignalement) -> Vec<ErreurChamp> {
    let mut e = Vec::new();
    let err = |champ: &'static str, m: String| ErreurChamp { champ, message: m };
    if s.motif(&saisie.motif).is_none() {
        e.push(err("motif", "Choisissez ce qui est erroné.".into()));
    }
    let n = saisie.commentaire.trim().chars().count();
    if n == 0 {
        e.push(err(
            "commentaire",
            "Dites en quelques mots ce qui est erroné.".into(),
        ));
    } else if n > s.limites.commentaire_max {
        e.push(err(
            "commentaire",
            format!(
                "Le commentaire dépasse {} caractères ({n}).",
                s.limites.commentaire_max
            ),
        ));
    }
    let n = saisie.valeur_proposee.trim().chars().count();
    if n > s.limites.valeur_max {
        e.push(err(
            "valeur_proposee",
            format!(
                "La valeur proposée dépasse {} caractères ({n}).",
                s.limites.valeur_max
            ),
        ));
    }
    let email = saisie.email.trim();
    if !email.is_empty() && !adresse_plausible(email) {
        e.push(err(
            "email",
            "Cette adresse électronique n'est pas valide (exemple : nom@exemple.fr).".into(),
        ));
    }
    for (champ, v) in [
        ("commentaire", &saisie.commentaire),
        ("valeur_proposee", &saisie.valeur_proposee),
        ("email", &saisie.email),
    ] {
        if let Some(c) = crate::saisie::caractere_de_controle(v) {
            if !e.iter().any(|x| x.champ == champ) {
                e.push(err(champ, crate::saisie::message_controle(champ, c)));
            }
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fichier() -> SignalementsLieux {
        toml::from_str(include_str!(
            "../../../../referentiels/signalements-lieux.toml"
        ))
        .unwrap()
    }

    #[test]
    fn le_referentiel_du_depot_est_valide() {
        let s = fichier();
        let mut r = Rapport::new("signalements-lieux.toml", "");
        valider_fichier(&s, &mut r);
        assert!(r.erreurs.is_empty(), "{:?}", r.erreurs);
        assert!(s.motif("ferme").unwrap().fermeture);
        assert_eq!(s.motif("horaires").unwrap().champs, vec!["horaires"]);
    }

    #[test]
    fn saisie_verifiee_champ_par_champ() {
        let s = fichier();
        let ok = SaisieSignalement {
            motif: "horaires".into(),
            commentaire: "Fermé le lundi.".into(),
            valeur_proposee: "Tu-Fr 09:00-12:00".into(),
            email: "".into(),
        };
        assert!(verifier_saisie(&s, &ok).is_empty());
        let mauvais = SaisieSignalement {
            motif: "inconnu".into(),
            commentaire: "  ".into(),
            valeur_proposee: "x".repeat(s.limites.valeur_max + 1),
            email: "pas une adresse".into(),
        };
        let e = verifier_saisie(&s, &mauvais);
        let champs: Vec<&str> = e.iter().map(|x| x.champ).collect();
        assert_eq!(
            champs,
            vec!["motif", "commentaire", "valeur_proposee", "email"]
        );
        assert_eq!(e[1].message, "Dites en quelques mots ce qui est erroné.");
    }

    #[test]
    fn un_fichier_casse_est_signale() {
        let mut s = fichier();
        s.motifs[1].champs.push("date_maj".into());
        s.motifs[2].fermeture = true;
        s.motifs.push(s.motifs[0].clone());
        s.limites.par_adresse = 0;
        let mut r = Rapport::new("signalements-lieux.toml", "");
        valider_fichier(&s, &mut r);
        let messages: Vec<String> = r.erreurs.iter().map(|e| e.message.clone()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("« date_maj »")));
        assert!(messages.iter().any(|m| m.contains("un seul motif")));
        assert!(messages.iter().any(|m| m.contains("déjà défini")));
        assert!(messages.iter().any(|m| m.contains("positif")));
    }
}
