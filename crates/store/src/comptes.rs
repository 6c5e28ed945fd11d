//! Comptes, appartenance aux organisations, sessions, jetons à usage unique, tentatives.

use chrono::{DateTime, Utc};
use reperes_domain::comptes::{Email, Personne, RoleCompte};
use serde::Serialize;

use crate::{horodatage, lire_horodatage, Acteur, ErreurStore, Store};

/// Un compte. Sa forme sérialisée (celle du journal d'audit) ne porte ni l'adresse ni le nom :
/// le journal désigne le compte par son identifiant, et l'identité n'est gardée que dans la table
/// des comptes, où la suppression du compte l'efface sans toucher à la chaîne du journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Utilisateur {
    pub id: String,
    #[serde(skip)]
    pub email: String,
    #[serde(skip)]
    pub nom: String,
    pub role: RoleCompte,
    /// Empreinte argon2id du mot de passe (jamais journalisée).
    #[serde(skip)]
    pub hash_mot_de_passe: Option<String>,
    pub email_verifie: bool,
    pub actif: bool,
}

/// Session d'un navigateur (connecté ou non).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub utilisateur_id: Option<String>,
    pub csrf: String,
    pub expire_le: DateTime<Utc>,
}

/// Nature d'un jeton à usage unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NatureJeton {
    VerificationEmail,
    Reinitialisation,
    Invitation,
}

impl NatureJeton {
    fn code(self) -> &'static str {
        match self {
            NatureJeton::VerificationEmail => "verification",
            NatureJeton::Reinitialisation => "reinitialisation",
            NatureJeton::Invitation => "invitation",
        }
    }

    fn depuis_code(code: &str) -> Option<NatureJeton> {
        [
            NatureJeton::VerificationEmail,
            NatureJeton::Reinitialisation,
            NatureJeton::Invitation,
        ]
        .into_iter()
        .find(|n| n.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jeton {
    pub hash: String,
    pub nature: NatureJeton,
    pub email: String,
    pub organisation_id: Option<String>,
    pub role: Option<RoleCompte>,
    pub expire_le: DateTime<Utc>,
}

/// Ce que l'on sait d'un jeton, même consommé ou expiré.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceJeton {
    pub email: String,
    /// Déjà utilisé (sinon : expiré, ou encore valable).
    pub utilise: bool,
    /// Empreinte de la session qui l'a demandé, s'il y est rattaché.
    pub session_id_hash: Option<String>,
}

/// Une ligne de `utilisateurs`.
#[derive(sqlx::FromRow)]
struct LigneUtilisateur {
    id: String,
    email: String,
    nom: String,
    role: String,
    hash_mot_de_passe: Option<String>,
    email_verifie_le: Option<String>,
    actif: i64,
}

impl TryFrom<LigneUtilisateur> for Utilisateur {
    type Error = ErreurStore;
    fn try_from(l: LigneUtilisateur) -> Result<Self, ErreurStore> {
        Ok(Utilisateur {
            id: l.id,
            email: l.email,
            nom: l.nom,
            role: RoleCompte::depuis_code(&l.role)
                .ok_or_else(|| ErreurStore::Corrompue(format!("rôle « {} »", l.role)))?,
            hash_mot_de_passe: l.hash_mot_de_passe,
            email_verifie: l.email_verifie_le.is_some(),
            actif: l.actif != 0,
        })
    }
}

/// Une ligne de `sessions`.
#[derive(sqlx::FromRow)]
struct LigneSession {
    id_hash: String,
    utilisateur_id: Option<String>,
    csrf: String,
    expire_le: String,
}

impl TryFrom<LigneSession> for Session {
    type Error = ErreurStore;
    fn try_from(l: LigneSession) -> Result<Self, ErreurStore> {
        Ok(Session {
            id_hash: l.id_hash,
            utilisateur_id: l.utilisateur_id,
            csrf: l.csrf,
            expire_le: lire_horodatage(&l.expire_le)?,
        })
    }
}

/// Une ligne de `jetons`.
#[derive(sqlx::FromRow)]
struct LigneJeton {
    hash: String,
    nature: String,
    email: String,
    organisation_id: Option<String>,
    role: Option<String>,
    expire_le: String,
}

impl TryFrom<LigneJeton> for Jeton {
    type Error = ErreurStore;
    fn try_from(l: LigneJeton) -> Result<Self, ErreurStore> {
        Ok(Jeton {
            hash: l.hash,
            nature: NatureJeton::depuis_code(&l.nature)
                .ok_or_else(|| ErreurStore::Corrompue(format!("jeton « {} »", l.nature)))?,
            email: l.email,
            organisation_id: l.organisation_id,
            role: l.role.and_then(|x| RoleCompte::depuis_code(&x)),
            expire_le: lire_horodatage(&l.expire_le)?,
        })
    }
}

fn est_doublon(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.message().to_lowercase().contains("unique"))
}

impl Store {
    /// Crée un compte. Une adresse déjà utilisée donne [`ErreurStore::Conflit`].
    pub async fn creer_utilisateur(
        &self,
        acteur: &Acteur,
        u: &Utilisateur,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let maintenant = horodatage(Utc::now());
        let r = sqlx::query(
            "INSERT INTO utilisateurs (id, email, nom, role, hash_mot_de_passe, email_verifie_le, actif, cree_le) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&u.id)
        .bind(&u.email)
        .bind(&u.nom)
        .bind(u.role.code())
        .bind(&u.hash_mot_de_passe)
        .bind(u.email_verifie.then(|| maintenant.clone()))
        .bind(i64::from(u.actif))
        .bind(&maintenant)
        .execute(ecr.conn())
        .await;
        if let Err(e) = r {
            return Err(if est_doublon(&e) {
                ErreurStore::Conflit("cette adresse électronique a déjà un compte".into())
            } else {
                e.into()
            });
        }
        ecr.journal("creer_compte")
            .objet("utilisateur", &u.id)
            .apres(u)
            .ecrire()
            .await?;
        ecr.valider().await
    }

    pub async fn utilisateur(&self, id: &str) -> Result<Option<Utilisateur>, ErreurStore> {
        sqlx::query_as::<_, LigneUtilisateur>("SELECT * FROM utilisateurs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(Utilisateur::try_from)
            .transpose()
    }

    pub async fn utilisateur_par_email(
        &self,
        email: &Email,
    ) -> Result<Option<Utilisateur>, ErreurStore> {
        sqlx::query_as::<_, LigneUtilisateur>("SELECT * FROM utilisateurs WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await?
            .map(Utilisateur::try_from)
            .transpose()
    }

    /// Comptes ayant un rôle donné (par exemple les instructeurs, pour l'attribution).
    pub async fn utilisateurs_de_role(
        &self,
        role: RoleCompte,
    ) -> Result<Vec<Utilisateur>, ErreurStore> {
        sqlx::query_as::<_, LigneUtilisateur>(
            "SELECT * FROM utilisateurs WHERE role = $1 ORDER BY nom, email",
        )
        .bind(role.code())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Utilisateur::try_from)
        .collect()
    }

    /// Modifie un compte (mot de passe, vérification, rôle, activité) et le journalise, sans jamais
    /// écrire l'empreinte du mot de passe dans le journal.
    pub async fn mettre_a_jour_utilisateur(
        &self,
        acteur: &Acteur,
        action: &str,
        apres: &Utilisateur,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let avant =
            sqlx::query_as::<_, LigneUtilisateur>("SELECT * FROM utilisateurs WHERE id = $1")
                .bind(&apres.id)
                .fetch_optional(ecr.conn())
                .await?
                .map(Utilisateur::try_from)
                .transpose()?
                .ok_or_else(|| ErreurStore::Introuvable(format!("compte {}", apres.id)))?;
        let maintenant = horodatage(Utc::now());
        sqlx::query(
            "UPDATE utilisateurs SET nom = $1, role = $2, hash_mot_de_passe = $3, \
             email_verifie_le = CASE WHEN $4 = 1 THEN COALESCE(email_verifie_le, $5) ELSE NULL END, \
             actif = $6 WHERE id = $7",
        )
        .bind(&apres.nom)
        .bind(apres.role.code())
        .bind(&apres.hash_mot_de_passe)
        .bind(i64::from(apres.email_verifie))
        .bind(&maintenant)
        .bind(i64::from(apres.actif))
        .bind(&apres.id)
        .execute(ecr.conn())
        .await?;
        ecr.journal(action)
            .objet("utilisateur", &apres.id)
            .avant(&avant)
            .apres(apres)
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Ajoute un membre à une organisation (sans effet s'il l'est déjà).
    pub async fn ajouter_membre(
        &self,
        acteur: &Acteur,
        organisation_id: &str,
        utilisateur_id: &str,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let deja: Option<(String,)> = sqlx::query_as(
            "SELECT organisation_id FROM membres WHERE organisation_id = $1 AND utilisateur_id = $2",
        )
        .bind(organisation_id)
        .bind(utilisateur_id)
        .fetch_optional(ecr.conn())
        .await?;
        if deja.is_some() {
            // Déjà membre : rien à écrire.
            return ecr.abandonner().await;
        }
        sqlx::query(
            "INSERT INTO membres (organisation_id, utilisateur_id, cree_le) VALUES ($1, $2, $3)",
        )
        .bind(organisation_id)
        .bind(utilisateur_id)
        .bind(horodatage(Utc::now()))
        .execute(ecr.conn())
        .await?;
        #[derive(Serialize)]
        struct Membre<'a> {
            organisation_id: &'a str,
            utilisateur_id: &'a str,
        }
        let m = Membre {
            organisation_id,
            utilisateur_id,
        };
        ecr.journal("ajouter_membre")
            .objet("organisation", organisation_id)
            .apres(&m)
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Organisations dont le compte est membre.
    pub async fn organisations_de(&self, utilisateur_id: &str) -> Result<Vec<String>, ErreurStore> {
        let v: Vec<(String,)> = sqlx::query_as(
            "SELECT organisation_id FROM membres WHERE utilisateur_id = $1 ORDER BY organisation_id",
        )
        .bind(utilisateur_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(v.into_iter().map(|(o,)| o).collect())
    }

    /// Membres d'une organisation.
    pub async fn membres(&self, organisation_id: &str) -> Result<Vec<Utilisateur>, ErreurStore> {
        sqlx::query_as::<_, LigneUtilisateur>(
            "SELECT u.* FROM utilisateurs u JOIN membres m ON m.utilisateur_id = u.id \
             WHERE m.organisation_id = $1 ORDER BY u.nom, u.email",
        )
        .bind(organisation_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Utilisateur::try_from)
        .collect()
    }

    /// La personne telle que les règles d'accès la voient.
    pub async fn personne(&self, u: &Utilisateur) -> Result<Personne, ErreurStore> {
        Ok(Personne {
            id: u.id.clone(),
            role: u.role,
            organisations: self.organisations_de(&u.id).await?,
        })
    }

    // ---- Sessions ----

    /// Ouvre une session ; pour un compte, note aussi la date de sa dernière connexion (comptes
    /// dormants) et annule un éventuel préavis de pseudonymisation.
    pub async fn creer_session(&self, s: &Session) -> Result<(), ErreurStore> {
        if let Some(id) = &s.utilisateur_id {
            sqlx::query(
                "UPDATE utilisateurs SET derniere_connexion_le = $1, dormant_prevenu_le = NULL \
                 WHERE id = $2",
            )
            .bind(horodatage(Utc::now()))
            .bind(id)
            .execute(&self.pool)
            .await?;
        }
        sqlx::query(
            "INSERT INTO sessions (id_hash, utilisateur_id, csrf, cree_le, expire_le) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.id_hash)
        .bind(&s.utilisateur_id)
        .bind(&s.csrf)
        .bind(horodatage(Utc::now()))
        .bind(horodatage(s.expire_le))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Session valide (non expirée) d'empreinte donnée.
    pub async fn session(
        &self,
        id_hash: &str,
        maintenant: DateTime<Utc>,
    ) -> Result<Option<Session>, ErreurStore> {
        sqlx::query_as::<_, LigneSession>(
            "SELECT * FROM sessions WHERE id_hash = $1 AND expire_le > $2",
        )
        .bind(id_hash)
        .bind(horodatage(maintenant))
        .fetch_optional(&self.pool)
        .await?
        .map(Session::try_from)
        .transpose()
    }

    pub async fn supprimer_session(&self, id_hash: &str) -> Result<(), ErreurStore> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Déconnecte un compte partout (après un changement de mot de passe).
    pub async fn supprimer_sessions_de(&self, utilisateur_id: &str) -> Result<(), ErreurStore> {
        sqlx::query("DELETE FROM sessions WHERE utilisateur_id = $1")
            .bind(utilisateur_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Supprime les sessions expirées ; rend leur nombre.
    pub async fn purger_sessions(&self, maintenant: DateTime<Utc>) -> Result<u64, ErreurStore> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expire_le <= $1")
            .bind(horodatage(maintenant))
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    // ---- Jetons ----

    pub async fn creer_jeton(&self, j: &Jeton) -> Result<(), ErreurStore> {
        sqlx::query(
            "INSERT INTO jetons (hash, nature, email, organisation_id, role, expire_le, cree_le) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&j.hash)
        .bind(j.nature.code())
        .bind(&j.email)
        .bind(&j.organisation_id)
        .bind(j.role.map(|r| r.code()))
        .bind(horodatage(j.expire_le))
        .bind(horodatage(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Rattache un jeton à la session qui l'a demandé (empreinte de son identifiant) : un lien de
    /// confirmation ouvert dans cette même session peut connecter la personne.
    pub async fn rattacher_jeton_a_session(
        &self,
        hash: &str,
        session_id_hash: &str,
    ) -> Result<(), ErreurStore> {
        sqlx::query("UPDATE jetons SET session_id_hash = $1 WHERE hash = $2")
            .bind(session_id_hash)
            .bind(hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ce que l'on sait d'un jeton, valable ou non (déjà utilisé, expiré) : pour dire quoi faire
    /// à la personne qui ouvre un lien qui ne vaut plus rien. `None` si le jeton est inconnu.
    pub async fn trace_du_jeton(
        &self,
        hash: &str,
        nature: NatureJeton,
    ) -> Result<Option<TraceJeton>, ErreurStore> {
        let ligne: Option<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT email, utilise_le, session_id_hash FROM jetons WHERE hash = $1 AND nature = $2",
        )
        .bind(hash)
        .bind(nature.code())
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            ligne.map(|(email, utilise_le, session_id_hash)| TraceJeton {
                email,
                utilise: utilise_le.is_some(),
                session_id_hash,
            }),
        )
    }

    /// Lit un jeton valide sans le consommer (page qui précède l'acceptation d'une invitation).
    pub async fn jeton_valide(
        &self,
        hash: &str,
        nature: NatureJeton,
        maintenant: DateTime<Utc>,
    ) -> Result<Option<Jeton>, ErreurStore> {
        sqlx::query_as::<_, LigneJeton>(
            "SELECT * FROM jetons WHERE hash = $1 AND nature = $2 AND utilise_le IS NULL AND expire_le > $3",
        )
        .bind(hash)
        .bind(nature.code())
        .bind(horodatage(maintenant))
        .fetch_optional(&self.pool)
        .await?
        .map(Jeton::try_from)
        .transpose()
    }

    /// Consomme un jeton valide (non expiré, jamais utilisé) : il ne servira plus.
    pub async fn consommer_jeton(
        &self,
        hash: &str,
        nature: NatureJeton,
        maintenant: DateTime<Utc>,
    ) -> Result<Option<Jeton>, ErreurStore> {
        let n = sqlx::query(
            "UPDATE jetons SET utilise_le = $1 WHERE hash = $2 AND nature = $3 \
             AND utilise_le IS NULL AND expire_le > $1",
        )
        .bind(horodatage(maintenant))
        .bind(hash)
        .bind(nature.code())
        .execute(&self.pool)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(None);
        }
        sqlx::query_as::<_, LigneJeton>("SELECT * FROM jetons WHERE hash = $1")
            .bind(hash)
            .fetch_one(&self.pool)
            .await?
            .try_into()
            .map(Some)
    }

    /// Rend inutilisables tous les jetons encore valables d'une nature pour une adresse (après
    /// une réinitialisation : les autres liens envoyés ne servent plus) ; rend leur nombre.
    pub async fn invalider_jetons(
        &self,
        email: &str,
        nature: NatureJeton,
        maintenant: DateTime<Utc>,
    ) -> Result<u64, ErreurStore> {
        Ok(sqlx::query(
            "UPDATE jetons SET utilise_le = $1 WHERE email = $2 AND nature = $3 AND utilise_le IS NULL",
        )
        .bind(horodatage(maintenant))
        .bind(email)
        .bind(nature.code())
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    // ---- Tentatives (limitation de débit) ----

    /// Compte une tentative pour `cle` et rend le nombre de tentatives de la fenêtre en cours,
    /// celle-ci comprise. La fenêtre (fixe) s'ouvre à la première tentative et dure `fenetre`.
    /// Une seule requête `INSERT … ON CONFLICT … DO UPDATE … RETURNING` : atomique sur les deux
    /// bases, des tentatives simultanées reçoivent chacune un numéro distinct.
    pub async fn compter_tentative(
        &self,
        cle: &str,
        maintenant: DateTime<Utc>,
        fenetre: chrono::Duration,
    ) -> Result<i64, ErreurStore> {
        let (n,): (i64,) = sqlx::query_as(
            "INSERT INTO compteurs_debit (cle, debut, nombre, blocages, bloque_jusqu_au) \
             VALUES ($1, $2, 1, 0, NULL) \
             ON CONFLICT (cle) DO UPDATE SET \
             nombre = CASE WHEN compteurs_debit.debut <= $3 THEN 1 ELSE compteurs_debit.nombre + 1 END, \
             debut = CASE WHEN compteurs_debit.debut <= $3 THEN $2 ELSE compteurs_debit.debut END \
             RETURNING nombre",
        )
        .bind(cle)
        .bind(horodatage(maintenant))
        .bind(horodatage(maintenant - fenetre))
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// Tentative avec délai progressif (connexion, clé compte + adresse) : `max` tentatives par
    /// fenêtre ; la `max`-ième (acceptée) ouvre un blocage de `delais[b]` (`b` = blocages déjà
    /// subis, le dernier délai se répète) pendant lequel tout est refusé sans être compté.
    /// Rend `None` si la tentative est acceptée, sinon l'heure de fin du refus. Le compteur est
    /// incrémenté en une requête atomique : sur une rafale parallèle, `max` passent au plus.
    pub async fn tentative_progressive(
        &self,
        cle: &str,
        maintenant: DateTime<Utc>,
        fenetre: chrono::Duration,
        max: i64,
        delais: &[chrono::Duration],
    ) -> Result<Option<DateTime<Utc>>, ErreurStore> {
        let maintenant_h = horodatage(maintenant);
        let (n, bloque): (i64, Option<String>) = sqlx::query_as(
            "INSERT INTO compteurs_debit (cle, debut, nombre, blocages, bloque_jusqu_au) \
             VALUES ($1, $2, 1, 0, NULL) \
             ON CONFLICT (cle) DO UPDATE SET \
             nombre = CASE WHEN COALESCE(compteurs_debit.bloque_jusqu_au, '') > $2 THEN compteurs_debit.nombre \
                           WHEN compteurs_debit.debut <= $3 THEN 1 \
                           ELSE compteurs_debit.nombre + 1 END, \
             debut = CASE WHEN COALESCE(compteurs_debit.bloque_jusqu_au, '') <= $2 \
                           AND compteurs_debit.debut <= $3 THEN $2 ELSE compteurs_debit.debut END \
             RETURNING nombre, bloque_jusqu_au",
        )
        .bind(cle)
        .bind(&maintenant_h)
        .bind(horodatage(maintenant - fenetre))
        .fetch_one(&self.pool)
        .await?;
        if let Some(b) = bloque.filter(|b| *b > maintenant_h) {
            return Ok(Some(lire_horodatage(&b)?));
        }
        if n > max {
            // Le blocage ouvert par la `max`-ième tentative simultanée n'est pas encore écrit.
            return Ok(Some(
                maintenant + delais.first().copied().unwrap_or_default(),
            ));
        }
        if n == max {
            let fin = |i: usize| {
                horodatage(
                    maintenant + delais.get(i).or(delais.last()).copied().unwrap_or_default(),
                )
            };
            sqlx::query(
                "UPDATE compteurs_debit SET nombre = 0, blocages = blocages + 1, debut = $2, \
                 bloque_jusqu_au = CASE blocages WHEN 0 THEN $3 WHEN 1 THEN $4 WHEN 2 THEN $5 \
                 WHEN 3 THEN $6 ELSE $7 END WHERE cle = $1",
            )
            .bind(cle)
            .bind(&maintenant_h)
            .bind(fin(0))
            .bind(fin(1))
            .bind(fin(2))
            .bind(fin(3))
            .bind(fin(4))
            .execute(&self.pool)
            .await?;
        }
        Ok(None)
    }

    /// Oublie le compteur d'une clé (connexion réussie : les échecs passés ne comptent plus).
    pub async fn effacer_tentatives(&self, cle: &str) -> Result<(), ErreurStore> {
        sqlx::query("DELETE FROM compteurs_debit WHERE cle = $1")
            .bind(cle)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Oublie les compteurs dont la fenêtre a commencé avant `avant` et qui ne bloquent plus
    /// rien ; rend leur nombre.
    pub async fn purger_tentatives(&self, avant: DateTime<Utc>) -> Result<u64, ErreurStore> {
        let avant = horodatage(avant);
        Ok(sqlx::query(
            "DELETE FROM compteurs_debit WHERE debut < $1 \
             AND COALESCE(bloque_jusqu_au, '') < $1",
        )
        .bind(&avant)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }
}
