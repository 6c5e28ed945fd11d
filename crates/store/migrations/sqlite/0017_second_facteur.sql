-- Second facteur (TOTP, RFC 6238) et codes de secours ; connexion en attente du code ;
-- exigence du second facteur pour les agents (réglage de l'administration).
-- Doit rester identique, colonne pour colonne, à l'autre backend.

-- Un secret par compte. actif = 0 : activation commencée, pas encore confirmée par un code.
-- dernier_pas : le dernier pas de temps (unix / 30) accepté, contre le rejeu d'un code.
-- sel : sel des empreintes des codes de secours du compte.
CREATE TABLE second_facteur (
    utilisateur_id TEXT PRIMARY KEY NOT NULL REFERENCES utilisateurs (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    actif INTEGER NOT NULL,
    dernier_pas INTEGER NOT NULL,
    sel TEXT NOT NULL,
    cree_le TEXT NOT NULL,
    active_le TEXT
);

-- Codes de secours à usage unique : seule l'empreinte SHA-256 (salée) est gardée.
CREATE TABLE codes_secours (
    utilisateur_id TEXT NOT NULL REFERENCES utilisateurs (id) ON DELETE CASCADE,
    empreinte TEXT NOT NULL,
    utilise_le TEXT,
    PRIMARY KEY (utilisateur_id, empreinte)
);

-- Mot de passe juste, code à saisir : la session (anonyme) qui attend le code, et le compte.
CREATE TABLE connexions_en_attente (
    session_id_hash TEXT PRIMARY KEY NOT NULL,
    utilisateur_id TEXT NOT NULL REFERENCES utilisateurs (id) ON DELETE CASCADE,
    suite TEXT,
    expire_le TEXT NOT NULL
);

-- Réglage de l'administration : second facteur exigé de tous les agents (une seule ligne).
CREATE TABLE exigence_second_facteur (
    id INTEGER PRIMARY KEY NOT NULL,
    agents INTEGER NOT NULL,
    modifie_le TEXT
);
INSERT INTO exigence_second_facteur (id, agents) VALUES (1, 0);
