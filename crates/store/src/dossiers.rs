//! Dossiers : création, lecture, actions du cycle de vie et modifications, chacune dans une
//! transaction qui écrit aussi le journal d'audit.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use reperes_domain::dossier::{
    self, Appreciation, Decision, DemandeComplement, ReponseCritere, TypeAction,
};
use reperes_domain::{Action, Catalogue, Dossier, Etat, Modification, Referentiel};
use sqlx::AnyConnection;

use crate::{horodatage, lire_date, lire_horodatage, Acteur, ErreurStore, Store};

/// Ligne de liste d'un dossier, avec les noms de l'organisation et du dispositif.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeDossier {
    pub id: String,
    pub referentiel_id: String,
    pub referentiel_version: String,
    pub etat: Etat,
    pub organisation_id: String,
    pub organisation_nom: String,
    pub dispositif_id: String,
    pub dispositif_nom: String,
    pub type_dispositif: String,
    pub niveau_vise: u8,
    pub niveau_accorde: Option<u8>,
    pub fin_validite: Option<NaiveDate>,
    pub depose_le: Option<DateTime<Utc>>,
    pub modifie_le: DateTime<Utc>,
    pub numero: Option<String>,
    pub instructeur_id: Option<String>,
    /// Dernière réponse du porteur à une demande de complément (dépôt depuis « complément
    /// demandé »).
    pub complement_recu_le: Option<DateTime<Utc>>,
}

/// Filtres de la liste des dossiers (tous optionnels).
#[derive(Debug, Clone, Default)]
pub struct FiltreDossiers {
    pub etat: Option<Etat>,
    pub referentiel_id: Option<String>,
    pub organisation_id: Option<String>,
    /// Dossiers des seules organisations listées (vue d'un membre) ; `None` : toutes.
    pub organisations: Option<Vec<String>>,
    pub type_dispositif: Option<String>,
    pub niveau_vise: Option<u8>,
    /// Déposés à partir de cette date (incluse).
    pub depose_depuis: Option<NaiveDate>,
    /// Déposés jusqu'à cette date (incluse).
    pub depose_jusqu_au: Option<NaiveDate>,
    /// Attribués à cet agent ; `Some("")` : non attribués.
    pub instructeur_id: Option<String>,
    /// Exclure les brouillons (vue de l'instruction).
    pub sans_brouillons: bool,
}

fn niveau(v: Option<i64>) -> Result<Option<u8>, ErreurStore> {
    v.map(|n| u8::try_from(n).map_err(|_| ErreurStore::Corrompue(format!("niveau {n}"))))
        .transpose()
}

fn etat(code: &str) -> Result<Etat, ErreurStore> {
    Etat::depuis_code(code).ok_or_else(|| ErreurStore::Corrompue(format!("état « {code} »")))
}

fn horodatage_opt(s: Option<String>) -> Result<Option<DateTime<Utc>>, ErreurStore> {
    s.as_deref().map(lire_horodatage).transpose()
}

fn date_opt(s: Option<String>) -> Result<Option<NaiveDate>, ErreurStore> {
    s.as_deref().map(lire_date).transpose()
}

/// Une ligne de `dossier_criteres`.
#[derive(sqlx::FromRow)]
struct LigneCritere {
    critere_id: String,
    texte: String,
    liens: String,
    fichiers: String,
    niveau_auto: Option<i64>,
    apprecie: i64,
    appreciation_niveau: Option<i64>,
    appreciation_commentaire: Option<String>,
    licence: Option<String>,
    materiel: Option<String>,
}

impl LigneCritere {
    /// Le critère et la réponse du dossier.
    fn reponse(self) -> Result<(String, ReponseCritere), ErreurStore> {
        let l = self;
        let appreciation = if l.apprecie != 0 {
            Some(Appreciation {
                niveau: niveau(l.appreciation_niveau)?,
                commentaire: l.appreciation_commentaire.unwrap_or_default(),
            })
        } else {
            None
        };
        let reponse = ReponseCritere {
            texte: l.texte,
            liens: serde_json::from_str(&l.liens)?,
            fichiers: serde_json::from_str(&l.fichiers)?,
            niveau_auto: niveau(l.niveau_auto)?,
            appreciation,
            licence: l.licence,
            materiel: l.materiel,
        };
        Ok((l.critere_id, reponse))
    }
}

/// Une ligne de `dossiers`.
#[derive(sqlx::FromRow)]
struct LigneDossier {
    id: String,
    referentiel_id: String,
    referentiel_version: String,
    organisation_id: String,
    dispositif_id: String,
    type_demandeur: String,
    type_dispositif: String,
    niveau_vise: i64,
    etat: String,
    declarations: String,
    engagements: String,
    complement_motif: Option<String>,
    complement_echeance: Option<String>,
    accompagnement: Option<String>,
    niveau_accorde: Option<i64>,
    fin_validite: Option<String>,
    depose_le: Option<String>,
    decision_action: Option<String>,
    decision_motivation: Option<String>,
    decision_le: Option<String>,
    renouvellement_de: Option<String>,
    numero: Option<String>,
    partenaires: String,
    instructeur_id: Option<String>,
    plan_accompagnement: Option<String>,
    labellise_le: Option<String>,
    justifications: String,
    retour_terrain: Option<String>,
}

impl LigneDossier {
    /// Le dossier, avec ses réponses aux critères.
    fn dossier(self, criteres: BTreeMap<String, ReponseCritere>) -> Result<Dossier, ErreurStore> {
        let decision = match self.decision_action {
            None => None,
            Some(code) => Some(Decision {
                action: TypeAction::depuis_code(&code)
                    .ok_or_else(|| ErreurStore::Corrompue(format!("décision « {code} »")))?,
                motivation: self.decision_motivation.unwrap_or_default(),
                le: lire_horodatage(&self.decision_le.unwrap_or_default())?,
            }),
        };
        Ok(Dossier {
            id: self.id,
            referentiel_id: self.referentiel_id,
            referentiel_version: self.referentiel_version,
            organisation_id: self.organisation_id,
            dispositif_id: self.dispositif_id,
            type_demandeur: self.type_demandeur,
            type_dispositif: self.type_dispositif,
            niveau_vise: niveau(Some(self.niveau_vise))?.unwrap_or(1),
            etat: etat(&self.etat)?,
            criteres,
            declarations: serde_json::from_str::<BTreeMap<String, bool>>(&self.declarations)?,
            engagements: serde_json::from_str::<BTreeSet<String>>(&self.engagements)?,
            complement: match (self.complement_motif, self.complement_echeance) {
                (Some(motif), Some(e)) => Some(DemandeComplement {
                    motif,
                    echeance: lire_date(&e)?,
                }),
                _ => None,
            },
            accompagnement: self.accompagnement,
            niveau_accorde: niveau(self.niveau_accorde)?,
            fin_validite: date_opt(self.fin_validite)?,
            depose_le: horodatage_opt(self.depose_le)?,
            decision,
            renouvellement_de: self.renouvellement_de,
            numero: self.numero,
            partenaires: serde_json::from_str(&self.partenaires)?,
            instructeur_id: self.instructeur_id,
            plan: self
                .plan_accompagnement
                .map(|p| serde_json::from_str(&p))
                .transpose()?,
            labellise_le: horodatage_opt(self.labellise_le)?,
            justifications: serde_json::from_str(&self.justifications)?,
            retour_terrain: self
                .retour_terrain
                .map(|r| serde_json::from_str(&r))
                .transpose()?,
        })
    }
}

/// Une ligne de la liste des dossiers (dossier, noms de l'organisation et du dispositif).
#[derive(sqlx::FromRow)]
struct LigneResume {
    id: String,
    referentiel_id: String,
    referentiel_version: String,
    etat: String,
    organisation_id: String,
    organisation_nom: String,
    dispositif_id: String,
    dispositif_nom: String,
    type_dispositif: String,
    niveau_vise: i64,
    niveau_accorde: Option<i64>,
    fin_validite: Option<String>,
    depose_le: Option<String>,
    modifie_le: String,
    numero: Option<String>,
    instructeur_id: Option<String>,
    complement_recu_le: Option<String>,
}

impl TryFrom<LigneResume> for ResumeDossier {
    type Error = ErreurStore;
    fn try_from(l: LigneResume) -> Result<Self, ErreurStore> {
        Ok(ResumeDossier {
            id: l.id,
            referentiel_id: l.referentiel_id,
            referentiel_version: l.referentiel_version,
            etat: etat(&l.etat)?,
            organisation_id: l.organisation_id,
            organisation_nom: l.organisation_nom,
            dispositif_id: l.dispositif_id,
            dispositif_nom: l.dispositif_nom,
            type_dispositif: l.type_dispositif,
            niveau_vise: niveau(Some(l.niveau_vise))?.unwrap_or(1),
            niveau_accorde: niveau(l.niveau_accorde)?,
            fin_validite: date_opt(l.fin_validite)?,
            depose_le: horodatage_opt(l.depose_le)?,
            modifie_le: lire_horodatage(&l.modifie_le)?,
            numero: l.numero,
            instructeur_id: l.instructeur_id,
            complement_recu_le: horodatage_opt(l.complement_recu_le)?,
        })
    }
}

async fn charger(conn: &mut AnyConnection, id: &str) -> Result<Option<Dossier>, ErreurStore> {
    let Some(ligne) = sqlx::query_as::<_, LigneDossier>("SELECT * FROM dossiers WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let criteres = sqlx::query_as::<_, LigneCritere>(
        "SELECT * FROM dossier_criteres WHERE dossier_id = $1 ORDER BY critere_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(LigneCritere::reponse)
    .collect::<Result<_, _>>()?;
    ligne.dossier(criteres).map(Some)
}

/// Écrit le dossier (ligne et critères). `nouveau` : insertion plutôt que mise à jour.
async fn sauver(conn: &mut AnyConnection, d: &Dossier, nouveau: bool) -> Result<(), ErreurStore> {
    let maintenant = horodatage(Utc::now());
    let sql = if nouveau {
        "INSERT INTO dossiers (referentiel_id, referentiel_version, organisation_id, dispositif_id, \
         type_demandeur, type_dispositif, niveau_vise, etat, declarations, engagements, \
         complement_motif, complement_echeance, accompagnement, niveau_accorde, fin_validite, \
         depose_le, decision_action, decision_motivation, decision_le, renouvellement_de, \
         modifie_le, id, numero, instructeur_id, plan_accompagnement, labellise_le, partenaires, \
         justifications, retour_terrain, cree_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $21)"
    } else {
        "UPDATE dossiers SET referentiel_id = $1, referentiel_version = $2, organisation_id = $3, \
         dispositif_id = $4, type_demandeur = $5, type_dispositif = $6, niveau_vise = $7, etat = $8, \
         declarations = $9, engagements = $10, complement_motif = $11, complement_echeance = $12, \
         accompagnement = $13, niveau_accorde = $14, fin_validite = $15, depose_le = $16, \
         decision_action = $17, decision_motivation = $18, decision_le = $19, \
         renouvellement_de = $20, modifie_le = $21, numero = $23, instructeur_id = $24, \
         plan_accompagnement = $25, labellise_le = $26, partenaires = $27, \
         justifications = $28, retour_terrain = $29 WHERE id = $22"
    };
    sqlx::query(sql)
        .bind(&d.referentiel_id)
        .bind(&d.referentiel_version)
        .bind(&d.organisation_id)
        .bind(&d.dispositif_id)
        .bind(&d.type_demandeur)
        .bind(&d.type_dispositif)
        .bind(i64::from(d.niveau_vise))
        .bind(d.etat.code())
        .bind(serde_json::to_string(&d.declarations)?)
        .bind(serde_json::to_string(&d.engagements)?)
        .bind(d.complement.as_ref().map(|c| c.motif.clone()))
        .bind(d.complement.as_ref().map(|c| c.echeance.to_string()))
        .bind(&d.accompagnement)
        .bind(d.niveau_accorde.map(i64::from))
        .bind(d.fin_validite.map(|f| f.to_string()))
        .bind(d.depose_le.map(horodatage))
        .bind(d.decision.as_ref().map(|x| x.action.code()))
        .bind(d.decision.as_ref().map(|x| x.motivation.clone()))
        .bind(d.decision.as_ref().map(|x| horodatage(x.le)))
        .bind(&d.renouvellement_de)
        .bind(&maintenant)
        .bind(&d.id)
        .bind(&d.numero)
        .bind(&d.instructeur_id)
        .bind(d.plan.as_ref().map(serde_json::to_string).transpose()?)
        .bind(d.labellise_le.map(horodatage))
        .bind(serde_json::to_string(&d.partenaires)?)
        .bind(serde_json::to_string(&d.justifications)?)
        .bind(
            d.retour_terrain
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?,
        )
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM dossier_criteres WHERE dossier_id = $1")
        .bind(&d.id)
        .execute(&mut *conn)
        .await?;
    for (critere, r) in &d.criteres {
        sqlx::query(
            "INSERT INTO dossier_criteres (dossier_id, critere_id, texte, liens, fichiers, niveau_auto, \
             apprecie, appreciation_niveau, appreciation_commentaire, licence, materiel) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&d.id)
        .bind(critere)
        .bind(&r.texte)
        .bind(serde_json::to_string(&r.liens)?)
        .bind(serde_json::to_string(&r.fichiers)?)
        .bind(r.niveau_auto.map(i64::from))
        .bind(i64::from(r.appreciation.is_some()))
        .bind(r.appreciation.as_ref().and_then(|a| a.niveau).map(i64::from))
        .bind(r.appreciation.as_ref().map(|a| a.commentaire.clone()))
        .bind(&r.licence)
        .bind(&r.materiel)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Rédige les courriels à envoyer après une action, à partir du dossier obtenu.
pub type Notifier<'a> =
    dyn Fn(&Dossier) -> Vec<crate::courriels::NouveauCourriel> + Send + Sync + 'a;

/// Numéro de récépissé suivant : `REP-AAAA-NNNNNN`, compteur annuel.
async fn prochain_numero(
    conn: &mut AnyConnection,
    t: DateTime<Utc>,
) -> Result<String, ErreurStore> {
    let annee = t.format("%Y").to_string();
    let (n,): (i64,) = sqlx::query_as(
        "INSERT INTO compteurs (nom, valeur) VALUES ($1, 1) \
         ON CONFLICT (nom) DO UPDATE SET valeur = compteurs.valeur + 1 RETURNING valeur",
    )
    .bind(format!("dossiers-{annee}"))
    .fetch_one(&mut *conn)
    .await?;
    Ok(format!("REP-{annee}-{n:06}"))
}

fn referentiel<'c>(catalogue: &'c Catalogue, d: &Dossier) -> Result<&'c Referentiel, ErreurStore> {
    catalogue
        .referentiel(&d.referentiel_id, &d.referentiel_version)
        .ok_or_else(|| {
            ErreurStore::ReferentielInconnu(format!(
                "{}@{}",
                d.referentiel_id, d.referentiel_version
            ))
        })
}

impl Store {
    /// Enregistre un nouveau dossier (brouillon ou renouvellement).
    pub async fn creer_dossier(&self, acteur: &Acteur, d: &Dossier) -> Result<(), ErreurStore> {
        let mut ecr = self.ecriture(acteur).await?;
        sauver(ecr.conn(), d, true).await?;
        ecr.journal("creer_dossier")
            .objet("dossier", &d.id)
            .apres(d)
            .ecrire()
            .await?;
        ecr.valider().await
    }

    pub async fn dossier(&self, id: &str) -> Result<Option<Dossier>, ErreurStore> {
        let mut conn = self.pool.acquire().await?;
        charger(&mut conn, id).await
    }

    /// Lit, transforme et réécrit un dossier dans une seule transaction, avec son entrée de journal.
    /// Si `transformer` refuse, rien n'est écrit.
    #[allow(clippy::too_many_arguments)]
    async fn transformer<F>(
        &self,
        catalogue: &Catalogue,
        id: &str,
        acteur: &Acteur,
        action: &str,
        motif: Option<&str>,
        transformer: F,
        notifier: &Notifier<'_>,
    ) -> Result<Dossier, ErreurStore>
    where
        F: FnOnce(&Dossier, &Referentiel) -> Result<Dossier, reperes_domain::Refus>,
    {
        let mut ecr = self.ecriture(acteur).await?;
        let avant = charger(ecr.conn(), id)
            .await?
            .ok_or_else(|| ErreurStore::Introuvable(format!("dossier {id}")))?;
        let r = referentiel(catalogue, &avant)?;
        let mut apres = transformer(&avant, r)?;
        if apres.etat == Etat::Depose && apres.numero.is_none() {
            apres.numero = Some(prochain_numero(ecr.conn(), Utc::now()).await?);
        }
        sauver(ecr.conn(), &apres, false).await?;
        if avant.etat == Etat::ComplementDemande && apres.etat == Etat::Depose {
            sqlx::query("UPDATE dossiers SET complement_recu_le = $1 WHERE id = $2")
                .bind(horodatage(Utc::now()))
                .bind(id)
                .execute(ecr.conn())
                .await?;
        }
        if let Some(e) = crate::abonnements::evenement(avant.etat, &apres) {
            crate::abonnements::programmer(ecr.conn(), e, &apres).await?;
        }
        for c in notifier(&apres) {
            crate::courriels::inserer(ecr.conn(), &c).await?;
        }
        ecr.journal(action)
            .objet("dossier", id)
            .avant(&avant)
            .apres(&apres)
            .motif(motif)
            .ecrire()
            .await?;
        ecr.valider().await?;
        Ok(apres)
    }

    /// Applique une action du cycle de vie (voir [`reperes_domain::dossier::TRANSITIONS`]).
    pub async fn agir(
        &self,
        catalogue: &Catalogue,
        id: &str,
        acteur: &Acteur,
        action: &Action,
        maintenant: DateTime<Utc>,
    ) -> Result<Dossier, ErreurStore> {
        self.agir_et_notifier(catalogue, id, acteur, action, maintenant, &|_| vec![])
            .await
    }

    /// Comme [`Store::agir`], et met en file, dans la même transaction, les courriels que
    /// `notifier` rédige à partir du dossier obtenu : une décision n'est jamais écrite sans son
    /// courriel, ni l'inverse.
    pub async fn agir_et_notifier(
        &self,
        catalogue: &Catalogue,
        id: &str,
        acteur: &Acteur,
        action: &Action,
        maintenant: DateTime<Utc>,
        notifier: &Notifier<'_>,
    ) -> Result<Dossier, ErreurStore> {
        self.transformer(
            catalogue,
            id,
            acteur,
            action.type_action().code(),
            action.motif(),
            |d, r| dossier::appliquer(d, r, acteur.role, action, maintenant),
            notifier,
        )
        .await
    }

    /// Prend en charge un dossier déposé et l'attribue, d'un seul geste (une entrée de journal), à
    /// l'agent qui le fait.
    pub async fn prendre_en_charge(
        &self,
        catalogue: &Catalogue,
        id: &str,
        acteur: &Acteur,
        instructeur_id: &str,
        maintenant: DateTime<Utc>,
    ) -> Result<Dossier, ErreurStore> {
        let action = Action::PrendreEnCharge;
        self.transformer(
            catalogue,
            id,
            acteur,
            action.type_action().code(),
            None,
            |d, r| {
                let pris = dossier::appliquer(d, r, acteur.role, &action, maintenant)?;
                let attribution = Modification::Attribuer {
                    instructeur_id: Some(instructeur_id.to_string()),
                };
                dossier::modifier(&pris, r, acteur.role, &attribution)
            },
            &|_| vec![],
        )
        .await
    }

    /// Quand le porteur a répondu pour la dernière fois à une demande de complément.
    pub async fn complement_recu_le(&self, id: &str) -> Result<Option<DateTime<Utc>>, ErreurStore> {
        let v: Option<(Option<String>,)> =
            sqlx::query_as("SELECT complement_recu_le FROM dossiers WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        horodatage_opt(v.and_then(|(x,)| x))
    }

    /// Modifie le contenu d'un dossier (preuves, déclarations, engagements, appréciations).
    pub async fn modifier(
        &self,
        catalogue: &Catalogue,
        id: &str,
        acteur: &Acteur,
        modification: &Modification,
    ) -> Result<Dossier, ErreurStore> {
        self.transformer(
            catalogue,
            id,
            acteur,
            modification.code(),
            None,
            |d, r| dossier::modifier(d, r, acteur.role, modification),
            &|_| vec![],
        )
        .await
    }

    /// Crée le renouvellement d'un dossier labellisé ou expiré, sur la version du référentiel
    /// en vigueur au jour donné.
    pub async fn renouveler(
        &self,
        catalogue: &Catalogue,
        ancien_id: &str,
        acteur: &Acteur,
        nouvel_id: String,
        jour: NaiveDate,
    ) -> Result<Dossier, ErreurStore> {
        let ancien = self
            .dossier(ancien_id)
            .await?
            .ok_or_else(|| ErreurStore::Introuvable(format!("dossier {ancien_id}")))?;
        let r = catalogue
            .referentiel_en_vigueur(&ancien.referentiel_id, jour)
            .ok_or_else(|| ErreurStore::ReferentielInconnu(ancien.referentiel_id.clone()))?;
        let nouveau = dossier::renouveler(&ancien, r, nouvel_id)?;
        self.creer_dossier(acteur, &nouveau).await?;
        Ok(nouveau)
    }

    /// Liste des dossiers, les plus récemment modifiés d'abord.
    pub async fn dossiers(
        &self,
        filtre: &FiltreDossiers,
    ) -> Result<Vec<ResumeDossier>, ErreurStore> {
        let lignes = sqlx::query_as::<_, LigneResume>(
            "SELECT d.id, d.referentiel_id, d.referentiel_version, d.etat, d.organisation_id, \
             o.nom AS organisation_nom, d.dispositif_id, x.nom AS dispositif_nom, d.type_dispositif, \
             d.niveau_vise, d.niveau_accorde, d.fin_validite, d.depose_le, d.modifie_le, \
             d.numero, d.instructeur_id, d.complement_recu_le \
             FROM dossiers d JOIN organisations o ON o.id = d.organisation_id \
             JOIN dispositifs x ON x.id = d.dispositif_id \
             WHERE ($1 IS NULL OR d.etat = $1) AND ($2 IS NULL OR d.referentiel_id = $2) \
             AND ($3 IS NULL OR d.organisation_id = $3) \
             AND ($4 IS NULL OR d.type_dispositif = $4) AND ($5 IS NULL OR d.niveau_vise = $5) \
             AND ($6 IS NULL OR d.depose_le >= $6) AND ($7 IS NULL OR d.depose_le < $7) \
             AND ($8 IS NULL OR COALESCE(d.instructeur_id, '') = $8) \
             AND ($9 = 0 OR d.etat <> 'brouillon') \
             ORDER BY d.modifie_le DESC, d.id",
        )
        .bind(filtre.etat.map(|e| e.code()))
        .bind(filtre.referentiel_id.as_deref())
        .bind(filtre.organisation_id.as_deref())
        .bind(filtre.type_dispositif.as_deref())
        .bind(filtre.niveau_vise.map(i64::from))
        .bind(filtre.depose_depuis.map(|d| d.to_string()))
        .bind(
            filtre
                .depose_jusqu_au
                .and_then(|d| d.succ_opt())
                .map(|d| d.to_string()),
        )
        .bind(filtre.instructeur_id.as_deref())
        .bind(i64::from(filtre.sans_brouillons))
        .fetch_all(&self.pool)
        .await?;
        lignes
            .into_iter()
            .map(ResumeDossier::try_from)
            .filter(|r| match (&filtre.organisations, r) {
                (Some(orgs), Ok(x)) => orgs.contains(&x.organisation_id),
                _ => true,
            })
            .collect()
    }

    /// Nombre de dossiers par état (états sans dossier compris, à zéro).
    pub async fn compter_par_etat(&self) -> Result<Vec<(Etat, i64)>, ErreurStore> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT etat, COUNT(*) FROM dossiers GROUP BY etat")
                .fetch_all(&self.pool)
                .await?;
        let mut v: Vec<(Etat, i64)> = Etat::TOUS.iter().map(|e| (*e, 0)).collect();
        for (code, n) in rows {
            let e = etat(&code)?;
            if let Some(x) = v.iter_mut().find(|(k, _)| *k == e) {
                x.1 = n;
            }
        }
        Ok(v)
    }
}
