//! Qui peut décider, au niveau HTTP, sur SQLite et PostgreSQL : un tableau ÉCRIT À LA MAIN
//! (jamais lu de `TRANSITIONS`) de chaque décision du cycle de vie × chaque rôle, chacune essayée
//! sur un dossier À L'ÉTAT où elle est possible, pour un label (NEC 2022) et pour la charte
//! « Territoire d'Actions ». Acceptée : redirection vers le dossier et nouvel état lu en base ;
//! refusée : 303 vers la connexion (anonyme), 404 (organisation d'autrui) ou 403 avec la raison
//! (rôle, conflit d'intérêts), et l'état en base inchangé. Ajouter un rôle à une ligne de
//! `TRANSITIONS` par erreur fait échouer `chaque_decision_par_chaque_role`.
//!
//! La dernière colonne est un administrateur membre de l'organisation porteuse (constat 7 de
//! l'issue 13, conflit d'intérêts) : il ne décide rien sur ce dossier, et la page du dossier dit
//! pourquoi.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::{Action, Etat as EtatDossier, Role};
use reperes_store::test_support::{apprecier, catalogue_du_depot};
use reperes_store::{deux_bases, Acteur, Store};

use crate::commun;
use commun::{app, compte, mener_dossier, objets_de, Client, Rep, MDP};

use EtatDossier::*;

/// Réponse attendue d'une cellule du tableau.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Attendu {
    /// Acceptée : redirection vers la page du dossier, qui est à cet état en base.
    Accepte(EtatDossier),
    /// 303 vers /connexion, rien n'a changé.
    Connexion,
    /// 403 avec « Action non autorisée » (rôle), rien n'a changé.
    Role,
    /// 403 (le dépôt est réservé aux membres : « Votre compte ne permet pas… »), rien n'a
    /// changé.
    Interdit,
    /// 403 avec « conflit d'intérêts », rien n'a changé.
    Conflit,
    /// 404 : le dossier d'autrui n'est pas révélé ; rien n'a changé.
    Introuvable,
}
use Attendu::{Accepte, Conflit, Connexion, Interdit, Introuvable, Role as RoleRefuse};

/// Les colonnes du tableau.
const ROLES: [&str; 6] = [
    "anonyme",
    "demandeur membre de l'organisation",
    "demandeur d'une autre organisation",
    "instructeur",
    "administrateur",
    "administrateur membre de l'organisation",
];

/// Une ligne : la décision (code d'URL), l'état du dossier sur lequel on l'essaie, la réponse
/// attendue pour chaque colonne de [`ROLES`].
type Ligne = (&'static str, EtatDossier, [Attendu; 6]);

/// `POST /dossiers/{id}/actions/{action}` (et `POST /dossiers/{id}/deposer` pour le dépôt).
#[rustfmt::skip]
const TABLEAU: &[Ligne] = &[
    //  décision                 état de départ       anonyme    membre                  autre org    instructeur                  administrateur               admin membre
    ("deposer",               Brouillon,          [Connexion, Accepte(Depose),         Introuvable, Interdit,                    Interdit,                    Interdit]),
    ("deposer",               ComplementDemande,  [Connexion, Accepte(Depose),         Introuvable, Interdit,                    Interdit,                    Interdit]),
    ("prendre_en_charge",     Depose,             [Connexion, RoleRefuse,              Introuvable, Accepte(EnInstruction),      Accepte(EnInstruction),      Conflit]),
    ("demander_complement",   EnInstruction,      [Connexion, RoleRefuse,              Introuvable, Accepte(ComplementDemande),  Accepte(ComplementDemande),  Conflit]),
    ("demander_complement",   Accompagnement,     [Connexion, RoleRefuse,              Introuvable, Accepte(ComplementDemande),  Accepte(ComplementDemande),  Conflit]),
    ("ouvrir_accompagnement", EnInstruction,      [Connexion, RoleRefuse,              Introuvable, Accepte(Accompagnement),     Accepte(Accompagnement),     Conflit]),
    ("clore_accompagnement",  Accompagnement,     [Connexion, RoleRefuse,              Introuvable, Accepte(EnInstruction),      Accepte(EnInstruction),      Conflit]),
    ("labelliser",            EnInstruction,      [Connexion, RoleRefuse,              Introuvable, Accepte(Labellise),          Accepte(Labellise),          Conflit]),
    ("labelliser",            Accompagnement,     [Connexion, RoleRefuse,              Introuvable, Accepte(Labellise),          Accepte(Labellise),          Conflit]),
    ("refuser",               EnInstruction,      [Connexion, RoleRefuse,              Introuvable, Accepte(Refuse),             Accepte(Refuse),             Conflit]),
    ("refuser",               Accompagnement,     [Connexion, RoleRefuse,              Introuvable, Accepte(Refuse),             Accepte(Refuse),             Conflit]),
    ("classer_sans_suite",    Depose,             [Connexion, RoleRefuse,              Introuvable, Accepte(ClasseSansSuite),    Accepte(ClasseSansSuite),    Conflit]),
    ("classer_sans_suite",    EnInstruction,      [Connexion, RoleRefuse,              Introuvable, Accepte(ClasseSansSuite),    Accepte(ClasseSansSuite),    Conflit]),
    ("classer_sans_suite",    ComplementDemande,  [Connexion, RoleRefuse,              Introuvable, Accepte(ClasseSansSuite),    Accepte(ClasseSansSuite),    Conflit]),
    ("classer_sans_suite",    Accompagnement,     [Connexion, RoleRefuse,              Introuvable, Accepte(ClasseSansSuite),    Accepte(ClasseSansSuite),    Conflit]),
    ("retirer",               Labellise,          [Connexion, RoleRefuse,              Introuvable, RoleRefuse,                  Accepte(Retire),             Conflit]),
    // L'expiration est une tâche du système (échéance de validité) : aucune route ne la
    // déclenche, pour personne.
    ("expirer",               Labellise,          [Connexion, Introuvable,             Introuvable, Introuvable,                 Introuvable,                 Introuvable]),
];

/// `POST /dossiers/{id}/decision` (le formulaire « Décision », refus confirmé) : réservé aux
/// agents, il refuse un demandeur avant de chercher le dossier (403, sans message de rôle).
#[rustfmt::skip]
const TABLEAU_FORMULAIRE: &[(&str, EtatDossier, [Option<Attendu>; 6])] = &[
    //  décision                 état de départ       anonyme          membre    autre org  instructeur                       administrateur                   admin membre
    ("demander_complement",   EnInstruction,      [Some(Connexion), None,     None,      Some(Accepte(ComplementDemande)), Some(Accepte(ComplementDemande)), Some(Conflit)]),
    ("ouvrir_accompagnement", EnInstruction,      [Some(Connexion), None,     None,      Some(Accepte(Accompagnement)),    Some(Accepte(Accompagnement)),    Some(Conflit)]),
    ("labelliser",            EnInstruction,      [Some(Connexion), None,     None,      Some(Accepte(Labellise)),         Some(Accepte(Labellise)),         Some(Conflit)]),
    ("refuser",               Accompagnement,     [Some(Connexion), None,     None,      Some(Accepte(Refuse)),            Some(Accepte(Refuse)),            Some(Conflit)]),
    ("classer_sans_suite",    ComplementDemande,  [Some(Connexion), None,     None,      Some(Accepte(ClasseSansSuite)),   Some(Accepte(ClasseSansSuite)),   Some(Conflit)]),
    ("retirer",               Labellise,          [Some(Connexion), None,     None,      Some(RoleRefuse),                 Some(Accepte(Retire)),            Some(Conflit)]),
];

/// Le monde : les comptes des colonnes, connectés, et de quoi mener des dossiers.
struct Monde {
    store: Store,
    clients: Vec<Client>,
    /// Comptes membres de chaque organisation porteuse : le demandeur A, l'administrateur en
    /// conflit.
    membres: Vec<String>,
    suivant: usize,
}

impl Monde {
    async fn nouveau(store: &Store) -> Monde {
        let a = compte(store, "a@org-a.example", RoleCompte::Demandeur).await;
        let b = compte(store, "b@org-b.example", RoleCompte::Demandeur).await;
        // B est membre de sa propre organisation, pas de celles des dossiers.
        objets_de(store, &b, "b", None).await;
        compte(store, "agent@reperes.example", RoleCompte::Instructeur).await;
        compte(store, "admin@reperes.example", RoleCompte::Administrateur).await;
        let conflit = compte(
            store,
            "admin-membre@reperes.example",
            RoleCompte::Administrateur,
        )
        .await;
        let app = app(store);
        let mut clients = Vec::new();
        let mut anonyme = Client::new(&app);
        anonyme.get("/connexion").await;
        assert!(!anonyme.csrf.is_empty(), "session anonyme");
        clients.push(anonyme);
        for email in [
            "a@org-a.example",
            "b@org-b.example",
            "agent@reperes.example",
            "admin@reperes.example",
            "admin-membre@reperes.example",
        ] {
            let mut c = Client::new(&app);
            let r = c.connecter(email, MDP).await;
            assert_eq!(r.code, StatusCode::SEE_OTHER, "connexion de {email}");
            c.get("/espace").await;
            assert!(!c.csrf.is_empty(), "jeton CSRF de {email}");
            clients.push(c);
        }
        Monde {
            store: store.clone(),
            clients,
            membres: vec![a.id, conflit.id],
            suivant: 100,
        }
    }

    /// Un dossier neuf du référentiel donné, mené jusqu'à `etat`, porté par une organisation
    /// dont A et l'administrateur en conflit sont membres ; chaque critère apprécié satisfait
    /// au niveau 1 s'il est en instruction ou en accompagnement (il peut être labellisé).
    async fn dossier(&mut self, referentiel: &str, etat: EtatDossier) -> String {
        self.suivant += 1;
        let n = self.suivant.to_string();
        let store = &self.store;
        let c = catalogue_du_depot();
        let agent = Acteur::new("agent", Role::Instructeur);
        let fin = match etat {
            Brouillon => "brouillon",
            Depose => "depose",
            Labellise => "labellise",
            _ => "en_instruction",
        };
        let id = mener_dossier(
            store,
            referentiel,
            &n,
            "Outil",
            if referentiel == "nec-2022" {
                "numerique"
            } else {
                "demarche_territoriale"
            },
            "80000",
            fin,
            Utc::now() - Duration::days(10),
        )
        .await;
        if matches!(etat, EnInstruction | Accompagnement) {
            let r = c.referentiels.iter().find(|r| r.id == referentiel).unwrap();
            let criteres: Vec<&str> = r.criteres.iter().map(|x| x.id.as_str()).collect();
            apprecier(store, &c, &id, &agent, &criteres).await;
        }
        let suite = match etat {
            Accompagnement => Some(Action::OuvrirAccompagnement {
                motif: "Accompagner.".into(),
            }),
            ComplementDemande => Some(Action::DemanderComplement {
                motif: "Compléter.".into(),
                echeance: (Utc::now() + Duration::days(30)).date_naive(),
            }),
            _ => None,
        };
        if let Some(a) = suite {
            store.agir(&c, &id, &agent, &a, Utc::now()).await.unwrap();
        }
        for m in &self.membres {
            store
                .ajouter_membre(&Acteur::new("test", Role::Systeme), &format!("o{n}"), m)
                .await
                .unwrap();
        }
        assert_eq!(self.etat(&id).await, etat, "dossier de départ");
        id
    }

    async fn etat(&self, id: &str) -> EtatDossier {
        self.store.dossier(id).await.unwrap().unwrap().etat
    }
}

/// Les champs d'une décision valable (motivation, échéance future, niveau 1).
fn champs(decision: &str) -> Vec<(&'static str, String)> {
    vec![
        ("decision", decision.to_string()),
        ("motif", "Motivation détaillée de la décision.".into()),
        ("motivation", "Motivation détaillée de la décision.".into()),
        (
            "echeance",
            (Utc::now() + Duration::days(30)).date_naive().to_string(),
        ),
        ("niveau", "1".into()),
        ("etape", "confirmer".into()),
    ]
}

async fn essayer(c: &mut Client, chemin: &str, decision: &str) -> Rep {
    let ch = champs(decision);
    let ch: Vec<(&str, &str)> = ch.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post(chemin, &ch, None).await
}

/// L'écart entre la réponse (et l'état en base après elle) et l'attendu, s'il y en a un.
fn ecart(
    attendu: Attendu,
    r: &Rep,
    id: &str,
    avant: EtatDossier,
    apres: EtatDossier,
) -> Option<String> {
    let lieu = r.lieu.as_deref().unwrap_or_default();
    let ok = match attendu {
        Accepte(e) => {
            r.code == StatusCode::SEE_OTHER
                && lieu.starts_with(&format!("/dossiers/{id}?ok="))
                && apres == e
        }
        Connexion => {
            r.code == StatusCode::SEE_OTHER && lieu.starts_with("/connexion") && apres == avant
        }
        RoleRefuse => {
            r.code == StatusCode::FORBIDDEN
                && commun::texte_visible(&r.corps).contains("Action non autorisée")
                && apres == avant
        }
        Interdit => r.code == StatusCode::FORBIDDEN && apres == avant,
        Conflit => {
            r.code == StatusCode::FORBIDDEN
                && commun::texte_visible(&r.corps).contains("conflit d'intérêts")
                && apres == avant
        }
        Introuvable => r.code == StatusCode::NOT_FOUND && apres == avant,
    };
    (!ok).then(|| {
        format!(
            "attendu {attendu:?}, obtenu {}{} ; état en base : {apres:?}",
            r.code.as_u16(),
            r.lieu
                .as_deref()
                .map(|l| format!(" → {l}"))
                .unwrap_or_default()
        )
    })
}

deux_bases!(chaque_decision_par_chaque_role, |store: Store| async move {
    let mut m = Monde::nouveau(&store).await;
    let mut ecarts = Vec::new();
    let mut essais = 0;
    for referentiel in ["nec-2022", "charte-territoire-actions"] {
        for (decision, depuis, attendus) in TABLEAU {
            // Un dossier partagé par les refus (l'état est vérifié inchangé après chacun), un
            // dossier neuf pour chaque acceptation.
            let mut partage = None;
            for (i, attendu) in attendus.iter().enumerate() {
                let id = match attendu {
                    Accepte(_) => m.dossier(referentiel, *depuis).await,
                    _ => match &partage {
                        Some(id) => String::clone(id),
                        None => {
                            let id = m.dossier(referentiel, *depuis).await;
                            partage = Some(id.clone());
                            id
                        }
                    },
                };
                let chemin = if *decision == "deposer" {
                    format!("/dossiers/{id}/deposer")
                } else {
                    format!("/dossiers/{id}/actions/{decision}")
                };
                let r = essayer(&mut m.clients[i], &chemin, decision).await;
                essais += 1;
                let apres = m.etat(&id).await;
                if let Some(e) = ecart(*attendu, &r, &id, *depuis, apres) {
                    ecarts.push(format!(
                        "{referentiel} : POST {chemin} ({decision} depuis {depuis:?}), {} : {e}",
                        ROLES[i]
                    ));
                }
            }
        }
        for (decision, depuis, attendus) in TABLEAU_FORMULAIRE {
            for (i, attendu) in attendus.iter().enumerate() {
                let id = m.dossier(referentiel, *depuis).await;
                let chemin = format!("/dossiers/{id}/decision");
                let r = essayer(&mut m.clients[i], &chemin, decision).await;
                essais += 1;
                let apres = m.etat(&id).await;
                let e = match attendu {
                    Some(a) => ecart(*a, &r, &id, *depuis, apres),
                    // Demandeurs : refusés d'emblée (403), rien n'a changé.
                    None => (r.code != StatusCode::FORBIDDEN || apres != *depuis).then(|| {
                        format!(
                            "attendu 403, obtenu {} ; état en base : {apres:?}",
                            r.code.as_u16()
                        )
                    }),
                };
                if let Some(e) = e {
                    ecarts.push(format!(
                        "{referentiel} : POST {chemin} ({decision} depuis {depuis:?}), {} : {e}",
                        ROLES[i]
                    ));
                }
            }
        }
    }
    assert!(
        ecarts.is_empty(),
        "{} écart(s) au tableau « qui peut décider » ({essais} essais) :\n{}",
        ecarts.len(),
        ecarts.join("\n")
    );
});

deux_bases!(
    l_agent_membre_de_l_organisation_porteuse_n_instruit_pas,
    |store: Store| async move {
        let mut m = Monde::nouveau(&store).await;
        let id = m.dossier("nec-2022", EnInstruction).await;
        let page = format!("/dossiers/{id}");
        // La page du dossier dit pourquoi, et n'offre aucun formulaire d'instruction.
        let conflit = &mut m.clients[5];
        let r = conflit.get(&page).await;
        assert_eq!(r.code, StatusCode::OK);
        let texte = commun::texte_visible(&r.corps);
        assert!(
            texte.contains("Conflit d'intérêts : vous n'instruisez pas ce dossier"),
            "{texte}"
        );
        assert!(texte.contains("Vous êtes membre de l'organisation qui porte ce dossier"));
        for absent in [
            format!("/dossiers/{id}/decision\""),
            format!("/dossiers/{id}/attribuer\""),
            format!("/dossiers/{id}/appreciations\""),
            format!("/dossiers/{id}/messages\""),
            format!("/dossiers/{id}/actions/"),
        ] {
            assert!(!r.corps.contains(&absent), "{absent} présent");
        }
        // Le même administrateur, sans lien avec l'organisation, a tout.
        let r = m.clients[4].get(&page).await;
        assert!(!r.corps.contains("id=\"conflit-d-interets\""));
        for present in [
            format!("/dossiers/{id}/decision\""),
            format!("/dossiers/{id}/attribuer\""),
            format!("/dossiers/{id}/appreciations\""),
            format!("/dossiers/{id}/messages\""),
        ] {
            assert!(r.corps.contains(&present), "{present} absent");
        }
        // Chaque action d'instruction envoyée quand même : 403 avec la raison, rien n'a changé.
        let journal = store.journal_objet("dossier", &id).await.unwrap().len();
        let conflit = &mut m.clients[5];
        assert_eq!(
            conflit.get(&format!("/dossiers/{id}/decision")).await.code,
            StatusCode::FORBIDDEN
        );
        for (chemin, champs) in [
            (
                format!("/dossiers/{id}/attribuer"),
                vec![("instructeur", "")],
            ),
            (
                format!("/dossiers/{id}/appreciations"),
                vec![("appreciation_accessible", "non")],
            ),
            (
                format!("/dossiers/{id}/plan"),
                vec![("ecart_accessible", "x")],
            ),
            (
                format!("/dossiers/{id}/decision"),
                vec![("decision", "refuser"), ("etape", "modifier")],
            ),
        ] {
            let r = conflit.post(&chemin, &champs, None).await;
            assert_eq!(r.code, StatusCode::FORBIDDEN, "{chemin}");
            assert!(
                commun::texte_visible(&r.corps).contains("conflit d'intérêts"),
                "{chemin} : {}",
                r.corps
            );
        }
        let r = commun::post_multipart(
            conflit,
            &format!("/dossiers/{id}/messages"),
            &[("corps", "Note"), ("prive", "oui")],
        )
        .await;
        assert_eq!(r.code, StatusCode::FORBIDDEN, "message de l'instruction");
        assert!(commun::texte_visible(&r.corps).contains("conflit d'intérêts"));
        assert!(store.messages(&id, true).await.unwrap().is_empty());
        assert_eq!(
            store.journal_objet("dossier", &id).await.unwrap().len(),
            journal,
            "rien n'a été écrit"
        );
        // Un autre agent ne peut pas lui attribuer le dossier.
        let conflit_id = m.membres[1].clone();
        let agent = &mut m.clients[3];
        agent.get(&format!("/dossiers/{id}")).await;
        let r = agent
            .post(
                &format!("/dossiers/{id}/attribuer"),
                &[("instructeur", &conflit_id)],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert!(
            commun::texte_visible(&r.corps)
                .contains("membre de l'organisation qui porte ce dossier"),
            "{}",
            r.corps
        );
        let d = store.dossier(&id).await.unwrap().unwrap();
        assert_ne!(d.instructeur_id.as_deref(), Some(conflit_id.as_str()));
    }
);
