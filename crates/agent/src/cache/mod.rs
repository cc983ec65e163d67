//! The local cache: one SQLite file per (server, user). The sync engine writes it (applying the
//! server's events in batches), the UI reads it, and it is what the agent shows offline.

mod apply;
mod entities;
pub mod files_store;
mod inbox;
pub mod outbox_store;
mod search;
mod timeline;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension};

use crate::error::{AgentError, AgentResult};
use crate::migrate;

pub use apply::{Applied, ApplyContext};
pub use inbox::{InboxQuery, InboxSort};
pub use outbox_store::{OutboxItem, OutboxKind, OutboxState};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_cache.sql"),
    include_str!("migrations/0002_custom_fields.sql"),
    include_str!("migrations/0003_outbox_refusal.sql"),
    include_str!("migrations/0004_pending_in_inbox.sql"),
    include_str!("migrations/0005_stated_rules.sql"),
];

/// Local echo messages sort after every server message.
pub const LOCAL_SORT_BASE: i64 = 1 << 60;

pub struct Cache {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding a connection leaves SQLite consistent (transactions roll back).
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Cache {
    pub fn open(path: &Path) -> AgentResult<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| AgentError::Io(format!("Cannot create {}: {e}", dir.display())))?;
        }
        let mut writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // The server is the system of record: a cache may lose its last moments in a power cut
        // (it catches up again), but never its outbox, which commits with FULL below.
        writer.pragma_update(None, "synchronous", "NORMAL")?;
        writer.pragma_update(None, "cache_size", -32768)?;
        writer.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate::apply(&mut writer, "local cache", MIGRATIONS)?;
        let reader = Connection::open(path)?;
        reader.busy_timeout(std::time::Duration::from_secs(5))?;
        reader.pragma_update(None, "query_only", true)?;
        Ok(Self {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn writer(&self) -> MutexGuard<'_, Connection> {
        lock(&self.writer)
    }

    pub(crate) fn reader(&self) -> MutexGuard<'_, Connection> {
        lock(&self.reader)
    }

    pub fn meta(&self, key: &str) -> AgentResult<Option<String>> {
        Ok(self
            .reader()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> AgentResult<()> {
        self.writer().execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            [key, value],
        )?;
        Ok(())
    }

    pub fn put_report(&self, query: &str, json: &str) -> AgentResult<()> {
        self.writer().execute(
            "INSERT OR REPLACE INTO reports (query, json, fetched_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![query, json, messenger_protocol::Timestamp::now().millis()],
        )?;
        Ok(())
    }

    pub fn report(&self, query: &str) -> AgentResult<Option<String>> {
        Ok(self
            .reader()
            .query_row("SELECT json FROM reports WHERE query = ?1", [query], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The highest event seq applied (`None` before the first bootstrap).
    pub fn last_seq(&self) -> AgentResult<Option<i64>> {
        Ok(self.meta("last_seq")?.and_then(|v| v.parse().ok()))
    }

    /// How many events of types this version does not know were passed over.
    pub fn skipped_events(&self) -> AgentResult<u64> {
        Ok(self
            .meta("skipped_events")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_migrates_and_keeps_meta() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        {
            let cache = Cache::open(&path).unwrap();
            assert_eq!(cache.last_seq().unwrap(), None);
            cache.set_meta("last_seq", "42").unwrap();
        }
        assert_eq!(Cache::open(&path).unwrap().last_seq().unwrap(), Some(42));
    }
}
