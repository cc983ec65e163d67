//! Tauri commands, one module per area. Each is a thin adapter: arguments in, agent call,
//! typed result or [`CommandError`](messenger_agent::view::CommandError) out.

pub mod admin;
pub mod conversation;
pub mod files;
pub mod inbox;
pub mod marks;
pub mod session;
pub mod voice;
pub mod workspace;

use messenger_agent::AgentError;
use messenger_agent::view::CommandError;

pub type CommandResult<T> = Result<T, CommandError>;

/// The agent's error as the UI shows it.
pub fn shown(e: AgentError) -> CommandError {
    CommandError::from(&e)
}
