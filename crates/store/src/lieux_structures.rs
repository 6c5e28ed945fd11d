//! Structures qui tiennent les lieux (issue 16, partie « structures ») : demandes de
//! revendication examinées par un administrateur, lieux tenus, fraîcheur (confirmations
//! explicites, rappels avec lien de confirmation à usage unique). Migration 0027.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{horodatage, lire_horodatage, Acteur, ErreurStore, NouveauCourriel, Store};

/// Une revendication d'un lieu par une organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revendication {
    pub source: String,
    pub lieu_id: String,
    /// Nom du lieu (vide s'il n'est plus en base).
    pub lieu_nom: String,
    pub code_postal: String,
    pub commune: String,
    pub organisation_id: String,
    pub organisation_nom: String,
    /// `demandee`, `acceptee`, `refusee`.
    pub statut: String,
    pub automatique: bool,
    /// L'acteur tel qu'écrit au journal (`demandeur:<id>`).
    pub demande_par: String,
    pub demande_le: String,
    pub decide_le: Option<String>,
    pub motif: Option<String>,
}

impl Revendication {
    /// L'identifiant du compte qui a fait la demande (après `rôle:`).
    pub fn demandeur_id(&self) -> &str {
        self.demande_par
            .split_once(':')
            .map_or(self.demande_par.as_str(), |(_, id)| id)
    }
}

/// Un rappel de fraîcheur (une ligne de `lieux_rappels_fraicheur`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RappelFraicheur {
    pub source: String,
    pub lieu_id: String,
    /// Date (AAAA-MM-JJ) de la dernière confirmation qui a rendu le lieu « à vérifier ».
    pub periode: String,
    pub organisation_id: String,
    pub jeton_empreinte: String,
    pub expire_le: DateTime<Utc>,
    pub utilise_le: Option<DateTime<Utc>>,
}

/// Ce que devient un lien de confirmation présenté.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EtatLien {
    /// Valable : le lieu (source, id) peut être confirmé.
    Valable(RappelFraicheur),
    /// Inconnu (falsifié, mal copié).
    Inconnu,
    /// Expiré.
    Expire(RappelFraicheur),
    /// Déjà utilisé.
    Utilise(RappelFraicheur),
}

const SELECT_REVENDICATION: &str = "SELECT s.source, s.lieu_id, COALESCE(l.nom, '') AS lieu_nom, \
     COALESCE(l.code_postal, '') AS code_postal, COALESCE(l.commune, '') AS commune, \
     s.organisation_id, o.nom AS organisation_nom, s.statut, s.automatique, s.demande_par, \
     s.demande_le, s.decide_le, s.motif FROM lieux_structures s \
     JOIN organisations o ON o.id = s.organisation_id \
     LEFT JOIN lieux l ON l.source = s.source AND l.id = s.lieu_id";

#[derive(sqlx::FromRow)]
struct LigneRevendication {
    source: String,
    lieu_id: String,
    lieu_nom: String,
    code_postal: String,
    commune: String,
    organisation_id: String,
    organisation_nom: String,
    statut: String,
    automatique: i64,
    demande_par: String,
    demande_le: String,
    decide_le: Option<String>,
    motif: Option<String>,
}

impl From<LigneRevendication> for Revendication {
    fn from(l: LigneRevendication) -> Self {
        Revendication {
            source: l.source,
            lieu_id: l.lieu_id,
            lieu_nom: l.lieu_nom,
            code_postal: l.code_postal,
            commune: l.commune,
            organisation_id: l.organisation_id,
            organisation_nom: l.organisation_nom,
            statut: l.statut,
            automatique: l.automatique != 0,
            demande_par: l.demande_par,
            demande_le: l.demande_le,
            decide_le: l.decide_le,
            motif: l.motif,
        }
    }
}

type LigneRappel = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

fn rappel(l: LigneRappel) -> Result<RappelFraicheur, ErreurStore> {
    let (source, lieu_id, periode, organisation_id, jeton_empreinte, expire_le, utilise_le) = l;
    Ok(RappelFraicheur {
        source,
        lieu_id,
        periode,
        organisation_id,
        jeton_empreinte,
        expire_le: lire_horodatage(&expire_le)?,
        utilise_le: utilise_le.as_deref().map(lire_horodatage).transpose()?,
    })
}

const SELECT_RAPPEL: &str = "SELECT source, lieu_id, periode, organisation_id, jeton_empreinte, \
     expire_le, utilise_le FROM lieux_rappels_fraicheur WHERE jeton_empreinte = $1";

impl Store {
    /// Demande de revendication d'un lieu par une organisation, à examiner par un administrateur
    /// (journal `demander_lieu`). Refusée ([`ErreurStore::Conflit`], message en français) si le
    /// lieu est inconnu, déjà tenu (par elle ou par une autre structure), ou déjà demandé par
    /// cette organisation.
    pub async fn demander_lieu(
        &self,
        acteur: &Acteur,
        source: &str,
        id: &str,
        organisation_id: &str,
    ) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        if crate::lieux_versions::lire_lieu(ecr.conn(), source, id)
            .await?
            .is_none()
        {
            ecr.abandonner().await?;
            return Err(ErreurStore::Introuvable(format!("lieu {source}/{id}")));
        }
        let existants: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT s.organisation_id, s.statut, o.nom FROM lieux_structures s \
             JOIN organisations o ON o.id = s.organisation_id \
             WHERE s.source = $1 AND s.lieu_id = $2",
        )
        .bind(source)
        .bind(id)
        .fetch_all(ecr.conn())
        .await?;
        let refus = existants.iter().find_map(|(o, statut, nom)| {
            match (statut.as_str(), o == organisation_id) {
                ("acceptee", true) => Some("votre structure tient déjà ce lieu".to_string()),
                ("acceptee", false) => Some(format!(
                    "ce lieu est déjà tenu par la structure « {nom} » : si c'est une erreur, écrivez à l'administration de Repères"
                )),
                ("demandee", true) => Some(
                    "votre structure a déjà demandé ce lieu : la demande est en cours d'examen"
                        .to_string(),
                ),
                _ => None,
            }
        });
        if let Some(m) = refus {
            ecr.abandonner().await?;
            return Err(ErreurStore::Conflit(m));
        }
        let maintenant = horodatage(Utc::now());
        sqlx::query(
            "INSERT INTO lieux_structures (source, lieu_id, organisation_id, statut, automatique, demande_par, demande_le) \
             VALUES ($1, $2, $3, 'demandee', 0, $4, $5) \
             ON CONFLICT (source, lieu_id, organisation_id) DO UPDATE SET statut = 'demandee', \
             automatique = 0, demande_par = excluded.demande_par, demande_le = excluded.demande_le, \
             decide_par = NULL, decide_le = NULL, motif = NULL",
        )
        .bind(source)
        .bind(id)
        .bind(organisation_id)
        .bind(acteur.journal())
        .bind(&maintenant)
        .execute(ecr.conn())
        .await?;
        ecr.journal("demander_lieu")
            .objet("lieu", &format!("{source}/{id}"))
            .apres(&serde_json::json!({ "organisation": organisation_id, "statut": "demandee" }))
            .ecrire()
            .await?;
        ecr.valider().await
    }

    /// Les revendications d'un statut (`demandee` : à examiner), les plus anciennes d'abord.
    pub async fn revendications(&self, statut: &str) -> Result<Vec<Revendication>, ErreurStore> {
        let v: Vec<LigneRevendication> = sqlx::query_as(&format!(
            "{SELECT_REVENDICATION} WHERE s.statut = $1 ORDER BY s.demande_le, s.source, s.lieu_id"
        ))
        .bind(statut)
        .fetch_all(&self.pool)
        .await?;
        Ok(v.into_iter().map(Revendication::from).collect())
    }

    /// Les revendications (tous statuts) des organisations données, par lieu.
    pub async fn revendications_des_organisations(
        &self,
        organisations: &[String],
    ) -> Result<Vec<Revendication>, ErreurStore> {
        let mut tout = Vec::new();
        for o in organisations {
            let v: Vec<LigneRevendication> = sqlx::query_as(&format!(
                "{SELECT_REVENDICATION} WHERE s.organisation_id = $1 ORDER BY s.statut, l.nom, s.lieu_id"
            ))
            .bind(o)
            .fetch_all(&self.pool)
            .await?;
            tout.extend(v.into_iter().map(Revendication::from));
        }
        Ok(tout)
    }

    /// Une revendication.
    pub async fn revendication(
        &self,
        source: &str,
        id: &str,
        organisation_id: &str,
    ) -> Result<Option<Revendication>, ErreurStore> {
        let v: Option<LigneRevendication> = sqlx::query_as(&format!(
            "{SELECT_REVENDICATION} WHERE s.source = $1 AND s.lieu_id = $2 AND s.organisation_id = $3"
        ))
        .bind(source)
        .bind(id)
        .bind(organisation_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(v.map(Revendication::from))
    }

    /// Décide d'une demande de revendication (administrateur) : acceptée (le lieu est alors tenu
    /// par l'organisation) ou refusée avec un motif ; le courriel au demandeur est mis en file
    /// dans la même transaction ; journal `accepter_revendication` ou `refuser_revendication`.
    /// Refusée si la demande n'est plus en cours, si le motif d'un refus est vide, ou si une autre
    /// structure tient déjà le lieu.
    #[allow(clippy::too_many_arguments)]
    pub async fn decider_revendication(
        &self,
        acteur: &Acteur,
        source: &str,
        id: &str,
        organisation_id: &str,
        accepter: bool,
        motif: Option<&str>,
        courriels: &[NouveauCourriel],
    ) -> Result<(), ErreurStore> {
        let motif = motif.map(str::trim).filter(|m| !m.is_empty());
        if !accepter && motif.is_none() {
            return Err(ErreurStore::Conflit(
                "indiquez le motif du refus : il est envoyé à la structure".into(),
            ));
        }
        let mut ecr = self.ecriture(acteur).await?;
        let statut: Option<(String,)> = sqlx::query_as(
            "SELECT statut FROM lieux_structures WHERE source = $1 AND lieu_id = $2 AND organisation_id = $3",
        )
        .bind(source)
        .bind(id)
        .bind(organisation_id)
        .fetch_optional(ecr.conn())
        .await?;
        if statut.as_ref().map(|(s,)| s.as_str()) != Some("demandee") {
            ecr.abandonner().await?;
            return Err(ErreurStore::Conflit(
                "cette demande n'est plus en cours : elle a déjà été examinée".into(),
            ));
        }
        if accepter {
            let tenu: Option<(String,)> = sqlx::query_as(
                "SELECT o.nom FROM lieux_structures s JOIN organisations o ON o.id = s.organisation_id \
                 WHERE s.source = $1 AND s.lieu_id = $2 AND s.statut = 'acceptee'",
            )
            .bind(source)
            .bind(id)
            .fetch_optional(ecr.conn())
            .await?;
            if let Some((nom,)) = tenu {
                ecr.abandonner().await?;
                return Err(ErreurStore::Conflit(format!(
                    "ce lieu est déjà tenu par la structure « {nom} » : refusez cette demande"
                )));
            }
        }
        let maintenant = horodatage(Utc::now());
        let nouveau = if accepter { "acceptee" } else { "refusee" };
        sqlx::query(
            "UPDATE lieux_structures SET statut = $1, decide_par = $2, decide_le = $3, motif = $4 \
             WHERE source = $5 AND lieu_id = $6 AND organisation_id = $7 AND statut = 'demandee'",
        )
        .bind(nouveau)
        .bind(acteur.journal())
        .bind(&maintenant)
        .bind(motif)
        .bind(source)
        .bind(id)
        .bind(organisation_id)
        .execute(ecr.conn())
        .await?;
        if accepter {
            crate::lieux_compteur::incrementer_version(ecr.conn(), 0, None).await?;
        }
        for c in courriels {
            crate::courriels::inserer(ecr.conn(), c).await?;
        }
        ecr.journal(if accepter {
            "accepter_revendication"
        } else {
            "refuser_revendication"
        })
        .objet("lieu", &format!("{source}/{id}"))
        .avant(&serde_json::json!({ "organisation": organisation_id, "statut": "demandee" }))
        .apres(&serde_json::json!({ "organisation": organisation_id, "statut": nouveau }))
        .motif(motif)
        .ecrire()
        .await?;
        ecr.valider().await
    }

    /// Les lieux tenus (revendications acceptées), avec leur structure.
    pub async fn lieux_tenus(&self) -> Result<Vec<Revendication>, ErreurStore> {
        self.revendications("acceptee").await
    }

    /// Pour chaque lieu changé ou confirmé dans Repères : la date (horodatage) de sa dernière
    /// version locale (hors import) ou de sa dernière confirmation explicite, la plus récente.
    pub async fn confirmations_locales(
        &self,
    ) -> Result<HashMap<(String, String), String>, ErreurStore> {
        let versions: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT source, lieu_id, MAX(cree_le) FROM lieux_historique WHERE origine <> 'import' \
             GROUP BY source, lieu_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let confirmations: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT source, lieu_id, MAX(confirme_le) FROM lieux_confirmations GROUP BY source, lieu_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut m: HashMap<(String, String), String> = HashMap::new();
        for (s, id, d) in versions.into_iter().chain(confirmations) {
            let Some(d) = d else { continue };
            let e = m.entry((s, id)).or_default();
            if d > *e {
                *e = d;
            }
        }
        Ok(m)
    }

    /// Comme [`Store::confirmations_locales`], pour un seul lieu.
    pub async fn confirmation_locale(
        &self,
        source: &str,
        id: &str,
    ) -> Result<Option<String>, ErreurStore> {
        let v: (Option<String>,) = sqlx::query_as(
            "SELECT MAX(cree_le) FROM lieux_historique WHERE origine <> 'import' AND source = $1 AND lieu_id = $2",
        )
        .bind(source)
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        let c: (Option<String>,) = sqlx::query_as(
            "SELECT MAX(confirme_le) FROM lieux_confirmations WHERE source = $1 AND lieu_id = $2",
        )
        .bind(source)
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(v.0.into_iter().chain(c.0).max())
    }

    /// Date de la dernière version d'origine `structure` d'un lieu, s'il y en a une.
    pub async fn derniere_version_structure(
        &self,
        source: &str,
        id: &str,
    ) -> Result<Option<String>, ErreurStore> {
        let v: (Option<String>,) = sqlx::query_as(
            "SELECT MAX(cree_le) FROM lieux_historique WHERE origine = 'structure' AND source = $1 AND lieu_id = $2",
        )
        .bind(source)
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(v.0)
    }

    /// Enregistre un rappel de fraîcheur (lieu, période) et met ses courriels en file, avec une
    /// entrée au journal (`rappeler_fraicheur_lieu`), dans une seule transaction. Rend `false` (et
    /// n'écrit rien) si le rappel de cette période a déjà été envoyé.
    pub async fn enregistrer_rappel_fraicheur(
        &self,
        acteur: &Acteur,
        r: &RappelFraicheur,
        courriels: &[NouveauCourriel],
        maintenant: DateTime<Utc>,
    ) -> Result<bool, ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        let insere = sqlx::query(
            "INSERT INTO lieux_rappels_fraicheur (source, lieu_id, periode, organisation_id, envoye_le, jeton_empreinte, expire_le) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source, lieu_id, periode) DO NOTHING",
        )
        .bind(&r.source)
        .bind(&r.lieu_id)
        .bind(&r.periode)
        .bind(&r.organisation_id)
        .bind(horodatage(maintenant))
        .bind(&r.jeton_empreinte)
        .bind(horodatage(r.expire_le))
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
        ecr.journal("rappeler_fraicheur_lieu")
            .objet("lieu", &format!("{}/{}", r.source, r.lieu_id))
            .apres(&serde_json::json!({
                "periode": r.periode,
                "organisation": r.organisation_id,
                "destinataires": courriels.len(),
            }))
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(true)
    }

    /// L'état d'un lien de confirmation, d'après l'empreinte de son jeton, à l'instant donné.
    pub async fn lien_de_confirmation(
        &self,
        empreinte: &str,
        maintenant: DateTime<Utc>,
    ) -> Result<EtatLien, ErreurStore> {
        let l: Option<LigneRappel> = sqlx::query_as(SELECT_RAPPEL)
            .bind(empreinte)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match l.map(rappel).transpose()? {
            None => EtatLien::Inconnu,
            Some(r) if r.utilise_le.is_some() => EtatLien::Utilise(r),
            Some(r) if r.expire_le <= maintenant => EtatLien::Expire(r),
            Some(r) => EtatLien::Valable(r),
        })
    }

    /// Confirme un lieu par un lien de rappel (sans connexion) : le lien est marqué utilisé, une
    /// confirmation « rien n'a changé » est écrite (le lieu et son `date_maj` ne changent pas),
    /// journal `confirmer_lieu`. Rend l'état du lien ; rien n'est écrit s'il n'est pas valable.
    pub async fn confirmer_par_lien(
        &self,
        empreinte: &str,
        maintenant: DateTime<Utc>,
    ) -> Result<EtatLien, ErreurStore> {
        let acteur = Acteur::new("lien-de-confirmation", reperes_domain::Role::Systeme);
        let mut ecr = self.ecriture(&acteur).await?;
        let l: Option<LigneRappel> = sqlx::query_as(SELECT_RAPPEL)
            .bind(empreinte)
            .fetch_optional(ecr.conn())
            .await?;
        let etat = match l.map(rappel).transpose()? {
            None => EtatLien::Inconnu,
            Some(r) if r.utilise_le.is_some() => EtatLien::Utilise(r),
            Some(r) if r.expire_le <= maintenant => EtatLien::Expire(r),
            Some(r) => EtatLien::Valable(r),
        };
        let EtatLien::Valable(r) = &etat else {
            ecr.abandonner().await?;
            return Ok(etat);
        };
        let quand = horodatage(maintenant);
        let n = sqlx::query(
            "UPDATE lieux_rappels_fraicheur SET utilise_le = $1 WHERE jeton_empreinte = $2 AND utilise_le IS NULL",
        )
        .bind(&quand)
        .bind(empreinte)
        .execute(ecr.conn())
        .await?
        .rows_affected();
        if n != 1 {
            ecr.abandonner().await?;
            return Ok(EtatLien::Utilise(r.clone()));
        }
        sqlx::query(
            "INSERT INTO lieux_confirmations (source, lieu_id, confirme_le, par, organisation_id) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&r.source)
        .bind(&r.lieu_id)
        .bind(&quand)
        .bind(format!("lien:{}", r.periode))
        .bind(&r.organisation_id)
        .execute(ecr.conn())
        .await?;
        // La fraîcheur accompagne l'index des lieux en mémoire : il est reconstruit.
        crate::lieux_compteur::incrementer_version(ecr.conn(), 0, None).await?;
        ecr.journal("confirmer_lieu")
            .objet("lieu", &format!("{}/{}", r.source, r.lieu_id))
            .apres(&serde_json::json!({
                "par": "lien de rappel",
                "periode": r.periode,
                "organisation": r.organisation_id,
            }))
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(etat)
    }
}
