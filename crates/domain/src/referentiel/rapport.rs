//! Erreurs d'un fichier de référentiel, chacune située : le fichier, la ligne et la colonne, le
//! chemin de la clé en cause (`criteres[2].exigences[0].niveau`), le problème en français.

use std::cell::OnceCell;
use std::fmt;

/// Une erreur de référentiel : le fichier, l'endroit, le problème.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErreurReferentiel {
    pub fichier: String,
    /// Ligne et colonne (à partir de 1), quand elles sont connues.
    pub position: Option<(usize, usize)>,
    /// Chemin de la clé en cause, par exemple `criteres[2].exigences[0].niveau`.
    pub chemin: Option<String>,
    pub message: String,
}

impl fmt::Display for ErreurReferentiel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.fichier)?;
        if let Some((ligne, colonne)) = self.position {
            write!(f, ", ligne {ligne}, colonne {colonne}")?;
        }
        if let Some(chemin) = &self.chemin {
            write!(f, ", clé `{chemin}`")?;
        }
        write!(f, " : {}", self.message)
    }
}

/// Toutes les erreurs trouvées dans un jeu de fichiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErreursReferentiels(pub Vec<ErreurReferentiel>);

impl fmt::Display for ErreursReferentiels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "{n} erreur{} dans les référentiels :",
            if n > 1 { "s" } else { "" }
        )?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ErreursReferentiels {}

/// Segment de chemin de clé.
#[derive(Debug, Clone)]
enum Segment {
    Cle(&'static str),
    Indice(usize),
}

/// Chemin d'une clé dans un fichier : `Chemin::default().cle("criteres").indice(2).cle("id")`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chemin(Vec<Segment>);

impl Chemin {
    pub(crate) fn cle(&self, cle: &'static str) -> Chemin {
        let mut c = self.clone();
        c.0.push(Segment::Cle(cle));
        c
    }
    pub(crate) fn indice(&self, i: usize) -> Chemin {
        let mut c = self.clone();
        c.0.push(Segment::Indice(i));
        c
    }
    fn texte(&self) -> String {
        let mut s = String::new();
        for seg in &self.0 {
            match seg {
                Segment::Cle(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Segment::Indice(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }
}

/// Ligne et colonne (à partir de 1) d'une position en octets dans un texte.
pub(crate) fn ligne_colonne(texte: &str, octet: usize) -> (usize, usize) {
    let avant = &texte[..octet.min(texte.len())];
    let ligne = avant.matches('\n').count() + 1;
    let colonne = avant
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count() + 1)
        .unwrap_or(1);
    (ligne, colonne)
}

/// Collecte les erreurs d'un fichier, chacune située par le chemin de sa clé.
pub(crate) struct Rapport<'a> {
    fichier: &'a str,
    texte: &'a str,
    /// Le document TOML, lu à la première erreur seulement (`None` s'il ne se lit pas).
    document: OnceCell<Option<toml_edit::ImDocument<&'a str>>>,
    pub(crate) erreurs: Vec<ErreurReferentiel>,
}

impl<'a> Rapport<'a> {
    pub(crate) fn new(fichier: &'a str, texte: &'a str) -> Self {
        Rapport {
            fichier,
            texte,
            document: OnceCell::new(),
            erreurs: Vec::new(),
        }
    }

    pub(crate) fn erreur(&mut self, chemin: &Chemin, message: impl Into<String>) {
        let position = self.situer(chemin);
        self.erreurs.push(ErreurReferentiel {
            fichier: self.fichier.to_string(),
            position,
            chemin: Some(chemin.texte()).filter(|c| !c.is_empty()),
            message: message.into(),
        });
    }

    /// Position (ligne, colonne) d'une clé dans le texte TOML.
    fn situer(&self, chemin: &Chemin) -> Option<(usize, usize)> {
        let doc = self
            .document
            .get_or_init(|| toml_edit::ImDocument::parse(self.texte).ok())
            .as_ref()?;
        let mut item: &toml_edit::Item = doc.as_item();
        for seg in &chemin.0 {
            item = match seg {
                Segment::Cle(k) => item.get(*k)?,
                Segment::Indice(i) => item.get(*i)?,
            };
        }
        let debut = item.span()?.start;
        Some(ligne_colonne(self.texte, debut))
    }
}

pub(crate) fn erreur_toml(fichier: &str, texte: &str, e: &toml::de::Error) -> ErreurReferentiel {
    ErreurReferentiel {
        fichier: fichier.to_string(),
        position: e.span().map(|s| ligne_colonne(texte, s.start)),
        chemin: None,
        message: traduire_message_toml(e.message()),
    }
}

/// Messages de la bibliothèque TOML, rendus en français pour les cas courants.
fn traduire_message_toml(message: &str) -> String {
    let m = message.trim();
    if let Some(reste) = m.strip_prefix("missing field ") {
        return format!("champ obligatoire manquant : {reste}");
    }
    if let Some(reste) = m.strip_prefix("unknown field ") {
        let (champ, attendus) = reste.split_once(", expected").unwrap_or((reste, ""));
        let attendus = attendus.trim_start_matches(" one of").trim();
        return if attendus.is_empty() {
            format!("champ inconnu : {champ}")
        } else {
            format!("champ inconnu : {champ} (champs permis : {attendus})")
        };
    }
    if let Some(reste) = m.strip_prefix("unknown variant ") {
        let (valeur, attendus) = reste.split_once(", expected").unwrap_or((reste, ""));
        let attendus = attendus.trim_start_matches(" one of").trim();
        return format!("valeur inconnue : {valeur} (valeurs permises : {attendus})");
    }
    if let Some(reste) = m.strip_prefix("invalid type: ") {
        return format!("type de valeur incorrect : {reste}");
    }
    if m.starts_with("input contains invalid characters") || m.contains("premature end of input") {
        return format!("date invalide (format attendu AAAA-MM-JJ) : {m}");
    }
    format!("syntaxe TOML invalide : {m}")
}
