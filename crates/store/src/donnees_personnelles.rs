//! Données personnelles (RGPD) du titulaire d'un compte : ce que la base garde sur lui (page et
//! export), suppression du compte par son titulaire, pseudonymisation des comptes dormants.
//!
//! Le journal d'audit n'est jamais réécrit (sa chaîne resterait invalide) : il désigne les comptes
//! par leur identifiant (`rôle:identifiant`) et ne sérialise ni adresse ni nom
//! ([`crate::Utilisateur`]). Supprimer un compte remplace son adresse et son nom, dans la table des
//! comptes, par « Compte supprimé n° N » : l'historique reste lisible, la chaîne valide.

use chrono::{DateTime, Duration, Utc};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::donnees_personnelles::{
    adresse_supprimee, nom_supprime, sort_dormant, SortDormant,
};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::courriels::{inserer, NouveauCourriel};
use crate::{horodatage, lire_horodatage, Acteur, ErreurStore, Store};

/// Le compte lui-même, dates comprises.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CompteExporte {
    pub id: String,
    pub email: String,
    pub nom: String,
    pub role: String,
    pub cree_le: String,
    pub email_verifie_le: Option<String>,
    pub derniere_connexion_le: Option<String>,
    pub dormant_prevenu_le: Option<String>,
}

/// Une organisation dont le compte est membre.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OrganisationExportee {
    pub id: String,
    pub nom: String,
    pub membre_depuis: String,
}

/// Un message écrit dans un dossier.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MessageExporte {
    pub id: String,
    pub dossier_id: String,
    pub corps: String,
    /// Note privée des agents.
    pub prive: i64,
    pub cree_le: String,
}

/// Une pièce déposée.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FichierExporte {
    pub id: String,
    pub dossier_id: String,
    pub nom: String,
    pub taille: i64,
    pub cree_le: String,
}

/// Un rapport de charte publié.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RapportExporte {
    pub id: String,
    pub dossier_id: String,
    pub titre: String,
    pub publie_le: String,
}

/// Une session ouverte (l'empreinte du cookie n'est pas montrée).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SessionExportee {
    pub cree_le: String,
    pub expire_le: String,
}

/// Un lien à usage unique envoyé à l'adresse du compte.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct JetonExporte {
    pub nature: String,
    pub organisation_id: Option<String>,
    pub cree_le: String,
    pub expire_le: String,
    pub utilise_le: Option<String>,
}

/// Un abonnement aux webhooks (sans son secret).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AbonnementExporte {
    pub id: String,
    pub url: String,
    pub actif: i64,
    pub cree_le: String,
}

/// Une entrée du journal d'audit dont le compte est l'acteur.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EntreeExportee {
    pub seq: i64,
    pub horodatage: String,
    pub action: String,
    pub objet_type: String,
    pub objet_id: String,
}

/// Tout ce que la base garde sur le titulaire d'un compte, par catégorie du registre
/// (`donnees/donnees-personnelles.toml`).
#[derive(Debug, Clone, Serialize)]
pub struct DonneesPersonnelles {
    pub compte: CompteExporte,
    pub organisations: Vec<OrganisationExportee>,
    pub messages: Vec<MessageExporte>,
    pub fichiers: Vec<FichierExporte>,
    pub rapports: Vec<RapportExporte>,
    pub sessions: Vec<SessionExportee>,
    pub invitations: Vec<JetonExporte>,
    pub abonnements: Vec<AbonnementExporte>,
    pub journal: Vec<EntreeExportee>,
}

/// Bilan d'un passage de la tâche des comptes dormants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BilanDormants {
    /// Comptes prévenus par courriel.
    pub prevenus: usize,
    /// Comptes pseudonymisés.
    pub pseudonymises: usize,
    /// Comptes gardés malgré la règle (dernier administrateur).
    pub gardes: usize,
}

/// Les formes possibles de l'acteur d'un compte au journal : `rôle:identifiant` et, pour les
/// entrées écrites avant la migration 0018, `rôle:adresse`.
fn acteurs_possibles(id: &str, email: &str) -> Vec<String> {
    let mut v = Vec::new();
    for role in ["demandeur", "instructeur", "administrateur"] {
        v.push(format!("{role}:{id}"));
        v.push(format!("{role}:{email}"));
    }
    v
}

/// Efface ou remplace, dans la transaction, toutes les données personnelles d'un compte ; rend
/// le numéro du compte supprimé. Refuse de supprimer le dernier administrateur actif.
async fn effacer(
    conn: &mut AnyConnection,
    id: &str,
    maintenant: DateTime<Utc>,
) -> Result<i64, ErreurStore> {
    let ligne: Option<(String, String, Option<String>)> =
        sqlx::query_as("SELECT email, role, supprime_le FROM utilisateurs WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((email, role, supprime_le)) = ligne else {
        return Err(ErreurStore::Introuvable(format!("compte {id}")));
    };
    if supprime_le.is_some() {
        return Err(ErreurStore::Conflit("Ce compte est déjà supprimé.".into()));
    }
    if role == RoleCompte::Administrateur.code() {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM utilisateurs WHERE role = $1 AND actif = 1 \
             AND supprime_le IS NULL AND id <> $2",
        )
        .bind(RoleCompte::Administrateur.code())
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        if n == 0 {
            return Err(ErreurStore::Conflit(
                "Ce compte est celui du dernier administrateur actif de Repères : il ne peut pas \
                 être supprimé. Nommez d'abord un autre administrateur."
                    .into(),
            ));
        }
    }
    let (numero,): (i64,) = sqlx::query_as(
        "INSERT INTO compteurs (nom, valeur) VALUES ('comptes_supprimes', 1) \
         ON CONFLICT (nom) DO UPDATE SET valeur = compteurs.valeur + 1 RETURNING valeur",
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE utilisateurs SET email = $1, nom = $2, hash_mot_de_passe = NULL, \
         email_verifie_le = NULL, actif = 0, derniere_connexion_le = NULL, \
         dormant_prevenu_le = NULL, supprime_le = $3 WHERE id = $4",
    )
    .bind(adresse_supprimee(numero))
    .bind(nom_supprime(numero))
    .bind(horodatage(maintenant))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    for requete in [
        "DELETE FROM sessions WHERE utilisateur_id = $1",
        "DELETE FROM membres WHERE utilisateur_id = $1",
        "DELETE FROM livraisons WHERE abonnement_id IN \
         (SELECT id FROM abonnements WHERE proprietaire_id = $1)",
        "DELETE FROM abonnements WHERE proprietaire_id = $1",
        // Second facteur : secret, codes de secours, connexions qui attendent un code.
        "DELETE FROM second_facteur WHERE utilisateur_id = $1",
        "DELETE FROM codes_secours WHERE utilisateur_id = $1",
        "DELETE FROM connexions_en_attente WHERE utilisateur_id = $1",
    ] {
        sqlx::query(requete).bind(id).execute(&mut *conn).await?;
    }
    for requete in [
        "DELETE FROM jetons WHERE email = $1",
        "DELETE FROM courriels WHERE destinataire = $1",
        // Clés de limitation de débit qui portent l'adresse (« connexion:adresse|réseau »…).
        "DELETE FROM compteurs_debit WHERE cle LIKE '%' || $1 || '%'",
    ] {
        sqlx::query(requete)
            .bind(&email)
            .execute(&mut *conn)
            .await?;
    }
    // Journal de sécurité : les événements restent (durée de conservation du journal), mais
    // l'adresse du compte y est remplacée par le pseudonyme.
    sqlx::query("UPDATE journal_securite SET compte = $1 WHERE compte = $2")
        .bind(adresse_supprimee(numero))
        .bind(&email)
        .execute(&mut *conn)
        .await?;
    Ok(numero)
}

/// Un compte vu par la règle des comptes dormants.
#[derive(sqlx::FromRow)]
struct LigneDormant {
    id: String,
    email: String,
    nom: String,
    derniere_connexion_le: Option<String>,
    cree_le: String,
    dormant_prevenu_le: Option<String>,
}

#[derive(Serialize)]
struct Suppression {
    numero: i64,
    supprime_le: String,
}

impl Store {
    /// Tout ce que la base garde sur le titulaire du compte `id` (`None` : compte inconnu).
    pub async fn donnees_personnelles(
        &self,
        id: &str,
    ) -> Result<Option<DonneesPersonnelles>, ErreurStore> {
        let Some(compte) = sqlx::query_as::<_, CompteExporte>(
            "SELECT id, email, nom, role, cree_le, email_verifie_le, derniere_connexion_le, \
             dormant_prevenu_le FROM utilisateurs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let organisations = sqlx::query_as(
            "SELECT o.id, o.nom, m.cree_le AS membre_depuis FROM membres m \
             JOIN organisations o ON o.id = m.organisation_id WHERE m.utilisateur_id = $1 \
             ORDER BY o.nom, o.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let messages = sqlx::query_as(
            "SELECT id, dossier_id, corps, prive, cree_le FROM messages WHERE auteur_id = $1 \
             ORDER BY cree_le, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let fichiers = sqlx::query_as(
            "SELECT id, dossier_id, nom, taille, cree_le FROM fichiers WHERE depose_par = $1 \
             ORDER BY cree_le, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let rapports = sqlx::query_as(
            "SELECT id, dossier_id, titre, publie_le FROM rapports_charte WHERE auteur_id = $1 \
             ORDER BY publie_le, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let sessions = sqlx::query_as(
            "SELECT cree_le, expire_le FROM sessions WHERE utilisateur_id = $1 \
             AND expire_le > $2 ORDER BY cree_le",
        )
        .bind(id)
        .bind(horodatage(Utc::now()))
        .fetch_all(&self.pool)
        .await?;
        let invitations = sqlx::query_as(
            "SELECT nature, organisation_id, cree_le, expire_le, utilise_le FROM jetons \
             WHERE email = $1 ORDER BY cree_le",
        )
        .bind(&compte.email)
        .fetch_all(&self.pool)
        .await?;
        let abonnements = sqlx::query_as(
            "SELECT id, url, actif, cree_le FROM abonnements WHERE proprietaire_id = $1 \
             ORDER BY cree_le, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let acteurs = acteurs_possibles(id, &compte.email);
        let journal = sqlx::query_as(
            "SELECT seq, horodatage, action, objet_type, objet_id FROM audit \
             WHERE acteur IN ($1, $2, $3, $4, $5, $6) ORDER BY seq",
        )
        .bind(&acteurs[0])
        .bind(&acteurs[1])
        .bind(&acteurs[2])
        .bind(&acteurs[3])
        .bind(&acteurs[4])
        .bind(&acteurs[5])
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(DonneesPersonnelles {
            compte,
            organisations,
            messages,
            fichiers,
            rapports,
            sessions,
            invitations,
            abonnements,
            journal,
        }))
    }

    /// Supprime le compte `id` à la demande de son titulaire : adresse et nom remplacés par
    /// « Compte supprimé n° N », mot de passe effacé, sessions fermées, appartenances, liens,
    /// courriels en file et abonnements supprimés ; les dossiers restent à leurs organisations et
    /// le journal n'est pas réécrit. Rend N. Le dernier administrateur actif est refusé
    /// ([`ErreurStore::Conflit`]).
    pub async fn supprimer_compte(
        &self,
        acteur: &Acteur,
        id: &str,
        maintenant: DateTime<Utc>,
    ) -> Result<i64, ErreurStore> {
        self.effacer_compte(acteur, id, maintenant, "supprimer_compte", None)
            .await
    }

    async fn effacer_compte(
        &self,
        acteur: &Acteur,
        id: &str,
        maintenant: DateTime<Utc>,
        action: &str,
        motif: Option<&str>,
    ) -> Result<i64, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let numero = effacer(ecr.conn(), id, maintenant).await?;
        ecr.journal(action)
            .objet("utilisateur", id)
            .apres(&Suppression {
                numero,
                supprime_le: horodatage(maintenant),
            })
            .motif(motif)
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(numero)
    }

    /// Applique la règle des comptes dormants à la date `maintenant` : les comptes sans connexion
    /// (ou, jamais connectés, sans activité depuis leur création) depuis `duree` moins le préavis
    /// reçoivent un courriel ; ceux prévenus depuis le préavis et toujours inactifs depuis
    /// `duree` sont pseudonymisés (comme une suppression). Le dernier administrateur est gardé.
    pub async fn purger_comptes_dormants(
        &self,
        acteur: &Acteur,
        maintenant: DateTime<Utc>,
        duree: Duration,
        url_publique: &str,
    ) -> Result<BilanDormants, ErreurStore> {
        let lignes: Vec<LigneDormant> = sqlx::query_as(
            "SELECT id, email, nom, derniere_connexion_le, cree_le, dormant_prevenu_le \
                 FROM utilisateurs WHERE supprime_le IS NULL ORDER BY cree_le, id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut bilan = BilanDormants::default();
        for LigneDormant {
            id,
            email,
            nom,
            derniere_connexion_le: derniere,
            cree_le,
            dormant_prevenu_le: prevenu,
        } in lignes
        {
            let activite = lire_horodatage(derniere.as_deref().unwrap_or(&cree_le))?;
            let prevenu = prevenu.as_deref().map(lire_horodatage).transpose()?;
            match sort_dormant(activite, prevenu, duree, maintenant) {
                SortDormant::Rien => {}
                SortDormant::Prevenir => {
                    let mut ecr = self.ecriture(acteur).await?;
                    sqlx::query("UPDATE utilisateurs SET dormant_prevenu_le = $1 WHERE id = $2")
                        .bind(horodatage(maintenant))
                        .bind(&id)
                        .execute(ecr.conn())
                        .await?;
                    let echeance = (maintenant
                        + reperes_domain::donnees_personnelles::PREAVIS_DORMANT)
                        .format("%d/%m/%Y");
                    inserer(
                        ecr.conn(),
                        &NouveauCourriel {
                            destinataire: email,
                            sujet: "Repères : votre compte sera bientôt supprimé".into(),
                            corps: format!(
                                "Bonjour {nom},\n\nVous ne vous êtes pas connecté ou connectée à Repères depuis longtemps. \
                                 Sans connexion d'ici le {echeance}, votre compte sera supprimé : votre adresse et votre nom \
                                 seront effacés ; les dossiers de vos organisations leur restent.\n\n\
                                 Pour garder votre compte, connectez-vous simplement :\n{url_publique}/connexion\n"
                            ),
                        },
                    )
                    .await?;
                    ecr.journal("prevenir_compte_dormant")
                        .objet("utilisateur", &id)
                        .apres(&horodatage(maintenant))
                        .ecrire()
                        .await?;
                    ecr.valider().await?;
                    bilan.prevenus += 1;
                }
                SortDormant::Pseudonymiser => {
                    let motif = format!(
                        "compte sans connexion depuis plus de {} jours",
                        duree.num_days()
                    );
                    match self
                        .effacer_compte(
                            acteur,
                            &id,
                            maintenant,
                            "pseudonymiser_compte_dormant",
                            Some(&motif),
                        )
                        .await
                    {
                        Ok(_) => bilan.pseudonymises += 1,
                        Err(ErreurStore::Conflit(_)) => bilan.gardes += 1,
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Ok(bilan)
    }
}

impl Store {
    /// Note au journal d'audit l'export de ses données par le titulaire du compte `id`.
    pub async fn noter_export_donnees(&self, acteur: &Acteur, id: &str) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        ecr.journal("exporter_donnees_personnelles")
            .objet("utilisateur", id)
            .ecrire()
            .await?;
        ecr.valider().await
    }
}
