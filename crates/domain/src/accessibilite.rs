//! L'accessibilité de Repères lui-même (issue 18) : l'état de conformité au RGAA 4.1 que
//! chaque pied de page affiche (« Accessibilité : partiellement conforme »), calculé à partir
//! de l'audit versionné dans le dépôt.
//!
//! Règle (modèle de déclaration d'accessibilité, DINUM) : **totalement conforme** si tous les
//! critères applicables sont respectés (taux de 100 %), **partiellement conforme** si au moins
//! 50 % le sont, **non conforme** en dessous de 50 % ou sans audit.
//!
//! Deux données, lues et contrôlées ici :
//! - le référentiel RGAA 4.1 (`contenus/accessibilite/rgaa-4.1.toml`) : les 13 thématiques et
//!   les 106 critères ;
//! - l'audit (`contenus/accessibilite/audit.toml`) : l'échantillon de pages et, pour chaque
//!   critère, un résultat par défaut (conforme, non conforme, non applicable) et les pages qui
//!   font exception, chaque non-conformité et chaque non-applicabilité avec sa raison.
//!
//! Calcul (méthode RGAA) : un critère est **non conforme** s'il l'est sur au moins une page,
//! **conforme** s'il l'est sur au moins une page et non conforme sur aucune, **non applicable**
//! s'il l'est sur toutes ; taux global = conformes / (conformes + non conformes).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;

/// Le référentiel RGAA 4.1, embarqué.
pub const RGAA_TOML: &str = include_str!("../../../contenus/accessibilite/rgaa-4.1.toml");
/// L'audit du site, embarqué.
pub const AUDIT_TOML: &str = include_str!("../../../contenus/accessibilite/audit.toml");

/// État de conformité d'un site au RGAA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conformite {
    Totale,
    Partielle,
    Non,
}

impl Conformite {
    /// L'état qui correspond à un taux de conformité (en %), ou à l'absence d'audit.
    pub fn selon_le_taux(taux: Option<f64>) -> Conformite {
        match taux {
            Some(t) if t >= 100.0 => Conformite::Totale,
            Some(t) if t >= 50.0 => Conformite::Partielle,
            _ => Conformite::Non,
        }
    }

    /// « totalement conforme », « partiellement conforme », « non conforme ».
    pub fn libelle(self) -> &'static str {
        match self {
            Conformite::Totale => "totalement conforme",
            Conformite::Partielle => "partiellement conforme",
            Conformite::Non => "non conforme",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Le référentiel

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rgaa {
    pub source: SourceRgaa,
    pub thematiques: Vec<Thematique>,
    pub criteres: Vec<CritereRgaa>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRgaa {
    pub titre: String,
    pub editeur: String,
    pub adresse: String,
    pub fichier: String,
    pub licence: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thematique {
    pub numero: u8,
    pub intitule: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CritereRgaa {
    /// « 1.1 ».
    pub numero: String,
    pub thematique: u8,
    pub intitule: String,
    /// Critères WCAG 2.1 correspondants, avec leur niveau : « 1.1.1 A ».
    pub wcag: Vec<String>,
}

impl Rgaa {
    pub fn thematique(&self, numero: u8) -> Option<&Thematique> {
        self.thematiques.iter().find(|t| t.numero == numero)
    }
    pub fn critere(&self, numero: &str) -> Option<&CritereRgaa> {
        self.criteres.iter().find(|c| c.numero == numero)
    }
}

/// Lit et contrôle le référentiel : numéros « t.n » uniques, rattachés à leur thématique,
/// intitulés non vides et sans lien Markdown.
pub fn lire_rgaa(texte: &str, origine: &str) -> Result<Rgaa, String> {
    let r: Rgaa = toml::from_str(texte).map_err(|e| format!("{origine} : {e}"))?;
    let mut vus = BTreeSet::new();
    for c in &r.criteres {
        let ou = format!("{origine}, critère {}", c.numero);
        let (t, n) = c
            .numero
            .split_once('.')
            .ok_or_else(|| format!("{ou} : numéro attendu sous la forme « 1.1 »"))?;
        let (t, n) = (t.parse::<u8>(), n.parse::<u8>());
        if t.as_ref().ok() != Some(&c.thematique) || n.is_err() {
            return Err(format!(
                "{ou} : le numéro ne correspond pas à la thématique {}",
                c.thematique
            ));
        }
        if r.thematique(c.thematique).is_none() {
            return Err(format!("{ou} : thématique {} inconnue", c.thematique));
        }
        if c.intitule.trim().is_empty() || c.intitule.contains("](") {
            return Err(format!(
                "{ou} : intitulé vide ou contenant un lien Markdown"
            ));
        }
        if !vus.insert(c.numero.clone()) {
            return Err(format!("{ou} : critère en double"));
        }
    }
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// L'audit (le fichier)

/// Résultat d'un critère sur une page (ou sur le site).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum Resultat {
    /// Conforme.
    C,
    /// Non conforme.
    NC,
    /// Non applicable.
    NA,
}

impl Resultat {
    pub fn libelle(self) -> &'static str {
        match self {
            Resultat::C => "conforme",
            Resultat::NC => "non conforme",
            Resultat::NA => "non applicable",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    /// Date de la fin de l'audit (AAAA-MM-JJ).
    pub date: String,
    pub auteur: String,
    pub referentiel: String,
    /// Technologies sur lesquelles le site s'appuie.
    pub technologies: Vec<String>,
    /// Agents utilisateurs, technologies d'assistance, réglages.
    pub environnement: Vec<String>,
    /// Outils utilisés pour vérifier.
    pub outils: Vec<String>,
    /// Ce qui n'a pas pu être vérifié (dit honnêtement).
    #[serde(default)]
    pub limites: Vec<String>,
    pub pages: Vec<PageAuditee>,
    pub criteres: Vec<CritereAudite>,
    #[serde(default)]
    pub derogations: Vec<Contenu>,
    #[serde(default)]
    pub non_soumis: Vec<Contenu>,
    /// Schéma pluriannuel : une entrée par année.
    pub schema: Vec<AnneeSchema>,
    /// Plan d'actions de l'année.
    pub plan: Vec<Action>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageAuditee {
    /// Identifiant court, utilisé par les exceptions (« accueil »).
    pub id: String,
    pub nom: String,
    /// Adresse relative (« /lieux »).
    pub adresse: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CritereAudite {
    pub numero: String,
    /// Résultat sur les pages qui ne sont pas en exception.
    pub defaut: Resultat,
    /// Raison (obligatoire si le défaut est NC ou NA).
    #[serde(default)]
    pub raison: Option<String>,
    #[serde(default)]
    pub exceptions: Vec<Exception>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// Identifiant de la page.
    pub page: String,
    pub resultat: Resultat,
    #[serde(default)]
    pub raison: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contenu {
    pub titre: String,
    pub raison: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnneeSchema {
    pub annee: u16,
    pub objectifs: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    pub action: String,
    /// Échéance (AAAA-MM-JJ).
    pub echeance: String,
    /// Critères concernés.
    #[serde(default)]
    pub criteres: Vec<String>,
}

fn date_valide(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

fn raison_presente(r: &Option<String>) -> bool {
    r.as_deref().is_some_and(|s| !s.trim().is_empty())
}

/// Lit et contrôle un audit au regard du référentiel : chaque critère du référentiel exactement
/// une fois, pages uniques et connues des exceptions, raison pour chaque NC et NA, dates
/// valides. Les messages sont en français et situés (fichier, critère, page).
pub fn lire_audit(texte: &str, origine: &str, rgaa: &Rgaa) -> Result<Audit, String> {
    let a: Audit = toml::from_str(texte).map_err(|e| format!("{origine} : {e}"))?;
    if !date_valide(&a.date) {
        return Err(format!(
            "{origine} : date « {} » invalide (attendu AAAA-MM-JJ)",
            a.date
        ));
    }
    if a.pages.is_empty() {
        return Err(format!("{origine} : l'échantillon ne contient aucune page"));
    }
    let mut pages = BTreeSet::new();
    for p in &a.pages {
        if !pages.insert(p.id.as_str()) {
            return Err(format!("{origine}, page « {} » : en double", p.id));
        }
        if !p.adresse.starts_with('/') {
            return Err(format!(
                "{origine}, page « {} » : adresse relative attendue (« /… »)",
                p.id
            ));
        }
    }
    let mut vus = BTreeSet::new();
    for c in &a.criteres {
        let ou = format!("{origine}, critère {}", c.numero);
        if rgaa.critere(&c.numero).is_none() {
            return Err(format!("{ou} : absent du référentiel RGAA 4.1"));
        }
        if !vus.insert(c.numero.as_str()) {
            return Err(format!("{ou} : en double"));
        }
        if c.defaut != Resultat::C && !raison_presente(&c.raison) {
            return Err(format!(
                "{ou} : raison obligatoire pour un résultat {} par défaut",
                c.defaut.libelle()
            ));
        }
        let mut pages_vues = BTreeSet::new();
        for e in &c.exceptions {
            if !pages.contains(e.page.as_str()) {
                return Err(format!(
                    "{ou} : page « {} » inconnue de l'échantillon",
                    e.page
                ));
            }
            if !pages_vues.insert(e.page.as_str()) {
                return Err(format!("{ou} : page « {} » en double", e.page));
            }
            if e.resultat != Resultat::C && !raison_presente(&e.raison) {
                return Err(format!(
                    "{ou}, page « {} » : raison obligatoire pour un résultat {}",
                    e.page,
                    e.resultat.libelle()
                ));
            }
        }
    }
    let manquants: Vec<&str> = rgaa
        .criteres
        .iter()
        .map(|c| c.numero.as_str())
        .filter(|n| !vus.contains(n))
        .collect();
    if !manquants.is_empty() {
        return Err(format!(
            "{origine} : critères sans résultat : {}",
            manquants.join(", ")
        ));
    }
    for (i, act) in a.plan.iter().enumerate() {
        if !date_valide(&act.echeance) {
            return Err(format!(
                "{origine}, action {} du plan : échéance « {} » invalide (attendu AAAA-MM-JJ)",
                i + 1,
                act.echeance
            ));
        }
        for n in &act.criteres {
            if rgaa.critere(n).is_none() {
                return Err(format!(
                    "{origine}, action {} du plan : critère {n} inconnu",
                    i + 1
                ));
            }
        }
    }
    Ok(a)
}

// ---------------------------------------------------------------------------------------------
// Le calcul

/// Une page où un critère n'est pas respecté, avec la raison.
#[derive(Debug, Clone, PartialEq)]
pub struct Defaut {
    pub page: String,
    pub raison: String,
}

/// Le résultat d'un critère sur l'échantillon.
#[derive(Debug, Clone, PartialEq)]
pub struct BilanCritere {
    pub numero: String,
    pub resultat: Resultat,
    /// Résultat page par page, dans l'ordre de l'échantillon.
    pub par_page: Vec<Resultat>,
    /// Pages non conformes et raisons (vide si le critère n'est pas non conforme).
    pub non_conformites: Vec<Defaut>,
    /// Raison de la non-applicabilité (critère non applicable sur toutes les pages).
    pub raison_na: Option<String>,
}

/// Le résultat d'une page de l'échantillon : ses critères comptés par résultat.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BilanPage {
    pub conformes: usize,
    pub non_conformes: usize,
    pub non_applicables: usize,
    /// Taux de la page (en %) : conformes / (conformes + non conformes) ; None si rien
    /// d'applicable.
    pub taux: Option<f64>,
}

/// Le résultat de l'audit.
#[derive(Debug, Clone, PartialEq)]
pub struct Bilan {
    pub criteres: Vec<BilanCritere>,
    /// Chaque page, dans l'ordre de l'échantillon.
    pub pages: Vec<BilanPage>,
    pub conformes: usize,
    pub non_conformes: usize,
    pub non_applicables: usize,
    /// Taux global (en %) : conformes / (conformes + non conformes) ; None si rien d'applicable.
    pub taux: Option<f64>,
    /// Taux moyen par page (en %), pour information : moyenne des taux de chaque page.
    pub taux_moyen: Option<f64>,
}

impl Bilan {
    pub fn conformite(&self) -> Conformite {
        Conformite::selon_le_taux(self.taux)
    }
}

fn pourcentage(c: usize, nc: usize) -> Option<f64> {
    (c + nc > 0).then(|| 100.0 * c as f64 / (c + nc) as f64)
}

/// Calcule le bilan d'un audit contrôlé (`lire_audit`), dans l'ordre du référentiel.
pub fn bilan(audit: &Audit, rgaa: &Rgaa) -> Bilan {
    let index: BTreeMap<&str, usize> = audit
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let par_numero: BTreeMap<&str, &CritereAudite> = audit
        .criteres
        .iter()
        .map(|c| (c.numero.as_str(), c))
        .collect();
    let mut criteres = Vec::new();
    let n = audit.pages.len();
    let mut pages = vec![BilanPage::default(); n];
    for r in &rgaa.criteres {
        let Some(c) = par_numero.get(r.numero.as_str()) else {
            continue;
        };
        let mut par_page = vec![c.defaut; n];
        let mut raisons: Vec<Option<String>> = vec![c.raison.clone(); n];
        for e in &c.exceptions {
            if let Some(&i) = index.get(e.page.as_str()) {
                par_page[i] = e.resultat;
                raisons[i] = e.raison.clone();
            }
        }
        let resultat = if par_page.contains(&Resultat::NC) {
            Resultat::NC
        } else if par_page.contains(&Resultat::C) {
            Resultat::C
        } else {
            Resultat::NA
        };
        for (p, res) in pages.iter_mut().zip(&par_page) {
            match res {
                Resultat::C => p.conformes += 1,
                Resultat::NC => p.non_conformes += 1,
                Resultat::NA => p.non_applicables += 1,
            }
        }
        let non_conformites = par_page
            .iter()
            .zip(&raisons)
            .zip(&audit.pages)
            .filter(|((r, _), _)| **r == Resultat::NC)
            .map(|((_, raison), p)| Defaut {
                page: p.nom.clone(),
                raison: raison.clone().unwrap_or_default(),
            })
            .collect();
        let raison_na = (resultat == Resultat::NA).then(|| {
            c.raison
                .clone()
                .or_else(|| c.exceptions.iter().find_map(|e| e.raison.clone()))
                .unwrap_or_default()
        });
        criteres.push(BilanCritere {
            numero: r.numero.clone(),
            resultat,
            par_page,
            non_conformites,
            raison_na,
        });
    }
    let compte = |x: Resultat| criteres.iter().filter(|b| b.resultat == x).count();
    let (conformes, non_conformes, non_applicables) = (
        compte(Resultat::C),
        compte(Resultat::NC),
        compte(Resultat::NA),
    );
    for p in &mut pages {
        p.taux = pourcentage(p.conformes, p.non_conformes);
    }
    let taux_pages: Vec<f64> = pages.iter().filter_map(|p| p.taux).collect();
    let taux_moyen =
        (!taux_pages.is_empty()).then(|| taux_pages.iter().sum::<f64>() / taux_pages.len() as f64);
    Bilan {
        criteres,
        pages,
        conformes,
        non_conformes,
        non_applicables,
        taux: pourcentage(conformes, non_conformes),
        taux_moyen,
    }
}

/// Le référentiel, l'audit et son bilan, tels que le dépôt les embarque (lus une fois).
pub struct Declaration {
    pub rgaa: Rgaa,
    pub audit: Audit,
    pub bilan: Bilan,
}

/// La déclaration embarquée, lue une fois. Une erreur ici est une erreur du dépôt : le routeur
/// l'appelle à sa construction, le serveur refuse donc de démarrer (et les tests échouent).
pub fn declaration() -> &'static Declaration {
    static D: OnceLock<Declaration> = OnceLock::new();
    D.get_or_init(|| {
        let rgaa = lire_rgaa(RGAA_TOML, "contenus/accessibilite/rgaa-4.1.toml")
            .unwrap_or_else(|e| panic!("{e}"));
        let audit = lire_audit(AUDIT_TOML, "contenus/accessibilite/audit.toml", &rgaa)
            .unwrap_or_else(|e| panic!("{e}"));
        let bilan = bilan(&audit, &rgaa);
        Declaration { rgaa, audit, bilan }
    })
}

/// L'état de conformité du site, tel que l'audit versionné le donne.
pub fn conformite_du_site() -> Conformite {
    declaration().bilan.conformite()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seuils_du_modele_de_declaration() {
        assert_eq!(Conformite::selon_le_taux(Some(100.0)), Conformite::Totale);
        assert_eq!(Conformite::selon_le_taux(Some(99.9)), Conformite::Partielle);
        assert_eq!(Conformite::selon_le_taux(Some(50.0)), Conformite::Partielle);
        assert_eq!(Conformite::selon_le_taux(Some(49.99)), Conformite::Non);
        assert_eq!(Conformite::selon_le_taux(None), Conformite::Non);
        assert_eq!(Conformite::Partielle.libelle(), "partiellement conforme");
    }

    const PETIT_RGAA: &str = r#"
[source]
titre = "RGAA de test"
editeur = "DINUM"
adresse = "https://exemple.org"
fichier = "https://exemple.org/criteres.json"
licence = "Licence Ouverte 2.0"
[[thematiques]]
numero = 1
intitule = "Images"
[[thematiques]]
numero = 2
intitule = "Cadres"
[[criteres]]
numero = "1.1"
thematique = 1
intitule = "Chaque image a-t-elle une alternative ?"
wcag = ["1.1.1 A"]
[[criteres]]
numero = "1.2"
thematique = 1
intitule = "Chaque image de décoration est-elle ignorée ?"
wcag = ["1.1.1 A"]
[[criteres]]
numero = "2.1"
thematique = 2
intitule = "Chaque cadre a-t-il un titre ?"
wcag = ["4.1.2 A"]
"#;

    const TETE: &str = r#"
date = "2026-12-07"
auteur = "Audit interne"
referentiel = "RGAA 4.1"
technologies = ["HTML5", "CSS"]
environnement = ["Chromium"]
outils = ["axe-core"]
[[pages]]
id = "a"
nom = "Page A"
adresse = "/a"
[[pages]]
id = "b"
nom = "Page B"
adresse = "/b"
[[schema]]
annee = 2027
objectifs = ["Corriger"]
[[plan]]
action = "Corriger 1.1"
echeance = "2027-03-31"
criteres = ["1.1"]
"#;

    fn rgaa() -> Rgaa {
        lire_rgaa(PETIT_RGAA, "rgaa.toml").unwrap()
    }

    fn audit(criteres: &str) -> Result<Audit, String> {
        lire_audit(&format!("{TETE}{criteres}"), "audit.toml", &rgaa())
    }

    const TROIS: &str = r#"
[[criteres]]
numero = "1.1"
defaut = "C"
[[criteres.exceptions]]
page = "b"
resultat = "NC"
raison = "Logo sans alternative"
[[criteres]]
numero = "1.2"
defaut = "C"
[[criteres]]
numero = "2.1"
defaut = "NA"
raison = "Aucun cadre"
"#;

    #[test]
    fn un_critere_non_conforme_sur_une_page_l_est_pour_le_site() {
        let a = audit(TROIS).unwrap();
        let b = bilan(&a, &rgaa());
        let res: Vec<(&str, Resultat)> = b
            .criteres
            .iter()
            .map(|c| (c.numero.as_str(), c.resultat))
            .collect();
        assert_eq!(
            res,
            vec![
                ("1.1", Resultat::NC),
                ("1.2", Resultat::C),
                ("2.1", Resultat::NA)
            ]
        );
        assert_eq!((b.conformes, b.non_conformes, b.non_applicables), (1, 1, 1));
        // 1 conforme sur 2 applicables.
        assert_eq!(b.taux, Some(50.0));
        // Page A : 2 C, 0 NC → 100 % ; page B : 1 C, 1 NC → 50 % ; moyenne 75 %.
        let pages: Vec<_> = b
            .pages
            .iter()
            .map(|p| (p.conformes, p.non_conformes, p.non_applicables, p.taux))
            .collect();
        assert_eq!(pages, vec![(2, 0, 1, Some(100.0)), (1, 1, 1, Some(50.0))]);
        assert_eq!(b.taux_moyen, Some(75.0));
        assert_eq!(b.conformite(), Conformite::Partielle);
        assert_eq!(
            b.criteres[0].non_conformites,
            vec![Defaut {
                page: "Page B".into(),
                raison: "Logo sans alternative".into()
            }]
        );
        assert_eq!(b.criteres[0].par_page, vec![Resultat::C, Resultat::NC]);
        assert_eq!(b.criteres[2].raison_na.as_deref(), Some("Aucun cadre"));
    }

    #[test]
    fn conforme_sur_une_page_et_non_applicable_ailleurs_est_conforme() {
        let a = audit(
            r#"
[[criteres]]
numero = "1.1"
defaut = "C"
[[criteres]]
numero = "1.2"
defaut = "NA"
raison = "Pas d'image de décoration"
[[criteres.exceptions]]
page = "a"
resultat = "C"
[[criteres]]
numero = "2.1"
defaut = "C"
"#,
        )
        .unwrap();
        let b = bilan(&a, &rgaa());
        assert_eq!((b.conformes, b.non_conformes, b.non_applicables), (3, 0, 0));
        assert_eq!(b.taux, Some(100.0));
        assert_eq!(b.conformite(), Conformite::Totale);
    }

    #[test]
    fn deux_non_conformes_sur_trois_donnent_un_site_non_conforme() {
        let a = audit(
            r#"
[[criteres]]
numero = "1.1"
defaut = "NC"
raison = "Alternatives absentes"
[[criteres]]
numero = "1.2"
defaut = "C"
[[criteres.exceptions]]
page = "a"
resultat = "NC"
raison = "Icône restituée"
[[criteres]]
numero = "2.1"
defaut = "C"
"#,
        )
        .unwrap();
        let b = bilan(&a, &rgaa());
        assert_eq!((b.conformes, b.non_conformes), (1, 2));
        // 1 / 3 = 33,33… %.
        assert!((b.taux.unwrap() - 100.0 / 3.0).abs() < 1e-9);
        assert_eq!(b.conformite(), Conformite::Non);
        // Page A : 1 C, 2 NC → 33,3 % ; page B : 2 C, 1 NC → 66,7 % ; moyenne 50 %.
        assert!((b.taux_moyen.unwrap() - 50.0).abs() < 1e-9);
        assert_eq!(b.criteres[0].non_conformites.len(), 2);
    }

    #[test]
    fn tout_non_applicable_ne_donne_aucun_taux() {
        let a = audit(
            r#"
[[criteres]]
numero = "1.1"
defaut = "NA"
raison = "Aucune image"
[[criteres]]
numero = "1.2"
defaut = "NA"
raison = "Aucune image"
[[criteres]]
numero = "2.1"
defaut = "NA"
raison = "Aucun cadre"
"#,
        )
        .unwrap();
        let b = bilan(&a, &rgaa());
        assert_eq!(b.taux, None);
        assert_eq!(b.taux_moyen, None);
        assert_eq!(b.conformite(), Conformite::Non);
    }

    fn refus(criteres: &str) -> String {
        audit(criteres).unwrap_err()
    }

    #[test]
    fn refuse_un_critere_manquant_ou_en_double_ou_inconnu() {
        let e = refus("[[criteres]]\nnumero = \"1.1\"\ndefaut = \"C\"\n");
        assert_eq!(e, "audit.toml : critères sans résultat : 1.2, 2.1");
        let e = refus(&format!(
            "{TROIS}[[criteres]]\nnumero = \"1.2\"\ndefaut = \"C\"\n"
        ));
        assert_eq!(e, "audit.toml, critère 1.2 : en double");
        let e = refus(&format!(
            "{TROIS}[[criteres]]\nnumero = \"9.9\"\ndefaut = \"C\"\n"
        ));
        assert_eq!(
            e,
            "audit.toml, critère 9.9 : absent du référentiel RGAA 4.1"
        );
    }

    #[test]
    fn refuse_une_non_conformite_ou_une_non_applicabilite_sans_raison() {
        let e = refus(&TROIS.replace("raison = \"Aucun cadre\"\n", ""));
        assert_eq!(
            e,
            "audit.toml, critère 2.1 : raison obligatoire pour un résultat non applicable par défaut"
        );
        let e = refus(&TROIS.replace("raison = \"Logo sans alternative\"\n", ""));
        assert_eq!(
            e,
            "audit.toml, critère 1.1, page « b » : raison obligatoire pour un résultat non conforme"
        );
        let e = refus(&TROIS.replace("\"Logo sans alternative\"", "\"  \""));
        assert!(e.contains("raison obligatoire"), "{e}");
    }

    #[test]
    fn refuse_une_page_inconnue_et_un_resultat_invalide() {
        let e = refus(&TROIS.replace("page = \"b\"", "page = \"z\""));
        assert_eq!(
            e,
            "audit.toml, critère 1.1 : page « z » inconnue de l'échantillon"
        );
        let e = refus(&TROIS.replace("defaut = \"NA\"", "defaut = \"Oui\""));
        assert!(e.starts_with("audit.toml : "), "{e}");
    }

    #[test]
    fn refuse_une_date_ou_une_echeance_invalide() {
        let r = rgaa();
        let texte = format!("{TETE}{TROIS}").replace("2026-12-07", "07/12/2026");
        assert_eq!(
            lire_audit(&texte, "audit.toml", &r).unwrap_err(),
            "audit.toml : date « 07/12/2026 » invalide (attendu AAAA-MM-JJ)"
        );
        let texte = format!("{TETE}{TROIS}").replace("2027-03-31", "mars 2027");
        assert_eq!(
            lire_audit(&texte, "audit.toml", &r).unwrap_err(),
            "audit.toml, action 1 du plan : échéance « mars 2027 » invalide (attendu AAAA-MM-JJ)"
        );
    }

    #[test]
    fn refuse_un_referentiel_incoherent() {
        let e = lire_rgaa(
            &PETIT_RGAA.replace("numero = \"2.1\"", "numero = \"1.1\""),
            "rgaa.toml",
        )
        .unwrap_err();
        assert_eq!(
            e,
            "rgaa.toml, critère 1.1 : le numéro ne correspond pas à la thématique 2"
        );
        let e = lire_rgaa(
            &PETIT_RGAA.replace("alternative ?", "[alternative](#alt) ?"),
            "rgaa.toml",
        )
        .unwrap_err();
        assert_eq!(
            e,
            "rgaa.toml, critère 1.1 : intitulé vide ou contenant un lien Markdown"
        );
    }

    #[test]
    fn le_referentiel_embarque_a_les_106_criteres_du_rgaa_4_1() {
        let r = lire_rgaa(RGAA_TOML, "rgaa-4.1.toml").unwrap();
        assert_eq!(r.thematiques.len(), 13);
        assert_eq!(r.criteres.len(), 106);
        let par_thematique: Vec<usize> = (1..=13)
            .map(|t| r.criteres.iter().filter(|c| c.thematique == t).count())
            .collect();
        // Nombre de critères par thématique, RGAA 4.1 (Images … Consultation).
        assert_eq!(
            par_thematique,
            vec![9, 2, 3, 13, 8, 2, 5, 10, 4, 14, 13, 11, 12]
        );
        assert_eq!(r.thematique(11).unwrap().intitule, "Formulaires");
        assert_eq!(
            r.critere("8.5").unwrap().intitule,
            "Chaque page web a-t-elle un titre de page ?"
        );
    }

    #[test]
    fn l_audit_embarque_est_lu_et_donne_le_taux_publie() {
        let d = declaration();
        assert_eq!(d.audit.pages.len(), 12);
        // Recompté à la main dans contenus/accessibilite/audit.toml : 62 conformes, 1 non
        // conforme (13.1), 43 non applicables ; 62 / 63 = 98,41 %.
        assert_eq!(
            (
                d.bilan.conformes,
                d.bilan.non_conformes,
                d.bilan.non_applicables
            ),
            (62, 1, 43)
        );
        let nc: Vec<&str> = d
            .bilan
            .criteres
            .iter()
            .filter(|b| b.resultat == Resultat::NC)
            .map(|b| b.numero.as_str())
            .collect();
        assert_eq!(nc, vec!["13.1"]);
        assert!((d.bilan.taux.unwrap() - 6200.0 / 63.0).abs() < 1e-9);
        assert_eq!(conformite_du_site(), Conformite::Partielle);
    }
}
