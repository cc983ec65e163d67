//! The Custom Channel wire format, compatible with respond.io's: what a provider bridge posts
//! to our webhook, what we post to its `outbound_url`, and the bot hand-off. Field names are
//! camelCase here, as respond.io writes them. Ids may arrive as strings or numbers.

use serde::{Deserialize, Deserializer, Serialize};

/// `POST /api/v1/custom-channel/webhook` (Bearer: the channel's api_token).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InboundWebhook {
    #[serde(deserialize_with = "string_or_number")]
    pub channel_id: String,
    /// The contact's id on the provider's side.
    #[serde(deserialize_with = "string_or_number")]
    pub contact_id: String,
    #[serde(default)]
    pub contact: Option<InboundContact>,
    pub events: Vec<InboundEvent>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InboundContact {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// respond.io sends `locale` from some providers and `language` from others.
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    /// A URL of the contact's picture; fetched through the URL guard.
    #[serde(default)]
    pub profile_pic: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InboundEvent {
    /// A message from the contact.
    Message {
        #[serde(rename = "mId", deserialize_with = "string_or_number")]
        m_id: String,
        /// Milliseconds since the epoch.
        timestamp: i64,
        message: ChannelMessage,
    },
    /// A message the business sent to the contact from the provider's own app (not through
    /// us): stored as an outgoing message sent by the channel.
    MessageEcho {
        #[serde(rename = "mId", deserialize_with = "string_or_number")]
        m_id: String,
        /// Milliseconds since the epoch.
        timestamp: i64,
        message: ChannelMessage,
    },
    /// The channel's welcome event: opens a conversation.
    Welcome { timestamp: i64 },
    /// A receipt for one of our outbound messages.
    MessageStatus {
        #[serde(rename = "mId", deserialize_with = "string_or_number")]
        m_id: String,
        status: ReceiptStatus,
        #[serde(default)]
        timestamp: Option<i64>,
        /// The provider's reason when `status` is `failed`.
        #[serde(default)]
        error: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    Delivered,
    Read,
    Failed,
}

/// A message in either direction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChannelMessage {
    Text { text: String },
    Attachment { attachment: ChannelAttachment },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChannelAttachment {
    #[serde(rename = "type")]
    pub kind: ChannelAttachmentKind,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// Outbound only: send as a voice note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelAttachmentKind {
    Image,
    Video,
    Audio,
    File,
}

impl From<crate::message::AttachmentKind> for ChannelAttachmentKind {
    /// How an attachment of ours is typed on a channel (a voice note is audio there, flagged
    /// `voice` where the channel supports it).
    fn from(kind: crate::message::AttachmentKind) -> Self {
        use crate::message::AttachmentKind as K;
        match kind {
            K::Image => Self::Image,
            K::Video => Self::Video,
            K::Audio | K::Voice => Self::Audio,
            K::File => Self::File,
        }
    }
}

/// `POST <outbound_url>/message`, signed with `X-Messenger-Signature: sha256=<hex>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboundMessage {
    pub channel_id: String,
    pub contact_id: String,
    pub message: ChannelMessage,
}

/// A provider's 2xx answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundAccepted {
    #[serde(rename = "mId", deserialize_with = "string_or_number")]
    pub m_id: String,
}

/// A provider's error answer: `{"error": {"message": "..."}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderError {
    pub error: ProviderErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderErrorDetail {
    pub message: String,
}

/// What a channel's `bot_url` receives for each incoming message of an unassigned contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BotRequest {
    pub channel_id: String,
    pub contact_id: String,
    pub message: ChannelMessage,
}

/// The bot's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotAnswer {
    #[serde(default)]
    pub messages: Vec<BotText>,
    #[serde(default)]
    pub parameters: BotParameters,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotText {
    pub text: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotParameters {
    /// `true` closes the conversation (`closed_by.kind = bot`).
    #[serde(
        rename = "RB_MARKDONE",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub rb_markdone: Option<bool>,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        S(String),
        I(i64),
        U(u64),
    }
    Ok(match Either::deserialize(d)? {
        Either::S(s) => s,
        Either::I(i) => i.to_string(),
        Either::U(u) => u.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_respond_io_custom_channel_payloads() {
        let json = r#"{
            "channelId": 7, "contactId": "+15550001",
            "contact": {"firstName": "Maria", "lastName": "Lopez", "phone": "+15550001", "profilePic": "x"},
            "events": [
              {"type": "message", "mId": "m-1", "timestamp": 1795000000000,
               "message": {"type": "text", "text": "Hola"}},
              {"type": "message", "mId": 42, "timestamp": 1795000000001,
               "message": {"type": "attachment", "attachment": {"type": "image", "url": "https://x/y.png", "fileName": "y.png"}}},
              {"type": "message_status", "mId": "out-9", "status": "delivered"},
              {"type": "welcome", "timestamp": 1795000000002}
            ]}"#;
        let hook: InboundWebhook = serde_json::from_str(json).unwrap();
        assert_eq!(hook.channel_id, "7");
        assert_eq!(
            hook.contact.as_ref().unwrap().first_name.as_deref(),
            Some("Maria")
        );
        assert_eq!(hook.events.len(), 4);
        assert!(matches!(&hook.events[1], InboundEvent::Message { m_id, .. } if m_id == "42"));
    }

    #[test]
    fn outbound_messages_have_the_respond_io_shape() {
        let out = OutboundMessage {
            channel_id: "7".into(),
            contact_id: "+15550001".into(),
            message: ChannelMessage::Attachment {
                attachment: ChannelAttachment {
                    kind: ChannelAttachmentKind::Audio,
                    url: "https://s/f".into(),
                    file_name: Some("note.ogg".into()),
                    voice: Some(true),
                },
            },
        };
        assert_eq!(
            serde_json::to_value(&out).unwrap(),
            serde_json::json!({"channelId": "7", "contactId": "+15550001", "message": {"type": "attachment",
                "attachment": {"type": "audio", "url": "https://s/f", "fileName": "note.ogg", "voice": true}}})
        );
        let answer: BotAnswer = serde_json::from_str(
            r#"{"messages": [{"text": "Bye"}], "parameters": {"RB_MARKDONE": true}}"#,
        )
        .unwrap();
        assert_eq!(answer.parameters.rb_markdone, Some(true));
    }
}
