-- Partenaires associés à la démarche d'un dossier (charte : démarche partenariale), en JSON :
-- [{"nom": …, "role": …}].
ALTER TABLE dossiers ADD COLUMN partenaires TEXT NOT NULL DEFAULT '[]';
