//! Conversations: a contact has many, at most one open.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::actor::Actor;
use crate::ids::{ChannelId, ContactId, ConversationId};
use crate::timestamp::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Open,
    Closed,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClosingNote {
    pub category: Option<String>,
    pub summary: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    pub id: ConversationId,
    pub contact_id: ContactId,
    /// The channel it was opened on (replies go there unless the contact wrote from another).
    pub channel_id: Option<ChannelId>,
    pub status: ConversationStatus,
    pub opened_at: Timestamp,
    /// kind: contact, user, automation or welcome.
    pub opened_by: Actor,
    pub closed_at: Option<Timestamp>,
    /// kind: user, automation, bot or merge.
    pub closed_by: Option<Actor>,
    pub closing_note: Option<ClosingNote>,
    /// The first reply by a user after opening (automation and bots do not count).
    pub first_response_at: Option<Timestamp>,
}

/// `POST /conversations/{id}/close`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CloseConversationRequest {
    /// The name of an existing closing-note category.
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
}
