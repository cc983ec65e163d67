//! A contact's profile picture, given by the provider as a URL (`profilePic`), is fetched after
//! the webhook is answered, through the same URL guard as attachments, and kept as a file of
//! the workspace. Whoever may see the contact may download it. A picture that cannot be had is
//! simply not shown (the initials stay); it is not an error anyone has to act on.

use messenger_protocol::FileId;

use super::fetch::{Failure, download};
use crate::app::AppState;
use crate::domain::inbound::PictureFetch;
use crate::domain::persist;
use crate::error::AppResult;
use crate::files::sniff;
use crate::jobs::Outcome;
use crate::store::{FileRecord, JobRecord};

/// Larger pictures are not profile pictures.
const MAX_PICTURE_BYTES: u64 = 5 * 1024 * 1024;

pub async fn run(state: &AppState, job: &JobRecord) -> Outcome {
    let outcome = match serde_json::from_str::<PictureFetch>(&job.payload) {
        Ok(payload) => match attempt(state, job, &payload).await {
            Ok(()) => return Outcome::Done,
            Err(Failure::Transient(error)) => {
                return Outcome::Retry {
                    error,
                    payload: None,
                };
            }
            Err(Failure::Permanent(error)) => error,
        },
        Err(e) => format!("unreadable job: {e}"),
    };
    tracing::info!(job = job.id, error = %outcome, "profile picture not fetched");
    if let Err(e) = finish(state, job.id).await {
        tracing::error!(error = %e, "cannot finish a picture job");
    }
    Outcome::Done
}

async fn finish(state: &AppState, id: i64) -> AppResult<()> {
    state
        .store
        .write(move |tx| tx.finish_job(id).map_err(Into::into))
        .await
}

async fn attempt(state: &AppState, job: &JobRecord, p: &PictureFetch) -> Result<(), Failure> {
    let (contact_id, channel_id) = (p.contact_id.clone(), p.channel_id.clone());
    let loaded = state
        .store
        .read(move |tx| {
            let channel = match &channel_id {
                Some(id) => tx.channel(id)?,
                None => None,
            };
            Ok((tx.contact(&contact_id)?, channel))
        })
        .await
        .map_err(|e| Failure::Transient(e.message))?;
    let (Some(contact), channel) = loaded else {
        return Err(Failure::Permanent("the contact is gone".into()));
    };
    if contact.profile.avatar_file_id.is_some() && !p.replace {
        return Err(Failure::Permanent(
            "the contact has a picture already".into(),
        ));
    }
    let allow_private = channel.as_ref().is_some_and(|c| c.allow_private_network);
    let blob = download(state, &p.url, allow_private, MAX_PICTURE_BYTES).await?;
    let mime = sniff::mime_of(&blob.head, "picture");
    let Some(extension) = picture_extension(&mime) else {
        return Err(Failure::Permanent(format!(
            "{} is {mime}, not a picture",
            p.url
        )));
    };
    let (job_id, now, contact_id, replace) =
        (job.id, state.clock.now(), p.contact_id.clone(), p.replace);
    state
        .store
        .write(move |tx| {
            let Some(mut contact) = tx.contact(&contact_id)? else {
                tx.finish_job(job_id)?;
                return Ok(());
            };
            if contact.profile.avatar_file_id.is_none() || replace {
                let file = tx.insert_file(&FileRecord {
                    id: FileId(String::new()),
                    sha256: blob.sha256.clone(),
                    size: blob.size,
                    mime: mime.clone(),
                    name: format!("{}.{extension}", contact.name),
                    uploaded_by: None,
                    created_at: now,
                })?;
                contact.profile.avatar_file_id = Some(file.id);
                persist::save_contact(tx, &contact, now)?;
            }
            tx.finish_job(job_id)?;
            Ok(())
        })
        .await
        .map_err(|e| Failure::Transient(e.message))
}

/// The picture formats every WebView shows.
fn picture_extension(mime: &str) -> Option<&'static str> {
    Some(match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        _ => return None,
    })
}
