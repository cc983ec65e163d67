//! Opening SQLite connections with the settings the store relies on.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::store::StoreError;

/// The writer: WAL so readers never block it, and `synchronous=FULL` so that a commit that
/// returned is on disk (durability comes from group commit, not from relaxing this).
pub fn open_writer(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // The writer touches the hot pages of every table; keep them in memory (64 MiB).
    conn.pragma_update(None, "cache_size", -65536)?;
    // Each job of a group commit runs in a savepoint, whose statement journal would otherwise
    // be a temporary file written for every job; it is never needed after a crash (the WAL
    // is what recovers), so it lives in memory, as do sorts' temporary tables.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Checkpoints run on their own thread; this is only the WAL's bound (checkpoint.rs).
    conn.pragma_update(
        None,
        "wal_autocheckpoint",
        super::checkpoint::WRITER_BOUND_PAGES,
    )?;
    common(&conn)?;
    Ok(conn)
}

/// A reader: same file, never writes.
pub fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    common(&conn)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

fn common(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // Statements are prepared once per connection and reused from this cache.
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}
