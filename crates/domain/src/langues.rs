//! Les expressions dans une autre langue que le français des textes affichés tels quels (intitulés
//! officiels des critères) : la liste est une donnée (`contenus/accessibilite/langues.toml`), ce
//! module la lit, la contrôle et découpe un texte en passages, chacun avec sa langue s'il n'est pas
//! en français (RGAA 4.1, critère 8.7).

use std::sync::OnceLock;

use serde::Deserialize;

/// La liste du dépôt, embarquée.
pub const LANGUES_TOML: &str = include_str!("../../../contenus/accessibilite/langues.toml");

/// Une expression et sa langue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expression {
    pub texte: String,
    pub langue: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fichier {
    expressions: Vec<Expression>,
}

/// Un code de langue plausible (BCP 47) : une langue de 2 ou 3 lettres minuscules, puis des
/// sous-étiquettes de 1 à 8 lettres ou chiffres séparées par des tirets.
fn code_de_langue(c: &str) -> bool {
    let mut parties = c.split('-');
    let langue = parties.next().unwrap_or_default();
    (2..=3).contains(&langue.len())
        && langue.chars().all(|x| x.is_ascii_lowercase())
        && parties
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|x| x.is_ascii_alphanumeric()))
}

/// Lit la liste ; refuse une expression vide, entourée d'espaces ou en double, et un code de
/// langue mal formé ou français.
pub fn lire_langues(texte: &str, origine: &str) -> Result<Vec<Expression>, String> {
    let f: Fichier = toml::from_str(texte).map_err(|e| format!("{origine} : {e}"))?;
    for (i, e) in f.expressions.iter().enumerate() {
        if e.texte.trim().is_empty() || e.texte.trim() != e.texte {
            return Err(format!(
                "{origine}, expression {} : texte vide ou entouré d'espaces",
                i + 1
            ));
        }
        if !code_de_langue(&e.langue) {
            return Err(format!(
                "{origine}, expression « {} » : code de langue « {} » invalide (attendu : « en », « de », « es-419 »…)",
                e.texte, e.langue
            ));
        }
        if e.langue == "fr" || e.langue.starts_with("fr-") {
            return Err(format!(
                "{origine}, expression « {} » : le français est la langue des pages, rien à baliser",
                e.texte
            ));
        }
        if f.expressions[..i].iter().any(|x| x.texte == e.texte) {
            return Err(format!("{origine}, expression « {} » : en double", e.texte));
        }
    }
    Ok(f.expressions)
}

/// La liste du dépôt, lue une fois (contrôlée au démarrage du serveur).
pub fn langues() -> &'static [Expression] {
    static L: OnceLock<Vec<Expression>> = OnceLock::new();
    L.get_or_init(|| {
        lire_langues(LANGUES_TOML, "contenus/accessibilite/langues.toml")
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Un passage d'un texte, avec sa langue s'il n'est pas en français.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Passage<'a> {
    pub texte: &'a str,
    pub langue: Option<&'a str>,
}

/// Un mot entier : ni lettre ni chiffre juste avant ni juste après.
fn mot_entier(texte: &str, debut: usize, fin: usize) -> bool {
    let avant = texte[..debut].chars().next_back();
    let apres = texte[fin..].chars().next();
    !avant.is_some_and(char::is_alphanumeric) && !apres.is_some_and(char::is_alphanumeric)
}

/// Découpe `texte` en passages : chaque occurrence d'une expression (mot entier, casse comprise ;
/// la plus longue d'abord si deux commencent au même endroit) forme un passage dans sa langue, le
/// reste des passages sans langue. La concaténation des passages redonne le texte.
pub fn decouper<'a>(texte: &'a str, expressions: &'a [Expression]) -> Vec<Passage<'a>> {
    let mut passages = Vec::new();
    let mut reste = 0;
    let mut i = 0;
    while i < texte.len() {
        let trouvee = expressions
            .iter()
            .filter(|e| {
                texte[i..].starts_with(e.texte.as_str()) && mot_entier(texte, i, i + e.texte.len())
            })
            .max_by_key(|e| e.texte.len());
        match trouvee {
            Some(e) => {
                if reste < i {
                    passages.push(Passage {
                        texte: &texte[reste..i],
                        langue: None,
                    });
                }
                let fin = i + e.texte.len();
                passages.push(Passage {
                    texte: &texte[i..fin],
                    langue: Some(e.langue.as_str()),
                });
                reste = fin;
                i = fin;
            }
            None => i += texte[i..].chars().next().map_or(1, char::len_utf8),
        }
    }
    if reste < texte.len() {
        passages.push(Passage {
            texte: &texte[reste..],
            langue: None,
        });
    }
    passages
}

/// Les passages d'un texte selon la liste du dépôt (pour les gabarits).
pub fn passages(texte: &str) -> Vec<Passage<'_>> {
    decouper(texte, langues())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn liste() -> Vec<Expression> {
        [
            ("Open Data", "en"),
            ("Open", "en"),
            ("Weltanschauung", "de"),
        ]
        .into_iter()
        .map(|(t, l)| Expression {
            texte: t.into(),
            langue: l.into(),
        })
        .collect()
    }

    fn rendu(texte: &str, l: &[Expression]) -> String {
        decouper(texte, l)
            .into_iter()
            .map(|p| match p.langue {
                Some(x) => format!("[{x}:{}]", p.texte),
                None => p.texte.to_string(),
            })
            .collect()
    }

    #[test]
    fn les_expressions_sont_balisees_la_plus_longue_d_abord() {
        let l = liste();
        assert_eq!(
            rendu("sous licence Open Data (D323-2-1 CRPA)", &l),
            "sous licence [en:Open Data] (D323-2-1 CRPA)"
        );
        assert_eq!(rendu("Open Data", &l), "[en:Open Data]");
        assert_eq!(rendu("« Open » seul", &l), "« [en:Open] » seul");
        assert_eq!(
            rendu("Une Weltanschauung, et Open Data.", &l),
            "Une [de:Weltanschauung], et [en:Open Data]."
        );
    }

    #[test]
    fn seuls_les_mots_entiers_et_la_meme_casse_comptent() {
        let l = liste();
        assert_eq!(rendu("OpenDataSoft", &l), "OpenDataSoft");
        assert_eq!(rendu("Reopen", &l), "Reopen");
        assert_eq!(rendu("open data", &l), "open data");
        assert_eq!(rendu("ÉOpen Data", &l), "ÉOpen Data");
        assert_eq!(rendu("", &l), "");
        assert!(decouper("", &l).is_empty());
        assert_eq!(
            decouper("à Open é", &l),
            vec![
                Passage {
                    texte: "à ",
                    langue: None
                },
                Passage {
                    texte: "Open",
                    langue: Some("en")
                },
                Passage {
                    texte: " é",
                    langue: None
                },
            ]
        );
    }

    #[test]
    fn la_liste_est_controlee() {
        let o = "langues.toml";
        let un = |t: &str, l: &str| format!("[[expressions]]\ntexte = \"{t}\"\nlangue = \"{l}\"\n");
        assert_eq!(
            lire_langues(&un("Open Data", "EN"), o).unwrap_err(),
            "langues.toml, expression « Open Data » : code de langue « EN » invalide (attendu : « en », « de », « es-419 »…)"
        );
        assert_eq!(
            lire_langues(&un("Open Data", "fr"), o).unwrap_err(),
            "langues.toml, expression « Open Data » : le français est la langue des pages, rien à baliser"
        );
        assert_eq!(
            lire_langues(&un(" Open", "en"), o).unwrap_err(),
            "langues.toml, expression 1 : texte vide ou entouré d'espaces"
        );
        assert_eq!(
            lire_langues(&format!("{}{}", un("Open", "en"), un("Open", "de")), o).unwrap_err(),
            "langues.toml, expression « Open » : en double"
        );
        assert!(lire_langues(&un("Open", "es-419"), o).is_ok());
        assert!(lire_langues("[[expressions]]\ntexte = \"x\"\n", o).is_err());
    }

    #[test]
    fn la_liste_du_depot_balise_open_data() {
        assert_eq!(
            rendu(
                "format ouvert et sous licence Open Data (DD232-2-1 CRPA)",
                langues()
            ),
            "format ouvert et sous licence [en:Open Data] (DD232-2-1 CRPA)"
        );
    }
}
