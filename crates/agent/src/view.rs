//! What the agent shows the UI. These types cross the Tauri boundary and are generated into
//! TypeScript with the wire types (see `messenger_protocol::bindings`).

use std::path::Path;

use messenger_protocol::User;
use serde::{Deserialize, Serialize};
use ts_rs::{ExportError, TS};

/// The signed-in user and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Session {
    pub server_url: String,
    pub user: User,
}

/// What the sign-in form starts with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SignInDefaults {
    pub server_url: String,
    pub email: String,
}

/// An error as the UI shows it: a kind to branch on and a sentence to display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CommandError {
    pub kind: CommandErrorKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CommandErrorKind {
    /// The server could not be reached.
    Offline,
    /// The server refused (wrong password, not allowed, invalid input).
    Refused,
    /// The session is gone; sign in again.
    SignedOut,
    /// What was typed cannot be used.
    Invalid,
    /// Something failed on this computer or the server.
    Failed,
}

impl From<&crate::AgentError> for CommandError {
    fn from(e: &crate::AgentError) -> Self {
        use crate::AgentError as E;
        let kind = match e {
            E::Unreachable { .. } => CommandErrorKind::Offline,
            E::SignedOut => CommandErrorKind::SignedOut,
            e if e.is_auth_failure() => CommandErrorKind::SignedOut,
            E::Server { status, .. } if *status < 500 => CommandErrorKind::Refused,
            E::Invalid(_) => CommandErrorKind::Invalid,
            _ => CommandErrorKind::Failed,
        };
        Self {
            kind,
            message: e.to_string(),
        }
    }
}

/// The agent's view types, with everything they reference.
pub fn export_view(dir: &Path) -> Result<(), ExportError> {
    Session::export_all_to(dir)?;
    SignInDefaults::export_all_to(dir)?;
    CommandError::export_all_to(dir)?;
    Ok(())
}
