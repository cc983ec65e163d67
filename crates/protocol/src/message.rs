//! Messages of a contact's timeline: incoming, outgoing, and activity entries.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::actor::Actor;
use crate::conversation::ClosingNote;
use crate::ids::{ChannelId, ClientId, ContactId, ConversationId, FileId, MessageId, UserId};
use crate::timestamp::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Incoming,
    Outgoing,
    /// An entry of the timeline such as "Conversation opened by Susan".
    Activity,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incoming => "incoming",
            Self::Outgoing => "outgoing",
            Self::Activity => "activity",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "incoming" => Self::Incoming,
            "outgoing" => Self::Outgoing,
            "activity" => Self::Activity,
            _ => return None,
        })
    }
}

/// Where an outgoing message is on its way to the contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Stored; the provider has not accepted it yet.
    Pending,
    /// The provider accepted it.
    Sent,
    /// The provider reported it delivered.
    Delivered,
    /// The provider reported it read.
    Read,
    /// It could not be delivered; `error` says why.
    Failed,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    /// Receipts only move a message forward (a late "delivered" never undoes "read").
    pub fn rank(self) -> u8 {
        match self {
            Self::Pending => 0,
            Self::Failed => 1,
            Self::Sent => 2,
            Self::Delivered => 3,
            Self::Read => 4,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// A voice note (Ogg/Opus), shown with a player and waveform.
    Voice,
    Audio,
    Image,
    Video,
    File,
}

impl AttachmentKind {
    /// The kind a file of this MIME type is shown as.
    pub fn from_mime(mime: &str) -> Self {
        match mime.split('/').next().unwrap_or_default() {
            "image" => Self::Image,
            "audio" => Self::Audio,
            "video" => Self::Video,
            _ => Self::File,
        }
    }
}

/// Whether the attachment's bytes are stored yet (attachments given by URL are fetched after
/// the message is stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttachmentStatus {
    Ready,
    Pending,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    /// Set once the bytes are stored (`status: ready`).
    pub file_id: Option<FileId>,
    pub name: String,
    pub mime: String,
    #[ts(type = "number")]
    pub size: u64,
    pub kind: AttachmentKind,
    pub status: AttachmentStatus,
    /// Why a fetch failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<String>,
    /// Length of a voice note or audio file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub duration_ms: Option<u64>,
    /// Loudness summary of a voice note (0–255 per bucket) for drawing its waveform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub waveform: Option<Vec<u8>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    ConversationOpened,
    ConversationClosed,
    Assigned,
    Unassigned,
    ContactMerged,
    /// A workflow's assign step found nobody who fits; the text says why.
    AssignmentSkipped,
}

/// The structured form of an activity entry; `Message::text` carries the same as a sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub kind: ActivityKind,
    /// Who did it.
    pub actor: Actor,
    /// For `assigned`: the new assignee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub assignee_id: Option<UserId>,
    /// For `conversation_closed`: the closing note, if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub closing_note: Option<ClosingNote>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: MessageId,
    /// The sender's idempotency key, for messages sent by users.
    pub client_id: Option<ClientId>,
    pub contact_id: ContactId,
    pub conversation_id: Option<ConversationId>,
    pub channel_id: Option<ChannelId>,
    pub direction: Direction,
    /// kind: contact, user, automation, bot or system.
    pub sender: Actor,
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub delivery: Delivery,
    /// Why delivery failed (the provider's words).
    pub error: Option<String>,
    /// For `direction: activity`.
    pub activity: Option<Activity>,
    /// When the server received it; the timeline and the log are in this order, and metrics
    /// count from it.
    pub created_at: Timestamp,
    /// When the contact (or, for an echo, the provider's app) says it was sent, if the provider
    /// gave a plausible time: shown as the message's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sent_at: Option<Timestamp>,
}

/// A recorded voice note to send: a file uploaded with `POST /files`, with what the recorder
/// measured. Sent as a voice note where the channel supports voice, else as an audio file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VoiceNote {
    pub file_id: FileId,
    #[ts(type = "number")]
    pub duration_ms: u64,
    #[serde(default)]
    pub waveform: Vec<u8>,
}

/// `POST /contacts/{id}/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendMessageRequest {
    pub client_id: ClientId,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub file_ids: Vec<FileId>,
    #[serde(default)]
    pub voice: Option<VoiceNote>,
    /// Which of the contact's channels to send on (default: where the contact last wrote).
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
}

/// A page of a contact's timeline, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagePage {
    pub items: Vec<Message>,
    /// Pass as `before` for the next (older) page.
    pub next_cursor: Option<String>,
}
