//! Le suivi d'un dossier lu dans son journal d'audit : l'historique en phrases (qui, quoi, quand,
//! au format français), ce que le porteur a changé en réponse à une demande de complément, et le
//! courriel qui en prévient l'agent attribué.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use reperes_domain::audit::EntreeAudit;
use reperes_domain::referentiel::{Nature, Referentiel};
use reperes_domain::{Dossier, Etat as EtatDossier};
use reperes_store::{NouveauCourriel, Utilisateur};

use crate::commun::dates::{instant, jour};
use crate::{ErreurWeb, Etat};

/// Une ligne de l'historique : quand, et la phrase (« Dominique a pris le dossier en charge. »).
pub struct Evenement {
    pub quand: String,
    pub phrase: String,
    pub motif: Option<String>,
}

/// Les personnes que l'historique peut nommer : par adresse (acteur du journal) et par
/// identifiant (agent attribué).
#[derive(Default)]
pub struct Noms {
    par_email: BTreeMap<String, String>,
    par_id: BTreeMap<String, String>,
}

impl Noms {
    pub fn de(personnes: &[Utilisateur]) -> Noms {
        let mut n = Noms::default();
        for u in personnes {
            n.par_email.insert(u.email.clone(), u.nom.clone());
            n.par_id.insert(u.id.clone(), u.nom.clone());
        }
        n
    }

    /// « Dominique Instructeur », à partir de l'acteur du journal (`rôle:identifiant`, ou
    /// `rôle:adresse` dans les entrées écrites avant la migration 0018).
    fn acteur(&self, acteur: &str) -> String {
        let (role, qui) = acteur.split_once(':').unwrap_or(("", acteur));
        if let Some(nom) = self.par_id.get(qui).or_else(|| self.par_email.get(qui)) {
            return nom.clone();
        }
        match role {
            "systeme" => "Repères (tâche automatique)".into(),
            "demandeur" => format!("Le porteur ({qui})"),
            "instructeur" | "administrateur" => format!("L'agent {qui}"),
            _ => qui.to_string(),
        }
    }
}

/// Les comptes acteurs du journal qui ne sont pas parmi `connus` (anciens membres, comptes
/// supprimés), lus dans la table des comptes par leur identifiant.
pub async fn auteurs_absents(
    etat: &Etat,
    journal: &[EntreeAudit],
    connus: &[Utilisateur],
) -> Result<Vec<Utilisateur>, ErreurWeb> {
    let ids: BTreeSet<&str> = journal
        .iter()
        .filter_map(|e| e.contenu.acteur.split_once(':').map(|(_, qui)| qui))
        .filter(|qui| !qui.contains('@') && !connus.iter().any(|u| u.id == *qui))
        .collect();
    let mut v = Vec::new();
    for id in ids {
        if let Some(u) = etat.store.utilisateur(id).await? {
            v.push(u);
        }
    }
    Ok(v)
}

fn valeur(json: &Option<String>) -> serde_json::Value {
    json.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// Ce que dit une entrée, sans le sujet : « a pris le dossier en charge ».
fn predicat(e: &EntreeAudit, r: &Referentiel, noms: &Noms) -> String {
    let charte = r.nature == Nature::Charte;
    let approbation = r.nature == Nature::Approbation;
    let c = &e.contenu;
    let apres = valeur(&c.apres);
    let avant = valeur(&c.avant);
    match c.action.as_str() {
        "creer_dossier" => "a créé le dossier".into(),
        "deposer" if avant["etat"] == "complement_demande" => {
            "a répondu à la demande de complément et déposé le dossier à nouveau".into()
        }
        "deposer" => "a déposé le dossier".into(),
        "prendre_en_charge" => "a pris le dossier en charge".into(),
        "demander_complement" => {
            let echeance = apres["complement"]["echeance"]
                .as_str()
                .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
            match echeance {
                Some(e) => format!("a demandé un complément, avant le {}", jour(e)),
                None => "a demandé un complément".into(),
            }
        }
        "ouvrir_accompagnement" => "a ouvert un accompagnement".into(),
        "clore_accompagnement" => "a clos l'accompagnement".into(),
        "labelliser" if charte => "a contresigné la charte".into(),
        "labelliser" if approbation => "a approuvé la méthode".into(),
        "labelliser" => {
            let niveau = apres["niveau_accorde"]
                .as_u64()
                .and_then(|n| u8::try_from(n).ok())
                .and_then(|n| r.niveau(n))
                .map(|n| n.libelle.clone());
            match niveau {
                Some(n) => format!("a accordé le label (« {n} »)"),
                None => "a accordé le label".into(),
            }
        }
        "refuser" => "a refusé le dossier".into(),
        "classer_sans_suite" => "a classé le dossier sans suite".into(),
        "retirer" if charte => "a retiré la contre-signature de la charte".into(),
        "retirer" if approbation => "a retiré l'approbation de la méthode".into(),
        "retirer" => "a retiré le label".into(),
        "expirer" if charte => "a constaté la fin de validité de la charte".into(),
        "expirer" if approbation => "a constaté la fin de validité de l'approbation".into(),
        "expirer" => "a constaté l'expiration du label".into(),
        "modifier_reponse" => "a modifié les réponses du dossier".into(),
        "joindre_fichier" => "a joint un fichier".into(),
        "modifier_declaration" => "a répondu aux déclarations sur l'honneur".into(),
        "modifier_engagements" => "a accepté les engagements".into(),
        "modifier_niveau_vise" if charte => "a modifié le dossier".into(),
        "modifier_niveau_vise" => "a changé le niveau visé".into(),
        "modifier_partenaires" => "a déclaré les partenaires de la démarche".into(),
        "apprecier_critere" if charte => "a apprécié un dispositif".into(),
        "apprecier_critere" => "a apprécié un critère".into(),
        "attribuer" => match apres["instructeur_id"].as_str() {
            Some(id) => format!(
                "a attribué le dossier à {}",
                noms.par_id
                    .get(id)
                    .map(String::as_str)
                    .unwrap_or("un agent")
            ),
            None => "a retiré l'attribution du dossier".into(),
        },
        "modifier_plan_accompagnement" => "a enregistré le plan d'accompagnement".into(),
        "demander_avis" => "a demandé l'avis d'un expert".into(),
        "ouvrir_avis" => "a ouvert la demande d'avis".into(),
        "rendre_avis" => "a rendu son avis".into(),
        "relancer_avis" => "a relancé l'expert (avis attendu)".into(),
        "annuler_avis" => "a annulé une demande d'avis".into(),
        _ => "a modifié le dossier".into(),
    }
}

/// L'historique d'un dossier en phrases, du plus ancien au plus récent. Les gestes répétés de
/// suite par la même personne (réponses enregistrées étape par étape, appréciations critère par
/// critère) sont regroupés en une phrase.
pub fn phrases(journal: &[EntreeAudit], r: &Referentiel, noms: &Noms) -> Vec<Evenement> {
    let mut v: Vec<(String, String, String, usize, Option<String>)> = Vec::new();
    for e in journal {
        let c = &e.contenu;
        let quand = DateTime::parse_from_rfc3339(&c.horodatage)
            .map(|t| instant(t.with_timezone(&Utc)))
            .unwrap_or_else(|_| c.horodatage.clone());
        let qui = noms.acteur(&c.acteur);
        let quoi = predicat(e, r, noms);
        let motif = c.motif.clone().filter(|m| !m.trim().is_empty());
        match v.last_mut() {
            Some((q, qui_, quoi_, n, None))
                if *qui_ == qui && *quoi_ == quoi && motif.is_none() =>
            {
                *q = quand;
                *n += 1;
            }
            _ => v.push((quand, qui, quoi, 1, motif)),
        }
    }
    v.into_iter()
        .map(|(quand, qui, quoi, n, motif)| Evenement {
            quand,
            phrase: if n > 1 {
                format!("{qui} {quoi} ({n} fois).")
            } else {
                format!("{qui} {quoi}.")
            },
            motif,
        })
        .collect()
}

/// Ce que le porteur a apporté en réponse à la dernière demande de complément.
pub struct Nouveautes {
    /// Date de la demande.
    pub demande_le: DateTime<Utc>,
    /// Critères dont la réponse (texte, liens, fichiers, niveau) a changé depuis la demande.
    pub criteres: BTreeSet<String>,
}

/// Les nouveautés depuis la dernière demande de complément, si le porteur y a répondu (dossier
/// déposé à nouveau après la demande).
pub fn nouveautes(
    journal: &[EntreeAudit],
    d: &Dossier,
    recu_le: Option<DateTime<Utc>>,
) -> Option<Nouveautes> {
    let demande = journal
        .iter()
        .rev()
        .find(|e| e.contenu.action == "demander_complement")?;
    let demande_le = DateTime::parse_from_rfc3339(&demande.contenu.horodatage)
        .ok()?
        .with_timezone(&Utc);
    if recu_le.is_none_or(|r| r < demande_le) {
        return None;
    }
    let avant: Dossier = serde_json::from_str(demande.contenu.apres.as_deref()?).ok()?;
    let criteres = d
        .criteres
        .iter()
        .filter(|(id, rep)| {
            let ancien = avant.criteres.get(*id);
            ancien.is_none_or(|a| {
                a.texte != rep.texte
                    || a.liens != rep.liens
                    || a.fichiers != rep.fichiers
                    || a.niveau_auto != rep.niveau_auto
            })
        })
        .map(|(id, _)| id.clone())
        .collect();
    Some(Nouveautes {
        demande_le,
        criteres,
    })
}

/// Les courriels qui accompagnent le dépôt d'un dossier `avant` (lu avant le dépôt) : si le
/// porteur répond à une demande de complément, l'agent attribué en est prévenu. À ajouter aux
/// courriels du dépôt, dans la même transaction.
pub async fn prevenir_l_agent(
    etat: &Etat,
    avant: &Dossier,
) -> Result<impl Fn(&Dossier) -> Vec<NouveauCourriel> + Send + Sync + use<>, ErreurWeb> {
    let agent = match (&avant.instructeur_id, avant.etat) {
        (Some(i), EtatDossier::ComplementDemande) => etat.store.utilisateur(i).await?,
        _ => None,
    };
    let url = etat.config.url_publique.clone();
    Ok(move |d: &Dossier| {
        agent
            .iter()
            .map(|a| {
                let numero = d.numero.clone().unwrap_or_default();
                NouveauCourriel {
                    destinataire: a.email.clone(),
                    sujet: format!("Repères : complément reçu pour le dossier {numero}"),
                    corps: format!(
                        "Bonjour,\n\nLe porteur du dossier {numero}, qui vous est attribué, a répondu à la demande de complément et l'a déposé à nouveau le {}.\n\nLes éléments nouveaux sont signalés sur la page du dossier : {url}/dossiers/{}\n",
                        instant(Utc::now()),
                        d.id
                    ),
                }
            })
            .collect()
    })
}
