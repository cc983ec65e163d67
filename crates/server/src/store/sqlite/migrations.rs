//! Versioned schema migrations, numbered SQL files applied in order. The version lives in
//! SQLite's `user_version`; each migration runs in its own transaction with its version bump.

use rusqlite::Connection;

use crate::store::StoreError;

/// (version, name, SQL). Append only: never edit a migration that has shipped.
const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "users_and_sessions",
        include_str!("migrations/0001_users_and_sessions.sql"),
    ),
    (
        2,
        "messages_module",
        include_str!("migrations/0002_messages_module.sql"),
    ),
    (
        3,
        "automation",
        include_str!("migrations/0003_automation.sql"),
    ),
    (
        4,
        "channel_secrets_at_rest",
        include_str!("migrations/0004_channel_secrets_at_rest.sql"),
    ),
    (
        5,
        "random_file_ids",
        include_str!("migrations/0005_random_file_ids.sql"),
    ),
    (
        6,
        "leases_and_shared_presence",
        include_str!("migrations/0006_leases_and_shared_presence.sql"),
    ),
    (
        7,
        "respond_io_compatibility",
        include_str!("migrations/0007_respond_io_compatibility.sql"),
    ),
    (
        8,
        "delivery_order",
        include_str!("migrations/0008_delivery_order.sql"),
    ),
];

/// The schema version this build writes.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

/// Brings the database up to [`latest_version`]; refuses a database from a newer build.
pub fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    migrate_to(conn, latest_version())
}

/// Applies the migrations up to `target` (tests stop short of the latest to build old data).
fn migrate_to(conn: &mut Connection, target: u32) -> Result<u32, StoreError> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > latest_version() {
        return Err(StoreError::Schema(format!(
            "the database is at schema version {current}, newer than this server ({}); \
             upgrade the server",
            latest_version()
        )));
    }
    let mut reached = current;
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current && m.0 <= target) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Schema(format!("migration {version} ({name}) failed: {e}")))?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, name, "applied migration");
        reached = *version;
    }
    Ok(reached)
}

#[cfg(test)]
mod random_file_ids_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_an_empty_database_and_is_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), latest_version());
        assert_eq!(migrate(&mut conn).unwrap(), latest_version());
        let v: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, latest_version());
    }

    #[test]
    fn refuses_a_database_from_the_future() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", latest_version() + 1)
            .unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(err.to_string().contains("newer than this server"), "{err}");
    }

    #[test]
    fn versions_are_strictly_increasing() {
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} then {}", pair[0].0, pair[1].0);
        }
    }
}
