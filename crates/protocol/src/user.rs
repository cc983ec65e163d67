//! Users of the workspace and their roles.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::UserId;

/// Access level. Owners and managers administer; agents handle conversations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Manager,
    Agent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Manager => "manager",
            Self::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(Self::Owner),
            "manager" => Some(Self::Manager),
            "agent" => Some(Self::Agent),
            _ => None,
        }
    }

    /// Owners and managers administer users, settings, channels and workflows.
    pub fn administers(self) -> bool {
        matches!(self, Self::Owner | Self::Manager)
    }
}

/// Activity status. `online` and `busy` are chosen by the user; `offline` is set by the server
/// when the user has no live connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Online,
    Busy,
    Offline,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Busy => "busy",
            Self::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "online" => Some(Self::Online),
            "busy" => Some(Self::Busy),
            "offline" => Some(Self::Offline),
            _ => None,
        }
    }
}

/// A user as the API shows it (never with a password hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub status: UserStatus,
}
