-- Comptes, sessions, jetons, courriels, fichiers, échanges d'instruction (SQLite).
-- Doit rester identique, colonne pour colonne, à ../postgres/0002_comptes_et_instruction.sql.

CREATE TABLE utilisateurs (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    nom TEXT NOT NULL,
    role TEXT NOT NULL,
    hash_mot_de_passe TEXT,
    email_verifie_le TEXT,
    actif INTEGER NOT NULL,
    cree_le TEXT NOT NULL
);

CREATE TABLE membres (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    utilisateur_id TEXT NOT NULL REFERENCES utilisateurs (id),
    cree_le TEXT NOT NULL,
    PRIMARY KEY (organisation_id, utilisateur_id)
);
CREATE INDEX membres_utilisateur ON membres (utilisateur_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    utilisateur_id TEXT REFERENCES utilisateurs (id),
    csrf TEXT NOT NULL,
    cree_le TEXT NOT NULL,
    expire_le TEXT NOT NULL
);
CREATE INDEX sessions_utilisateur ON sessions (utilisateur_id);

-- Jetons à usage unique envoyés par courriel : vérification d'adresse, réinitialisation du mot
-- de passe, invitation (dans une organisation, ou comme instructeur).
CREATE TABLE jetons (
    hash TEXT PRIMARY KEY NOT NULL,
    nature TEXT NOT NULL,
    email TEXT NOT NULL,
    organisation_id TEXT,
    role TEXT,
    expire_le TEXT NOT NULL,
    utilise_le TEXT,
    cree_le TEXT NOT NULL
);

-- Tentatives de connexion ou de réinitialisation, pour limiter le débit (par IP et par compte).
CREATE TABLE tentatives (
    id INTEGER PRIMARY KEY NOT NULL,
    cle TEXT NOT NULL,
    le TEXT NOT NULL
);
CREATE INDEX tentatives_cle ON tentatives (cle, le);

-- Courriels à envoyer : rien n'est perdu si le serveur SMTP est indisponible.
CREATE TABLE courriels (
    id TEXT PRIMARY KEY NOT NULL,
    destinataire TEXT NOT NULL,
    sujet TEXT NOT NULL,
    corps TEXT NOT NULL,
    essais INTEGER NOT NULL,
    prochain_essai_le TEXT NOT NULL,
    envoye_le TEXT,
    derniere_erreur TEXT,
    cree_le TEXT NOT NULL
);
CREATE INDEX courriels_a_envoyer ON courriels (envoye_le, prochain_essai_le);

CREATE TABLE fichiers (
    id TEXT PRIMARY KEY NOT NULL,
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    nom TEXT NOT NULL,
    type_mime TEXT NOT NULL,
    taille INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    cle_stockage TEXT NOT NULL,
    depose_par TEXT NOT NULL,
    cree_le TEXT NOT NULL
);
CREATE INDEX fichiers_dossier ON fichiers (dossier_id);

CREATE TABLE messages (
    id TEXT PRIMARY KEY NOT NULL,
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    auteur_id TEXT NOT NULL REFERENCES utilisateurs (id),
    corps TEXT NOT NULL,
    fichiers TEXT NOT NULL,
    prive INTEGER NOT NULL,
    cree_le TEXT NOT NULL
);
CREATE INDEX messages_dossier ON messages (dossier_id, cree_le);

CREATE TABLE compteurs (
    nom TEXT PRIMARY KEY NOT NULL,
    valeur INTEGER NOT NULL
);

ALTER TABLE dossiers ADD COLUMN numero TEXT;
ALTER TABLE dossiers ADD COLUMN instructeur_id TEXT REFERENCES utilisateurs (id);
ALTER TABLE dossiers ADD COLUMN plan_accompagnement TEXT;
