//! Avis d'experts sur un dossier (comme les « avis » de Démarches Simplifiées) : un agent demande,
//! par courriel, l'avis d'un expert extérieur sur **un** dossier (question, date limite, avis
//! confidentiel ou partagé avec le demandeur) ; l'expert répond une fois, par un texte et des
//! pièces jointes. Règles pures : états d'une demande, saisie, relances dues, et qui voit quoi.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::saisie::{
    caractere_de_controle, longueur_depassee, message_controle, message_longueur, ErreurChamp,
};

/// Relances envoyées à l'expert avant la date limite, en jours avant celle-ci (J-3, puis le jour
/// même) ; chacune une seule fois.
///
/// OUVERT : aucun texte ne fixe ces relances ; réglage de la plateforme (voir `docs/parcours.md`,
/// « Avis d'experts »).
pub const RELANCES_JOURS_AVANT: [i64; 2] = [3, 0];

/// Date limite la plus lointaine acceptée, en jours après la demande.
///
/// OUVERT : réglage de la plateforme (un avis se rend en quelques semaines).
pub const DELAI_MAX_JOURS: i64 = 180;

/// Pièces jointes d'une réponse, au plus.
pub const PIECES_MAX: usize = 4;

/// Une demande d'avis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandeAvis {
    pub id: String,
    pub dossier_id: String,
    /// Compte de l'agent qui a demandé l'avis.
    pub agent_id: String,
    /// Adresse de l'expert (normalisée) : seul un compte de cette adresse lit la demande.
    pub expert_email: String,
    /// Compte de l'expert, une fois le lien ouvert.
    pub expert_id: Option<String>,
    pub question: String,
    pub date_limite: NaiveDate,
    /// Confidentiel : visible des seuls agents (et de l'expert) ; sinon partagé avec le demandeur
    /// une fois rendu.
    pub confidentiel: bool,
    pub reponse: Option<String>,
    /// Pièces jointes de la réponse (identifiants de fichiers du dossier).
    pub fichiers: Vec<String>,
    pub cree_le: DateTime<Utc>,
    pub repondu_le: Option<DateTime<Utc>>,
    pub annule_le: Option<DateTime<Utc>>,
}

/// État d'une demande d'avis, à une date donnée.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EtatAvis {
    /// Demandé, date limite non passée.
    EnAttente,
    /// Demandé, date limite passée, sans réponse.
    EnRetard,
    Rendu,
    Annule,
}

impl EtatAvis {
    pub fn libelle(self) -> &'static str {
        match self {
            EtatAvis::EnAttente => "En attente",
            EtatAvis::EnRetard => "En retard",
            EtatAvis::Rendu => "Rendu",
            EtatAvis::Annule => "Annulé",
        }
    }
}

impl DemandeAvis {
    pub fn etat(&self, aujourd_hui: NaiveDate) -> EtatAvis {
        if self.annule_le.is_some() {
            EtatAvis::Annule
        } else if self.repondu_le.is_some() {
            EtatAvis::Rendu
        } else if aujourd_hui > self.date_limite {
            EtatAvis::EnRetard
        } else {
            EtatAvis::EnAttente
        }
    }

    /// L'expert peut-il encore répondre ? Une seule réponse (une nouvelle demande sinon) ; une
    /// demande annulée ne vaut plus rien. Une réponse en retard reste acceptée.
    pub fn attend_reponse(&self) -> bool {
        self.annule_le.is_none() && self.repondu_le.is_none()
    }

    /// Relances dues à `aujourd_hui` (jours avant la date limite, parmi `jours`), hors celles
    /// `deja` envoyées : pour chaque relance, le jour venu ou passé, tant que la date limite n'est
    /// pas dépassée et que la demande attend une réponse.
    pub fn relances_dues(&self, aujourd_hui: NaiveDate, jours: &[i64], deja: &[i64]) -> Vec<i64> {
        if !self.attend_reponse() || aujourd_hui > self.date_limite {
            return vec![];
        }
        let reste = (self.date_limite - aujourd_hui).num_days();
        // Seule la relance la plus proche de l'échéance part (une demande faite à J-1 ne reçoit
        // pas la relance de J-3 en plus de celle du jour).
        jours
            .iter()
            .copied()
            .filter(|j| reste <= *j && !deja.contains(j))
            .min()
            .into_iter()
            .collect()
    }
}

/// Vérifie une demande d'avis (question, date limite, adresse) ; rend les erreurs au champ.
pub fn verifier_demande(
    question: &str,
    date_limite: Option<NaiveDate>,
    aujourd_hui: NaiveDate,
) -> Vec<ErreurChamp> {
    let mut erreurs = Vec::new();
    let q = question.trim();
    if q.is_empty() {
        erreurs.push(ErreurChamp::new(
            "question",
            "Écrivez la question posée à l'expert.",
        ));
    } else if let Some(max) = longueur_depassee("question", q) {
        erreurs.push(ErreurChamp::new(
            "question",
            message_longueur("Question", max, q),
        ));
    } else if let Some(c) = caractere_de_controle(q) {
        erreurs.push(ErreurChamp::new(
            "question",
            message_controle("Question", c),
        ));
    }
    match date_limite {
        None => erreurs.push(ErreurChamp::new(
            "date_limite",
            "Indiquez la date limite de l'avis, au format JJ/MM/AAAA.",
        )),
        Some(d) if d <= aujourd_hui => erreurs.push(ErreurChamp::new(
            "date_limite",
            "La date limite doit être postérieure à aujourd'hui.",
        )),
        Some(d) if (d - aujourd_hui).num_days() > DELAI_MAX_JOURS => {
            erreurs.push(ErreurChamp::new(
                "date_limite",
                format!("La date limite doit être dans les {DELAI_MAX_JOURS} jours."),
            ))
        }
        Some(_) => {}
    }
    erreurs
}

/// Vérifie la réponse d'un expert ; rend les erreurs au champ.
pub fn verifier_reponse(reponse: &str) -> Vec<ErreurChamp> {
    let r = reponse.trim();
    if r.is_empty() {
        vec![ErreurChamp::new(
            "reponse",
            "Écrivez votre avis avant de l'envoyer.",
        )]
    } else if let Some(max) = longueur_depassee("reponse", r) {
        vec![ErreurChamp::new(
            "reponse",
            message_longueur("Avis", max, r),
        )]
    } else if let Some(c) = caractere_de_controle(r) {
        vec![ErreurChamp::new("reponse", message_controle("Avis", c))]
    } else {
        vec![]
    }
}

/// Qui regarde un avis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lecteur {
    /// Agent de l'instruction (hors conflit d'intérêts, contrôlé ailleurs).
    Agent,
    /// Membre de l'organisation qui porte le dossier.
    Demandeur,
    /// L'expert à qui la demande est adressée (son adresse).
    ExpertDeLaDemande,
    /// Tout autre compte (un autre expert, un autre demandeur).
    Autre,
}

/// Ce lecteur voit-il cette demande (question et, si rendue, réponse et pièces) ? L'agent voit
/// tout ; l'expert, sa demande tant qu'elle n'est pas annulée ; le demandeur, les avis partagés
/// et rendus ; personne d'autre rien.
pub fn voit(lecteur: Lecteur, a: &DemandeAvis) -> bool {
    match lecteur {
        Lecteur::Agent => true,
        Lecteur::ExpertDeLaDemande => a.annule_le.is_none(),
        Lecteur::Demandeur => !a.confidentiel && a.repondu_le.is_some() && a.annule_le.is_none(),
        Lecteur::Autre => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn demande(limite: &str) -> DemandeAvis {
        DemandeAvis {
            id: "a1".into(),
            dossier_id: "d1".into(),
            agent_id: "agent".into(),
            expert_email: "expert@exemple.fr".into(),
            expert_id: None,
            question: "Le plan est-il réaliste ?".into(),
            date_limite: d(limite),
            confidentiel: true,
            reponse: None,
            fichiers: vec![],
            cree_le: Utc::now(),
            repondu_le: None,
            annule_le: None,
        }
    }

    #[test]
    fn etats() {
        let mut a = demande("2026-12-10");
        assert_eq!(a.etat(d("2026-12-10")), EtatAvis::EnAttente);
        assert_eq!(a.etat(d("2026-12-11")), EtatAvis::EnRetard);
        a.repondu_le = Some(Utc::now());
        assert_eq!(a.etat(d("2026-12-11")), EtatAvis::Rendu);
        assert!(!a.attend_reponse());
        a.annule_le = Some(Utc::now());
        assert_eq!(a.etat(d("2026-12-01")), EtatAvis::Annule);
    }

    #[test]
    fn relances_une_fois_chacune() {
        let a = demande("2026-12-10");
        let j = RELANCES_JOURS_AVANT;
        assert_eq!(a.relances_dues(d("2026-12-06"), &j, &[]), Vec::<i64>::new());
        assert_eq!(a.relances_dues(d("2026-12-07"), &j, &[]), vec![3]);
        assert_eq!(
            a.relances_dues(d("2026-12-08"), &j, &[3]),
            Vec::<i64>::new()
        );
        assert_eq!(a.relances_dues(d("2026-12-10"), &j, &[3]), vec![0]);
        assert_eq!(
            a.relances_dues(d("2026-12-10"), &j, &[3, 0]),
            Vec::<i64>::new()
        );
        // Après l'échéance : plus de relance.
        assert_eq!(a.relances_dues(d("2026-12-11"), &j, &[]), Vec::<i64>::new());
        // Demande faite la veille : seule la relance du jour part.
        assert_eq!(a.relances_dues(d("2026-12-10"), &j, &[]), vec![0]);
        let mut rendu = demande("2026-12-10");
        rendu.repondu_le = Some(Utc::now());
        assert_eq!(
            rendu.relances_dues(d("2026-12-07"), &j, &[]),
            Vec::<i64>::new()
        );
    }

    #[test]
    fn saisie() {
        let auj = d("2026-12-06");
        assert!(verifier_demande("Question ?", Some(d("2026-12-20")), auj).is_empty());
        let e = verifier_demande("  ", Some(d("2026-12-06")), auj);
        assert_eq!(
            e.iter().map(|e| e.champ).collect::<Vec<_>>(),
            vec!["question", "date_limite"]
        );
        assert_eq!(verifier_demande("Q", None, auj)[0].champ, "date_limite");
        assert_eq!(
            verifier_demande("Q", Some(d("2027-12-06")), auj)[0].champ,
            "date_limite"
        );
        assert_eq!(verifier_reponse("")[0].champ, "reponse");
        assert!(verifier_reponse("Avis favorable.").is_empty());
        assert_eq!(verifier_reponse(&"x".repeat(20_001))[0].champ, "reponse");
    }

    #[test]
    fn qui_voit_quoi() {
        let mut a = demande("2026-12-10");
        // Confidentiel, en attente.
        assert!(voit(Lecteur::Agent, &a));
        assert!(voit(Lecteur::ExpertDeLaDemande, &a));
        assert!(!voit(Lecteur::Demandeur, &a));
        assert!(!voit(Lecteur::Autre, &a));
        // Confidentiel rendu : toujours pas le demandeur.
        a.repondu_le = Some(Utc::now());
        assert!(!voit(Lecteur::Demandeur, &a));
        // Partagé rendu : le demandeur le voit ; en attente, non.
        a.confidentiel = false;
        assert!(voit(Lecteur::Demandeur, &a));
        a.repondu_le = None;
        assert!(!voit(Lecteur::Demandeur, &a));
        // Annulé : l'expert ne le voit plus.
        a.annule_le = Some(Utc::now());
        assert!(!voit(Lecteur::ExpertDeLaDemande, &a));
        assert!(!voit(Lecteur::Autre, &a));
    }
}
