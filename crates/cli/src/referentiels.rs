//! Lecture des fichiers de référentiels : depuis un dossier, ou la copie embarquée dans le binaire.

use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};
use reperes_domain::catalogue::{charger, Catalogue};
use reperes_domain::referentiel::{fidelite, ErreurReferentiel, ErreursReferentiels};

static EMBARQUES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../referentiels");

/// D'où viennent les référentiels.
#[derive(Debug, Clone)]
pub enum Source {
    Dossier(PathBuf),
    Embarques,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Dossier(p) => write!(f, "dossier {}", p.display()),
            Source::Embarques => f.write_str("copie embarquée dans le binaire"),
        }
    }
}

/// Choix par défaut : le dossier donné, sinon `./referentiels` s'il existe, sinon la copie embarquée.
pub fn source(dossier: Option<&Path>) -> Source {
    match dossier {
        Some(d) => Source::Dossier(d.to_path_buf()),
        None if Path::new("referentiels").is_dir() => {
            Source::Dossier(PathBuf::from("referentiels"))
        }
        None => Source::Embarques,
    }
}

/// Erreur de lecture ou de validation.
#[derive(Debug, thiserror::Error)]
pub enum ErreurChargement {
    #[error("impossible de lire le dossier de référentiels {0} : {1}")]
    Lecture(String, std::io::Error),
    #[error("aucun fichier .toml dans {0}")]
    Vide(String),
    #[error("{0}")]
    Invalides(#[from] ErreursReferentiels),
}

/// Lit les fichiers `.toml` de la source, triés par nom.
pub fn fichiers(source: &Source) -> Result<Vec<(String, String)>, ErreurChargement> {
    let mut v = match source {
        Source::Dossier(d) => {
            let lecture = |e| ErreurChargement::Lecture(d.display().to_string(), e);
            let mut v = Vec::new();
            for entree in std::fs::read_dir(d).map_err(lecture)? {
                let chemin = entree.map_err(lecture)?.path();
                if chemin.extension().is_some_and(|x| x == "toml") {
                    let texte = std::fs::read(&chemin).map_err(lecture)?;
                    let texte = String::from_utf8(texte).map_err(|_| {
                        lecture(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("{} n'est pas encodé en UTF-8", chemin.display()),
                        ))
                    })?;
                    v.push((chemin.display().to_string(), texte));
                }
            }
            v
        }
        Source::Embarques => EMBARQUES
            .files()
            .filter(|f| f.path().extension().is_some_and(|x| x == "toml"))
            .map(|f| {
                (
                    format!("(embarqué) {}", f.path().display()),
                    f.contents_utf8().unwrap_or_default().to_string(),
                )
            })
            .collect(),
    };
    if v.is_empty() {
        return Err(ErreurChargement::Vide(source.to_string()));
    }
    v.sort();
    Ok(v)
}

/// Lit et valide les référentiels, puis, si la source contient les copies des textes officiels
/// (`textes-officiels/`), vérifie que chaque texte d'origine officielle s'y trouve mot pour mot
/// (voir `reperes_domain::referentiel::fidelite`).
pub fn charger_catalogue(source: &Source) -> Result<Catalogue, ErreurChargement> {
    let c = charger(&fichiers(source)?)?;
    verifier_fidelite(source, &c)?;
    Ok(c)
}

/// Vérifie les textes d'origine officielle du catalogue contre les copies de la source : le
/// nombre de textes vérifiés, ou `None` si la source n'a pas de copies.
pub fn verifier_fidelite(
    source: &Source,
    c: &Catalogue,
) -> Result<Option<usize>, ErreurChargement> {
    let Some(textes) = textes_officiels(source)? else {
        return Ok(None);
    };
    let citations = fidelite::citations(&c.referentiels, &c.correspondances);
    fidelite::verifier(&citations, &textes)
        .map(Some)
        .map_err(|ecarts| {
            ErreurChargement::Invalides(ErreursReferentiels(
                ecarts
                    .into_iter()
                    .map(|message| ErreurReferentiel {
                        fichier: format!("{source}, {DOSSIER_TEXTES}/"),
                        position: None,
                        chemin: None,
                        message,
                    })
                    .collect(),
            ))
        })
}

/// Sous-dossier des copies des textes officiels.
pub const DOSSIER_TEXTES: &str = "textes-officiels";

/// Les copies des textes officiels (`textes-officiels/*.txt`) de la source, ou `None` si la
/// source n'en a pas (dossier de référentiels réduit aux `.toml`).
pub fn textes_officiels(
    source: &Source,
) -> Result<Option<Vec<(String, String)>>, ErreurChargement> {
    let mut v = Vec::new();
    match source {
        Source::Dossier(d) => {
            let dossier = d.join(DOSSIER_TEXTES);
            if !dossier.is_dir() {
                return Ok(None);
            }
            let lecture = |e| ErreurChargement::Lecture(dossier.display().to_string(), e);
            for entree in std::fs::read_dir(&dossier).map_err(lecture)? {
                let chemin = entree.map_err(lecture)?.path();
                if chemin.extension().is_some_and(|x| x == "txt") {
                    let texte = std::fs::read_to_string(&chemin).map_err(lecture)?;
                    let nom = chemin.file_name().unwrap_or_default().to_string_lossy();
                    v.push((nom.into_owned(), texte));
                }
            }
        }
        Source::Embarques => match EMBARQUES.get_dir(DOSSIER_TEXTES) {
            None => return Ok(None),
            Some(d) => v.extend(
                d.files()
                    .filter(|f| f.path().extension().is_some_and(|x| x == "txt"))
                    .map(|f| {
                        (
                            f.path()
                                .file_name()
                                .unwrap_or_default()
                                .to_string_lossy()
                                .into_owned(),
                            f.contents_utf8().unwrap_or_default().to_string(),
                        )
                    }),
            ),
        },
    }
    Ok(Some(v))
}
