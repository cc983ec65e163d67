//! Signing in and out.

use messenger_agent::view::{Session, SignInDefaults, TokenStorage};
use tauri::State;

use super::{CommandResult, shown};
use crate::shell_state::ShellState;

#[tauri::command]
pub fn sign_in_defaults(state: State<'_, ShellState>) -> CommandResult<SignInDefaults> {
    let agent = state.agent()?;
    agent
        .sign_in_defaults(state.preset_server_url.as_deref())
        .map_err(shown)
}

#[tauri::command]
pub fn current_session(state: State<'_, ShellState>) -> CommandResult<Option<Session>> {
    state.agent()?.session().map_err(shown)
}

/// Signs in and starts syncing at once.
#[tauri::command]
pub async fn sign_in(
    state: State<'_, ShellState>,
    server_url: String,
    email: String,
    password: String,
) -> CommandResult<Session> {
    let agent = state.agent()?;
    let session = agent
        .login(&server_url, &email, &password)
        .await
        .map_err(shown)?;
    agent.start().map_err(shown)?;
    Ok(session)
}

#[tauri::command]
pub async fn sign_out(state: State<'_, ShellState>) -> CommandResult<()> {
    state.agent()?.logout().await.map_err(shown)
}

/// Where the session token is kept: the app says so when it is not the OS keychain.
#[tauri::command]
pub fn token_storage(state: State<'_, ShellState>) -> CommandResult<TokenStorage> {
    Ok(state.agent()?.token_storage())
}
