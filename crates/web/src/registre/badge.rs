//! Badge SVG d'un dispositif labellisé, à afficher sur son site.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use reperes_domain::Etat as EtatDossier;

use crate::{ErreurWeb, Etat};

use crate::commun::libelles::echapper_xml;

use super::titulaires::{lignes_du_dispositif, mots, titulaire};

/// Badge SVG d'un dispositif labellisé (dernier label en cours, sinon le plus récent).
pub async fn badge(
    State(etat): State<Etat>,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let lignes = lignes_du_dispositif(&etat, &id).await?;
    let l = lignes
        .iter()
        .find(|l| l.etat == EtatDossier::Labellise)
        .or(lignes.first())
        .ok_or(ErreurWeb::Introuvable)?;
    let t = titulaire(&etat, l);
    let r = etat
        .catalogue
        .referentiel(&l.referentiel_id, &l.referentiel_version);
    let label = r.map(|r| r.nom_court.clone()).unwrap_or_default();
    let etat_txt = match l.etat {
        EtatDossier::Labellise => format!(
            "{} jusqu'au {}",
            t.niveau_libelle,
            l.fin_validite
                .map(crate::commun::dates::jour)
                .unwrap_or_default()
        ),
        autre => autre.libelle().to_string(),
    };
    // Une méthode approuvée n'est pas un label : le badge le dit avec ses mots.
    let approbation = mots(&etat, &l.referentiel_id).le_titre == "l'approbation";
    let (alt, titre) = if approbation {
        (
            format!(
                "{} : méthode approuvée « {label} », {etat_txt}",
                t.dispositif_nom
            ),
            format!("Approbation {label}"),
        )
    } else {
        (
            format!("{} : label « {label} », {etat_txt}", t.dispositif_nom),
            format!("Label {label}"),
        )
    };
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="260" height="64" viewBox="0 0 260 64" role="img" aria-labelledby="t">
<title id="t">{alt}</title>
<rect width="260" height="64" rx="6" fill="#000091"/>
<text x="14" y="27" font-family="Marianne, Arial, sans-serif" font-size="15" font-weight="700" fill="#ffffff">{label}</text>
<text x="14" y="48" font-family="Marianne, Arial, sans-serif" font-size="12" fill="#ffffff">{etat_txt}</text>
</svg>"##,
        alt = echapper_xml(&alt),
        label = echapper_xml(&titre),
        etat_txt = echapper_xml(&etat_txt),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        svg,
    )
        .into_response())
}
