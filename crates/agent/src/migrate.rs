//! Schema versions for the agent's SQLite files, kept in `user_version`.

use rusqlite::Connection;

use crate::error::{AgentError, AgentResult};

/// Applies the migrations above the file's version, each in its own transaction. `steps` is
/// append-only: `steps[i]` brings a file from version `i` to `i + 1`.
pub fn apply(conn: &mut Connection, what: &str, steps: &[&str]) -> AgentResult<()> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > steps.len() {
        return Err(AgentError::Cache(format!(
            "the {what} was written by a newer version of the app (schema {current}); update the app"
        )));
    }
    for (i, sql) in steps.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}
