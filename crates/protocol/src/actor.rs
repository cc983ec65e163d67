//! Who did something: opened or closed a conversation, sent a message, assigned a contact.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The kinds of actor. Each field that holds an [`Actor`] says which kinds it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// The contact, through its channel.
    Contact,
    /// A user of the workspace (`id` is the user id).
    User,
    /// A workflow (`id` is the workflow id, `name` its name).
    Automation,
    /// A channel's welcome event.
    Welcome,
    /// A bot answering on a channel.
    Bot,
    /// A contact merge.
    Merge,
    /// The server itself.
    System,
    /// The business, from the provider's own app (a Custom Channel `message_echo`); `id` is
    /// the channel id, `name` its name.
    Channel,
    /// A workspace access token of the Developer API (`id` is the token id, `name` its name).
    Api,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::User => "user",
            Self::Automation => "automation",
            Self::Welcome => "welcome",
            Self::Bot => "bot",
            Self::Merge => "merge",
            Self::System => "system",
            Self::Channel => "channel",
            Self::Api => "api",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "contact" => Self::Contact,
            "user" => Self::User,
            "automation" => Self::Automation,
            "welcome" => Self::Welcome,
            "bot" => Self::Bot,
            "merge" => Self::Merge,
            "system" => Self::System,
            "channel" => Self::Channel,
            "api" => Self::Api,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    pub kind: ActorKind,
    /// The user, workflow or contact id, where the kind has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub id: Option<String>,
    /// A display name recorded at the time (a workflow's name, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub name: Option<String>,
}

impl Actor {
    pub fn of(kind: ActorKind) -> Self {
        Self {
            kind,
            id: None,
            name: None,
        }
    }

    pub fn user(id: impl Into<String>) -> Self {
        Self {
            kind: ActorKind::User,
            id: Some(id.into()),
            name: None,
        }
    }

    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The user id, when a user acted.
    pub fn user_id(&self) -> Option<&str> {
        match self.kind {
            ActorKind::User => self.id.as_deref(),
            _ => None,
        }
    }
}
