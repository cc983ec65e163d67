//! A contact's timeline (messages, activity entries and comments, across its conversations),
//! the contact drawer, and the workspace's reference data — all from the cache.

use messenger_protocol::{
    Channel, ClosingNoteCategory, Comment, ContactId, Conversation, CustomField, Message, Settings,
    Snippet, User,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::de::DeserializeOwned;

use super::{Cache, LOCAL_SORT_BASE};
use crate::error::{AgentError, AgentResult};
use crate::view::{ContactDetails, Pending, TimelineEntry, TimelinePage, Workspace};

fn parse<T: DeserializeOwned>(json: &str) -> AgentResult<T> {
    serde_json::from_str(json).map_err(|e| AgentError::Cache(e.to_string()))
}

/// Position in a timeline: (created_at, kind: 0 message / 1 comment, sort key).
type Position = (i64, i64, i64);

fn encode(p: Position) -> String {
    format!("{}:{}:{}", p.0, p.1, p.2)
}

fn decode(s: &str) -> AgentResult<Position> {
    let mut parts = s.split(':').map(|p| p.parse::<i64>());
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(a)), Some(Ok(b)), Some(Ok(c))) => Ok((a, b, c)),
        _ => Err(AgentError::Invalid(format!(
            "{s:?} is not a timeline cursor."
        ))),
    }
}

/// Up to `limit` rows of one kind (`table` holds messages or comments, ranked `kind` among
/// entries of the same time) older than `before`, newest first: the stored JSON, and the
/// outbox state of a row still waiting to be sent.
fn older_rows(
    conn: &Connection,
    table: &str,
    kind: i64,
    contact: &ContactId,
    before: Position,
    limit: i64,
) -> AgentResult<Vec<(Position, String, Option<Pending>)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT t.json, t.created_at, t.sort_key, o.id, o.state, o.error, o.refusal
         FROM {table} t LEFT JOIN outbox o ON t.sort_key >= ?5 AND o.client_id = t.client_id
         WHERE t.contact_id = ?1 AND (t.created_at < ?2 OR (t.created_at = ?2 AND ({kind} < ?3 OR ({kind} = ?3 AND t.sort_key < ?4))))
         ORDER BY t.created_at DESC, t.sort_key DESC LIMIT ?6"
    ))?;
    let rows = stmt.query_map(
        params![
            contact.as_str(),
            before.0,
            before.1,
            before.2,
            LOCAL_SORT_BASE,
            limit
        ],
        |r| {
            let key: i64 = r.get(2)?;
            let pending = if key >= LOCAL_SORT_BASE {
                let state: Option<String> = r.get(4)?;
                Some(Pending {
                    outbox_id: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
                    failed: state.as_deref() == Some("failed"),
                    error: r.get(5)?,
                    refusal: super::outbox_store::refusal(r.get(6)?),
                })
            } else {
                None
            };
            Ok(((r.get(1)?, kind, key), r.get(0)?, pending))
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Cache {
    /// Up to `limit` entries older than `before` (newest page when `None`), oldest first.
    pub fn timeline(
        &self,
        contact: &ContactId,
        before: Option<&str>,
        limit: u32,
    ) -> AgentResult<TimelinePage> {
        let before = before
            .map(decode)
            .transpose()?
            .unwrap_or((i64::MAX, i64::MAX, i64::MAX));
        let limit = i64::from(limit.max(1));
        let conn = self.reader();
        let mut found: Vec<(Position, TimelineEntry)> = Vec::new();
        for (position, json, pending) in older_rows(&conn, "messages", 0, contact, before, limit)? {
            let message: Message = parse(&json)?;
            found.push((position, TimelineEntry::Message { message, pending }));
        }
        for (position, json, pending) in older_rows(&conn, "comments", 1, contact, before, limit)? {
            let comment: Comment = parse(&json)?;
            found.push((position, TimelineEntry::Comment { comment, pending }));
        }
        found.sort_by_key(|e| std::cmp::Reverse(e.0));
        let more = found.len() > limit as usize;
        found.truncate(limit as usize);
        let older_cursor = if more {
            found.last().map(|(p, _)| encode(*p))
        } else {
            None
        };
        let history_complete: bool = conn
            .prepare_cached("SELECT history_done FROM contacts WHERE id = ?1")?
            .query_row([contact.as_str()], |r| r.get(0))
            .optional()?
            .unwrap_or(false);
        found.reverse();
        Ok(TimelinePage {
            entries: found.into_iter().map(|(_, e)| e).collect(),
            older_cursor,
            history_complete,
        })
    }

    /// The oldest server message id cached for a contact, and whether history is complete.
    pub fn history_state(&self, contact: &ContactId) -> AgentResult<(Option<i64>, bool)> {
        Ok(self
            .reader()
            .prepare_cached("SELECT history_from, history_done FROM contacts WHERE id = ?1")?
            .query_row([contact.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((None, false)))
    }

    pub fn contact_details(&self, id: &ContactId) -> AgentResult<Option<ContactDetails>> {
        let conn = self.reader();
        let row: Option<(String, i64)> = conn
            .prepare_cached("SELECT json, unread FROM contacts WHERE id = ?1")?
            .query_row([id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((json, unread)) = row else {
            return Ok(None);
        };
        let contact: messenger_protocol::Contact = parse(&json)?;
        let mut conversations: Vec<Conversation> = {
            let mut stmt =
                conn.prepare_cached("SELECT json FROM conversations WHERE contact_id = ?1")?;
            let rows = stmt.query_map([id.as_str()], |r| r.get::<_, String>(0))?;
            rows.map(|r| r.map_err(AgentError::from).and_then(|j| parse(&j)))
                .collect::<AgentResult<_>>()?
        };
        conversations.sort_by_key(|c| c.id.as_str().parse::<i64>().unwrap_or(0));
        let mut channels = Vec::new();
        for ch in &contact.channels {
            let json: Option<String> = conn
                .prepare_cached("SELECT json FROM channels WHERE id = ?1")?
                .query_row([ch.channel_id.as_str()], |r| r.get(0))
                .optional()?;
            if let Some(j) = json {
                channels.push(parse::<Channel>(&j)?);
            }
        }
        let changes = super::outbox_store::pending_changes(&conn, Some(id))?
            .remove(id)
            .unwrap_or_default();
        Ok(Some(ContactDetails {
            contact,
            conversations,
            channels,
            unread: u32::try_from(unread).unwrap_or(0),
            changes,
        }))
    }

    fn all<T: DeserializeOwned>(&self, table: &str) -> AgentResult<Vec<T>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT json FROM {table} ORDER BY CAST(id AS INTEGER)"
        ))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|r| r.map_err(AgentError::from).and_then(|j| parse(&j)))
            .collect()
    }

    /// Everything reference-like; `None` before the first bootstrap.
    pub fn workspace(&self) -> AgentResult<Option<Workspace>> {
        let (Some(me), Some(settings)) = (self.me()?, self.meta("settings")?) else {
            return Ok(None);
        };
        let settings: Settings = parse(&settings)?;
        let users: Vec<User> = self.all("users")?;
        let channels: Vec<Channel> = self.all("channels")?;
        let categories: Vec<ClosingNoteCategory> = self.all("categories")?;
        let mut snippets: Vec<Snippet> = self.all("snippets")?;
        snippets.sort_by(|a, b| a.shortcut.cmp(&b.shortcut));
        let mut custom_fields: Vec<CustomField> = self.all("custom_fields")?;
        custom_fields.sort_by_key(|f| f.id.as_str().parse::<i64>().unwrap_or(i64::MAX));
        Ok(Some(Workspace {
            me,
            settings,
            users,
            channels,
            categories,
            snippets,
            custom_fields,
        }))
    }

    /// Counts for `messenger-agent sync`.
    pub fn counts(&self) -> AgentResult<(u64, u64, u64)> {
        let conn = self.reader();
        let count = |sql: &str| -> AgentResult<u64> {
            let n: i64 = conn.query_row(sql, [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        Ok((
            count("SELECT COUNT(*) FROM contacts")?,
            count("SELECT COUNT(*) FROM conversations")?,
            count("SELECT COUNT(*) FROM messages")?,
        ))
    }
}
