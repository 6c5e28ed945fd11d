//! Espace des demandeurs : organisations, membres, dispositifs, autodiagnostic, création d'un
//! dossier. Chaque objet est contrôlé : une personne ne voit que les organisations dont elle est
//! membre (les agents voient tout, sans pouvoir agir comme demandeur).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{Duration, Utc};
use reperes_domain::comptes::{verifier_mot_de_passe, Email, Personne, RoleCompte};
use reperes_domain::organisation::{
    Adresse, Dispositif, ErreurChamp, Organisation, SaisieOrganisation,
};
use reperes_domain::referentiel::Referentiel;
use reperes_domain::regles::{eligibilite, Situation, Verdict};
use reperes_domain::{Dossier, Role};
use reperes_store::{
    Acteur, FiltreDossiers, NatureJeton, NouveauCourriel, ResumeDossier, Utilisateur,
};
use serde::Deserialize;

use crate::commun::acces::acteur;
use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{erreur, page, rattacher, Champ, FormulaireSimple, Information};
use crate::commun::jetons::lien_jeton;
use crate::commun::libelles::{declarations, message_confirmation};
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

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
async fn organisation_membre(
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

pub struct LigneOrganisation {
    pub o: Organisation,
    pub type_libelle: String,
    pub dispositifs: Vec<Dispositif>,
}

#[derive(Template)]
#[template(path = "espace.html")]
struct PageEspace {
    cadre: Cadre,
    organisations: Vec<LigneOrganisation>,
    dossiers: Vec<ResumeDossier>,
    noms_referentiels: Vec<(String, String)>,
    /// Référentiels de nature « charte » (libellés propres : « Signée et contresignée »).
    chartes: Vec<String>,
}

impl PageEspace {
    fn etat_libelle(&self, d: &ResumeDossier) -> &'static str {
        crate::commun::libelles::libelle_etat_resume(&self.chartes, d)
    }
    fn nom_ref(&self, id: &str) -> String {
        self.noms_referentiels
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

#[derive(Deserialize, Default)]
pub struct Requete {
    ok: Option<String>,
}

pub async fn espace(
    State(etat): State<Etat>,
    v: Visiteur,
    axum::extract::Query(q): axum::extract::Query<Requete>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.connecte()?;
    let mut organisations = Vec::new();
    for id in &p.organisations {
        if let Some(o) = etat.store.organisation(id).await? {
            organisations.push(LigneOrganisation {
                type_libelle: etat
                    .catalogue
                    .type_organisation(&o.type_organisation)
                    .map(|t| t.libelle.clone())
                    .unwrap_or_default(),
                dispositifs: etat.store.dispositifs_de(&o.id).await?,
                o,
            });
        }
    }
    let dossiers = etat
        .store
        .dossiers(&FiltreDossiers {
            organisations: Some(p.organisations.clone()),
            ..Default::default()
        })
        .await?;
    let page_espace = PageEspace {
        cadre: Cadre::pour(&v, "Mon espace").avec_message(message_confirmation(q.ok.as_ref())),
        organisations,
        chartes: crate::commun::libelles::ids_chartes(&etat),
        dossiers,
        noms_referentiels: etat
            .catalogue
            .referentiels
            .iter()
            .map(|r| (r.id.clone(), r.nom_court.clone()))
            .collect(),
    };
    page(&page_espace, None, false)
}

// ---------- Organisation ----------

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
        intro: Some("Seul un dispositif est labellisé, jamais l'organisation qui le porte ; l'organisation est le porteur des dossiers.".into()),
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
                Cadre::pour(&v, "Déclarer une organisation (erreurs)"),
                &f,
                erreurs,
            ),
            None,
            true,
        ),
    }
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct PageOrganisation {
    cadre: Cadre,
    o: Organisation,
    type_libelle: String,
    membres: Vec<Utilisateur>,
    dispositifs: Vec<(Dispositif, String)>,
    referentiels: Vec<(String, String)>,
    est_membre: bool,
    erreur_invitation: Option<String>,
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
    let dispositifs = etat
        .store
        .dispositifs_de(&o.id)
        .await?
        .into_iter()
        .map(|d| {
            let t = etat
                .catalogue
                .type_dispositif(&d.type_dispositif)
                .map(|t| t.libelle.clone())
                .unwrap_or_default();
            (d, t)
        })
        .collect();
    let referentiels = etat
        .catalogue
        .referentiels
        .iter()
        .filter(|r| r.validite.en_vigueur(Utc::now().date_naive()))
        .map(|r| (r.id.clone(), r.nom.clone()))
        .collect();
    let en_erreur = erreur_invitation.is_some();
    page(
        &PageOrganisation {
            cadre: Cadre::pour(v, o.nom.clone()).avec_message(message_ok),
            type_libelle: etat
                .catalogue
                .type_organisation(&o.type_organisation)
                .map(|t| t.libelle.clone())
                .unwrap_or_default(),
            membres: etat.store.membres(&o.id).await?,
            dispositifs,
            referentiels,
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
    let lien = lien_jeton(
        &etat,
        NatureJeton::Invitation,
        email.as_str(),
        Some(o.id.clone()),
        None,
        Duration::days(7),
        "/invitation",
    )
    .await?;
    etat.store
        .mettre_en_file(&NouveauCourriel {
            destinataire: email.to_string(),
            sujet: format!("Repères : invitation à rejoindre {}", o.nom),
            corps: format!(
                "Bonjour,\n\n{} vous invite à rejoindre l'organisation « {} » sur Repères, pour préparer et suivre ses dossiers.\nOuvrez ce lien (valable 7 jours) :\n{lien}\n",
                u.nom, o.nom
            ),
        })
        .await?;
    Ok(Redirect::to(&format!("/organisations/{}?ok=invitation", o.id)).into_response())
}

// ---------- Invitations (organisation ou instruction) ----------

#[derive(Template)]
#[template(path = "invitation.html")]
struct PageInvitation {
    cadre: Cadre,
    objet: String,
    email: String,
    /// `rejoindre` (connecté avec la bonne adresse), `creer` (pas de compte), `connexion`, `autre_compte`.
    cas: &'static str,
    action: String,
    champs: Vec<Champ>,
    erreurs: Vec<ErreurChamp>,
}

/// Lit une invitation sans la consommer.
async fn lire_invitation(
    etat: &Etat,
    jeton: &str,
) -> Result<Option<reperes_store::Jeton>, ErreurWeb> {
    Ok(etat
        .store
        .jeton_valide(&auth::empreinte(jeton), NatureJeton::Invitation, Utc::now())
        .await?)
}

async fn objet_invitation(etat: &Etat, j: &reperes_store::Jeton) -> Result<String, ErreurWeb> {
    Ok(match (&j.organisation_id, j.role) {
        (Some(o), _) => match etat.store.organisation(o).await? {
            Some(o) => format!("rejoindre l'organisation « {} »", o.nom),
            None => return Err(ErreurWeb::Introuvable),
        },
        (None, Some(r)) => format!("rejoindre l'instruction en tant que « {} »", r.libelle()),
        _ => return Err(ErreurWeb::Introuvable),
    })
}

async fn page_invitation(
    etat: &Etat,
    mut v: Visiteur,
    jeton: &str,
    erreurs: Vec<ErreurChamp>,
    nom: &str,
) -> Result<Response, ErreurWeb> {
    let Some(j) = lire_invitation(etat, jeton).await? else {
        return page(
            &Information {
                cadre: Cadre::pour(&v, "Invitation invalide ou expirée"),
                paragraphes: vec!["Cette invitation n'est plus valable : demandez à la personne qui vous a invité de vous en envoyer une nouvelle.".into()],
                liens: vec![],
            },
            None,
            false,
        );
    };
    let (_, entete) = v.csrf(etat).await?;
    let email = Email::parse(&j.email).map_err(ErreurWeb::Requete)?;
    let cas = match &v.utilisateur {
        Some(u) if u.email == j.email => "rejoindre",
        Some(_) => "autre_compte",
        None if etat.store.utilisateur_par_email(&email).await?.is_some() => "connexion",
        None => "creer",
    };
    let mut champs = vec![
        Champ::new("nom", "Prénom et nom", "text")
            .valeur(nom)
            .autocomplete("name"),
        Champ::new("mot_de_passe", "Mot de passe", "password")
            .aide("12 caractères au moins.")
            .autocomplete("new-password"),
    ];
    rattacher(&mut champs, &erreurs);
    let en_erreur = !erreurs.is_empty();
    page(
        &PageInvitation {
            cadre: Cadre::pour(&v, "Invitation"),
            objet: objet_invitation(etat, &j).await?,
            email: j.email.clone(),
            cas,
            action: format!("/invitation/{jeton}"),
            champs,
            erreurs,
        },
        entete,
        en_erreur,
    )
}

pub async fn invitation(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(jeton): Path<String>,
) -> Result<Response, ErreurWeb> {
    page_invitation(&etat, v, &jeton, vec![], "").await
}

#[derive(Deserialize)]
pub struct FormAccepter {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    nom: String,
    #[serde(default)]
    mot_de_passe: String,
}

pub async fn accepter_invitation(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(jeton): Path<String>,
    Form(f): Form<FormAccepter>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let Some(j) = lire_invitation(&etat, &jeton).await? else {
        return page_invitation(&etat, v, &jeton, vec![], "").await;
    };
    let email = Email::parse(&j.email).map_err(ErreurWeb::Requete)?;
    let compte = match &v.utilisateur {
        Some(u) if u.email == j.email => u.clone(),
        Some(_) => return Err(ErreurWeb::Interdit),
        None => {
            if etat.store.utilisateur_par_email(&email).await?.is_some() {
                return Ok(Redirect::to("/connexion").into_response());
            }
            let mut erreurs = Vec::new();
            if f.nom.trim().is_empty() {
                erreurs.push(erreur("nom", "Indiquez votre prénom et votre nom."));
            }
            if let Err(m) = verifier_mot_de_passe(&f.mot_de_passe, email.as_str()) {
                erreurs.push(erreur("mot_de_passe", m));
            }
            if !erreurs.is_empty() {
                return page_invitation(&etat, v, &jeton, erreurs, &f.nom).await;
            }
            let mdp = f.mot_de_passe.clone();
            let hash = tokio::task::spawn_blocking(move || auth::hacher(&mdp))
                .await
                .map_err(|e| ErreurWeb::Interne(e.to_string()))?
                .map_err(ErreurWeb::Interne)?;
            let u = Utilisateur {
                id: uuid::Uuid::now_v7().to_string(),
                email: email.to_string(),
                nom: f.nom.trim().to_string(),
                role: RoleCompte::Demandeur,
                hash_mot_de_passe: Some(hash),
                // L'invitation est arrivée dans cette messagerie : l'adresse est confirmée.
                email_verifie: true,
                actif: true,
            };
            etat.store
                .creer_utilisateur(&Acteur::new(email.as_str(), Role::Demandeur), &u)
                .await?;
            u
        }
    };
    if etat
        .store
        .consommer_jeton(
            &auth::empreinte(&jeton),
            NatureJeton::Invitation,
            Utc::now(),
        )
        .await?
        .is_none()
    {
        return Err(ErreurWeb::Introuvable);
    }
    let a = Acteur::new(email.as_str(), Role::Demandeur);
    let suite = if let Some(o) = &j.organisation_id {
        etat.store.ajouter_membre(&a, o, &compte.id).await?;
        format!("/organisations/{o}?ok=membre")
    } else if let Some(role) = j.role {
        let mut promu = compte.clone();
        promu.role = role;
        etat.store
            .mettre_a_jour_utilisateur(&a, "accepter_role", &promu)
            .await?;
        "/espace".to_string()
    } else {
        "/espace".to_string()
    };
    if v.utilisateur.is_some() {
        Ok(Redirect::to(&suite).into_response())
    } else {
        page(
            &Information {
                cadre: Cadre::pour(&v, "Compte créé"),
                paragraphes: vec!["Votre compte est créé et l'invitation acceptée. Connectez-vous pour continuer.".into()],
                liens: vec![("/connexion".into(), "Se connecter".into())],
            },
            None,
            false,
        )
    }
}

// ---------- Dispositifs ----------

#[derive(Deserialize, Default)]
pub struct FormDispositif {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    nom: String,
    #[serde(default)]
    type_dispositif: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    site: String,
}

fn page_dispositif(
    etat: &Etat,
    cadre: Cadre,
    org: &str,
    f: &FormDispositif,
    erreurs: Vec<ErreurChamp>,
) -> FormulaireSimple {
    let types = etat
        .catalogue
        .nomenclatures()
        .types_dispositif
        .iter()
        .map(|t| (t.id.clone(), t.libelle.clone()))
        .collect();
    let mut champs = vec![
        Champ::new("nom", "Nom du dispositif", "text").valeur(&f.nom),
        Champ::new("type_dispositif", "Type de dispositif", "select")
            .valeur(&f.type_dispositif)
            .options(types),
        Champ::new("description", "Description", "textarea")
            .valeur(&f.description)
            .aide("À quoi sert le dispositif, pour quels publics, avec quels partenaires."),
        Champ::new("site", "Site web (facultatif)", "text")
            .valeur(&f.site)
            .aide("Adresse commençant par https://"),
    ];
    rattacher(&mut champs, &erreurs);
    FormulaireSimple {
        cadre,
        intro: None,
        action: format!("/organisations/{org}/dispositifs"),
        champs,
        erreurs,
        bouton: "Enregistrer le dispositif",
        liens: vec![(
            format!("/organisations/{org}"),
            "Retour à l'organisation".into(),
        )],
    }
}

pub async fn nouveau_dispositif(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(org): Path<String>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.connecte()?;
    organisation_membre(&etat, p, &org).await?;
    page(
        &page_dispositif(
            &etat,
            Cadre::pour(&v, "Nouveau dispositif"),
            &org,
            &FormDispositif::default(),
            vec![],
        ),
        None,
        false,
    )
}

pub async fn creer_dispositif(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(org): Path<String>,
    Form(f): Form<FormDispositif>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, p) = v.connecte()?;
    organisation_membre(&etat, p, &org).await?;
    let d = Dispositif {
        id: uuid::Uuid::now_v7().to_string(),
        organisation_id: org.clone(),
        nom: f.nom.trim().to_string(),
        type_dispositif: f.type_dispositif.clone(),
        description: f.description.trim().to_string(),
        site: Some(f.site.trim().to_string()).filter(|s| !s.is_empty()),
    };
    if let Err(erreurs) = d.verifier(&etat.catalogue) {
        return page(
            &page_dispositif(
                &etat,
                Cadre::pour(&v, "Nouveau dispositif (erreurs)"),
                &org,
                &f,
                erreurs,
            ),
            None,
            true,
        );
    }
    etat.store.creer_dispositif(&acteur(u), &d).await?;
    Ok(Redirect::to(&format!("/organisations/{org}?ok=dispositif")).into_response())
}

/// Le dispositif, si la personne est membre de son organisation.
pub async fn dispositif_membre(
    etat: &Etat,
    p: &Personne,
    id: &str,
) -> Result<(Organisation, Dispositif), ErreurWeb> {
    let d = etat
        .store
        .dispositif(id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let o = organisation_membre(etat, p, &d.organisation_id).await?;
    Ok((o, d))
}

// ---------- Autodiagnostic ----------

#[derive(Template)]
#[template(path = "autodiagnostic.html")]
struct PageAutodiagnostic<'a> {
    cadre: Cadre,
    r: &'a Referentiel,
    d: Dispositif,
    o: Organisation,
    declarations: Vec<(String, String)>,
    reponses: Vec<(String, u8)>,
    reponses_declarations: Vec<(String, bool)>,
    verdict: Option<Verdict>,
}

impl PageAutodiagnostic<'_> {
    fn declaration(&self, id: &str) -> Option<bool> {
        self.reponses_declarations
            .iter()
            .find(|(d, _)| d == id)
            .map(|(_, v)| *v)
    }
    fn niveau_choisi(&self, critere: &str) -> u8 {
        self.reponses
            .iter()
            .find(|(c, _)| c == critere)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }
    fn exigence(&self, critere: &reperes_domain::referentiel::Critere, niveau: &u8) -> String {
        critere
            .exigence(&self.d.type_dispositif, *niveau)
            .map(|e| e.texte.clone())
            .unwrap_or_default()
    }
}

fn referentiel_en_vigueur<'a>(etat: &'a Etat, id: &str) -> Result<&'a Referentiel, ErreurWeb> {
    etat.catalogue
        .referentiel_en_vigueur(id, Utc::now().date_naive())
        .ok_or(ErreurWeb::Introuvable)
}

pub async fn autodiagnostic(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((disp, ref_id)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    let (_, p) = v.connecte()?;
    let (o, d) = dispositif_membre(&etat, p, &disp).await?;
    let r = referentiel_en_vigueur(&etat, &ref_id)?;
    let t = PageAutodiagnostic {
        cadre: Cadre::pour(&v, format!("Autodiagnostic {} — {}", r.nom_court, d.nom)),
        declarations: declarations(r),
        r,
        d,
        o,
        reponses: vec![],
        reponses_declarations: vec![],
        verdict: None,
    };
    page(&t, None, false)
}

pub async fn evaluer(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((disp, ref_id)): Path<(String, String)>,
    Form(champs): Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf_champs(&champs)?;
    let (_, p) = v.connecte()?;
    let (o, d) = dispositif_membre(&etat, p, &disp).await?;
    let r = referentiel_en_vigueur(&etat, &ref_id)?;
    let mut s = Situation {
        type_demandeur: o.type_organisation.clone(),
        type_dispositif: d.type_dispositif.clone(),
        ..Default::default()
    };
    for (k, x) in &champs {
        if let Some(c) = k.strip_prefix("niveau_") {
            if let (Some(_), Ok(n)) = (r.critere(c), x.parse::<u8>()) {
                if n == 0 || r.niveau(n).is_some() {
                    s.niveaux.insert(c.to_string(), n);
                }
            }
        }
        if let Some(dcl) = k.strip_prefix("declaration_") {
            s.declarations.insert(dcl.to_string(), x == "oui");
        }
    }
    let verdict = eligibilite(r, &s);
    let t = PageAutodiagnostic {
        cadre: Cadre::pour(
            &v,
            format!("Résultat de l'autodiagnostic {} — {}", r.nom_court, d.nom),
        ),
        declarations: declarations(r),
        reponses: s.niveaux.into_iter().collect(),
        reponses_declarations: s.declarations.into_iter().collect(),
        r,
        d,
        o,
        verdict: Some(verdict),
    };
    page(&t, None, false)
}

#[derive(Deserialize)]
pub struct FormNouveauDossier {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    dispositif: String,
    referentiel: String,
    #[serde(default)]
    niveau: Option<u8>,
}

pub async fn creer_dossier(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormNouveauDossier>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, p) = v.connecte()?;
    let (o, d) = dispositif_membre(&etat, p, &f.dispositif).await?;
    let r = referentiel_en_vigueur(&etat, &f.referentiel)?;
    let dossier = Dossier::nouveau(
        uuid::Uuid::now_v7().to_string(),
        r,
        &o,
        &d,
        f.niveau.unwrap_or(1),
    )
    .map_err(|e| ErreurWeb::Requete(e.to_string()))?;
    etat.store.creer_dossier(&acteur(u), &dossier).await?;
    Ok(Redirect::to(&format!("/dossiers/{}/etapes/1", dossier.id)).into_response())
}
