//! Custom contact fields in PostgreSQL.

use messenger_protocol::{CustomField, CustomFieldId, CustomFieldType};
use tokio_postgres::Row;

use super::convert::{Col, id_text, millis, timestamp, to_json};
use super::db::Db;
use crate::store::StoreError;

fn row(r: &Row) -> Result<CustomField, StoreError> {
    let data_type: &str = r.col(4)?;
    Ok(CustomField {
        id: CustomFieldId(id_text(r.col(0)?)),
        name: r.col(1)?,
        slug: r.col(2)?,
        description: r.col(3)?,
        // Written from the enum only.
        data_type: CustomFieldType::parse(data_type).unwrap_or(CustomFieldType::Text),
        allowed_values: r.json(5)?,
        created_at: timestamp(r.col(6)?),
    })
}

pub fn all(db: &Db<'_>) -> Result<Vec<CustomField>, StoreError> {
    db.query(
        "SELECT id, name, slug, description, data_type, allowed_values, created_at
         FROM custom_fields ORDER BY id",
        &[],
    )?
    .iter()
    .map(row)
    .collect()
}

pub fn insert(db: &Db<'_>, f: &CustomField) -> Result<CustomField, StoreError> {
    // A slug another transaction holds waits for it, then inserts nothing.
    let inserted = db.query_opt(
        "INSERT INTO custom_fields (name, slug, description, data_type, allowed_values, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO NOTHING RETURNING id",
        &[
            &f.name,
            &f.slug,
            &f.description,
            &f.data_type.as_str(),
            &to_json(&f.allowed_values)?,
            &millis(f.created_at),
        ],
    )?;
    match inserted {
        Some(r) => Ok(CustomField {
            id: CustomFieldId(id_text(r.col(0)?)),
            ..f.clone()
        }),
        None => Err(StoreError::Conflict(format!(
            "A custom field with the slug {} exists already.",
            f.slug
        ))),
    }
}
