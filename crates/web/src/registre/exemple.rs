//! Issue 18 : le dossier de Repères lui-même, montré au registre comme exemple. Le dispositif
//! « exemple » est celui dont le site est le dépôt du code source de l'instance
//! (`instance.source.depot`, `contenus/instance.toml`) : Repères décrit par l'instance qui le
//! sert. Sa fiche publie son autoévaluation, ses preuves, l'appréciation de l'instruction et la
//! décision ; celles des autres dispositifs restent privées.

use super::titulaires::Titulaire;
use crate::{ErreurWeb, Etat};

/// Le titulaire est-il le dispositif Repères de cette instance, labellisé ?
pub(super) fn est_exemple(etat: &Etat, t: &Titulaire) -> bool {
    let depot = etat
        .config
        .instance
        .source
        .depot
        .trim()
        .trim_end_matches('/');
    !depot.is_empty()
        && t.statut == "labellise"
        && t.dispositif_site.trim().trim_end_matches('/') == depot
}

/// Un critère du dossier d'exemple, tel que publié.
pub(super) struct CritereExemple {
    pub id: String,
    pub libelle: String,
    /// Niveau autoévalué par le demandeur (0 : non retenu).
    pub niveau_auto: u8,
    /// Niveau apprécié par l'instruction (0 : non satisfait ou pas apprécié).
    pub niveau_apprecie: u8,
    pub commentaire: String,
    /// La description, en paragraphes.
    pub paragraphes: Vec<String>,
    /// Liens de preuve : (adresse, texte du lien).
    pub liens: Vec<(String, String)>,
}

/// Le dossier d'exemple : la demande, l'autoévaluation et la décision.
pub(super) struct DossierExemple {
    pub label: String,
    pub niveau_vise: u8,
    pub niveau_accorde: u8,
    pub criteres: Vec<CritereExemple>,
    pub motivation: String,
}

/// Le dossier d'exemple publié pour ce titulaire (None s'il n'est pas l'exemple).
pub(super) async fn dossier_exemple(
    etat: &Etat,
    t: &Titulaire,
) -> Result<Option<DossierExemple>, ErreurWeb> {
    if !est_exemple(etat, t) {
        return Ok(None);
    }
    let Some(d) = etat.store.dossier(&t.identifiant).await? else {
        return Ok(None);
    };
    let Some(r) = etat
        .catalogue
        .referentiel(&d.referentiel_id, &d.referentiel_version)
    else {
        return Ok(None);
    };
    let criteres = r
        .criteres
        .iter()
        .filter_map(|c| {
            let x = d.reponse(&c.id)?;
            let a = x.appreciation.as_ref();
            Some(CritereExemple {
                id: c.id.clone(),
                libelle: c.libelle.clone(),
                niveau_auto: x.niveau_auto.unwrap_or(0),
                niveau_apprecie: a.and_then(|a| a.niveau).unwrap_or(0),
                commentaire: a.map(|a| a.commentaire.clone()).unwrap_or_default(),
                paragraphes: x
                    .texte
                    .split("\n\n")
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(String::from)
                    .collect(),
                liens: x
                    .liens
                    .iter()
                    .map(|l| {
                        let texte = l
                            .strip_prefix("https://")
                            .or_else(|| l.strip_prefix("http://"))
                            .unwrap_or(l);
                        (l.clone(), texte.to_string())
                    })
                    .collect(),
            })
        })
        .collect();
    Ok(Some(DossierExemple {
        label: r.nom_court.clone(),
        niveau_vise: d.niveau_vise,
        niveau_accorde: d.niveau_accorde.unwrap_or(0),
        criteres,
        motivation: d.decision.map(|x| x.motivation).unwrap_or_default(),
    }))
}
