//! The bot hand-off: a channel's `bot_url` gets each incoming message of an unassigned contact
//! and answers with messages (sent as the automation) and, with `RB_MARKDONE: true`, closes the
//! conversation (`closed_by.kind = bot`). A bot that times out or answers garbage is logged and
//! the conversation waits for a human; a contact a human took meanwhile is left alone.

use messenger_protocol::custom_channel::{BotAnswer, BotRequest, ChannelMessage};
use messenger_protocol::{Actor, ActorKind, ChannelId, ContactId, MessageId};
use serde::Deserialize;

use super::url_guard;
use crate::app::AppState;
use crate::domain::{conversations, outgoing};
use crate::jobs::Outcome;
use crate::store::JobRecord;

#[derive(Deserialize)]
struct Payload {
    channel_id: ChannelId,
    contact_id: ContactId,
    message_id: MessageId,
}

/// Who bot messages are from: the automation, named as the bot.
fn bot_sender() -> Actor {
    Actor::of(ActorKind::Automation).with_name("Bot")
}

pub async fn run(state: &AppState, job: &JobRecord) -> Outcome {
    if let Err(why) = attempt(state, job).await {
        tracing::warn!(job = job.id, %why, "the bot gave no usable answer; the conversation waits for a human");
    }
    let id = job.id;
    if let Err(e) = state
        .store
        .write(move |tx| tx.finish_job(id).map_err(Into::into))
        .await
    {
        return Outcome::Retry {
            error: e.message,
            payload: None,
        };
    }
    Outcome::Done
}

async fn attempt(state: &AppState, job: &JobRecord) -> Result<(), String> {
    let p: Payload = serde_json::from_str(&job.payload).map_err(|e| e.to_string())?;
    let (channel_id, contact_id, message_id) = (
        p.channel_id.clone(),
        p.contact_id.clone(),
        p.message_id.clone(),
    );
    let loaded = state
        .store
        .read(move |tx| {
            let channel = tx.channel(&channel_id)?;
            let contact = tx.contact(&contact_id)?;
            let message = tx.message(&message_id)?;
            let external = tx.contact_external_id(&contact_id, &channel_id)?;
            Ok((channel, contact, message, external))
        })
        .await
        .map_err(|e| e.message)?;
    let (Some(channel), Some(contact), Some(message), Some(external)) = loaded else {
        return Ok(());
    };
    let Some(bot_url) = channel.bot_url.clone() else {
        return Ok(());
    };
    if contact.assignee_id.is_some() {
        return Ok(());
    }
    let request = BotRequest {
        channel_id: channel.id.to_string(),
        contact_id: external,
        message: ChannelMessage::Text {
            text: message.text.clone(),
        },
    };
    let cleared = url_guard::clear(&bot_url, channel.allow_private_network)
        .await
        .map_err(|e| e.to_string())?;
    let client =
        url_guard::pinned_client(&cleared, state.config.bot_timeout).map_err(|e| e.to_string())?;
    let res = client
        .post(cleared.url.clone())
        .json(&request)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("{bot_url} did not answer in time")
            } else {
                format!("cannot reach {bot_url}: {e}")
            }
        })?;
    if !res.status().is_success() {
        return Err(format!("{bot_url} answered HTTP {}", res.status().as_u16()));
    }
    let text = res.text().await.map_err(|e| e.to_string())?;
    let answer: BotAnswer =
        serde_json::from_str(&text).map_err(|e| format!("the answer is not a bot answer: {e}"))?;
    let now = state.clock.now();
    let contact_id = p.contact_id;
    state
        .store
        .write(move |tx| {
            let Some(mut contact) = tx.contact(&contact_id)? else {
                return Ok(());
            };
            if contact.assignee_id.is_some() {
                return Ok(());
            }
            let by = bot_sender();
            for m in answer.messages.iter().filter(|m| !m.text.trim().is_empty()) {
                outgoing::send_as(tx, &by, &mut contact, &m.text, now)?;
            }
            if answer.parameters.rb_markdone == Some(true)
                && let Some(open) = contact.open_conversation_id.clone()
            {
                let settings = tx.settings()?;
                conversations::close(tx, &open, Actor::of(ActorKind::Bot), None, &settings, now)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| e.message)
}
