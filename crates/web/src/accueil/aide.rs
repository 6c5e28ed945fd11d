//! L'aide (issue 18) : des pages courtes, par public, écrites en Markdown dans
//! `contenus/aide/` (une page = un fichier `nom.md` qui commence par son `# Titre`) et rangées
//! par `contenus/aide/index.toml` (publics, ordre, résumé de chaque page). Les fichiers sont
//! embarqués dans le binaire et contrôlés au démarrage ([`catalogue`] : le routeur le charge) :
//! un fichier invalide, absent de l'index ou une ligne de l'index sans fichier arrête le
//! serveur avec le nom du fichier et la raison, au lieu de servir une page cassée.
//!
//! `GET /aide` : l'index par public ; `GET /aide/{page}` : une page. Dans une version locale
//! (`/t/{slug}/aide…`), seuls les publics marqués `locale = true` (pages publiques, sans
//! compte) existent, et les liens des pages vers les pages servies localement gardent le
//! préfixe de la version.

use std::collections::{BTreeSet, HashMap};
use std::path::Path as Chemin;
use std::sync::LazyLock;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use include_dir::{include_dir, Dir};
use serde::Deserialize;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::markdown;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

static DOSSIER: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../contenus/aide");

/// Le fichier qui range les pages.
const INDEX: &str = "index.toml";

/// Les adresses d'une version locale qu'une page d'aide peut lier (voir
/// `routes::routeur_local`) : un lien vers l'une d'elles reçoit le préfixe de la version.
const PAGES_LOCALES: [&str; 7] = [
    "/lieux",
    "/orientation",
    "/donnees",
    "/registre",
    "/chartes",
    "/indicateurs",
    "/aide",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Index {
    publics: Vec<IndexPublic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndexPublic {
    titre: String,
    #[serde(default)]
    locale: bool,
    pages: Vec<IndexPage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndexPage {
    page: String,
    resume: String,
}

/// Une page d'aide rendue.
pub struct PageAide {
    pub nom: String,
    pub titre: String,
    pub resume: String,
    pub html: String,
}

/// Un public et ses pages, dans l'ordre de l'index.
pub struct Public {
    pub titre: String,
    pub locale: bool,
    pub pages: Vec<PageAide>,
}

/// Toute l'aide, contrôlée.
pub struct Aide {
    pub publics: Vec<Public>,
}

impl Aide {
    /// La page `nom` et son public.
    fn page(&self, nom: &str) -> Option<(&Public, &PageAide)> {
        self.publics
            .iter()
            .find_map(|p| p.pages.iter().find(|x| x.nom == nom).map(|x| (p, x)))
    }

    /// Le nombre de pages.
    pub fn nombre_de_pages(&self) -> usize {
        self.publics.iter().map(|p| p.pages.len()).sum()
    }
}

fn nom_valide(nom: &str) -> bool {
    !nom.is_empty()
        && nom.len() <= 80
        && !nom.starts_with('-')
        && !nom.ends_with('-')
        && nom
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Les noms des pages d'aide liées par un HTML rendu (`href="/aide/nom"`, avec ou sans ancre).
fn liens_d_aide(html: &str) -> Vec<String> {
    html.split("href=\"/aide/")
        .skip(1)
        .map(|reste| {
            reste
                .split(['"', '#', '?'])
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// Charge et contrôle l'aide : `index` (le texte de `index.toml`) et les fichiers du dossier
/// (nom, texte). Refus, avec le fichier en cause : index illisible, nom de page invalide ou en
/// double, page de l'index sans fichier, fichier `.md` absent de l'index, autre fichier,
/// Markdown refusé par [`markdown::rendre`], résumé ou titre de public vide, lien vers une
/// page d'aide inconnue, ou lien d'une page publique vers une page qui ne l'est pas.
fn charger(index: &str, fichiers: &[(String, String)]) -> Result<Aide, String> {
    let index: Index =
        toml::from_str(index).map_err(|e| format!("contenus/aide/{INDEX} illisible : {e}"))?;
    let mut textes: HashMap<&str, &str> = HashMap::new();
    for (nom, texte) in fichiers {
        if nom == INDEX {
            continue;
        }
        let Some(page) = nom.strip_suffix(".md") else {
            return Err(format!(
                "contenus/aide/{nom} : seuls des fichiers « .md » et {INDEX} sont permis"
            ));
        };
        textes.insert(page, texte.as_str());
    }
    if index.publics.is_empty() {
        return Err(format!("contenus/aide/{INDEX} : aucun public"));
    }
    let mut vus = BTreeSet::new();
    let mut publics = Vec::new();
    for p in index.publics {
        if p.titre.trim().is_empty() {
            return Err(format!("contenus/aide/{INDEX} : un public sans titre"));
        }
        if p.pages.is_empty() {
            return Err(format!(
                "contenus/aide/{INDEX} : le public « {} » n'a aucune page",
                p.titre
            ));
        }
        let mut pages = Vec::new();
        for l in p.pages {
            if !nom_valide(&l.page) {
                return Err(format!(
                    "contenus/aide/{INDEX} : nom de page « {} » invalide (lettres minuscules sans accent, chiffres et tirets)",
                    l.page
                ));
            }
            if !vus.insert(l.page.clone()) {
                return Err(format!(
                    "contenus/aide/{INDEX} : la page « {} » est listée deux fois",
                    l.page
                ));
            }
            if l.resume.trim().is_empty() {
                return Err(format!(
                    "contenus/aide/{INDEX} : la page « {} » n'a pas de résumé",
                    l.page
                ));
            }
            let texte = textes.get(l.page.as_str()).ok_or_else(|| {
                format!(
                    "contenus/aide/{INDEX} : la page « {} » n'a pas de fichier contenus/aide/{}.md",
                    l.page, l.page
                )
            })?;
            let rendu = markdown::rendre(texte)
                .map_err(|e| format!("contenus/aide/{}.md : {e}", l.page))?;
            pages.push(PageAide {
                nom: l.page,
                titre: rendu.titre,
                resume: l.resume.trim().to_string(),
                html: rendu.html,
            });
        }
        publics.push(Public {
            titre: p.titre.trim().to_string(),
            locale: p.locale,
            pages,
        });
    }
    if let Some(seul) = textes.keys().find(|n| !vus.contains(**n)) {
        return Err(format!(
            "contenus/aide/{seul}.md n'est pas listé dans contenus/aide/{INDEX}"
        ));
    }
    let aide = Aide { publics };
    for p in &aide.publics {
        for x in &p.pages {
            for cible in liens_d_aide(&x.html) {
                match aide.page(&cible) {
                    None => {
                        return Err(format!(
                            "contenus/aide/{}.md : lien vers la page d'aide inconnue « /aide/{cible} »",
                            x.nom
                        ))
                    }
                    Some((q, _)) if p.locale && !q.locale => {
                        return Err(format!(
                            "contenus/aide/{}.md : page publique (servie dans les versions locales) qui lie « /aide/{cible} », page qui ne l'est pas",
                            x.nom
                        ))
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(aide)
}

fn lire(dossier: &Dir<'_>) -> Result<(String, Vec<(String, String)>), String> {
    let mut index = None;
    let mut fichiers = Vec::new();
    if dossier.dirs().next().is_some() {
        return Err("contenus/aide ne doit pas contenir de sous-dossier".into());
    }
    for f in dossier.files() {
        let nom = f.path().to_string_lossy().to_string();
        let texte = f
            .contents_utf8()
            .ok_or_else(|| format!("contenus/aide/{nom} n'est pas en UTF-8"))?
            .to_string();
        if nom == INDEX {
            index = Some(texte);
        } else {
            fichiers.push((nom, texte));
        }
    }
    let index = index.ok_or_else(|| format!("contenus/aide/{INDEX} manque"))?;
    Ok((index, fichiers))
}

/// Contrôle un dossier de pages d'aide du disque comme l'aide embarquée (pour vérifier des pages
/// avant de les committer, et pour les tests du chargeur) : le nombre de pages, ou l'erreur.
pub fn verifier_dossier(dossier: &Chemin) -> Result<usize, String> {
    let mut index = None;
    let mut fichiers = Vec::new();
    let entrees = std::fs::read_dir(dossier)
        .map_err(|e| format!("dossier {} illisible : {e}", dossier.display()))?;
    for e in entrees {
        let e = e.map_err(|e| e.to_string())?;
        let nom = e.file_name().to_string_lossy().to_string();
        let texte = std::fs::read_to_string(e.path())
            .map_err(|_| format!("contenus/aide/{nom} illisible ou pas en UTF-8"))?;
        if nom == INDEX {
            index = Some(texte);
        } else {
            fichiers.push((nom, texte));
        }
    }
    let index = index.ok_or_else(|| format!("contenus/aide/{INDEX} manque"))?;
    charger(&index, &fichiers).map(|a| a.nombre_de_pages())
}

static CATALOGUE: LazyLock<Result<Aide, String>> = LazyLock::new(|| {
    let (index, fichiers) = lire(&DOSSIER)?;
    charger(&index, &fichiers)
});

/// L'aide embarquée. Le routeur l'appelle à sa construction : une erreur arrête le serveur
/// (et chaque test) avec un message clair.
pub fn catalogue() -> Result<&'static Aide, String> {
    CATALOGUE.as_ref().map_err(|e| e.clone())
}

/// Le préfixe d'une version locale devant les liens vers ses pages (`href="/lieux…"` devient
/// `href="/t/x/lieux…"`) ; les autres liens (pages à compte, fichiers) mènent au site national.
fn prefixer(html: &str, prefixe: &str) -> String {
    if prefixe.is_empty() {
        return html.to_string();
    }
    let mut sortie = String::with_capacity(html.len() + 64);
    let mut reste = html;
    const MARQUE: &str = "href=\"/";
    while let Some(i) = reste.find(MARQUE) {
        sortie.push_str(&reste[..i]);
        let apres = &reste[i + MARQUE.len() - 1..];
        let locale = PAGES_LOCALES.iter().any(|p| {
            apres.strip_prefix(p).is_some_and(|s| {
                s.starts_with(['"', '?', '#']) || (*p == "/aide" && s.starts_with('/'))
            })
        });
        sortie.push_str("href=\"");
        if locale {
            sortie.push_str(prefixe);
        }
        reste = apres;
    }
    sortie.push_str(reste);
    sortie
}

fn aide_du_visiteur(v: &Visiteur) -> Result<(&'static Aide, String), ErreurWeb> {
    let aide = catalogue().map_err(ErreurWeb::Incoherence)?;
    Ok((aide, v.portee.prefixe()))
}

#[derive(Template)]
#[template(path = "accueil/aide.html")]
struct PageIndex<'a> {
    cadre: Cadre,
    publics: Vec<&'a Public>,
}

#[derive(Template)]
#[template(path = "accueil/aide_page.html")]
struct PageUne<'a> {
    cadre: Cadre,
    public: &'a Public,
    page: &'a PageAide,
    html: String,
    contact: String,
}

/// `GET /aide` (et `/t/{slug}/aide`) : les pages par public.
pub async fn index_aide(v: Visiteur) -> Result<Response, ErreurWeb> {
    let (aide, prefixe) = aide_du_visiteur(&v)?;
    let locale = !prefixe.is_empty();
    let publics = aide
        .publics
        .iter()
        .filter(|p| !locale || p.locale)
        .collect();
    page(
        &PageIndex {
            cadre: Cadre::pour(&v, "Aide"),
            publics,
        },
        None,
        false,
    )
}

/// `GET /aide/{page}` (et `/t/{slug}/aide/{page}`) : une page d'aide ; 404 si elle n'existe
/// pas (ou n'est pas publique, dans une version locale).
pub async fn page_aide(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(nom): Path<String>,
) -> Result<Response, ErreurWeb> {
    let (aide, prefixe) = aide_du_visiteur(&v)?;
    let (public, p) = aide.page(&nom).ok_or(ErreurWeb::Introuvable)?;
    if !prefixe.is_empty() && !public.locale {
        return Err(ErreurWeb::Introuvable);
    }
    page(
        &PageUne {
            cadre: Cadre::pour(&v, format!("{} — Aide", p.titre)),
            public,
            page: p,
            html: prefixer(&p.html, &prefixe),
            contact: etat.config.instance.contact.courriel.clone(),
        },
        None,
        false,
    )
}
