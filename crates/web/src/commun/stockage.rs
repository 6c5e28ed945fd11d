//! Stockage des fichiers déposés, hors de la racine web, derrière une interface qui pourra viser
//! un stockage objet. Les clés sont des identifiants générés (jamais le nom d'origine).

use std::path::PathBuf;

/// Types de fichier admis, reconnus par leur contenu (et non par leur nom).
pub const TYPES_ADMIS: &[(&str, &str)] = &[
    ("application/pdf", "PDF"),
    ("application/vnd.oasis.opendocument.text", "ODT"),
    ("application/vnd.oasis.opendocument.spreadsheet", "ODS"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "DOCX",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "XLSX",
    ),
    ("image/png", "PNG"),
    ("image/jpeg", "JPEG"),
];

/// Taille maximale d'un fichier.
pub const TAILLE_MAX: usize = 20 * 1024 * 1024;

/// Reconnaît le type d'un fichier par son contenu ; `None` s'il n'est pas admis.
pub fn type_admis(octets: &[u8]) -> Option<&'static str> {
    let t = infer::get(octets)?.mime_type();
    TYPES_ADMIS.iter().find(|(m, _)| *m == t).map(|(m, _)| *m)
}

/// Nom affichable d'un fichier : sans chemin, sans caractère de contrôle, 120 caractères au plus.
pub fn nom_affichable(nom: &str) -> String {
    let base = nom.rsplit(['/', '\\']).next().unwrap_or_default();
    let propre: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '\\' | '/'))
        .take(120)
        .collect();
    let propre = propre.trim().trim_start_matches('.').to_string();
    if propre.is_empty() {
        "fichier".into()
    } else {
        propre
    }
}

/// Où sont écrits les fichiers.
pub trait Stockage: Send + Sync {
    fn ecrire(&self, cle: &str, octets: &[u8]) -> std::io::Result<()>;
    fn lire(&self, cle: &str) -> std::io::Result<Vec<u8>>;
    /// Écrit sous `cle` le contenu d'un fichier local (un envoi reçu dans un fichier temporaire).
    fn deposer(&self, cle: &str, source: &std::path::Path) -> std::io::Result<()> {
        self.ecrire(cle, &std::fs::read(source)?)
    }
}

/// Stockage sur disque, dans un dossier dédié.
pub struct StockageDisque {
    racine: PathBuf,
}

impl StockageDisque {
    pub fn new(racine: PathBuf) -> std::io::Result<StockageDisque> {
        std::fs::create_dir_all(&racine)?;
        Ok(StockageDisque { racine })
    }

    fn chemin(&self, cle: &str) -> std::io::Result<PathBuf> {
        if cle.is_empty() || !cle.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "clé de stockage invalide",
            ));
        }
        Ok(self.racine.join(cle))
    }
}

impl Stockage for StockageDisque {
    fn ecrire(&self, cle: &str, octets: &[u8]) -> std::io::Result<()> {
        let chemin = self.chemin(cle)?;
        let tmp = chemin.with_extension("part");
        std::fs::write(&tmp, octets)?;
        std::fs::rename(tmp, chemin)
    }

    fn lire(&self, cle: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.chemin(cle)?)
    }

    /// Copie en flux, sans charger le fichier en mémoire.
    fn deposer(&self, cle: &str, source: &std::path::Path) -> std::io::Result<()> {
        let chemin = self.chemin(cle)?;
        let tmp = chemin.with_extension("part");
        std::fs::copy(source, &tmp)?;
        std::fs::rename(tmp, chemin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_reconnus_par_le_contenu() {
        assert_eq!(type_admis(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(
            type_admis(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]),
            Some("image/png")
        );
        assert_eq!(type_admis(b"<html><script>alert(1)</script>"), None);
        assert_eq!(type_admis(b"MZ\x90\x00"), None, "exécutable refusé");
        assert_eq!(type_admis(b""), None);
    }

    #[test]
    fn noms_nettoyes() {
        assert_eq!(nom_affichable("../../etc/passwd"), "passwd");
        assert_eq!(nom_affichable("C:\\docs\\audit.pdf"), "audit.pdf");
        assert_eq!(nom_affichable("..."), "fichier");
        assert_eq!(nom_affichable("a\u{0}b<c>.pdf"), "abc.pdf");
    }

    #[test]
    fn cles_sans_traversee() {
        let s = StockageDisque::new(std::env::temp_dir().join("reperes-stockage-test")).unwrap();
        assert!(s.ecrire("../x", b"a").is_err());
        s.ecrire("abc-123", b"contenu").unwrap();
        assert_eq!(s.lire("abc-123").unwrap(), b"contenu");
        let source = std::env::temp_dir().join(format!("reperes-depot-{}", std::process::id()));
        std::fs::write(&source, b"copie").unwrap();
        s.deposer("abc-456", &source).unwrap();
        assert_eq!(s.lire("abc-456").unwrap(), b"copie");
        assert!(s.deposer("../y", &source).is_err());
        std::fs::remove_file(source).unwrap();
    }
}
