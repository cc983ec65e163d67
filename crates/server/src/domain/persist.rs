//! Every change of an entity goes to the store together with its event, so nothing changes
//! without the log (and the clients) hearing of it.

use messenger_protocol::{
    Comment, Contact, Conversation, EventPayload, Message, Timestamp, UserId,
};

use crate::error::{AppError, AppResult};
use crate::store::{NewMessage, StoreError, WriteTx};

/// A key that must be stored once (a client id, a provider's mId, a contact's channel
/// identity) was taken by a concurrent transaction between this one's check and its insert:
/// the transaction runs again, and its check then finds the row the other one stored (so the
/// repeat is answered like any repeat, not with a 409). With one writer (SQLite) the check
/// always sees it first and this does not happen.
pub fn taken_concurrently(err: StoreError) -> AppError {
    match err {
        StoreError::Conflict(what) => StoreError::Retryable(what.into()).into(),
        other => other.into(),
    }
}

/// Writes the contact and appends `contact.upserted`.
pub fn save_contact(tx: &mut dyn WriteTx, contact: &Contact, at: Timestamp) -> AppResult<()> {
    tx.update_contact(contact)?;
    contact_upserted(tx, contact, at)
}

/// Appends `contact.upserted` for a contact already written (inserted, or its channels changed).
pub fn contact_upserted(tx: &mut dyn WriteTx, contact: &Contact, at: Timestamp) -> AppResult<()> {
    tx.append_event(
        &EventPayload::ContactUpserted(contact.clone()),
        at,
        contact.assignee_id.as_ref(),
    )?;
    Ok(())
}

/// Writes the conversation and appends `conversation.upserted`; `assignee` is its contact's.
pub fn save_conversation(
    tx: &mut dyn WriteTx,
    conversation: &Conversation,
    assignee: Option<&UserId>,
    at: Timestamp,
) -> AppResult<()> {
    tx.update_conversation(conversation)?;
    conversation_upserted(tx, conversation, assignee, at)
}

pub fn conversation_upserted(
    tx: &mut dyn WriteTx,
    conversation: &Conversation,
    assignee: Option<&UserId>,
    at: Timestamp,
) -> AppResult<()> {
    tx.append_event(
        &EventPayload::ConversationUpserted(conversation.clone()),
        at,
        assignee,
    )?;
    Ok(())
}

/// Inserts a message and appends `message.upserted`.
pub fn add_message(
    tx: &mut dyn WriteTx,
    message: &NewMessage,
    assignee: Option<&UserId>,
) -> AppResult<Message> {
    let stored = tx.insert_message(message).map_err(taken_concurrently)?;
    tx.append_event(
        &EventPayload::MessageUpserted(stored.clone()),
        message.created_at,
        assignee,
    )?;
    Ok(stored)
}

/// Writes a changed message (delivery, attachments) and appends `message.upserted`.
pub fn save_message(
    tx: &mut dyn WriteTx,
    message: &Message,
    assignee: Option<&UserId>,
    at: Timestamp,
) -> AppResult<()> {
    tx.update_message(message)?;
    tx.append_event(
        &EventPayload::MessageUpserted(message.clone()),
        at,
        assignee,
    )?;
    Ok(())
}

pub fn comment_added(
    tx: &mut dyn WriteTx,
    comment: &Comment,
    assignee: Option<&UserId>,
) -> AppResult<()> {
    tx.append_event(
        &EventPayload::CommentUpserted(comment.clone()),
        comment.created_at,
        assignee,
    )?;
    Ok(())
}

/// The current assignee of a contact, for the visibility of events about it.
pub fn assignee_of(
    tx: &mut dyn WriteTx,
    contact: &messenger_protocol::ContactId,
) -> AppResult<Option<UserId>> {
    Ok(tx.contact(contact)?.and_then(|c| c.assignee_id))
}
