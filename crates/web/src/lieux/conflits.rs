//! Plusieurs sources, un lieu (issue 16) : revue des conflits entre un réimport de la source et
//! les champs tenus dans Repères, champ par champ (structure qui tient le lieu ou administrateur),
//! et liste d'administration de tous les conflits en attente. Règles : `docs/lieux-vivants.md`.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use reperes_store::{ChoixConflit, ConflitLieu, ResultatRevue};

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::libelles::chemin_lieu;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::droits::tenue_exigee;
use super::recherche::schema;

/// Un conflit tel qu'affiché.
pub struct ConflitAffiche {
    pub champ: String,
    pub titre: String,
    pub locale: String,
    pub importee: String,
    /// Valeur importée telle qu'affichée à la personne (contrôlée à l'envoi).
    pub vu: String,
    pub importe_le: String,
}

fn en_mots(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "(vide)".into())
}

fn titre_du_champ(champ: &str) -> String {
    schema()
        .champs
        .iter()
        .find(|c| c.nom == champ)
        .and_then(|c| c.titre.clone())
        .unwrap_or_else(|| champ.to_string())
}

fn afficher(c: &ConflitLieu) -> ConflitAffiche {
    ConflitAffiche {
        champ: c.champ.clone(),
        titre: titre_du_champ(&c.champ),
        locale: en_mots(&c.valeur_locale),
        importee: en_mots(&c.valeur_importee),
        vu: c.valeur_importee.clone().unwrap_or_default(),
        importe_le: c.importe_le.get(..10).unwrap_or(&c.importe_le).to_string(),
    }
}

#[derive(Template)]
#[template(path = "lieux/conflits.html")]
struct PageConflits {
    cadre: Cadre,
    nom: String,
    source: String,
    chemin: String,
    conflits: Vec<ConflitAffiche>,
    erreur: Option<String>,
}

async fn afficher_page(
    etat: &Etat,
    v: &Visiteur,
    source: &str,
    id: &str,
    message: Option<String>,
    erreur: Option<String>,
) -> Result<Response, ErreurWeb> {
    let lieu = etat
        .store
        .lieu_courant(source, id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let nom = reperes_domain::lieux::valeur(&lieu.donnees, "nom").unwrap_or_else(|| id.into());
    let conflits = etat.store.conflits_du_lieu(source, id).await?;
    let en_erreur = erreur.is_some();
    let mut cadre = Cadre::pour(v, format!("Conflits à examiner : {nom}")).avec_message(message);
    if en_erreur {
        cadre = cadre.en_erreur();
    }
    let p = PageConflits {
        cadre,
        nom,
        source: source.to_string(),
        chemin: chemin_lieu(source, id),
        conflits: conflits.iter().map(afficher).collect(),
        erreur,
    };
    page(&p, None, en_erreur)
}

/// `GET /lieux/{source}/{id}/conflits` : les conflits en attente du lieu, un choix par champ.
pub async fn conflits(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((source, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, ErreurWeb> {
    tenue_exigee(&etat, &v, &source, &id).await?;
    let message = (q.as_deref() == Some("fait=1")).then(|| "Vos choix sont enregistrés.".into());
    afficher_page(&etat, &v, &source, &id, message, None).await
}

/// `POST /lieux/{source}/{id}/conflits` : pour chaque champ, `choix_{champ}` (`garder` ou
/// `source`) et `vu_{champ}` (la valeur importée affichée). Un champ sans choix reste en attente.
pub async fn decider(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((source, id)): Path<(String, String)>,
    axum::Form(champs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    let tenue = tenue_exigee(&etat, &v, &source, &id).await?;
    v.verifier_csrf_champs(&champs)?;
    if etat.store.lieu_courant(&source, &id).await?.is_none() {
        return Err(ErreurWeb::Introuvable);
    }
    let mut decisions = Vec::new();
    for (k, x) in &champs {
        let Some(champ) = k.strip_prefix("choix_") else {
            continue;
        };
        let choix = ChoixConflit::depuis_code(x)
            .ok_or_else(|| ErreurWeb::Requete(format!("choix inconnu pour le champ {champ}")))?;
        let vu = champs
            .iter()
            .find(|(c, _)| c.strip_prefix("vu_") == Some(champ))
            .map(|(_, x)| x.clone())
            .filter(|x| !x.is_empty());
        decisions.push((champ.to_string(), vu, choix));
    }
    if decisions.is_empty() {
        return afficher_page(
            &etat,
            &v,
            &source,
            &id,
            None,
            Some("Choisissez une valeur pour au moins un champ : rien n'a été enregistré.".into()),
        )
        .await;
    }
    let r = etat
        .store
        .decider_conflits(
            tenue.acteur(),
            &source,
            &id,
            &decisions,
            tenue.organisation_id(),
        )
        .await?;
    match r {
        ResultatRevue::Enregistree { .. } => Ok(Redirect::to(&format!(
            "{}/conflits?fait=1",
            chemin_lieu(&source, &id)
        ))
        .into_response()),
        ResultatRevue::ConflitsChanges => {
            afficher_page(
                &etat,
                &v,
                &source,
                &id,
                None,
                Some(
                    "Ces conflits ont changé depuis leur affichage (déjà tranchés, ou remplacés \
                     par un import plus récent) : rien n'a été enregistré. Voici ceux en attente."
                        .into(),
                ),
            )
            .await
        }
    }
}

/// Les conflits d'une source, par lieu.
pub struct ConflitsSource {
    pub source: String,
    /// (adresse de la revue, identifiant du lieu, conflits).
    pub lieux: Vec<(String, String, Vec<ConflitAffiche>)>,
}

#[derive(Template)]
#[template(path = "lieux/conflits_admin.html")]
struct PageConflitsAdmin {
    cadre: Cadre,
    sources: Vec<ConflitsSource>,
    total: usize,
}

/// `GET /administration/lieux/conflits` : tous les conflits en attente, par source.
pub async fn conflits_admin(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let tous = etat.store.conflits_en_attente().await?;
    let total = tous.len();
    let mut sources: Vec<ConflitsSource> = Vec::new();
    for c in &tous {
        if sources.last().map(|s| &s.source) != Some(&c.source) {
            sources.push(ConflitsSource {
                source: c.source.clone(),
                lieux: Vec::new(),
            });
        }
        let s = sources.last_mut().expect("source ajoutée");
        if s.lieux.last().map(|l| &l.1) != Some(&c.lieu_id) {
            s.lieux.push((
                format!("{}/conflits", chemin_lieu(&c.source, &c.lieu_id)),
                c.lieu_id.clone(),
                Vec::new(),
            ));
        }
        s.lieux.last_mut().expect("lieu ajouté").2.push(afficher(c));
    }
    let p = PageConflitsAdmin {
        cadre: Cadre::pour(&v, "Conflits entre les sources et Repères"),
        sources,
        total,
    };
    page(&p, None, false)
}
