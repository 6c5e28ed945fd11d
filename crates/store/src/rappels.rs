//! Échéances des dossiers : rappels de fin de validité envoyés aux titulaires (table
//! `rappels_validite`, migration 0022 : un rappel par dossier et par délai, jamais deux), et
//! gestes datés du journal qui suspendent le délai d'instruction (demande de complément, dépôt).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use reperes_domain::echeances::Geste;

use crate::{horodatage, lire_date, lire_horodatage, Acteur, ErreurStore, NouveauCourriel, Store};

/// Un titre en cours (label accordé ou charte contresignée, état `labellise`) et ce qu'il faut
/// pour décider d'un rappel de fin de validité.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitreEnCours {
    pub dossier_id: String,
    pub referentiel_id: String,
    pub referentiel_version: String,
    pub organisation_id: String,
    pub dispositif_nom: String,
    pub numero: Option<String>,
    pub fin_validite: NaiveDate,
    /// Délais (jours avant la fin) des rappels déjà envoyés.
    pub rappels_envoyes: Vec<u32>,
    /// Un renouvellement de ce dossier est déposé (ni brouillon, ni refusé, ni classé sans suite).
    pub renouvellement_depose: bool,
}

#[derive(sqlx::FromRow)]
struct LigneTitre {
    id: String,
    referentiel_id: String,
    referentiel_version: String,
    organisation_id: String,
    dispositif_nom: String,
    numero: Option<String>,
    fin_validite: String,
    renouvellements: i64,
}

/// Ce qu'écrit le journal d'audit pour un rappel envoyé.
#[derive(serde::Serialize)]
struct RappelEnvoye<'a> {
    jours: u32,
    fin_validite: String,
    destinataires: usize,
    envoye_le: &'a str,
}

impl Store {
    /// Les titres en cours (état `labellise`, fin de validité connue), par fin de validité, avec
    /// leurs rappels déjà envoyés.
    pub async fn titres_en_cours(&self) -> Result<Vec<TitreEnCours>, ErreurStore> {
        let lignes: Vec<LigneTitre> = sqlx::query_as(
            "SELECT d.id, d.referentiel_id, d.referentiel_version, d.organisation_id, \
             x.nom AS dispositif_nom, d.numero, d.fin_validite, \
             (SELECT COUNT(*) FROM dossiers r WHERE r.renouvellement_de = d.id \
              AND r.etat NOT IN ('brouillon', 'refuse', 'classe_sans_suite')) AS renouvellements \
             FROM dossiers d JOIN dispositifs x ON x.id = d.dispositif_id \
             WHERE d.etat = 'labellise' AND d.fin_validite IS NOT NULL \
             ORDER BY d.fin_validite, d.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let envoyes: Vec<(String, i64)> =
            sqlx::query_as("SELECT dossier_id, jours FROM rappels_validite ORDER BY jours")
                .fetch_all(&self.pool)
                .await?;
        let mut par_dossier: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (id, jours) in envoyes {
            let jours = u32::try_from(jours)
                .map_err(|_| ErreurStore::Corrompue(format!("rappel à {jours} jours")))?;
            par_dossier.entry(id).or_default().push(jours);
        }
        lignes
            .into_iter()
            .map(|l| {
                Ok(TitreEnCours {
                    rappels_envoyes: par_dossier.remove(&l.id).unwrap_or_default(),
                    dossier_id: l.id,
                    referentiel_id: l.referentiel_id,
                    referentiel_version: l.referentiel_version,
                    organisation_id: l.organisation_id,
                    dispositif_nom: l.dispositif_nom,
                    numero: l.numero,
                    fin_validite: lire_date(&l.fin_validite)?,
                    renouvellement_depose: l.renouvellements > 0,
                })
            })
            .collect()
    }

    /// Enregistre le rappel de fin de validité à `jours` jours du dossier `dossier_id` et met ses
    /// `courriels` en file, avec une entrée du journal d'audit du dossier, dans une seule
    /// transaction. Rend `false` (et n'écrit rien) si ce rappel a déjà été envoyé.
    pub async fn enregistrer_rappel_validite(
        &self,
        acteur: &Acteur,
        dossier_id: &str,
        jours: u32,
        fin_validite: NaiveDate,
        courriels: &[NouveauCourriel],
        maintenant: DateTime<Utc>,
    ) -> Result<bool, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let envoye_le = horodatage(maintenant);
        let insere = sqlx::query(
            "INSERT INTO rappels_validite (dossier_id, jours, envoye_le) VALUES ($1, $2, $3) \
             ON CONFLICT (dossier_id, jours) DO NOTHING",
        )
        .bind(dossier_id)
        .bind(i64::from(jours))
        .bind(&envoye_le)
        .execute(ecr.conn())
        .await?
        .rows_affected();
        if insere == 0 {
            ecr.abandonner().await?;
            return Ok(false);
        }
        for c in courriels {
            crate::courriels::inserer(ecr.conn(), c).await?;
        }
        ecr.journal("rappeler_fin_validite")
            .objet("dossier", dossier_id)
            .apres(&RappelEnvoye {
                jours,
                fin_validite: fin_validite.to_string(),
                destinataires: courriels.len(),
                envoye_le: &envoye_le,
            })
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(true)
    }

    /// Les gestes qui suspendent ou reprennent le délai d'instruction de chacun des dossiers
    /// `ids` (demandes de complément et dépôts, lus dans le journal d'audit), dans l'ordre.
    pub async fn gestes_d_instruction(
        &self,
        ids: &[&str],
    ) -> Result<BTreeMap<String, Vec<(DateTime<Utc>, Geste)>>, ErreurStore> {
        let mut v = BTreeMap::new();
        for id in ids {
            let lignes: Vec<(String, String)> = sqlx::query_as(
                "SELECT action, horodatage FROM audit WHERE objet_type = 'dossier' \
                 AND objet_id = $1 AND action IN ('demander_complement', 'deposer') ORDER BY seq",
            )
            .bind(*id)
            .fetch_all(&self.pool)
            .await?;
            let gestes = lignes
                .into_iter()
                .map(|(action, quand)| {
                    let geste = if action == "deposer" {
                        Geste::Depot
                    } else {
                        Geste::DemandeComplement
                    };
                    Ok((lire_horodatage(&quand)?, geste))
                })
                .collect::<Result<Vec<_>, ErreurStore>>()?;
            v.insert(id.to_string(), gestes);
        }
        Ok(v)
    }
}
