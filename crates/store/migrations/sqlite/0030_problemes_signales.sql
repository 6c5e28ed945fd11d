-- « Signaler un problème » (issue 18) : une personne, sans compte, signale un problème
-- d'accessibilité, une erreur, un contenu inexact… (`sujet` : identifiant de
-- contenus/signaler-un-probleme.toml ; `page` : chemin local concerné, facultatif). Les
-- administrateurs le marquent traité (`statut` : 'a_traiter', 'traite'). `email` : adresse
-- facultative pour la réponse, effacée quand le signalement est marqué traité (minimisation).
-- Aucune adresse réseau n'est gardée ici (la limitation de débit a ses propres compteurs).
-- Doit rester identique, colonne pour colonne, à l'autre base.
CREATE TABLE problemes_signales (
    id TEXT PRIMARY KEY NOT NULL,
    sujet TEXT NOT NULL,
    page TEXT,
    message TEXT NOT NULL,
    email TEXT,
    statut TEXT NOT NULL,
    cree_le TEXT NOT NULL,
    traite_par TEXT,
    traite_le TEXT
);
CREATE INDEX problemes_signales_statut ON problemes_signales (statut, cree_le);
