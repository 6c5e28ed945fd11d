//! Les données de la plateforme dont les indicateurs sont calculés (lieux de la carte, labels et
//! chartes des organisations), situées une fois dans les territoires.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::lieux::{valeur, Enregistrement};
use crate::territoires::{Situation, Territoires};

/// Champs qui situent et datent un lieu.
pub const CHAMPS_LIEU: [&str; 6] = [
    "id",
    "pivot",
    "code_insee",
    "code_postal",
    "commune",
    "date_maj",
];

/// Un label ou une charte d'une organisation, tel que le registre le connaît.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Titre {
    pub referentiel_id: String,
    pub organisation_id: String,
    /// SIRET, sinon RNA de l'organisation (pour ne pas la compter deux fois avec un lieu qu'elle
    /// porte).
    pub organisation_identifiant: Option<String>,
    pub code_postal: String,
    pub commune: String,
    /// Date de la labellisation ou de la signature.
    pub debut: Option<NaiveDate>,
    /// Date du retrait ou de l'expiration.
    pub fin: Option<NaiveDate>,
    /// Label ou signature en cours (état « labellisé »).
    pub en_cours: bool,
}

/// Un lieu de la carte, situé.
#[derive(Debug, Clone)]
pub struct LieuSitue {
    /// `source/id`.
    pub cle: String,
    pub pivot: Option<String>,
    /// Première date connue du lieu : mise à jour par la source, sinon import.
    pub date: Option<NaiveDate>,
    pub situation: Situation,
    pub donnees: Enregistrement,
}

/// Un titre, situé par l'adresse de son organisation.
#[derive(Debug, Clone)]
pub struct TitreSitue {
    pub titre: Titre,
    pub situation: Situation,
}

/// Les données de la plateforme dont les indicateurs sont calculés, situées une fois. Les lieux
/// sont partagés : situés une fois par version de la table des lieux, ils servent à toutes les
/// pages tant qu'aucun import ne les change.
#[derive(Debug, Clone, Default)]
pub struct DonneesPlateforme {
    pub lieux: Arc<Vec<LieuSitue>>,
    pub titres: Vec<TitreSitue>,
}

/// Date d'un champ `AAAA-MM-JJ` (ou horodatage RFC 3339, dont on garde le jour).
pub fn date_de(texte: &str) -> Option<NaiveDate> {
    let t = texte.trim();
    NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok()
}

pub(super) fn pivot_significatif(p: &str) -> bool {
    let p = p.trim();
    p.len() >= 9 && p.chars().any(|c| c.is_ascii_alphanumeric() && c != '0')
}

impl DonneesPlateforme {
    /// Situe les lieux `(source, enregistrement, date d'import)` et les titres.
    pub fn situer(
        lieux: Vec<(String, Enregistrement, Option<NaiveDate>)>,
        titres: Vec<Titre>,
        territoires: &Territoires,
    ) -> DonneesPlateforme {
        DonneesPlateforme {
            lieux: Arc::new(Self::situer_lieux(lieux, territoires)),
            titres: Self::situer_titres(titres, territoires),
        }
    }

    /// Situe des lieux `(source, enregistrement, date d'import)`.
    pub fn situer_lieux(
        lieux: Vec<(String, Enregistrement, Option<NaiveDate>)>,
        territoires: &Territoires,
    ) -> Vec<LieuSitue> {
        lieux
            .into_iter()
            .map(|(source, e, importe_le)| {
                let v = |c: &str| valeur(&e, c).unwrap_or_default();
                let situation = territoires.situer(
                    valeur(&e, "code_insee").as_deref(),
                    &v("code_postal"),
                    &v("commune"),
                );
                let date_maj = valeur(&e, "date_maj").and_then(|d| date_de(&d));
                let date = match (date_maj, importe_le) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                LieuSitue {
                    cle: format!("{source}/{}", v("id")),
                    pivot: valeur(&e, "pivot").filter(|p| pivot_significatif(p)),
                    date,
                    situation,
                    donnees: e,
                }
            })
            .collect()
    }

    /// Situe des titres d'après l'adresse de leur organisation.
    pub fn situer_titres(titres: Vec<Titre>, territoires: &Territoires) -> Vec<TitreSitue> {
        titres
            .into_iter()
            .map(|t| TitreSitue {
                situation: territoires.situer(None, &t.code_postal, &t.commune),
                titre: t,
            })
            .collect()
    }

    /// Nombre de lieux qu'aucun échelon ne situe (comptés dans aucun territoire).
    pub fn lieux_non_situes(&self) -> usize {
        self.lieux.iter().filter(|l| l.situation.inconnue()).count()
    }
}
