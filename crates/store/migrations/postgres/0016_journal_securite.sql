-- Journal de sécurité (séparé du journal d'audit métier) et scellement du journal d'audit par
-- une clé gardée hors de la base (HMAC-SHA256).

-- MAC de chaque entrée et de la tête : NULL pour les entrées écrites avant la clé.
ALTER TABLE audit ADD COLUMN mac TEXT;
ALTER TABLE audit_tete ADD COLUMN mac TEXT;

-- Événements de sécurité : connexions, refus, changements de compte, exports…
-- Conservés selon REPERES_JOURNAL_SECURITE_JOURS (purge au démarrage et périodique).
CREATE TABLE journal_securite (
    id TEXT PRIMARY KEY NOT NULL,
    horodatage TEXT NOT NULL,
    evenement TEXT NOT NULL,
    compte TEXT,
    ip TEXT,
    user_agent TEXT,
    details TEXT
);
CREATE INDEX journal_securite_horodatage ON journal_securite (horodatage);
CREATE INDEX journal_securite_evenement ON journal_securite (evenement, horodatage);
CREATE INDEX journal_securite_compte ON journal_securite (compte, horodatage);
