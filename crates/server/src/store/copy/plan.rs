//! Which tables `copy` moves, with which columns, in which order, and what it fixes after.

use std::collections::{BTreeMap, BTreeSet};

use tokio_postgres::{Client, GenericClient};

use super::CopyError;
use crate::store::StoreError;

/// Tables of the PostgreSQL store that are not workspace data: its migrations, the log head
/// (set from the copied log afterwards) and the instances' live presence.
const TARGET_ONLY: &[&str] = &["schema_migrations", "log_head", "stream_presence"];
/// Tables filled by triggers from other tables; only their counts are checked.
pub const DERIVED: &[&str] = &["message_files"];
/// Tables the target store writes when it is first opened (its secret key check); they are
/// replaced by the source's rows.
const REPLACED: &[&str] = &["meta", "settings"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgType {
    BigInt,
    Int,
    SmallInt,
    Bool,
    Double,
    Text,
    Bytea,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub pg_type: PgType,
}

#[derive(Debug, Clone)]
pub struct TablePlan {
    pub name: String,
    pub columns: Vec<Column>,
    /// Identity columns, whose sequences continue after the copied ids.
    pub identities: Vec<String>,
}

impl TablePlan {
    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| format!("\"{}\"", c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn pg(e: tokio_postgres::Error) -> StoreError {
    StoreError::Backend(Box::new(e))
}

fn pg_type(data_type: &str) -> Option<PgType> {
    Some(match data_type {
        "bigint" => PgType::BigInt,
        "integer" => PgType::Int,
        "smallint" => PgType::SmallInt,
        "boolean" => PgType::Bool,
        "double precision" | "real" | "numeric" => PgType::Double,
        "text" | "character varying" => PgType::Text,
        "bytea" => PgType::Bytea,
        _ => return None,
    })
}

/// The columns of a SQLite table.
fn source_columns(sqlite: &rusqlite::Connection, table: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = sqlite.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let names = stmt.query_map([table], |r| r.get::<_, String>(0))?;
    Ok(names.collect::<Result<_, _>>()?)
}

pub fn source_has(sqlite: &rusqlite::Connection, table: &str) -> Result<bool, StoreError> {
    Ok(sqlite
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")?
        .exists([table])?)
}

/// The PostgreSQL store's workspace tables, parents before children, with the columns both
/// stores have.
pub async fn plan(
    sqlite: &rusqlite::Connection,
    client: &Client,
) -> Result<Vec<TablePlan>, CopyError> {
    let rows = client
        .query(
            "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text,
                    column_default IS NOT NULL OR is_identity = 'YES', is_identity = 'YES'
             FROM information_schema.columns
             WHERE table_schema = current_schema()
             ORDER BY table_name, ordinal_position",
            &[],
        )
        .await
        .map_err(pg)?;
    let mut tables: BTreeMap<String, TablePlan> = BTreeMap::new();
    let mut required: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        let (table, column, data_type): (String, String, String) =
            (row.get(0), row.get(1), row.get(2));
        let (nullable, has_default, identity): (String, bool, bool) =
            (row.get(3), row.get(4), row.get(5));
        if TARGET_ONLY.contains(&table.as_str()) || DERIVED.contains(&table.as_str()) {
            continue;
        }
        let plan = tables.entry(table.clone()).or_insert_with(|| TablePlan {
            name: table.clone(),
            columns: Vec::new(),
            identities: Vec::new(),
        });
        if identity {
            plan.identities.push(column.clone());
        }
        let pg_type = pg_type(&data_type).ok_or_else(|| {
            CopyError::Mismatch(format!(
                "{table}.{column} is of type {data_type}, which copy does not know"
            ))
        })?;
        plan.columns.push(Column {
            name: column.clone(),
            pg_type,
        });
        if nullable == "NO" && !has_default {
            required.entry(table).or_default().push(column);
        }
    }
    let mut plans = Vec::new();
    for (name, mut plan) in tables {
        if !source_has(sqlite, &name)? {
            // A table this version's SQLite store does not have would be empty there.
            continue;
        }
        let present: BTreeSet<String> = source_columns(sqlite, &name)?.into_iter().collect();
        if let Some(missing) = required
            .get(&name)
            .and_then(|cols| cols.iter().find(|c| !present.contains(*c)))
        {
            return Err(CopyError::Mismatch(format!(
                "the source's {name} has no {missing}, which the target requires"
            )));
        }
        plan.columns.retain(|c| present.contains(&c.name));
        plans.push(plan);
    }
    order_by_references(client, plans).await
}

/// Parents first, so that every foreign key finds its row.
async fn order_by_references(
    client: &Client,
    plans: Vec<TablePlan>,
) -> Result<Vec<TablePlan>, CopyError> {
    let rows = client
        .query(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
             WHERE contype = 'f' AND connamespace = current_schema()::regnamespace",
            &[],
        )
        .await
        .map_err(pg)?;
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in rows {
        let (child, parent): (String, String) = (row.get(0), row.get(1));
        if child != parent {
            parents
                .entry(child.trim_matches('"').to_owned())
                .or_default()
                .insert(parent.trim_matches('"').to_owned());
        }
    }
    let mut left = plans;
    let mut ordered: Vec<TablePlan> = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let placed: BTreeSet<String> = ordered.iter().map(|p| p.name.clone()).collect();
        let names: BTreeSet<String> = left.iter().map(|p| p.name.clone()).collect();
        let ready = left.iter().position(|p| {
            parents.get(&p.name).is_none_or(|ps| {
                ps.iter()
                    .all(|parent| placed.contains(parent) || !names.contains(parent))
            })
        });
        match ready {
            Some(i) => ordered.push(left.remove(i)),
            None => {
                return Err(CopyError::Mismatch(format!(
                    "the tables {names:?} refer to each other in a cycle"
                )));
            }
        }
    }
    Ok(ordered)
}

/// The first planned table of the target that holds rows (apart from what the store writes on
/// its first start), if any.
pub async fn first_non_empty(
    client: &Client,
    tables: &[TablePlan],
) -> Result<Option<String>, CopyError> {
    for table in tables {
        if REPLACED.contains(&table.name.as_str()) {
            continue;
        }
        let n = count_target(client, &table.name).await?;
        if n > 0 {
            return Ok(Some(format!("{} has {n} rows", table.name)));
        }
    }
    let meta: i64 = client
        .query_one(
            "SELECT count(*) FROM meta WHERE key <> 'secret_key_check'",
            &[],
        )
        .await
        .map_err(pg)?
        .get(0);
    Ok((meta > 0).then(|| format!("meta has {meta} entries")))
}

/// Tables of the source that are not copied (search indexes and the like).
pub fn source_only_tables(
    sqlite: &rusqlite::Connection,
    tables: &[TablePlan],
) -> Result<Vec<String>, StoreError> {
    let mut stmt = sqlite.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         ORDER BY name",
    )?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut skipped = Vec::new();
    for name in names {
        let name = name?;
        if !tables.iter().any(|t| t.name == name) && !DERIVED.contains(&name.as_str()) {
            skipped.push(name);
        }
    }
    Ok(skipped)
}

pub fn count_source(sqlite: &rusqlite::Connection, table: &str) -> Result<u64, StoreError> {
    let n: i64 = sqlite.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
        r.get(0)
    })?;
    Ok(u64::try_from(n).unwrap_or(0))
}

pub async fn count_target(client: &impl GenericClient, table: &str) -> Result<u64, CopyError> {
    let n: i64 = client
        .query_one(&format!("SELECT count(*) FROM \"{table}\""), &[])
        .await
        .map_err(pg)?
        .get(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Empties what the target's first start wrote in the tables the source replaces.
pub async fn before_copy(
    target: &tokio_postgres::Transaction<'_>,
    tables: &[TablePlan],
) -> Result<(), CopyError> {
    for table in tables
        .iter()
        .filter(|t| REPLACED.contains(&t.name.as_str()))
    {
        target
            .execute(&format!("DELETE FROM \"{}\"", table.name), &[])
            .await
            .map_err(pg)?;
    }
    Ok(())
}

/// Identity sequences continue after the copied ids; the log head continues after the copied
/// log (or its pruned floor); no copied job is leased to an instance.
pub async fn after_copy(
    target: &tokio_postgres::Transaction<'_>,
    tables: &[TablePlan],
    sqlite: &rusqlite::Connection,
) -> Result<(), CopyError> {
    for table in tables {
        for column in &table.identities {
            target
                .execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('\"{t}\"', '{column}'),
                                       COALESCE(MAX(\"{column}\"), 0) + 1, false)
                         FROM \"{t}\"",
                        t = table.name
                    ),
                    &[],
                )
                .await
                .map_err(pg)?;
        }
    }
    let last: i64 = sqlite
        .query_row(
            "SELECT MAX(COALESCE((SELECT MAX(seq) FROM events), 0),
                        COALESCE((SELECT CAST(value AS INTEGER) FROM meta
                                  WHERE key = 'event_log_floor'), 0))",
            [],
            |r| r.get(0),
        )
        .map_err(StoreError::from)?;
    target
        .execute("UPDATE log_head SET seq = GREATEST(seq, $1)", &[&last])
        .await
        .map_err(pg)?;
    if tables.iter().any(|t| t.name == "jobs") {
        target
            .execute("UPDATE jobs SET locked_by = NULL, locked_until = NULL", &[])
            .await
            .map_err(pg)?;
    }
    Ok(())
}
