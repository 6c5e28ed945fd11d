//! Signalements et propositions du public (issue 16) : « Signaler une erreur » sur chaque fiche
//! et « Proposer un lieu », sans compte (jeton CSRF porté par le cookie anonyme signé, débit
//! limité par adresse réseau) ; file de modération pour la structure qui tient le lieu et les
//! administrateurs ; acceptation (nouvelle version du lieu, ou fermeture, ou création) ou refus
//! motivé ; courriel à la personne si elle a laissé une adresse, effacée ensuite.
//!
//! Les motifs, les champs que chacun corrige et les limites sont une donnée :
//! `referentiels/signalements-lieux.toml` ([`SignalementsLieux`]).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use reperes_domain::comptes::RoleCompte;
use reperes_domain::horaires::Horaires;
use reperes_domain::lieux::signalements::{verifier_saisie, SaisieSignalement, SignalementsLieux};
use reperes_domain::lieux::{
    caracteres_interdits, schema_national_statique, valeur, valider, versions, Enregistrement,
};
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::Role;
use reperes_store::{
    Acceptation, Acteur, Depot, NouveauCourriel, ResultatModification, Signalement,
};
use serde::Deserialize;

use crate::commun::adresse::limite_depassee;
use crate::commun::cadre::Cadre;
use crate::commun::formulaires::{erreur, page, rattacher, Champ, FormulaireSimple, Information};
use crate::commun::libelles::chemin_lieu;
use crate::commun::session::Visiteur;
use crate::{ErreurWeb, Etat};

use super::droits::{tenue, Tenue};

/// Le référentiel des signalements (un catalogue validé en a un).
fn referentiel(etat: &Etat) -> Result<&SignalementsLieux, ErreurWeb> {
    etat.catalogue.signalements_lieux.first().ok_or_else(|| {
        ErreurWeb::InterditPour(
            "Les signalements ne sont pas ouverts : le référentiel signalements-lieux.toml manque."
                .into(),
        )
    })
}

/// Qui dépose un signalement : le public (aucun compte, aucune adresse réseau au journal).
fn public() -> Acteur {
    Acteur::new("public", Role::Systeme)
}

/// Compte un dépôt pour l'adresse réseau ; `Some(message)` si la limite du référentiel est
/// dépassée.
async fn limite_atteinte(
    etat: &Etat,
    v: &Visiteur,
    r: &SignalementsLieux,
) -> Result<Option<String>, ErreurWeb> {
    let depassee = limite_depassee(
        etat,
        &v.ip,
        "signalement-lieu",
        r.limites.par_adresse,
        r.limites.fenetre_minutes,
    )
    .await?;
    Ok(depassee.then(|| {
        format!(
            "Vous avez déjà envoyé {} signalements ou propositions en peu de temps : patientez {} minutes avant de réessayer.",
            r.limites.par_adresse, r.limites.fenetre_minutes
        )
    }))
}

fn nom_du_lieu(e: &Enregistrement) -> String {
    let t = |k: &str| valeur(e, k).unwrap_or_default();
    super::recherche::nom_lisible_de(&t("nom"), &t("commune"), &t("code_postal"))
}

/// Le lieu publié (non masqué), ou 404.
async fn lieu_publie(
    etat: &Etat,
    source: &str,
    id: &str,
) -> Result<reperes_store::LieuCourant, ErreurWeb> {
    match etat.store.lieu_courant(source, id).await? {
        Some(l) if l.masque.is_none() => Ok(l),
        _ => Err(ErreurWeb::Introuvable),
    }
}

// ---------- Signaler une erreur ----------

#[derive(Deserialize, Default)]
pub struct FormSignalement {
    #[serde(rename = "_csrf", default)]
    pub csrf: String,
    #[serde(default)]
    pub motif: String,
    #[serde(default)]
    pub commentaire: String,
    #[serde(default)]
    pub valeur_proposee: String,
    #[serde(default)]
    pub email: String,
}

fn formulaire_signalement(
    cadre: Cadre,
    r: &SignalementsLieux,
    nom: &str,
    chemin: &str,
    f: &FormSignalement,
    erreurs: Vec<ErreurChamp>,
) -> FormulaireSimple {
    let mut champs = vec![
        Champ::new("motif", "Qu'est-ce qui est erroné ?", "select")
            .options(
                r.motifs
                    .iter()
                    .map(|m| (m.id.clone(), m.libelle.clone()))
                    .collect(),
            )
            .valeur(&f.motif),
        Champ::new("commentaire", "Votre commentaire", "textarea")
            .aide(&format!(
                "Obligatoire, {} caractères au plus. Ne donnez pas d'informations personnelles.",
                r.limites.commentaire_max
            ))
            .valeur(&f.commentaire),
        Champ::new(
            "valeur_proposee",
            "La bonne information, si vous la connaissez",
            "textarea",
        )
        .aide("Facultatif : par exemple les bons horaires, la bonne adresse ou le bon numéro.")
        .valeur(&f.valeur_proposee),
        Champ::new(
            "email",
            "Votre adresse électronique, pour être prévenu de la suite",
            "email",
        )
        .aide("Facultatif. Elle ne sert qu'à vous dire si la fiche a été corrigée, puis elle est effacée.")
        .autocomplete("email")
        .valeur(&f.email),
    ];
    rattacher(&mut champs, &erreurs);
    FormulaireSimple {
        cadre: if erreurs.is_empty() {
            cadre
        } else {
            cadre.en_erreur()
        },
        intro: Some(format!(
            "Vous avez vu une erreur sur la fiche « {nom} » ? Dites-le : la structure qui tient ce lieu ou l'équipe de Repères vérifiera et corrigera la fiche. Aucun compte n'est nécessaire."
        )),
        action: format!("{chemin}/signaler"),
        champs,
        erreurs,
        bouton: "Envoyer le signalement",
        liens: vec![(chemin.to_string(), "Revenir à la fiche du lieu".into())],
    }
}

/// `GET /lieux/{source}/{id}/signaler`.
pub async fn signaler_page(
    State(etat): State<Etat>,
    mut v: Visiteur,
    Path((source, id)): Path<(String, String)>,
) -> Result<Response, ErreurWeb> {
    let l = lieu_publie(&etat, &source, &id).await?;
    let r = referentiel(&etat)?;
    let (_, entete) = v.csrf(&etat).await?;
    let nom = nom_du_lieu(&l.donnees);
    let chemin = chemin_lieu(&source, &id);
    page(
        &formulaire_signalement(
            Cadre::pour(&v, format!("Signaler une erreur : {nom}")),
            r,
            &nom,
            &chemin,
            &FormSignalement::default(),
            vec![],
        ),
        entete,
        false,
    )
}

/// `POST /lieux/{source}/{id}/signaler`.
pub async fn signaler(
    State(etat): State<Etat>,
    v: Visiteur,
    Path((source, id)): Path<(String, String)>,
    Form(f): Form<FormSignalement>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let l = lieu_publie(&etat, &source, &id).await?;
    let r = referentiel(&etat)?;
    let nom = nom_du_lieu(&l.donnees);
    let chemin = chemin_lieu(&source, &id);
    let cadre = || Cadre::pour(&v, format!("Signaler une erreur : {nom}"));
    let saisie = SaisieSignalement {
        motif: f.motif.trim().to_string(),
        commentaire: f.commentaire.trim().to_string(),
        valeur_proposee: f.valeur_proposee.trim().to_string(),
        email: f.email.trim().to_string(),
    };
    let erreurs = verifier_saisie(r, &saisie);
    if !erreurs.is_empty() {
        return page(
            &formulaire_signalement(cadre(), r, &nom, &chemin, &f, erreurs),
            None,
            true,
        );
    }
    if let Some(m) = limite_atteinte(&etat, &v, r).await? {
        let mut rep = page(
            &formulaire_signalement(cadre(), r, &nom, &chemin, &f, vec![erreur("motif", m)]),
            None,
            true,
        )?;
        *rep.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return Ok(rep);
    }
    let facultatif = |s: &str| (!s.is_empty()).then_some(s.to_string());
    let (valeur_proposee, email) = (
        facultatif(&saisie.valeur_proposee),
        facultatif(&saisie.email),
    );
    etat.store
        .deposer_signalement(
            &public(),
            Depot::Signalement {
                source: &source,
                lieu_id: &id,
                motif: &saisie.motif,
                commentaire: &saisie.commentaire,
                valeur_proposee: valeur_proposee.as_deref(),
                email: email.as_deref(),
            },
        )
        .await?;
    let mut paragraphes = vec![format!(
        "Merci : votre signalement sur « {nom} » a été transmis. La structure qui tient ce lieu ou l'équipe de Repères va le vérifier."
    )];
    paragraphes.push(if email.is_some() {
        "Vous recevrez un courriel quand il aura été traité ; votre adresse sera ensuite effacée."
            .into()
    } else {
        "Vous n'avez pas laissé d'adresse : vous ne serez pas prévenu de la suite.".into()
    });
    page(
        &Information {
            cadre: Cadre::pour(&v, "Signalement envoyé"),
            paragraphes,
            liens: vec![(chemin, "Revenir à la fiche du lieu".into())],
        },
        None,
        false,
    )
}

// ---------- Proposer un lieu ----------

/// Champs du formulaire « Proposer un lieu » (noms du schéma national), libellé, genre, aide.
const CHAMPS_PROPOSITION: [(&str, &str, &str, &str); 10] = [
    ("nom", "Nom du lieu", "text", "Obligatoire."),
    (
        "adresse",
        "Adresse",
        "text",
        "Obligatoire : numéro et voie.",
    ),
    (
        "code_postal",
        "Code postal",
        "text",
        "Obligatoire, 5 chiffres.",
    ),
    ("commune", "Commune", "text", "Obligatoire."),
    (
        "horaires",
        "Horaires d'ouverture",
        "text",
        "Facultatif, au format OpenStreetMap : par exemple « Mo-Fr 09:00-12:00,14:00-17:00 ».",
    ),
    (
        "telephone",
        "Téléphone",
        "tel",
        "Facultatif : par exemple 05 45 12 34 56.",
    ),
    ("courriels", "Courriel du lieu", "email", "Facultatif."),
    (
        "site_web",
        "Site web",
        "url",
        "Facultatif : adresse commençant par https://.",
    ),
    (
        "services",
        "Service principal proposé",
        "select",
        "Facultatif.",
    ),
    (
        "presentation_resume",
        "Présentation du lieu",
        "textarea",
        "Facultatif, 280 caractères au plus.",
    ),
];

fn champs_proposition(f: &[(String, String)], erreurs: &[ErreurChamp]) -> Vec<Champ> {
    let lu = |k: &str| {
        f.iter()
            .find(|(c, _)| c == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let services = schema_national_statique()
        .champ("services")
        .map(|c| c.valeurs_enumerees())
        .unwrap_or_default();
    let mut champs: Vec<Champ> = CHAMPS_PROPOSITION
        .iter()
        .map(|(nom, libelle, genre, aide)| {
            let mut c = Champ::new(nom, libelle, genre).aide(aide).valeur(&lu(nom));
            if *nom == "services" {
                c = c.options(services.iter().map(|s| (s.clone(), s.clone())).collect());
            }
            c
        })
        .collect();
    champs.push(
        Champ::new("commentaire", "Votre commentaire", "textarea")
            .aide("Facultatif : comment connaissez-vous ce lieu ?")
            .valeur(&lu("commentaire")),
    );
    champs.push(
        Champ::new(
            "email",
            "Votre adresse électronique, pour être prévenu de la suite",
            "email",
        )
        .aide("Facultatif. Elle ne sert qu'à vous dire si le lieu a été publié, puis elle est effacée.")
        .autocomplete("email")
        .valeur(&lu("email")),
    );
    rattacher(&mut champs, erreurs);
    champs
}

fn formulaire_proposition(
    cadre: Cadre,
    f: &[(String, String)],
    erreurs: Vec<ErreurChamp>,
) -> FormulaireSimple {
    FormulaireSimple {
        cadre: if erreurs.is_empty() {
            cadre
        } else {
            cadre.en_erreur()
        },
        intro: Some("Un lieu de médiation numérique manque sur la carte ? Décrivez-le : l'équipe de Repères vérifiera votre proposition avant de la publier. Aucun compte n'est nécessaire.".into()),
        action: "/lieux/proposer".into(),
        champs: champs_proposition(f, &erreurs),
        erreurs,
        bouton: "Proposer ce lieu",
        liens: vec![("/lieux".into(), "Revenir à la recherche des lieux".into())],
    }
}

/// Un téléphone écrit à la française est ramené à la forme du schéma (`+33…`), comme en mode
/// compatible de l'import.
fn normaliser_telephone(e: &mut Enregistrement) {
    if let Some(t) = valeur(e, "telephone") {
        if let Some(n) = reperes_domain::lieux::compatible::telephone_e164(&t) {
            versions::poser(e, "telephone", Some(&n));
        }
    }
}

/// Les problèmes d'un lieu au schéma national (mêmes messages que l'import), horaires lus par le
/// même analyseur que la recherche, restreints aux champs `seuls` s'ils sont donnés.
fn problemes(e: &Enregistrement, seuls: Option<&[String]>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = valider(schema_national_statique(), 1, e)
        .into_iter()
        .chain(caracteres_interdits(1, e))
        .map(|p| (p.champ, p.message))
        .collect();
    if let Some(h) = valeur(e, "horaires") {
        if let Err(err) = Horaires::analyser(&h) {
            v.push((
                "horaires".into(),
                format!("horaires illisibles (format OpenStreetMap opening_hours) : {err}"),
            ));
        }
    }
    if let Some(seuls) = seuls {
        v.retain(|(c, _)| seuls.contains(c));
    }
    v
}

/// `GET /lieux/proposer`.
pub async fn proposer_page(
    State(etat): State<Etat>,
    mut v: Visiteur,
) -> Result<Response, ErreurWeb> {
    referentiel(&etat)?;
    let (_, entete) = v.csrf(&etat).await?;
    page(
        &formulaire_proposition(Cadre::pour(&v, "Proposer un lieu"), &[], vec![]),
        entete,
        false,
    )
}

/// `POST /lieux/proposer`.
pub async fn proposer(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf_champs(&f)?;
    let r = referentiel(&etat)?;
    let lu = |k: &str| {
        f.iter()
            .find(|(c, _)| c == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut lieu = Enregistrement::new();
    for (nom, ..) in CHAMPS_PROPOSITION {
        let x = lu(nom);
        versions::poser(&mut lieu, nom, (!x.is_empty()).then_some(x.as_str()));
    }
    // Champs obligatoires que le public ne connaît pas : identifiant (posé à l'acceptation),
    // pivot de remplissage, date du jour, source.
    versions::poser(&mut lieu, "id", Some("proposition"));
    versions::poser(&mut lieu, "pivot", Some("00000000000000"));
    versions::poser(
        &mut lieu,
        "date_maj",
        Some(&Utc::now().date_naive().format("%Y-%m-%d").to_string()),
    );
    versions::poser(&mut lieu, "source", Some("Proposition du public (Repères)"));
    normaliser_telephone(&mut lieu);
    let mut erreurs: Vec<ErreurChamp> = Vec::new();
    for (champ, message) in problemes(&lieu, None) {
        if let Some((nom, ..)) = CHAMPS_PROPOSITION.iter().find(|(n, ..)| *n == champ) {
            if !erreurs.iter().any(|e| e.champ == *nom) {
                erreurs.push(erreur(nom, message));
            }
        }
    }
    let commentaire = lu("commentaire");
    let email = lu("email");
    let saisie = SaisieSignalement {
        motif: r.motifs[0].id.clone(),
        commentaire: if commentaire.is_empty() {
            "-".into()
        } else {
            commentaire.clone()
        },
        valeur_proposee: String::new(),
        email: email.clone(),
    };
    erreurs.extend(verifier_saisie(r, &saisie));
    let cadre = || Cadre::pour(&v, "Proposer un lieu");
    if !erreurs.is_empty() {
        return page(&formulaire_proposition(cadre(), &f, erreurs), None, true);
    }
    if let Some(m) = limite_atteinte(&etat, &v, r).await? {
        let mut rep = page(
            &formulaire_proposition(cadre(), &f, vec![erreur("nom", m)]),
            None,
            true,
        )?;
        *rep.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return Ok(rep);
    }
    etat.store
        .deposer_signalement(
            &public(),
            Depot::Proposition {
                lieu: &lieu,
                commentaire: &commentaire,
                email: (!email.is_empty()).then_some(email.as_str()),
            },
        )
        .await?;
    page(
        &Information {
            cadre: Cadre::pour(&v, "Proposition envoyée"),
            paragraphes: vec![
                format!("Merci : votre proposition « {} » a été transmise à l'équipe de Repères, qui la vérifiera avant de la publier.", lu("nom")),
                if email.is_empty() {
                    "Vous n'avez pas laissé d'adresse : vous ne serez pas prévenu de la suite.".into()
                } else {
                    "Vous recevrez un courriel quand elle aura été traitée ; votre adresse sera ensuite effacée.".into()
                },
            ],
            liens: vec![("/lieux".into(), "Revenir à la recherche des lieux".into())],
        },
        None,
        false,
    )
}

// ---------- File de modération ----------

/// Qui peut décider d'un signalement : la structure qui tient le lieu ou un administrateur ;
/// d'une proposition : un administrateur.
async fn moderateur(
    etat: &Etat,
    v: &Visiteur,
    s: &Signalement,
) -> Result<Option<Tenue>, ErreurWeb> {
    match (&s.source, &s.lieu_id) {
        (Some(source), Some(id)) if !s.est_proposition() => tenue(etat, v, source, id).await,
        _ => Ok(v
            .administrateur()
            .ok()
            .map(|(u, _)| Tenue::Administrateur(crate::commun::acces::acteur(u)))),
    }
}

/// Une ligne de la file.
pub struct LigneFile {
    pub lien: String,
    pub quoi: String,
    pub lieu: String,
    pub commentaire: String,
    pub recu_le: String,
}

#[derive(Template)]
#[template(path = "lieux/signalements.html")]
struct PageFile {
    cadre: Cadre,
    lignes: Vec<LigneFile>,
}

fn recu_le(s: &Signalement) -> String {
    chrono::DateTime::parse_from_rfc3339(&s.cree_le)
        .map(|d| crate::commun::dates::instant(d.with_timezone(&Utc)))
        .unwrap_or_else(|_| s.cree_le.clone())
}

fn libelle_motif(r: &SignalementsLieux, s: &Signalement) -> String {
    if s.est_proposition() {
        return "Proposition d'un lieu".into();
    }
    let code = s.motif.clone().unwrap_or_default();
    r.motif(&code).map(|m| m.libelle.clone()).unwrap_or(code)
}

async fn nom_de(etat: &Etat, s: &Signalement) -> Result<String, ErreurWeb> {
    Ok(match (&s.proposition, &s.source, &s.lieu_id) {
        (Some(p), _, _) => nom_du_lieu(p),
        (None, Some(so), Some(id)) => match etat.store.lieu_courant(so, id).await? {
            Some(l) => nom_du_lieu(&l.donnees),
            None => format!("{so}/{id}"),
        },
        _ => String::new(),
    })
}

/// `GET /lieux/signalements` : la file de qui tient des lieux (les signalements de ses lieux) ou
/// administre (tout).
pub async fn file(State(etat): State<Etat>, v: Visiteur) -> Result<Response, ErreurWeb> {
    let (u, p) = v.connecte()?;
    if let Err(e @ ErreurWeb::SecondFacteurRequis) = v.administrateur() {
        return Err(e);
    }
    // Un compte d'expert (avis) ne tient aucun lieu.
    if u.role == RoleCompte::Expert {
        return Err(ErreurWeb::Interdit);
    }
    let r = referentiel(&etat)?;
    let admin = v.administrateur().is_ok() && p.role == RoleCompte::Administrateur;
    let mut lignes = Vec::new();
    for s in etat.store.signalements_en_attente().await? {
        let visible = admin
            || (!s.est_proposition()
                && s.organisation_id.as_deref().is_some_and(|o| p.membre_de(o)));
        if !visible {
            continue;
        }
        lignes.push(LigneFile {
            lien: format!("/lieux/signalements/{}", s.id),
            quoi: libelle_motif(r, &s),
            lieu: nom_de(&etat, &s).await?,
            commentaire: s.commentaire.clone(),
            recu_le: recu_le(&s),
        });
    }
    page(
        &PageFile {
            cadre: Cadre::pour(&v, "Signalements et propositions à traiter"),
            lignes,
        },
        None,
        false,
    )
}

/// Un champ corrigeable du formulaire d'acceptation.
pub struct ChampCorrection {
    pub nom: String,
    pub libelle: String,
    pub valeur: String,
    pub actuelle: String,
    pub erreur: Option<String>,
}

#[derive(Template)]
#[template(path = "lieux/signalement.html")]
struct PageSignalement {
    cadre: Cadre,
    action: String,
    quoi: String,
    lieu: String,
    lien_lieu: Option<String>,
    commentaire: String,
    valeur_proposee: Option<String>,
    recu_le: String,
    prevenu: bool,
    fermeture: bool,
    proposition: Vec<(String, String)>,
    champs: Vec<ChampCorrection>,
    version_lue: i64,
    motif_refus: String,
    erreurs: Vec<String>,
    erreur_refus: Option<String>,
}

fn titre_champ(nom: &str) -> String {
    schema_national_statique()
        .champ(nom)
        .and_then(|c| c.titre.clone())
        .unwrap_or_else(|| nom.to_string())
}

/// Prépare la page d'un signalement ; `saisie` : le formulaire renvoyé (champs corrigés).
async fn page_signalement(
    etat: &Etat,
    v: &Visiteur,
    s: &Signalement,
    saisie: Option<&[(String, String)]>,
    erreurs_champs: Vec<(String, String)>,
    erreurs: Vec<String>,
    erreur_refus: Option<String>,
) -> Result<PageSignalement, ErreurWeb> {
    let r = referentiel(etat)?;
    let motif = s.motif.as_deref().and_then(|m| r.motif(m));
    let lu =
        |k: &str| saisie.and_then(|f| f.iter().find(|(c, _)| c == k).map(|(_, v)| v.to_string()));
    let mut champs = Vec::new();
    let mut version_lue = 0;
    let mut lien_lieu = None;
    if let (Some(so), Some(id)) = (&s.source, &s.lieu_id) {
        if let Some(l) = etat.store.lieu_courant(so, id).await? {
            version_lue = l.version;
            if l.masque.is_none() {
                lien_lieu = Some(chemin_lieu(so, id));
            }
            let liste = motif.map(|m| m.champs.clone()).unwrap_or_default();
            for nom in &liste {
                let actuelle = valeur(&l.donnees, nom).unwrap_or_default();
                // Un seul champ et une valeur proposée : elle est proposée d'emblée.
                let defaut = match (&s.valeur_proposee, liste.len()) {
                    (Some(p), 1) => p.clone(),
                    _ => actuelle.clone(),
                };
                champs.push(ChampCorrection {
                    nom: nom.clone(),
                    libelle: titre_champ(nom),
                    valeur: lu(&format!("champ_{nom}")).unwrap_or(defaut),
                    actuelle,
                    erreur: erreurs_champs
                        .iter()
                        .find(|(c, _)| c == nom)
                        .map(|(_, m)| m.clone()),
                });
            }
        }
    }
    let proposition = s
        .proposition
        .as_ref()
        .map(|p| {
            p.keys()
                .filter(|k| !["id", "pivot", "date_maj"].contains(&k.as_str()))
                .filter_map(|k| valeur(p, k).map(|x| (titre_champ(k), x)))
                .collect()
        })
        .unwrap_or_default();
    let en_erreur = !erreurs.is_empty() || erreur_refus.is_some() || !erreurs_champs.is_empty();
    let cadre = Cadre::pour(
        v,
        format!("{} : {}", libelle_motif(r, s), nom_de(etat, s).await?),
    );
    Ok(PageSignalement {
        cadre: if en_erreur { cadre.en_erreur() } else { cadre },
        action: format!("/lieux/signalements/{}", s.id),
        quoi: libelle_motif(r, s),
        lieu: nom_de(etat, s).await?,
        lien_lieu,
        commentaire: s.commentaire.clone(),
        valeur_proposee: s.valeur_proposee.clone(),
        recu_le: recu_le(s),
        prevenu: s.email.is_some(),
        fermeture: motif.is_some_and(|m| m.fermeture),
        proposition,
        champs,
        version_lue: lu("version_lue")
            .and_then(|x| x.parse().ok())
            .unwrap_or(version_lue),
        motif_refus: lu("motif_refus").unwrap_or_default(),
        erreurs,
        erreur_refus,
    })
}

/// Le signalement en attente que la personne peut traiter (404 inconnu ou traité, 403 autrui).
async fn a_traiter(etat: &Etat, v: &Visiteur, id: &str) -> Result<(Signalement, Tenue), ErreurWeb> {
    v.connecte()?;
    if let Err(e @ ErreurWeb::SecondFacteurRequis) = v.administrateur() {
        return Err(e);
    }
    let s = etat
        .store
        .signalement(id)
        .await?
        .filter(Signalement::en_attente)
        .ok_or(ErreurWeb::Introuvable)?;
    let t = moderateur(etat, v, &s).await?.ok_or(ErreurWeb::Interdit)?;
    Ok((s, t))
}

/// `GET /lieux/signalements/{id}`.
pub async fn signalement(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
) -> Result<Response, ErreurWeb> {
    let (s, _) = a_traiter(&etat, &v, &id).await?;
    let p = page_signalement(&etat, &v, &s, None, vec![], vec![], None).await?;
    page(&p, None, false)
}

/// Le courriel de la décision, si la personne a laissé une adresse.
fn courriel(
    etat: &Etat,
    s: &Signalement,
    nom: &str,
    lien: Option<String>,
    refus: Option<&str>,
) -> Option<NouveauCourriel> {
    let destinataire = s.email.clone()?;
    let quoi = if s.est_proposition() {
        "votre proposition de lieu"
    } else {
        "votre signalement"
    };
    let lien = lien
        .map(|l| format!("\n\nLa fiche : {}{l}", etat.config.url_publique))
        .unwrap_or_default();
    let corps = match refus {
        None if s.est_proposition() => format!(
            "Bonjour,\n\nLe lieu « {nom} » que vous avez proposé est maintenant publié sur Repères. Merci !{lien}\n\nVotre adresse électronique est effacée de Repères avec ce message.\n\n— Repères"
        ),
        None => format!(
            "Bonjour,\n\nVotre signalement sur le lieu « {nom} » a été accepté : la fiche a été mise à jour. Merci !{lien}\n\nVotre adresse électronique est effacée de Repères avec ce message.\n\n— Repères"
        ),
        Some(m) => format!(
            "Bonjour,\n\n{} sur le lieu « {nom} » n'a pas été retenu{}.\n\nMotif : {m}\n\nVotre adresse électronique est effacée de Repères avec ce message.\n\n— Repères",
            if s.est_proposition() { "Votre proposition" } else { "Votre signalement" },
            if s.est_proposition() { "e" } else { "" },
        ),
    };
    Some(NouveauCourriel {
        destinataire,
        sujet: format!("Repères : {quoi}"),
        corps,
    })
}

/// `POST /lieux/signalements/{id}` : `decision=accepter` (champs `champ_<nom>` corrigés,
/// `version_lue`) ou `decision=refuser` (`motif_refus` obligatoire).
pub async fn decider(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, ErreurWeb> {
    let (s, t) = a_traiter(&etat, &v, &id).await?;
    v.verifier_csrf_champs(&f)?;
    let r = referentiel(&etat)?;
    let lu = |k: &str| {
        f.iter()
            .find(|(c, _)| c == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let nom = nom_de(&etat, &s).await?;
    let refuse = |erreurs_champs: Vec<(String, String)>,
                  erreurs: Vec<String>,
                  erreur_refus: Option<String>| {
        let (etat, v, s, f) = (&etat, &v, &s, &f);
        async move {
            let p = page_signalement(etat, v, s, Some(f), erreurs_champs, erreurs, erreur_refus)
                .await?;
            page(&p, None, true)
        }
    };
    match lu("decision").as_str() {
        "refuser" => {
            let motif = lu("motif_refus");
            let n = motif.chars().count();
            let probleme = if n == 0 {
                Some("Dites pourquoi ce signalement est refusé : la personne en sera informée si elle a laissé son adresse.".to_string())
            } else if n > r.limites.motif_refus_max {
                Some(format!(
                    "Le motif dépasse {} caractères ({n}).",
                    r.limites.motif_refus_max
                ))
            } else {
                reperes_domain::saisie::caractere_de_controle(&motif)
                    .map(|c| reperes_domain::saisie::message_controle("motif_refus", c))
            };
            if let Some(m) = probleme {
                return refuse(vec![], vec![], Some(m)).await;
            }
            let c = courriel(&etat, &s, &nom, None, Some(&motif));
            etat.store
                .refuser_signalement(t.acteur(), &id, &motif, c)
                .await?;
            Ok(Redirect::to("/lieux/signalements").into_response())
        }
        "accepter" => {
            let version_lue: i64 = lu("version_lue").parse().unwrap_or(-1);
            let acceptation = if s.est_proposition() {
                let Some(mut lieu) = s.proposition.clone() else {
                    return Err(ErreurWeb::Introuvable);
                };
                versions::poser(&mut lieu, "id", Some(&s.id));
                let p = problemes(&lieu, None);
                if !p.is_empty() {
                    return refuse(
                        vec![],
                        p.into_iter().map(|(c, m)| format!("{c} : {m}")).collect(),
                        None,
                    )
                    .await;
                }
                Acceptation::Creer { lieu }
            } else {
                let (Some(so), Some(lid)) = (&s.source, &s.lieu_id) else {
                    return Err(ErreurWeb::Introuvable);
                };
                let motif = s.motif.as_deref().and_then(|m| r.motif(m));
                let Some(l) = etat.store.lieu_courant(so, lid).await? else {
                    return Err(ErreurWeb::Introuvable);
                };
                if motif.is_some_and(|m| m.fermeture) {
                    Acceptation::Fermer { version_lue }
                } else {
                    let champs = motif.map(|m| m.champs.clone()).unwrap_or_default();
                    let mut nouveau = l.donnees.clone();
                    for c in &champs {
                        let x = lu(&format!("champ_{c}"));
                        versions::poser(&mut nouveau, c, (!x.is_empty()).then_some(x.as_str()));
                    }
                    if champs.iter().any(|c| c == "telephone") {
                        normaliser_telephone(&mut nouveau);
                    }
                    let p = problemes(&nouveau, Some(&champs));
                    if !p.is_empty() {
                        return refuse(p, vec![], None).await;
                    }
                    Acceptation::Corriger {
                        version_lue,
                        nouveau,
                        organisation_id: t.organisation_id(),
                    }
                }
            };
            let lien = match &acceptation {
                Acceptation::Creer { .. } => {
                    Some(chemin_lieu(reperes_store::SOURCE_PROPOSITIONS, &s.id))
                }
                Acceptation::Fermer { .. } => None,
                Acceptation::Corriger { .. } => s
                    .source
                    .as_ref()
                    .zip(s.lieu_id.as_ref())
                    .map(|(a, b)| chemin_lieu(a, b)),
            };
            let c = courriel(&etat, &s, &nom, lien, None);
            match etat
                .store
                .accepter_signalement(t.acteur(), &id, acceptation, c)
                .await?
            {
                ResultatModification::Enregistree { .. } => {
                    // Cette instance sert aussitôt la fiche corrigée (ou sans le lieu fermé) ;
                    // les autres le verront à leur prochaine vérification de l'index.
                    etat.carte.reconstruire(&etat.store).await?;
                    Ok(Redirect::to("/lieux/signalements").into_response())
                }
                ResultatModification::RienAChanger => refuse(
                    vec![],
                    vec!["Aucun champ ne change : corrigez la valeur, ou refusez le signalement avec un motif.".into()],
                    None,
                )
                .await,
                ResultatModification::VersionDepassee { courante } => refuse(
                    vec![],
                    vec![format!(
                        "Le lieu a été modifié entre-temps (version {courante}, vous aviez lu la version {version_lue}) : les valeurs actuelles sont affichées, vérifiez-les puis acceptez de nouveau."
                    )],
                    None,
                )
                .await
                .map(|mut rep| {
                    *rep.status_mut() = axum::http::StatusCode::CONFLICT;
                    rep
                }),
            }
        }
        _ => {
            refuse(
                vec![],
                vec!["Choisissez d'accepter ou de refuser.".into()],
                None,
            )
            .await
        }
    }
}

// ---------- Fiche d'un lieu fermé ----------

/// La fiche d'un lieu fermé définitivement (hors de l'index) : elle le dit ; 404 sinon.
pub async fn fiche_fermee(
    etat: &Etat,
    v: &Visiteur,
    source: &str,
    id: &str,
) -> Result<Response, ErreurWeb> {
    let Some(l) = etat.store.lieu_courant(source, id).await? else {
        return Err(ErreurWeb::Introuvable);
    };
    if l.masque.as_deref() != Some("ferme") {
        return Err(ErreurWeb::Introuvable);
    }
    // Version locale (issue 17) : un lieu fermé hors du périmètre n'y existe pas.
    if v.portee.est_locale() {
        let x = |k: &str| reperes_domain::lieux::valeur(&l.donnees, k).unwrap_or_default();
        let situation = reperes_domain::territoires::Territoires::embarque().situer(
            Some(&x("code_insee")),
            &x("code_postal"),
            &x("commune"),
        );
        if !v.portee.contient(&situation) {
            return Err(ErreurWeb::Introuvable);
        }
    }
    let nom = nom_du_lieu(&l.donnees);
    page(
        &Information {
            cadre: Cadre::pour(v, nom.clone()),
            paragraphes: vec![
                format!("Ce lieu est fermé définitivement : « {nom} » ne figure plus dans la recherche ni dans les données ouvertes."),
                "Pour trouver un autre lieu près de chez vous, utilisez la recherche des lieux.".into(),
            ],
            liens: vec![(
                format!("{}/lieux", v.portee.prefixe()),
                "Rechercher un lieu".into(),
            )],
        },
        None,
        false,
    )
}
