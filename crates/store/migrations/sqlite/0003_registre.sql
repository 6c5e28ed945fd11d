-- Registre public : date de labellisation, attestations, abonnements (webhooks) et livraisons.
ALTER TABLE dossiers ADD COLUMN labellise_le TEXT;

CREATE TABLE attestations (
    id TEXT PRIMARY KEY NOT NULL,
    dossier_id TEXT NOT NULL REFERENCES dossiers (id),
    cle_stockage TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    cree_le TEXT NOT NULL
);
CREATE INDEX attestations_dossier ON attestations (dossier_id);

CREATE TABLE abonnements (
    id TEXT PRIMARY KEY NOT NULL,
    proprietaire_id TEXT NOT NULL REFERENCES utilisateurs (id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    actif INTEGER NOT NULL,
    cree_le TEXT NOT NULL
);

CREATE TABLE livraisons (
    id TEXT PRIMARY KEY NOT NULL,
    abonnement_id TEXT NOT NULL REFERENCES abonnements (id),
    evenement TEXT NOT NULL,
    corps TEXT NOT NULL,
    essais INTEGER NOT NULL,
    prochain_essai_le TEXT NOT NULL,
    livre_le TEXT,
    dernier_statut INTEGER,
    derniere_erreur TEXT,
    cree_le TEXT NOT NULL
);
CREATE INDEX livraisons_a_faire ON livraisons (livre_le, prochain_essai_le);
