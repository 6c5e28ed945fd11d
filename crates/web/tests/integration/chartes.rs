//! Charte « Territoire d'Actions » : rapports des signataires (publication, droits, CSRF), suivi
//! des retards par l'instruction, liste publique, pièces téléchargeables, données ouvertes,
//! libellés propres à une charte ; sur les deux bases.

use crate::commun;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::{Duration, Utc};
use commun::{
    app, compte, get_anonyme, mener_dossier, multipart, texte_visible, titulaire, Client, Rep, MDP,
};
use reperes_domain::charte;
use reperes_domain::comptes::RoleCompte;
use reperes_domain::Role;
use reperes_store::test_support::catalogue_du_depot;
use reperes_store::{deux_bases, Acteur, RapportCharte, Store};

const CHARTE: &str = "charte-territoire-actions";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// Un territoire signataire `o{n}` / `d{n}`, charte contresignée il y a `jours` jours.
async fn signataire(store: &Store, n: &str, jours: i64) -> String {
    mener_dossier(
        store,
        CHARTE,
        n,
        &format!("Territoire d'Actions {n}"),
        "demarche_territoriale",
        "63000",
        "labellise",
        Utc::now() - Duration::days(jours),
    )
    .await
}

/// Un compte demandeur membre de l'organisation `o{n}`, connecté.
async fn membre(store: &Store, app: &Router, email: &str, organisation: &str) -> Client {
    let u = compte(store, email, RoleCompte::Demandeur).await;
    store
        .ajouter_membre(&Acteur::new("test", Role::Systeme), organisation, &u.id)
        .await
        .unwrap();
    connecte(app, email).await
}

async fn connecte(app: &Router, email: &str) -> Client {
    let mut c = Client::new(app);
    let r = c.connecter(email, MDP).await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "connexion de {email}");
    // Jeton CSRF de la nouvelle session (une connexion en ouvre une neuve).
    c.get("/espace").await;
    c
}

/// Envoie le formulaire de rapport (multipart) avec le jeton CSRF donné.
async fn envoyer_rapport(
    c: &mut Client,
    dossier: &str,
    champs: &[(&str, &str)],
    fichier: Option<(&str, &[u8])>,
    csrf: &str,
) -> Rep {
    let mut tous = champs.to_vec();
    tous.push(("_csrf", csrf));
    let (ct, corps) = multipart(&tous, fichier);
    let req = c
        .avec_cookie(Request::post(format!("/dossiers/{dossier}/rapports")))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(corps))
        .unwrap();
    c.envoyer(req).await
}

fn champs_valides(annee: &str) -> Vec<(&'static str, String)> {
    vec![
        ("titre", "Bilan de la première année".into()),
        ("annee", annee.into()),
        (
            "demarche",
            "Comité de pilotage trimestriel.\nComptes rendus publiés.".into(),
        ),
        ("impact", "1 200 personnes accompagnées.".into()),
        (
            "retours_outils",
            "PIX : parcours de base adapté aux publics accompagnés.".into(),
        ),
        ("licence", "etalab-2.0".into()),
    ]
}

fn paires<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, x)| (*k, x.as_str())).collect()
}

async fn get_brut(app: &Router, chemin: &str) -> (StatusCode, String, Vec<u8>) {
    let r = get_anonyme(app, chemin).await;
    (r.code, r.type_contenu(), r.octets)
}

/// Ce que toute page HTML doit respecter (voir `http.rs`).
fn page_conforme(corps: &str) {
    assert!(corps.starts_with("<!doctype html>"));
    assert!(corps.contains("<html lang=\"fr\""));
    assert!(corps.contains("href=\"#contenu\""), "lien d'évitement");
    assert!(!corps.contains("<script"), "aucun script");
    assert!(!corps.contains("style=\""), "aucun style en ligne");
    assert_eq!(corps.matches("<h1").count(), 1, "un seul h1");
}

fn annee() -> String {
    chrono::Datelike::year(&Utc::now()).to_string()
}

deux_bases!(
    un_membre_publie_un_rapport_avec_piece_jointe,
    |store: Store| async move {
        let app = app(&store);
        let id = signataire(&store, "1", 30).await;
        let mut m = membre(&store, &app, "elue@commune.example", "o1").await;
        // Le dossier de la charte signée mène au formulaire.
        let r = m.get(&format!("/dossiers/{id}")).await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(
            r.corps.contains("État : Signée et contresignée"),
            "{}",
            r.corps
        );
        assert!(r.corps.contains("Décision : Signée et contresignée"));
        assert!(r.corps.contains(&format!(
            "href=\"/dossiers/{id}/rapports/nouveau\">Publier un rapport</a>"
        )));
        let r = m.get(&format!("/dossiers/{id}/rapports/nouveau")).await;
        assert_eq!(r.code, StatusCode::OK);
        page_conforme(&r.corps);
        assert!(r.corps.contains("enctype=\"multipart/form-data\""));
        assert!(r.corps.contains("<option value=\"etalab-2.0\" selected>"));
        assert!(r.corps.contains("<optgroup label=\"Pour les logiciels\">"));

        // Erreurs rattachées aux champs, rien n'est écrit.
        let csrf = m.csrf.clone();
        let r = envoyer_rapport(
            &mut m,
            &id,
            &[
                ("titre", " "),
                ("annee", "1999"),
                ("licence", "CC-BY-NC-SA-4.0"),
            ],
            None,
            &csrf,
        )
        .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        page_conforme(&r.corps);
        assert!(
            r.corps
                .contains("6 erreurs empêchent l'envoi du formulaire"),
            "{}",
            r.corps
        );
        assert!(r
            .corps
            .contains("<p class=\"fr-error-text\" id=\"titre-erreur\">Renseignez le titre.</p>"));
        assert!(r.corps.contains("aria-describedby=\"licence-erreur\""));
        assert!(
            r.corps.contains(
                "La licence « CC-BY-NC-SA-4.0 » n&#39;est pas admise pour les livrables de la charte"
            ) || r.corps.contains(
                "La licence « CC-BY-NC-SA-4.0 » n'est pas admise pour les livrables de la charte"
            ),
            "{}",
            r.corps
        );
        let valides = champs_valides(&annee());
        let r = envoyer_rapport(
            &mut m,
            &id,
            &paires(&valides),
            Some(("page.html", b"<html><script>alert(1)</script></html>")),
            &csrf,
        )
        .await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.corps.contains("id=\"fichiers-erreur\""), "{}", r.corps);
        assert!(
            r.corps.contains("Bilan de la première année"),
            "la saisie est gardée"
        );
        assert!(store.rapports_charte(None).await.unwrap().is_empty());

        // Publication.
        let r = envoyer_rapport(
            &mut m,
            &id,
            &paires(&valides),
            Some(("../Bilan 2025.pdf", PDF)),
            &csrf,
        )
        .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let rapports = store.rapports_charte(Some(&id)).await.unwrap();
        assert_eq!(rapports.len(), 1);
        let rp = &rapports[0];
        assert_eq!(rp.licence, "etalab-2.0");
        assert_eq!(rp.annee.to_string(), annee());
        assert_eq!(
            rp.demarche,
            "Comité de pilotage trimestriel.\nComptes rendus publiés."
        );
        assert_eq!(rp.fichiers.len(), 1);
        let numero = store.dossier(&id).await.unwrap().unwrap().numero.unwrap();
        let page_rapport = format!("/chartes/{numero}/rapports/{}", rp.id);
        assert_eq!(
            r.lieu.as_deref(),
            Some(format!("{page_rapport}?ok=publie").as_str())
        );
        let f = store.fichier(&rp.fichiers[0]).await.unwrap().unwrap();
        assert_eq!(
            (f.nom.as_str(), f.type_mime.as_str()),
            ("Bilan 2025.pdf", "application/pdf")
        );
        // Journal : l'auteur, le dépôt de la pièce et la publication.
        let j = store.journal_objet("dossier", &id).await.unwrap();
        let e = &j.last().unwrap().contenu;
        let id_elue = store
            .utilisateur_par_email(
                &reperes_domain::comptes::Email::parse("elue@commune.example").unwrap(),
            )
            .await
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(
            (e.action.as_str(), e.acteur.as_str()),
            ("publier_rapport", format!("demandeur:{id_elue}").as_str())
        );
        assert_eq!(
            store.journal_objet("fichier", &f.id).await.unwrap().len(),
            1
        );
        store.verifier_journal().await.unwrap();

        // La page du rapport est publique, la pièce aussi.
        let mut anonyme = Client::new(&app);
        let r = anonyme.get(&format!("{page_rapport}?ok=publie")).await;
        assert_eq!(r.code, StatusCode::OK);
        page_conforme(&r.corps);
        assert!(r.corps.contains("Rapport publié"));
        assert!(
            r.corps
                .contains("<p>Comité de pilotage trimestriel.</p>\n<p>Comptes rendus publiés.</p>")
                || r.corps.contains(
                    "<p>Comité de pilotage trimestriel.</p><p>Comptes rendus publiés.</p>"
                ),
            "{}",
            r.corps
        );
        assert!(r
            .corps
            .contains("href=\"https://spdx.org/licenses/etalab-2.0.html\""));
        assert!(r
            .corps
            .contains("Licence Ouverte / Open Licence version 2.0"));
        let lien = format!("{page_rapport}/fichiers/{}", f.id);
        assert!(r.corps.contains(&lien));
        let (code, ct, octets) = get_brut(&app, &lien).await;
        assert_eq!((code, ct.as_str()), (StatusCode::OK, "application/pdf"));
        assert_eq!(octets, PDF);
        // Une pièce privée du dossier (hors rapport) n'est pas servie par cette adresse.
        let (code, _, _) = get_brut(&app, &format!("{page_rapport}/fichiers/inconnu")).await;
        assert_eq!(code, StatusCode::NOT_FOUND);
        let (code, _, _) = get_brut(&app, &format!("/chartes/{numero}/rapports/inconnu")).await;
        assert_eq!(code, StatusCode::NOT_FOUND);
    }
);

deux_bases!(
    publication_refusee_hors_du_territoire_sans_compte_ou_sans_csrf,
    |store: Store| async move {
        let app = app(&store);
        let id = signataire(&store, "1", 30).await;
        signataire(&store, "2", 30).await;
        let valides = champs_valides(&annee());
        let nouveau = format!("/dossiers/{id}/rapports/nouveau");

        // Membre d'un autre territoire : 404, sans rien révéler.
        let mut autre = membre(&store, &app, "autre@commune.example", "o2").await;
        assert_eq!(autre.get(&nouveau).await.code, StatusCode::NOT_FOUND);
        let csrf = autre.csrf.clone();
        let r = envoyer_rapport(
            &mut autre,
            &id,
            &paires(&valides),
            Some(("a.pdf", PDF)),
            &csrf,
        )
        .await;
        assert_eq!(r.code, StatusCode::NOT_FOUND);

        // Sans compte : la page renvoie à la connexion, l'envoi est refusé.
        let mut anonyme = Client::new(&app);
        let r = anonyme.get(&nouveau).await;
        let connexion = format!("/connexion?suite=%2Fdossiers%2F{}%2Frapports%2Fnouveau", id);
        assert_eq!(
            (r.code, r.lieu.as_deref()),
            (StatusCode::SEE_OTHER, Some(connexion.as_str()))
        );
        let r = envoyer_rapport(&mut anonyme, &id, &paires(&valides), None, "").await;
        assert_eq!(r.code, StatusCode::FORBIDDEN);

        // Membre du territoire, sans jeton ou avec un faux : refusé.
        let mut m = membre(&store, &app, "elue@commune.example", "o1").await;
        for jeton in ["", "faux-jeton"] {
            let r = envoyer_rapport(&mut m, &id, &paires(&valides), None, jeton).await;
            assert_eq!(r.code, StatusCode::FORBIDDEN, "jeton « {jeton} »");
            assert!(r.corps.contains("Formulaire expiré"));
        }

        // Un dossier qui n'est pas une charte signée n'a pas de rapports.
        let nec = titulaire(&store, "3", "Kit", "numerique", "80000", "labellise").await;
        store
            .ajouter_membre(
                &Acteur::new("test", Role::Systeme),
                "o3",
                &store
                    .utilisateur_par_email(
                        &reperes_domain::comptes::Email::parse("elue@commune.example").unwrap(),
                    )
                    .await
                    .unwrap()
                    .unwrap()
                    .id,
            )
            .await
            .unwrap();
        let en_cours = mener_dossier(
            &store,
            CHARTE,
            "4",
            "Charte en cours",
            "demarche_territoriale",
            "63000",
            "en_instruction",
            Utc::now(),
        )
        .await;
        for d in [&nec, &en_cours] {
            let mut agent = connecte(
                &app,
                &compte(
                    &store,
                    &format!("agent-{d}@anct.example"),
                    RoleCompte::Instructeur,
                )
                .await
                .email,
            )
            .await;
            assert_eq!(
                agent
                    .get(&format!("/dossiers/{d}/rapports/nouveau"))
                    .await
                    .code,
                StatusCode::NOT_FOUND,
                "{d}"
            );
        }
        let r = m.get(&format!("/dossiers/{nec}/rapports/nouveau")).await;
        assert_eq!(r.code, StatusCode::NOT_FOUND);
        let csrf = m.csrf.clone();
        let r = envoyer_rapport(&mut m, &nec, &paires(&valides), None, &csrf).await;
        assert_eq!(r.code, StatusCode::NOT_FOUND);
        assert!(store.rapports_charte(None).await.unwrap().is_empty());

        // Un agent peut publier pour le territoire.
        let mut agent = connecte(
            &app,
            &compte(&store, "agent@anct.example", RoleCompte::Instructeur)
                .await
                .email,
        )
        .await;
        assert_eq!(agent.get(&nouveau).await.code, StatusCode::OK);
        let csrf = agent.csrf.clone();
        let r = envoyer_rapport(&mut agent, &id, &paires(&valides), None, &csrf).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        assert_eq!(store.rapports_charte(None).await.unwrap().len(), 1);
    }
);

/// Un rapport publié directement en base, à la date donnée.
async fn rapport_du(store: &Store, dossier: &str, id: &str, publie_le: chrono::DateTime<Utc>) {
    store
        .publier_rapport(
            &Acteur::new("porteur", Role::Demandeur),
            &RapportCharte {
                id: id.into(),
                dossier_id: dossier.into(),
                annee: chrono::Datelike::year(&publie_le),
                titre: format!("Rapport {id}"),
                demarche: "Démarche documentée.".into(),
                impact: "Impact mesuré.".into(),
                retours_outils: "Retours sur la cartographie.".into(),
                licence: "ODbL-1.0".into(),
                auteur_id: store
                    .utilisateur_par_email(
                        &reperes_domain::comptes::Email::parse("auteur@commune.example").unwrap(),
                    )
                    .await
                    .unwrap()
                    .unwrap()
                    .id,
                publie_le,
                fichiers: vec![],
            },
            &[],
        )
        .await
        .unwrap();
}

deux_bases!(
    retards_des_signataires_pour_l_instruction,
    |store: Store| async move {
        let app = app(&store);
        compte(&store, "auteur@commune.example", RoleCompte::Demandeur).await;
        let maintenant = Utc::now();
        // A : signée il y a 400 jours, aucun rapport.
        let a = signataire(&store, "a", 400).await;
        // B : signée il y a 800 jours, un rapport il y a 500 jours (première période) : la
        // deuxième échéance est manquée.
        let b = signataire(&store, "b", 800).await;
        rapport_du(&store, &b, "rb", maintenant - Duration::days(500)).await;
        // C : signée il y a 30 jours : à jour.
        signataire(&store, "c", 30).await;
        let aujourd_hui = maintenant.date_naive();
        let attendu = |jours: i64, rapports: &[i64]| {
            let dates: Vec<_> = rapports
                .iter()
                .map(|j| (maintenant - Duration::days(*j)).date_naive())
                .collect();
            charte::suivi(
                (maintenant - Duration::days(jours)).date_naive(),
                &dates,
                aujourd_hui,
            )
        };
        let (sa, sb) = (attendu(400, &[]), attendu(800, &[500]));
        assert!(sa.en_retard() && sb.en_retard() && sb.retard_jours > sa.retard_jours);

        let mut agent = connecte(
            &app,
            &compte(&store, "agent@anct.example", RoleCompte::Instructeur)
                .await
                .email,
        )
        .await;
        let r = agent.get("/instruction").await;
        assert!(r.corps.contains("href=\"/instruction/chartes\""));
        let r = agent.get("/instruction/chartes").await;
        assert_eq!(r.code, StatusCode::OK);
        page_conforme(&r.corps);
        assert!(
            r.corps.contains("2 territoire(s) en retard sur 3"),
            "{}",
            r.corps
        );
        // Du plus en retard au plus à jour.
        let pos = |x: &str| {
            r.corps
                .find(&format!("href=\"/dossiers/{x}\""))
                .unwrap_or_else(|| panic!("{x}"))
        };
        assert!(pos(&b) < pos(&a) && pos(&a) < pos("dc"));
        assert!(r
            .corps
            .contains(&format!("En retard de {} jours", sb.retard_jours)));
        assert!(r
            .corps
            .contains(&format!("En retard de {} jours", sa.retard_jours)));
        assert!(r
            .corps
            .contains(&sb.prochaine_echeance.format("%d/%m/%Y").to_string()));
        assert!(
            r.corps.contains(
                &(maintenant - Duration::days(500))
                    .format("%d/%m/%Y")
                    .to_string()
            ),
            "dernier rapport de B"
        );
        assert!(r.corps.contains("À jour"));

        // Un demandeur : 403 ; sans compte : vers la connexion.
        let mut dem = membre(&store, &app, "elue@commune.example", "oa").await;
        assert_eq!(
            dem.get("/instruction/chartes").await.code,
            StatusCode::FORBIDDEN
        );
        let r = Client::new(&app).get("/instruction/chartes").await;
        assert_eq!(
            (r.code, r.lieu.as_deref()),
            (
                StatusCode::SEE_OTHER,
                Some("/connexion?suite=%2Finstruction%2Fchartes")
            )
        );
    }
);

deux_bases!(
    liste_publique_et_donnees_ouvertes,
    |store: Store| async move {
        let app = app(&store);
        compte(&store, "auteur@commune.example", RoleCompte::Demandeur).await;
        let id = signataire(&store, "1", 30).await;
        rapport_du(&store, &id, "r1", Utc::now() - Duration::days(2)).await;
        // Ni un label, ni une charte refusée ou en cours ne sont publiés ici.
        let nec = titulaire(
            &store,
            "2",
            "Kit d'ateliers",
            "numerique",
            "80000",
            "labellise",
        )
        .await;
        mener_dossier(
            &store,
            CHARTE,
            "3",
            "Refusée",
            "demarche_territoriale",
            "75001",
            "refuse",
            Utc::now(),
        )
        .await;
        mener_dossier(
            &store,
            CHARTE,
            "4",
            "En cours",
            "demarche_territoriale",
            "75001",
            "en_instruction",
            Utc::now(),
        )
        .await;
        let numero = store.dossier(&id).await.unwrap().unwrap().numero.unwrap();
        let c = catalogue_du_depot();
        let r = c.referentiels.iter().find(|r| r.id == CHARTE).unwrap();

        let mut anonyme = Client::new(&app);
        let accueil = anonyme.get("/").await;
        assert!(
            accueil.corps.contains("href=\"/chartes\""),
            "lien dans la navigation"
        );
        let p = anonyme.get("/chartes").await;
        assert_eq!(p.code, StatusCode::OK);
        page_conforme(&p.corps);
        assert!(
            p.corps.contains("1 territoire(s) signataire(s)"),
            "{}",
            p.corps
        );
        assert!(
            p.corps.contains("Commune 1")
                && !p.corps.contains("Commune 3")
                && !p.corps.contains("Commune 4")
        );
        assert!(!p.corps.contains("Association 2"));
        assert!(
            p.corps.contains("Collectivité territoriale — Commune (63)"),
            "{}",
            p.corps
        );
        for cr in &r.criteres {
            assert!(
                p.corps.contains(&format!(
                    "<strong>{}</strong>",
                    cr.libelle.replace('\'', "&#39;")
                )) || p
                    .corps
                    .contains(&format!("<strong>{}</strong>", cr.libelle)),
                "{}",
                cr.id
            );
        }
        // Dispositifs dans l'ordre de la charte.
        let positions: Vec<usize> = r
            .criteres
            .iter()
            .map(|cr| {
                p.corps
                    .find(&format!(
                        "<strong>{}</strong>",
                        cr.libelle.replace('\'', "&#39;")
                    ))
                    .unwrap()
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        assert!(
            p.corps
                .contains("Description suffisamment détaillée des mesures prises."),
            "actions prévues"
        );
        assert!(p.corps.contains(&format!(
            "href=\"/chartes/{numero}/rapports/r1\">Rapport r1</a>"
        )));
        assert!(p.corps.contains("href=\"https://spdx.org/licenses/ODbL-1.0.html\" rel=\"noopener noreferrer\">Open Database License 1.0</a>"));

        // Fiche du territoire : par numéro ou par identifiant du dossier.
        for ident in [numero.as_str(), id.as_str()] {
            let f = anonyme.get(&format!("/chartes/{ident}")).await;
            assert_eq!(f.code, StatusCode::OK, "{ident}");
            page_conforme(&f.corps);
            assert!(f.corps.contains("<h1>Commune 1</h1>"));
            assert!(f.corps.contains("Rapport r1"));
        }
        for ident in ["inconnu", nec.as_str(), "d3", "d4"] {
            assert_eq!(
                anonyme.get(&format!("/chartes/{ident}")).await.code,
                StatusCode::NOT_FOUND,
                "{ident}"
            );
        }

        // CSV : une ligne par territoire et par dispositif retenu.
        let (code, ct, octets) = get_brut(&app, "/donnees/chartes.csv").await;
        assert_eq!(
            (code, ct.as_str()),
            (StatusCode::OK, "text/csv; charset=utf-8")
        );
        let mut lecteur = csv::Reader::from_reader(octets.as_slice());
        let entete: Vec<String> = lecteur
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        let schema: serde_json::Value =
            serde_json::from_slice(&get_brut(&app, "/donnees/chartes.schema.json").await.2)
                .unwrap();
        let noms: Vec<String> = schema["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(entete, noms);
        let lignes: Vec<csv::StringRecord> = lecteur.records().map(Result::unwrap).collect();
        assert_eq!(
            lignes.len(),
            r.criteres.len(),
            "mener_dossier retient les six dispositifs"
        );
        let champ = |l: &csv::StringRecord, n: &str| {
            l[noms.iter().position(|x| x == n).unwrap()].to_string()
        };
        let l = &lignes[0];
        assert_eq!(champ(l, "identifiant"), id);
        assert_eq!(champ(l, "numero"), numero);
        assert_eq!(champ(l, "territoire_type"), "collectivite_territoriale");
        assert_eq!(champ(l, "departement"), "63");
        assert_eq!(champ(l, "charte"), CHARTE);
        assert_eq!(
            champ(l, "date_signature"),
            (Utc::now() - Duration::days(30)).date_naive().to_string()
        );
        assert_eq!(champ(l, "nombre_rapports"), "1");
        assert_eq!(
            champ(l, "date_dernier_rapport"),
            (Utc::now() - Duration::days(2)).date_naive().to_string()
        );
        assert_eq!(
            champ(l, "page"),
            format!("http://localhost:8080/chartes/{numero}")
        );
        let mut dispositifs: Vec<String> = lignes.iter().map(|l| champ(l, "dispositif")).collect();
        dispositifs.sort();
        let mut attendus: Vec<String> = r.criteres.iter().map(|c| c.id.clone()).collect();
        attendus.sort();
        assert_eq!(dispositifs, attendus);

        // JSON : mêmes lignes, mêmes champs, nombres en nombres.
        let (code, _, octets) = get_brut(&app, "/donnees/chartes.json").await;
        assert_eq!(code, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_slice(&octets).unwrap();
        let a = json.as_array().unwrap();
        assert_eq!(a.len(), lignes.len());
        let cles: Vec<&String> = a[0].as_object().unwrap().keys().collect();
        assert_eq!(cles.len(), noms.len());
        assert_eq!(a[0]["nombre_rapports"], 1);
        assert_eq!(a[0]["identifiant"], id.as_str());

        // Le schéma suit le référentiel : types de structure admis et dispositifs de la charte.
        let enumeration = |n: &str| -> Vec<String> {
            let f = schema["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["name"] == n)
                .unwrap();
            f["constraints"]["enum"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(enumeration("territoire_type"), r.demandeurs);
        assert_eq!(
            enumeration("dispositif"),
            r.criteres.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
        );
        assert_eq!(
            schema["primaryKey"],
            serde_json::json!(["identifiant", "dispositif"])
        );

        // La page des données ouvertes documente ces fichiers.
        let d = anonyme.get("/donnees").await;
        assert!(d.corps.contains("id=\"chartes\""));
        for x in [
            "/donnees/chartes.csv",
            "/donnees/chartes.json",
            "/donnees/chartes.schema.json",
            "<code>actions_prevues</code>",
        ] {
            assert!(d.corps.contains(x), "{x}");
        }
    }
);

deux_bases!(
    donnees_ouvertes_vides_avec_en_tete,
    |store: Store| async move {
        let app = app(&store);
        let (code, _, octets) = get_brut(&app, "/donnees/chartes.csv").await;
        assert_eq!(code, StatusCode::OK);
        let texte = String::from_utf8(octets).unwrap();
        assert!(
            texte.starts_with("identifiant,numero,territoire_nom,"),
            "{texte}"
        );
        assert_eq!(texte.lines().count(), 1);
        let (_, _, octets) = get_brut(&app, "/donnees/chartes.json").await;
        assert_eq!(octets, b"[]");
        let p = Client::new(&app).get("/chartes").await;
        assert!(p.corps.contains("0 territoire(s) signataire(s)"));
    }
);

deux_bases!(
    libelles_de_charte_pour_l_instruction,
    |store: Store| async move {
        let app = app(&store);
        let en_cours = mener_dossier(
            &store,
            CHARTE,
            "1",
            "Charte",
            "demarche_territoriale",
            "63000",
            "en_instruction",
            Utc::now(),
        )
        .await;
        signataire(&store, "2", 10).await;
        let nec = titulaire(&store, "3", "Kit", "numerique", "80000", "en_instruction").await;
        let mut agent = connecte(
            &app,
            &compte(&store, "agent@anct.example", RoleCompte::Instructeur)
                .await
                .email,
        )
        .await;
        let r = agent.get(&format!("/dossiers/{en_cours}/decision")).await;
        assert!(
            r.corps.contains(
                "<label class=\"fr-label\" for=\"decision-labelliser\">Contresigner la charte<"
            ),
            "{}",
            r.corps
        );
        assert!(!r.corps.contains("Accorder le label"));
        let r = agent.get(&format!("/dossiers/{nec}/decision")).await;
        assert!(r.corps.contains("Accorder le label") && !r.corps.contains("Contresigner"));
        // La file d'instruction : « Signée et contresignée » pour la charte seulement.
        let r = agent.get("/instruction?clos=oui").await;
        assert!(
            r.corps.contains("<td>Signée et contresignée</td>"),
            "{}",
            r.corps
        );
        assert!(!r.corps.contains("<td>Labellisé</td>"));
        let r = agent.get("/instruction?etat=labellise").await;
        assert!(r.corps.contains("<td>Signée et contresignée</td>"));
        // La charte contresignée par l'agent : même libellé.
        let r = agent
            .post(
                &format!("/dossiers/{en_cours}/appreciations"),
                &[
                    ("appreciation_pix", "1"),
                    ("appreciation_cartographie", "1"),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let r = agent
            .post(
                &format!("/dossiers/{en_cours}/actions/labelliser"),
                &[
                    ("niveau", "1"),
                    ("motif", "Charte contresignée par l'État."),
                ],
                None,
            )
            .await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let r = agent.get(&format!("/dossiers/{en_cours}")).await;
        assert!(r.corps.contains("État : Signée et contresignée"));
        // L'espace du territoire aussi.
        let mut m = membre(&store, &app, "elue@commune.example", "o2").await;
        let r = m.get("/espace").await;
        assert!(
            r.corps.contains("<td>Signée et contresignée</td>"),
            "{}",
            r.corps
        );
    }
);

deux_bases!(
    la_charte_se_signe_avec_ses_partenaires,
    |store: Store| async move {
        use reperes_domain::organisation::{Adresse, Dispositif, Organisation};
        let c = catalogue_du_depot();
        let r = c.referentiels.iter().find(|r| r.id == CHARTE).unwrap();
        let systeme = Acteur::new("test", Role::Systeme);
        let o = Organisation {
            id: "o-partenaires".into(),
            nom: "Commune de Somme".into(),
            type_organisation: "collectivite_territoriale".into(),
            siret: None,
            rna: None,
            adresse: Adresse {
                voie: "1 place".into(),
                code_postal: "80000".into(),
                commune: "Amiens".into(),
            },
        };
        store.creer_organisation(&systeme, &o).await.unwrap();
        let d = Dispositif {
            id: "disp-partenaires".into(),
            organisation_id: o.id.clone(),
            nom: "Stratégie locale".into(),
            type_dispositif: "demarche_territoriale".into(),
            description: "Démarche territoriale.".into(),
            site: None,
        };
        store.creer_dispositif(&systeme, &d).await.unwrap();
        let dossier =
            reperes_domain::Dossier::nouveau("dos-partenaires".into(), r, &o, &d, 1).unwrap();
        store.creer_dossier(&systeme, &dossier).await.unwrap();
        let u = compte(&store, "elue@exemple.fr", RoleCompte::Demandeur).await;
        store.ajouter_membre(&systeme, &o.id, &u.id).await.unwrap();
        let app = app(&store);
        let mut c = Client::new(&app);
        c.connecter("elue@exemple.fr", MDP).await;
        // L'étape 2 du dossier d'une charte demande les partenaires.
        let r2 = c.get("/dossiers/dos-partenaires/etapes/2").await;
        assert_eq!(r2.code, StatusCode::OK);
        assert!(
            r2.corps.contains("Partenaires de la démarche"),
            "{}",
            r2.corps
        );
        let (ct, corps) = multipart(
            &[
                ("_csrf", &c.csrf.clone()),
                (
                    "partenaires",
                    "CCAS d'Amiens : accueil\n\nMédiathèque — ateliers\nRégion",
                ),
                ("suite", "rester"),
            ],
            None,
        );
        let req = c
            .avec_cookie(Request::post("/dossiers/dos-partenaires/etapes/2"))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(corps))
            .unwrap();
        let rep = c.envoyer(req).await;
        assert_eq!(rep.code, StatusCode::SEE_OTHER, "{}", rep.corps);
        let relu = store.dossier("dos-partenaires").await.unwrap().unwrap();
        let noms: Vec<(&str, &str)> = relu
            .partenaires
            .iter()
            .map(|p| (p.nom.as_str(), p.role.as_str()))
            .collect();
        assert_eq!(
            noms,
            [
                ("CCAS d'Amiens", "accueil"),
                ("Médiathèque", "ateliers"),
                ("Région", "")
            ]
        );
        let page = c.get("/dossiers/dos-partenaires/etapes/2").await;
        assert!(
            page.corps.contains("CCAS d&#x27;Amiens : accueil")
                || page.corps.contains("CCAS d&#39;Amiens : accueil"),
            "{}",
            page.corps
        );
        assert!(store
            .journal_objet("dossier", "dos-partenaires")
            .await
            .unwrap()
            .iter()
            .any(|e| e.contenu.action == "modifier_partenaires"));
    }
);

// ---------------------------------------------------------------------------------------------
// Issue 12, part « charte et mots » : une commune signe sans voir les mots d'un label, le
// rapport refusé revient au champ, l'attestation nomme son émetteur et le récépissé, les
// erreurs de SIRET sont en mots simples.
// ---------------------------------------------------------------------------------------------

/// Aucun mot d'un label sur une page du parcours d'une charte, et aucun guillemet doublé.
fn sans_mots_de_label(page: &str, corps: &str) {
    let t = texte_visible(corps);
    let bas = t.to_lowercase();
    for mot in ["label", "niveau visé", "labellisation"] {
        assert!(
            !bas.contains(mot),
            "{page} : « {mot} » dans le texte visible : {t}"
        );
    }
    for double in ["« Label «", "« Charte «", "» »", "« «"] {
        assert!(
            !t.contains(double),
            "{page} : guillemets doublés « {double} » : {t}"
        );
    }
}

deux_bases!(
    une_commune_signe_sans_declarer_de_dispositif_ni_voir_les_mots_d_un_label,
    |store: Store| async move {
        let app = app(&store);
        compte(&store, "maire@amiens.example", RoleCompte::Demandeur).await;
        let mut c = connecte(&app, "maire@amiens.example").await;

        // Organisation : SIRET mal recopié (un chiffre), formulaire revenu, saisie conservée.
        let r = c.get("/organisations/nouvelle").await;
        sans_mots_de_label("/organisations/nouvelle", &r.corps);
        let champs = [
            ("nom", "Commune d'Amiens"),
            ("type_organisation", "collectivite_territoriale"),
            ("siret", "218 000 213 00019"),
            ("rna", ""),
            ("voie", "Place de l'Hôtel de Ville"),
            ("code_postal", "80000"),
            ("commune", "Amiens"),
        ];
        let r = c.post("/organisations/nouvelle", &champs, None).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.corps);
        page_conforme(&r.corps);
        assert!(r
            .corps
            .contains("<title>Déclarer une organisation (erreurs) — Repères</title>"));
        assert!(
            r.corps.contains("<h1>Déclarer une organisation</h1>"),
            "{}",
            r.corps
        );
        assert!(
            r.corps.contains("aria-describedby=\"siret-erreur"),
            "{}",
            r.corps
        );
        let t = texte_visible(&r.corps);
        assert!(
            t.contains("Ce SIRET n'est pas valide : un chiffre est sans doute mal recopié, ou deux chiffres inversés (14 chiffres attendus"),
            "{t}"
        );
        assert!(
            r.corps.contains("value=\"218 000 213 00019\""),
            "saisie conservée"
        );
        assert!(r.corps.contains("value=\"Amiens\""), "saisie conservée");
        assert!(
            !t.contains("Luhn") && !t.contains("Requête invalide"),
            "{t}"
        );
        // 13 chiffres : la longueur est dite.
        let mut court = champs;
        court[2] = ("siret", "2180002130001");
        let r = c.post("/organisations/nouvelle", &court, None).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            texte_visible(&r.corps).contains(
                "il compte 13 chiffre(s), 14 sont attendus (un chiffre manque sans doute"
            ),
            "{}",
            r.corps
        );
        // Le bon SIRET (clé de Luhn juste) : enregistré.
        let mut bon = champs;
        bon[2] = ("siret", "21800021300015");
        let r = c.post("/organisations/nouvelle", &bon, None).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let org = r.lieu.unwrap();
        let org = org.trim_end_matches("?ok=organisation").to_string();
        let id_org = org.trim_start_matches("/organisations/").to_string();

        // La page de l'organisation : la charte se signe pour la démarche territoriale.
        let r = c.get(&org).await;
        assert_eq!(r.code, StatusCode::OK);
        sans_mots_de_label(&org, &r.corps);
        let t = texte_visible(&r.corps);
        assert!(
            t.contains("Signer la Charte « Territoire d'Actions pour un numérique inclusif »"),
            "{t}"
        );
        assert!(t.contains("Il n'y a rien d'autre à déclarer"), "{t}");
        let nouvelle =
            format!("/organisations/{id_org}/dispositifs/nouveau?type=demarche_territoriale");
        assert!(
            r.corps.contains(&format!(
                "href=\"{nouvelle}\">Décrire la démarche territoriale</a>"
            )),
            "{}",
            r.corps
        );

        // Le formulaire de la démarche, dans les mots de la charte ; une erreur le ramène.
        let r = c.get(&nouvelle).await;
        assert_eq!(r.code, StatusCode::OK);
        page_conforme(&r.corps);
        sans_mots_de_label(&nouvelle, &r.corps);
        assert!(r
            .corps
            .contains("<h1>Décrire la démarche territoriale</h1>"));
        assert!(
            r.corps
                .contains("<option value=\"demarche_territoriale\" selected"),
            "{}",
            r.corps
        );
        assert_eq!(
            r.corps.matches("<option value=").count()
                - r.corps.matches("<option value=\"\"").count(),
            1,
            "seule la démarche territoriale"
        );
        let action = format!("/organisations/{id_org}/dispositifs");
        let demarche = [
            ("nom", ""),
            ("type_dispositif", "demarche_territoriale"),
            (
                "description",
                "Démarche partenariale avec le CCAS et les associations.",
            ),
            ("site", ""),
        ];
        let r = c.post(&action, &demarche, None).await;
        assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
        sans_mots_de_label("démarche refusée", &r.corps);
        assert!(r
            .corps
            .contains("<title>Décrire la démarche territoriale (erreurs) — Repères</title>"));
        assert!(r
            .corps
            .contains("Démarche partenariale avec le CCAS et les associations."));
        let mut demarche = demarche;
        demarche[0] = ("nom", "Amiens numérique pour tous");
        let r = c.post(&action, &demarche, None).await;
        assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
        let lieu = r.lieu.unwrap();
        assert!(
            lieu.starts_with("/dispositifs/")
                && lieu.ends_with(&format!("/autodiagnostic/{CHARTE}")),
            "{lieu}"
        );

        // L'autodiagnostic de la charte : des dispositifs retenus, pas de niveau.
        let r = c.get(&lieu).await;
        assert_eq!(r.code, StatusCode::OK);
        sans_mots_de_label(&lieu, &r.corps);
        assert!(texte_visible(&r.corps)
            .contains("Retenu : le territoire s'engage à le mettre en œuvre"));
        let mut reponses: Vec<(&str, &str)> = vec![("declaration_demarche_partenariale", "oui")];
        reponses.push(("niveau_pix", "1"));
        reponses.push(("niveau_formation_aidants", "1"));
        let r = c.post(&lieu, &reponses, None).await;
        assert_eq!(r.code, StatusCode::OK);
        sans_mots_de_label("résultat de l'autodiagnostic", &r.corps);
        assert!(
            texte_visible(&r.corps).contains("Éligible : le territoire peut signer la charte"),
            "{}",
            r.corps
        );
        assert!(
            texte_visible(&r.corps).contains("Ce type d'organisation peut signer cette charte.")
        );

        // La page de l'organisation ne propose, pour la démarche, que la charte.
        let r = c.get(&org).await;
        sans_mots_de_label(&org, &r.corps);
        assert!(texte_visible(&r.corps).contains(
            "Choisir les actions de la charte pour la démarche « Amiens numérique pour tous »"
        ));
        assert!(
            !r.corps.contains("/autodiagnostic/nec-"),
            "aucun label pour une démarche territoriale"
        );
        let r = c.get("/espace").await;
        sans_mots_de_label("/espace", &r.corps);
    }
);

deux_bases!(
    rapport_refuse_pour_un_fichier_trop_gros_revient_au_champ,
    |store: Store| async move {
        let app = app(&store);
        let id = signataire(&store, "1", 30).await;
        let mut m = membre(&store, &app, "elue@commune.example", "o1").await;
        let r = m.get(&format!("/dossiers/{id}/rapports/nouveau")).await;
        sans_mots_de_label("formulaire de rapport", &r.corps);
        assert!(
            r.corps
                .contains("accept=\".pdf,.odt,.ods,.docx,.xlsx,.png,.jpg,.jpeg\""),
            "{}",
            r.corps
        );
        assert!(r
            .corps
            .contains("<title>Publier un rapport — Repères</title>"));
        let csrf = m.csrf.clone();
        // 21 Mo : un PDF trop gros, refusé au champ, pas par la page générique.
        let mut gros = PDF.to_vec();
        gros.resize(21 * 1024 * 1024, b' ');
        let valides = champs_valides(&annee());
        let r = envoyer_rapport(
            &mut m,
            &id,
            &paires(&valides),
            Some(("bilan complet.pdf", &gros)),
            &csrf,
        )
        .await;
        assert_eq!(
            r.code,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            &r.corps[..r.corps.len().min(2000)]
        );
        page_conforme(&r.corps);
        sans_mots_de_label("rapport refusé", &r.corps);
        assert!(r
            .corps
            .contains("<title>Publier un rapport (erreurs) — Repères</title>"));
        assert!(r.corps.contains("<h1>Publier un rapport</h1>"));
        assert!(!r.corps.contains("Requête invalide"));
        assert!(r.corps.contains("aria-describedby=\"fichiers-erreur\""));
        assert!(
            r.corps.contains("<p class=\"fr-error-text\" id=\"fichiers-erreur\">Le fichier « bilan complet.pdf » dépasse 20 Mo, la taille maximale par fichier."),
            "{}",
            r.corps
        );
        assert!(texte_visible(&r.corps).contains("Le navigateur ne peut pas garder les fichiers d'un envoi refusé : joignez-les à nouveau."));
        // Toute la saisie est conservée.
        assert!(r.corps.contains("value=\"Bilan de la première année\""));
        assert!(r
            .corps
            .contains("Comité de pilotage trimestriel.\nComptes rendus publiés.</textarea>"));
        assert!(r.corps.contains("1 200 personnes accompagnées.</textarea>"));
        assert!(r.corps.contains("<option value=\"etalab-2.0\" selected>"));
        assert!(r
            .corps
            .contains(&format!("<option value=\"{}\" selected>", annee())));
        assert!(store.rapports_charte(None).await.unwrap().is_empty());
    }
);

deux_bases!(
    attestations_nommees_par_leur_emetteur_avec_le_recepisse_et_un_nom_de_fichier_lisible,
    |store: Store| async move {
        use reperes_web::{application, Config, Etat};
        let etat = Etat::new(store.clone(), catalogue_du_depot(), Config::pour_tests()).unwrap();
        let app = application(etat.clone());
        // Une charte signée : ses mots, son émetteur (l'État), le récépissé.
        let id = signataire(&store, "1", 30).await;
        let numero = store.dossier(&id).await.unwrap().unwrap().numero.unwrap();
        let a = reperes_web::generer_attestation_pour_tests(&etat, &id).await;
        let r = get_anonyme(&app, &format!("/attestations/{}.pdf", a.id)).await;
        assert_eq!(r.code, StatusCode::OK);
        let suffixe = numero.to_lowercase().trim_start_matches("rep-").to_string();
        assert_eq!(
            r.entetes[header::CONTENT_DISPOSITION].to_str().unwrap(),
            format!(
                "inline; filename=\"attestation-charte-territoire-d-actions-territoire-d-actions-1-{suffixe}.pdf\"; \
                 filename*=UTF-8''Attestation%20Territoire%20d%27Actions%20%E2%80%94%20Territoire%20d%27Actions%201%20%E2%80%94%20{numero}.pdf"
            )
        );
        let r = get_anonyme(&app, &format!("/attestations/{}", a.id)).await;
        assert_eq!(r.code, StatusCode::OK);
        page_conforme(&r.corps);
        sans_mots_de_label("vérification d'une attestation de charte", &r.corps);
        let t = texte_visible(&r.corps);
        assert!(
            t.contains("Attestation authentique, signature en cours de validité"),
            "{t}"
        );
        assert!(t.contains("Commune 1 est signataire de la Charte « Territoire d'Actions pour un numérique inclusif », pour sa démarche « Territoire d'Actions 1 »"), "{t}");
        assert!(t.contains("Charte contresignée par l'État, par la Mission Société Numérique de l'Agence du numérique ; Repères est la plateforme"), "{t}");
        assert!(
            t.contains(&format!("Récépissé du dossier n° {numero}")),
            "{t}"
        );
        assert!(r.corps.contains(&format!("href=\"/chartes/{numero}\"")));
        for chemin in ["/chartes".to_string(), format!("/chartes/{numero}")] {
            let r = get_anonyme(&app, &chemin).await;
            assert_eq!(r.code, StatusCode::OK);
            sans_mots_de_label(&chemin, &r.corps);
        }

        // Un label : l'ANCT le délivre.
        let dossier = titulaire(
            &store,
            "2",
            "Médiathèque « Les Liens »",
            "numerique",
            "80000",
            "labellise",
        )
        .await;
        let numero = store
            .dossier(&dossier)
            .await
            .unwrap()
            .unwrap()
            .numero
            .unwrap();
        let a = reperes_web::generer_attestation_pour_tests(&etat, &dossier).await;
        let r = get_anonyme(&app, &format!("/attestations/{}.pdf", a.id)).await;
        let suffixe = numero.to_lowercase().trim_start_matches("rep-").to_string();
        let disposition = r.entetes[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            disposition.starts_with(&format!(
                "inline; filename=\"attestation-label-nec-2022-mediatheque-les-liens-{suffixe}.pdf\"; filename*=UTF-8''Attestation%20NEC%202022%20%E2%80%94%20M%C3%A9diath%C3%A8que"
            )),
            "{disposition}"
        );
        let r = get_anonyme(&app, &format!("/attestations/{}", a.id)).await;
        let t = texte_visible(&r.corps);
        assert!(t.contains("Label délivré par l'Agence nationale de la cohésion des territoires (ANCT) ; Repères est la plateforme"), "{t}");
        assert!(
            t.contains(&format!("Récépissé du dossier n° {numero}")),
            "{t}"
        );
        // Le nom du dispositif porte déjà des guillemets : ils ne sont pas doublés.
        assert!(
            t.contains(
                "pour le dispositif Médiathèque « Les Liens » (Label « Numérique en Commun[s] »"
            ),
            "{t}"
        );
        assert!(
            !t.contains("« Médiathèque «") && !t.contains("« Label «"),
            "{t}"
        );
    }
);
