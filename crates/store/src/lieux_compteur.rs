//! Version de la table des lieux (ligne unique `lieux_version`, migration 0019), incrémentée dans
//! la transaction de chaque écriture sur les lieux. Module feuille : l'import (`lieux`), les
//! versions d'un lieu (`lieux_versions`) et les fusions (`lieux_fusions`) s'en servent sans
//! dépendre les uns des autres en boucle.

use sqlx::AnyConnection;

use crate::ErreurStore;

/// Incrémente la version des lieux, dans la transaction de l'écriture.
pub(crate) async fn incrementer_version(
    conn: &mut AnyConnection,
    crees: i64,
    dernier_import: Option<&str>,
) -> Result<(), ErreurStore> {
    sqlx::query(
        "UPDATE lieux_version SET version = version + 1, nombre = nombre + $1, \
         dernier_import = COALESCE($2, dernier_import) WHERE id = 1",
    )
    .bind(crees)
    .bind(dernier_import)
    .execute(conn)
    .await?;
    Ok(())
}
