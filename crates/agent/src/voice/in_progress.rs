//! The recording under way for one signed-in account: at most one at a time. It lives in the
//! [`Account`](crate::account::Account), so signing out cancels it and two agents in one
//! process never see each other's recording.

use std::sync::{Arc, Mutex, MutexGuard};

use super::drafts::Drafts;
use super::recorder::Recorder;

/// A recording that has started and not yet been collected.
pub(crate) struct Active {
    /// The id its draft will have.
    pub id: String,
    pub drafts: Arc<Drafts>,
    pub recorder: Recorder,
}

#[derive(Default)]
pub struct RecordingSlot(Mutex<Option<Active>>);

impl RecordingSlot {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Option<Active>> {
        // A panic while holding the lock leaves at worst a recorder to cancel; carry on.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn is_recording(&self) -> bool {
        self.lock().is_some()
    }

    /// The id of the recording under way, if any.
    pub fn recording_id(&self) -> Option<String> {
        self.lock().as_ref().map(|a| a.id.clone())
    }

    /// Takes the recording out if it is still the one with `id` (it may have been stopped or
    /// cancelled meanwhile).
    pub(crate) fn take_if(&self, id: &str) -> Option<Active> {
        let mut slot = self.lock();
        match slot.as_ref() {
            Some(a) if a.id == id => slot.take(),
            _ => None,
        }
    }

    /// Stops the recording under way, if any, and deletes its capture: nothing is left.
    pub fn cancel(&self) {
        // Out of the lock first: cancelling waits for the recorder's thread.
        let taken = self.lock().take();
        if let Some(Active { recorder, .. }) = taken {
            recorder.cancel();
        }
    }
}
