//! Lecture du registre public des titulaires, et statistiques publiques.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use reperes_domain::dossier::TypeAction;
use reperes_domain::Etat;
use serde::Serialize;

use crate::{lire_date, lire_horodatage, ErreurStore, Store};

/// Une ligne du registre : un label (accordé, retiré ou expiré) d'un dispositif.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LigneRegistre {
    pub dossier_id: String,
    pub numero: Option<String>,
    pub referentiel_id: String,
    pub referentiel_version: String,
    pub etat: Etat,
    pub niveau: Option<u8>,
    pub labellise_le: Option<DateTime<Utc>>,
    pub fin_validite: Option<NaiveDate>,
    /// Date du retrait ou de l'expiration.
    pub fin_le: Option<DateTime<Utc>>,
    pub dispositif_id: String,
    pub dispositif_nom: String,
    pub dispositif_description: String,
    pub dispositif_site: Option<String>,
    pub type_dispositif: String,
    pub organisation_nom: String,
    pub type_organisation: String,
    pub code_postal: String,
    pub commune: String,
    /// Critères appréciés satisfaits, avec le niveau atteint.
    pub criteres: Vec<(String, u8)>,
    /// Licences du matériel ouvert : (critère, identifiant SPDX, lien vers le matériel publié).
    pub licences: Vec<(String, String, String)>,
}

/// Données brutes des statistiques publiques, par référentiel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DonneesStatistiques {
    /// (référentiel, état) → nombre de dossiers.
    pub par_etat: BTreeMap<(String, String), i64>,
    /// Durées (en jours) entre dépôt et décision (labellisation ou refus), par référentiel.
    pub durees: BTreeMap<String, Vec<i64>>,
    /// (accordés, refusés) par référentiel.
    pub decisions: BTreeMap<String, (i64, i64)>,
}

/// Une ligne de la requête du registre (dossier, dispositif, organisation).
#[derive(sqlx::FromRow)]
struct LigneLue {
    id: String,
    numero: Option<String>,
    referentiel_id: String,
    referentiel_version: String,
    etat: String,
    niveau_accorde: Option<i64>,
    labellise_le: Option<String>,
    fin_validite: Option<String>,
    decision_le: Option<String>,
    dispositif_id: String,
    dispositif_nom: String,
    dispositif_description: String,
    dispositif_site: Option<String>,
    type_dispositif: String,
    organisation_nom: String,
    type_organisation: String,
    code_postal: String,
    commune: String,
}

impl LigneLue {
    /// La ligne du registre, avec ses critères satisfaits.
    fn ligne(self, criteres: Vec<(String, u8)>) -> Result<LigneRegistre, ErreurStore> {
        let etat = Etat::depuis_code(&self.etat)
            .ok_or_else(|| ErreurStore::Corrompue(format!("état « {} »", self.etat)))?;
        let decision_le = self
            .decision_le
            .as_deref()
            .map(lire_horodatage)
            .transpose()?;
        Ok(LigneRegistre {
            numero: self.numero,
            referentiel_id: self.referentiel_id,
            referentiel_version: self.referentiel_version,
            niveau: self.niveau_accorde.and_then(|n| u8::try_from(n).ok()),
            labellise_le: self
                .labellise_le
                .as_deref()
                .map(lire_horodatage)
                .transpose()?,
            fin_validite: self.fin_validite.as_deref().map(lire_date).transpose()?,
            fin_le: if etat == Etat::Labellise {
                None
            } else {
                decision_le
            },
            dispositif_id: self.dispositif_id,
            dispositif_nom: self.dispositif_nom,
            dispositif_description: self.dispositif_description,
            dispositif_site: self.dispositif_site,
            type_dispositif: self.type_dispositif,
            organisation_nom: self.organisation_nom,
            type_organisation: self.type_organisation,
            code_postal: self.code_postal,
            commune: self.commune,
            criteres,
            licences: Vec::new(),
            etat,
            dossier_id: self.id,
        })
    }
}

impl Store {
    /// Toutes les lignes du registre, les plus récentes d'abord.
    pub async fn registre(&self) -> Result<Vec<LigneRegistre>, ErreurStore> {
        let lignes = sqlx::query_as::<_, LigneLue>(
            "SELECT d.id, d.numero, d.referentiel_id, d.referentiel_version, d.etat, d.niveau_accorde, \
             d.labellise_le, d.fin_validite, d.decision_le, d.dispositif_id, x.nom AS dispositif_nom, \
             x.description AS dispositif_description, x.site AS dispositif_site, d.type_dispositif, \
             o.nom AS organisation_nom, o.type_organisation, o.code_postal, o.commune \
             FROM dossiers d JOIN dispositifs x ON x.id = d.dispositif_id \
             JOIN organisations o ON o.id = d.organisation_id \
             WHERE d.etat IN ('labellise', 'retire', 'expire') \
             ORDER BY d.labellise_le DESC, d.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let criteres: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT c.dossier_id, c.critere_id, c.appreciation_niveau FROM dossier_criteres c \
             JOIN dossiers d ON d.id = c.dossier_id \
             WHERE d.etat IN ('labellise', 'retire', 'expire') AND c.apprecie = 1 \
             AND c.appreciation_niveau >= 1 ORDER BY c.dossier_id, c.critere_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut par_dossier: BTreeMap<String, Vec<(String, u8)>> = BTreeMap::new();
        for (d, c, n) in criteres {
            par_dossier
                .entry(d)
                .or_default()
                .push((c, u8::try_from(n).unwrap_or(0)));
        }
        let licences: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT c.dossier_id, c.critere_id, c.licence, c.materiel FROM dossier_criteres c \
             JOIN dossiers d ON d.id = c.dossier_id \
             WHERE d.etat IN ('labellise', 'retire', 'expire') AND c.licence IS NOT NULL \
             ORDER BY c.dossier_id, c.critere_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut licences_par_dossier: BTreeMap<String, Vec<(String, String, String)>> =
            BTreeMap::new();
        for (d, c, l, m) in licences {
            licences_par_dossier
                .entry(d)
                .or_default()
                .push((c, l, m.unwrap_or_default()));
        }
        lignes
            .into_iter()
            .map(|l| {
                let criteres = par_dossier.remove(&l.id).unwrap_or_default();
                let licences = licences_par_dossier.remove(&l.id).unwrap_or_default();
                l.ligne(criteres).map(|x| LigneRegistre { licences, ..x })
            })
            .collect()
    }

    /// Données des statistiques publiques (les brouillons ne comptent pas).
    pub async fn donnees_statistiques(&self) -> Result<DonneesStatistiques, ErreurStore> {
        let mut s = DonneesStatistiques::default();
        let comptes: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT referentiel_id, etat, COUNT(*) FROM dossiers WHERE etat <> 'brouillon' \
             GROUP BY referentiel_id, etat",
        )
        .fetch_all(&self.pool)
        .await?;
        for (r, e, n) in comptes {
            s.par_etat.insert((r, e), n);
        }
        /// (référentiel, dépôt, labellisation, dernière décision, date de la dernière décision)
        type Ligne = (
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let decisions: Vec<Ligne> = sqlx::query_as(
            "SELECT referentiel_id, depose_le, labellise_le, decision_action, decision_le FROM dossiers \
             WHERE depose_le IS NOT NULL AND (labellise_le IS NOT NULL OR decision_action = 'refuser')",
        )
        .fetch_all(&self.pool)
        .await?;
        for (r, depose, labellise, action, decision_le) in decisions {
            let accorde = labellise.is_some();
            let fin = labellise.or(if action.as_deref() == Some(TypeAction::Refuser.code()) {
                decision_le
            } else {
                None
            });
            if let (Some(d), Some(f)) = (depose, fin) {
                let jours = (lire_horodatage(&f)? - lire_horodatage(&d)?).num_days();
                s.durees.entry(r.clone()).or_default().push(jours.max(0));
            }
            let e = s.decisions.entry(r).or_default();
            if accorde {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
        Ok(s)
    }
}
