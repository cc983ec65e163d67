//! Merging two contacts: the secondary's open conversation closes, its channels,
//! conversations, messages and comments move to the primary, and the secondary is removed.

use messenger_protocol::{
    ActivityKind, Actor, ActorKind, Contact, ContactId, ErrorCode, EventPayload, Removed,
};

use super::{Ctx, activity, contacts, conversations, persist};
use crate::error::{AppError, AppResult};
use crate::store::WriteTx;

pub fn merge(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    primary_id: &ContactId,
    secondary_id: &ContactId,
) -> AppResult<Contact> {
    if !super::capabilities::of(ctx.me.role).merge_contacts {
        return Err(AppError::forbidden(
            "Only owners and managers can merge contacts.",
        ));
    }
    if primary_id == secondary_id {
        return Err(AppError::new(
            ErrorCode::RuleRefused,
            "A contact cannot be merged with itself.",
        ));
    }
    let mut primary = contacts::visible(tx, ctx, primary_id)?;
    let secondary = contacts::visible(tx, ctx, secondary_id)?;
    let now = ctx.now;
    let merge_actor = Actor::of(ActorKind::Merge);
    if let Some(open) = &secondary.open_conversation_id {
        conversations::close(tx, open, merge_actor, None, &ctx.settings, now)?;
    }
    tx.move_contact_history(&secondary.id, &primary.id)?;
    tx.delete_contact(&secondary.id)?;
    tx.append_event(
        &EventPayload::ContactRemoved(Removed {
            id: secondary.id.clone(),
        }),
        now,
        None,
    )?;

    // The primary keeps its own details and fills gaps from the secondary's.
    if primary.email.is_none() {
        primary.email = secondary.email.clone();
    }
    if primary.phone.is_none() {
        primary.phone = secondary.phone.clone();
    }
    contacts::fill_profile(&mut primary.profile, &secondary.profile);
    for (slug, value) in &secondary.custom_fields {
        primary
            .custom_fields
            .entry(slug.clone())
            .or_insert_with(|| value.clone());
    }
    let mut tags = primary.tags.clone();
    tags.extend(secondary.tags.iter().cloned());
    primary.tags = contacts::normalize_tags(tags)?;
    if secondary.last_message_at > primary.last_message_at {
        primary.last_message_at = secondary.last_message_at;
        primary.last_message_preview = secondary.last_message_preview.clone();
    }
    if primary.assignee_id.is_none() {
        primary.assignee_id = secondary.assignee_id.clone();
    }
    let mut merged = tx
        .contact(&primary.id)?
        .ok_or_else(|| AppError::not_found("Contact"))?;
    merged.email = primary.email;
    merged.phone = primary.phone;
    merged.tags = primary.tags;
    merged.profile = primary.profile;
    merged.custom_fields = primary.custom_fields;
    merged.last_message_at = primary.last_message_at;
    merged.last_message_preview = primary.last_message_preview;
    merged.assignee_id = primary.assignee_id;
    persist::save_contact(tx, &merged, now)?;

    // The moved history, so that clients holding the primary see it.
    let assignee = merged.assignee_id.clone();
    for conversation in tx.conversations_of(&merged.id)? {
        persist::conversation_upserted(tx, &conversation, assignee.as_ref(), now)?;
    }
    // Every message of the primary is announced again: simpler than tracking which rows
    // moved, and applying an event twice is harmless.
    for message in tx.messages_of(&merged.id)? {
        tx.append_event(
            &EventPayload::MessageUpserted(message),
            now,
            assignee.as_ref(),
        )?;
    }
    for comment in tx.comments_of(&merged.id)? {
        persist::comment_added(tx, &comment, assignee.as_ref())?;
    }
    activity::record_with(
        tx,
        &merged,
        merged.open_conversation_id.clone(),
        activity::of(ActivityKind::ContactMerged, &ctx.actor()),
        Some(&secondary.name),
        now,
    )?;
    Ok(merged)
}
