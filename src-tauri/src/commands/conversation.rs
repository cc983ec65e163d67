//! A contact's conversation: timeline, details, and the writes that go through the outbox.

use messenger_agent::cache::outbox_store::StagedFile;
use messenger_agent::view::{ContactDetails, TimelinePage};
use messenger_protocol::{ContactId, ConversationId, SnippetId, UserId};
use tauri::State;

use super::{CommandResult, shown};
use crate::shell_state::ShellState;

#[tauri::command]
pub fn timeline(
    state: State<'_, ShellState>,
    contact_id: ContactId,
    before: Option<String>,
    limit: u32,
) -> CommandResult<TimelinePage> {
    state
        .agent()?
        .timeline(&contact_id, before.as_deref(), limit)
        .map_err(shown)
}

#[tauri::command]
pub fn contact_details(
    state: State<'_, ShellState>,
    contact_id: ContactId,
) -> CommandResult<Option<ContactDetails>> {
    state.agent()?.contact_details(&contact_id).map_err(shown)
}

/// Fetches the next older page from the server into the cache; `false` when there is none.
#[tauri::command]
pub async fn load_older(
    state: State<'_, ShellState>,
    contact_id: ContactId,
) -> CommandResult<bool> {
    state.agent()?.load_older(&contact_id).await.map_err(shown)
}

#[tauri::command]
pub async fn ensure_history(
    state: State<'_, ShellState>,
    contact_id: ContactId,
) -> CommandResult<()> {
    state
        .agent()?
        .ensure_history(&contact_id)
        .await
        .map_err(shown)
}

/// Queues a reply; answers its client id (upload progress events carry it).
#[tauri::command]
pub fn send_message(
    state: State<'_, ShellState>,
    contact_id: ContactId,
    text: Option<String>,
    files: Vec<StagedFile>,
) -> CommandResult<String> {
    let item = state
        .agent()?
        .send_message(&contact_id, text, files, None)
        .map_err(shown)?;
    Ok(item.client_id.0)
}

#[tauri::command]
pub fn add_comment(
    state: State<'_, ShellState>,
    contact_id: ContactId,
    text: String,
    mentions: Vec<UserId>,
) -> CommandResult<()> {
    state
        .agent()?
        .add_comment(&contact_id, text, mentions)
        .map(drop)
        .map_err(shown)
}

/// Assigns to a user, or unassigns with `null`.
#[tauri::command]
pub fn assign(
    state: State<'_, ShellState>,
    contact_id: ContactId,
    user_id: Option<UserId>,
) -> CommandResult<()> {
    state
        .agent()?
        .assign(&contact_id, user_id)
        .map(drop)
        .map_err(shown)
}

#[tauri::command]
pub fn open_conversation(state: State<'_, ShellState>, contact_id: ContactId) -> CommandResult<()> {
    state
        .agent()?
        .open_conversation(&contact_id)
        .map(drop)
        .map_err(shown)
}

#[tauri::command]
pub fn close_conversation(
    state: State<'_, ShellState>,
    contact_id: ContactId,
    conversation_id: ConversationId,
    category: Option<String>,
    summary: Option<String>,
) -> CommandResult<()> {
    state
        .agent()?
        .close_conversation(&contact_id, &conversation_id, category, summary)
        .map(drop)
        .map_err(shown)
}

#[tauri::command]
pub fn render_snippet(
    state: State<'_, ShellState>,
    snippet_id: SnippetId,
    contact_id: ContactId,
) -> CommandResult<String> {
    state
        .agent()?
        .render_snippet(&snippet_id, &contact_id)
        .map_err(shown)
}

/// Merges `secondary_id` into `contact_id` (owners and managers; needs the server).
#[tauri::command]
pub async fn merge_contacts(
    state: State<'_, ShellState>,
    contact_id: ContactId,
    secondary_id: ContactId,
) -> CommandResult<()> {
    state
        .agent()?
        .merge(&contact_id, &secondary_id)
        .await
        .map_err(shown)
}
