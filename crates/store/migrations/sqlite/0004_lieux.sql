-- Lieux de médiation numérique importés (schéma national). Un lieu est identifié par sa source
-- et son identifiant dans cette source : réimporter la même source met à jour sur place.
CREATE TABLE lieux (
    source TEXT NOT NULL,
    id TEXT NOT NULL,
    nom TEXT NOT NULL,
    commune TEXT NOT NULL,
    code_postal TEXT NOT NULL,
    latitude TEXT,
    longitude TEXT,
    date_maj TEXT NOT NULL,
    donnees TEXT NOT NULL,
    importe_le TEXT NOT NULL,
    PRIMARY KEY (source, id)
);
CREATE INDEX lieux_code_postal ON lieux (code_postal);
