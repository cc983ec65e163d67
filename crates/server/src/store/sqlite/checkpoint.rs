//! Checkpoints on a thread of their own.
//!
//! A commit only appends to the WAL and syncs it; copying WAL pages back into the database file
//! (and syncing that) is a checkpoint. Left to SQLite's automatic checkpoint it runs inside the
//! writer's commit every 1,000 pages, and every write waits for it. Here a separate connection
//! checkpoints passively (never blocking the writer) a few times a second, and the writer's own
//! automatic checkpoint stays only as a bound on the WAL's size for a load that never pauses
//! (a passive checkpoint cannot reset a WAL that is still being appended to).
//! Durability does not change: a commit is on disk once the WAL is synced.

use std::path::Path;
use std::sync::Weak;
use std::time::Duration;

use rusqlite::Connection;

use crate::store::StoreError;

/// How often the checkpointer runs.
const EVERY: Duration = Duration::from_millis(200);
/// WAL pages after which the writer checkpoints itself (64 MiB with 4 KiB pages).
pub const WRITER_BOUND_PAGES: i64 = 16_384;

/// Starts the checkpointer; it stops once `alive` (held by the store) is dropped.
pub fn spawn<T: Send + Sync + 'static>(path: &Path, alive: Weak<T>) -> Result<(), StoreError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(Duration::from_secs(1))?;
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            while alive.strong_count() > 0 {
                std::thread::sleep(EVERY);
                // Busy (another checkpoint running) is not an error worth more than a retry.
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::debug!(error = %e, "passive checkpoint did not run");
                }
            }
        })
        .map(|_| ())
        .map_err(|e| StoreError::backend(format!("cannot start the checkpoint thread: {e}")))
}
