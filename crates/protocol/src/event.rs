//! The event log as clients read it: `GET /sync`, `GET /stream`, and the snapshot they start
//! from. Every event carries the whole entity, so applying one twice is harmless.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::channel::Channel;
use crate::comment::Comment;
use crate::contact::Contact;
use crate::conversation::Conversation;
use crate::custom_field::CustomField;
use crate::ids::{CategoryId, ContactId, SnippetId};
use crate::message::Message;
use crate::settings::{ClosingNoteCategory, Settings};
use crate::snippet::Snippet;
use crate::timestamp::Timestamp;
use crate::user::User;

/// Position in the event log. Grows by one per appended event.
pub type Seq = i64;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    #[ts(type = "number")]
    pub seq: Seq,
    pub at: Timestamp,
    #[serde(flatten)]
    pub payload: EventPayload,
}

/// `type` and `data` of an event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "data")]
pub enum EventPayload {
    #[serde(rename = "contact.upserted")]
    ContactUpserted(Contact),
    /// The contact is gone for this reader: merged away, or no longer visible to them.
    #[serde(rename = "contact.removed")]
    ContactRemoved(Removed<ContactId>),
    #[serde(rename = "conversation.upserted")]
    ConversationUpserted(Conversation),
    #[serde(rename = "message.upserted")]
    MessageUpserted(Message),
    #[serde(rename = "comment.upserted")]
    CommentUpserted(Comment),
    #[serde(rename = "user.upserted")]
    UserUpserted(User),
    #[serde(rename = "settings.updated")]
    SettingsUpdated(Settings),
    #[serde(rename = "snippet.upserted")]
    SnippetUpserted(Snippet),
    #[serde(rename = "snippet.removed")]
    SnippetRemoved(Removed<SnippetId>),
    #[serde(rename = "category.upserted")]
    CategoryUpserted(ClosingNoteCategory),
    #[serde(rename = "category.removed")]
    CategoryRemoved(Removed<CategoryId>),
    /// A channel without its credentials.
    #[serde(rename = "channel.upserted")]
    ChannelUpserted(Channel),
    #[serde(rename = "custom_field.upserted")]
    CustomFieldUpserted(CustomField),
}

impl EventPayload {
    /// Every `type` this version knows (a test holds it to serde's list of variants). A reader
    /// skips other types knowingly, but stops at a known type it cannot read.
    pub const KINDS: [&'static str; 13] = [
        "contact.upserted",
        "contact.removed",
        "conversation.upserted",
        "message.upserted",
        "comment.upserted",
        "user.upserted",
        "settings.updated",
        "snippet.upserted",
        "snippet.removed",
        "category.upserted",
        "category.removed",
        "channel.upserted",
        "custom_field.upserted",
    ];

    /// Whether this version knows events of type `kind`.
    pub fn knows(kind: &str) -> bool {
        Self::KINDS.contains(&kind)
    }

    /// The `type` string.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ContactUpserted(_) => "contact.upserted",
            Self::ContactRemoved(_) => "contact.removed",
            Self::ConversationUpserted(_) => "conversation.upserted",
            Self::MessageUpserted(_) => "message.upserted",
            Self::CommentUpserted(_) => "comment.upserted",
            Self::UserUpserted(_) => "user.upserted",
            Self::SettingsUpdated(_) => "settings.updated",
            Self::SnippetUpserted(_) => "snippet.upserted",
            Self::SnippetRemoved(_) => "snippet.removed",
            Self::CategoryUpserted(_) => "category.upserted",
            Self::CategoryRemoved(_) => "category.removed",
            Self::ChannelUpserted(_) => "channel.upserted",
            Self::CustomFieldUpserted(_) => "custom_field.upserted",
        }
    }

    /// The `data` member as JSON text.
    pub fn data_json(&self) -> serde_json::Result<String> {
        match self {
            Self::ContactUpserted(v) => serde_json::to_string(v),
            Self::ContactRemoved(v) => serde_json::to_string(v),
            Self::ConversationUpserted(v) => serde_json::to_string(v),
            Self::MessageUpserted(v) => serde_json::to_string(v),
            Self::CommentUpserted(v) => serde_json::to_string(v),
            Self::UserUpserted(v) => serde_json::to_string(v),
            Self::SettingsUpdated(v) => serde_json::to_string(v),
            Self::SnippetUpserted(v) => serde_json::to_string(v),
            Self::SnippetRemoved(v) => serde_json::to_string(v),
            Self::CategoryUpserted(v) => serde_json::to_string(v),
            Self::CategoryRemoved(v) => serde_json::to_string(v),
            Self::ChannelUpserted(v) => serde_json::to_string(v),
            Self::CustomFieldUpserted(v) => serde_json::to_string(v),
        }
    }

    /// The contact this event is about, if any (visibility is judged on it).
    pub fn contact_id(&self) -> Option<&ContactId> {
        match self {
            Self::ContactUpserted(c) => Some(&c.id),
            Self::ContactRemoved(r) => Some(&r.id),
            Self::ConversationUpserted(c) => Some(&c.contact_id),
            Self::MessageUpserted(m) => Some(&m.contact_id),
            Self::CommentUpserted(c) => Some(&c.contact_id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ContactId;

    #[test]
    fn the_known_kinds_are_the_variants() {
        // serde's refusal of an unknown type lists every variant's name.
        let err = serde_json::from_value::<EventPayload>(
            serde_json::json!({"type": "no.such", "data": {}}),
        )
        .unwrap_err()
        .to_string();
        let listed: Vec<&str> = err.split('`').skip(3).step_by(2).collect();
        assert_eq!(listed, EventPayload::KINDS, "{err}");
    }

    #[test]
    fn events_have_seq_type_at_and_data() {
        let e = Event {
            seq: 42,
            at: Timestamp::from_millis(0).unwrap(),
            payload: EventPayload::ContactRemoved(Removed {
                id: ContactId("9".into()),
            }),
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"seq": 42, "at": "1970-01-01T00:00:00.000Z", "type": "contact.removed", "data": {"id": "9"}})
        );
        assert_eq!(serde_json::from_value::<Event>(v).unwrap(), e);
        assert_eq!(e.payload.data_json().unwrap(), r#"{"id":"9"}"#);
        assert_eq!(e.payload.kind(), "contact.removed");
    }
}

/// The id of something removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Removed<Id> {
    pub id: Id,
}

/// `GET /sync?since=&limit=`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncPage {
    pub events: Vec<Event>,
    /// Ask with `since=next_seq` next.
    #[ts(type = "number")]
    pub next_seq: Seq,
    pub has_more: bool,
    /// The newest seq of the log when the page was read (for catch-up progress).
    #[ts(type = "number")]
    pub head_seq: Seq,
}

/// `GET /snapshot`: everything a client needs to start (or restart after 410) at `seq`;
/// messages are fetched per contact on demand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snapshot {
    /// Continue with `/sync?since=seq` or `/stream?since=seq`.
    #[ts(type = "number")]
    pub seq: Seq,
    pub me: User,
    pub settings: Settings,
    pub users: Vec<User>,
    pub channels: Vec<Channel>,
    pub categories: Vec<ClosingNoteCategory>,
    pub snippets: Vec<Snippet>,
    /// The workspace's custom contact fields.
    #[serde(default)]
    pub custom_fields: Vec<CustomField>,
    pub contacts: Vec<Contact>,
    pub conversations: Vec<Conversation>,
}
