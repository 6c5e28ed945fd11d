//! L'écriture auditée : la seule façon d'écrire un changement d'état en base.
//!
//! [`Store::ecriture`] ouvre la transaction **et** prend aussitôt le verrou du journal
//! ([`verrouiller`]) ; les requêtes passent par [`Ecriture::conn`] ; chaque entrée du
//! journal est décrite par des constructeurs nommés ; [`Ecriture::valider`] valide la transaction
//! en la consommant. La règle de l'ADR 0004 (« verrou d'abord, journal avant la validation »)
//! tient donc par construction :
//!
//! - pas d'écriture sans verrou : on n'obtient une [`Ecriture`] qu'une fois le verrou pris ;
//! - pas de journal après la validation : `valider` consomme l'écriture, et une entrée en cours
//!   emprunte l'écriture jusqu'à ce qu'elle soit écrite ;
//! - pas de validation sans journal : `valider` refuse ([`ErreurStore::SansJournal`]) une
//!   écriture qui n'a écrit aucune entrée, et annule la transaction. Une écriture qui n'a rien
//!   à faire (lien déjà présent…) est [abandonnée](Ecriture::abandonner) ou simplement lâchée :
//!   la transaction est alors annulée.
//!
//! ```ignore
//! let mut ecr = self.ecriture(acteur).await?;
//! sqlx::query("INSERT INTO organisations …").bind(&o.id).execute(ecr.conn()).await?;
//! ecr.journal("creer_organisation")
//!     .objet("organisation", &o.id)
//!     .apres(o)
//!     .ecrire()
//!     .await?;
//! ecr.valider().await
//! ```

use chrono::Utc;
use reperes_domain::audit::{CleAudit, EntreeAudit, NouvelleEntree};
use serde::Serialize;
use sqlx::{Any, AnyConnection, Transaction};

use crate::{horodatage, Acteur, ErreurStore, Store};

/// Prend le verrou d'écriture du journal. À appeler en tout premier dans une transaction
/// d'écriture : sous SQLite, une transaction qui commence par écrire prend le verrou tout de
/// suite (et attend son tour) au lieu d'échouer plus tard ; sous PostgreSQL, la ligne de tête
/// est verrouillée jusqu'à la fin de la transaction.
async fn verrouiller(conn: &mut AnyConnection) -> Result<(), ErreurStore> {
    sqlx::query("UPDATE audit_tete SET seq = seq WHERE id = 1")
        .execute(conn)
        .await?;
    Ok(())
}

/// Ajoute une entrée chaînée à la tête du journal, scellée si la clé est donnée (la tête aussi).
/// Le verrou a été pris par [`Store::ecriture`].
async fn ecrire_entree(
    conn: &mut AnyConnection,
    contenu: NouvelleEntree,
    cle: Option<&CleAudit>,
) -> Result<EntreeAudit, ErreurStore> {
    let (seq, hash, sceau): (i64, String, Option<String>) =
        sqlx::query_as("SELECT seq, hash, mac FROM audit_tete WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
    if sceau.is_some() && cle.is_none() {
        // Une entrée non scellée après des entrées scellées passerait pour un sceau retiré.
        return Err(ErreurStore::Conflit(
            "le journal d'audit est scellé par une clé : cette écriture en a besoin (réglez REPERES_CLE_AUDIT)".into(),
        ));
    }
    let tete = (seq > 0).then_some((seq, hash.as_str()));
    let e = reperes_domain::audit::chainer_scelle(tete, contenu, cle);
    sqlx::query(
        "INSERT INTO audit (seq, horodatage, acteur, action, objet_type, objet_id, avant, apres, motif, hash_precedent, hash, mac) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(e.seq)
    .bind(&e.contenu.horodatage)
    .bind(&e.contenu.acteur)
    .bind(&e.contenu.action)
    .bind(&e.contenu.objet_type)
    .bind(&e.contenu.objet_id)
    .bind(&e.contenu.avant)
    .bind(&e.contenu.apres)
    .bind(&e.contenu.motif)
    .bind(&e.hash_precedent)
    .bind(&e.hash)
    .bind(&e.mac)
    .execute(&mut *conn)
    .await?;
    let sceau_tete = cle.map(|c| c.sceau_tete(e.seq, &e.hash));
    sqlx::query("UPDATE audit_tete SET seq = $1, hash = $2, mac = $3 WHERE id = 1")
        .bind(e.seq)
        .bind(&e.hash)
        .bind(&sceau_tete)
        .execute(&mut *conn)
        .await?;
    Ok(e)
}

/// Une transaction d'écriture qui tient le verrou du journal d'audit.
pub(crate) struct Ecriture<'a> {
    tx: Transaction<'static, Any>,
    acteur: &'a Acteur,
    entrees: usize,
    cle: Option<std::sync::Arc<CleAudit>>,
}

impl Store {
    /// Commence une écriture au nom de `acteur` : transaction ouverte, verrou du journal pris.
    pub(crate) async fn ecriture<'a>(
        &self,
        acteur: &'a Acteur,
    ) -> Result<Ecriture<'a>, ErreurStore> {
        let mut tx = self.pool.begin().await?;
        verrouiller(&mut tx).await?;
        Ok(Ecriture {
            tx,
            acteur,
            entrees: 0,
            cle: self.cle_audit.clone(),
        })
    }
}

impl<'a> Ecriture<'a> {
    /// La connexion de la transaction, pour les requêtes de l'écriture.
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Commence une entrée du journal pour l'action donnée (`creer_dossier`…).
    /// L'auteur de l'écriture.
    pub(crate) fn acteur(&self) -> &'a Acteur {
        self.acteur
    }

    pub(crate) fn journal(&mut self, action: &str) -> Journal<'_, 'a> {
        Journal {
            ecriture: self,
            action: action.to_string(),
        }
    }

    /// Valide la transaction ; refuse (et annule tout) si aucune entrée n'a été écrite.
    pub(crate) async fn valider(self) -> Result<(), ErreurStore> {
        if self.entrees == 0 {
            self.tx.rollback().await?;
            return Err(ErreurStore::SansJournal);
        }
        self.tx.commit().await?;
        Ok(())
    }

    /// Annule la transaction : rien n'est écrit, ni dans les tables ni au journal.
    pub(crate) async fn abandonner(self) -> Result<(), ErreurStore> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// Une entrée du journal dont l'objet reste à dire.
#[must_use = "une entrée du journal n'est écrite que par `.objet(…)…ecrire()`"]
pub(crate) struct Journal<'e, 'a> {
    ecriture: &'e mut Ecriture<'a>,
    action: String,
}

impl<'e, 'a> Journal<'e, 'a> {
    /// L'objet concerné : son type (`dossier`, `organisation`…) et son identifiant.
    pub(crate) fn objet(self, objet_type: &str, objet_id: &str) -> Entree<'e, 'a> {
        let acteur = self.ecriture.acteur.journal();
        Entree {
            ecriture: self.ecriture,
            contenu: NouvelleEntree {
                horodatage: String::new(),
                acteur,
                action: self.action,
                objet_type: objet_type.to_string(),
                objet_id: objet_id.to_string(),
                avant: None,
                apres: None,
                motif: None,
            },
            erreur: None,
        }
    }
}

/// Une entrée du journal en cours de description ; `avant` et `apres` sont écrits en JSON.
#[must_use = "une entrée du journal n'est écrite que par `.ecrire().await`"]
pub(crate) struct Entree<'e, 'a> {
    ecriture: &'e mut Ecriture<'a>,
    contenu: NouvelleEntree,
    /// Première erreur de sérialisation, rendue par [`Entree::ecrire`].
    erreur: Option<serde_json::Error>,
}

impl Entree<'_, '_> {
    fn json<T: Serialize + ?Sized>(&mut self, valeur: &T) -> Option<String> {
        match serde_json::to_string(valeur) {
            Ok(texte) => Some(texte),
            Err(e) => {
                self.erreur.get_or_insert(e);
                None
            }
        }
    }

    /// L'état de l'objet avant le changement.
    pub(crate) fn avant<T: Serialize + ?Sized>(mut self, valeur: &T) -> Self {
        self.contenu.avant = self.json(valeur);
        self
    }

    /// L'état de l'objet après le changement.
    pub(crate) fn apres<T: Serialize + ?Sized>(mut self, valeur: &T) -> Self {
        self.contenu.apres = self.json(valeur);
        self
    }

    /// Le motif donné par l'acteur, s'il y en a un.
    pub(crate) fn motif<'m>(mut self, motif: impl Into<Option<&'m str>>) -> Self {
        self.contenu.motif = motif.into().map(str::to_string);
        self
    }

    /// Écrit l'entrée, chaînée à la précédente, dans la transaction de l'écriture.
    pub(crate) async fn ecrire(self) -> Result<EntreeAudit, ErreurStore> {
        if let Some(e) = self.erreur {
            return Err(e.into());
        }
        let mut contenu = self.contenu;
        contenu.horodatage = horodatage(Utc::now());
        let cle = self.ecriture.cle.clone();
        let e = ecrire_entree(self.ecriture.conn(), contenu, cle.as_deref()).await?;
        self.ecriture.entrees += 1;
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use reperes_domain::Role;

    use crate::{deux_bases, Acteur, ErreurStore, Store};

    async fn compteurs(store: &Store) -> i64 {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM compteurs")
            .fetch_one(store.pool())
            .await
            .unwrap();
        n
    }

    deux_bases!(
        une_ecriture_sans_journal_n_est_pas_validee,
        |store: Store| async move {
            let acteur = Acteur::new("cli", Role::Administrateur);
            let mut ecr = store.ecriture(&acteur).await.unwrap();
            sqlx::query("INSERT INTO compteurs (nom, valeur) VALUES ('temoin', 1)")
                .execute(ecr.conn())
                .await
                .unwrap();
            assert!(matches!(ecr.valider().await, Err(ErreurStore::SansJournal)));
            assert_eq!(compteurs(&store).await, 0, "la transaction est annulée");

            let mut ecr = store.ecriture(&acteur).await.unwrap();
            sqlx::query("INSERT INTO compteurs (nom, valeur) VALUES ('temoin', 1)")
                .execute(ecr.conn())
                .await
                .unwrap();
            let e = ecr
                .journal("essai")
                .objet("compteur", "temoin")
                .avant("rien")
                .apres(&1)
                .motif("vérification")
                .ecrire()
                .await
                .unwrap();
            ecr.valider().await.unwrap();
            assert_eq!(compteurs(&store).await, 1);
            assert_eq!(e.contenu.acteur, "administrateur:cli");
            assert_eq!(e.contenu.avant.as_deref(), Some("\"rien\""));
            assert_eq!(e.contenu.motif.as_deref(), Some("vérification"));
            assert_eq!(
                store.journal_objet("compteur", "temoin").await.unwrap(),
                vec![e]
            );
            assert_eq!(store.verifier_journal().await.unwrap(), 1);
        }
    );
}
