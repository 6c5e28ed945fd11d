//! Fiche publique d'un lieu : informations au schéma national, horaires, dispositifs labellisés qui
//! y sont utilisés ; liaison d'un dispositif à un lieu.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use reperes_domain::horaires::Horaires;
use reperes_domain::lieux::{schema_national, valeur};

use crate::commun::cadre::Cadre;
use crate::commun::formulaires::page;
use crate::commun::libelles::chemin_lieu;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::recherche::liste;

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

#[derive(Template)]
#[template(path = "lieux/fiche.html")]
struct PageLieu {
    cadre: Cadre,
    nom: String,
    source: String,
    adresse: String,
    horaires: Vec<String>,
    ouvert: Option<bool>,
    services: Vec<String>,
    acces_libre: Option<String>,
    prise_rdv: Option<String>,
    date_maj: String,
    importe_le: String,
    champs: Vec<ChampFiche>,
    dispositifs: Vec<(String, String, String)>,
    liables: Vec<(String, String)>,
    chemin: String,
}

impl PageLieu {
    fn peut_retirer(&self, dispositif: &str) -> bool {
        self.liables.iter().any(|(d, _)| d == dispositif)
    }
}

pub async fn fiche(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((source, id)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    let (e, importe_le) = etat
        .store
        .lieu(&source, &id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let texte = |k: &str| valeur(&e, k).unwrap_or_default();
    let index = etat.carte.index(&etat.store).await?;
    // Titre de page unique : nom et commune, et l'identifiant si un autre lieu a les mêmes.
    let homonymes = index
        .lieux()
        .iter()
        .filter(|l| {
            l.nom == texte("nom")
                && l.code_postal == texte("code_postal")
                && l.commune == texte("commune")
        })
        .count();
    let mut titre = format!(
        "{}, {} {}",
        texte("nom"),
        texte("code_postal"),
        texte("commune")
    );
    if homonymes > 1 {
        titre = format!("{titre} (fiche {source}/{id})");
    }
    let (horaires, ouvert) = match valeur(&e, "horaires") {
        None => (Vec::new(), None),
        Some(h) => match Horaires::analyser(&h) {
            Ok(a) => {
                let tz: chrono_tz::Tz =
                    reperes_domain::horaires::fuseau_horaire(&texte("code_postal"))
                        .parse()
                        .unwrap_or(chrono_tz::Europe::Paris);
                let ouvert = a.est_ouvert(Utc::now().with_timezone(&tz).naive_local());
                (a.en_mots(), Some(ouvert))
            }
            Err(_) => (
                vec![format!(
                    "Horaires (format OpenStreetMap, non interprétés) : {h}"
                )],
                None,
            ),
        },
    };
    let deja = [
        "id",
        "nom",
        "adresse",
        "complement_adresse",
        "code_postal",
        "commune",
        "horaires",
        "services",
        "fiche_acces_libre",
        "prise_rdv",
        "date_maj",
        "latitude",
        "longitude",
    ];
    let schema = schema_national();
    let champs = schema
        .champs
        .iter()
        .filter(|c| !deja.contains(&c.nom.as_str()))
        .filter_map(|c| {
            let t = texte(&c.nom);
            if t.is_empty() {
                return None;
            }
            let lien = est_adresse_web(&t);
            let valeurs = if c.valeurs_enumerees().is_empty()
                && !matches!(c.nom.as_str(), "courriels" | "site_web" | "typologie")
            {
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
    let mut dispositifs = Vec::new();
    for l in etat.store.liens_du_lieu(&source, &id).await? {
        if let Some(d) = etat.store.dispositif(&l.dispositif_id).await? {
            dispositifs.push((format!("/registre/dispositifs/{}", d.id), d.nom, d.id));
        }
    }
    let liables = dispositifs_liables(&etat, &v).await?;
    let complement = texte("complement_adresse");
    page(
        &PageLieu {
            cadre: Cadre::pour(&v, titre),
            nom: texte("nom"),
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
            services: liste(&e, "services"),
            // Un lien n'est fait que vers une adresse web (pas de « javascript: » venu d'un import).
            acces_libre: valeur(&e, "fiche_acces_libre").filter(|u| est_adresse_web(u)),
            prise_rdv: valeur(&e, "prise_rdv").filter(|u| est_adresse_web(u)),
            date_maj: texte("date_maj"),
            importe_le: importe_le.chars().take(10).collect(),
            chemin: chemin_lieu(&source, &id),
            source,
            champs,
            dispositifs,
            liables,
        },
        None,
        false,
    )
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
