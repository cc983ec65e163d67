//! Typed ids. On the wire every id is a string (DESIGN.md); the newtypes keep a contact id from
//! being passed where a user id is expected.

/// Declares a string id newtype that serialises transparently.
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize, ts_rs::TS,
        )]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
        #[serde(transparent)]
        #[ts(type = "string")]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// A user (owner, manager or agent) of the workspace.
    UserId
);
string_id!(
    /// A contact: a person who writes in through one or more channels.
    ContactId
);
string_id!(
    /// One conversation of a contact, from opening to closing.
    ConversationId
);
string_id!(
    /// A message, an activity entry of the timeline included.
    MessageId
);
string_id!(
    /// An internal comment on a contact.
    CommentId
);
string_id!(
    /// A channel through which contacts reach the workspace.
    ChannelId
);
string_id!(
    /// A stored file (attachment or voice note).
    FileId
);
string_id!(
    /// A canned response.
    SnippetId
);
string_id!(
    /// A closing-note category.
    CategoryId
);
string_id!(
    /// An automation workflow.
    WorkflowId
);
string_id!(
    /// A client-generated id (UUID v7) that makes a write idempotent.
    ClientId
);
string_id!(
    /// A workspace access token of the Developer API.
    ApiTokenId
);
string_id!(
    /// A custom contact field of the workspace.
    CustomFieldId
);
