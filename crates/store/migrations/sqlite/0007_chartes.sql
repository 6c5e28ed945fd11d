-- Charte « Territoire d'Actions » : rapports des territoires signataires et leurs pièces (SQLite).
-- Doit rester identique, colonne pour colonne, à ../postgres/0007_chartes.sql.

-- Un rapport publié par un territoire signataire (dossier de charte signé et contresigné) :
-- documentation de la démarche, impact, retours sur les outils, sous une licence de la liste de
-- l'article D323-2-1 du CRPA (identifiant SPDX). Publié dès son envoi.
CREATE TABLE rapports_charte (
    id TEXT PRIMARY KEY NOT NULL,
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    annee INTEGER NOT NULL,
    titre TEXT NOT NULL,
    demarche TEXT NOT NULL,
    impact TEXT NOT NULL,
    retours_outils TEXT NOT NULL,
    licence TEXT NOT NULL,
    auteur_id TEXT NOT NULL REFERENCES utilisateurs (id),
    publie_le TEXT NOT NULL
);
CREATE INDEX rapports_charte_dossier ON rapports_charte (dossier_id, publie_le);

-- Pièces jointes d'un rapport (fichiers du dossier, contrôlés et stockés comme les autres).
CREATE TABLE rapports_charte_fichiers (
    rapport_id TEXT NOT NULL REFERENCES rapports_charte (id),
    fichier_id TEXT NOT NULL REFERENCES fichiers (id),
    PRIMARY KEY (rapport_id, fichier_id)
);
CREATE INDEX rapports_charte_fichiers_fichier ON rapports_charte_fichiers (fichier_id);
