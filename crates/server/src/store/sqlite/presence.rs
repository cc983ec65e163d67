//! Live event streams per user and server instance, shared through the database.

use messenger_protocol::{Timestamp, UserId};
use rusqlite::{Connection, params};

use super::convert::{millis, timestamp};
use crate::store::{StoreError, StreamPresenceRecord};

pub fn all(conn: &Connection) -> Result<Vec<StreamPresenceRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT instance_id, user_id, connections, left_at, heartbeat_at FROM stream_presence",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(StreamPresenceRecord {
            instance_id: r.get(0)?,
            user_id: UserId(r.get(1)?),
            connections: u32::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
            left_at: r.get::<_, Option<i64>>(3)?.map(timestamp),
            heartbeat_at: timestamp(r.get(4)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn put(conn: &Connection, p: &StreamPresenceRecord) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO stream_presence (instance_id, user_id, connections, left_at, heartbeat_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (instance_id, user_id) DO UPDATE SET connections = excluded.connections,
             left_at = excluded.left_at, heartbeat_at = excluded.heartbeat_at",
    )?
    .execute(params![
        p.instance_id,
        p.user_id.0,
        i64::from(p.connections),
        p.left_at.map(millis),
        millis(p.heartbeat_at)
    ])?;
    Ok(())
}

pub fn heartbeat(conn: &Connection, instance: &str, at: Timestamp) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE stream_presence SET heartbeat_at = ?2 WHERE instance_id = ?1")?
        .execute(params![instance, millis(at)])?;
    Ok(())
}
