//! Outbound delivery: each pending outgoing message is posted to the provider's
//! `<outbound_url>/message` (bearer token, HMAC signature), one request per part (text, then
//! each attachment as a signed link), from the durable queue. A 2xx `{"mId"}` marks it `sent`.
//! What can pass by waiting (a 5xx, 408, 429, a time-out, a broken connection) is retried with
//! backoff, then the message is marked `failed` with the provider's words. What cannot fails
//! the message at once: another 4xx (the provider refused this message; its `error.message` is
//! shown to the agent) or an address the URL guard refuses. Messages to one contact leave in
//! the order they were written: a message waits while an older one to its contact is pending.

use std::time::Duration;

use messenger_protocol::custom_channel::{
    ChannelAttachment, ChannelMessage, OutboundAccepted, OutboundMessage, ProviderError,
};
use messenger_protocol::{AttachmentKind, Delivery, IntegrationEvent, Message, MessageId};

/// How long a message waits before looking again whether the older ones to its contact went.
const ORDER_WAIT_MS: i64 = 250;
use serde::{Deserialize, Serialize};

use super::url_guard::{self, UrlRefused};
use crate::app::AppState;
use crate::domain::{integrations, persist};
use crate::error::AppResult;
use crate::files::signed_link::body_signature;
use crate::jobs::Outcome;
use crate::store::{ChannelRecord, JobRecord};

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    message_id: MessageId,
    /// Parts already accepted by the provider.
    #[serde(default)]
    next_part: usize,
    #[serde(default)]
    first_m_id: Option<String>,
}

/// The requests one message becomes.
fn parts(state: &AppState, message: &Message) -> Vec<ChannelMessage> {
    let mut out = Vec::new();
    if !message.text.is_empty() {
        out.push(ChannelMessage::Text {
            text: message.text.clone(),
        });
    }
    for a in &message.attachments {
        let Some(file_id) = &a.file_id else { continue };
        out.push(ChannelMessage::Attachment {
            attachment: ChannelAttachment {
                kind: a.kind.into(),
                url: state.signed_file_url(file_id),
                file_name: Some(a.name.clone()),
                voice: (a.kind == AttachmentKind::Voice).then_some(true),
            },
        });
    }
    out
}

/// Why a part was not accepted.
enum NotSent {
    /// Trying again cannot help (the provider refused the message, or the URL guard refused
    /// the address).
    Refused(String),
    /// Retried with backoff.
    Failed(String),
}

/// The message's error when the URL guard refuses the provider's address.
fn refusal(e: &UrlRefused) -> String {
    match e {
        UrlRefused::Private { .. } | UrlRefused::Never { .. } => {
            format!("The provider address {e}")
        }
        other => format!("The outbound URL was refused: {other}"),
    }
}

/// Posts one part; `Ok(mId)` or the reason it was not accepted.
async fn post(
    channel: &ChannelRecord,
    outbound_url: &str,
    body: &OutboundMessage,
    timeout: Duration,
) -> Result<Option<String>, NotSent> {
    let url = format!("{outbound_url}/message");
    let cleared = url_guard::clear(&url, channel.allow_private_network)
        .await
        .map_err(|e| {
            if e.is_permanent() {
                NotSent::Refused(refusal(&e))
            } else {
                NotSent::Failed(e.to_string())
            }
        })?;
    send(channel, &cleared, &url, body, timeout).await
}

/// Whether a provider's error status may pass by waiting: server errors, 408 Request Timeout
/// and 429 Too Many Requests. Any other 4xx says this message will not be accepted as it is.
fn worth_retrying(status: reqwest::StatusCode) -> bool {
    status.is_server_error() || matches!(status.as_u16(), 408 | 429) || !status.is_client_error()
}

async fn send(
    channel: &ChannelRecord,
    cleared: &url_guard::Cleared,
    url: &str,
    body: &OutboundMessage,
    timeout: Duration,
) -> Result<Option<String>, NotSent> {
    let client =
        url_guard::pinned_client(cleared, timeout).map_err(|e| NotSent::Failed(e.to_string()))?;
    let json = serde_json::to_vec(body).map_err(|e| NotSent::Failed(e.to_string()))?;
    let res = client
        .post(cleared.url.clone())
        .bearer_auth(&channel.api_token)
        .header("content-type", "application/json")
        .header(
            "x-messenger-signature",
            body_signature(&channel.signing_secret, &json),
        )
        .body(json)
        .send()
        .await
        .map_err(|e| {
            NotSent::Failed(if e.is_timeout() {
                format!("{url} did not answer within {} s", timeout.as_secs())
            } else {
                format!("cannot reach {url}: {e}")
            })
        })?;
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    if status.is_success() {
        return Ok(serde_json::from_str::<OutboundAccepted>(&text)
            .ok()
            .map(|a| a.m_id));
    }
    let why = match serde_json::from_str::<ProviderError>(&text) {
        Ok(e) if !e.error.message.trim().is_empty() => e.error.message,
        _ => format!("The provider answered HTTP {}.", status.as_u16()),
    };
    Err(if worth_retrying(status) {
        NotSent::Failed(why)
    } else {
        NotSent::Refused(why)
    })
}

pub async fn run(state: &AppState, job: &JobRecord) -> Outcome {
    match attempt(state, job).await {
        Ok(outcome) => outcome,
        Err(e) => Outcome::Retry {
            error: e.message,
            payload: None,
        },
    }
}

async fn attempt(state: &AppState, job: &JobRecord) -> AppResult<Outcome> {
    let mut payload: Payload = match serde_json::from_str(&job.payload) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(job = job.id, error = %e, "unreadable delivery job; dropping it");
            finish(state, job.id).await?;
            return Ok(Outcome::Done);
        }
    };
    let message_id = payload.message_id.clone();
    let loaded = state
        .store
        .read(move |tx| {
            let Some(message) = tx.message(&message_id)? else {
                return Ok(None);
            };
            if message.delivery == Delivery::Pending
                && tx.outgoing_pending_before(&message.contact_id, &message.id)?
            {
                return Ok(Some(Err(())));
            }
            let channel = match &message.channel_id {
                Some(id) => tx.channel(id)?,
                None => None,
            };
            let external = match &message.channel_id {
                Some(ch) => tx.contact_external_id(&message.contact_id, ch)?,
                None => None,
            };
            Ok(Some(Ok((message, channel, external))))
        })
        .await?;
    let (message, channel, external) = match loaded {
        None => {
            finish(state, job.id).await?;
            return Ok(Outcome::Done);
        }
        // An older message to the same contact is still on its way: this one goes after it.
        Some(Err(())) => {
            let (id, payload) = (job.id, job.payload.clone());
            let at = state.clock.now().plus_millis(ORDER_WAIT_MS);
            state
                .store
                .write(move |tx| Ok(tx.advance_job(id, at, &payload)?))
                .await?;
            return Ok(Outcome::Done);
        }
        Some(Ok(loaded)) => loaded,
    };
    if message.delivery != Delivery::Pending {
        finish(state, job.id).await?;
        return Ok(Outcome::Done);
    }
    let (Some(channel), Some(contact_external)) = (channel, external) else {
        give_up(
            state,
            job,
            "The contact cannot be reached on this channel any more.",
        )
        .await?;
        return Ok(Outcome::Done);
    };
    let Some(outbound_url) = channel.outbound_url.clone() else {
        give_up(
            state,
            job,
            &format!("The channel {} has no outbound URL.", channel.name),
        )
        .await?;
        return Ok(Outcome::Done);
    };
    let parts = parts(state, &message);
    let total = parts.len();
    for (i, part) in parts.into_iter().enumerate().skip(payload.next_part) {
        let body = OutboundMessage {
            channel_id: channel.id.to_string(),
            contact_id: contact_external.clone(),
            message: part,
        };
        match post(
            &channel,
            &outbound_url,
            &body,
            state.config.outbound_timeout,
        )
        .await
        {
            Ok(m_id) => {
                if payload.first_m_id.is_none() {
                    payload.first_m_id = m_id;
                }
                payload.next_part = i + 1;
            }
            Err(NotSent::Refused(error)) => {
                // Parts sent before stay sent: keep the first one's mId for receipts, and say
                // which part was refused so that nobody sends the rest twice.
                let error = if i > 0 {
                    format!(
                        "Part {} of {total} was refused (the parts before it went out): {error}",
                        i + 1
                    )
                } else {
                    error
                };
                fail(state, job, &error, payload.first_m_id.clone()).await?;
                return Ok(Outcome::Done);
            }
            Err(NotSent::Failed(error)) => {
                return Ok(Outcome::Retry {
                    error,
                    payload: serde_json::to_string(&payload).ok(),
                });
            }
        }
    }
    let (job_id, now) = (job.id, state.clock.now());
    state
        .store
        .write(move |tx| {
            let Some(mut message) = tx.message(&payload.message_id)? else {
                tx.finish_job(job_id)?;
                return Ok(());
            };
            if let Some(m_id) = &payload.first_m_id {
                tx.set_message_external_id(&message.id, m_id)?;
            }
            // A receipt may have moved it further already.
            if message.delivery == Delivery::Pending {
                message.delivery = Delivery::Sent;
                message.error = None;
                let assignee = persist::assignee_of(tx, &message.contact_id)?;
                persist::save_message(tx, &message, assignee.as_ref(), now)?;
                integrations::emit(tx, IntegrationEvent::MessageSent, &message, now)?;
            }
            tx.finish_job(job_id)?;
            Ok(())
        })
        .await?;
    Ok(Outcome::Done)
}

async fn finish(state: &AppState, id: i64) -> AppResult<()> {
    state
        .store
        .write(move |tx| tx.finish_job(id).map_err(Into::into))
        .await
}

/// Marks the message failed with the reason and removes the job.
pub async fn give_up(state: &AppState, job: &JobRecord, error: &str) -> AppResult<()> {
    let first_m_id = serde_json::from_str::<Payload>(&job.payload)
        .ok()
        .and_then(|p| p.first_m_id);
    fail(state, job, error, first_m_id).await
}

/// Like [`give_up`], keeping the provider's mId of parts that went out before.
async fn fail(
    state: &AppState,
    job: &JobRecord,
    error: &str,
    first_m_id: Option<String>,
) -> AppResult<()> {
    let message_id = serde_json::from_str::<Payload>(&job.payload)
        .ok()
        .map(|p| p.message_id);
    let (job_id, now, error) = (job.id, state.clock.now(), error.to_owned());
    state
        .store
        .write(move |tx| {
            if let Some(id) = &message_id
                && let Some(m_id) = &first_m_id
            {
                tx.set_message_external_id(id, m_id)?;
            }
            if let Some(id) = &message_id
                && let Some(mut message) = tx.message(id)?
                && message.delivery == Delivery::Pending
            {
                message.delivery = Delivery::Failed;
                message.error = Some(error.clone());
                let assignee = persist::assignee_of(tx, &message.contact_id)?;
                persist::save_message(tx, &message, assignee.as_ref(), now)?;
            }
            tx.finish_job(job_id)?;
            Ok(())
        })
        .await
}
