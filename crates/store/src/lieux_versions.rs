//! Lieux vivants (issue 16) : versions d'un lieu, verrou optimiste, champs tenus dans Repères,
//! structure qui tient le lieu.
//!
//! Toute modification d'un lieu hors import passe par [`Store::modifier_lieu`] (ou, dans une
//! écriture déjà ouverte, par [`ecrire_version`]) : le lieu n'est changé que si sa version est
//! celle que l'auteur a lue ; les champs changés sont écrits à l'historique (avant, après) et, sauf
//! pour un import, marqués « tenus dans Repères » (`lieux_champs_locaux`) ; `date_maj` et `source`
//! suivent ([`versions::dater`]).

use chrono::Utc;
use reperes_domain::lieux::versions::{self, Changement, Origine};
use reperes_domain::lieux::{valeur as champ, Enregistrement};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::{horodatage, Acteur, ErreurStore, Store};

/// Un lieu tel qu'il est en base, avec sa version.
#[derive(Debug, Clone, PartialEq)]
pub struct LieuCourant {
    pub source: String,
    pub id: String,
    pub donnees: Enregistrement,
    pub importe_le: String,
    pub version: i64,
    /// `None` : publié ; `Some("ferme")`, `Some("fusionne")` : hors recherche et données ouvertes.
    pub masque: Option<String>,
}

/// Une version de l'historique d'un lieu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionLieu {
    pub version: i64,
    pub cree_le: String,
    pub origine: Origine,
    /// Source importée, signalement accepté, version restaurée, lieu fusionné…
    pub origine_detail: Option<String>,
    /// L'acteur tel qu'écrit au journal (`administrateur:…`, `demandeur:…`, `systeme:cli`).
    pub auteur: String,
    pub organisation_id: Option<String>,
    pub creation: bool,
    pub changements: Vec<Changement>,
}

/// La structure qui tient un lieu (revendication acceptée).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StructureLieu {
    pub organisation_id: String,
    pub nom: String,
    /// Date de l'acceptation.
    pub depuis: String,
    pub automatique: bool,
}

/// Une modification demandée.
#[derive(Debug, Clone)]
pub struct ModificationLieu<'a> {
    pub source: &'a str,
    pub id: &'a str,
    /// Version lue par l'auteur (0 : le lieu est à créer).
    pub version_lue: i64,
    /// Le lieu complet, déjà validé contre le schéma.
    pub nouveau: Enregistrement,
    pub origine: Origine,
    pub detail: Option<String>,
    /// Organisation au nom de laquelle l'auteur agit (la structure qui tient le lieu).
    pub organisation_id: Option<String>,
}

/// Issue d'une modification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultatModification {
    /// Nouvelle version écrite.
    Enregistree {
        version: i64,
        changements: Vec<Changement>,
    },
    /// Aucun champ ne change : rien n'est écrit.
    RienAChanger,
    /// Le lieu a changé depuis la lecture (ou n'existe pas, ou existe déjà pour une création) :
    /// rien n'est écrit ; `courante` est sa version actuelle (0 : absent).
    VersionDepassee { courante: i64 },
}

type LigneLieu = (String, String, String, i64, Option<String>);

fn lieu_courant(source: &str, id: &str, l: LigneLieu) -> Result<LieuCourant, ErreurStore> {
    let (_, donnees, importe_le, version, masque) = l;
    Ok(LieuCourant {
        source: source.to_string(),
        id: id.to_string(),
        donnees: serde_json::from_str(&donnees)?,
        importe_le,
        version,
        masque,
    })
}

const SELECT_LIEU: &str =
    "SELECT id, donnees, importe_le, version, masque FROM lieux WHERE source = $1 AND id = $2";

/// Lit un lieu dans une écriture ouverte.
pub(crate) async fn lire_lieu(
    conn: &mut AnyConnection,
    source: &str,
    id: &str,
) -> Result<Option<LieuCourant>, ErreurStore> {
    let l: Option<LigneLieu> = sqlx::query_as(SELECT_LIEU)
        .bind(source)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    l.map(|l| lieu_courant(source, id, l)).transpose()
}

/// Écrit une version dans une écriture ouverte (l'appelant journalise et valide). Voir
/// [`Store::modifier_lieu`].
pub(crate) async fn ecrire_version(
    conn: &mut AnyConnection,
    acteur: &Acteur,
    m: ModificationLieu<'_>,
) -> Result<ResultatModification, ErreurStore> {
    let courant = lire_lieu(conn, m.source, m.id).await?;
    let courante = courant.as_ref().map_or(0, |c| c.version);
    if courante != m.version_lue {
        return Ok(ResultatModification::VersionDepassee { courante });
    }
    let avant = courant.map(|c| c.donnees).unwrap_or_default();
    let structure = match &m.organisation_id {
        Some(o) => {
            let n: Option<(String,)> =
                sqlx::query_as("SELECT nom FROM organisations WHERE id = $1")
                    .bind(o)
                    .fetch_optional(&mut *conn)
                    .await?;
            n.map(|(n,)| n)
        }
        None => None,
    };
    let mut nouveau = m.nouveau;
    versions::poser(&mut nouveau, "id", Some(m.id));
    let nouveau = versions::dater(
        &avant,
        nouveau,
        m.origine,
        Utc::now().date_naive(),
        structure.as_deref(),
    );
    let changements = versions::differences(&avant, &nouveau);
    if changements.is_empty() {
        return Ok(ResultatModification::RienAChanger);
    }
    let maintenant = horodatage(Utc::now());
    let version = courante + 1;
    let donnees = serde_json::to_string(&nouveau)?;
    let c = |n: &str| champ(&nouveau, n);
    if courante == 0 {
        sqlx::query(
            "INSERT INTO lieux (source, id, nom, commune, code_postal, latitude, longitude, date_maj, donnees, importe_le, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(m.source)
        .bind(m.id)
        .bind(c("nom").unwrap_or_default())
        .bind(c("commune").unwrap_or_default())
        .bind(c("code_postal").unwrap_or_default())
        .bind(c("latitude"))
        .bind(c("longitude"))
        .bind(c("date_maj").unwrap_or_default())
        .bind(&donnees)
        .bind(&maintenant)
        .bind(version)
        .execute(&mut *conn)
        .await?;
    } else {
        let n = sqlx::query(
            "UPDATE lieux SET nom = $1, commune = $2, code_postal = $3, latitude = $4, longitude = $5, \
             date_maj = $6, donnees = $7, version = $8 WHERE source = $9 AND id = $10 AND version = $11",
        )
        .bind(c("nom").unwrap_or_default())
        .bind(c("commune").unwrap_or_default())
        .bind(c("code_postal").unwrap_or_default())
        .bind(c("latitude"))
        .bind(c("longitude"))
        .bind(c("date_maj").unwrap_or_default())
        .bind(&donnees)
        .bind(version)
        .bind(m.source)
        .bind(m.id)
        .bind(courante)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(ResultatModification::VersionDepassee { courante });
        }
    }
    sqlx::query(
        "INSERT INTO lieux_historique (source, lieu_id, version, cree_le, origine, origine_detail, auteur, organisation_id, creation, changements) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(m.source)
    .bind(m.id)
    .bind(version)
    .bind(&maintenant)
    .bind(m.origine.code())
    .bind(m.detail.as_deref())
    .bind(acteur.journal())
    .bind(m.organisation_id.as_deref())
    .bind(i64::from(courante == 0))
    .bind(serde_json::to_string(if courante == 0 { &[][..] } else { &changements[..] })?)
    .execute(&mut *conn)
    .await?;
    if m.origine.locale() {
        for ch in &changements {
            if versions::CHAMPS_DERIVES.contains(&ch.champ.as_str()) {
                continue;
            }
            sqlx::query(
                "INSERT INTO lieux_champs_locaux (source, lieu_id, champ, valeur, modifie_le, version) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, lieu_id, champ) DO UPDATE SET \
                 valeur = excluded.valeur, modifie_le = excluded.modifie_le, version = excluded.version",
            )
            .bind(m.source)
            .bind(m.id)
            .bind(&ch.champ)
            .bind(ch.apres.as_deref())
            .bind(&maintenant)
            .bind(version)
            .execute(&mut *conn)
            .await?;
        }
    }
    crate::lieux_compteur::incrementer_version(conn, i64::from(courante == 0), None).await?;
    Ok(ResultatModification::Enregistree {
        version,
        changements,
    })
}

/// Une version sans champ changé — fusion qui ne change rien au lieu gardé, lieu masqué (fusionné,
/// fermé), valeur de la structure gardée dans un conflit : version suivante (verrou optimiste),
/// `masque` posé s'il est donné, une ligne d'historique qui dit pourquoi (`detail`). `None` si la
/// version lue n'est plus la courante. La version de la table des lieux est à incrémenter par
/// l'appelant.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn version_sans_changement(
    conn: &mut AnyConnection,
    acteur: &Acteur,
    (source, id): (&str, &str),
    version_lue: i64,
    origine: Origine,
    detail: &str,
    masque: Option<&str>,
    organisation_id: Option<&str>,
) -> Result<Option<i64>, ErreurStore> {
    let version = version_lue + 1;
    let n = sqlx::query(
        "UPDATE lieux SET version = $1, masque = COALESCE($2, masque) \
         WHERE source = $3 AND id = $4 AND version = $5",
    )
    .bind(version)
    .bind(masque)
    .bind(source)
    .bind(id)
    .bind(version_lue)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n != 1 {
        return Ok(None);
    }
    sqlx::query(
        "INSERT INTO lieux_historique (source, lieu_id, version, cree_le, origine, origine_detail, auteur, organisation_id, creation, changements) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, '[]')",
    )
    .bind(source)
    .bind(id)
    .bind(version)
    .bind(horodatage(Utc::now()))
    .bind(origine.code())
    .bind(detail)
    .bind(acteur.journal())
    .bind(organisation_id)
    .execute(&mut *conn)
    .await?;
    Ok(Some(version))
}

/// Entrée du journal d'une version.
#[derive(Serialize)]
struct JournalVersion<'a> {
    version: i64,
    origine: &'static str,
    detail: Option<&'a str>,
    changements: &'a [Changement],
}

impl Store {
    /// Un lieu avec sa version (masqué ou non).
    pub async fn lieu_courant(
        &self,
        source: &str,
        id: &str,
    ) -> Result<Option<LieuCourant>, ErreurStore> {
        let l: Option<LigneLieu> = sqlx::query_as(SELECT_LIEU)
            .bind(source)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        l.map(|l| lieu_courant(source, id, l)).transpose()
    }

    /// Modifie (ou crée, `version_lue` = 0) un lieu déjà validé : nouvelle version si la version
    /// lue est la courante et qu'un champ change, historique, champs tenus dans Repères, journal
    /// (`modifier_lieu` ou `creer_lieu`). Rien n'est écrit sinon.
    pub async fn modifier_lieu(
        &self,
        acteur: &Acteur,
        m: ModificationLieu<'_>,
    ) -> Result<ResultatModification, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let cle = format!("{}/{}", m.source, m.id);
        let (origine, detail) = (m.origine, m.detail.clone());
        let creation = m.version_lue == 0;
        let r = ecrire_version(ecr.conn(), acteur, m).await?;
        let ResultatModification::Enregistree {
            version,
            changements,
        } = &r
        else {
            ecr.abandonner().await?;
            return Ok(r);
        };
        ecr.journal(if creation {
            "creer_lieu"
        } else {
            "modifier_lieu"
        })
        .objet("lieu", &cle)
        .apres(&JournalVersion {
            version: *version,
            origine: origine.code(),
            detail: detail.as_deref(),
            changements,
        })
        .ecrire()
        .await?;
        ecr.valider().await?;
        Ok(r)
    }

    /// Historique d'un lieu, de la version la plus récente à la plus ancienne.
    pub async fn historique_lieu(
        &self,
        source: &str,
        id: &str,
    ) -> Result<Vec<VersionLieu>, ErreurStore> {
        type Ligne = (
            i64,
            String,
            String,
            Option<String>,
            String,
            Option<String>,
            i64,
            String,
        );
        let v: Vec<Ligne> = sqlx::query_as(
            "SELECT version, cree_le, origine, origine_detail, auteur, organisation_id, creation, changements \
             FROM lieux_historique WHERE source = $1 AND lieu_id = $2 ORDER BY version DESC",
        )
        .bind(source)
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        v.into_iter()
            .map(
                |(
                    version,
                    cree_le,
                    origine,
                    origine_detail,
                    auteur,
                    organisation_id,
                    creation,
                    ch,
                )| {
                    Ok(VersionLieu {
                        version,
                        cree_le,
                        origine: Origine::depuis_code(&origine).ok_or_else(|| {
                            ErreurStore::Corrompue(format!(
                                "origine de version inconnue : {origine}"
                            ))
                        })?,
                        origine_detail,
                        auteur,
                        organisation_id,
                        creation: creation != 0,
                        changements: serde_json::from_str(&ch)?,
                    })
                },
            )
            .collect()
    }

    /// L'état d'un lieu à une version passée : l'état courant, dont on défait les versions
    /// suivantes. `None` si le lieu ou la version n'existe pas dans l'historique (un lieu importé
    /// avant l'issue 16 n'a d'historique qu'à partir de son premier changement).
    pub async fn lieu_a_la_version(
        &self,
        source: &str,
        id: &str,
        version: i64,
    ) -> Result<Option<Enregistrement>, ErreurStore> {
        let Some(courant) = self.lieu_courant(source, id).await? else {
            return Ok(None);
        };
        let historique = self.historique_lieu(source, id).await?;
        if version > courant.version || !historique.iter().any(|v| v.version == version) {
            return Ok(None);
        }
        let mut etat = courant.donnees;
        for v in historique.iter().filter(|v| v.version > version) {
            etat = versions::revenir(&etat, &v.changements);
        }
        Ok(Some(etat))
    }

    /// La structure qui tient un lieu, s'il en a une.
    pub async fn structure_du_lieu(
        &self,
        source: &str,
        id: &str,
    ) -> Result<Option<StructureLieu>, ErreurStore> {
        let l: Option<(String, String, Option<String>, i64)> = sqlx::query_as(
            "SELECT s.organisation_id, o.nom, s.decide_le, s.automatique FROM lieux_structures s \
             JOIN organisations o ON o.id = s.organisation_id \
             WHERE s.source = $1 AND s.lieu_id = $2 AND s.statut = 'acceptee'",
        )
        .bind(source)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(l.map(
            |(organisation_id, nom, depuis, automatique)| StructureLieu {
                organisation_id,
                nom,
                depuis: depuis.unwrap_or_default(),
                automatique: automatique != 0,
            },
        ))
    }

    /// Confie un lieu à une organisation (revendication acceptée d'emblée : pivot égal au SIRET de
    /// l'organisation, ou décision d'un administrateur), journalisé. Refusé
    /// ([`ErreurStore::Conflit`]) si une autre organisation le tient déjà.
    pub async fn attribuer_lieu(
        &self,
        acteur: &Acteur,
        source: &str,
        id: &str,
        organisation_id: &str,
        automatique: bool,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let tenu: Option<(String,)> = sqlx::query_as(
            "SELECT organisation_id FROM lieux_structures WHERE source = $1 AND lieu_id = $2 AND statut = 'acceptee'",
        )
        .bind(source)
        .bind(id)
        .fetch_optional(ecr.conn())
        .await?;
        match tenu {
            Some((o,)) if o == organisation_id => {
                ecr.abandonner().await?;
                return Ok(());
            }
            Some(_) => {
                ecr.abandonner().await?;
                return Err(ErreurStore::Conflit(
                    "ce lieu est déjà tenu par une autre structure".into(),
                ));
            }
            None => {}
        }
        let maintenant = horodatage(Utc::now());
        sqlx::query(
            "INSERT INTO lieux_structures (source, lieu_id, organisation_id, statut, automatique, demande_par, demande_le, decide_par, decide_le) \
             VALUES ($1, $2, $3, 'acceptee', $4, $5, $6, $5, $6) \
             ON CONFLICT (source, lieu_id, organisation_id) DO UPDATE SET statut = 'acceptee', \
             automatique = excluded.automatique, decide_par = excluded.decide_par, decide_le = excluded.decide_le",
        )
        .bind(source)
        .bind(id)
        .bind(organisation_id)
        .bind(i64::from(automatique))
        .bind(acteur.journal())
        .bind(&maintenant)
        .execute(ecr.conn())
        .await?;
        crate::lieux_compteur::incrementer_version(ecr.conn(), 0, None).await?;
        ecr.journal("attribuer_lieu")
            .objet("lieu", &format!("{source}/{id}"))
            .apres(
                &serde_json::json!({ "organisation": organisation_id, "automatique": automatique }),
            )
            .ecrire()
            .await?;
        ecr.valider().await
    }
}
