//! The inbox: contact list windows, counts, search, focus, the connection state and the outbox.

use messenger_agent::cache::InboxQuery;
use messenger_agent::view::{InboxCounts, InboxPage, OutboxEntry, SearchHit, SyncState};
use messenger_protocol::{ContactId, StatusFilter};
use tauri::State;

use super::{CommandResult, shown};
use crate::shell_state::ShellState;

#[tauri::command]
pub fn inbox(state: State<'_, ShellState>, query: InboxQuery) -> CommandResult<InboxPage> {
    state.agent()?.inbox(&query).map_err(shown)
}

#[tauri::command]
pub fn inbox_counts(
    state: State<'_, ShellState>,
    status: StatusFilter,
) -> CommandResult<InboxCounts> {
    state.agent()?.inbox_counts(status).map_err(shown)
}

#[tauri::command]
pub fn search(
    state: State<'_, ShellState>,
    query: String,
    limit: u32,
) -> CommandResult<Vec<SearchHit>> {
    state.agent()?.search(&query, limit).map_err(shown)
}

/// The contact on screen (its messages count as read and are not notified about).
#[tauri::command]
pub fn focus(state: State<'_, ShellState>, contact_id: Option<ContactId>) -> CommandResult<()> {
    state.agent()?.focus(contact_id).map_err(shown)
}

#[tauri::command]
pub fn sync_state(state: State<'_, ShellState>) -> CommandResult<SyncState> {
    state.agent()?.sync_state().map_err(shown)
}

#[tauri::command]
pub fn outbox(state: State<'_, ShellState>) -> CommandResult<Vec<OutboxEntry>> {
    state.agent()?.outbox().map_err(shown)
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
pub fn retry_sync(state: State<'_, ShellState>) -> CommandResult<()> {
    state.agent()?.retry_sync().map_err(shown)
}

#[tauri::command]
pub fn retry_outbox_item(state: State<'_, ShellState>, id: i64) -> CommandResult<()> {
    state.agent()?.retry(id).map_err(shown)
}

#[tauri::command]
pub fn discard_outbox_item(state: State<'_, ShellState>, id: i64) -> CommandResult<()> {
    state.agent()?.discard(id).map_err(shown)
}
