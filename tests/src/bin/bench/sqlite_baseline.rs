//! The raw SQLite insert rate on this disk, with the server's durability settings (WAL,
//! synchronous=FULL): the yardstick for the server's figures.

use std::time::Instant;

use rusqlite::{Connection, params};

/// Rows (a message and an event each) per second, committing `per_tx` at a time (FULL).
pub fn insert_rate(dir: &std::path::Path, per_tx: usize, total: usize) -> anyhow::Result<f64> {
    rate(dir, per_tx, total, "FULL")
}

/// The same with `synchronous=NORMAL`, the agent cache's setting.
pub fn insert_rate_normal(
    dir: &std::path::Path,
    per_tx: usize,
    total: usize,
) -> anyhow::Result<f64> {
    rate(dir, per_tx, total, "NORMAL")
}

fn rate(dir: &std::path::Path, per_tx: usize, total: usize, sync: &str) -> anyhow::Result<f64> {
    let path = dir.join(format!("baseline-{per_tx}-{sync}.db"));
    let conn = Connection::open(&path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", sync)?;
    conn.execute_batch(
        "CREATE TABLE messages (id INTEGER PRIMARY KEY, contact_id INTEGER, text TEXT, created_at INTEGER);
         CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT);",
    )?;
    let start = Instant::now();
    let mut done = 0;
    while done < total {
        let tx = conn.unchecked_transaction()?;
        {
            let mut m = tx.prepare_cached(
                "INSERT INTO messages (contact_id, text, created_at) VALUES (?1, ?2, ?3)",
            )?;
            let mut e = tx.prepare_cached("INSERT INTO events (data) VALUES (?1)")?;
            for i in 0..per_tx {
                m.execute(params![
                    i as i64 % 50,
                    "hello there, a message of typical length",
                    i as i64
                ])?;
                e.execute(params![
                    r#"{"id":"1","text":"hello there, a message of typical length"}"#
                ])?;
            }
        }
        tx.commit()?;
        done += per_tx;
    }
    Ok(done as f64 / start.elapsed().as_secs_f64())
}
