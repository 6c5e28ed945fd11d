//! Doublons fusionnés (issue 16) : deux fiches d'un même lieu deviennent une seule.
//!
//! [`Store::fusionner_lieux`] écrit, dans une seule écriture : une version du lieu gardé (origine
//! `fusion`, champs choisis tenus dans Repères), le lieu absorbé masqué (`masque = 'fusionne'`)
//! avec une version d'historique qui le dit, et un alias (`lieux_alias`) qui mène de l'absorbé
//! au gardé. Un réimport de la source du lieu absorbé met sa ligne masquée à jour (comme
//! avant) ; [`propager_fusions`], appelée par l'import dans sa transaction, reporte sur le lieu
//! gardé les champs qui ont changé, sauf ceux tenus dans Repères et ceux choisis à la fusion.

use chrono::Utc;
use reperes_domain::lieux::versions::{self, Changement, Origine};
use reperes_domain::lieux::{valeur as champ, Enregistrement};
use serde::Serialize;

use crate::ecriture::Ecriture;
use crate::lieux_versions::{ecrire_version, lire_lieu, version_sans_changement};
use crate::{horodatage, Acteur, ErreurStore, ModificationLieu, ResultatModification, Store};

/// Une fusion demandée : le lieu gardé, le lieu absorbé (chacun avec la version lue), et le lieu
/// gardé tel qu'il doit devenir (déjà validé contre le schéma).
#[derive(Debug, Clone)]
pub struct FusionLieux<'a> {
    pub garde: (&'a str, &'a str),
    pub version_garde: i64,
    pub absorbe: (&'a str, &'a str),
    pub version_absorbe: i64,
    pub nouveau: Enregistrement,
    /// Les champs qui différaient et dont la valeur a été choisie (gardée ou reprise de l'autre
    /// fiche) : un réimport de la source absorbée ne les change plus.
    pub champs_choisis: Vec<String>,
}

/// Issue d'une fusion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultatFusion {
    /// Fusion faite : `version` est la nouvelle version du lieu gardé.
    Fusionnee {
        version: i64,
        changements: Vec<Changement>,
    },
    /// L'un des deux lieux a changé depuis la lecture : rien n'est écrit.
    VersionDepassee,
}

/// Un alias : un lieu absorbé et le lieu qui le porte désormais.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AliasLieu {
    pub source: String,
    pub id: String,
    pub garde_source: String,
    pub garde_id: String,
    pub fusionne_par: String,
    pub fusionne_le: String,
    pub champs_choisis: Vec<String>,
}

fn cle(l: (&str, &str)) -> String {
    format!("{}/{}", l.0, l.1)
}

#[derive(Serialize)]
struct JournalFusion<'a> {
    absorbe: String,
    version: i64,
    version_absorbe: i64,
    changements: &'a [Changement],
    champs_choisis: &'a [String],
}

impl Store {
    /// Fusionne deux fiches d'un même lieu (voir le module). Refusé ([`ErreurStore::Conflit`])
    /// si les deux clés sont la même ou si l'un des lieux est déjà masqué (fusionné, fermé) ;
    /// [`ResultatFusion::VersionDepassee`] si l'un a changé depuis la lecture. Tout ou rien,
    /// journalisé (`fusionner_lieux`, objet : le lieu gardé).
    pub async fn fusionner_lieux(
        &self,
        acteur: &Acteur,
        f: FusionLieux<'_>,
    ) -> Result<ResultatFusion, ErreurStore> {
        if f.garde == f.absorbe {
            return Err(ErreurStore::Conflit(
                "un lieu ne peut pas être fusionné avec lui-même".into(),
            ));
        }
        let mut ecr = self.ecriture(acteur).await?;
        let (cle_garde, cle_absorbe) = (cle(f.garde), cle(f.absorbe));
        let mut lus = Vec::new();
        for (l, v) in [(f.garde, f.version_garde), (f.absorbe, f.version_absorbe)] {
            let Some(courant) = lire_lieu(ecr.conn(), l.0, l.1).await? else {
                ecr.abandonner().await?;
                return Err(ErreurStore::Introuvable(format!("lieu {}", cle(l))));
            };
            if courant.masque.is_some() {
                ecr.abandonner().await?;
                return Err(ErreurStore::Conflit(format!(
                    "le lieu {} est déjà fusionné ou fermé",
                    cle(l)
                )));
            }
            if courant.version != v {
                ecr.abandonner().await?;
                return Ok(ResultatFusion::VersionDepassee);
            }
            lus.push(courant);
        }
        let absorbe = lus.pop().expect("deux lieux lus");
        let r = ecrire_version(
            ecr.conn(),
            acteur,
            ModificationLieu {
                source: f.garde.0,
                id: f.garde.1,
                version_lue: f.version_garde,
                nouveau: f.nouveau,
                origine: Origine::Fusion,
                detail: Some(cle_absorbe.clone()),
                organisation_id: None,
            },
        )
        .await?;
        let (version, changements) = match r {
            ResultatModification::Enregistree {
                version,
                changements,
            } => (version, changements),
            ResultatModification::RienAChanger => {
                match version_sans_changement(
                    ecr.conn(),
                    acteur,
                    f.garde,
                    f.version_garde,
                    Origine::Fusion,
                    &cle_absorbe,
                    None,
                    None,
                )
                .await?
                {
                    Some(v) => (v, Vec::new()),
                    None => {
                        ecr.abandonner().await?;
                        return Ok(ResultatFusion::VersionDepassee);
                    }
                }
            }
            ResultatModification::VersionDepassee { .. } => {
                ecr.abandonner().await?;
                return Ok(ResultatFusion::VersionDepassee);
            }
        };
        let Some(version_absorbe) = version_sans_changement(
            ecr.conn(),
            acteur,
            f.absorbe,
            f.version_absorbe,
            Origine::Fusion,
            &cle_garde,
            Some("fusionne"),
            None,
        )
        .await?
        else {
            ecr.abandonner().await?;
            return Ok(ResultatFusion::VersionDepassee);
        };
        let maintenant = horodatage(Utc::now());
        // Les lieux déjà absorbés par celui-ci suivent : leurs réimports iront au lieu gardé.
        sqlx::query(
            "UPDATE lieux_alias SET garde_source = $1, garde_id = $2 WHERE garde_source = $3 AND garde_id = $4",
        )
        .bind(f.garde.0)
        .bind(f.garde.1)
        .bind(f.absorbe.0)
        .bind(f.absorbe.1)
        .execute(ecr.conn())
        .await?;
        sqlx::query(
            "INSERT INTO lieux_alias (source, lieu_id, garde_source, garde_id, fusionne_par, fusionne_le, donnees_source, champs_choisis) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(f.absorbe.0)
        .bind(f.absorbe.1)
        .bind(f.garde.0)
        .bind(f.garde.1)
        .bind(acteur.journal())
        .bind(&maintenant)
        .bind(serde_json::to_string(&absorbe.donnees)?)
        .bind(serde_json::to_string(&f.champs_choisis)?)
        .execute(ecr.conn())
        .await?;
        crate::lieux_compteur::incrementer_version(ecr.conn(), 0, None).await?;
        ecr.journal("fusionner_lieux")
            .objet("lieu", &cle_garde)
            .apres(&JournalFusion {
                absorbe: cle_absorbe,
                version,
                version_absorbe,
                changements: &changements,
                champs_choisis: &f.champs_choisis,
            })
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(ResultatFusion::Fusionnee {
            version,
            changements,
        })
    }

    /// L'alias d'un lieu absorbé par une fusion (le lieu gardé), s'il y en a un.
    pub async fn alias_lieu(
        &self,
        source: &str,
        id: &str,
    ) -> Result<Option<AliasLieu>, ErreurStore> {
        type Ligne = (String, String, String, String, String);
        let l: Option<Ligne> = sqlx::query_as(
            "SELECT garde_source, garde_id, fusionne_par, fusionne_le, champs_choisis FROM lieux_alias \
             WHERE source = $1 AND lieu_id = $2",
        )
        .bind(source)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        l.map(
            |(garde_source, garde_id, fusionne_par, fusionne_le, choisis)| {
                Ok(AliasLieu {
                    source: source.to_string(),
                    id: id.to_string(),
                    garde_source,
                    garde_id,
                    fusionne_par,
                    fusionne_le,
                    champs_choisis: serde_json::from_str(&choisis)?,
                })
            },
        )
        .transpose()
    }

    /// Les lieux absorbés par un lieu gardé (clés `source/id`, triées).
    pub async fn lieux_absorbes(&self, source: &str, id: &str) -> Result<Vec<String>, ErreurStore> {
        let v: Vec<(String, String)> = sqlx::query_as(
            "SELECT source, lieu_id FROM lieux_alias WHERE garde_source = $1 AND garde_id = $2 \
             ORDER BY source, lieu_id",
        )
        .bind(source)
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(v.into_iter().map(|(s, i)| format!("{s}/{i}")).collect())
    }
}

#[derive(Serialize)]
struct JournalReport<'a> {
    absorbe: String,
    version: i64,
    changements: &'a [Changement],
}

/// Reporte sur les lieux gardés les champs changés par un import de `source` dans ses lieux
/// absorbés (lignes écrites par cet import : `importe_le`), dans la transaction de l'import.
/// Un champ tenu dans Repères sur le lieu gardé, ou choisi à la fusion, n'est pas reporté ;
/// `date_maj` suit quand un autre champ est reporté et qu'elle est plus récente. Chaque report
/// est une version du lieu gardé (origine `import`, détail : le lieu absorbé) et une entrée du
/// journal (`reporter_fusion`). Rend le nombre de lieux gardés changés.
pub(crate) async fn propager_fusions(
    ecr: &mut Ecriture<'_>,
    source: &str,
    importe_le: &str,
) -> Result<usize, ErreurStore> {
    let acteur = ecr.acteur();
    type Ligne = (String, String, String, String, String, String);
    let lignes: Vec<Ligne> = sqlx::query_as(
        "SELECT a.lieu_id, a.garde_source, a.garde_id, a.donnees_source, a.champs_choisis, l.donnees \
         FROM lieux_alias a JOIN lieux l ON l.source = a.source AND l.id = a.lieu_id \
         WHERE a.source = $1 AND l.importe_le = $2 ORDER BY a.lieu_id",
    )
    .bind(source)
    .bind(importe_le)
    .fetch_all(ecr.conn())
    .await?;
    let mut changes = 0;
    for (id, garde_source, garde_id, avant, choisis, apres) in lignes {
        let avant: Enregistrement = serde_json::from_str(&avant)?;
        let apres: Enregistrement = serde_json::from_str(&apres)?;
        let choisis: Vec<String> = serde_json::from_str(&choisis)?;
        let locaux: Vec<(String,)> = sqlx::query_as(
            "SELECT champ FROM lieux_champs_locaux WHERE source = $1 AND lieu_id = $2",
        )
        .bind(&garde_source)
        .bind(&garde_id)
        .fetch_all(ecr.conn())
        .await?;
        let a_reporter: Vec<Changement> = versions::differences(&avant, &apres)
            .into_iter()
            .filter(|c| {
                c.champ != "id"
                    && !versions::CHAMPS_DERIVES.contains(&c.champ.as_str())
                    && !choisis.contains(&c.champ)
                    && !locaux.iter().any(|(l,)| *l == c.champ)
            })
            .collect();
        sqlx::query(
            "UPDATE lieux_alias SET donnees_source = $1 WHERE source = $2 AND lieu_id = $3",
        )
        .bind(serde_json::to_string(&apres)?)
        .bind(source)
        .bind(&id)
        .execute(ecr.conn())
        .await?;
        if a_reporter.is_empty() {
            continue;
        }
        let Some(garde) = lire_lieu(ecr.conn(), &garde_source, &garde_id).await? else {
            continue;
        };
        let mut nouveau = versions::appliquer(&garde.donnees, &a_reporter);
        if let (Some(d), g) = (champ(&apres, "date_maj"), champ(&garde.donnees, "date_maj")) {
            if g.is_none_or(|g| d > g) {
                versions::poser(&mut nouveau, "date_maj", Some(&d));
            }
        }
        let absorbe = format!("{source}/{id}");
        let r = ecrire_version(
            ecr.conn(),
            acteur,
            ModificationLieu {
                source: &garde_source,
                id: &garde_id,
                version_lue: garde.version,
                nouveau,
                origine: Origine::Import,
                detail: Some(absorbe.clone()),
                organisation_id: None,
            },
        )
        .await?;
        if let ResultatModification::Enregistree {
            version,
            changements,
        } = r
        {
            changes += 1;
            ecr.journal("reporter_fusion")
                .objet("lieu", &format!("{garde_source}/{garde_id}"))
                .apres(&JournalReport {
                    absorbe,
                    version,
                    changements: &changements,
                })
                .ecrire()
                .await?;
        }
    }
    Ok(changes)
}
