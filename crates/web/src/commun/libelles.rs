//! Libellés et adresses partagés par plusieurs pages : état d'un dossier selon la nature de son
//! référentiel, déclarations d'un référentiel, messages de confirmation, adresse d'une fiche de
//! lieu.

use reperes_domain::charte;
use reperes_domain::referentiel::{Nature, Referentiel, Regle};

use crate::Etat;

/// Identifiants des référentiels de nature « charte ».
pub fn ids_chartes(etat: &Etat) -> Vec<String> {
    let mut v: Vec<String> = etat
        .catalogue
        .referentiels
        .iter()
        .filter(|r| r.nature == Nature::Charte)
        .map(|r| r.id.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Nature de chaque référentiel instruit qui n'est pas un label (chartes, approbations), pour
/// les listes de dossiers.
pub fn natures_hors_label(etat: &Etat) -> Vec<(String, Nature)> {
    etat.catalogue
        .referentiels
        .iter()
        .filter(|r| r.nature != Nature::Label)
        .map(|r| (r.id.clone(), r.nature))
        .collect()
}

/// Libellé de l'état d'un dossier d'une liste, sachant quels référentiels ne sont pas des
/// labels (une charte est « signée et contresignée », une méthode « approuvée »).
pub fn libelle_etat_resume(
    natures: &[(String, Nature)],
    d: &reperes_store::ResumeDossier,
) -> &'static str {
    let nature = natures
        .iter()
        .find(|(id, _)| *id == d.referentiel_id)
        .map_or(Nature::Label, |(_, n)| *n);
    charte::libelle_etat(d.etat, nature)
}

/// Message de confirmation correspondant au code `?ok=` (jamais un texte venu de la requête).
pub fn message_confirmation(code: Option<&String>) -> Option<String> {
    let m = match code.map(String::as_str)? {
        "organisation" => "Organisation enregistrée.",
        "dispositif" => "Dispositif enregistré.",
        "invitation" => "Invitation envoyée.",
        "depose" => "Dossier déposé : un accusé de réception avec son numéro vous a été envoyé par courriel.",
        "membre" => "Vous avez rejoint l'organisation.",
        "message" => "Message envoyé.",
        "enregistre" => "Modifications enregistrées.",
        "action" => "Action enregistrée.",
        "decision" => "Décision enregistrée : le porteur en est informé par courriel.",
        "pris_en_charge" => "Vous avez pris ce dossier en charge : il vous est attribué.",
        "avis_demande" => "Demande d'avis envoyée : l'expert a reçu le lien par courriel.",
        "avis_annule" => "Demande d'avis annulée : le lien de l'expert ne marche plus.",
        "avis_rendu" => "Votre avis est envoyé : l'agent qui l'a demandé peut le lire.",
        _ => return None,
    };
    Some(m.to_string())
}

/// Déclarations sur l'honneur demandées par un référentiel : (identifiant, libellé).
pub fn declarations(r: &Referentiel) -> Vec<(String, String)> {
    r.eligibilite
        .iter()
        .filter_map(|g| match g {
            Regle::Declaration { id, libelle, .. } => Some((id.clone(), libelle.clone())),
            _ => None,
        })
        .collect()
}

/// Adresse de la fiche publique d'un lieu.
pub fn chemin_lieu(source: &str, id: &str) -> String {
    let mut c = String::with_capacity(8 + source.len() + id.len());
    c.push_str("/lieux/");
    encoder_segment(source, &mut c);
    c.push('/');
    encoder_segment(id, &mut c);
    c
}

/// Encode un segment de chemin comme `form_urlencoded::byte_serialize` (lettres et chiffres
/// ASCII, `*-._` gardés, le reste en `%XX` majuscules), l'espace en `%20` plutôt qu'en `+` ;
/// écrit directement dans `sortie` (une ligne de résultats par lieu, à chaque requête).
fn encoder_segment(s: &str, sortie: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &o in s.as_bytes() {
        if o.is_ascii_alphanumeric() || matches!(o, b'*' | b'-' | b'.' | b'_') {
            sortie.push(o as char);
        } else {
            sortie.push('%');
            sortie.push(HEX[(o >> 4) as usize] as char);
            sortie.push(HEX[(o & 15) as usize] as char);
        }
    }
}

/// Échappe un texte pour XML (SVG des badges et des graphiques).
pub fn echapper_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// Cite un nom entre guillemets français sans jamais les doubler (« Label « … » » n'arrive pas) :
/// la seule fonction de citation, pour les pages, les PDF et les courriels. Voir
/// [`reperes_domain::texte::citer`].
pub use reperes_domain::texte::citer;

#[cfg(test)]
mod tests {
    use super::chemin_lieu;

    #[test]
    fn chemin_d_un_lieu_encode_chaque_segment() {
        assert_eq!(
            chemin_lieu("banc", "lieu-12_a.b*"),
            "/lieux/banc/lieu-12_a.b*"
        );
        assert_eq!(
            chemin_lieu("ma source", "a/b+c?d#é"),
            "/lieux/ma%20source/a%2Fb%2Bc%3Fd%23%C3%A9"
        );
        assert_eq!(chemin_lieu("", "%~"), "/lieux//%25%7E");
        // Même encodage que l'écriture d'avant (form_urlencoded, « + » remplacé par %20).
        let avant = |s: &str| {
            form_urlencoded::byte_serialize(s.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        };
        let tous: String = (1u32..0x300).filter_map(char::from_u32).collect();
        assert_eq!(
            chemin_lieu(&tous, "x"),
            format!("/lieux/{}/x", avant(&tous))
        );
    }
}
