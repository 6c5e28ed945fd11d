-- Doublons fusionnés (issue 16) : le lieu absorbé (masqué, `lieux.masque = 'fusionne'`) garde sa
-- ligne, que les réimports de sa source mettent à jour ; cette table d'alias mène de son
-- identifiant (source, id) au lieu gardé. `donnees_source` : les données du lieu absorbé
-- telles que reportées la dernière fois (à la fusion, puis à chaque réimport) : un réimport
-- reporte sur le lieu gardé les champs qui ont changé depuis. `champs_choisis` : liste JSON des
-- champs dont la valeur a été choisie à la fusion (jamais écrasés par un report).
CREATE TABLE lieux_alias (
    source TEXT NOT NULL,
    lieu_id TEXT NOT NULL,
    garde_source TEXT NOT NULL,
    garde_id TEXT NOT NULL,
    fusionne_par TEXT NOT NULL,
    fusionne_le TEXT NOT NULL,
    donnees_source TEXT NOT NULL,
    champs_choisis TEXT NOT NULL,
    PRIMARY KEY (source, lieu_id)
);
CREATE INDEX lieux_alias_garde ON lieux_alias (garde_source, garde_id);
