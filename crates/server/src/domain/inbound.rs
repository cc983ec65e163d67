//! What contacts send through a channel: messages (stored once per mId), welcome events and
//! receipts for our outbound messages. A new contact is created on first contact; an incoming
//! message opens a conversation when none is open.

use messenger_protocol::custom_channel::{
    ChannelAttachmentKind, ChannelMessage, InboundContact, ReceiptStatus,
};
use messenger_protocol::{
    Actor, ActorKind, Attachment, AttachmentKind, AttachmentStatus, Contact, ContactId, Delivery,
    Direction, IntegrationEvent, Message, Timestamp, Trigger,
};

use super::{contacts, conversations, integrations, persist, workflows};
use crate::error::AppResult;
use crate::store::{ChannelRecord, NewContact, NewMessage, WriteTx};

/// The job kind that fetches an attachment given by URL.
pub const FETCH_JOB: &str = "fetch_attachment";
/// The job kind that hands an incoming message to the channel's bot.
pub const BOT_JOB: &str = "bot_call";

fn display_name(external_id: &str, info: Option<&InboundContact>) -> String {
    let name = info
        .map(|i| {
            [i.first_name.as_deref(), i.last_name.as_deref()]
                .into_iter()
                .flatten()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    if name.is_empty() {
        external_id.to_owned()
    } else {
        name.chars().take(200).collect()
    }
}

fn clean(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The contact behind (channel, external id), created on first contact. Details the provider
/// sends fill in what the contact lacks; they never overwrite what users edited.
pub fn find_or_create_contact(
    tx: &mut dyn WriteTx,
    channel: &ChannelRecord,
    external_id: &str,
    info: Option<&InboundContact>,
    now: Timestamp,
) -> AppResult<(Contact, bool)> {
    if let Some(mut contact) = tx.contact_by_identity(&channel.id, external_id)? {
        let mut changed = false;
        if let Some(info) = info {
            if contact.email.is_none() && clean(info.email.as_ref()).is_some() {
                contact.email = clean(info.email.as_ref());
                changed = true;
            }
            if contact.phone.is_none() && clean(info.phone.as_ref()).is_some() {
                contact.phone = clean(info.phone.as_ref());
                changed = true;
            }
            let name = display_name(external_id, Some(info));
            if contact.name == external_id && name != external_id {
                contact.first_name = contacts::first_name_of(&name);
                contact.name = name;
                changed = true;
            }
        }
        if changed {
            tx.update_contact(&contact)?;
        }
        return Ok((contact, changed));
    }
    let name = display_name(external_id, info);
    let first = info
        .and_then(|i| clean(i.first_name.as_ref()))
        .unwrap_or_else(|| contacts::first_name_of(&name));
    let contact = tx.insert_contact(&NewContact {
        first_name: first,
        name,
        email: info.and_then(|i| clean(i.email.as_ref())),
        phone: info.and_then(|i| clean(i.phone.as_ref())),
        created_at: now,
    })?;
    tx.add_contact_identity(&contact.id, &channel.id, external_id)
        .map_err(persist::taken_concurrently)?;
    let contact = tx.contact(&contact.id)?.unwrap_or(contact);
    Ok((contact, true))
}

fn attachment_from_url(
    kind: ChannelAttachmentKind,
    url: &str,
    file_name: Option<&str>,
) -> Attachment {
    let name = file_name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            url.split(['?', '#'])
                .next()
                .and_then(|p| p.rsplit('/').next())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "attachment".into());
    let mime = mime_guess::from_path(&name)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_owned();
    Attachment {
        file_id: None,
        name,
        mime,
        size: 0,
        kind: match kind {
            ChannelAttachmentKind::Image => AttachmentKind::Image,
            ChannelAttachmentKind::Video => AttachmentKind::Video,
            ChannelAttachmentKind::Audio => AttachmentKind::Audio,
            ChannelAttachmentKind::File => AttachmentKind::File,
        },
        status: AttachmentStatus::Pending,
        error: None,
        duration_ms: None,
        waveform: None,
    }
}

/// Stores one incoming message; `None` when (channel, mId) was stored before.
pub fn receive_message(
    tx: &mut dyn WriteTx,
    channel: &ChannelRecord,
    external_contact: &str,
    info: Option<&InboundContact>,
    m_id: &str,
    content: &ChannelMessage,
    now: Timestamp,
) -> AppResult<Option<(Message, ContactId)>> {
    if tx.message_exists_by_external_id(&channel.id, Direction::Incoming, m_id)? {
        return Ok(None);
    }
    let (mut contact, _) = find_or_create_contact(tx, channel, external_contact, info, now)?;
    let contact_actor = Actor {
        kind: ActorKind::Contact,
        id: Some(contact.id.to_string()),
        name: None,
    };
    if contact.open_conversation_id.is_none() {
        conversations::open(
            tx,
            &mut contact,
            Some(channel.id.clone()),
            contact_actor.clone(),
            now,
        )?;
    }
    let (text, attachments, fetch_url) = match content {
        ChannelMessage::Text { text } => (text.clone(), Vec::new(), None),
        ChannelMessage::Attachment { attachment } => (
            String::new(),
            vec![attachment_from_url(
                attachment.kind,
                &attachment.url,
                attachment.file_name.as_deref(),
            )],
            Some(attachment.url.clone()),
        ),
    };
    let message = persist::add_message(
        tx,
        &NewMessage {
            contact_id: contact.id.clone(),
            conversation_id: contact.open_conversation_id.clone(),
            channel_id: Some(channel.id.clone()),
            direction: Direction::Incoming,
            sender: contact_actor,
            client_id: None,
            external_id: Some(m_id.to_owned()),
            text: text.clone(),
            attachments: attachments.clone(),
            delivery: Delivery::Delivered,
            activity: None,
            created_at: now,
        },
        contact.assignee_id.as_ref(),
    )?;
    if let Some(url) = fetch_url {
        let payload = serde_json::json!({"message_id": message.id, "index": 0, "url": url});
        tx.enqueue_job(FETCH_JOB, &payload.to_string(), now)?;
    }
    let preview = if text.is_empty() {
        format!(
            "📎 {}",
            attachments
                .first()
                .map(|a| a.name.as_str())
                .unwrap_or("Attachment")
        )
    } else {
        text
    };
    contacts::touch_last_message(&mut contact, &preview, now);
    if contact.waiting_since.is_none() {
        contact.waiting_since = Some(now);
    }
    persist::save_contact(tx, &contact, now)?;
    integrations::emit(tx, IntegrationEvent::MessageReceived, &message, now)?;
    if contact.assignee_id.is_none() && channel.bot_url.is_some() {
        let payload = serde_json::json!({"channel_id": channel.id, "contact_id": contact.id, "message_id": message.id});
        tx.enqueue_job(BOT_JOB, &payload.to_string(), now)?;
    }
    let fired = workflows::Fired {
        trigger: Trigger::MessageReceived,
        contact: &contact,
        channel_id: Some(&channel.id),
        text: Some(&message.text),
        by: &message.sender,
    };
    workflows::fire(tx, fired, now)?;
    Ok(Some((message, contact.id)))
}

/// The channel's welcome event: the contact is known from now on, and a conversation opens
/// when none is open.
pub fn receive_welcome(
    tx: &mut dyn WriteTx,
    channel: &ChannelRecord,
    external_contact: &str,
    info: Option<&InboundContact>,
    now: Timestamp,
) -> AppResult<ContactId> {
    let (mut contact, changed) = find_or_create_contact(tx, channel, external_contact, info, now)?;
    if contact.open_conversation_id.is_none() {
        conversations::open(
            tx,
            &mut contact,
            Some(channel.id.clone()),
            Actor::of(ActorKind::Welcome),
            now,
        )?;
    } else if changed {
        persist::contact_upserted(tx, &contact, now)?;
    }
    Ok(contact.id)
}

/// A receipt for one of our outbound messages. Receipts only move a message forward; an
/// unknown mId is ignored (the provider may report messages sent before a migration).
pub fn receive_receipt(
    tx: &mut dyn WriteTx,
    channel: &ChannelRecord,
    m_id: &str,
    status: ReceiptStatus,
    error: Option<&str>,
    now: Timestamp,
) -> AppResult<Option<Message>> {
    let Some(mut message) = tx.message_by_external_id(&channel.id, Direction::Outgoing, m_id)?
    else {
        tracing::info!(channel = %channel.id, m_id, "receipt for an unknown message ignored");
        return Ok(None);
    };
    let next = match status {
        ReceiptStatus::Delivered => Delivery::Delivered,
        ReceiptStatus::Read => Delivery::Read,
        ReceiptStatus::Failed => Delivery::Failed,
    };
    let forward = next == Delivery::Failed && message.delivery != Delivery::Read
        || next.rank() > message.delivery.rank();
    if !forward {
        return Ok(Some(message));
    }
    message.delivery = next;
    message.error = (next == Delivery::Failed).then(|| {
        error
            .map(str::to_owned)
            .unwrap_or_else(|| "The provider reported the message as failed.".into())
    });
    let assignee = persist::assignee_of(tx, &message.contact_id)?;
    persist::save_message(tx, &message, assignee.as_ref(), now)?;
    Ok(Some(message))
}
