-- Conditions vérifiées (issue 15) : licence choisie dans la liste admise et lien vers le matériel
-- publié, par critère ; justification des déclarations (JSON : {"id": "texte"}) ; retour
-- d'expérience de terrain avec un partenaire local (JSON, ou NULL).
ALTER TABLE dossier_criteres ADD COLUMN licence TEXT;
ALTER TABLE dossier_criteres ADD COLUMN materiel TEXT;
ALTER TABLE dossiers ADD COLUMN justifications TEXT NOT NULL DEFAULT '{}';
ALTER TABLE dossiers ADD COLUMN retour_terrain TEXT;
