//! The Developer API's workspace access tokens in PostgreSQL.

use messenger_protocol::{Timestamp, UserId};
use tokio_postgres::Row;

use super::convert::{Col, id_param, id_required, id_text, millis, opt_timestamp, timestamp};
use super::db::Db;
use crate::store::{ApiTokenRecord, StoreError};

const COLUMNS: &str = "id, name, digest, hint, created_by, created_at, last_used_at";

fn row(r: &Row) -> Result<ApiTokenRecord, StoreError> {
    Ok(ApiTokenRecord {
        id: id_text(r.col(0)?),
        name: r.col(1)?,
        digest: r.col(2)?,
        hint: r.col(3)?,
        created_by: UserId(id_text(r.col(4)?)),
        created_at: timestamp(r.col(5)?),
        last_used_at: opt_timestamp(r.col(6)?),
    })
}

pub fn by_digest(db: &Db<'_>, digest: &str) -> Result<Option<ApiTokenRecord>, StoreError> {
    db.query_opt(
        &format!("SELECT {COLUMNS} FROM api_tokens WHERE digest = $1 AND revoked_at IS NULL"),
        &[&digest],
    )?
    .as_ref()
    .map(row)
    .transpose()
}

pub fn active(db: &Db<'_>) -> Result<Vec<ApiTokenRecord>, StoreError> {
    db.query(
        &format!("SELECT {COLUMNS} FROM api_tokens WHERE revoked_at IS NULL ORDER BY id"),
        &[],
    )?
    .iter()
    .map(row)
    .collect()
}

pub fn insert(db: &Db<'_>, t: &ApiTokenRecord) -> Result<ApiTokenRecord, StoreError> {
    let creator = id_required(t.created_by.as_str(), "User")?;
    let r = db.query_one(
        "INSERT INTO api_tokens (name, digest, hint, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        &[&t.name, &t.digest, &t.hint, &creator, &millis(t.created_at)],
    )?;
    Ok(ApiTokenRecord {
        id: id_text(r.col(0)?),
        ..t.clone()
    })
}

pub fn revoke(db: &Db<'_>, id: &str, at: Timestamp) -> Result<bool, StoreError> {
    let Some(id) = id_param(id) else {
        return Ok(false);
    };
    let n = db.execute(
        "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        &[&id, &millis(at)],
    )?;
    Ok(n > 0)
}

pub fn touch(db: &Db<'_>, id: &str, at: Timestamp) -> Result<(), StoreError> {
    if let Some(id) = id_param(id) {
        db.execute(
            "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
            &[&id, &millis(at)],
        )?;
    }
    Ok(())
}
