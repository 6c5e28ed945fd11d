//! Journal d'audit chaîné : chaque entrée porte l'empreinte (SHA-256) de la précédente, si bien
//! qu'une entrée modifiée, supprimée ou insérée se voit à la vérification.
//!
//! Les valeurs « avant » et « après » sont gardées telles qu'écrites (texte JSON) : l'empreinte
//! porte sur ces textes exacts, pas sur une relecture.
//!
//! Les empreintes seules ne prouvent rien contre qui peut écrire la base : il peut réécrire une
//! entrée et recalculer toute la suite, tête comprise. Chaque entrée et la tête portent donc aussi
//! un **sceau** (HMAC-SHA256 de l'empreinte) calculé avec une clé gardée hors de la base
//! ([`CleAudit`]) : sans la clé, une entrée réécrite ne peut pas être scellée de nouveau. Les
//! entrées écrites avant la clé n'ont pas de sceau : la vérification dit à partir de quelle
//! entrée la chaîne est scellée ([`Bilan::scelle_depuis`]), et refuse une entrée non scellée
//! après une entrée scellée.

use std::fmt;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Longueur minimale d'une clé du journal, en octets.
pub const LONGUEUR_MIN_CLE: usize = 32;

/// Clé de scellement du journal (HMAC-SHA256), gardée hors de la base. Ne s'affiche jamais.
#[derive(Clone, PartialEq, Eq)]
pub struct CleAudit(Vec<u8>);

impl CleAudit {
    /// Une clé d'au moins [`LONGUEUR_MIN_CLE`] octets.
    pub fn new(octets: impl Into<Vec<u8>>) -> Result<CleAudit, String> {
        let octets = octets.into();
        if octets.len() < LONGUEUR_MIN_CLE {
            return Err(format!(
                "la clé du journal d'audit est trop courte : {} octet(s), {LONGUEUR_MIN_CLE} au moins",
                octets.len()
            ));
        }
        Ok(CleAudit(octets))
    }

    fn hmac(&self, etiquette: &str, seq: i64, hash: &str) -> HmacSha256 {
        let mut m =
            HmacSha256::new_from_slice(&self.0).expect("HMAC accepte toute longueur de clé");
        m.update(etiquette.as_bytes());
        m.update(b"\0");
        m.update(seq.to_string().as_bytes());
        m.update(b":");
        m.update(hash.as_bytes());
        m
    }

    fn sceau(&self, etiquette: &str, seq: i64, hash: &str) -> String {
        hex::encode(self.hmac(etiquette, seq, hash).finalize().into_bytes())
    }

    /// Compare en temps constant un sceau lu en base.
    fn verifie(&self, etiquette: &str, seq: i64, hash: &str, sceau: &str) -> bool {
        match hex::decode(sceau) {
            Ok(octets) => self
                .hmac(etiquette, seq, hash)
                .verify_slice(&octets)
                .is_ok(),
            Err(_) => false,
        }
    }

    /// Sceau d'une entrée (numéro et empreinte, qui couvre le contenu et l'entrée précédente).
    pub fn sceau_entree(&self, seq: i64, hash: &str) -> String {
        self.sceau(ETIQUETTE_ENTREE, seq, hash)
    }

    /// Sceau de la tête (dernière entrée) : contre la suppression des dernières entrées.
    pub fn sceau_tete(&self, seq: i64, hash: &str) -> String {
        self.sceau(ETIQUETTE_TETE, seq, hash)
    }
}

impl fmt::Debug for CleAudit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CleAudit(***)")
    }
}

const ETIQUETTE_ENTREE: &str = "reperes/audit/entree/v1";
const ETIQUETTE_TETE: &str = "reperes/audit/tete/v1";

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
    /// Sceau (HMAC-SHA256 par la clé du journal) ; absent pour les entrées d'avant la clé.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
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

/// Chaîne une nouvelle entrée après la tête actuelle `(seq, hash)` (ou la genèse), sans sceau.
pub fn chainer(tete: Option<(i64, &str)>, contenu: NouvelleEntree) -> EntreeAudit {
    chainer_scelle(tete, contenu, None)
}

/// Chaîne une nouvelle entrée et la scelle avec la clé, s'il y en a une.
pub fn chainer_scelle(
    tete: Option<(i64, &str)>,
    contenu: NouvelleEntree,
    cle: Option<&CleAudit>,
) -> EntreeAudit {
    let (seq, precedent) = match tete {
        Some((s, h)) => (s + 1, h.to_string()),
        None => (1, GENESE.to_string()),
    };
    let hash = empreinte(seq, &contenu, &precedent);
    let mac = cle.map(|c| c.sceau_entree(seq, &hash));
    EntreeAudit {
        seq,
        contenu,
        hash_precedent: precedent,
        hash,
        mac,
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
    /// La première entrée scellée ne correspond pas à la clé donnée.
    CleFausse { seq: i64 },
    /// Le sceau d'une entrée est faux : elle a été réécrite (empreintes recalculées comprises).
    SceauFaux { seq: i64 },
    /// Une entrée sans sceau suit une entrée scellée : son sceau a été retiré.
    SceauRetire { seq: i64 },
    /// Le sceau de la tête est absent ou faux alors que le journal est scellé.
    SceauTeteFaux { tete_seq: i64 },
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
            AnomalieAudit::CleFausse { seq } => write!(
                f,
                "le sceau de la première entrée scellée (n° {seq}) ne correspond pas à la clé donnée : ce n'est pas la clé de ce journal (ou cette entrée a été réécrite)"
            ),
            AnomalieAudit::SceauFaux { seq } => write!(
                f,
                "le sceau de l'entrée n° {seq} est faux : elle ou une entrée précédente a été réécrite, empreintes recalculées"
            ),
            AnomalieAudit::SceauRetire { seq } => write!(
                f,
                "l'entrée n° {seq} n'a pas de sceau alors que les précédentes en ont un : son sceau a été retiré"
            ),
            AnomalieAudit::SceauTeteFaux { tete_seq } => write!(
                f,
                "le sceau de la tête du journal (n° {tete_seq}) est absent ou faux : des entrées finales ont été supprimées ou la tête a été réécrite"
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
    cle: Option<CleAudit>,
    scelle_depuis: Option<i64>,
}

impl Default for Verificateur {
    fn default() -> Self {
        Verificateur {
            attendu: 1,
            precedent: GENESE.to_string(),
            cle: None,
            scelle_depuis: None,
        }
    }
}

/// Ce que la vérification a établi.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bilan {
    /// Nombre d'entrées vérifiées.
    pub entrees: i64,
    /// Première entrée scellée par la clé (les précédentes ne sont protégées que par les
    /// empreintes) ; `None` sans clé ou sans entrée scellée.
    pub scelle_depuis: Option<i64>,
}

impl Verificateur {
    /// Vérifie aussi les sceaux avec la clé du journal.
    pub fn avec_cle(cle: CleAudit) -> Self {
        Verificateur {
            cle: Some(cle),
            ..Default::default()
        }
    }

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
        if let Some(cle) = &self.cle {
            match (&e.mac, self.scelle_depuis) {
                (None, None) => {}
                (None, Some(_)) => return Err(AnomalieAudit::SceauRetire { seq: e.seq }),
                (Some(mac), depuis) => {
                    if !cle.verifie(ETIQUETTE_ENTREE, e.seq, &e.hash, mac) {
                        return Err(match depuis {
                            None => AnomalieAudit::CleFausse { seq: e.seq },
                            Some(_) => AnomalieAudit::SceauFaux { seq: e.seq },
                        });
                    }
                    self.scelle_depuis.get_or_insert(e.seq);
                }
            }
        }
        self.precedent.clone_from(&e.hash);
        self.attendu += 1;
        Ok(())
    }

    /// Confronte la dernière entrée vue à la tête enregistrée ; rend le nombre d'entrées.
    pub fn terminer(self, tete: Option<(i64, &str)>) -> Result<i64, AnomalieAudit> {
        self.terminer_scelle(tete, None).map(|b| b.entrees)
    }

    /// Confronte la dernière entrée vue à la tête enregistrée et à son sceau (exigé dès qu'une
    /// entrée est scellée, si la clé est connue).
    pub fn terminer_scelle(
        self,
        tete: Option<(i64, &str)>,
        sceau_tete: Option<&str>,
    ) -> Result<Bilan, AnomalieAudit> {
        let derniere = self.attendu - 1;
        let (tete_seq, tete_hash) = tete.unwrap_or((0, GENESE));
        if tete_seq != derniere || tete_hash != self.precedent {
            return Err(AnomalieAudit::TeteIncoherente {
                tete_seq,
                derniere_seq: derniere,
            });
        }
        if let (Some(cle), Some(_)) = (&self.cle, self.scelle_depuis) {
            let bon =
                sceau_tete.is_some_and(|m| cle.verifie(ETIQUETTE_TETE, tete_seq, tete_hash, m));
            if !bon {
                return Err(AnomalieAudit::SceauTeteFaux { tete_seq });
            }
        }
        Ok(Bilan {
            entrees: derniere,
            scelle_depuis: self.scelle_depuis,
        })
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

    fn cle(octet: u8) -> CleAudit {
        CleAudit::new(vec![octet; 32]).unwrap()
    }

    /// `n` entrées, scellées à partir de la n° `scelle_des` (les précédentes d'avant la clé).
    fn journal_scelle(n: usize, scelle_des: i64, c: &CleAudit) -> Vec<EntreeAudit> {
        let mut v: Vec<EntreeAudit> = Vec::new();
        for i in 0..n {
            let tete = v.last().map(|e| (e.seq, e.hash.as_str()));
            let seq = tete.map_or(1, |t| t.0 + 1);
            let e = chainer_scelle(tete, entree(i), (seq >= scelle_des).then_some(c));
            v.push(e);
        }
        v
    }

    /// Réécrit l'entrée d'indice `i` et recalcule toutes les empreintes qui suivent, comme le
    /// ferait quelqu'un qui peut écrire la base mais n'a pas la clé ; rend la tête recalculée.
    fn reecrire(v: &mut [EntreeAudit], i: usize) -> (i64, String) {
        v[i].contenu.acteur = "intrus".into();
        for j in i..v.len() {
            if j > 0 {
                v[j].hash_precedent = v[j - 1].hash.clone();
            }
            v[j].hash = empreinte(v[j].seq, &v[j].contenu, &v[j].hash_precedent);
        }
        let d = v.last().unwrap();
        (d.seq, d.hash.clone())
    }

    #[test]
    fn journal_scelle_intact_dit_depuis_quelle_entree() {
        let c = cle(7);
        let v = journal_scelle(5, 3, &c);
        assert_eq!(v[0].mac, None);
        assert!(v[2].mac.is_some());
        let mut ver = Verificateur::avec_cle(c.clone());
        for e in &v {
            ver.suivante(e).unwrap();
        }
        let sceau = c.sceau_tete(5, &v[4].hash);
        assert_eq!(
            ver.terminer_scelle(tete(&v), Some(sceau.as_str())),
            Ok(Bilan {
                entrees: 5,
                scelle_depuis: Some(3)
            })
        );
    }

    fn verifier_cle(
        v: &[EntreeAudit],
        c: &CleAudit,
        tete: (i64, &str),
        sceau: Option<&str>,
    ) -> Result<Bilan, AnomalieAudit> {
        let mut ver = Verificateur::avec_cle(c.clone());
        for e in v {
            ver.suivante(e)?;
        }
        ver.terminer_scelle(Some(tete), sceau)
    }

    #[test]
    fn reecriture_coherente_detectee_par_le_sceau() {
        let c = cle(7);
        let mut v = journal_scelle(5, 1, &c);
        let (seq, hash) = reecrire(&mut v, 2);
        // Sans clé, la réécriture cohérente passe : c'est la faiblesse que le sceau corrige.
        assert_eq!(verifier(&v, Some((seq, hash.as_str()))), Ok(5));
        // Même avec un sceau de tête recopié de l'ancienne tête.
        let ancien = c.sceau_tete(5, "autre");
        assert_eq!(
            verifier_cle(&v, &c, (seq, &hash), Some(ancien.as_str())),
            Err(AnomalieAudit::SceauFaux { seq: 3 })
        );
    }

    #[test]
    fn cle_fausse_detectee() {
        let v = journal_scelle(3, 2, &cle(7));
        let t = tete(&v).unwrap();
        let sceau = cle(7).sceau_tete(t.0, t.1);
        assert_eq!(
            verifier_cle(&v, &cle(8), t, Some(sceau.as_str())),
            Err(AnomalieAudit::CleFausse { seq: 2 })
        );
        assert!(verifier_cle(&v, &cle(7), t, Some(sceau.as_str())).is_ok());
    }

    #[test]
    fn sceau_retire_ou_tete_tronquee_detectes() {
        let c = cle(7);
        let mut v = journal_scelle(4, 1, &c);
        let t = tete(&v).map(|(s, h)| (s, h.to_string())).unwrap();
        let sceau = c.sceau_tete(t.0, &t.1);
        // Retirer le sceau d'une entrée finale.
        v[3].mac = None;
        assert_eq!(
            verifier_cle(&v, &c, (t.0, &t.1), Some(sceau.as_str())),
            Err(AnomalieAudit::SceauRetire { seq: 4 })
        );
        // Supprimer la dernière entrée et ramener la tête sur la précédente, sans clé pour la
        // sceller de nouveau.
        v.pop();
        let t3 = (v[2].seq, v[2].hash.clone());
        assert_eq!(
            verifier_cle(&v, &c, (t3.0, &t3.1), Some(sceau.as_str())),
            Err(AnomalieAudit::SceauTeteFaux { tete_seq: 3 })
        );
        assert_eq!(
            verifier_cle(&v, &c, (t3.0, &t3.1), None),
            Err(AnomalieAudit::SceauTeteFaux { tete_seq: 3 })
        );
    }

    #[test]
    fn cle_trop_courte_refusee_et_jamais_affichee() {
        assert!(CleAudit::new(vec![1u8; 31]).is_err());
        assert_eq!(format!("{:?}", cle(7)), "CleAudit(***)");
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
