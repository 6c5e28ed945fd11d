//! Modifier un lieu (issue 16) : formulaire généré depuis le schéma national (chaque champ, son
//! titre, les valeurs énumérées en cases à cocher), éditeur d'horaires sans JavaScript (grille
//! jours × plages, jours fériés, champ OpenStreetMap brut pour les experts), validation de
//! l'import (mêmes messages), verrou optimiste (409 avec les deux versions).
//!
//! Réservé à un administrateur ou à un membre de la structure qui tient le lieu
//! ([`super::droits::tenue_exigee`]).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reperes_domain::horaires::Horaires;
use reperes_domain::lieux::grille_horaires::{Grille, Plage, JOURS};
use reperes_domain::lieux::import::{valider_selon, Mode};
use reperes_domain::lieux::versions::{self, Origine};
use reperes_domain::lieux::{valeur, Enregistrement, TypeChamp};
use reperes_store::{LieuCourant, ModificationLieu, ResultatModification};

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::libelles::chemin_lieu;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::droits::{tenue_exigee, Tenue};
use super::recherche::{nom_lisible_de, schema};

/// Champs non saisis : l'identifiant (clé du lieu) et les champs tenus par Repères.
const NON_SAISIS: [&str; 3] = ["id", "date_maj", "source"];

/// Nombre de plages par jour montrées au départ, et au plus.
const PLAGES_MIN: usize = 2;
const PLAGES_MAX: usize = 8;

/// Un champ du formulaire.
pub struct ChampForm {
    pub nom: String,
    pub titre: String,
    pub obligatoire: bool,
    /// `texte`, `zone` (texte long), `cases` (valeurs énumérées multiples), `liste` (une valeur).
    pub genre: &'static str,
    pub valeur: String,
    /// Valeurs permises et cochées (cases, liste).
    pub options: Vec<(String, bool)>,
    pub aide: Option<String>,
    pub erreurs: Vec<String>,
}

/// Un jour de la grille.
pub struct JourForm {
    pub index: usize,
    pub nom: &'static str,
    pub plages: Vec<Plage>,
}

/// Une ligne de la comparaison « votre saisie » / « version enregistrée entre-temps ».
pub struct Ecart {
    pub titre: String,
    pub votre: String,
    pub enregistree: String,
}

/// Ce que la personne a saisi pour les horaires.
#[derive(Clone)]
struct SaisieHoraires {
    /// Les horaires tiennent dans la grille (sinon seul le champ brut est ouvert).
    grille: bool,
    jours: [Vec<Plage>; 7],
    plages: usize,
    feries_fermes: bool,
    brut: String,
}

impl SaisieHoraires {
    /// D'après le texte enregistré.
    fn depuis(texte: Option<&str>) -> SaisieHoraires {
        let (grille, g, brut) = match texte {
            None => (true, Grille::default(), String::new()),
            Some(t) => match Grille::depuis_osm(t) {
                Some(g) => (true, g, String::new()),
                None => (false, Grille::default(), t.to_string()),
            },
        };
        let plages = g.jours.iter().map(Vec::len).max().unwrap_or(0);
        SaisieHoraires {
            grille,
            plages: plages.clamp(PLAGES_MIN, PLAGES_MAX),
            jours: g.jours,
            feries_fermes: g.feries_fermes,
            brut,
        }
    }

    /// Le texte OSM retenu (`None` : non renseignés) ou les messages d'erreur, et si le champ
    /// brut a primé sur la grille.
    fn texte(&self) -> (Result<Option<String>, Vec<String>>, bool) {
        let brut = self.brut.trim();
        let valider_brut = || match Horaires::analyser(brut) {
            Ok(_) => Ok(Some(brut.to_string())),
            Err(e) => Err(vec![format!("horaires : {e}")]),
        };
        if !self.grille {
            return if brut.is_empty() {
                (Ok(None), false)
            } else {
                (valider_brut(), false)
            };
        }
        let g = Grille {
            jours: self.jours.clone(),
            feries_fermes: self.feries_fermes,
        }
        .en_osm();
        if !brut.is_empty() && g.as_ref().ok().and_then(|t| t.as_deref()) != Some(brut) {
            return (valider_brut(), true);
        }
        (g, false)
    }
}

#[derive(Template)]
#[template(path = "lieux/modifier.html")]
struct PageModifier {
    cadre: Cadre,
    nom: String,
    chemin: String,
    id: String,
    version_lue: i64,
    date_maj: String,
    source_donnee: String,
    champs: Vec<ChampForm>,
    horaires_grille: bool,
    jours: Vec<JourForm>,
    plages: usize,
    feries_fermes: bool,
    horaires_brut: String,
    erreurs_horaires: Vec<String>,
    brut_prime: bool,
    /// Résumé des erreurs : (ancre, message).
    resume: Vec<(String, String)>,
    /// Verrou optimiste : les deux versions, champ par champ.
    ecarts: Option<Vec<Ecart>>,
}

fn titre_du(nom: &str) -> String {
    schema()
        .champ(nom)
        .and_then(|c| c.titre.clone())
        .unwrap_or_else(|| nom.to_string())
}

/// Le formulaire d'un état du lieu, avec la saisie des horaires et les erreurs par champ.
fn vue(
    v: &Visiteur,
    lieu: &LieuCourant,
    e: &Enregistrement,
    h: &SaisieHoraires,
    problemes: &[(String, String)],
    erreurs_horaires: Vec<String>,
    brut_prime: bool,
) -> PageModifier {
    let texte = |k: &str| valeur(e, k).unwrap_or_default();
    let nom = nom_lisible_de(&texte("nom"), &texte("commune"), &texte("code_postal"));
    let champs = schema()
        .champs
        .iter()
        .filter(|c| !NON_SAISIS.contains(&c.nom.as_str()))
        .map(|c| {
            let val = texte(&c.nom);
            let enumerees = c.valeurs_enumerees();
            let (genre, options) = if !enumerees.is_empty() {
                let choisies: Vec<&str> = val.split('|').collect();
                (
                    "cases",
                    enumerees
                        .into_iter()
                        .map(|o| {
                            let coche = choisies.contains(&o.as_str());
                            (o, coche)
                        })
                        .collect(),
                )
            } else if let Some(vs) = &c.valeurs {
                ("liste", vs.iter().map(|o| (o.clone(), *o == val)).collect())
            } else if c.longueur_max.is_some_and(|m| m > 300) || c.nom == "presentation_detail" {
                ("zone", Vec::new())
            } else {
                ("texte", Vec::new())
            };
            let aide = match (c.type_champ, c.longueur_max) {
                (_, Some(m)) => Some(format!("{m} caractères au plus.")),
                (TypeChamp::Nombre, _) => Some("Nombre décimal, avec un point.".into()),
                (TypeChamp::Date, _) => Some("Date au format AAAA-MM-JJ.".into()),
                _ if genre == "texte" && c.motif.is_some() && c.nom != "horaires" => {
                    Some("Plusieurs valeurs : séparez-les par « | ».".into())
                        .filter(|_| c.nom == "courriels" || c.nom == "site_web")
                }
                _ => None,
            };
            ChampForm {
                nom: c.nom.clone(),
                titre: c.titre.clone().unwrap_or_else(|| c.nom.clone()),
                obligatoire: c.obligatoire,
                genre,
                valeur: val,
                options,
                aide,
                erreurs: problemes
                    .iter()
                    .filter(|(ch, _)| *ch == c.nom)
                    .map(|(_, m)| m.clone())
                    .collect(),
            }
        })
        .collect();
    let mut resume: Vec<(String, String)> = problemes
        .iter()
        .map(|(ch, m)| {
            let ancre = if ch == "horaires" {
                "horaires".to_string()
            } else {
                format!("champ-{ch}")
            };
            (ancre, m.clone())
        })
        .collect();
    resume.extend(
        erreurs_horaires
            .iter()
            .map(|m| ("horaires".to_string(), m.clone())),
    );
    let jours = JOURS
        .iter()
        .enumerate()
        .map(|(i, (_, nom))| {
            let mut plages = h.jours[i].clone();
            plages.resize(h.plages.max(plages.len()), Plage::default());
            JourForm {
                index: i,
                nom,
                plages,
            }
        })
        .collect();
    PageModifier {
        cadre: Cadre::pour(v, format!("Modifier le lieu {nom}")),
        chemin: chemin_lieu(&lieu.source, &lieu.id),
        id: lieu.id.clone(),
        version_lue: lieu.version,
        date_maj: texte("date_maj"),
        source_donnee: texte("source"),
        nom,
        champs,
        horaires_grille: h.grille,
        jours,
        plages: h.plages,
        feries_fermes: h.feries_fermes,
        horaires_brut: h.brut.clone(),
        erreurs_horaires,
        brut_prime,
        resume,
        ecarts: None,
    }
}

async fn lieu_et_tenue(
    etat: &Etat,
    v: &Visiteur,
    source: &str,
    id: &str,
) -> Result<(Tenue, LieuCourant), ErreurWeb> {
    let tenue = tenue_exigee(etat, v, source, id).await?;
    let lieu = etat
        .store
        .lieu_courant(source, id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    Ok((tenue, lieu))
}

/// `GET /lieux/{source}/{id}/modifier`.
pub async fn modifier(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((source, id)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    let (_, lieu) = lieu_et_tenue(&etat, &v, &source, &id).await?;
    let h = SaisieHoraires::depuis(valeur(&lieu.donnees, "horaires").as_deref());
    page(
        &vue(&v, &lieu, &lieu.donnees, &h, &[], Vec::new(), false),
        None,
        false,
    )
}

/// La saisie du formulaire : le lieu tel que la personne le veut, et ses horaires.
fn lire_saisie(
    courant: &Enregistrement,
    champs: &[(String, String)],
) -> (Enregistrement, SaisieHoraires) {
    let un = |k: &str| {
        champs
            .iter()
            .find(|(c, _)| c == k)
            .map(|(_, x)| x.trim().to_string())
            .unwrap_or_default()
    };
    let mut e = courant.clone();
    for c in &schema().champs {
        if NON_SAISIS.contains(&c.nom.as_str()) || c.nom == "horaires" {
            continue;
        }
        let enumerees = c.valeurs_enumerees();
        let saisi = if enumerees.is_empty() {
            un(&c.nom)
        } else {
            // Une case cochée envoie le rang de sa valeur (page plus légère) ; une valeur en
            // toutes lettres est aussi reçue (et validée comme à l'import).
            champs
                .iter()
                .filter(|(k, x)| *k == c.nom && !x.trim().is_empty())
                .map(|(_, x)| {
                    x.trim()
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| enumerees.get(i))
                        .map_or(x.trim(), String::as_str)
                })
                .collect::<Vec<_>>()
                .join("|")
        };
        // Une valeur inchangée garde sa forme d'origine (nombre JSON compris).
        if valeur(courant, &c.nom).unwrap_or_default() != saisi {
            versions::poser(
                &mut e,
                &c.nom,
                Some(saisi.as_str()).filter(|s| !s.is_empty()),
            );
        }
    }
    let plages = un("plages")
        .parse::<usize>()
        .unwrap_or(PLAGES_MIN)
        .clamp(1, PLAGES_MAX);
    let mut jours: [Vec<Plage>; 7] = Default::default();
    for (j, plages_du_jour) in jours.iter_mut().enumerate() {
        for n in 0..plages {
            plages_du_jour.push(Plage {
                debut: un(&format!("h{j}_{n}_debut")),
                fin: un(&format!("h{j}_{n}_fin")),
            });
        }
    }
    let h = SaisieHoraires {
        grille: un("grille") == "1",
        jours,
        plages,
        feries_fermes: un("feries") == "fermes",
        brut: un("horaires_brut"),
    };
    (e, h)
}

/// `POST /lieux/{source}/{id}/modifier`.
pub async fn enregistrer(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((source, id)): Path<(String, String)>,
    axum::Form(champs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    let (tenue, lieu) = lieu_et_tenue(&etat, &v, &source, &id).await?;
    v.verifier_csrf_champs(&champs)?;
    let version_lue: i64 = champs
        .iter()
        .find(|(k, _)| k == "version_lue")
        .and_then(|(_, x)| x.trim().parse().ok())
        .ok_or_else(|| ErreurWeb::Requete("version lue absente".into()))?;
    let (mut saisie, mut h) = lire_saisie(&lieu.donnees, &champs);
    // La version lue est celle du formulaire, pas la courante : c'est elle que le verrou compare.
    let lu = LieuCourant {
        version: version_lue,
        ..lieu.clone()
    };
    // « Ajouter une plage » : le formulaire revient, une plage de plus par jour, rien n'est
    // enregistré ni vérifié.
    if champs
        .iter()
        .any(|(k, x)| k == "action" && x == "ajouter_plage")
    {
        h.plages = (h.plages + 1).min(PLAGES_MAX);
        return page(
            &vue(&v, &lu, &saisie, &h, &[], Vec::new(), false),
            None,
            false,
        );
    }
    let (horaires, brut_prime) = h.texte();
    let erreurs_horaires = match horaires {
        Ok(t) => {
            if valeur(&lieu.donnees, "horaires") != t {
                versions::poser(&mut saisie, "horaires", t.as_deref());
            }
            Vec::new()
        }
        Err(m) => m,
    };
    // La validation de l'import, en mode strict : le lieu reste publiable au schéma v1.0.2.
    let (_, problemes) = valider_selon(
        schema(),
        Mode::Strict,
        vec![saisie.clone()],
        &mut |_, _, _| {},
    );
    let problemes: Vec<(String, String)> = problemes
        .into_iter()
        .map(|p| (p.champ, p.message))
        .collect();
    if !problemes.is_empty() || !erreurs_horaires.is_empty() {
        return page(
            &vue(
                &v,
                &lu,
                &saisie,
                &h,
                &problemes,
                erreurs_horaires,
                brut_prime,
            ),
            None,
            true,
        );
    }
    let origine = match tenue {
        Tenue::Administrateur(_) => Origine::Administration,
        Tenue::Structure(..) => Origine::Structure,
    };
    let r = etat
        .store
        .modifier_lieu(
            tenue.acteur(),
            ModificationLieu {
                source: &source,
                id: &id,
                version_lue,
                nouveau: saisie.clone(),
                origine,
                detail: None,
                organisation_id: tenue.organisation_id(),
            },
        )
        .await?;
    match r {
        ResultatModification::Enregistree { .. } | ResultatModification::RienAChanger => {
            // Modifié par cette instance : la fiche et les données ouvertes le montrent aussitôt
            // (les autres instances suivent la version des lieux).
            if matches!(r, ResultatModification::Enregistree { .. }) {
                etat.carte.reconstruire(&etat.store).await?;
            }
            Ok(Redirect::to(&chemin_lieu(&source, &id)).into_response())
        }
        ResultatModification::VersionDepassee { .. } => {
            // Quelqu'un a enregistré entre-temps : les deux versions, et le formulaire prérempli
            // de la saisie pour réessayer sur la nouvelle version. Rien n'est perdu.
            let actuel = etat
                .store
                .lieu_courant(&source, &id)
                .await?
                .ok_or(ErreurWeb::Introuvable)?;
            let ecarts = versions::differences(&actuel.donnees, &saisie)
                .into_iter()
                .filter(|c| !versions::CHAMPS_DERIVES.contains(&c.champ.as_str()))
                .map(|c| Ecart {
                    titre: titre_du(&c.champ),
                    votre: c.apres.unwrap_or_else(|| "(vide)".into()),
                    enregistree: c.avant.unwrap_or_else(|| "(vide)".into()),
                })
                .collect();
            let mut p = vue(&v, &actuel, &saisie, &h, &[], Vec::new(), brut_prime);
            p.ecarts = Some(ecarts);
            let mut rep = page(&p, None, false)?;
            *rep.status_mut() = StatusCode::CONFLICT;
            Ok(rep)
        }
    }
}
