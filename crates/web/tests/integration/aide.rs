//! La personne qui cherche de l'aide près de chez elle, au niveau HTTP, sur les deux bases :
//! l'accueil mène à l'orientation en un clic ; la fiche d'un lieu commence par le bloc contact
//! (téléphone en lien `tel:`, courriel, site, rendez-vous, frais, itinéraire), range les champs
//! techniques plus bas en mots simples, et dit quoi faire quand le lieu ne donne ni horaires ni
//! contact ; les résultats ont des noms lisibles, regroupent les doublons probables, proposent
//! d'élargir une recherche vide ; le fil d'Ariane ramène à la liste avec ses réponses.

use crate::commun;

use axum::http::StatusCode;
use axum::Router;
use commun::{app, get_anonyme};
use reperes_store::{deux_bases, Store};

async fn get(app: &Router, chemin: &str) -> (StatusCode, String) {
    let r = get_anonyme(app, chemin).await;
    (r.code, r.corps)
}

async fn importer(store: &Store) {
    commun::importer_lieux(
        store,
        &[
            ("charente-20230711_schema-update-20240912.json", "charente"),
            ("exemple-valide-v1.0.2.csv", "exemple"),
        ],
    )
    .await;
}

/// Position d'un motif dans la page (il doit y être).
fn position(page: &str, motif: &str) -> usize {
    page.find(motif)
        .unwrap_or_else(|| panic!("« {motif} » absent de la page :\n{page}"))
}

const FRANCE_SERVICES_CHASSENEUIL: &str =
    "/lieux/charente/mediation-numerique-france-services-2158-mediation-numerique";
const MEDIATHEQUE_SANS_CONTACT: &str = "/lieux/charente/mediation-numerique-conseiller-numerique-63d29db4e6d6a806f256459a-mediation-numerique";

deux_bases!(
    aide_accueil_mene_a_l_orientation,
    |store: Store| async move {
        let app = app(&store);
        let (code, page) = get(&app, "/").await;
        assert_eq!(code, StatusCode::OK);
        // La première entrée de la page, avant les règles des labels.
        let aide = position(&page, "Trouver de l'aide près de chez moi");
        let orientation = position(&page, "href=\"/orientation\"");
        let referentiels = position(&page, "<h2>Référentiels</h2>");
        assert!(aide < orientation && orientation < referentiels);
        // La recherche directe par commune part de l'accueil.
        assert!(page.contains("action=\"/lieux\"") && page.contains("name=\"lieu\""));
        // La navigation se replie derrière « Menu » (details/summary, sans JavaScript).
        let menu = position(&page, "<details class=\"reperes-menu\">");
        let summary = position(&page, ">Menu</summary>");
        let registre = position(&page, "href=\"/registre\"");
        assert!(menu < summary && summary < registre);
    }
);

deux_bases!(aide_fiche_contact_en_haut, |store: Store| async move {
    importer(&store).await;
    let app = app(&store);
    let (code, fiche) = get(&app, FRANCE_SERVICES_CHASSENEUIL).await;
    assert_eq!(code, StatusCode::OK);
    // Le téléphone +33545955040 du schéma, formaté et composable, avant les horaires détaillés.
    let tel = position(
        &fiche,
        "<a href=\"tel:+33545955040\" class=\"reperes-contact__tel\">05 45 95 50 40</a>",
    );
    assert!(tel < position(&fiche, "id=\"horaires\""));
    assert!(
        tel < position(
            &fiche,
            "Du lundi au vendredi : de 10 h à 12 h et de 14 h à 17 h 30"
        )
    );
    assert!(fiche.contains("Frais : <strong>Gratuit</strong>"));
    assert!(fiche.contains("href=\"geo:45.82411,0.449502\""));
    assert!(
        fiche.contains("href=\"https://www.openstreetmap.org/directions?to=45.82411%2C0.449502\"")
    );
    // Ouvert ou fermé selon l'heure : l'un des deux, dans le bloc contact.
    assert!(fiche.contains("Ouvert en ce moment") || fiche.contains("Fermé en ce moment"));
    // Champs techniques : le pivot de remplissage est masqué, la typologie est en mots.
    assert!(!fiche.contains("00000000000000"), "pivot vide affiché");
    assert!(!fiche.contains(">RFS<"));
    assert!(fiche.contains("<dt>Type de structure</dt><dd>Réseau France services</dd>"));
    assert!(fiche.contains("mise à jour par la source le 01/10/2021"));
    // Pas de « que faire » pour un lieu joignable.
    assert!(!fiche.contains("ni horaires ni moyen de le joindre"));

    // L'exemple officiel : courriels, sites, rendez-vous, frais multiples, vrai SIRET.
    let (_, fiche) = get(&app, "/lieux/exemple/structure-1").await;
    let tel = position(&fiche, "href=\"tel:+33180059880\"");
    assert!(fiche.contains(">01 80 05 98 80</a>"));
    assert!(fiche.contains(
        "Courriel : <a href=\"mailto:contact@laquincaillerie.tl\">contact@laquincaillerie.tl</a>"
    ));
    assert!(fiche.contains("mailto:responsable@laquincaillerie.tl"));
    assert!(fiche.contains(
        "Site web : <a href=\"https://www.laquincaillerie.tl/\" rel=\"noopener noreferrer\">laquincaillerie.tl</a>"
    ));
    assert!(fiche.contains("href=\"https://www.rdv-solidarites.fr/\""));
    assert!(fiche.contains("Frais : <strong>Gratuit sous condition ou payant</strong>"));
    let technique = position(
        &fiche,
        "<dt>Numéro SIRET de la structure</dt><dd>43493312300029</dd>",
    );
    assert!(
        tel < technique,
        "les champs techniques viennent après le contact"
    );
    assert!(fiche.contains("<dd>Tiers-lieu ; Association</dd>"));
    assert!(fiche.contains("<dt>Informations recueillies par</dt><dd>Hubik</dd>"));
});

deux_bases!(
    aide_fiche_sans_horaires_ni_contact,
    |store: Store| async move {
        importer(&store).await;
        let app = app(&store);
        let (code, fiche) = get(&app, MEDIATHEQUE_SANS_CONTACT).await;
        assert_eq!(code, StatusCode::OK);
        // Le bloc contact du lieu n'a ni téléphone ni courriel.
        let bloc = &fiche[position(&fiche, "reperes-contact__liste")..];
        let bloc = &bloc[..bloc.find("</ul>").unwrap()];
        assert!(
            !bloc.contains("tel:") && !bloc.contains("mailto:"),
            "{bloc}"
        );
        position(
            &fiche,
            "Ce lieu n'indique ni horaires ni moyen de le joindre",
        );
        // La ligne nationale du référentiel lignes-nationales.toml.
        assert!(fiche.contains("Allô Service Public</strong> au <a href=\"tel:3939\">39 39</a>"));
        // La France services connue la plus proche, avec son téléphone.
        let i = position(
            &fiche,
            "la France services connue la plus proche : <a href=\"/lieux/charente/",
        );
        let suite = &fiche[i..];
        let fin = suite.find("</li>").unwrap();
        assert!(suite[..fin].contains("href=\"tel:+33"), "{}", &suite[..fin]);
        assert!(suite[..fin].contains(" km"), "{}", &suite[..fin]);
    }
);

deux_bases!(
    aide_resultats_lisibles_et_retour,
    |store: Store| async move {
        importer(&store).await;
        let app = app(&store);
        // Nom en capitales dans la source : lisible dans la liste et sur la fiche ; la source garde
        // sa valeur dans l'API et les données ouvertes.
        let (_, page) = get(&app, "/lieux?q=nercillac").await;
        assert!(page.contains(">Commune de Nercillac</a>"), "{page}");
        assert!(!page.contains("COMMUNE DE NERCILLAC"));
        let (_, api) = get(&app, "/api/v1/lieux?q=nercillac").await;
        assert!(api.contains("\"COMMUNE DE NERCILLAC\""), "{api}");
        let (_, csv) = get(&app, "/donnees/lieux.csv").await;
        assert!(csv.contains("COMMUNE DE NERCILLAC"));

        // Les liens des résultats portent l'adresse de la liste ; la fiche y ramène.
        let (_, page) = get(
            &app,
            "/lieux?q=anonymal&service=Loisirs%20et%20cr%C3%A9ations%20num%C3%A9riques",
        )
        .await;
        let lien = "/lieux/exemple/structure-1?retour=%2Flieux%3Fq%3Danonymal%26service%3DLoisirs%2Bet%2Bcr%25C3%25A9ations%2Bnum%25C3%25A9riques%26page%3D1";
        assert!(page.contains(&format!("href=\"{lien}\"")), "{page}");
        let (code, fiche) = get(&app, lien).await;
        assert_eq!(code, StatusCode::OK);
        assert!(fiche.contains(
        "<a class=\"fr-breadcrumb__link\" href=\"/lieux?q=anonymal&#38;service=Loisirs+et+cr%C3%A9ations+num%C3%A9riques&#38;page=1\">Votre recherche</a>"
    ), "{fiche}");
        // Depuis l'orientation : retour aux résultats de l'orientation.
        let (_, fiche) = get(
            &app,
            "/lieux/exemple/structure-1?retour=%2Forientation%3Flieu%3D16000%26etape%3D5",
        )
        .await;
        assert!(fiche.contains("href=\"/orientation?lieu=16000&#38;etape=5\">Vos résultats</a>"));
        // Une adresse de retour étrangère au site n'est pas suivie.
        for hostile in [
            "https%3A%2F%2Fexemple.invalid%2Flieux",
            "%2F%2Fexemple.invalid%2Flieux",
            "%2Fadministration%3Fx%3D1",
            "javascript%3Aalert(1)",
        ] {
            let (code, fiche) = get(
                &app,
                &format!("/lieux/exemple/structure-1?retour={hostile}"),
            )
            .await;
            assert_eq!(code, StatusCode::OK);
            assert!(!fiche.contains("Votre recherche") && !fiche.contains("exemple.invalid"));
            assert!(!fiche.contains("javascript:") && !fiche.contains("href=\"/administration?"));
        }

        // Doublons probables regroupés : une ligne par lieu, les autres fiches citées dessous.
        let (_, page) = get(&app, "/lieux?q=apej").await;
        assert!(
            page.contains("1 lieu(x) (2 fiche(s) en double regroupée(s))"),
            "{page}"
        );
        assert!(page.contains("Probablement le même lieu, publié 2 autres fois"));
        assert_eq!(page.matches("<article").count(), 1);
        let (_, api) = get(&app, "/api/v1/lieux?q=apej").await;
        let v: serde_json::Value = serde_json::from_str(&api).unwrap();
        assert_eq!(v["total"], 3, "l'API garde chaque fiche");
    }
);

deux_bases!(
    aide_recherche_vide_propose_d_elargir,
    |store: Store| async move {
        importer(&store).await;
        let app = app(&store);
        // Reims : aucun lieu à 30 km ; on propose 50 et 100 km, et de chercher sans commune.
        let (code, page) = get(&app, "/lieux?lieu=51100").await;
        assert_eq!(code, StatusCode::OK);
        assert!(page.contains("0 lieu(x)"));
        assert!(
            page.contains(
                "<a href=\"/lieux?lieu=51100&#38;rayon=50\">Chercher jusqu&#39;à 50 km</a>"
            ),
            "{page}"
        );
        assert!(page.contains(
            "<a href=\"/lieux?lieu=51100&#38;rayon=100\">Chercher jusqu&#39;à 100 km</a>"
        ));
        assert!(page.contains("<a href=\"/lieux\">Chercher partout, sans commune</a>"));
        // Un filtre de trop : le lien le retire, et la recherche retrouve le lieu.
        let (_, page) = get(&app, "/lieux?q=anonymal&jour=dimanche&heure=10:00").await;
        assert!(page.contains("0 lieu(x)"));
        assert!(
            page.contains("<a href=\"/lieux?q=anonymal\">Retirer le jour et l&#39;heure</a>"),
            "{page}"
        );
        assert!(page.contains("Retirer le nom « anonymal »"));
        let (_, page) = get(&app, "/lieux?q=anonymal").await;
        assert!(page.contains("1 lieu(x)"));
        // L'orientation sans résultat propose aussi d'élargir, en restant dans l'orientation.
        let s = "Aide%20aux%20d%C3%A9marches%20administratives";
        let (_, page) = get(
            &app,
            &format!("/orientation?etape=5&service={s}&lieu=87000"),
        )
        .await;
        assert!(page.contains("0 lieu(x) correspondent"), "{page}");
        assert!(page.contains(
            "<a href=\"/orientation?service=Aide+aux+d%C3%A9marches+administratives&#38;lieu=87000&#38;rayon=50&#38;etape=5\">Chercher jusqu&#39;à 50 km</a>"
        ), "{page}");
        assert!(page.contains(
            "<a href=\"/orientation?lieu=87000&#38;etape=5\">Retirer « Aide aux démarches administratives »</a>"
        ));
        let (_, page) = get(
            &app,
            &format!("/orientation?etape=5&service={s}&lieu=87000&rayon=50"),
        )
        .await;
        assert!(!page.contains("0 lieu(x) correspondent") && !page.contains("id=\"elargir\""));
        // Une recherche qui trouve ne propose rien.
        assert!(!page.contains("id=\"elargir\""));
    }
);
