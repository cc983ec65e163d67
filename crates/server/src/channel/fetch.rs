//! Attachments a provider gives by URL are fetched after the message is stored: http/https
//! only, public addresses only (unless the channel allows private ones), at most a few
//! redirects, a size and a time limit. The message shows the attachment as pending until then,
//! and as failed with the reason if it cannot be had.

use messenger_protocol::{AttachmentStatus, FileId, MessageId};
use serde::Deserialize;

use super::url_guard::{self, UrlRefused};
use crate::app::AppState;
use crate::domain::persist;
use crate::error::AppResult;
use crate::files::{BlobError, sniff};
use crate::jobs::Outcome;
use crate::store::{FileRecord, JobRecord};

const MAX_REDIRECTS: usize = 3;

#[derive(Debug, Deserialize)]
struct Payload {
    message_id: MessageId,
    index: usize,
    url: String,
}

/// Why a fetch failed, and whether trying again can help.
pub(crate) enum Failure {
    Permanent(String),
    Transient(String),
}

pub async fn run(state: &AppState, job: &JobRecord) -> Outcome {
    let payload: Payload = match serde_json::from_str(&job.payload) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(job = job.id, error = %e, "unreadable fetch job; dropping it");
            let id = job.id;
            let _ = state
                .store
                .write(move |tx| tx.finish_job(id).map_err(Into::into))
                .await;
            return Outcome::Done;
        }
    };
    match attempt(state, job, &payload).await {
        Ok(()) => Outcome::Done,
        Err(Failure::Transient(error)) => Outcome::Retry {
            error,
            payload: None,
        },
        Err(Failure::Permanent(error)) => {
            if let Err(e) = give_up(state, job, &error).await {
                tracing::error!(error = %e, "cannot record a failed fetch");
            }
            Outcome::Done
        }
    }
}

async fn attempt(state: &AppState, job: &JobRecord, p: &Payload) -> Result<(), Failure> {
    let message_id = p.message_id.clone();
    let loaded = state
        .store
        .read(move |tx| {
            let Some(message) = tx.message(&message_id)? else {
                return Ok(None);
            };
            let channel = match &message.channel_id {
                Some(id) => tx.channel(id)?,
                None => None,
            };
            Ok(Some((message, channel)))
        })
        .await
        .map_err(|e| Failure::Transient(e.message))?;
    let Some((message, channel)) = loaded else {
        return Err(Failure::Permanent("The message is gone.".into()));
    };
    let Some(attachment) = message.attachments.get(p.index) else {
        return Err(Failure::Permanent("The attachment is gone.".into()));
    };
    if attachment.status != AttachmentStatus::Pending {
        let id = job.id;
        let _ = state
            .store
            .write(move |tx| tx.finish_job(id).map_err(Into::into))
            .await;
        return Ok(());
    }
    let allow_private = channel.as_ref().is_some_and(|c| c.allow_private_network);
    let blob = download(state, &p.url, allow_private, state.config.max_upload_bytes).await?;
    let mime = sniff::mime_of(&blob.head, &attachment.name);
    let (job_id, index, now) = (job.id, p.index, state.clock.now());
    let message_id = p.message_id.clone();
    let name = attachment.name.clone();
    state
        .store
        .write(move |tx| {
            let file = tx.insert_file(&FileRecord {
                id: FileId(String::new()),
                sha256: blob.sha256.clone(),
                size: blob.size,
                mime: mime.clone(),
                name: name.clone(),
                uploaded_by: None,
                created_at: now,
            })?;
            if let Some(mut message) = tx.message(&message_id)? {
                if let Some(a) = message.attachments.get_mut(index) {
                    a.file_id = Some(file.id);
                    a.size = file.size;
                    a.mime = mime.clone();
                    a.status = AttachmentStatus::Ready;
                    a.error = None;
                }
                let assignee = persist::assignee_of(tx, &message.contact_id)?;
                persist::save_message(tx, &message, assignee.as_ref(), now)?;
            }
            tx.finish_job(job_id)?;
            Ok(())
        })
        .await
        .map_err(|e| Failure::Transient(e.message))
}

/// Fetches a provider's URL into the blob store, following a few redirects, each through the
/// URL guard; at most `limit` bytes.
pub(crate) async fn download(
    state: &AppState,
    start: &str,
    allow_private: bool,
    limit: u64,
) -> Result<crate::files::StoredBlob, Failure> {
    let mut url = start.to_owned();
    for _ in 0..=MAX_REDIRECTS {
        let cleared = url_guard::clear(&url, allow_private)
            .await
            .map_err(|e| match e {
                UrlRefused::Unresolved(_) => Failure::Transient(e.to_string()),
                other => Failure::Permanent(format!("The attachment URL was refused: {other}.")),
            })?;
        let client = url_guard::pinned_client(&cleared, state.config.fetch_timeout)
            .map_err(|e| Failure::Transient(e.to_string()))?;
        let res = client
            .get(cleared.url.clone())
            .send()
            .await
            .map_err(|e| Failure::Transient(format!("cannot fetch {url}: {e}")))?;
        let status = res.status();
        if status.is_redirection() {
            let location = res
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| {
                    Failure::Permanent(format!("{url} redirected without a Location."))
                })?;
            url = cleared
                .url
                .join(location)
                .map_err(|_| Failure::Permanent(format!("{url} redirected to an invalid URL.")))?
                .to_string();
            continue;
        }
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            return Err(Failure::Transient(format!(
                "{url} answered HTTP {}",
                status.as_u16()
            )));
        }
        if !status.is_success() {
            return Err(Failure::Permanent(format!(
                "The attachment could not be fetched: {url} answered HTTP {}.",
                status.as_u16()
            )));
        }
        if res.content_length().is_some_and(|n| n > limit) {
            return Err(Failure::Permanent(format!(
                "The attachment is larger than the {limit}-byte limit."
            )));
        }
        return state
            .blobs
            .put_stream(Box::pin(res.bytes_stream()), limit)
            .await
            .map_err(|e| match e {
                BlobError::TooLarge { limit } => Failure::Permanent(format!(
                    "The attachment is larger than the {limit}-byte limit."
                )),
                BlobError::Interrupted(why) => {
                    Failure::Transient(format!("the download broke off: {why}"))
                }
                BlobError::Io(e) => Failure::Transient(e.to_string()),
            });
    }
    Err(Failure::Permanent(format!(
        "The attachment URL redirected more than {MAX_REDIRECTS} times."
    )))
}

/// Marks the attachment failed with the reason and removes the job.
pub async fn give_up(state: &AppState, job: &JobRecord, error: &str) -> AppResult<()> {
    let payload = serde_json::from_str::<Payload>(&job.payload).ok();
    let (job_id, now, error) = (job.id, state.clock.now(), error.to_owned());
    state
        .store
        .write(move |tx| {
            if let Some(p) = &payload
                && let Some(mut message) = tx.message(&p.message_id)?
            {
                if let Some(a) = message.attachments.get_mut(p.index) {
                    a.status = AttachmentStatus::Failed;
                    a.error = Some(error.clone());
                }
                let assignee = persist::assignee_of(tx, &message.contact_id)?;
                persist::save_message(tx, &message, assignee.as_ref(), now)?;
            }
            tx.finish_job(job_id)?;
            Ok(())
        })
        .await
}
