//! Saisie des valeurs des indicateurs par les personnes habilitées.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Utc};
use reperes_domain::indicateurs::{formater_nombre, Mode, SaisieValeur};
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::territoires::Territoire;
use serde::Deserialize;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::territoire::{avec_unite, date_fr, peut_saisir, referentiel, territoire_de};

#[derive(Template)]
#[template(path = "territoires/saisie.html")]
struct PageSaisie {
    cadre: Cadre,
    libelle: String,
    chemin: String,
    /// (identifiant, libellé avec l'unité, définition)
    indicateurs: Vec<(String, String, String)>,
    s: SaisieValeur,
    erreurs: Vec<ErreurChamp>,
    annee_min: i32,
    annee_max: i32,
    /// Valeurs déjà saisies : (indicateur, année, valeur, source, date).
    saisies: Vec<(String, i32, String, String, String)>,
}

impl PageSaisie {
    fn erreur(&self, champ: &str) -> Option<&str> {
        self.erreurs
            .iter()
            .find(|e| e.champ == champ)
            .map(|e| e.message.as_str())
    }
}

async fn rendre_saisie(
    etat: &Etat,
    v: &Visiteur,
    t: &Territoire,
    s: SaisieValeur,
    erreurs: Vec<ErreurChamp>,
) -> Result<Response, ErreurWeb> {
    let r = referentiel(etat);
    let saisies = etat
        .store
        .indicateurs_saisis(t.niveau, &t.code)
        .await?
        .into_iter()
        .map(|x| {
            (
                r.indicateur(&x.indicateur_id)
                    .map(|i| i.libelle.clone())
                    .unwrap_or_else(|| x.indicateur_id.clone()),
                x.annee,
                r.indicateur(&x.indicateur_id)
                    .map(|i| avec_unite(&x.valeur, &i.unite))
                    .unwrap_or_else(|| formater_nombre(&x.valeur)),
                x.source,
                date_fr(x.date_source),
            )
        })
        .collect();
    let en_erreur = !erreurs.is_empty();
    page(
        &PageSaisie {
            cadre: Cadre::pour(v, format!("Saisir un indicateur : {}", t.libelle())),
            libelle: t.libelle(),
            chemin: t.chemin(),
            indicateurs: r
                .indicateurs
                .iter()
                .filter(|i| i.mode == Mode::Saisi)
                .map(|i| {
                    (
                        i.id.clone(),
                        format!("{} (en {})", i.libelle, i.unite),
                        i.definition.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            s,
            erreurs,
            annee_min: r.saisie.annee_min,
            annee_max: Utc::now().year(),
            saisies,
        },
        None,
        en_erreur,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct RequeteSaisie {
    #[serde(default)]
    indicateur: Option<String>,
}

pub async fn saisie(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((niveau, code)): Path<(String, String)>,
    Query(q): Query<RequeteSaisie>,
) -> Result<Response, ErreurWeb> {
    v.connecte()?;
    let t = territoire_de(&niveau, &code)?;
    if !peut_saisir(&etat, &v, &t, None).await? {
        return Err(ErreurWeb::Interdit);
    }
    let s = SaisieValeur {
        indicateur: q.indicateur.unwrap_or_default(),
        annee: Utc::now().year().to_string(),
        ..Default::default()
    };
    rendre_saisie(&etat, &v, &t, s, Vec::new()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct FormSaisie {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    saisie: SaisieValeur,
}

pub async fn enregistrer(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((niveau, code)): Path<(String, String)>,
    axum::Form(f): axum::Form<FormSaisie>,
) -> Result<Response, ErreurWeb> {
    let (u, _) = v.connecte()?;
    let t = territoire_de(&niveau, &code)?;
    v.verifier_csrf(&f.csrf)?;
    if !peut_saisir(&etat, &v, &t, None).await? {
        return Err(ErreurWeb::Interdit);
    }
    let r = referentiel(&etat);
    match f.saisie.analyser(r, Utc::now().date_naive()) {
        Err(erreurs) => rendre_saisie(&etat, &v, &t, f.saisie, erreurs).await,
        Ok(valeur) => {
            etat.store
                .saisir_indicateur(&crate::commun::acces::acteur(u), t.niveau, &t.code, &valeur)
                .await?;
            Ok(Redirect::to(&format!(
                "{}?ok=saisie#{}",
                t.chemin(),
                valeur.indicateur_id
            ))
            .into_response())
        }
    }
}
