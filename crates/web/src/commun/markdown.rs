//! Pages écrites en Markdown dans le dépôt (issue 18 : aide, pages légales), rendues en HTML
//! **sûr** : le HTML brut du fichier est affiché comme du texte, les liens ne peuvent viser que
//! des adresses du site, `https:`, `http:`, `mailto:` ou `tel:`, les tableaux sont permis. Le
//! premier titre de niveau 1 (`# …`) devient le titre de la page (son `<h1>` et son onglet) ;
//! le gabarit l'écrit lui-même, si bien que chaque page garde un seul `<h1>`.

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Une page rendue : son titre (le `# …` du fichier) et le reste en HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMarkdown {
    pub titre: String,
    pub html: String,
}

fn lien_permis(url: &str) -> bool {
    let u = url.trim();
    if u.starts_with('/') || u.starts_with('#') {
        return !u.starts_with("//");
    }
    let bas = u.to_ascii_lowercase();
    ["https://", "http://", "mailto:", "tel:"]
        .iter()
        .any(|s| bas.starts_with(s))
}

/// Rend un fichier Markdown ; refuse (message en français) un fichier sans titre `# …` en
/// tête, avec un second titre de niveau 1, ou avec un lien vers une adresse non permise.
pub fn rendre(texte: &str) -> Result<PageMarkdown, String> {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    let mut titre: Option<String> = None;
    let mut dans_titre = false;
    let mut evenements: Vec<Event<'_>> = Vec::new();
    for e in Parser::new_ext(texte, options) {
        match e {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) => {
                if titre.is_some() || !evenements.is_empty() {
                    return Err(
                        "un seul titre de niveau 1 (« # … »), en tête du fichier".to_string()
                    );
                }
                dans_titre = true;
                titre = Some(String::new());
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) => dans_titre = false,
            Event::Text(t) | Event::Code(t) if dans_titre => {
                if let Some(x) = titre.as_mut() {
                    x.push_str(&t);
                }
            }
            _ if dans_titre => {}
            Event::Start(Tag::Link { dest_url, .. }) if !lien_permis(&dest_url) => {
                return Err(format!("lien non permis : « {dest_url} »"));
            }
            Event::Start(Tag::Image { dest_url, .. }) if !lien_permis(&dest_url) => {
                return Err(format!("image non permise : « {dest_url} »"));
            }
            // Le HTML brut n'est jamais interprété : il s'affiche tel quel.
            Event::Html(h) | Event::InlineHtml(h) => {
                evenements.push(Event::Text(CowStr::from(h.into_string())))
            }
            autre => evenements.push(autre),
        }
    }
    let titre = titre
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| "le fichier doit commencer par un titre « # … »".to_string())?;
    let mut sortie = String::new();
    html::push_html(&mut sortie, evenements.into_iter());
    Ok(PageMarkdown {
        titre,
        html: sortie,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titre_et_corps() {
        let p = rendre("# Déposer une demande\n\nUn *paragraphe* et [un lien](/aide).\n\n## Étapes\n\n1. Un\n2. Deux\n").unwrap();
        assert_eq!(p.titre, "Déposer une demande");
        assert_eq!(
            p.html,
            "<p>Un <em>paragraphe</em> et <a href=\"/aide\">un lien</a>.</p>\n<h2>Étapes</h2>\n<ol>\n<li>Un</li>\n<li>Deux</li>\n</ol>\n"
        );
    }

    #[test]
    fn le_html_brut_est_du_texte() {
        let p = rendre("# T\n\n<script>alert(1)</script>\n\nUn <b>mot</b>.\n").unwrap();
        assert!(!p.html.contains("<script>"), "{}", p.html);
        assert!(
            p.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{}",
            p.html
        );
        assert!(p.html.contains("Un &lt;b&gt;mot&lt;/b&gt;."), "{}", p.html);
    }

    #[test]
    fn refus() {
        assert_eq!(
            rendre("Pas de titre\n"),
            Err("le fichier doit commencer par un titre « # … »".to_string())
        );
        assert_eq!(
            rendre("# Un\n\n# Deux\n"),
            Err("un seul titre de niveau 1 (« # … »), en tête du fichier".to_string())
        );
        assert_eq!(
            rendre("Texte\n\n# Titre\n"),
            Err("un seul titre de niveau 1 (« # … »), en tête du fichier".to_string())
        );
        assert_eq!(
            rendre("# T\n\n[x](javascript:alert(1))\n"),
            Err("lien non permis : « javascript:alert(1) »".to_string())
        );
        assert_eq!(
            rendre("# T\n\n[x](//ailleurs.example/)\n"),
            Err("lien non permis : « //ailleurs.example/ »".to_string())
        );
        assert!(rendre(
            "# T\n\n[a](https://x.example) [b](mailto:a@b.fr) [c](tel:+33100000000) [d](#ancre)\n"
        )
        .is_ok());
    }
}
