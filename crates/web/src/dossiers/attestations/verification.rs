//! Attestations : PDF balisé généré à la labellisation et gardé ; page publique de vérification
//! (authenticité par le numéro et l'empreinte, validité actuelle d'après le registre).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use reperes_domain::charte;
use reperes_domain::referentiel::Nature;
use reperes_domain::texte::en_tirets;
use reperes_domain::{Etat as EtatDossier, Role};
use reperes_store::{Acteur, Attestation};
use sha2::{Digest, Sha256};

use super::super::vue::nom_du_dispositif;
use super::pdf::{generer, DonneesAttestation};
use crate::commun::acces::dossier_visible;
use crate::commun::cadre::Cadre;
use crate::commun::erreur::Contexte;
use crate::commun::fichiers;
use crate::commun::formulaires::page;
use crate::commun::libelles::citer;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// L'attestation du dossier, générée et gardée si elle n'existe pas encore.
pub async fn assurer(etat: &Etat, dossier_id: &str) -> Result<Attestation, ErreurWeb> {
    if let Some(a) = etat.store.attestation_du_dossier(dossier_id).await? {
        return Ok(a);
    }
    let d = etat
        .store
        .dossier(dossier_id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let labellise_le = d.labellise_le.ok_or_else(|| {
        ErreurWeb::Requete("Ce dossier n'a pas été labellisé : il n'a pas d'attestation.".into())
    })?;
    let r = etat
        .catalogue
        .referentiel(&d.referentiel_id, &d.referentiel_version)
        .ok_or(ErreurWeb::Introuvable)?;
    let o = etat
        .store
        .organisation(&d.organisation_id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let x = etat
        .store
        .dispositif(&d.dispositif_id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let id = uuid::Uuid::new_v4().to_string();
    let donnees = DonneesAttestation {
        numero: id.clone(),
        label: r.nom.clone(),
        nature: r.nature,
        emetteur: r.delivre_par.clone().unwrap_or_default(),
        recepisse: d.numero.clone().unwrap_or_default(),
        niveau: d
            .niveau_accorde
            .and_then(|n| r.niveau(n))
            .map(|n| n.libelle.clone())
            .unwrap_or_default(),
        dispositif: x.nom.clone(),
        porteur: o.nom.clone(),
        commune: o.adresse.commune.clone(),
        date_decision: crate::commun::dates::jour(labellise_le),
        fin_validite: d
            .fin_validite
            .map(crate::commun::dates::jour)
            .unwrap_or_default(),
        url_verification: format!("{}/attestations/{id}", etat.config.url_publique),
    };
    let pdf = tokio::task::spawn_blocking(move || generer(&donnees))
        .await
        .contexte("tâche de génération interrompue")?
        .contexte("génération de l'attestation")?;
    let cle = format!("attestation-{id}");
    fichiers::ecrire(etat, &cle, &pdf).await?;
    let a = Attestation {
        id,
        dossier_id: d.id.clone(),
        cle_stockage: cle,
        sha256: hex::encode(Sha256::digest(&pdf)),
        cree_le: Utc::now(),
    };
    etat.store
        .creer_attestation(&Acteur::new("attestations", Role::Systeme), &a)
        .await?;
    Ok(a)
}

/// Nom du fichier téléchargé, lisible : (ASCII sûr, UTF-8), par exemple
/// `attestation-label-nec-2022-espace-numerique-2026-00012.pdf` et
/// « Attestation NEC 2022 — Espace numérique — REP-2026-00012.pdf ».
pub fn noms_de_fichier(
    nature: Nature,
    nom_court: &str,
    dispositif: &str,
    recepisse: &str,
) -> (String, String) {
    let nature = nature.libelle();
    let numero = en_tirets(recepisse);
    let numero = numero.strip_prefix("rep-").unwrap_or(&numero);
    let ascii = [
        "attestation",
        nature,
        &en_tirets(nom_court),
        &en_tirets(dispositif),
        numero,
    ]
    .iter()
    .filter(|m| !m.is_empty())
    .copied()
    .collect::<Vec<_>>()
    .join("-");
    // Un nom très long est raccourci au mot près (les visionneuses le tronquent mal).
    let mut court = String::new();
    for mot in ascii.split('-') {
        if !court.is_empty() && court.len() + mot.len() + 1 > 120 {
            break;
        }
        if !court.is_empty() {
            court.push('-');
        }
        court.push_str(mot);
    }
    if !court.ends_with(numero) && !numero.is_empty() {
        court = format!("{court}-{numero}");
    }
    let utf8 = [
        format!("Attestation {}", nom_court.trim()),
        dispositif.trim().to_string(),
        recepisse.trim().to_string(),
    ]
    .into_iter()
    .filter(|m| !m.trim().is_empty())
    .collect::<Vec<_>>()
    .join(" — ")
    .chars()
    .filter(|c| !c.is_control() && !"/\\\"".contains(*c))
    .collect::<String>();
    (format!("{court}.pdf"), format!("{utf8}.pdf"))
}

/// En-tête `Content-Disposition` : nom ASCII, et le nom UTF-8 en `filename*` (RFC 6266).
pub fn disposition(ascii: &str, utf8: &str) -> String {
    let encode = form_urlencoded::byte_serialize(utf8.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
        .replace('*', "%2A");
    format!("inline; filename=\"{ascii}\"; filename*=UTF-8''{encode}")
}

/// `GET /attestations/{id}.pdf` : le fichier, pour qui connaît son numéro.
pub async fn pdf(
    State(etat): State<Etat>,
    Path(fichier): Path<String>,
) -> Result<Response, ErreurWeb> {
    let id = fichier.strip_suffix(".pdf").ok_or(ErreurWeb::Introuvable)?;
    let a = etat
        .store
        .attestation(id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let octets = fichiers::lire(&etat, &a.cle_stockage).await?;
    let d = etat
        .store
        .dossier(&a.dossier_id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let r = etat
        .catalogue
        .referentiel(&d.referentiel_id, &d.referentiel_version);
    let (ascii, utf8) = noms_de_fichier(
        r.map(|r| r.nature).unwrap_or(Nature::Label),
        r.map(|r| r.nom_court.as_str()).unwrap_or_default(),
        &nom_du_dispositif(&etat, &d.dispositif_id).await?,
        d.numero.as_deref().unwrap_or(&a.id),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition(&ascii, &utf8)),
        ],
        octets,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "dossiers/attestations/verification.html")]
struct PageVerification {
    cadre: Cadre,
    a: Option<Attestation>,
    /// Nom du dispositif (ou de la démarche), cité.
    dispositif: String,
    dispositif_id: String,
    /// Nom du label ou de la charte, cité sans doubler les guillemets.
    label: String,
    /// Une charte : la page parle de signature, pas de label.
    charte: bool,
    /// Les mots de la nature du référentiel (label, charte, approbation).
    mots: &'static reperes_domain::referentiel::Vocabulaire,
    /// Qui délivre le label ou contresigne la charte (vide s'il n'est pas connu).
    emetteur: String,
    /// Numéro de récépissé du dossier.
    recepisse: String,
    organisation: String,
    statut: String,
    valide: bool,
}

/// `GET /attestations/{id}` : page publique de vérification.
pub async fn verifier(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    if id.ends_with(".pdf") {
        return pdf(State(etat), Path(id)).await;
    }
    let Some(a) = etat.store.attestation(&id).await? else {
        let mut r = page(
            &PageVerification {
                cadre: Cadre::pour(&v, "Attestation inconnue"),
                a: None,
                dispositif: String::new(),
                dispositif_id: String::new(),
                label: String::new(),
                charte: false,
                mots: Nature::Label.vocabulaire(),
                emetteur: String::new(),
                recepisse: String::new(),
                organisation: String::new(),
                statut: String::new(),
                valide: false,
            },
            None,
            false,
        )?;
        *r.status_mut() = axum::http::StatusCode::NOT_FOUND;
        return Ok(r);
    };
    let d = etat
        .store
        .dossier(&a.dossier_id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let r = etat
        .catalogue
        .referentiel(&d.referentiel_id, &d.referentiel_version);
    let aujourd_hui = Utc::now().date_naive();
    let (statut, valide) = match d.etat {
        EtatDossier::Labellise if d.fin_validite.is_none_or(|f| f >= aujourd_hui) => (
            format!(
                "en cours de validité, jusqu'au {}",
                d.fin_validite
                    .map(crate::commun::dates::jour)
                    .unwrap_or_default()
            ),
            true,
        ),
        EtatDossier::Labellise | EtatDossier::Expire => {
            ("expiré : la durée de validité est dépassée".into(), false)
        }
        EtatDossier::Retire => (
            format!(
                "retiré le {}",
                d.decision
                    .as_ref()
                    .map(|x| crate::commun::dates::jour(x.le))
                    .unwrap_or_default()
            ),
            false,
        ),
        autre => (
            charte::libelle_etat(autre, r.map(|r| r.nature).unwrap_or(Nature::Label))
                .to_lowercase(),
            false,
        ),
    };
    let organisation = etat
        .store
        .organisation(&d.organisation_id)
        .await?
        .map(|o| o.nom)
        .unwrap_or_default();
    page(
        &PageVerification {
            cadre: Cadre::pour(&v, "Vérification d'une attestation"),
            dispositif: citer(&nom_du_dispositif(&etat, &d.dispositif_id).await?),
            dispositif_id: d.dispositif_id.clone(),
            label: r.map(|r| citer(&r.nom)).unwrap_or_default(),
            charte: r.is_some_and(|r| r.nature == Nature::Charte),
            mots: r.map(|r| r.nature).unwrap_or(Nature::Label).vocabulaire(),
            emetteur: r.and_then(|r| r.delivre_par.clone()).unwrap_or_default(),
            recepisse: d.numero.clone().unwrap_or_default(),
            organisation,
            statut,
            valide,
            a: Some(a),
        },
        None,
        false,
    )
}

/// `GET /dossiers/{id}/attestation` : pour les membres et les agents, génère au besoin puis
/// redirige.
pub async fn du_dossier(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.connecte()?;
    dossier_visible(&etat, p, &id).await?;
    let a = assurer(&etat, &id).await?;
    Ok(Redirect::to(&format!("/attestations/{}.pdf", a.id)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nom_de_fichier_lisible() {
        let (ascii, utf8) = noms_de_fichier(
            Nature::Label,
            "NEC 2022",
            "Espace numérique de l'Hôtel de Ville",
            "REP-2026-00012",
        );
        assert_eq!(
            ascii,
            "attestation-label-nec-2022-espace-numerique-de-l-hotel-de-ville-2026-00012.pdf"
        );
        assert_eq!(
            utf8,
            "Attestation NEC 2022 — Espace numérique de l'Hôtel de Ville — REP-2026-00012.pdf"
        );
        assert_eq!(
            disposition("a.pdf", "É *.pdf"),
            "inline; filename=\"a.pdf\"; filename*=UTF-8''%C3%89%20%2A.pdf"
        );
        let (ascii, _) = noms_de_fichier(
            Nature::Charte,
            "Territoire d'Actions",
            "Démarche",
            "REP-2026-00001",
        );
        assert_eq!(
            ascii,
            "attestation-charte-territoire-d-actions-demarche-2026-00001.pdf"
        );
        // Un nom de dispositif démesuré est raccourci ; le numéro reste.
        let (ascii, _) = noms_de_fichier(
            Nature::Label,
            "NEC 2022",
            &"mot ".repeat(100),
            "REP-2026-00012",
        );
        assert!(
            ascii.len() < 140 && ascii.ends_with("-2026-00012.pdf"),
            "{ascii}"
        );
        assert!(ascii.is_ascii());
    }
}
