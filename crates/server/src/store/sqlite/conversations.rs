//! Conversations in SQLite. The partial unique index `conversations_one_open` is what makes a
//! second open conversation of a contact impossible.

use messenger_protocol::{
    Actor, ChannelId, ClosingNote, ContactId, Conversation, ConversationId, ConversationStatus,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::convert::{
    Json, id_param, id_required, id_text, is_unique_violation, millis, opt_id, opt_millis,
    opt_timestamp, opt_typed, timestamp, to_json,
};
use crate::store::{NewConversation, Scope, StoreError};

const COLUMNS: &str = "id, contact_id, channel_id, status, opened_at, opened_by, closed_at, closed_by, \
                       closing_category, closing_summary, first_response_at";

fn row(r: &Row<'_>) -> rusqlite::Result<Conversation> {
    let status: String = r.get(3)?;
    let opened_by: Json<Actor> = r.get(5)?;
    let closed_by: Option<Json<Actor>> = r.get(7)?;
    let category: Option<String> = r.get(8)?;
    let summary: Option<String> = r.get(9)?;
    Ok(Conversation {
        id: ConversationId(id_text(r.get(0)?)),
        contact_id: ContactId(id_text(r.get(1)?)),
        channel_id: opt_typed::<ChannelId>(r.get(2)?),
        status: if status == "open" {
            ConversationStatus::Open
        } else {
            ConversationStatus::Closed
        },
        opened_at: timestamp(r.get(4)?),
        opened_by: opened_by.0,
        closed_at: opt_timestamp(r.get(6)?),
        closed_by: closed_by.map(|j| j.0),
        closing_note: (category.is_some() || summary.is_some())
            .then_some(ClosingNote { category, summary }),
        first_response_at: opt_timestamp(r.get(10)?),
    })
}

pub fn by_id(conn: &Connection, id: &ConversationId) -> Result<Option<Conversation>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversations WHERE id = ?1"
        ))?
        .query_row([id], row)
        .optional()?)
}

pub fn of_contact(conn: &Connection, contact: &ContactId) -> Result<Vec<Conversation>, StoreError> {
    let Some(contact) = id_param(contact.as_str()) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversations WHERE contact_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([contact], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn in_scope(conn: &Connection, scope: &Scope) -> Result<Vec<Conversation>, StoreError> {
    let (filter, args): (&str, Vec<Value>) = match scope {
        Scope::All => ("", vec![]),
        Scope::AssignedToOrUnassigned(u) => (
            "WHERE contact_id IN (SELECT id FROM contacts WHERE assignee_id IS NULL OR assignee_id = ?)",
            vec![Value::Integer(id_param(u.as_str()).unwrap_or(0))],
        ),
        Scope::AssignedTo(u) => (
            "WHERE contact_id IN (SELECT id FROM contacts WHERE assignee_id = ?)",
            vec![Value::Integer(id_param(u.as_str()).unwrap_or(0))],
        ),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversations {filter} ORDER BY id"
    ))?;
    let rows = stmt.query_map(params_from_iter(args), row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert(conn: &Connection, c: &NewConversation) -> Result<Conversation, StoreError> {
    let contact = id_required(c.contact_id.as_str(), "Contact")?;
    let result = conn
        .prepare_cached(
            "INSERT INTO conversations (contact_id, channel_id, status, opened_at, opened_by)
             VALUES (?1, ?2, 'open', ?3, ?4)",
        )?
        .execute(params![
            contact,
            opt_id(c.channel_id.as_ref()),
            millis(c.opened_at),
            to_json(&c.opened_by)?
        ]);
    match result {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::Conflict(format!(
                "Contact {} already has an open conversation.",
                c.contact_id
            )));
        }
        Err(e) => return Err(e.into()),
    }
    let id = ConversationId(id_text(conn.last_insert_rowid()));
    by_id(conn, &id)?.ok_or_else(|| StoreError::backend("inserted conversation vanished"))
}

pub fn update(conn: &Connection, c: &Conversation) -> Result<(), StoreError> {
    let id = id_required(c.id.as_str(), "Conversation")?;
    let closed_by = c.closed_by.as_ref().map(to_json).transpose()?;
    let (category, summary) = match &c.closing_note {
        Some(n) => (n.category.clone(), n.summary.clone()),
        None => (None, None),
    };
    let result = conn
        .prepare_cached(
            "UPDATE conversations SET contact_id = ?2, status = ?3, closed_at = ?4, closed_by = ?5,
                 closing_category = ?6, closing_summary = ?7, first_response_at = ?8
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            id_required(c.contact_id.as_str(), "Contact")?,
            c.status.as_str(),
            opt_millis(c.closed_at),
            closed_by,
            category,
            summary,
            opt_millis(c.first_response_at)
        ]);
    match result {
        Ok(0) => Err(StoreError::NotFound(format!(
            "Conversation {} not found.",
            c.id
        ))),
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(format!(
            "Contact {} already has an open conversation.",
            c.contact_id
        ))),
        Err(e) => Err(e.into()),
    }
}
