//! Avis d'experts, côté expert : le lien reçu par courriel (création d'un compte limité aux
//! demandes d'avis, ou connexion), la liste de ses demandes, le dossier de chacune en lecture
//! seule (critères, preuves, pièces), la réponse (texte et pièces jointes vérifiées par contenu
//! et taille, une seule fois). L'expert ne voit rien d'autre : l'accès passe par l'adresse de la
//! demande (`reperes_domain::dossier::avis::voit`), jamais par un rôle sur les dossiers.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use reperes_domain::comptes::{Email, RoleCompte};
use reperes_domain::dossier::avis::{self, verifier_reponse, DemandeAvis, EtatAvis, Lecteur};
use reperes_domain::referentiel::Referentiel;
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::{Dossier, Role};
use reperes_store::{Acteur, Fichier, Utilisateur};
use serde::Deserialize;

use crate::commun::acces::acteur;
use crate::commun::auth;
use crate::commun::cadre::Cadre;
use crate::commun::cibles;
use crate::commun::envoi::{ouvrir, CorpsMultipart, Limites};
use crate::commun::fichiers::{servir_fichier, stocker};
use crate::commun::formulaires::{page, rattacher, Champ, FormulaireSimple, Information};
use crate::commun::session::{self, Visiteur};
use crate::commun::stockage::{nom_affichable, type_admis, TAILLE_MAX, TYPES_ADMIS};
use crate::{ErreurWeb, Etat};

/// La demande, si le compte connecté en est l'expert (même adresse) et qu'elle n'est pas
/// annulée ; sinon 404 (rien n'est révélé).
async fn demande_de_l_expert<'v>(
    etat: &Etat,
    v: &'v Visiteur,
    id: &str,
) -> Result<(DemandeAvis, &'v Utilisateur), ErreurWeb> {
    let (u, _) = v.connecte()?;
    let a = etat.store.avis(id).await?.ok_or(ErreurWeb::Introuvable)?;
    if a.expert_email != u.email || !avis::voit(Lecteur::ExpertDeLaDemande, &a) {
        return Err(ErreurWeb::Introuvable);
    }
    Ok((a, u))
}

// ---------- Liste ----------

pub struct LigneListe {
    pub id: String,
    pub numero: String,
    pub date_limite: String,
    pub etat: EtatAvis,
}

#[derive(Template)]
#[template(path = "instruction/avis_liste.html")]
struct PageListe {
    cadre: Cadre,
    lignes: Vec<LigneListe>,
}

/// `GET /avis` : les demandes d'avis adressées au compte connecté.
pub async fn mes_avis(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    let (u, _) = v.connecte()?;
    let aujourd_hui = Utc::now().date_naive();
    let mut lignes = Vec::new();
    for a in etat.store.avis_de_l_expert(&u.email).await? {
        let numero = etat
            .store
            .dossier(&a.dossier_id)
            .await?
            .and_then(|d| d.numero)
            .unwrap_or_default();
        lignes.push(LigneListe {
            numero,
            date_limite: a.date_limite.format("%d/%m/%Y").to_string(),
            etat: a.etat(aujourd_hui),
            id: a.id,
        });
    }
    page(
        &PageListe {
            cadre: Cadre::pour(&v, "Mes demandes d'avis"),
            lignes,
        },
        None,
        false,
    )
}

// ---------- Lien reçu par courriel ----------

#[derive(Deserialize)]
pub struct FormCompteExpert {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    nom: String,
    #[serde(default)]
    mot_de_passe: String,
}

fn lien_hors_d_usage(v: &Visiteur) -> Result<Response, ErreurWeb> {
    let mut r = page(
        &Information {
            cadre: Cadre::pour(v, "Lien de demande d'avis hors d'usage"),
            paragraphes: vec!["Ce lien ne correspond à aucune demande d'avis en cours : la demande a peut-être été annulée par l'agent qui l'avait envoyée, ou le lien n'a pas été copié en entier depuis le courriel.".into()],
            liens: vec![("/".into(), "Aller à l'accueil".into())],
        },
        None,
        false,
    )?;
    *r.status_mut() = StatusCode::NOT_FOUND;
    Ok(r)
}

async fn page_lien(
    etat: &Etat,
    mut v: Visiteur,
    jeton: &str,
    erreurs: Vec<ErreurChamp>,
    nom: &str,
) -> Result<Response, ErreurWeb> {
    let Some(a) = etat.store.avis_par_jeton(&auth::empreinte(jeton)).await? else {
        return lien_hors_d_usage(&v);
    };
    let action = format!("/avis/lien/{jeton}");
    if let Some(u) = &v.utilisateur {
        if u.email == a.expert_email {
            etat.store.rattacher_expert(&acteur(u), &a, &u.id).await?;
            return Ok(Redirect::to(&format!("/avis/{}", a.id)).into_response());
        }
        return page(
            &Information {
                cadre: Cadre::pour(&v, "Demande d'avis"),
                paragraphes: vec![format!("Cette demande d'avis est adressée à {} : vous êtes connecté ou connectée avec une autre adresse. Déconnectez-vous, puis rouvrez ce lien.", a.expert_email)],
                liens: vec![],
            },
            None,
            false,
        );
    }
    let email = Email::parse(&a.expert_email).map_err(ErreurWeb::Requete)?;
    if etat.store.utilisateur_par_email(&email).await?.is_some() {
        // Un compte existe pour cette adresse (expert, ou demandeur) : on s'y connecte, puis
        // on revient ici.
        return Ok(Redirect::to(&cibles::vers_connexion(Some(&action))).into_response());
    }
    let (_, entete) = v.csrf(etat).await?;
    let mut champs = vec![
        Champ::new("nom", "Prénom et nom", "text")
            .valeur(nom)
            .autocomplete("name"),
        Champ::new("mot_de_passe", "Mot de passe", "password")
            .aide(
                "12 caractères au moins. Une phrase de passe facile à retenir convient très bien.",
            )
            .autocomplete("new-password"),
    ];
    rattacher(&mut champs, &erreurs);
    let en_erreur = !erreurs.is_empty();
    let mut cadre = Cadre::pour(&v, "Demande d'avis : créer votre compte d'expert");
    if en_erreur {
        cadre = cadre.en_erreur();
    }
    page(
        &FormulaireSimple {
            cadre,
            intro: Some(format!("Votre avis d'expert est demandé sur un dossier déposé sur Repères, avant le {}. Créez votre compte (adresse {}) : il ne donne accès qu'à vos demandes d'avis. Tous les champs sont obligatoires.", a.date_limite.format("%d/%m/%Y"), a.expert_email)),
            action,
            champs,
            erreurs,
            bouton: "Créer mon compte et lire la demande",
            liens: vec![],
        },
        entete,
        en_erreur,
    )
}

/// `GET /avis/lien/{jeton}` : le lien du courriel.
pub async fn lien(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(jeton): Path<String>,
) -> Result<Response, ErreurWeb> {
    page_lien(&etat, v, &jeton, vec![], "").await
}

/// `POST /avis/lien/{jeton}` : crée le compte d'expert (rôle « expert », mot de passe argon2id)
/// et connecte la personne.
pub async fn creer_compte(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(jeton): Path<String>,
    Form(f): Form<FormCompteExpert>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let Some(a) = etat.store.avis_par_jeton(&auth::empreinte(&jeton)).await? else {
        return lien_hors_d_usage(&v);
    };
    let email = Email::parse(&a.expert_email).map_err(ErreurWeb::Requete)?;
    if v.utilisateur.is_some() || etat.store.utilisateur_par_email(&email).await?.is_some() {
        return page_lien(&etat, v, &jeton, vec![], "").await;
    }
    let u = match auth::compte_par_lien(&email, &f.nom, &f.mot_de_passe, RoleCompte::Expert).await?
    {
        Ok(u) => u,
        Err(erreurs) => return page_lien(&etat, v, &jeton, erreurs, &f.nom).await,
    };
    let a_ = Acteur::new(&u.id, Role::Expert);
    etat.store.creer_utilisateur(&a_, &u).await?;
    etat.store.rattacher_expert(&a_, &a, &u.id).await?;
    if let Some(s) = &v.session {
        etat.store.supprimer_session(&s.id_hash).await?;
    }
    let (_, entete) = session::ouvrir(&etat, Some(u.id.clone())).await?;
    let mut r = Redirect::to(&format!("/avis/{}", a.id)).into_response();
    r.headers_mut().append(entete.0, entete.1);
    Ok(r)
}

// ---------- La demande et le dossier en lecture seule ----------

pub struct CritereLu {
    pub libelle: String,
    pub texte: String,
    pub liens: Vec<String>,
    pub fichiers: Vec<Fichier>,
}

#[derive(Template)]
#[template(path = "instruction/avis_expert.html")]
struct PageAvis<'a> {
    cadre: Cadre,
    a: DemandeAvis,
    etat_libelle: &'static str,
    d: Dossier,
    r: &'a Referentiel,
    criteres: Vec<CritereLu>,
    pieces_reponse: Vec<Fichier>,
    reponse: String,
    erreurs: Vec<ErreurChamp>,
    pieces_max: usize,
}

impl PageAvis<'_> {
    fn erreur(&self, champ: &str) -> Option<&str> {
        self.erreurs
            .iter()
            .find(|e| e.champ == champ)
            .map(|e| e.message.as_str())
    }
}

async fn rendre(
    etat: &Etat,
    v: &Visiteur,
    a: DemandeAvis,
    reponse: String,
    erreurs: Vec<ErreurChamp>,
    ok: Option<&String>,
) -> Result<Response, ErreurWeb> {
    let d = etat
        .store
        .dossier(&a.dossier_id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let r = etat
        .catalogue
        .referentiel(&d.referentiel_id, &d.referentiel_version)
        .ok_or_else(|| {
            ErreurWeb::Incoherence(format!("référentiel {} absent", d.referentiel_id))
        })?;
    let fichiers: BTreeMap<String, Fichier> = etat
        .store
        .fichiers_du_dossier(&d.id)
        .await?
        .into_iter()
        .map(|f| (f.id.clone(), f))
        .collect();
    let criteres = r
        .criteres
        .iter()
        .filter_map(|c| {
            let rep = d.reponse(&c.id)?;
            Some(CritereLu {
                libelle: c.libelle.clone(),
                texte: rep.texte.clone(),
                liens: rep.liens.clone(),
                fichiers: rep
                    .fichiers
                    .iter()
                    .filter_map(|f| fichiers.get(f).cloned())
                    .collect(),
            })
        })
        .collect();
    let pieces_reponse = a
        .fichiers
        .iter()
        .filter_map(|f| fichiers.get(f).cloned())
        .collect();
    let en_erreur = !erreurs.is_empty();
    let mut cadre = Cadre::pour(
        v,
        format!(
            "Demande d'avis — dossier {}",
            d.numero.clone().unwrap_or_default()
        ),
    )
    .avec_message(crate::commun::libelles::message_confirmation(ok));
    if en_erreur {
        cadre = cadre.en_erreur();
    }
    let t = PageAvis {
        cadre,
        etat_libelle: a.etat(Utc::now().date_naive()).libelle(),
        a,
        d,
        r,
        criteres,
        pieces_reponse,
        reponse,
        erreurs,
        pieces_max: avis::PIECES_MAX,
    };
    let mut rep = page(&t, None, en_erreur)?;
    rep.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    Ok(rep)
}

#[derive(Deserialize, Default)]
pub struct RequeteOk {
    ok: Option<String>,
}

/// `GET /avis/{id}` : la demande, le dossier en lecture seule, la réponse (ou son formulaire).
pub async fn voir_avis(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<RequeteOk>,
) -> Result<Response, ErreurWeb> {
    let (a, _) = demande_de_l_expert(&etat, &v, &id).await?;
    rendre(&etat, &v, a, String::new(), vec![], q.ok.as_ref()).await
}

/// `POST /avis/{id}` (multipart) : la réponse de l'expert, texte et pièces jointes. Une seule
/// réponse : ensuite, l'avis ne se modifie plus (une nouvelle demande sinon).
pub async fn repondre(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    corps: CorpsMultipart,
) -> Result<Response, ErreurWeb> {
    let (formulaire, _, _) = ouvrir(&v, corps).await?;
    let (a, u) = demande_de_l_expert(&etat, &v, &id).await?;
    if !a.attend_reponse() {
        return Err(ErreurWeb::Requete(
            "Votre avis a déjà été envoyé : il ne peut plus être modifié. L'agent peut vous adresser une nouvelle demande.".into(),
        ));
    }
    let envoi = formulaire
        .lire(
            &etat,
            Limites {
                taille_fichier: TAILLE_MAX,
                fichiers: avis::PIECES_MAX,
            },
        )
        .await?;
    let reponse = envoi
        .champ("reponse")
        .unwrap_or_default()
        .trim()
        .to_string();
    let mut erreurs = verifier_reponse(&reponse);
    if let Some(nom) = &envoi.trop_gros {
        erreurs.push(ErreurChamp::new(
            "pieces",
            format!(
                "Le fichier « {} » dépasse la taille maximale de {} Mo : choisissez à nouveau vos pièces jointes.",
                nom_affichable(nom),
                TAILLE_MAX / 1024 / 1024
            ),
        ));
    }
    if envoi.trop_de_fichiers {
        erreurs.push(ErreurChamp::new(
            "pieces",
            format!(
                "Joignez {} fichiers au plus : choisissez à nouveau vos pièces jointes.",
                avis::PIECES_MAX
            ),
        ));
    }
    let mut pieces = Vec::new();
    if erreurs.is_empty() {
        for piece in envoi.fichiers.iter().filter(|p| p.taille > 0) {
            let nom = nom_affichable(&piece.nom);
            let Some(type_mime) = type_admis(&piece.debut) else {
                let admis: Vec<&str> = TYPES_ADMIS.iter().map(|(_, l)| *l).collect();
                erreurs.push(ErreurChamp::new(
                    "pieces",
                    format!(
                        "Le fichier « {nom} » n'est pas accepté : son contenu n'est pas d'un type admis ({}). Choisissez à nouveau vos pièces jointes.",
                        admis.join(", ")
                    ),
                ));
                continue;
            };
            pieces.push(stocker(&etat, &a.dossier_id, nom, type_mime, piece, &u.id).await?);
        }
    }
    if !erreurs.is_empty() {
        return rendre(&etat, &v, a, reponse, erreurs, None).await;
    }
    etat.store
        .rendre_avis(&acteur(u), &a, &reponse, &pieces)
        .await?;
    Ok(Redirect::to(&format!("/avis/{}?ok=avis_rendu", a.id)).into_response())
}

/// `GET /avis/{id}/fichiers/{fichier}` : une pièce du dossier (preuve d'un critère) ou de la
/// réponse de l'expert ; ni les pièces des messages, ni celles des autres avis.
pub async fn piece(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((id, fichier)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    let (a, _) = demande_de_l_expert(&etat, &v, &id).await?;
    let f = etat
        .store
        .fichier(&fichier)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    if f.dossier_id != a.dossier_id {
        return Err(ErreurWeb::Introuvable);
    }
    let d = etat
        .store
        .dossier(&a.dossier_id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let preuve = d.criteres.values().any(|r| r.fichiers.contains(&f.id));
    if !preuve && !a.fichiers.contains(&f.id) {
        return Err(ErreurWeb::Introuvable);
    }
    servir_fichier(&etat, &f, "private, no-store").await
}
