-- Plusieurs sources, un lieu (issue 16) : conflits en attente entre la valeur d'un champ tenu
-- dans Repères (`lieux_champs_locaux`) et celle qu'un réimport de la source apporte. Un conflit
-- est remplacé par le suivant sur le même champ ; il disparaît quand la structure ou un
-- administrateur choisit une valeur, ou quand la source apporte la valeur locale.
-- `importe_le` : l'horodatage de l'import qui l'a relevé.
CREATE TABLE lieux_conflits (
    source TEXT NOT NULL,
    lieu_id TEXT NOT NULL,
    champ TEXT NOT NULL,
    valeur_locale TEXT,
    valeur_importee TEXT,
    importe_le TEXT NOT NULL,
    PRIMARY KEY (source, lieu_id, champ)
);
