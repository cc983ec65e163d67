//! Workspace access tokens for the Developer API (`/v2`), which owners and managers create,
//! list and revoke. The token itself is shown once, when it is created; the server keeps only
//! its digest.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::{ApiTokenId, UserId};
use crate::timestamp::Timestamp;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: ApiTokenId,
    /// What it is for ("Zapier", "n8n order sync"); shown in the timeline as who acted.
    pub name: String,
    /// The token's last four characters, to tell tokens apart.
    pub hint: String,
    pub created_by: UserId,
    pub created_at: Timestamp,
    /// Rounded to the hour: a token is marked used at most once an hour.
    pub last_used_at: Option<Timestamp>,
}

/// `POST /api-tokens`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    pub name: String,
}

/// The answer to `POST /api-tokens`: the only time `token` is ever shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiToken {
    pub api_token: ApiToken,
    /// Send as `Authorization: Bearer <token>` to `/v2`.
    pub token: String,
}
