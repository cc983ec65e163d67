//! Conversions between wire values and SQLite columns: ids are decimal strings on the wire
//! and INTEGER keys here; times are RFC 3339 on the wire and milliseconds here; small nested
//! values (actors, attachments, tags) are JSON text.

use messenger_protocol::Timestamp;
use rusqlite::types::{FromSql, FromSqlError, ValueRef};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::StoreError;

pub fn id_text(id: i64) -> String {
    id.to_string()
}

/// `None` for a string that cannot be one of our ids: the caller answers "not found".
pub fn id_param(id: &str) -> Option<i64> {
    id.parse::<i64>().ok().filter(|v| *v > 0)
}

/// Like [`id_param`], for a write that needs the row to exist.
pub fn id_required(id: &str, what: &str) -> Result<i64, StoreError> {
    id_param(id).ok_or_else(|| StoreError::NotFound(format!("{what} {id} not found.")))
}

pub fn opt_id<T: AsRef<str>>(id: Option<&T>) -> Option<i64> {
    id.and_then(|v| id_param(v.as_ref()))
}

pub fn millis(t: Timestamp) -> i64 {
    t.millis()
}

pub fn opt_millis(t: Option<Timestamp>) -> Option<i64> {
    t.map(Timestamp::millis)
}

pub fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms).unwrap_or(Timestamp::EPOCH)
}

pub fn opt_timestamp(ms: Option<i64>) -> Option<Timestamp> {
    ms.map(timestamp)
}

pub fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<String, StoreError> {
    Ok(serde_json::to_string(v)?)
}

/// A JSON column read inside a row mapper.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> FromSql for Json<T> {
    fn column_result(value: ValueRef<'_>) -> Result<Self, FromSqlError> {
        let text = value.as_str()?;
        serde_json::from_str(text)
            .map(Json)
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// An optional id column as a typed id.
pub fn opt_typed<T: From<String>>(v: Option<i64>) -> Option<T> {
    v.map(|i| T::from(id_text(i)))
}

pub fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}
