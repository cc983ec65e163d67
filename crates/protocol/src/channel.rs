//! Channels: where contacts write in from.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::ChannelId;
use crate::timestamp::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// respond.io-compatible Custom Channel: a provider bridge posts to our webhook and
    /// receives outgoing messages at its `outbound_url`.
    Custom,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Channel {
    pub id: ChannelId,
    pub name: String,
    pub kind: ChannelKind,
    /// Voice notes go out as voice notes (else as audio files).
    pub supports_voice: bool,
    pub outbound_url: Option<String>,
    pub bot_url: Option<String>,
    pub created_at: Timestamp,
    /// Secrets, shown to owners and managers only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub credentials: Option<ChannelCredentials>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelCredentials {
    /// The bearer token the provider sends to `webhook_url`, and receives from us.
    pub api_token: String,
    pub webhook_url: String,
    /// Key of the `X-Messenger-Signature` HMAC on outgoing requests.
    pub signing_secret: String,
}

/// `POST /channels`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewChannel {
    pub name: String,
    pub kind: ChannelKind,
    #[serde(default)]
    pub supports_voice: bool,
    #[serde(default)]
    pub outbound_url: Option<String>,
    #[serde(default)]
    pub bot_url: Option<String>,
    /// Let attachment URLs and outbound/bot URLs point at loopback or private networks
    /// (tests, a provider bridge on the same host). Off by default.
    #[serde(default)]
    pub allow_private_network: bool,
}

/// `PATCH /channels/{id}`: the fields present change; `null` clears a URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub supports_voice: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::double_option"
    )]
    #[ts(optional, type = "string | null")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub outbound_url: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::double_option"
    )]
    #[ts(optional, type = "string | null")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub bot_url: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub allow_private_network: Option<bool>,
}
