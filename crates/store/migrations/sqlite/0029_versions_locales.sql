-- Versions locales de la carte (issue 17) : une collectivité, une association ou un hub publie la
-- carte des lieux de son territoire sous `/t/{slug}/…`. `perimetre` : territoires écrits
-- `niveau:code` séparés par des virgules (relus par `Perimetre::lire`) ; `origines` : origines
-- autorisées à l'intégrer dans une iframe, une par ligne ; `logo` : image contrôlée à l'envoi
-- (PNG, JPEG ou WebP), en base64, avec son type MIME (pas de fichier à partager entre instances).
-- `active` : 0 = désactivée (ses adresses répondent 404).
CREATE TABLE versions_locales (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    nom TEXT NOT NULL,
    perimetre TEXT NOT NULL,
    couleur TEXT,
    theme TEXT NOT NULL,
    origines TEXT NOT NULL,
    logo TEXT,
    logo_type TEXT,
    active INTEGER NOT NULL,
    cree_le TEXT NOT NULL,
    modifie_le TEXT NOT NULL
);
