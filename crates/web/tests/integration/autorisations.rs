//! Matrice d'autorisation (durcissement) : chaque route de `application()` × chaque rôle
//! (anonyme, demandeur de l'organisation A, demandeur de l'organisation B, instructeur,
//! administrateur), sur les objets de A, avec la réponse attendue. Les routes sont relevées dans
//! le source de `src/routes.rs` : une route sans entrée dans la matrice (ou une entrée sans route)
//! fait échouer le test, pour qu'aucune route ne soit ajoutée sans décider qui y a droit.
//!
//! Non couvert ici : le contenu des pages et les effets des formulaires acceptés (testés
//! ailleurs) ; la pièce jointe d'un rapport de charte n'est essayée qu'avec un identifiant
//! inconnu ; le suivi d'un import de lieux n'est essayé qu'avec un import inconnu.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::{Duration, Utc};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::Role;
use reperes_store::test_support::catalogue_du_depot;
use reperes_store::{deux_bases, Abonnement, Acteur, RapportCharte, Store};
use reperes_web::{application, generer_attestation_pour_tests, Config, Etat};

use crate::commun;
use commun::{compte, mener_dossier, multipart, objets_de, titulaire, Client, Rep, MDP};

// ---------- Relevé des routes dans le source ----------

/// Les couples (méthode, chemin) déclarés par `.route("CHEMIN", get(..).post(..))` dans
/// `src/routes.rs`.
fn routes_declarees(source: &str) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    let octets = source.as_bytes();
    let mut debut = 0;
    while let Some(i) = source[debut..].find(".route(") {
        let ouverture = debut + i + ".route".len();
        // Parenthèse fermante correspondante (les chaînes ne contiennent pas de parenthèses ici,
        // mais on les saute quand même).
        let mut profondeur = 0usize;
        let mut dans_chaine = false;
        let mut fin = ouverture;
        for (k, &c) in octets.iter().enumerate().skip(ouverture) {
            match c {
                b'"' if k == 0 || octets[k - 1] != b'\\' => dans_chaine = !dans_chaine,
                b'(' if !dans_chaine => profondeur += 1,
                b')' if !dans_chaine => {
                    profondeur -= 1;
                    if profondeur == 0 {
                        fin = k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let appel = &source[ouverture + 1..fin];
        let guillemet = appel.find('"').expect("chemin de la route");
        let reste = &appel[guillemet + 1..];
        let chemin = &reste[..reste.find('"').expect("fin du chemin")];
        let apres = &reste[chemin.len() + 1..];
        for methode in ["get", "post", "put", "patch", "delete"] {
            let motif = format!("{methode}(");
            let mut j = 0;
            while let Some(p) = apres[j..].find(&motif) {
                let pos = j + p;
                let avant = apres[..pos].chars().next_back();
                if !avant.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    routes.insert((methode.to_uppercase(), chemin.to_string()));
                }
                j = pos + motif.len();
            }
        }
        debut = fin;
    }
    routes
}

// ---------- Le monde ----------

const ROLES: [&str; 5] = [
    "anonyme",
    "demandeur A",
    "demandeur B",
    "instructeur",
    "administrateur",
];

struct Monde {
    /// Organisation A (dossier en brouillon, pièce jointe).
    org_a: String,
    disp_a: String,
    dossier_a: String,
    fichier_a: String,
    /// Dispositif labellisé (organisation `o1`, dont A est membre).
    disp_labellise: String,
    dossier_labellise: String,
    attestation: String,
    /// Charte signée (organisation `o2`, dont A est membre) et un rapport publié.
    dossier_charte: String,
    numero_charte: String,
    rapport: String,
    /// Abonnement aux changements du registre, propriété de A.
    abonnement_a: String,
    lieu: (String, String),
    /// Lieu demandé par l'organisation B (revendication en cours).
    lieu_demande: (String, String),
    referentiel: (String, String),
    /// Avis d'experts sur le dossier labellisé (A est membre de son organisation) : une demande
    /// à l'expert (compte `expert@expert.example`, rôle expert), une autre à annuler.
    avis_expert: String,
    avis_annulable: String,
    /// Signalement du public (issue 16) sur le premier lieu, tenu par l'organisation de A.
    signalement_a: String,
    // Une version locale (`/t/matrice`), avec couleur et logo.
    version_locale: String,
}

async fn importer_lieux(store: &Store) {
    commun::importer_lieux(store, &[("exemple-valide-v1.0.2.csv", "exemple")]).await;
}

async fn monde(store: &Store, etat: &Etat) -> Monde {
    let c = catalogue_du_depot();
    let r = c.referentiels.iter().find(|r| r.id == "nec-2022").unwrap();
    let systeme = Acteur::new("test", Role::Systeme);
    let a = compte(store, "a@org-a.example", RoleCompte::Demandeur).await;
    let b = compte(store, "b@org-b.example", RoleCompte::Demandeur).await;
    compte(store, "agent@reperes.example", RoleCompte::Instructeur).await;
    compte(store, "admin@reperes.example", RoleCompte::Administrateur).await;
    for (u, suffixe) in [(&a, "a"), (&b, "b")] {
        objets_de(store, u, suffixe, Some(etat.stockage.as_ref())).await;
    }
    // Un dispositif labellisé et une charte signée, dont A est membre des organisations.
    let dossier_labellise = titulaire(store, "1", "Outil", "numerique", "80000", "labellise").await;
    let dossier_charte = mener_dossier(
        store,
        "charte-territoire-actions",
        "2",
        "Territoire d'Actions",
        "demarche_territoriale",
        "63000",
        "labellise",
        Utc::now() - Duration::days(30),
    )
    .await;
    for o in ["o1", "o2"] {
        store.ajouter_membre(&systeme, o, &a.id).await.unwrap();
    }
    let attestation = generer_attestation_pour_tests(etat, &dossier_labellise)
        .await
        .id;
    store
        .publier_rapport(
            &Acteur::new(&a.email, Role::Demandeur),
            &RapportCharte {
                id: "r1".into(),
                dossier_id: dossier_charte.clone(),
                annee: chrono::Datelike::year(&Utc::now()),
                titre: "Rapport r1".into(),
                demarche: "Démarche documentée.".into(),
                impact: "Impact mesuré.".into(),
                retours_outils: "Retours.".into(),
                licence: "etalab-2.0".into(),
                auteur_id: a.id.clone(),
                publie_le: Utc::now(),
                fichiers: vec![],
            },
            &[],
        )
        .await
        .unwrap();
    let numero_charte = store
        .dossier(&dossier_charte)
        .await
        .unwrap()
        .unwrap()
        .numero
        .unwrap()
        .to_string();
    store
        .creer_abonnement(&Abonnement {
            id: "abonnement-a".into(),
            proprietaire_id: a.id.clone(),
            url: "http://127.0.0.1:9/crochet".into(),
            secret: "secret".into(),
            actif: true,
        })
        .await
        .unwrap();
    importer_lieux(store).await;
    compte(store, "expert@expert.example", RoleCompte::Expert).await;
    for (id, email) in [
        ("avis-expert", "expert@expert.example"),
        ("avis-annulable", "autre-expert@expert.example"),
    ] {
        store
            .demander_avis(
                &Acteur::new("agent", Role::Instructeur),
                &reperes_domain::dossier::avis::DemandeAvis {
                    id: id.into(),
                    dossier_id: dossier_labellise.clone(),
                    agent_id: "agent".into(),
                    expert_email: email.into(),
                    expert_id: None,
                    question: "Avis ?".into(),
                    date_limite: (Utc::now() + Duration::days(10)).date_naive(),
                    confidentiel: true,
                    reponse: None,
                    fichiers: vec![],
                    cree_le: Utc::now(),
                    repondu_le: None,
                    annule_le: None,
                },
                &format!("empreinte-{id}"),
                &reperes_store::NouveauCourriel {
                    destinataire: email.into(),
                    sujet: "Repères : demande d'avis".into(),
                    corps: "Lien.".into(),
                },
            )
            .await
            .unwrap();
    }
    let (source, l) = store.lieux().await.unwrap().remove(0);
    let lieu = (source, l["id"].as_str().unwrap().to_string());
    // Lieux vivants (issue 16) : le premier lieu est tenu par l'organisation A (« membre de
    // l'organisation qui tient le lieu » = demandeur A) ; B a demandé à tenir le deuxième.
    // Signalements : un signalement du public en attente sur le premier lieu.
    store
        .attribuer_lieu(&systeme, &lieu.0, &lieu.1, "org-a", false)
        .await
        .unwrap();
    commun::importer_csv(
        store,
        "zz-demande",
        "id,pivot,nom,commune,code_postal,adresse,date_maj,services\n\
         M1,43493312300029,Lieu demandé,Amiens,80000,1 rue,2024-01-01,Aide aux démarches administratives\n",
    )
    .await;
    store
        .demander_lieu(
            &Acteur::new(&b.id, Role::Demandeur),
            "zz-demande",
            "M1",
            "org-b",
        )
        .await
        .unwrap();
    let signalement_a = store
        .deposer_signalement(
            &Acteur::new("public", Role::Systeme),
            reperes_store::Depot::Signalement {
                source: &lieu.0,
                lieu_id: &lieu.1,
                motif: "horaires",
                commentaire: "Horaires faux.",
                valeur_proposee: None,
                email: None,
            },
        )
        .await
        .unwrap();
    // Une version locale, avec couleur et logo.
    let version_locale = {
        let v = reperes_domain::versions_locales::SaisieVersionLocale {
            slug: "matrice".into(),
            nom: "Carte de la matrice".into(),
            perimetre: "departement:80".into(),
            couleur: "#1d4ed8".into(),
            theme: "neutre".into(),
            origines: String::new(),
        }
        .valider(reperes_domain::territoires::Territoires::embarque())
        .unwrap();
        let adm = Acteur::new("adm", Role::Administrateur);
        let id = store.creer_version_locale(&adm, &v).await.unwrap();
        let png = [0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0];
        store
            .changer_logo_version_locale(&adm, &id, Some((&png, "image/png")))
            .await
            .unwrap();
        id
    };
    Monde {
        org_a: "org-a".into(),
        disp_a: "disp-a".into(),
        dossier_a: "dossier-a".into(),
        fichier_a: "fichier-a".into(),
        disp_labellise: "x1".into(),
        dossier_labellise,
        attestation,
        dossier_charte,
        numero_charte,
        rapport: "r1".into(),
        abonnement_a: "abonnement-a".into(),
        lieu,
        lieu_demande: ("zz-demande".into(), "M1".into()),
        referentiel: (r.id.clone(), r.version.to_string()),
        avis_expert: "avis-expert".into(),
        avis_annulable: "avis-annulable".into(),
        signalement_a,
        version_locale,
    }
}

// ---------- La matrice ----------

/// Réponse attendue.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Attendu {
    /// 200.
    Ok,
    /// Le gestionnaire est atteint et répond normalement : 200, 303 (ailleurs que vers la
    /// connexion), 400 (refus métier) ou 422 (formulaire invalide).
    Permis,
    /// 303 vers /connexion.
    Connexion,
    /// 403.
    Interdit,
    /// 404 : l'objet d'autrui n'est pas révélé.
    Introuvable,
}
use Attendu::{Connexion, Interdit, Introuvable, Ok, Permis};

/// Tout le monde : page publique.
const PUBLIC: [Attendu; 5] = [Ok; 5];
/// Toute personne connectée.
const COMPTE: [Attendu; 5] = [Connexion, Ok, Ok, Ok, Ok];
/// Agents de l'instruction.
const AGENTS: [Attendu; 5] = [Connexion, Interdit, Interdit, Ok, Ok];
/// Administration.
const ADMIN: [Attendu; 5] = [Connexion, Interdit, Interdit, Interdit, Ok];

#[derive(Clone, Copy, PartialEq)]
enum Corps {
    Aucun,
    Formulaire,
    Multipart,
}

struct Entree {
    methode: &'static str,
    motif: &'static str,
    chemin: String,
    corps: Corps,
    champs: Vec<(&'static str, String)>,
    /// Anonyme, demandeur A, demandeur B, instructeur, administrateur (avec un jeton CSRF
    /// valide pour les POST).
    attendus: [Attendu; 5],
    /// Le gestionnaire vérifie le compte avant le jeton CSRF (un anonyme sans jeton est donc
    /// renvoyé vers la connexion plutôt que refusé).
    compte_avant_csrf: bool,
}

fn get(motif: &'static str, chemin: String, attendus: [Attendu; 5]) -> Entree {
    Entree {
        methode: "GET",
        motif,
        chemin,
        corps: Corps::Aucun,
        champs: vec![],
        attendus,
        compte_avant_csrf: false,
    }
}

fn post(
    motif: &'static str,
    chemin: String,
    champs: &[(&'static str, &str)],
    attendus: [Attendu; 5],
) -> Entree {
    Entree {
        methode: "POST",
        motif,
        chemin,
        corps: Corps::Formulaire,
        champs: champs.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        attendus,
        compte_avant_csrf: false,
    }
}

fn multipart_(motif: &'static str, chemin: String, attendus: [Attendu; 5]) -> Entree {
    Entree {
        corps: Corps::Multipart,
        ..post(motif, chemin, &[], attendus)
    }
}

fn compte_avant_csrf(e: Entree) -> Entree {
    Entree {
        compte_avant_csrf: true,
        ..e
    }
}

fn matrice(m: &Monde) -> Vec<Entree> {
    let s = |x: &str| x.to_string();
    let da = &m.dossier_a;
    let (source, lieu) = &m.lieu;
    let (rid, rversion) = &m.referentiel;
    let num = &m.numero_charte;
    // Membre (A) ; autre organisation (B) ; agents.
    let membre = [Connexion, Ok, Introuvable, Ok, Ok];
    let membre_seul = [Connexion, Ok, Introuvable, Introuvable, Introuvable];
    let membre_seul_p = [Connexion, Permis, Introuvable, Introuvable, Introuvable];
    let demandeur = [Connexion, Ok, Introuvable, Interdit, Interdit];
    let demandeur_p = [Connexion, Permis, Introuvable, Interdit, Interdit];
    let parties_p = [Connexion, Permis, Introuvable, Permis, Permis];
    let agents_p = [Connexion, Interdit, Interdit, Permis, Permis];
    let admin_p = [Connexion, Interdit, Interdit, Interdit, Permis];
    let compte_p = [Connexion, Permis, Permis, Permis, Permis];
    let public_p = [Permis; 5];
    vec![
        // Pages publiques.
        get("/", s("/"), PUBLIC),
        get(
            "/referentiels/{id}/{version}",
            format!("/referentiels/{rid}/{rversion}"),
            PUBLIC,
        ),
        get("/sante", s("/sante"), PUBLIC),
        // L'aide est publique (au national et, pour ses pages
        // publiques, dans une version locale : même motif de route).
        get("/aide", s("/aide"), PUBLIC),
        get("/aide/{page}", s("/aide/demander-un-label"), PUBLIC),
        // Déclaration d'accessibilité et détail de l'audit.
        get("/accessibilite", s("/accessibilite"), PUBLIC),
        get("/accessibilite/audit", s("/accessibilite/audit"), PUBLIC),
        get("/inscription", s("/inscription"), public_p),
        get("/verification", s("/verification"), public_p),
        post(
            "/verification",
            s("/verification"),
            &[("email", "")],
            public_p,
        ),
        get(
            "/verification/{jeton}",
            s("/verification/jeton-inconnu"),
            public_p,
        ),
        post(
            "/verification/{jeton}",
            s("/verification/jeton-inconnu"),
            &[("mot_de_passe", MDP)],
            public_p,
        ),
        get("/connexion", s("/connexion"), public_p),
        get("/mot-de-passe-oublie", s("/mot-de-passe-oublie"), public_p),
        get(
            "/reinitialisation/{jeton}",
            s("/reinitialisation/jeton-inconnu"),
            public_p,
        ),
        get(
            "/invitation/{jeton}",
            s("/invitation/jeton-inconnu"),
            public_p,
        ),
        post(
            "/invitation/{jeton}",
            s("/invitation/jeton-inconnu"),
            &[("nom", "X"), ("mot_de_passe", MDP)],
            public_p,
        ),
        post(
            "/reinitialisation/{jeton}",
            s("/reinitialisation/jeton-inconnu"),
            &[("mot_de_passe", MDP), ("confirmation", MDP)],
            public_p,
        ),
        post(
            "/mot-de-passe-oublie",
            s("/mot-de-passe-oublie"),
            &[("email", "")],
            public_p,
        ),
        post("/inscription", s("/inscription"), &[("nom", "")], public_p),
        // Espace des demandeurs.
        get("/espace", s("/espace"), COMPTE),
        // Données personnelles : chacun ne voit, n'exporte et ne supprime que son propre compte
        // (aucun identifiant dans le chemin) ; un mot de passe faux refuse la suppression (422).
        get("/compte/donnees", s("/compte/donnees"), COMPTE),
        get(
            "/compte/donnees/export.json",
            s("/compte/donnees/export.json"),
            COMPTE,
        ),
        post(
            "/compte/supprimer",
            s("/compte/supprimer"),
            &[("mot_de_passe", "pas le bon mot de passe")],
            compte_p,
        ),
        get(
            "/organisations/nouvelle",
            s("/organisations/nouvelle"),
            COMPTE,
        ),
        post(
            "/organisations/nouvelle",
            s("/organisations/nouvelle"),
            &[("nom", "")],
            compte_p,
        ),
        get(
            "/organisations/{id}",
            format!("/organisations/{}", m.org_a),
            membre,
        ),
        post(
            "/organisations/{id}/invitations",
            format!("/organisations/{}/invitations", m.org_a),
            &[("email", "")],
            membre_seul_p,
        ),
        get(
            "/organisations/{id}/dispositifs/nouveau",
            format!("/organisations/{}/dispositifs/nouveau", m.org_a),
            membre_seul,
        ),
        post(
            "/organisations/{id}/dispositifs",
            format!("/organisations/{}/dispositifs", m.org_a),
            &[("nom", "")],
            membre_seul_p,
        ),
        get(
            "/dispositifs/{id}/autodiagnostic/{referentiel}",
            format!("/dispositifs/{}/autodiagnostic/{rid}", m.disp_a),
            membre_seul,
        ),
        post(
            "/dispositifs/{id}/autodiagnostic/{referentiel}",
            format!("/dispositifs/{}/autodiagnostic/{rid}", m.disp_a),
            &[],
            membre_seul_p,
        ),
        post(
            "/dossiers",
            s("/dossiers"),
            &[("dispositif", &m.disp_a), ("referentiel", rid)],
            membre_seul_p,
        ),
        // Dossiers.
        get("/dossiers/{id}", format!("/dossiers/{da}"), membre),
        get(
            "/dossiers/{id}/etapes/{n}",
            format!("/dossiers/{da}/etapes/1"),
            demandeur,
        ),
        multipart_(
            "/dossiers/{id}/etapes/{n}",
            format!("/dossiers/{da}/etapes/1"),
            demandeur_p,
        ),
        post(
            "/dossiers/{id}/fichiers/{fichier}/retirer",
            format!("/dossiers/{da}/fichiers/{}/retirer", m.fichier_a),
            &[("critere", "inconnu")],
            demandeur_p,
        ),
        post(
            "/dossiers/{id}/deposer",
            format!("/dossiers/{da}/deposer"),
            &[],
            demandeur_p,
        ),
        post(
            "/dossiers/{id}/renouveler",
            format!("/dossiers/{da}/renouveler"),
            &[],
            demandeur_p,
        ),
        multipart_(
            "/dossiers/{id}/messages",
            format!("/dossiers/{da}/messages"),
            parties_p,
        ),
        get(
            "/fichiers/{id}",
            format!("/fichiers/{}", m.fichier_a),
            membre,
        ),
        get(
            "/dossiers/{id}/attestation",
            format!("/dossiers/{}/attestation", m.dossier_labellise),
            parties_p,
        ),
        // Instruction.
        post(
            "/dossiers/{id}/attribuer",
            format!("/dossiers/{da}/attribuer"),
            &[("instructeur", "")],
            agents_p,
        ),
        post(
            "/dossiers/{id}/appreciations",
            format!("/dossiers/{da}/appreciations"),
            &[],
            agents_p,
        ),
        post(
            "/dossiers/{id}/plan",
            format!("/dossiers/{da}/plan"),
            &[],
            agents_p,
        ),
        // Essayée sur un dossier où elle est possible (retirer un label : l'administration
        // seule) ; sans motivation, l'administrateur est refusé par le formulaire (422), pas par
        // son rôle. Chaque décision × chaque rôle : qui_decide.rs.
        post(
            "/dossiers/{id}/actions/{action}",
            format!("/dossiers/{}/actions/retirer", m.dossier_labellise),
            &[("motif", "")],
            [Connexion, Interdit, Introuvable, Interdit, Permis],
        ),
        get(
            "/dossiers/{id}/decision",
            format!("/dossiers/{da}/decision"),
            AGENTS,
        ),
        post(
            "/dossiers/{id}/decision",
            format!("/dossiers/{da}/decision"),
            &[("decision", "refuser"), ("motivation", "")],
            agents_p,
        ),
        get("/instruction", s("/instruction"), AGENTS),
        get("/instruction/chartes", s("/instruction/chartes"), AGENTS),
        get(
            "/instruction/export.csv",
            s("/instruction/export.csv"),
            AGENTS,
        ),
        get(
            "/instruction/export.xlsx",
            s("/instruction/export.xlsx"),
            AGENTS,
        ),
        get("/administration", s("/administration"), ADMIN),
        post(
            "/administration/invitations",
            s("/administration/invitations"),
            &[("email", "")],
            admin_p,
        ),
        get(
            "/administration/journal-securite",
            s("/administration/journal-securite"),
            ADMIN,
        ),
        get(
            "/administration/journal-securite.csv",
            s("/administration/journal-securite.csv"),
            ADMIN,
        ),
        // Chartes.
        get(
            "/dossiers/{id}/rapports/nouveau",
            format!("/dossiers/{}/rapports/nouveau", m.dossier_charte),
            membre,
        ),
        multipart_(
            "/dossiers/{id}/rapports",
            format!("/dossiers/{}/rapports", m.dossier_charte),
            parties_p,
        ),
        get("/chartes", s("/chartes"), PUBLIC),
        get("/chartes/{ident}", format!("/chartes/{num}"), PUBLIC),
        get(
            "/chartes/{ident}/rapports/{id}",
            format!("/chartes/{num}/rapports/{}", m.rapport),
            PUBLIC,
        ),
        get(
            "/chartes/{ident}/rapports/{id}/fichiers/{fichier}",
            format!(
                "/chartes/{num}/rapports/{}/fichiers/{}",
                m.rapport, m.fichier_a
            ),
            [Introuvable; 5],
        ),
        get("/donnees/chartes.csv", s("/donnees/chartes.csv"), PUBLIC),
        get("/donnees/chartes.json", s("/donnees/chartes.json"), PUBLIC),
        get(
            "/donnees/chartes.schema.json",
            s("/donnees/chartes.schema.json"),
            PUBLIC,
        ),
        // Registre et données ouvertes.
        get("/registre", s("/registre"), PUBLIC),
        get(
            "/registre/dispositifs/{id}",
            format!("/registre/dispositifs/{}", m.disp_labellise),
            PUBLIC,
        ),
        get(
            "/registre/dispositifs/{id}/badge.svg",
            format!("/registre/dispositifs/{}/badge.svg", m.disp_labellise),
            PUBLIC,
        ),
        get("/donnees", s("/donnees"), PUBLIC),
        get("/donnees/registre.csv", s("/donnees/registre.csv"), PUBLIC),
        get(
            "/donnees/registre.json",
            s("/donnees/registre.json"),
            PUBLIC,
        ),
        get(
            "/donnees/registre.schema.json",
            s("/donnees/registre.schema.json"),
            PUBLIC,
        ),
        get("/donnees/abonnements", s("/donnees/abonnements"), COMPTE),
        post(
            "/donnees/abonnements",
            s("/donnees/abonnements"),
            &[("url", "")],
            compte_p,
        ),
        post(
            "/donnees/abonnements/{id}/desactiver",
            format!("/donnees/abonnements/{}/desactiver", m.abonnement_a),
            &[],
            membre_seul_p,
        ),
        get(
            "/attestations/{id}",
            format!("/attestations/{}", m.attestation),
            PUBLIC,
        ),
        // Lieux.
        get("/lieux", s("/lieux"), PUBLIC),
        get(
            "/lieux/{source}/{id}",
            format!("/lieux/{source}/{lieu}"),
            PUBLIC,
        ),
        compte_avant_csrf(post(
            "/lieux/{source}/{id}/dispositifs",
            format!("/lieux/{source}/{lieu}/dispositifs"),
            &[("dispositif", &m.disp_labellise)],
            // B n'a aucun dispositif labellisé : il ne peut pas lier celui de A.
            [Connexion, Permis, Interdit, Permis, Permis],
        )),
        // Modifier un lieu, historique, restauration (partie « edition ») : la structure qui
        // tient le lieu (A) et l'administration modifient ; seul l'administrateur restaure.
        get(
            "/lieux/{source}/{id}/modifier",
            format!("/lieux/{source}/{lieu}/modifier"),
            [Connexion, Ok, Interdit, Interdit, Ok],
        ),
        compte_avant_csrf(post(
            "/lieux/{source}/{id}/modifier",
            format!("/lieux/{source}/{lieu}/modifier"),
            &[],
            [Connexion, Permis, Interdit, Interdit, Permis],
        )),
        get(
            "/lieux/{source}/{id}/historique",
            format!("/lieux/{source}/{lieu}/historique"),
            PUBLIC,
        ),
        compte_avant_csrf(post(
            "/lieux/{source}/{id}/historique/{version}/restaurer",
            format!("/lieux/{source}/{lieu}/historique/1/restaurer"),
            &[],
            [Connexion, Interdit, Interdit, Interdit, Permis],
        )),
        get(
            "/api/v1/lieux/{source}/{id}/historique",
            format!("/api/v1/lieux/{source}/{lieu}/historique"),
            PUBLIC,
        ),
        // Lieux vivants, structures (issue 16) : A tient déjà le lieu (400), B n'est pas membre
        // de l'organisation A (403), un agent n'a pas d'organisation (400).
        get(
            "/lieux/{source}/{id}/revendiquer",
            format!("/lieux/{source}/{lieu}/revendiquer"),
            COMPTE,
        ),
        compte_avant_csrf(post(
            "/lieux/{source}/{id}/revendiquer",
            format!("/lieux/{source}/{lieu}/revendiquer"),
            &[("organisation", &m.org_a)],
            [Connexion, Permis, Interdit, Permis, Permis],
        )),
        get(
            "/administration/lieux/revendications",
            s("/administration/lieux/revendications"),
            ADMIN,
        ),
        compte_avant_csrf(post(
            "/administration/lieux/revendications",
            s("/administration/lieux/revendications"),
            // La demande de B sur le deuxième lieu (refusée par l'administrateur).
            &[
                ("source", &m.lieu_demande.0),
                ("lieu", &m.lieu_demande.1),
                ("organisation", "org-b"),
                ("decision", "refuser"),
                ("motif", "Pas la bonne structure."),
            ],
            [Connexion, Interdit, Interdit, Interdit, Permis],
        )),
        get(
            "/administration/lieux/fraicheur",
            s("/administration/lieux/fraicheur"),
            ADMIN,
        ),
        get(
            "/administration/lieux/fraicheur.csv",
            s("/administration/lieux/fraicheur.csv"),
            ADMIN,
        ),
        // Lien de confirmation inconnu : introuvable pour tous.
        get(
            "/confirmation-lieu/{jeton}",
            s("/confirmation-lieu/jeton-inconnu"),
            [Introuvable; 5],
        ),
        post(
            "/confirmation-lieu/{jeton}",
            s("/confirmation-lieu/jeton-inconnu"),
            &[],
            [Introuvable; 5],
        ),
        get("/api/v1/lieux", s("/api/v1/lieux"), PUBLIC),
        get("/donnees/lieux.csv", s("/donnees/lieux.csv"), PUBLIC),
        get("/donnees/lieux.json", s("/donnees/lieux.json"), PUBLIC),
        get(
            "/donnees/lieux.geojson",
            s("/donnees/lieux.geojson"),
            PUBLIC,
        ),
        get(
            "/donnees/lieux-data-inclusion-structures.json",
            s("/donnees/lieux-data-inclusion-structures.json"),
            PUBLIC,
        ),
        get(
            "/donnees/lieux-data-inclusion-services.json",
            s("/donnees/lieux-data-inclusion-services.json"),
            PUBLIC,
        ),
        get(
            "/donnees/lieux-ecarts.csv",
            s("/donnees/lieux-ecarts.csv"),
            PUBLIC,
        ),
        get("/orientation", s("/orientation"), PUBLIC),
        // Territoires : ni A ni B ne portent de titre sur la Charente.
        get("/territoires", s("/territoires"), PUBLIC),
        get(
            "/territoires/{niveau}/{code}",
            s("/territoires/departement/16"),
            PUBLIC,
        ),
        get(
            "/territoires/{niveau}/{code}/saisie",
            s("/territoires/departement/16/saisie"),
            AGENTS,
        ),
        compte_avant_csrf(post(
            "/territoires/{niveau}/{code}/saisie",
            s("/territoires/departement/16/saisie"),
            &[("indicateur", "")],
            agents_p,
        )),
        get(
            "/territoires/{niveau}/{code}/indicateurs.csv",
            s("/territoires/departement/16/indicateurs.csv"),
            PUBLIC,
        ),
        // Conflits entre une source et Repères (issue 16) : la structure qui tient le lieu (A)
        // ou un administrateur.
        get(
            "/lieux/{source}/{id}/conflits",
            format!("/lieux/{source}/{lieu}/conflits"),
            [Connexion, Ok, Interdit, Interdit, Ok],
        ),
        compte_avant_csrf(post(
            "/lieux/{source}/{id}/conflits",
            format!("/lieux/{source}/{lieu}/conflits"),
            &[],
            [Connexion, Permis, Interdit, Interdit, Permis],
        )),
        get(
            "/administration/lieux/conflits",
            s("/administration/lieux/conflits"),
            ADMIN,
        ),
        // Administration des lieux.
        get("/administration/lieux", s("/administration/lieux"), ADMIN),
        compte_avant_csrf(multipart_(
            "/administration/lieux",
            s("/administration/lieux"),
            admin_p,
        )),
        get(
            "/administration/lieux/imports/{id}",
            s("/administration/lieux/imports/inconnu"),
            [Connexion, Interdit, Interdit, Interdit, Introuvable],
        ),
        get(
            "/administration/lieux/imports/{id}/etat.json",
            s("/administration/lieux/imports/inconnu/etat.json"),
            [Connexion, Interdit, Interdit, Interdit, Introuvable],
        ),
        get(
            "/administration/lieux/imports/{id}/rapport/{format}",
            s("/administration/lieux/imports/inconnu/rapport/csv"),
            [Connexion, Interdit, Interdit, Interdit, Introuvable],
        ),
        compte_avant_csrf(post(
            "/administration/lieux/distincts",
            s("/administration/lieux/distincts"),
            &[],
            admin_p,
        )),
        // Signalements du public (issue 16) : signaler et proposer sans compte (saisie vide :
        // 422) ; la file pour toute personne connectée (chacun n'y voit que ce qu'il peut
        // traiter) ; un signalement d'un lieu de A : A (structure) et l'administration.
        get(
            "/lieux/{source}/{id}/signaler",
            format!("/lieux/{source}/{lieu}/signaler"),
            PUBLIC,
        ),
        post(
            "/lieux/{source}/{id}/signaler",
            format!("/lieux/{source}/{lieu}/signaler"),
            &[("motif", "")],
            public_p,
        ),
        get("/lieux/proposer", s("/lieux/proposer"), PUBLIC),
        post(
            "/lieux/proposer",
            s("/lieux/proposer"),
            &[("nom", "")],
            public_p,
        ),
        get("/lieux/signalements", s("/lieux/signalements"), COMPTE),
        get(
            "/lieux/signalements/{id}",
            format!("/lieux/signalements/{}", m.signalement_a),
            [Connexion, Ok, Interdit, Interdit, Ok],
        ),
        compte_avant_csrf(post(
            "/lieux/signalements/{id}",
            format!("/lieux/signalements/{}", m.signalement_a),
            &[("decision", "refuser"), ("motif_refus", "")],
            [Connexion, Permis, Interdit, Interdit, Permis],
        )),
        // Revue des doublons (issue 16) : une paire dont un lieu est inconnu (404 pour
        // l'administrateur, rien n'est écrit).
        get(
            "/administration/lieux/doublons",
            s("/administration/lieux/doublons"),
            ADMIN,
        ),
        get(
            "/administration/lieux/doublons/{a}/{b}",
            format!("/administration/lieux/doublons/{source}%2F{lieu}/inconnu%2Fx"),
            [Connexion, Interdit, Interdit, Interdit, Introuvable],
        ),
        compte_avant_csrf(post(
            "/administration/lieux/doublons/{a}/{b}",
            format!("/administration/lieux/doublons/{source}%2F{lieu}/inconnu%2Fx"),
            &[("decision", "distincts")],
            [Connexion, Interdit, Interdit, Interdit, Introuvable],
        )),
        // API et statistiques.
        get("/statistiques", s("/statistiques"), PUBLIC),
        get("/api/openapi.json", s("/api/openapi.json"), PUBLIC),
        get("/api/v1/registre", s("/api/v1/registre"), PUBLIC),
        get("/api/v1/referentiels", s("/api/v1/referentiels"), PUBLIC),
        get(
            "/api/v1/referentiels/{id}/{version}",
            format!("/api/v1/referentiels/{rid}/{rversion}"),
            PUBLIC,
        ),
        get("/api/v1/statistiques", s("/api/v1/statistiques"), PUBLIC),
        get("/static/{*chemin}", s("/static/css/reperes.css"), PUBLIC),
        // Administration des versions locales (administrateur
        // seul) ; couleur et logo d'une version (publics, sous /t/{slug}/).
        get(
            "/administration/versions-locales",
            s("/administration/versions-locales"),
            ADMIN,
        ),
        post(
            "/administration/versions-locales",
            s("/administration/versions-locales"),
            &[("nom", "")],
            admin_p,
        ),
        get(
            "/administration/versions-locales/{id}",
            format!("/administration/versions-locales/{}", m.version_locale),
            ADMIN,
        ),
        post(
            "/administration/versions-locales/{id}",
            format!("/administration/versions-locales/{}", m.version_locale),
            &[("nom", "")],
            admin_p,
        ),
        compte_avant_csrf(multipart_(
            "/administration/versions-locales/{id}/logo",
            format!("/administration/versions-locales/{}/logo", m.version_locale),
            admin_p,
        )),
        get("/theme.css", s("/t/matrice/theme.css"), PUBLIC),
        get("/logo", s("/t/matrice/logo"), PUBLIC),
        // Les adresses d'une version locale (socle de l'issue 17, sans entrée jusqu'ici) :
        // publiques ; /t/{slug} et /t/{slug}/ mènent à sa recherche.
        get("/t/{slug}", s("/t/matrice"), public_p),
        get("/t/{slug}/", s("/t/matrice/"), public_p),
        get("/t/{slug}/{*reste}", s("/t/matrice/lieux"), PUBLIC),
        // Avis d'experts : demande et annulation par les agents ; pages de l'expert (la sienne
        // seulement : 404 pour tout autre compte).
        get(
            "/dossiers/{id}/avis/nouveau",
            format!("/dossiers/{}/avis/nouveau", m.dossier_labellise),
            AGENTS,
        ),
        post(
            "/dossiers/{id}/avis",
            format!("/dossiers/{}/avis", m.dossier_labellise),
            &[("email", "")],
            agents_p,
        ),
        post(
            "/avis/{id}/annuler",
            format!("/avis/{}/annuler", m.avis_annulable),
            &[],
            agents_p,
        ),
        get("/avis", s("/avis"), COMPTE),
        get(
            "/avis/lien/{jeton}",
            s("/avis/lien/jeton-inconnu"),
            [Introuvable; 5],
        ),
        post(
            "/avis/lien/{jeton}",
            s("/avis/lien/jeton-inconnu"),
            &[("nom", "X"), ("mot_de_passe", MDP)],
            [Introuvable; 5],
        ),
        get(
            "/avis/{id}",
            format!("/avis/{}", m.avis_expert),
            [
                Connexion,
                Introuvable,
                Introuvable,
                Introuvable,
                Introuvable,
            ],
        ),
        multipart_(
            "/avis/{id}",
            format!("/avis/{}", m.avis_expert),
            [
                Connexion,
                Introuvable,
                Introuvable,
                Introuvable,
                Introuvable,
            ],
        ),
        get(
            "/avis/{id}/fichiers/{fichier}",
            format!("/avis/{}/fichiers/{}", m.avis_expert, m.fichier_a),
            [
                Connexion,
                Introuvable,
                Introuvable,
                Introuvable,
                Introuvable,
            ],
        ),
        // En dernier : ces formulaires touchent à la session.
        post(
            "/connexion",
            s("/connexion"),
            &[("email", ""), ("mot_de_passe", "")],
            public_p,
        ),
        // Second facteur (second_facteur.rs), avant la déconnexion qui ferme les sessions. L'étape
        // « code » n'a de sens que pour une session qui l'attend (sinon : page qui invite à se
        // reconnecter, ou retour à l'espace si l'on est connecté).
        get("/connexion/code", s("/connexion/code"), public_p),
        post(
            "/connexion/code",
            s("/connexion/code"),
            &[("code", "000000")],
            compte_p,
        ),
        get(
            "/compte/second-facteur",
            s("/compte/second-facteur"),
            COMPTE,
        ),
        compte_avant_csrf(post(
            "/compte/second-facteur",
            s("/compte/second-facteur"),
            &[("code", "")],
            compte_p,
        )),
        compte_avant_csrf(post(
            "/compte/second-facteur/desactivation",
            s("/compte/second-facteur/desactivation"),
            &[("mot_de_passe", ""), ("code", "")],
            compte_p,
        )),
        post(
            "/administration/second-facteur",
            s("/administration/second-facteur"),
            &[("exiger", "non")],
            admin_p,
        ),
        // Pages légales et « Signaler un problème » (publics, sans
        // compte ; saisie vide : 422) ; leur administration (administrateur seul ; un
        // signalement inconnu : 404 pour l'administrateur).
        get("/mentions-legales", s("/mentions-legales"), PUBLIC),
        get("/donnees-personnelles", s("/donnees-personnelles"), PUBLIC),
        get("/cookies", s("/cookies"), PUBLIC),
        get("/plan-du-site", s("/plan-du-site"), PUBLIC),
        get("/signaler-un-probleme", s("/signaler-un-probleme"), PUBLIC),
        post(
            "/signaler-un-probleme",
            s("/signaler-un-probleme"),
            &[("message", "")],
            public_p,
        ),
        get(
            "/administration/problemes",
            s("/administration/problemes"),
            ADMIN,
        ),
        compte_avant_csrf(post(
            "/administration/problemes/{id}",
            s("/administration/problemes/inconnu"),
            &[],
            [Connexion, Interdit, Interdit, Interdit, Introuvable],
        )),
        post("/deconnexion", s("/deconnexion"), &[], public_p),
        // Les points de la carte des résultats (publics).
        get(
            "/lieux/carte.json",
            s("/lieux/carte.json?lieu=Angoul%C3%AAme"),
            PUBLIC,
        ),
        // La page des indicateurs d'une version locale n'existe
        // que sous /t/{slug}/ (pages locales : tests/integration/versions_locales.rs) ; au
        // national, elle est introuvable pour tous.
        get("/indicateurs", s("/indicateurs"), [Introuvable; 5]),
    ]
}

/// Ce que reçoit l'expert (compte « expert », une demande d'avis sur le dossier labellisé de
/// A), écrit à la main : refusé (403) sur tout ce qui demande un compte, sauf ses pages d'avis et
/// ses données personnelles ; comme une personne anonyme sur les pages publiques, sauf les
/// invitations et l'étape « code » de la connexion (403).
fn attendu_expert(e: &Entree) -> Attendu {
    match (e.methode, e.motif) {
        ("GET", "/avis") | ("GET", "/avis/{id}") => Ok,
        ("POST", "/avis/{id}") => Permis,
        // Une pièce d'un autre dossier (celle du brouillon de A) ; un lien inconnu.
        ("GET", "/avis/{id}/fichiers/{fichier}") | (_, "/avis/lien/{jeton}") => Introuvable,
        ("GET", "/compte/donnees") | ("GET", "/compte/donnees/export.json") => Ok,
        (_, "/invitation/{jeton}") | (_, "/connexion/code") => Interdit,
        _ if e.attendus[0] == Connexion => Interdit,
        _ => e.attendus[0],
    }
}

// ---------- Exécution ----------

/// La redirection vers la connexion attendue pour une entrée : une page lue (GET) y revient
/// ensuite (`?suite=` portant son chemin, sauf l'espace, où l'on arrive de toute façon) ; un envoi
/// (POST, ici sans page précédente) n'y revient pas.
fn connexion_attendue(e: &Entree) -> String {
    if e.methode == "GET" && e.chemin != "/espace" {
        let suite: String = form_urlencoded::byte_serialize(e.chemin.as_bytes()).collect();
        format!("/connexion?suite={suite}")
    } else {
        "/connexion".to_string()
    }
}

fn conforme(a: Attendu, r: &Rep, e: &Entree) -> bool {
    let vers_connexion = r
        .lieu
        .as_deref()
        .is_some_and(|l| l == "/connexion" || l.starts_with("/connexion?"));
    match a {
        Ok => r.code == StatusCode::OK,
        Permis => {
            matches!(r.code.as_u16(), 200 | 400 | 422)
                || (r.code == StatusCode::SEE_OTHER && !vers_connexion)
        }
        Connexion => {
            r.code == StatusCode::SEE_OTHER
                && r.lieu.as_deref() == Some(connexion_attendue(e).as_str())
        }
        Interdit => r.code == StatusCode::FORBIDDEN,
        Introuvable => r.code == StatusCode::NOT_FOUND,
    }
}

async fn envoyer(c: &mut Client, e: &Entree, avec_jeton: bool) -> Rep {
    let jeton = if avec_jeton {
        c.csrf.clone()
    } else {
        String::new()
    };
    match e.corps {
        Corps::Aucun => c.get(&e.chemin).await,
        Corps::Formulaire => {
            let champs: Vec<(&str, &str)> =
                e.champs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            c.post(&e.chemin, &champs, Some(&jeton)).await
        }
        Corps::Multipart => {
            let (ct, corps) = multipart(&[("_csrf", &jeton)], None);
            let req = c
                .avec_cookie(Request::post(&e.chemin))
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(corps))
                .unwrap();
            c.envoyer(req).await
        }
    }
}

async fn clients(app: &Router) -> Vec<Client> {
    let mut v = Vec::new();
    let mut anonyme = Client::new(app);
    anonyme.get("/connexion").await;
    assert!(!anonyme.csrf.is_empty(), "session anonyme ouverte");
    v.push(anonyme);
    for email in [
        "a@org-a.example",
        "b@org-b.example",
        "agent@reperes.example",
        "admin@reperes.example",
    ] {
        let mut c = Client::new(app);
        let r = c.connecter(email, MDP).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "connexion de {email}");
        c.get("/espace").await;
        assert!(!c.csrf.is_empty(), "jeton CSRF de {email}");
        v.push(c);
    }
    v
}

fn decrire(r: &Rep) -> String {
    match &r.lieu {
        Some(l) => format!("{} → {l}", r.code.as_u16()),
        None => r.code.as_u16().to_string(),
    }
}

#[test]
fn chaque_route_a_une_entree_dans_la_matrice() {
    let declarees = routes_declarees(include_str!("../../src/routes.rs"));
    assert!(declarees.len() > 50, "relevé des routes : {declarees:?}");
    // La matrice a besoin d'un monde pour ses chemins concrets ; ses motifs, eux, n'en
    // dépendent pas.
    let m = Monde {
        org_a: String::new(),
        disp_a: String::new(),
        dossier_a: String::new(),
        fichier_a: String::new(),
        disp_labellise: String::new(),
        dossier_labellise: String::new(),
        attestation: String::new(),
        dossier_charte: String::new(),
        numero_charte: String::new(),
        rapport: String::new(),
        abonnement_a: String::new(),
        lieu: (String::new(), String::new()),
        lieu_demande: (String::new(), String::new()),
        referentiel: (String::new(), String::new()),
        avis_expert: String::new(),
        avis_annulable: String::new(),
        signalement_a: String::new(),
        version_locale: String::new(),
    };
    let mut dans_matrice = BTreeSet::new();
    for e in matrice(&m) {
        assert!(
            dans_matrice.insert((e.methode.to_string(), e.motif.to_string())),
            "entrée en double dans la matrice : {} {}",
            e.methode,
            e.motif
        );
    }
    let manquantes: Vec<String> = declarees
        .difference(&dans_matrice)
        .map(|(m, c)| format!("{m} {c}"))
        .collect();
    assert!(
        manquantes.is_empty(),
        "route(s) sans entrée dans la matrice d'autorisation (tests/integration/autorisations.rs) : {} — \
         décidez qui y a droit et ajoutez-les",
        manquantes.join(", ")
    );
    let inconnues: Vec<String> = dans_matrice
        .difference(&declarees)
        .map(|(m, c)| format!("{m} {c}"))
        .collect();
    assert!(
        inconnues.is_empty(),
        "entrée(s) de la matrice sans route dans src/routes.rs : {}",
        inconnues.join(", ")
    );
}

#[test]
fn le_releve_lit_les_formes_multilignes() {
    let source = r#"
        .route("/a", get(x::a))
        .route(
            "/b/{id}",
            get(x::b)
                .post(x::c)
                .layer(DefaultBodyLimit::max(budget(3) + 1)),
        )
        .route("/c", post(x::d))
    "#;
    let attendu: BTreeSet<(String, String)> = [
        ("GET", "/a"),
        ("GET", "/b/{id}"),
        ("POST", "/b/{id}"),
        ("POST", "/c"),
    ]
    .into_iter()
    .map(|(m, c)| (m.to_string(), c.to_string()))
    .collect();
    assert_eq!(routes_declarees(source), attendu);
}

deux_bases!(matrice_d_autorisation, |store: Store| async move {
    let etat = Etat::new(store.clone(), catalogue_du_depot(), Config::pour_tests()).unwrap();
    let m = monde(&store, &etat).await;
    let app = application(etat);
    let mut cs = clients(&app).await;
    let mut ecarts = Vec::new();
    let mut requetes = 0;
    // Les pages HTML lues sans compte.
    let mut pieds: Vec<(String, String)> = Vec::new();
    for e in matrice(&m) {
        for (i, c) in cs.iter_mut().enumerate() {
            if e.methode == "POST" {
                // Sans jeton CSRF : refusé, quel que soit le rôle.
                let r = envoyer(c, &e, false).await;
                requetes += 1;
                let attendu = if i == 0 && e.compte_avant_csrf {
                    Connexion
                } else {
                    Interdit
                };
                if !conforme(attendu, &r, &e) {
                    ecarts.push(format!(
                        "{} {} ({}) sans jeton CSRF, {} : attendu {attendu:?}, obtenu {}",
                        e.methode,
                        e.motif,
                        e.chemin,
                        ROLES[i],
                        decrire(&r)
                    ));
                }
            }
            let r = envoyer(c, &e, true).await;
            requetes += 1;
            // Chaque page publique (lue sans compte) lie les cinq
            // pages légales dans son pied de page.
            if i == 0 && e.methode == "GET" && r.code == StatusCode::OK {
                pieds.push((e.chemin.clone(), r.corps.clone()));
            }
            if !conforme(e.attendus[i], &r, &e) {
                ecarts.push(format!(
                    "{} {} ({}), {} : attendu {:?}, obtenu {}",
                    e.methode,
                    e.motif,
                    e.chemin,
                    ROLES[i],
                    e.attendus[i],
                    decrire(&r)
                ));
            }
        }
    }
    // L'expert, sur toutes les routes : il ne voit rien d'autre que ses demandes d'avis.
    let mut expert = Client::new(&app);
    let r = expert.connecter("expert@expert.example", MDP).await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "connexion de l'expert");
    assert_eq!(
        r.lieu.as_deref(),
        Some("/avis"),
        "l'expert arrive sur ses demandes"
    );
    expert.get("/avis").await;
    assert!(!expert.csrf.is_empty(), "jeton CSRF de l'expert");
    for e in matrice(&m) {
        if e.methode == "POST" {
            let r = envoyer(&mut expert, &e, false).await;
            requetes += 1;
            if !conforme(Interdit, &r, &e) {
                ecarts.push(format!(
                    "{} {} ({}) sans jeton CSRF, expert : attendu Interdit, obtenu {}",
                    e.methode,
                    e.motif,
                    e.chemin,
                    decrire(&r)
                ));
            }
        }
        let r = envoyer(&mut expert, &e, true).await;
        requetes += 1;
        let attendu = attendu_expert(&e);
        if !conforme(attendu, &r, &e) {
            ecarts.push(format!(
                "{} {} ({}), expert : attendu {attendu:?}, obtenu {}",
                e.methode,
                e.motif,
                e.chemin,
                decrire(&r)
            ));
        }
    }
    // Pied de page des pages publiques, nationales et locales
    // (les pages d'une version locale lient les pages légales nationales).
    for chemin in [
        "/t/matrice/lieux",
        "/t/matrice/orientation",
        "/t/matrice/donnees",
        "/t/matrice/registre",
        "/t/matrice/chartes",
    ] {
        let r = cs[0].get(chemin).await;
        assert_eq!(r.code, StatusCode::OK, "{chemin}");
        pieds.push((chemin.to_string(), r.corps));
    }
    let html: Vec<&(String, String)> = pieds
        .iter()
        .filter(|(_, corps)| corps.starts_with("<!doctype html>"))
        .collect();
    assert!(html.len() > 20, "pages publiques lues : {}", html.len());
    assert!(html.iter().any(|(c, _)| c.starts_with("/t/matrice/")));
    for (chemin, corps) in html {
        for lien in [
            "/plan-du-site",
            "/accessibilite",
            "/mentions-legales",
            "/donnees-personnelles",
            "/cookies",
        ] {
            if !corps.contains(&format!("href=\"{lien}\"")) {
                ecarts.push(format!(
                    "{chemin} (sans compte) : le pied de page ne lie pas {lien}"
                ));
            }
        }
    }
    assert!(
        ecarts.is_empty(),
        "{} écart(s) à la matrice d'autorisation ({requetes} requêtes) :\n{}",
        ecarts.len(),
        ecarts.join("\n")
    );

    // Identifiants inconnus : 404 pour toute personne connectée.
    let mut cs = clients(&app).await;
    for chemin in [
        "/dossiers/inconnu",
        "/dossiers/inconnu/etapes/1",
        "/fichiers/inconnu",
        "/organisations/inconnue",
        "/dispositifs/inconnu/autodiagnostic/nec-2022",
        "/registre/dispositifs/inconnu",
        "/attestations/inconnue",
        "/chartes/inconnue",
        "/lieux/exemple/inconnu",
        "/territoires/departement/inconnu",
        "/route/inconnue",
    ] {
        for (i, c) in cs.iter_mut().enumerate().skip(1) {
            let r = c.get(chemin).await;
            assert_eq!(
                r.code,
                StatusCode::NOT_FOUND,
                "{chemin}, {} : obtenu {}",
                ROLES[i],
                decrire(&r)
            );
        }
    }
});
