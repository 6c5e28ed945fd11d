//! Journal d'audit chaîné : chaque entrée porte l'empreinte (SHA-256) de la précédente, si bien
//! qu'une entrée modifiée, supprimée ou insérée se voit à la vérification.
//!
//! Les valeurs « avant » et « après » sont gardées telles qu'écrites (texte JSON) : l'empreinte
//! porte sur ces textes exacts, pas sur une relecture.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Empreinte de départ de la chaîne.
pub const GENESE: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Une entrée à ajouter au journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NouvelleEntree {
    /// Horodatage RFC 3339 en UTC.
    pub horodatage: String,
    /// Qui agit (par exemple `instructeur:alice@exemple.fr`, `systeme`, `cli`).
    pub acteur: String,
    /// Ce qui est fait (code d'action ou de modification).
    pub action: String,
    /// Nature de l'objet (`dossier`, `organisation`…).
    pub objet_type: String,
    pub objet_id: String,
    /// État avant (JSON), absent pour une création.
    pub avant: Option<String>,
    /// État après (JSON), absent pour une suppression.
    pub apres: Option<String>,
    pub motif: Option<String>,
}

/// Une entrée du journal, chaînée.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntreeAudit {
    pub seq: i64,
    #[serde(flatten)]
    pub contenu: NouvelleEntree,
    pub hash_precedent: String,
    pub hash: String,
}

fn champ(h: &mut Sha256, valeur: Option<&str>) {
    match valeur {
        None => h.update(b"-;"),
        Some(v) => {
            h.update(v.len().to_string().as_bytes());
            h.update(b":");
            h.update(v.as_bytes());
            h.update(b";");
        }
    }
}

/// Empreinte d'une entrée : SHA-256 d'un encodage sans ambiguïté (longueur + contenu) de chaque champ.
pub fn empreinte(seq: i64, e: &NouvelleEntree, hash_precedent: &str) -> String {
    let mut h = Sha256::new();
    champ(&mut h, Some(&seq.to_string()));
    champ(&mut h, Some(hash_precedent));
    champ(&mut h, Some(&e.horodatage));
    champ(&mut h, Some(&e.acteur));
    champ(&mut h, Some(&e.action));
    champ(&mut h, Some(&e.objet_type));
    champ(&mut h, Some(&e.objet_id));
    champ(&mut h, e.avant.as_deref());
    champ(&mut h, e.apres.as_deref());
    champ(&mut h, e.motif.as_deref());
    hex::encode(h.finalize())
}

/// Chaîne une nouvelle entrée après la tête actuelle `(seq, hash)` (ou la genèse).
pub fn chainer(tete: Option<(i64, &str)>, contenu: NouvelleEntree) -> EntreeAudit {
    let (seq, precedent) = match tete {
        Some((s, h)) => (s + 1, h.to_string()),
        None => (1, GENESE.to_string()),
    };
    let hash = empreinte(seq, &contenu, &precedent);
    EntreeAudit {
        seq,
        contenu,
        hash_precedent: precedent,
        hash,
    }
}

/// Anomalie trouvée dans le journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnomalieAudit {
    /// Numéro inattendu : une entrée a été supprimée ou insérée.
    Rupture { attendu: i64, trouve: i64 },
    /// L'entrée ne pointe pas vers l'empreinte de la précédente.
    ChainageRompu { seq: i64 },
    /// Le contenu de l'entrée ne correspond plus à son empreinte : elle a été modifiée.
    EmpreinteFausse { seq: i64 },
    /// La tête enregistrée ne correspond pas à la dernière entrée : des entrées finales ont été
    /// supprimées, ou la tête a été modifiée.
    TeteIncoherente { tete_seq: i64, derniere_seq: i64 },
}

impl fmt::Display for AnomalieAudit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnomalieAudit::Rupture { attendu, trouve } => write!(
                f,
                "entrée n° {attendu} attendue, n° {trouve} trouvée : des entrées ont été supprimées ou insérées"
            ),
            AnomalieAudit::ChainageRompu { seq } => write!(
                f,
                "l'entrée n° {seq} ne pointe pas vers l'empreinte de l'entrée précédente"
            ),
            AnomalieAudit::EmpreinteFausse { seq } => write!(
                f,
                "le contenu de l'entrée n° {seq} ne correspond plus à son empreinte : elle a été modifiée"
            ),
            AnomalieAudit::TeteIncoherente { tete_seq, derniere_seq } => write!(
                f,
                "la tête du journal indique {tete_seq} entrée(s), mais la dernière entrée est la n° {derniere_seq} : des entrées ont été supprimées"
            ),
        }
    }
}

impl std::error::Error for AnomalieAudit {}

/// Vérificateur incrémental : reçoit les entrées une à une, dans l'ordre des numéros, sans
/// avoir à tenir tout le journal en mémoire.
#[derive(Debug, Clone)]
pub struct Verificateur {
    attendu: i64,
    precedent: String,
}

impl Default for Verificateur {
    fn default() -> Self {
        Verificateur {
            attendu: 1,
            precedent: GENESE.to_string(),
        }
    }
}

impl Verificateur {
    pub fn suivante(&mut self, e: &EntreeAudit) -> Result<(), AnomalieAudit> {
        if e.seq != self.attendu {
            return Err(AnomalieAudit::Rupture {
                attendu: self.attendu,
                trouve: e.seq,
            });
        }
        if e.hash_precedent != self.precedent {
            return Err(AnomalieAudit::ChainageRompu { seq: e.seq });
        }
        if empreinte(e.seq, &e.contenu, &e.hash_precedent) != e.hash {
            return Err(AnomalieAudit::EmpreinteFausse { seq: e.seq });
        }
        self.precedent.clone_from(&e.hash);
        self.attendu += 1;
        Ok(())
    }

    /// Confronte la dernière entrée vue à la tête enregistrée ; rend le nombre d'entrées.
    pub fn terminer(self, tete: Option<(i64, &str)>) -> Result<i64, AnomalieAudit> {
        let derniere = self.attendu - 1;
        let (tete_seq, tete_hash) = tete.unwrap_or((0, GENESE));
        if tete_seq != derniere || tete_hash != self.precedent {
            return Err(AnomalieAudit::TeteIncoherente {
                tete_seq,
                derniere_seq: derniere,
            });
        }
        Ok(derniere)
    }
}

/// Vérifie le journal, entrées dans l'ordre des numéros, contre la tête enregistrée.
/// Rend le nombre d'entrées vérifiées.
pub fn verifier<'a>(
    entrees: impl IntoIterator<Item = &'a EntreeAudit>,
    tete: Option<(i64, &str)>,
) -> Result<i64, AnomalieAudit> {
    let mut v = Verificateur::default();
    for e in entrees {
        v.suivante(e)?;
    }
    v.terminer(tete)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entree(i: usize) -> NouvelleEntree {
        NouvelleEntree {
            horodatage: format!("2026-01-01T00:00:{i:02}.000000Z"),
            acteur: "cli".into(),
            action: "creer".into(),
            objet_type: "dossier".into(),
            objet_id: format!("d{i}"),
            avant: None,
            apres: Some(format!("{{\"n\":{i}}}")),
            motif: None,
        }
    }

    fn journal(n: usize) -> Vec<EntreeAudit> {
        let mut v: Vec<EntreeAudit> = Vec::new();
        for i in 0..n {
            let tete = v.last().map(|e| (e.seq, e.hash.as_str()));
            let e = chainer(tete, entree(i));
            v.push(e);
        }
        v
    }

    fn tete(v: &[EntreeAudit]) -> Option<(i64, &str)> {
        v.last().map(|e| (e.seq, e.hash.as_str()))
    }

    #[test]
    fn journal_intact() {
        let v = journal(5);
        assert_eq!(verifier(&v, tete(&v)), Ok(5));
        assert_eq!(verifier(&[], None), Ok(0));
    }

    #[test]
    fn modification_detectee() {
        let mut v = journal(5);
        let t = tete(&v).map(|(s, h)| (s, h.to_string()));
        v[2].contenu.motif = Some("falsifié".into());
        let t = t.as_ref().map(|(s, h)| (*s, h.as_str()));
        assert_eq!(
            verifier(&v, t),
            Err(AnomalieAudit::EmpreinteFausse { seq: 3 })
        );
    }

    #[test]
    fn suppression_detectee() {
        let mut v = journal(5);
        let t = tete(&v).map(|(s, h)| (s, h.to_string()));
        v.remove(1);
        let t = t.as_ref().map(|(s, h)| (*s, h.as_str()));
        assert_eq!(
            verifier(&v, t),
            Err(AnomalieAudit::Rupture {
                attendu: 2,
                trouve: 3
            })
        );
    }

    #[test]
    fn suppression_finale_detectee_par_la_tete() {
        let mut v = journal(5);
        let t = tete(&v).map(|(s, h)| (s, h.to_string()));
        v.pop();
        let t = t.as_ref().map(|(s, h)| (*s, h.as_str()));
        assert_eq!(
            verifier(&v, t),
            Err(AnomalieAudit::TeteIncoherente {
                tete_seq: 5,
                derniere_seq: 4
            })
        );
    }

    #[test]
    fn reecriture_complete_detectee_si_empreinte_recalculee_sans_chainage() {
        let mut v = journal(3);
        let t = tete(&v).map(|(s, h)| (s, h.to_string()));
        // Le faussaire modifie l'entrée 2 et recalcule son empreinte, mais pas la suite.
        v[1].contenu.acteur = "intrus".into();
        v[1].hash = empreinte(v[1].seq, &v[1].contenu, &v[1].hash_precedent);
        let t = t.as_ref().map(|(s, h)| (*s, h.as_str()));
        assert_eq!(
            verifier(&v, t),
            Err(AnomalieAudit::ChainageRompu { seq: 3 })
        );
    }
}
