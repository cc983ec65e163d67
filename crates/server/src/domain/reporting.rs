//! Reporting facts: one row per conversation, kept up to date in the same transaction as the
//! change it records, so reports never disagree with the timeline.

use messenger_protocol::{Conversation, ConversationId, Timestamp, UserId};

use crate::error::AppResult;
use crate::store::{ConversationFact, WriteTx};

pub fn opened(
    tx: &mut dyn WriteTx,
    conversation: &Conversation,
    assignee: Option<&UserId>,
) -> AppResult<()> {
    tx.upsert_fact(&ConversationFact {
        conversation_id: conversation.id.clone(),
        opened_at: conversation.opened_at,
        opened_assignee: assignee.cloned(),
        first_response_at: None,
        responder_id: None,
        closed_at: None,
        resolver_id: None,
    })?;
    Ok(())
}

/// The first reply by a user (automation and bots do not call this).
pub fn first_response(
    tx: &mut dyn WriteTx,
    conversation: &ConversationId,
    user: &UserId,
    at: Timestamp,
) -> AppResult<()> {
    if let Some(mut fact) = tx.fact(conversation)?
        && fact.first_response_at.is_none()
    {
        fact.first_response_at = Some(at);
        fact.responder_id = Some(user.clone());
        tx.upsert_fact(&fact)?;
    }
    Ok(())
}

pub fn closed(
    tx: &mut dyn WriteTx,
    conversation: &ConversationId,
    resolver: Option<&UserId>,
    at: Timestamp,
) -> AppResult<()> {
    if let Some(mut fact) = tx.fact(conversation)? {
        fact.closed_at = Some(at);
        fact.resolver_id = resolver.cloned();
        tx.upsert_fact(&fact)?;
    }
    Ok(())
}
