-- Valeurs des indicateurs territoriaux saisies par les territoires (référentiel
-- referentiels/indicateurs-ctin.toml). Une valeur par territoire, indicateur et année : une
-- nouvelle saisie remplace la précédente, qui reste dans le journal d'audit (avant/après).
-- La valeur est un nombre décimal normalisé écrit en texte (« 1250 », « 12.5 ») : exact, et
-- identique sur les deux bases. Doit rester identique, colonne pour colonne, à
-- ../postgres/0006_indicateurs.sql.
CREATE TABLE indicateurs_saisis (
    territoire_niveau TEXT NOT NULL,
    territoire_code TEXT NOT NULL,
    indicateur_id TEXT NOT NULL,
    annee INTEGER NOT NULL,
    valeur TEXT NOT NULL,
    source TEXT NOT NULL,
    date_source TEXT NOT NULL,
    saisi_par TEXT NOT NULL,
    saisi_le TEXT NOT NULL,
    PRIMARY KEY (territoire_niveau, territoire_code, indicateur_id, annee)
);
