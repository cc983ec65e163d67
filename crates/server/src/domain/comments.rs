//! Internal comments: notes for the team on a contact, never sent to the contact.

use messenger_protocol::{Actor, Comment, Contact, ContactId, NewComment, Timestamp};

use super::{Ctx, contacts, persist};
use crate::error::{AppError, AppResult};
use crate::store::{NewCommentRecord, WriteTx};

const MAX_CHARS: usize = 10_000;

/// Adds a comment; a repeated client id returns the stored one.
pub fn add(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    contact_id: &ContactId,
    req: NewComment,
) -> AppResult<(Comment, bool)> {
    if let Some(client_id) = &req.client_id
        && let Some(existing) = tx.comment_by_client_id(&ctx.me.id, client_id)?
    {
        return Ok((existing, false));
    }
    let contact = contacts::visible(tx, ctx, contact_id)?;
    let text = req.text.trim().to_owned();
    if text.is_empty() {
        return Err(AppError::invalid("A comment needs text."));
    }
    if text.chars().count() > MAX_CHARS {
        return Err(AppError::invalid(format!(
            "A comment has at most {MAX_CHARS} characters."
        )));
    }
    let mut mentions = Vec::new();
    for id in req.mentions {
        let user = tx
            .user(&id)?
            .ok_or_else(|| AppError::invalid(format!("The mentioned user {id} does not exist.")))?;
        if !mentions.contains(&user.id) {
            mentions.push(user.id);
        }
    }
    let comment = tx
        .insert_comment(&NewCommentRecord {
            contact_id: contact.id.clone(),
            author: ctx.actor(),
            client_id: req.client_id,
            text,
            mentions,
            created_at: ctx.now,
        })
        .map_err(persist::taken_concurrently)?;
    persist::comment_added(tx, &comment, contact.assignee_id.as_ref())?;
    Ok((comment, true))
}

/// A comment by a workflow (or another non-user actor).
pub fn add_as(
    tx: &mut dyn WriteTx,
    by: &Actor,
    contact: &Contact,
    text: &str,
    now: Timestamp,
) -> AppResult<Comment> {
    let comment = tx.insert_comment(&NewCommentRecord {
        contact_id: contact.id.clone(),
        author: by.clone(),
        client_id: None,
        text: text.trim().chars().take(MAX_CHARS).collect(),
        mentions: Vec::new(),
        created_at: now,
    })?;
    persist::comment_added(tx, &comment, contact.assignee_id.as_ref())?;
    Ok(comment)
}
