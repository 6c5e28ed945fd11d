-- Version de la table des lieux (issue 14) : une seule ligne, incrémentée dans la transaction de
-- chaque écriture sur `lieux`, `lieux_dispositifs` ou `lieux_distincts`. Lue en O(1) par
-- les index en mémoire pour savoir s'ils sont à jour (plus de COUNT(*) ni de MAX sur la table).
-- `nombre` : lieux en base ; `dernier_import` : horodatage du dernier import (le plus grand
-- `importe_le` jamais écrit : chaque import en prend un strictement plus grand).
CREATE TABLE lieux_version (
    id BIGINT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL,
    nombre BIGINT NOT NULL,
    dernier_import TEXT
);
INSERT INTO lieux_version (id, version, nombre, dernier_import)
SELECT 1, 0, COUNT(*), MAX(importe_le) FROM lieux;

-- Aucune requête ne cherche les lieux par code postal : cet index coûtait à chaque ligne écrite.
DROP INDEX lieux_code_postal;
