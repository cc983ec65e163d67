//! Contacts and the requests that change them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::{ChannelId, ContactId, ConversationId, FileId, UserId};
use crate::timestamp::Timestamp;

/// A person who writes in. Assignment lives here, not on conversations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: ContactId,
    pub name: String,
    pub first_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tags: Vec<String>,
    pub assignee_id: Option<UserId>,
    pub open_conversation_id: Option<ConversationId>,
    pub last_message_at: Option<Timestamp>,
    pub last_message_preview: Option<String>,
    /// The first incoming message no one has answered yet, for "waiting longest".
    pub waiting_since: Option<Timestamp>,
    /// The channels the contact writes from (more than one after a merge).
    pub channels: Vec<ContactChannel>,
    pub created_at: Timestamp,
    /// What channels tell of the contact (language, country, time zone, picture).
    #[serde(default)]
    pub profile: ContactProfile,
    /// Values of the workspace's custom fields, by slug.
    #[serde(default)]
    pub custom_fields: std::collections::BTreeMap<String, String>,
}

impl Contact {
    /// The name after the first name, if there is more.
    pub fn last_name(&self) -> Option<&str> {
        self.name
            .strip_prefix(&self.first_name)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// What a channel's provider (or the Developer API) tells of a contact. Details a provider
/// sends fill in what is missing; users' edits are never overwritten by it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactProfile {
    /// A language tag such as `es` or `pt-BR` (respond.io's `language` or `locale`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub language: Option<String>,
    /// ISO 3166-1 alpha-2, upper case (`MX`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub country_code: Option<String>,
    /// An IANA zone name (`America/Mexico_City`) or an offset (`+05:30`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub timezone: Option<String>,
    /// The profile picture, once fetched from the provider's `profilePic` URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub avatar_file_id: Option<FileId>,
}

/// A contact's identity on one channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactChannel {
    pub channel_id: ChannelId,
    /// The contact's id on that channel (respond.io's `contactId`).
    pub external_id: String,
}

/// `PATCH /contacts/{id}`: only the fields present change; `null` clears email or phone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub name: Option<String>,
    /// With `name`: the part of it snippets greet with (default: its first word), so that
    /// "Mary Ann" stays the first name of "Mary Ann Smith".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub first_name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::double_option"
    )]
    #[ts(optional, type = "string | null")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub email: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::double_option"
    )]
    #[ts(optional, type = "string | null")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub phone: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tags: Option<Vec<String>>,
    /// A language tag (`es`, `pt-BR`); `null` clears it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::double_option"
    )]
    #[ts(optional, type = "string | null")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub language: Option<Option<String>>,
    /// Two letters (ISO 3166-1 alpha-2); `null` clears it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::double_option"
    )]
    #[ts(optional, type = "string | null")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub country_code: Option<Option<String>>,
    /// An IANA zone name or an offset; `null` clears it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::double_option"
    )]
    #[ts(optional, type = "string | null")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub timezone: Option<Option<String>>,
    /// Custom field values by slug; `null` clears one. Fields not named keep their value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "Record<string, string | null>")]
    pub custom_fields: Option<std::collections::BTreeMap<String, Option<String>>>,
}

/// `PUT /contacts/{id}/assignee`: `{"user_id": "7"}` assigns, `{"user_id": null}` unassigns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssigneeUpdate {
    /// Required: a user id, or `null` to unassign (a missing field is an error, not a silent
    /// unassign).
    #[serde(deserialize_with = "Option::deserialize")]
    pub user_id: Option<UserId>,
}

/// `POST /contacts/{id}/merge`: the secondary's history moves to this (primary) contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    pub secondary_id: ContactId,
}

/// Inbox views.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactView {
    #[default]
    All,
    Mine,
    Unassigned,
}

/// Whether the contact has an open conversation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    #[default]
    Open,
    Closed,
    Any,
}

/// A page of contacts, most recent activity first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactPage {
    pub items: Vec<Contact>,
    pub next_cursor: Option<String>,
}
