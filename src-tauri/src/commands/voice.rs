//! Voice notes: the microphones, recording, and the drafts waiting to be sent or deleted.

use messenger_agent::view::{RecordingStarted, VoiceDraft, VoiceInput};
use messenger_protocol::ContactId;
use tauri::State;

use super::{CommandResult, off_main, shown};
use crate::shell_state::ShellState;

#[tauri::command]
pub async fn voice_inputs(state: State<'_, ShellState>) -> CommandResult<Vec<VoiceInput>> {
    off_main(&state, move |agent| agent.voice_inputs()).await
}

#[tauri::command]
pub async fn start_recording(
    state: State<'_, ShellState>,
    device: Option<String>,
) -> CommandResult<RecordingStarted> {
    off_main(&state, move |agent| agent.start_recording(device)).await
}

#[tauri::command]
pub async fn stop_recording(state: State<'_, ShellState>) -> CommandResult<VoiceDraft> {
    state.agent()?.stop_recording().await.map_err(shown)
}

#[tauri::command]
pub async fn cancel_recording(state: State<'_, ShellState>) -> CommandResult<()> {
    off_main(&state, move |agent| agent.cancel_recording()).await
}

#[tauri::command]
pub async fn voice_drafts(state: State<'_, ShellState>) -> CommandResult<Vec<VoiceDraft>> {
    off_main(&state, move |agent| agent.voice_drafts()).await
}

#[tauri::command]
pub async fn discard_voice_draft(state: State<'_, ShellState>, id: String) -> CommandResult<()> {
    off_main(&state, move |agent| agent.discard_voice_draft(&id)).await
}

#[tauri::command]
pub async fn send_voice_draft(
    state: State<'_, ShellState>,
    contact_id: ContactId,
    id: String,
) -> CommandResult<()> {
    off_main(&state, move |agent| {
        agent.send_voice_draft(&contact_id, &id).map(drop)
    })
    .await
}
