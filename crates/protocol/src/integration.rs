//! Outgoing webhooks for integrations: registered URLs receive signed events.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::timestamp::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IntegrationEvent {
    #[serde(rename = "message.received")]
    MessageReceived,
    #[serde(rename = "message.sent")]
    MessageSent,
    #[serde(rename = "conversation.opened")]
    ConversationOpened,
    /// Carries the conversation's metrics.
    #[serde(rename = "conversation.closed")]
    ConversationClosed,
    #[serde(rename = "contact.assignee.updated")]
    ContactAssigneeUpdated,
}

impl IntegrationEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MessageReceived => "message.received",
            Self::MessageSent => "message.sent",
            Self::ConversationOpened => "conversation.opened",
            Self::ConversationClosed => "conversation.closed",
            Self::ContactAssigneeUpdated => "contact.assignee.updated",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntegrationWebhook {
    pub id: String,
    pub url: String,
    pub events: Vec<IntegrationEvent>,
    /// Key of the `X-Messenger-Signature` HMAC on each delivery.
    pub signing_secret: String,
    pub created_at: Timestamp,
}

/// `POST /integrations/webhooks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewIntegrationWebhook {
    pub url: String,
    pub events: Vec<IntegrationEvent>,
    /// Allow a URL on loopback or a private network (an integration on the same host).
    #[serde(default)]
    pub allow_private_network: bool,
}

/// What a registered URL receives: `{"event", "at", "data"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntegrationDelivery {
    pub event: IntegrationEvent,
    pub at: Timestamp,
    pub data: serde_json::Value,
}
