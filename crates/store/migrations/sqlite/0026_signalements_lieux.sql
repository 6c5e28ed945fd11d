-- Signalements et propositions du public (issue 16, partie « signalements ») : une personne sans
-- compte signale une erreur sur un lieu (`nature` = 'signalement', `source`/`lieu_id` renseignés,
-- `motif` du référentiel signalements-lieux.toml) ou propose un lieu manquant (`nature` =
-- 'proposition', `proposition` : l'enregistrement proposé, en JSON). La modération accepte ou
-- refuse (`statut` : 'en_attente', 'accepte', 'refuse' ; `motif_refus` obligatoire pour un refus).
-- `email` : adresse facultative pour être prévenu, effacée dès que le courriel de la décision est
-- mis en file (minimisation). Aucune adresse réseau n'est gardée ici.
CREATE TABLE lieux_signalements (
    id TEXT PRIMARY KEY NOT NULL,
    nature TEXT NOT NULL,
    source TEXT,
    lieu_id TEXT,
    motif TEXT,
    commentaire TEXT NOT NULL,
    valeur_proposee TEXT,
    proposition TEXT,
    email TEXT,
    statut TEXT NOT NULL,
    cree_le TEXT NOT NULL,
    decide_par TEXT,
    decide_le TEXT,
    motif_refus TEXT,
    version INTEGER
);
CREATE INDEX lieux_signalements_statut ON lieux_signalements (statut, cree_le);
CREATE INDEX lieux_signalements_lieu ON lieux_signalements (source, lieu_id);
