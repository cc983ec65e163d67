//! Signing in and out.

use messenger_agent::view::{CommandError, Session, SignInDefaults};
use tauri::State;

use crate::shell_state::ShellState;

type CommandResult<T> = Result<T, CommandError>;

#[tauri::command]
pub fn sign_in_defaults(state: State<'_, ShellState>) -> CommandResult<SignInDefaults> {
    let agent = state.agent()?;
    agent
        .sign_in_defaults(state.preset_server_url.as_deref())
        .map_err(|e| CommandError::from(&e))
}

#[tauri::command]
pub fn current_session(state: State<'_, ShellState>) -> CommandResult<Option<Session>> {
    state.agent()?.session().map_err(|e| CommandError::from(&e))
}

#[tauri::command]
pub async fn sign_in(
    state: State<'_, ShellState>,
    server_url: String,
    email: String,
    password: String,
) -> CommandResult<Session> {
    let agent = state.agent()?;
    agent
        .login(&server_url, &email, &password)
        .await
        .map_err(|e| CommandError::from(&e))
}

#[tauri::command]
pub async fn sign_out(state: State<'_, ShellState>) -> CommandResult<()> {
    state
        .agent()?
        .logout()
        .await
        .map_err(|e| CommandError::from(&e))
}
