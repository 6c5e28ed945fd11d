//! Cibles de redirection et chemins de retour : la page où revenir après la connexion
//! (`/connexion?suite=…`), la page précédente (Referer de la même origine) et la page parente
//! logique d'une adresse. Seuls des chemins locaux sont acceptés (contre les redirections
//! ouvertes : ni `//hote`, ni `http:`, ni `\`, ni caractère de contrôle).

/// Longueur maximale d'une cible.
const LONGUEUR_MAX: usize = 2048;

/// La page où l'on arrive après la connexion quand aucune cible n'est donnée.
pub const ACCUEIL_CONNECTE: &str = "/espace";

/// La cible si c'est un chemin local de Repères (`/…`, ASCII visible, sans `//` ni `\` au début,
/// sans `\` ni caractère de contrôle ou espace nulle part) ; `None` sinon.
pub fn chemin_local(cible: &str) -> Option<&str> {
    let octets = cible.as_bytes();
    let local = cible.len() <= LONGUEUR_MAX
        && octets.first() == Some(&b'/')
        && !matches!(octets.get(1), Some(b'/' | b'\\'))
        && octets.iter().all(|c| c.is_ascii_graphic() && *c != b'\\');
    local.then_some(cible)
}

/// Encode une valeur de paramètre d'adresse.
pub fn encoder(valeur: &str) -> String {
    form_urlencoded::byte_serialize(valeur.as_bytes()).collect()
}

/// L'adresse `base` portant la cible (`?suite=…` ou `&suite=…`), si elle est locale et n'est pas
/// la page d'arrivée par défaut.
pub fn avec_suite(base: &str, suite: Option<&str>) -> String {
    match suite.and_then(chemin_local).filter(|s| vaut_la_peine(s)) {
        Some(s) => {
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}suite={}", encoder(s))
        }
        None => base.to_string(),
    }
}

/// Une cible qui mérite d'être portée : ni l'espace (où l'on arrive de toute façon), ni la
/// connexion ou la déconnexion elles-mêmes.
fn vaut_la_peine(cible: &str) -> bool {
    let chemin = cible.split(['?', '#']).next().unwrap_or_default();
    !matches!(chemin, ACCUEIL_CONNECTE | "/connexion" | "/deconnexion")
}

/// La page de connexion, avec la cible où revenir ensuite.
pub fn vers_connexion(suite: Option<&str>) -> String {
    avec_suite("/connexion", suite)
}

/// Où aller après la connexion : la cible si elle est locale, sinon l'espace.
pub fn destination(suite: Option<&str>) -> &str {
    suite.and_then(chemin_local).unwrap_or(ACCUEIL_CONNECTE)
}

/// Le chemin (et sa requête, sans fragment) d'un Referer de la même origine que le site : même
/// hôte que la requête (`hote`, en-tête Host) ou même début que l'adresse publique.
pub fn chemin_du_referent<'a>(
    referent: &'a str,
    hote: Option<&str>,
    url_publique: &str,
) -> Option<&'a str> {
    let sans_fragment = referent.split('#').next().unwrap_or_default();
    let reste = if let Some(r) = sans_fragment
        .get(..url_publique.len())
        .filter(|debut| !url_publique.is_empty() && debut.eq_ignore_ascii_case(url_publique))
        .map(|_| &sans_fragment[url_publique.len()..])
        .filter(|r| r.is_empty() || r.starts_with('/'))
    {
        r
    } else {
        let apres_schema = ["https://", "http://"].iter().find_map(|s| {
            sans_fragment
                .get(..s.len())
                .filter(|d| d.eq_ignore_ascii_case(s))
                .map(|_| &sans_fragment[s.len()..])
        })?;
        let fin_hote = apres_schema.find(['/', '?']).unwrap_or(apres_schema.len());
        let (hote_ref, reste) = apres_schema.split_at(fin_hote);
        if !hote.is_some_and(|h| h.eq_ignore_ascii_case(hote_ref)) {
            return None;
        }
        reste
    };
    match reste {
        "" => Some("/"),
        r => chemin_local(r),
    }
}

/// La page parente logique d'une adresse (sans sa requête), avec le libellé du lien qui y mène :
/// l'objet dont la page fait partie, ou la liste dont elle est un élément. `None` quand il n'y a
/// rien de plus précis que l'accueil ou l'espace.
pub fn parent_logique(chemin: &str) -> Option<(String, &'static str)> {
    let chemin = chemin.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = chemin.split('/').filter(|s| !s.is_empty()).collect();
    let parent = match segments.as_slice() {
        ["dossiers", id, _, ..] => (format!("/dossiers/{id}"), "Revenir au dossier"),
        ["organisations", id, _, ..] if *id != "nouvelle" => {
            (format!("/organisations/{id}"), "Revenir à l'organisation")
        }
        ["instruction", _, ..] => ("/instruction".into(), "Revenir à la file d'instruction"),
        ["administration", "lieux", _, ..] => (
            "/administration/lieux".into(),
            "Revenir à l'import des lieux",
        ),
        ["administration", _, ..] => ("/administration".into(), "Revenir à l'administration"),
        ["lieux", source, id, _, ..] => (
            format!("/lieux/{source}/{id}"),
            "Revenir à la fiche du lieu",
        ),
        ["lieux", _, ..] => ("/lieux".into(), "Revenir à la recherche de lieux"),
        ["registre", _, ..] => ("/registre".into(), "Revenir au registre des titulaires"),
        ["chartes", ident, _, ..] => (format!("/chartes/{ident}"), "Revenir à la charte"),
        ["chartes", _] => ("/chartes".into(), "Revenir aux territoires signataires"),
        ["territoires", niveau, code, _, ..] => (
            format!("/territoires/{niveau}/{code}"),
            "Revenir au territoire",
        ),
        ["territoires", _, ..] => (
            "/territoires".into(),
            "Revenir à la recherche de territoires",
        ),
        ["donnees", _, ..] => ("/donnees".into(), "Revenir aux données ouvertes"),
        _ => return None,
    };
    chemin_local(&parent.0)?;
    Some(parent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chemins_locaux_acceptes() {
        for c in [
            "/",
            "/dossiers/0193-abc",
            "/dossiers/abc/etapes/2?ok=1",
            "/lieux?q=amiens&distance=10#resultats",
            "/%2F%2Fexemple.fr",
        ] {
            assert_eq!(chemin_local(c), Some(c), "{c}");
        }
    }

    #[test]
    fn redirections_ouvertes_refusees() {
        for c in [
            "",
            "https://ailleurs.example/",
            "http://ailleurs.example",
            "//ailleurs.example/x",
            "/\\ailleurs.example",
            "\\\\ailleurs.example",
            "/dossiers\\..\\x",
            "javascript:alert(1)",
            "dossiers/abc",
            "/\t/ailleurs.example",
            "/\n/ailleurs.example",
            "/ /ailleurs.example",
            "/dossiers/é",
            " /dossiers",
        ] {
            assert_eq!(chemin_local(c), None, "{c:?}");
        }
        let long = format!("/{}", "a".repeat(3000));
        assert_eq!(chemin_local(&long), None);
    }

    #[test]
    fn la_connexion_porte_la_cible_encodee() {
        assert_eq!(
            vers_connexion(Some("/dossiers/abc/etapes/2?x=1&y=2")),
            "/connexion?suite=%2Fdossiers%2Fabc%2Fetapes%2F2%3Fx%3D1%26y%3D2"
        );
        assert_eq!(vers_connexion(None), "/connexion");
        assert_eq!(vers_connexion(Some("/espace")), "/connexion");
        assert_eq!(vers_connexion(Some("/connexion?suite=%2Fx")), "/connexion");
        assert_eq!(vers_connexion(Some("/deconnexion")), "/connexion");
        assert_eq!(
            vers_connexion(Some("https://ailleurs.example")),
            "/connexion"
        );
        assert_eq!(vers_connexion(Some("//ailleurs.example")), "/connexion");
        assert_eq!(
            avec_suite("/inscription?a=1", Some("/invitation/j")),
            "/inscription?a=1&suite=%2Finvitation%2Fj"
        );
    }

    #[test]
    fn destination_apres_connexion() {
        assert_eq!(destination(Some("/dossiers/abc")), "/dossiers/abc");
        assert_eq!(destination(Some("https://ailleurs.example")), "/espace");
        assert_eq!(destination(Some("/\\ailleurs.example")), "/espace");
        assert_eq!(destination(None), "/espace");
    }

    #[test]
    fn referent_de_la_meme_origine() {
        let publique = "https://reperes.example";
        assert_eq!(
            chemin_du_referent(
                "http://localhost:8080/dossiers/a?b=1#c",
                Some("localhost:8080"),
                publique
            ),
            Some("/dossiers/a?b=1")
        );
        assert_eq!(
            chemin_du_referent("https://reperes.example/lieux", None, publique),
            Some("/lieux")
        );
        assert_eq!(
            chemin_du_referent("https://REPERES.example", None, publique),
            Some("/")
        );
        assert_eq!(
            chemin_du_referent("http://localhost:8080", Some("localhost:8080"), publique),
            Some("/")
        );
    }

    #[test]
    fn referent_d_une_autre_origine_ignore() {
        let publique = "https://reperes.example";
        for r in [
            "https://ailleurs.example/dossiers/a",
            "https://reperes.example.ailleurs.example/x",
            "http://localhost:9999/x",
            "android-app://x/y",
            "/dossiers/a",
            "",
        ] {
            assert_eq!(
                chemin_du_referent(r, Some("localhost:8080"), publique),
                None,
                "{r}"
            );
        }
        assert_eq!(
            chemin_du_referent(
                "http://localhost:8080//ailleurs.example",
                Some("localhost:8080"),
                publique
            ),
            None
        );
    }

    #[test]
    fn parents_logiques() {
        assert_eq!(
            parent_logique("/dossiers/abc/etapes/3?x=1"),
            Some(("/dossiers/abc".into(), "Revenir au dossier"))
        );
        assert_eq!(parent_logique("/dossiers/abc"), None);
        assert_eq!(
            parent_logique("/chartes/amiens/rapports/r1"),
            Some(("/chartes/amiens".into(), "Revenir à la charte"))
        );
        assert_eq!(
            parent_logique("/lieux/source/id-1"),
            Some(("/lieux".into(), "Revenir à la recherche de lieux"))
        );
        assert_eq!(
            parent_logique("/administration/lieux/imports/x"),
            Some((
                "/administration/lieux".into(),
                "Revenir à l'import des lieux"
            ))
        );
        assert_eq!(parent_logique("/"), None);
        assert_eq!(parent_logique("/page-inconnue"), None);
    }
}
