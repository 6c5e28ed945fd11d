//! Historique d'un lieu (issue 16) : chaque version (date, origine en mots, qui — sans donnée
//! personnelle —, champs changés avant → après, horaires en mots), en page publique et dans
//! l'API ; retour à une version précédente par un administrateur.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use reperes_domain::horaires::Horaires;
use reperes_domain::lieux::valeur;
use reperes_domain::lieux::versions::Origine;
use reperes_store::{ModificationLieu, ResultatModification, VersionLieu};
use serde::Serialize;
use utoipa::ToSchema;

use crate::commun::api::erreur_api;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::libelles::chemin_lieu;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::droits::tenue;
use super::recherche::{nom_lisible_de, schema};

/// Un champ changé par une version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangementApi {
    /// Nom du champ au schéma national.
    pub champ: String,
    /// Titre du champ au schéma national.
    pub titre: String,
    /// Valeur avant (absente : vide).
    pub avant: Option<String>,
    /// Valeur après (absente : vide).
    pub apres: Option<String>,
    /// Pour les horaires : la valeur avant, en mots.
    pub avant_en_mots: Option<String>,
    /// Pour les horaires : la valeur après, en mots.
    pub apres_en_mots: Option<String>,
}

/// Une version d'un lieu.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionApi {
    pub version: i64,
    /// Horodatage RFC 3339.
    pub date: String,
    /// Code de l'origine : import, structure, administration, signalement, proposition,
    /// restauration, fusion, conflit.
    pub origine: String,
    /// L'origine en mots.
    pub origine_libelle: String,
    /// Qui, sans donnée personnelle : « la structure X », « un administrateur »,
    /// « import de la source X », « signalement du public ».
    pub auteur: String,
    /// Création du lieu (aucun changement listé).
    pub creation: bool,
    pub changements: Vec<ChangementApi>,
}

/// L'historique d'un lieu, de la version la plus récente à la plus ancienne.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoriqueApi {
    pub source: String,
    pub id: String,
    /// Version courante du lieu.
    pub version: i64,
    pub versions: Vec<VersionApi>,
}

fn en_mots(champ: &str, v: &Option<String>) -> Option<String> {
    if champ != "horaires" {
        return None;
    }
    v.as_deref()
        .and_then(|t| Horaires::analyser(t).ok())
        .map(|h| h.en_mots().join(" ; "))
}

/// Qui a fait une version, en mots publics.
async fn qui(etat: &Etat, v: &VersionLieu) -> Result<String, ErreurWeb> {
    if let Some(o) = &v.organisation_id {
        if let Some(org) = etat.store.organisation(o).await? {
            return Ok(format!("la structure {}", org.nom));
        }
    }
    Ok(match v.origine {
        Origine::Import => match &v.origine_detail {
            Some(s) => format!("import de la source {s}"),
            None => "import de la source".into(),
        },
        Origine::Signalement => "signalement du public".into(),
        Origine::Proposition => "proposition du public".into(),
        Origine::Structure => "la structure qui tient le lieu".into(),
        Origine::Administration | Origine::Restauration | Origine::Fusion | Origine::Conflit => {
            if v.auteur.starts_with("systeme") {
                "Repères (tâche automatique)".into()
            } else {
                "un administrateur".into()
            }
        }
    })
}

async fn historique_de(etat: &Etat, source: &str, id: &str) -> Result<HistoriqueApi, ErreurWeb> {
    let courant = etat
        .store
        .lieu_courant(source, id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let mut versions = Vec::new();
    for v in etat.store.historique_lieu(source, id).await? {
        let auteur = qui(etat, &v).await?;
        let libelle = match (&v.origine, &v.origine_detail) {
            (Origine::Restauration, Some(d)) => format!("{} ({d})", v.origine.libelle()),
            _ => v.origine.libelle().to_string(),
        };
        versions.push(VersionApi {
            version: v.version,
            date: v.cree_le.clone(),
            origine: v.origine.code().to_string(),
            origine_libelle: libelle,
            auteur,
            creation: v.creation,
            changements: v
                .changements
                .iter()
                .map(|c| ChangementApi {
                    titre: schema()
                        .champ(&c.champ)
                        .and_then(|s| s.titre.clone())
                        .unwrap_or_else(|| c.champ.clone()),
                    avant_en_mots: en_mots(&c.champ, &c.avant),
                    apres_en_mots: en_mots(&c.champ, &c.apres),
                    champ: c.champ.clone(),
                    avant: c.avant.clone(),
                    apres: c.apres.clone(),
                })
                .collect(),
        });
    }
    Ok(HistoriqueApi {
        source: source.to_string(),
        id: id.to_string(),
        version: courant.version,
        versions,
    })
}

#[derive(Template)]
#[template(path = "lieux/historique.html")]
struct PageHistorique {
    cadre: Cadre,
    nom: String,
    chemin: String,
    h: HistoriqueApi,
    /// Dates lisibles, dans l'ordre des versions.
    dates: Vec<String>,
    administrateur: bool,
    modifiable: bool,
}

impl PageHistorique {
    fn date(&self, i: &usize) -> &str {
        self.dates.get(*i).map(String::as_str).unwrap_or_default()
    }
}

/// `GET /lieux/{source}/{id}/historique` (public).
pub async fn historique(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((source, id)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    let h = historique_de(&etat, &source, &id).await?;
    let courant = etat
        .store
        .lieu_courant(&source, &id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let texte = |k: &str| valeur(&courant.donnees, k).unwrap_or_default();
    let nom = nom_lisible_de(&texte("nom"), &texte("commune"), &texte("code_postal"));
    let dates = h
        .versions
        .iter()
        .map(|x| {
            chrono::DateTime::parse_from_rfc3339(&x.date)
                .map(|d| crate::commun::dates::instant(d.with_timezone(&chrono::Utc)))
                .unwrap_or_else(|_| x.date.clone())
        })
        .collect();
    let t = tenue(&etat, &v, &source, &id).await?;
    page(
        &PageHistorique {
            cadre: Cadre::pour(&v, format!("Historique du lieu {nom}")),
            nom,
            chemin: chemin_lieu(&source, &id),
            administrateur: matches!(t, Some(super::droits::Tenue::Administrateur(_))),
            modifiable: t.is_some(),
            h,
            dates,
        },
        None,
        false,
    )
}

/// Historique d'un lieu : chaque version, son origine, qui (sans donnée personnelle), les champs
/// changés avant → après.
#[utoipa::path(get, path = "/api/v1/lieux/{source}/{id}/historique", tag = "lieux",
    params(("source" = String, Path, description = "Source du lieu"),
        ("id" = String, Path, description = "Identifiant du lieu dans sa source")),
    responses((status = 200, description = "Historique du lieu", body = HistoriqueApi),
        (status = 404, description = "Lieu inconnu", body = crate::commun::api::ErreurApi)))]
pub async fn api_historique(
    State(etat): State<Etat>,
    Path((source, id)): Path<(String, String)>,
) -> Response {
    match historique_de(&etat, &source, &id).await {
        Ok(h) => Json(h).into_response(),
        Err(ErreurWeb::Introuvable) => erreur_api(StatusCode::NOT_FOUND, "lieu inconnu"),
        Err(e) => e.into_response(),
    }
}

/// `POST /lieux/{source}/{id}/historique/{version}/restaurer` : un administrateur remet le lieu
/// dans l'état d'une version passée (nouvelle version, origine « restauration »).
pub async fn restaurer(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((source, id, version)): Path<(String, String, String)>,
    axum::Form(champs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    v.connecte()?;
    let (u, _) = v.administrateur()?;
    v.verifier_csrf_champs(&champs)?;
    let version: i64 = version.parse().map_err(|_| ErreurWeb::Introuvable)?;
    if !champs.iter().any(|(k, x)| k == "confirmer" && x == "oui") {
        return Err(ErreurWeb::Requete(
            "cochez la case de confirmation pour revenir à cette version".into(),
        ));
    }
    let courant = etat
        .store
        .lieu_courant(&source, &id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let ancien = etat
        .store
        .lieu_a_la_version(&source, &id, version)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let r = etat
        .store
        .modifier_lieu(
            &crate::commun::acces::acteur(u),
            ModificationLieu {
                source: &source,
                id: &id,
                version_lue: courant.version,
                nouveau: ancien,
                origine: Origine::Restauration,
                detail: Some(format!("version {version}")),
                organisation_id: None,
            },
        )
        .await?;
    if let ResultatModification::VersionDepassee { .. } = r {
        return Err(ErreurWeb::Requete(
            "le lieu vient d'être modifié : rechargez l'historique et recommencez".into(),
        ));
    }
    etat.carte.reconstruire(&etat.store).await?;
    Ok(Redirect::to(&format!("{}/historique", chemin_lieu(&source, &id))).into_response())
}
