//! Tests d'intégration du crate web, en un seul binaire (un module par sujet) : l'application en
//! processus, sur SQLite et sur PostgreSQL (`deux_bases!`). Outils partagés (application de test,
//! client à cookies, comptes, formulaires) : `commun`.

mod commun;

mod aide;
// Issue 18, partie « aide » : les pages d'aide en Markdown.
mod aide_pages;
mod architecture;
mod autorisations;
mod avis;
mod chartes;
mod comptes;
mod conditions;
mod demandeur;
mod donnees_personnelles;
mod envois;
mod erreurs;
mod formules_csv;
mod fuzz_regressions;
mod hostile;
mod http;
mod indicateurs;
mod instruction;
mod journal_securite;
mod lieux;
mod lieux_edition;
mod lieux_structures;
// Issue 16, partie « signalements ».
mod lieux_conflits;
mod lieux_doublons;
mod lieux_signalements;
mod natures;
mod parcours;
mod qui_decide;
mod rappels;
mod registre;
mod reglages_de_reperes;
mod second_facteur;
mod securite;
mod sessions;
mod smtp;
mod taches;
mod textes_officiels;
mod versions_locales;
mod webhooks;
// Issue 17, partie « carte ».
mod carte;
// Issue 17, partie « territoire ».
mod donnees_territoire;
// Issue 17, partie « neutre »
mod themes;
// Issue 18, partie « legal » : pages légales, cookies, plan du site, « Signaler un problème ».
mod pages_legales;
// Issue 18, partie « rgaa ».
mod accessibilite;
