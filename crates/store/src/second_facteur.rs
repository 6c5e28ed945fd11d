//! Second facteur (TOTP, RFC 6238) : secret du compte, codes de secours (empreintes seulement),
//! connexion en attente du code, exigence du second facteur pour les agents. Migration
//! `0017_second_facteur.sql`.
//!
//! Le calcul des codes est fait par le web ; ici, ce qui doit être atomique : un pas de temps
//! n'est accepté qu'une fois (`dernier_pas` ne fait que croître), un code de secours n'est
//! consommé qu'une fois.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{horodatage, lire_horodatage, Acteur, ErreurStore, Store};

/// Le second facteur d'un compte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFacteur {
    /// Secret partagé, en base32 (jamais journalisé, jamais ré-affiché après l'activation).
    pub secret: String,
    /// Confirmé par un premier code juste.
    pub actif: bool,
    /// Dernier pas de temps accepté (unix / 30).
    pub dernier_pas: i64,
    /// Sel des empreintes des codes de secours.
    pub sel: String,
}

/// Une connexion dont le mot de passe est juste et qui attend le code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnexionEnAttente {
    pub utilisateur_id: String,
    pub suite: Option<String>,
}

/// Ce que le journal garde d'un changement du second facteur (jamais le secret ni les codes).
#[derive(Serialize)]
struct EtatSecondFacteur<'a> {
    utilisateur_id: &'a str,
    actif: bool,
    codes_secours: usize,
}

impl Store {
    /// Le second facteur d'un compte (actif ou en cours d'activation).
    pub async fn second_facteur(
        &self,
        utilisateur_id: &str,
    ) -> Result<Option<SecondFacteur>, ErreurStore> {
        let l: Option<(String, i64, i64, String)> = sqlx::query_as(
            "SELECT secret, actif, dernier_pas, sel FROM second_facteur WHERE utilisateur_id = $1",
        )
        .bind(utilisateur_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(l.map(|(secret, actif, dernier_pas, sel)| SecondFacteur {
            secret,
            actif: actif != 0,
            dernier_pas,
            sel,
        }))
    }

    /// Commence l'activation : garde un secret (pas encore actif) pour le compte, s'il n'en a
    /// aucun. Rend le second facteur du compte (celui qui existait déjà, le cas échéant). Rien
    /// n'est journalisé : l'état de sécurité du compte ne change qu'à la confirmation.
    pub async fn preparer_second_facteur(
        &self,
        utilisateur_id: &str,
        secret: &str,
        sel: &str,
    ) -> Result<SecondFacteur, ErreurStore> {
        if let Some(sf) = self.second_facteur(utilisateur_id).await? {
            return Ok(sf);
        }
        let r = sqlx::query(
            "INSERT INTO second_facteur (utilisateur_id, secret, actif, dernier_pas, sel, cree_le) \
             VALUES ($1, $2, 0, 0, $3, $4)",
        )
        .bind(utilisateur_id)
        .bind(secret)
        .bind(sel)
        .bind(horodatage(Utc::now()))
        .execute(&self.pool)
        .await;
        if let Err(e) = r {
            // Deux onglets à la fois : l'autre a gagné, on relit le sien.
            if self.second_facteur(utilisateur_id).await?.is_none() {
                return Err(e.into());
            }
        }
        self.second_facteur(utilisateur_id)
            .await?
            .ok_or_else(|| ErreurStore::Introuvable(format!("second facteur {utilisateur_id}")))
    }

    /// Confirme l'activation (le premier code juste, de pas `pas`) et remplace les codes de
    /// secours par ces empreintes. Rend `false` si le second facteur n'était pas en attente
    /// d'activation (déjà actif, ou absent).
    pub async fn activer_second_facteur(
        &self,
        acteur: &Acteur,
        utilisateur_id: &str,
        pas: i64,
        empreintes_codes: &[String],
    ) -> Result<bool, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let maintenant = horodatage(Utc::now());
        let n = sqlx::query(
            "UPDATE second_facteur SET actif = 1, dernier_pas = $1, active_le = $2 \
             WHERE utilisateur_id = $3 AND actif = 0",
        )
        .bind(pas)
        .bind(&maintenant)
        .bind(utilisateur_id)
        .execute(ecr.conn())
        .await?
        .rows_affected();
        if n == 0 {
            ecr.abandonner().await?;
            return Ok(false);
        }
        sqlx::query("DELETE FROM codes_secours WHERE utilisateur_id = $1")
            .bind(utilisateur_id)
            .execute(ecr.conn())
            .await?;
        for e in empreintes_codes {
            sqlx::query("INSERT INTO codes_secours (utilisateur_id, empreinte) VALUES ($1, $2)")
                .bind(utilisateur_id)
                .bind(e)
                .execute(ecr.conn())
                .await?;
        }
        ecr.journal("activer_second_facteur")
            .objet("utilisateur", utilisateur_id)
            .avant(&EtatSecondFacteur {
                utilisateur_id,
                actif: false,
                codes_secours: 0,
            })
            .apres(&EtatSecondFacteur {
                utilisateur_id,
                actif: true,
                codes_secours: empreintes_codes.len(),
            })
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(true)
    }

    /// Retire le second facteur du compte (secret et codes de secours).
    pub async fn desactiver_second_facteur(
        &self,
        acteur: &Acteur,
        utilisateur_id: &str,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let restants: (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM codes_secours WHERE utilisateur_id = $1 AND utilise_le IS NULL",
        )
        .bind(utilisateur_id)
        .fetch_one(ecr.conn())
        .await?;
        let n = sqlx::query("DELETE FROM second_facteur WHERE utilisateur_id = $1 AND actif = 1")
            .bind(utilisateur_id)
            .execute(ecr.conn())
            .await?
            .rows_affected();
        if n == 0 {
            return ecr.abandonner().await;
        }
        sqlx::query("DELETE FROM codes_secours WHERE utilisateur_id = $1")
            .bind(utilisateur_id)
            .execute(ecr.conn())
            .await?;
        ecr.journal("desactiver_second_facteur")
            .objet("utilisateur", utilisateur_id)
            .avant(&EtatSecondFacteur {
                utilisateur_id,
                actif: true,
                codes_secours: usize::try_from(restants.0).unwrap_or(0),
            })
            .apres(&EtatSecondFacteur {
                utilisateur_id,
                actif: false,
                codes_secours: 0,
            })
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Accepte le pas de temps `pas` d'un code juste, une seule fois : rend `false` si ce pas (ou
    /// un pas plus récent) a déjà servi (rejeu). Atomique : de deux envois simultanés du même
    /// code, un seul passe.
    pub async fn accepter_pas_totp(
        &self,
        utilisateur_id: &str,
        pas: i64,
    ) -> Result<bool, ErreurStore> {
        let n = sqlx::query(
            "UPDATE second_facteur SET dernier_pas = $1 \
             WHERE utilisateur_id = $2 AND actif = 1 AND dernier_pas < $1",
        )
        .bind(pas)
        .bind(utilisateur_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Consomme un code de secours (par son empreinte) : rend `false` s'il est inconnu ou déjà
    /// utilisé. L'usage est journalisé.
    pub async fn consommer_code_secours(
        &self,
        acteur: &Acteur,
        utilisateur_id: &str,
        empreinte: &str,
    ) -> Result<bool, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let n = sqlx::query(
            "UPDATE codes_secours SET utilise_le = $1 \
             WHERE utilisateur_id = $2 AND empreinte = $3 AND utilise_le IS NULL",
        )
        .bind(horodatage(Utc::now()))
        .bind(utilisateur_id)
        .bind(empreinte)
        .execute(ecr.conn())
        .await?
        .rows_affected();
        if n == 0 {
            ecr.abandonner().await?;
            return Ok(false);
        }
        let restants: (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM codes_secours WHERE utilisateur_id = $1 AND utilise_le IS NULL",
        )
        .bind(utilisateur_id)
        .fetch_one(ecr.conn())
        .await?;
        #[derive(Serialize)]
        struct Restants {
            codes_secours_restants: i64,
        }
        ecr.journal("utiliser_code_secours")
            .objet("utilisateur", utilisateur_id)
            .apres(&Restants {
                codes_secours_restants: restants.0,
            })
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(true)
    }

    /// Nombre de codes de secours encore utilisables.
    pub async fn codes_secours_restants(&self, utilisateur_id: &str) -> Result<i64, ErreurStore> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM codes_secours WHERE utilisateur_id = $1 AND utilise_le IS NULL",
        )
        .bind(utilisateur_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// Note qu'une session (anonyme) attend le code du compte, jusqu'à `expire_le`.
    pub async fn mettre_connexion_en_attente(
        &self,
        session_id_hash: &str,
        attente: &ConnexionEnAttente,
        expire_le: DateTime<Utc>,
    ) -> Result<(), ErreurStore> {
        sqlx::query("DELETE FROM connexions_en_attente WHERE session_id_hash = $1")
            .bind(session_id_hash)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO connexions_en_attente (session_id_hash, utilisateur_id, suite, expire_le) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(session_id_hash)
        .bind(&attente.utilisateur_id)
        .bind(&attente.suite)
        .bind(horodatage(expire_le))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// La connexion qu'attend cette session, si elle n'a pas expiré.
    pub async fn connexion_en_attente(
        &self,
        session_id_hash: &str,
        maintenant: DateTime<Utc>,
    ) -> Result<Option<ConnexionEnAttente>, ErreurStore> {
        let l: Option<(String, Option<String>, String)> = sqlx::query_as(
            "SELECT utilisateur_id, suite, expire_le FROM connexions_en_attente \
             WHERE session_id_hash = $1",
        )
        .bind(session_id_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some((utilisateur_id, suite, expire_le)) = l else {
            return Ok(None);
        };
        if lire_horodatage(&expire_le)? <= maintenant {
            return Ok(None);
        }
        Ok(Some(ConnexionEnAttente {
            utilisateur_id,
            suite,
        }))
    }

    /// Oublie la connexion en attente d'une session (code accepté, ou session fermée), et celles
    /// qui ont expiré.
    pub async fn terminer_connexion_en_attente(
        &self,
        session_id_hash: &str,
    ) -> Result<(), ErreurStore> {
        sqlx::query(
            "DELETE FROM connexions_en_attente WHERE session_id_hash = $1 OR expire_le <= $2",
        )
        .bind(session_id_hash)
        .bind(horodatage(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Le second facteur est-il exigé de tous les agents ?
    pub async fn second_facteur_exige(&self) -> Result<bool, ErreurStore> {
        let l: Option<(i64,)> =
            sqlx::query_as("SELECT agents FROM exigence_second_facteur WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(l.is_some_and(|(x,)| x != 0))
    }

    /// Exige (ou non) le second facteur de tous les agents ; journalisé.
    pub async fn exiger_second_facteur(
        &self,
        acteur: &Acteur,
        exige: bool,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let (avant,): (i64,) =
            sqlx::query_as("SELECT agents FROM exigence_second_facteur WHERE id = 1")
                .fetch_one(ecr.conn())
                .await?;
        if (avant != 0) == exige {
            return ecr.abandonner().await;
        }
        sqlx::query("UPDATE exigence_second_facteur SET agents = $1, modifie_le = $2 WHERE id = 1")
            .bind(i64::from(exige))
            .bind(horodatage(Utc::now()))
            .execute(ecr.conn())
            .await?;
        #[derive(Serialize)]
        struct Exigence {
            second_facteur_exige_des_agents: bool,
        }
        ecr.journal("exiger_second_facteur")
            .objet("reglage", "second_facteur_agents")
            .avant(&Exigence {
                second_facteur_exige_des_agents: avant != 0,
            })
            .apres(&Exigence {
                second_facteur_exige_des_agents: exige,
            })
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Le compte (agent) doit-il activer son second facteur avant d'accéder à l'instruction :
    /// exigé par l'administration et pas encore actif. Une seule requête.
    pub async fn second_facteur_a_activer(
        &self,
        utilisateur_id: &str,
    ) -> Result<bool, ErreurStore> {
        let l: Option<(i64, i64)> = sqlx::query_as(
            "SELECT e.agents, COALESCE(s.actif, 0) FROM exigence_second_facteur e \
             LEFT JOIN second_facteur s ON s.utilisateur_id = $1 WHERE e.id = 1",
        )
        .bind(utilisateur_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(l.is_some_and(|(exige, actif)| exige != 0 && actif == 0))
    }
}
