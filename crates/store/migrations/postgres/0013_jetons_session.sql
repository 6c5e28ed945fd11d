-- Lien de confirmation d'adresse ouvert dans le navigateur qui a fait l'inscription : le jeton
-- garde l'empreinte de la session (anonyme) qui l'a demandé ; ouvert dans cette même session, le
-- lien connecte la personne.
ALTER TABLE jetons ADD COLUMN session_id_hash TEXT;
