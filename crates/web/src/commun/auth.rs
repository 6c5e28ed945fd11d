//! Mots de passe (argon2id) et jetons aléatoires.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Empreinte argon2id (paramètres par défaut de la bibliothèque, recommandés par l'OWASP).
pub fn hacher(mdp: &str) -> Result<String, String> {
    let sel = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(mdp.as_bytes(), &sel)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Vérifie un mot de passe contre son empreinte (temps constant dans la bibliothèque).
pub fn verifier(mdp: &str, empreinte: &str) -> bool {
    PasswordHash::new(empreinte)
        .map(|h| {
            Argon2::default()
                .verify_password(mdp.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Empreinte factice, pour que la durée d'une connexion ne révèle pas si le compte existe.
pub fn empreinte_factice() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hacher("mot de passe factice pour égaliser les durées").unwrap_or_default())
}

/// Jeton aléatoire de 256 bits, encodé pour une URL.
pub fn jeton() -> String {
    let mut o = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut o);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(o)
}

/// Crée `fichier` (et son dossier), lisible par son seul propriétaire (droits 0600), avec un
/// [`jeton`] neuf, et rend ce jeton ; échoue si le fichier existe déjà. Sert aux clés gardées
/// hors de la base (clé secrète du serveur, clé du journal d'audit).
pub fn creer_fichier_de_cle(fichier: &std::path::Path) -> std::io::Result<String> {
    use std::io::Write;
    if let Some(dossier) = fichier.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dossier)?;
    }
    let texte = jeton();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(fichier)?;
    f.write_all(texte.as_bytes())?;
    f.sync_all()?;
    Ok(texte)
}

/// Empreinte SHA-256 d'un jeton : seule l'empreinte est stockée.
pub fn empreinte(jeton: &str) -> String {
    hex::encode(Sha256::digest(jeton.as_bytes()))
}

tokio::task_local! {
    /// Opérations argon2 (hachage ou vérification) faites dans la tâche en cours, quand un test
    /// les compte avec [`compter_argon2`] (même travail quel que soit le cas).
    static OPERATIONS_ARGON2: std::cell::Cell<u32>;
}

fn noter_argon2() {
    let _ = OPERATIONS_ARGON2.try_with(|n| n.set(n.get() + 1));
}

/// Exécute `f` et rend, avec son résultat, le nombre d'opérations argon2 (hachages et
/// vérifications) qu'elle a faites dans cette tâche.
pub async fn compter_argon2<F: std::future::Future>(f: F) -> (F::Output, u32) {
    OPERATIONS_ARGON2
        .scope(std::cell::Cell::new(0), async {
            let r = f.await;
            (r, OPERATIONS_ARGON2.with(|n| n.get()))
        })
        .await
}

/// [`hacher`] hors du fil d'exécution asynchrone (argon2 est volontairement lent).
pub async fn hacher_en_tache(mdp: String) -> Result<String, crate::ErreurWeb> {
    noter_argon2();
    tokio::task::spawn_blocking(move || hacher(&mdp))
        .await
        .map_err(|e| crate::ErreurWeb::interne("tâche de hachage interrompue", e))?
        .map_err(|e| crate::ErreurWeb::interne("hachage du mot de passe", e))
}

/// [`verifier`] hors du fil d'exécution asynchrone.
pub async fn verifier_en_tache(mdp: String, empreinte: String) -> bool {
    noter_argon2();
    tokio::task::spawn_blocking(move || verifier(&mdp, &empreinte))
        .await
        .unwrap_or(false)
}

/// Compte ouvert depuis un lien reçu par courriel (invitation dans une organisation, demande
/// d'avis d'un expert) : nom et mot de passe vérifiés, mot de passe haché (argon2id). L'adresse
/// est tenue pour confirmée : le lien y est arrivé. `Ok(Err(erreurs))` : le formulaire est à
/// refaire, champ par champ.
pub async fn compte_par_lien(
    email: &reperes_domain::comptes::Email,
    nom: &str,
    mot_de_passe: &str,
    role: reperes_domain::comptes::RoleCompte,
) -> Result<
    Result<reperes_store::Utilisateur, Vec<reperes_domain::saisie::ErreurChamp>>,
    crate::ErreurWeb,
> {
    use crate::commun::formulaires::erreur;
    use reperes_domain::comptes::{verifier_mot_de_passe, verifier_nom};
    let mut erreurs = Vec::new();
    if let Err(m) = verifier_nom(nom) {
        erreurs.push(erreur("nom", m));
    }
    if let Err(m) = verifier_mot_de_passe(mot_de_passe, email.as_str()) {
        erreurs.push(erreur("mot_de_passe", m));
    }
    if !erreurs.is_empty() {
        return Ok(Err(erreurs));
    }
    let hash = hacher_en_tache(mot_de_passe.to_string()).await?;
    Ok(Ok(reperes_store::Utilisateur {
        id: uuid::Uuid::now_v7().to_string(),
        email: email.to_string(),
        nom: nom.trim().to_string(),
        role,
        hash_mot_de_passe: Some(hash),
        email_verifie: true,
        actif: true,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hachage_et_verification() {
        let h = hacher("correct cheval pile agrafe").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verifier("correct cheval pile agrafe", &h));
        assert!(!verifier("correct cheval pile agrafé", &h));
        assert!(!verifier("x", "pas une empreinte"));
    }

    #[test]
    fn jetons_distincts() {
        let (a, b) = (jeton(), jeton());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(empreinte(&a).len(), 64);
    }
}
