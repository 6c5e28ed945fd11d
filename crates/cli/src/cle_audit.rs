//! Clé de scellement du journal d'audit (`REPERES_CLE_AUDIT`), gardée hors de la base : chemin
//! d'un fichier, ou la valeur elle-même. Sans réglage, `serve` la génère dans un fichier 0600
//! sous le dossier de données (à côté de `REPERES_FICHIERS`) et le dit.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use reperes_domain::audit::{CleAudit, LONGUEUR_MIN_CLE};

/// Nom du fichier de clé généré sous le dossier de données.
pub const FICHIER_PAR_DEFAUT: &str = "cle-audit";

/// Où la clé a été trouvée.
pub enum Provenance {
    Reglage,
    Fichier(PathBuf),
    Generee(PathBuf),
}

/// Le dossier de données : le parent de celui des fichiers déposés (`./data` par défaut), où
/// sont gardées les clés générées.
pub fn dossier_de_donnees(dossier_fichiers: &Path) -> &Path {
    dossier_fichiers
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Le fichier de clé par défaut : dans le dossier de données (`./data/cle-audit` par défaut).
pub fn chemin_par_defaut(dossier_fichiers: &Path) -> PathBuf {
    dossier_de_donnees(dossier_fichiers).join(FICHIER_PAR_DEFAUT)
}

fn lire_fichier(chemin: &Path) -> anyhow::Result<CleAudit> {
    let texte = std::fs::read_to_string(chemin)
        .with_context(|| format!("lecture de la clé du journal d'audit {}", chemin.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(chemin) {
            if m.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    "le fichier de clé du journal d'audit {} est lisible par d'autres comptes : chmod 600",
                    chemin.display()
                );
            }
        }
    }
    CleAudit::new(texte.trim().as_bytes().to_vec())
        .map_err(|m| anyhow::anyhow!("{m} ({})", chemin.display()))
}

/// La clé désignée par le réglage, ou trouvée dans le fichier par défaut ; générée dans ce
/// fichier si `generer` (serveur) et qu'il n'existe pas.
pub fn charger(
    reglage: Option<&str>,
    dossier_fichiers: &Path,
    generer: bool,
) -> anyhow::Result<Option<(CleAudit, Provenance)>> {
    if let Some(r) = reglage.map(str::trim).filter(|r| !r.is_empty()) {
        let chemin = Path::new(r);
        if chemin.is_file() {
            return Ok(Some((
                lire_fichier(chemin)?,
                Provenance::Fichier(chemin.into()),
            )));
        }
        if r.contains('/') || r.contains('\\') {
            bail!("REPERES_CLE_AUDIT : le fichier de clé {r} est introuvable");
        }
        let cle = CleAudit::new(r.as_bytes().to_vec()).map_err(|m| {
            anyhow::anyhow!(
                "REPERES_CLE_AUDIT : {m} (donnez le chemin d'un fichier, ou une valeur aléatoire d'au moins {LONGUEUR_MIN_CLE} caractères)"
            )
        })?;
        return Ok(Some((cle, Provenance::Reglage)));
    }
    let chemin = chemin_par_defaut(dossier_fichiers);
    if chemin.is_file() {
        return Ok(Some((lire_fichier(&chemin)?, Provenance::Fichier(chemin))));
    }
    if !generer {
        return Ok(None);
    }
    let valeur = reperes_web::auth::creer_fichier_de_cle(&chemin)
        .with_context(|| format!("création du fichier de clé {}", chemin.display()))?;
    let cle = CleAudit::new(valeur.into_bytes()).map_err(anyhow::Error::msg)?;
    Ok(Some((cle, Provenance::Generee(chemin))))
}

/// Message quand `audit verify` n'a pas de clé.
pub fn message_sans_cle(dossier_fichiers: &Path) -> String {
    format!(
        "Clé du journal d'audit introuvable : donnez REPERES_CLE_AUDIT (chemin du fichier de clé, ou sa valeur), ou placez le fichier de clé en {}. \
         Sans la clé, on ne peut pas prouver que le journal n'a pas été réécrit par quelqu'un qui a pu écrire la base.",
        chemin_par_defaut(dossier_fichiers).display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valeur_fichier_ou_refus() {
        let dir = std::env::temp_dir().join(format!("reperes-cle-{}", uuid::Uuid::new_v4()));
        let fichiers = dir.join("fichiers");
        // Sans réglage ni fichier : rien, sauf pour le serveur qui la génère (0600).
        assert!(charger(None, &fichiers, false).unwrap().is_none());
        let (cle, p) = charger(None, &fichiers, true).unwrap().unwrap();
        assert!(matches!(p, Provenance::Generee(_)));
        let chemin = dir.join(FICHIER_PAR_DEFAUT);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&chemin).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Relue ensuite, identique.
        let (relue, p) = charger(None, &fichiers, false).unwrap().unwrap();
        assert!(matches!(p, Provenance::Fichier(_)));
        assert!(relue == cle);
        // Par le chemin du fichier.
        let (par_chemin, _) = charger(chemin.to_str(), &fichiers, false).unwrap().unwrap();
        assert!(par_chemin == cle);
        // Une valeur trop courte, un fichier absent : refusés.
        assert!(charger(Some("court"), &fichiers, false).is_err());
        assert!(charger(Some("/nulle/part/cle"), &fichiers, false).is_err());
        let valeur = "x".repeat(40);
        assert!(charger(Some(&valeur), &fichiers, false).unwrap().is_some());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
