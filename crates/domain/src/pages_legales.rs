//! Pages légales et de confiance : le plan du site (`contenus/plan-du-site.toml`) et le
//! formulaire « Signaler un problème » (`contenus/signaler-un-probleme.toml` : sujets, limites ;
//! contrôle de la saisie). Les textes sont des données ; ce module les lit et les contrôle.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::saisie::{caractere_de_controle, message_controle, ErreurChamp};

/// Le plan du site, embarqué.
pub const PLAN_TOML: &str = include_str!("../../../contenus/plan-du-site.toml");
/// Sujets et limites du formulaire « Signaler un problème », embarqués.
pub const SIGNALER_TOML: &str = include_str!("../../../contenus/signaler-un-probleme.toml");

/// Une rubrique du plan du site : un titre, des liens (adresse locale, libellé).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubrique {
    pub titre: String,
    pub liens: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FichierPlan {
    rubrique: Vec<Rubrique>,
}

/// Lit le plan du site ; refuse un lien qui n'est pas une adresse locale ou sans libellé.
pub fn lire_plan(texte: &str) -> Result<Vec<Rubrique>, String> {
    let f: FichierPlan =
        toml::from_str(texte).map_err(|e| format!("contenus/plan-du-site.toml : {e}"))?;
    for r in &f.rubrique {
        if r.titre.trim().is_empty() || r.liens.is_empty() {
            return Err(format!(
                "contenus/plan-du-site.toml : rubrique « {} » sans titre ou sans lien",
                r.titre
            ));
        }
        for (adresse, libelle) in &r.liens {
            if !chemin_local(adresse) || libelle.trim().is_empty() {
                return Err(format!(
                    "contenus/plan-du-site.toml : lien « {adresse} » : adresse locale (« /… ») et libellé attendus"
                ));
            }
        }
    }
    Ok(f.rubrique)
}

/// Le plan du site du dépôt, lu une fois. Une erreur est une erreur du dépôt : le serveur la
/// signale au démarrage (le routeur l'appelle) et les tests la montrent.
pub fn plan() -> &'static [Rubrique] {
    static P: OnceLock<Vec<Rubrique>> = OnceLock::new();
    P.get_or_init(|| lire_plan(PLAN_TOML).unwrap_or_else(|e| panic!("{e}")))
}

/// Un chemin local sûr : commence par une seule `/`, sans schéma, sans barre inverse ni
/// caractère de contrôle ni espace.
pub fn chemin_local(s: &str) -> bool {
    s.starts_with('/')
        && !s.starts_with("//")
        && !s.contains('\\')
        && !s.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Un sujet proposé.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sujet {
    pub id: String,
    pub libelle: String,
}

/// Limites du formulaire.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limites {
    pub par_adresse: i64,
    pub fenetre_minutes: i64,
    pub message_max: usize,
    pub page_max: usize,
}

/// Le réglage du formulaire « Signaler un problème ».
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signaler {
    pub limites: Limites,
    pub sujet: Vec<Sujet>,
}

impl Signaler {
    pub fn sujet(&self, id: &str) -> Option<&Sujet> {
        self.sujet.iter().find(|s| s.id == id)
    }
}

/// Lit le réglage du formulaire.
pub fn lire_signaler(texte: &str) -> Result<Signaler, String> {
    let s: Signaler =
        toml::from_str(texte).map_err(|e| format!("contenus/signaler-un-probleme.toml : {e}"))?;
    if s.sujet.is_empty() || s.limites.par_adresse < 1 || s.limites.fenetre_minutes < 1 {
        return Err(
            "contenus/signaler-un-probleme.toml : au moins un sujet et des limites positives"
                .into(),
        );
    }
    Ok(s)
}

/// Le réglage du dépôt, lu une fois (contrôlé au démarrage, comme le plan).
pub fn signaler() -> &'static Signaler {
    static S: OnceLock<Signaler> = OnceLock::new();
    S.get_or_init(|| lire_signaler(SIGNALER_TOML).unwrap_or_else(|e| panic!("{e}")))
}

/// La saisie du formulaire (déjà débarrassée des espaces de bord).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SaisieProbleme {
    pub sujet: String,
    pub page: String,
    pub message: String,
    pub email: String,
}

/// L'adresse électronique a une forme plausible (`x@y.z`, sans espace).
pub fn adresse_plausible(e: &str) -> bool {
    crate::lieux::signalements::adresse_plausible(e)
}

/// Les erreurs de la saisie, rattachées à leurs champs (vide : saisie acceptable).
pub fn verifier(r: &Signaler, s: &SaisieProbleme) -> Vec<ErreurChamp> {
    let mut e = Vec::new();
    if r.sujet(&s.sujet).is_none() {
        e.push(ErreurChamp::new(
            "sujet",
            "Choisissez le sujet du problème.",
        ));
    }
    let n = s.page.chars().count();
    if n > r.limites.page_max {
        e.push(ErreurChamp::new(
            "page",
            format!(
                "L'adresse de la page dépasse {} caractères ({n}).",
                r.limites.page_max
            ),
        ));
    } else if !s.page.is_empty() && !chemin_local(&s.page) {
        e.push(ErreurChamp::new(
            "page",
            "Indiquez l'adresse d'une page de ce site, qui commence par « / » (par exemple /lieux), ou laissez ce champ vide.",
        ));
    }
    let n = s.message.chars().count();
    if n == 0 {
        e.push(ErreurChamp::new(
            "message",
            "Décrivez le problème en quelques mots.",
        ));
    } else if n > r.limites.message_max {
        e.push(ErreurChamp::new(
            "message",
            format!(
                "Le message dépasse {} caractères ({n}).",
                r.limites.message_max
            ),
        ));
    }
    if !s.email.is_empty() && !adresse_plausible(&s.email) {
        e.push(ErreurChamp::new(
            "email",
            "Cette adresse électronique n'est pas valide (exemple : nom@exemple.fr).",
        ));
    }
    for (champ, v) in [
        ("page", &s.page),
        ("message", &s.message),
        ("email", &s.email),
    ] {
        if let Some(c) = caractere_de_controle(v) {
            if !e.iter().any(|x| x.champ == champ) {
                e.push(ErreurChamp::new(champ, message_controle(champ, c)));
            }
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_plan_du_depot_se_lit_et_range_les_pages_legales() {
        let p = lire_plan(PLAN_TOML).unwrap();
        let legales = p.iter().find(|r| r.titre == "Pages légales").unwrap();
        let adresses: Vec<&str> = legales.liens.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            adresses,
            [
                "/accessibilite",
                "/mentions-legales",
                "/donnees-personnelles",
                "/cookies",
                "/plan-du-site"
            ]
        );
    }

    #[test]
    fn un_lien_externe_est_refuse_dans_le_plan() {
        let e = lire_plan(
            "[[rubrique]]\ntitre = \"T\"\nliens = [[\"https://ailleurs.example\", \"X\"]]\n",
        )
        .unwrap_err();
        assert!(e.contains("« https://ailleurs.example »"), "{e}");
        assert!(lire_plan(
            "[[rubrique]]\ntitre = \"T\"\nliens = [[\"//ailleurs.example\", \"X\"]]\n"
        )
        .is_err());
    }

    #[test]
    fn chemins_locaux() {
        assert!(chemin_local("/lieux?q=a"));
        assert!(!chemin_local("//evil.example"));
        assert!(!chemin_local("https://evil.example"));
        assert!(!chemin_local("/\\evil.example"));
        assert!(!chemin_local("/a b"));
        assert!(!chemin_local(""));
    }

    #[test]
    fn saisie_du_formulaire() {
        let r = lire_signaler(SIGNALER_TOML).unwrap();
        let ids: Vec<&str> = r.sujet.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["accessibilite", "erreur", "contenu", "autre"]);
        let bonne = SaisieProbleme {
            sujet: "erreur".into(),
            page: "/lieux".into(),
            message: "La carte ne s'affiche pas.".into(),
            email: String::new(),
        };
        assert!(verifier(&r, &bonne).is_empty());
        let mauvaise = SaisieProbleme {
            sujet: "inconnu".into(),
            page: "https://ailleurs.example/".into(),
            message: String::new(),
            email: "pas-une-adresse".into(),
        };
        let e = verifier(&r, &mauvaise);
        let champs: Vec<&str> = e.iter().map(|x| x.champ).collect();
        assert_eq!(champs, ["sujet", "page", "message", "email"]);
        assert_eq!(e[2].message, "Décrivez le problème en quelques mots.");
        let long = SaisieProbleme {
            message: "x".repeat(4001),
            ..bonne.clone()
        };
        assert_eq!(
            verifier(&r, &long)[0].message,
            "Le message dépasse 4000 caractères (4001)."
        );
    }
}
