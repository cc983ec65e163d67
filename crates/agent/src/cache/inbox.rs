//! The inbox from the cache: views All / Mine / Unassigned × open / closed, sorted, with unread
//! counts.

use messenger_protocol::{Contact, ContactId, ContactView, StatusFilter, Timestamp, UserId};
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Cache;
use crate::error::{AgentError, AgentResult};
use crate::view::{InboxCounts, InboxPage, InboxRow, InboxSortOrder, PendingReply};

pub type InboxSort = InboxSortOrder;

/// A window of the contact list, as the UI asks for it.
#[derive(Clone, Debug, Serialize, Deserialize, TS)]
pub struct InboxQuery {
    pub view: ContactView,
    pub status: StatusFilter,
    pub sort: InboxSort,
    /// Matches the contact's name, email or phone.
    pub text: Option<String>,
    pub offset: u32,
    pub limit: u32,
}

fn filters(
    view: ContactView,
    status: StatusFilter,
    me: &UserId,
    text: Option<&str>,
) -> (String, Vec<Value>) {
    let mut terms = Vec::new();
    let mut args = Vec::new();
    match view {
        ContactView::All => {}
        ContactView::Mine => {
            terms.push("assignee_id = ?");
            args.push(Value::Text(me.to_string()));
        }
        ContactView::Unassigned => terms.push("assignee_id IS NULL"),
    }
    match status {
        StatusFilter::Open => terms.push("is_open = 1"),
        StatusFilter::Closed => terms.push("is_open = 0"),
        StatusFilter::Any => {}
    }
    if let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) {
        terms.push("search_text LIKE ? ESCAPE '\\'");
        let escaped: String = t
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        args.push(Value::Text(format!("%{escaped}%")));
    }
    let clause = if terms.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", terms.join(" AND "))
    };
    (clause, args)
}

impl Cache {
    pub fn me(&self) -> AgentResult<Option<messenger_protocol::User>> {
        self.meta("me")?
            .map(|j| serde_json::from_str(&j).map_err(|e| AgentError::Cache(e.to_string())))
            .transpose()
    }

    pub fn inbox(&self, me: &UserId, q: &InboxQuery) -> AgentResult<InboxPage> {
        let (clause, args) = filters(q.view, q.status, me, q.text.as_deref());
        let order = match q.sort {
            InboxSort::Newest => "activity_at DESC, id DESC",
            InboxSort::Oldest => "activity_at ASC, id ASC",
            InboxSort::WaitingLongest => {
                "waiting_since IS NULL, waiting_since ASC, activity_at DESC"
            }
        };
        let conn = self.reader();
        let total: i64 = conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM contacts {clause}"))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
        let mut page_args = args.clone();
        page_args.push(Value::Integer(i64::from(q.limit)));
        page_args.push(Value::Integer(i64::from(q.offset)));
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT json, unread, pending_at, pending_text FROM contacts {clause} ORDER BY {order} LIMIT ? OFFSET ?"
        ))?;
        let rows = stmt.query_map(params_from_iter(page_args.iter()), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        let mut changes = super::outbox_store::pending_changes(&conn, None)?;
        let mut out = Vec::new();
        for row in rows {
            let (json, unread, pending_at, pending_text) = row?;
            let contact: Contact =
                serde_json::from_str(&json).map_err(|e| AgentError::Cache(e.to_string()))?;
            let pending = match (pending_at.and_then(Timestamp::from_millis), pending_text) {
                (Some(at), Some(text)) => Some(PendingReply { text, at }),
                _ => None,
            };
            out.push(InboxRow {
                changes: changes.remove(&contact.id).unwrap_or_default(),
                contact,
                unread: u32::try_from(unread).unwrap_or(0),
                pending,
            });
        }
        Ok(InboxPage {
            rows: out,
            total: u32::try_from(total).unwrap_or(0),
        })
    }

    pub fn inbox_counts(&self, me: &UserId, status: StatusFilter) -> AgentResult<InboxCounts> {
        let conn = self.reader();
        let mut counts = InboxCounts::default();
        for view in [ContactView::All, ContactView::Mine, ContactView::Unassigned] {
            let (clause, args) = filters(view, status, me, None);
            let (n, unread): (i64, i64) = conn
                .prepare_cached(&format!(
                    "SELECT COUNT(*), COALESCE(SUM(unread > 0), 0) FROM contacts {clause}"
                ))?
                .query_row(params_from_iter(args.iter()), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            let n = u32::try_from(n).unwrap_or(0);
            match view {
                ContactView::All => (counts.all, counts.all_unread) = (n, unread > 0),
                ContactView::Mine => (counts.mine, counts.mine_unread) = (n, unread > 0),
                ContactView::Unassigned => {
                    (counts.unassigned, counts.unassigned_unread) = (n, unread > 0)
                }
            }
        }
        Ok(counts)
    }

    /// The contact was looked at: its messages are read.
    pub fn mark_read(&self, contact: &ContactId) -> AgentResult<bool> {
        let n = self.writer().execute(
            "UPDATE contacts SET unread = 0 WHERE id = ?1 AND unread > 0",
            [contact.as_str()],
        )?;
        Ok(n > 0)
    }

    /// Incoming messages not yet seen, over all contacts (window title, tray).
    pub fn unread_total(&self) -> AgentResult<u32> {
        let n: i64 =
            self.reader()
                .query_row("SELECT COALESCE(SUM(unread), 0) FROM contacts", [], |r| {
                    r.get(0)
                })?;
        Ok(u32::try_from(n).unwrap_or(0))
    }

    pub fn contact(&self, id: &ContactId) -> AgentResult<Option<Contact>> {
        use rusqlite::OptionalExtension;
        let json: Option<String> = self
            .reader()
            .prepare_cached("SELECT json FROM contacts WHERE id = ?1")?
            .query_row([id.as_str()], |r| r.get(0))
            .optional()?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| AgentError::Cache(e.to_string())))
            .transpose()
    }
}
