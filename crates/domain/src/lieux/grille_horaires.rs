//! Grille d'horaires (issue 16) : l'éditeur d'horaires sans JavaScript saisit, jour par jour, des
//! plages « de … à … » et dit si le lieu ferme les jours fériés. Ce module passe de la grille au
//! texte OpenStreetMap `opening_hours` (validé par le même analyseur que l'import,
//! [`Horaires::analyser`]) et, quand c'est représentable, du texte à la grille.
//!
//! Représentable : une suite de règles `jours heures` (jours `Mo`, `Mo-Fr`, `Mo,We,Fr` ; heures
//! `HH:MM-HH:MM` séparées par des virgules, ou `off`), chaque règle remplaçant les précédentes
//! pour ses jours (sens OSM), et `PH off`. Le reste (mois, semaines, lever du soleil, `24/7`,
//! commentaires…) ne l'est pas : la page n'ouvre alors que le champ brut.

use crate::horaires::Horaires;

/// Les jours de la grille : (code OSM, nom français).
pub const JOURS: [(&str, &str); 7] = [
    ("Mo", "lundi"),
    ("Tu", "mardi"),
    ("We", "mercredi"),
    ("Th", "jeudi"),
    ("Fr", "vendredi"),
    ("Sa", "samedi"),
    ("Su", "dimanche"),
];

/// Une plage d'ouverture, heures au format `HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plage {
    pub debut: String,
    pub fin: String,
}

/// Horaires d'une semaine type.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grille {
    /// Plages de chaque jour, du lundi au dimanche (vide : fermé).
    pub jours: [Vec<Plage>; 7],
    /// Fermé les jours fériés (`PH off`) ; sinon ouvert aux heures habituelles.
    pub feries_fermes: bool,
}

/// Une heure `H:MM`, `HH:MM` ou `HHhMM` ramenée à `HH:MM` (00:00 à 24:00) ; en minutes.
fn heure(texte: &str) -> Option<(String, u16)> {
    let t = texte.trim();
    let (h, m) = t.split_once(':').or_else(|| t.split_once(['h', 'H']))?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 && !m.is_empty() {
        return None;
    }
    if !h.bytes().all(|b| b.is_ascii_digit()) || !m.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = if m.is_empty() { 0 } else { m.parse().ok()? };
    if m > 59 || h > 24 || (h == 24 && m > 0) {
        return None;
    }
    Some((format!("{h:02}:{m:02}"), h * 60 + m))
}

impl Grille {
    /// La grille est-elle vide (aucune plage) ?
    pub fn vide(&self) -> bool {
        self.jours.iter().all(Vec::is_empty)
    }

    /// Le texte OSM de la grille (`None` : aucune plage, horaires non renseignés), validé par
    /// l'analyseur de l'import ; sinon les messages d'erreur, en français, jour et plage nommés.
    /// Les plages entièrement vides sont ignorées.
    pub fn en_osm(&self) -> Result<Option<String>, Vec<String>> {
        let mut erreurs = Vec::new();
        let mut jours: Vec<Vec<String>> = Vec::new();
        for (i, plages) in self.jours.iter().enumerate() {
            let nom = JOURS[i].1;
            let mut v = Vec::new();
            for (n, p) in plages.iter().enumerate() {
                if p.debut.trim().is_empty() && p.fin.trim().is_empty() {
                    continue;
                }
                let ici = format!("{nom}, plage {}", n + 1);
                let (d, f) = (heure(&p.debut), heure(&p.fin));
                match (d, f) {
                    (Some((d, dm)), Some((f, fm))) => {
                        if fm <= dm {
                            erreurs.push(format!(
                                "{ici} : l'heure de fin ({f}) doit suivre l'heure de début ({d})"
                            ));
                        } else {
                            v.push(format!("{d}-{f}"));
                        }
                    }
                    (d, f) => {
                        for (quoi, lue, saisie) in [
                            ("début", d.is_some(), &p.debut),
                            ("fin", f.is_some(), &p.fin),
                        ] {
                            if lue {
                                continue;
                            }
                            erreurs.push(if saisie.trim().is_empty() {
                                format!("{ici} : l'heure de {quoi} manque")
                            } else {
                                format!(
                                    "{ici} : l'heure de {quoi} « {} » n'est pas une heure (HH:MM)",
                                    saisie.trim()
                                )
                            });
                        }
                    }
                }
            }
            jours.push(v);
        }
        if !erreurs.is_empty() {
            return Err(erreurs);
        }
        if jours.iter().all(Vec::is_empty) {
            return Ok(None);
        }
        // Jours consécutifs aux mêmes plages regroupés : « Mo-Fr 09:00-12:00 ».
        let mut regles = Vec::new();
        let mut i = 0;
        while i < 7 {
            if jours[i].is_empty() {
                i += 1;
                continue;
            }
            let mut j = i;
            while j + 1 < 7 && jours[j + 1] == jours[i] {
                j += 1;
            }
            let j_osm = if i == j {
                JOURS[i].0.to_string()
            } else {
                format!("{}-{}", JOURS[i].0, JOURS[j].0)
            };
            regles.push(format!("{j_osm} {}", jours[i].join(",")));
            i = j + 1;
        }
        if self.feries_fermes {
            regles.push("PH off".into());
        }
        let texte = regles.join("; ");
        Horaires::analyser(&texte).map_err(|e| vec![format!("horaires : {e}")])?;
        Ok(Some(texte))
    }

    /// La grille d'un texte OSM, s'il est représentable (voir l'en-tête du module).
    pub fn depuis_osm(texte: &str) -> Option<Grille> {
        Horaires::analyser(texte).ok()?;
        let mut g = Grille::default();
        for regle in texte.split(';').map(str::trim).filter(|r| !r.is_empty()) {
            if regle == "PH off" || regle == "PH closed" {
                g.feries_fermes = true;
                continue;
            }
            let (jours, heures) = regle.split_once(char::is_whitespace)?;
            let jours = jours_osm(jours)?;
            let heures = heures.trim();
            let plages = if heures == "off" || heures == "closed" {
                Vec::new()
            } else {
                heures
                    .split(',')
                    .map(|p| {
                        let (d, f) = p.trim().split_once('-')?;
                        let ((d, dm), (f, fm)) = (heure(d)?, heure(f)?);
                        (d.len() == 5 && fm > dm).then_some(Plage { debut: d, fin: f })
                    })
                    .collect::<Option<Vec<_>>>()?
            };
            for j in jours {
                g.jours[j] = plages.clone();
            }
        }
        Some(g)
    }
}

fn jour(code: &str) -> Option<usize> {
    JOURS.iter().position(|(c, _)| *c == code)
}

/// `Mo`, `Mo-Fr`, `Mo,We,Fr-Su` → indices des jours.
fn jours_osm(texte: &str) -> Option<Vec<usize>> {
    let mut v = Vec::new();
    for morceau in texte.split(',') {
        match morceau.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (jour(a)?, jour(b)?);
                let mut k = a;
                loop {
                    v.push(k);
                    if k == b {
                        break;
                    }
                    k = (k + 1) % 7;
                }
            }
            None => v.push(jour(morceau)?),
        }
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(d: &str, f: &str) -> Plage {
        Plage {
            debut: d.into(),
            fin: f.into(),
        }
    }

    #[test]
    fn la_grille_s_ecrit_en_osm_en_regroupant_les_jours() {
        let mut g = Grille::default();
        for j in 0..5 {
            g.jours[j] = vec![p("9:00", "12:00"), p("14:00", "18h30")];
        }
        g.jours[5] = vec![p("08:30", "12:00"), p("", "")];
        g.feries_fermes = true;
        assert_eq!(
            g.en_osm().unwrap().as_deref(),
            Some("Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00; PH off")
        );
        assert_eq!(Grille::default().en_osm(), Ok(None));
    }

    #[test]
    fn une_plage_fausse_est_nommee_en_francais() {
        let mut g = Grille::default();
        g.jours[1] = vec![p("14:00", "12:00")];
        g.jours[3] = vec![p("25:00", ""), p("9:00", "10:00")];
        assert_eq!(
            g.en_osm().unwrap_err(),
            vec![
                "mardi, plage 1 : l'heure de fin (12:00) doit suivre l'heure de début (14:00)",
                "jeudi, plage 1 : l'heure de début « 25:00 » n'est pas une heure (HH:MM)",
                "jeudi, plage 1 : l'heure de fin manque",
            ]
        );
    }

    #[test]
    fn un_texte_osm_simple_se_relit_en_grille() {
        // Une règle suivante remplace les précédentes pour ses jours (sens OSM).
        let g = Grille::depuis_osm("Mo-Sa 08:00-11:00; Tu,Th 13:00-17:00; PH off").unwrap();
        assert_eq!(g.jours[0], vec![p("08:00", "11:00")]);
        assert_eq!(g.jours[1], vec![p("13:00", "17:00")]);
        assert_eq!(g.jours[5], vec![p("08:00", "11:00")]);
        assert!(g.jours[6].is_empty());
        assert!(g.feries_fermes);
        assert_eq!(
            g.en_osm().unwrap().as_deref(),
            Some("Mo 08:00-11:00; Tu 13:00-17:00; We 08:00-11:00; Th 13:00-17:00; Fr-Sa 08:00-11:00; PH off")
        );
        for brut in [
            "24/7",
            "Mo-Fr 09:00-12:00; Jan off",
            "Mo-Fr sunrise-sunset",
            "Mo-Fr 09:00-12:00 \"sur rendez-vous\"",
            "pas des horaires",
        ] {
            assert_eq!(Grille::depuis_osm(brut), None, "{brut}");
        }
    }
}
