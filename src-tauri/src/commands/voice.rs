//! Voice notes: the microphones, recording, and the drafts waiting to be sent or deleted.

use messenger_agent::view::{RecordingStarted, VoiceDraft, VoiceInput};
use messenger_protocol::ContactId;
use tauri::State;

use super::{CommandResult, shown};
use crate::shell_state::ShellState;

#[tauri::command]
pub fn voice_inputs(state: State<'_, ShellState>) -> CommandResult<Vec<VoiceInput>> {
    state.agent()?.voice_inputs().map_err(shown)
}

#[tauri::command]
pub fn start_recording(
    state: State<'_, ShellState>,
    device: Option<String>,
) -> CommandResult<RecordingStarted> {
    state.agent()?.start_recording(device).map_err(shown)
}

#[tauri::command]
pub async fn stop_recording(state: State<'_, ShellState>) -> CommandResult<VoiceDraft> {
    state.agent()?.stop_recording().await.map_err(shown)
}

#[tauri::command]
pub fn cancel_recording(state: State<'_, ShellState>) -> CommandResult<()> {
    state.agent()?.cancel_recording().map_err(shown)
}

#[tauri::command]
pub fn voice_drafts(state: State<'_, ShellState>) -> CommandResult<Vec<VoiceDraft>> {
    state.agent()?.voice_drafts().map_err(shown)
}

#[tauri::command]
pub fn discard_voice_draft(state: State<'_, ShellState>, id: String) -> CommandResult<()> {
    state.agent()?.discard_voice_draft(&id).map_err(shown)
}

#[tauri::command]
pub fn send_voice_draft(
    state: State<'_, ShellState>,
    contact_id: ContactId,
    id: String,
) -> CommandResult<()> {
    state
        .agent()?
        .send_voice_draft(&contact_id, &id)
        .map(drop)
        .map_err(shown)
}
