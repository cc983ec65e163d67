//! Start-up marks: the UI reports milestones ("inbox painted"), logged with the time since the
//! process started, so `make bench` can measure a cold start from outside.

use tauri::State;

use crate::shell_state::ShellState;

/// An error the window could not handle (an exception in the UI), kept in the app's log.
#[tauri::command]
pub fn log_ui_error(message: String) {
    tracing::error!("the window reported: {message}");
}

#[tauri::command]
pub fn mark(state: State<'_, ShellState>, name: String) {
    let ms = state.started.elapsed().as_secs_f64() * 1000.0;
    // A fixed shape the benchmark parses: `mark: <name> at <ms> ms`.
    tracing::info!("mark: {name} at {ms:.1} ms");
}
