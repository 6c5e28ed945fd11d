//! Disposition des modules (ADR 0007), vérifiée sur les sources : dans le web, une fonctionnalité
//! n'importe jamais une autre fonctionnalité et `commun/` n'importe aucune fonctionnalité ; dans
//! le domaine, aucun cycle d'imports entre les modules de premier niveau.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules de premier niveau de `src/` : (nom, fichiers .rs qu'il contient).
fn modules(src: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut m = BTreeMap::new();
    for entree in std::fs::read_dir(src).expect("lecture de src/") {
        let chemin = entree.expect("entrée de src/").path();
        let nom = chemin.file_stem().unwrap().to_string_lossy().to_string();
        let mut fichiers = Vec::new();
        collecter(&chemin, &mut fichiers);
        if !fichiers.is_empty() {
            m.insert(nom, fichiers);
        }
    }
    m
}

fn collecter(chemin: &Path, fichiers: &mut Vec<PathBuf>) {
    if chemin.is_dir() {
        for e in std::fs::read_dir(chemin).unwrap() {
            collecter(&e.unwrap().path(), fichiers);
        }
    } else if chemin.extension().is_some_and(|x| x == "rs") {
        fichiers.push(chemin.to_path_buf());
    }
}

/// Les modules de premier niveau nommés par `crate::…` dans un texte, y compris dans les
/// groupes `crate::{a, b::c}`.
fn references(texte: &str) -> BTreeSet<String> {
    let mut noms = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in texte.match_indices("crate::") {
        let avant = texte[..i].chars().last();
        if avant.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // `reperes_crate::`, `$crate::`
        }
        let reste = &texte[i + "crate::".len()..];
        if let Some(groupe) = reste.strip_prefix('{') {
            let mut profondeur = 0;
            let mut debut = 0;
            for (j, c) in groupe.char_indices() {
                match c {
                    '{' => profondeur += 1,
                    '}' if profondeur == 0 => {
                        noms.insert(ident(&groupe[debut..j]));
                        break;
                    }
                    '}' => profondeur -= 1,
                    ',' if profondeur == 0 => {
                        noms.insert(ident(&groupe[debut..j]));
                        debut = j + 1;
                    }
                    _ => {}
                }
            }
        } else {
            noms.insert(ident(reste));
        }
    }
    noms.remove("");
    noms
}

/// Graphe des imports entre modules de premier niveau (sans lib.rs ni main.rs).
fn graphe(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules(src);
    let noms: BTreeSet<String> = mods.keys().cloned().collect();
    mods.iter()
        .filter(|(m, _)| !["lib", "main"].contains(&m.as_str()))
        .map(|(m, fichiers)| {
            let mut vers = BTreeSet::new();
            for f in fichiers {
                let texte = std::fs::read_to_string(f).unwrap();
                vers.extend(
                    references(&texte)
                        .into_iter()
                        .filter(|r| r != m && noms.contains(r)),
                );
            }
            (m.clone(), vers)
        })
        .collect()
}

/// Un cycle du graphe, s'il y en a un (parcours en profondeur).
fn cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visiter(
        v: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        pile: &mut Vec<String>,
        fini: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = pile.iter().position(|x| x == v) {
            let mut c = pile[i..].to_vec();
            c.push(v.to_string());
            return Some(c);
        }
        if fini.contains(v) {
            return None;
        }
        pile.push(v.to_string());
        for w in g.get(v).into_iter().flatten() {
            if let Some(c) = visiter(w, g, pile, fini) {
                return Some(c);
            }
        }
        pile.pop();
        fini.insert(v.to_string());
        None
    }
    let mut fini = BTreeSet::new();
    g.keys()
        .find_map(|v| visiter(v, g, &mut Vec::new(), &mut fini))
}

fn src(krate: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("src")
}

/// Ce qui n'est pas une fonctionnalité dans `crates/web/src`.
const SOCLE_WEB: [&str; 3] = ["lib", "routes", "commun"];

#[test]
fn une_fonctionnalite_web_n_importe_jamais_une_autre() {
    let g = graphe(&src("web"));
    let fonctionnalites: Vec<&String> = g
        .keys()
        .filter(|m| !SOCLE_WEB.contains(&m.as_str()))
        .collect();
    assert!(
        fonctionnalites.len() >= 9,
        "fonctionnalités trouvées : {fonctionnalites:?}"
    );
    let mut fautes = Vec::new();
    for (m, vers) in &g {
        for v in vers {
            let interdit = match m.as_str() {
                "routes" => false,
                "commun" => !SOCLE_WEB.contains(&v.as_str()),
                _ => !SOCLE_WEB.contains(&v.as_str()) || v == "routes",
            };
            if interdit {
                fautes.push(format!("{m} → {v}"));
            }
        }
    }
    assert!(
        fautes.is_empty(),
        "imports interdits entre fonctionnalités du web (ADR 0007) : {fautes:?} ; ce que deux \
         fonctionnalités partagent descend dans commun/ ou dans un crate plus bas"
    );
}

#[test]
fn le_web_a_au_plus_douze_entrees_et_une_table_des_routes() {
    let entrees: Vec<String> = std::fs::read_dir(src("web"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        entrees.len() <= 12,
        "{} entrées : {entrees:?}",
        entrees.len()
    );
    let routes = std::fs::read_to_string(src("web").join("routes.rs")).unwrap();
    assert!(routes.matches(".route(").count() > 50);
    for (m, fichiers) in modules(&src("web")) {
        if m == "routes" {
            continue;
        }
        for f in fichiers {
            let texte = std::fs::read_to_string(&f).unwrap();
            assert!(
                !texte.contains(".route(\""),
                "{} déclare des routes : elles vont dans routes.rs",
                f.display()
            );
        }
    }
}

#[test]
fn pas_de_cycle_entre_modules_du_domaine_ni_du_web() {
    for krate in ["domain", "web", "store"] {
        let g = graphe(&src(krate));
        assert!(g.len() > 5, "{krate} : modules {:?}", g.keys());
        assert_eq!(cycle(&g), None, "cycle d'imports dans crates/{krate}/src");
    }
}

#[test]
fn le_domaine_reste_pur() {
    for (_, fichiers) in modules(&src("domain")) {
        for f in fichiers {
            let texte = std::fs::read_to_string(&f).unwrap();
            for interdit in ["std::fs", "std::net", "tokio", "sqlx", "axum", "async fn"] {
                assert!(
                    !texte.contains(interdit),
                    "{} emploie {interdit} : le domaine est sans entrée/sortie",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn le_lecteur_d_imports_voit_les_groupes() {
    let r = references("use crate::{commun::csv, lieux::{a, b}};\nuse crate::routes;\n$crate::x");
    assert_eq!(r, ["commun", "lieux", "routes"].map(String::from).into());
    let g: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), ["b".to_string()].into()),
        ("b".to_string(), ["a".to_string()].into()),
    ]
    .into();
    assert_eq!(cycle(&g), Some(vec!["a".into(), "b".into(), "a".into()]));
}
