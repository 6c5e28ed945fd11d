//! PROVISOIRE (en attendant la branche a2) : l'API d'écriture en flux du store, simulée au-dessus
//! de `Store::importer_lieux`. À supprimer à la fusion de a2.

use reperes_domain::lieux::Enregistrement;
use reperes_store::{Acteur, BilanImport, ErreurStore, Store};

pub struct ImportLieux<'a> {
    store: &'a Store,
    acteur: &'a Acteur,
    source: String,
    lieux: Vec<Enregistrement>,
}

impl ImportLieux<'_> {
    pub async fn ecrire(&mut self, lot: &[Enregistrement]) -> Result<(), ErreurStore> {
        self.lieux.extend_from_slice(lot);
        Ok(())
    }
    pub fn ecrits(&self) -> usize {
        self.lieux.len()
    }
    pub async fn terminer(self) -> Result<BilanImport, ErreurStore> {
        self.store
            .importer_lieux(self.acteur, &self.source, &self.lieux, &|_, _| {})
            .await
    }
}

pub trait CommencerImport {
    fn commencer_import_lieux<'a>(
        &'a self,
        acteur: &'a Acteur,
        source: &str,
    ) -> impl std::future::Future<Output = Result<ImportLieux<'a>, ErreurStore>> + Send;
}

impl CommencerImport for Store {
    async fn commencer_import_lieux<'a>(
        &'a self,
        acteur: &'a Acteur,
        source: &str,
    ) -> Result<ImportLieux<'a>, ErreurStore> {
        Ok(ImportLieux {
            store: self,
            acteur,
            source: source.to_string(),
            lieux: Vec::new(),
        })
    }
}
