-- Avis d'experts (issue 15) : un agent demande, par courriel, l'avis d'un expert extérieur sur un
-- dossier ; l'expert, par le lien reçu (empreinte du jeton ici : le lien cesse de marcher quand
-- la demande est annulée), répond une fois par un texte et des pièces jointes (fichiers du
-- dossier, identifiants en JSON). Relances : une ligne par relance envoyée (jamais deux fois).
CREATE TABLE avis (
    id TEXT PRIMARY KEY NOT NULL,
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    agent_id TEXT NOT NULL,
    expert_email TEXT NOT NULL,
    expert_id TEXT,
    jeton_hash TEXT NOT NULL UNIQUE,
    question TEXT NOT NULL,
    date_limite TEXT NOT NULL,
    confidentiel INTEGER NOT NULL,
    reponse TEXT,
    fichiers TEXT NOT NULL,
    cree_le TEXT NOT NULL,
    repondu_le TEXT,
    annule_le TEXT
);
CREATE INDEX avis_dossier ON avis (dossier_id, cree_le);
CREATE INDEX avis_expert ON avis (expert_email);

CREATE TABLE avis_relances (
    avis_id TEXT NOT NULL REFERENCES avis (id),
    jours_avant INTEGER NOT NULL,
    envoyee_le TEXT NOT NULL,
    PRIMARY KEY (avis_id, jours_avant)
);
