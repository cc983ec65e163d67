//! Conversations in PostgreSQL. The partial unique index `conversations_one_open` is what makes
//! a second open conversation of a contact impossible, across every instance.

use messenger_protocol::{
    Actor, ChannelId, ClosingNote, ContactId, Conversation, ConversationId, ConversationStatus,
};
use tokio_postgres::Row;

use super::convert::{
    Col, backend, id_param, id_required, id_text, millis, opt_id, opt_millis, opt_timestamp,
    opt_typed, timestamp, to_json,
};
use super::db::{Db, is_unique_violation};
use super::tx::Lock;
use crate::store::{NewConversation, Scope, StoreError};

const COLUMNS: &str = "id, contact_id, channel_id, status, opened_at, opened_by, closed_at, closed_by, \
                       closing_category, closing_summary, first_response_at";

fn row(r: &Row) -> Result<Conversation, StoreError> {
    let status: &str = r.col(3)?;
    let category: Option<String> = r.col(8)?;
    let summary: Option<String> = r.col(9)?;
    Ok(Conversation {
        id: ConversationId(id_text(r.col(0)?)),
        contact_id: ContactId(id_text(r.col(1)?)),
        channel_id: opt_typed::<ChannelId>(r.col(2)?),
        status: if status == "open" {
            ConversationStatus::Open
        } else {
            ConversationStatus::Closed
        },
        opened_at: timestamp(r.col(4)?),
        opened_by: r.json::<Actor>(5)?,
        closed_at: opt_timestamp(r.col(6)?),
        closed_by: r.opt_json::<Actor>(7)?,
        closing_note: (category.is_some() || summary.is_some())
            .then_some(ClosingNote { category, summary }),
        first_response_at: opt_timestamp(r.col(10)?),
    })
}

fn already_open(contact: &ContactId) -> StoreError {
    StoreError::Conflict(format!(
        "Contact {contact} already has an open conversation."
    ))
}

pub fn by_id(
    db: &Db<'_>,
    id: &ConversationId,
    lock: Lock,
) -> Result<Option<Conversation>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    db.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM conversations WHERE id = $1{}",
            lock.sql()
        ),
        &[&id],
    )?
    .as_ref()
    .map(row)
    .transpose()
}

pub fn of_contact(db: &Db<'_>, contact: &ContactId) -> Result<Vec<Conversation>, StoreError> {
    let Some(contact) = id_param(contact.as_str()) else {
        return Ok(Vec::new());
    };
    db.query(
        &format!("SELECT {COLUMNS} FROM conversations WHERE contact_id = $1 ORDER BY id"),
        &[&contact],
    )?
    .iter()
    .map(row)
    .collect()
}

pub fn in_scope(db: &Db<'_>, scope: &Scope) -> Result<Vec<Conversation>, StoreError> {
    let rows = match scope {
        Scope::All => db.query(
            &format!("SELECT {COLUMNS} FROM conversations ORDER BY id"),
            &[],
        )?,
        Scope::AssignedToOrUnassigned(u) => db.query(
            &format!(
                "SELECT {COLUMNS} FROM conversations WHERE contact_id IN
                     (SELECT id FROM contacts WHERE assignee_id IS NULL OR assignee_id = $1)
                 ORDER BY id"
            ),
            &[&id_param(u.as_str()).unwrap_or(0)],
        )?,
        Scope::AssignedTo(u) => db.query(
            &format!(
                "SELECT {COLUMNS} FROM conversations WHERE contact_id IN
                     (SELECT id FROM contacts WHERE assignee_id = $1)
                 ORDER BY id"
            ),
            &[&id_param(u.as_str()).unwrap_or(0)],
        )?,
    };
    rows.iter().map(row).collect()
}

pub fn insert(db: &Db<'_>, c: &NewConversation) -> Result<Conversation, StoreError> {
    let contact = id_required(c.contact_id.as_str(), "Contact")?;
    // A concurrent open of the same contact waits here for the other transaction and then
    // does nothing: the domain hears Conflict, as on SQLite, and the transaction goes on.
    let inserted = db.query_opt(
        &format!(
            "INSERT INTO conversations (contact_id, channel_id, status, opened_at, opened_by)
             VALUES ($1, $2, 'open', $3, $4) ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
        ),
        &[
            &contact,
            &opt_id(c.channel_id.as_ref()),
            &millis(c.opened_at),
            &to_json(&c.opened_by)?,
        ],
    )?;
    match inserted {
        Some(r) => row(&r),
        None => Err(already_open(&c.contact_id)),
    }
}

pub fn update(db: &Db<'_>, c: &Conversation) -> Result<(), StoreError> {
    let id = id_required(c.id.as_str(), "Conversation")?;
    let contact = id_required(c.contact_id.as_str(), "Contact")?;
    let closed_by = c.closed_by.as_ref().map(to_json).transpose()?;
    let (category, summary) = match &c.closing_note {
        Some(n) => (n.category.clone(), n.summary.clone()),
        None => (None, None),
    };
    let sql =
        "UPDATE conversations SET contact_id = $2, status = $3, closed_at = $4, closed_by = $5,
                   closing_category = $6, closing_summary = $7, first_response_at = $8
               WHERE id = $1";
    let status = c.status.as_str();
    let closed_at = opt_millis(c.closed_at);
    let first_response_at = opt_millis(c.first_response_at);
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 8] = [
        &id,
        &contact,
        &status,
        &closed_at,
        &closed_by,
        &category,
        &summary,
        &first_response_at,
    ];
    // Only a row that is (re)opened can meet the one-open rule; closing and other changes
    // skip the savepoint.
    let result = if c.status == ConversationStatus::Open {
        db.guarded(|db| db.execute_raw(sql, &params))?
    } else {
        Ok(db.execute(sql, &params)?)
    };
    match result {
        Ok(0) => Err(StoreError::NotFound(format!(
            "Conversation {} not found.",
            c.id
        ))),
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(already_open(&c.contact_id)),
        Err(e) => Err(backend(e)),
    }
}
