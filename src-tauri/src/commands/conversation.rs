//! A contact's conversation: timeline, details, and the writes that go through the outbox.

use messenger_agent::cache::outbox_store::StagedFile;
use messenger_agent::view::{ContactDetails, TimelinePage};
use messenger_protocol::{ContactId, ConversationId, SnippetId, UserId};
use tauri::State;

use super::{CommandResult, off_main, shown};
use crate::shell_state::ShellState;

#[tauri::command]
pub async fn timeline(
    state: State<'_, ShellState>,
    contact_id: ContactId,
    before: Option<String>,
    limit: u32,
) -> CommandResult<TimelinePage> {
    off_main(&state, move |agent| {
        agent.timeline(&contact_id, before.as_deref(), limit)
    })
    .await
}

#[tauri::command]
pub async fn contact_details(
    state: State<'_, ShellState>,
    contact_id: ContactId,
) -> CommandResult<Option<ContactDetails>> {
    off_main(&state, move |agent| agent.contact_details(&contact_id)).await
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
pub async fn send_message(
    state: State<'_, ShellState>,
    contact_id: ContactId,
    text: Option<String>,
    files: Vec<StagedFile>,
) -> CommandResult<String> {
    off_main(&state, move |agent| {
        agent
            .send_message(&contact_id, text, files, None)
            .map(|item| item.client_id.0)
    })
    .await
}

#[tauri::command]
pub async fn add_comment(
    state: State<'_, ShellState>,
    contact_id: ContactId,
    text: String,
    mentions: Vec<UserId>,
) -> CommandResult<()> {
    off_main(&state, move |agent| {
        agent.add_comment(&contact_id, text, mentions).map(drop)
    })
    .await
}

/// Assigns to a user, or unassigns with `null`.
#[tauri::command]
pub async fn assign(
    state: State<'_, ShellState>,
    contact_id: ContactId,
    user_id: Option<UserId>,
) -> CommandResult<()> {
    off_main(&state, move |agent| {
        agent.assign(&contact_id, user_id).map(drop)
    })
    .await
}

#[tauri::command]
pub async fn open_conversation(
    state: State<'_, ShellState>,
    contact_id: ContactId,
) -> CommandResult<()> {
    off_main(&state, move |agent| {
        agent.open_conversation(&contact_id).map(drop)
    })
    .await
}

#[tauri::command]
pub async fn close_conversation(
    state: State<'_, ShellState>,
    contact_id: ContactId,
    conversation_id: ConversationId,
    category: Option<String>,
    summary: Option<String>,
) -> CommandResult<()> {
    off_main(&state, move |agent| {
        agent
            .close_conversation(&contact_id, &conversation_id, category, summary)
            .map(drop)
    })
    .await
}

#[tauri::command]
pub async fn render_snippet(
    state: State<'_, ShellState>,
    snippet_id: SnippetId,
    contact_id: ContactId,
) -> CommandResult<String> {
    off_main(&state, move |agent| {
        agent.render_snippet(&snippet_id, &contact_id)
    })
    .await
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
