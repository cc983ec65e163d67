//! Tauri commands, one module per area. Each is a thin adapter: arguments in, agent call,
//! typed result or [`CommandError`](messenger_agent::view::CommandError) out.

pub mod admin;
pub mod conversation;
pub mod files;
pub mod inbox;
pub mod marks;
pub mod session;
#[cfg(test)]
mod typescript;
pub mod voice;
pub mod workspace;

use std::sync::Arc;

use messenger_agent::view::{CommandError, CommandErrorKind};
use messenger_agent::{Agent, AgentError, AgentResult};

use crate::shell_state::ShellState;

pub type CommandResult<T> = Result<T, CommandError>;

/// Runs an agent call on the blocking pool. Commands touch SQLite, files, the keychain and the
/// audio device, and Tauri runs a command that is not `async` on the window's own thread: every
/// command is `async`, and what blocks goes through here (a test holds the module to it).
pub async fn off_main<T: Send + 'static>(
    state: &ShellState,
    call: impl FnOnce(Arc<Agent>) -> AgentResult<T> + Send + 'static,
) -> CommandResult<T> {
    let agent = state.agent()?;
    tauri::async_runtime::spawn_blocking(move || call(agent))
        .await
        .map_err(|e| CommandError {
            kind: CommandErrorKind::Failed,
            message: format!("The command stopped before it finished: {e}"),
        })?
        .map_err(shown)
}

/// The agent's error as the UI shows it.
pub fn shown(e: AgentError) -> CommandError {
    CommandError::from(&e)
}

#[cfg(test)]
mod tests {
    /// Every command is `async`: a plain `fn` would run on the window's thread and freeze it.
    #[test]
    fn no_command_runs_on_the_window_thread() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands");
        let mut commands = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            let mut lines = source.lines().map(str::trim);
            while let Some(line) = lines.next() {
                if !line.starts_with("#[tauri::command") {
                    continue;
                }
                commands += 1;
                let signature = lines.find(|l| !l.starts_with("#[") && !l.starts_with("///"));
                assert!(
                    signature.is_some_and(|s| s.starts_with("pub async fn ")),
                    "{}: a command that is not async: {signature:?}",
                    path.display()
                );
            }
        }
        assert!(commands > 40, "found only {commands} commands");
    }
}
