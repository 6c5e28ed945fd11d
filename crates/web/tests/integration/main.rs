//! Tests d'intégration du crate web, en un seul binaire (un module par sujet) : l'application en
//! processus, sur SQLite et sur PostgreSQL (`deux_bases!`). Outils partagés (application de test,
//! client à cookies, comptes, formulaires) : `commun`.

mod commun;

mod aide;
// Les pages d'aide en Markdown.
mod aide_pages;
mod architecture;
mod autorisations;
mod avis;
mod carte;
mod chartes;
mod comptes;
mod conditions;
mod demandeur;
mod donnees_personnelles;
mod donnees_territoire;
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
mod lieux_conflits;
mod lieux_doublons;
mod lieux_edition;
mod lieux_signalements;
mod lieux_structures;
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
mod themes;
mod versions_locales;
mod webhooks;
// Pages légales, cookies, plan du site, « Signaler un problème ».
mod accessibilite;
mod pages_legales;
