//! Delivers one integration event to one registered URL: signed with the webhook's secret
//! (`X-Messenger-Signature: sha256=<hex>`), named in `X-Messenger-Event`, retried from the
//! durable queue until it is accepted or the retries run out.

use serde::Deserialize;

use crate::app::AppState;
use crate::channel::url_guard;
use crate::files::signed_link::body_signature;
use crate::jobs::Outcome;
use crate::store::JobRecord;

#[derive(Deserialize)]
struct Payload {
    webhook_id: String,
    body: String,
}

/// Why an event did not arrive.
enum Undelivered {
    /// The URL guard refused the address: waiting cannot change that.
    Refused(String),
    /// Retried with backoff.
    Failed(String),
}

pub async fn run(state: &AppState, job: &JobRecord) -> Outcome {
    let finish = |id: i64| async move {
        let _ = state
            .store
            .write(move |tx| tx.finish_job(id).map_err(Into::into))
            .await;
    };
    let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
        tracing::error!(job = job.id, "unreadable integration delivery; dropping it");
        finish(job.id).await;
        return Outcome::Done;
    };
    let id = payload.webhook_id.clone();
    let hook = match state
        .store
        .read(move |tx| Ok(tx.integration_webhook(&id)?))
        .await
    {
        Ok(Some(h)) => h,
        Ok(None) => {
            // Unregistered meanwhile.
            finish(job.id).await;
            return Outcome::Done;
        }
        Err(e) => {
            return Outcome::Retry {
                error: e.message,
                payload: None,
            };
        }
    };
    let event = serde_json::from_str::<serde_json::Value>(&payload.body)
        .ok()
        .and_then(|v| v["event"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let result = async {
        let cleared = url_guard::clear(&hook.url, hook.allow_private_network)
            .await
            .map_err(|e| {
                if e.is_permanent() {
                    Undelivered::Refused(e.to_string())
                } else {
                    Undelivered::Failed(e.to_string())
                }
            })?;
        let client = url_guard::pinned_client(&cleared, state.config.outbound_timeout)
            .map_err(|e| Undelivered::Failed(e.to_string()))?;
        let res = client
            .post(cleared.url.clone())
            .header("content-type", "application/json")
            .header("x-messenger-event", &event)
            .header(
                "x-messenger-signature",
                body_signature(&hook.signing_secret, payload.body.as_bytes()),
            )
            .body(payload.body.clone())
            .send()
            .await
            .map_err(|e| Undelivered::Failed(format!("cannot reach {}: {e}", hook.url)))?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(Undelivered::Failed(format!(
                "{} answered HTTP {}",
                hook.url,
                res.status().as_u16()
            )))
        }
    }
    .await;
    match result {
        Ok(()) => {
            finish(job.id).await;
            Outcome::Done
        }
        // A refused address does not change by waiting: drop the delivery now.
        Err(Undelivered::Refused(error)) => {
            give_up(state, job, &error).await;
            Outcome::Done
        }
        Err(Undelivered::Failed(error)) => Outcome::Retry {
            error,
            payload: None,
        },
    }
}

pub async fn give_up(state: &AppState, job: &JobRecord, error: &str) {
    tracing::warn!(job = job.id, %error, "an integration event could not be delivered; dropped");
    let id = job.id;
    let _ = state
        .store
        .write(move |tx| tx.finish_job(id).map_err(Into::into))
        .await;
}
