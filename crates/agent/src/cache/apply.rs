//! Applying the server's events and snapshots to the cache, a batch per transaction. Every
//! event carries its whole entity, so applying one twice is harmless.

use std::collections::BTreeSet;

use messenger_protocol::{
    Contact, ContactId, Direction, Event, EventPayload, Message, Seq, Snapshot, UserId,
};
use rusqlite::params;

use super::Cache;
use super::entities::{self, set_meta};
use crate::error::{AgentError, AgentResult};

/// What a batch changed, for the UI and for notifications.
#[derive(Debug, Default)]
pub struct Applied {
    pub last_seq: Seq,
    pub events: usize,
    pub contacts: BTreeSet<ContactId>,
    pub timelines: BTreeSet<ContactId>,
    /// Contacts the cache did not hold before (their history is fetched on demand).
    pub appeared: Vec<ContactId>,
    pub workspace_changed: bool,
    /// New incoming messages (their contacts are read when someone needs them).
    pub incoming: Vec<Message>,
    /// Contacts that became assigned to the signed-in user by someone else.
    pub assigned_to_me: Vec<Contact>,
    /// Client ids the server confirmed (outbox items to settle).
    pub confirmed: Vec<String>,
}

/// Who is applying, and what the UI has in front of it.
#[derive(Clone, Debug)]
pub struct ApplyContext {
    pub me: UserId,
    /// The contact open in the app: its new messages are seen at once.
    pub focused: Option<ContactId>,
}

fn previous_assignee(
    conn: &rusqlite::Connection,
    id: &ContactId,
) -> AgentResult<Option<Option<String>>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached("SELECT assignee_id FROM contacts WHERE id = ?1")?
        .query_row([id.as_str()], |r| r.get::<_, Option<String>>(0))
        .optional()?)
}

impl Cache {
    /// Applies events in one transaction and moves `last_seq` past them.
    pub fn apply(&self, events: &[Event], ctx: &ApplyContext) -> AgentResult<Applied> {
        self.apply_through(events, 0, 0, ctx)
    }

    /// Applies events and, in the same transaction, moves `last_seq` to `through` when that
    /// is further (past events withheld or of unknown types) and counts `skipped` events of
    /// types this version does not know.
    pub fn apply_through(
        &self,
        events: &[Event],
        through: Seq,
        skipped: u64,
        ctx: &ApplyContext,
    ) -> AgentResult<Applied> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let mut out = Applied::default();
        let mut removed = BTreeSet::new();
        let mut self_assigned = BTreeSet::new();
        for event in events {
            out.events += 1;
            out.last_seq = out.last_seq.max(event.seq);
            match &event.payload {
                EventPayload::ContactUpserted(c) => {
                    let before = previous_assignee(&tx, &c.id)?;
                    let new = entities::upsert_contact(&tx, c)?;
                    if new {
                        out.appeared.push(c.id.clone());
                    }
                    let mine_now = c.assignee_id.as_ref() == Some(&ctx.me);
                    let mine_before = before.flatten().as_deref() == Some(ctx.me.as_str());
                    if mine_now && !mine_before && !new {
                        out.assigned_to_me.push(c.clone());
                    }
                    out.contacts.insert(c.id.clone());
                }
                EventPayload::ContactRemoved(r) => {
                    entities::purge_contact(&tx, &r.id)?;
                    removed.insert(r.id.clone());
                    out.contacts.insert(r.id.clone());
                    out.timelines.insert(r.id.clone());
                }
                EventPayload::ConversationUpserted(c) => {
                    entities::upsert_conversation(&tx, c)?;
                    out.contacts.insert(c.contact_id.clone());
                }
                EventPayload::MessageUpserted(m) => {
                    // "Assigned to me by me" is no news.
                    if let Some(a) = &m.activity
                        && a.kind == messenger_protocol::ActivityKind::Assigned
                        && a.assignee_id.as_ref() == Some(&ctx.me)
                        && a.actor.user_id() == Some(ctx.me.as_str())
                    {
                        self_assigned.insert(m.contact_id.clone());
                    }
                    let new = entities::upsert_message(&tx, m)?;
                    if let Some(cid) = &m.client_id {
                        out.confirmed.push(cid.to_string());
                    }
                    if new
                        && m.direction == Direction::Incoming
                        && ctx.focused.as_ref() != Some(&m.contact_id)
                    {
                        tx.prepare_cached("UPDATE contacts SET unread = unread + 1 WHERE id = ?1")?
                            .execute([m.contact_id.as_str()])?;
                    }
                    if new && m.direction == Direction::Incoming {
                        out.incoming.push(m.clone());
                    }
                    out.timelines.insert(m.contact_id.clone());
                    out.contacts.insert(m.contact_id.clone());
                }
                EventPayload::CommentUpserted(c) => {
                    entities::upsert_comment(&tx, c)?;
                    if let Some(cid) = &c.client_id {
                        out.confirmed.push(cid.to_string());
                    }
                    out.timelines.insert(c.contact_id.clone());
                }
                EventPayload::UserUpserted(u) => {
                    entities::upsert_user(&tx, u)?;
                    if u.id == ctx.me {
                        set_meta(&tx, "me", &to_json(u)?)?;
                    }
                    out.workspace_changed = true;
                }
                EventPayload::SettingsUpdated(s) => {
                    set_meta(&tx, "settings", &to_json(s)?)?;
                    out.workspace_changed = true;
                }
                EventPayload::SnippetUpserted(s) => {
                    entities::upsert_snippet(&tx, s)?;
                    out.workspace_changed = true;
                }
                EventPayload::SnippetRemoved(r) => {
                    entities::delete_keyed(&tx, "snippets", r.id.as_str())?;
                    out.workspace_changed = true;
                }
                EventPayload::CategoryUpserted(c) => {
                    entities::upsert_category(&tx, c)?;
                    out.workspace_changed = true;
                }
                EventPayload::CategoryRemoved(r) => {
                    entities::delete_keyed(&tx, "categories", r.id.as_str())?;
                    out.workspace_changed = true;
                }
                EventPayload::ChannelUpserted(c) => {
                    entities::upsert_channel(&tx, c)?;
                    out.workspace_changed = true;
                }
                EventPayload::CustomFieldUpserted(f) => {
                    entities::upsert_custom_field(&tx, f)?;
                    out.workspace_changed = true;
                }
            }
        }
        // A contact removed later in the batch is not news any more.
        out.incoming.retain(|m| !removed.contains(&m.contact_id));
        out.assigned_to_me
            .retain(|c| !removed.contains(&c.id) && !self_assigned.contains(&c.id));
        out.last_seq = out.last_seq.max(through);
        if out.last_seq > 0 {
            set_meta(&tx, "last_seq", &out.last_seq.to_string())?;
        }
        if skipped > 0 {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('skipped_events', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + ?1",
                [skipped as i64],
            )?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// Replaces everything the server owns with a snapshot (first start, or after `410`):
    /// contacts no longer in it are purged, cached timelines are dropped (they may have gaps)
    /// and fetched again on demand; the outbox and its local echoes stay.
    pub fn bootstrap(&self, snap: &Snapshot) -> AgentResult<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        for table in [
            "users",
            "channels",
            "categories",
            "snippets",
            "custom_fields",
            "conversations",
        ] {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        let keep: BTreeSet<&str> = snap.contacts.iter().map(|c| c.id.as_str()).collect();
        let cached: Vec<String> = {
            let mut stmt = tx.prepare("SELECT id FROM contacts")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for id in cached.iter().filter(|id| !keep.contains(id.as_str())) {
            entities::purge_contact(&tx, &ContactId(id.clone()))?;
        }
        tx.execute("DELETE FROM search", [])?;
        tx.execute(
            "DELETE FROM messages WHERE sort_key < ?1",
            [super::LOCAL_SORT_BASE],
        )?;
        tx.execute(
            "DELETE FROM comments WHERE sort_key < ?1",
            [super::LOCAL_SORT_BASE],
        )?;
        tx.execute(
            "UPDATE contacts SET history_from = NULL, history_done = 0",
            [],
        )?;
        for u in &snap.users {
            entities::upsert_user(&tx, u)?;
        }
        for c in &snap.channels {
            entities::upsert_channel(&tx, c)?;
        }
        for c in &snap.categories {
            entities::upsert_category(&tx, c)?;
        }
        for s in &snap.snippets {
            entities::upsert_snippet(&tx, s)?;
        }
        for f in &snap.custom_fields {
            entities::upsert_custom_field(&tx, f)?;
        }
        for c in &snap.contacts {
            entities::upsert_contact(&tx, c)?;
        }
        for c in &snap.conversations {
            entities::upsert_conversation(&tx, c)?;
        }
        set_meta(&tx, "me", &to_json(&snap.me)?)?;
        set_meta(&tx, "settings", &to_json(&snap.settings)?)?;
        set_meta(&tx, "last_seq", &snap.seq.to_string())?;
        tx.commit()?;
        Ok(())
    }

    /// Stores a page of a contact's history fetched from the server (newest first, as the
    /// server sends it) and extends the span of the timeline the cache holds.
    pub fn store_history(
        &self,
        contact: &ContactId,
        page: &[Message],
        complete: bool,
        conversations: Option<&[messenger_protocol::Conversation]>,
    ) -> AgentResult<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        for m in page {
            entities::upsert_message(&tx, m)?;
        }
        if let Some(list) = conversations {
            for c in list {
                entities::upsert_conversation(&tx, c)?;
            }
        }
        if let Some(oldest) = page.iter().map(|m| entities::num(m.id.as_str())).min() {
            tx.prepare_cached(
                "UPDATE contacts SET history_from = MIN(COALESCE(history_from, ?2), ?2) WHERE id = ?1",
            )?
            .execute(params![contact.as_str(), oldest])?;
        }
        if complete {
            tx.prepare_cached("UPDATE contacts SET history_done = 1 WHERE id = ?1")?
                .execute([contact.as_str()])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Writes one contact as fetched from the server (after an optimistic change failed).
    pub fn put_contact(&self, contact: &Contact) -> AgentResult<()> {
        let conn = self.writer();
        entities::upsert_contact(&conn, contact)?;
        Ok(())
    }

    /// Comments of a contact fetched from the server.
    pub fn store_comments(&self, comments: &[messenger_protocol::Comment]) -> AgentResult<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        for c in comments {
            entities::upsert_comment(&tx, c)?;
        }
        tx.commit()?;
        Ok(())
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> AgentResult<String> {
    serde_json::to_string(v).map_err(|e| AgentError::Cache(e.to_string()))
}
