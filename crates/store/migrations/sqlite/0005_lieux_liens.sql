-- Dispositifs labellisés qu'un lieu déclare utiliser (lien lieu ↔ dispositif), et paires de
-- lieux examinées et reconnues distinctes (doublons probables écartés).
CREATE TABLE lieux_dispositifs (
    source TEXT NOT NULL,
    lieu_id TEXT NOT NULL,
    dispositif_id TEXT NOT NULL REFERENCES dispositifs (id),
    declare_par TEXT NOT NULL,
    declare_le TEXT NOT NULL,
    PRIMARY KEY (source, lieu_id, dispositif_id)
);
CREATE INDEX lieux_dispositifs_dispositif ON lieux_dispositifs (dispositif_id);

CREATE TABLE lieux_distincts (
    cle_a TEXT NOT NULL,
    cle_b TEXT NOT NULL,
    decide_par TEXT NOT NULL,
    decide_le TEXT NOT NULL,
    PRIMARY KEY (cle_a, cle_b)
);
