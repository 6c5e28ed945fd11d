//! Tests d'intégration du binaire `reperes`, en un seul binaire de test (un module par sujet) :
//! le programme lancé comme le ferait une personne, sur les deux bases.

mod cli;
mod hostile;
mod panne;
