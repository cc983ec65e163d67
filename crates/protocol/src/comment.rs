//! Internal comments on a contact: seen by users, never sent to the contact.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::actor::Actor;
use crate::ids::{ClientId, CommentId, ContactId, UserId};
use crate::timestamp::Timestamp;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    pub id: CommentId,
    pub client_id: Option<ClientId>,
    pub contact_id: ContactId,
    /// The user who wrote it; `null` for a workflow's comment (see `author`).
    pub author_id: Option<UserId>,
    /// Who wrote it: a user, or a workflow (kind `automation`, with its name).
    pub author: Actor,
    pub text: String,
    /// Users @mentioned in the text.
    pub mentions: Vec<UserId>,
    pub created_at: Timestamp,
}

/// `POST /contacts/{id}/comments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    pub text: String,
    /// Makes a retried request store the comment once.
    #[serde(default)]
    pub client_id: Option<ClientId>,
    #[serde(default)]
    pub mentions: Vec<UserId>,
}
