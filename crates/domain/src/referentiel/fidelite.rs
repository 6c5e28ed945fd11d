//! Fidélité aux textes officiels : chaque texte d'un référentiel dont l'`origine` est un texte
//! officiel (`nature = "texte_officiel"`) doit se trouver, mot pour mot, dans la copie de ce texte
//! rangée dans `referentiels/textes-officiels/`, et chaque copie doit garder l'empreinte SHA-256
//! notée dans `textes-officiels/SOURCES.md`.
//!
//! La seule tolérance est [`normaliser`] : les suites de blancs comptent pour une espace, les
//! blancs de début et de fin sont ignorés, et les marques de gras `**` (rapport converti de PDF en
//! Markdown) sont retirées. Rien d'autre : ni la casse, ni la ponctuation, ni les apostrophes.
//!
//! Pur : les fichiers sont donnés par l'appelant (`(nom, contenu)`).

use sha2::{Digest, Sha256};

use super::{Correspondance, Origine, Referentiel, Regle};

/// Nom du fichier qui liste les textes officiels recopiés et leurs empreintes.
pub const SOURCES: &str = "SOURCES.md";

/// Un texte d'un référentiel présenté comme repris mot pour mot d'un texte officiel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// Référentiel (« id@version »).
    pub referentiel: String,
    /// Champ cité, par exemple `criteres[ouverture].description`.
    pub champ: String,
    /// Nom du fichier de `textes-officiels/`.
    pub fichier: String,
    /// Le texte du référentiel.
    pub texte: String,
}

/// Normalisation documentée : blancs réduits à une espace, bords ignorés, `**` retirés.
pub fn normaliser(texte: &str) -> String {
    texte
        .replace("**", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn citation(
    referentiel: String,
    champ: String,
    origine: Option<&Origine>,
    texte: &str,
) -> Option<Citation> {
    match origine {
        Some(Origine::TexteOfficiel { fichier, .. }) => Some(Citation {
            referentiel,
            champ,
            fichier: fichier.clone(),
            texte: texte.to_string(),
        }),
        _ => None,
    }
}

/// Tous les textes d'origine officielle des référentiels et des correspondances (pour une
/// correspondance : chaque cible avec son qualificatif, « 1.1 Besoins réels (beaucoup plus
/// large) »).
pub fn citations(
    referentiels: &[Referentiel],
    correspondances: &[Correspondance],
) -> Vec<Citation> {
    let mut v = Vec::new();
    for r in referentiels {
        let cle = r.cle();
        for c in &r.criteres {
            v.extend(citation(
                cle.clone(),
                format!("criteres[{}].description", c.id),
                c.origine.as_ref(),
                &c.description,
            ));
            for e in &c.exigences {
                v.extend(citation(
                    cle.clone(),
                    format!(
                        "criteres[{}].exigences[{} niveau {}].texte",
                        c.id, e.type_dispositif, e.niveau
                    ),
                    e.origine.as_ref(),
                    &e.texte,
                ));
            }
        }
        for g in &r.eligibilite {
            if let Regle::Declaration {
                id,
                libelle,
                origine,
                ..
            } = g
            {
                v.extend(citation(
                    cle.clone(),
                    format!("eligibilite[{id}].libelle"),
                    origine.as_ref(),
                    libelle,
                ));
            }
        }
        for e in &r.engagements {
            v.extend(citation(
                cle.clone(),
                format!("engagements[{}].texte", e.id),
                e.origine.as_ref(),
                &e.texte,
            ));
        }
        if let Some(d) = &r.description {
            v.extend(citation(
                cle.clone(),
                "description".to_string(),
                r.origine_description.as_ref(),
                d,
            ));
        }
    }
    for c in correspondances {
        for l in &c.liens {
            for (code, qualificatif) in &l.qualificatifs {
                let libelle = c
                    .cibles
                    .iter()
                    .find(|x| &x.code == code)
                    .map(|x| x.libelle.as_str())
                    .unwrap_or_default();
                v.extend(citation(
                    format!("{}@{}", c.id, c.version),
                    format!("liens[{}].qualificatifs.\"{code}\"", l.critere),
                    c.origine.as_ref(),
                    &format!("{code} {libelle} ({qualificatif})"),
                ));
            }
        }
    }
    v
}

/// Vérifie chaque citation contre les textes donnés (`(nom de fichier, contenu)`). Rend le
/// nombre de citations vérifiées, ou la liste des écarts. Aucune citation est un écart : le
/// contrôle ne doit jamais passer à vide.
pub fn verifier(citations: &[Citation], textes: &[(String, String)]) -> Result<usize, Vec<String>> {
    let normalises: Vec<(&str, String)> = textes
        .iter()
        .map(|(nom, contenu)| (nom.as_str(), normaliser(contenu)))
        .collect();
    let mut ecarts = Vec::new();
    if citations.is_empty() {
        ecarts.push(
            "aucun texte d'origine officielle à vérifier : le contrôle serait vide".to_string(),
        );
    }
    for c in citations {
        match normalises.iter().find(|(nom, _)| *nom == c.fichier) {
            None => ecarts.push(format!(
                "{}, {} : le texte officiel « {} » n'existe pas dans textes-officiels/",
                c.referentiel, c.champ, c.fichier
            )),
            Some((_, contenu)) => {
                let cherche = normaliser(&c.texte);
                if cherche.is_empty() || !contenu.contains(&cherche) {
                    ecarts.push(format!(
                        "{}, {} : texte introuvable mot pour mot dans {} (après normalisation des blancs) : « {} »",
                        c.referentiel, c.champ, c.fichier, c.texte
                    ));
                }
            }
        }
    }
    if ecarts.is_empty() {
        Ok(citations.len())
    } else {
        Err(ecarts)
    }
}

/// Les lignes du tableau de `SOURCES.md` : (fichier, empreinte SHA-256 attendue). Une ligne du
/// tableau commence par « | `nom.txt` » et se termine par « `empreinte` | ».
pub fn empreintes_annoncees(sources: &str) -> Vec<(String, String)> {
    sources
        .lines()
        .filter_map(|l| {
            let cellules: Vec<&str> = l
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            let fichier = cellules.first()?.strip_prefix('`')?.strip_suffix('`')?;
            let empreinte = cellules.last()?.strip_prefix('`')?.strip_suffix('`')?;
            (fichier.ends_with(".txt") && empreinte.len() == 64)
                .then(|| (fichier.to_string(), empreinte.to_ascii_lowercase()))
        })
        .collect()
}

/// Empreinte SHA-256 (hexadécimal minuscule) d'un contenu.
pub fn sha256(contenu: &[u8]) -> String {
    hex::encode(Sha256::digest(contenu))
}

/// Vérifie que chaque texte donné est annoncé dans `SOURCES.md` avec son empreinte exacte, et
/// que chaque fichier annoncé existe. Rend le nombre de fichiers vérifiés.
pub fn verifier_empreintes(
    sources: &str,
    textes: &[(String, Vec<u8>)],
) -> Result<usize, Vec<String>> {
    let annoncees = empreintes_annoncees(sources);
    let mut ecarts = Vec::new();
    if annoncees.is_empty() {
        ecarts.push(format!(
            "{SOURCES} n'annonce aucun fichier avec son empreinte"
        ));
    }
    for (fichier, attendue) in &annoncees {
        match textes.iter().find(|(nom, _)| nom == fichier) {
            None => ecarts.push(format!("{fichier}, annoncé dans {SOURCES}, est absent")),
            Some((_, contenu)) => {
                let trouvee = sha256(contenu);
                if &trouvee != attendue {
                    ecarts.push(format!(
                        "{fichier} : empreinte SHA-256 {trouvee}, {SOURCES} annonce {attendue} (le fichier a été modifié)"
                    ));
                }
            }
        }
    }
    for (nom, _) in textes {
        if !annoncees.iter().any(|(f, _)| f == nom) {
            ecarts.push(format!("{nom} n'est pas annoncé dans {SOURCES}"));
        }
    }
    if ecarts.is_empty() {
        Ok(annoncees.len())
    } else {
        Err(ecarts)
    }
}
