//! Fiche publique d'un lieu : informations au schéma national, horaires, dispositifs labellisés qui
//! y sont utilisés ; liaison d'un dispositif à un lieu.

use askama::Template;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use reperes_domain::horaires::Horaires;
use reperes_domain::lieux::index::{Autour, Criteres, IndexLieux, Trouve};
use reperes_domain::lieux::{lisible, valeur};

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::libelles::chemin_lieu;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::recherche::{distance_lisible, liste, nom_affiche, nom_lisible_de, schema};

/// Adresse http(s) : seules ces valeurs deviennent des liens sur la fiche.
fn est_adresse_web(u: &str) -> bool {
    let u = u.to_ascii_lowercase();
    u.starts_with("https://") || u.starts_with("http://")
}

/// Un champ de la fiche.
pub struct ChampFiche {
    pub titre: String,
    pub valeurs: Vec<String>,
    pub lien: bool,
}

/// Le bloc « Contacter ce lieu », en haut de la fiche.
pub struct Contact {
    /// (numéro affiché, cible `tel:`) ; le numéro illisible est montré sans lien.
    pub telephone: Option<(String, Option<String>)>,
    pub courriels: Vec<String>,
    /// (adresse, texte du lien : le nom de domaine).
    pub sites: Vec<(String, String)>,
    pub prise_rdv: Option<String>,
    /// « Gratuit », « Payant »…
    pub frais: Option<String>,
    /// (lien OpenStreetMap, lien `geo:`) d'après les coordonnées.
    pub itineraire: Option<(String, String)>,
}

impl Contact {
    /// Le lieu ne donne aucun moyen de le joindre.
    fn vide(&self) -> bool {
        self.telephone.is_none()
            && self.courriels.is_empty()
            && self.sites.is_empty()
            && self.prise_rdv.is_none()
    }
}

/// Une ligne nationale proposée quand le lieu ne dit ni quand ni comment le joindre.
pub struct LigneAffichee {
    pub nom: String,
    pub affiche: String,
    pub lien: String,
    pub description: String,
    pub horaires: Vec<String>,
    pub cout: String,
}

/// Un dispositif labellisé déclaré par le lieu.
pub struct LienDispositif {
    /// Chemin de sa page au registre (relatif à la portée, ou national si `national`).
    pub chemin: String,
    pub nom: String,
    pub id: String,
    /// Version locale, porteur hors du périmètre : lien vers le registre national (nouvel
    /// onglet annoncé).
    pub national: bool,
}

/// La France services connue la plus proche : (chemin, nom, distance lisible, téléphone).
pub struct Proche {
    pub chemin: String,
    pub nom: String,
    pub distance: String,
    pub telephone: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "lieux/fiche.html")]
struct PageLieu {
    cadre: Cadre,
    nom: String,
    source: String,
    adresse: String,
    horaires: Vec<String>,
    ouvert: Option<bool>,
    contact: Contact,
    services: Vec<String>,
    acces_libre: Option<String>,
    date_maj: String,
    importe_le: String,
    champs: Vec<ChampFiche>,
    techniques: Vec<(String, String)>,
    /// Ni horaires ni contact : que faire à la place.
    sans_nouvelles: bool,
    france_services: Option<Proche>,
    lignes_nationales: Vec<LigneAffichee>,
    dispositifs: Vec<LienDispositif>,
    liables: Vec<(String, String)>,
    chemin: String,
    /// Fil d'Ariane : (libellé, adresse) avant le nom du lieu.
    ariane: Vec<(String, String)>,
    /// La personne peut modifier ce lieu (administrateur, membre de la structure qui le tient).
    modifiable: bool,
    /// Structure qui tient le lieu, fraîcheur, revendication (issue 16).
    structure: super::structures::BlocFiche,
    /// Conflits en attente avec la source, montrés à qui tient le lieu (issue 16).
    conflits_a_examiner: usize,
}

impl PageLieu {
    fn peut_retirer(&self, dispositif: &str) -> bool {
        self.liables.iter().any(|(d, _)| d == dispositif)
    }
}

/// L'adresse de la liste d'où l'on vient (`?retour=`), si c'est bien une page de résultats du
/// site : la recherche des lieux ou l'orientation. Rien d'autre n'est suivi.
fn retour(requete: Option<&str>) -> Option<String> {
    let r = form_urlencoded::parse(requete.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "retour")
        .map(|(_, v)| v.into_owned())?;
    let (chemin, q) = r.split_once('?').unwrap_or((r.as_str(), ""));
    if chemin != "/lieux" && chemin != "/orientation" {
        return None;
    }
    // La requête est relue puis réécrite : rien d'autre que des paires clé=valeur.
    let paires: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes()).into_owned().collect();
    let q = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&paires)
        .finish();
    Some(if q.is_empty() {
        chemin.to_string()
    } else {
        format!("{chemin}?{q}")
    })
}

/// « 2024-04-02 » (ou un horodatage qui commence ainsi) → « 02/04/2024 » ; tel quel sinon.
fn jour_lisible(iso: &str) -> String {
    iso.get(..10)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(crate::commun::dates::jour)
        .unwrap_or_else(|| iso.to_string())
}

/// Mots simples pour les codes de typologie (vocabulaire data·inclusion des structures).
fn typologie_en_mots(code: &str) -> String {
    let mots = match code.trim() {
        "ASSO" => "Association",
        "BIB" => "Bibliothèque, médiathèque",
        "CAF" => "Caisse d'allocations familiales",
        "CAP_EMPLOI" => "Cap emploi",
        "CC" => "Communauté de communes",
        "CA" => "Communauté d'agglomération",
        "CCAS" => "Centre communal d'action sociale",
        "CIAS" => "Centre intercommunal d'action sociale",
        "CCONS" => "Chambre consulaire",
        "CD" => "Conseil départemental",
        "CS" => "Centre social",
        "EPCI" => "Intercommunalité",
        "MJC" => "Maison des jeunes et de la culture",
        "ML" => "Mission locale",
        "MUNI" => "Mairie, commune",
        "PE" | "FT" => "France Travail (Pôle emploi)",
        "PIJ_BIJ" => "Point ou bureau information jeunesse",
        "RFS" => "Réseau France services",
        "TIERS_LIEUX" => "Tiers-lieu",
        "MDS" => "Maison départementale des solidarités",
        "REG" => "Région",
        autre => return format!("Autre (code {autre})"),
    };
    mots.to_string()
}

pub async fn fiche(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((source, id)): Path<(String, String)>,
    RawQuery(requete): RawQuery,
) -> Result<Response, ErreurWeb> {
    // Le lieu et ses données complètes viennent de l'index en mémoire (ADR 0006) : aucune lecture
    // en base pour l'afficher.
    let index = etat.carte.index(&etat.store).await?;
    // Un lieu hors de l'index (issue 16) : absorbé par une fusion (sa fiche mène au lieu gardé),
    // fermé définitivement (une page le dit), ou inconnu (404).
    let Some(rang) = index.rang(&source, &id) else {
        if let Some(alias) = etat.store.alias_lieu(&source, &id).await? {
            // Dans une version locale (issue 17), le lieu gardé doit être dans le périmètre.
            if v.portee.est_locale()
                && !index
                    .rang(&alias.garde_source, &alias.garde_id)
                    .is_some_and(|r| v.portee.contient(index.situation(r)))
            {
                return Err(ErreurWeb::Introuvable);
            }
            return super::doublons::vers_lieu_garde(
                &etat,
                &source,
                &id,
                requete.as_deref(),
                &v.portee.prefixe(),
            )
            .await;
        }
        return super::signalements::fiche_fermee(&etat, &v, &source, &id).await;
    };
    // Version locale (issue 17) : un lieu hors de son périmètre n'y existe pas.
    if !v.portee.contient(index.situation(rang)) {
        return Err(ErreurWeb::Introuvable);
    }
    let locale = v.portee.est_locale();
    let e = index.enregistrement(rang);
    let importe_le = index.importe_le(rang).to_string();
    let texte = |k: &str| valeur(&e, k).unwrap_or_default();
    let nom = nom_lisible_de(&texte("nom"), &texte("commune"), &texte("code_postal"));
    // Titre de page unique : nom et commune, et l'identifiant si un autre lieu a les mêmes.
    let ce_lieu = index.lieu(rang);
    let homonymes = index
        .lieux()
        .iter()
        // Code postal et commune sont internés par l'index (un même `Arc` par valeur) : la
        // comparaison des pointeurs écarte presque tous les lieux sans lire leur texte.
        .filter(|l| {
            Arc::ptr_eq(&l.code_postal, &ce_lieu.code_postal)
                && Arc::ptr_eq(&l.commune, &ce_lieu.commune)
                && l.nom == ce_lieu.nom
        })
        .count();
    let mut titre = format!("{}, {} {}", nom, texte("code_postal"), texte("commune"));
    if homonymes > 1 {
        titre = format!("{titre} (fiche {source}/{id})");
    }
    // Horaires déjà analysés par l'index (une fois par valeur distincte).
    let (horaires, ouvert) = match valeur(&e, "horaires") {
        None => (Vec::new(), None),
        Some(h) => match index.horaires(rang) {
            Some(a) => {
                let tz: chrono_tz::Tz =
                    reperes_domain::horaires::fuseau_horaire(&texte("code_postal"))
                        .parse()
                        .unwrap_or(chrono_tz::Europe::Paris);
                let ouvert = a.est_ouvert(Utc::now().with_timezone(&tz).naive_local());
                (a.en_mots(), Some(ouvert))
            }
            None => (
                vec![format!(
                    "Horaires (format OpenStreetMap, non interprétés) : {h}"
                )],
                None,
            ),
        },
    };
    let position = reperes_domain::lieux::index::position(&e);
    let contact = Contact {
        telephone: valeur(&e, "telephone").map(|t| match lisible::telephone(&t) {
            Some(x) => (x.affiche, Some(x.lien)),
            None => (t, None),
        }),
        courriels: liste(&e, "courriels")
            .into_iter()
            .filter(|c| c.contains('@') && !c.contains(char::is_whitespace))
            .collect(),
        sites: liste(&e, "site_web")
            .into_iter()
            .filter(|u| est_adresse_web(u))
            .map(|u| {
                let domaine = u
                    .split_once("://")
                    .map(|(_, r)| r)
                    .unwrap_or(&u)
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches("www.")
                    .to_string();
                (u, domaine)
            })
            .collect(),
        // Un lien n'est fait que vers une adresse web (pas de « javascript: » venu d'un import).
        prise_rdv: valeur(&e, "prise_rdv").filter(|u| est_adresse_web(u)),
        frais: valeur(&e, "frais_a_charge").and_then(|f| lisible::frais(&f)),
        itineraire: position.map(|(la, lo)| {
            (
                format!("https://www.openstreetmap.org/directions?to={la}%2C{lo}"),
                format!("geo:{la},{lo}"),
            )
        }),
    };
    let sans_nouvelles = horaires.is_empty() && contact.vide();
    let deja = [
        "id",
        "nom",
        "adresse",
        "complement_adresse",
        "code_postal",
        "commune",
        "code_insee",
        "horaires",
        "services",
        "fiche_acces_libre",
        "prise_rdv",
        "date_maj",
        "latitude",
        "longitude",
        "telephone",
        "courriels",
        "site_web",
        "frais_a_charge",
        "pivot",
        "typologie",
        "source",
        "structure_parente",
    ];
    let champs = schema()
        .champs
        .iter()
        .filter(|c| !deja.contains(&c.nom.as_str()))
        .filter_map(|c| {
            let t = texte(&c.nom);
            if t.is_empty() {
                return None;
            }
            let lien = est_adresse_web(&t);
            let valeurs = if c.valeurs_enumerees().is_empty() {
                vec![t]
            } else {
                t.split('|').map(str::to_string).collect()
            };
            Some(ChampFiche {
                titre: c.titre.clone().unwrap_or_else(|| c.nom.clone()),
                valeurs,
                lien,
            })
        })
        .collect();
    // Champs techniques, en mots simples ; masqués quand ils sont vides ou sans sens.
    let mut techniques = Vec::new();
    if nom != texte("nom").trim() {
        techniques.push(("Nom publié par la source".to_string(), texte("nom")));
    }
    let pivot = texte("pivot");
    if pivot.trim().len() >= 9 && pivot.chars().any(|c| c != '0') {
        let nature = if pivot.starts_with(['W', 'w']) {
            "Numéro d'association (RNA)"
        } else if pivot.len() == 14 {
            "Numéro SIRET de la structure"
        } else {
            "Identifiant de la structure (SIRET, RNA ou RIDET)"
        };
        techniques.push((nature.to_string(), pivot));
    }
    let types: Vec<String> = liste(&e, "typologie")
        .iter()
        .map(|c| typologie_en_mots(c))
        .collect();
    if !types.is_empty() {
        techniques.push(("Type de structure".into(), types.join(" ; ")));
    }
    if !texte("structure_parente").is_empty() {
        techniques.push((
            "Réseau ou structure parente".into(),
            texte("structure_parente"),
        ));
    }
    if !texte("source").is_empty() {
        techniques.push(("Informations recueillies par".into(), texte("source")));
    }
    // Ni horaires ni contact : la France services connue la plus proche, et les lignes nationales.
    let france_services = if sans_nouvelles {
        france_services_proche(&index, &source, &id, position, v.portee.perimetre())
    } else {
        None
    };
    let lignes_nationales = if sans_nouvelles {
        lignes_nationales(&etat)
    } else {
        Vec::new()
    };
    // Dispositifs labellisés déclarés par le lieu : seules lectures en base de la fiche, par clé
    // primaire (`lieux_dispositifs` : (source, lieu_id, dispositif_id) ; `dispositifs` : id) —
    // une requête quand le lieu n'en déclare aucun. Elles restent en base : un lien se déclare
    // sur cette page et doit s'y voir aussitôt.
    // Dans une version locale, un dispositif dont le porteur est hors du périmètre n'a pas de
    // page locale : son lien mène au registre national, dans un nouvel onglet annoncé.
    let mut dispositifs = Vec::new();
    for l in etat.store.liens_du_lieu(&source, &id).await? {
        if let Some(d) = etat.store.dispositif(&l.dispositif_id).await? {
            let national = locale
                && !match etat.store.organisation(&d.organisation_id).await? {
                    Some(o) => v
                        .portee
                        .contient_adresse(&o.adresse.code_postal, &o.adresse.commune),
                    None => false,
                };
            dispositifs.push(LienDispositif {
                chemin: format!("/registre/dispositifs/{}", d.id),
                nom: d.nom,
                id: d.id,
                national,
            });
        }
    }
    // Une version locale n'a ni compte ni formulaire qui écrit : rien à déclarer, modifier,
    // revendiquer ni examiner (ces liens et formulaires sont cachés).
    let liables = if locale {
        Vec::new()
    } else {
        dispositifs_liables(&etat, &v).await?
    };
    let mut structure =
        super::structures::bloc_fiche(&etat, &v, &source, &id, valeur(&e, "date_maj").as_deref())
            .await?;
    if locale {
        structure.modifier = false;
        structure.revendiquer = false;
    }
    let complement = texte("complement_adresse");
    let modifiable = !locale
        && super::droits::tenue(&etat, &v, &source, &id)
            .await?
            .is_some();
    let ariane = match retour(requete.as_deref()) {
        Some(r) if r.starts_with("/orientation") => vec![
            ("Orientation".to_string(), "/orientation".to_string()),
            ("Vos résultats".to_string(), r),
        ],
        Some(r) => vec![
            ("Lieux".to_string(), "/lieux".to_string()),
            ("Votre recherche".to_string(), r),
        ],
        None => vec![("Lieux".to_string(), "/lieux".to_string())],
    };
    // Qui tient le lieu (ou un administrateur) voit les conflits à examiner ; rien n'est lu pour
    // un visiteur anonyme.
    let conflits_a_examiner = if modifiable && !locale {
        etat.store.conflits_du_lieu(&source, &id).await?.len()
    } else {
        0
    };
    page(
        &PageLieu {
            cadre: Cadre::pour(&v, titre),
            nom,
            adresse: format!(
                "{}{}, {} {}",
                texte("adresse"),
                if complement.is_empty() {
                    String::new()
                } else {
                    format!(" ({complement})")
                },
                texte("code_postal"),
                texte("commune")
            ),
            horaires,
            ouvert,
            contact,
            services: liste(&e, "services"),
            acces_libre: valeur(&e, "fiche_acces_libre").filter(|u| est_adresse_web(u)),
            date_maj: jour_lisible(&texte("date_maj")),
            importe_le: jour_lisible(&importe_le),
            chemin: chemin_lieu(&source, &id),
            source,
            champs,
            techniques,
            sans_nouvelles,
            france_services,
            lignes_nationales,
            dispositifs,
            liables,
            ariane,
            modifiable,
            structure,
            conflits_a_examiner,
        },
        None,
        false,
    )
}

/// La France services connue la plus proche d'une position (programme national « France
/// Services » ou nom qui le dit), à 100 km au plus, hors le lieu lui-même.
fn france_services_proche(
    index: &IndexLieux,
    source: &str,
    id: &str,
    position: Option<(f64, f64)>,
    perimetre: Option<Arc<reperes_domain::territoires::Perimetre>>,
) -> Option<Proche> {
    let (la, lo) = position?;
    let autour = Some(Autour {
        latitude: la,
        longitude: lo,
        rayon_km: 100.0,
    });
    // Dans une version locale, seulement dans son périmètre.
    let par_programme = index.chercher(
        &Criteres {
            autour,
            perimetre: perimetre.clone(),
            ..Criteres::default()
        }
        .avec("dispositif_programmes_nationaux", &["France Services"]),
    );
    let tous = index.chercher(&Criteres {
        autour,
        perimetre,
        ..Criteres::default()
    });
    let est_fs = |t: &Trouve| {
        par_programme.iter().any(|p| p.rang == t.rang)
            || index
                .lieu(t.rang)
                .nom_normalise()
                .contains("france services")
    };
    let t = tous.iter().find(|t| {
        let l = index.lieu(t.rang);
        !(*l.source == *source && *l.id == *id) && est_fs(t)
    })?;
    let l = index.lieu(t.rang);
    let telephone = index
        .valeur(t.rang, "telephone")
        .and_then(lisible::telephone)
        .map(|t| (t.affiche, t.lien));
    Some(Proche {
        chemin: chemin_lieu(&l.source, &l.id),
        nom: nom_affiche(l),
        distance: t.distance_km.map(distance_lisible).unwrap_or_default(),
        telephone,
    })
}

/// Les lignes téléphoniques nationales du référentiel (`referentiels/lignes-nationales.toml`).
fn lignes_nationales(etat: &Etat) -> Vec<LigneAffichee> {
    etat.catalogue
        .lignes_nationales
        .iter()
        .flat_map(|f| &f.lignes)
        .filter_map(|l| {
            let t = lisible::telephone(&l.telephone)?;
            Some(LigneAffichee {
                nom: l.nom.clone(),
                affiche: t.affiche,
                lien: t.lien,
                description: l.description.clone(),
                horaires: l
                    .horaires
                    .as_deref()
                    .and_then(|h| Horaires::analyser(h).ok())
                    .map(|h| h.en_mots())
                    .unwrap_or_default(),
                cout: l.cout.clone(),
            })
        })
        .collect()
}

/// Dispositifs labellisés qu'une personne peut lier à un lieu : ceux de ses organisations, ou
/// tous pour un agent.
pub async fn dispositifs_liables(
    etat: &Etat,
    v: &Visiteur,
) -> Result<Vec<(String, String)>, ErreurWeb> {
    let Some(p) = &v.personne else {
        return Ok(Vec::new());
    };
    let agent = matches!(
        p.role,
        reperes_domain::comptes::RoleCompte::Instructeur
            | reperes_domain::comptes::RoleCompte::Administrateur
    );
    let mut v: Vec<(String, String)> = Vec::new();
    for l in etat.store.registre().await? {
        if l.etat != reperes_domain::Etat::Labellise
            || v.iter().any(|(id, _)| *id == l.dispositif_id)
        {
            continue;
        }
        let permis = agent
            || match etat.store.dispositif(&l.dispositif_id).await? {
                Some(d) => p.membre_de(&d.organisation_id),
                None => false,
            };
        if permis {
            v.push((l.dispositif_id.clone(), l.dispositif_nom.clone()));
        }
    }
    Ok(v)
}

/// Déclare (ou retire) un dispositif labellisé utilisé par un lieu.
pub async fn lier(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((source, id)): Path<(String, String)>,
    axum::Form(champs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    let u = v.utilisateur.as_ref().ok_or(ErreurWeb::NonConnecte)?;
    v.verifier_csrf_champs(&champs)?;
    let champ = |k: &str| {
        champs
            .iter()
            .find(|(c, _)| c == k)
            .map(|(_, x)| x.trim().to_string())
            .unwrap_or_default()
    };
    if etat.store.lieu(&source, &id).await?.is_none() {
        return Err(ErreurWeb::Introuvable);
    }
    let dispositif = champ("dispositif");
    let liables = dispositifs_liables(&etat, &v).await?;
    let retirer = champ("action") == "retirer";
    // On peut retirer un lien vers un dispositif qu'on pourrait lier ; on ne lie qu'un dispositif
    // labellisé de ses organisations (ou tout dispositif labellisé pour un agent).
    if !liables.iter().any(|(d, _)| *d == dispositif) {
        return Err(ErreurWeb::Interdit);
    }
    let acteur = crate::commun::acces::acteur(u);
    if retirer {
        etat.store
            .delier_lieu_dispositif(&acteur, &source, &id, &dispositif)
            .await?;
    } else {
        etat.store
            .lier_lieu_dispositif(&acteur, &source, &id, &dispositif)
            .await?;
    }
    Ok(
        axum::response::Redirect::to(&format!("{}#dispositifs", chemin_lieu(&source, &id)))
            .into_response(),
    )
}
