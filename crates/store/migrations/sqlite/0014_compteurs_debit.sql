-- Limitation de débit atomique (issue 13, constats 3 et 6). Un compteur par clé (adresse
-- réseau, compte + adresse, organisation…), mis à jour en UNE requête
-- « INSERT … ON CONFLICT … DO UPDATE … RETURNING » : une rafale de tentatives parallèles n'en
-- laisse passer que le maximum. Remplace la table `tentatives` (compter puis insérer, non
-- atomique). Doit rester identique, colonne pour colonne, à l'autre base.
DROP TABLE tentatives;

CREATE TABLE compteurs_debit (
    cle TEXT PRIMARY KEY NOT NULL,
    -- Début de la fenêtre en cours (la première tentative de la fenêtre).
    debut TEXT NOT NULL,
    -- Tentatives de la fenêtre en cours (depuis la fin du dernier blocage).
    nombre INTEGER NOT NULL,
    -- Blocages déjà subis (délai progressif : chacun plus long que le précédent).
    blocages INTEGER NOT NULL,
    -- Refus jusqu'à cette heure (délai progressif), sinon NULL.
    bloque_jusqu_au TEXT
);
CREATE INDEX compteurs_debit_debut ON compteurs_debit (debut);
