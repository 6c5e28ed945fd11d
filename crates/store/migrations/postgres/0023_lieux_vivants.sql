-- Lieux vivants (issue 16) : les lieux changent dans Repères (structure qui les tient,
-- signalements acceptés, restaurations, fusions), chaque changement est une version.
--
-- `version` : numéro de la version courante (verrou optimiste : une modification dit quelle
-- version elle a lue, la seconde de deux modifications concurrentes est refusée).
-- `masque` : NULL pour un lieu publié ; `ferme` (fermé définitivement), `fusionne` (fusionné dans
-- un autre) : le lieu reste en base avec son historique, hors recherche et hors données ouvertes.
ALTER TABLE lieux ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE lieux ADD COLUMN masque TEXT;

-- Historique : une ligne par version ; `changements` est la liste JSON des champs changés
-- ({champ, avant, apres}), vide pour une création. `auteur` : l'acteur tel qu'écrit au journal.
CREATE TABLE lieux_historique (
    source TEXT NOT NULL,
    lieu_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    cree_le TEXT NOT NULL,
    origine TEXT NOT NULL,
    origine_detail TEXT,
    auteur TEXT NOT NULL,
    organisation_id TEXT,
    creation BIGINT NOT NULL,
    changements TEXT NOT NULL,
    PRIMARY KEY (source, lieu_id, version)
);

-- Champs tenus dans Repères : posés par une autre origine que l'import de la source. Une
-- réimportation ne les écrase pas sans le dire. `valeur_source_ecartee` : la valeur de la
-- source écartée au profit de celle-ci lors d'un conflit (la même valeur ne relance pas de
-- conflit).
CREATE TABLE lieux_champs_locaux (
    source TEXT NOT NULL,
    lieu_id TEXT NOT NULL,
    champ TEXT NOT NULL,
    valeur TEXT,
    modifie_le TEXT NOT NULL,
    version BIGINT NOT NULL,
    valeur_source_ecartee TEXT,
    PRIMARY KEY (source, lieu_id, champ)
);

-- Structures qui tiennent les lieux : revendications (demandée, acceptée, refusée). Un lieu a
-- au plus une revendication acceptée.
CREATE TABLE lieux_structures (
    source TEXT NOT NULL,
    lieu_id TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    statut TEXT NOT NULL,
    automatique BIGINT NOT NULL,
    demande_par TEXT NOT NULL,
    demande_le TEXT NOT NULL,
    decide_par TEXT,
    decide_le TEXT,
    motif TEXT,
    PRIMARY KEY (source, lieu_id, organisation_id)
);
CREATE INDEX lieux_structures_organisation ON lieux_structures (organisation_id, statut);
CREATE INDEX lieux_structures_statut ON lieux_structures (statut, demande_le);
