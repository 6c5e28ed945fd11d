//! Le formulaire « Décision » d'un dossier, sur sa propre page : accorder (ou contresigner une
//! charte), demander un complément (avec échéance), ouvrir un accompagnement, refuser, classer sans
//! suite, retirer ; une seule motivation ; une étape de confirmation avant un refus. Un refus
//! (motivation manquante, échéance passée, niveau absent, appréciations pas encore enregistrées…)
//! ré-affiche le formulaire rempli, avec le message au champ (422).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{NaiveDate, Utc};
use reperes_domain::dossier::{Role, TypeAction, TRANSITIONS};
use reperes_domain::referentiel::{Nature, Referentiel};
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::{Action, Dossier, Etat as EtatDossier, Refus};
use reperes_store::ErreurStore;
use serde::Deserialize;

use crate::commun::acces::{acteur, dossier_visible, role_permis, sans_conflit};
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{erreur, page, rattacher, Champ};
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::decisions::{courriels_de_decision, ContexteCourriels};

/// Les décisions motivées, dans l'ordre où le formulaire les propose.
const DECISIONS: [TypeAction; 6] = [
    TypeAction::Labelliser,
    TypeAction::DemanderComplement,
    TypeAction::OuvrirAccompagnement,
    TypeAction::Refuser,
    TypeAction::ClasserSansSuite,
    TypeAction::Retirer,
];

/// Ce que l'agent a saisi (gardé tel quel pour ré-afficher le formulaire).
#[derive(Deserialize, Default, Clone)]
pub struct SaisieDecision {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub niveau: String,
    #[serde(default)]
    pub echeance: String,
    #[serde(default)]
    pub motivation: String,
}

#[derive(Deserialize)]
pub struct FormDecision {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    saisie: SaisieDecision,
    /// « confirmer » (refus confirmé) ou « modifier » (retour au formulaire rempli).
    #[serde(default)]
    etape: String,
}

/// Une décision proposée : code, libellé, explication.
pub struct Choix {
    pub code: &'static str,
    pub libelle: &'static str,
    pub aide: &'static str,
}

fn choix(a: TypeAction, nature: Nature) -> Choix {
    let charte = nature == Nature::Charte;
    let approbation = nature == Nature::Approbation;
    let (libelle, aide) = match a {
        TypeAction::Labelliser if approbation => (
            "Approuver la méthode",
            "Chaque critère obligatoire doit être apprécié satisfait.",
        ),
        TypeAction::Retirer if approbation => (
            "Retirer l'approbation",
            "Réservé à l'administration.",
        ),
        TypeAction::Labelliser if charte => (
            "Contresigner la charte",
            "Les appréciations des dispositifs retenus doivent être enregistrées.",
        ),
        TypeAction::Labelliser => (
            "Accorder le label",
            "Au niveau choisi ci-dessous ; chaque critère obligatoire doit être apprécié satisfait à ce niveau.",
        ),
        TypeAction::DemanderComplement => (
            "Demander un complément",
            "Le porteur complète le dossier avant l'échéance, puis le dépose à nouveau.",
        ),
        TypeAction::OuvrirAccompagnement => (
            "Ouvrir un accompagnement",
            "Proposer un accompagnement avant de décider.",
        ),
        TypeAction::Refuser => ("Refuser", "Une confirmation vous sera demandée."),
        TypeAction::ClasserSansSuite => (
            "Classer sans suite",
            "Le dossier est clos sans décision sur le fond.",
        ),
        TypeAction::Retirer if charte => (
            "Retirer la contre-signature",
            "Réservé à l'administration.",
        ),
        TypeAction::Retirer => ("Retirer le label", "Réservé à l'administration."),
        _ => ("", ""),
    };
    Choix {
        code: a.code(),
        libelle,
        aide,
    }
}

/// Les décisions possibles pour ce rôle, à l'état du dossier.
fn decisions_possibles(d: &Dossier, role: Role) -> Vec<TypeAction> {
    DECISIONS
        .into_iter()
        .filter(|a| {
            TRANSITIONS
                .iter()
                .any(|t| t.action == *a && t.depuis.contains(&d.etat) && t.roles.contains(&role))
        })
        .collect()
}

#[derive(Template)]
#[template(path = "instruction/decision.html")]
struct PageDecision<'a> {
    cadre: Cadre,
    d: &'a Dossier,
    r: &'a Referentiel,
    dispositif: String,
    organisation: String,
    choix: Vec<Choix>,
    choisi: String,
    /// Erreur du groupe de boutons « Décision ».
    erreur_decision: Option<String>,
    champs: Vec<Champ>,
    erreurs: Vec<ErreurChamp>,
    /// Un seul niveau (charte) : il est envoyé sans être demandé.
    niveau_unique: Option<u8>,
}

impl PageDecision<'_> {
    fn titre_dossier(&self) -> String {
        self.d.numero.clone().unwrap_or_else(|| self.d.id.clone())
    }
    fn etat_libelle(&self) -> &'static str {
        reperes_domain::charte::libelle_etat(self.d.etat, self.r.nature)
    }
}

#[derive(Template)]
#[template(path = "instruction/confirmer_refus.html")]
struct PageConfirmation<'a> {
    cadre: Cadre,
    d: &'a Dossier,
    dispositif: String,
    organisation: String,
    s: SaisieDecision,
}

async fn noms(etat: &Etat, d: &Dossier) -> Result<(String, String), ErreurWeb> {
    let dispositif = etat
        .store
        .dispositif(&d.dispositif_id)
        .await?
        .map(|x| x.nom)
        .unwrap_or_default();
    let organisation = etat
        .store
        .organisation(&d.organisation_id)
        .await?
        .map(|o| o.nom)
        .unwrap_or_default();
    Ok((dispositif, organisation))
}

/// Le rôle de l'agent sur le dossier (instructeur ou administrateur).
fn role_agent(v: &Visiteur) -> Result<Role, ErreurWeb> {
    let (u, _) = v.agent()?;
    Ok(match u.role {
        reperes_domain::comptes::RoleCompte::Administrateur => Role::Administrateur,
        _ => Role::Instructeur,
    })
}

/// Rend le formulaire (rempli de `s`), avec ses erreurs éventuelles (422).
async fn rendre(
    etat: &Etat,
    v: &Visiteur,
    d: &Dossier,
    r: &Referentiel,
    s: &SaisieDecision,
    erreurs: Vec<ErreurChamp>,
) -> Result<Response, ErreurWeb> {
    let role = role_agent(v)?;
    let (dispositif, organisation) = noms(etat, d).await?;
    let possibles = decisions_possibles(d, role);
    let niveau_unique = match r.niveaux.as_slice() {
        [seul] => Some(seul.id),
        _ => None,
    };
    let aujourd_hui = crate::commun::dates::jour(Utc::now().date_naive());
    let vise = d.niveau_vise.to_string();
    let mut champs = Vec::new();
    if niveau_unique.is_none() && possibles.contains(&TypeAction::Labelliser) {
        champs.push(
            Champ::new("niveau", "Niveau accordé", "select")
                .aide("Seulement pour « Accorder le label ».")
                .options(
                    r.niveaux
                        .iter()
                        .map(|n| (n.id.to_string(), n.libelle.clone()))
                        .collect(),
                )
                .valeur(if s.niveau.is_empty() && s.decision.is_empty() {
                    // Proposé par défaut : le niveau visé.
                    &vise
                } else {
                    &s.niveau
                }),
        );
    }
    if possibles.contains(&TypeAction::DemanderComplement) {
        champs.push(
            Champ::new("echeance", "Échéance du complément", "date")
                .aide(&format!(
                    "Seulement pour « Demander un complément » : une date après aujourd'hui ({aujourd_hui})."
                ))
                .valeur(&s.echeance),
        );
    }
    champs.push(
        Champ::new("motivation", "Motivation", "textarea")
            .aide("Obligatoire. Elle est envoyée au porteur avec la décision (pour un complément : ce qu'il doit apporter).")
            .valeur(&s.motivation),
    );
    rattacher(&mut champs, &erreurs);
    let en_erreur = !erreurs.is_empty();
    let mut cadre = Cadre::pour(
        v,
        format!(
            "Décision sur le dossier {}",
            d.numero.clone().unwrap_or_else(|| d.id.clone())
        ),
    );
    if en_erreur {
        cadre = cadre.en_erreur();
    }
    let t = PageDecision {
        cadre,
        d,
        r,
        dispositif,
        organisation,
        choix: possibles.iter().map(|a| choix(*a, r.nature)).collect(),
        choisi: s.decision.clone(),
        erreur_decision: erreurs
            .iter()
            .find(|e| e.champ == "decision")
            .map(|e| e.message.clone()),
        champs,
        erreurs,
        niveau_unique,
    };
    page(&t, None, en_erreur)
}

/// `GET /dossiers/{id}/decision` : le formulaire vide.
pub async fn decision(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.agent()?;
    let (d, r) = dossier_visible(&etat, p, &id).await?;
    sans_conflit(p, &d)?;
    rendre(&etat, &v, &d, r, &SaisieDecision::default(), vec![]).await
}

/// `POST /dossiers/{id}/decision` : contrôle, confirmation d'un refus, puis décision.
pub async fn decider(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Form(f): Form<FormDecision>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (_, p) = v.agent()?;
    if f.etape == "modifier" {
        let (d, r) = dossier_visible(&etat, p, &id).await?;
        sans_conflit(p, &d)?;
        return rendre(&etat, &v, &d, r, &f.saisie, vec![]).await;
    }
    traiter(&etat, &v, &id, f.saisie, f.etape == "confirmer").await
}

/// L'échéance saisie : AAAA-MM-JJ (champ date) ou JJ/MM/AAAA.
fn lire_echeance(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// Le message d'un octroi refusé, dans les mots du référentiel (une charte se contresigne).
fn octroi_refuse(r: &Referentiel, manques: &[reperes_domain::dossier::regles::Manque]) -> String {
    if r.nature == Nature::Charte {
        let detail: Vec<String> = manques
            .iter()
            .map(|m| match m.critere.as_deref().and_then(|c| r.critere(c)) {
                Some(c) => format!("« {} » doit être apprécié satisfait", c.libelle),
                None => m.message.clone(),
            })
            .collect();
        format!(
            "La charte ne peut pas encore être contresignée : {}. Enregistrez d'abord les appréciations sur la page du dossier.",
            detail.join(" ; ")
        )
    } else {
        format!(
            "{} Enregistrez d'abord les appréciations sur la page du dossier.",
            Refus::OctroiNonConforme(manques.to_vec())
        )
    }
}

/// Contrôle la saisie, demande la confirmation d'un refus (sauf `confirme`), applique la décision
/// et envoie ses courriels ; tout refus ré-affiche le formulaire rempli.
pub(super) async fn traiter(
    etat: &Etat,
    v: &Visiteur,
    id: &str,
    s: SaisieDecision,
    confirme: bool,
) -> Result<Response, ErreurWeb> {
    let (u, p) = v.agent()?;
    let role = role_agent(v)?;
    let (d, r) = dossier_visible(etat, p, id).await?;
    sans_conflit(p, &d)?;
    // Une décision réservée à un autre rôle (retirer, pour un instructeur) est refusée (403) :
    // ce n'est pas une erreur de saisie.
    if let Some(a) = TypeAction::depuis_code(&s.decision).filter(|a| DECISIONS.contains(a)) {
        role_permis(role, a)?;
    }
    let possibles = decisions_possibles(&d, role);
    let type_action = TypeAction::depuis_code(&s.decision).filter(|a| possibles.contains(a));
    let mut erreurs = Vec::new();
    if type_action.is_none() {
        erreurs.push(erreur(
            "decision",
            if s.decision.is_empty() {
                "Choisissez une décision.".to_string()
            } else {
                format!(
                    "Cette décision n'est pas possible à l'état « {} » du dossier.",
                    reperes_domain::charte::libelle_etat(d.etat, r.nature)
                )
            },
        ));
    }
    let niveau = match r.niveaux.as_slice() {
        [seul] => Some(seul.id),
        _ => s
            .niveau
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|n| r.niveau(*n).is_some()),
    };
    if type_action == Some(TypeAction::Labelliser) && niveau.is_none() {
        erreurs.push(erreur("niveau", "Choisissez le niveau accordé."));
    }
    let aujourd_hui = Utc::now().date_naive();
    let echeance = lire_echeance(&s.echeance);
    if type_action == Some(TypeAction::DemanderComplement) {
        match echeance {
            _ if s.echeance.trim().is_empty() => erreurs.push(erreur(
                "echeance",
                "Indiquez l'échéance : la date avant laquelle le porteur doit compléter le dossier.",
            )),
            None => erreurs.push(erreur(
                "echeance",
                "L'échéance n'est pas une date : écrivez-la au format JJ/MM/AAAA.",
            )),
            Some(e) if e <= aujourd_hui => erreurs.push(erreur(
                "echeance",
                format!(
                    "L'échéance du {} est passée : choisissez une date après aujourd'hui ({}).",
                    crate::commun::dates::jour(e),
                    crate::commun::dates::jour(aujourd_hui)
                ),
            )),
            Some(_) => {}
        }
    }
    let motivation = s.motivation.trim().to_string();
    if motivation.is_empty() {
        erreurs.push(erreur(
            "motivation",
            match type_action {
                Some(TypeAction::DemanderComplement) => {
                    "Écrivez la motivation : ce que le porteur doit compléter."
                }
                _ => "Écrivez la motivation : elle est envoyée au porteur avec la décision.",
            },
        ));
    }
    let (Some(type_action), true) = (type_action, erreurs.is_empty()) else {
        return rendre(etat, v, &d, r, &s, erreurs).await;
    };
    if type_action == TypeAction::Refuser && !confirme {
        let (dispositif, organisation) = noms(etat, &d).await?;
        let t = PageConfirmation {
            cadre: Cadre::pour(v, "Confirmer le refus"),
            d: &d,
            dispositif,
            organisation,
            s,
        };
        return page(&t, None, false);
    }
    let action = match type_action {
        TypeAction::Labelliser => Action::Labelliser {
            niveau: niveau.unwrap_or(d.niveau_vise),
            motivation,
        },
        TypeAction::DemanderComplement => Action::DemanderComplement {
            motif: motivation,
            echeance: echeance.unwrap_or(aujourd_hui),
        },
        TypeAction::OuvrirAccompagnement => Action::OuvrirAccompagnement { motif: motivation },
        TypeAction::Refuser => Action::Refuser { motivation },
        TypeAction::ClasserSansSuite => Action::ClasserSansSuite { motif: motivation },
        TypeAction::Retirer => Action::Retirer { motif: motivation },
        _ => return Err(ErreurWeb::Introuvable),
    };
    let contexte = ContexteCourriels::lire(etat, &d, r).await?;
    let notifier = move |x: &Dossier| courriels_de_decision(&contexte, type_action, x);
    match etat
        .store
        .agir_et_notifier(
            &etat.catalogue,
            id,
            &acteur(u),
            &action,
            Utc::now(),
            &notifier,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/dossiers/{id}?ok=decision")).into_response()),
        Err(ErreurStore::Refus(refus)) => {
            let e = match refus {
                Refus::OctroiNonConforme(m) => erreur("decision", octroi_refuse(r, &m)),
                Refus::MotifRequis(_) => erreur("motivation", refus.to_string()),
                Refus::EcheanceInvalide => erreur("echeance", refus.to_string()),
                Refus::NiveauInconnu(_) => erreur("niveau", refus.to_string()),
                autre => erreur("decision", autre.to_string()),
            };
            rendre(etat, v, &d, r, &s, vec![e]).await
        }
        Err(e) => Err(e.into()),
    }
}
