//! Organisations porteuses : déclaration, page de l'organisation (membres, dispositifs),
//! invitation d'un membre. Une personne ne voit que les organisations dont elle est membre (les
//! agents voient tout, sans pouvoir agir comme demandeur).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use reperes_domain::comptes::{Email, Personne};
use reperes_domain::organisation::{Adresse, Dispositif, Organisation, SaisieOrganisation};
use reperes_domain::referentiel::{Nature, Referentiel};
use reperes_domain::saisie::ErreurChamp;
use reperes_store::Utilisateur;
use serde::Deserialize;

use crate::commun::acces::acteur;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{page, rattacher, Champ, FormulaireSimple};
use crate::commun::libelles::{citer, message_confirmation};
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::tableau::Requete;

/// L'organisation, si la personne en est membre (ou est agent) ; sinon « introuvable » (on ne
/// révèle pas l'existence des objets d'autrui).
pub async fn organisation_visible(
    etat: &Etat,
    p: &Personne,
    id: &str,
) -> Result<Organisation, ErreurWeb> {
    if !(p.role.est_agent() || p.membre_de(id)) {
        return Err(ErreurWeb::Introuvable);
    }
    etat.store
        .organisation(id)
        .await?
        .ok_or(ErreurWeb::Introuvable)
}

/// Même règle, et seuls les membres peuvent agir au nom de l'organisation.
pub(super) async fn organisation_membre(
    etat: &Etat,
    p: &Personne,
    id: &str,
) -> Result<Organisation, ErreurWeb> {
    if !p.membre_de(id) {
        return Err(ErreurWeb::Introuvable);
    }
    etat.store
        .organisation(id)
        .await?
        .ok_or(ErreurWeb::Introuvable)
}

#[derive(Deserialize, Default)]
pub struct FormOrganisation {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    nom: String,
    #[serde(default)]
    type_organisation: String,
    #[serde(default)]
    siret: String,
    #[serde(default)]
    rna: String,
    #[serde(default)]
    voie: String,
    #[serde(default)]
    code_postal: String,
    #[serde(default)]
    commune: String,
}

fn page_organisation(
    etat: &Etat,
    cadre: Cadre,
    f: &FormOrganisation,
    erreurs: Vec<ErreurChamp>,
) -> FormulaireSimple {
    let types = etat
        .catalogue
        .nomenclatures()
        .types_organisation
        .iter()
        .map(|t| (t.id.clone(), t.libelle.clone()))
        .collect();
    let mut champs = vec![
        Champ::new("nom", "Nom de l'organisation", "text")
            .valeur(&f.nom)
            .autocomplete("organization"),
        Champ::new("type_organisation", "Type d'organisation", "select")
            .valeur(&f.type_organisation)
            .options(types),
        Champ::new("siret", "SIRET", "text").valeur(&f.siret).aide(
            "14 chiffres. Obligatoire, sauf pour une association qui indique son numéro RNA.",
        ),
        Champ::new("rna", "Numéro RNA (associations)", "text")
            .valeur(&f.rna)
            .aide("« W » suivi de 9 caractères, par exemple W802001234."),
        Champ::new("voie", "Adresse", "text")
            .valeur(&f.voie)
            .autocomplete("street-address"),
        Champ::new("code_postal", "Code postal", "text")
            .valeur(&f.code_postal)
            .aide("5 chiffres")
            .autocomplete("postal-code"),
        Champ::new("commune", "Commune", "text")
            .valeur(&f.commune)
            .autocomplete("address-level2"),
    ];
    rattacher(&mut champs, &erreurs);
    FormulaireSimple {
        cadre,
        intro: Some("L'organisation porte les dossiers : ce qui est distingué, c'est un dispositif qu'elle porte, jamais l'organisation elle-même ; un territoire (commune, EPCI, département…) signe la charte pour sa démarche territoriale.".into()),
        action: "/organisations/nouvelle".into(),
        champs,
        erreurs,
        bouton: "Enregistrer l'organisation",
        liens: vec![("/espace".into(), "Retour à mon espace".into())],
    }
}

pub async fn nouvelle_organisation(
    State(etat): State<Etat>,
    v: Visiteur,
) -> Result<Response, ErreurWeb> {
    v.connecte()?;
    page(
        &page_organisation(
            &etat,
            Cadre::pour(&v, "Déclarer une organisation"),
            &FormOrganisation::default(),
            vec![],
        ),
        None,
        false,
    )
}

pub async fn creer_organisation(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormOrganisation>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.connecte()?;
    let saisie = SaisieOrganisation {
        nom: f.nom.clone(),
        type_organisation: f.type_organisation.clone(),
        siret: f.siret.clone(),
        rna: f.rna.clone(),
        adresse: Adresse {
            voie: f.voie.clone(),
            code_postal: f.code_postal.clone(),
            commune: f.commune.clone(),
        },
    };
    match saisie.analyser(uuid::Uuid::now_v7().to_string(), &etat.catalogue) {
        Ok(o) => {
            etat.store.creer_organisation(&acteur(u), &o).await?;
            etat.store.ajouter_membre(&acteur(u), &o.id, &u.id).await?;
            Ok(Redirect::to(&format!("/organisations/{}?ok=organisation", o.id)).into_response())
        }
        Err(erreurs) => page(
            &page_organisation(
                &etat,
                Cadre::pour(&v, "Déclarer une organisation").en_erreur(),
                &f,
                erreurs,
            ),
            None,
            true,
        ),
    }
}

/// Un référentiel qui admet un dispositif : (identifiant, nom).
type ReferentielPossible = (String, String);

/// Une charte que l'organisation peut signer (son type est parmi les signataires admis).
pub struct CharteOuverte {
    pub id: String,
    /// Nom de la charte, cité sans doubler ses guillemets.
    pub nom: String,
    /// Type de la démarche territoriale pour laquelle la charte est signée.
    pub type_demarche: String,
    /// Démarches déjà décrites par l'organisation : (identifiant, nom, charte déjà signée et
    /// contresignée ou arrivée à échéance : le nouveau dossier sera un renouvellement).
    pub demarches: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "espace/organisation.html")]
struct PageOrganisation {
    cadre: Cadre,
    o: Organisation,
    type_libelle: String,
    membres: Vec<Utilisateur>,
    /// (dispositif, libellé de son type, référentiels qui l'admettent).
    dispositifs: Vec<(Dispositif, String, Vec<ReferentielPossible>)>,
    chartes: Vec<CharteOuverte>,
    est_membre: bool,
    erreur_invitation: Option<String>,
}

/// Types de dispositif que seules des chartes admettent (la « démarche territoriale ») : ce
/// n'est pas un dispositif à faire distinguer, mais la démarche pour laquelle un territoire signe.
pub(super) fn types_de_charte(etat: &Etat) -> Vec<String> {
    let en_vigueur: Vec<_> = etat
        .catalogue
        .referentiels
        .iter()
        .filter(|r| r.validite.en_vigueur(Utc::now().date_naive()))
        .collect();
    let mut types: Vec<String> = en_vigueur
        .iter()
        .filter(|r| r.nature == Nature::Charte)
        .flat_map(|r| r.types_dispositif.iter().cloned())
        .filter(|t| {
            !en_vigueur
                .iter()
                .any(|r| r.nature != Nature::Charte && r.types_dispositif.contains(t))
        })
        .collect();
    types.sort();
    types.dedup();
    types
}

async fn rendre_organisation(
    etat: &Etat,
    v: &Visiteur,
    id: &str,
    message_ok: Option<String>,
    erreur_invitation: Option<String>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.connecte()?;
    let o = organisation_visible(etat, p, id).await?;
    // Pour chaque dispositif, les seuls référentiels qui l'admettent (type de l'organisation et
    // type du dispositif) : une démarche territoriale ne voit que la charte.
    let en_vigueur: Vec<&Referentiel> = etat
        .catalogue
        .referentiels
        .iter()
        .filter(|r| r.validite.en_vigueur(Utc::now().date_naive()))
        .filter(|r| r.nature.instruite())
        .filter(|r| r.demandeurs.is_empty() || r.demandeurs.contains(&o.type_organisation))
        .collect();
    let liste = etat.store.dispositifs_de(&o.id).await?;
    let dispositifs = liste
        .iter()
        .map(|d| {
            let t = etat
                .catalogue
                .type_dispositif(&d.type_dispositif)
                .map(|t| t.libelle.clone())
                .unwrap_or_default();
            let refs = en_vigueur
                .iter()
                .filter(|r| {
                    r.types_dispositif.is_empty() || r.types_dispositif.contains(&d.type_dispositif)
                })
                .map(|r| (r.id.clone(), r.nom.clone()))
                .collect();
            (d.clone(), t, refs)
        })
        .collect();
    let mut chartes = Vec::new();
    for r in en_vigueur.iter().filter(|r| r.nature == Nature::Charte) {
        let Some(type_demarche) = r.types_dispositif.first().cloned() else {
            continue;
        };
        let mut demarches = Vec::new();
        for d in liste
            .iter()
            .filter(|d| r.types_dispositif.contains(&d.type_dispositif))
        {
            let signee = dernier_accorde(etat, &o.id, &d.id, &r.id).await?.is_some();
            demarches.push((d.id.clone(), d.nom.clone(), signee));
        }
        chartes.push(CharteOuverte {
            id: r.id.clone(),
            nom: citer(&r.nom),
            demarches,
            type_demarche,
        });
    }
    let en_erreur = erreur_invitation.is_some();
    page(
        &PageOrganisation {
            cadre: {
                let cadre = Cadre::pour(v, o.nom.clone()).avec_message(message_ok);
                if en_erreur {
                    cadre.en_erreur()
                } else {
                    cadre
                }
            },
            type_libelle: etat
                .catalogue
                .type_organisation(&o.type_organisation)
                .map(|t| t.libelle.clone())
                .unwrap_or_default(),
            membres: etat.store.membres(&o.id).await?,
            dispositifs,
            chartes,
            est_membre: p.membre_de(&o.id),
            erreur_invitation,
            o,
        },
        None,
        en_erreur,
    )
}

pub async fn organisation(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Requete>,
) -> Result<Response, ErreurWeb> {
    rendre_organisation(&etat, &v, &id, message_confirmation(q.ok.as_ref()), None).await
}

#[derive(Deserialize)]
pub struct FormInvitation {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

pub async fn inviter(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Form(f): Form<FormInvitation>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, p) = v.connecte()?;
    let o = organisation_membre(&etat, p, &id).await?;
    let email = match Email::parse(&f.email) {
        Ok(e) => e,
        Err(m) => return rendre_organisation(&etat, &v, &id, None, Some(m)).await,
    };
    // Limitée par personne et par organisation ; le nom de l'organisation reste hors de l'objet
    // du courriel (issue 13, constat 5).
    if let Err(m) = super::invitations::envoyer_invitation(&etat, u, &o, &email).await? {
        let mut r = rendre_organisation(&etat, &v, &id, None, Some(m)).await?;
        *r.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return Ok(r);
    }
    Ok(Redirect::to(&format!("/organisations/{}?ok=invitation", o.id)).into_response())
}

/// Le dernier dossier accordé (ou arrivé à échéance) d'un dispositif pour un référentiel : celui
/// qu'un nouveau dossier renouvelle.
pub(super) async fn dernier_accorde(
    etat: &Etat,
    organisation_id: &str,
    dispositif_id: &str,
    referentiel_id: &str,
) -> Result<Option<reperes_domain::Dossier>, ErreurWeb> {
    let liste = etat
        .store
        .dossiers(&reperes_store::FiltreDossiers {
            organisation_id: Some(organisation_id.to_string()),
            referentiel_id: Some(referentiel_id.to_string()),
            ..Default::default()
        })
        .await?;
    // Les plus récemment modifiés d'abord.
    let Some(r) = liste.iter().find(|x| {
        x.dispositif_id == dispositif_id
            && matches!(
                x.etat,
                reperes_domain::Etat::Labellise | reperes_domain::Etat::Expire
            )
    }) else {
        return Ok(None);
    };
    Ok(etat.store.dossier(&r.id).await?)
}
