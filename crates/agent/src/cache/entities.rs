//! Writing entities into the cache, with their search rows. Each function runs on a connection
//! inside the caller's transaction.

use messenger_protocol::{
    Channel, ClosingNoteCategory, Comment, Contact, ContactId, Conversation, CustomField,
    Direction, Message, Snippet, User,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{AgentError, AgentResult};

fn json<T: serde::Serialize>(v: &T) -> AgentResult<String> {
    serde_json::to_string(v).map_err(|e| AgentError::Cache(e.to_string()))
}

/// The numeric form of a server id (timeline order, search rowids).
pub fn num(id: &str) -> i64 {
    id.parse().unwrap_or(0)
}

pub fn upsert_keyed(conn: &Connection, table: &str, id: &str, value: &str) -> AgentResult<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO {table} (id, json) VALUES (?1, ?2)"
    ))?
    .execute([id, value])?;
    Ok(())
}

pub fn delete_keyed(conn: &Connection, table: &str, id: &str) -> AgentResult<()> {
    conn.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?
        .execute([id])?;
    Ok(())
}

pub fn upsert_user(conn: &Connection, u: &User) -> AgentResult<()> {
    upsert_keyed(conn, "users", u.id.as_str(), &json(u)?)
}

pub fn upsert_channel(conn: &Connection, c: &Channel) -> AgentResult<()> {
    upsert_keyed(conn, "channels", c.id.as_str(), &json(c)?)
}

pub fn upsert_category(conn: &Connection, c: &ClosingNoteCategory) -> AgentResult<()> {
    upsert_keyed(conn, "categories", c.id.as_str(), &json(c)?)
}

pub fn upsert_custom_field(conn: &Connection, f: &CustomField) -> AgentResult<()> {
    upsert_keyed(conn, "custom_fields", f.id.as_str(), &json(f)?)
}

pub fn upsert_snippet(conn: &Connection, s: &Snippet) -> AgentResult<()> {
    upsert_keyed(conn, "snippets", s.id.as_str(), &json(s)?)
}

pub fn set_meta(conn: &Connection, key: &str, value: &str) -> AgentResult<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
        .execute([key, value])?;
    Ok(())
}

fn contact_search_text(c: &Contact) -> String {
    [
        Some(c.name.as_str()),
        c.email.as_deref(),
        c.phone.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}

/// Writes a contact; local columns (unread, history) are kept. Returns whether it was new.
pub fn upsert_contact(conn: &Connection, c: &Contact) -> AgentResult<bool> {
    let search_text = contact_search_text(c);
    let previous: Option<String> = conn
        .prepare_cached("SELECT search_text FROM contacts WHERE id = ?1")?
        .query_row([c.id.as_str()], |r| r.get(0))
        .optional()?;
    let activity = c.last_message_at.unwrap_or(c.created_at).millis();
    conn.prepare_cached(
        "INSERT INTO contacts (id, json, name, assignee_id, is_open, activity_at, server_activity_at, waiting_since, search_text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET json = excluded.json, name = excluded.name,
             assignee_id = excluded.assignee_id, is_open = excluded.is_open,
             activity_at = MAX(excluded.activity_at, COALESCE(pending_at, 0)),
             server_activity_at = excluded.activity_at, waiting_since = excluded.waiting_since,
             search_text = excluded.search_text",
    )?
    .execute(params![
        c.id.as_str(),
        json(c)?,
        c.name,
        c.assignee_id.as_ref().map(|a| a.as_str()),
        c.open_conversation_id.is_some(),
        activity,
        c.waiting_since.map(|t| t.millis()),
        search_text
    ])?;
    if previous.as_deref() != Some(search_text.as_str()) {
        let rowid = num(c.id.as_str());
        conn.prepare_cached("DELETE FROM contact_search WHERE rowid = ?1")?
            .execute([rowid])?;
        conn.prepare_cached("INSERT INTO contact_search (rowid, text) VALUES (?1, ?2)")?
            .execute(params![rowid, search_text])?;
    }
    Ok(previous.is_none())
}

/// Removes a contact and everything of it (when it is merged away or leaves the user's sight).
pub fn purge_contact(conn: &Connection, id: &ContactId) -> AgentResult<()> {
    let rowids: Vec<i64> = {
        let mut stmt = conn.prepare_cached(
            "SELECT sort_key * 4 FROM messages WHERE contact_id = ?1 AND sort_key < ?2
             UNION ALL SELECT sort_key * 4 + 1 FROM comments WHERE contact_id = ?1 AND sort_key < ?2",
        )?;
        let rows = stmt.query_map(params![id.as_str(), super::LOCAL_SORT_BASE], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut del = conn.prepare_cached("DELETE FROM search WHERE rowid = ?1")?;
    for r in rowids {
        del.execute([r])?;
    }
    conn.prepare_cached("DELETE FROM contact_search WHERE rowid = ?1")?
        .execute([num(id.as_str())])?;
    for sql in [
        "DELETE FROM messages WHERE contact_id = ?1",
        "DELETE FROM comments WHERE contact_id = ?1",
        "DELETE FROM conversations WHERE contact_id = ?1",
        "DELETE FROM contacts WHERE id = ?1",
    ] {
        conn.prepare_cached(sql)?.execute([id.as_str()])?;
    }
    Ok(())
}

pub fn upsert_conversation(conn: &Connection, c: &Conversation) -> AgentResult<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO conversations (id, contact_id, json) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![c.id.as_str(), c.contact_id.as_str(), json(c)?])?;
    Ok(())
}

/// After a local echo came or went: the contact's row previews and sorts by its newest
/// pending reply, if it has one, else by the server's activity.
pub fn refresh_pending(conn: &Connection, contact: &ContactId) -> AgentResult<()> {
    conn.prepare_cached(
        "UPDATE contacts SET
             pending_at = (SELECT MAX(created_at) FROM messages WHERE contact_id = ?1 AND sort_key >= ?2),
             pending_text = (SELECT text FROM messages WHERE contact_id = ?1 AND sort_key >= ?2
                             ORDER BY created_at DESC, sort_key DESC LIMIT 1)
         WHERE id = ?1",
    )?
    .execute(params![contact.as_str(), super::LOCAL_SORT_BASE])?;
    conn.prepare_cached(
        "UPDATE contacts SET activity_at = MAX(server_activity_at, COALESCE(pending_at, 0)) WHERE id = ?1",
    )?
    .execute([contact.as_str()])?;
    Ok(())
}

/// Writes a server message (replacing its local echo, if any). Returns whether it was new.
pub fn upsert_message(conn: &Connection, m: &Message) -> AgentResult<bool> {
    if let Some(client_id) = &m.client_id {
        let echoes = conn
            .prepare_cached("DELETE FROM messages WHERE client_id = ?1 AND sort_key >= ?2")?
            .execute(params![client_id.as_str(), super::LOCAL_SORT_BASE])?;
        if echoes > 0 {
            refresh_pending(conn, &m.contact_id)?;
        }
    }
    let previous: Option<String> = conn
        .prepare_cached("SELECT text FROM messages WHERE sort_key = ?1")?
        .query_row([num(m.id.as_str())], |r| r.get(0))
        .optional()?;
    let sort_key = num(m.id.as_str());
    conn.prepare_cached(
        "INSERT INTO messages (sort_key, contact_id, client_id, text, json, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (sort_key) DO UPDATE SET contact_id = excluded.contact_id, text = excluded.text,
             json = excluded.json",
    )?
    .execute(params![
        sort_key,
        m.contact_id.as_str(),
        m.client_id.as_ref().map(|c| c.as_str()),
        m.text,
        json(m)?,
        m.created_at.millis()
    ])?;
    let searchable = m.direction != Direction::Activity && !m.text.trim().is_empty();
    if searchable && previous.as_deref() != Some(m.text.as_str()) {
        let rowid = sort_key * 4;
        if previous.is_some() {
            conn.prepare_cached("DELETE FROM search WHERE rowid = ?1")?
                .execute([rowid])?;
        }
        conn.prepare_cached(
            "INSERT INTO search (rowid, text, kind, ref_id, contact_id, at) VALUES (?1, ?2, 'message', ?3, ?4, ?5)",
        )?
        .execute(params![rowid, m.text, m.id.as_str(), m.contact_id.as_str(), m.created_at.millis()])?;
    }
    Ok(previous.is_none())
}

pub fn upsert_comment(conn: &Connection, c: &Comment) -> AgentResult<bool> {
    if let Some(client_id) = &c.client_id {
        conn.prepare_cached("DELETE FROM comments WHERE client_id = ?1 AND sort_key >= ?2")?
            .execute(params![client_id.as_str(), super::LOCAL_SORT_BASE])?;
    }
    let sort_key = num(c.id.as_str());
    let existed: bool = conn
        .prepare_cached("SELECT 1 FROM comments WHERE sort_key = ?1")?
        .query_row([sort_key], |_| Ok(()))
        .optional()?
        .is_some();
    conn.prepare_cached(
        "INSERT OR REPLACE INTO comments (sort_key, contact_id, client_id, json, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        sort_key,
        c.contact_id.as_str(),
        c.client_id.as_ref().map(|x| x.as_str()),
        json(c)?,
        c.created_at.millis()
    ])?;
    if !existed {
        conn.prepare_cached(
            "INSERT INTO search (rowid, text, kind, ref_id, contact_id, at) VALUES (?1, ?2, 'comment', ?3, ?4, ?5)",
        )?
        .execute(params![sort_key * 4 + 1, c.text, c.id.as_str(), c.contact_id.as_str(), c.created_at.millis()])?;
    }
    Ok(!existed)
}
