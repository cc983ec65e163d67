//! The Developer API's workspace access tokens in SQLite.

use messenger_protocol::{Timestamp, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{id_param, id_required, id_text, millis, opt_timestamp, timestamp};
use crate::store::{ApiTokenRecord, StoreError};

const COLUMNS: &str = "id, name, digest, hint, created_by, created_at, last_used_at";

fn row(r: &Row<'_>) -> rusqlite::Result<ApiTokenRecord> {
    Ok(ApiTokenRecord {
        id: id_text(r.get(0)?),
        name: r.get(1)?,
        digest: r.get(2)?,
        hint: r.get(3)?,
        created_by: UserId(id_text(r.get(4)?)),
        created_at: timestamp(r.get(5)?),
        last_used_at: opt_timestamp(r.get(6)?),
    })
}

pub fn by_digest(conn: &Connection, digest: &str) -> Result<Option<ApiTokenRecord>, StoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE digest = ?1 AND revoked_at IS NULL"
        ))?
        .query_row([digest], row)
        .optional()?)
}

pub fn active(conn: &Connection) -> Result<Vec<ApiTokenRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE revoked_at IS NULL ORDER BY id"
    ))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert(conn: &Connection, t: &ApiTokenRecord) -> Result<ApiTokenRecord, StoreError> {
    let creator = id_required(t.created_by.as_str(), "User")?;
    conn.prepare_cached(
        "INSERT INTO api_tokens (name, digest, hint, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![t.name, t.digest, t.hint, creator, millis(t.created_at)])?;
    Ok(ApiTokenRecord {
        id: id_text(conn.last_insert_rowid()),
        ..t.clone()
    })
}

pub fn revoke(conn: &Connection, id: &str, at: Timestamp) -> Result<bool, StoreError> {
    let Some(id) = id_param(id) else {
        return Ok(false);
    };
    let n = conn
        .prepare_cached(
            "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        )?
        .execute(params![id, millis(at)])?;
    Ok(n > 0)
}

pub fn touch(conn: &Connection, id: &str, at: Timestamp) -> Result<(), StoreError> {
    if let Some(id) = id_param(id) {
        conn.prepare_cached("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1")?
            .execute(params![id, millis(at)])?;
    }
    Ok(())
}
