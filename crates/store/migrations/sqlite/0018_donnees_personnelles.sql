-- Données personnelles (RGPD) : dernière connexion (comptes dormants), courriel de préavis avant
-- pseudonymisation, date de suppression ou de pseudonymisation d'un compte. Un compte supprimé
-- garde sa ligne (le journal d'audit le désigne par son identifiant) : adresse et nom y sont
-- remplacés par « Compte supprimé n° … ».
ALTER TABLE utilisateurs ADD COLUMN derniere_connexion_le TEXT;
ALTER TABLE utilisateurs ADD COLUMN dormant_prevenu_le TEXT;
ALTER TABLE utilisateurs ADD COLUMN supprime_le TEXT;
