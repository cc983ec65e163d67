//! Snippets: canned responses with `{{contact.first_name}}`-style variables.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::{ContactId, SnippetId};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snippet {
    pub id: SnippetId,
    pub name: String,
    /// Typed after `/` in the composer.
    pub shortcut: String,
    pub text: String,
}

/// `POST /snippets`, and `PATCH` with the fields to change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SnippetInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub shortcut: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

/// `POST /snippets/{id}/render`: fill the variables for this contact and the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RenderSnippetRequest {
    pub contact_id: ContactId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenderedSnippet {
    pub text: String,
}
