-- Schéma initial (PostgreSQL). Doit rester identique, colonne pour colonne, à
-- ../sqlite/0001_fondation.sql : un test le vérifie.
-- Horodatages : texte RFC 3339 UTC (AAAA-MM-JJTHH:MM:SS.ffffffZ), dates : AAAA-MM-JJ.

CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    nom TEXT NOT NULL,
    type_organisation TEXT NOT NULL,
    siret TEXT,
    rna TEXT,
    voie TEXT NOT NULL,
    code_postal TEXT NOT NULL,
    commune TEXT NOT NULL,
    cree_le TEXT NOT NULL
);

CREATE TABLE dispositifs (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    nom TEXT NOT NULL,
    type_dispositif TEXT NOT NULL,
    description TEXT NOT NULL,
    site TEXT,
    cree_le TEXT NOT NULL
);
CREATE INDEX dispositifs_organisation ON dispositifs (organisation_id);

CREATE TABLE dossiers (
    id TEXT PRIMARY KEY NOT NULL,
    referentiel_id TEXT NOT NULL,
    referentiel_version TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    dispositif_id TEXT NOT NULL REFERENCES dispositifs (id),
    type_demandeur TEXT NOT NULL,
    type_dispositif TEXT NOT NULL,
    niveau_vise BIGINT NOT NULL,
    etat TEXT NOT NULL,
    declarations TEXT NOT NULL,
    engagements TEXT NOT NULL,
    complement_motif TEXT,
    complement_echeance TEXT,
    accompagnement TEXT,
    niveau_accorde BIGINT,
    fin_validite TEXT,
    depose_le TEXT,
    decision_action TEXT,
    decision_motivation TEXT,
    decision_le TEXT,
    renouvellement_de TEXT REFERENCES dossiers (id),
    cree_le TEXT NOT NULL,
    modifie_le TEXT NOT NULL
);
CREATE INDEX dossiers_etat ON dossiers (etat);
CREATE INDEX dossiers_organisation ON dossiers (organisation_id);
CREATE INDEX dossiers_dispositif ON dossiers (dispositif_id);

CREATE TABLE dossier_criteres (
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    critere_id TEXT NOT NULL,
    texte TEXT NOT NULL,
    liens TEXT NOT NULL,
    fichiers TEXT NOT NULL,
    niveau_auto BIGINT,
    apprecie BIGINT NOT NULL,
    appreciation_niveau BIGINT,
    appreciation_commentaire TEXT,
    PRIMARY KEY (dossier_id, critere_id)
);

CREATE TABLE audit (
    seq BIGINT PRIMARY KEY NOT NULL,
    horodatage TEXT NOT NULL,
    acteur TEXT NOT NULL,
    action TEXT NOT NULL,
    objet_type TEXT NOT NULL,
    objet_id TEXT NOT NULL,
    avant TEXT,
    apres TEXT,
    motif TEXT,
    hash_precedent TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_objet ON audit (objet_type, objet_id);

-- Tête de la chaîne : dernière entrée écrite. Sa mise à jour en début de transaction sérialise
-- les écritures du journal (verrou de ligne sous PostgreSQL, verrou d'écriture sous SQLite).
CREATE TABLE audit_tete (
    id BIGINT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_tete (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
