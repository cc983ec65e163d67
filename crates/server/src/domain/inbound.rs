//! What contacts send through a channel: messages (stored once per mId), welcome events and
//! receipts for our outbound messages. A new contact is created on first contact; an incoming
//! message opens a conversation when none is open.

use messenger_protocol::custom_channel::{
    ChannelAttachmentKind, ChannelMessage, InboundContact, ReceiptStatus,
};
use messenger_protocol::{
    Actor, ActorKind, Attachment, AttachmentKind, AttachmentStatus, ChannelId, Contact, ContactId,
    ContactProfile, Delivery, Direction, IntegrationEvent, Message, Timestamp, Trigger,
};

use super::{contacts, conversations, integrations, persist, workflows};
use crate::channel::url_guard::is_web_url;
use crate::error::AppResult;
use crate::store::{ChannelRecord, ContactAddress, NewContact, NewMessage, WriteTx};

/// The job kind that fetches an attachment given by URL.
pub const FETCH_JOB: &str = "fetch_attachment";
/// The job kind that hands an incoming message to the channel's bot.
pub const BOT_JOB: &str = "bot_call";
/// The job kind that fetches a contact's profile picture.
pub const AVATAR_JOB: &str = "fetch_avatar";

/// How far before its arrival a message's own time may be (a provider's backlog after a long
/// outage still fits) and how far after (clocks that run fast).
const SENT_AT_BEFORE_MS: i64 = 90 * 24 * 3600 * 1000;
const SENT_AT_AFTER_MS: i64 = 5 * 60 * 1000;

/// The sender's time of a message (epoch milliseconds, as respond.io sends it), when it is
/// plausible; else `None`, and the message shows its arrival time.
pub fn sent_at(timestamp_ms: i64, now: Timestamp) -> Option<Timestamp> {
    let plausible = timestamp_ms >= now.millis() - SENT_AT_BEFORE_MS
        && timestamp_ms <= now.millis() + SENT_AT_AFTER_MS;
    plausible
        .then(|| Timestamp::from_millis(timestamp_ms))
        .flatten()
}

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

/// What the provider tells of the contact's language, country and time zone; an odd value
/// is dropped, not the message it came with.
fn profile_of(info: &InboundContact) -> ContactProfile {
    let value = |v: Option<&String>, rule: fn(&str) -> Option<String>| v.and_then(|v| rule(v));
    ContactProfile {
        language: value(
            info.language.as_ref().or(info.locale.as_ref()),
            contacts::language_tag,
        ),
        country_code: value(info.country_code.as_ref(), contacts::country_code),
        timezone: value(info.timezone.as_ref(), contacts::time_zone),
        avatar_file_id: None,
    }
}

/// The provider's picture URL, when it is one we may fetch.
fn picture_url(info: Option<&InboundContact>) -> Option<String> {
    clean(info?.profile_pic.as_ref()).filter(|u| u.len() <= 2048 && is_web_url(u))
}

/// The contact behind (channel, external id), created on first contact. Details the provider
/// sends fill in what the contact lacks; they never overwrite what users edited. A picture is
/// fetched (by a job, through the URL guard) when the contact has none and is new or just
/// learned something, so that a provider sending the same URL with every message does not
/// cause a fetch each time.
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
            changed |= contacts::fill_profile(&mut contact.profile, &profile_of(info));
        }
        if changed {
            tx.update_contact(&contact)?;
            fetch_picture(tx, channel, &contact, info, now)?;
        }
        return Ok((contact, changed));
    }
    if let Some(contact) = waiting_contact(tx, external_id, info)? {
        tx.add_contact_identity(&contact.id, &channel.id, external_id)
            .map_err(persist::taken_concurrently)?;
        let mut contact = tx.contact(&contact.id)?.unwrap_or(contact);
        if let Some(info) = info {
            contacts::fill_profile(&mut contact.profile, &profile_of(info));
            tx.update_contact(&contact)?;
        }
        fetch_picture(tx, channel, &contact, info, now)?;
        return Ok((contact, true));
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
        profile: info.map(profile_of).unwrap_or_default(),
        custom_fields: Default::default(),
        created_at: now,
    })?;
    tx.add_contact_identity(&contact.id, &channel.id, external_id)
        .map_err(persist::taken_concurrently)?;
    let contact = tx.contact(&contact.id)?.unwrap_or(contact);
    fetch_picture(tx, channel, &contact, info, now)?;
    Ok((contact, true))
}

/// A contact created ahead of its first message (through the Developer API: it has no channel
/// identity yet) that this newcomer is, by phone (the channel's id of the contact, or the
/// phone it gives) or by email. Contacts that have written on some channel are never joined
/// this way: telling two people with one number apart is a merge, which a user decides.
fn waiting_contact(
    tx: &mut dyn WriteTx,
    external_id: &str,
    info: Option<&InboundContact>,
) -> AppResult<Option<Contact>> {
    let looks_like_phone = |s: &str| {
        s.chars().filter(char::is_ascii_digit).count() >= 6
            && s.chars()
                .all(|c| c.is_ascii_digit() || " +-.()".contains(c))
    };
    let mut addresses = Vec::new();
    if looks_like_phone(external_id) {
        addresses.push(ContactAddress::Phone(external_id.to_owned()));
    }
    if let Some(info) = info {
        if let Some(phone) = clean(info.phone.as_ref()).filter(|p| looks_like_phone(p)) {
            addresses.push(ContactAddress::Phone(phone));
        }
        if let Some(email) = clean(info.email.as_ref()).filter(|e| e.contains('@')) {
            addresses.push(ContactAddress::Email(email));
        }
    }
    for address in addresses {
        if let Some(c) = tx.contact_by_address(&address)?
            && c.channels.is_empty()
        {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

fn fetch_picture(
    tx: &mut dyn WriteTx,
    channel: &ChannelRecord,
    contact: &Contact,
    info: Option<&InboundContact>,
    now: Timestamp,
) -> AppResult<()> {
    if contact.profile.avatar_file_id.is_some() {
        return Ok(());
    }
    if let Some(url) = picture_url(info) {
        let fetch = PictureFetch {
            contact_id: contact.id.clone(),
            channel_id: Some(channel.id.clone()),
            url,
            replace: false,
        };
        fetch.queue(tx, now)?;
    }
    Ok(())
}

/// The job that fetches a contact's picture (`AVATAR_JOB`), as queued and as run.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct PictureFetch {
    pub contact_id: ContactId,
    /// The channel whose private-network setting applies; none for the Developer API.
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
    pub url: String,
    /// Replace the picture there is (a new one given through the Developer API).
    #[serde(default)]
    pub replace: bool,
}

impl PictureFetch {
    pub fn queue(&self, tx: &mut dyn WriteTx, now: Timestamp) -> AppResult<()> {
        let payload = serde_json::to_string(self)
            .map_err(|e| crate::error::AppError::internal("queueing a picture fetch", e))?;
        tx.enqueue_job(AVATAR_JOB, &payload, now)?;
        Ok(())
    }
}

/// The name of a file given by URL: the one given, else the URL's last path segment.
pub fn name_from_url(url: &str, file_name: Option<&str>) -> String {
    file_name
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
        .unwrap_or_else(|| "attachment".into())
}

fn attachment_from_url(
    kind: ChannelAttachmentKind,
    url: &str,
    file_name: Option<&str>,
) -> Attachment {
    let name = name_from_url(url, file_name);
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

/// A channel message as the text, attachments and fetch URL of a stored message.
fn content_of(content: &ChannelMessage) -> (String, Vec<Attachment>, Option<String>) {
    match content {
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
    }
}

fn preview(text: String, attachments: &[Attachment]) -> String {
    if text.is_empty() {
        format!(
            "📎 {}",
            attachments
                .first()
                .map(|a| a.name.as_str())
                .unwrap_or("Attachment")
        )
    } else {
        text
    }
}

fn fetch_attachment(
    tx: &mut dyn WriteTx,
    message: &Message,
    url: Option<String>,
    now: Timestamp,
) -> AppResult<()> {
    if let Some(url) = url {
        let payload = serde_json::json!({"message_id": message.id, "index": 0, "url": url});
        tx.enqueue_job(FETCH_JOB, &payload.to_string(), now)?;
    }
    Ok(())
}

/// A message as a provider delivers it: its mId, what it says, and the sender's own time.
#[derive(Clone, Copy, Debug)]
pub struct Delivered<'a> {
    pub m_id: &'a str,
    pub content: &'a ChannelMessage,
    pub sent_at: Option<Timestamp>,
}

impl<'a> Delivered<'a> {
    pub fn new(m_id: &'a str, content: &'a ChannelMessage) -> Self {
        Self {
            m_id,
            content,
            sent_at: None,
        }
    }
}

/// Stores one incoming message; `None` when (channel, mId) was stored before.
pub fn receive_message(
    tx: &mut dyn WriteTx,
    channel: &ChannelRecord,
    external_contact: &str,
    info: Option<&InboundContact>,
    delivered: Delivered<'_>,
    now: Timestamp,
) -> AppResult<Option<(Message, ContactId)>> {
    let Delivered {
        m_id,
        content,
        sent_at,
    } = delivered;
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
    let (text, attachments, fetch_url) = content_of(content);
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
            sent_at,
        },
        contact.assignee_id.as_ref(),
    )?;
    fetch_attachment(tx, &message, fetch_url, now)?;
    contacts::touch_last_message(&mut contact, &preview(text, &attachments), now);
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

/// A message the business sent from the provider's own app: an outgoing message sent by the
/// channel, already sent. It joins the open conversation if there is one but opens none, and
/// it neither assigns the contact nor counts as a first response (no agent answered); the
/// contact no longer waits, since the business did answer. `None` when an outgoing message
/// with this (channel, mId) is stored already (a repeated echo, or one of our own).
pub fn receive_echo(
    tx: &mut dyn WriteTx,
    channel: &ChannelRecord,
    external_contact: &str,
    info: Option<&InboundContact>,
    delivered: Delivered<'_>,
    now: Timestamp,
) -> AppResult<Option<(Message, ContactId)>> {
    let Delivered {
        m_id,
        content,
        sent_at,
    } = delivered;
    if tx.message_exists_by_external_id(&channel.id, Direction::Outgoing, m_id)? {
        return Ok(None);
    }
    let (mut contact, _) = find_or_create_contact(tx, channel, external_contact, info, now)?;
    let (text, attachments, fetch_url) = content_of(content);
    let message = persist::add_message(
        tx,
        &NewMessage {
            contact_id: contact.id.clone(),
            conversation_id: contact.open_conversation_id.clone(),
            channel_id: Some(channel.id.clone()),
            direction: Direction::Outgoing,
            sender: Actor {
                kind: ActorKind::Channel,
                id: Some(channel.id.to_string()),
                name: Some(channel.name.clone()),
            },
            client_id: None,
            external_id: Some(m_id.to_owned()),
            text: text.clone(),
            attachments: attachments.clone(),
            delivery: Delivery::Sent,
            activity: None,
            created_at: now,
            sent_at,
        },
        contact.assignee_id.as_ref(),
    )?;
    fetch_attachment(tx, &message, fetch_url, now)?;
    contacts::touch_last_message(&mut contact, &preview(text, &attachments), now);
    contact.waiting_since = None;
    persist::save_contact(tx, &contact, now)?;
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
