//! Exports de la file d'instruction (mêmes filtres) en CSV et en classeur XLSX.

use axum::extract::{Query, State};
use axum::response::Response;

use crate::commun::acces::noms_des_agents;
use crate::commun::donnees::{en_csv_tableur, reponse_fichier, CSV};
use crate::commun::journal::{self, Evenement};
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::file::{filtre_store, Filtres};

const COLONNES_EXPORT: &[&str] = &[
    "numero",
    "identifiant",
    "organisation",
    "dispositif",
    "type_dispositif",
    "label",
    "version",
    "niveau_vise",
    "etat",
    "depose_le",
    "attribue_a",
    "niveau_accorde",
    "fin_validite",
    "modifie_le",
    "licences",
    "liens_materiel",
    "partenaire_local",
    "retour_terrain",
    "preuve_retour_terrain",
    "declarations",
];

/// Conditions vérifiées d'un dossier (issue 15), pour l'export : licences et liens du matériel
/// (« critère : SPDX »), partenaire local, retour et sa preuve, déclarations et justifications.
fn colonnes_conditions(d: &reperes_domain::Dossier) -> [String; 6] {
    let avec_licence: Vec<(&String, &reperes_domain::dossier::ReponseCritere)> = d
        .criteres
        .iter()
        .filter(|(_, r)| r.licence.is_some() || r.materiel.is_some())
        .collect();
    let licences = avec_licence
        .iter()
        .map(|(c, r)| format!("{c} : {}", r.licence.as_deref().unwrap_or("")))
        .collect::<Vec<_>>()
        .join(" ; ");
    let materiel = avec_licence
        .iter()
        .map(|(c, r)| format!("{c} : {}", r.materiel.as_deref().unwrap_or("")))
        .collect::<Vec<_>>()
        .join(" ; ");
    let (partenaire, retour, preuve) = match &d.retour_terrain {
        None => Default::default(),
        Some(rt) => (
            [
                rt.partenaire.as_str(),
                rt.type_partenaire.as_str(),
                rt.commune.as_str(),
                rt.identifiant.as_str(),
            ]
            .iter()
            .filter(|x| !x.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
            rt.description.clone(),
            rt.preuve.clone(),
        ),
    };
    let declarations = d
        .declarations
        .iter()
        .map(|(id, oui)| {
            let mut t = format!("{id} : {}", if *oui { "oui" } else { "non" });
            if let Some(j) = d.justifications.get(id) {
                t.push_str(&format!(" ({j})"));
            }
            t
        })
        .collect::<Vec<_>>()
        .join(" ; ");
    [licences, materiel, partenaire, retour, preuve, declarations]
}

async fn lignes_export(
    etat: &Etat,
    v: &Visiteur,
    f: &Filtres,
) -> Result<Vec<Vec<String>>, ErreurWeb> {
    let (u, _) = v.agent()?;
    let (filtre, erreurs) = filtre_store(f, u);
    if let Some(e) = erreurs.first() {
        return Err(ErreurWeb::Requete(e.clone()));
    }
    let noms: std::collections::BTreeMap<String, String> =
        noms_des_agents(etat).await?.into_iter().collect();
    let dossiers = super::file::garder(f, etat.store.dossiers(&filtre).await?);
    let retards = super::file::retards(etat, &dossiers, chrono::Utc::now().date_naive()).await?;
    let resumes = super::file::trier_retards(f, dossiers, &retards);
    let mut conditions = Vec::with_capacity(resumes.len());
    for d in &resumes {
        conditions.push(
            etat.store
                .dossier(&d.id)
                .await?
                .map(|x| colonnes_conditions(&x))
                .unwrap_or_default(),
        );
    }
    Ok(resumes
        .into_iter()
        .zip(conditions)
        .map(|(d, conditions)| {
            let mut ligne = vec![
                d.numero.unwrap_or_default(),
                d.id,
                d.organisation_nom,
                d.dispositif_nom,
                d.type_dispositif,
                d.referentiel_id,
                d.referentiel_version,
                d.niveau_vise.to_string(),
                d.etat.code().to_string(),
                d.depose_le
                    .map(|x| x.date_naive().to_string())
                    .unwrap_or_default(),
                d.instructeur_id
                    .and_then(|i| noms.get(&i).cloned())
                    .unwrap_or_default(),
                d.niveau_accorde.map(|n| n.to_string()).unwrap_or_default(),
                d.fin_validite.map(|x| x.to_string()).unwrap_or_default(),
                d.modifie_le.to_rfc3339(),
            ];
            ligne.extend(conditions);
            ligne
        })
        .collect())
}

/// Dossiers de la file (mêmes filtres) en CSV.
pub async fn export_csv(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(f): Query<Filtres>,
) -> Result<Response, ErreurWeb> {
    let lignes = lignes_export(&etat, &v, &f).await?;
    journal::noter(
        &etat,
        &v,
        Evenement::Export {
            quoi: "instruction/export.csv",
        },
    )
    .await;
    let octets = en_csv_tableur(COLONNES_EXPORT, &lignes)?;
    Ok(reponse_fichier(CSV, "attachment", "dossiers.csv", octets))
}

/// Dossiers de la file (mêmes filtres) en classeur XLSX.
pub async fn export_xlsx(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(f): Query<Filtres>,
) -> Result<Response, ErreurWeb> {
    let lignes = lignes_export(&etat, &v, &f).await?;
    journal::noter(
        &etat,
        &v,
        Evenement::Export {
            quoi: "instruction/export.xlsx",
        },
    )
    .await;
    let mut classeur = rust_xlsxwriter::Workbook::new();
    let feuille = classeur.add_worksheet();
    let interne = |e: rust_xlsxwriter::XlsxError| ErreurWeb::interne("écriture du classeur", e);
    feuille.set_name("Dossiers").map_err(interne)?;
    let gras = rust_xlsxwriter::Format::new().set_bold();
    for (c, titre) in COLONNES_EXPORT.iter().enumerate() {
        feuille
            .write_string_with_format(0, c as u16, *titre, &gras)
            .map_err(interne)?;
    }
    for (i, l) in lignes.iter().enumerate() {
        for (c, valeur) in l.iter().enumerate() {
            feuille
                .write_string(i as u32 + 1, c as u16, valeur)
                .map_err(interne)?;
        }
    }
    let octets = classeur.save_to_buffer().map_err(interne)?;
    Ok(reponse_fichier(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment",
        "dossiers.xlsx",
        octets,
    ))
}
