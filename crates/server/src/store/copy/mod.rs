//! `messenger-server copy`: moves a whole workspace from its SQLite file into an empty
//! PostgreSQL database, table by table with every id and every seq kept, in one PostgreSQL
//! transaction (a failed copy leaves the target as empty as it was), then checks the counts.
//!
//! Both stores are first opened as the server opens them: the source is migrated to this
//! version and its secret key checked, the target migrated and given the same key check. The
//! rows are then copied raw: channel secrets stay sealed with that key, which is why the
//! PostgreSQL instances must run with it.

mod plan;
mod values;

use std::path::{Path, PathBuf};

use rusqlite::OpenFlags;
use tokio_postgres::Client;

use crate::secrets::SecretKeySetting;
use crate::store::StoreError;
use crate::store::postgres::{PostgresStore, connection};
use crate::store::sqlite::SqliteStore;
use plan::TablePlan;

/// Rows per INSERT (each row's values are parameters; PostgreSQL takes at most 65,535).
const PARAMETERS_PER_INSERT: usize = 30_000;
/// A progress line every this many rows of one table.
const PROGRESS_EVERY: u64 = 50_000;

/// What `copy` refuses or fails at, in words for the operator.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("--from must be sqlite://PATH of a messenger.db (got {0:?})")]
    Source(String),
    #[error("--to must be a postgres:// or postgresql:// URL")]
    Target,
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error(
        "the target database is not empty ({0}); copy only into a new database, so that \
         nothing there is overwritten or mixed with the copied workspace"
    )]
    NotEmpty(String),
    #[error("the copy does not match its source: {0}; nothing was committed")]
    Mismatch(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One table's figures after the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub table: String,
    pub rows: u64,
}

/// Copies the workspace at `from` (sqlite://PATH) into the empty database `to`, reporting
/// progress through `progress`; answers the rows copied per table.
pub async fn copy_workspace(
    from: &str,
    to: &str,
    key: &SecretKeySetting,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<Vec<Copied>, CopyError> {
    let source = from
        .strip_prefix("sqlite://")
        .map(PathBuf::from)
        .ok_or_else(|| CopyError::Source(from.to_owned()))?;
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        return Err(CopyError::Target);
    }
    if !source.is_file() {
        return Err(CopyError::Missing(source));
    }
    let data_dir = source
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    progress(&format!("checking {} and its secret key", source.display()));
    // Opening migrates the source to this version and proves the key opens its secrets.
    drop(SqliteStore::open(&source, key, &data_dir)?);
    progress("preparing the target database");
    drop(PostgresStore::open(to, key, &data_dir)?);

    let config = connection::config(to)?;
    let (mut client, driver) = connection::connect(&config).await?;
    let driver = tokio::spawn(driver);
    let result = copy_into(&source, &mut client, progress).await;
    drop(client);
    driver.abort();
    result
}

async fn copy_into(
    source: &Path,
    client: &mut Client,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<Vec<Copied>, CopyError> {
    let sqlite = rusqlite::Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(StoreError::from)?;
    let tables = plan::plan(&sqlite, client).await?;
    if let Some(busy) = plan::first_non_empty(client, &tables).await? {
        return Err(CopyError::NotEmpty(busy));
    }
    for skipped in plan::source_only_tables(&sqlite, &tables)? {
        progress(&format!(
            "{skipped}: not copied (derived; the PostgreSQL store keeps its own)"
        ));
    }
    // One read transaction on the source: the copy is of one moment of the workspace.
    let snapshot = sqlite.unchecked_transaction().map_err(StoreError::from)?;
    let target = client.transaction().await.map_err(connection_error)?;
    plan::before_copy(&target, &tables).await?;
    let mut copied = Vec::with_capacity(tables.len());
    for table in &tables {
        let rows = copy_table(&snapshot, &target, table, progress).await?;
        copied.push(Copied {
            table: table.name.clone(),
            rows,
        });
    }
    plan::after_copy(&target, &tables, &snapshot).await?;
    verify(&snapshot, &target, &tables).await?;
    target.commit().await.map_err(connection_error)?;
    progress("committed; counts verified");
    Ok(copied)
}

fn connection_error(e: tokio_postgres::Error) -> StoreError {
    StoreError::Backend(Box::new(e))
}

async fn copy_table(
    sqlite: &rusqlite::Connection,
    target: &tokio_postgres::Transaction<'_>,
    table: &TablePlan,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<u64, CopyError> {
    let total = plan::count_source(sqlite, &table.name)?;
    progress(&format!("{}: {total} rows", table.name));
    let columns = table.column_list();
    let mut stmt = sqlite
        .prepare(&format!(
            "SELECT {columns} FROM \"{}\" ORDER BY rowid",
            table.name
        ))
        .or_else(|_| {
            // WITHOUT ROWID tables have no rowid; their primary key orders them.
            sqlite.prepare(&format!("SELECT {columns} FROM \"{}\"", table.name))
        })
        .map_err(StoreError::from)?;
    let width = table.columns.len();
    let per_insert = (PARAMETERS_PER_INSERT / width.max(1)).max(1);
    let mut rows = stmt.query([]).map_err(StoreError::from)?;
    let mut batch: Vec<values::PgValue> = Vec::with_capacity(per_insert * width);
    let mut done = 0u64;
    let mut next_report = PROGRESS_EVERY;
    while let Some(row) = rows.next().map_err(StoreError::from)? {
        for (i, column) in table.columns.iter().enumerate() {
            let value = row.get_ref(i).map_err(StoreError::from)?;
            batch.push(values::convert(&table.name, column, value)?);
        }
        if batch.len() == per_insert * width {
            done += insert(target, table, &batch).await?;
            batch.clear();
            if done >= next_report {
                progress(&format!("{}: {done} of {total}", table.name));
                next_report += PROGRESS_EVERY;
            }
        }
    }
    if !batch.is_empty() {
        done += insert(target, table, &batch).await?;
    }
    Ok(done)
}

async fn insert(
    target: &tokio_postgres::Transaction<'_>,
    table: &TablePlan,
    values: &[values::PgValue],
) -> Result<u64, CopyError> {
    let width = table.columns.len();
    let rows = values.len() / width;
    let mut sql = format!(
        "INSERT INTO \"{}\" ({}) OVERRIDING SYSTEM VALUE VALUES ",
        table.name,
        table.column_list()
    );
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..width {
            if c > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("${}", r * width + c + 1));
        }
        sql.push(')');
    }
    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
        values.iter().map(values::PgValue::as_param).collect();
    target
        .execute(sql.as_str(), &params)
        .await
        .map_err(|e| CopyError::Store(StoreError::backend(format!("copying {}: {e}", table.name))))
}

/// Every copied table has as many rows as its source, and derived tables match theirs.
async fn verify(
    sqlite: &rusqlite::Connection,
    target: &tokio_postgres::Transaction<'_>,
    tables: &[TablePlan],
) -> Result<(), CopyError> {
    let mut wrong = Vec::new();
    for name in tables
        .iter()
        .map(|t| t.name.as_str())
        .chain(plan::DERIVED.iter().copied())
    {
        if !plan::source_has(sqlite, name)? {
            continue;
        }
        let expected = plan::count_source(sqlite, name)?;
        let got = plan::count_target(target, name).await?;
        if expected != got {
            wrong.push(format!("{name}: {got} rows instead of {expected}"));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(CopyError::Mismatch(wrong.join(", ")))
    }
}
