//! The inbound webhook of a Custom Channel: authenticate the channel by its token, check the
//! payload, and store all its events in one transaction. The answer is sent only after that
//! commit (which is fsync'd, shared with concurrent webhooks by group commit).

use std::collections::HashMap;
use std::sync::RwLock;

use messenger_protocol::custom_channel::{ChannelMessage, InboundEvent, InboundWebhook};
use serde::Serialize;

use super::url_guard;
use crate::app::AppState;
use crate::domain::inbound;
use crate::error::{AppError, AppResult};
use crate::secrets::{same_secret, token_digest};
use crate::store::{ChannelRecord, Store};

const MAX_EVENTS: usize = 100;
const MAX_TEXT: usize = 10_000;

/// Channels by the digest of their API token, so the hot path does not read the database to
/// authenticate. Channels are never deleted and tokens never change, so entries cannot go
/// stale. Keyed by digest and compared in constant time, as the store does.
#[derive(Default)]
pub struct ChannelDirectory {
    by_token: RwLock<HashMap<String, ChannelRecord>>,
}

impl ChannelDirectory {
    pub fn insert(&self, channel: ChannelRecord) {
        self.by_token
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token_digest(&channel.api_token), channel);
    }

    pub async fn by_token(
        &self,
        store: &dyn Store,
        token: &str,
    ) -> AppResult<Option<ChannelRecord>> {
        if let Some(c) = self
            .by_token
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&token_digest(token))
        {
            return Ok(same_secret(&c.api_token, token).then(|| c.clone()));
        }
        let t = token.to_owned();
        let found = store.read(move |tx| Ok(tx.channel_by_token(&t)?)).await?;
        if let Some(c) = &found {
            self.insert(c.clone());
        }
        Ok(found)
    }
}

/// What the webhook answers.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct WebhookResult {
    /// New messages stored.
    pub stored: usize,
    /// Messages the business sent from the provider's app, stored as outgoing messages.
    pub echoes: usize,
    /// Messages (and echoes) whose (channel, mId) was stored before.
    pub duplicates: usize,
    pub receipts: usize,
    pub welcomes: usize,
}

fn check(hook: &InboundWebhook) -> AppResult<()> {
    if hook.events.is_empty() {
        return Err(AppError::invalid("The webhook has no events."));
    }
    if hook.events.len() > MAX_EVENTS {
        return Err(AppError::invalid(format!(
            "A webhook carries at most {MAX_EVENTS} events."
        )));
    }
    if hook.contact_id.trim().is_empty() || hook.contact_id.len() > 200 {
        return Err(AppError::invalid(
            "contactId must have 1 to 200 characters.",
        ));
    }
    for (i, event) in hook.events.iter().enumerate() {
        let (InboundEvent::Message { m_id, message, .. }
        | InboundEvent::MessageEcho { m_id, message, .. }) = event
        else {
            continue;
        };
        if m_id.trim().is_empty() {
            return Err(AppError::invalid(format!("events[{i}].mId is empty.")));
        }
        match message {
            ChannelMessage::Text { text } if text.trim().is_empty() => {
                return Err(AppError::invalid(format!(
                    "events[{i}].message.text is empty."
                )));
            }
            ChannelMessage::Text { text } if text.chars().count() > MAX_TEXT => {
                return Err(AppError::invalid(format!(
                    "events[{i}].message.text is longer than {MAX_TEXT} characters."
                )));
            }
            ChannelMessage::Attachment { attachment } => {
                if !url_guard::is_web_url(&attachment.url) {
                    return Err(AppError::invalid(format!(
                        "events[{i}].message.attachment.url must be an http:// or https:// URL."
                    )));
                }
            }
            ChannelMessage::Text { .. } => {}
        }
    }
    Ok(())
}

pub async fn receive(
    state: &AppState,
    channel: ChannelRecord,
    hook: InboundWebhook,
) -> AppResult<WebhookResult> {
    if hook.channel_id != channel.id.as_str() {
        return Err(AppError::forbidden(format!(
            "channelId {} does not match the channel of this token ({}).",
            hook.channel_id, channel.id
        )));
    }
    check(&hook)?;
    let now = state.clock.now();
    state
        .store
        .write(move |tx| {
            let mut result = WebhookResult::default();
            let info = hook.contact.as_ref();
            for event in &hook.events {
                match event {
                    InboundEvent::Message {
                        m_id,
                        message,
                        timestamp,
                    } => {
                        match inbound::receive_message(
                            tx,
                            &channel,
                            &hook.contact_id,
                            info,
                            inbound::Delivered {
                                m_id,
                                content: message,
                                sent_at: inbound::sent_at(*timestamp, now),
                            },
                            now,
                        )? {
                            Some(_) => result.stored += 1,
                            None => result.duplicates += 1,
                        }
                    }
                    InboundEvent::MessageEcho {
                        m_id,
                        message,
                        timestamp,
                    } => {
                        match inbound::receive_echo(
                            tx,
                            &channel,
                            &hook.contact_id,
                            info,
                            inbound::Delivered {
                                m_id,
                                content: message,
                                sent_at: inbound::sent_at(*timestamp, now),
                            },
                            now,
                        )? {
                            Some(_) => result.echoes += 1,
                            None => result.duplicates += 1,
                        }
                    }
                    InboundEvent::Welcome { .. } => {
                        inbound::receive_welcome(tx, &channel, &hook.contact_id, info, now)?;
                        result.welcomes += 1;
                    }
                    InboundEvent::MessageStatus {
                        m_id,
                        status,
                        error,
                        ..
                    } => {
                        inbound::receive_receipt(
                            tx,
                            &channel,
                            m_id,
                            *status,
                            error.as_deref(),
                            now,
                        )?;
                        result.receipts += 1;
                    }
                }
            }
            Ok(result)
        })
        .await
}
