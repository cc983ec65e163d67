//! A test bed: handles on one fresh database of one store, as the server instances (or, for
//! SQLite, processes) of a deployment hold them. Writers of a case spread over the handles.

use std::io::Write;
use std::sync::{Arc, Once};

use messenger_server::store::Store;
use messenger_server::{ServerConfig, app};

use crate::common::test_database;

pub struct Bed {
    /// Which store, for failure messages.
    pub store: &'static str,
    handles: Vec<Arc<dyn Store>>,
    _dir: tempfile::TempDir,
}

impl Bed {
    /// The handle writer `i` uses (round robin over the handles).
    pub fn handle(&self, i: usize) -> Arc<dyn Store> {
        self.handles[i % self.handles.len()].clone()
    }

    pub fn handles(&self) -> usize {
        self.handles.len()
    }
}

fn open(store: &'static str, dir: tempfile::TempDir, url: String, handles: usize) -> Bed {
    let mut config = ServerConfig::new(dir.path().to_path_buf());
    config.database_url = Some(url);
    let handles = (0..handles)
        .map(|_| app::open_store(&config).unwrap_or_else(|e| panic!("{store}: cannot open: {e}")))
        .collect();
    Bed {
        store,
        handles,
        _dir: dir,
    }
}

fn sqlite_bed(store: &'static str, handles: usize) -> Bed {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("messenger.db").display());
    open(store, dir, url, handles)
}

/// The embedded store, one handle (its single writer serializes every write).
pub async fn sqlite() -> Option<Bed> {
    Some(sqlite_bed("sqlite", 1))
}

/// Two handles on one SQLite file: two writers that only SQLite's file lock serializes.
pub async fn sqlite_two_handles() -> Option<Bed> {
    Some(sqlite_bed("sqlite (two handles)", 2))
}

/// Three handles on one fresh PostgreSQL database, when the run names a server.
pub async fn postgres() -> Option<Bed> {
    let Some(server) = test_database::postgres_server() else {
        static SKIPPED: Once = Once::new();
        // Straight to stderr: libtest keeps a passing test's own output to itself.
        SKIPPED.call_once(|| {
            let _ = writeln!(
                std::io::stderr(),
                "store conformance on PostgreSQL: skipped ({} is not set; \
                 scripts/postgres-cluster run cargo test ... sets it)",
                test_database::TEST_DATABASE_ENV
            );
        });
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = test_database::fresh_database(&server);
    Some(open("postgres", dir, url, 3))
}
