//! Indicateurs territoriaux : valeurs saisies par les territoires (une par territoire, indicateur
//! et année ; une nouvelle saisie remplace l'ancienne, qui reste dans le journal d'audit), et
//! lecture des données dont les indicateurs calculés sont tirés (lieux avec leur date d'import,
//! labels et chartes avec l'adresse de leur organisation).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use reperes_domain::indicateurs::{date_de, Titre, ValeurSaisie};
use reperes_domain::lieux::Enregistrement;
use reperes_domain::territoires::Niveau;
use serde::Serialize;

use crate::{horodatage, lire_date, lire_horodatage, Acteur, ErreurStore, Store};

/// Type d'objet des entrées de journal des saisies.
pub const OBJET_INDICATEUR: &str = "indicateur_territoire";

/// Identifiant, dans le journal, de la valeur d'un indicateur pour un territoire et une année :
/// `departement/16/equipements-connectes/2024`.
pub fn objet_indicateur(niveau: Niveau, code: &str, indicateur_id: &str, annee: i32) -> String {
    format!("{}/{code}/{indicateur_id}/{annee}", niveau.code())
}

/// Une valeur saisie par un territoire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValeurIndicateur {
    pub territoire_niveau: String,
    pub territoire_code: String,
    pub indicateur_id: String,
    pub annee: i32,
    /// Nombre décimal normalisé (« 1250 », « 12.5 »).
    pub valeur: String,
    pub source: String,
    pub date_source: NaiveDate,
    /// `rôle:identifiant` de la personne qui a saisi.
    pub saisi_par: String,
    pub saisi_le: DateTime<Utc>,
}

type LigneValeur = (
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
);

const COLONNES: &str = "territoire_niveau, territoire_code, indicateur_id, annee, valeur, source, date_source, saisi_par, saisi_le";

fn valeur_de(l: LigneValeur) -> Result<ValeurIndicateur, ErreurStore> {
    let (niveau, code, indicateur_id, annee, valeur, source, date_source, saisi_par, saisi_le) = l;
    Ok(ValeurIndicateur {
        territoire_niveau: niveau,
        territoire_code: code,
        indicateur_id,
        annee: i32::try_from(annee)
            .map_err(|_| ErreurStore::Corrompue(format!("année « {annee} »")))?,
        valeur,
        source,
        date_source: lire_date(&date_source)?,
        saisi_par,
        saisi_le: lire_horodatage(&saisi_le)?,
    })
}

impl Store {
    /// Enregistre la valeur (déjà analysée par le domaine) d'un indicateur pour un territoire et
    /// une année ; remplace la valeur précédente de la même année, qui est rendue et gardée dans
    /// le journal (avant/après), dans la même transaction.
    pub async fn saisir_indicateur(
        &self,
        acteur: &Acteur,
        niveau: Niveau,
        code: &str,
        v: &ValeurSaisie,
    ) -> Result<Option<ValeurIndicateur>, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let avant: Option<LigneValeur> = sqlx::query_as(&format!(
            "SELECT {COLONNES} FROM indicateurs_saisis WHERE territoire_niveau = $1 \
             AND territoire_code = $2 AND indicateur_id = $3 AND annee = $4"
        ))
        .bind(niveau.code())
        .bind(code)
        .bind(&v.indicateur_id)
        .bind(i64::from(v.annee))
        .fetch_optional(ecr.conn())
        .await?;
        let avant = avant.map(valeur_de).transpose()?;
        let apres = ValeurIndicateur {
            territoire_niveau: niveau.code().to_string(),
            territoire_code: code.to_string(),
            indicateur_id: v.indicateur_id.clone(),
            annee: v.annee,
            valeur: v.valeur.clone(),
            source: v.source.clone(),
            date_source: v.date_source,
            saisi_par: acteur.journal(),
            saisi_le: Utc::now(),
        };
        sqlx::query(&format!(
            "INSERT INTO indicateurs_saisis ({COLONNES}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (territoire_niveau, territoire_code, indicateur_id, annee) DO UPDATE SET \
             valeur = excluded.valeur, source = excluded.source, date_source = excluded.date_source, \
             saisi_par = excluded.saisi_par, saisi_le = excluded.saisi_le"
        ))
        .bind(&apres.territoire_niveau)
        .bind(&apres.territoire_code)
        .bind(&apres.indicateur_id)
        .bind(i64::from(apres.annee))
        .bind(&apres.valeur)
        .bind(&apres.source)
        .bind(apres.date_source.to_string())
        .bind(&apres.saisi_par)
        .bind(horodatage(apres.saisi_le))
        .execute(ecr.conn())
        .await?;
        let objet = objet_indicateur(niveau, code, &v.indicateur_id, v.annee);
        let entree = match &avant {
            Some(avant) => ecr
                .journal("corriger_indicateur")
                .objet(OBJET_INDICATEUR, &objet)
                .avant(avant),
            None => ecr
                .journal("saisir_indicateur")
                .objet(OBJET_INDICATEUR, &objet),
        };
        entree.apres(&apres).ecrire().await?;
        ecr.valider().await?;
        Ok(avant)
    }

    /// Les valeurs saisies pour un territoire, par indicateur puis par année.
    pub async fn indicateurs_saisis(
        &self,
        niveau: Niveau,
        code: &str,
    ) -> Result<Vec<ValeurIndicateur>, ErreurStore> {
        let v: Vec<LigneValeur> = sqlx::query_as(&format!(
            "SELECT {COLONNES} FROM indicateurs_saisis WHERE territoire_niveau = $1 \
             AND territoire_code = $2 ORDER BY indicateur_id, annee"
        ))
        .bind(niveau.code())
        .bind(code)
        .fetch_all(&self.pool)
        .await?;
        v.into_iter().map(valeur_de).collect()
    }

    /// Tous les lieux avec leur date d'import (pour les indicateurs calculés), réduits aux
    /// `champs` donnés (les calculs n'ont pas besoin des autres : autant ne pas les garder).
    pub async fn lieux_dates(
        &self,
        champs: &BTreeSet<String>,
    ) -> Result<Vec<(String, Enregistrement, Option<NaiveDate>)>, ErreurStore> {
        let v: Vec<(String, String, String)> =
            sqlx::query_as("SELECT source, donnees, importe_le FROM lieux WHERE masque IS NULL ORDER BY source, id")
                .fetch_all(&self.pool)
                .await?;
        v.into_iter()
            .map(|(s, d, i)| {
                let mut e: Enregistrement = serde_json::from_str(&d)?;
                e.retain(|k, _| champs.contains(k));
                Ok((s, e, date_de(&i)))
            })
            .collect()
    }

    /// Les labels et chartes accordés (en cours, retirés ou expirés), avec l'adresse et
    /// l'identifiant (SIRET, sinon RNA) de l'organisation.
    pub async fn titres_territoriaux(&self) -> Result<Vec<Titre>, ErreurStore> {
        type Ligne = (
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        );
        let v: Vec<Ligne> = sqlx::query_as(
            "SELECT d.referentiel_id, d.organisation_id, o.siret, o.rna, o.code_postal, o.commune, \
             d.etat, d.labellise_le, d.decision_le FROM dossiers d \
             JOIN organisations o ON o.id = d.organisation_id \
             WHERE d.etat IN ('labellise', 'retire', 'expire') ORDER BY d.labellise_le, d.id",
        )
        .fetch_all(&self.pool)
        .await?;
        v.into_iter()
            .map(
                |(referentiel_id, organisation_id, siret, rna, cp, commune, etat, debut, fin)| {
                    let en_cours = etat == "labellise";
                    Ok(Titre {
                        referentiel_id,
                        organisation_id,
                        organisation_identifiant: siret.or(rna),
                        code_postal: cp,
                        commune,
                        debut: debut
                            .map(|d| lire_horodatage(&d))
                            .transpose()?
                            .map(|d| d.date_naive()),
                        // Retiré ou expiré : la date de la dernière décision est celle de la fin.
                        fin: if en_cours {
                            None
                        } else {
                            fin.map(|d| lire_horodatage(&d))
                                .transpose()?
                                .map(|d| d.date_naive())
                        },
                        en_cours,
                    })
                },
            )
            .collect()
    }
}
