//! Rappels de fin de validité et retards d'instruction (issue 15), sur SQLite et PostgreSQL :
//! la tâche lancée à une date choisie envoie, par le vrai serveur SMTP de test, un rappel à J-90
//! puis à J-30 aux membres de l'organisation titulaire (« votre label », « votre charte »), avec le
//! lien pour renouveler, une seule fois, et rien si un renouvellement est déposé ; la file
//! d'instruction signale « en retard » les bons dossiers (jours d'attente d'un complément non
//! comptés), les compte, les filtre et les trie.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::{Action, Role};
use reperes_store::test_support::{catalogue_du_depot, pour_deposer, signataire_de_charte};
use reperes_store::{deux_bases, Acteur, Store};
use reperes_web::courrier::{envoyer_dus, Expediteur};
use reperes_web::taches::rappeler_fins_de_validite;

use crate::commun::{app, compte, mener_dossier, Client, MDP};
use crate::smtp::{recus, smtp};

const URL: &str = "https://reperes.example";

/// Le texte d'un message reçu, corps « quoted-printable » décodé (coupures douces retirées).
fn decode(message: &str) -> String {
    let brut = message.replace("=\r\n", "").replace("=\n", "");
    let octets = brut.as_bytes();
    let mut v = Vec::with_capacity(octets.len());
    let mut i = 0;
    while i < octets.len() {
        let hex = octets
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (octets[i], hex) {
            (b'=', Some(o)) => {
                v.push(o);
                i += 3;
            }
            (o, _) => {
                v.push(o);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&v).replace("\r\n", "\n")
}

/// Minuit et demi (UTC) du jour `j`.
fn le(j: NaiveDate) -> DateTime<Utc> {
    j.and_hms_opt(0, 30, 0).unwrap().and_utc()
}

/// Un compte membre de l'organisation `organisation`, à une adresse marquée.
async fn membre(store: &Store, organisation: &str, email: &str) {
    let u = compte(store, email, RoleCompte::Demandeur).await;
    store
        .ajouter_membre(&Acteur::new("test", Role::Systeme), organisation, &u.id)
        .await
        .unwrap();
}

deux_bases!(
    rappels_a_j_90_et_j_30_par_smtp_une_seule_fois,
    |store: Store| async move {
        let (url_smtp, maildir) = smtp();
        let marque = uuid::Uuid::new_v4().simple().to_string();
        let c = catalogue_du_depot();
        // Un label NEC 2022 et une charte, décidés le même jour : même fin de validité.
        let decide = Utc::now() - Duration::days(10);
        let label = mener_dossier(
            &store,
            "nec-2022",
            "1",
            "Outil Alpha",
            "numerique",
            "80000",
            "labellise",
            decide,
        )
        .await;
        let porteur = format!("porteur-{marque}@asso.example");
        membre(&store, "o1", &porteur).await;
        let dem = Acteur::new("porteur", Role::Demandeur);
        let agent = Acteur::new("agent", Role::Instructeur);
        let charte = signataire_de_charte(&store, &dem, &agent, "t", "16000", "Angoulême", decide)
            .await
            .id;
        let elu = format!("elu-{marque}@commune.example");
        membre(&store, "org-t", &elu).await;
        // Un troisième titre, dont le renouvellement est déjà déposé : aucun rappel.
        let renouvele = mener_dossier(
            &store,
            "nec-2022",
            "2",
            "Outil Beta",
            "numerique",
            "80000",
            "labellise",
            decide,
        )
        .await;
        let autre = format!("autre-{marque}@asso.example");
        membre(&store, "o2", &autre).await;
        let r = c.referentiels.iter().find(|r| r.id == "nec-2022").unwrap();
        let nouveau = store
            .renouveler(
                &c,
                &renouvele,
                &dem,
                "renouv-2".into(),
                Utc::now().date_naive(),
            )
            .await
            .unwrap();
        for m in pour_deposer(r) {
            store.modifier(&c, &nouveau.id, &dem, &m).await.unwrap();
        }
        store
            .agir(&c, &nouveau.id, &dem, &Action::Deposer, Utc::now())
            .await
            .unwrap();

        let d = store.dossier(&label).await.unwrap().unwrap();
        let fin = d.fin_validite.unwrap();
        assert_eq!(
            store.dossier(&charte).await.unwrap().unwrap().fin_validite,
            Some(fin)
        );
        let expediteur =
            Expediteur::smtp(&url_smtp, "Repères <ne-pas-repondre@reperes.localhost>").unwrap();

        // J-91 : rien.
        assert_eq!(
            rappeler_fins_de_validite(&store, &c, URL, le(fin - Duration::days(91)))
                .await
                .unwrap(),
            0
        );
        // J-90 : un rappel pour le label, un pour la charte ; pas pour le titre renouvelé.
        let j90 = le(fin - Duration::days(90));
        assert_eq!(
            rappeler_fins_de_validite(&store, &c, URL, j90)
                .await
                .unwrap(),
            2
        );
        // La tâche tourne de nouveau le même jour, puis le lendemain : rien de plus.
        assert_eq!(
            rappeler_fins_de_validite(&store, &c, URL, j90)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            rappeler_fins_de_validite(&store, &c, URL, j90 + Duration::days(1))
                .await
                .unwrap(),
            0
        );
        assert_eq!(envoyer_dus(&store, &expediteur).await, (2, 0));

        let au_porteur: Vec<String> = recus(&maildir, &porteur)
            .iter()
            .map(|m| decode(m))
            .collect();
        assert_eq!(au_porteur.len(), 1, "un seul rappel au porteur");
        let m = &au_porteur[0];
        let fin_fr = fin.format("%d/%m/%Y").to_string();
        assert!(
            m.contains(&format!(
                "Le label « NEC 2022 » de votre dispositif « Outil Alpha » est valable jusqu'au {fin_fr}, dans 90 jour(s)."
            )),
            "{m}"
        );
        assert!(
            m.contains(
                "Pour renouveler votre label, préparez dès maintenant un dossier de renouvellement"
            ),
            "{m}"
        );
        assert!(
            m.contains(&format!("{URL}/dossiers/{label}#renouveler")),
            "{m}"
        );
        let a_l_elu: Vec<String> = recus(&maildir, &elu).iter().map(|m| decode(m)).collect();
        assert_eq!(a_l_elu.len(), 1, "un seul rappel à l'élu");
        assert!(
            a_l_elu[0].contains("Pour renouveler votre charte"),
            "{}",
            a_l_elu[0]
        );
        assert!(a_l_elu[0].contains(&format!("prend fin le {fin_fr}, dans 90 jour(s)")));
        assert!(
            !a_l_elu[0].contains("label"),
            "une charte n'est pas un label : {}",
            a_l_elu[0]
        );
        assert!(a_l_elu[0].contains(&format!("{URL}/dossiers/{charte}#renouveler")));
        assert!(
            recus(&maildir, &autre).is_empty(),
            "renouvellement déposé : aucun rappel"
        );

        // J-30 : le second rappel, une fois.
        let j30 = le(fin - Duration::days(30));
        assert_eq!(
            rappeler_fins_de_validite(&store, &c, URL, j30)
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            rappeler_fins_de_validite(&store, &c, URL, j30)
                .await
                .unwrap(),
            0
        );
        assert_eq!(envoyer_dus(&store, &expediteur).await, (2, 0));
        let au_porteur: Vec<String> = recus(&maildir, &porteur)
            .iter()
            .map(|m| decode(m))
            .collect();
        assert_eq!(au_porteur.len(), 2);
        assert!(au_porteur.iter().any(|m| m.contains("dans 30 jour(s)")));
        assert_eq!(
            envoyer_dus(&store, &expediteur).await,
            (0, 0),
            "pas de doublon"
        );

        // Chaque rappel est au journal d'audit du dossier, par la tâche (acteur système).
        let journal = store.journal_objet("dossier", &label).await.unwrap();
        let rappels: Vec<_> = journal
            .iter()
            .filter(|e| e.contenu.action == "rappeler_fin_validite")
            .collect();
        assert_eq!(rappels.len(), 2);
        assert_eq!(rappels[0].contenu.acteur, "systeme:rappels");
        assert!(rappels[0]
            .contenu
            .apres
            .as_deref()
            .unwrap()
            .contains("\"jours\":90"));
        assert!(rappels[1]
            .contenu
            .apres
            .as_deref()
            .unwrap()
            .contains("\"jours\":30"));

        // Le lien mène le porteur à la page du dossier, au formulaire de renouvellement.
        let app = app(&store);
        let mut p = Client::new(&app);
        p.connecter(&porteur, MDP).await;
        let page = p.get(&format!("/dossiers/{label}")).await;
        assert!(
            page.corps.contains(&format!(
                "id=\"renouveler\" method=\"post\" action=\"/dossiers/{label}/renouveler\""
            )),
            "{}",
            page.corps
        );
    }
);

deux_bases!(
    rattrapage_sous_trente_jours_seul_le_rappel_de_30,
    |store: Store| async move {
        let c = catalogue_du_depot();
        let label = mener_dossier(
            &store,
            "nec-2022",
            "1",
            "Outil Alpha",
            "numerique",
            "80000",
            "labellise",
            Utc::now(),
        )
        .await;
        membre(&store, "o1", "porteur@asso.example").await;
        let fin = store
            .dossier(&label)
            .await
            .unwrap()
            .unwrap()
            .fin_validite
            .unwrap();
        // Serveur arrêté de J-95 à J-21 : un seul rappel, celui de 30 jours.
        let j21 = le(fin - Duration::days(21));
        assert_eq!(
            rappeler_fins_de_validite(&store, &c, URL, j21)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            rappeler_fins_de_validite(&store, &c, URL, j21)
                .await
                .unwrap(),
            0
        );
        let courriels = store.courriels().await.unwrap();
        assert_eq!(courriels.len(), 1);
        assert!(
            courriels[0].corps.contains("dans 21 jour(s)"),
            "{}",
            courriels[0].corps
        );
        let (jours,): (i64,) = sqlx::query_as("SELECT jours FROM rappels_validite")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(jours, 30);
        // Après la fin de validité : plus de rappel.
        assert_eq!(
            rappeler_fins_de_validite(&store, &c, URL, le(fin + Duration::days(1)))
                .await
                .unwrap(),
            0
        );
    }
);

/// La ligne du tableau de la file qui nomme `dispositif` (vide si absente).
fn ligne<'a>(page: &'a str, dispositif: &str) -> &'a str {
    page.split("<tr>")
        .find(|l| l.contains(dispositif))
        .map(|l| l.split("</tr>").next().unwrap_or(l))
        .unwrap_or("")
}

deux_bases!(
    file_signale_filtre_et_trie_les_dossiers_en_retard,
    |store: Store| async move {
        let c = catalogue_du_depot();
        let jours = |n: i64| Utc::now() - Duration::days(n);
        // `mener_dossier` dépose six jours avant la date donnée. Délai NEC 2022 : 60 jours.
        // Alpha : déposé il y a 100 jours, en instruction → 40 jours de retard.
        mener_dossier(
            &store,
            "nec-2022",
            "1",
            "Outil Alpha",
            "numerique",
            "80000",
            "en_instruction",
            jours(94),
        )
        .await;
        // Beta : déposé il y a 10 jours → dans le délai.
        mener_dossier(
            &store,
            "nec-2022",
            "2",
            "Outil Beta",
            "numerique",
            "80000",
            "depose",
            jours(4),
        )
        .await;
        // Delta : déposé il y a 80 jours → 20 jours de retard.
        mener_dossier(
            &store,
            "nec-2022",
            "4",
            "Outil Delta",
            "numerique",
            "80000",
            "depose",
            jours(74),
        )
        .await;
        // Gamma : déposé il y a 100 jours, mais 45 jours d'attente d'un complément → 55 jours
        // d'instruction, dans le délai.
        let gamma = mener_dossier(
            &store,
            "nec-2022",
            "3",
            "Outil Gamma",
            "numerique",
            "80000",
            "en_instruction",
            jours(94),
        )
        .await;
        let agent = Acteur::new("agent", Role::Instructeur);
        let dem = Acteur::new("porteur", Role::Demandeur);
        store
            .agir(
                &c,
                &gamma,
                &agent,
                &Action::DemanderComplement {
                    motif: "Précisez l'audit.".into(),
                    echeance: (Utc::now() + Duration::days(30)).date_naive(),
                },
                Utc::now(),
            )
            .await
            .unwrap();
        store
            .agir(&c, &gamma, &dem, &Action::Deposer, Utc::now())
            .await
            .unwrap();
        // Le journal est horodaté à l'heure réelle : on y recule la demande (il y a 60 jours) et
        // la réponse (il y a 15 jours), comme si elles avaient eu lieu alors.
        for (action, il_y_a) in [("demander_complement", 60), ("deposer", 15)] {
            sqlx::query(
                "UPDATE audit SET horodatage = $1 WHERE objet_id = $2 AND action = $3 \
                 AND seq = (SELECT MAX(seq) FROM audit WHERE objet_id = $2 AND action = $3)",
            )
            .bind(reperes_store::horodatage(jours(il_y_a)))
            .bind(&gamma)
            .bind(action)
            .execute(store.pool())
            .await
            .unwrap();
        }
        // Un dossier clos déposé il y a longtemps n'est jamais en retard.
        mener_dossier(
            &store,
            "nec-2022",
            "5",
            "Outil Epsilon",
            "numerique",
            "80000",
            "labellise",
            jours(200),
        )
        .await;

        compte(&store, "agent@anct.example", RoleCompte::Instructeur).await;
        let app = app(&store);
        let mut a = Client::new(&app);
        a.connecter("agent@anct.example", MDP).await;

        let page = a.get("/instruction?clos=oui").await;
        assert_eq!(page.code, axum::http::StatusCode::OK);
        let p = &page.corps;
        assert!(p.contains("<strong>2 dossier(s) en retard</strong>"), "{p}");
        assert!(
            ligne(p, "Outil Alpha").contains("En retard de 40 jour(s)"),
            "{}",
            ligne(p, "Outil Alpha")
        );
        assert!(ligne(p, "Outil Delta").contains("En retard de 20 jour(s)"));
        for dans_le_delai in ["Outil Beta", "Outil Gamma", "Outil Epsilon"] {
            let l = ligne(p, dans_le_delai);
            assert!(!l.is_empty(), "{dans_le_delai} absent");
            assert!(!l.contains("En retard"), "{dans_le_delai} : {l}");
        }

        // Filtre : seulement les dossiers en retard ; tri : le plus en retard d'abord.
        let page = a.get("/instruction?retard=oui&tri=retard").await;
        let p = &page.corps;
        assert!(p.contains("<caption>2 dossier(s)</caption>"), "{p}");
        let (alpha, delta) = (
            p.find("Outil Alpha").unwrap(),
            p.find("Outil Delta").unwrap(),
        );
        assert!(alpha < delta, "Alpha (40 jours) avant Delta (20 jours)");
        for absent in ["Outil Beta", "Outil Gamma", "Outil Epsilon"] {
            assert!(!p.contains(absent), "{absent} ne doit pas être listé");
        }
        assert!(p.contains("id=\"retard\" name=\"retard\" value=\"oui\" checked"));
        // Sans tri, l'ordre par défaut (dernière modification) met Delta, modifié après Alpha,
        // en premier.
        let p = a.get("/instruction?retard=oui").await.corps;
        assert!(p.find("Outil Delta").unwrap() < p.find("Outil Alpha").unwrap());
        // L'export suit les mêmes filtres.
        let csv = a.get("/instruction/export.csv?retard=oui").await.corps;
        assert!(
            csv.contains("Outil Alpha") && csv.contains("Outil Delta"),
            "{csv}"
        );
        assert!(
            !csv.contains("Outil Beta") && !csv.contains("Outil Gamma"),
            "{csv}"
        );
    }
);
