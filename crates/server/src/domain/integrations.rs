//! Outgoing webhooks for integrations: owners and managers register URLs for events; each event
//! is queued durably, in the same transaction as the change, for signed delivery.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use messenger_protocol::{IntegrationDelivery, IntegrationEvent, NewIntegrationWebhook, Timestamp};
use rand::RngCore;
use serde::Serialize;

use super::Ctx;
use crate::channel::url_guard::is_web_url;
use crate::error::{AppError, AppResult};
use crate::store::{IntegrationWebhookRecord, WriteTx};

/// The job kind that delivers one event to one URL.
pub const INTEGRATION_JOB: &str = "integration_delivery";

fn require_admin(ctx: &Ctx) -> AppResult<()> {
    if ctx.me.role.administers() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only owners and managers can manage integrations.",
        ))
    }
}

pub fn create(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    input: NewIntegrationWebhook,
) -> AppResult<IntegrationWebhookRecord> {
    require_admin(ctx)?;
    let url = input.url.trim().to_owned();
    if !is_web_url(&url) {
        return Err(AppError::invalid(format!(
            "url must be an http:// or https:// URL (got {url:?})."
        )));
    }
    if input.events.is_empty() {
        return Err(AppError::invalid("Choose at least one event."));
    }
    let mut events = input.events;
    events.dedup();
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    Ok(tx.insert_integration_webhook(&IntegrationWebhookRecord {
        id: String::new(),
        url,
        events,
        signing_secret: URL_SAFE_NO_PAD.encode(secret),
        allow_private_network: input.allow_private_network,
        created_at: ctx.now,
    })?)
}

pub fn delete(tx: &mut dyn WriteTx, ctx: &Ctx, id: &str) -> AppResult<()> {
    require_admin(ctx)?;
    if !tx.delete_integration_webhook(id)? {
        return Err(AppError::not_found(&format!("Webhook {id}")));
    }
    Ok(())
}

/// Queues `event` for every URL registered for it.
pub fn emit<T: Serialize>(
    tx: &mut dyn WriteTx,
    event: IntegrationEvent,
    data: &T,
    at: Timestamp,
) -> AppResult<()> {
    let hooks = tx.integration_webhooks()?;
    let subscribed: Vec<_> = hooks
        .into_iter()
        .filter(|h| h.events.contains(&event))
        .collect();
    if subscribed.is_empty() {
        return Ok(());
    }
    let data = serde_json::to_value(data)
        .map_err(|e| AppError::internal("encoding an integration event", e))?;
    let body = serde_json::to_string(&IntegrationDelivery { event, at, data })
        .map_err(|e| AppError::internal("encoding an integration event", e))?;
    for hook in subscribed {
        let payload = serde_json::json!({"webhook_id": hook.id, "body": body});
        tx.enqueue_job(INTEGRATION_JOB, &payload.to_string(), at)?;
    }
    Ok(())
}
