-- Fraîcheur des lieux (issue 16, partie « structures ») : confirmations explicites « rien n'a
-- changé » et rappels envoyés aux structures qui tiennent un lieu à vérifier.
--
-- Une confirmation ne change ni les données du lieu ni son `date_maj` (les données ouvertes
-- gardent la vraie date du dernier changement) : elle compte seulement pour la fraîcheur.
CREATE TABLE lieux_confirmations (
    source TEXT NOT NULL,
    lieu_id TEXT NOT NULL,
    confirme_le TEXT NOT NULL,
    par TEXT NOT NULL,
    organisation_id TEXT,
    PRIMARY KEY (source, lieu_id, confirme_le)
);

-- Rappels de fraîcheur : un par lieu et par période (la période est la date de la dernière
-- confirmation qui a rendu le lieu « à vérifier »), jamais deux (clé primaire). Le lien de
-- confirmation porte un jeton dont seule l'empreinte (SHA-256) est gardée ; il expire et ne
-- sert qu'une fois (`utilise_le`).
CREATE TABLE lieux_rappels_fraicheur (
    source TEXT NOT NULL,
    lieu_id TEXT NOT NULL,
    periode TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    envoye_le TEXT NOT NULL,
    jeton_empreinte TEXT NOT NULL UNIQUE,
    expire_le TEXT NOT NULL,
    utilise_le TEXT,
    PRIMARY KEY (source, lieu_id, periode)
);
