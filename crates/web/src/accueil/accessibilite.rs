//! La déclaration d'accessibilité (`/accessibilite`) et le détail des résultats de l'audit
//! (`/accessibilite/audit`), générés de l'audit RGAA 4.1 versionné dans le dépôt
//! (`contenus/accessibilite/`, lu et calculé par `reperes_domain::accessibilite`), selon le
//! modèle de déclaration de la DINUM. Voir docs/accessibilite.md.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use reperes_domain::accessibilite::{declaration, Conformite, Declaration, Resultat};
use reperes_domain::instance::Instance;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// Un pourcentage à la française, une décimale : « 72,5 % ».
fn pourcent(t: Option<f64>) -> String {
    match t {
        Some(t) => format!("{t:.1} %").replace('.', ","),
        None => "sans objet".to_string(),
    }
}

/// Une date AAAA-MM-JJ de l'audit (contrôlée à la lecture) en toutes lettres : « 7 décembre
/// 2026 » ; telle quelle si elle ne se lit pas.
fn date_longue(d: &str) -> String {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .map(crate::commun::dates::jour_en_lettres)
        .unwrap_or_else(|_| d.to_string())
}

/// Un critère non conforme : numéro, intitulé, et ses défauts regroupés par raison.
pub struct NonConformite {
    pub numero: String,
    pub intitule: String,
    /// (raison, pages concernées).
    pub defauts: Vec<(String, Vec<String>)>,
}

fn non_conformites(d: &Declaration) -> Vec<NonConformite> {
    d.bilan
        .criteres
        .iter()
        .filter(|b| b.resultat == Resultat::NC)
        .map(|b| {
            let mut defauts: Vec<(String, Vec<String>)> = Vec::new();
            for nc in &b.non_conformites {
                match defauts.iter_mut().find(|(r, _)| *r == nc.raison) {
                    Some((_, pages)) => pages.push(nc.page.clone()),
                    None => defauts.push((nc.raison.clone(), vec![nc.page.clone()])),
                }
            }
            NonConformite {
                numero: b.numero.clone(),
                intitule: d
                    .rgaa
                    .critere(&b.numero)
                    .map(|c| c.intitule.clone())
                    .unwrap_or_default(),
                defauts,
            }
        })
        .collect()
}

/// La phrase de l'état de conformité, selon le modèle.
fn phrase_etat(c: Conformite, site: &str) -> String {
    match c {
        Conformite::Totale => format!(
            "{site} est totalement conforme avec le référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1."
        ),
        Conformite::Partielle => format!(
            "{site} est partiellement conforme avec le référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1, en raison des non-conformités et des dérogations énumérées ci-dessous."
        ),
        Conformite::Non => format!(
            "{site} n'est pas en conformité avec le référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1. Les non-conformités et les dérogations sont énumérées ci-dessous."
        ),
    }
}

#[derive(Template)]
#[template(path = "accueil/accessibilite.html")]
struct PageDeclaration<'a> {
    cadre: Cadre,
    d: &'a Declaration,
    instance: &'a Instance,
    etat: String,
    taux: String,
    taux_moyen: String,
    date: String,
    non_conformites: Vec<NonConformite>,
}

impl PageDeclaration<'_> {
    /// Une date AAAA-MM-JJ en toutes lettres (échéances du plan).
    fn longue(&self, d: &str) -> String {
        date_longue(d)
    }
}

/// `GET /accessibilite` : la déclaration d'accessibilité.
pub async fn declaration_accessibilite(
    State(etat): State<Etat>,
    v: Visiteur,
) -> Result<Response, ErreurWeb> {
    let d = declaration();
    let instance = etat.config.instance.as_ref();
    page(
        &PageDeclaration {
            cadre: Cadre::pour(&v, "Déclaration d'accessibilité"),
            d,
            instance,
            etat: phrase_etat(d.bilan.conformite(), &instance.nom_du_site),
            taux: pourcent(d.bilan.taux),
            taux_moyen: pourcent(d.bilan.taux_moyen),
            date: date_longue(&d.audit.date),
            non_conformites: non_conformites(d),
        },
        None,
        false,
    )
}

/// Une ligne du détail : un critère et son résultat sur l'échantillon.
pub struct LigneCritere {
    pub numero: String,
    pub intitule: String,
    pub resultat: &'static str,
    /// Pages non conformes (noms), ou raison de la non-applicabilité.
    pub precision: String,
}

/// Une thématique du détail.
pub struct BlocThematique {
    pub numero: u8,
    pub intitule: String,
    pub lignes: Vec<LigneCritere>,
}

/// Le résultat d'une page de l'échantillon.
pub struct LignePage {
    pub nom: String,
    pub adresse: String,
    pub conformes: usize,
    pub non_conformes: usize,
    pub non_applicables: usize,
    pub taux: String,
}

#[derive(Template)]
#[template(path = "accueil/accessibilite_audit.html")]
struct PageAudit<'a> {
    cadre: Cadre,
    d: &'a Declaration,
    taux: String,
    date: String,
    thematiques: Vec<BlocThematique>,
    pages: Vec<LignePage>,
}

/// `GET /accessibilite/audit` : le résultat de chaque critère et de chaque page.
pub async fn detail_audit(v: Visiteur) -> Result<Response, ErreurWeb> {
    let d = declaration();
    let thematiques = d
        .rgaa
        .thematiques
        .iter()
        .map(|t| BlocThematique {
            numero: t.numero,
            intitule: t.intitule.clone(),
            lignes: d
                .bilan
                .criteres
                .iter()
                .filter_map(|b| {
                    let c = d.rgaa.critere(&b.numero)?;
                    (c.thematique == t.numero).then(|| LigneCritere {
                        numero: b.numero.clone(),
                        intitule: c.intitule.clone(),
                        resultat: b.resultat.libelle(),
                        precision: match b.resultat {
                            Resultat::NC => {
                                let mut pages: Vec<&str> =
                                    b.non_conformites.iter().map(|n| n.page.as_str()).collect();
                                pages.dedup();
                                format!("Pages : {}", pages.join(", "))
                            }
                            Resultat::NA => b.raison_na.clone().unwrap_or_default(),
                            Resultat::C => String::new(),
                        },
                    })
                })
                .collect(),
        })
        .collect();
    let pages = d
        .audit
        .pages
        .iter()
        .zip(&d.bilan.pages)
        .map(|(p, b)| LignePage {
            nom: p.nom.clone(),
            adresse: p.adresse.clone(),
            conformes: b.conformes,
            non_conformes: b.non_conformes,
            non_applicables: b.non_applicables,
            taux: pourcent(b.taux),
        })
        .collect();
    page(
        &PageAudit {
            cadre: Cadre::pour(&v, "Résultats de l'audit d'accessibilité"),
            d,
            taux: pourcent(d.bilan.taux),
            date: date_longue(&d.audit.date),
            thematiques,
            pages,
        },
        None,
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pourcentages_et_dates_a_la_francaise() {
        assert_eq!(pourcent(Some(72.4637)), "72,5 %");
        assert_eq!(pourcent(Some(100.0)), "100,0 %");
        assert_eq!(pourcent(None), "sans objet");
        assert_eq!(date_longue("2026-12-07"), "7 décembre 2026");
        assert_eq!(date_longue("2027-03-01"), "1er mars 2027");
    }
}
