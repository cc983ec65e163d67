//! Voice notes on [`Agent`]: list microphones, record (one recording at a time), stop into a
//! draft, cancel, list/delete drafts, and send a draft through the outbox like any message
//! (so it works offline). Live level and self-stops reach the UI as [`AgentEvent`]s.
//!
//! The recording under way is kept in the signed-in [`Account`] ([`RecordingSlot`]): signing
//! out cancels it.

use std::sync::{Arc, Weak};

use messenger_protocol::ContactId;
use tokio::sync::broadcast;

use super::drafts::Drafts;
use super::error::VoiceError;
use super::in_progress::{Active, RecordingSlot};
use super::recorder::{Recorder, RecorderUpdate, Recording, RecordingOptions, StopReason};
use crate::Agent;
use crate::account::Account;
use crate::cache::OutboxItem;
use crate::error::{AgentError, AgentResult};
use crate::view::{AgentEvent, RecordingStarted, RecordingStopReason, VoiceDraft, VoiceInput};

/// What a self-stopped recording tells the person.
fn stop_message(
    recording: &Recording,
    max: std::time::Duration,
    draft: Result<&VoiceDraft, &VoiceError>,
) -> String {
    let what = match (recording.reason, &recording.problem) {
        (StopReason::Cap, _) => {
            let secs = max.as_secs();
            format!(
                "The voice note reached the {}:{:02} limit and was stopped.",
                secs / 60,
                secs % 60
            )
        }
        (_, Some(problem)) => problem.to_string(),
        (_, None) => "The recording stopped.".into(),
    };
    match draft {
        Ok(_) if recording.reason == StopReason::Cap => what,
        Ok(_) => format!("{what} The recording so far was kept."),
        Err(VoiceError::TooShort) => format!("{what} Too little was recorded to keep."),
        Err(e) => format!("{what} {e}"),
    }
}

fn stop_reason(reason: StopReason) -> RecordingStopReason {
    match reason {
        StopReason::Cap => RecordingStopReason::Cap,
        StopReason::DeviceLost => RecordingStopReason::DeviceLost,
        StopReason::Requested | StopReason::Failed => RecordingStopReason::Failed,
    }
}

/// Turns a finished recording into a draft; a recording that stopped by itself is also
/// announced with [`AgentEvent::RecordingStopped`].
fn finish(
    id: &str,
    drafts: &Drafts,
    result: Result<Recording, VoiceError>,
    events: &broadcast::Sender<AgentEvent>,
    max: std::time::Duration,
) -> Result<VoiceDraft, VoiceError> {
    let recording = result?;
    let draft = drafts.create(id, &recording);
    if recording.reason != StopReason::Requested {
        let _ = events.send(AgentEvent::RecordingStopped {
            reason: stop_reason(recording.reason),
            message: stop_message(&recording, max, draft.as_ref()),
            draft: draft.as_ref().ok().cloned(),
        });
    }
    draft
}

impl Agent {
    /// The microphones, the default first. Works signed out.
    pub fn voice_inputs(&self) -> AgentResult<Vec<VoiceInput>> {
        Ok(super::voice_inputs()?)
    }

    /// Starts recording a voice note from `device` (an id or name from
    /// [`voice_inputs`](Self::voice_inputs); `None` for the default). Returns once sound is
    /// flowing; fails at once with a sentence when there is no microphone, it is refused, or
    /// a recording is already under way.
    pub fn start_recording(&self, device: Option<String>) -> AgentResult<RecordingStarted> {
        let account = self.account()?;
        let mut slot = account.voice.lock();
        // Signing out sets this before cancelling under the same lock: no recording outlives it.
        if account.stopping() {
            return Err(AgentError::SignedOut);
        }
        if slot.is_some() {
            return Err(VoiceError::AlreadyRecording.into());
        }
        let drafts = Arc::new(Drafts::in_account(&account.dir));
        let id = Drafts::new_id();
        let max = self.config().voice_max;
        let options = RecordingOptions {
            device,
            max,
            wav_path: drafts.wav_path(&id),
        };
        let on_update = {
            let (events, id, drafts) = (account.events.clone(), id.clone(), drafts.clone());
            // Weak: a recording that stops by itself after sign-out has no account to report to.
            let owner = Arc::downgrade(&account.voice);
            move |update| match update {
                RecorderUpdate::Level { level, elapsed_ms } => {
                    let _ = events.send(AgentEvent::RecordingLevel { level, elapsed_ms });
                }
                RecorderUpdate::StoppedByItself { .. } => {
                    // Called on the recorder's own thread, which cannot wait for itself.
                    let (events, id, drafts) = (events.clone(), id.clone(), drafts.clone());
                    let owner = owner.clone();
                    let spawned = std::thread::Builder::new()
                        .name("voice-finish".into())
                        .spawn(move || {
                            finish_stopped_by_itself(&owner, &id, &drafts, &events, max);
                        });
                    if let Err(e) = spawned {
                        tracing::error!(error = %e, "cannot finish a recording that stopped");
                    }
                }
            }
        };
        let recorder = Recorder::start(options, on_update)?;
        let started = RecordingStarted {
            id: id.clone(),
            device: recorder.device().to_owned(),
            max_ms: max.as_millis() as u64,
        };
        *slot = Some(Active {
            id,
            drafts,
            recorder,
        });
        Ok(started)
    }

    /// Whether a recording is under way (never when signed out).
    pub fn is_recording(&self) -> bool {
        self.account().is_ok_and(|a| a.voice.is_recording())
    }

    /// Stops the recording and encodes it into a draft (a moment for a long note).
    pub async fn stop_recording(&self) -> AgentResult<VoiceDraft> {
        let account = self.account()?;
        let Active {
            id,
            drafts,
            recorder,
        } = account
            .voice
            .lock()
            .take()
            .ok_or(VoiceError::NotRecording)?;
        let max = self.config().voice_max;
        let events = account.events.clone();
        let draft = tokio::task::spawn_blocking(move || {
            finish(&id, &drafts, recorder.stop(), &events, max)
        })
        .await
        .map_err(|e| AgentError::Io(format!("The recording could not be finished: {e}")))??;
        Ok(draft)
    }

    /// Stops the recording and deletes it; nothing is left behind. A no-op when none runs
    /// (or signed out: signing out cancelled it).
    pub fn cancel_recording(&self) -> AgentResult<()> {
        if let Ok(account) = self.account() {
            account.voice.cancel();
        }
        Ok(())
    }

    /// The drafts kept for the signed-in account, oldest first (recordings a crash
    /// interrupted are recovered here).
    pub fn voice_drafts(&self) -> AgentResult<Vec<VoiceDraft>> {
        let account = self.account()?;
        let recording = account.voice.recording_id();
        Ok(Drafts::in_account(&account.dir).list(recording.as_deref())?)
    }

    /// Deletes a draft and its files.
    pub fn discard_voice_draft(&self, id: &str) -> AgentResult<()> {
        let account = self.account()?;
        let drafts = Drafts::in_account(&account.dir);
        drafts.get(id)?;
        Ok(drafts.discard(id)?)
    }

    /// Sends a draft to a contact through the outbox (a voice note where the contact's
    /// channel takes one, else an audio file: the server decides). The draft is gone once
    /// the message is queued.
    pub fn send_voice_draft(&self, contact: &ContactId, id: &str) -> AgentResult<OutboxItem> {
        let account = self.account()?;
        let drafts = Drafts::in_account(&account.dir);
        let draft = drafts.get(id)?;
        let staged = stage_note(&account, &draft)?;
        let path = staged.path.clone();
        match self.send_message(
            contact,
            None,
            Vec::new(),
            Some((staged, draft.duration_ms, draft.waveform.clone())),
        ) {
            Ok(item) => {
                if let Err(e) = drafts.discard(id) {
                    tracing::warn!(id, error = %e, "a sent voice note's draft stays on disk");
                }
                Ok(item)
            }
            Err(e) => {
                let _ = std::fs::remove_file(path);
                Err(e)
            }
        }
    }
}

fn finish_stopped_by_itself(
    owner: &Weak<RecordingSlot>,
    id: &str,
    drafts: &Drafts,
    events: &broadcast::Sender<AgentEvent>,
    max: std::time::Duration,
) {
    // `stop_recording`, `cancel_recording` or signing out may have got there first.
    let taken = owner.upgrade().and_then(|slot| slot.take_if(id));
    let Some(Active { recorder, .. }) = taken else {
        return;
    };
    match recorder.stop() {
        // `finish` announces the stop, with or without a draft.
        Ok(recording) => {
            if let Err(e) = finish(id, drafts, Ok(recording), events, max) {
                tracing::warn!(error = %e, "a recording that stopped by itself was not kept");
            }
        }
        Err(e) => {
            let _ = events.send(AgentEvent::RecordingStopped {
                reason: RecordingStopReason::Failed,
                message: e.to_string(),
                draft: None,
            });
        }
    }
}

/// A copy of the note in the outbox's staging folder, named for the person receiving it.
fn stage_note(
    account: &Account,
    draft: &VoiceDraft,
) -> AgentResult<crate::cache::outbox_store::StagedFile> {
    let bytes = std::fs::read(&draft.path)
        .map_err(|e| AgentError::Io(format!("Cannot read the voice note: {e}")))?;
    let at = draft.created_at.to_string();
    let stamp: String = at.chars().filter(char::is_ascii_digit).take(14).collect();
    crate::files::stage_bytes(account, &format!("voice-note-{stamp}.ogg"), &bytes)
}
