//! Tests d'intégration du domaine, en un seul binaire (un module par sujet) : les vrais fichiers
//! de `referentiels/` et de `donnees/`, cas nommés et propriétés. Outils partagés : `commun`.

mod commun;

mod conditions;
mod cycle_de_vie;
mod echeances;
mod fidelite;
mod fuzz_regressions;
mod horaires;
mod indicateurs;
mod lieux;
mod lieux_carte;
mod lieux_flux;
mod lieux_grille_horaires;
mod organisations;
mod qui_decide;
mod referentiels;
mod regles;
