//! Which database a test server uses: SQLite in its data directory (the default), or, when
//! `MESSENGER_TEST_DATABASE_URL` names a PostgreSQL server (`scripts/postgres-cluster run`
//! sets it), a fresh database on that server made for the data directory.
//!
//! The database is remembered in the data directory, so a restart on the same directory (in
//! the test process or as a spawned binary) finds the same data. Databases are not dropped:
//! `DROP DATABASE` forces a checkpoint (about a second each), and the cluster is removed as a
//! whole after the run.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable naming the PostgreSQL server of a test run.
pub const TEST_DATABASE_ENV: &str = "MESSENGER_TEST_DATABASE_URL";
/// The file in a data directory that holds the URL of its test database.
const REMEMBERED: &str = "test-database-url";

/// The PostgreSQL server the tests run on (`postgres://user@host:port`), when one is named.
pub fn postgres_server() -> Option<String> {
    std::env::var(TEST_DATABASE_ENV)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The `--database` of a test server on `data_dir`: `None` on SQLite (the store's default,
/// `<data-dir>/messenger.db`); on PostgreSQL the database made for this directory, made on
/// its first use.
pub fn database_for(data_dir: &Path) -> Option<String> {
    let server = postgres_server()?;
    let remembered = data_dir.join(REMEMBERED);
    if let Ok(url) = std::fs::read_to_string(&remembered) {
        return Some(url.trim().to_owned());
    }
    let url = fresh_database(&server);
    std::fs::create_dir_all(data_dir).unwrap();
    std::fs::write(&remembered, &url).unwrap();
    Some(url)
}

/// A new, empty database on `server`; its URL.
pub fn fresh_database(server: &str) -> String {
    let name = format!("messenger_test_{}", uuid::Uuid::new_v4().simple());
    // A small admin connection to the maintenance database every cluster has.
    let out = Command::new(psql())
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(with_database(server, "postgres"))
        .args(["-c", &format!("CREATE DATABASE {name}")])
        .output()
        .unwrap_or_else(|e| panic!("cannot run psql ({}): {e}", psql().display()));
    assert!(
        out.status.success(),
        "CREATE DATABASE {name} on {server} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    with_database(server, &name)
}

/// The URL of database `name` on the server of `url` (whose own database, if any, is replaced;
/// its query parameters are kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// psql of the newest Debian PostgreSQL (whose binaries are off PATH), else the one on PATH.
fn psql() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin/psql"))
        .filter(|p| p.exists())
        .collect();
    found.sort_by_key(|p| {
        p.components()
            .nth(4)
            .and_then(|v| v.as_os_str().to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().unwrap_or_else(|| PathBuf::from("psql"))
}
