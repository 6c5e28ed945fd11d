//! Structures qui tiennent les lieux et fraîcheur (issue 16, partie « structures ») :
//! revendication d'un lieu par un membre d'une organisation (acceptée d'emblée quand le SIRET de
//! l'organisation est le `pivot` du lieu, sinon examinée par un administrateur), bloc « Mis à jour
//! par la structure » de la fiche, « à vérifier » dans les résultats, confirmation par le lien du
//! rappel (sans connexion), rapport de fraîcheur par territoire et par source.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, Weak};

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{NaiveDate, Utc};
use reperes_domain::lieux::fraicheur;
use reperes_domain::lieux::index::IndexLieux;
use reperes_store::{EtatLien, NouveauCourriel, Revendication};
use serde::Deserialize;

use crate::commun::acces::acteur;
use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::donnees::{en_csv_tableur, reponse_fichier, CSV};
use crate::commun::formulaires::{page, Information};
use crate::commun::libelles::chemin_lieu;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::recherche::Ligne;

/// « 2024-04-02 » (ou un horodatage) → « 02/04/2024 ».
fn jour_lisible(iso: &str) -> String {
    fraicheur::jour(iso)
        .map(crate::commun::dates::jour)
        .unwrap_or_else(|| iso.to_string())
}

// ---------- Fraîcheur ----------

/// Les dates de confirmation locales (versions hors import, confirmations explicites) et le
/// réglage : de quoi dire si un lieu est « à vérifier ».
pub struct Fraicheurs {
    locales: Locales,
    mois: u32,
    aujourd_hui: NaiveDate,
}

impl Fraicheurs {
    pub async fn lire(etat: &Etat) -> Result<Fraicheurs, ErreurWeb> {
        Ok(Fraicheurs {
            locales: Arc::new(etat.store.confirmations_locales().await?),
            mois: etat.catalogue.fraicheur().mois,
            aujourd_hui: Utc::now().date_naive(),
        })
    }

    /// Dernière confirmation d'un lieu : `date_maj` ou date locale, la plus récente.
    pub fn derniere(&self, source: &str, id: &str, date_maj: Option<&str>) -> Option<NaiveDate> {
        let locale = self
            .locales
            .get(&(source.to_string(), id.to_string()))
            .map(String::as_str);
        fraicheur::derniere_confirmation([date_maj, locale])
    }

    pub fn a_verifier(&self, source: &str, id: &str, date_maj: Option<&str>) -> bool {
        fraicheur::a_verifier(
            self.derniere(source, id, date_maj),
            self.aujourd_hui,
            self.mois,
        )
    }

    /// Le lieu de rang `rang` de l'index est-il à vérifier ?
    pub fn rang_a_verifier(&self, index: &IndexLieux, rang: usize) -> bool {
        let l = index.lieu(rang);
        self.a_verifier(&l.source, &l.id, index.valeur(rang, "date_maj"))
    }
}

/// Dates de confirmation locales gardées en mémoire avec l'index qu'elles accompagnent : la
/// recherche, l'API et l'orientation ne lisent que la mémoire (ADR 0006). Tout ce qui les change
/// (version locale d'un lieu, confirmation) incrémente la version des lieux : l'index est
/// reconstruit, et ces dates relues avec lui.
type Locales = Arc<HashMap<(String, String), String>>;
static LOCALES: Mutex<Vec<(Weak<IndexLieux>, Locales)>> = Mutex::new(Vec::new());

async fn locales_de(etat: &Etat, index: &Arc<IndexLieux>) -> Result<Locales, ErreurWeb> {
    {
        let mut v = LOCALES.lock().unwrap_or_else(|e| e.into_inner());
        v.retain(|(w, _)| w.strong_count() > 0);
        if let Some((_, l)) = v
            .iter()
            .find(|(w, _)| std::ptr::eq(w.as_ptr(), Arc::as_ptr(index)))
        {
            return Ok(l.clone());
        }
    }
    let l = Arc::new(etat.store.confirmations_locales().await?);
    LOCALES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((Arc::downgrade(index), l.clone()));
    Ok(l)
}

/// Marque « à vérifier » les lignes d'une page de résultats (recherche, orientation).
pub async fn marquer_a_verifier(
    etat: &Etat,
    index: &Arc<IndexLieux>,
    lignes: &mut [Ligne],
) -> Result<(), ErreurWeb> {
    if lignes.is_empty() {
        return Ok(());
    }
    let f = Fraicheurs {
        locales: locales_de(etat, index).await?,
        mois: etat.catalogue.fraicheur().mois,
        aujourd_hui: Utc::now().date_naive(),
    };
    for l in lignes.iter_mut() {
        l.a_verifier = f.rang_a_verifier(index, l.rang);
    }
    Ok(())
}

// ---------- Bloc de la fiche ----------

/// Ce que la fiche d'un lieu montre de la structure qui le tient et de sa fraîcheur.
pub struct BlocFiche {
    /// « Mis à jour par la structure X le … » ou « Tenu par X depuis le … ».
    pub tenu: Option<String>,
    pub a_verifier: bool,
    /// Dernière confirmation, lisible.
    pub derniere: Option<String>,
    /// La personne peut revendiquer ce lieu (membre d'une organisation qui ne le tient pas).
    pub revendiquer: bool,
    /// La personne est membre de la structure qui le tient : lien vers la modification.
    pub modifier: bool,
    pub chemin: String,
    pub mois: u32,
}

pub async fn bloc_fiche(
    etat: &Etat,
    v: &Visiteur,
    source: &str,
    id: &str,
    date_maj: Option<&str>,
) -> Result<BlocFiche, ErreurWeb> {
    let structure = etat.store.structure_du_lieu(source, id).await?;
    let tenu = match &structure {
        Some(s) => Some(
            match etat.store.derniere_version_structure(source, id).await? {
                Some(d) => format!(
                    "Mis à jour par la structure {} le {}",
                    s.nom,
                    jour_lisible(&d)
                ),
                None => format!("Tenu par {} depuis le {}", s.nom, jour_lisible(&s.depuis)),
            },
        ),
        None => None,
    };
    let locale = etat.store.confirmation_locale(source, id).await?;
    let mois = etat.catalogue.fraicheur().mois;
    let derniere = fraicheur::derniere_confirmation([date_maj, locale.as_deref()]);
    let a_verifier = fraicheur::a_verifier(derniere, Utc::now().date_naive(), mois);
    let (revendiquer, modifier) = match &v.personne {
        Some(p) if !p.organisations.is_empty() => {
            let membre = structure
                .as_ref()
                .is_some_and(|s| p.membre_de(&s.organisation_id));
            (!membre, membre)
        }
        _ => (false, false),
    };
    Ok(BlocFiche {
        tenu,
        a_verifier,
        derniere: derniere.map(crate::commun::dates::jour),
        revendiquer,
        modifier,
        chemin: chemin_lieu(source, id),
        mois,
    })
}

// ---------- Revendiquer ----------

/// Un compte d'expert ne voit que ses demandes d'avis : il ne revendique rien.
fn refuser_expert(u: &reperes_store::Utilisateur) -> Result<(), ErreurWeb> {
    if u.role == reperes_domain::comptes::RoleCompte::Expert {
        return Err(ErreurWeb::Interdit);
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "lieux/revendiquer.html")]
struct PageRevendiquer {
    cadre: Cadre,
    nom: String,
    chemin: String,
    /// (id, nom, revendication automatique : SIRET égal au pivot)
    organisations: Vec<(String, String, bool)>,
    tenu_par: Option<String>,
}

/// Les organisations de la personne : (id, nom, SIRET égal au pivot du lieu).
async fn organisations_de(
    etat: &Etat,
    p: &reperes_domain::comptes::Personne,
    pivot: &str,
) -> Result<Vec<(String, String, bool)>, ErreurWeb> {
    let pivot: String = pivot.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut v = Vec::new();
    for id in &p.organisations {
        if let Some(o) = etat.store.organisation(id).await? {
            let meme = o
                .siret
                .as_ref()
                .is_some_and(|s| !pivot.is_empty() && s.as_str() == pivot);
            v.push((o.id, o.nom, meme));
        }
    }
    Ok(v)
}

/// `GET /lieux/{source}/{id}/revendiquer` : choisir l'organisation qui tient ce lieu.
pub async fn revendiquer(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((source, id)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    let (u, p) = v.connecte()?;
    refuser_expert(u)?;
    let lieu = etat
        .store
        .lieu_courant(&source, &id)
        .await?
        .filter(|l| l.masque.is_none())
        .ok_or(ErreurWeb::Introuvable)?;
    let texte = |k: &str| reperes_domain::lieux::valeur(&lieu.donnees, k).unwrap_or_default();
    let organisations = organisations_de(&etat, p, &texte("pivot")).await?;
    let tenu_par = etat
        .store
        .structure_du_lieu(&source, &id)
        .await?
        .map(|s| s.nom);
    let nom = texte("nom");
    page(
        &PageRevendiquer {
            cadre: Cadre::pour(&v, format!("Revendiquer le lieu {nom}")),
            nom,
            chemin: chemin_lieu(&source, &id),
            organisations,
            tenu_par,
        },
        None,
        false,
    )
}

#[derive(Deserialize)]
pub struct FormRevendiquer {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    organisation: String,
}

/// `POST /lieux/{source}/{id}/revendiquer` : acceptée aussitôt si le SIRET de l'organisation est
/// le `pivot` du lieu, sinon demande examinée par un administrateur.
pub async fn revendiquer_post(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((source, id)): Path<(String, String)>,
    Form(f): Form<FormRevendiquer>,
) -> Result<Response, ErreurWeb> {
    let (u, p) = v.connecte()?;
    v.verifier_csrf(&f.csrf)?;
    refuser_expert(u)?;
    if p.organisations.is_empty() {
        return Err(ErreurWeb::Requete(
            "vous n'êtes membre d'aucune organisation : déclarez d'abord la vôtre dans votre espace"
                .into(),
        ));
    }
    if !p.membre_de(&f.organisation) {
        return Err(ErreurWeb::Interdit);
    }
    let lieu = etat
        .store
        .lieu_courant(&source, &id)
        .await?
        .filter(|l| l.masque.is_none())
        .ok_or(ErreurWeb::Introuvable)?;
    let pivot = reperes_domain::lieux::valeur(&lieu.donnees, "pivot").unwrap_or_default();
    let nom = reperes_domain::lieux::valeur(&lieu.donnees, "nom").unwrap_or_default();
    let automatique = organisations_de(&etat, p, &pivot)
        .await?
        .iter()
        .any(|(o, _, meme)| *o == f.organisation && *meme);
    let a = acteur(u);
    let chemin = chemin_lieu(&source, &id);
    let paragraphes = if automatique {
        if let Some(s) = etat.store.structure_du_lieu(&source, &id).await? {
            return Err(ErreurWeb::Requete(if s.organisation_id == f.organisation {
                "votre structure tient déjà ce lieu".into()
            } else {
                format!("ce lieu est déjà tenu par la structure « {} » : si c'est une erreur, écrivez à l'administration de Repères", s.nom)
            }));
        }
        etat.store
            .attribuer_lieu(&a, &source, &id, &f.organisation, true)
            .await?;
        vec![format!(
            "Le numéro SIRET de votre structure est celui du lieu « {nom} » : votre structure le tient désormais. Vous pouvez le mettre à jour."
        )]
    } else {
        etat.store
            .demander_lieu(&a, &source, &id, &f.organisation)
            .await?;
        vec![
            format!("Votre demande pour le lieu « {nom} » est enregistrée."),
            "Un administrateur de Repères va l'examiner ; vous recevrez sa décision par courriel."
                .into(),
        ]
    };
    let mut liens = vec![
        (chemin.clone(), "Voir la fiche du lieu".to_string()),
        ("/espace#mes-lieux".to_string(), "Mes lieux".to_string()),
    ];
    if automatique {
        liens.push((format!("{chemin}/modifier"), "Modifier ce lieu".to_string()));
    }
    page(
        &Information {
            cadre: Cadre::pour(
                &v,
                if automatique {
                    "Lieu revendiqué"
                } else {
                    "Demande envoyée"
                },
            ),
            paragraphes,
            liens,
        },
        None,
        false,
    )
}

// ---------- Examen des demandes (administration) ----------

#[derive(Template)]
#[template(path = "lieux/revendications.html")]
struct PageRevendications {
    cadre: Cadre,
    demandes: Vec<Revendication>,
}

impl PageRevendications {
    fn chemin(&self, r: &Revendication) -> String {
        chemin_lieu(&r.source, &r.lieu_id)
    }
    fn jour(&self, iso: &str) -> String {
        jour_lisible(iso)
    }
}

/// `GET /administration/lieux/revendications` : les demandes en cours.
pub async fn revendications(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let demandes = etat.store.revendications("demandee").await?;
    page(
        &PageRevendications {
            cadre: Cadre::pour(&v, "Revendications de lieux"),
            demandes,
        },
        None,
        false,
    )
}

#[derive(Deserialize)]
pub struct FormDecision {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    lieu: String,
    #[serde(default)]
    organisation: String,
    /// `accepter` ou `refuser`.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    motif: String,
}

/// `POST /administration/lieux/revendications` : accepter ou refuser (avec un motif) une demande ;
/// le demandeur est prévenu par courriel.
pub async fn decider(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormDecision>,
) -> Result<Response, ErreurWeb> {
    let (u, _) = v.administrateur()?;
    v.verifier_csrf(&f.csrf)?;
    let accepter = match f.decision.as_str() {
        "accepter" => true,
        "refuser" => false,
        _ => return Err(ErreurWeb::Requete("décision inconnue".into())),
    };
    let r = etat
        .store
        .revendication(&f.source, &f.lieu, &f.organisation)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let lien = format!(
        "{}{}",
        etat.config.url_publique,
        chemin_lieu(&r.source, &r.lieu_id)
    );
    let (sujet, corps) = if accepter {
        (
            format!("Repères : votre structure tient le lieu {}", r.lieu_nom),
            format!(
                "Bonjour,\n\nVotre demande est acceptée : la structure « {} » tient désormais le lieu « {} ». Vous pouvez le mettre à jour depuis sa fiche :\n{lien}\n\nL'équipe Repères",
                r.organisation_nom, r.lieu_nom
            ),
        )
    } else {
        (
            format!("Repères : votre demande pour le lieu {}", r.lieu_nom),
            format!(
                "Bonjour,\n\nVotre demande pour que la structure « {} » tienne le lieu « {} » est refusée.\nMotif : {}\n\nFiche du lieu : {lien}\n\nL'équipe Repères",
                r.organisation_nom,
                r.lieu_nom,
                f.motif.trim()
            ),
        )
    };
    let courriels: Vec<NouveauCourriel> = etat
        .store
        .utilisateur(r.demandeur_id())
        .await?
        .filter(|d| d.actif)
        .map(|d| NouveauCourriel {
            destinataire: d.email,
            sujet,
            corps,
        })
        .into_iter()
        .collect();
    etat.store
        .decider_revendication(
            &acteur(u),
            &r.source,
            &r.lieu_id,
            &r.organisation_id,
            accepter,
            Some(f.motif.as_str()),
            &courriels,
        )
        .await?;
    Ok(Redirect::to("/administration/lieux/revendications").into_response())
}

// ---------- Confirmation par le lien du rappel ----------

#[derive(Template)]
#[template(path = "lieux/confirmation.html")]
struct PageConfirmation {
    cadre: Cadre,
    nom: String,
    chemin: String,
    action: String,
}

/// Le lien n'est pas (ou plus) utilisable : page d'erreur claire.
fn lien_refuse(e: &EtatLien) -> ErreurWeb {
    match e {
        EtatLien::Expire(_) => ErreurWeb::Requete(
            "ce lien de confirmation a expiré : connectez-vous pour confirmer ou modifier le lieu depuis sa fiche".into(),
        ),
        EtatLien::Utilise(_) => ErreurWeb::Requete(
            "ce lien de confirmation a déjà servi : le lieu est confirmé".into(),
        ),
        _ => ErreurWeb::Introuvable,
    }
}

/// `GET /confirmation-lieu/{jeton}` : la page qui propose de confirmer (aucun changement d'état).
pub async fn confirmation(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Path(jeton): Path<String>,
) -> Result<Response, ErreurWeb> {
    let e = etat
        .store
        .lien_de_confirmation(&auth::empreinte(&jeton), Utc::now())
        .await?;
    let EtatLien::Valable(r) = &e else {
        return Err(lien_refuse(&e));
    };
    let lieu = etat
        .store
        .lieu_courant(&r.source, &r.lieu_id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let nom = reperes_domain::lieux::valeur(&lieu.donnees, "nom").unwrap_or_default();
    let (_, entete) = v.csrf(&etat).await?;
    page(
        &PageConfirmation {
            cadre: Cadre::pour(&v, format!("Confirmer le lieu {nom}")),
            nom,
            chemin: chemin_lieu(&r.source, &r.lieu_id),
            action: format!("/confirmation-lieu/{jeton}"),
        },
        entete,
        false,
    )
}

/// `POST /confirmation-lieu/{jeton}` : confirme que rien n'a changé (sans connexion ; le lien
/// ne sert qu'une fois).
pub async fn confirmer(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(jeton): Path<String>,
    Form(f): Form<crate::commun::formulaires::FormCsrf>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let e = etat
        .store
        .confirmer_par_lien(&auth::empreinte(&jeton), Utc::now())
        .await?;
    let EtatLien::Valable(r) = &e else {
        return Err(lien_refuse(&e));
    };
    let chemin = chemin_lieu(&r.source, &r.lieu_id);
    page(
        &Information {
            cadre: Cadre::pour(&v, "Lieu confirmé"),
            paragraphes: vec![
                "Merci : le lieu est confirmé à jour aujourd'hui. Il n'est plus « à vérifier ».".into(),
                "La date de mise à jour publiée dans les données ouvertes ne change pas : elle reste celle du dernier changement réel.".into(),
            ],
            liens: vec![
                (chemin.clone(), "Voir la fiche du lieu".into()),
                (format!("{chemin}/modifier"), "Modifier ce lieu (connexion requise)".into()),
            ],
        },
        None,
        false,
    )
}

// ---------- Rapport de fraîcheur (administration) ----------

/// Une ligne du rapport : (territoire ou source, à vérifier, total).
pub type LigneRapport = (String, usize, usize);

struct Rapport {
    departements: Vec<LigneRapport>,
    sources: Vec<LigneRapport>,
    a_verifier: usize,
    total: usize,
}

async fn rapport(etat: &Etat) -> Result<Rapport, ErreurWeb> {
    let index = etat.carte.index(&etat.store).await?;
    let f = Fraicheurs::lire(etat).await?;
    let mut departements: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut sources: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut a_verifier, mut total) = (0, 0);
    for (rang, l) in index.lieux().iter().enumerate() {
        let av = usize::from(f.rang_a_verifier(&index, rang));
        let dep = reperes_domain::registre::departement(&l.code_postal)
            .unwrap_or_else(|| "inconnu".into());
        for (m, k) in [
            (&mut departements, dep),
            (&mut sources, l.source.to_string()),
        ] {
            let e = m.entry(k).or_default();
            e.0 += av;
            e.1 += 1;
        }
        a_verifier += av;
        total += 1;
    }
    let liste = |m: BTreeMap<String, (usize, usize)>| -> Vec<LigneRapport> {
        m.into_iter().map(|(k, (a, t))| (k, a, t)).collect()
    };
    Ok(Rapport {
        departements: liste(departements),
        sources: liste(sources),
        a_verifier,
        total,
    })
}

#[derive(Template)]
#[template(path = "lieux/fraicheur.html")]
struct PageFraicheur {
    cadre: Cadre,
    mois: u32,
    departements: Vec<LigneRapport>,
    sources: Vec<LigneRapport>,
    a_verifier: usize,
    total: usize,
}

/// `GET /administration/lieux/fraicheur` : lieux à vérifier par département et par source.
pub async fn page_fraicheur(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let r = rapport(&etat).await?;
    page(
        &PageFraicheur {
            cadre: Cadre::pour(&v, "Fraîcheur des lieux"),
            mois: etat.catalogue.fraicheur().mois,
            departements: r.departements,
            sources: r.sources,
            a_verifier: r.a_verifier,
            total: r.total,
        },
        None,
        false,
    )
}

/// `GET /administration/lieux/fraicheur.csv` : le même rapport en CSV.
pub async fn fraicheur_csv(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let r = rapport(&etat).await?;
    let lignes: Vec<Vec<String>> = r
        .departements
        .iter()
        .map(|l| ("departement", l))
        .chain(r.sources.iter().map(|l| ("source", l)))
        .map(|(g, (k, a, t))| vec![g.to_string(), k.clone(), a.to_string(), t.to_string()])
        .collect();
    let octets = en_csv_tableur(&["regroupement", "valeur", "a_verifier", "total"], &lignes)?;
    Ok(reponse_fichier(
        CSV,
        "attachment",
        "lieux-fraicheur.csv",
        octets,
    ))
}
