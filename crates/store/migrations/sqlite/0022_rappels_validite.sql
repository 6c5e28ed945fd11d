-- Rappels de fin de validité envoyés aux titulaires d'un label ou d'une charte (issue 15) : une
-- ligne par dossier et par délai (jours avant la fin, réglage `rappels_jours` du référentiel),
-- écrite dans la transaction qui met le courriel en file. La clé primaire interdit le doublon,
-- même si la tâche tourne plusieurs fois par jour ou sur deux serveurs.
CREATE TABLE rappels_validite (
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    jours INTEGER NOT NULL,
    envoye_le TEXT NOT NULL,
    PRIMARY KEY (dossier_id, jours)
);
