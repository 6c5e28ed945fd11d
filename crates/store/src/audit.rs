//! Journal d'audit en base : lecture et vérification. L'écriture est dans [`crate::ecriture`].

use reperes_domain::audit::{AnomalieAudit, Bilan, EntreeAudit, NouvelleEntree, Verificateur};
use reperes_domain::Role;

use crate::{Acteur, ErreurStore, Store};

/// Une ligne de `audit`.
#[derive(sqlx::FromRow)]
struct LigneAudit {
    seq: i64,
    horodatage: String,
    acteur: String,
    action: String,
    objet_type: String,
    objet_id: String,
    avant: Option<String>,
    apres: Option<String>,
    motif: Option<String>,
    hash_precedent: String,
    hash: String,
    mac: Option<String>,
}

impl From<LigneAudit> for EntreeAudit {
    fn from(l: LigneAudit) -> Self {
        EntreeAudit {
            seq: l.seq,
            contenu: NouvelleEntree {
                horodatage: l.horodatage,
                acteur: l.acteur,
                action: l.action,
                objet_type: l.objet_type,
                objet_id: l.objet_id,
                avant: l.avant,
                apres: l.apres,
                motif: l.motif,
            },
            hash_precedent: l.hash_precedent,
            hash: l.hash,
            mac: l.mac,
        }
    }
}

const COLONNES: &str =
    "seq, horodatage, acteur, action, objet_type, objet_id, avant, apres, motif, hash_precedent, hash, mac";

/// Résultat de la vérification du journal.
#[derive(Debug, thiserror::Error)]
pub enum ErreurVerification {
    #[error("journal d'audit altéré : {0}")]
    Anomalie(#[from] AnomalieAudit),
    #[error(transparent)]
    Store(#[from] ErreurStore),
}

impl From<sqlx::Error> for ErreurVerification {
    fn from(e: sqlx::Error) -> Self {
        ErreurVerification::Store(e.into())
    }
}

/// Ce que [`Store::sceller_journal`] a trouvé.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scellement {
    /// Pas de clé : rien à sceller.
    SansCle,
    /// La tête était déjà scellée par cette clé.
    Deja,
    /// Une entrée `sceller_journal` a été écrite : le journal est scellé à partir d'elle.
    Nouveau { seq: i64 },
    /// La tête est scellée par une autre clé (ou réécrite) : rien n'est écrit.
    CleDifferente,
    /// La tête n'est pas scellée alors que la dernière entrée l'est : le sceau de la tête a été
    /// retiré (entrées finales supprimées ?). Rien n'est écrit : `reperes audit verify`.
    TeteAlteree,
}

/// Taille des pages lues pendant la vérification.
const PAGE: i64 = 5_000;

impl Store {
    /// Entrées du journal concernant un objet, dans l'ordre.
    pub async fn journal_objet(
        &self,
        objet_type: &str,
        objet_id: &str,
    ) -> Result<Vec<EntreeAudit>, ErreurStore> {
        let lignes = sqlx::query_as::<_, LigneAudit>(&format!(
            "SELECT {COLONNES} FROM audit WHERE objet_type = $1 AND objet_id = $2 ORDER BY seq"
        ))
        .bind(objet_type)
        .bind(objet_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(lignes.into_iter().map(EntreeAudit::from).collect())
    }

    /// Nombre d'entrées du journal.
    pub async fn taille_journal(&self) -> Result<i64, ErreurStore> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Vérifie toute la chaîne, page par page, contre la tête enregistrée. Rend le nombre
    /// d'entrées vérifiées.
    pub async fn verifier_journal(&self) -> Result<i64, ErreurVerification> {
        Ok(self.bilan_journal().await?.entrees)
    }

    /// Vérifie toute la chaîne et, si le store a la clé du journal, les sceaux des entrées et de
    /// la tête ; dit à partir de quelle entrée la chaîne est scellée.
    pub async fn bilan_journal(&self) -> Result<Bilan, ErreurVerification> {
        let mut v = match &self.cle_audit {
            Some(c) => Verificateur::avec_cle((**c).clone()),
            None => Verificateur::default(),
        };
        let mut apres = 0i64;
        loop {
            let lignes = sqlx::query_as::<_, LigneAudit>(&format!(
                "SELECT {COLONNES} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2"
            ))
            .bind(apres)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
            let n = lignes.len() as i64;
            for ligne in lignes {
                let e = EntreeAudit::from(ligne);
                v.suivante(&e)?;
                apres = e.seq;
            }
            if n < PAGE {
                break;
            }
        }
        let (seq, hash, mac): (i64, String, Option<String>) =
            sqlx::query_as("SELECT seq, hash, mac FROM audit_tete WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(v.terminer_scelle((seq > 0).then_some((seq, hash.as_str())), mac.as_deref())?)
    }

    /// Scelle la tête du journal avec la clé du store si elle ne l'est pas encore (journal
    /// d'avant la clé, ou neuf) : écrit une entrée `sceller_journal`, scellée. Appelé au
    /// démarrage du serveur, pour que la tête soit toujours scellée.
    pub async fn sceller_journal(&self) -> Result<Scellement, ErreurStore> {
        let Some(cle) = self.cle_audit.clone() else {
            return Ok(Scellement::SansCle);
        };
        let (seq, hash, mac): (i64, String, Option<String>) =
            sqlx::query_as("SELECT seq, hash, mac FROM audit_tete WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
        if let Some(mac) = mac {
            return Ok(if mac == cle.sceau_tete(seq, &hash) {
                Scellement::Deja
            } else {
                Scellement::CleDifferente
            });
        }
        if seq > 0 {
            let derniere: Option<(Option<String>,)> =
                sqlx::query_as("SELECT mac FROM audit WHERE seq = $1")
                    .bind(seq)
                    .fetch_optional(&self.pool)
                    .await?;
            if matches!(derniere, Some((Some(_),))) {
                return Ok(Scellement::TeteAlteree);
            }
        }
        let acteur = Acteur::new("serveur", Role::Systeme);
        let mut ecr = self.ecriture(&acteur).await?;
        let e = ecr
            .journal("sceller_journal")
            .objet("journal", "audit")
            .motif("clé du journal d'audit en service : les entrées suivantes sont scellées")
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(Scellement::Nouveau { seq: e.seq })
    }
}

#[cfg(test)]
mod tests {
    use reperes_domain::audit::{empreinte, AnomalieAudit, Bilan, CleAudit};
    use reperes_domain::Role;

    use super::{ErreurVerification, Scellement};
    use crate::{deux_bases, Acteur, Store};

    async fn ecrire(store: &Store, id: &str) {
        let acteur = Acteur::new("cli", Role::Administrateur);
        let mut ecr = store.ecriture(&acteur).await.unwrap();
        ecr.journal("essai")
            .objet("essai", id)
            .apres(&id)
            .motif("d'origine")
            .ecrire()
            .await
            .unwrap();
        ecr.valider().await.unwrap();
    }

    fn anomalie(r: Result<Bilan, ErreurVerification>) -> AnomalieAudit {
        match r {
            Err(ErreurVerification::Anomalie(a)) => a,
            autre => panic!("anomalie attendue : {autre:?}"),
        }
    }

    deux_bases!(
        journal_scelle_reecriture_coherente_et_cle_fausse_detectees,
        |nu: Store| async move {
            // Deux entrées d'avant la clé.
            ecrire(&nu, "a").await;
            ecrire(&nu, "b").await;
            let cle = CleAudit::new(vec![7u8; 32]).unwrap();
            let store = nu.clone().avec_cle_audit(cle);
            assert_eq!(
                store.sceller_journal().await.unwrap(),
                Scellement::Nouveau { seq: 3 }
            );
            assert_eq!(store.sceller_journal().await.unwrap(), Scellement::Deja);
            ecrire(&store, "c").await;
            ecrire(&store, "d").await;
            assert_eq!(
                store.bilan_journal().await.unwrap(),
                Bilan {
                    entrees: 5,
                    scelle_depuis: Some(3)
                }
            );
            // Une fois le journal scellé, une écriture sans la clé est refusée.
            let acteur = Acteur::new("cli", Role::Administrateur);
            let mut ecr = nu.ecriture(&acteur).await.unwrap();
            let refus = ecr.journal("essai").objet("essai", "x").ecrire().await;
            assert!(
                matches!(&refus, Err(crate::ErreurStore::Conflit(m)) if m.contains("REPERES_CLE_AUDIT")),
                "{refus:?}"
            );
            drop(ecr);

            // Une autre clé : détectée, et le serveur ne scelle pas par-dessus.
            let autre = nu
                .clone()
                .avec_cle_audit(CleAudit::new(vec![8u8; 32]).unwrap());
            assert_eq!(
                anomalie(autre.bilan_journal().await),
                AnomalieAudit::CleFausse { seq: 3 }
            );
            assert_eq!(
                autre.sceller_journal().await.unwrap(),
                Scellement::CleDifferente
            );

            // Qui peut écrire la base réécrit l'entrée 4 et recalcule les empreintes de la
            // suite et de la tête, de façon cohérente (il n'a pas la clé).
            let mut e4 = nu.journal_objet("essai", "c").await.unwrap().remove(0);
            let mut e5 = nu.journal_objet("essai", "d").await.unwrap().remove(0);
            assert_eq!((e4.seq, e5.seq), (4, 5));
            e4.contenu.motif = Some("réécrit".into());
            e4.hash = empreinte(4, &e4.contenu, &e4.hash_precedent);
            e5.hash_precedent = e4.hash.clone();
            e5.hash = empreinte(5, &e5.contenu, &e5.hash_precedent);
            for e in [&e4, &e5] {
                sqlx::query(
                    "UPDATE audit SET motif = $1, hash_precedent = $2, hash = $3 WHERE seq = $4",
                )
                .bind(&e.contenu.motif)
                .bind(&e.hash_precedent)
                .bind(&e.hash)
                .bind(e.seq)
                .execute(nu.pool())
                .await
                .unwrap();
            }
            sqlx::query("UPDATE audit_tete SET hash = $1 WHERE id = 1")
                .bind(&e5.hash)
                .execute(nu.pool())
                .await
                .unwrap();
            // Les empreintes seules ne voient rien (c'était le cas avant la clé) …
            assert_eq!(nu.verifier_journal().await.unwrap(), 5);
            // … le sceau, si.
            assert_eq!(
                anomalie(store.bilan_journal().await),
                AnomalieAudit::SceauFaux { seq: 4 }
            );
        }
    );

    deux_bases!(
        entrees_finales_supprimees_detectees_par_le_sceau_de_tete,
        |nu: Store| async move {
            let store = nu
                .clone()
                .avec_cle_audit(CleAudit::new(vec![7u8; 32]).unwrap());
            for id in ["a", "b", "c"] {
                ecrire(&store, id).await;
            }
            let e2 = nu.journal_objet("essai", "b").await.unwrap().remove(0);
            sqlx::query("DELETE FROM audit WHERE seq = 3")
                .execute(nu.pool())
                .await
                .unwrap();
            sqlx::query("UPDATE audit_tete SET seq = 2, hash = $1 WHERE id = 1")
                .bind(&e2.hash)
                .execute(nu.pool())
                .await
                .unwrap();
            assert_eq!(nu.verifier_journal().await.unwrap(), 2);
            assert_eq!(
                anomalie(store.bilan_journal().await),
                AnomalieAudit::SceauTeteFaux { tete_seq: 2 }
            );
            // Sceau de tête retiré : le serveur refuse de sceller par-dessus.
            sqlx::query("UPDATE audit_tete SET mac = NULL WHERE id = 1")
                .execute(nu.pool())
                .await
                .unwrap();
            assert_eq!(
                store.sceller_journal().await.unwrap(),
                Scellement::TeteAlteree
            );
        }
    );
}
