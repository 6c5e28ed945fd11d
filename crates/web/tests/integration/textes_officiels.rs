//! Textes officiels à la lettre (issue 15) : la page publique d'un référentiel montre le texte
//! officiel exact, la correction éditoriale à côté, l'origine de chaque élément (texte officiel,
//! transcription, interprétation de Repères) et les qualificatifs de la correspondance NIG ; la
//! page publique d'un dispositif labellisé montre aussi les qualificatifs. Sur les deux bases.

use axum::http::StatusCode;
use reperes_store::test_support::titulaire;
use reperes_store::{deux_bases, Store};

use crate::commun::{app, get_anonyme as get};

/// L'échappement d'askama, pour chercher un texte dans la page.
fn html(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('\'', "&#39;")
        .replace('"', "&#34;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
}

deux_bases!(
    page_du_referentiel_texte_officiel_correction_origines_qualificatifs,
    |store: Store| async move {
        let app = app(&store);
        let r = get(&app, "/referentiels/nec-2022/2022.1").await;
        assert_eq!(r.code, StatusCode::OK);
        let p = &r.corps;
        for attendu in [
            // Qualificatifs de la correspondance, tels que la page de l'ANCT les écrit.
            "1.1 Besoins réels (beaucoup plus large)",
            "3.2 Gouvernance compatible (plus juridique)",
            "1.3 En dessous des plafonds environnementaux (beaucoup plus large)",
            // Le texte officiel, erreur comprise, puis la correction marquée comme telle
            // (l'expression anglaise « Open Data » du texte : voir plus bas).
            "sous une licence de l'article D323-2-1 du code des relations entre le public et l'administration (CRPA).",
            // Origines.
            "Origine : Texte officiel, cité mot pour mot — Rapport d'activité Société Numérique 2017-2022",
            "Origine des exigences : Transcription d'une source non conservée — page du label ANCT, 2022, transcription",
            "Origine de la durée de validité : Interprétation de Repères — Le règlement ne fixe pas de durée de validité",
        ] {
            assert!(p.contains(&html(attendu)), "absent de la page : {attendu}");
        }
        // Le texte officiel du critère, mot pour mot (« Open Data » balisé en anglais, RGAA 8.7),
        // finit son paragraphe ; la correction suit, marquée.
        assert!(p.contains(
            "par principe dans un format ouvert et sous licence <span lang=\"en\">Open Data</span> (DD232-2-1 CRPA)</p>"
        ));
        assert!(p.contains("<strong>Correction éditoriale de Repères</strong>"));
        // Les deux engagements sans texte officiel derrière eux sont marqués.
        for engagement in [
            "Tenir à jour la fiche du dispositif labellisé.",
            "Afficher la mention « Numérique en Commun[s] » et les logos du label.",
        ] {
            let debut = p.find(&html(engagement)).expect(engagement);
            let suite = &p[debut..p[debut..].find("</li>").unwrap() + debut];
            assert!(
                suite.contains("Origine : Interprétation de Repères"),
                "{engagement} : {suite}"
            );
        }

        let r = get(&app, "/referentiels/nec-2021/2021.1").await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r.corps.contains(
            "par principe dans un format ouvert et sous une licence <span lang=\"en\">Open Data</span> (D232-2-1 CRPA)."
        ));
        for attendu in [
            "Déclaration : Pour être éligible, un dispositif doit présenter au moins un retour d'expérience de terrain avec un partenaire local (expérimentation, produit minimum viable, initiative locale…). (origine : Texte officiel, cité mot pour mot — Arrêté du 9 novembre 2021, annexe, II, 2.B",
            "Motif : L'arrêté écrit « D232-2-1 »",
        ] {
            assert!(r.corps.contains(&html(attendu)), "absent : {attendu}");
        }

        let r = get(&app, "/referentiels/charte-territoire-actions/2020.1").await;
        assert_eq!(r.code, StatusCode::OK);
        for (attendu, suite) in [
            ("(Agence du Numérique et DINSIC notamment dans le cadre du programme DCANT) ; aide à l'appropriation des sites de démonstration des opérateurs publics nationaux (par exemple : <https://impots.societenumerique.gouv.fr>)", "</p>"),
            ("intervenants en charge de l'accueil social et medico-social, bénévoles...).", "</p>"),
            ("Mettre en œuvre au moins deux des six dispositifs listés ci-dessus", "<br>"),
            ("Correction éditoriale de Repères", "</strong> : Mettre en œuvre au moins deux des six dispositifs de l&#39;article 2 de la charte."),
            ("Origine : Interprétation de Repères — Reformulation par Repères de l'article 4", ""),
        ] {
            assert!(
                r.corps.contains(&format!("{}{suite}", html(attendu))),
                "absent : {attendu}{suite}"
            );
        }
    }
);

deux_bases!(
    page_d_un_dispositif_labellise_qualificatifs_nig,
    |store: Store| async move {
        titulaire(
            &store,
            "1",
            "Médiathèque connectée",
            "numerique",
            "80000",
            "labellise",
        )
        .await;
        let app = app(&store);
        let r = get(&app, "/registre/dispositifs/x1").await;
        assert_eq!(r.code, StatusCode::OK);
        for attendu in [
            "NIG 1.1 1.1 Besoins réels (beaucoup plus large)",
            "NIG 1.1 3.2 Gouvernance compatible (plus juridique)",
            "NIG 1.1 5.2 Simplicité",
        ] {
            assert!(
                r.corps.contains(&format!("<li>{}</li>", html(attendu))),
                "absent : {attendu}"
            );
        }
    }
);
