//! « Mon espace » : les organisations de la personne, leurs dispositifs, ses dossiers.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use reperes_domain::organisation::{Dispositif, Organisation};
use reperes_store::{FiltreDossiers, ResumeDossier};
use serde::Deserialize;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::libelles::message_confirmation;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

pub struct LigneOrganisation {
    pub o: Organisation,
    pub type_libelle: String,
    pub dispositifs: Vec<Dispositif>,
}

#[derive(Template)]
#[template(path = "espace/espace.html")]
struct PageEspace {
    cadre: Cadre,
    organisations: Vec<LigneOrganisation>,
    dossiers: Vec<ResumeDossier>,
    noms_referentiels: Vec<(String, String)>,
    /// Référentiels de nature « charte » (libellés propres : « Signée et contresignée »).
    chartes: Vec<(String, reperes_domain::referentiel::Nature)>,
    /// « Mes lieux » : lieux tenus par ses organisations et demandes (issue 16).
    lieux: Vec<reperes_store::Revendication>,
}

impl PageEspace {
    fn chemin_lieu(&self, l: &reperes_store::Revendication) -> String {
        crate::commun::libelles::chemin_lieu(&l.source, &l.lieu_id)
    }
    fn etat_libelle(&self, d: &ResumeDossier) -> &'static str {
        crate::commun::libelles::libelle_etat_resume(&self.chartes, d)
    }
    fn nom_ref(&self, id: &str) -> String {
        self.noms_referentiels
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

#[derive(Deserialize, Default)]
pub struct Requete {
    pub ok: Option<String>,
}

pub async fn espace(
    State(etat): State<Etat>,
    v: Visiteur,
    axum::extract::Query(q): axum::extract::Query<Requete>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.connecte()?;
    let mut organisations = Vec::new();
    for id in &p.organisations {
        if let Some(o) = etat.store.organisation(id).await? {
            organisations.push(LigneOrganisation {
                type_libelle: etat
                    .catalogue
                    .type_organisation(&o.type_organisation)
                    .map(|t| t.libelle.clone())
                    .unwrap_or_default(),
                dispositifs: etat.store.dispositifs_de(&o.id).await?,
                o,
            });
        }
    }
    let dossiers = etat
        .store
        .dossiers(&FiltreDossiers {
            organisations: Some(p.organisations.clone()),
            ..Default::default()
        })
        .await?;
    let lieux = etat
        .store
        .revendications_des_organisations(&p.organisations)
        .await?;
    let page_espace = PageEspace {
        lieux,
        cadre: Cadre::pour(&v, "Mon espace").avec_message(message_confirmation(q.ok.as_ref())),
        organisations,
        chartes: crate::commun::libelles::natures_hors_label(&etat),
        dossiers,
        noms_referentiels: etat
            .catalogue
            .referentiels
            .iter()
            .map(|r| (r.id.clone(), r.nom_court.clone()))
            .collect(),
    };
    page(&page_espace, None, false)
}
