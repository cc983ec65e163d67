//! Signing in and out.

use messenger_agent::view::{Session, SignInDefaults, TokenStorage};
use tauri::State;

use super::{CommandResult, off_main, shown};
use crate::shell_state::ShellState;

#[tauri::command]
pub async fn sign_in_defaults(state: State<'_, ShellState>) -> CommandResult<SignInDefaults> {
    let preset = state.preset_server_url.clone();
    off_main(&state, move |agent| {
        agent.sign_in_defaults(preset.as_deref())
    })
    .await
}

#[tauri::command]
pub async fn current_session(state: State<'_, ShellState>) -> CommandResult<Option<Session>> {
    off_main(&state, move |agent| agent.session()).await
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
pub async fn token_storage(state: State<'_, ShellState>) -> CommandResult<TokenStorage> {
    off_main(&state, move |agent| Ok(agent.token_storage())).await
}
