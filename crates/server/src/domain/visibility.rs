//! Who may see which contact, and how the event log reads for one reader.
//!
//! Owners and managers see every contact. Agents see what the workspace's `agent_visibility`
//! allows. The log is filtered when it is read, with the settings, roles and assignments of that
//! moment: an event about a contact the reader may not see now is withheld, except
//! `contact.upserted`, which reads as `contact.removed {id}` so that the reader's client drops
//! what it had.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::ws::Utf8Bytes;

use messenger_protocol::{AgentVisibility, ContactId, Role, Settings, UserId};

use crate::store::{LogEvent, ReadTx, Scope, StoreResult};

pub fn scope_for(user_id: &UserId, role: Role, settings: &Settings) -> Scope {
    if role.administers() {
        return Scope::All;
    }
    match settings.agent_visibility {
        AgentVisibility::All => Scope::All,
        AgentVisibility::AssignedAndUnassigned => Scope::AssignedToOrUnassigned(user_id.clone()),
        AgentVisibility::Assigned => Scope::AssignedTo(user_id.clone()),
    }
}

pub fn can_see(scope: &Scope, assignee: Option<&UserId>) -> bool {
    match scope {
        Scope::All => true,
        Scope::AssignedToOrUnassigned(me) => assignee.is_none_or(|a| a == me),
        Scope::AssignedTo(me) => assignee == Some(me),
    }
}

/// How the log reads for one reader: their scope, and whose assignments decide.
///
/// Reading history ([`LogView::now`]) judges every event by the contact's assignee *now*, read
/// in the same transaction as the events, so an event written while a contact was visible is
/// withheld once it is not (and a removed contact's events are withheld from restricted
/// readers). The live feed ([`LogView::live`]) judges an event by the assignee it was written
/// with: it has just committed, so that is the assignee now, and any later change reaches the
/// reader as a later event of the same feed.
pub struct LogView {
    scope: Scope,
    /// `None`: use each event's own assignee (live).
    assignees: Option<HashMap<ContactId, Option<UserId>>>,
}

impl LogView {
    /// Reads what deciding `events` needs, inside the caller's transaction.
    pub fn now(tx: &mut dyn ReadTx, scope: Scope, events: &[LogEvent]) -> StoreResult<Self> {
        let assignees = if scope == Scope::All {
            HashMap::new()
        } else {
            let mut ids: Vec<ContactId> =
                events.iter().filter_map(|e| e.contact_id.clone()).collect();
            ids.sort_unstable();
            ids.dedup();
            tx.assignees_of(&ids)?
        };
        Ok(Self {
            scope,
            assignees: Some(assignees),
        })
    }

    pub fn live(scope: Scope) -> Self {
        Self {
            scope,
            assignees: None,
        }
    }

    fn may_see(&self, event: &LogEvent) -> bool {
        let Some(contact) = &event.contact_id else {
            return true;
        };
        if self.scope == Scope::All {
            return true;
        }
        match &self.assignees {
            None => can_see(&self.scope, event.assignee_id.as_ref()),
            Some(now) => now
                .get(contact)
                .is_some_and(|assignee| can_see(&self.scope, assignee.as_ref())),
        }
    }

    /// What this reader gets of one event.
    fn shown<'e>(&self, event: &'e LogEvent) -> Shown<'e> {
        if self.may_see(event) {
            return Shown::Whole;
        }
        match (event.kind.as_str(), &event.contact_id) {
            ("contact.upserted", Some(contact)) => Shown::Removed(contact),
            _ => Shown::Withheld,
        }
    }

    /// One log event as this reader sees it: its JSON frame, or nothing. A whole frame is the
    /// event's shared one (built once for all readers).
    pub fn frame(&self, event: &LogEvent) -> Option<Utf8Bytes> {
        if let Shown::Whole = self.shown(event) {
            return Some(event.shared_frame());
        }
        let mut out = String::new();
        self.write_frame(event, &mut out)
            .then(|| Utf8Bytes::from(out))
    }

    /// Appends the frame of [`LogView::frame`] to `out`; false when the event is withheld.
    pub fn write_frame(&self, event: &LogEvent, out: &mut String) -> bool {
        match self.shown(event) {
            Shown::Whole => event.write_json(out),
            Shown::Removed(contact) => write_removed(out, event, contact),
            Shown::Withheld => return false,
        }
        true
    }
}

enum Shown<'e> {
    Whole,
    /// A contact the reader may not see now: `contact.removed {id}`.
    Removed(&'e ContactId),
    Withheld,
}

fn write_removed(out: &mut String, event: &LogEvent, contact: &ContactId) {
    // Writing into a String cannot fail.
    let _ = write!(
        out,
        r#"{{"seq":{},"type":"contact.removed","at":"{}","data":{{"id":"{}"}}}}"#,
        event.seq, event.at, contact
    );
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use messenger_protocol::{ContactId, Timestamp};

    use super::*;

    fn event(kind: &str, assignee: Option<&str>) -> LogEvent {
        LogEvent {
            seq: 5,
            kind: kind.into(),
            at: Timestamp::EPOCH,
            contact_id: Some(ContactId("9".into())),
            assignee_id: assignee.map(|a| UserId(a.into())),
            data: Arc::from(r#"{"id":"9"}"#),
            frame: Default::default(),
        }
    }

    #[test]
    fn admins_see_everything_and_agents_what_the_setting_allows() {
        let me = UserId("1".into());
        let mut s = Settings::default();
        assert_eq!(scope_for(&me, Role::Agent, &s), Scope::All);
        s.agent_visibility = AgentVisibility::Assigned;
        assert_eq!(scope_for(&me, Role::Manager, &s), Scope::All);
        let scope = scope_for(&me, Role::Agent, &s);
        assert!(can_see(&scope, Some(&me)));
        assert!(!can_see(&scope, None));
        s.agent_visibility = AgentVisibility::AssignedAndUnassigned;
        let scope = scope_for(&me, Role::Agent, &s);
        assert!(can_see(&scope, None));
        assert!(!can_see(&scope, Some(&UserId("2".into()))));
    }

    #[test]
    fn a_hidden_contact_upsert_reads_as_removed_and_other_events_are_withheld() {
        let view = LogView::live(Scope::AssignedTo(UserId("1".into())));
        let removed = view.frame(&event("contact.upserted", Some("2"))).unwrap();
        let v: serde_json::Value = serde_json::from_str(&removed).unwrap();
        assert_eq!(v["type"], "contact.removed");
        assert_eq!(v["data"]["id"], "9");
        assert_eq!(v["seq"], 5);
        assert!(view.frame(&event("message.upserted", Some("2"))).is_none());
        assert!(view.frame(&event("message.upserted", Some("1"))).is_some());
    }
}
