//! Conversions between wire values and PostgreSQL columns, as the SQLite store makes them: ids
//! are decimal strings on the wire and BIGINT keys here; times are milliseconds; small nested
//! values are JSON text. Rows are read with [`Col::col`], which answers a typed error instead
//! of panicking on a column of an unexpected type.

use serde::de::DeserializeOwned;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::FromSql;

use crate::store::StoreError;

pub use crate::store::sqlite::convert::{
    id_param, id_required, id_text, like_pattern, millis, opt_id, opt_millis, opt_timestamp,
    opt_typed, timestamp, to_json,
};

/// A database error as the store reports it: [`StoreError::Retryable`] when running the
/// transaction again may succeed.
pub fn backend(e: tokio_postgres::Error) -> StoreError {
    if e.code() == Some(&SqlState::CHARACTER_NOT_IN_REPERTOIRE) {
        StoreError::Invalid("Text cannot contain the NUL character (\\u0000).".into())
    } else if is_retryable(&e) {
        StoreError::Retryable(Box::new(e))
    } else {
        StoreError::Backend(Box::new(e))
    }
}

/// Whether re-running the whole transaction may succeed (SQLSTATE 40001 or 40P01, or the
/// connection went away before the commit).
pub fn is_retryable(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    ) || e.is_closed()
}

pub trait Col {
    fn col<'a, T: FromSql<'a>>(&'a self, idx: usize) -> Result<T, StoreError>;
    /// A JSON text column, decoded.
    fn json<T: DeserializeOwned>(&self, idx: usize) -> Result<T, StoreError>;
    fn opt_json<T: DeserializeOwned>(&self, idx: usize) -> Result<Option<T>, StoreError>;
}

impl Col for Row {
    fn col<'a, T: FromSql<'a>>(&'a self, idx: usize) -> Result<T, StoreError> {
        self.try_get(idx).map_err(backend)
    }
    fn json<T: DeserializeOwned>(&self, idx: usize) -> Result<T, StoreError> {
        let text: &str = self.col(idx)?;
        Ok(serde_json::from_str(text)?)
    }
    fn opt_json<T: DeserializeOwned>(&self, idx: usize) -> Result<Option<T>, StoreError> {
        let text: Option<&str> = self.col(idx)?;
        text.map(|t| serde_json::from_str(t).map_err(StoreError::from))
            .transpose()
    }
}
