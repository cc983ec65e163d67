//! SQLite values as the PostgreSQL column they go to expects them.

use rusqlite::types::ValueRef;
use tokio_postgres::types::ToSql;

use super::CopyError;
use super::plan::{Column, PgType};

/// One value ready to bind; `None` is SQL NULL of the column's type.
#[derive(Debug)]
pub enum PgValue {
    BigInt(Option<i64>),
    Int(Option<i32>),
    SmallInt(Option<i16>),
    Bool(Option<bool>),
    Double(Option<f64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

impl PgValue {
    pub fn as_param(&self) -> &(dyn ToSql + Sync) {
        match self {
            PgValue::BigInt(v) => v,
            PgValue::Int(v) => v,
            PgValue::SmallInt(v) => v,
            PgValue::Bool(v) => v,
            PgValue::Double(v) => v,
            PgValue::Text(v) => v,
            PgValue::Bytes(v) => v,
        }
    }
}

pub fn convert(table: &str, column: &Column, value: ValueRef<'_>) -> Result<PgValue, CopyError> {
    let wrong = |what: &str| {
        CopyError::Mismatch(format!(
            "{table}.{} holds {what}, which a {:?} column cannot take",
            column.name, column.pg_type
        ))
    };
    Ok(match (column.pg_type, value) {
        (PgType::BigInt, ValueRef::Null) => PgValue::BigInt(None),
        (PgType::Int, ValueRef::Null) => PgValue::Int(None),
        (PgType::SmallInt, ValueRef::Null) => PgValue::SmallInt(None),
        (PgType::Bool, ValueRef::Null) => PgValue::Bool(None),
        (PgType::Double, ValueRef::Null) => PgValue::Double(None),
        (PgType::Text, ValueRef::Null) => PgValue::Text(None),
        (PgType::Bytea, ValueRef::Null) => PgValue::Bytes(None),
        (PgType::BigInt, ValueRef::Integer(v)) => PgValue::BigInt(Some(v)),
        (PgType::Int, ValueRef::Integer(v)) => PgValue::Int(Some(
            i32::try_from(v).map_err(|_| wrong("a number too large"))?,
        )),
        (PgType::SmallInt, ValueRef::Integer(v)) => PgValue::SmallInt(Some(
            i16::try_from(v).map_err(|_| wrong("a number too large"))?,
        )),
        // SQLite keeps booleans as 0 and 1.
        (PgType::Bool, ValueRef::Integer(v)) => PgValue::Bool(Some(v != 0)),
        (PgType::Double, ValueRef::Integer(v)) => PgValue::Double(Some(v as f64)),
        (PgType::Double, ValueRef::Real(v)) => PgValue::Double(Some(v)),
        (PgType::Text, ValueRef::Text(t)) => PgValue::Text(Some(
            std::str::from_utf8(t)
                .map_err(|_| wrong("text that is not UTF-8"))?
                .to_owned(),
        )),
        (PgType::Text, ValueRef::Integer(v)) => PgValue::Text(Some(v.to_string())),
        (PgType::Bytea, ValueRef::Blob(b)) => PgValue::Bytes(Some(b.to_vec())),
        (_, ValueRef::Integer(_)) => return Err(wrong("a number")),
        (_, ValueRef::Real(_)) => return Err(wrong("a real number")),
        (_, ValueRef::Text(_)) => return Err(wrong("text")),
        (_, ValueRef::Blob(_)) => return Err(wrong("bytes")),
    })
}
