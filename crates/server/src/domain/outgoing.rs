//! Messages users send: idempotent per client id, opening a conversation when none is open,
//! assigning an unassigned contact to the replier, and queued for delivery to the channel.

use messenger_protocol::{
    Actor, Attachment, AttachmentKind, AttachmentStatus, ChannelId, Contact, ContactId, Delivery,
    Direction, ErrorCode, Message, SendMessageRequest, Timestamp, UserId,
};

use super::{Ctx, assignment, contacts, conversations, files, persist, reporting};
use crate::error::{AppError, AppResult};
use crate::store::{ChannelRecord, NewMessage, ReadTx, WriteTx};

pub const MAX_TEXT_CHARS: usize = 10_000;
pub const MAX_FILES: usize = 10;
/// The job kind of outbound delivery.
pub const DELIVER_JOB: &str = "deliver_message";

/// What a send did: a new message, or the one stored for this client id before.
pub struct Sent {
    pub message: Message,
    pub created: bool,
}

/// The channel a reply goes out on: the one asked for (if the contact has it), else the open
/// conversation's, else the one the contact used last.
pub fn reply_channel(
    tx: &mut dyn ReadTx,
    contact: &Contact,
    asked: Option<&ChannelId>,
) -> AppResult<Option<ChannelRecord>> {
    let id = match asked {
        Some(id) => {
            if !contact.channels.iter().any(|c| &c.channel_id == id) {
                return Err(AppError::invalid(format!(
                    "{} cannot be reached on channel {id}.",
                    contact.name
                )));
            }
            Some(id.clone())
        }
        None => {
            let open = match &contact.open_conversation_id {
                Some(cid) => tx.conversation(cid)?.and_then(|c| c.channel_id),
                None => None,
            };
            open.or_else(|| contact.channels.last().map(|c| c.channel_id.clone()))
        }
    };
    match id {
        Some(id) => Ok(tx.channel(&id)?),
        None => Ok(None),
    }
}

/// Builds the attachments of a send from files the sender may have (their unsent uploads, or
/// files already on a contact they see); a voice note becomes a `voice` attachment on a
/// channel that supports voice and an `audio` one elsewhere.
fn attachments(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    req: &SendMessageRequest,
    channel: Option<&ChannelRecord>,
) -> AppResult<Vec<Attachment>> {
    if req.file_ids.len() > MAX_FILES {
        return Err(AppError::invalid(format!(
            "A message carries at most {MAX_FILES} files."
        )));
    }
    let mut out = Vec::new();
    for id in &req.file_ids {
        let f = files::accessible(tx, ctx, id)?;
        out.push(Attachment {
            file_id: Some(f.id),
            kind: AttachmentKind::from_mime(&f.mime),
            name: f.name,
            mime: f.mime,
            size: f.size,
            status: AttachmentStatus::Ready,
            error: None,
            duration_ms: None,
            waveform: None,
        });
    }
    if let Some(voice) = &req.voice {
        let f = files::accessible(tx, ctx, &voice.file_id)?;
        if !f.mime.starts_with("audio/") {
            return Err(AppError::invalid(format!(
                "A voice note must be audio; file {} is {}.",
                f.id, f.mime
            )));
        }
        let kind = if channel.is_some_and(|c| c.supports_voice) {
            AttachmentKind::Voice
        } else {
            AttachmentKind::Audio
        };
        out.push(Attachment {
            file_id: Some(f.id),
            kind,
            name: f.name,
            mime: f.mime,
            size: f.size,
            status: AttachmentStatus::Ready,
            error: None,
            duration_ms: Some(voice.duration_ms),
            waveform: (!voice.waveform.is_empty()).then(|| voice.waveform.clone()),
        });
    }
    Ok(out)
}

fn preview(text: &str, attachments: &[Attachment]) -> String {
    if !text.is_empty() {
        return text.to_owned();
    }
    match attachments.first().map(|a| a.kind) {
        Some(AttachmentKind::Voice) => "🎤 Voice note".into(),
        Some(AttachmentKind::Audio) => "🎵 Audio".into(),
        Some(AttachmentKind::Image) => "📷 Image".into(),
        Some(AttachmentKind::Video) => "🎬 Video".into(),
        _ => "📎 File".into(),
    }
}

/// Sends a message from the signed-in user to a contact.
pub fn send(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    contact_id: &ContactId,
    req: SendMessageRequest,
) -> AppResult<Sent> {
    if let Some(existing) = tx.message_by_client_id(&ctx.me.id, &req.client_id)? {
        if &existing.contact_id != contact_id {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "The client id {} was already used for another contact.",
                    req.client_id
                ),
            ));
        }
        return Ok(Sent {
            message: existing,
            created: false,
        });
    }
    if req.client_id.as_str().is_empty() || req.client_id.as_str().len() > 64 {
        return Err(AppError::invalid(
            "client_id must be a non-empty id of at most 64 characters (a UUID v7).",
        ));
    }
    let mut contact = contacts::visible(tx, ctx, contact_id)?;
    let text = req
        .text
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(AppError::invalid(format!(
            "A message has at most {MAX_TEXT_CHARS} characters."
        )));
    }
    let channel = reply_channel(tx, &contact, req.channel_id.as_ref())?;
    let attachments = attachments(tx, ctx, &req, channel.as_ref())?;
    if text.is_empty() && attachments.is_empty() {
        return Err(AppError::invalid(
            "A message needs text, a file or a voice note.",
        ));
    }
    let now = ctx.now;
    let me = ctx.actor();
    if contact.open_conversation_id.is_none() {
        conversations::open(
            tx,
            &mut contact,
            channel.as_ref().map(|c| c.id.clone()),
            me.clone(),
            now,
        )?;
    }
    // A user who answers an unassigned contact takes it; a Developer API token does not.
    if contact.assignee_id.is_none() && !ctx.is_api() {
        assignment::set_assignee(tx, &mut contact, Some(&ctx.me.id), &me, now)?;
    }
    let (delivery, error) = delivery_for(&contact, channel.as_ref());
    let mut message = persist::add_message(
        tx,
        &NewMessage {
            contact_id: contact.id.clone(),
            conversation_id: contact.open_conversation_id.clone(),
            channel_id: channel.as_ref().map(|c| c.id.clone()),
            direction: Direction::Outgoing,
            sender: me,
            client_id: Some(req.client_id),
            external_id: None,
            text: text.clone(),
            attachments: attachments.clone(),
            delivery,
            activity: None,
            created_at: now,
            sent_at: None,
        },
        contact.assignee_id.as_ref(),
    )?;
    queue_delivery(tx, &mut message, error, contact.assignee_id.as_ref(), now)?;
    if !ctx.is_api() {
        record_first_response(tx, &contact, &ctx.me.id, now)?;
    }
    contacts::touch_last_message(&mut contact, &preview(&text, &attachments), now);
    contact.waiting_since = None;
    persist::save_contact(tx, &contact, now)?;
    Ok(Sent {
        message,
        created: true,
    })
}

/// The first reply by a user after the conversation opened is its first response.
fn record_first_response(
    tx: &mut dyn WriteTx,
    contact: &Contact,
    user: &UserId,
    now: Timestamp,
) -> AppResult<()> {
    let Some(id) = &contact.open_conversation_id else {
        return Ok(());
    };
    reporting::first_response(tx, id, user, now)?;
    if let Some(mut conversation) = tx.conversation(id)?
        && conversation.first_response_at.is_none()
    {
        conversation.first_response_at = Some(now);
        persist::save_conversation(tx, &conversation, contact.assignee_id.as_ref(), now)?;
    }
    Ok(())
}

/// Whether a message can go out on the channel, and if not, why.
fn delivery_for(contact: &Contact, channel: Option<&ChannelRecord>) -> (Delivery, Option<String>) {
    match channel {
        Some(c) if c.outbound_url.is_some() => (Delivery::Pending, None),
        Some(c) => (
            Delivery::Failed,
            Some(format!(
                "The channel {} has no outbound URL, so nothing can be sent on it.",
                c.name
            )),
        ),
        None => (
            Delivery::Failed,
            Some(format!("{} has no channel to reply on.", contact.name)),
        ),
    }
}

/// Queues the message for delivery, or records why it cannot be delivered.
fn queue_delivery(
    tx: &mut dyn WriteTx,
    message: &mut Message,
    error: Option<String>,
    assignee: Option<&UserId>,
    now: Timestamp,
) -> AppResult<()> {
    match error {
        Some(err) => {
            message.error = Some(err);
            persist::save_message(tx, message, assignee, now)
        }
        None => {
            tx.enqueue_job(
                DELIVER_JOB,
                &serde_json::json!({"message_id": message.id}).to_string(),
                now,
            )?;
            Ok(())
        }
    }
}

/// A message sent by a workflow or a bot: it opens a conversation when none is open, but never
/// assigns the contact and never counts as a first response.
pub fn send_as(
    tx: &mut dyn WriteTx,
    by: &Actor,
    contact: &mut Contact,
    text: &str,
    now: Timestamp,
) -> AppResult<Message> {
    let text: String = text.trim().chars().take(MAX_TEXT_CHARS).collect();
    let channel = reply_channel(tx, contact, None)?;
    if contact.open_conversation_id.is_none() {
        conversations::open(
            tx,
            contact,
            channel.as_ref().map(|c| c.id.clone()),
            by.clone(),
            now,
        )?;
    }
    let (delivery, error) = delivery_for(contact, channel.as_ref());
    let mut message = persist::add_message(
        tx,
        &NewMessage {
            contact_id: contact.id.clone(),
            conversation_id: contact.open_conversation_id.clone(),
            channel_id: channel.as_ref().map(|c| c.id.clone()),
            direction: Direction::Outgoing,
            sender: by.clone(),
            client_id: None,
            external_id: None,
            text: text.clone(),
            attachments: Vec::new(),
            delivery,
            activity: None,
            created_at: now,
            sent_at: None,
        },
        contact.assignee_id.as_ref(),
    )?;
    queue_delivery(tx, &mut message, error, contact.assignee_id.as_ref(), now)?;
    contacts::touch_last_message(contact, &text, now);
    persist::save_contact(tx, contact, now)?;
    Ok(message)
}
