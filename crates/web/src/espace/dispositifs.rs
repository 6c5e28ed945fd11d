//! Dispositifs d'une organisation, et création d'un dossier pour un dispositif.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use reperes_domain::comptes::Personne;
use reperes_domain::organisation::{Dispositif, Organisation};
use reperes_domain::referentiel::{Nature, Referentiel};
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::Dossier;
use serde::Deserialize;

use crate::commun::acces::acteur;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{page, rattacher, Champ, FormulaireSimple};
use crate::commun::libelles::citer;
use crate::commun::libelles::declarations;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::autodiagnostic::referentiel_en_vigueur;
use super::organisations::{dernier_accorde, organisation_membre, types_de_charte};

#[derive(Deserialize, Default)]
pub struct FormDispositif {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    nom: String,
    #[serde(default)]
    type_dispositif: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    site: String,
}

/// Adresse du formulaire, et type de dispositif d'une démarche territoriale (charte).
#[derive(Deserialize, Default)]
pub struct RequeteDispositif {
    #[serde(rename = "type", default)]
    type_dispositif: Option<String>,
}

/// La charte que sert une démarche de ce type, si ce type n'est admis que par des chartes.
fn charte_de<'a>(etat: &'a Etat, type_dispositif: &str) -> Option<&'a Referentiel> {
    if !types_de_charte(etat).iter().any(|t| t == type_dispositif) {
        return None;
    }
    etat.catalogue.referentiels.iter().find(|r| {
        r.nature == Nature::Charte
            && r.validite.en_vigueur(Utc::now().date_naive())
            && r.types_dispositif.iter().any(|t| t == type_dispositif)
    })
}

fn page_dispositif(
    etat: &Etat,
    v: &Visiteur,
    org: &str,
    f: &FormDispositif,
    erreurs: Vec<ErreurChamp>,
) -> FormulaireSimple {
    let charte = charte_de(etat, &f.type_dispositif);
    let types = etat
        .catalogue
        .nomenclatures()
        .types_dispositif
        .iter()
        .filter(|t| charte.is_none() || t.id == f.type_dispositif)
        .map(|t| (t.id.clone(), t.libelle.clone()))
        .collect();
    let mut champs = match charte {
        // Une démarche territoriale, dans les mots de la charte (article 1er).
        Some(_) => vec![
            Champ::new("nom", "Nom de la démarche", "text")
                .valeur(&f.nom)
                .aide("Par exemple : « Amiens, territoire numérique pour tous »."),
            Champ::new("type_dispositif", "Nature", "select")
                .valeur(&f.type_dispositif)
                .options(types),
            Champ::new("description", "Description de la démarche", "textarea")
                .valeur(&f.description)
                .aide("Ce que fait la démarche, pour quels publics, et les parties prenantes de l'inclusion numérique du territoire qu'elle associe."),
            Champ::new("site", "Site web (facultatif)", "text")
                .valeur(&f.site)
                .aide("Adresse commençant par https://"),
        ],
        None => vec![
            Champ::new("nom", "Nom du dispositif", "text").valeur(&f.nom),
            Champ::new("type_dispositif", "Type de dispositif", "select")
                .valeur(&f.type_dispositif)
                .options(types),
            Champ::new("description", "Description", "textarea")
                .valeur(&f.description)
                .aide("À quoi sert le dispositif, pour quels publics, avec quels partenaires."),
            Champ::new("site", "Site web (facultatif)", "text")
                .valeur(&f.site)
                .aide("Adresse commençant par https://"),
        ],
    };
    rattacher(&mut champs, &erreurs);
    let (titre, intro, bouton) = match charte {
        Some(r) => (
            "Décrire la démarche territoriale",
            Some(format!(
                "La {} se signe pour la démarche territoriale du territoire : une démarche « partenariale », dont le porteur associe les parties prenantes de l'inclusion numérique de son territoire (article 1er). Il n'y a pas d'autre dispositif à déclarer : les « dispositifs » de la charte sont les six actions de son article 2, que vous choisirez ensuite (au moins deux).",
                citer(&r.nom)
            )),
            "Enregistrer la démarche",
        ),
        None => ("Nouveau dispositif", None, "Enregistrer le dispositif"),
    };
    let cadre = Cadre::pour(v, titre);
    FormulaireSimple {
        cadre: if erreurs.is_empty() {
            cadre
        } else {
            cadre.en_erreur()
        },
        intro,
        action: format!("/organisations/{org}/dispositifs"),
        champs,
        erreurs,
        bouton,
        liens: vec![(
            format!("/organisations/{org}"),
            "Retour à l'organisation".into(),
        )],
    }
}

/// `GET /organisations/{org}/dispositifs/nouveau[?type=…]` : un dispositif, ou la démarche
/// territoriale pour laquelle un territoire signe une charte (`?type=demarche_territoriale`).
pub async fn nouveau_dispositif(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(org): Path<String>,
    Query(q): Query<RequeteDispositif>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.connecte()?;
    organisation_membre(&etat, p, &org).await?;
    let f = FormDispositif {
        type_dispositif: q.type_dispositif.unwrap_or_default(),
        ..Default::default()
    };
    page(&page_dispositif(&etat, &v, &org, &f, vec![]), None, false)
}

pub async fn creer_dispositif(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(org): Path<String>,
    Form(f): Form<FormDispositif>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, p) = v.connecte()?;
    organisation_membre(&etat, p, &org).await?;
    let d = Dispositif {
        id: uuid::Uuid::now_v7().to_string(),
        organisation_id: org.clone(),
        nom: f.nom.trim().to_string(),
        type_dispositif: f.type_dispositif.clone(),
        description: f.description.trim().to_string(),
        site: Some(f.site.trim().to_string()).filter(|s| !s.is_empty()),
    };
    if let Err(erreurs) = d.verifier(&etat.catalogue) {
        return page(&page_dispositif(&etat, &v, &org, &f, erreurs), None, true);
    }
    etat.store.creer_dispositif(&acteur(u), &d).await?;
    // Une démarche territoriale mène tout droit au choix des actions de sa charte.
    if let Some(r) = charte_de(&etat, &d.type_dispositif) {
        return Ok(
            Redirect::to(&format!("/dispositifs/{}/autodiagnostic/{}", d.id, r.id)).into_response(),
        );
    }
    Ok(Redirect::to(&format!("/organisations/{org}?ok=dispositif")).into_response())
}

/// Le dispositif, si la personne est membre de son organisation.
pub async fn dispositif_membre(
    etat: &Etat,
    p: &Personne,
    id: &str,
) -> Result<(Organisation, Dispositif), ErreurWeb> {
    let d = etat
        .store
        .dispositif(id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let o = organisation_membre(etat, p, &d.organisation_id).await?;
    Ok((o, d))
}

/// Création d'un dossier depuis le résultat de l'autodiagnostic : le dispositif, le référentiel, le
/// niveau atteignable, et les réponses de l'autodiagnostic (`niveau_<critère>`,
/// `declaration_<id>`) qui pré-remplissent le dossier.
#[derive(Deserialize, Default)]
pub struct FormNouveauDossier {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    dispositif: String,
    referentiel: String,
    #[serde(default)]
    niveau: Option<u8>,
    #[serde(skip)]
    niveaux: Vec<(String, u8)>,
    #[serde(skip)]
    declarations: Vec<(String, bool)>,
}

impl FormNouveauDossier {
    fn depuis(champs: &[(String, String)]) -> FormNouveauDossier {
        let mut f = FormNouveauDossier::default();
        for (k, v) in champs {
            match k.as_str() {
                "_csrf" => f.csrf.clone_from(v),
                "dispositif" => f.dispositif.clone_from(v),
                "referentiel" => f.referentiel.clone_from(v),
                "niveau" => f.niveau = v.parse().ok(),
                _ => {
                    if let (Some(c), Ok(n)) = (k.strip_prefix("niveau_"), v.parse()) {
                        f.niveaux.push((c.to_string(), n));
                    } else if let Some(d) = k.strip_prefix("declaration_") {
                        f.declarations.push((d.to_string(), v == "oui"));
                    }
                }
            }
        }
        f
    }
}

pub async fn creer_dossier(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(champs): Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    let f = FormNouveauDossier::depuis(&champs);
    v.verifier_csrf(&f.csrf)?;
    let (u, p) = v.connecte()?;
    let (o, d) = dispositif_membre(&etat, p, &f.dispositif).await?;
    let r = referentiel_en_vigueur(&etat, &f.referentiel)?;
    let nouvel_id = uuid::Uuid::now_v7().to_string();
    // Déjà titulaire de ce référentiel (label accordé, charte contresignée, méthode approuvée),
    // ou arrivé à échéance : le nouveau dossier est un renouvellement, pré-rempli depuis le
    // dernier (comme « Préparer le renouvellement » de la page du dossier). C'est le chemin
    // d'une charte : le territoire repasse par la page de son organisation et l'autodiagnostic.
    let mut dossier = match dernier_accorde(&etat, &o.id, &d.id, &r.id).await? {
        Some(ancien) => reperes_domain::dossier::renouveler(&ancien, r, nouvel_id)
            .map_err(|e| ErreurWeb::Requete(e.to_string()))?,
        None => Dossier::nouveau(nouvel_id, r, &o, &d, f.niveau.unwrap_or(1))
            .map_err(|e| ErreurWeb::Requete(e.to_string()))?,
    };
    if let Some(n) = f.niveau.filter(|n| r.niveau(*n).is_some()) {
        dossier.niveau_vise = n;
    }
    // Les réponses de l'autodiagnostic pré-remplissent le dossier : niveau auto-évalué par
    // critère (pour une charte, les dispositifs retenus) et déclarations sur l'honneur. Seules
    // les valeurs que le référentiel connaît sont reprises ; « non retenu » (0) retire un
    // critère repris d'un renouvellement, sans effacer son texte.
    for (c, n) in &f.niveaux {
        if r.critere(c).is_some() && *n >= 1 && r.niveau(*n).is_some() {
            dossier.criteres.entry(c.clone()).or_default().niveau_auto = Some(*n);
        } else if *n == 0 {
            if let Some(x) = dossier.criteres.get_mut(c) {
                x.niveau_auto = None;
            }
        }
    }
    for (id, oui) in &f.declarations {
        if declarations(r).iter().any(|(x, _)| x == id) {
            dossier.declarations.insert(id.clone(), *oui);
        }
    }
    etat.store.creer_dossier(&acteur(u), &dossier).await?;
    Ok(Redirect::to(&format!("/dossiers/{}/etapes/1", dossier.id)).into_response())
}
