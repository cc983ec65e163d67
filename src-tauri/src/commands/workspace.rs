//! Reference data, my status, my notification preference and the dashboard's report.

use messenger_agent::view::{ReportView, Workspace};
use messenger_protocol::UserStatus;
use tauri::State;

use super::{CommandResult, off_main, shown};
use crate::shell_state::ShellState;

#[tauri::command]
pub async fn workspace(state: State<'_, ShellState>) -> CommandResult<Option<Workspace>> {
    off_main(&state, move |agent| agent.workspace()).await
}

/// Online or busy (offline is what the server decides when the app is gone).
#[tauri::command]
pub async fn set_status(state: State<'_, ShellState>, status: UserStatus) -> CommandResult<()> {
    off_main(&state, move |agent| agent.set_status(status).map(drop)).await
}

#[tauri::command]
pub async fn notify_unassigned(state: State<'_, ShellState>) -> CommandResult<bool> {
    off_main(&state, move |agent| agent.notify_unassigned()).await
}

#[tauri::command]
pub async fn set_notify_unassigned(state: State<'_, ShellState>, on: bool) -> CommandResult<()> {
    off_main(&state, move |agent| agent.set_notify_unassigned(on)).await
}

/// The conversation report for a query string (`from=…&to=…`): fresh when the server answers,
/// else the last one kept for the same query.
#[tauri::command]
pub async fn report(state: State<'_, ShellState>, query: String) -> CommandResult<ReportView> {
    let (report, cached) = state.agent()?.report(&query).await.map_err(shown)?;
    Ok(ReportView { report, cached })
}
