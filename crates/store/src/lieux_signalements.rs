//! Signalements et propositions du public (issue 16, migration `0026_signalements_lieux.sql`).
//!
//! Un signalement (erreur sur un lieu) ou une proposition (lieu manquant) est déposé sans compte ;
//! la modération l'accepte ou le refuse. Une acceptation écrit une version du lieu
//! ([`ecrire_version`], origine `Signalement` ou `Proposition`, détail : l'identifiant du
//! signalement) ou ferme le lieu (`lieux.masque = 'ferme'`, une version d'historique le dit), dans
//! la même écriture que la décision, le courriel à la personne (si elle a laissé une adresse) et
//! l'effacement de cette adresse. Rien n'est écrit à moitié.

use chrono::Utc;
use reperes_domain::lieux::versions::{Changement, Origine};
use reperes_domain::lieux::Enregistrement;
use serde::Serialize;

use crate::courriels::{inserer, NouveauCourriel};
use crate::lieux_versions::{
    ecrire_version, lire_lieu, version_sans_changement, ModificationLieu, ResultatModification,
};
use crate::{horodatage, Acteur, ErreurStore, Store};

/// Source des lieux créés par une proposition acceptée.
pub const SOURCE_PROPOSITIONS: &str = "propositions";

/// Un signalement (ou une proposition) tel qu'il est en base.
#[derive(Debug, Clone, PartialEq)]
pub struct Signalement {
    pub id: String,
    /// `signalement` ou `proposition`.
    pub nature: String,
    pub source: Option<String>,
    pub lieu_id: Option<String>,
    /// Code du motif (référentiel `signalements-lieux`) ; `None` pour une proposition.
    pub motif: Option<String>,
    pub commentaire: String,
    pub valeur_proposee: Option<String>,
    /// Le lieu proposé (proposition).
    pub proposition: Option<Enregistrement>,
    /// Adresse pour être prévenu, tant que la personne ne l'a pas été.
    pub email: Option<String>,
    /// `en_attente`, `accepte`, `refuse`.
    pub statut: String,
    pub cree_le: String,
    pub decide_par: Option<String>,
    pub decide_le: Option<String>,
    pub motif_refus: Option<String>,
    /// Version du lieu écrite par l'acceptation.
    pub version: Option<i64>,
    /// Organisation qui tient le lieu signalé (revendication acceptée), s'il y en a une.
    pub organisation_id: Option<String>,
}

impl Signalement {
    pub fn est_proposition(&self) -> bool {
        self.nature == "proposition"
    }
    pub fn en_attente(&self) -> bool {
        self.statut == "en_attente"
    }
}

/// Un signalement ou une proposition à déposer.
#[derive(Debug, Clone)]
pub enum Depot<'a> {
    Signalement {
        source: &'a str,
        lieu_id: &'a str,
        motif: &'a str,
        commentaire: &'a str,
        valeur_proposee: Option<&'a str>,
        email: Option<&'a str>,
    },
    Proposition {
        lieu: &'a Enregistrement,
        commentaire: &'a str,
        email: Option<&'a str>,
    },
}

/// Ce que fait une acceptation.
#[derive(Debug, Clone)]
pub enum Acceptation {
    /// Corriger le lieu : son nouvel état complet (déjà validé), à partir de la version lue.
    Corriger {
        version_lue: i64,
        nouveau: Enregistrement,
        organisation_id: Option<String>,
    },
    /// Fermer le lieu définitivement (hors recherche et données ouvertes).
    Fermer { version_lue: i64 },
    /// Créer le lieu proposé (déjà validé) dans la source [`SOURCE_PROPOSITIONS`].
    Creer { lieu: Enregistrement },
}

type Ligne = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

const SELECT: &str = "SELECT s.id, s.nature, s.source, s.lieu_id, s.motif, s.commentaire, s.valeur_proposee, \
     s.proposition, s.email, s.statut, s.cree_le, s.decide_par, s.decide_le, s.motif_refus, s.version, \
     t.organisation_id FROM lieux_signalements s \
     LEFT JOIN lieux_structures t ON t.source = s.source AND t.lieu_id = s.lieu_id AND t.statut = 'acceptee'";

fn depuis_ligne(l: Ligne) -> Result<Signalement, ErreurStore> {
    let (
        id,
        nature,
        source,
        lieu_id,
        motif,
        commentaire,
        valeur_proposee,
        proposition,
        email,
        statut,
        cree_le,
        decide_par,
        decide_le,
        motif_refus,
        version,
        organisation_id,
    ) = l;
    Ok(Signalement {
        id,
        nature,
        source,
        lieu_id,
        motif,
        commentaire,
        valeur_proposee,
        proposition: proposition
            .as_deref()
            .map(serde_json::from_str)
            .transpose()?,
        email,
        statut,
        cree_le,
        decide_par,
        decide_le,
        motif_refus,
        version,
        organisation_id,
    })
}

/// Journal d'une décision.
#[derive(Serialize)]
struct JournalDecision<'a> {
    lieu: Option<String>,
    version: Option<i64>,
    fermeture: bool,
    changements: &'a [Changement],
    prevenu: bool,
}

impl Store {
    /// Dépose un signalement ou une proposition (en attente), journalisé (`signaler_lieu`,
    /// `proposer_lieu`) sans l'adresse ni le commentaire de la personne. Rend son identifiant.
    /// Un signalement d'un lieu inconnu ou fermé est refusé ([`ErreurStore::Introuvable`]).
    pub async fn deposer_signalement(
        &self,
        acteur: &Acteur,
        depot: Depot<'_>,
    ) -> Result<String, ErreurStore> {
        let id = uuid::Uuid::now_v7().to_string();
        let maintenant = horodatage(Utc::now());
        let mut ecr = self.ecriture(acteur).await?;
        let (action, journal) = match &depot {
            Depot::Signalement {
                source,
                lieu_id,
                motif,
                commentaire,
                valeur_proposee,
                email,
            } => {
                match lire_lieu(ecr.conn(), source, lieu_id).await? {
                    Some(l) if l.masque.is_none() => {}
                    _ => {
                        ecr.abandonner().await?;
                        return Err(ErreurStore::Introuvable(format!("{source}/{lieu_id}")));
                    }
                }
                sqlx::query(
                    "INSERT INTO lieux_signalements (id, nature, source, lieu_id, motif, commentaire, valeur_proposee, email, statut, cree_le) \
                     VALUES ($1, 'signalement', $2, $3, $4, $5, $6, $7, 'en_attente', $8)",
                )
                .bind(&id)
                .bind(*source)
                .bind(*lieu_id)
                .bind(*motif)
                .bind(*commentaire)
                .bind(*valeur_proposee)
                .bind(*email)
                .bind(&maintenant)
                .execute(ecr.conn())
                .await?;
                (
                    "signaler_lieu",
                    serde_json::json!({ "lieu": format!("{source}/{lieu_id}"), "motif": motif }),
                )
            }
            Depot::Proposition {
                lieu,
                commentaire,
                email,
            } => {
                sqlx::query(
                    "INSERT INTO lieux_signalements (id, nature, commentaire, proposition, email, statut, cree_le) \
                     VALUES ($1, 'proposition', $2, $3, $4, 'en_attente', $5)",
                )
                .bind(&id)
                .bind(*commentaire)
                .bind(serde_json::to_string(lieu)?)
                .bind(*email)
                .bind(&maintenant)
                .execute(ecr.conn())
                .await?;
                (
                    "proposer_lieu",
                    serde_json::json!({ "nom": reperes_domain::lieux::valeur(lieu, "nom") }),
                )
            }
        };
        ecr.journal(action)
            .objet("lieu_signalement", &id)
            .apres(&journal)
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(id)
    }

    /// Un signalement ou une proposition.
    pub async fn signalement(&self, id: &str) -> Result<Option<Signalement>, ErreurStore> {
        let l: Option<Ligne> = sqlx::query_as(&format!("{SELECT} WHERE s.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        l.map(depuis_ligne).transpose()
    }

    /// Les signalements et propositions en attente, du plus ancien au plus récent (la page de la
    /// file choisit ce que chacun voit).
    pub async fn signalements_en_attente(&self) -> Result<Vec<Signalement>, ErreurStore> {
        let v: Vec<Ligne> = sqlx::query_as(&format!(
            "{SELECT} WHERE s.statut = 'en_attente' ORDER BY s.cree_le, s.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        v.into_iter().map(depuis_ligne).collect()
    }

    /// Accepte un signalement ou une proposition en attente : nouvelle version du lieu (ou
    /// fermeture, ou création), décision, courriel à la personne s'il y en a un (et son adresse
    /// effacée), journal `accepter_signalement_lieu` — d'un seul geste. Rend le résultat de
    /// l'écriture du lieu ; rien n'est écrit s'il n'est pas `Enregistree` (version dépassée,
    /// rien à changer). Déjà décidé : [`ErreurStore::Conflit`].
    pub async fn accepter_signalement(
        &self,
        acteur: &Acteur,
        id: &str,
        acceptation: Acceptation,
        courriel: Option<NouveauCourriel>,
    ) -> Result<ResultatModification, ErreurStore> {
        let Some(s) = self.signalement(id).await? else {
            return Err(ErreurStore::Introuvable(id.to_string()));
        };
        let mut ecr = self.ecriture(acteur).await?;
        if !statut_en_attente(ecr.conn(), id).await? {
            ecr.abandonner().await?;
            return Err(ErreurStore::Conflit(
                "ce signalement a déjà été traité".into(),
            ));
        }
        let fermeture = matches!(acceptation, Acceptation::Fermer { .. });
        let (source, lieu_id) = match (&acceptation, &s.source, &s.lieu_id) {
            (Acceptation::Creer { .. }, _, _) => (SOURCE_PROPOSITIONS.to_string(), s.id.clone()),
            (_, Some(so), Some(l)) => (so.clone(), l.clone()),
            _ => {
                ecr.abandonner().await?;
                return Err(ErreurStore::Conflit(
                    "cette décision ne convient pas à une proposition".into(),
                ));
            }
        };
        let r = match acceptation {
            Acceptation::Corriger {
                version_lue,
                nouveau,
                organisation_id,
            } => {
                ecrire_version(
                    ecr.conn(),
                    acteur,
                    ModificationLieu {
                        source: &source,
                        id: &lieu_id,
                        version_lue,
                        nouveau,
                        origine: Origine::Signalement,
                        detail: Some(s.id.clone()),
                        organisation_id,
                    },
                )
                .await?
            }
            Acceptation::Creer { lieu } => {
                ecrire_version(
                    ecr.conn(),
                    acteur,
                    ModificationLieu {
                        source: &source,
                        id: &lieu_id,
                        version_lue: 0,
                        nouveau: lieu,
                        origine: Origine::Proposition,
                        detail: Some(s.id.clone()),
                        organisation_id: None,
                    },
                )
                .await?
            }
            Acceptation::Fermer { version_lue } => {
                fermer(ecr.conn(), acteur, &source, &lieu_id, version_lue, &s.id).await?
            }
        };
        let ResultatModification::Enregistree {
            version,
            changements,
        } = &r
        else {
            ecr.abandonner().await?;
            return Ok(r);
        };
        decider(
            ecr.conn(),
            acteur,
            id,
            "accepte",
            None,
            Some(*version),
            courriel.as_ref(),
        )
        .await?;
        ecr.journal("accepter_signalement_lieu")
            .objet("lieu_signalement", id)
            .apres(&JournalDecision {
                lieu: Some(format!("{source}/{lieu_id}")),
                version: Some(*version),
                fermeture,
                changements,
                prevenu: courriel.is_some(),
            })
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(r)
    }

    /// Refuse un signalement ou une proposition en attente avec un motif : décision, courriel à la
    /// personne (adresse effacée), journal `refuser_signalement_lieu`. Déjà décidé :
    /// [`ErreurStore::Conflit`].
    pub async fn refuser_signalement(
        &self,
        acteur: &Acteur,
        id: &str,
        motif: &str,
        courriel: Option<NouveauCourriel>,
    ) -> Result<(), ErreurStore> {
        let Some(s) = self.signalement(id).await? else {
            return Err(ErreurStore::Introuvable(id.to_string()));
        };
        let mut ecr = self.ecriture(acteur).await?;
        if !statut_en_attente(ecr.conn(), id).await? {
            ecr.abandonner().await?;
            return Err(ErreurStore::Conflit(
                "ce signalement a déjà été traité".into(),
            ));
        }
        decider(
            ecr.conn(),
            acteur,
            id,
            "refuse",
            Some(motif),
            None,
            courriel.as_ref(),
        )
        .await?;
        ecr.journal("refuser_signalement_lieu")
            .objet("lieu_signalement", id)
            .apres(&JournalDecision {
                lieu: s
                    .source
                    .as_ref()
                    .zip(s.lieu_id.as_ref())
                    .map(|(a, b)| format!("{a}/{b}")),
                version: None,
                fermeture: false,
                changements: &[],
                prevenu: courriel.is_some(),
            })
            .motif(motif)
            .ecrire()
            .await?;
        ecr.valider().await
    }
}

async fn statut_en_attente(conn: &mut sqlx::AnyConnection, id: &str) -> Result<bool, ErreurStore> {
    let l: Option<(String,)> =
        sqlx::query_as("SELECT statut FROM lieux_signalements WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(l.is_some_and(|(s,)| s == "en_attente"))
}

/// Écrit la décision, met le courriel en file et efface l'adresse de la personne.
async fn decider(
    conn: &mut sqlx::AnyConnection,
    acteur: &Acteur,
    id: &str,
    statut: &str,
    motif: Option<&str>,
    version: Option<i64>,
    courriel: Option<&NouveauCourriel>,
) -> Result<(), ErreurStore> {
    sqlx::query(
        "UPDATE lieux_signalements SET statut = $1, decide_par = $2, decide_le = $3, motif_refus = $4, \
         version = $5, email = NULL WHERE id = $6 AND statut = 'en_attente'",
    )
    .bind(statut)
    .bind(acteur.journal())
    .bind(horodatage(Utc::now()))
    .bind(motif)
    .bind(version)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if let Some(c) = courriel {
        inserer(conn, c).await?;
    }
    Ok(())
}

/// Ferme un lieu (verrou optimiste) : `masque = 'ferme'`, version suivante, une ligne
/// d'historique (origine signalement, détail « signalement … : fermé définitivement »), sans
/// champ changé.
async fn fermer(
    conn: &mut sqlx::AnyConnection,
    acteur: &Acteur,
    source: &str,
    id: &str,
    version_lue: i64,
    signalement: &str,
) -> Result<ResultatModification, ErreurStore> {
    let courant = lire_lieu(conn, source, id).await?;
    let courante = courant.as_ref().map_or(0, |c| c.version);
    match courant {
        Some(c) if c.version == version_lue && c.masque.is_none() => {}
        Some(c) if c.masque.is_some() => return Ok(ResultatModification::RienAChanger),
        _ => return Ok(ResultatModification::VersionDepassee { courante }),
    }
    let detail = format!("{signalement} : fermé définitivement");
    let Some(version) = version_sans_changement(
        conn,
        acteur,
        (source, id),
        courante,
        Origine::Signalement,
        &detail,
        Some("ferme"),
        None,
    )
    .await?
    else {
        return Ok(ResultatModification::VersionDepassee { courante });
    };
    crate::lieux_compteur::incrementer_version(conn, 0, None).await?;
    Ok(ResultatModification::Enregistree {
        version,
        changements: Vec::new(),
    })
}
