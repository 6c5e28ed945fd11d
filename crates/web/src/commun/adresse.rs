//! L'adresse du client, pour la limitation de débit (issue 13, constat 3).
//!
//! Derrière `N` mandataires inverses de confiance (`REPERES_ENTETE_IP`, `REPERES_MANDATAIRES`),
//! chacun AJOUTE à droite de l'en-tête (`X-Forwarded-For`) l'adresse d'où il a reçu la requête :
//! la seule valeur sûre est la N-ième en partant de la droite ; tout ce qui est à sa gauche a pu
//! être écrit par le client. Sans en-tête configuré, ou si l'en-tête n'a pas assez de valeurs ou
//! une valeur illisible à cette place, c'est l'adresse de la connexion qui compte.
//!
//! Pour les clés de limitation, une adresse IPv6 est ramenée à son réseau /64 (un abonné reçoit
//! au moins un /64 : compter adresse par adresse ne limiterait rien).

use std::net::IpAddr;

use axum::http::HeaderMap;

/// L'adresse du client : la `mandataires`-ième valeur en partant de la droite de l'en-tête
/// `entete` (toutes ses lignes, dans l'ordre), sinon l'adresse de la connexion, sinon
/// « inconnue ». Les adresses IPv4 écrites en IPv6 (`::ffff:a.b.c.d`) sont ramenées à l'IPv4.
pub fn adresse_client(
    entetes: &HeaderMap,
    connexion: Option<IpAddr>,
    entete: Option<&str>,
    mandataires: usize,
) -> String {
    let par_entete = entete.and_then(|nom| {
        let valeurs: Vec<&str> = entetes
            .get_all(nom)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let rang = valeurs.len().checked_sub(mandataires.max(1))?;
        valeurs[rang].parse::<IpAddr>().ok()
    });
    par_entete
        .or(connexion)
        .map(|ip| ip.to_canonical().to_string())
        .unwrap_or_else(|| "inconnue".into())
}

/// La clé de limitation d'une adresse : l'IPv4 telle quelle, le réseau /64 d'une IPv6
/// (`2001:db8:1:2::/64`), le texte tel quel s'il n'est pas une adresse.
pub fn reseau(ip: &str) -> String {
    match ip.parse::<IpAddr>().map(|a| a.to_canonical()) {
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            let prefixe = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{prefixe}/64")
        }
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.to_string(),
    }
}

// La limite des formulaires sans compte, partagée par les
// signalements de lieux et « Signaler un problème ».

/// Compte un envoi de formulaire sans compte pour le réseau de l'adresse `ip`, dans l'espace
/// `espace` (`signalement-lieu`, `probleme`…) ; `true` si l'envoi dépasse `par_adresse` envois
/// dans la fenêtre de `fenetre_minutes` (compteur atomique `Store::compter_tentative`).
pub async fn limite_depassee(
    etat: &crate::Etat,
    ip: &str,
    espace: &str,
    par_adresse: i64,
    fenetre_minutes: i64,
) -> Result<bool, crate::ErreurWeb> {
    let n = etat
        .store
        .compter_tentative(
            &format!("{espace}:{}", reseau(ip)),
            chrono::Utc::now(),
            chrono::Duration::minutes(fenetre_minutes),
        )
        .await?;
    Ok(n > par_adresse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn entetes(lignes: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for l in lignes {
            h.append("x-forwarded-for", HeaderValue::from_str(l).unwrap());
        }
        h
    }

    const CONNEXION: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 9)));

    #[test]
    fn la_valeur_ajoutee_par_le_mandataire_compte_pas_celle_du_client() {
        let xff = Some("x-forwarded-for");
        // Le client a écrit « 1.1.1.1 » ; le mandataire a ajouté l'adresse vue : 203.0.113.7.
        let h = entetes(&["1.1.1.1, 203.0.113.7"]);
        assert_eq!(adresse_client(&h, CONNEXION, xff, 1), "203.0.113.7");
        // Deux mandataires : la deuxième en partant de la droite.
        let h = entetes(&["1.1.1.1, 203.0.113.7, 10.0.0.2"]);
        assert_eq!(adresse_client(&h, CONNEXION, xff, 2), "203.0.113.7");
        // Plusieurs lignes d'en-tête : lues dans l'ordre, comme une seule liste.
        let h = entetes(&["1.1.1.1", "203.0.113.7"]);
        assert_eq!(adresse_client(&h, CONNEXION, xff, 1), "203.0.113.7");
        // Une seule valeur (les tests navigateur) : c'est elle.
        let h = entetes(&["198.51.100.4"]);
        assert_eq!(adresse_client(&h, CONNEXION, xff, 1), "198.51.100.4");
    }

    #[test]
    fn sans_valeur_sure_l_adresse_de_la_connexion() {
        let xff = Some("x-forwarded-for");
        assert_eq!(adresse_client(&entetes(&[]), CONNEXION, xff, 1), "10.0.0.9");
        // Moins de valeurs que de mandataires : la requête n'est pas passée par eux.
        let h = entetes(&["203.0.113.7"]);
        assert_eq!(adresse_client(&h, CONNEXION, xff, 2), "10.0.0.9");
        let h = entetes(&["1.1.1.1, pas-une-adresse"]);
        assert_eq!(adresse_client(&h, CONNEXION, xff, 1), "10.0.0.9");
        // En-tête non configuré : ignoré.
        let h = entetes(&["203.0.113.7"]);
        assert_eq!(adresse_client(&h, CONNEXION, None, 1), "10.0.0.9");
        assert_eq!(adresse_client(&h, None, None, 1), "inconnue");
        let h = entetes(&["::ffff:203.0.113.7"]);
        assert_eq!(adresse_client(&h, CONNEXION, xff, 1), "203.0.113.7");
    }

    #[test]
    fn ipv6_regroupee_par_slash_64() {
        assert_eq!(reseau("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(reseau("2001:db8:1:2:bbbb::99"), "2001:db8:1:2::/64");
        assert_ne!(reseau("2001:db8:1:3::1"), reseau("2001:db8:1:2::1"));
        assert_eq!(reseau("203.0.113.7"), "203.0.113.7");
        assert_eq!(reseau("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(reseau("inconnue"), "inconnue");
    }
}
