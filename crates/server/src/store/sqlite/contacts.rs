//! Contacts and their channel identities in SQLite.

use std::collections::HashMap;

use messenger_protocol::{
    ChannelId, Contact, ContactChannel, ContactId, ContactProfile, ContactView, ConversationId,
    FileId, StatusFilter, UserId,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::convert::{
    Json, id_param, id_required, id_text, like_pattern, millis, opt_id, opt_millis, opt_timestamp,
    opt_typed, timestamp, to_json,
};
use crate::store::{
    ContactAddress, ContactOrder, ContactQuery, NewContact, Scope, StoreError, address_lookup,
};

const COLUMNS: &str = "id, name, first_name, email, phone, tags, assignee_id, open_conversation_id, \
                       last_message_at, last_message_preview, waiting_since, created_at, \
                       language, country_code, timezone, avatar_file_id, custom_fields";

fn row(r: &Row<'_>) -> rusqlite::Result<Contact> {
    let tags: Json<Vec<String>> = r.get(5)?;
    Ok(Contact {
        id: ContactId(id_text(r.get(0)?)),
        name: r.get(1)?,
        first_name: r.get(2)?,
        email: r.get(3)?,
        phone: r.get(4)?,
        tags: tags.0,
        assignee_id: opt_typed::<UserId>(r.get(6)?),
        open_conversation_id: opt_typed::<ConversationId>(r.get(7)?),
        last_message_at: opt_timestamp(r.get(8)?),
        last_message_preview: r.get(9)?,
        waiting_since: opt_timestamp(r.get(10)?),
        channels: Vec::new(),
        created_at: timestamp(r.get(11)?),
        profile: ContactProfile {
            language: r.get(12)?,
            country_code: r.get(13)?,
            timezone: r.get(14)?,
            avatar_file_id: r.get::<_, Option<String>>(15)?.map(FileId),
        },
        custom_fields: r
            .get::<_, Json<std::collections::BTreeMap<String, String>>>(16)?
            .0,
    })
}

/// Fills `channels` of each contact with one query.
fn with_channels(
    conn: &Connection,
    mut contacts: Vec<Contact>,
) -> Result<Vec<Contact>, StoreError> {
    if contacts.is_empty() {
        return Ok(contacts);
    }
    if let [one] = contacts.as_mut_slice() {
        // The common case (one contact): a plain indexed lookup.
        let id = id_param(one.id.as_str()).unwrap_or(0);
        let mut stmt = conn.prepare_cached(
            "SELECT channel_id, external_id FROM contact_channels WHERE contact_id = ?1 ORDER BY channel_id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(ContactChannel {
                channel_id: ChannelId(id_text(r.get(0)?)),
                external_id: r.get(1)?,
            })
        })?;
        one.channels = rows.collect::<Result<_, _>>()?;
        return Ok(contacts);
    }
    let ids: Vec<i64> = contacts
        .iter()
        .filter_map(|c| id_param(c.id.as_str()))
        .collect();
    let mut stmt = conn.prepare_cached(
        "SELECT contact_id, channel_id, external_id FROM contact_channels
         WHERE contact_id IN (SELECT value FROM json_each(?1)) ORDER BY channel_id",
    )?;
    let mut by_contact: HashMap<i64, Vec<ContactChannel>> = HashMap::new();
    let rows = stmt.query_map([to_json(&ids)?], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            ContactChannel {
                channel_id: ChannelId(id_text(r.get(1)?)),
                external_id: r.get(2)?,
            },
        ))
    })?;
    for entry in rows {
        let (contact, channel) = entry?;
        by_contact.entry(contact).or_default().push(channel);
    }
    for c in &mut contacts {
        if let Some(list) = id_param(c.id.as_str()).and_then(|id| by_contact.remove(&id)) {
            c.channels = list;
        }
    }
    Ok(contacts)
}

pub fn by_id(conn: &Connection, id: &ContactId) -> Result<Option<Contact>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    let found = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM contacts WHERE id = ?1"))?
        .query_row([id], row)
        .optional()?;
    Ok(match found {
        Some(c) => with_channels(conn, vec![c])?.pop(),
        None => None,
    })
}

pub fn assignees_of(
    conn: &Connection,
    ids: &[ContactId],
) -> Result<HashMap<ContactId, Option<UserId>>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT assignee_id FROM contacts WHERE id = ?1")?;
    let mut found = HashMap::with_capacity(ids.len());
    for id in ids {
        let Some(key) = id_param(id.as_str()) else {
            continue;
        };
        if found.contains_key(id) {
            continue;
        }
        if let Some(assignee) = stmt
            .query_row([key], |r| r.get::<_, Option<i64>>(0))
            .optional()?
        {
            found.insert(id.clone(), opt_typed::<UserId>(assignee));
        }
    }
    Ok(found)
}

pub fn by_address(
    conn: &Connection,
    address: &ContactAddress,
) -> Result<Option<Contact>, StoreError> {
    let (sql, key) = address_lookup(address);
    let id: Option<i64> = conn
        .prepare_cached(&sql.replace("$1", "?1"))?
        .query_row([key], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => by_id(conn, &ContactId(id_text(id))),
        None => Ok(None),
    }
}

pub fn by_identity(
    conn: &Connection,
    channel: &ChannelId,
    external_id: &str,
) -> Result<Option<Contact>, StoreError> {
    let Some(channel) = id_param(channel.as_str()) else {
        return Ok(None);
    };
    let found = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM contacts WHERE id =
                 (SELECT contact_id FROM contact_channels WHERE channel_id = ?1 AND external_id = ?2)"
        ))?
        .query_row(params![channel, external_id], row)
        .optional()?;
    Ok(match found {
        Some(c) => with_channels(conn, vec![c])?.pop(),
        None => None,
    })
}

pub fn external_id(
    conn: &Connection,
    contact: &ContactId,
    channel: &ChannelId,
) -> Result<Option<String>, StoreError> {
    let (Some(contact), Some(channel)) = (id_param(contact.as_str()), id_param(channel.as_str()))
    else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(
            "SELECT external_id FROM contact_channels WHERE contact_id = ?1 AND channel_id = ?2",
        )?
        .query_row(params![contact, channel], |r| r.get(0))
        .optional()?)
}

/// Adds the WHERE terms of a scope.
fn scope_filter(scope: &Scope, terms: &mut Vec<String>, args: &mut Vec<Value>) {
    match scope {
        Scope::All => {}
        Scope::AssignedToOrUnassigned(u) => {
            terms.push("(assignee_id IS NULL OR assignee_id = ?)".into());
            args.push(Value::Integer(id_param(u.as_str()).unwrap_or(0)));
        }
        Scope::AssignedTo(u) => {
            terms.push("assignee_id = ?".into());
            args.push(Value::Integer(id_param(u.as_str()).unwrap_or(0)));
        }
    }
}

fn where_clause(terms: &[String]) -> String {
    if terms.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", terms.join(" AND "))
    }
}

pub fn query(conn: &Connection, q: &ContactQuery) -> Result<Vec<Contact>, StoreError> {
    let mut terms = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    scope_filter(&q.scope, &mut terms, &mut args);
    match q.view {
        ContactView::All => {}
        ContactView::Mine => {
            terms.push("assignee_id = ?".into());
            args.push(Value::Integer(id_param(q.me.as_str()).unwrap_or(0)));
        }
        ContactView::Unassigned => terms.push("assignee_id IS NULL".into()),
    }
    match q.status {
        StatusFilter::Open => terms.push("open_conversation_id IS NOT NULL".into()),
        StatusFilter::Closed => terms.push("open_conversation_id IS NULL".into()),
        StatusFilter::Any => {}
    }
    if let Some(text) = q.text.as_deref().filter(|t| !t.trim().is_empty()) {
        terms.push(
            "(name LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\' OR phone LIKE ? ESCAPE '\\')"
                .into(),
        );
        let p = like_pattern(text.trim());
        args.extend([
            Value::Text(p.clone()),
            Value::Text(p.clone()),
            Value::Text(p),
        ]);
    }
    match (q.order, q.after) {
        (ContactOrder::Activity, Some((at, id))) => {
            terms.push("(activity_at, id) < (?, ?)".into());
            args.extend([Value::Integer(at), Value::Integer(id)]);
        }
        (ContactOrder::Newest, Some((_, id))) => {
            terms.push("id < ?".into());
            args.push(Value::Integer(id));
        }
        (_, None) => {}
    }
    args.push(Value::Integer(i64::try_from(q.limit).unwrap_or(100)));
    let order = match q.order {
        ContactOrder::Activity => "activity_at DESC, id DESC",
        ContactOrder::Newest => "id DESC",
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM contacts {} ORDER BY {order} LIMIT ?",
        where_clause(&terms)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), row)?;
    let contacts: Vec<Contact> = rows.collect::<Result<_, _>>()?;
    with_channels(conn, contacts)
}

pub fn in_scope(conn: &Connection, scope: &Scope) -> Result<Vec<Contact>, StoreError> {
    let mut terms = Vec::new();
    let mut args = Vec::new();
    scope_filter(scope, &mut terms, &mut args);
    let sql = format!(
        "SELECT {COLUMNS} FROM contacts {} ORDER BY activity_at DESC, id DESC",
        where_clause(&terms)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), row)?;
    let contacts: Vec<Contact> = rows.collect::<Result<_, _>>()?;
    with_channels(conn, contacts)
}

/// The inbox's sort key of a contact.
pub fn activity_at(c: &Contact) -> i64 {
    millis(c.last_message_at.unwrap_or(c.created_at))
}

pub fn insert(conn: &Connection, c: &NewContact) -> Result<Contact, StoreError> {
    conn.prepare_cached(
        "INSERT INTO contacts (name, first_name, email, phone, created_at, activity_at,
                               language, country_code, timezone, avatar_file_id, custom_fields)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        c.name,
        c.first_name,
        c.email,
        c.phone,
        millis(c.created_at),
        c.profile.language,
        c.profile.country_code,
        c.profile.timezone,
        c.profile.avatar_file_id.as_ref().map(|f| f.as_str()),
        to_json(&c.custom_fields)?,
    ])?;
    let id = ContactId(id_text(conn.last_insert_rowid()));
    by_id(conn, &id)?.ok_or_else(|| StoreError::backend("inserted contact vanished"))
}

pub fn update(conn: &Connection, c: &Contact) -> Result<(), StoreError> {
    let id = id_required(c.id.as_str(), "Contact")?;
    let n = conn
        .prepare_cached(
            "UPDATE contacts SET name = ?2, first_name = ?3, email = ?4, phone = ?5, tags = ?6,
                 assignee_id = ?7, open_conversation_id = ?8, last_message_at = ?9,
                 last_message_preview = ?10, waiting_since = ?11, activity_at = ?12,
                 language = ?13, country_code = ?14, timezone = ?15, avatar_file_id = ?16,
                 custom_fields = ?17
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            c.name,
            c.first_name,
            c.email,
            c.phone,
            to_json(&c.tags)?,
            opt_id(c.assignee_id.as_ref()),
            opt_id(c.open_conversation_id.as_ref()),
            opt_millis(c.last_message_at),
            c.last_message_preview,
            opt_millis(c.waiting_since),
            activity_at(c),
            c.profile.language,
            c.profile.country_code,
            c.profile.timezone,
            c.profile.avatar_file_id.as_ref().map(|f| f.as_str()),
            to_json(&c.custom_fields)?,
        ])?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("Contact {} not found.", c.id)));
    }
    Ok(())
}

pub fn add_identity(
    conn: &Connection,
    contact: &ContactId,
    channel: &ChannelId,
    external_id: &str,
) -> Result<(), StoreError> {
    let contact = id_required(contact.as_str(), "Contact")?;
    let channel = id_required(channel.as_str(), "Channel")?;
    conn.prepare_cached(
        "INSERT INTO contact_channels (channel_id, external_id, contact_id) VALUES (?1, ?2, ?3)
         ON CONFLICT (channel_id, external_id) DO UPDATE SET contact_id = excluded.contact_id",
    )?
    .execute(params![channel, external_id, contact])?;
    Ok(())
}

pub fn delete(conn: &Connection, id: &ContactId) -> Result<(), StoreError> {
    let id = id_required(id.as_str(), "Contact")?;
    conn.prepare_cached("DELETE FROM contacts WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn move_history(conn: &Connection, from: &ContactId, to: &ContactId) -> Result<(), StoreError> {
    let from = id_required(from.as_str(), "Contact")?;
    let to = id_required(to.as_str(), "Contact")?;
    for sql in [
        "UPDATE contact_channels SET contact_id = ?2 WHERE contact_id = ?1",
        "UPDATE conversations SET contact_id = ?2 WHERE contact_id = ?1",
        "UPDATE messages SET contact_id = ?2 WHERE contact_id = ?1",
        "UPDATE comments SET contact_id = ?2 WHERE contact_id = ?1",
    ] {
        conn.prepare_cached(sql)?.execute(params![from, to])?;
    }
    Ok(())
}
