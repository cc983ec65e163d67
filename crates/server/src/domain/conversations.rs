//! Opening and closing conversations. A contact has at most one open conversation; the store
//! enforces it too (a partial unique index), so a race cannot break the rule.

use messenger_protocol::{
    ActivityKind, Actor, ActorKind, ChannelId, CloseConversationRequest, ClosingNote,
    ClosingNoteMode, ClosingNoteRules, Contact, Conversation, ConversationId, ConversationStatus,
    ErrorCode, IntegrationEvent, Settings, Timestamp, Trigger, UserId,
};

use super::{activity, assignment, integrations, persist, reporting, workflows};
use crate::error::{AppError, AppResult};
use crate::store::{NewConversation, StoreError, WriteTx};

const MAX_SUMMARY_CHARS: usize = 2000;

fn already_open(contact: &Contact) -> AppError {
    AppError::new(
        ErrorCode::ConversationAlreadyOpen,
        format!("{} already has an open conversation.", contact.name),
    )
}

/// Opens a conversation for the contact (which must have none open) and records who did.
pub fn open(
    tx: &mut dyn WriteTx,
    contact: &mut Contact,
    channel_id: Option<ChannelId>,
    by: Actor,
    at: Timestamp,
) -> AppResult<Conversation> {
    if contact.open_conversation_id.is_some() {
        return Err(already_open(contact));
    }
    let conversation = tx
        .insert_conversation(&NewConversation {
            contact_id: contact.id.clone(),
            channel_id,
            opened_at: at,
            opened_by: by.clone(),
        })
        .map_err(|e| match e {
            StoreError::Conflict(_) => already_open(contact),
            other => other.into(),
        })?;
    contact.open_conversation_id = Some(conversation.id.clone());
    persist::save_contact(tx, contact, at)?;
    persist::conversation_upserted(tx, &conversation, contact.assignee_id.as_ref(), at)?;
    activity::record(
        tx,
        contact,
        Some(conversation.id.clone()),
        activity::of(ActivityKind::ConversationOpened, &by),
        at,
    )?;
    reporting::opened(tx, &conversation, contact.assignee_id.as_ref())?;
    integrations::emit(tx, IntegrationEvent::ConversationOpened, &conversation, at)?;
    let fired = workflows::Fired {
        trigger: Trigger::ConversationOpened,
        contact,
        channel_id: conversation.channel_id.as_ref(),
        text: None,
        by: &by,
    };
    workflows::fire(tx, fired, at)?;
    Ok(conversation)
}

/// Opens a conversation that someone of the workspace starts (a user, a token): on the channel
/// the contact wrote from last.
pub fn open_by(
    tx: &mut dyn WriteTx,
    contact: &mut Contact,
    by: Actor,
    at: Timestamp,
) -> AppResult<Conversation> {
    let channel = contact.channels.last().map(|c| c.channel_id.clone());
    open(tx, contact, channel, by, at)
}

/// What closing asks for under a mode: the one statement of it, which the check below applies
/// and every `Settings` the API sends carries.
pub fn closing_note_rules(mode: ClosingNoteMode) -> ClosingNoteRules {
    ClosingNoteRules {
        asked: mode != ClosingNoteMode::Disabled,
        category_required: matches!(
            mode,
            ClosingNoteMode::CategoryRequired | ClosingNoteMode::CategoryAndSummaryRequired
        ),
        summary_required: mode == ClosingNoteMode::CategoryAndSummaryRequired,
    }
}

/// Checks a user's closing note against the workspace's mode; returns the note to store.
pub fn closing_note_for_mode(
    tx: &mut dyn WriteTx,
    settings: &Settings,
    req: CloseConversationRequest,
) -> AppResult<Option<ClosingNote>> {
    let category = req
        .category
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let summary = req
        .summary
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let rules = closing_note_rules(settings.closing_note_mode);
    if !rules.asked {
        return Ok(None);
    }
    if category.is_none() && rules.category_required {
        return Err(AppError::new(
            ErrorCode::ClosingNoteRequired,
            "This workspace requires a closing-note category to close a conversation.",
        ));
    }
    if summary.is_none() && rules.summary_required {
        return Err(AppError::new(
            ErrorCode::ClosingNoteRequired,
            "This workspace requires a closing-note summary to close a conversation.",
        ));
    }
    if summary
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_SUMMARY_CHARS)
    {
        return Err(AppError::invalid(format!(
            "The summary must have at most {MAX_SUMMARY_CHARS} characters."
        )));
    }
    let category = match category {
        Some(name) => match tx.category_by_name(&name)? {
            Some(c) => Some(c.name),
            None => {
                let known: Vec<String> = tx.categories()?.into_iter().map(|c| c.name).collect();
                return Err(AppError::new(
                    ErrorCode::UnknownCategory,
                    if known.is_empty() {
                        format!(
                            "There is no closing-note category {name:?}; this workspace has none."
                        )
                    } else {
                        format!(
                            "There is no closing-note category {name:?}; choose one of: {}.",
                            known.join(", ")
                        )
                    },
                ));
            }
        },
        None => None,
    };
    Ok((category.is_some() || summary.is_some()).then_some(ClosingNote { category, summary }))
}

/// Closes an open conversation. The contact keeps its assignee unless the workspace's legacy
/// `unassign_on_close` is on.
pub fn close(
    tx: &mut dyn WriteTx,
    conversation_id: &ConversationId,
    by: Actor,
    note: Option<ClosingNote>,
    settings: &Settings,
    at: Timestamp,
) -> AppResult<Conversation> {
    let mut conversation = tx
        .conversation(conversation_id)?
        .ok_or_else(|| AppError::not_found("Conversation"))?;
    if conversation.status != ConversationStatus::Open {
        return Err(AppError::new(
            ErrorCode::ConversationNotOpen,
            "This conversation is already closed.",
        ));
    }
    let mut contact = tx
        .contact(&conversation.contact_id)?
        .ok_or_else(|| AppError::not_found("Contact"))?;
    conversation.status = ConversationStatus::Closed;
    conversation.closed_at = Some(at);
    conversation.closed_by = Some(by.clone());
    conversation.closing_note = note.clone();
    contact.open_conversation_id = None;
    contact.waiting_since = None;
    persist::save_conversation(tx, &conversation, contact.assignee_id.as_ref(), at)?;
    persist::save_contact(tx, &contact, at)?;
    let mut entry = activity::of(ActivityKind::ConversationClosed, &by);
    entry.closing_note = note;
    activity::record(tx, &contact, Some(conversation.id.clone()), entry, at)?;
    let resolver = contact
        .assignee_id
        .clone()
        .or_else(|| by.user_id().map(UserId::from));
    reporting::closed(tx, &conversation.id, resolver.as_ref(), at)?;
    let metrics = serde_json::json!({
        "conversation": conversation,
        "metrics": {
            "first_response_time_s": conversation.first_response_at.map(|t| t.seconds_since(conversation.opened_at)),
            "resolution_time_s": at.seconds_since(conversation.opened_at),
        },
    });
    integrations::emit(tx, IntegrationEvent::ConversationClosed, &metrics, at)?;
    let fired = workflows::Fired {
        trigger: Trigger::ConversationClosed,
        contact: &contact,
        channel_id: conversation.channel_id.as_ref(),
        text: None,
        by: &by,
    };
    workflows::fire(tx, fired, at)?;
    if settings.unassign_on_close && contact.assignee_id.is_some() {
        let system = Actor::of(ActorKind::System);
        assignment::set_assignee(tx, &mut contact, None, &system, at)?;
    }
    Ok(conversation)
}
