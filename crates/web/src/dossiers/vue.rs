//! Vue d'un dossier : réponses par critère, messages, actions possibles selon le rôle et l'état,
//! journal pour les agents.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use reperes_domain::dossier::{TypeAction, TRANSITIONS};
use reperes_domain::referentiel::{Critere, Referentiel};
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::{Dossier, Etat as EtatDossier, Role};
use reperes_store::{Fichier, Message};
use serde::Deserialize;

use crate::commun::acces::dossier_du_connecte;
use crate::commun::acces::noms_des_agents;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::historique::{self, Evenement, Noms, Nouveautes};
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::etapes::{etapes, Etape};
use super::fichiers::fichiers_par_id;

/// Une action sans motivation (prendre en charge, clore l'accompagnement) : un bouton. Les
/// décisions motivées ont leur page (« Décision »).
pub struct ActionPossible {
    pub code: &'static str,
    pub libelle: &'static str,
}

fn libelle_action(a: TypeAction) -> &'static str {
    match a {
        TypeAction::Deposer => "Déposer",
        TypeAction::PrendreEnCharge => "Prendre en charge",
        TypeAction::DemanderComplement => "Demander un complément",
        TypeAction::OuvrirAccompagnement => "Ouvrir un accompagnement",
        TypeAction::CloreAccompagnement => "Clore l'accompagnement",
        TypeAction::Labelliser => "Accorder le label",
        TypeAction::Refuser => "Refuser",
        TypeAction::ClasserSansSuite => "Classer sans suite",
        TypeAction::Retirer => "Retirer le label",
        TypeAction::Expirer => "Déclarer expiré",
    }
}

pub struct LigneCritere<'a> {
    pub c: &'a Critere,
    pub obligatoire: bool,
    pub texte: String,
    pub liens: Vec<String>,
    pub fichiers: Vec<Fichier>,
    pub niveau_auto: Option<u8>,
    pub appreciation: Option<(Option<u8>, String)>,
    /// Réponse modifiée depuis la dernière demande de complément.
    pub nouveau: bool,
    /// Pour le porteur, pendant un complément : l'étape où compléter ce critère signalé.
    pub etape_a_completer: Option<usize>,
}

#[derive(Template)]
#[template(path = "dossiers/dossier.html")]
struct PageDossier<'a> {
    cadre: Cadre,
    d: Dossier,
    r: &'a Referentiel,
    organisation: String,
    dispositif: String,
    criteres: Vec<LigneCritere<'a>>,
    messages: Vec<(Message, String, Vec<Fichier>)>,
    agent: bool,
    demandeur: bool,
    actions: Vec<ActionPossible>,
    /// Une décision motivée est possible : lien vers la page « Décision ».
    decision: bool,
    /// Agent membre de l'organisation porteuse : l'encadré qui dit pourquoi il n'instruit pas ce
    /// dossier (aucun formulaire d'instruction n'est affiché).
    conflit: Option<&'static str>,
    agents: Vec<(String, String)>,
    historique: Vec<Evenement>,
    voir_appreciations: bool,
    /// Réponse du porteur à la dernière demande de complément (agents).
    nouveautes: Option<Nouveautes>,
    complement_recu_le: Option<chrono::DateTime<Utc>>,
    /// Messages publiés depuis la demande de complément.
    messages_nouveaux: usize,
    /// Étape où le porteur commence à compléter (premier critère signalé).
    premiere_etape_a_completer: usize,
    /// Formulaire de message refusé : texte saisi et erreurs au champ.
    message: FormulaireMessage,
    /// Après le dépôt, pour le demandeur : ce qui se passe ensuite.
    suite: Option<SuiteDepot>,
    /// Avis d'experts : tous pour les agents ; les avis partagés et rendus pour le demandeur.
    avis: Vec<AvisAffiche>,
}

/// Un avis d'expert montré dans la page du dossier (lu depuis le store).
pub struct AvisAffiche {
    pub a: reperes_domain::dossier::avis::DemandeAvis,
    pub etat: reperes_domain::dossier::avis::EtatAvis,
    pub pieces: Vec<Fichier>,
}

impl AvisAffiche {
    fn en_attente(&self) -> bool {
        self.a.attend_reponse()
    }
}

/// Le formulaire de message, vide ou ré-affiché après un refus.
#[derive(Default)]
pub(super) struct FormulaireMessage {
    pub corps: String,
    pub prive: bool,
    pub erreurs: Vec<ErreurChamp>,
}

/// Ce que le demandeur doit savoir après le dépôt : qui instruit, quand, et où est l'accusé de
/// réception.
pub struct SuiteDepot {
    pub par: String,
    pub texte: String,
    pub delai_jours: Option<u32>,
    pub accuse_a: Vec<String>,
}

impl PageDossier<'_> {
    /// Licence (nom et identifiant SPDX) et matériel publié d'un critère, s'ils sont renseignés.
    fn licence_de(&self, critere: &str) -> Option<(String, String)> {
        let rep = self.d.reponse(critere)?;
        let spdx = rep.licence.as_deref()?;
        let nom = self
            .r
            .critere(critere)
            .and_then(|c| c.licence_admise(spdx))
            .map(|l| format!("{} ({})", l.nom, l.spdx))
            .unwrap_or_else(|| spdx.to_string());
        Some((nom, rep.materiel.clone().unwrap_or_default()))
    }
    /// Déclarations du dossier, avec leur réponse et leur justification : (libellé, oui, justification).
    fn declarations_du_dossier(&self) -> Vec<(String, bool, String)> {
        crate::commun::libelles::declarations(self.r)
            .into_iter()
            .map(|(id, libelle)| {
                (
                    libelle,
                    self.d.declarations.get(&id).copied().unwrap_or(false),
                    self.d.justifications.get(&id).cloned().unwrap_or_default(),
                )
            })
            .collect()
    }

    /// Un agent qui peut instruire ce dossier (pas de conflit d'intérêts).
    fn instruit(&self) -> bool {
        self.agent && self.conflit.is_none()
    }
    fn erreur(&self, champ: &str) -> Option<&str> {
        self.message
            .erreurs
            .iter()
            .find(|e| e.champ == champ)
            .map(|e| e.message.as_str())
    }
    /// Libellé de l'état, selon la nature du référentiel (une charte est « signée et contresignée
    /// »).
    fn etat_libelle(&self) -> &'static str {
        reperes_domain::charte::libelle_etat(self.d.etat, self.r.nature)
    }
    /// Charte signée et contresignée : le territoire publie ses rapports.
    fn charte_signee(&self) -> bool {
        self.r.nature == reperes_domain::referentiel::Nature::Charte
            && self.d.etat == EtatDossier::Labellise
    }
    fn niveau_libelle(&self, n: &u8) -> String {
        self.r
            .niveau(*n)
            .map(|x| x.libelle.clone())
            .unwrap_or_else(|| n.to_string())
    }
    fn instructeur(&self) -> String {
        self.d
            .instructeur_id
            .as_ref()
            .and_then(|i| self.agents.iter().find(|(id, _)| id == i))
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "non attribué".into())
    }
    fn message_nouveau(&self, m: &Message) -> bool {
        self.nouveautes
            .as_ref()
            .is_some_and(|n| m.cree_le > n.demande_le && !m.prive)
    }
    /// Valeur pré-choisie de l'appréciation d'un critère : l'appréciation déjà enregistrée, sinon
    /// le niveau que le porteur s'est donné à l'autodiagnostic (pour une charte : dispositif
    /// retenu), que l'agent confirme ou change ; vide (« Ne pas modifier ») sinon.
    fn appreciation_proposee(&self, l: &LigneCritere) -> String {
        match (&l.appreciation, l.niveau_auto) {
            (Some((Some(n), _)), _) => n.to_string(),
            (Some((None, _)), _) => "non".into(),
            (None, Some(n)) if n > 0 => n.to_string(),
            _ => String::new(),
        }
    }
    fn plan_texte(&self, critere: &str, champ: &str) -> String {
        self.d
            .plan
            .as_ref()
            .and_then(|p| p.ecarts.iter().find(|e| e.critere == critere))
            .map(|e| match champ {
                "ecart" => e.ecart.clone(),
                "actions" => e.actions.clone(),
                _ => e.experts.clone(),
            })
            .unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
pub struct RequeteOk {
    ok: Option<String>,
}

/// Le nom du dispositif, vide s'il n'existe plus.
pub(super) async fn nom_du_dispositif(etat: &Etat, id: &str) -> Result<String, ErreurWeb> {
    Ok(etat
        .store
        .dispositif(id)
        .await?
        .map(|x| x.nom)
        .unwrap_or_default())
}

pub async fn voir(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Query(q): Query<RequeteOk>,
) -> Result<Response, ErreurWeb> {
    rendre_dossier(&etat, &v, &id, q.ok.as_ref(), FormulaireMessage::default()).await
}

/// La page du dossier, avec le formulaire de message (ré-affiché en erreur s'il a été refusé).
/// Jamais gardée en cache : après le dépôt ou une décision, le bouton Retour la redemande.
pub(super) async fn rendre_dossier(
    etat: &Etat,
    v: &Visiteur,
    id: &str,
    ok: Option<&String>,
    message: FormulaireMessage,
) -> Result<Response, ErreurWeb> {
    let etat = etat.clone();
    let (d, r, p) = dossier_du_connecte(&etat, v, id).await?;
    let role = p.role_sur(&d);
    let agent = matches!(role, Some(Role::Instructeur | Role::Administrateur));
    let fichiers = fichiers_par_id(&etat, &d.id).await?;
    let demandeur = role == Some(Role::Demandeur);
    let journal = if agent {
        etat.store.journal_objet("dossier", &d.id).await?
    } else {
        vec![]
    };
    let complement_recu_le = if agent {
        etat.store.complement_recu_le(&d.id).await?
    } else {
        None
    };
    let nouveautes = if agent
        && matches!(
            d.etat,
            EtatDossier::Depose | EtatDossier::EnInstruction | EtatDossier::Accompagnement
        ) {
        historique::nouveautes(&journal, &d, complement_recu_le)
    } else {
        None
    };
    // Le porteur, pendant un complément : les critères appréciés en deçà du niveau visé sont
    // signalés, chacun avec le lien vers son étape.
    let numeros_etapes = etapes(r, &d);
    let etape_du_critere = |id: &str| {
        numeros_etapes
            .iter()
            .position(|e| matches!(e, Etape::Critere(c) if c == id))
            .map(|i| i + 1)
    };
    let complement_en_cours = demandeur && d.etat == EtatDossier::ComplementDemande;
    let criteres: Vec<LigneCritere> = r
        .criteres
        .iter()
        .filter(|c| d.reponse(&c.id).is_some() || c.obligatoire_au_niveau(d.niveau_vise))
        .map(|c| {
            let rep = d.reponse(&c.id);
            let appreciation = rep
                .and_then(|x| x.appreciation.as_ref())
                .map(|a| (a.niveau, a.commentaire.clone()));
            let signale = appreciation
                .as_ref()
                .is_some_and(|(n, _)| n.is_none_or(|n| n < d.niveau_vise));
            LigneCritere {
                c,
                obligatoire: c.obligatoire_au_niveau(d.niveau_vise),
                texte: rep.map(|x| x.texte.clone()).unwrap_or_default(),
                liens: rep.map(|x| x.liens.clone()).unwrap_or_default(),
                fichiers: rep
                    .map(|x| {
                        x.fichiers
                            .iter()
                            .filter_map(|f| fichiers.get(f).cloned())
                            .collect()
                    })
                    .unwrap_or_default(),
                niveau_auto: rep.and_then(|x| x.niveau_auto),
                appreciation,
                nouveau: nouveautes
                    .as_ref()
                    .is_some_and(|n| n.criteres.contains(&c.id)),
                etape_a_completer: if complement_en_cours && signale {
                    etape_du_critere(&c.id)
                } else {
                    None
                },
            }
        })
        .collect();
    let premiere_etape_a_completer = criteres
        .iter()
        .find_map(|l| l.etape_a_completer)
        .unwrap_or(1);
    let mut messages = Vec::new();
    for m in etat.store.messages(&d.id, agent).await? {
        let auteur = etat
            .store
            .utilisateur(&m.auteur_id)
            .await?
            .map(|u| u.nom)
            .unwrap_or_default();
        let pj = m
            .fichiers
            .iter()
            .filter_map(|f| fichiers.get(f).cloned())
            .collect();
        messages.push((m, auteur, pj));
    }
    let messages_nouveaux = nouveautes.as_ref().map_or(0, |n| {
        messages
            .iter()
            .filter(|(m, _, _)| m.cree_le > n.demande_le && !m.prive)
            .count()
    });
    // Les actions sans motivation ; les décisions motivées passent par la page « Décision ».
    let possibles = |role: Role| {
        TRANSITIONS
            .iter()
            .filter(move |t| t.depuis.contains(&d.etat) && t.roles.contains(&role))
    };
    let conflit = p.conflit_d_interets(&d);
    let (actions, decision) = match role {
        Some(role @ (Role::Instructeur | Role::Administrateur)) if conflit.is_none() => (
            possibles(role)
                .filter(|t| {
                    matches!(
                        t.action,
                        TypeAction::PrendreEnCharge | TypeAction::CloreAccompagnement
                    )
                })
                .map(|t| ActionPossible {
                    code: t.action.code(),
                    libelle: libelle_action(t.action),
                })
                .collect(),
            possibles(role).any(|t| {
                !matches!(
                    t.action,
                    TypeAction::PrendreEnCharge
                        | TypeAction::CloreAccompagnement
                        | TypeAction::Deposer
                        | TypeAction::Expirer
                )
            }),
        ),
        _ => (vec![], false),
    };
    let (agents, historique) = if agent {
        let mut personnes = crate::commun::acces::agents(&etat).await?;
        personnes.extend(etat.store.membres(&d.organisation_id).await?);
        // Les auteurs qui ne sont plus membres (comptes supprimés : « Compte supprimé n° … »).
        personnes.extend(historique::auteurs_absents(&etat, &journal, &personnes).await?);
        (
            noms_des_agents(&etat).await?,
            historique::phrases(&journal, r, &Noms::de(&personnes)),
        )
    } else {
        (vec![], vec![])
    };
    let voir_appreciations = agent || d.decision.is_some() || complement_en_cours;
    let suite = if role == Some(Role::Demandeur)
        && matches!(d.etat, EtatDossier::Depose | EtatDossier::EnInstruction)
    {
        let instruction = r.instruction.as_ref();
        Some(SuiteDepot {
            par: instruction
                .map(|i| i.par.clone())
                .unwrap_or_else(|| "l'équipe d'instruction".into()),
            texte: instruction
                .and_then(|i| i.suite.clone())
                .unwrap_or_else(|| "Le texte ne fixe pas de délai d'instruction.".into()),
            delai_jours: instruction.and_then(|i| i.delai_jours),
            accuse_a: super::messages::destinataires(&etat, &d).await?,
        })
    } else {
        None
    };
    let avis = {
        use reperes_domain::dossier::avis::{voit, Lecteur};
        let lecteur = if agent {
            Lecteur::Agent
        } else if demandeur {
            Lecteur::Demandeur
        } else {
            Lecteur::Autre
        };
        let aujourd_hui = Utc::now().date_naive();
        etat.store
            .avis_du_dossier(&d.id)
            .await?
            .into_iter()
            .filter(|a| voit(lecteur, a))
            .map(|a| AvisAffiche {
                etat: a.etat(aujourd_hui),
                pieces: a
                    .fichiers
                    .iter()
                    .filter_map(|f| fichiers.get(f).cloned())
                    .collect(),
                a,
            })
            .collect()
    };
    let en_erreur = !message.erreurs.is_empty();
    let mut cadre = Cadre::pour(
        v,
        format!(
            "Dossier {}",
            d.numero.clone().unwrap_or_else(|| "en brouillon".into())
        ),
    )
    .avec_message(crate::commun::libelles::message_confirmation(ok));
    if en_erreur {
        cadre = cadre.en_erreur();
    }
    let t = PageDossier {
        cadre,
        organisation: etat
            .store
            .organisation(&d.organisation_id)
            .await?
            .map(|o| o.nom)
            .unwrap_or_default(),
        dispositif: nom_du_dispositif(&etat, &d.dispositif_id).await?,
        criteres,
        messages,
        demandeur,
        agent,
        actions,
        decision,
        conflit,
        agents,
        historique,
        voir_appreciations,
        nouveautes,
        complement_recu_le,
        messages_nouveaux,
        premiere_etape_a_completer,
        message,
        suite,
        avis,
        d,
        r,
    };
    Ok(super::etapes::sans_cache(page(&t, None, en_erreur)?))
}
