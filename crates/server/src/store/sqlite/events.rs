//! The event log in SQLite.

use std::sync::Arc;

use messenger_protocol::{ContactId, EventPayload, Seq, Timestamp, UserId};
use rusqlite::{Connection, Row, params};

use super::convert::{millis, opt_id, opt_typed, timestamp};
use crate::store::{LogEvent, StoreError};

const FLOOR_KEY: &str = "event_log_floor";

fn event_row(r: &Row<'_>) -> rusqlite::Result<LogEvent> {
    Ok(LogEvent {
        seq: r.get(0)?,
        kind: r.get(1)?,
        at: timestamp(r.get(2)?),
        contact_id: opt_typed::<ContactId>(r.get(3)?),
        assignee_id: opt_typed::<UserId>(r.get(4)?),
        data: Arc::from(r.get::<_, String>(5)?),
        frame: Default::default(),
    })
}

pub fn after(conn: &Connection, since: Seq, limit: usize) -> Result<Vec<LogEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, type, at, contact_id, assignee_id, data FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(
        params![since, i64::try_from(limit).unwrap_or(1000)],
        event_row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The newest seq (pruning never removes the newest event, so this is the highest ever).
pub fn last_seq(conn: &Connection) -> Result<Seq, StoreError> {
    let seq: Option<i64> = conn
        .prepare_cached("SELECT MAX(seq) FROM events")?
        .query_row([], |r| r.get(0))?;
    Ok(seq.unwrap_or(0))
}

pub fn seq_before(conn: &Connection, at: Timestamp) -> Result<Seq, StoreError> {
    let seq: Option<i64> = conn
        .prepare_cached("SELECT MAX(seq) FROM events WHERE at < ?1")?
        .query_row([millis(at)], |r| r.get(0))?;
    Ok(seq.unwrap_or(0))
}

pub fn floor(conn: &Connection) -> Result<Seq, StoreError> {
    Ok(super::workspace::meta(conn, FLOOR_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

pub fn append(
    conn: &Connection,
    payload: &EventPayload,
    at: Timestamp,
    assignee: Option<&UserId>,
) -> Result<LogEvent, StoreError> {
    let data = payload.data_json()?;
    let contact_id = payload.contact_id().cloned();
    conn.prepare_cached(
        "INSERT INTO events (type, at, contact_id, assignee_id, data) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        payload.kind(),
        millis(at),
        opt_id(contact_id.as_ref()),
        opt_id(assignee),
        data
    ])?;
    Ok(LogEvent {
        seq: conn.last_insert_rowid(),
        kind: payload.kind().to_owned(),
        at,
        contact_id,
        assignee_id: assignee.cloned(),
        data: Arc::from(data),
        frame: Default::default(),
    })
}

pub fn prune(conn: &Connection, upto: Seq) -> Result<u64, StoreError> {
    // The newest event stays: its seq is where the next one counts from.
    let upto = upto.min(last_seq(conn)? - 1);
    if upto <= 0 {
        return Ok(0);
    }
    let n = conn
        .prepare_cached("DELETE FROM events WHERE seq <= ?1")?
        .execute([upto])?;
    if upto > floor(conn)? {
        super::workspace::put_meta(conn, FLOOR_KEY, &upto.to_string())?;
    }
    Ok(u64::try_from(n).unwrap_or(0))
}
