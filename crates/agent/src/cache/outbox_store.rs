//! The outbox's rows: every write the agent makes is stored here (with its local echo) before
//! it is sent, and removed only once the server confirmed it or the user discarded it.

use messenger_protocol::{
    ClientId, ContactId, ConversationId, FileId, Message, Timestamp, UserId, UserStatus,
};
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Cache, LOCAL_SORT_BASE, entities};
use crate::error::{AgentError, AgentResult};
use crate::view::{PendingAssignee, PendingChanges, Refusal};

/// A file copied into the agent's staging directory, waiting to be uploaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StagedFile {
    pub path: String,
    pub name: String,
    #[ts(type = "number")]
    pub size: u64,
    pub mime: String,
    /// Set once uploaded (a retry does not upload again).
    #[serde(default)]
    pub file_id: Option<FileId>,
}

/// What an outbox item asks of the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxKind {
    SendMessage {
        text: Option<String>,
        #[serde(default)]
        files: Vec<StagedFile>,
        #[serde(default)]
        voice: Option<(StagedFile, u64, Vec<u8>)>,
    },
    Comment {
        text: String,
        #[serde(default)]
        mentions: Vec<UserId>,
    },
    Assign {
        user_id: Option<UserId>,
    },
    OpenConversation,
    CloseConversation {
        conversation_id: ConversationId,
        category: Option<String>,
        summary: Option<String>,
    },
    SetStatus {
        status: UserStatus,
    },
}

impl OutboxKind {
    pub fn name(&self) -> &'static str {
        match self {
            Self::SendMessage { .. } => "send_message",
            Self::Comment { .. } => "comment",
            Self::Assign { .. } => "assign",
            Self::OpenConversation => "open_conversation",
            Self::CloseConversation { .. } => "close_conversation",
            Self::SetStatus { .. } => "set_status",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxState {
    Queued,
    Failed,
}

#[derive(Clone, Debug)]
pub struct OutboxItem {
    pub id: i64,
    pub client_id: ClientId,
    pub contact_id: Option<ContactId>,
    pub kind: OutboxKind,
    pub state: OutboxState,
    pub attempts: u32,
    pub error: Option<String>,
    /// Set once the server refused it.
    pub refusal: Option<Refusal>,
    pub next_attempt_at: i64,
    pub created_at: Timestamp,
}

/// The local echo shown while an item is on its way.
// Most echoes are messages: boxing them would only add an allocation to each.
#[allow(clippy::large_enum_variant)]
pub enum Echo {
    Message(Message),
    Comment(messenger_protocol::Comment),
}

fn row(r: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        (r.get(6)?, r.get(9)?),
        r.get(7)?,
        r.get(8)?,
    ))
}

const COLUMNS: &str = "id, client_id, contact_id, payload, state, attempts, error, next_attempt_at, created_at, refusal";

type Raw = (
    i64,
    String,
    Option<String>,
    String,
    String,
    i64,
    (Option<String>, Option<String>),
    i64,
    i64,
);

/// The stored refusal; one this version cannot read counts as none (the sentence in `error`
/// still says what happened).
pub(super) fn refusal(json: Option<String>) -> Option<Refusal> {
    json.and_then(|j| serde_json::from_str(&j).ok())
}

fn item(raw: Raw) -> AgentResult<OutboxItem> {
    let (id, client_id, contact_id, payload, state, attempts, (error, refusal_json), next, created) =
        raw;
    Ok(OutboxItem {
        id,
        client_id: ClientId(client_id),
        contact_id: contact_id.map(ContactId),
        kind: serde_json::from_str(&payload)
            .map_err(|e| AgentError::Cache(format!("outbox item {id}: {e}")))?,
        state: if state == "failed" {
            OutboxState::Failed
        } else {
            OutboxState::Queued
        },
        attempts: u32::try_from(attempts).unwrap_or(0),
        error,
        refusal: refusal(refusal_json),
        next_attempt_at: next,
        created_at: Timestamp::from_millis(created).unwrap_or(Timestamp::EPOCH),
    })
}

/// The changes of contacts still queued in the outbox (assign, open, close), the last asked
/// for winning; `only` limits them to one contact.
pub(super) fn pending_changes(
    conn: &rusqlite::Connection,
    only: Option<&ContactId>,
) -> AgentResult<std::collections::HashMap<ContactId, PendingChanges>> {
    let mut stmt = conn.prepare_cached(
        "SELECT contact_id, payload FROM outbox
         WHERE state = 'queued' AND contact_id IS NOT NULL AND (?1 IS NULL OR contact_id = ?1)
           AND kind IN ('assign', 'open_conversation', 'close_conversation')
         ORDER BY id",
    )?;
    let rows = stmt.query_map([only.map(|c| c.as_str())], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = std::collections::HashMap::<ContactId, PendingChanges>::new();
    for row in rows {
        let (contact, payload) = row?;
        let Ok(kind) = serde_json::from_str::<OutboxKind>(&payload) else {
            continue;
        };
        let changes = out.entry(ContactId(contact)).or_default();
        match kind {
            OutboxKind::Assign { user_id } => changes.assignee = Some(PendingAssignee { user_id }),
            OutboxKind::OpenConversation => changes.open = Some(true),
            OutboxKind::CloseConversation { .. } => changes.open = Some(false),
            _ => {}
        }
    }
    Ok(out)
}

impl Cache {
    /// Stores an item and its local echo, durably (the outbox must survive a power cut).
    pub fn enqueue(
        &self,
        client_id: &ClientId,
        contact: Option<&ContactId>,
        kind: &OutboxKind,
        echo: Option<Echo>,
        now: Timestamp,
    ) -> AgentResult<OutboxItem> {
        let payload = serde_json::to_string(kind).map_err(|e| AgentError::Cache(e.to_string()))?;
        let mut conn = self.writer();
        conn.pragma_update(None, "synchronous", "FULL")?;
        let result = (|| -> AgentResult<OutboxItem> {
            let tx = conn.transaction()?;
            tx.prepare_cached(
                "INSERT INTO outbox (client_id, kind, contact_id, payload, state, next_attempt_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?5)",
            )?
            .execute(params![client_id.as_str(), kind.name(), contact.map(|c| c.as_str()), payload, now.millis()])?;
            let id = tx.last_insert_rowid();
            match echo {
                Some(Echo::Message(m)) => {
                    tx.prepare_cached(
                        "INSERT INTO messages (sort_key, contact_id, client_id, text, json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![
                        LOCAL_SORT_BASE + id, m.contact_id.as_str(), client_id.as_str(), m.text,
                        serde_json::to_string(&m).map_err(|e| AgentError::Cache(e.to_string()))?, m.created_at.millis()
                    ])?;
                    entities::refresh_pending(&tx, &m.contact_id)?;
                }
                Some(Echo::Comment(c)) => {
                    tx.prepare_cached(
                        "INSERT INTO comments (sort_key, contact_id, client_id, json, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?
                    .execute(params![
                        LOCAL_SORT_BASE + id, c.contact_id.as_str(), client_id.as_str(),
                        serde_json::to_string(&c).map_err(|e| AgentError::Cache(e.to_string()))?, c.created_at.millis()
                    ])?;
                }
                None => {}
            }
            tx.commit()?;
            Ok(OutboxItem {
                id,
                client_id: client_id.clone(),
                contact_id: contact.cloned(),
                kind: kind.clone(),
                state: OutboxState::Queued,
                attempts: 0,
                error: None,
                refusal: None,
                next_attempt_at: now.millis(),
                created_at: now,
            })
        })();
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        result
    }

    pub fn outbox(&self) -> AgentResult<Vec<OutboxItem>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM outbox ORDER BY id"))?;
        let rows = stmt.query_map([], row)?;
        rows.map(|r| r.map_err(AgentError::from).and_then(item))
            .collect()
    }

    pub fn outbox_item(&self, id: i64) -> AgentResult<Option<OutboxItem>> {
        let raw = self
            .reader()
            .prepare_cached(&format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"))?
            .query_row([id], row)
            .optional()?;
        raw.map(item).transpose()
    }

    pub fn outbox_count(&self) -> AgentResult<u32> {
        let n: i64 = self
            .reader()
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
        Ok(u32::try_from(n).unwrap_or(0))
    }

    /// Every queued item, oldest first (due or not).
    pub fn outbox_queued(&self) -> AgentResult<Vec<OutboxItem>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE state = 'queued' ORDER BY id"
        ))?;
        let rows = stmt.query_map([], row)?;
        rows.map(|r| r.map_err(AgentError::from).and_then(item))
            .collect()
    }

    /// Makes every queued item due now (the network is back, or the user asked).
    pub fn outbox_wake_all(&self, now: Timestamp) -> AgentResult<()> {
        self.writer()
            .execute("UPDATE outbox SET next_attempt_at = ?1 WHERE state = 'queued' AND next_attempt_at > ?1", [now.millis()])?;
        Ok(())
    }

    /// When the next queued item is due.
    pub fn outbox_next_due(&self) -> AgentResult<Option<i64>> {
        Ok(self.reader().query_row(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'queued'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Records progress (uploaded files) so a retry does not repeat it.
    pub fn outbox_update(&self, id: i64, kind: &OutboxKind) -> AgentResult<()> {
        let payload = serde_json::to_string(kind).map_err(|e| AgentError::Cache(e.to_string()))?;
        self.writer().execute(
            "UPDATE outbox SET payload = ?2 WHERE id = ?1",
            params![id, payload],
        )?;
        Ok(())
    }

    pub fn outbox_retry_later(
        &self,
        id: i64,
        attempts: u32,
        at: i64,
        error: &str,
    ) -> AgentResult<()> {
        self.writer().execute(
            "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, error = ?4 WHERE id = ?1",
            params![id, attempts, at, error],
        )?;
        Ok(())
    }

    /// The item cannot go as it is: `error` is the sentence, `refusal` the server's reasons
    /// when the server refused it.
    pub fn outbox_fail(&self, id: i64, error: &str, refusal: Option<&Refusal>) -> AgentResult<()> {
        let refusal = refusal
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| AgentError::Cache(e.to_string()))?;
        self.writer().execute(
            "UPDATE outbox SET state = 'failed', error = ?2, refusal = ?3 WHERE id = ?1",
            params![id, error, refusal],
        )?;
        Ok(())
    }

    /// The user asks to try a failed item again.
    pub fn outbox_requeue(&self, id: i64, now: Timestamp) -> AgentResult<bool> {
        let n = self.writer().execute(
            "UPDATE outbox SET state = 'queued', attempts = 0, error = NULL, refusal = NULL, next_attempt_at = ?2 WHERE id = ?1",
            params![id, now.millis()],
        )?;
        Ok(n > 0)
    }

    /// The server confirmed the item: it leaves the outbox (its echo was replaced on apply).
    pub fn outbox_settle(&self, client_id: &str) -> AgentResult<Option<OutboxItem>> {
        let conn = self.writer();
        let raw = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM outbox WHERE client_id = ?1"
            ))?
            .query_row([client_id], row)
            .optional()?;
        conn.prepare_cached("DELETE FROM outbox WHERE client_id = ?1")?
            .execute([client_id])?;
        raw.map(item).transpose()
    }

    /// Removes an item and its local echo (the user gave up on it).
    pub fn outbox_discard(&self, id: i64) -> AgentResult<Option<OutboxItem>> {
        let Some(found) = self.outbox_item(id)? else {
            return Ok(None);
        };
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM outbox WHERE id = ?1", [id])?;
        tx.execute(
            "DELETE FROM messages WHERE client_id = ?1 AND sort_key >= ?2",
            params![found.client_id.as_str(), LOCAL_SORT_BASE],
        )?;
        tx.execute(
            "DELETE FROM comments WHERE client_id = ?1 AND sort_key >= ?2",
            params![found.client_id.as_str(), LOCAL_SORT_BASE],
        )?;
        if let Some(contact) = &found.contact_id {
            entities::refresh_pending(&tx, contact)?;
        }
        tx.commit()?;
        Ok(Some(found))
    }

    /// Stores the server's answer to a send at once (its event will say the same).
    pub fn store_message(&self, m: &Message) -> AgentResult<()> {
        let conn = self.writer();
        entities::upsert_message(&conn, m)?;
        Ok(())
    }

    pub fn store_comment(&self, c: &messenger_protocol::Comment) -> AgentResult<()> {
        let conn = self.writer();
        entities::upsert_comment(&conn, c)?;
        Ok(())
    }
}
