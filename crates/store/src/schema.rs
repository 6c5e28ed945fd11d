//! Le schéma obtenu par les migrations, lu dans le catalogue de chaque backend sous une forme
//! commune : colonnes, index, clés primaires et contraintes d'unicité, clés étrangères. Sert au
//! test qui vérifie que SQLite et PostgreSQL ont le même schéma (seulement avec la fonctionnalité
//! `test-support`).

use std::collections::BTreeMap;
use std::fmt;

use crate::{Backend, ErreurStore, Store};

/// Une colonne : type normalisé (`entier`, `texte`…), non nulle ou non.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Colonne {
    pub table: String,
    pub nom: String,
    pub type_: String,
    pub non_nulle: bool,
}

/// Un index déclaré par `CREATE [UNIQUE] INDEX` (ceux des contraintes sont dans [`Unicite`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Index {
    pub table: String,
    pub nom: String,
    pub colonnes: Vec<String>,
    pub unique: bool,
    /// Index partiel (avec une clause `WHERE`).
    pub partiel: bool,
}

/// Une clé primaire ou une contrainte `UNIQUE` (sans son nom, que chaque backend choisit).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unicite {
    pub table: String,
    pub cle_primaire: bool,
    pub colonnes: Vec<String>,
}

/// Une clé étrangère (sans son nom), avec ses actions en cas de suppression et de modification.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CleEtrangere {
    pub table: String,
    pub colonnes: Vec<String>,
    pub vers_table: String,
    pub vers_colonnes: Vec<String>,
    pub a_la_suppression: String,
    pub a_la_modification: String,
}

/// Le schéma d'une base, chaque liste triée.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    pub colonnes: Vec<Colonne>,
    pub index: Vec<Index>,
    pub unicites: Vec<Unicite>,
    pub cles_etrangeres: Vec<CleEtrangere>,
}

impl fmt::Display for Colonne {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nul = if self.non_nulle { " NOT NULL" } else { "" };
        write!(f, "colonne {}.{} {}{nul}", self.table, self.nom, self.type_)
    }
}

impl fmt::Display for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unique = if self.unique { "unique " } else { "" };
        let partiel = if self.partiel { " partiel" } else { "" };
        write!(
            f,
            "index {unique}{} sur {} ({}){partiel}",
            self.nom,
            self.table,
            self.colonnes.join(", ")
        )
    }
}

impl fmt::Display for Unicite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nature = if self.cle_primaire {
            "clé primaire"
        } else {
            "contrainte d'unicité"
        };
        write!(
            f,
            "{nature} de {} ({})",
            self.table,
            self.colonnes.join(", ")
        )
    }
}

impl fmt::Display for CleEtrangere {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "clé étrangère {} ({}) → {} ({}), ON DELETE {}, ON UPDATE {}",
            self.table,
            self.colonnes.join(", "),
            self.vers_table,
            self.vers_colonnes.join(", "),
            self.a_la_suppression,
            self.a_la_modification
        )
    }
}

/// Les éléments de `a` absents de `b`, décrits.
fn absents<T: PartialEq + fmt::Display>(a: &[T], b: &[T]) -> Vec<String> {
    a.iter()
        .filter(|x| !b.contains(x))
        .map(ToString::to_string)
        .collect()
}

impl Schema {
    /// Ce qui distingue ce schéma (`nom`) de l'autre (`autre_nom`), une ligne par différence :
    /// « SQLite seul : index … ». Vide si les deux sont identiques.
    pub fn differences(&self, nom: &str, autre: &Schema, autre_nom: &str) -> Vec<String> {
        let mut v = Vec::new();
        for (de, vers, seul) in [(self, autre, nom), (autre, self, autre_nom)] {
            let lignes = [
                absents(&de.colonnes, &vers.colonnes),
                absents(&de.index, &vers.index),
                absents(&de.unicites, &vers.unicites),
                absents(&de.cles_etrangeres, &vers.cles_etrangeres),
            ];
            v.extend(
                lignes
                    .into_iter()
                    .flatten()
                    .map(|l| format!("{seul} seul : {l}")),
            );
        }
        v
    }
}

/// Tables SQLite lues (`sqlite_master m`) : toutes, sauf celles du moteur et des migrations.
const TABLES_SQLITE: &str =
    "m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'";

/// Une colonne d'un index : (table, index, origine `c`/`u`/`pk`, unique, partiel, rang, colonne).
type LigneIndex = (String, String, String, i64, i64, i64, String);

/// Une colonne d'une clé étrangère : (table, clé, rang, colonne, table visée, colonne visée,
/// action à la modification, action à la suppression).
type LigneCle = (
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
);

/// Ce que chaque backend lit dans son catalogue : (table, colonne, type, non nulle), index, clés.
type Catalogue = (
    Vec<(String, String, String, i64)>,
    Vec<LigneIndex>,
    Vec<LigneCle>,
);

/// Action référentielle dans la forme SQL (`NO ACTION`, `CASCADE`…), quel que soit le backend.
fn action(code: &str) -> String {
    match code {
        "a" => "NO ACTION",
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        autre => return autre.to_uppercase(),
    }
    .to_string()
}

impl Store {
    /// Le schéma de la base, sous une forme commune aux deux backends.
    pub async fn schema(&self) -> Result<Schema, ErreurStore> {
        let (colonnes, index, cles) = match self.backend {
            Backend::Sqlite => self.catalogue_sqlite().await?,
            Backend::Postgres => self.catalogue_postgres().await?,
        };
        let mut s = Schema {
            colonnes: colonnes
                .into_iter()
                .map(|(table, nom, ty, non_nulle)| Colonne {
                    table,
                    nom,
                    type_: match ty.to_lowercase().as_str() {
                        "integer" | "bigint" => "entier".into(),
                        "text" => "texte".into(),
                        autre => autre.to_string(),
                    },
                    non_nulle: non_nulle > 0,
                })
                .collect(),
            ..Schema::default()
        };
        // (table, index, origine, unique, partiel) → colonnes et leur rang.
        let mut par_index: BTreeMap<_, Vec<(i64, String)>> = BTreeMap::new();
        for (table, nom, origine, unique, partiel, rang, colonne) in index {
            par_index
                .entry((table, nom, origine, unique != 0, partiel != 0))
                .or_default()
                .push((rang, colonne));
        }
        for ((table, nom, origine, unique, partiel), mut cols) in par_index {
            cols.sort();
            let colonnes = cols.into_iter().map(|(_, c)| c).collect();
            match origine.as_str() {
                "c" => s.index.push(Index {
                    table,
                    nom,
                    colonnes,
                    unique,
                    partiel,
                }),
                o => s.unicites.push(Unicite {
                    table,
                    cle_primaire: o == "pk",
                    colonnes,
                }),
            }
        }
        let cles_primaires: BTreeMap<String, Vec<String>> = s
            .unicites
            .iter()
            .filter(|u| u.cle_primaire)
            .map(|u| (u.table.clone(), u.colonnes.clone()))
            .collect();
        let mut par_cle: BTreeMap<(String, String), Vec<_>> = BTreeMap::new();
        for (table, cle, rang, de, vers_table, vers, maj, suppr) in cles {
            par_cle
                .entry((table, cle))
                .or_default()
                .push((rang, de, vers_table, vers, maj, suppr));
        }
        for ((table, _), mut cols) in par_cle {
            cols.sort();
            let (_, _, vers_table, _, maj, suppr) = cols[0].clone();
            // SQLite laisse la colonne visée vide quand la clé désigne la clé primaire.
            let pk = cles_primaires.get(&vers_table);
            s.cles_etrangeres.push(CleEtrangere {
                table,
                colonnes: cols.iter().map(|c| c.1.clone()).collect(),
                vers_colonnes: cols
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        c.3.clone()
                            .or_else(|| pk.and_then(|p| p.get(i).cloned()))
                            .unwrap_or_default()
                    })
                    .collect(),
                vers_table,
                a_la_suppression: action(&suppr),
                a_la_modification: action(&maj),
            });
        }
        s.colonnes.sort();
        s.index.sort();
        s.unicites.sort();
        s.cles_etrangeres.sort();
        Ok(s)
    }

    async fn catalogue_sqlite(&self) -> Result<Catalogue, ErreurStore> {
        let colonnes = sqlx::query_as(&format!(
            "SELECT m.name, p.name, p.type, p.\"notnull\" + p.pk \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE {TABLES_SQLITE}"
        ))
        .fetch_all(&self.pool)
        .await?;
        // Les index des contraintes UNIQUE ; la clé primaire est lue dans `pragma_table_info`,
        // car une clé `INTEGER PRIMARY KEY` (alias du rowid) n'a pas d'index.
        let mut index: Vec<LigneIndex> = sqlx::query_as(&format!(
            "SELECT m.name, il.name, il.origin, il.\"unique\", il.partial, ii.seqno, \
             COALESCE(ii.name, '<expression>') FROM sqlite_master m \
             JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii \
             WHERE il.origin <> 'pk' AND {TABLES_SQLITE}"
        ))
        .fetch_all(&self.pool)
        .await?;
        index.extend(
            sqlx::query_as::<_, LigneIndex>(&format!(
                "SELECT m.name, 'cle_primaire', 'pk', 1, 0, p.pk, p.name \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE p.pk > 0 AND {TABLES_SQLITE}"
            ))
            .fetch_all(&self.pool)
            .await?,
        );
        let cles = sqlx::query_as(&format!(
            "SELECT m.name, CAST(f.id AS TEXT), f.seq, f.\"from\", f.\"table\", f.\"to\", \
             f.on_update, f.on_delete \
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE {TABLES_SQLITE}"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok((colonnes, index, cles))
    }

    async fn catalogue_postgres(&self) -> Result<Catalogue, ErreurStore> {
        let colonnes = sqlx::query_as(
            "SELECT table_name::text, column_name::text, data_type::text, \
             CAST(CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS BIGINT) \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(&self.pool)
        .await?;
        let index = sqlx::query_as(
            "SELECT t.relname::text, i.relname::text, \
             COALESCE((SELECT CASE c.contype WHEN 'p' THEN 'pk' ELSE 'u' END FROM pg_constraint c \
               WHERE c.conindid = ix.indexrelid AND c.contype IN ('p', 'u') LIMIT 1), 'c'), \
             CAST(CASE WHEN ix.indisunique THEN 1 ELSE 0 END AS BIGINT), \
             CAST(CASE WHEN ix.indpred IS NULL THEN 0 ELSE 1 END AS BIGINT), \
             CAST(k.n AS BIGINT), COALESCE(a.attname::text, '<expression>') \
             FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
             JOIN pg_class t ON t.oid = ix.indrelid \
             JOIN pg_namespace ns ON ns.oid = t.relnamespace \
             CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
             LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
             WHERE ns.nspname = current_schema() AND t.relname <> '_sqlx_migrations' \
             AND k.n <= ix.indnkeyatts",
        )
        .fetch_all(&self.pool)
        .await?;
        let cles = sqlx::query_as(
            "SELECT t.relname::text, c.conname::text, CAST(k.n AS BIGINT), a.attname::text, \
             r.relname::text, ra.attname::text, c.confupdtype::text, c.confdeltype::text \
             FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
             JOIN pg_class r ON r.oid = c.confrelid \
             JOIN pg_namespace ns ON ns.oid = t.relnamespace \
             CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(de, vers, n) \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.de \
             JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.vers \
             WHERE c.contype = 'f' AND ns.nspname = current_schema()",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok((colonnes, index, cles))
    }
}
