//! Custom contact fields in SQLite.

use messenger_protocol::{CustomField, CustomFieldId, CustomFieldType};
use rusqlite::{Connection, Row, params};

use super::convert::{Json, id_text, is_unique_violation, millis, timestamp, to_json};
use crate::store::StoreError;

fn row(r: &Row<'_>) -> rusqlite::Result<CustomField> {
    let data_type: String = r.get(4)?;
    let allowed: Json<Vec<String>> = r.get(5)?;
    Ok(CustomField {
        id: CustomFieldId(id_text(r.get(0)?)),
        name: r.get(1)?,
        slug: r.get(2)?,
        description: r.get(3)?,
        // Written from the enum only.
        data_type: CustomFieldType::parse(&data_type).unwrap_or(CustomFieldType::Text),
        allowed_values: allowed.0,
        created_at: timestamp(r.get(6)?),
    })
}

pub fn all(conn: &Connection) -> Result<Vec<CustomField>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, slug, description, data_type, allowed_values, created_at
         FROM custom_fields ORDER BY id",
    )?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert(conn: &Connection, f: &CustomField) -> Result<CustomField, StoreError> {
    let result = conn
        .prepare_cached(
            "INSERT INTO custom_fields (name, slug, description, data_type, allowed_values, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            f.name,
            f.slug,
            f.description,
            f.data_type.as_str(),
            to_json(&f.allowed_values)?,
            millis(f.created_at)
        ]);
    match result {
        Ok(_) => Ok(CustomField {
            id: CustomFieldId(id_text(conn.last_insert_rowid())),
            ..f.clone()
        }),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(format!(
            "A custom field with the slug {} exists already.",
            f.slug
        ))),
        Err(e) => Err(e.into()),
    }
}
