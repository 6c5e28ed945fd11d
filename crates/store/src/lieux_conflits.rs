//! Plusieurs sources, un lieu (issue 16) : conflits entre un réimport de la source et les champs
//! tenus dans Repères, et leur revue champ par champ.
//!
//! L'import (`ImportLieux`) charge au départ les champs locaux de la source
//! ([`champs_locaux_de_la_source`]), applique à chaque lieu qui en a les règles de préséance du
//! domaine ([`reperes_domain::lieux::preseance`]) et écrit les conflits releves
//! ([`ecrire_preseance`]). La revue ([`Store::decider_conflits`]) garde la valeur locale (la valeur
//! de la source devient « écartée » : la même ne relance plus de conflit) ou prend celle de la
//! source (nouvelle version, origine `conflit`, le champ redevient tenu par la source).

use std::collections::HashMap;

use reperes_domain::lieux::preseance::{ChampLocal, Decision};
use reperes_domain::lieux::versions::{self, Origine};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::lieux_versions::{
    ecrire_version, lire_lieu, version_sans_changement, ModificationLieu, ResultatModification,
};
use crate::{Acteur, ErreurStore, Store};

/// Un conflit : relevé par un import (rapport) ou en attente de décision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflitLieu {
    pub source: String,
    pub lieu_id: String,
    pub champ: String,
    pub valeur_locale: Option<String>,
    pub valeur_importee: Option<String>,
    /// Horodatage de l'import qui l'a relevé.
    pub importe_le: String,
}

/// Choix fait dans la revue d'un conflit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoixConflit {
    /// Garder la valeur de la structure (tenue dans Repères).
    GarderLocale,
    /// Prendre la valeur apportée par la source.
    PrendreSource,
}

impl ChoixConflit {
    pub fn code(self) -> &'static str {
        match self {
            ChoixConflit::GarderLocale => "garder",
            ChoixConflit::PrendreSource => "source",
        }
    }

    pub fn depuis_code(c: &str) -> Option<ChoixConflit> {
        [ChoixConflit::GarderLocale, ChoixConflit::PrendreSource]
            .into_iter()
            .find(|x| x.code() == c)
    }
}

/// Issue d'une revue de conflits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultatRevue {
    /// Décisions enregistrées ; `version` : la nouvelle version du lieu si une valeur de la source
    /// a été prise.
    Enregistree { version: Option<i64> },
    /// Un des conflits n'est plus en attente (déjà tranché, ou remplacé par un import plus
    /// récent) : rien n'est écrit.
    ConflitsChanges,
}

/// Champs locaux d'une source, par lieu (chargés au début d'un import : peu nombreux).
pub(crate) async fn champs_locaux_de_la_source(
    conn: &mut AnyConnection,
    source: &str,
) -> Result<HashMap<String, Vec<ChampLocal>>, ErreurStore> {
    type Ligne = (String, String, Option<String>, String, Option<String>);
    let v: Vec<Ligne> = sqlx::query_as(
        "SELECT lieu_id, champ, valeur, modifie_le, valeur_source_ecartee FROM lieux_champs_locaux \
         WHERE source = $1 ORDER BY lieu_id, champ",
    )
    .bind(source)
    .fetch_all(conn)
    .await?;
    let mut m: HashMap<String, Vec<ChampLocal>> = HashMap::new();
    for (lieu, champ, valeur, modifie_le, valeur_source_ecartee) in v {
        m.entry(lieu).or_default().push(ChampLocal {
            champ,
            valeur,
            modifie_le,
            valeur_source_ecartee,
        });
    }
    Ok(m)
}

/// Écrit ce que la préséance a décidé pour un lieu réimporté : conflits (remplaçant ceux en
/// attente sur le même champ), champs rendus à la source, conflits devenus sans objet. Rend les
/// conflits releves.
pub(crate) async fn ecrire_preseance(
    conn: &mut AnyConnection,
    source: &str,
    lieu_id: &str,
    importe_le: &str,
    d: &Decision,
) -> Result<Vec<ConflitLieu>, ErreurStore> {
    for champ in d.rendus.iter().chain(&d.sans_conflit) {
        sqlx::query("DELETE FROM lieux_conflits WHERE source = $1 AND lieu_id = $2 AND champ = $3")
            .bind(source)
            .bind(lieu_id)
            .bind(champ)
            .execute(&mut *conn)
            .await?;
    }
    for champ in &d.rendus {
        sqlx::query(
            "DELETE FROM lieux_champs_locaux WHERE source = $1 AND lieu_id = $2 AND champ = $3",
        )
        .bind(source)
        .bind(lieu_id)
        .bind(champ)
        .execute(&mut *conn)
        .await?;
    }
    let mut releves = Vec::with_capacity(d.conflits.len());
    for c in &d.conflits {
        sqlx::query(
            "INSERT INTO lieux_conflits (source, lieu_id, champ, valeur_locale, valeur_importee, importe_le) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, lieu_id, champ) DO UPDATE SET \
             valeur_locale = excluded.valeur_locale, valeur_importee = excluded.valeur_importee, \
             importe_le = excluded.importe_le",
        )
        .bind(source)
        .bind(lieu_id)
        .bind(&c.champ)
        .bind(c.valeur_locale.as_deref())
        .bind(c.valeur_importee.as_deref())
        .bind(importe_le)
        .execute(&mut *conn)
        .await?;
        releves.push(ConflitLieu {
            source: source.to_string(),
            lieu_id: lieu_id.to_string(),
            champ: c.champ.clone(),
            valeur_locale: c.valeur_locale.clone(),
            valeur_importee: c.valeur_importee.clone(),
            importe_le: importe_le.to_string(),
        });
    }
    Ok(releves)
}

type LigneConflit = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
);

fn conflit(
    (source, lieu_id, champ, valeur_locale, valeur_importee, importe_le): LigneConflit,
) -> ConflitLieu {
    ConflitLieu {
        source,
        lieu_id,
        champ,
        valeur_locale,
        valeur_importee,
        importe_le,
    }
}

const SELECT_CONFLITS: &str =
    "SELECT source, lieu_id, champ, valeur_locale, valeur_importee, importe_le FROM lieux_conflits";

/// Entrée du journal d'une décision.
#[derive(Serialize)]
struct JournalDecision<'a> {
    champ: &'a str,
    choix: &'static str,
    valeur_locale: Option<&'a str>,
    valeur_importee: Option<&'a str>,
    version: Option<i64>,
}

impl Store {
    /// Conflits en attente d'un lieu, par champ.
    pub async fn conflits_du_lieu(
        &self,
        source: &str,
        id: &str,
    ) -> Result<Vec<ConflitLieu>, ErreurStore> {
        let v: Vec<LigneConflit> = sqlx::query_as(&format!(
            "{SELECT_CONFLITS} WHERE source = $1 AND lieu_id = $2 ORDER BY champ"
        ))
        .bind(source)
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(v.into_iter().map(conflit).collect())
    }

    /// Tous les conflits en attente, par source, lieu et champ.
    pub async fn conflits_en_attente(&self) -> Result<Vec<ConflitLieu>, ErreurStore> {
        let v: Vec<LigneConflit> = sqlx::query_as(&format!(
            "{SELECT_CONFLITS} ORDER BY source, lieu_id, champ"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(v.into_iter().map(conflit).collect())
    }

    /// Tranche des conflits d'un lieu, champ par champ, en une écriture : garder la valeur locale
    /// (la valeur importée devient la valeur écartée de la source : la même ne relance plus de
    /// conflit) ou prendre celle de la source (nouvelle version, origine `conflit`, le champ
    /// redevient tenu par la source). Une entrée de journal par décision. `vus` : les conflits
    /// tels qu'affichés (champ, valeur importée) ; si l'un a changé, rien n'est écrit.
    pub async fn decider_conflits(
        &self,
        acteur: &Acteur,
        source: &str,
        id: &str,
        decisions: &[(String, Option<String>, ChoixConflit)],
        organisation_id: Option<String>,
    ) -> Result<ResultatRevue, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let en_attente: Vec<LigneConflit> = sqlx::query_as(&format!(
            "{SELECT_CONFLITS} WHERE source = $1 AND lieu_id = $2"
        ))
        .bind(source)
        .bind(id)
        .fetch_all(ecr.conn())
        .await?;
        let en_attente: HashMap<String, ConflitLieu> = en_attente
            .into_iter()
            .map(conflit)
            .map(|c| (c.champ.clone(), c))
            .collect();
        let mut choisis = Vec::with_capacity(decisions.len());
        for (champ, vue, choix) in decisions {
            match en_attente.get(champ) {
                Some(c) if &c.valeur_importee == vue => choisis.push((c, *choix)),
                _ => {
                    ecr.abandonner().await?;
                    return Ok(ResultatRevue::ConflitsChanges);
                }
            }
        }
        if choisis.is_empty() {
            ecr.abandonner().await?;
            return Ok(ResultatRevue::ConflitsChanges);
        }
        let pris: Vec<&ConflitLieu> = choisis
            .iter()
            .filter(|(_, ch)| *ch == ChoixConflit::PrendreSource)
            .map(|(c, _)| *c)
            .collect();
        let mut version = None;
        if !pris.is_empty() {
            let Some(courant) = lire_lieu(ecr.conn(), source, id).await? else {
                ecr.abandonner().await?;
                return Ok(ResultatRevue::ConflitsChanges);
            };
            let mut nouveau = courant.donnees.clone();
            for c in &pris {
                versions::poser(&mut nouveau, &c.champ, c.valeur_importee.as_deref());
            }
            let champs: Vec<&str> = pris.iter().map(|c| c.champ.as_str()).collect();
            let r = ecrire_version(
                ecr.conn(),
                acteur,
                ModificationLieu {
                    source,
                    id,
                    version_lue: courant.version,
                    nouveau,
                    origine: Origine::Conflit,
                    detail: Some(champs.join(", ")),
                    organisation_id: organisation_id.clone(),
                },
            )
            .await?;
            match r {
                ResultatModification::Enregistree { version: v, .. } => version = Some(v),
                ResultatModification::RienAChanger => {}
                ResultatModification::VersionDepassee { .. } => {
                    ecr.abandonner().await?;
                    return Ok(ResultatRevue::ConflitsChanges);
                }
            }
        }
        // La version de la table des lieux : incrémentée par `ecrire_version`, sinon ici.
        let table_a_jour = version.is_some();
        // Garder la valeur de la structure ne change aucun champ, mais l'historique le dit.
        let gardes: Vec<&str> = choisis
            .iter()
            .filter(|(_, ch)| *ch == ChoixConflit::GarderLocale)
            .map(|(c, _)| c.champ.as_str())
            .collect();
        if !gardes.is_empty() {
            let Some(courant) = lire_lieu(ecr.conn(), source, id).await? else {
                ecr.abandonner().await?;
                return Ok(ResultatRevue::ConflitsChanges);
            };
            let detail = format!("valeur de la structure gardée : {}", gardes.join(", "));
            match version_sans_changement(
                ecr.conn(),
                acteur,
                (source, id),
                courant.version,
                Origine::Conflit,
                &detail,
                None,
                organisation_id.as_deref(),
            )
            .await?
            {
                Some(v) => version = Some(v),
                None => {
                    ecr.abandonner().await?;
                    return Ok(ResultatRevue::ConflitsChanges);
                }
            }
        }
        for (c, choix) in &choisis {
            match choix {
                ChoixConflit::GarderLocale => {
                    sqlx::query(
                        "UPDATE lieux_champs_locaux SET valeur_source_ecartee = $1 \
                         WHERE source = $2 AND lieu_id = $3 AND champ = $4",
                    )
                    .bind(c.valeur_importee.as_deref())
                    .bind(source)
                    .bind(id)
                    .bind(&c.champ)
                    .execute(ecr.conn())
                    .await?;
                }
                ChoixConflit::PrendreSource => {
                    sqlx::query(
                        "DELETE FROM lieux_champs_locaux WHERE source = $1 AND lieu_id = $2 AND champ = $3",
                    )
                    .bind(source)
                    .bind(id)
                    .bind(&c.champ)
                    .execute(ecr.conn())
                    .await?;
                }
            }
            sqlx::query(
                "DELETE FROM lieux_conflits WHERE source = $1 AND lieu_id = $2 AND champ = $3",
            )
            .bind(source)
            .bind(id)
            .bind(&c.champ)
            .execute(ecr.conn())
            .await?;
            ecr.journal("decider_conflit_lieu")
                .objet("lieu", &format!("{source}/{id}"))
                .apres(&JournalDecision {
                    champ: &c.champ,
                    choix: choix.code(),
                    valeur_locale: c.valeur_locale.as_deref(),
                    valeur_importee: c.valeur_importee.as_deref(),
                    version,
                })
                .ecrire()
                .await?;
        }
        if !table_a_jour {
            // L'index des lieux se recharge (version, lien « conflits » de la fiche).
            crate::lieux_compteur::incrementer_version(ecr.conn(), 0, None).await?;
        }
        ecr.valider().await?;
        Ok(ResultatRevue::Enregistree { version })
    }
}
