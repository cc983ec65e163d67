//! Versioned schema migrations, numbered SQL files of this store applied in order. The
//! version lives in `schema_migrations`; each migration runs in its own transaction with its
//! row. Instances that start at once take turns through a session advisory lock, so only the
//! first one migrates and the others find the schema current.

use tokio_postgres::Client;

use super::convert::backend;
use crate::store::StoreError;

/// (version, name, SQL). Append only: never edit a migration that has shipped.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "workspace",
        include_str!("migrations/0001_workspace.sql"),
    ),
    (
        2,
        "shared_presence",
        include_str!("migrations/0002_shared_presence.sql"),
    ),
    (
        3,
        "respond_io_compatibility",
        include_str!("migrations/0003_respond_io_compatibility.sql"),
    ),
    (
        4,
        "delivery_order",
        include_str!("migrations/0004_delivery_order.sql"),
    ),
];

/// The advisory lock key start-up holds while it migrates and checks the secret key
/// ("IS-Msgr" in ASCII, so that it does not meet another application's key by chance).
pub const START_UP_LOCK: i64 = 0x0049_532d_4d73_6772;

/// The advisory lock key that serializes automatic assignment (see `tx.rs`).
pub const ASSIGNMENT_LOCK: i64 = 0x0049_532d_4173_6e67;

/// The schema version this build writes.
pub fn latest_version() -> i32 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

/// Brings the database up to [`latest_version`]; refuses a database from a newer build. The
/// caller holds [`START_UP_LOCK`].
pub async fn migrate(client: &mut Client) -> Result<i32, StoreError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    INTEGER PRIMARY KEY,
                 name       TEXT    NOT NULL,
                 applied_at BIGINT  NOT NULL
             )",
        )
        .await
        .map_err(backend)?;
    let current: i32 = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await
        .and_then(|r| r.try_get(0))
        .map_err(backend)?;
    if current > latest_version() {
        return Err(StoreError::Schema(format!(
            "the database is at schema version {current}, newer than this server ({}); \
             upgrade the server",
            latest_version()
        )));
    }
    let mut reached = current;
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let failed = |e: tokio_postgres::Error| {
            StoreError::Schema(format!("migration {version} ({name}) failed: {e}"))
        };
        let tx = client.transaction().await.map_err(backend)?;
        tx.batch_execute(sql).await.map_err(failed)?;
        let now = messenger_protocol::Timestamp::now().millis();
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[version, name, &now],
        )
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        tracing::info!(version, name, "applied PostgreSQL migration");
        reached = *version;
    }
    Ok(reached)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_strictly_increasing_from_one() {
        assert_eq!(MIGRATIONS.first().map(|m| m.0), Some(1));
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} then {}", pair[0].0, pair[1].0);
        }
    }
}
