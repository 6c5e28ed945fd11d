//! Administration des versions locales (issue 17) : liste et création, modification (champs,
//! activation), code d'intégration, logo (contrôlé par son contenu et sa taille avant d'être
//! gardé). Administrateur seulement ; chaque écriture passe par le store, qui la journalise.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use reperes_domain::saisie::ErreurChamp;
use reperes_domain::territoires::{Territoire, Territoires};
use reperes_domain::versions_locales::{SaisieVersionLocale, VersionLocale, THEMES};
use reperes_store::ErreurStore;
use serde::Deserialize;

use crate::commun::acces::acteur;
use crate::commun::cadre::Cadre;
use crate::commun::envoi::{verifier_jeton, CorpsMultipart, Limites};
use crate::commun::formulaires::{erreur, page, rattacher, Champ};
use crate::commun::session::Visiteur;
use crate::commun::stockage::nom_affichable;
use crate::{ErreurWeb, Etat};

/// Taille maximale d'un logo (octets).
pub const LOGO_MAX: usize = 200 * 1024;

/// Types de logo admis, reconnus par leur contenu : (type MIME, extensions de nom admises).
const TYPES_LOGO: [(&str, &[&str]); 3] = [
    ("image/png", &["png"]),
    ("image/jpeg", &["jpg", "jpeg"]),
    ("image/webp", &["webp"]),
];

/// Les champs du formulaire d'une version (création et modification), avec leurs valeurs.
fn champs(s: &SaisieVersionLocale) -> Vec<Champ> {
    vec![
        Champ::new("nom", "Nom de la version locale", "text")
            .valeur(&s.nom)
            .aide("Affiché en tête de chaque page, par exemple « Carte des lieux de médiation numérique de la Charente »."),
        Champ::new("slug", "Adresse courte", "text")
            .valeur(&s.slug)
            .aide("La version est servie sous /t/adresse/… : 2 à 40 caractères, lettres minuscules sans accents, chiffres et tirets, par exemple « charente » ou « grand-angouleme »."),
        Champ::new("perimetre", "Périmètre", "textarea")
            .valeur(&s.perimetre)
            .aide("Un territoire par ligne, écrit niveau:code : departement:16 (un département), epci:200071827 (une intercommunalité, par son SIREN), commune:16015 (une commune, par son code INSEE), region:75 (une région). Seuls les lieux de ces territoires sont montrés."),
        Champ::new("couleur", "Couleur d'accent (facultative)", "text")
            .valeur(&s.couleur)
            .aide("En hexadécimal, par exemple #1d4ed8 : fond des boutons (texte blanc) et couleur des liens. Son contraste avec le blanc doit atteindre 4,5:1 (RGAA 3.2). Vide : la couleur du thème."),
        Champ::new("theme", "Thème", "select")
            .valeur(&s.theme)
            .options(
                THEMES
                    .iter()
                    .map(|(c, l)| (c.to_string(), l.to_string()))
                    .collect(),
            )
            .aide("Neutre par défaut (collectivités, associations, hubs). Le système de design de l'État (DSFR, Marianne) est réservé aux services de l'État."),
        Champ::new("origines", "Origines autorisées à l'intégrer (facultatives)", "textarea")
            .valeur(&s.origines)
            .aide("Une origine par ligne, sans chemin : https://www.charente.fr. Seuls ces sites pourront afficher la version dans une iframe ; http:// n'est admis que pour localhost et 127.0.0.1 (essais)."),
    ]
}

/// La saisie qui ré-affiche une version enregistrée.
fn saisie_de(v: &VersionLocale) -> SaisieVersionLocale {
    SaisieVersionLocale {
        slug: v.slug.clone(),
        nom: v.nom.clone(),
        perimetre: v
            .perimetre
            .territoires
            .iter()
            .map(|t| format!("{}:{}", t.niveau.code(), t.code))
            .collect::<Vec<_>>()
            .join("\n"),
        couleur: v.couleur.clone().unwrap_or_default(),
        theme: v.theme.clone(),
        origines: v.origines.join("\n"),
    }
}

/// Une ligne de la liste.
struct Ligne {
    id: String,
    nom: String,
    adresse: String,
    perimetre: String,
    theme: String,
    active: bool,
}

fn libelle_theme(code: &str) -> String {
    THEMES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| code.to_string())
}

#[derive(Template)]
#[template(path = "territoires/versions_locales/liste.html")]
struct PageListe {
    cadre: Cadre,
    versions: Vec<Ligne>,
    champs: Vec<Champ>,
    erreurs: Vec<ErreurChamp>,
    action: String,
    bouton: &'static str,
}

async fn rendre_liste(
    etat: &Etat,
    v: &Visiteur,
    saisie: &SaisieVersionLocale,
    erreurs: Vec<ErreurChamp>,
    message: Option<String>,
) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let versions = etat
        .store
        .versions_locales()
        .await?
        .into_iter()
        .map(|x| Ligne {
            adresse: x.prefixe(),
            perimetre: x.perimetre.libelle(),
            theme: libelle_theme(&x.theme),
            active: x.active,
            id: x.id,
            nom: x.nom,
        })
        .collect();
    let mut c = champs(saisie);
    rattacher(&mut c, &erreurs);
    let en_erreur = !erreurs.is_empty();
    let mut cadre = Cadre::pour(v, "Versions locales de la carte").avec_message(message);
    if en_erreur {
        cadre = cadre.en_erreur();
    }
    page(
        &PageListe {
            cadre,
            versions,
            champs: c,
            erreurs,
            action: "/administration/versions-locales".into(),
            bouton: "Créer la version locale",
        },
        None,
        en_erreur,
    )
}

#[derive(Deserialize, Default)]
pub struct RequeteOk {
    ok: Option<String>,
}

/// `GET /administration/versions-locales` : les versions et le formulaire de création.
pub async fn liste(
    State(etat): State<Etat>,
    v: Visiteur,
    Query(q): Query<RequeteOk>,
) -> Result<Response, ErreurWeb> {
    let message = match q.ok.as_deref() {
        Some("desactivee") => Some("Version locale désactivée.".to_string()),
        _ => None,
    };
    let saisie = SaisieVersionLocale {
        theme: "neutre".into(),
        ..Default::default()
    };
    rendre_liste(&etat, &v, &saisie, Vec::new(), message).await
}

/// Le formulaire d'une version (création ou modification).
#[derive(Deserialize)]
pub struct FormVersion {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    nom: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    perimetre: String,
    #[serde(default)]
    couleur: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    origines: String,
    /// Case « active » (modification) : présente si cochée.
    #[serde(default)]
    active: Option<String>,
}

impl FormVersion {
    fn saisie(&self) -> SaisieVersionLocale {
        SaisieVersionLocale {
            slug: self.slug.clone(),
            nom: self.nom.clone(),
            perimetre: self.perimetre.clone(),
            couleur: self.couleur.clone(),
            theme: self.theme.clone(),
            origines: self.origines.clone(),
        }
    }
}

fn erreurs_de(e: Vec<(&'static str, String)>) -> Vec<ErreurChamp> {
    e.into_iter().map(|(c, m)| erreur(c, m)).collect()
}

/// `POST /administration/versions-locales` : crée une version (journal `creer_version_locale`).
pub async fn creer(
    State(etat): State<Etat>,
    v: Visiteur,
    Form(f): Form<FormVersion>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.administrateur()?;
    let saisie = f.saisie();
    let validee = match saisie.valider(Territoires::embarque()) {
        Ok(x) => x,
        Err(e) => return rendre_liste(&etat, &v, &saisie, erreurs_de(e), None).await,
    };
    match etat.store.creer_version_locale(&acteur(u), &validee).await {
        Ok(id) => Ok(
            Redirect::to(&format!("/administration/versions-locales/{id}?ok=creee"))
                .into_response(),
        ),
        Err(ErreurStore::Conflit(_)) => {
            let e = vec![erreur(
                "slug",
                format!(
                    "Adresse : /t/{} est déjà celle d'une autre version locale ; choisissez-en une autre.",
                    validee.slug
                ),
            )];
            rendre_liste(&etat, &v, &saisie, e, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "territoires/versions_locales/version.html")]
struct PageVersion {
    cadre: Cadre,
    nom: String,
    prefixe: String,
    active: bool,
    territoires: Vec<Territoire>,
    code_integration: String,
    logo: Option<String>,
    logo_erreur: Option<String>,
    champs: Vec<Champ>,
    erreurs: Vec<ErreurChamp>,
    action: String,
    bouton: &'static str,
    logo_max_ko: usize,
}

/// Échappe un texte pour une valeur d'attribut HTML entre guillemets.
fn attribut(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Le code à coller dans une page du site qui intègre la version.
pub fn code_integration(url_publique: &str, v: &VersionLocale) -> String {
    format!(
        "<iframe src=\"{}{}/lieux\" title=\"Lieux de médiation numérique — {}\" width=\"100%\" height=\"900\" loading=\"lazy\"></iframe>",
        url_publique.trim_end_matches('/'),
        v.prefixe(),
        attribut(&v.nom)
    )
}

/// Ce que la page de modification ré-affiche d'une saisie refusée.
struct Refus {
    saisie: SaisieVersionLocale,
    active: bool,
    erreurs: Vec<ErreurChamp>,
}

async fn rendre_version(
    etat: &Etat,
    v: &Visiteur,
    id: &str,
    refus: Option<Refus>,
    logo_erreur: Option<String>,
    message: Option<String>,
) -> Result<Response, ErreurWeb> {
    v.administrateur()?;
    let version = etat
        .store
        .version_locale(id)
        .await?
        .ok_or(ErreurWeb::Introuvable)?;
    let (saisie, active, erreurs) = match refus {
        Some(r) => (r.saisie, r.active, r.erreurs),
        None => (saisie_de(&version), version.active, Vec::new()),
    };
    let mut c = champs(&saisie);
    rattacher(&mut c, &erreurs);
    let en_erreur = !erreurs.is_empty() || logo_erreur.is_some();
    let mut cadre =
        Cadre::pour(v, format!("Version locale « {} »", version.nom)).avec_message(message);
    if en_erreur {
        cadre = cadre.en_erreur();
    }
    page(
        &PageVersion {
            cadre,
            nom: version.nom.clone(),
            prefixe: version.prefixe(),
            active,
            territoires: version.perimetre.territoires.clone(),
            code_integration: code_integration(&etat.config.url_publique, &version),
            logo: version
                .logo_type
                .as_ref()
                .map(|_| format!("{}/logo", version.prefixe())),
            logo_erreur,
            champs: c,
            erreurs,
            action: format!("/administration/versions-locales/{}", version.id),
            bouton: "Enregistrer les modifications",
            logo_max_ko: LOGO_MAX / 1024,
        },
        None,
        en_erreur,
    )
}

/// `GET /administration/versions-locales/{id}` : modification, périmètre résolu, code
/// d'intégration, logo.
pub async fn version(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Query(q): Query<RequeteOk>,
) -> Result<Response, ErreurWeb> {
    let message = match q.ok.as_deref() {
        Some("creee") => Some("Version locale créée.".to_string()),
        Some("modifiee") => Some("Modifications enregistrées.".to_string()),
        Some("logo") => Some("Logo enregistré.".to_string()),
        Some("logo-retire") => Some("Logo retiré.".to_string()),
        _ => None,
    };
    rendre_version(&etat, &v, &id, None, None, message).await
}

/// `POST /administration/versions-locales/{id}` : modifie une version (journal
/// `modifier_version_locale`).
pub async fn modifier(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    Form(f): Form<FormVersion>,
) -> Result<Response, ErreurWeb> {
    v.verifier_csrf(&f.csrf)?;
    let (u, _) = v.administrateur()?;
    let saisie = f.saisie();
    let active = f.active.is_some();
    let validee = match saisie.valider(Territoires::embarque()) {
        Ok(x) => x,
        Err(e) => {
            let refus = Refus {
                saisie,
                active,
                erreurs: erreurs_de(e),
            };
            return rendre_version(&etat, &v, &id, Some(refus), None, None).await;
        }
    };
    match etat
        .store
        .modifier_version_locale(&acteur(u), &id, &validee, active)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/administration/versions-locales/{id}?ok=modifiee"
        ))
        .into_response()),
        Err(ErreurStore::Conflit(_)) => {
            let refus = Refus {
                erreurs: vec![erreur(
                    "slug",
                    format!(
                        "Adresse : /t/{} est déjà celle d'une autre version locale ; choisissez-en une autre.",
                        validee.slug
                    ),
                )],
                saisie,
                active,
            };
            rendre_version(&etat, &v, &id, Some(refus), None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Le type d'un logo reconnu par son contenu, s'il est admis et si l'extension de son nom (s'il
/// en a une) lui correspond ; sinon le message d'erreur.
pub fn controler_logo(nom: &str, debut: &[u8]) -> Result<&'static str, String> {
    let affiche = nom_affichable(nom);
    let Some((mime, extensions)) = infer::get(debut)
        .and_then(|t| TYPES_LOGO.iter().find(|(m, _)| *m == t.mime_type()))
        .copied()
    else {
        return Err(format!(
            "« {affiche} » n'est pas une image PNG, JPEG ou WebP (le contenu du fichier est contrôlé, pas seulement son nom)."
        ));
    };
    let extension = nom
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !extension.is_empty() && !extensions.contains(&extension.as_str()) {
        return Err(format!(
            "« {affiche} » : son contenu est une image {} mais son nom finit par .{extension} ; renommez-le en .{} puis envoyez-le à nouveau.",
            mime.trim_start_matches("image/").to_uppercase(),
            extensions[0]
        ));
    }
    Ok(mime)
}

/// `POST /administration/versions-locales/{id}/logo` (multipart) : remplace le logo (champ
/// `fichier`), ou le retire (champ `retirer`). Journal `changer_logo_version_locale`.
pub async fn logo(
    State(etat): State<Etat>,
    v: Visiteur,
    Path(id): Path<String>,
    corps: CorpsMultipart,
) -> Result<Response, ErreurWeb> {
    // Compte, puis jeton, contrôlés avant de lire le fichier.
    let (u, _) = v.administrateur()?;
    let u = u.clone();
    let envoi = verifier_jeton(&v, corps)
        .await?
        .lire(
            &etat,
            Limites {
                taille_fichier: LOGO_MAX,
                fichiers: 1,
            },
        )
        .await?;
    if etat.store.version_locale(&id).await?.is_none() {
        return Err(ErreurWeb::Introuvable);
    }
    let refuser = |m: String| rendre_version(&etat, &v, &id, None, Some(m), None);
    if envoi.interrompu() {
        return refuser(format!(
            "Un seul logo, de {} Ko au plus : rien n'a été enregistré. Réduisez l'image, puis envoyez-la à nouveau.",
            LOGO_MAX / 1024
        ))
        .await;
    }
    if envoi.champ("retirer").is_some() {
        etat.store
            .changer_logo_version_locale(&acteur(&u), &id, None)
            .await?;
        return Ok(Redirect::to(&format!(
            "/administration/versions-locales/{id}?ok=logo-retire"
        ))
        .into_response());
    }
    let Some(piece) = envoi.fichiers.into_iter().next() else {
        return refuser("Choisissez une image PNG, JPEG ou WebP.".into()).await;
    };
    let mime = match controler_logo(&piece.nom, &piece.debut) {
        Ok(m) => m,
        Err(m) => return refuser(m).await,
    };
    let chemin = piece.chemin().to_path_buf();
    let octets = tokio::task::spawn_blocking(move || std::fs::read(chemin))
        .await
        .map_err(|e| ErreurWeb::interne("lecture d'un logo interrompue", e))?
        .map_err(|e| ErreurWeb::interne("lecture d'un logo envoyé", e))?;
    etat.store
        .changer_logo_version_locale(&acteur(&u), &id, Some((&octets, mime)))
        .await?;
    Ok(Redirect::to(&format!("/administration/versions-locales/{id}?ok=logo")).into_response())
}
