//! Publication d'un rapport annuel par un territoire signataire (membre de l'organisation ou agent)
//! : formulaire, licence, pièces jointes.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use reperes_domain::charte::{self, SaisieRapport};
use reperes_domain::referentiel::{Referentiel, UsageLicence};
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::Dossier;
use reperes_store::RapportCharte;

use crate::commun::acces::acteur;
use crate::commun::cadre::Cadre;
use crate::commun::envoi::{ouvrir, CorpsMultipart, Limites};
use crate::commun::fichiers::stocker;
use crate::commun::formulaires::page;
use crate::commun::libelles::citer;
use crate::commun::session::Visiteur;
use crate::commun::stockage::{nom_affichable, type_admis, TAILLE_MAX, TYPES_ADMIS};
use crate::{ErreurWeb, Etat};

use super::signataires::{charte_signee, licences, PIECES_MAX};

#[derive(Template)]
#[template(path = "chartes/rapport_nouveau.html")]
struct PageNouveauRapport {
    cadre: Cadre,
    d: Dossier,
    organisation: String,
    /// Nom de la charte, cité sans doubler ses guillemets.
    charte: String,
    saisie: SaisieRapport,
    erreurs: Vec<ErreurChamp>,
    annees: Vec<i32>,
    /// (usage, [(spdx, nom)]) : licences pour les données et documents, puis pour les logiciels.
    licences: Vec<(&'static str, Vec<(String, String)>)>,
    engagements: Vec<String>,
    types_admis: String,
    /// Attribut `accept` du champ de fichiers (extensions des types admis).
    accept: String,
}

impl PageNouveauRapport {
    fn erreur(&self, champ: &str) -> Option<&str> {
        self.erreurs
            .iter()
            .find(|e| e.champ == champ)
            .map(|e| e.message.as_str())
    }
    fn annee_choisie(&self, a: &i32) -> bool {
        self.saisie.annee.trim() == a.to_string()
    }
}

async fn rendre_formulaire(
    etat: &Etat,
    v: &Visiteur,
    d: Dossier,
    r: &Referentiel,
    saisie: SaisieRapport,
    erreurs: Vec<ErreurChamp>,
) -> Result<Response, ErreurWeb> {
    let organisation = etat
        .store
        .organisation(&d.organisation_id)
        .await?
        .map(|o| o.nom)
        .unwrap_or_default();
    let debut = d
        .labellise_le
        .map(|t| chrono::Datelike::year(&t))
        .unwrap_or_else(|| chrono::Datelike::year(&Utc::now()));
    let fin = chrono::Datelike::year(&Utc::now());
    let liste = licences(r)?;
    let par_usage = |u: UsageLicence| {
        liste
            .iter()
            .filter(|l| l.usage == u)
            .map(|l| (l.spdx.clone(), format!("{} ({})", l.nom, l.spdx)))
            .collect::<Vec<_>>()
    };
    let en_erreur = !erreurs.is_empty();
    let cadre = Cadre::pour(v, "Publier un rapport");
    let t = PageNouveauRapport {
        cadre: if en_erreur { cadre.en_erreur() } else { cadre },
        annees: (debut..=fin).rev().collect(),
        licences: vec![
            (
                "Pour les données et les documents",
                par_usage(UsageLicence::Donnees),
            ),
            ("Pour les logiciels", par_usage(UsageLicence::Logiciel)),
        ],
        engagements: r.engagements.iter().map(|e| e.texte.clone()).collect(),
        charte: citer(&r.nom),
        types_admis: TYPES_ADMIS
            .iter()
            .map(|(_, l)| *l)
            .collect::<Vec<_>>()
            .join(", "),
        accept: TYPES_ADMIS
            .iter()
            .flat_map(|(_, l)| match *l {
                "JPEG" => vec![".jpg".to_string(), ".jpeg".to_string()],
                l => vec![format!(".{}", l.to_lowercase())],
            })
            .collect::<Vec<_>>()
            .join(","),
        organisation,
        saisie,
        erreurs,
        d,
    };
    page(&t, None, en_erreur)
}

/// `GET /dossiers/{id}/rapports/nouveau` : formulaire de rapport.
pub async fn nouveau(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let (d, r) = charte_signee(&etat, &v, &id).await?;
    let saisie = SaisieRapport {
        annee: chrono::Datelike::year(&Utc::now()).to_string(),
        licence: "etalab-2.0".into(),
        ..Default::default()
    };
    rendre_formulaire(&etat, &v, d, r, saisie, vec![]).await
}

/// `POST /dossiers/{id}/rapports` : publie un rapport et ses pièces jointes.
pub async fn publier(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    corps: CorpsMultipart,
) -> Result<Response, ErreurWeb> {
    // Jeton, compte et droit sur la charte sont contrôlés avant de lire les pièces. Un fichier
    // de plus de 20 Mo arrête la lecture à la limite : il est refusé plus bas, au champ, avec le
    // formulaire ré-affiché et la saisie lue avant lui (les pièces viennent en dernier).
    let (formulaire, u, _) = ouvrir(&v, corps).await?;
    let (d, r) = charte_signee(&etat, &v, &id).await?;
    let envoi = formulaire
        .lire(
            &etat,
            Limites {
                taille_fichier: TAILLE_MAX,
                fichiers: PIECES_MAX,
            },
        )
        .await?;
    let champ = |n: &str| envoi.champ(n).unwrap_or_default().to_string();
    let saisie = SaisieRapport {
        annee: champ("annee"),
        titre: champ("titre"),
        demarche: champ("demarche"),
        impact: champ("impact"),
        retours_outils: champ("retours_outils"),
        licence: champ("licence"),
    };
    let aujourd_hui = Utc::now().date_naive();
    let signature = d
        .labellise_le
        .map(|t| t.date_naive())
        .unwrap_or(aujourd_hui);
    let mut erreurs = Vec::new();
    let valide = match charte::valider_rapport(&saisie, licences(r)?, signature, aujourd_hui) {
        Ok(x) => Some(x),
        Err(e) => {
            erreurs = e;
            None
        }
    };
    // Pièces jointes : type reconnu par le contenu, taille (bornée à la lecture).
    let mut pieces = Vec::new();
    if envoi.trop_de_fichiers {
        erreurs.push(ErreurChamp {
            champ: "fichiers",
            message: format!("Joignez {PIECES_MAX} fichiers au plus."),
        });
    }
    if let Some(nom) = &envoi.trop_gros {
        let fichier = if nom.is_empty() {
            "Un fichier".to_string()
        } else {
            format!("Le fichier {}", citer(&nom_affichable(nom)))
        };
        erreurs.push(ErreurChamp {
            champ: "fichiers",
            message: format!(
                "{fichier} dépasse {} Mo, la taille maximale par fichier. Réduisez-le (PDF \
                 compressé, images allégées) ou partagez-le par un lien dans le texte.",
                TAILLE_MAX / 1024 / 1024
            ),
        });
    }
    for piece in &envoi.fichiers {
        let nom = nom_affichable(&piece.nom);
        match type_admis(&piece.debut) {
            Some(t) => pieces.push((nom, t, piece)),
            None => {
                erreurs.push(ErreurChamp {
                    champ: "fichiers",
                    message: format!(
                    "Le fichier {} n'est pas accepté : son contenu n'est pas d'un type admis ({}).",
                    citer(&nom),
                    TYPES_ADMIS.iter().map(|(_, l)| *l).collect::<Vec<_>>().join(", ")
                ),
                })
            }
        }
    }
    let Some(valide) = valide.filter(|_| erreurs.is_empty()) else {
        return rendre_formulaire(&etat, &v, d, r, saisie, erreurs).await;
    };
    let mut fichiers = Vec::new();
    for (nom, type_mime, piece) in pieces {
        fichiers.push(stocker(&etat, &d.id, nom, type_mime, piece, &u.id).await?);
    }
    let rapport = RapportCharte {
        id: uuid::Uuid::now_v7().to_string(),
        dossier_id: d.id.clone(),
        annee: valide.annee,
        titre: valide.titre,
        demarche: valide.demarche,
        impact: valide.impact,
        retours_outils: valide.retours_outils,
        licence: valide.licence,
        auteur_id: u.id.clone(),
        publie_le: Utc::now(),
        fichiers: fichiers.iter().map(|f| f.id.clone()).collect(),
    };
    etat.store
        .publier_rapport(&acteur(u), &rapport, &fichiers)
        .await?;
    let ident = d.numero.clone().unwrap_or_else(|| d.id.clone());
    Ok(Redirect::to(&format!(
        "/chartes/{ident}/rapports/{}?ok=publie",
        rapport.id
    ))
    .into_response())
}
