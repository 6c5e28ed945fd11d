//! Dispositifs d'une organisation, et création d'un dossier pour un dispositif.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use reperes_domain::comptes::Personne;
use reperes_domain::organisation::{Dispositif, Organisation};
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::Dossier;
use serde::Deserialize;

use crate::commun::acces::acteur;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{page, rattacher, Champ, FormulaireSimple};
use crate::commun::libelles::declarations;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::autodiagnostic::referentiel_en_vigueur;
use super::organisations::organisation_membre;

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

fn page_dispositif(
    etat: &Etat,
    cadre: Cadre,
    org: &str,
    f: &FormDispositif,
    erreurs: Vec<ErreurChamp>,
) -> FormulaireSimple {
    let types = etat
        .catalogue
        .nomenclatures()
        .types_dispositif
        .iter()
        .map(|t| (t.id.clone(), t.libelle.clone()))
        .collect();
    let mut champs = vec![
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
    ];
    rattacher(&mut champs, &erreurs);
    FormulaireSimple {
        cadre,
        intro: None,
        action: format!("/organisations/{org}/dispositifs"),
        champs,
        erreurs,
        bouton: "Enregistrer le dispositif",
        liens: vec![(
            format!("/organisations/{org}"),
            "Retour à l'organisation".into(),
        )],
    }
}

pub async fn nouveau_dispositif(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(org): Path<String>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.connecte()?;
    organisation_membre(&etat, p, &org).await?;
    page(
        &page_dispositif(
            &etat,
            Cadre::pour(&v, "Nouveau dispositif"),
            &org,
            &FormDispositif::default(),
            vec![],
        ),
        None,
        false,
    )
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
        return page(
            &page_dispositif(
                &etat,
                Cadre::pour(&v, "Nouveau dispositif").en_erreur(),
                &org,
                &f,
                erreurs,
            ),
            None,
            true,
        );
    }
    etat.store.creer_dispositif(&acteur(u), &d).await?;
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
    let mut dossier = Dossier::nouveau(
        uuid::Uuid::now_v7().to_string(),
        r,
        &o,
        &d,
        f.niveau.unwrap_or(1),
    )
    .map_err(|e| ErreurWeb::Requete(e.to_string()))?;
    // Les réponses de l'autodiagnostic pré-remplissent le dossier : niveau auto-évalué par
    // critère (pour une charte, les dispositifs retenus) et déclarations sur l'honneur. Seules
    // les valeurs que le référentiel connaît sont reprises.
    for (c, n) in &f.niveaux {
        if r.critere(c).is_some() && *n >= 1 && r.niveau(*n).is_some() {
            dossier.criteres.entry(c.clone()).or_default().niveau_auto = Some(*n);
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
