//! Settings that owners and managers change (they need the server).

use messenger_protocol::{
    ApiToken, ApiTokenId, CategoryId, CategoryInput, CreatedApiToken, SettingsPatch, SnippetId,
    SnippetInput,
};
use tauri::State;

use super::{CommandResult, shown};
use crate::shell_state::ShellState;

#[tauri::command]
pub async fn update_settings(
    state: State<'_, ShellState>,
    patch: SettingsPatch,
) -> CommandResult<()> {
    state
        .agent()?
        .update_settings(&patch)
        .await
        .map(drop)
        .map_err(shown)
}

#[tauri::command]
pub async fn create_category(
    state: State<'_, ShellState>,
    input: CategoryInput,
) -> CommandResult<()> {
    state
        .agent()?
        .create_category(&input)
        .await
        .map(drop)
        .map_err(shown)
}

#[tauri::command]
pub async fn update_category(
    state: State<'_, ShellState>,
    id: CategoryId,
    input: CategoryInput,
) -> CommandResult<()> {
    state
        .agent()?
        .update_category(&id, &input)
        .await
        .map(drop)
        .map_err(shown)
}

#[tauri::command]
pub async fn delete_category(state: State<'_, ShellState>, id: CategoryId) -> CommandResult<()> {
    state.agent()?.delete_category(&id).await.map_err(shown)
}

#[tauri::command]
pub async fn create_snippet(
    state: State<'_, ShellState>,
    input: SnippetInput,
) -> CommandResult<()> {
    state
        .agent()?
        .create_snippet(&input)
        .await
        .map(drop)
        .map_err(shown)
}

#[tauri::command]
pub async fn update_snippet(
    state: State<'_, ShellState>,
    id: SnippetId,
    input: SnippetInput,
) -> CommandResult<()> {
    state
        .agent()?
        .update_snippet(&id, &input)
        .await
        .map(drop)
        .map_err(shown)
}

#[tauri::command]
pub async fn delete_snippet(state: State<'_, ShellState>, id: SnippetId) -> CommandResult<()> {
    state.agent()?.delete_snippet(&id).await.map_err(shown)
}

#[tauri::command]
pub async fn api_tokens(state: State<'_, ShellState>) -> CommandResult<Vec<ApiToken>> {
    state.agent()?.api_tokens().await.map_err(shown)
}

#[tauri::command]
pub async fn create_api_token(
    state: State<'_, ShellState>,
    name: String,
) -> CommandResult<CreatedApiToken> {
    state.agent()?.create_api_token(&name).await.map_err(shown)
}

#[tauri::command]
pub async fn revoke_api_token(state: State<'_, ShellState>, id: ApiTokenId) -> CommandResult<()> {
    state.agent()?.revoke_api_token(&id).await.map_err(shown)
}
