//! Suivi des rapports annuels des territoires signataires de la charte : dernier rapport, prochaine
//! échéance, retard.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use reperes_domain::charte::{self, SuiviRapports};
use reperes_store::Signataire;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::libelles::ids_chartes;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// Une ligne du suivi : un signataire et l'état de ses rapports.
pub struct LigneSuivi {
    pub t: Signataire,
    pub date_signature: NaiveDate,
    pub suivi: SuiviRapports,
    pub nombre_rapports: usize,
}

#[derive(Template)]
#[template(path = "instruction/chartes.html")]
struct PageSuivi {
    cadre: Cadre,
    lignes: Vec<LigneSuivi>,
    en_retard: usize,
    aujourd_hui: NaiveDate,
}

/// Suivi des rapports de tous les signataires, du plus en retard au plus à jour.
pub async fn suivi_des_rapports(
    etat: &Etat,
    aujourd_hui: NaiveDate,
) -> Result<Vec<LigneSuivi>, ErreurWeb> {
    let rapports = etat.store.rapports_charte(None).await?;
    let mut lignes: Vec<LigneSuivi> = etat
        .store
        .signataires(&ids_chartes(etat))
        .await?
        .into_iter()
        .map(|t| {
            let dates: Vec<NaiveDate> = rapports
                .iter()
                .filter(|r| r.dossier_id == t.dossier_id)
                .map(|r| r.publie_le.date_naive())
                .collect();
            let date_signature = t.labellise_le.date_naive();
            LigneSuivi {
                suivi: charte::suivi(date_signature, &dates, aujourd_hui),
                nombre_rapports: dates.len(),
                date_signature,
                t,
            }
        })
        .collect();
    lignes.sort_by(|a, b| {
        b.suivi
            .retard_jours
            .cmp(&a.suivi.retard_jours)
            .then(a.suivi.prochaine_echeance.cmp(&b.suivi.prochaine_echeance))
            .then(a.t.organisation_nom.cmp(&b.t.organisation_nom))
    });
    Ok(lignes)
}

/// `GET /instruction/chartes` : signataires, dernier rapport, prochaine échéance, retard.
pub async fn suivi(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    v.agent()?;
    let aujourd_hui = Utc::now().date_naive();
    let lignes = suivi_des_rapports(&etat, aujourd_hui).await?;
    page(
        &PageSuivi {
            cadre: Cadre::pour(&v, "Suivi des rapports de la charte"),
            en_retard: lignes.iter().filter(|l| l.suivi.en_retard()).count(),
            lignes,
            aujourd_hui,
        },
        None,
        false,
    )
}
