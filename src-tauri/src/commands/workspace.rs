//! Reference data, my status, my notification preference and the dashboard's report.

use messenger_agent::view::{ReportView, Workspace};
use messenger_protocol::UserStatus;
use tauri::State;

use super::{CommandResult, shown};
use crate::shell_state::ShellState;

#[tauri::command]
pub fn workspace(state: State<'_, ShellState>) -> CommandResult<Option<Workspace>> {
    state.agent()?.workspace().map_err(shown)
}

/// Online or busy (offline is what the server decides when the app is gone).
#[tauri::command]
pub fn set_status(state: State<'_, ShellState>, status: UserStatus) -> CommandResult<()> {
    state.agent()?.set_status(status).map(drop).map_err(shown)
}

#[tauri::command]
pub fn notify_unassigned(state: State<'_, ShellState>) -> CommandResult<bool> {
    state.agent()?.notify_unassigned().map_err(shown)
}

#[tauri::command]
pub fn set_notify_unassigned(state: State<'_, ShellState>, on: bool) -> CommandResult<()> {
    state.agent()?.set_notify_unassigned(on).map_err(shown)
}

/// The conversation report for a query string (`from=…&to=…`): fresh when the server answers,
/// else the last one kept for the same query.
#[tauri::command]
pub async fn report(state: State<'_, ShellState>, query: String) -> CommandResult<ReportView> {
    let (report, cached) = state.agent()?.report(&query).await.map_err(shown)?;
    Ok(ReportView { report, cached })
}
