-- Instruction : date à laquelle le porteur a répondu à la dernière demande de complément (dépôt
-- depuis l'état « complément demandé »). La file d'instruction signale « complément reçu ».
ALTER TABLE dossiers ADD COLUMN complement_recu_le TEXT;
