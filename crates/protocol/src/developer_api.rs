//! The Developer API v2 (`/v2`), compatible with respond.io's, so that its clients (the n8n
//! node, the TypeScript SDK, Make and Zapier scripts) work against this server. Shapes follow
//! what those clients send and read: camelCase fields (but `created_at` and `custom_fields`),
//! integer ids, Unix-second times, bare objects (no `data` wrapper), lists as `{items,
//! pagination: {next, previous}}` with absolute URLs, and errors as `{code, message}`.
//!
//! Requests accept what either client sends; responses carry what both read.

use serde::{Deserialize, Serialize};

/// The error body: `code` is the HTTP status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::Error))]
pub struct V2Error {
    pub code: u16,
    pub message: String,
}

/// The answer of most writes: the contact they changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::ContactAction))]
#[serde(rename_all = "camelCase")]
pub struct ContactAction {
    pub contact_id: i64,
}

/// The answer of `POST /contact/{identifier}` (respond.io answers a sentence, not the contact).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::Created))]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub code: u16,
    pub message: String,
    /// Ours: the new contact's id, so that a script need not look it up.
    pub contact_id: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::Pagination))]
pub struct Pagination {
    /// The absolute URL of the next page; empty on the last page.
    pub next: String,
    /// The absolute URL of the first page when this is not the first; else empty.
    pub previous: String,
}

/// A page of a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub pagination: Pagination,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::Assignee))]
#[serde(rename_all = "camelCase")]
pub struct Assignee {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::Contact))]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub language: Option<String>,
    /// A signed link to the contact's picture.
    pub profile_pic: Option<String>,
    pub country_code: Option<String>,
    /// `open` while a conversation is open, else `close`.
    pub status: String,
    pub tags: Vec<String>,
    pub assignee: Option<Assignee>,
    pub lifecycle: Option<String>,
    #[serde(rename = "custom_fields")]
    pub custom_fields: Vec<CustomFieldValue>,
    #[serde(rename = "created_at")]
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::CustomFieldValue))]
pub struct CustomFieldValue {
    pub name: String,
    pub value: serde_json::Value,
}

impl Eq for CustomFieldValue {}

/// The fields of a contact write; absent fields do not change.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::ContactFields))]
#[serde(rename_all = "camelCase")]
pub struct ContactFields {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// A picture URL, fetched through the server's URL guard.
    #[serde(default)]
    pub profile_pic: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
    #[serde(default, rename = "custom_fields")]
    pub custom_fields: Option<Vec<CustomFieldValue>>,
}

/// `POST /contact/list`: `{"search", "timezone", "filter": {"$and" | "$or": [...]}}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::ContactFilter))]
pub struct ContactFilter {
    #[serde(default)]
    pub search: Option<String>,
    /// Accepted for compatibility; times here are UTC.
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub filter: Option<FilterGroup>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::FilterGroup))]
pub struct FilterGroup {
    #[serde(default, rename = "$and")]
    pub and: Vec<FilterCondition>,
    #[serde(default, rename = "$or")]
    pub or: Vec<FilterCondition>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::FilterCondition))]
pub struct FilterCondition {
    /// `contactField` or `contactTag`.
    pub category: String,
    #[serde(default)]
    pub field: Option<String>,
    pub operator: String,
    #[serde(default)]
    pub value: serde_json::Value,
}

/// `POST /contact/{identifier}/message`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::SendMessage))]
#[serde(rename_all = "camelCase")]
pub struct SendMessage {
    /// The channel to send on; absent or null: where the contact last wrote.
    #[serde(default)]
    pub channel_id: Option<i64>,
    /// `{"type": "text", "text"}`, `{"type": "attachment", "attachment": {"type", "url"}}` or
    /// `{"type": "quick_reply", "title", "replies"}` (sent as text).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub message: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::MessageSent))]
#[serde(rename_all = "camelCase")]
pub struct MessageSent {
    pub message_id: i64,
}

/// A message of a contact, as `GET /contact/{identifier}/message/{id}` answers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::Message))]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub message_id: i64,
    pub contact_id: i64,
    pub channel_id: Option<i64>,
    /// `incoming` or `outgoing`.
    pub traffic: String,
    /// `{"type": "text", "text"}` or `{"type": "attachment", "attachment": {"type", "url",
    /// "fileName"}}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub message: serde_json::Value,
    /// Outgoing messages: their delivery so far (one entry, the current state).
    pub status: Vec<MessageStatus>,
    pub sender: Sender,
    #[serde(rename = "created_at")]
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::MessageStatus))]
pub struct MessageStatus {
    /// `pending`, `sent`, `delivered`, `read` or `failed`.
    pub value: String,
    pub timestamp: i64,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::Sender))]
#[serde(rename_all = "camelCase")]
pub struct Sender {
    /// `contact`, `user`, `workflow`, `api`, `echo` or `system`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<i64>,
}

/// `POST /contact/{identifier}/conversation/assignee`: a user id, a user's email, or null.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::AssigneeRequest))]
pub struct AssigneeRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub assignee: serde_json::Value,
}

/// `POST /contact/{identifier}/conversation/status`. The n8n node always sends `category` and
/// `summary`, as empty strings when unset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::StatusRequest))]
pub struct StatusRequest {
    /// `open` or `close` (`closed` is taken too).
    pub status: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
}

/// `POST /contact/{identifier}/comment`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::CommentRequest))]
pub struct CommentRequest {
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::CommentAdded))]
#[serde(rename_all = "camelCase")]
pub struct CommentAdded {
    pub contact_id: i64,
    pub text: String,
    #[serde(rename = "created_at")]
    pub created_at: i64,
}

/// `POST /contact/merge`: `contactIds` is `[primary, secondary]`; the other fields overwrite
/// the merged contact's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::MergeRequest))]
#[serde(rename_all = "camelCase")]
pub struct MergeRequest {
    pub contact_ids: Vec<i64>,
    #[serde(flatten)]
    pub fields: ContactFields,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::Team))]
pub struct Team {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::User))]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// `owner`, `manager` or `agent`.
    pub role: String,
    pub team: Option<Team>,
    pub restrictions: Vec<String>,
}

/// A channel of the workspace (`GET /space/channel`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::Channel))]
pub struct Channel {
    pub id: i64,
    pub name: String,
    /// `custom_channel`.
    pub source: String,
    #[serde(rename = "created_at")]
    pub created_at: i64,
}

/// A channel of one contact (`GET /contact/{identifier}/channels`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::ContactChannel))]
#[serde(rename_all = "camelCase")]
pub struct ContactChannel {
    pub id: i64,
    pub name: String,
    pub source: String,
    /// `{"contactId": <the contact's id on the channel>}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub meta: serde_json::Value,
    pub last_message_time: Option<i64>,
    pub last_incoming_message_time: Option<i64>,
    #[serde(rename = "created_at")]
    pub created_at: i64,
}

/// A closing-note category (`GET /space/closing_notes`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::ClosingNote))]
pub struct ClosingNote {
    /// Ours: the category's id (also its list cursor).
    pub id: i64,
    /// The timestamp of the workspace's categories (they carry no time of their own: 0).
    pub timestamp: i64,
    pub category: String,
    pub content: String,
    pub description: Option<String>,
}

/// A custom contact field (`GET /space/custom_field`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::CustomField))]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldDefinition {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub slug: String,
    /// `text`, `list`, `checkbox`, `email`, `number`, `url`, `date` or `time`.
    pub data_type: String,
    pub allowed_values: AllowedValues,
    #[serde(rename = "created_at")]
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::AllowedValues))]
#[serde(rename_all = "camelCase")]
pub struct AllowedValues {
    pub list_values: Vec<String>,
}

/// `POST /space/custom_field`. The n8n node always sends `allowedValues` (`[]` unless a
/// list), `slug` and `description` (`""` when unset).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = v2::NewCustomField))]
#[serde(rename_all = "camelCase")]
pub struct NewCustomField {
    pub name: String,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub data_type: String,
    #[serde(default)]
    pub allowed_values: Option<Vec<String>>,
}
