//! Revue des doublons probables (issue 16, administrateurs) : liste paginée des paires
//! (`/administration/lieux/doublons`, filtrable par source), page d'une paire
//! (`/administration/lieux/doublons/{a}/{b}`, clés `source/id` encodées) avec les deux fiches
//! champ par champ, différences marquées, et deux décisions : garder séparés (paire écartée) ou
//! fusionner (une valeur choisie pour chaque champ qui diffère, préremplie avec la fiche la plus
//! récente). La fiche d'un lieu absorbé redirige vers le lieu gardé ([`vers_lieu_garde`]).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use reperes_domain::lieux::doublons::{doublons_probables, Doublon};
use reperes_domain::lieux::index::IndexLieux;
use reperes_domain::lieux::versions::{self, CHAMPS_DERIVES};
use reperes_domain::lieux::{schema_national_statique, valeur, valider, Enregistrement};
use reperes_store::{FusionLieux, LieuCourant, ResultatFusion};
use serde::Deserialize;

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::libelles::chemin_lieu;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

/// Paires par page de la liste.
const PAR_PAGE: usize = 20;

/// Chemin de la page d'une paire (clés `source/id`, chacune encodée en un segment).
pub fn chemin_paire(a: &str, b: &str) -> String {
    let enc = |s: &str| -> String {
        form_urlencoded::byte_serialize(s.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    format!("/administration/lieux/doublons/{}/{}", enc(a), enc(b))
}

fn separer(cle: &str) -> Result<(&str, &str), ErreurWeb> {
    cle.split_once('/')
        .filter(|(s, i)| !s.is_empty() && !i.is_empty())
        .ok_or(ErreurWeb::Introuvable)
}

/// Une paire de la liste.
pub struct LignePaire {
    pub motif: String,
    pub distance: String,
    pub a: (String, String),
    pub b: (String, String),
    pub chemin: String,
}

#[derive(Template)]
#[template(path = "lieux/doublons.html")]
struct PageListe {
    cadre: Cadre,
    source: String,
    total: usize,
    paires: Vec<LignePaire>,
    page: usize,
    pages: usize,
    base: String,
}

#[derive(Deserialize)]
pub struct FiltreListe {
    #[serde(default)]
    page: Option<usize>,
    #[serde(default)]
    source: Option<String>,
}

/// Les doublons probables à examiner : ceux de l'index (lieux masqués exclus), hors paires
/// reconnues distinctes. Partagé avec la page d'import.
pub(super) async fn a_examiner(
    etat: &Etat,
) -> Result<(std::sync::Arc<IndexLieux>, Vec<Doublon>), ErreurWeb> {
    let index = etat.carte.index(&etat.store).await?;
    let distincts = etat.store.lieux_distincts().await?;
    let cle = |r: usize| {
        let l = index.lieu(r);
        format!("{}/{}", l.source, l.id)
    };
    let paires = doublons_probables(&index)
        .into_iter()
        .filter(|d| {
            let (a, b) = (cle(d.a), cle(d.b));
            let c = if a <= b { (a, b) } else { (b, a) };
            !distincts.contains(&c)
        })
        .collect();
    Ok((index, paires))
}

/// `GET /administration/lieux/doublons` : les paires à examiner (hors paires écartées et lieux
/// masqués), 20 par page ; `?source=` garde celles dont un lieu vient de cette source.
pub async fn liste(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(f): Query<FiltreListe>,
) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let source = f.source.unwrap_or_default().trim().to_string();
    let (index, toutes) = a_examiner(&etat).await?;
    let cle = |r: usize| {
        let l = index.lieu(r);
        format!("{}/{}", l.source, l.id)
    };
    let toutes: Vec<_> = toutes
        .into_iter()
        .filter(|d| {
            source.is_empty()
                || *index.lieu(d.a).source == *source
                || *index.lieu(d.b).source == *source
        })
        .collect();
    let pages = toutes.len().div_ceil(PAR_PAGE).max(1);
    let numero = f.page.unwrap_or(1).clamp(1, pages);
    let decrire = |r: usize| {
        let l = index.lieu(r);
        (
            format!("{} — {}, {} {}", l.nom, l.adresse, l.code_postal, l.commune),
            cle(r),
        )
    };
    let paires = toutes
        .iter()
        .skip((numero - 1) * PAR_PAGE)
        .take(PAR_PAGE)
        .map(|d| LignePaire {
            motif: d.motif.clone(),
            distance: d
                .distance_m
                .map(|m| format!("{m:.0} m"))
                .unwrap_or_else(|| "position inconnue".into()),
            a: decrire(d.a),
            b: decrire(d.b),
            chemin: chemin_paire(&cle(d.a), &cle(d.b)),
        })
        .collect();
    let base = if source.is_empty() {
        "/administration/lieux/doublons?".to_string()
    } else {
        let s: String = form_urlencoded::byte_serialize(source.as_bytes()).collect();
        format!("/administration/lieux/doublons?source={s}&")
    };
    let titre = if pages > 1 {
        format!("Doublons probables, page {numero} sur {pages}")
    } else {
        "Doublons probables".to_string()
    };
    page(
        &PageListe {
            cadre: Cadre::pour(&v, titre),
            source,
            total: toutes.len(),
            paires,
            page: numero,
            pages,
            base,
        },
        None,
        false,
    )
}

/// Une ligne de la comparaison champ par champ.
pub struct LigneChamp {
    pub nom: String,
    pub titre: String,
    pub a: String,
    pub b: String,
    pub differe: bool,
    /// Une valeur est à choisir (le champ diffère et n'est ni l'identifiant ni un champ tenu
    /// par Repères).
    pub a_choisir: bool,
    /// Valeur préremplie : `a` ou `b`.
    pub choix: String,
}

#[derive(Template)]
#[template(path = "lieux/doublon.html")]
struct PagePaire {
    cadre: Cadre,
    action: String,
    a: String,
    b: String,
    version_a: i64,
    version_b: i64,
    date_a: String,
    date_b: String,
    chemin_a: String,
    chemin_b: String,
    garder: String,
    champs: Vec<LigneChamp>,
    differences: usize,
    erreurs: Vec<String>,
}

async fn lire_paire(
    etat: &Etat,
    a: &str,
    b: &str,
) -> Result<(LieuCourant, LieuCourant), ErreurWeb> {
    if a == b {
        return Err(ErreurWeb::Introuvable);
    }
    let ((sa, ia), (sb, ib)) = (separer(a)?, separer(b)?);
    let la = etat.store.lieu_courant(sa, ia).await?;
    let lb = etat.store.lieu_courant(sb, ib).await?;
    match (la, lb) {
        (Some(la), Some(lb)) if la.masque.is_none() && lb.masque.is_none() => Ok((la, lb)),
        _ => Err(ErreurWeb::Introuvable),
    }
}

/// Les champs des deux fiches, dans l'ordre du schéma (puis les autres, par nom).
fn comparer(
    la: &Enregistrement,
    lb: &Enregistrement,
    plus_recente: &str,
    choix: &dyn Fn(&str) -> Option<String>,
) -> Vec<LigneChamp> {
    let schema = schema_national_statique();
    let mut noms: Vec<(String, String)> = schema
        .champs
        .iter()
        .map(|c| {
            (
                c.nom.clone(),
                c.titre.clone().unwrap_or_else(|| c.nom.clone()),
            )
        })
        .collect();
    let mut autres: Vec<&String> = la
        .keys()
        .chain(lb.keys())
        .filter(|k| !schema.champs.iter().any(|c| &c.nom == *k))
        .collect();
    autres.sort();
    autres.dedup();
    noms.extend(autres.into_iter().map(|k| (k.clone(), k.clone())));
    noms.into_iter()
        .filter_map(|(nom, titre)| {
            let (a, b) = (valeur(la, &nom), valeur(lb, &nom));
            if a.is_none() && b.is_none() {
                return None;
            }
            let differe = a != b;
            let a_choisir = differe && nom != "id" && !CHAMPS_DERIVES.contains(&nom.as_str());
            let choix = choix(&nom)
                .filter(|c| c == "a" || c == "b")
                .unwrap_or_else(|| plus_recente.to_string());
            Some(LigneChamp {
                titre,
                a: a.unwrap_or_default(),
                b: b.unwrap_or_default(),
                differe,
                a_choisir,
                choix,
                nom,
            })
        })
        .collect()
}

fn rendre_paire(
    v: &Visiteur,
    a: &str,
    b: &str,
    la: &LieuCourant,
    lb: &LieuCourant,
    champs_postes: Option<&[(String, String)]>,
    erreurs: Vec<String>,
) -> Result<Response, ErreurWeb> {
    let date = |l: &LieuCourant| valeur(&l.donnees, "date_maj").unwrap_or_default();
    let (date_a, date_b) = (date(la), date(lb));
    // La plus récente d'après la date de mise à jour ; à égalité, la première.
    let plus_recente = if date_b > date_a { "b" } else { "a" };
    let poste = |k: &str| -> Option<String> {
        champs_postes?
            .iter()
            .find(|(c, _)| c == k)
            .map(|(_, x)| x.clone())
    };
    let champs = comparer(&la.donnees, &lb.donnees, plus_recente, &|nom| {
        poste(&format!("champ.{nom}"))
    });
    let garder = poste("garder")
        .filter(|g| g == "a" || g == "b")
        .unwrap_or_else(|| "a".into());
    let en_erreur = !erreurs.is_empty();
    page(
        &PagePaire {
            cadre: Cadre::pour(v, format!("Doublon probable : {a} et {b}")),
            action: chemin_paire(a, b),
            a: a.to_string(),
            b: b.to_string(),
            version_a: la.version,
            version_b: lb.version,
            date_a,
            date_b,
            chemin_a: chemin_lieu(&la.source, &la.id),
            chemin_b: chemin_lieu(&lb.source, &lb.id),
            garder,
            differences: champs.iter().filter(|c| c.differe).count(),
            champs,
            erreurs,
        },
        None,
        en_erreur,
    )
}

/// `GET /administration/lieux/doublons/{a}/{b}` : les deux fiches côte à côte.
pub async fn paire(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((a, b)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let (la, lb) = lire_paire(&etat, &a, &b).await?;
    rendre_paire(&v, &a, &b, &la, &lb, None, Vec::new())
}

/// `POST /administration/lieux/doublons/{a}/{b}` : `decision=distincts` (garder séparés) ou
/// `decision=fusionner` (`garder=a|b`, `champ.NOM=a|b` pour chaque champ qui diffère,
/// `version_a`, `version_b` lues).
pub async fn decider(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((a, b)): Path<(String, String)>,
    axum::Form(champs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    let (u, _) = v.administrateur()?;
    v.verifier_csrf_champs(&champs)?;
    let acteur = crate::commun::acces::acteur(u);
    let champ = |k: &str| {
        champs
            .iter()
            .find(|(c, _)| c == k)
            .map(|(_, x)| x.trim().to_string())
            .unwrap_or_default()
    };
    let (la, lb) = lire_paire(&etat, &a, &b).await?;
    match champ("decision").as_str() {
        "distincts" => {
            etat.store.declarer_distincts(&acteur, &a, &b).await?;
            Ok(Redirect::to("/administration/lieux/doublons").into_response())
        }
        "fusionner" => {
            let lues = (
                champ("version_a").parse::<i64>().ok(),
                champ("version_b").parse::<i64>().ok(),
            );
            if lues != (Some(la.version), Some(lb.version)) {
                return rendre_paire(&v, &a, &b, &la, &lb, None, vec![depassee()]);
            }
            let garder_b = match champ("garder").as_str() {
                "a" => false,
                "b" => true,
                _ => {
                    return rendre_paire(
                        &v,
                        &a,
                        &b,
                        &la,
                        &lb,
                        Some(&champs),
                        vec!["Choisissez la fiche gardée.".into()],
                    )
                }
            };
            let mut erreurs = Vec::new();
            let (garde, absorbe) = if garder_b { (&lb, &la) } else { (&la, &lb) };
            let mut nouveau = garde.donnees.clone();
            let mut choisis = Vec::new();
            for c in comparer(&la.donnees, &lb.donnees, "a", &|_| None)
                .into_iter()
                .filter(|c| c.a_choisir)
            {
                let pris = match champ(&format!("champ.{}", c.nom)).as_str() {
                    "a" => &la,
                    "b" => &lb,
                    _ => {
                        erreurs.push(format!("Choisissez une valeur pour « {} ».", c.titre));
                        continue;
                    }
                };
                if std::ptr::eq(pris, absorbe) {
                    versions::poser(
                        &mut nouveau,
                        &c.nom,
                        valeur(&absorbe.donnees, &c.nom).as_deref(),
                    );
                }
                choisis.push(c.nom);
            }
            if erreurs.is_empty() {
                // Les mêmes règles et messages que l'import (schéma national, mode strict).
                erreurs = valider(schema_national_statique(), 1, &nouveau)
                    .into_iter()
                    .map(|p| format!("{} : {}", p.champ, p.message))
                    .collect();
            }
            if !erreurs.is_empty() {
                return rendre_paire(&v, &a, &b, &la, &lb, Some(&champs), erreurs);
            }
            let r = etat
                .store
                .fusionner_lieux(
                    &acteur,
                    FusionLieux {
                        garde: (&garde.source, &garde.id),
                        version_garde: garde.version,
                        absorbe: (&absorbe.source, &absorbe.id),
                        version_absorbe: absorbe.version,
                        nouveau,
                        champs_choisis: choisis,
                    },
                )
                .await?;
            match r {
                ResultatFusion::Fusionnee { .. } => {
                    // L'index est reconstruit avant la redirection : la fiche montre la fusion.
                    etat.carte.reconstruire(&etat.store).await?;
                    Ok(Redirect::to(&chemin_lieu(&garde.source, &garde.id)).into_response())
                }
                ResultatFusion::VersionDepassee => {
                    let (la, lb) = lire_paire(&etat, &a, &b).await?;
                    rendre_paire(&v, &a, &b, &la, &lb, None, vec![depassee()])
                }
            }
        }
        _ => Err(ErreurWeb::Requete(
            "décision inconnue : « distincts » ou « fusionner »".into(),
        )),
    }
}

fn depassee() -> String {
    "L'une des deux fiches a changé depuis votre lecture : rien n'a été fusionné. Voici les fiches à jour ; refaites vos choix.".into()
}

/// La fiche d'un lieu absorbé par une fusion : redirection permanente (301) vers le lieu
/// gardé ; « introuvable » pour un lieu inconnu.
pub async fn vers_lieu_garde(
    etat: &Etat,
    source: &str,
    id: &str,
    requete: Option<&str>,
    prefixe: &str,
) -> Result<Response, ErreurWeb> {
    let alias = etat
        .store
        .alias_lieu(source, id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    // `prefixe` : `""` au national, `/t/charente` dans une version locale (issue 17).
    let mut cible = format!(
        "{prefixe}{}",
        chemin_lieu(&alias.garde_source, &alias.garde_id)
    );
    if let Some(q) = requete.filter(|q| !q.is_empty()) {
        cible.push('?');
        cible.push_str(q);
    }
    Ok((StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, cible)]).into_response())
}
