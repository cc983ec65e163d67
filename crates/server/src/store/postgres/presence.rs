//! Live event streams per user and server instance, shared through the database.

use messenger_protocol::{Timestamp, UserId};

use super::convert::{Col, millis, timestamp};
use super::db::Db;
use crate::store::{StoreError, StreamPresenceRecord};

pub fn all(db: &Db<'_>) -> Result<Vec<StreamPresenceRecord>, StoreError> {
    db.query(
        "SELECT instance_id, user_id, connections, left_at, heartbeat_at FROM stream_presence
         ORDER BY instance_id, user_id",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(StreamPresenceRecord {
            instance_id: r.col(0)?,
            user_id: UserId(r.col(1)?),
            connections: u32::try_from(r.col::<i32>(2)?).unwrap_or(0),
            left_at: r.col::<Option<i64>>(3)?.map(timestamp),
            heartbeat_at: timestamp(r.col(4)?),
        })
    })
    .collect()
}

pub fn put(db: &Db<'_>, p: &StreamPresenceRecord) -> Result<(), StoreError> {
    let connections = i32::try_from(p.connections).unwrap_or(i32::MAX);
    db.execute(
        "INSERT INTO stream_presence (instance_id, user_id, connections, left_at, heartbeat_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (instance_id, user_id) DO UPDATE SET connections = excluded.connections,
             left_at = excluded.left_at, heartbeat_at = excluded.heartbeat_at",
        &[
            &p.instance_id,
            &p.user_id.0,
            &connections,
            &p.left_at.map(millis),
            &millis(p.heartbeat_at),
        ],
    )?;
    Ok(())
}

pub fn heartbeat(db: &Db<'_>, instance: &str, at: Timestamp) -> Result<(), StoreError> {
    db.execute(
        "UPDATE stream_presence SET heartbeat_at = $2 WHERE instance_id = $1",
        &[&instance, &millis(at)],
    )?;
    Ok(())
}
