//! Start-up marks: the UI reports milestones ("inbox painted"), logged with the time since the
//! process started, so `make bench` can measure a cold start from outside.

use std::time::Instant;

use tauri::State;

use super::CommandResult;
use crate::shell_state::ShellState;

/// An error the window could not handle (an exception in the UI), kept in the app's log.
#[tauri::command]
pub async fn log_ui_error(message: String) {
    tracing::error!("the window reported: {message}");
}

#[tauri::command]
pub async fn mark(state: State<'_, ShellState>, name: String) -> CommandResult<()> {
    log(state.started, &name);
    Ok(())
}

/// Logs a milestone in the fixed shape the benchmark parses: `mark: <name> at <ms> ms`.
pub fn log(started: Instant, name: &str) {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!("mark: {name} at {ms:.1} ms");
}
