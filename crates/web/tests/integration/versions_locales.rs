//! Versions locales de la carte (issue 17) au niveau HTTP, sur les deux bases : adresses
//! `/t/{slug}/…`, portée, intégration (CSP `frame-ancestors` des seules pages locales).

use crate::commun;

use axum::http::{header, StatusCode};
use chrono::{Duration, Utc};
use commun::{app, get_anonyme, texte_visible};
use reperes_domain::comptes::RoleCompte;
use reperes_domain::territoires::Territoires;
use reperes_domain::versions_locales::{SaisieVersionLocale, VersionValidee};
use reperes_domain::Role;
use reperes_store::test_support::signataire_de_charte;
use reperes_store::{deux_bases, Acteur, FusionLieux, RapportCharte, ResultatFusion, Store};

/// Une version locale enregistrée par le store (les pages d'administration ont leurs tests).
pub async fn creer(store: &Store, slug: &str, perimetre: &str, origines: &str) -> String {
    let v: VersionValidee = SaisieVersionLocale {
        slug: slug.into(),
        nom: format!("Carte {slug}"),
        perimetre: perimetre.into(),
        couleur: String::new(),
        theme: "neutre".into(),
        origines: origines.into(),
    }
    .valider(Territoires::embarque())
    .unwrap();
    store
        .creer_version_locale(&Acteur::new("adm", Role::Administrateur), &v)
        .await
        .unwrap()
}

deux_bases!(adresses_locales_et_integration, |store: Store| async move {
    commun::importer_lieux(
        &store,
        &[("charente-20230711_schema-update-20240912.json", "charente")],
    )
    .await;
    creer(
        &store,
        "charente",
        "departement:16",
        "http://127.0.0.1:9999",
    )
    .await;
    let app = app(&store);

    // La recherche locale : l'en-tête de la version, thème neutre, intégrable depuis l'origine
    // déclarée seulement.
    let r = get_anonyme(&app, "/t/charente/lieux").await;
    assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
    assert!(r.corps.contains("Carte charente"));
    assert!(r.corps.contains("/static/css/neutre.css"));
    assert!(!r.corps.contains("dsfr.min.css"));
    let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'self' http://127.0.0.1:9999"),
        "{csp}"
    );
    assert!(!r.entetes.contains_key(header::X_FRAME_OPTIONS));

    // /t/charente : vers sa recherche.
    let r = get_anonyme(&app, "/t/charente").await;
    assert_eq!(r.code, StatusCode::SEE_OTHER);
    assert_eq!(r.entetes[header::LOCATION], "/t/charente/lieux");

    // Seules les pages publiques listées existent sous /t/ ; une version inconnue : 404.
    for chemin in [
        "/t/charente/administration",
        "/t/charente/connexion",
        "/t/charente/espace",
        "/t/charente/api/v1/lieux",
        "/t/gironde/lieux",
        "/t/charente/static/css/reperes.css",
    ] {
        let r = get_anonyme(&app, chemin).await;
        assert_eq!(r.code, StatusCode::NOT_FOUND, "{chemin}");
        let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") || chemin.starts_with("/t/charente/"),
            "{chemin} : {csp}"
        );
    }

    // Le site national n'est jamais intégrable.
    let r = get_anonyme(&app, "/lieux").await;
    let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.entetes[header::X_FRAME_OPTIONS], "DENY");
    assert!(r.corps.contains("dsfr.min.css"));
});

// ---------- Ce que montre une version locale ----------

/// Deux lieux de Gironde (hors du périmètre `departement:16`) : l'un à Bordeaux, l'autre à
/// Talence, qui porte le pivot de « JEUNESSE ASSOCIATION DE BAIL-AIR » (Angoulême, jeu de la
/// Charente) : un doublon probable au national, regroupé avec lui.
const CSV_GIRONDE: &str = "id,pivot,nom,commune,code_postal,code_insee,adresse,latitude,longitude,services,date_maj\n\
g-1,43493312300029,Espace numérique de la Bastide,Bordeaux,33100,33063,1 quai de Queyries,44.8430,-0.5600,Aide aux démarches administratives,2024-03-15\n\
g-2,85140647000019,Bail-Air Gironde,Talence,33400,33522,2 cours de la Libération,44.8086,-0.5883,Aide aux démarches administratives,2024-03-15\n";

/// Identifiant (jeu de la Charente) de « JEUNESSE ASSOCIATION DE BAIL-AIR », à Angoulême.
const BAIL_AIR: &str =
    "mediation-numerique-conseiller-numerique-63e363ce05dd9706f1f2eaa9-mediation-numerique";

/// Les liens d'une page locale qui en sortent sans le dire : chaque `href="/…"` ou
/// `action="/…"` qui ne commence ni par le préfixe de la version ni par `/static/`, sauf un
/// lien `<a>` vers le site national annoncé (`target="_blank" rel="noopener"` et « nouvel
/// onglet » dans son texte).
fn liens_sortants(corps: &str, prefixe: &str) -> Vec<String> {
    let mut v = Vec::new();
    for attribut in ["href=\"/", "action=\"/"] {
        let mut i = 0;
        while let Some(p) = corps[i..].find(attribut) {
            let debut = i + p + attribut.len() - 1;
            let fin = debut + corps[debut..].find('"').unwrap();
            let lien = &corps[debut..fin];
            i = fin;
            if lien.starts_with(&format!("{prefixe}/")) || lien.starts_with("/static/") {
                continue;
            }
            let ouverture = corps[..debut].rfind('<').unwrap();
            let fin_balise = debut + corps[debut..].find('>').unwrap();
            let balise = &corps[ouverture..fin_balise];
            let texte = corps[fin_balise..]
                .find("</a>")
                .map(|f| &corps[fin_balise..fin_balise + f])
                .unwrap_or("");
            let annonce = balise.starts_with("<a ")
                && balise.contains("target=\"_blank\"")
                && balise.contains("rel=\"noopener\"")
                && texte.contains("nouvel onglet");
            if !annonce {
                v.push(lien.to_string());
            }
        }
    }
    v
}

#[test]
fn releve_des_liens_sortants() {
    let page = r#"<a href="/t/x/lieux">a</a><link href="/static/a.css"><a href="/lieux">b</a>
<form action="/lieux"></form><a href="/lieux/proposer" target="_blank" rel="noopener">Proposer (nouvel onglet)</a>
<a href="/donnees" target="_blank" rel="noopener">Données</a><a href="https://exemple.fr">c</a>"#;
    assert_eq!(
        liens_sortants(page, "/t/x"),
        ["/lieux", "/donnees", "/lieux"],
        "ni un lien national muet, ni un nouvel onglet non annoncé, ni un formulaire"
    );
}

/// Le statut d'une page de résultats de lieux, tel qu'affiché.
fn statut(corps: &str) -> &str {
    let debut = corps.find("<p role=\"status\">").expect("statut") + 17;
    &corps[debut..debut + corps[debut..].find("</p>").unwrap()]
}

deux_bases!(
    pages_locales_restreintes_au_perimetre,
    |store: Store| async move {
        commun::importer_lieux(
            &store,
            &[("charente-20230711_schema-update-20240912.json", "charente")],
        )
        .await;
        commun::importer_csv(&store, "gironde", CSV_GIRONDE).await;
        creer(
            &store,
            "charente",
            "departement:16",
            "http://127.0.0.1:9999",
        )
        .await;
        // Titulaires : une association d'Angoulême (16000), une de Bordeaux (33000).
        commun::titulaire(
            &store,
            "1",
            "Outil charentais",
            "numerique",
            "16000",
            "labellise",
        )
        .await;
        commun::titulaire(
            &store,
            "2",
            "Outil girondin",
            "numerique",
            "33000",
            "labellise",
        )
        .await;
        // Signataires de la charte : Cognac (Charente), Bordeaux (Gironde), un rapport chacun.
        let dem = Acteur::new("porteur", Role::Demandeur);
        let agent = Acteur::new("agent", Role::Instructeur);
        for (suffixe, cp, commune) in [
            ("cognac", "16100", "Cognac"),
            ("bordeaux", "33000", "Bordeaux"),
        ] {
            signataire_de_charte(
                &store,
                &dem,
                &agent,
                suffixe,
                cp,
                commune,
                Utc::now() - Duration::days(2),
            )
            .await;
        }
        let auteur = commun::compte(&store, "auteur@commune.example", RoleCompte::Demandeur).await;
        for (rapport, dossier) in [("rc", "dos-cognac"), ("rb", "dos-bordeaux")] {
            store
                .publier_rapport(
                    &dem,
                    &RapportCharte {
                        id: rapport.into(),
                        dossier_id: dossier.into(),
                        annee: chrono::Datelike::year(&Utc::now()),
                        titre: format!("Rapport {rapport}"),
                        demarche: "Démarche documentée.".into(),
                        impact: "Impact mesuré.".into(),
                        retours_outils: "Retours.".into(),
                        licence: "etalab-2.0".into(),
                        auteur_id: auteur.id.clone(),
                        publie_le: Utc::now(),
                        fichiers: vec![],
                    },
                    &[],
                )
                .await
                .unwrap();
        }
        // Dispositifs déclarés : BAIL-AIR utilise les deux outils ; le lieu de Bordeaux, l'outil
        // charentais.
        let systeme = Acteur::new("test", Role::Systeme);
        for (source, lieu, dispositif) in [
            ("charente", BAIL_AIR, "x1"),
            ("charente", BAIL_AIR, "x2"),
            ("gironde", "g-1", "x1"),
        ] {
            store
                .lier_lieu_dispositif(&systeme, source, lieu, dispositif)
                .await
                .unwrap();
        }
        let app = app(&store);
        let p = "/t/charente";
        let fiche_bail_air = format!("{p}/lieux/charente/{BAIL_AIR}");
        let mut pages_locales = Vec::new();
        let lire = |chemin: String, attendu: StatusCode| {
            let app = app.clone();
            async move {
                let r = get_anonyme(&app, &chemin).await;
                assert_eq!(
                    r.code,
                    attendu,
                    "{chemin} : {}",
                    &r.corps[..r.corps.len().min(3000)]
                );
                (chemin, r.corps)
            }
        };

        // --- Lieux : 188 fiches de la Charente, dont 21 en double regroupées avec une autre
        // (167 lignes, comme au national sans la Gironde, voir lieux.rs) ; au national, les deux
        // lieux de Gironde s'ajoutent, le second regroupé avec BAIL-AIR (même pivot).
        let (c, corps) = lire(format!("{p}/lieux"), StatusCode::OK).await;
        assert_eq!(
            statut(&corps),
            "167 lieu(x), page 1 sur 9 (21 fiche(s) en double regroupée(s))."
        );
        assert!(!corps.contains("/gironde/"));
        pages_locales.push((c, corps));
        let (_, national) = lire("/lieux".into(), StatusCode::OK).await;
        assert_eq!(
            statut(&national),
            "168 lieu(x), page 1 sur 9 (22 fiche(s) en double regroupée(s))."
        );
        // Le doublon de Gironde : « même lieu » au national, absent de la version locale.
        let (_, national) = lire("/lieux?q=bail".into(), StatusCode::OK).await;
        assert_eq!(
            statut(&national),
            "1 lieu(x) (1 fiche(s) en double regroupée(s))."
        );
        assert!(national.contains("href=\"/lieux/gironde/g-2?retour="));
        let (c, corps) = lire(format!("{p}/lieux?q=bail"), StatusCode::OK).await;
        assert_eq!(statut(&corps), "1 lieu(x).");
        assert!(!corps.contains("Probablement le même lieu"));
        assert!(corps.contains(&format!(
            "href=\"{fiche_bail_air}?retour=%2Flieux%3Fq%3Dbail%26page%3D1\""
        )));
        pages_locales.push((c, corps));
        // Pagination.
        let (c, corps) = lire(format!("{p}/lieux?page=2"), StatusCode::OK).await;
        assert!(corps.contains("href=\"/t/charente/lieux?page=1\""));
        assert!(corps.contains("href=\"/t/charente/lieux?page=3\""));
        pages_locales.push((c, corps));
        // Autour de Bordeaux : rien dans le périmètre ; « chercher partout » ne sort pas de la
        // Charente.
        let (_, national) = lire("/lieux?lieu=33000".into(), StatusCode::OK).await;
        assert_eq!(statut(&national), "2 lieu(x).");
        let (c, corps) = lire(format!("{p}/lieux?lieu=33000"), StatusCode::OK).await;
        assert_eq!(statut(&corps), "0 lieu(x).");
        let elargir = &corps[corps.find("id=\"elargir\"").unwrap_or(0)..];
        assert!(
            corps.contains("href=\"/t/charente/lieux?lieu=33000&#38;rayon=50\""),
            "{}",
            &elargir[..elargir.len().min(1500)]
        );
        assert!(corps.contains("<a href=\"/t/charente/lieux\">Chercher partout, sans commune</a>"));
        pages_locales.push((c, corps));
        let (c, corps) = lire(format!("{p}/lieux?q=bastide"), StatusCode::OK).await;
        assert_eq!(statut(&corps), "0 lieu(x).");
        pages_locales.push((c, corps));

        // Fiches : un lieu hors du périmètre n'existe pas sous /t/ ; il existe au national.
        lire(format!("{p}/lieux/gironde/g-1"), StatusCode::NOT_FOUND).await;
        lire(format!("{p}/lieux/gironde/g-2"), StatusCode::NOT_FOUND).await;
        lire("/lieux/gironde/g-1".into(), StatusCode::OK).await;
        let (c, corps) = lire(
            format!("{fiche_bail_air}?retour=%2Flieux%3Fq%3Dbail"),
            StatusCode::OK,
        )
        .await;
        // Fil d'Ariane dans la version ; l'outil charentais à son registre local, l'outil
        // girondin au registre national, annoncé ; ni historique ni modification.
        assert!(corps.contains("href=\"/t/charente/lieux?q=bail\">Votre recherche</a>"));
        assert!(
            corps.contains("<a href=\"/t/charente/registre/dispositifs/x1\">Outil charentais</a>")
        );
        assert!(corps.contains(
            "<a href=\"/registre/dispositifs/x2\" target=\"_blank\" rel=\"noopener\">Outil girondin (registre national, nouvel onglet)</a>"
        ));
        assert!(!corps.contains("/historique"));
        assert!(corps.contains("Signaler une erreur sur ce lieu (carte nationale, nouvel onglet)"));
        pages_locales.push((c, corps));
        let (_, national) = lire(format!("/lieux/charente/{BAIL_AIR}"), StatusCode::OK).await;
        assert!(national.contains("<a href=\"/registre/dispositifs/x2\">Outil girondin</a>"));

        // Orientation : mêmes filtres.
        let (_, national) = lire("/orientation?lieu=33000&etape=5".into(), StatusCode::OK).await;
        assert!(national.contains("2 lieu(x) correspondent à vos réponses"));
        let (c, corps) = lire(
            format!("{p}/orientation?lieu=33000&etape=5"),
            StatusCode::OK,
        )
        .await;
        assert!(corps.contains("0 lieu(x) correspondent à vos réponses"));
        assert!(
            corps.contains("href=\"/t/charente/orientation?lieu=33000&#38;rayon=50&#38;etape=5\"")
        );
        pages_locales.push((c, corps));
        let (c, corps) = lire(
            format!("{p}/orientation?lieu=16000&etape=5"),
            StatusCode::OK,
        )
        .await;
        assert!(corps.contains("href=\"/t/charente/lieux/charente/"));
        assert!(corps.contains("retour=%2Forientation%3Flieu%3D16000%26etape%3D5"));
        pages_locales.push((c, corps));
        for etape in 1..=4 {
            pages_locales.push(
                lire(
                    format!("{p}/orientation?lieu=16000&etape={etape}"),
                    StatusCode::OK,
                )
                .await,
            );
        }

        // Titulaires : celui d'Angoulême seulement.
        let (c, corps) = lire(format!("{p}/registre"), StatusCode::OK).await;
        assert!(
            corps.contains("1 titulaire(s)"),
            "{}",
            texte_visible(&corps)
        );
        assert!(corps.contains("Outil charentais") && !corps.contains("Outil girondin"));
        pages_locales.push((c, corps));
        let (_, national) = lire("/registre".into(), StatusCode::OK).await;
        assert!(national.contains("2 titulaire(s)"));
        lire(
            format!("{p}/registre/dispositifs/x2"),
            StatusCode::NOT_FOUND,
        )
        .await;
        lire("/registre/dispositifs/x2".into(), StatusCode::OK).await;
        let (c, corps) = lire(format!("{p}/registre/dispositifs/x1"), StatusCode::OK).await;
        // Les lieux qui l'utilisent : BAIL-AIR (dans la version), pas celui de Bordeaux.
        assert!(corps.contains(&format!("href=\"{fiche_bail_air}\"")));
        assert!(!corps.contains("gironde"));
        pages_locales.push((c, corps));
        let (_, national) = lire("/registre/dispositifs/x1".into(), StatusCode::OK).await;
        assert!(national.contains("href=\"/lieux/gironde/g-1\""));

        // Signataires de la charte : Cognac seulement, et ses rapports.
        let (c, corps) = lire(format!("{p}/chartes"), StatusCode::OK).await;
        assert!(corps.contains("1 territoire(s) signataire(s)"));
        assert!(corps.contains("Commune cognac") && !corps.contains("Commune bordeaux"));
        pages_locales.push((c, corps));
        let (_, national) = lire("/chartes".into(), StatusCode::OK).await;
        assert!(national.contains("2 territoire(s) signataire(s)"));
        pages_locales.push(lire(format!("{p}/chartes/dos-cognac"), StatusCode::OK).await);
        pages_locales.push(
            lire(
                format!("{p}/chartes/dos-cognac/rapports/rc"),
                StatusCode::OK,
            )
            .await,
        );
        lire(format!("{p}/chartes/dos-bordeaux"), StatusCode::NOT_FOUND).await;
        lire(
            format!("{p}/chartes/dos-bordeaux/rapports/rb"),
            StatusCode::NOT_FOUND,
        )
        .await;
        lire("/chartes/dos-bordeaux/rapports/rb".into(), StatusCode::OK).await;

        // Indicateurs : les territoires du périmètre, et ceux qu'il contient.
        let (c, corps) = lire(format!("{p}/indicateurs"), StatusCode::OK).await;
        assert!(corps.contains(
            "<a href=\"/t/charente/territoires/departement/16\">Indicateurs : Charente (département 16)</a>"
        ));
        pages_locales.push((c, corps));
        for (chemin, attendu) in [
            ("departement/16", StatusCode::OK),
            // La CA du Grand Angoulême et Angoulême : dans la Charente.
            ("epci/200071827", StatusCode::OK),
            ("commune/16015", StatusCode::OK),
            // La Nouvelle-Aquitaine contient la Charente, elle n'y est pas ; la Gironde non plus.
            ("region/75", StatusCode::NOT_FOUND),
            ("departement/33", StatusCode::NOT_FOUND),
            ("commune/33063", StatusCode::NOT_FOUND),
        ] {
            let (c, corps) = lire(format!("{p}/territoires/{chemin}"), attendu).await;
            lire(format!("{p}/territoires/{chemin}/indicateurs.csv"), attendu).await;
            if attendu == StatusCode::OK {
                pages_locales.push((c, corps));
            }
        }
        lire("/territoires/departement/33".into(), StatusCode::OK).await;
        // Sur la page de l'EPCI, la Charente est liée dans la version ; la région ne l'est pas.
        let (_, corps) = lire(format!("{p}/territoires/epci/200071827"), StatusCode::OK).await;
        assert!(corps.contains("<a href=\"/t/charente/territoires/departement/16\">"));
        assert!(!corps.contains("region/75"));
        // Au national, /indicateurs n'existe pas.
        lire("/indicateurs".into(), StatusCode::NOT_FOUND).await;

        // Aucune page locale ne mène ailleurs sans le dire.
        for (chemin, corps) in &pages_locales {
            let sortants = liens_sortants(corps, p);
            assert!(sortants.is_empty(), "{chemin} : {sortants:?}");
        }
    }
);

/// Deux lieux d'Angoulême, pour une fusion dans le périmètre.
const CSV_ANGOULEME: &str = "id,pivot,nom,commune,code_postal,code_insee,adresse,latitude,longitude,services,date_maj\n\
a-1,21160049900019,Atelier numérique du Champ de Mars,Angoulême,16000,16015,1 place du Champ de Mars,45.6500,0.1580,Aide aux démarches administratives,2024-03-15\n\
a-2,21160232100013,Point numérique de la Gare,Angoulême,16000,16015,3 avenue de la Gare,45.6530,0.1650,Aide aux démarches administratives,2024-03-15\n";

deux_bases!(
    fiche_absorbee_dans_une_version_locale,
    |store: Store| async move {
        commun::importer_csv(&store, "gironde", CSV_GIRONDE).await;
        commun::importer_csv(&store, "angouleme", CSV_ANGOULEME).await;
        creer(&store, "charente", "departement:16", "").await;
        // g-2 absorbé par g-1 (Gironde), a-2 par a-1 (Angoulême).
        let admin = Acteur::new("adm", Role::Administrateur);
        for (source, garde, absorbe) in [("gironde", "g-1", "g-2"), ("angouleme", "a-1", "a-2")] {
            let g = store.lieu_courant(source, garde).await.unwrap().unwrap();
            let a = store.lieu_courant(source, absorbe).await.unwrap().unwrap();
            let r = store
                .fusionner_lieux(
                    &admin,
                    FusionLieux {
                        garde: (source, garde),
                        version_garde: g.version,
                        absorbe: (source, absorbe),
                        version_absorbe: a.version,
                        nouveau: g.donnees.clone(),
                        champs_choisis: vec![],
                    },
                )
                .await
                .unwrap();
            assert!(matches!(r, ResultatFusion::Fusionnee { .. }), "{r:?}");
        }
        let app = app(&store);
        // Dans la version : vers le lieu gardé, dans la version, la requête gardée.
        let r = get_anonyme(&app, "/t/charente/lieux/angouleme/a-2?retour=%2Flieux").await;
        assert_eq!(r.code, StatusCode::MOVED_PERMANENTLY);
        assert_eq!(
            r.entetes[header::LOCATION],
            "/t/charente/lieux/angouleme/a-1?retour=%2Flieux"
        );
        // Un lieu gardé hors du périmètre : la fiche absorbée n'existe pas sous /t/.
        let r = get_anonyme(&app, "/t/charente/lieux/gironde/g-2").await;
        assert_eq!(r.code, StatusCode::NOT_FOUND);
        let r = get_anonyme(&app, "/lieux/gironde/g-2").await;
        assert_eq!(r.code, StatusCode::MOVED_PERMANENTLY);
        assert_eq!(r.entetes[header::LOCATION], "/lieux/gironde/g-1");
    }
);
// ---------- Administration, ressources, intégration ----------

/// Un PNG de 1 × 1 pixel, complet.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xfc, 0xcf, 0xc0, 0x50,
    0x0f, 0x00, 0x04, 0x85, 0x01, 0x80, 0x84, 0xa9, 0x8c, 0x21, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Le texte d'une page tel que le lit le navigateur (entités HTML des gabarits décodées).
fn desechapper(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// Envoie le formulaire du logo : un fichier (champ `fichier`) ou d'autres champs.
async fn envoyer_logo(
    c: &mut commun::Client,
    id: &str,
    champs: &[(&str, &str)],
    fichier: Option<(&str, &[u8])>,
) -> commun::Rep {
    let csrf = c.csrf.clone();
    let mut tous = champs.to_vec();
    tous.push(("_csrf", &csrf));
    let (ct, corps) = commun::multipart(&tous, fichier);
    let req = c
        .avec_cookie(axum::http::Request::post(format!(
            "/administration/versions-locales/{id}/logo"
        )))
        .header(header::CONTENT_TYPE, ct)
        .body(axum::body::Body::from(corps))
        .unwrap();
    c.envoyer(req).await
}

fn formulaire<'a>(
    slug: &'a str,
    couleur: &'a str,
    perimetre: &'a str,
    origines: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("nom", "Carte de test"),
        ("slug", slug),
        ("perimetre", perimetre),
        ("couleur", couleur),
        ("theme", "neutre"),
        ("origines", origines),
    ]
}

deux_bases!(administrer_une_version_locale, |store: Store| async move {
    use reperes_domain::comptes::RoleCompte;
    commun::importer_lieux(
        &store,
        &[("charente-20230711_schema-update-20240912.json", "charente")],
    )
    .await;
    commun::compte(&store, "admin@reperes.example", RoleCompte::Administrateur).await;
    commun::compte(&store, "agent@reperes.example", RoleCompte::Instructeur).await;
    let app = app(&store);
    let mut adm = commun::Client::new(&app);
    assert_eq!(
        adm.connecter("admin@reperes.example", commun::MDP)
            .await
            .code,
        StatusCode::SEE_OTHER
    );

    // L'administration mène aux versions locales ; la page d'accueil des versions : aide du
    // périmètre, lien vers les territoires, thème neutre proposé et DSFR réservé à l'État.
    let r = adm.get("/administration").await;
    assert!(r
        .corps
        .contains("href=\"/administration/versions-locales\""));
    let r = adm.get("/administration/versions-locales").await;
    assert_eq!(r.code, StatusCode::OK, "{}", r.corps);
    assert!(r.corps.contains("Aucune version locale"));
    assert!(r.corps.contains("href=\"/territoires\""));
    assert!(r.corps.contains("departement:16"));
    assert!(desechapper(&r.corps).contains("réservé aux services de l'État"));

    // Sans jeton CSRF : refusé, rien de créé.
    let champs = formulaire("charente-test", "", "departement:16", "");
    let r = adm
        .post("/administration/versions-locales", &champs, Some("faux"))
        .await;
    assert_eq!(r.code, StatusCode::FORBIDDEN);
    assert!(store.versions_locales().await.unwrap().is_empty());

    // Saisie refusée : chaque erreur sur son champ, en français, et rien de perdu.
    let champs = formulaire(
        "charente-test",
        "#ffff00",
        "departement:16\ndepartement:999",
        "http://exemple.fr",
    );
    let r = adm
        .post("/administration/versions-locales", &champs, None)
        .await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.corps);
    let texte = desechapper(&r.corps);
    assert!(texte.contains("3 erreurs empêchent"), "{texte}");
    assert!(
        texte.contains("id=\"couleur-erreur\">Couleur #ffff00 : contraste de 1,07:1 avec le blanc, 4,50:1 au moins est exigé"),
        "{texte}"
    );
    assert!(
        texte.contains("id=\"perimetre-erreur\">Périmètre : « departement:999 » : aucun(e) département de code « 999 »"),
        "{texte}"
    );
    assert!(
        texte.contains("id=\"origines-erreur\">Origine « http://exemple.fr »"),
        "{texte}"
    );
    assert!(texte.contains("value=\"Carte de test\""));
    assert!(texte.contains("value=\"charente-test\""));
    assert!(texte.contains(">departement:16\ndepartement:999</textarea>"));
    assert!(texte.contains(">http://exemple.fr</textarea>"));
    assert!(store.versions_locales().await.unwrap().is_empty());

    // Création acceptée.
    let champs = formulaire(
        "charente-test",
        "#1d4ed8",
        "departement:16",
        "http://127.0.0.1:9999\nhttps://www.charente.fr",
    );
    let r = adm
        .post("/administration/versions-locales", &champs, None)
        .await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
    let versions = store.versions_locales().await.unwrap();
    assert_eq!(versions.len(), 1);
    let v = &versions[0];
    let id = v.id.clone();
    assert_eq!(
        r.lieu.as_deref(),
        Some(format!("/administration/versions-locales/{id}?ok=creee").as_str())
    );
    assert_eq!(v.slug, "charente-test");
    assert_eq!(v.couleur.as_deref(), Some("#1d4ed8"));
    assert_eq!(v.theme, "neutre");
    assert_eq!(
        v.origines,
        ["http://127.0.0.1:9999", "https://www.charente.fr"]
    );

    // La même adresse une seconde fois : refusée sur son champ.
    let r = adm
        .post("/administration/versions-locales", &champs, None)
        .await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        desechapper(&r.corps).contains("id=\"slug-erreur\">Adresse : /t/charente-test est déjà celle d'une autre version locale"),
        "{}",
        r.corps
    );
    assert_eq!(store.versions_locales().await.unwrap().len(), 1);

    // La liste ; la page de la version : périmètre résolu, code d'intégration, liens locaux.
    let r = adm.get("/administration/versions-locales").await;
    assert!(r.corps.contains("<code>/t/charente-test</code>"));
    assert!(desechapper(&r.corps).contains("Charente (département 16)"));
    let page = format!("/administration/versions-locales/{id}");
    let r = adm.get(&format!("{page}?ok=creee")).await;
    assert_eq!(r.code, StatusCode::OK);
    let texte = desechapper(&r.corps);
    assert!(texte.contains("Version locale créée."));
    assert!(texte.contains("href=\"/territoires/departement/16\">Charente (département 16)</a>"));
    assert!(
        texte.contains("<iframe src=\"http://localhost:8080/t/charente-test/lieux\" title=\"Lieux de médiation numérique — Carte de test\" width=\"100%\" height=\"900\" loading=\"lazy\"></iframe>"),
        "{texte}"
    );
    assert!(texte.contains("href=\"/t/charente-test/lieux\""));

    // La version sert sa feuille de couleur (thème neutre : variables du thème neutre).
    let r = get_anonyme(&app, "/t/charente-test/theme.css").await;
    assert_eq!(r.code, StatusCode::OK);
    assert_eq!(r.type_contenu(), "text/css; charset=utf-8");
    assert_eq!(r.entetes[header::CACHE_CONTROL], "public, max-age=300");
    assert!(r.corps.contains("--reperes-accent: #1d4ed8;"));
    assert!(r.corps.contains("--reperes-accent-texte: #ffffff;"));
    assert!(!r.corps.contains("blue-france"));
    let r = get_anonyme(&app, "/t/charente-test/lieux").await;
    assert!(r
        .corps
        .contains("<link rel=\"stylesheet\" href=\"/t/charente-test/theme.css\">"));
    let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'self' http://127.0.0.1:9999 https://www.charente.fr"),
        "{csp}"
    );

    // Modification refusée : valeurs et case « active » gardées.
    let mut champs = formulaire("charente-test", "#777777", "departement:16", "");
    champs.push(("active", "oui"));
    let r = adm.post(&page, &champs, None).await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    let texte = desechapper(&r.corps);
    assert!(texte.contains("id=\"couleur-erreur\">Couleur #777777 : contraste de 4,47:1"));
    assert!(texte.contains("value=\"#777777\""));
    assert!(texte.contains("name=\"active\" value=\"oui\" checked"));

    // Modification acceptée : thème DSFR, désactivée (ses adresses : 404), puis réactivée.
    let mut champs = formulaire("charente-test", "#1d4ed8", "departement:16", "");
    champs[4] = ("theme", "dsfr");
    let r = adm.post(&page, &champs, None).await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
    assert_eq!(
        r.lieu.as_deref(),
        Some(format!("{page}?ok=modifiee").as_str())
    );
    let v = store.version_locale(&id).await.unwrap().unwrap();
    assert!(!v.active);
    assert_eq!(v.theme, "dsfr");
    assert!(v.origines.is_empty());
    assert_eq!(
        get_anonyme(&app, "/t/charente-test/lieux").await.code,
        StatusCode::NOT_FOUND
    );
    champs.push(("active", "oui"));
    let r = adm.post(&page, &champs, None).await;
    assert_eq!(r.code, StatusCode::SEE_OTHER);
    let r = get_anonyme(&app, "/t/charente-test/theme.css").await;
    assert!(r
        .corps
        .contains("--background-action-high-blue-france: #1d4ed8;"));
    assert!(r.corps.contains("--text-action-high-blue-france: #1d4ed8;"));
    // Le site national reste non intégrable ; la version n'a plus d'origine : elle-même seule.
    let r = get_anonyme(&app, "/t/charente-test/lieux").await;
    let csp = r.entetes[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.ends_with("frame-ancestors 'self'"), "{csp}");

    // Logo : refusé par son contenu (un texte nommé .png ; un PNG nommé .txt), trop lourd.
    assert_eq!(
        get_anonyme(&app, "/t/charente-test/logo").await.code,
        StatusCode::NOT_FOUND
    );
    let r = envoyer_logo(&mut adm, &id, &[], Some(("logo.png", b"pas une image"))).await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        desechapper(&r.corps)
            .contains("id=\"fichier-erreur\">« logo.png » n'est pas une image PNG, JPEG ou WebP"),
        "{}",
        r.corps
    );
    let r = envoyer_logo(&mut adm, &id, &[], Some(("logo.txt", PNG))).await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        desechapper(&r.corps).contains("« logo.txt » : son contenu est une image PNG mais son nom finit par .txt ; renommez-le en .png"),
        "{}",
        r.corps
    );
    let mut lourd = PNG.to_vec();
    lourd.resize(200 * 1024 + 1, 0);
    let r = envoyer_logo(&mut adm, &id, &[], Some(("logo.png", &lourd))).await;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        desechapper(&r.corps)
            .contains("Un seul logo, de 200 Ko au plus : rien n'a été enregistré."),
        "{}",
        r.corps
    );
    assert_eq!(store.logo_version_locale(&id).await.unwrap(), None);

    // Accepté, puis servi avec son type ; l'en-tête de la version l'affiche (alt vide : le nom
    // est écrit à côté).
    let r = envoyer_logo(&mut adm, &id, &[], Some(("logo.png", PNG))).await;
    assert_eq!(r.code, StatusCode::SEE_OTHER, "{}", r.corps);
    assert_eq!(r.lieu.as_deref(), Some(format!("{page}?ok=logo").as_str()));
    let r = get_anonyme(&app, "/t/charente-test/logo").await;
    assert_eq!(r.code, StatusCode::OK);
    assert_eq!(r.type_contenu(), "image/png");
    assert_eq!(r.entetes[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(r.octets, PNG);
    let r = get_anonyme(&app, "/t/charente-test/lieux").await;
    assert!(r
        .corps
        .contains("<img class=\"reperes-logo-local\" src=\"/t/charente-test/logo\" alt=\"\">"));
    // Retiré.
    let r = envoyer_logo(&mut adm, &id, &[("retirer", "oui")], None).await;
    assert_eq!(
        r.lieu.as_deref(),
        Some(format!("{page}?ok=logo-retire").as_str())
    );
    assert_eq!(
        get_anonyme(&app, "/t/charente-test/logo").await.code,
        StatusCode::NOT_FOUND
    );

    // Journal d'audit : création, deux modifications, deux changements de logo (les refus
    // n'écrivent rien), par l'administrateur.
    let j = store.journal_objet("version_locale", &id).await.unwrap();
    let actions: Vec<&str> = j.iter().map(|e| e.contenu.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "creer_version_locale",
            "modifier_version_locale",
            "modifier_version_locale",
            "changer_logo_version_locale",
            "changer_logo_version_locale"
        ]
    );
    assert!(
        j.iter()
            .all(|e| e.contenu.acteur.starts_with("administrateur:")),
        "{j:?}"
    );

    // Un instructeur n'administre pas les versions locales ; une personne anonyme est menée à
    // la connexion.
    let mut agent = commun::Client::new(&app);
    agent.connecter("agent@reperes.example", commun::MDP).await;
    assert_eq!(
        agent.get("/administration/versions-locales").await.code,
        StatusCode::FORBIDDEN
    );
    assert_eq!(agent.get(&page).await.code, StatusCode::FORBIDDEN);
    let mut anonyme = commun::Client::new(&app);
    let r = anonyme.get(&page).await;
    assert_eq!(r.code, StatusCode::SEE_OTHER);
    assert!(r.lieu.unwrap().starts_with("/connexion"));
});
