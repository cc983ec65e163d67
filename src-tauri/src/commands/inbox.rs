//! The inbox: contact list windows, counts, search, focus, the connection state and the outbox.

use messenger_agent::cache::InboxQuery;
use messenger_agent::view::{InboxCounts, InboxPage, OutboxEntry, SearchHit, SyncState};
use messenger_protocol::{ContactId, StatusFilter};
use tauri::State;

use super::{CommandResult, off_main, shown};
use crate::shell_state::ShellState;

#[tauri::command]
pub async fn inbox(state: State<'_, ShellState>, query: InboxQuery) -> CommandResult<InboxPage> {
    off_main(&state, move |agent| agent.inbox(&query)).await
}

#[tauri::command]
pub async fn inbox_counts(
    state: State<'_, ShellState>,
    status: StatusFilter,
) -> CommandResult<InboxCounts> {
    off_main(&state, move |agent| agent.inbox_counts(status)).await
}

#[tauri::command]
pub async fn search(
    state: State<'_, ShellState>,
    query: String,
    limit: u32,
) -> CommandResult<Vec<SearchHit>> {
    off_main(&state, move |agent| agent.search(&query, limit)).await
}

/// The contact on screen (its messages count as read and are not notified about).
#[tauri::command]
pub async fn focus(
    state: State<'_, ShellState>,
    contact_id: Option<ContactId>,
) -> CommandResult<()> {
    off_main(&state, move |agent| agent.focus(contact_id)).await
}

#[tauri::command]
pub async fn sync_state(state: State<'_, ShellState>) -> CommandResult<SyncState> {
    off_main(&state, move |agent| agent.sync_state()).await
}

#[tauri::command]
pub async fn outbox(state: State<'_, ShellState>) -> CommandResult<Vec<OutboxEntry>> {
    off_main(&state, move |agent| agent.outbox()).await
}

/// Tries to deliver the outbox now; answers how many items are still waiting.
#[tauri::command]
pub async fn flush_outbox(state: State<'_, ShellState>) -> CommandResult<u32> {
    let agent = state.agent()?;
    agent.flush().await.map_err(shown)?;
    Ok(agent.outbox().map_err(shown)?.len() as u32)
}

/// Offline or stopped: try the server now.
#[tauri::command]
pub async fn retry_sync(state: State<'_, ShellState>) -> CommandResult<()> {
    off_main(&state, move |agent| agent.retry_sync()).await
}

#[tauri::command]
pub async fn retry_outbox_item(state: State<'_, ShellState>, id: i64) -> CommandResult<()> {
    off_main(&state, move |agent| agent.retry(id)).await
}

#[tauri::command]
pub async fn discard_outbox_item(state: State<'_, ShellState>, id: i64) -> CommandResult<()> {
    off_main(&state, move |agent| agent.discard(id)).await
}
