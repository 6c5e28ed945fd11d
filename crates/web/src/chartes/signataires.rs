//! Charte « Territoire d'Actions » après la signature, vue publique : liste des territoires
//! signataires, page d'un territoire (engagements, rapports), page d'un rapport, pièces jointes
//! téléchargeables sans compte.
//!
//! Un signataire est un dossier de charte (référentiel de nature « charte ») à l'état
//! « labellisé » : signé par le territoire et contresigné par l'État.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use reperes_domain::charte::{self};
use reperes_domain::referentiel::{Licence, Nature, Referentiel};
use reperes_domain::registre::departement;
use reperes_domain::{Dossier, Etat as EtatDossier};
use reperes_store::{Fichier, RapportCharte, Signataire};
use serde::Deserialize;

use crate::commun::acces::dossier_du_connecte;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::libelles::ids_chartes;
use crate::commun::portee::Portee;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// Nombre maximal de pièces jointes par rapport.
pub const PIECES_MAX: usize = 5;

/// Les licences admises pour les rapports de cette charte (clé `licences_admises` du
/// référentiel, résolue au chargement).
pub(super) fn licences(r: &Referentiel) -> Result<&[Licence], ErreurWeb> {
    if r.licences.is_empty() {
        return Err(ErreurWeb::Incoherence(format!(
            "le référentiel {} ne cite aucune liste de licences (licences_admises)",
            r.cle()
        )));
    }
    Ok(&r.licences)
}

/// Nom d'une licence (l'identifiant SPDX s'il n'est dans aucune liste du catalogue).
fn nom_licence(etat: &Etat, spdx: &str) -> String {
    etat.catalogue
        .licences
        .iter()
        .find_map(|l| l.trouver(spdx))
        .map(|l| l.nom.clone())
        .unwrap_or_else(|| spdx.to_string())
}

/// Le dossier d'une charte signée et contresignée, si la personne peut agir pour le territoire
/// (membre de l'organisation, ou agent) ; « introuvable » sinon, sans révéler pourquoi.
pub(super) async fn charte_signee<'a>(
    etat: &'a Etat,
    v: &Visiteur,
    id: &str,
) -> Result<(Dossier, &'a Referentiel), ErreurWeb> {
    let (d, r, p) = dossier_du_connecte(etat, v, id).await?;
    if p.role_sur(&d).is_none() || r.nature != Nature::Charte || d.etat != EtatDossier::Labellise {
        return Err(ErreurWeb::Introuvable);
    }
    Ok((d, r))
}

/// Un dispositif de la charte auquel le territoire s'est engagé.
pub struct DispositifEngage {
    pub id: String,
    pub libelle: String,
    /// Actions prévues ou menées (réponse du territoire au critère).
    pub actions: String,
}

/// Un rapport tel que publié.
pub struct RapportPublic {
    pub r: RapportCharte,
    /// Adresse de la page du rapport.
    pub chemin: String,
    pub licence_nom: String,
    pub licence_lien: String,
    /// Pièces jointes, avec l'adresse de téléchargement public.
    pub pieces: Vec<(Fichier, String)>,
    pub demarche: Vec<String>,
    pub impact: Vec<String>,
    pub retours_outils: Vec<String>,
}

/// Un territoire signataire, avec les libellés de la nomenclature et ses rapports.
pub struct Territoire {
    pub s: Signataire,
    /// Identifiant dans les adresses publiques (numéro de récépissé).
    pub ident: String,
    pub chemin: String,
    pub type_libelle: String,
    pub departement: String,
    pub charte_nom: String,
    pub date_signature: NaiveDate,
    pub dispositifs: Vec<DispositifEngage>,
    pub rapports: Vec<RapportPublic>,
    /// Partenaires associés à la démarche.
    pub partenaires: Vec<reperes_domain::dossier::Partenaire>,
}

fn paragraphes(t: &str) -> Vec<String> {
    t.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) async fn territoire(etat: &Etat, s: Signataire) -> Result<Territoire, ErreurWeb> {
    let c = &etat.catalogue;
    let r = c.referentiel(&s.referentiel_id, &s.referentiel_version);
    let ident = s.identifiant_public().to_string();
    let chemin = format!("/chartes/{ident}");
    let mut rapports = Vec::new();
    for x in etat.store.rapports_charte(Some(&s.dossier_id)).await? {
        let mut pieces = Vec::new();
        for f in &x.fichiers {
            if let Some(f) = etat.store.fichier(f).await? {
                let lien = format!("{chemin}/rapports/{}/fichiers/{}", x.id, f.id);
                pieces.push((f, lien));
            }
        }
        rapports.push(RapportPublic {
            chemin: format!("{chemin}/rapports/{}", x.id),
            licence_nom: nom_licence(etat, &x.licence),
            licence_lien: charte::lien_licence(&x.licence),
            pieces,
            demarche: paragraphes(&x.demarche),
            impact: paragraphes(&x.impact),
            retours_outils: paragraphes(&x.retours_outils),
            r: x,
        });
    }
    // Dispositifs dans l'ordre de la charte.
    let rang = |id: &str| {
        r.and_then(|r| r.criteres.iter().position(|c| c.id == id))
            .unwrap_or(usize::MAX)
    };
    let mut engages = s.dispositifs.clone();
    engages.sort_by_key(|(id, _)| rang(id));
    let partenaires = etat
        .store
        .dossier(&s.dossier_id)
        .await?
        .map(|d| d.partenaires)
        .unwrap_or_default();
    Ok(Territoire {
        partenaires,
        type_libelle: c
            .type_organisation(&s.type_organisation)
            .map(|t| t.libelle.clone())
            .unwrap_or_else(|| s.type_organisation.clone()),
        departement: departement(&s.code_postal).unwrap_or_default(),
        charte_nom: r.map(|r| r.nom.clone()).unwrap_or_default(),
        date_signature: s.labellise_le.date_naive(),
        dispositifs: engages
            .iter()
            .map(|(id, actions)| DispositifEngage {
                id: id.clone(),
                libelle: r
                    .and_then(|r| r.critere(id))
                    .map(|c| c.libelle.clone())
                    .unwrap_or_else(|| id.clone()),
                actions: actions.clone(),
            })
            .collect(),
        rapports,
        ident,
        chemin,
        s,
    })
}

/// Tous les territoires signataires.
pub(super) async fn signataires(etat: &Etat) -> Result<Vec<Signataire>, ErreurWeb> {
    Ok(etat.store.signataires(&ids_chartes(etat)).await?)
}

/// Le signataire désigné par son numéro de récépissé ou l'identifiant de son dossier, dans la
/// portée : dans une version locale (issue 17), un signataire hors du périmètre est introuvable.
async fn signataire(etat: &Etat, portee: &Portee, ident: &str) -> Result<Signataire, ErreurWeb> {
    signataires(etat)
        .await?
        .into_iter()
        .find(|s| s.numero.as_deref() == Some(ident) || s.dossier_id == ident)
        .filter(|s| dans_la_portee(portee, s))
        .ok_or(ErreurWeb::Introuvable)
}

/// Un territoire signataire est dans la portée d'une version locale si l'adresse de son
/// organisation (code postal et commune) est dans le périmètre : la règle de l'indicateur
/// « signataires de la charte » (`docs/indicateurs.md`) et des titulaires du registre.
fn dans_la_portee(portee: &Portee, s: &Signataire) -> bool {
    portee.contient_adresse(&s.code_postal, &s.commune)
}

#[derive(Template)]
#[template(path = "chartes/chartes.html")]
struct PageChartes {
    cadre: Cadre,
    territoires: Vec<Territoire>,
}

/// `GET /chartes` : les territoires signataires, leurs engagements et leurs rapports.
pub async fn liste(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    let mut territoires = Vec::new();
    for s in signataires(&etat).await? {
        if dans_la_portee(&v.portee, &s) {
            territoires.push(territoire(&etat, s).await?);
        }
    }
    page(
        &PageChartes {
            cadre: Cadre::pour(&v, "Territoires signataires de la charte"),
            territoires,
        },
        None,
        false,
    )
}

#[derive(Template)]
#[template(path = "chartes/signataire.html")]
struct PageSignataire {
    cadre: Cadre,
    t: Territoire,
}

/// `GET /chartes/{ident}` : un territoire signataire.
pub async fn fiche(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(ident): Path<String>,
) -> Result<Response, ErreurWeb> {
    let t = territoire(&etat, signataire(&etat, &v.portee, &ident).await?).await?;
    page(
        &PageSignataire {
            cadre: Cadre::pour(
                &v,
                format!("{} — territoire signataire", t.s.organisation_nom),
            ),
            t,
        },
        None,
        false,
    )
}

#[derive(Template)]
#[template(path = "chartes/rapport.html")]
struct PageRapport {
    cadre: Cadre,
    t: Territoire,
    x: RapportPublic,
}

#[derive(Deserialize, Default)]
pub struct RequeteOk {
    ok: Option<String>,
}

/// `GET /chartes/{ident}/rapports/{id}` : un rapport publié.
pub async fn rapport(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((ident, id)): Path<(String, String)>,
    Query(q): Query<RequeteOk>,
) -> Result<Response, ErreurWeb> {
    let mut t = territoire(&etat, signataire(&etat, &v.portee, &ident).await?).await?;
    let i = t
        .rapports
        .iter()
        .position(|x| x.r.id == id)
        .ok_or(ErreurWeb::Introuvable)?;
    let x = t.rapports.remove(i);
    let message = (q.ok.as_deref() == Some("publie"))
        .then(|| "Rapport publié : il figure désormais sur la page publique du territoire.".into());
    page(
        &PageRapport {
            cadre: Cadre::pour(
                &v,
                format!("{} — rapport de {}", x.r.titre, t.s.organisation_nom),
            )
            .avec_message(message),
            t,
            x,
        },
        None,
        false,
    )
}

/// `GET /chartes/{ident}/rapports/{id}/fichiers/{fichier}` : une pièce jointe d'un rapport
/// publié, sans compte. Seules les pièces liées à ce rapport sont servies.
pub async fn piece(
    State(etat): State<Etat>,
    portee: Portee,
    Path((ident, id, fichier)): Path<(String, String, String)>,
) -> Result<Response, ErreurWeb> {
    let s = signataire(&etat, &portee, &ident).await?;
    let r = etat
        .store
        .rapport_charte(&id)
        .await?
        .filter(|r| r.dossier_id == s.dossier_id && r.fichiers.contains(&fichier))
        .ok_or(ErreurWeb::Introuvable)?;
    let f = etat
        .store
        .fichier(&fichier)
        .await?
        .filter(|f| f.dossier_id == r.dossier_id)
        .ok_or(ErreurWeb::Introuvable)?;
    crate::commun::fichiers::servir_fichier(&etat, &f, "public, max-age=3600").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textes_en_paragraphes() {
        assert_eq!(paragraphes("a\n\n  b \n"), ["a", "b"]);
    }
}
