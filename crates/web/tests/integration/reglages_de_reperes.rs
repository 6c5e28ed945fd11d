//! Réglages de Repères (issue 15) : la page publique d'un référentiel marque « Réglage de
//! Repères » les réglages que les textes ne fixent pas (rappels, délai d'instruction, preuves
//! exigées et licences admises d'un critère, justification d'une déclaration), avec leur motif ;
//! la description de l'approbation des méthodes dit son origine officielle. Sur les deux bases.

use axum::http::StatusCode;
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

/// La section d'un critère de la page (de son titre à la fin de sa section).
fn section<'a>(p: &'a str, critere: &str) -> &'a str {
    let debut = p
        .find(&format!("id=\"critere-{critere}\""))
        .unwrap_or_else(|| panic!("critère {critere} absent"));
    let fin = p[debut..].find("</section>").unwrap() + debut;
    &p[debut..fin]
}

deux_bases!(
    page_du_referentiel_reglages_de_reperes_marques,
    |store: Store| async move {
        let app = app(&store);
        let r = get(&app, "/referentiels/nec-2021/2021.1").await;
        assert_eq!(r.code, StatusCode::OK);
        let p = &r.corps;
        assert!(p.contains("<h2>Réglages de Repères</h2>"));
        for attendu in [
            "Rappels de fin de validité : 90 et 30 jours avant la fin (Réglage de Repères — L'arrêté ne prévoit pas de rappel : réglage de Repères (OUVERT).)",
            "Délai d'instruction : 60 jours (Réglage de Repères — L'arrêté ne fixe pas de délai d'instruction",
            // La déclaration reformulée est une interprétation, et sa justification un réglage.
            "Déclaration : Le dispositif concourt à des objectifs d'inclusion numérique et à des missions d'intérêt général. (origine : Interprétation de Repères — Libellé reformulé par Repères à partir de l'annexe, II, 2.A",
            "Justification demandée, 40 caractères au moins (Réglage de Repères — L'arrêté ne dit pas comment établir l'intérêt général",
            "Partenaire nommé, retour décrit et lien de preuve demandés (Réglage de Repères",
        ] {
            assert!(p.contains(&html(attendu)), "absent de la page : {attendu}");
        }
        // Le critère « Ouverture » : la licence exigée au dépôt et la liste admise, marquées.
        let ouverture = section(p, "ouverture");
        assert!(ouverture.contains("Ouverture"), "{ouverture}");
        for attendu in [
            "Preuves exigées au dépôt : licence ; licences admises : etalab-2.0, ODbL-1.0, Apache-2.0",
            "(Réglage de Repères — Pièces vérifiées à la complétude et liste des licences admises : choix de Repères (OUVERT).)",
        ] {
            assert!(
                ouverture.contains(&html(attendu)),
                "absent du critère Ouverture : {attendu}\n{ouverture}"
            );
        }
        // Un critère qui n'exige rien au dépôt ne montre ni licence ni réglage.
        let accessibilite = section(p, "accessibilite");
        assert!(
            !accessibilite.contains("licences admises"),
            "{accessibilite}"
        );
        assert!(
            !accessibilite.contains("Réglage de Repères"),
            "{accessibilite}"
        );

        // La charte : les licences des livrables sont un réglage de Repères.
        let r = get(&app, "/referentiels/charte-territoire-actions/2020.1").await;
        assert_eq!(r.code, StatusCode::OK);
        assert!(r
            .corps
            .contains(&html("Licences admises pour les livrables : etalab-2.0")));
        assert!(r.corps.contains(&html(
            "(Réglage de Repères — Article 4 : « d'autres licences ouvertes adaptées »"
        )));

        // L'approbation des méthodes : description citée mot pour mot, critère interprété.
        let r = get(&app, "/referentiels/approbation-methodes-2019/2019.1").await;
        assert_eq!(r.code, StatusCode::OK);
        let p = &r.corps;
        for attendu in [
            "<p>L'Agence du numérique instruit les demandes d'approbation des méthodes et de labellisation des projets. Elle garantit le bon fonctionnement du label.</p>",
            "Origine : Texte officiel, cité mot pour mot — Arrêté du 26 mars 2019, annexe, I, 1.D « Gouvernance du label »",
            "Origine : Interprétation de Repères — L'arrêté annonce des « règles encadrant l'approbation des méthodes »",
            "Origine de la durée de validité : Interprétation de Repères",
        ] {
            let a = html(attendu)
                .replace("&#60;p&#62;", "<p>")
                .replace("&#60;/p&#62;", "</p>");
            assert!(p.contains(&a), "absent de la page : {attendu}");
        }
    }
);
