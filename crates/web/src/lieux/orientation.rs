//! Orientation en quatre étapes, comme la cartographie nationale : besoin, localisation,
//! accessibilité, disponibilité ; une question par page, des formulaires simples (GET, sans
//! JavaScript), chaque réponse précisant la liste ; puis les résultats, triés par distance.
//!
//! Les réponses voyagent dans l'adresse (champs cachés) : rien n'est gardé côté serveur, la page
//! de résultats peut être mise en favori ou partagée.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;

use super::recherche::{
    chercher, groupes, lignes, situer, Filtres, Groupe, Ligne, Situation, JOURS, RAYONS,
};
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

const TITRES: [&str; 4] = [
    "De quoi avez-vous besoin ?",
    "Où cherchez-vous ?",
    "Avez-vous besoin d'une prise en charge particulière ?",
    "Quand souhaitez-vous y aller ?",
];

#[derive(Template)]
#[template(path = "lieux/orientation.html")]
struct PageOrientation {
    cadre: Cadre,
    etape: usize,
    titre: &'static str,
    suivante: Option<&'static str>,
    f: Filtres,
    /// Champs cachés : les réponses déjà données, hors de l'étape affichée.
    caches: Vec<(String, String)>,
    requete: String,
    precedente: Option<String>,
    services: &'static Groupe,
    prises: &'static Groupe,
    total: usize,
    lignes: Vec<Ligne>,
    localisation: Option<String>,
    ambigue: Vec<String>,
    erreur: Option<String>,
    rayons: [u32; 6],
    jours: [&'static str; 7],
    /// Pour élargir des résultats vides : (texte du lien, adresse des résultats élargis).
    propositions: Vec<(String, String)>,
    /// La carte des résultats (dernière étape, tuiles réglées).
    carte: Option<super::points::BlocCarte>,
}

/// Ce qui élargit une orientation sans résultat, en restant dans l'orientation : une distance
/// plus grande (les deux rayons suivants), chaque besoin ou prise en charge retiré, peu importe
/// le moment.
fn elargir(paires: &[(String, String)], f: &Filtres) -> Vec<(String, String)> {
    let lien = |p: Vec<(String, String)>| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.extend_pairs(&p);
        s.append_pair("etape", "5");
        format!("/orientation?{}", s.finish())
    };
    let mut v = Vec::new();
    for r in RAYONS.iter().filter(|r| **r > f.rayon).take(2) {
        let mut p: Vec<(String, String)> = paires
            .iter()
            .filter(|(k, _)| k != "rayon")
            .cloned()
            .collect();
        p.push(("rayon".into(), r.to_string()));
        v.push((format!("Chercher jusqu'à {r} km"), lien(p)));
    }
    for (i, (k, val)) in paires.iter().enumerate() {
        if k == "service" || k == "prise_en_charge" {
            let p = paires
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, x)| x.clone())
                .collect();
            v.push((format!("Retirer « {val} »"), lien(p)));
        }
    }
    let moment = ["ouvert", "jour", "heure"];
    if paires.iter().any(|(k, _)| moment.contains(&k.as_str())) {
        let p = paires
            .iter()
            .filter(|(k, _)| !moment.contains(&k.as_str()))
            .cloned()
            .collect();
        v.push(("Peu importe le moment".into(), lien(p)));
    }
    v
}

impl PageOrientation {
    fn choisi(&self, parametre: &str, valeur: &str) -> bool {
        self.f.choisi(parametre, valeur)
    }
}

/// Paramètres propres à chaque étape (ceux qu'elle pose).
fn parametres(etape: usize) -> &'static [&'static str] {
    match etape {
        1 => &["service"],
        2 => &["lieu", "rayon", "latitude", "longitude"],
        3 => &["prise_en_charge"],
        4 => &["ouvert", "jour", "heure", "quand"],
        _ => &[],
    }
}

/// Réponses lues dans l'adresse de l'orientation.
pub struct Reponses {
    /// Étape demandée (1 à 5).
    pub etape: usize,
    /// Les paires de la requête, sans l'étape ni « quand » (traduit en « ouvert », « jour »,
    /// « heure »), ni valeur vide.
    pub paires: Vec<(String, String)>,
    /// Les filtres qu'elles donnent, ou le message d'erreur.
    pub filtres: Result<Filtres, String>,
}

/// Lit la requête brute de l'orientation (pur : sans base ni état).
pub fn lire_requete(q: Option<&str>) -> Reponses {
    let brut: Vec<(String, String)> = form_urlencoded::parse(q.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let etape: usize = brut
        .iter()
        .find(|(k, _)| k == "etape")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(1)
        .clamp(1, 5);
    // « quand » (étape 4) : peu importe, maintenant, ou un jour et une heure.
    let quand: Option<String> = brut
        .iter()
        .find(|(k, _)| k == "quand")
        .map(|(_, v)| v.clone());
    let sans_etape: Vec<(String, String)> = brut
        .iter()
        .filter(|(k, v)| {
            let remplace = match quand.as_deref() {
                None => false,
                Some(q) => ((k == "jour" || k == "heure") && q != "jour") || k == "ouvert",
            };
            k != "etape" && k != "quand" && !remplace && !v.is_empty()
        })
        .cloned()
        .chain(
            (quand.as_deref() == Some("maintenant"))
                .then(|| ("ouvert".to_string(), "maintenant".to_string())),
        )
        .collect();
    let requete = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&sans_etape)
        .finish();
    Reponses {
        etape,
        filtres: Filtres::lire(Some(&requete)),
        paires: sans_etape,
    }
}

pub async fn orientation(
    State(etat): State<Etat>,
    v: Visiteur,
    RawQuery(q): RawQuery,
) -> Result<Response, ErreurWeb> {
    let Reponses {
        mut etape,
        paires: sans_etape,
        filtres,
    } = lire_requete(q.as_deref());
    let (f, mut erreur) = match filtres {
        Ok(f) => (f, None),
        Err(m) => (Filtres::lire(None).unwrap_or_default(), Some(m)),
    };
    // Une étape ne s'ouvre que si les précédentes sont répondues : le lieu doit être situé.
    if etape > 2 {
        match situer(&f) {
            Situation::Point(..) | Situation::Commune(_) => {}
            Situation::Nulle => {
                erreur = Some("Indiquez une commune ou un code postal.".into());
                etape = 2;
            }
            Situation::Ambigue(_) => etape = 2,
            Situation::Inconnue => {
                erreur = Some(format!(
                    "« {} » n'est pas une commune ou un code postal connu : vérifiez l'orthographe ou saisissez le code postal.",
                    f.lieu
                ));
                etape = 2;
            }
        }
    }
    if etape == 5 && erreur.is_some() {
        etape = 4;
    }
    let r = chercher(&etat, &f, v.portee.perimetre()).await?;
    let regroupes = r.groupes();
    let total = regroupes.len();
    let mut lignes = if etape == 5 {
        // Les fiches ramènent à ces résultats (réponses gardées).
        let retour = {
            let mut s = form_urlencoded::Serializer::new(String::new());
            s.extend_pairs(&sans_etape);
            s.append_pair("etape", "5");
            format!("/orientation?{}", s.finish())
        };
        lignes(&r, &regroupes, 1, &retour)
    } else {
        Vec::new()
    };
    super::structures::marquer_a_verifier(&etat, &r.index, &mut lignes).await?;
    let caches: Vec<(String, String)> = sans_etape
        .iter()
        .filter(|(k, _)| !parametres(etape).contains(&k.as_str()))
        .cloned()
        .collect();
    let precedente = (etape > 1).then(|| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.extend_pairs(&sans_etape);
        s.append_pair("etape", &(etape - 1).to_string());
        format!("/orientation?{}", s.finish())
    });
    let services = groupes()
        .first()
        .ok_or(ErreurWeb::Incoherence("schéma sans services".into()))?;
    let prises = groupes()
        .iter()
        .find(|g| g.parametre == "prise_en_charge")
        .ok_or(ErreurWeb::Incoherence(
            "schéma sans prises en charge".into(),
        ))?;
    let titre = if etape == 5 {
        "Les lieux qui vous correspondent"
    } else {
        TITRES[etape - 1]
    };
    let carte = if etape == 5 {
        super::points::bloc(&etat, &v.portee.prefixe(), &f.requete(), total)
    } else {
        None
    };
    let t = PageOrientation {
        carte,
        cadre: Cadre::pour(
            &v,
            if etape == 5 {
                "Orientation : résultats".to_string()
            } else {
                format!("Orientation, étape {etape} sur 4 : {titre}")
            },
        ),
        etape,
        titre,
        suivante: TITRES.get(etape).copied(),
        caches,
        requete: f.requete(),
        precedente,
        services,
        prises,
        total,
        lignes,
        localisation: r.localisation,
        ambigue: r.ambigue.iter().map(|c| c.libelle()).collect(),
        erreur: erreur.clone(),
        propositions: if etape == 5 && total == 0 {
            elargir(&sans_etape, &f)
        } else {
            Vec::new()
        },
        rayons: RAYONS,
        jours: JOURS,
        f,
    };
    page(&t, None, erreur.is_some())
}
